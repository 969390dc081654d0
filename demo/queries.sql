-- demo/queries.sql: what an analyst sees.
-- scripts/demo.sh runs it with psql -e after demo/setup.sql.
\set QUIET on
\pset footer off
\set QUIET off

\echo '== the foreign tables IMPORT FOREIGN SCHEMA created, one schema per vendor'
\det *.*

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

\echo '== Voicegain: yesterday''s calls by queue (start_time bounds become fromTime/toTime)'
SELECT queue_name, count(*) AS calls, round(avg(sentiment)::numeric, 2) AS sentiment
  FROM vg.calls
 WHERE start_time >= date_trunc('day', now()) - interval '1 day'
   AND start_time < date_trunc('day', now())
 GROUP BY queue_name
 ORDER BY calls DESC
 LIMIT 5;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT count(*) FROM vg.calls
 WHERE start_time >= date_trunc('day', now()) - interval '1 day'
   AND start_time < date_trunc('day', now());

\echo '== Voicegain: the consecutive export after a call id (call_id > n); it stops at a call still being processed, and says so'
SELECT count(*) AS exported, max(call_id) AS next_after_call_id
  FROM vg.calls
 WHERE call_id > (SELECT max(call_id) - 300 FROM vg.calls
                   WHERE start_time >= now() - interval '6 hours');

\echo '== Siro: recordings updated in the last 3 days (updated_at becomes updatedAt:gte), with their CRM customer'
SELECT count(*) AS recordings,
       count(*) FILTER (WHERE deleted) AS deleted,
       count(crm_customer) AS linked_to_crm
  FROM siro.recordings
 WHERE updated_at >= now() - interval '3 days';

\echo '== CCAI Platform: call segments of the last 7 days by call type (the view IMPORT created)'
SELECT call_type, count(*) AS calls,
       avg(queued_time) AS avg_wait, avg(handle_time) AS avg_handle,
       avg(talk_time) AS avg_talk
  FROM cc.call_segments
 WHERE updated_at >= now() - interval '7 days'
 GROUP BY call_type
 ORDER BY calls DESC;

\echo '== Cresta: average QA score by template over the last 30 days (update_time becomes startUpdateTime)'
SELECT split_part(template_name, '/', 6) AS template, count(*) AS scorecards,
       round(avg(total_score) FILTER (WHERE total_score >= 0)::numeric, 1) AS avg_score
  FROM cresta.scorecards
 WHERE update_time >= now() - interval '30 days'
 GROUP BY 1
 ORDER BY scorecards DESC;

\echo '== Cresta: a QA analyst files a scorecard (INSERT becomes POST .../scorecards)'
INSERT INTO cresta.scorecards (conversation_name, agent_user_name, template_name, scores, total_score)
SELECT 'customers/acme/profiles/default/conversations/demo-1', agent_user_name, template_name,
       '[{"criterionId": "greeting", "numericValue": 100, "notApplicable": false}]', 100
  FROM cresta.scorecards
 WHERE update_time >= now() - interval '30 days'
 LIMIT 1
RETURNING split_part(name, '/', 6) AS new_scorecard, create_time;

\echo '== the weekly report: sales calls (ExecVision) and support calls (CCAI) per CRM campaign'
SELECT c.week, c.campaign, c.spend,
       coalesce(s.calls, 0) AS sales_calls,
       coalesce(t.calls, 0) AS support_calls,
       t.avg_handle AS support_handle_time,
       round(c.spend / nullif(s.calls, 0), 2) AS spend_per_sales_call
  FROM crm_campaigns c
  LEFT JOIN (SELECT date_trunc('week', call_time)::date AS week, count(*) AS calls
               FROM ev.calls
              WHERE call_time >= date_trunc('week', now()) - interval '21 days'
              GROUP BY 1) s USING (week)
  LEFT JOIN (SELECT date_trunc('week', created_at)::date AS week, count(*) AS calls,
                    date_trunc('second', avg(handle_time)) AS avg_handle
               FROM cc.call_segments
              WHERE updated_at >= date_trunc('week', now()) - interval '21 days'
                AND created_at >= date_trunc('week', now()) - interval '21 days'
              GROUP BY 1) t USING (week)
 ORDER BY c.week DESC;

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
SELECT server, current_window, rate_limit, used, waits,
       round(wait_ms::numeric) AS wait_ms, throttled
  FROM conv_fdw.rate_status;
