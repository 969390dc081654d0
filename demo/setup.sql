-- demo/setup.sql: what a data engineer does once per database.
-- scripts/demo.sh runs it with psql -a; the simulator's address, its CA
-- certificate and credentials come from the environment.
\getenv sim_url CONV_SIM_TLS_URL
\getenv sim_ca CONV_SIM_CA
\getenv ev_user CONV_SIM_EV_USER
\getenv ev_password CONV_SIM_EV_PASSWORD

CREATE EXTENSION conv_fdw;

-- The simulator stands in for https://<company>.execvision.io; its
-- certificate is signed by a test CA, so the server names that CA.
CREATE SERVER ev FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url :'sim_url', ca_file :'sim_ca');

-- Credentials live only in the user mapping.
CREATE USER MAPPING FOR CURRENT_USER SERVER ev
  OPTIONS (username :'ev_user', password :'ev_password');

-- One foreign table per ExecVision endpoint, in schema ev.
CREATE SCHEMA ev;
IMPORT FOREIGN SCHEMA execvision FROM SERVER ev INTO ev;

-- The other vendors the company uses, each a server of its own (the
-- simulator answers for all of them; its tokens are its defaults).
CREATE SERVER vg FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'voicegain', base_url :'sim_url', ca_file :'sim_ca');
CREATE USER MAPPING FOR CURRENT_USER SERVER vg OPTIONS (token 'vg-token');
CREATE SCHEMA vg;
IMPORT FOREIGN SCHEMA voicegain FROM SERVER vg INTO vg;

CREATE SERVER siro FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'siro', base_url :'sim_url', ca_file :'sim_ca');
CREATE USER MAPPING FOR CURRENT_USER SERVER siro OPTIONS (token 'siro-token');
CREATE SCHEMA siro;
IMPORT FOREIGN SCHEMA siro FROM SERVER siro INTO siro;

-- CCAI Platform: the account's own host; HTTP Basic with the subdomain
CREATE SERVER cc FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'ccai', base_url :'sim_url', ca_file :'sim_ca');
CREATE USER MAPPING FOR CURRENT_USER SERVER cc
  OPTIONS (username 'acme', password 'ccai-token');
CREATE SCHEMA cc;
IMPORT FOREIGN SCHEMA ccai FROM SERVER cc INTO cc;   -- also the view cc.call_segments

CREATE SERVER cresta FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'cresta', base_url :'sim_url', ca_file :'sim_ca',
           customer 'acme', profile 'default');
CREATE USER MAPPING FOR CURRENT_USER SERVER cresta OPTIONS (token 'cresta-token');
CREATE SCHEMA cresta;
IMPORT FOREIGN SCHEMA cresta FROM SERVER cresta INTO cresta;

-- The company's own CRM, a local table.  Here it is filled from the
-- accounts the calls mention; in real life it is your CRM's copy.
CREATE TABLE crm_accounts (
	account_id text PRIMARY KEY,
	name text NOT NULL,
	segment text NOT NULL,
	arr numeric NOT NULL
);
INSERT INTO crm_accounts
SELECT account_id, name,
       (ARRAY['Enterprise', 'Mid-Market', 'SMB'])[1 + abs(hashtext(name)) % 3],
       1000 * (10 + abs(hashtext(account_id)) % 490)
  FROM (SELECT DISTINCT ON (metadata->>'crm_account_id')
               metadata->>'crm_account_id' AS account_id,
               metadata->>'company' AS name
          FROM ev.calls
         WHERE modified >= now() - interval '3 days'
           AND metadata ? 'crm_account_id' AND metadata ? 'company') AS seen;

-- The marketing calendar, also from the CRM: one campaign a week.
CREATE TABLE crm_campaigns (
	week date PRIMARY KEY,
	campaign text NOT NULL,
	spend numeric NOT NULL
);
INSERT INTO crm_campaigns
SELECT week, (ARRAY['Spring renewal', 'Upsell webinar', 'Win-back', 'New pricing'])[1 + i % 4],
       5000 + 1500 * (i % 3)
  FROM generate_series(0, 3) AS i,
       LATERAL (SELECT date_trunc('week', now())::date - 7 * i AS week) AS w;
