-- demo/queries.sql: what an analyst sees.
-- scripts/demo.sh runs it with psql -e after demo/setup.sql.
\set QUIET on
\pset expanded on
\set QUIET off

\echo '== the foreign data wrapper (\\dew+)'
\dew+

\echo '== the server (\\des+)'
\des+

-- IMPORT FOREIGN SCHEMA and queries of the vendor tables come here when
-- conv_fdw can scan them.
