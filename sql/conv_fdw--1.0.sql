/* sql/conv_fdw--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION conv_fdw" to load this file. \quit

-- The extension keeps its objects in a schema of its own.  Creating the
-- schema here (rather than naming it in the control file) makes it a member
-- of the extension, so DROP EXTENSION removes it together with everything
-- in it.
CREATE SCHEMA conv_fdw;

COMMENT ON SCHEMA conv_fdw IS 'objects of the conv_fdw extension';

CREATE FUNCTION conv_fdw.conv_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION conv_fdw.conv_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER conv_fdw
  HANDLER conv_fdw.conv_fdw_handler
  VALIDATOR conv_fdw.conv_fdw_validator;

COMMENT ON FOREIGN DATA WRAPPER conv_fdw
  IS 'foreign data wrapper for conversation-intelligence vendor APIs';

-- The rate budgets: one per server, shared by every session and the
-- background worker (see docs/rate-limits.md).
CREATE FUNCTION conv_fdw.rate_budget(server oid,
	OUT current_window text, OUT rate_limit text, OUT used bigint,
	OUT waits bigint, OUT wait_ms double precision, OUT throttled boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'conv_fdw_rate_budget'
LANGUAGE C STRICT;

CREATE VIEW conv_fdw.rate_status AS
SELECT s.srvname AS server, b.current_window, b.rate_limit, b.used, b.waits,
       b.wait_ms, b.throttled
  FROM pg_foreign_server s
  JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
 CROSS JOIN LATERAL conv_fdw.rate_budget(s.oid) b
 WHERE w.fdwname = 'conv_fdw';

COMMENT ON VIEW conv_fdw.rate_status IS
  'request-rate window in force and budget counters of each conv_fdw server';
GRANT USAGE ON SCHEMA conv_fdw TO PUBLIC;
GRANT SELECT ON conv_fdw.rate_status TO PUBLIC;
