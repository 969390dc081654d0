--
-- conv_fdw: the extension's objects and the option validator
--
-- scripts/test.sh exports the simulator's addresses; \getenv keeps their
-- port numbers out of the expected output.
\getenv sim_url CONV_SIM_URL
\getenv sim_tls_url CONV_SIM_TLS_URL
\getenv sim_ca CONV_SIM_CA

CREATE EXTENSION conv_fdw;

-- the foreign data wrapper and the schema holding its functions
SELECT fdwname, fdwhandler::regprocedure, fdwvalidator::regprocedure, fdwoptions
  FROM pg_foreign_data_wrapper
 WHERE fdwname = 'conv_fdw';
SELECT nspname FROM pg_namespace WHERE nspname = 'conv_fdw';

-- all of them belong to the extension
SELECT pg_describe_object(classid, objid, objsubid) AS member
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'conv_fdw')
   AND deptype = 'e'
 ORDER BY 1;

--
-- servers
--
CREATE SERVER ev FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url :'sim_url');
CREATE SERVER ev_tls FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url :'sim_tls_url', ca_file :'sim_ca',
           timeout_ms '30000', connect_timeout_ms '5000', max_retries '0',
           page_size '1000', rate_limit '5/s 06:00-21:00; 25/s',
           rate_timezone 'America/New_York');
-- https to any host, and plain http to each form of loopback address
CREATE SERVER ev_public FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url 'https://acme.execvision.io');
CREATE SERVER lo_name FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url 'http://LocalHost:8080/api-externalApi/v1');
CREATE SERVER lo_ipv4 FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url 'http://127.1.2.3');
CREATE SERVER lo_ipv6 FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url 'http://[::1]:9000/manager/api/v1');
SELECT srvname,
       array(SELECT split_part(o, '=', 1) FROM unnest(srvoptions) AS o) AS options
  FROM pg_foreign_server
 ORDER BY srvname;

-- unknown options; an option of another kind of object says where it goes
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', host 'acme.execvision.io');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', username 'me');
ALTER FOREIGN DATA WRAPPER conv_fdw OPTIONS (ADD debug 'on');

-- every server needs a vendor, one conv_fdw knows
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw;
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (base_url 'https://acme.execvision.io');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw OPTIONS (vendor 'gong');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw OPTIONS (vendor 'ExecVision');
ALTER SERVER ev OPTIONS (DROP vendor);
-- vendor-specific options
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', customer 'acme');
-- Cresta's own options are required, and so is base_url where a vendor
-- has no public address (CCAI, Cresta)
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'cresta', base_url 'https://acme.cresta.example', customer 'acme');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'ccai');
CREATE SERVER good_cresta FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'cresta', base_url 'https://acme.cresta.example',
           customer 'acme', profile 'default');
ALTER SERVER good_cresta OPTIONS (DROP profile);
ALTER SERVER good_cresta OPTIONS (SET customer 'other', ADD page_size '10');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'cresta', base_url 'https://acme.cresta.example',
           customer 'acme', profile 'default', colour 'blue');
DROP SERVER good_cresta;

-- numbers
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', timeout_ms '-5');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', timeout_ms '0');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', connect_timeout_ms '10s');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', connect_timeout_ms ' 10');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', max_retries '-1');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', page_size '99999999999');
ALTER SERVER ev OPTIONS (ADD page_size '');

-- URLs
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url 'http://acme.execvision.io');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url 'http://127.0.0.1.nip.io');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url 'http://localhost@acme.execvision.io');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url 'https://me:s3cret@acme.execvision.io');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url 'ftp://acme.execvision.io');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url 'acme.execvision.io');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url 'https://acme.execvision.io/?x=1');

-- other server options
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', ca_file 'certs/ca.pem');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', rate_timezone 'Mars/Olympus_Mons');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', rate_limit '');

--
-- user mappings
--
CREATE USER MAPPING FOR CURRENT_USER SERVER ev
  OPTIONS (username 'ev-user', password 'ev-secret');
CREATE USER MAPPING FOR CURRENT_USER SERVER ev_public
  OPTIONS (token 'eyJhbGciOiJIUzI1NiJ9.e30.sig');
CREATE USER MAPPING FOR PUBLIC SERVER ev OPTIONS (user 'ev-user');
CREATE USER MAPPING FOR PUBLIC SERVER ev OPTIONS (base_url 'https://x.example');
CREATE USER MAPPING FOR PUBLIC SERVER ev OPTIONS (username 'ev:user');
CREATE USER MAPPING FOR PUBLIC SERVER ev OPTIONS (password '');
ALTER USER MAPPING FOR CURRENT_USER SERVER ev_public
  OPTIONS (SET token E'abc\r\nX-Injected: 1');

-- an error about a password or token never shows its value
DO $$
DECLARE
	msg text;
	detail text;
	hint text;
BEGIN
	CREATE USER MAPPING FOR PUBLIC SERVER ev
	  OPTIONS (username 'u', password E'hunter2\nX-Injected: 1');
EXCEPTION WHEN fdw_invalid_attribute_value THEN
	GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
							hint = PG_EXCEPTION_HINT;
	RAISE NOTICE 'message: %; detail: %; shows the password: %',
		msg, detail, concat(msg, detail, hint) LIKE '%hunter2%';
END
$$;

--
-- foreign tables and columns
--
CREATE SCHEMA ev;
CREATE FOREIGN TABLE ev.calls (
	id text,
	call_time timestamptz,
	company text OPTIONS (json_path 'metadata.company')
) SERVER ev OPTIONS (endpoint 'calls');
CREATE FOREIGN TABLE ev.bad (id text) SERVER ev OPTIONS (resource 'calls');
CREATE FOREIGN TABLE ev.bad (id text) SERVER ev OPTIONS (endpoint '');
CREATE FOREIGN TABLE ev.bad (id text OPTIONS (column_name 'id')) SERVER ev;
CREATE FOREIGN TABLE ev.bad (company text OPTIONS (json_path '.metadata')) SERVER ev;
ALTER FOREIGN TABLE ev.calls
  ALTER COLUMN company OPTIONS (SET json_path 'metadata..company');

-- a hand-made table pushes down like an imported one; plain EXPLAIN
-- makes no request (the server's URL is not even reachable here)
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ev.calls WHERE call_time > '2026-11-01';
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ev.calls WHERE company = 'ACME Corp';
CREATE FOREIGN TABLE ev.nowhere (id text) SERVER ev OPTIONS (endpoint 'recordings');
SELECT * FROM ev.nowhere;
CREATE FOREIGN TABLE ev.noendpoint (id text) SERVER ev;
SELECT * FROM ev.noendpoint;

-- the SQLSTATEs of the errors above
\set VERBOSITY sqlstate
SELECT * FROM ev.nowhere;
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw OPTIONS (vendor 'execvision', x 'y');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw OPTIONS (vendor 'gong');
CREATE SERVER bad FOREIGN DATA WRAPPER conv_fdw;
\set VERBOSITY default

--
-- settings
--
SHOW conv_fdw.user_agent;
SET conv_fdw.user_agent = 'acme-analytics/2.0';
SHOW conv_fdw.user_agent;
SET conv_fdw.user_agent = E'evil\r\nX-Injected: 1';
SET conv_fdw.no_such_setting = 'on';
RESET conv_fdw.user_agent;

--
-- DROP EXTENSION removes everything it created
--
\set VERBOSITY terse
DROP EXTENSION conv_fdw;
\set VERBOSITY default
SET client_min_messages = warning;
DROP EXTENSION conv_fdw CASCADE;
RESET client_min_messages;
SELECT (SELECT count(*) FROM pg_foreign_data_wrapper) AS wrappers,
       (SELECT count(*) FROM pg_foreign_server) AS servers,
       (SELECT count(*) FROM pg_user_mappings) AS user_mappings,
       (SELECT count(*) FROM pg_foreign_table) AS foreign_tables,
       (SELECT count(*) FROM pg_namespace WHERE nspname = 'conv_fdw') AS schemas,
       (SELECT count(*) FROM pg_proc WHERE proname LIKE 'conv_fdw%') AS functions;

-- and it can be created again
CREATE EXTENSION conv_fdw;
DROP EXTENSION conv_fdw;
DROP SCHEMA ev;
