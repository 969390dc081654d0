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

-- IMPORT FOREIGN SCHEMA can create only foreign tables; the views some
-- vendors describe over them (CCAI's call_segments) are created by this
-- event trigger at the end of the IMPORT command.
CREATE FUNCTION conv_fdw.create_import_views()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'conv_fdw_create_import_views'
LANGUAGE C;

CREATE EVENT TRIGGER conv_fdw_import_views ON ddl_command_end
  WHEN TAG IN ('IMPORT FOREIGN SCHEMA')
  EXECUTE FUNCTION conv_fdw.create_import_views();

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

-- Prefetched tables: a background worker keeps a local copy of each (see
-- docs/prefetch.md).  watermark/watermark_id is the paging position the
-- copy is complete up to; it is committed with the rows it covers.
CREATE TABLE conv_fdw.prefetched (
	relid oid PRIMARY KEY,
	copy_relid oid NOT NULL,
	sync_interval interval NOT NULL,
	watermark timestamptz,
	watermark_id text,
	deletions_watermark timestamptz,
	deletions_watermark_id text,
	copy_rows bigint NOT NULL DEFAULT 0,
	requests bigint NOT NULL DEFAULT 0,
	last_sync timestamptz,
	next_sync timestamptz NOT NULL DEFAULT now(),
	last_error text
);
REVOKE ALL ON conv_fdw.prefetched FROM PUBLIC;

CREATE FUNCTION conv_fdw.prefetch(tbl regclass, sync_interval interval DEFAULT '5 minutes')
RETURNS void
AS 'MODULE_PATHNAME', 'conv_fdw_prefetch'
LANGUAGE C STRICT;

CREATE FUNCTION conv_fdw.unprefetch(tbl regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'conv_fdw_unprefetch'
LANGUAGE C STRICT;

-- Each table's owner sees its own tables' state.
CREATE VIEW conv_fdw.sync_status AS
SELECT p.relid::regclass AS "table", p.copy_rows AS rows, p.watermark,
       p.last_sync, p.next_sync, p.last_error, p.requests,
       p.copy_relid::regclass AS local_copy, p.sync_interval
  FROM conv_fdw.prefetched p
  JOIN pg_class c ON c.oid = p.relid
 WHERE pg_has_role(c.relowner, 'USAGE');

COMMENT ON VIEW conv_fdw.sync_status IS
  'state of each prefetched table''s local copy';
GRANT SELECT ON conv_fdw.sync_status TO PUBLIC;
