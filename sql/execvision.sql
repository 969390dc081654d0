--
-- conv_fdw: the ExecVision foreign tables, read from conv-sim
--
-- scripts/test.sh starts conv-sim with a fixed data set (--calls 3000
-- --users 60, the newest data at 2026-11-20 02:00 UTC) and clock (03:00
-- UTC, ExecVision's night window of 25 requests/s), so the rows below do
-- not depend on the day the tests run.  Besides the rows, the tests assert
-- the requests each query made, read from the simulator's request log.
--
-- This file imports the tables and reads each of them; execvision_pushdown
-- goes on with the objects made here.
--
\getenv sim_url CONV_SIM_URL
\getenv sim_log CONV_SIM_LOG

SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE EXTENSION conv_fdw;

-- conv-sim keeps ExecVision's night window whatever the time of day, and
-- queues requests above its rate itself.  conv_fdw's own limiter follows
-- the real clock (5 requests/s in New York's day), so a generous
-- rate_limit keeps it out of the way, and "Rate-limit wait" at 0 ms.
CREATE SERVER ev FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url :'sim_url', rate_limit '100000/s');
CREATE USER MAPPING FOR CURRENT_USER SERVER ev
  OPTIONS (username 'ev-user', password 'ev-secret');

--
-- helpers: sim_requests(), sim_error() and shows_secret() of
-- sim_helpers.sql; the requests so far are not this suite's
--
SELECT sim_reset();

-- nothing has been requested yet
SELECT * FROM sim_requests();

--
-- IMPORT FOREIGN SCHEMA: the remote schema is the vendor's name
--
CREATE SCHEMA ev;
IMPORT FOREIGN SCHEMA execvision FROM SERVER ev INTO ev;
SELECT c.relname, s.srvname, ft.ftoptions
  FROM pg_foreign_table ft
  JOIN pg_class c ON c.oid = ft.ftrelid
  JOIN pg_foreign_server s ON s.oid = ft.ftserver
 WHERE c.relnamespace = 'ev'::regnamespace
 ORDER BY c.relname;

-- the contract's names and types: ids text, times timestamptz, counts
-- bigint, measures double precision, nested objects jsonb
\d ev.calls
SELECT a.attrelid::regclass AS "table",
	   string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ||
				  coalesce(' ' || array_to_string(a.attfdwoptions, ','), ''),
				  ', ' ORDER BY a.attnum) AS columns
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'ev'::regnamespace AND c.relname <> 'calls'
   AND a.attnum > 0
 GROUP BY a.attrelid
 ORDER BY a.attrelid::regclass::text;

-- LIMIT TO and EXCEPT
CREATE SCHEMA ev_some;
IMPORT FOREIGN SCHEMA execvision LIMIT TO (calls, users)
  FROM SERVER ev INTO ev_some;
CREATE SCHEMA ev_rest;
IMPORT FOREIGN SCHEMA execvision EXCEPT (calls, users, transcripts)
  FROM SERVER ev INTO ev_rest;
SELECT c.relnamespace::regnamespace AS schema, count(*) AS tables,
	   string_agg(c.relname, ', ' ORDER BY c.relname) AS names
  FROM pg_class c
 WHERE c.relnamespace IN ('ev_some'::regnamespace, 'ev_rest'::regnamespace)
 GROUP BY 1
 ORDER BY 1;
-- the imported tables are the same as the full import's
SELECT count(*) AS differing_columns
  FROM (SELECT c.relname, a.attname, a.atttypid, a.attfdwoptions
		  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		 WHERE c.relnamespace IN ('ev_some'::regnamespace, 'ev_rest'::regnamespace)
		   AND a.attnum > 0
		EXCEPT
		SELECT c.relname, a.attname, a.atttypid, a.attfdwoptions
		  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		 WHERE c.relnamespace = 'ev'::regnamespace AND a.attnum > 0) AS d;
SET client_min_messages = warning;
DROP SCHEMA ev_some, ev_rest CASCADE;
RESET client_min_messages;

-- errors: a remote schema that is not the vendor's (names are case
-- sensitive), a table the vendor lacks, options
CREATE SCHEMA ev_bad;
IMPORT FOREIGN SCHEMA "ExecVision" FROM SERVER ev INTO ev_bad;
IMPORT FOREIGN SCHEMA public FROM SERVER ev INTO ev_bad;
IMPORT FOREIGN SCHEMA execvision LIMIT TO (calls, recordings)
  FROM SERVER ev INTO ev_bad;
IMPORT FOREIGN SCHEMA execvision FROM SERVER ev INTO ev_bad
  OPTIONS (import_default 'true');
SELECT count(*) AS tables FROM pg_class WHERE relnamespace = 'ev_bad'::regnamespace;
DROP SCHEMA ev_bad;

-- importing asks the vendor nothing
SELECT * FROM sim_requests();

--
-- calls: the 2970 live calls (3000 were made, 30 deleted), three pages of
-- 1000 by since + last_id.  The checksum is that of the simulator's own
-- list of live calls (GET /_admin/execvision/calls).  The copy serves the
-- checks below (and execvision_pushdown's).
--
CREATE TABLE calls_copy AS
  SELECT id, caller_id, caller_email, call_time, duration, direction, state,
		 original_path, modified, metadata, stats, call_summary
	FROM ev.calls;
ANALYZE calls_copy;
SELECT * FROM sim_requests();
SELECT count(*) AS calls, count(DISTINCT id) AS ids,
	   md5(string_agg(id, ',' ORDER BY id)) AS ids_md5
  FROM calls_copy;

-- the fields decode: states, JSON objects (stats is {} and callSummary null
-- until a call is COMPLETE), times (modified comes after callTime),
-- fractional durations, the caller, and the metadata's call id
SELECT state, count(*) AS calls,
	   count(*) FILTER (WHERE stats <> '{}') AS with_stats,
	   count(call_summary) AS with_summary,
	   bool_and(modified > call_time) AS modified_later,
	   count(*) FILTER (WHERE duration <> trunc(duration)) AS fractional_durations,
	   bool_and(caller_id IS NOT NULL AND caller_email LIKE '%@example.com') AS with_caller,
	   bool_and(metadata->>'id' = id) AS metadata_id,
	   bool_and(original_path IS NOT NULL) AS with_path
  FROM calls_copy
 GROUP BY state
 ORDER BY state;
SELECT direction, count(*) FROM calls_copy GROUP BY 1 ORDER BY 1;

--
-- deleted_calls: the other 30, none of them live; a deleted call cannot be
-- looked up either (404: no row)
--
SELECT count(*) AS deleted, count(c.id) AS live,
	   md5(string_agg(d.id, ',' ORDER BY d.id)) AS ids_md5,
	   bool_and(d.deleted_at > d.call_time) AS deleted_later,
	   count(*) FILTER (WHERE d.caller_id IS NULL) AS without_caller
  FROM ev.deleted_calls d LEFT JOIN calls_copy c ON c.id = d.id;
SELECT * FROM sim_requests();
CREATE TABLE deleted_copy AS SELECT * FROM ev.deleted_calls;
ANALYZE deleted_copy;
SELECT count(*) FROM ev.calls
 WHERE id = ANY(ARRAY(SELECT id FROM deleted_copy ORDER BY id LIMIT 2));
SELECT method, substr(path, 16) IN (SELECT id FROM deleted_copy) AS deleted_id,
	   path LIKE '/api/ev/2/call/%' AS lookup, query, status
  FROM sim_requests();

--
-- call_topics: one per COMPLETE call, modified with it.  Pages of at most
-- 100 topic matches are heavy, so this reads those of the last few days.
--
SELECT count(*) AS call_topics, count(DISTINCT t.call_id) AS calls,
	   count(c.id) AS live_calls,
	   bool_and(c.state = 'COMPLETE') AS all_complete,
	   bool_and(t.modified = c.modified) AS same_modified,
	   (SELECT count(*) FROM calls_copy
		 WHERE state = 'COMPLETE' AND modified >= '2026-11-15') AS complete_calls,
	   bool_and(jsonb_typeof(t.question_counts) = 'object' AND
				jsonb_typeof(t.topic_matches) = 'array') AS json_types
  FROM ev.call_topics t LEFT JOIN calls_copy c ON c.id = t.call_id
 WHERE t.modified >= '2026-11-15';
SELECT * FROM sim_requests();

--
-- users, teams, departments: one request each.  One user in ten has left:
-- not in users, but still the caller of calls.
--
WITH u AS (SELECT * FROM ev.users),
	 t AS (SELECT * FROM ev.teams),
	 d AS (SELECT * FROM ev.departments)
SELECT (SELECT count(*) FROM u) AS users,
	   (SELECT count(*) FROM t) AS teams,
	   (SELECT count(*) FROM d) AS departments,
	   (SELECT count(*) FROM u JOIN t ON t.id = u.team_id
		  AND t.department_id = u.department_id) AS users_in_a_team,
	   (SELECT count(*) FROM t JOIN d ON d.id = t.department_id) AS teams_in_a_department,
	   (SELECT count(*) FROM t JOIN u ON u.user_id = t.manager_id) AS teams_managed_by_users,
	   (SELECT count(*) FROM u WHERE jsonb_array_length(system_ids) > 0) AS users_with_system_ids,
	   (SELECT count(*) FROM u
		 WHERE user_id IN (SELECT caller_id FROM calls_copy)) AS users_who_called,
	   (SELECT count(DISTINCT caller_id) FROM calls_copy
		 WHERE caller_id NOT IN (SELECT user_id FROM u)) AS callers_who_left,
	   (SELECT bool_and(c.caller_email = u.email)
		  FROM calls_copy c JOIN u ON u.user_id = c.caller_id) AS same_emails;
SELECT * FROM sim_requests();

--
-- the since-paged lists, each one page, and topics.  "check" is a figure
-- of each: listens' modified that are not NULL (the vendor sends "", so
-- none; listens are computed nightly, so none is dated the simulator's
-- today, 2026-11-20), score results, comments among the feedback, share
-- recipients, plans with meetings, planned meetings, KPIs observed, words
-- of the topics
--
SELECT 'listens' AS "table", count(*) AS "rows", max(date)::text AS latest,
	   count(modified)::text AS check
  FROM ev.listens
UNION ALL
SELECT 'scores', count(*), max(modified)::text, count(DISTINCT result_id)::text
  FROM ev.scores
UNION ALL
SELECT 'feedback', count(*), max(modified)::text, count(*) FILTER (WHERE is_comment)::text
  FROM ev.feedback
UNION ALL
SELECT 'shares', count(*), max(shared_at)::text, sum(jsonb_array_length(recipient_user_ids))::text
  FROM ev.shares
UNION ALL
SELECT 'meetings', count(*), max(modified)::text, count(DISTINCT plan_id)::text
  FROM ev.meetings
UNION ALL
SELECT 'plans', count(*), max(modified)::text, sum(planned_meetings)::text
  FROM ev.plans
UNION ALL
SELECT 'kpis', count(*), max(modified)::text, count(DISTINCT kpi_id)::text
  FROM ev.kpis
UNION ALL
SELECT 'topics', count(*), max(id)::text, sum(jsonb_array_length(words))::text
  FROM ev.topics;
SELECT * FROM sim_requests();

-- scores: 300 score results (calls/10) of 2 to 6 answers, one row per
-- answer; YesNo and PassFail schemes answer with words, the others with
-- numbers, and raw_answer is always a number
WITH s AS (SELECT * FROM ev.scores),
	 r AS (SELECT result_id, count(*) AS answers FROM s GROUP BY result_id)
SELECT (SELECT count(*) FROM s) AS answers,
	   (SELECT count(*) FROM r) AS results,
	   (SELECT min(answers) FROM r) AS min_answers,
	   (SELECT max(answers) FROM r) AS max_answers,
	   (SELECT count(*) FROM s
		 WHERE call_id NOT IN (SELECT id FROM calls_copy UNION ALL
							   SELECT id FROM deleted_copy)) AS answers_of_unknown_calls;
SELECT scheme, scorecard_name, count(DISTINCT result_id) AS results,
	   string_agg(DISTINCT answer, ',' ORDER BY answer) AS answers,
	   min(raw_answer) AS min_raw, max(raw_answer) AS max_raw
  FROM ev.scores
 GROUP BY scheme, scorecard_name
 ORDER BY scheme;

-- meetings and plans carry New York times with offsets; each meeting
-- belongs to a plan
SELECT (SELECT count(*) FROM ev.meetings m
		 WHERE m.plan_id IN (SELECT plan_id FROM ev.plans)) AS meetings_of_plans,
	   (SELECT min(date_time) FROM ev.meetings) AS first_meeting,
	   (SELECT min(start_date) FROM ev.plans) AS first_plan;
SELECT * FROM ev.topics ORDER BY id;
SELECT * FROM sim_requests();

--
-- key-only tables: scorecards, kpi_definitions and transcripts are read
-- one object at a time, so they need their key
--
SELECT * FROM ev.scorecards;
SELECT kpi_id FROM ev.kpi_definitions WHERE target > 10;
SELECT count(*) FROM ev.transcripts WHERE call_id LIKE 'e%';
EXPLAIN (COSTS OFF) SELECT * FROM ev.transcripts;
SELECT * FROM sim_requests();

-- =
SELECT * FROM ev.scorecards WHERE scorecard_id = 'c_scorecard';
-- = ANY, with a duplicate, a NULL and a key that does not exist (404)
SELECT * FROM ev.kpi_definitions WHERE kpi_id = ANY('{3,1,NULL,99,3}') ORDER BY kpi_id;
-- IN: the key column is the key asked for (the response lacks it)
SELECT call_id, jsonb_array_length(speakers) AS speakers,
	   jsonb_array_length(transcript) AS sentences,
	   speakers->0->>'speakerType' AS speaker0
  FROM ev.transcripts
 WHERE call_id IN ('eb215daa-0847-46c4-99ea-d764fc27dd93',
				   '319bd232-429a-4e69-a4b5-be97e74f5292', 'no-such-call')
 ORDER BY call_id;
SELECT * FROM sim_requests();

-- in a join: one lookup per scorecard the scores use, and every question
-- answered is one of its scorecard's
WITH answered AS (SELECT DISTINCT scorecard_id, question_id, question FROM ev.scores),
	 cards AS (SELECT sc.*
				 FROM (SELECT DISTINCT scorecard_id FROM answered) a
				 JOIN ev.scorecards sc USING (scorecard_id))
SELECT (SELECT count(*) FROM answered) AS answered_questions,
	   (SELECT count(*) FROM answered a JOIN cards c USING (scorecard_id, question_id)
		 WHERE c.question_text = a.question) AS found_in_scorecards,
	   (SELECT count(*) FROM cards) AS scorecard_questions,
	   (SELECT string_agg(DISTINCT scorecard_name || ' (' || scorecard_scheme || ')', ', ')
		  FROM cards) AS scorecards;
SELECT method, path, query, status FROM sim_requests() ORDER BY path;

-- a transcript's first speaker is the call's caller: calls joined to
-- transcripts make one lookup per call
SELECT c.state, count(*) AS calls,
	   count(*) FILTER (WHERE t.speakers->0->>'email' = c.caller_email) AS caller_speaks_first,
	   count(*) FILTER (WHERE jsonb_array_length(t.transcript) > 0) AS with_transcript
  FROM ev.calls c JOIN ev.transcripts t ON t.call_id = c.id
 WHERE c.modified >= '2026-11-20 01:59:35'
 GROUP BY c.state
 ORDER BY c.state;
SELECT count(*) AS requests,
	   count(*) FILTER (WHERE path = '/api/ev/2/calls') AS lists,
	   count(*) FILTER (WHERE path LIKE '/api/ev/2/transcript/%') AS lookups,
	   count(DISTINCT path) FILTER (WHERE path LIKE '/api/ev/2/transcript/%') AS distinct_lookups,
	   min(query) FILTER (WHERE path = '/api/ev/2/calls') AS list_query
  FROM sim_requests();

--
-- a materialized view over a join of calls, users and teams: the talk
-- ratio by team (calls of users who left have no team)
--
CREATE MATERIALIZED VIEW team_talk AS
  SELECT t.name AS team, count(*) AS calls,
		 round(avg((c.stats->>'talkRatio')::numeric), 4) AS talk_ratio
	FROM ev.calls c
	JOIN ev.users u ON u.user_id = c.caller_id
	JOIN ev.teams t ON t.id = u.team_id
   WHERE c.state = 'COMPLETE'
   GROUP BY t.name;
SELECT * FROM team_talk ORDER BY team;
SELECT * FROM sim_requests();
-- the same as computed from the copy of the calls
SELECT count(*) AS differing_rows
  FROM (TABLE team_talk
		EXCEPT
		SELECT t.name, count(*), round(avg((c.stats->>'talkRatio')::numeric), 4)
		  FROM calls_copy c
		  JOIN ev.users u ON u.user_id = c.caller_id
		  JOIN ev.teams t ON t.id = u.team_id
		 WHERE c.state = 'COMPLETE'
		 GROUP BY t.name) AS d;
SELECT * FROM sim_requests();
-- refreshing reads it all again, with the same result
CREATE TABLE team_talk_before AS TABLE team_talk;
REFRESH MATERIALIZED VIEW team_talk;
SELECT count(*) AS differing_rows
  FROM ((TABLE team_talk EXCEPT TABLE team_talk_before)
		UNION ALL
		(TABLE team_talk_before EXCEPT TABLE team_talk)) AS d;
SELECT * FROM sim_requests();
DROP TABLE team_talk_before;

--
-- columns made by hand: a column of the wrong type names the table,
-- column, object and value; a json_path to a missing field is NULL
--
CREATE FOREIGN TABLE ev.calls_typed (
	id text,
	modified timestamptz,
	direction bigint,
	company text OPTIONS (json_path 'metadata.company'),
	missing text OPTIONS (json_path 'metadata.no_such_field'),
	too_deep text OPTIONS (json_path 'metadata.company.name'),
	talk_ratio double precision OPTIONS (json_path 'stats.talkRatio')
) SERVER ev OPTIONS (endpoint 'calls');
SELECT id, company, missing, too_deep, talk_ratio IS NOT NULL AS has_talk_ratio
  FROM ev.calls_typed
 WHERE modified >= '2026-11-20 01:59:40'
 ORDER BY id;
SELECT direction FROM ev.calls_typed WHERE modified >= '2026-11-20 01:59:40';
\set VERBOSITY sqlstate
SELECT direction FROM ev.calls_typed WHERE modified >= '2026-11-20 01:59:40';
\set VERBOSITY default
SELECT * FROM sim_requests();

--
-- credentials: a wrong password is the vendor's 401, with a hint; no
-- message shows the password
--
CREATE SERVER ev_wrong FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url :'sim_url', rate_limit '100000/s');
CREATE USER MAPPING FOR CURRENT_USER SERVER ev_wrong
  OPTIONS (username 'ev-user', password 'not-the-secret');
IMPORT FOREIGN SCHEMA execvision LIMIT TO (users, calls) FROM SERVER ev_wrong INTO public;
SELECT * FROM sim_error('SELECT * FROM public.users');
SELECT * FROM sim_error($$SELECT * FROM public.calls WHERE id = 'eb215daa-0847-46c4-99ea-d764fc27dd93'$$);
-- a 401 is not retried
SELECT * FROM sim_requests();
-- without a password nothing is sent
ALTER USER MAPPING FOR CURRENT_USER SERVER ev_wrong OPTIONS (DROP password);
SELECT * FROM sim_error('SELECT * FROM public.users');
SELECT * FROM sim_requests();
SET client_min_messages = warning;
DROP SERVER ev_wrong CASCADE;
RESET client_min_messages;
