--
-- conv_fdw: the Voicegain call export (GET /v1/sa/call), read from conv-sim
--
-- scripts/test.sh starts conv-sim with a fixed data set (--calls 3000
-- --users 60, the newest call ten minutes before 2026-11-20 02:00 UTC),
-- so the rows below do not depend on the day the tests run.  Six calls
-- are still being processed: callId 14909 (TRANSCRIBING, at 80% of the
-- ids) and five of the ten newest.  Besides the rows, the tests assert the
-- requests each query made, read from the simulator's request log.
--
\getenv sim_url CONV_SIM_URL
\getenv sim_log CONV_SIM_LOG

SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE EXTENSION conv_fdw;

-- conv-sim's Voicegain quotas are out of reach in this run (scripts/test.sh
-- raises them); conv_fdw's own limiter would space requests 1.8 s apart
-- (the vendor's 75/min, 2000/hour), so a generous rate_limit keeps it out
-- of the way.  The vendor's defaults are shown at the end.
CREATE SERVER vg FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'voicegain', base_url :'sim_url', rate_limit '100000/s');
CREATE USER MAPPING FOR CURRENT_USER SERVER vg OPTIONS (token 'vg-token');

--
-- helpers: sim_requests(), sim_error() and shows_secret() of
-- sim_helpers.sql; the requests so far are not this suite's
--
SELECT sim_reset();

-- nothing has been requested yet
SELECT * FROM sim_requests();

--
-- IMPORT FOREIGN SCHEMA: the remote schema is the vendor's name; one table
--
CREATE SCHEMA vg;
IMPORT FOREIGN SCHEMA voicegain FROM SERVER vg INTO vg;
SELECT c.relname, s.srvname, ft.ftoptions
  FROM pg_foreign_table ft
  JOIN pg_class c ON c.oid = ft.ftrelid
  JOIN pg_foreign_server s ON s.oid = ft.ftserver
 WHERE c.relnamespace = 'vg'::regnamespace
 ORDER BY c.relname;

-- every documented column, in the documented order, typed by the contract:
-- ids text (callId and originatingCallId, integers, are bigint), times
-- timestamptz, counts bigint, measures double precision, lists jsonb.
-- agent_id and queue_id are the uuids agentId and queueId filter by
-- (agent.userId, queue.queueId); the call center's own numbers (agent.id,
-- queue.id) are agent_external_id and queue_external_id.
\d vg.calls

-- LIMIT TO and EXCEPT
CREATE SCHEMA vg_some;
IMPORT FOREIGN SCHEMA voicegain LIMIT TO (calls) FROM SERVER vg INTO vg_some;
IMPORT FOREIGN SCHEMA voicegain EXCEPT (calls) FROM SERVER vg INTO vg_some;
SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'vg_some'::regnamespace;
DROP FOREIGN TABLE vg_some.calls;

-- errors: a remote schema that is not the vendor's, a table it lacks
IMPORT FOREIGN SCHEMA "Voicegain" FROM SERVER vg INTO vg_some;
IMPORT FOREIGN SCHEMA execvision FROM SERVER vg INTO vg_some;
IMPORT FOREIGN SCHEMA voicegain LIMIT TO (calls, users) FROM SERVER vg INTO vg_some;
DROP SCHEMA vg_some;

-- importing asks the vendor nothing
SELECT * FROM sim_requests();

--
-- calls: all 3000 in callId order (the export's default order), pages of
-- 1000 by page number; the fourth page is empty.  No condition means no
-- consecutive export: the calls still being processed are there too.  The
-- copy serves the checks below.
--
CREATE TABLE vg_calls AS SELECT * FROM vg.calls;
ANALYZE vg_calls;
SELECT * FROM sim_requests();
SELECT count(*) AS calls, count(DISTINCT call_id) AS ids,
	   min(call_id), max(call_id),
	   md5(string_agg(call_id::text, ',' ORDER BY call_id)) AS ids_md5
  FROM vg_calls;

-- the processing phases; a call not DONE has no analytics yet, and a
-- QUEUED one no session either
SELECT progress_phase, count(*) AS calls,
	   string_agg(call_id::text, ',' ORDER BY call_id) FILTER (WHERE progress_phase NOT IN ('DONE', 'ERROR')) AS ids,
	   count(sentiment) AS with_sentiment, count(notes) AS with_notes,
	   count(tags) AS with_tags, count(word_cloud) AS with_word_cloud,
	   count(num_spk_channels) AS with_spk_channels,
	   count(sa_session_id) AS with_session
  FROM vg_calls
 GROUP BY progress_phase
 ORDER BY progress_phase;

-- the fields decode: times (start before end; the duration excludes 0-15 s
-- of ringing and wrap-up), numbers, lists as jsonb arrays of strings,
-- summaries with line breaks and quotes
SELECT count(*) FILTER (WHERE end_time > start_time) AS ends_after_start,
	   count(*) FILTER (WHERE extract(epoch FROM end_time - start_time) - duration
						BETWEEN 0 AND 15) AS duration_fits,
	   min(start_time) AS first_start, max(start_time) AS last_start,
	   bool_and(start_time >= lag_start) AS start_grows_with_id,
	   min(sentiment) AS min_sentiment, max(sentiment) AS max_sentiment,
	   min(score) AS min_score, max(score) AS max_score,
	   bool_and(score = trunc(score)) AS whole_scores,
	   bool_and(jsonb_typeof(tags) = 'array') AS tags_arrays,
	   bool_and(jsonb_typeof(markers->0) = 'string') AS markers_strings,
	   count(*) FILTER (WHERE notes LIKE E'Summary: %\n%\nOutcome: %') AS three_line_notes,
	   count(*) FILTER (WHERE notes LIKE '%"%') AS quoted_notes,
	   min(version) AS version, min(num_audio_channels) AS audio_channels,
	   min(language) AS language
  FROM (SELECT *, lag(start_time) OVER (ORDER BY call_id) AS lag_start FROM vg_calls) AS c;
SELECT direction, count(*) FROM vg_calls GROUP BY 1 ORDER BY 1;

-- agents and queues: each agent uuid names one agent with one email and
-- external id; voicebot calls that ended there have no agent, queue or
-- call center id; the QA columns come with a score
SELECT count(DISTINCT agent_id) AS agents,
	   count(DISTINCT (agent_id, agent_external_id, agent_email, agent_name))
		 FILTER (WHERE agent_id IS NOT NULL) AS agent_rows,
	   count(DISTINCT queue_id) AS queues,
	   count(DISTINCT (queue_id, queue_external_id, queue_name))
		 FILTER (WHERE queue_id IS NOT NULL) AS queue_rows,
	   count(*) FILTER (WHERE agent_id IS NULL) AS without_agent,
	   count(*) FILTER (WHERE agent_id IS NULL AND queue_id IS NULL
						AND call_center_call_id IS NULL
						AND aivr_app_id IS NOT NULL) AS ended_in_voicebot,
	   count(aivr_app_id) AS through_voicebot,
	   count(DISTINCT aivr_app_id) AS voicebots,
	   count(*) FILTER (WHERE originating_call_id < call_id) AS originating_before,
	   count(score) AS scored,
	   count(*) FILTER (WHERE score IS NOT NULL AND cr_answers_id IS NOT NULL
						AND review_status IS NOT NULL) AS scored_with_qa,
	   count(*) FILTER (WHERE score IS NULL AND (cr_answers_id IS NOT NULL
						OR review_status IS NOT NULL)) AS qa_without_score
  FROM vg_calls;
-- isCallResolved only in the projects with resolution detection
SELECT context_id, count(*) AS calls, count(is_call_resolved) AS with_resolution
  FROM vg_calls GROUP BY 1 ORDER BY 2;
-- one call with every column
\x on
SELECT * FROM vg_calls WHERE call_id = 10032;
\x off

--
-- start_time bounds: fromTime (inclusive) and toTime (exclusive), to the
-- millisecond, rounded outward; "<=" asks for the next millisecond, ">"
-- is sent as fromTime and rechecked locally
--
SELECT (SELECT count(*) FROM vg.calls WHERE start_time >= '2026-11-19 12:00') AS pushed,
	   (SELECT count(*) FROM vg_calls WHERE start_time >= '2026-11-19 12:00') AS expected;
SELECT (SELECT count(*) FROM vg.calls WHERE start_time > '2026-11-19 19:05:04') AS pushed,
	   (SELECT count(*) FROM vg_calls WHERE start_time > '2026-11-19 19:05:04') AS expected;
SELECT (SELECT count(*) FROM vg.calls WHERE start_time < '2026-08-23') AS pushed,
	   (SELECT count(*) FROM vg_calls WHERE start_time < '2026-08-23') AS expected;
SELECT (SELECT count(*) FROM vg.calls
		 WHERE start_time >= '2026-11-01' AND start_time <= '2026-11-02 00:23:36.0004') AS pushed,
	   (SELECT count(*) FROM vg_calls
		 WHERE start_time >= '2026-11-01' AND start_time <= '2026-11-02 00:23:36.0004') AS expected;
-- the value on the left; a BETWEEN
SELECT count(*) FROM vg.calls WHERE '2026-11-19 23:00' <= start_time;
SELECT count(*) FROM vg.calls WHERE start_time BETWEEN '2026-11-15' AND '2026-11-16';
SELECT * FROM sim_requests();

-- the call of an exact time: ">=" and "<=" ask for one millisecond
SELECT call_id, start_time FROM vg.calls
 WHERE start_time >= '2026-11-19 19:05:04' AND start_time <= '2026-11-19 19:05:04';
SELECT * FROM sim_requests();

-- several bounds on one side: the first is sent, the others are checked
-- locally (a parameter is sent once)
SELECT (SELECT count(*) FROM vg.calls
		 WHERE start_time >= '2026-11-10' AND start_time > '2026-11-18 06:00'
		   AND start_time < '2026-11-19' AND start_time <= '2026-11-18 18:00') AS pushed,
	   (SELECT count(*) FROM vg_calls
		 WHERE start_time >= '2026-11-10' AND start_time > '2026-11-18 06:00'
		   AND start_time < '2026-11-19' AND start_time <= '2026-11-18 18:00') AS expected;
SELECT * FROM sim_requests();

-- a date compared with a timestamptz is midnight in the session's time
-- zone, as in the comparison
SET timezone = 'America/New_York';
SELECT (SELECT count(*) FROM vg.calls WHERE start_time >= date '2026-11-19') AS pushed,
	   (SELECT count(*) FROM vg_calls WHERE start_time >= date '2026-11-19') AS expected;
SELECT * FROM sim_requests();
SET timezone = 'UTC';

-- bounds no row can pass make no request; bounds the vendor cannot write
-- (RFC 3339 has four-digit years) are not sent, and checked locally
SELECT count(*) FROM vg.calls WHERE start_time >= 'infinity';
SELECT count(*) FROM vg.calls WHERE start_time < '-infinity';
SELECT count(*) FROM vg.calls WHERE start_time >= NULL::timestamptz;
SELECT * FROM sim_requests();
SELECT count(*) FROM vg.calls
 WHERE start_time > '-infinity' AND start_time >= '0044-03-15 BC'
   AND start_time < '12000-01-01'
   AND agent_id = '2d666925-a909-4771-885d-62a02eb80e36';
SELECT * FROM sim_requests();

--
-- agent_id, queue_id, aivr_app_id: = and = ANY / IN become the vendor's
-- array parameters, one repeated key per distinct value; the filters
-- combine with AND
--
SELECT (SELECT count(*) FROM vg.calls
		 WHERE agent_id = '2d666925-a909-4771-885d-62a02eb80e36') AS pushed,
	   (SELECT count(*) FROM vg_calls
		 WHERE agent_id = '2d666925-a909-4771-885d-62a02eb80e36') AS expected;
SELECT (SELECT count(*) FROM vg.calls
		 WHERE agent_id IN ('2d666925-a909-4771-885d-62a02eb80e36',
							'e15f0ed8-433e-4563-bf3f-5dcd0e436a29')) AS pushed,
	   (SELECT count(*) FROM vg_calls
		 WHERE agent_id IN ('2d666925-a909-4771-885d-62a02eb80e36',
							'e15f0ed8-433e-4563-bf3f-5dcd0e436a29')) AS expected;
SELECT (SELECT count(*) FROM vg.calls
		 WHERE queue_id = ANY('{f9a1c136-62b2-4d0d-bf66-8a22964d22fd,NULL,f9a1c136-62b2-4d0d-bf66-8a22964d22fd}')) AS pushed,
	   (SELECT count(*) FROM vg_calls
		 WHERE queue_id = 'f9a1c136-62b2-4d0d-bf66-8a22964d22fd') AS expected;
SELECT (SELECT count(*) FROM vg.calls
		 WHERE aivr_app_id = 'ba67e64d-524d-4a4b-b73f-bb6e25af3a37'
		   AND queue_id = 'f9a1c136-62b2-4d0d-bf66-8a22964d22fd'
		   AND start_time >= '2026-10-01') AS pushed,
	   (SELECT count(*) FROM vg_calls
		 WHERE aivr_app_id = 'ba67e64d-524d-4a4b-b73f-bb6e25af3a37'
		   AND queue_id = 'f9a1c136-62b2-4d0d-bf66-8a22964d22fd'
		   AND start_time >= '2026-10-01') AS expected;
SELECT * FROM sim_requests();
-- the same rows, column for column
SELECT count(*) AS differing_rows
  FROM ((SELECT * FROM vg.calls
		  WHERE agent_id = ANY('{2d666925-a909-4771-885d-62a02eb80e36,e15f0ed8-433e-4563-bf3f-5dcd0e436a29}')
		 EXCEPT
		 SELECT * FROM vg_calls
		  WHERE agent_id = ANY('{2d666925-a909-4771-885d-62a02eb80e36,e15f0ed8-433e-4563-bf3f-5dcd0e436a29}'))
		UNION ALL
		(SELECT * FROM vg_calls
		  WHERE agent_id = ANY('{2d666925-a909-4771-885d-62a02eb80e36,e15f0ed8-433e-4563-bf3f-5dcd0e436a29}')
		 EXCEPT
		 SELECT * FROM vg.calls
		  WHERE agent_id = ANY('{2d666925-a909-4771-885d-62a02eb80e36,e15f0ed8-433e-4563-bf3f-5dcd0e436a29}'))) AS d;
SELECT * FROM sim_requests();

-- no value, no row, no request
SELECT count(*) FROM vg.calls WHERE agent_id = ANY('{}');
SELECT count(*) FROM vg.calls WHERE agent_id = ANY('{NULL}');
SELECT count(*) FROM vg.calls WHERE queue_id = NULL;
SELECT * FROM sim_requests();

-- values are encoded; the vendor splits an item at commas, but two ids
-- joined by a comma are longer than any id (below): no request
SELECT count(*) FROM vg.calls WHERE agent_id = 'a&b=c/d?e#f%g+h i';
SELECT count(*) FROM vg.calls
 WHERE agent_id = '2d666925-a909-4771-885d-62a02eb80e36,e15f0ed8-433e-4563-bf3f-5dcd0e436a29';
SELECT * FROM sim_requests();
-- the vendor's ids are 16 to 48 characters long (uuids), and it refuses
-- others: a value of another length matches no call, without a request;
-- in an array, only the others are sent
SELECT count(*) FROM vg.calls WHERE agent_id = 'Leila Schmidt';
SELECT count(*) FROM vg.calls
 WHERE agent_id = ANY(ARRAY['Leila Schmidt', '2d666925-a909-4771-885d-62a02eb80e36']);
SELECT * FROM sim_requests();

--
-- call_id > n and call_id >= n: the consecutive export after afterCallId
-- (exclusive, so ">= n" is sent as n - 1), in callId order.  It stops at
-- the first call still being processed (14909): the scan says so, from the
-- vendor's count of every call after n (X-Total-Count), and returns the
-- calls before it.
--
SELECT count(*), min(call_id), max(call_id) FROM vg.calls WHERE call_id > 14000;
SELECT * FROM sim_requests();
-- the rows are those of the copy up to the stop
SELECT count(*) AS differing_rows
  FROM ((SELECT * FROM vg.calls WHERE call_id >= 14000
		 EXCEPT
		 SELECT * FROM vg_calls WHERE call_id >= 14000 AND call_id < 14909)
		UNION ALL
		(SELECT * FROM vg_calls WHERE call_id >= 14000 AND call_id < 14909
		 EXCEPT
		 SELECT * FROM vg.calls WHERE call_id >= 14000)) AS d;
SELECT * FROM sim_requests();
-- a call in ERROR does not stop it
SELECT call_id, progress_phase FROM vg.calls
 WHERE call_id > 14590 AND progress_phase = 'ERROR';
-- at the stuck call: nothing, and the notice
SELECT count(*) FROM vg.calls WHERE call_id >= 14909;
-- after it, up to the next one (16102)
SELECT count(*), min(call_id), max(call_id) FROM vg.calls WHERE call_id > 14909;
-- after the newest call: nothing to withhold, no notice
SELECT count(*) FROM vg.calls WHERE call_id > 16118;
-- a lower bound below 0 is no bound (the vendor takes afterCallId >= 0),
-- the largest bigint is one
SELECT count(*) FROM vg.calls WHERE call_id >= 0;
SELECT count(*) FROM vg.calls WHERE call_id > 9223372036854775807;
SELECT * FROM sim_requests();

-- with other filters the stop is decided among the calls that match them:
-- the stuck calls are not this agent's
SELECT agent_id, count(*) AS stuck FROM vg_calls
 WHERE progress_phase NOT IN ('DONE', 'ERROR') GROUP BY 1 ORDER BY 1;
SELECT (SELECT count(*) FROM vg.calls
		 WHERE call_id > 10000 AND agent_id = '2d666925-a909-4771-885d-62a02eb80e36') AS pushed,
	   (SELECT count(*) FROM vg_calls
		 WHERE call_id > 10000 AND agent_id = '2d666925-a909-4771-885d-62a02eb80e36') AS expected;
-- and with a time range that ends before the next stuck call (16102,
-- started at 19:54:22): the export is complete, no notice
SELECT (SELECT count(*) FROM vg.calls
		 WHERE call_id > 14909 AND start_time < '2026-11-19 19:30') AS pushed,
	   (SELECT count(*) FROM vg_calls
		 WHERE call_id > 14909 AND start_time < '2026-11-19 19:30') AS expected;
-- several bounds: one afterCallId, the other bound checked locally
SELECT count(*) FROM vg.calls WHERE call_id > 16050 AND call_id >= 16090;
SELECT * FROM sim_requests();

-- call_id bounds that are not integers, and upper bounds, are checked
-- locally: the whole list is read, and no call is withheld
SELECT count(*) FROM vg.calls WHERE call_id > 16100.5;
SELECT count(*) FROM vg.calls WHERE call_id < 10010;
SELECT * FROM sim_requests();

--
-- paging: page numbers with a constant per_page (the vendor's pages are
-- not offsets: every page of a scan asks for the same size); a server
-- page_size of 250 reads 12 full pages and an empty one, every call once
--
CREATE SERVER vg250 FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'voicegain', base_url :'sim_url', rate_limit '100000/s',
		   page_size '250');
CREATE USER MAPPING FOR CURRENT_USER SERVER vg250 OPTIONS (token 'vg-token');
CREATE FOREIGN TABLE vg.calls250 (
	call_id bigint,
	start_time timestamptz,
	agent text OPTIONS (json_path 'agent.name'),
	phase text OPTIONS (json_path 'progressPhase')
) SERVER vg250 OPTIONS (endpoint 'calls');
SELECT count(*) AS calls, count(DISTINCT call_id) AS ids,
	   md5(string_agg(call_id::text, ',' ORDER BY call_id)) =
	   (SELECT md5(string_agg(call_id::text, ',' ORDER BY call_id)) FROM vg_calls) AS same_ids,
	   count(*) FILTER (WHERE (c.agent, c.phase) IS NOT DISTINCT FROM
							  (v.agent_name, v.progress_phase)) AS same_fields
  FROM vg.calls250 c JOIN vg_calls v USING (call_id, start_time);
SELECT * FROM sim_requests();
-- a consecutive export pages the same way, up to the stop
SELECT count(*), max(call_id) FROM vg.calls250 WHERE call_id >= 14000;
SELECT * FROM sim_requests();
-- page_size above the vendor's maximum is its maximum, 10000
ALTER SERVER vg250 OPTIONS (SET page_size '20000');
EXPLAIN (VERBOSE, COSTS OFF) SELECT call_id FROM vg.calls250;

--
-- LIMIT n with no WHERE and no ORDER BY: per_page=n, one request; more
-- than a page: pages of 1000, as many as needed
--
SELECT call_id, start_time FROM vg.calls LIMIT 3;
SELECT count(*) FROM (SELECT call_id FROM vg.calls LIMIT 1500) AS s;
SELECT * FROM sim_requests();
-- not with a WHERE or an ORDER BY
SELECT call_id FROM vg.calls WHERE call_id > 16110 LIMIT 2;
SELECT call_id FROM vg.calls ORDER BY call_id DESC LIMIT 2;
SELECT * FROM sim_requests();

--
-- parameters are pushed like constants, evaluated when the scan starts: a
-- prepared statement's generic plan (from the sixth execution on) asks for
-- each execution's own values
--
PREPARE calls_after(bigint, timestamptz) AS
  SELECT count(call_id) FROM vg.calls WHERE call_id > $1 AND start_time >= $2;
EXECUTE calls_after(16000, '2026-11-19');
EXECUTE calls_after(16010, '2026-11-19 12:00');
EXECUTE calls_after(16020, '2026-11-19 18:00');
EXECUTE calls_after(16030, '2026-11-19 19:00');
EXECUTE calls_after(16040, '2026-11-19 20:00:00.5');
EXECUTE calls_after(16050, '2026-11-19 21:00');
EXECUTE calls_after(16060, '2026-11-19 22:00');
SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'calls_after';
SELECT * FROM sim_requests();
-- from the copy: the calls that match, before the first of them that is
-- still being processed
SELECT u.n, u.t, count(c.call_id) AS expected
  FROM (VALUES (16000, timestamptz '2026-11-19'), (16010, '2026-11-19 12:00'),
			   (16020, '2026-11-19 18:00'), (16030, '2026-11-19 19:00'),
			   (16040, '2026-11-19 20:00:00.5'), (16050, '2026-11-19 21:00'),
			   (16060, '2026-11-19 22:00')) AS u(n, t)
  LEFT JOIN vg_calls c ON c.call_id > u.n AND c.start_time >= u.t
   AND c.call_id < ALL (SELECT s.call_id FROM vg_calls s
						 WHERE s.call_id > u.n AND s.start_time >= u.t
						   AND s.progress_phase NOT IN ('DONE', 'ERROR'))
 GROUP BY u.n, u.t
 ORDER BY u.n;
-- EXPLAIN of the generic plan shows the request of the values given
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE calls_after(16070, '2026-11-19 23:59:59.9999');
DEALLOCATE calls_after;

PREPARE agent_calls(text) AS
  SELECT count(*) FROM vg.calls WHERE agent_id = $1 AND start_time >= '2026-11-01';
EXECUTE agent_calls('2d666925-a909-4771-885d-62a02eb80e36');
EXECUTE agent_calls('e15f0ed8-433e-4563-bf3f-5dcd0e436a29');
EXECUTE agent_calls('2d666925-a909-4771-885d-62a02eb80e36');
EXECUTE agent_calls('e15f0ed8-433e-4563-bf3f-5dcd0e436a29');
EXECUTE agent_calls('2d666925-a909-4771-885d-62a02eb80e36');
EXECUTE agent_calls('e15f0ed8-433e-4563-bf3f-5dcd0e436a29');
EXECUTE agent_calls(NULL);
SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'agent_calls';
SELECT * FROM sim_requests();
DEALLOCATE agent_calls;

-- a PL/pgSQL variable, in a loop: each iteration asks its own
DO $$
DECLARE
	after bigint;
	n bigint;
	expected bigint;
BEGIN
	FOR i IN 0..5 LOOP
		after := 16040 + i * 12;
		SELECT count(*) INTO n FROM vg.calls WHERE call_id > after;
		SELECT count(*) INTO expected FROM vg_calls
		 WHERE call_id > after AND call_id < 16102;
		RAISE NOTICE 'after %: % calls, % expected', after, n, expected;
	END LOOP;
END
$$;
SELECT * FROM sim_requests();

-- a stable expression
SELECT count(*) FROM vg.calls
 WHERE start_time >= timestamptz '2026-11-19 12:00+00' + interval '13 hours';
SELECT * FROM sim_requests();

-- a subquery's value: the vendor's own use of the consecutive export, a
-- copy that goes on after the highest callId exported so far
CREATE TABLE vg_export (max_exported bigint);
INSERT INTO vg_export VALUES (16043);
CREATE TABLE vg_have AS SELECT * FROM vg_calls WHERE call_id <= 16043;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT call_id FROM vg.calls WHERE call_id > (SELECT max_exported FROM vg_export);
INSERT INTO vg_have
  SELECT * FROM vg.calls WHERE call_id > (SELECT max_exported FROM vg_export);
UPDATE vg_export SET max_exported = (SELECT max(call_id) FROM vg_have);
SELECT * FROM sim_requests();
-- it stopped before 16102; the next run asks after 16101, and stops there
-- again until 16102 is done
SELECT max_exported, (SELECT count(*) FROM vg_have) AS copied FROM vg_export;
INSERT INTO vg_have
  SELECT * FROM vg.calls WHERE call_id > (SELECT max_exported FROM vg_export);
SELECT * FROM sim_requests();
-- the copy equals the calls before the stop
SELECT count(*) AS differing_rows
  FROM ((TABLE vg_have EXCEPT SELECT * FROM vg_calls WHERE call_id < 16102)
		UNION ALL
		(SELECT * FROM vg_calls WHERE call_id < 16102 EXCEPT TABLE vg_have)) AS d;
DROP TABLE vg_have, vg_export;

--
-- joins with a local table: the list is read once (hash join); an array of
-- the local table's ids pushes them down
--
CREATE TABLE vg_teams (agent_id text, team text);
INSERT INTO vg_teams VALUES
	('2d666925-a909-4771-885d-62a02eb80e36', 'claims'),
	('e15f0ed8-433e-4563-bf3f-5dcd0e436a29', 'claims'),
	('6938efe0-428b-49e6-9d49-6e986c63ea84', 'billing');
ANALYZE vg_teams;
EXPLAIN (COSTS OFF)
SELECT t.team, count(*) FROM vg_teams t JOIN vg.calls c USING (agent_id) GROUP BY t.team;
SELECT t.team, count(*), round(avg(c.score)::numeric, 2) AS avg_score
  FROM vg_teams t JOIN vg.calls c USING (agent_id)
 GROUP BY t.team ORDER BY t.team;
SELECT * FROM sim_requests();
EXPLAIN (VERBOSE, COSTS OFF)
SELECT c.call_id FROM vg.calls c
 WHERE c.agent_id = ANY(ARRAY(SELECT agent_id FROM vg_teams WHERE team = 'claims'));
SELECT t.team, count(*), round(avg(c.score)::numeric, 2) AS avg_score
  FROM vg.calls c JOIN vg_teams t USING (agent_id)
 WHERE c.agent_id = ANY(ARRAY(SELECT agent_id FROM vg_teams))
 GROUP BY t.team ORDER BY t.team;
SELECT * FROM sim_requests();

--
-- EXPLAIN (VERBOSE) shows the first request a scan makes, and makes none;
-- EXPLAIN ANALYZE adds what the scan did
--
EXPLAIN (VERBOSE, COSTS OFF)
SELECT call_id FROM vg.calls
 WHERE call_id >= 12000 AND start_time > '2026-11-01' AND start_time <= '2026-11-10'
   AND agent_id IN ('2d666925-a909-4771-885d-62a02eb80e36', 'e15f0ed8-433e-4563-bf3f-5dcd0e436a29')
   AND queue_id = 'f9a1c136-62b2-4d0d-bf66-8a22964d22fd'
   AND aivr_app_id = ANY('{ba67e64d-524d-4a4b-b73f-bb6e25af3a37}');
EXPLAIN (VERBOSE, COSTS OFF) SELECT call_id, start_time FROM vg.calls LIMIT 3;
EXPLAIN (COSTS OFF) SELECT call_id FROM vg.calls WHERE call_id > 12000;
SELECT * FROM sim_requests();
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT call_id FROM vg.calls WHERE call_id > 15900;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT call_id FROM vg.calls250 WHERE start_time >= '2026-11-10';
SELECT count(*) AS requests FROM sim_requests();

--
-- the table can be prefetched: the vendor has no modification time, so the
-- copy goes on by the consecutive export after the highest callId copied
-- (test/t/052_voicegain_prefetch.pl follows the worker's rounds)
--
SELECT conv_fdw.prefetch('vg.calls', interval '1 hour');
SELECT relid::regclass, sync_interval FROM conv_fdw.prefetched;
SELECT conv_fdw.unprefetch('vg.calls');
SELECT count(*) FROM conv_fdw.sync_status;

--
-- credentials: a bearer token.  A wrong one is the vendor's 401, with a
-- hint; none, or a username and password, sends nothing.  No message
-- shows the token.
--
CREATE SERVER vg_wrong FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'voicegain', base_url :'sim_url', rate_limit '100000/s');
CREATE USER MAPPING FOR CURRENT_USER SERVER vg_wrong
  OPTIONS (token 'eyJhbGciOiJIUzI1NiJ9.not-the-token.x');
CREATE FOREIGN TABLE vg.calls_wrong (call_id bigint)
  SERVER vg_wrong OPTIONS (endpoint 'calls');
SELECT * FROM sim_error('SELECT * FROM vg.calls_wrong');
SELECT * FROM sim_error('SELECT * FROM vg.calls_wrong WHERE call_id > 16000');
-- a 401 is not retried
SELECT * FROM sim_requests();
ALTER USER MAPPING FOR CURRENT_USER SERVER vg_wrong
  OPTIONS (DROP token, ADD username 'vg-user', ADD password 'vg-token');
SELECT * FROM sim_error('SELECT * FROM vg.calls_wrong');
SELECT * FROM sim_requests();
-- the token is not an option of servers or tables
ALTER SERVER vg_wrong OPTIONS (ADD token 'vg-token');
SET client_min_messages = warning;
DROP SERVER vg_wrong CASCADE;
RESET client_min_messages;

--
-- the vendor's rate defaults: 75 a minute and 2000 an hour, both at once,
-- which conv_fdw keeps as one request every 1.8 s (2000/hour), all day
--
CREATE SERVER vg_default FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'voicegain', base_url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER vg_default OPTIONS (token 'vg-token');
CREATE FOREIGN TABLE vg.calls_default (call_id bigint)
  SERVER vg_default OPTIONS (endpoint 'calls');
SELECT * FROM vg.calls_default LIMIT 1;
SELECT server, current_window, rate_limit, throttled
  FROM conv_fdw.rate_status WHERE server IN ('vg', 'vg250', 'vg_default')
 ORDER BY server;
SELECT option_name FROM pg_options_to_table((SELECT srvoptions FROM pg_foreign_server
												WHERE srvname = 'vg_default'));
SELECT * FROM sim_requests();

--
-- clean up
--
SET client_min_messages = warning;
DROP EXTENSION conv_fdw CASCADE;
RESET client_min_messages;
DROP SCHEMA vg;
DROP TABLE vg_calls, vg_teams;

