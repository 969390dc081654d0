--
-- conv_fdw: the Google CCAI Platform (formerly UJET) foreign tables, read
-- from conv-sim
--
-- scripts/test.sh starts conv-sim with a fixed data set (--calls 3000:
-- 3000 calls, 1500 chats, 50 agents, the newest data at 2026-11-20 02:00
-- UTC) and a CCAI quota no test reaches, so the rows below do not depend
-- on the day the tests run.  Besides the rows, the tests assert the
-- requests each query made, read from the simulator's request log.
--
\getenv sim_url CONV_SIM_URL
\getenv sim_log CONV_SIM_LOG

SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

CREATE EXTENSION conv_fdw;

--
-- helpers: sim_requests(), sim_error() and shows_secret() of
-- sim_helpers.sql; the requests so far are not this suite's
--
SELECT sim_reset();

--
-- the server: each CCAI account has its own host, so base_url has no
-- default; HTTP Basic takes the account's subdomain as user name and an
-- API token as password
--
CREATE SERVER cc_nourl FOREIGN DATA WRAPPER conv_fdw OPTIONS (vendor 'ccai');
SELECT * FROM sim_error($$CREATE SERVER cc_nourl FOREIGN DATA WRAPPER conv_fdw
						  OPTIONS (vendor 'ccai')$$);

-- the vendor's rate default is 10 requests a second, all day, in UTC
CREATE SERVER cc_default FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'ccai', base_url 'https://acme.ccaiplatform.com');
SELECT server, current_window, rate_limit, used FROM conv_fdw.rate_status
 WHERE server = 'cc_default';
DROP SERVER cc_default;

-- conv-sim's quota is out of reach here; conv_fdw's own limiter would
-- only add waits, so a generous rate_limit keeps it out of the way
CREATE SERVER cc FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'ccai', base_url :'sim_url', rate_limit '100000/s');
CREATE USER MAPPING FOR CURRENT_USER SERVER cc
  OPTIONS (username 'acme', password 'ccai-token');

-- nothing has been requested yet
SELECT * FROM sim_requests();

--
-- IMPORT FOREIGN SCHEMA: the remote schema is the vendor's name; seven
-- tables and the view call_segments over calls
--
CREATE SCHEMA cc;
IMPORT FOREIGN SCHEMA ccai FROM SERVER cc INTO cc;
SELECT c.relname, c.relkind, s.srvname, ft.ftoptions
  FROM pg_class c
  LEFT JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
  LEFT JOIN pg_foreign_server s ON s.oid = ft.ftserver
 WHERE c.relnamespace = 'cc'::regnamespace
 ORDER BY c.relname;

-- the contract's types: ids bigint (the vendor's are integers), times
-- timestamptz, counts bigint, measures double precision, nested objects
-- and arrays jsonb; the API's fields are snake_case, so a column whose
-- name is not its own camelCase (created_at) names its field
\d cc.calls
SELECT a.attrelid::regclass AS "table",
	   string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ||
				  CASE WHEN a.attfdwoptions IS NULL OR
							a.attfdwoptions = ARRAY['json_path=' || a.attname] THEN ''
					   ELSE ' ' || array_to_string(a.attfdwoptions, ',') END,
				  ', ' ORDER BY a.attnum) AS columns
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'cc'::regnamespace AND c.relkind = 'f' AND c.relname <> 'calls'
   AND a.attnum > 0
 GROUP BY a.attrelid
 ORDER BY a.attrelid::regclass::text;
-- the documented call segments, from the call's own columns
\d+ cc.call_segments

-- LIMIT TO and EXCEPT: the view comes with calls only
CREATE SCHEMA cc_chats;
IMPORT FOREIGN SCHEMA ccai LIMIT TO (chats) FROM SERVER cc INTO cc_chats;
CREATE SCHEMA cc_calls;
IMPORT FOREIGN SCHEMA ccai LIMIT TO (calls, teams) FROM SERVER cc INTO cc_calls;
CREATE SCHEMA cc_rest;
IMPORT FOREIGN SCHEMA ccai EXCEPT (calls) FROM SERVER cc INTO cc_rest;
SELECT c.relnamespace::regnamespace AS schema,
	   string_agg(c.relname || ' (' || c.relkind::text || ')', ', ' ORDER BY c.relname) AS relations
  FROM pg_class c
 WHERE c.relnamespace IN ('cc_chats'::regnamespace, 'cc_calls'::regnamespace,
						  'cc_rest'::regnamespace)
 GROUP BY 1
 ORDER BY 1;
-- the view reads the calls of its own schema
SELECT DISTINCT d.refobjid::regclass AS view_reads
  FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
 WHERE r.ev_class = 'cc_calls.call_segments'::regclass AND d.refobjid <> r.ev_class;
SET client_min_messages = warning;
DROP SCHEMA cc_chats, cc_calls, cc_rest CASCADE;
RESET client_min_messages;

-- errors: a remote schema that is not the vendor's, a table it lacks; a
-- failed IMPORT creates nothing, not even the view
CREATE SCHEMA cc_bad;
IMPORT FOREIGN SCHEMA "CCAI" FROM SERVER cc INTO cc_bad;
IMPORT FOREIGN SCHEMA ccai LIMIT TO (calls, call_segments) FROM SERVER cc INTO cc_bad;
CREATE VIEW cc_bad.call_segments AS SELECT 1 AS id;
IMPORT FOREIGN SCHEMA ccai LIMIT TO (calls) FROM SERVER cc INTO cc_bad;
DROP VIEW cc_bad.call_segments;
SELECT count(*) AS relations FROM pg_class WHERE relnamespace = 'cc_bad'::regnamespace;
-- and the next IMPORT makes only its own views
IMPORT FOREIGN SCHEMA ccai LIMIT TO (teams) FROM SERVER cc INTO cc_bad;
SELECT relname FROM pg_class WHERE relnamespace = 'cc_bad'::regnamespace;
DROP SCHEMA cc_bad CASCADE;

-- importing asks the vendor nothing
SELECT * FROM sim_requests();

--
-- calls: all 3000, tailed by updated_at 100 at a time (the vendor's
-- "tailing": updated_at[from] = the last call's time, sorted ascending);
-- each request repeats the calls at its bound, and 150 calls share the
-- updated_at 2026-11-18 02:00 (a bulk update), more than a page holds:
-- there the tail reads the calls of that time alone (updated_at[to] a
-- microsecond later) by page number, then goes on just after it.  The
-- checksum is that of the simulator's own list of calls (GET
-- /_admin/ccai/calls).
--
CREATE TABLE calls_copy AS SELECT * FROM cc.calls;
ANALYZE calls_copy;
SELECT n, query, status
  FROM sim_requests() WITH ORDINALITY AS r(method, path, query, status, n)
 WHERE path = '/manager/api/v1/calls';
SELECT count(*) AS calls, count(DISTINCT id) AS ids, min(id), max(id),
	   md5(string_agg(id::text, ',' ORDER BY id)) AS ids_md5
  FROM calls_copy;
SELECT updated_at, count(*) FROM calls_copy GROUP BY 1 HAVING count(*) > 1 ORDER BY 1;

-- the fields decode; which are null follows what the call went through
SELECT call_type, status, count(*) AS calls,
	   count(queued_at) AS queued, count(connecting_at) AS connecting,
	   count(connected_at) AS connected, count(ended_at) AS ended,
	   count(duration) AS duration, count(wait_duration) AS wait,
	   count(agent_id) AS agent, count(menu_id) AS menu,
	   count(recording_url) AS recording,
	   string_agg(DISTINCT fail_reason, ',') AS fail_reasons,
	   string_agg(DISTINCT disconnected_by, ',') AS disconnected_by,
	   string_agg(DISTINCT voicemail_reason, ',') AS voicemail_reasons
  FROM calls_copy
 GROUP BY call_type, status
 ORDER BY call_type, status;
SELECT bool_and(created_at <= updated_at) AS updated_after_created,
	   bool_and(duration = round(extract(epoch FROM ended_at - connected_at)))
		 AS duration_is_talk,
	   bool_and(agent_id = (agent->>'id')::bigint) AS agent_ids,
	   bool_and(menu_id = (menu->>'id')::bigint) AS menu_ids,
	   bool_and(end_user_id = (end_user->>'id')::bigint) AS end_user_ids,
	   count(*) FILTER (WHERE end_user_identifier LIKE '+1555%') AS with_phone,
	   count(*) FILTER (WHERE end_user_identifier IS NULL) AS anonymous,
	   count(out_contact_id) AS with_crm_contact,
	   count(rating) AS rated, count(*) FILTER (WHERE has_feedback) AS with_feedback,
	   count(out_ticket_id) AS with_ticket,
	   count(*) FILTER (WHERE jsonb_array_length(transfers) > 0) AS transferred,
	   max(jsonb_array_length(participants)) AS most_participants,
	   count(*) FILTER (WHERE hold_duration > 0) AS held,
	   count(parent_id) AS with_parent,
	   string_agg(DISTINCT recording_permission, ',') AS recording_permissions,
	   string_agg(DISTINCT support_number, ',') AS support_numbers,
	   bool_and(photos = '[]' AND videos = '[]') AS no_media
  FROM calls_copy;

--
-- call_segments: the document's formulas over every call, and for a call
-- of each kind
--
SELECT count(*) AS differing_rows
  FROM (SELECT id, agent_id, created_at, ended_at, updated_at, ivr_time, queued_time, wait_time,
			   ring_time, handle_time, talk_time, hold_time, call_time, billing_time
		  FROM cc.call_segments
		EXCEPT
		SELECT id, agent_id, created_at, ended_at, updated_at,
			   queued_at - created_at, connected_at - queued_at, connected_at - queued_at,
			   connected_at - connecting_at, ended_at - connected_at,
			   (duration - hold_duration) * interval '1 second',
			   hold_duration * interval '1 second', ended_at - created_at, ended_at - created_at
		  FROM calls_copy) AS d;
SELECT count(*) AS requests FROM sim_requests();
SELECT DISTINCT ON (call_type, status) call_type, status, id, ivr_time, wait_time, ring_time,
	   handle_time, talk_time, hold_time, billing_time
  FROM cc.call_segments
 WHERE id IN (SELECT min(id) FROM calls_copy GROUP BY call_type, status
			  UNION ALL
			  SELECT min(id) FROM calls_copy WHERE hold_duration > 0)
 ORDER BY call_type, status, hold_time DESC, id;
-- a list of ids is one lookup each
SELECT method, path, query, status FROM sim_requests() ORDER BY path;
-- talk time is handle time less hold, to the second the API counts in
SELECT count(*) AS connected_calls,
	   count(*) FILTER (WHERE abs(extract(epoch FROM handle_time - talk_time - hold_time)) <= 0.5)
		 AS talk_plus_hold_is_handle
  FROM cc.call_segments
 WHERE handle_time IS NOT NULL;
-- averages by call type: what the view is for
SELECT call_type, count(*) AS calls,
	   date_trunc('second', avg(ivr_time)) AS avg_ivr,
	   date_trunc('second', avg(wait_time)) AS avg_wait,
	   date_trunc('second', avg(handle_time)) AS avg_handle,
	   date_trunc('second', avg(talk_time)) AS avg_talk
  FROM cc.call_segments
 GROUP BY call_type
 ORDER BY call_type;
SELECT count(*) AS requests FROM sim_requests();

--
-- chats: all 1500, tailed the same way
--
CREATE TABLE chats_copy AS SELECT * FROM cc.chats;
SELECT count(*) AS requests, min(query) AS first_query
  FROM sim_requests() WHERE query NOT LIKE '%page=%';
SELECT count(*) AS chats, count(DISTINCT id) AS ids, min(id), max(id),
	   md5(string_agg(id::text, ',' ORDER BY id)) AS ids_md5
  FROM chats_copy;
SELECT chat_type, status, count(*) AS chats, count(queued_at) AS queued,
	   count(assigned_at) AS assigned, count(ended_at) AS ended,
	   count(agent_id) AS agent, count(duration) AS duration,
	   sum((message_counts->>'end_user')::int) AS end_user_messages,
	   sum((message_counts->>'agent')::int) AS agent_messages
  FROM chats_copy
 GROUP BY chat_type, status
 ORDER BY chat_type, status;

--
-- agents and their activity: each agent's statuses back to back, the last
-- one open; the agent's status is that of its open activity
--
CREATE TABLE agents_copy AS SELECT * FROM cc.agents;
CREATE TABLE activity_copy AS SELECT * FROM cc.agent_activity_logs;
SELECT path, count(*) AS requests, min(query) AS first_query
  FROM sim_requests() GROUP BY path ORDER BY path;
SELECT count(*) AS agents, count(DISTINCT id) AS ids,
	   md5(string_agg(id::text, ',' ORDER BY id)) AS ids_md5,
	   count(*) FILTER (WHERE roles ? 'manager') AS managers,
	   count(*) FILTER (WHERE languages ? 'es') AS spanish,
	   bool_and(agent_number = 'A0' || id) AS agent_numbers,
	   bool_and(name = first_name || ' ' || last_name) AS names,
	   min(jsonb_array_length(teams)) AS min_teams, max(jsonb_array_length(teams)) AS max_teams,
	   count(avatar_url) + count(phone_number) AS avatars_and_phones
  FROM agents_copy;
SELECT count(*) AS activity, count(DISTINCT id) AS ids,
	   md5(string_agg(id::text, ',' ORDER BY id)) AS ids_md5,
	   count(*) FILTER (WHERE ended_at IS NULL) AS open,
	   count(DISTINCT agent_id) AS agents,
	   bool_and(duration = round(extract(epoch FROM ended_at - started_at))) AS durations
  FROM activity_copy;
SELECT count(*) AS agents,
	   count(*) FILTER (WHERE a.status = l.status AND a.user_status_id = l.user_status_id
						AND a.status_updated_at = l.started_at) AS status_is_open_activity
  FROM agents_copy a JOIN activity_copy l ON l.agent_id = a.id AND l.ended_at IS NULL;
-- back to back: each activity ends when the agent's next one starts
SELECT count(*) AS gaps
  FROM (SELECT ended_at, lead(started_at) OVER (PARTITION BY agent_id ORDER BY started_at) AS next
		  FROM activity_copy) AS s
 WHERE next IS NOT NULL AND next <> ended_at;

--
-- teams, menus, user statuses: one request each (one page of 100); their
-- trees hold together, agents' teams and statuses are theirs
--
SELECT * FROM cc.teams ORDER BY id;
SELECT * FROM cc.menus ORDER BY id;
SELECT * FROM cc.user_statuses ORDER BY id;
SELECT * FROM sim_requests();
SELECT (SELECT count(*) FROM cc.teams t WHERE parent_id IS NOT NULL
		   AND parent_id NOT IN (SELECT id FROM cc.teams)) AS orphan_teams,
	   (SELECT count(*) FROM agents_copy a, jsonb_array_elements(a.teams) AS t
		 WHERE (t->>'id')::bigint NOT IN (SELECT id FROM cc.teams)) AS unknown_agent_teams,
	   (SELECT count(*) FROM activity_copy
		 WHERE user_status_id NOT IN (SELECT id FROM cc.user_statuses)) AS unknown_statuses,
	   (SELECT count(*) FROM calls_copy
		 WHERE menu_id NOT IN (SELECT id FROM cc.menus)) AS unknown_call_menus,
	   (SELECT count(*) FROM calls_copy
		 WHERE agent_id NOT IN (SELECT id FROM agents_copy)) AS unknown_call_agents;
SELECT count(*) AS requests FROM sim_requests();

--
-- pushdown: updated_at >= x (and >) is the tail's start, sent to the
-- minute, rounded down; every condition is still checked locally, which
-- removes what the minute adds
--
SELECT (SELECT count(*) FROM cc.calls WHERE updated_at >= '2026-11-19 10:07:45.5') AS pushed,
	   (SELECT count(*) FROM calls_copy WHERE updated_at >= '2026-11-19 10:07:45.5') AS expected;
SELECT (SELECT count(*) FROM cc.calls WHERE updated_at > '2026-11-19 15:25:20.739') AS pushed,
	   (SELECT count(*) FROM calls_copy WHERE updated_at > '2026-11-19 15:25:20.739') AS expected;
-- the value on the left
SELECT count(*) FROM cc.calls WHERE '2026-11-19 22:00' <= updated_at;
SELECT * FROM sim_requests();

-- upper bounds are updated_at[to] (exclusive), to the millisecond: "<= x"
-- asks before x + 1 ms, and a bound between two milliseconds is rounded
-- up, so the answer is never narrower than the condition
SELECT (SELECT count(*) FROM cc.calls
		 WHERE updated_at >= '2026-11-19 12:00' AND updated_at < '2026-11-19 15:25:20.739') AS pushed,
	   (SELECT count(*) FROM calls_copy
		 WHERE updated_at >= '2026-11-19 12:00' AND updated_at < '2026-11-19 15:25:20.739') AS expected;
SELECT (SELECT count(*) FROM cc.calls
		 WHERE updated_at >= '2026-11-19 12:00' AND updated_at <= '2026-11-19 15:25:20.739') AS pushed,
	   (SELECT count(*) FROM calls_copy
		 WHERE updated_at >= '2026-11-19 12:00' AND updated_at <= '2026-11-19 15:25:20.739') AS expected;
SELECT (SELECT count(*) FROM cc.calls
		 WHERE updated_at >= '2026-11-19 12:00' AND updated_at < '2026-11-19 15:25:20.7385') AS pushed,
	   (SELECT count(*) FROM calls_copy
		 WHERE updated_at >= '2026-11-19 12:00' AND updated_at < '2026-11-19 15:25:20.7385') AS expected;
SELECT * FROM sim_requests();

-- created_at: created_at[from] and created_at[to], alongside the tail on
-- updated_at (without a bound on updated_at the tail starts at 1970)
SELECT (SELECT count(*) FROM cc.calls
		 WHERE created_at >= '2026-11-01' AND created_at < '2026-11-02') AS pushed,
	   (SELECT count(*) FROM calls_copy
		 WHERE created_at >= '2026-11-01' AND created_at < '2026-11-02') AS expected;
SELECT (SELECT count(*) FROM cc.calls
		 WHERE created_at > '2026-11-19 18:10:00.0005' AND created_at <= '2026-11-19 20:00'
		   AND updated_at >= '2026-11-19') AS pushed,
	   (SELECT count(*) FROM calls_copy
		 WHERE created_at > '2026-11-19 18:10:00.0005' AND created_at <= '2026-11-19 20:00'
		   AND updated_at >= '2026-11-19') AS expected;
SELECT * FROM sim_requests();
-- a date compared with a timestamptz is midnight in the session's time
-- zone, as in the comparison
SET timezone = 'America/Los_Angeles';
SELECT (SELECT count(*) FROM cc.chats WHERE created_at >= date '2026-11-15') AS pushed,
	   (SELECT count(*) FROM chats_copy WHERE created_at >= date '2026-11-15') AS expected;
SELECT * FROM sim_requests();
SET timezone = 'UTC';

-- the tails of the other lists: agents on status_updated_at, activity on
-- started_at
SELECT (SELECT count(*) FROM cc.chats WHERE updated_at >= '2026-11-18') AS pushed,
	   (SELECT count(*) FROM chats_copy WHERE updated_at >= '2026-11-18') AS expected;
SELECT (SELECT count(*) FROM cc.agents WHERE status_updated_at > '2026-11-19') AS pushed,
	   (SELECT count(*) FROM agents_copy WHERE status_updated_at > '2026-11-19') AS expected;
SELECT (SELECT count(*) FROM cc.agent_activity_logs
		 WHERE started_at >= '2026-11-10' AND started_at < '2026-11-11') AS pushed,
	   (SELECT count(*) FROM activity_copy
		 WHERE started_at >= '2026-11-10' AND started_at < '2026-11-11') AS expected;
SELECT (SELECT count(*) FROM cc.agents WHERE status_updated_at <= '2026-11-15') AS pushed,
	   (SELECT count(*) FROM agents_copy WHERE status_updated_at <= '2026-11-15') AS expected;
SELECT * FROM sim_requests();

-- bounds no row can pass make no request; bounds before 1970 ask for
-- everything
SELECT count(*) FROM cc.calls WHERE updated_at >= 'infinity';
SELECT count(*) FROM cc.calls WHERE updated_at < '-infinity';
SELECT count(*) FROM cc.calls WHERE created_at >= NULL::timestamptz;
SELECT count(*) FROM cc.agents WHERE status_updated_at >= '1900-01-01' AND status_updated_at < 'infinity';
SELECT * FROM sim_requests();

-- conditions the API has no parameter for are checked locally
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id FROM cc.calls WHERE status = 'abandoned' AND agent_id = 1038 AND ended_at >= '2026-11-19';

--
-- id = x, id = ANY(...), id IN (...): one GET calls/{id} per distinct id;
-- an id that does not exist is a 404 and no row (chats have no lookup)
--
SELECT id, call_type, status, agent_id FROM cc.calls WHERE id = 15019;
SELECT id FROM cc.calls WHERE id = ANY(ARRAY[15003, 15002, 15003, NULL, 15004, 99999999])
 ORDER BY id;
SELECT id FROM cc.calls WHERE id IN (18242, 15001) ORDER BY id;
SELECT * FROM sim_requests();
-- calls/{id} answers the same call as the list
SELECT count(*) AS calls,
	   count(*) FILTER (WHERE (l.*)::text = (c.*)::text) AS same_rows
  FROM cc.calls l JOIN calls_copy c USING (id)
 WHERE l.id IN (15002, 15003, 15005, 15019, 16000, 18242);
SELECT count(*) AS requests FROM sim_requests();
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM cc.chats WHERE id = 7001;

--
-- through the view: a bound on updated_at is still the tail's start, and
-- an id still a lookup
--
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id, handle_time FROM cc.call_segments WHERE updated_at >= '2026-11-19 20:00';
SELECT (SELECT count(*) FROM cc.call_segments WHERE updated_at >= '2026-11-19 20:00') AS pushed,
	   (SELECT count(*) FROM calls_copy WHERE updated_at >= '2026-11-19 20:00') AS expected;
SELECT id, status, handle_time, talk_time FROM cc.call_segments WHERE id = 15005;
SELECT * FROM sim_requests();

--
-- paging: more objects share one time than a page holds.  A tail from
-- just before the 150 calls of 2026-11-18 02:00 in pages of 40 gets a
-- page of them alone; it reads them again held to that time, pages 1 to
-- 4 (the TAP test shows why: the pages shift when one of them changes),
-- then goes on just after it; every call comes once.
--
CREATE SERVER cc_small FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'ccai', base_url :'sim_url', rate_limit '100000/s', page_size '5');
CREATE USER MAPPING FOR CURRENT_USER SERVER cc_small
  OPTIONS (username 'acme', password 'ccai-token');
CREATE SERVER cc_40 FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'ccai', base_url :'sim_url', rate_limit '100000/s', page_size '40');
CREATE USER MAPPING FOR CURRENT_USER SERVER cc_40
  OPTIONS (username 'acme', password 'ccai-token');
CREATE SCHEMA cc_small;
IMPORT FOREIGN SCHEMA ccai FROM SERVER cc_small INTO cc_small;
CREATE SCHEMA cc_40;
IMPORT FOREIGN SCHEMA ccai LIMIT TO (calls) FROM SERVER cc_40 INTO cc_40;
SELECT count(*) AS calls, count(DISTINCT id) AS ids,
	   md5(string_agg(id::text, ',' ORDER BY id)) =
	   (SELECT md5(string_agg(id::text, ',' ORDER BY id)) FROM calls_copy
		 WHERE updated_at >= '2026-11-17 23:32') AS same_ids
  FROM cc_40.calls WHERE updated_at >= '2026-11-17 23:32';
SELECT n, query, status
  FROM sim_requests() WITH ORDINALITY AS r(method, path, query, status, n);

-- the lists that follow the Link header: in pages of 5, teams (8) and
-- user statuses (7) take two requests, menus (13) three, each after the
-- first the path of the previous page's rel="next" link
SELECT (SELECT count(*) FROM cc_small.teams) AS teams,
	   (SELECT count(*) FROM cc_small.menus) AS menus,
	   (SELECT count(*) FROM cc_small.user_statuses) AS user_statuses;
SELECT * FROM sim_requests();
SELECT count(*) AS differing_rows
  FROM ((TABLE cc_small.menus EXCEPT TABLE cc.menus)
		UNION ALL
		(TABLE cc.menus EXCEPT TABLE cc_small.menus)) AS d;
SELECT count(*) AS requests FROM sim_requests();
-- every agent once in pages of 5
SELECT count(*) AS agents, count(DISTINCT id) AS ids FROM cc_small.agents;
SELECT count(*) AS requests, count(*) FILTER (WHERE query LIKE '%page=%') AS numbered
  FROM sim_requests();

--
-- LIMIT n with no WHERE and no ORDER BY: per=n, and one request
--
SELECT id, updated_at FROM cc.calls LIMIT 3;
SELECT name FROM cc.user_statuses LIMIT 2;
SELECT * FROM sim_requests();
-- more than a page: pages of 100, as many as needed
SELECT count(*) FROM (SELECT id FROM cc.chats LIMIT 150) AS s;
SELECT query FROM sim_requests();
-- not with an ORDER BY
SELECT id FROM cc.agents ORDER BY id LIMIT 2;
SELECT query FROM sim_requests();

--
-- joins: with a small local table, a parameterized scan makes one GET
-- calls/{id} per outer row; the calls of the agents of a team, by a hash
-- join of two lists
--
CREATE TABLE local_crm (call_id bigint, amount int);
INSERT INTO local_crm VALUES (15019, 100), (99999999, 200), (16000, 300), (18242, 400);
ANALYZE local_crm;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT c.call_id, c.amount, calls.status
  FROM local_crm c JOIN cc.calls ON c.call_id = calls.id;
SELECT c.call_id, c.amount, calls.status, calls.agent_id
  FROM local_crm c JOIN cc.calls ON c.call_id = calls.id
 ORDER BY c.amount;
SELECT * FROM sim_requests();
SELECT count(*) AS calls, count(DISTINCT a.id) AS agents
  FROM cc.calls c JOIN cc.agents a ON a.id = c.agent_id
 WHERE a.teams @> '[{"name": "West Coast"}]' AND c.updated_at >= '2026-11-15';
SELECT path, count(*) AS requests FROM sim_requests() GROUP BY path ORDER BY path;

--
-- parameters are pushed like constants, evaluated when the scan starts: a
-- prepared statement's generic plan (used from the sixth execution on)
-- asks for each execution's own value
--
PREPARE calls_between(timestamptz, timestamptz) AS
  SELECT count(*) FROM cc.calls WHERE updated_at >= $1 AND updated_at < $2;
EXECUTE calls_between('2026-11-19 09:00:30', '2026-11-19 12:00');
EXECUTE calls_between('2026-11-19 12:30', '2026-11-19 18:00');
EXECUTE calls_between('2026-11-19 15:45:56.930726', '2026-11-20');
EXECUTE calls_between('2026-11-19 18:00', '2026-11-19 23:00');
EXECUTE calls_between('2026-11-19 21:07', '2026-11-20 03:00');
EXECUTE calls_between('2026-11-18 01:59', '2026-11-18 02:00:00.001');
EXECUTE calls_between('2026-11-20 00:00', 'infinity');
SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'calls_between';
SELECT query FROM sim_requests();
SELECT f AS "from", t AS "to", count(c.id) AS expected
  FROM unnest('{2026-11-19 09:00:30, 2026-11-19 12:30, 2026-11-19 15:45:56.930726,
				2026-11-19 18:00, 2026-11-19 21:07, 2026-11-18 01:59,
				2026-11-20 00:00}'::timestamptz[],
			  '{2026-11-19 12:00, 2026-11-19 18:00, 2026-11-20, 2026-11-19 23:00,
				2026-11-20 03:00, 2026-11-18 02:00:00.001, infinity}'::timestamptz[])
			  WITH ORDINALITY AS u(f, t, n)
  LEFT JOIN calls_copy c ON c.updated_at >= u.f AND c.updated_at < u.t
 GROUP BY u.f, u.t, u.n
 ORDER BY u.n;
-- EXPLAIN of the generic plan shows the request of the values given
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE calls_between('2026-11-19 23:59:59', '2026-11-20 01:00');
DEALLOCATE calls_between;

PREPARE call_by_id(bigint) AS SELECT id, status FROM cc.calls WHERE id = $1;
EXECUTE call_by_id(15002);
EXECUTE call_by_id(15003);
EXECUTE call_by_id(15004);
EXECUTE call_by_id(15005);
EXECUTE call_by_id(15006);
EXECUTE call_by_id(15007);
EXECUTE call_by_id(1);
SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'call_by_id';
SELECT path, status FROM sim_requests();
DEALLOCATE call_by_id;

-- a PL/pgSQL variable, in a loop: each iteration asks its own tail
DO $$
DECLARE
	bound timestamptz;
	n bigint;
	expected bigint;
BEGIN
	FOR i IN 0..6 LOOP
		bound := timestamptz '2026-11-19 18:00:45+00' + i * interval '70 minutes';
		SELECT count(*) INTO n FROM cc.agent_activity_logs WHERE started_at >= bound;
		SELECT count(*) INTO expected FROM activity_copy WHERE started_at >= bound;
		RAISE NOTICE 'since %: % activity rows, % expected', bound, n, expected;
	END LOOP;
END
$$;
SELECT count(*) AS requests, count(DISTINCT query) AS distinct_queries FROM sim_requests();

--
-- EXPLAIN (VERBOSE) shows the first request a scan makes, and makes none;
-- EXPLAIN ANALYZE adds what the scan did
--
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id FROM cc.chats WHERE created_at >= '2026-11-19 10:07:45' AND created_at < '2026-11-20';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id FROM cc.calls WHERE id IN (15019, 15002, 15019);
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM cc.agents LIMIT 3;
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM cc.menus;
-- a stable expression is evaluated at scan start
EXPLAIN (VERBOSE, COSTS OFF)
SELECT * FROM cc.agent_activity_logs
 WHERE started_at >= date_trunc('day', timestamptz '2026-11-19 13:45:12+00');
SELECT * FROM sim_requests();
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM cc.calls WHERE updated_at >= '2026-11-18 01:00';
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM cc.calls WHERE id IN (15019, 99999999);
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM cc_small.menus;
SELECT count(*) AS requests FROM sim_requests();

--
-- columns made by hand: a column of the wrong type names the table,
-- column, object and value; a json_path to a missing field is NULL
--
CREATE FOREIGN TABLE cc.calls_typed (
	id bigint OPTIONS (json_path 'id'),
	updated_at timestamptz OPTIONS (json_path 'updated_at'),
	call_type bigint OPTIONS (json_path 'call_type'),
	menu_path text OPTIONS (json_path 'menu.path'),
	shard text OPTIONS (json_path 'x_internal_flags.shard'),
	missing text OPTIONS (json_path 'end_user.no_such_field'),
	"callType" text
) SERVER cc OPTIONS (endpoint 'calls');
SELECT id, menu_path, shard, missing, "callType"
  FROM cc.calls_typed
 WHERE updated_at >= '2026-11-20 01:00'
 ORDER BY id
 LIMIT 3;
SELECT call_type FROM cc.calls_typed WHERE updated_at >= '2026-11-20 01:00';
SELECT * FROM sim_requests();

--
-- credentials: a wrong token or subdomain is the vendor's 401, with a
-- hint; no message shows the password
--
CREATE SERVER cc_wrong FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'ccai', base_url :'sim_url', rate_limit '100000/s');
CREATE USER MAPPING FOR CURRENT_USER SERVER cc_wrong
  OPTIONS (username 'acme', password 'not-the-token');
IMPORT FOREIGN SCHEMA ccai LIMIT TO (calls, teams) FROM SERVER cc_wrong INTO public;
SELECT * FROM sim_error('SELECT * FROM public.teams');
SELECT * FROM sim_error('SELECT * FROM public.calls WHERE id = 15019');
SELECT * FROM sim_error('SELECT * FROM public.call_segments');
ALTER USER MAPPING FOR CURRENT_USER SERVER cc_wrong
  OPTIONS (SET username 'globex', SET password 'ccai-token');
SELECT * FROM sim_error('SELECT * FROM public.teams');
-- a 401 is not retried
SELECT * FROM sim_requests();
-- without a password nothing is sent
ALTER USER MAPPING FOR CURRENT_USER SERVER cc_wrong OPTIONS (DROP password);
SELECT * FROM sim_error('SELECT * FROM public.teams');
SELECT * FROM sim_requests();
SET client_min_messages = warning;
DROP SERVER cc_wrong CASCADE;
RESET client_min_messages;

--
-- prefetching: agent activity cannot be kept current by its start time
--
SELECT conv_fdw.prefetch('cc.agent_activity_logs');
SELECT conv_fdw.prefetch('cc.teams');

--
-- clean up
--
SET client_min_messages = warning;
DROP EXTENSION conv_fdw CASCADE;
RESET client_min_messages;
DROP SCHEMA cc, cc_small, cc_40;
DROP TABLE calls_copy, chats_copy, agents_copy, activity_copy, local_crm;

