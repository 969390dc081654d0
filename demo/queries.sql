-- demo/queries.sql: what an analyst sees.
-- scripts/demo.sh runs it with psql -e after demo/setup.sql.
\set QUIET on
\pset footer off
\set QUIET off

\echo '== the foreign tables IMPORT FOREIGN SCHEMA created'
\det ev.*

\echo '== calls per direction over the last 7 days (call_time >= ... becomes since=...)'
SELECT direction, count(*) AS calls,
       round((avg(duration) / 60)::numeric, 1) AS avg_minutes
  FROM ev.calls
 WHERE call_time >= now() - interval '7 days'
 GROUP BY direction
 ORDER BY calls DESC;

\echo '== the request behind it, and what it cost'
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev.calls WHERE call_time >= now() - interval '7 days';

\echo '== talk ratio by team over the last 14 days (calls joined with users and teams)'
SELECT t.name AS team, count(*) AS calls,
       round(avg((c.stats->>'talkRatio')::numeric), 2) AS talk_ratio
  FROM ev.calls c
  JOIN ev.users u ON u.user_id = c.caller_id
  JOIN ev.teams t ON t.id = u.team_id
 WHERE c.modified >= now() - interval '14 days' AND c.state = 'COMPLETE'
 GROUP BY t.name
 ORDER BY talk_ratio DESC
 LIMIT 8;

\echo '== calls by CRM segment over the last 7 days (a join with the local CRM on a metadata field)'
SELECT a.segment, count(*) AS calls, count(DISTINCT a.account_id) AS accounts,
       sum(a.arr) / count(*) AS arr_per_call
  FROM ev.calls c
  JOIN crm_accounts a ON a.account_id = c.metadata->>'crm_account_id'
 WHERE c.call_time >= now() - interval '7 days'
 GROUP BY a.segment
 ORDER BY calls DESC;

\echo '== one company''s calls: a metadata search, then one lookup per call found'
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id, call_time FROM ev.calls WHERE metadata->>'opportunity_id' = '006AbC';
SELECT id, call_time, direction, metadata->>'opportunity_price_point' AS price
  FROM ev.calls
 WHERE metadata->>'opportunity_id' =
       (SELECT metadata->>'opportunity_id' FROM ev.calls
         WHERE metadata ? 'opportunity_id' LIMIT 1)
 ORDER BY call_time
 LIMIT 5;

\echo '== a materialized view for the weekly report, and its refresh'
CREATE MATERIALIZED VIEW daily_calls AS
SELECT date_trunc('day', call_time)::date AS day, direction, count(*) AS calls
  FROM ev.calls
 WHERE call_time >= now() - interval '30 days'
 GROUP BY 1, 2;
SELECT day, sum(calls) AS calls FROM daily_calls GROUP BY day ORDER BY day DESC LIMIT 5;
REFRESH MATERIALIZED VIEW daily_calls;
SELECT count(*) AS rows_after_refresh FROM daily_calls;

\echo '== keep a local copy of calls, kept current by the background worker'
SELECT conv_fdw.prefetch('ev.calls', interval '5 minutes');
DO $$
BEGIN
	-- wait for the worker's first sync (the backfill), at most a minute
	FOR i IN 1..120 LOOP
		EXIT WHEN EXISTS (SELECT 1 FROM conv_fdw.sync_status WHERE last_sync IS NOT NULL);
		PERFORM pg_sleep(0.5);
	END LOOP;
END
$$;
SELECT "table", rows, watermark, last_sync, next_sync, last_error, requests
  FROM conv_fdw.sync_status;

\echo '== the same count now reads the changes since the copy''s watermark, then the copy'
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev.calls WHERE call_time >= now() - interval '7 days';

\echo '== every session and the worker share one rate budget per server'
SELECT * FROM conv_fdw.rate_status;
