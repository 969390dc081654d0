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
