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
