--
-- conv_fdw: the Siro foreign tables (recordings, users), read from conv-sim
--
-- scripts/test.sh starts conv-sim with a fixed data set (--calls 3000, so
-- 1500 recordings, and Siro's 40 users; the newest data at 2026-11-20 02:00
-- UTC), so the rows below do not depend on the day the tests run.  Besides
-- the rows, the tests assert the requests each query made, read from the
-- simulator's request log, and compare the rows with the simulator's own
-- list of recordings (its admin interface).
--
\getenv sim_url CONV_SIM_URL
\getenv sim_log CONV_SIM_LOG

SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE EXTENSION conv_fdw;

-- a generous rate_limit keeps conv_fdw's own limiter out of the way (the
-- vendor's default, 1000 a minute, is shown at the end)
CREATE SERVER siro FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'siro', base_url :'sim_url', rate_limit '100000/s');
CREATE USER MAPPING FOR CURRENT_USER SERVER siro
  OPTIONS (token 'siro-token');

--
-- helpers: sim_error() and shows_secret() of sim_helpers.sql, and
-- siro_requests() below; the requests so far are not this suite's
--
SELECT sim_reset();

CREATE FUNCTION siro_requests(OUT method text, OUT path text, OUT query text,
							 OUT requests bigint, OUT status text)
RETURNS SETOF record LANGUAGE sql AS $$
	WITH l AS (
		SELECT r.n, r.method, regexp_replace(r.path, '^/api-externalApi/v1/', '') AS path,
			   r.query, r.status::text AS status, r.query ~ '(^|&)cursor=' AS next_page
		  FROM sim_requests() WITH ORDINALITY AS r(method, path, query, status, n)),
	s AS (
		SELECT l.*, count(*) FILTER (WHERE NOT l.next_page) OVER (ORDER BY l.n) AS scan
		  FROM l)
	SELECT (array_agg(s.method ORDER BY s.n))[1], (array_agg(s.path ORDER BY s.n))[1],
		   (array_agg(s.query ORDER BY s.n))[1], count(*),
		   string_agg(DISTINCT s.status, ',')
	  FROM s
	 GROUP BY s.scan
	 ORDER BY s.scan
$$;

-- plan(statement): EXPLAIN (VERBOSE, COSTS OFF) without the Output lines
-- (a scan that filters locally outputs all 147 columns of a recording)
CREATE FUNCTION plan(statement text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || statement LOOP
		IF line !~ '^ *Output: ' THEN
			RETURN NEXT line;
		END IF;
	END LOOP;
END
$$;

-- sim_admin(path): what GET /_admin/<path> of the simulator answers
CREATE TABLE sim_admin_out (line text);
CREATE FUNCTION sim_admin(path text) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
	TRUNCATE sim_admin_out;
	EXECUTE format($c$COPY sim_admin_out FROM PROGRAM %L
					  WITH (FORMAT csv, QUOTE e'\x01', DELIMITER e'\x02')$c$,
				   format('curl -sS --fail %s/_admin/%s', (SELECT url FROM sim), path));
	RETURN (SELECT string_agg(line, E'\n')::jsonb FROM sim_admin_out);
END
$$;

-- nothing has been requested yet
SELECT * FROM siro_requests();

--
-- IMPORT FOREIGN SCHEMA: the remote schema is the vendor's name
--
CREATE SCHEMA siro;
IMPORT FOREIGN SCHEMA siro FROM SERVER siro INTO siro;
SELECT c.relname, s.srvname, ft.ftoptions
  FROM pg_foreign_table ft
  JOIN pg_class c ON c.oid = ft.ftrelid
  JOIN pg_foreign_server s ON s.oid = ft.ftserver
 WHERE c.relnamespace = 'siro'::regnamespace
 ORDER BY c.relname;

-- the contract's names and types: ids text, times timestamptz, counts
-- bigint, measures double precision, nested objects and arrays jsonb;
-- json_path where the field is not the camelCase of the name
\d siro.recordings
\d siro.users

-- LIMIT TO and EXCEPT; errors
CREATE SCHEMA siro_some;
IMPORT FOREIGN SCHEMA siro LIMIT TO (users) FROM SERVER siro INTO siro_some;
CREATE SCHEMA siro_rest;
IMPORT FOREIGN SCHEMA siro EXCEPT (users) FROM SERVER siro INTO siro_rest;
SELECT c.relnamespace::regnamespace AS schema, string_agg(c.relname, ', ') AS tables
  FROM pg_class c
 WHERE c.relnamespace IN ('siro_some'::regnamespace, 'siro_rest'::regnamespace)
 GROUP BY 1
 ORDER BY 1;
IMPORT FOREIGN SCHEMA siro LIMIT TO (recordings, calls) FROM SERVER siro INTO siro_some;
IMPORT FOREIGN SCHEMA execvision FROM SERVER siro INTO siro_some;
SET client_min_messages = warning;
DROP SCHEMA siro_some, siro_rest CASCADE;
RESET client_min_messages;

-- importing asks the vendor nothing
SELECT * FROM siro_requests();

--
-- recordings: all 1500, deleted ones too, in pages of 100 by cursor.  A
-- full page always has a cursor, so the scan ends with an empty page.
-- SELECT * reads every optional part, so every flag is sent.
--
CREATE TABLE all_recordings AS SELECT * FROM siro.recordings;
SELECT * FROM siro_requests();

-- the same recordings, times and deletions as the simulator's own list
CREATE TABLE sim_recordings AS
  SELECT r->>'id' AS id, (r->>'dateCreated')::timestamptz AS created_at,
		 (r->>'updatedAt')::timestamptz AS updated_at,
		 (r->>'deleted')::boolean AS deleted,
		 (r->>'deletedDate')::timestamptz AS deleted_date
	FROM jsonb_array_elements(sim_admin('siro/recordings')) AS r;
SELECT count(*) AS recordings, count(DISTINCT id) AS ids,
	   count(*) FILTER (WHERE deleted) AS deleted,
	   (SELECT count(*) FROM sim_recordings) AS simulator_recordings,
	   (SELECT count(*) FROM sim_recordings WHERE deleted) AS simulator_deleted,
	   (SELECT count(*)
		  FROM ((SELECT id, created_at, updated_at, deleted, deleted_date FROM all_recordings
				 EXCEPT TABLE sim_recordings)
				UNION ALL
				(TABLE sim_recordings
				 EXCEPT SELECT id, created_at, updated_at, deleted, deleted_date
						  FROM all_recordings)) AS d) AS differing_rows
  FROM all_recordings;

-- the fields decode: statuses and what they imply (only complete
-- recordings have results: metrics, title, transcript, bookmarks), CRM
-- links, locations, deletions
SELECT transcription_status, processing_status AS processing, count(*) AS recordings,
	   count(*) FILTER (WHERE deleted) AS deleted,
	   count(duration_in_milliseconds) AS with_duration,
	   count(conversation_time) AS with_metrics,
	   count(title) AS titled,
	   count(redacted_transcript) AS transcribed,
	   count(crm_customer) AS with_crm,
	   count(latitude) AS located,
	   count(secondary_transcription_job_id) AS secondary
  FROM all_recordings
 GROUP BY 1, 2
 ORDER BY 1;
-- times come in order; a deletion is the last update; ids are Firestore's
SELECT bool_and(updated_at >= created_at) AS updated_after_created,
	   bool_and(last_chunk_uploaded > created_at) AS chunks_after_start,
	   bool_and(last_processed_audio >= last_chunk_uploaded) AS processed_after_upload,
	   bool_and(last_processed_audio = last_updated_jump_to_tags)
		 FILTER (WHERE jsonb_array_length(jump_to_tags) > 0) AS tagged_when_processed,
	   bool_and(deleted_date = updated_at) FILTER (WHERE deleted) AS deleted_at_last_update,
	   count(deleted_date) FILTER (WHERE NOT deleted) AS live_with_deleted_date,
	   bool_and(length(id) = 20) AS document_ids,
	   bool_and(length(user_id) = 28) AS user_ids,
	   count(last_labeled) AS labeled,
	   count(date_lacking_single_expected_chunk) AS lacking_chunk
  FROM all_recordings;
-- numbers, booleans and JSON: measures, counts, the speaker map, bookmark
-- counts, Firestore geopoints and timestamps
SELECT min(confidence) AS min_confidence, max(confidence) AS max_confidence,
	   min(rep_speaker_share) AS min_share, max(rep_speaker_share) AS max_share,
	   min(rep_vocabulary_level) AS min_level, max(rep_vocabulary_level) AS max_level,
	   bool_and(rep_speaking_time + customer_speaking_time <= conversation_time) AS talk_in_conversation,
	   bool_and(total_rep_exchanges_with_a_question <= rep_exchanges_count) AS questions_in_exchanges,
	   bool_and(audio_duration_in_milliseconds = duration_in_milliseconds) AS same_durations,
	   count(*) FILTER (WHERE do_not_delete) AS do_not_delete,
	   bool_and(speaker_map->>'0' = user_id) FILTER (WHERE speaker_map <> '{}') AS rep_speaks_0,
	   bool_and((SELECT coalesce(sum(v::int), 0) FROM jsonb_each_text(tags) AS t(k, v)) =
				jsonb_array_length(jump_to_tags)) AS tags_count_bookmarks,
	   bool_and((coordinates->>'_latitude')::float8 = latitude AND
				geo->'geopoint' = coordinates) FILTER (WHERE latitude IS NOT NULL) AS geopoints,
	   bool_and((last_successful_secondary_transcription->>'_seconds')::bigint =
				extract(epoch FROM date_trunc('second', last_processed_audio)))
		 FILTER (WHERE secondary_transcription_job_id IS NOT NULL) AS firestore_timestamps
  FROM all_recordings
 WHERE conversation_time IS NOT NULL;
-- the optional parts, as SELECT * asked for them: arrays (evaluation is an
-- object, null without a scorecard); CRM accounts only with a CRM link,
-- mobile events only from phones
SELECT count(*) FILTER (WHERE jsonb_typeof(images) = 'array' AND
						jsonb_typeof(crm_opportunities) = 'array' AND
						jsonb_typeof(media_opportunities) = 'array' AND
						jsonb_typeof(multimedia_events) = 'array' AND
						jsonb_typeof(followups) = 'array' AND
						jsonb_typeof(mobile_events) = 'array' AND
						jsonb_typeof(crm_accounts) = 'array') AS with_every_part,
	   count(evaluation) AS evaluated,
	   count(*) FILTER (WHERE jsonb_array_length(crm_accounts) > 0) AS with_crm_accounts,
	   count(*) FILTER (WHERE jsonb_array_length(crm_accounts) > 0 AND
						crm_customer IS NULL) AS crm_accounts_without_customer,
	   count(*) FILTER (WHERE jsonb_array_length(mobile_events) > 0 AND
						os NOT IN ('ios', 'android')) AS mobile_events_off_phones
  FROM all_recordings;

--
-- users: the 40 of the organisation, those who left too (deleted), in one
-- page; admins have no team
--
CREATE TABLE all_users AS SELECT * FROM siro.users;
SELECT * FROM siro_requests();
SELECT role, count(*) AS users, count(*) FILTER (WHERE deleted) AS deleted,
	   count(deleted_date) AS with_deleted_date, count(team_id) AS in_a_team,
	   count(DISTINCT team_name) AS teams, count(phone_number) AS with_phone,
	   bool_and(email LIKE '%@%') AS emails, bool_and(length(id) = 28) AS uids
  FROM all_users
 GROUP BY role
 ORDER BY role;
-- recordings are by reps and managers, whose names and teams they repeat;
-- nobody records after leaving
SELECT count(*) AS recordings, count(u.id) AS by_known_users,
	   string_agg(DISTINCT u.role, ',' ORDER BY u.role) AS roles,
	   bool_and(r.rep_first_name = u.first_name AND r.rep_last_name = u.last_name) AS same_names,
	   bool_and(r.team_id = u.team_id AND r.organization_id = u.organization_id) AS same_team,
	   count(*) FILTER (WHERE u.deleted AND r.created_at > u.deleted_date) AS after_leaving
  FROM all_recordings r LEFT JOIN all_users u ON u.id = r.user_id;

--
-- paging: pages of 7 (server option page_size) bring every object once:
-- 40 users in 6 pages; the recordings updated since 2026-11-19 in 4
--
CREATE SERVER siro7 FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'siro', base_url :'sim_url', rate_limit '100000/s', page_size '7');
CREATE USER MAPPING FOR CURRENT_USER SERVER siro7 OPTIONS (token 'siro-token');
CREATE SCHEMA siro7;
IMPORT FOREIGN SCHEMA siro FROM SERVER siro7 INTO siro7;
SELECT count(*) AS users, count(DISTINCT id) AS ids,
	   array_agg(id ORDER BY id) = (SELECT array_agg(id ORDER BY id) FROM all_users) AS same_ids
  FROM siro7.users;
SELECT * FROM siro_requests();
SELECT count(*) AS recordings, count(DISTINCT id) AS ids,
	   array_agg(id ORDER BY id) =
	   (SELECT array_agg(id ORDER BY id) FROM all_recordings
		 WHERE updated_at >= '2026-11-19') AS same_ids
  FROM siro7.recordings WHERE updated_at >= '2026-11-19';
SELECT * FROM siro_requests();

-- 147 recordings share one updatedAt (a bulk sync), more than a page of
-- 100: the cursor holds (updatedAt, id), so pages go through it, by 100
-- and by 7
SELECT updated_at, count(*) FROM all_recordings
 GROUP BY updated_at HAVING count(*) > 100;
SELECT count(*) AS recordings, count(DISTINCT id) AS ids
  FROM siro.recordings
 WHERE updated_at BETWEEN '2026-11-18 02:00' AND '2026-11-18 02:00';
SELECT * FROM siro_requests();
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM siro7.recordings
 WHERE updated_at >= '2026-11-18 02:00' AND updated_at <= '2026-11-18 02:00';
SELECT * FROM siro_requests();

--
-- pushdown: updated_at >= > < <= become updatedAt:gte|gt|lt|lte;
-- created_at > < become createdAt:gt|lt, and >= <= the strict bound a
-- millisecond further out (the API has no createdAt:gte|lte).  Times go to
-- the millisecond, rounded outward; every condition is still checked
-- locally.  pushdown_check(cond) reads the recordings where cond holds and
-- compares them with the copy: pushed and expected counts, and the
-- recordings missing from or extra to the copy's answer.
--
CREATE FUNCTION pushdown_check(cond text, OUT pushed bigint, OUT expected bigint,
							   OUT missing bigint, OUT extra bigint)
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE 'CREATE TEMP TABLE got AS SELECT id, created_at, updated_at, deleted'
		' FROM siro.recordings WHERE ' || cond;
	EXECUTE 'CREATE TEMP TABLE want AS SELECT id, created_at, updated_at, deleted'
		' FROM all_recordings WHERE ' || cond;
	SELECT count(*) INTO pushed FROM got;
	SELECT count(*) INTO expected FROM want;
	SELECT count(*) INTO missing FROM (TABLE want EXCEPT TABLE got) AS d;
	SELECT count(*) INTO extra FROM (TABLE got EXCEPT TABLE want) AS d;
	DROP TABLE got, want;
END
$$;

-- updatedAt: three recordings were updated at 2026-11-19 02:00:00.000
-- exactly; a bound between milliseconds is sent rounded outward
SELECT updated_at, count(*) FROM all_recordings
 WHERE updated_at BETWEEN '2026-11-19 01:59:59.999' AND '2026-11-19 02:00:00.001'
 GROUP BY 1;
SELECT * FROM pushdown_check($$updated_at >= '2026-11-19 02:00'$$);
SELECT * FROM pushdown_check($$updated_at >= '2026-11-19 02:00:00.0005'$$);
SELECT * FROM pushdown_check($$updated_at > '2026-11-19 02:00'$$);
SELECT * FROM pushdown_check($$updated_at < '2026-08-24 12:00:00.2345'$$);
SELECT * FROM pushdown_check($$updated_at <= '2026-08-24 12:00:00.2345'$$);
-- the value on the left; a date is midnight in the session's time zone
SELECT * FROM pushdown_check($$'2026-11-19 02:00' < updated_at$$);
SET timezone = 'America/New_York';
SELECT * FROM pushdown_check($$updated_at >= date '2026-11-19'$$);
SET timezone = 'UTC';
SELECT * FROM siro_requests();

-- createdAt: the bounds at a recording's own creation time, to the
-- millisecond: >= and <= include it, > and < do not
SELECT id AS rec_id, created_at AS rec_created
  FROM all_recordings ORDER BY created_at OFFSET 1400 LIMIT 1 \gset
SELECT * FROM pushdown_check(format('created_at >= %L', :'rec_created'));
SELECT * FROM pushdown_check(format('created_at > %L', :'rec_created'));
SELECT * FROM pushdown_check(format('created_at <= %L', :'rec_created'));
SELECT * FROM pushdown_check(format('created_at < %L', :'rec_created'));
SELECT * FROM siro_requests();
-- both: the one recording (of the copy's 1500, one is created at that time)
SELECT count(*) FILTER (WHERE created_at = :'rec_created') AS at_that_time
  FROM all_recordings;
SELECT id = :'rec_id' AS is_it FROM siro.recordings
 WHERE created_at >= :'rec_created' AND created_at <= :'rec_created';
SELECT * FROM siro_requests();

-- both times, both sides: four parameters
SELECT * FROM pushdown_check($$updated_at BETWEEN '2026-11-10' AND '2026-11-18 02:00'
							   AND created_at > '2026-11-01' AND created_at < '2026-11-15'$$);
SELECT * FROM siro_requests();
-- two bounds that would send one parameter twice (the API refuses it):
-- the first is sent, the other checked locally
SELECT * FROM pushdown_check($$created_at > '2026-11-19' AND created_at >= '2026-11-19 12:00'$$);
SELECT * FROM pushdown_check($$updated_at >= '2026-11-19' AND updated_at >= '2026-11-19 12:00'$$);
SELECT * FROM siro_requests();

-- bounds no row can pass make no request; bounds the API cannot take (a
-- year outside 1-9999) are not sent
SELECT count(*) FROM siro.recordings WHERE updated_at >= 'infinity';
SELECT count(*) FROM siro.recordings WHERE created_at < '-infinity';
SELECT count(*) FROM siro.recordings WHERE updated_at >= NULL::timestamptz;
SELECT * FROM siro_requests();
SELECT * FROM pushdown_check($$updated_at >= '0044-03-15 BC'$$);
SELECT * FROM pushdown_check($$created_at < '12000-01-01'$$);
SELECT * FROM pushdown_check($$updated_at > '-infinity' AND updated_at <= 'infinity'$$);
SELECT * FROM siro_requests();

-- other conditions are checked locally only: no request parameter
SELECT * FROM pushdown_check($$updated_at = '2026-11-19 02:00'$$);
SELECT * FROM pushdown_check($$deleted AND created_at >= '2026-11-01'$$);
SELECT * FROM siro_requests();

--
-- id = x, id = ANY(...), id IN (...): one GET core/recordings/{id} per
-- distinct id, URL-encoded; deleted recordings are found too; an id that
-- does not exist is a 404 and no row
--
SELECT id AS deleted_id FROM all_recordings
 WHERE deleted ORDER BY created_at LIMIT 1 \gset
SELECT id = :'deleted_id' AS is_it, deleted, deleted_date = updated_at AS deleted_at_update
  FROM siro.recordings WHERE id = :'deleted_id';
SELECT id = :'rec_id' AS is_it, created_at FROM siro.recordings
 WHERE id = ANY(ARRAY[:'rec_id', :'deleted_id', :'rec_id', NULL, 'no-such-recording'])
 ORDER BY created_at;
SELECT count(*) FROM siro.recordings WHERE id IN (:'rec_id', 'no-such-recording');
SELECT method, replace(replace(path, :'rec_id', 'REC'), :'deleted_id', 'DELETED') AS path,
	   query, requests, status
  FROM siro_requests();
-- an id cannot change the path: "/" and the rest are encoded, and ".",
-- ".." and "" cannot be a path segment at all, so they are not requested
SELECT id FROM siro.recordings WHERE id = '../users';
SELECT id FROM siro.recordings WHERE id = 'a b/c?d=e&f#g%h';
SELECT id FROM siro.recordings WHERE id = ANY('{., .., ""}');
SELECT * FROM siro_requests();

-- a lookup answers the same recording as the list, optional parts too:
-- SELECT * sends every flag with the lookup as well
SELECT l.id = :'rec_id' AS is_it, to_jsonb(l) = to_jsonb(a) AS same_row,
	   jsonb_typeof(l.images) AS images, l.evaluation IS NOT NULL AS evaluated
  FROM siro.recordings l JOIN all_recordings a USING (id)
 WHERE l.id = :'rec_id';
SELECT method, replace(path, :'rec_id', 'REC') AS path, query, requests, status
  FROM siro_requests();

--
-- the optional parts come only when the query reads their column (in the
-- output or in a condition): then its flag is sent, with the list and the
-- lookup
--
SELECT * FROM plan($$SELECT id FROM siro.recordings$$);
SELECT * FROM plan($$SELECT id, images FROM siro.recordings$$);
SELECT * FROM plan($$SELECT id FROM siro.recordings
 WHERE jsonb_array_length(crm_accounts) > 0 AND evaluation IS NOT NULL$$);
SELECT * FROM plan($$SELECT count(*) FROM siro.recordings$$);
SELECT * FROM plan($$SELECT * FROM siro.recordings$$);
SELECT * FROM plan($$SELECT id, followups, mobile_events FROM siro.recordings
					   WHERE id = 'x'$$);
SELECT * FROM siro_requests();
SELECT count(*) AS recordings,
	   count(*) FILTER (WHERE jsonb_array_length(crm_accounts) > 0) AS with_crm_accounts,
	   count(crm_customer) AS with_crm_customer,
	   count(*) FILTER (WHERE jsonb_array_length(crm_opportunities) > 0) AS with_opportunities
  FROM siro.recordings WHERE updated_at >= '2026-11-15';
SELECT * FROM siro_requests();

--
-- LIMIT n with no WHERE and no ORDER BY: pageSize=n, and no page after the
-- rows needed; without an updatedAt filter the list is in dateCreated order
--
SELECT array_agg(id) = (SELECT array_agg(id ORDER BY created_at, id)
						  FROM (SELECT id, created_at FROM all_recordings
								 ORDER BY created_at, id LIMIT 5) AS f) AS first_five
  FROM (SELECT id FROM siro.recordings LIMIT 5) AS s;
SELECT count(*) FROM (SELECT id FROM siro.recordings LIMIT 150) AS s;
SELECT first_name FROM siro.users LIMIT 1;
SELECT * FROM siro_requests();
-- not with a WHERE or an ORDER BY
SELECT count(*) FROM (SELECT id FROM siro.recordings
					   WHERE updated_at >= '2026-11-19' LIMIT 2) AS s;
SELECT count(*) FROM (SELECT id FROM siro.users ORDER BY id LIMIT 2) AS s;
SELECT * FROM siro_requests();

--
-- joins: with a small local table, a parameterized scan makes one lookup
-- per outer row; users have no lookup, so they are listed once
--
CREATE TABLE local_notes (recording_id text, note text);
INSERT INTO local_notes
  SELECT id, 'note ' || n
	FROM (SELECT id, row_number() OVER (ORDER BY created_at) AS n
			FROM all_recordings) AS r
   WHERE n % 300 = 0;
INSERT INTO local_notes VALUES ('no-such-recording', 'lost');
ANALYZE local_notes;
SELECT * FROM plan($$SELECT n.note, r.transcription_status FROM local_notes n
  JOIN siro.recordings r ON r.id = n.recording_id$$);
SELECT n.note, r.transcription_status, r.created_at FROM local_notes n
  JOIN siro.recordings r ON r.id = n.recording_id
 ORDER BY r.created_at;
SELECT count(*) AS requests, count(*) FILTER (WHERE status = '404') AS not_found,
	   count(*) FILTER (WHERE path ~ '^core/recordings/.' AND query = '') AS lookups
  FROM siro_requests();
SELECT u.team_name, count(*) AS recordings, count(*) FILTER (WHERE r.deleted) AS deleted
  FROM siro.recordings r JOIN siro.users u ON u.id = r.user_id
 WHERE r.updated_at >= '2026-11-15'
 GROUP BY u.team_name
 ORDER BY u.team_name;
SELECT * FROM siro_requests();

--
-- parameters are pushed like constants, evaluated when the scan starts: a
-- prepared statement's generic plan (from the sixth execution on) asks for
-- each execution's own value
--
PREPARE updated_since(timestamptz) AS
  SELECT count(*) FROM siro.recordings WHERE updated_at >= $1;
EXECUTE updated_since('2026-11-19 00:00');
EXECUTE updated_since('2026-11-19 06:00:00.5');
EXECUTE updated_since('2026-11-19 12:00');
EXECUTE updated_since('2026-11-19 18:00');
EXECUTE updated_since('2026-11-20 00:00');
EXECUTE updated_since('2026-11-20 01:00');
EXECUTE updated_since('2026-11-19 02:00');
SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'updated_since';
SELECT * FROM siro_requests();
SELECT v AS since, count(a.id) AS expected
  FROM unnest('{2026-11-19 00:00, 2026-11-19 06:00:00.5, 2026-11-19 12:00,
				2026-11-19 18:00, 2026-11-20 00:00, 2026-11-20 01:00,
				2026-11-19 02:00}'::timestamptz[]) WITH ORDINALITY AS u(v, n)
  LEFT JOIN all_recordings a ON a.updated_at >= u.v
 GROUP BY u.v, u.n
 ORDER BY u.n;
SELECT * FROM plan($$EXECUTE updated_since('2026-11-19 23:59:59.9999')$$);
EXECUTE updated_since(NULL);
SELECT * FROM siro_requests();
DEALLOCATE updated_since;

PREPARE recording(text) AS SELECT deleted FROM siro.recordings WHERE id = $1;
EXECUTE recording(:'rec_id');
EXECUTE recording(:'deleted_id');
EXECUTE recording('no-such-recording');
EXECUTE recording(:'rec_id');
EXECUTE recording(:'deleted_id');
EXECUTE recording('../users');
EXECUTE recording(:'deleted_id');
SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'recording';
SELECT method, replace(replace(path, :'rec_id', 'REC'), :'deleted_id', 'DELETED') AS path,
	   query, requests, status
  FROM siro_requests();
DEALLOCATE recording;

-- a stable expression and a subquery's value
SELECT * FROM pushdown_check($$created_at > timestamptz '2026-11-19 12:00+00' + interval '6 hours'$$);
CREATE TABLE bounds (t timestamptz);
INSERT INTO bounds VALUES ('2026-11-19 20:00'), ('2026-11-18');
SELECT (SELECT count(*) FROM siro.recordings
		 WHERE updated_at >= (SELECT min(t) FROM bounds)
		   AND updated_at < (SELECT max(t) FROM bounds)) AS pushed,
	   (SELECT count(*) FROM all_recordings
		 WHERE updated_at >= '2026-11-18' AND updated_at < '2026-11-19 20:00') AS expected;
SELECT * FROM plan($$SELECT count(*) FROM siro.recordings
					   WHERE updated_at > (SELECT max(t) FROM bounds)$$);
SELECT * FROM siro_requests();

--
-- EXPLAIN ANALYZE adds what the scan did: pages, rows fetched (the empty
-- page after a full one is a request too)
--
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM siro.recordings WHERE updated_at >= '2026-11-19';
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM siro.recordings WHERE id IN (:'rec_id', 'no-such-recording');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM siro7.users;
SELECT count(*) AS requests FROM siro_requests();

--
-- credentials: a wrong token is the vendor's 401, with a hint, and not
-- retried; no message shows the token.  Without a token nothing is sent.
--
CREATE SERVER siro_wrong FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'siro', base_url :'sim_url', rate_limit '100000/s');
CREATE USER MAPPING FOR CURRENT_USER SERVER siro_wrong
  OPTIONS (token 'not-the-siro-token');
CREATE SCHEMA siro_wrong;
IMPORT FOREIGN SCHEMA siro FROM SERVER siro_wrong INTO siro_wrong;
\x on
SELECT * FROM sim_error('SELECT * FROM siro_wrong.users');
SELECT code, replace(message, :'rec_id', 'REC') AS message, detail, hint, shows_secret
  FROM sim_error(format('SELECT id FROM siro_wrong.recordings WHERE id = %L', :'rec_id'));
\x off
SELECT method, replace(path, :'rec_id', 'REC') AS path, query, requests, status
  FROM siro_requests();
ALTER USER MAPPING FOR CURRENT_USER SERVER siro_wrong OPTIONS (DROP token);
\x on
SELECT * FROM sim_error('SELECT * FROM siro_wrong.users');
\x off
SELECT * FROM siro_requests();

--
-- rate: without rate_limit a server takes Siro's 1000 requests a minute
-- (shown as the even spacing conv_fdw keeps: 16.6667 a second)
--
CREATE SERVER siro_default FOREIGN DATA WRAPPER conv_fdw OPTIONS (vendor 'siro');
SELECT server, current_window, rate_limit, used
  FROM conv_fdw.rate_status WHERE server = 'siro_default';
SELECT srvoptions FROM pg_foreign_server WHERE srvname = 'siro_default';

--
-- prefetching needs paging by time and id; Siro's cursor gives neither
--
\x on
SELECT * FROM sim_error($$SELECT conv_fdw.prefetch('siro.recordings', '5 minutes')$$);
SELECT * FROM sim_error($$SELECT conv_fdw.prefetch('siro.users', '5 minutes')$$);
\x off
SELECT * FROM siro_requests();

--
-- clean up
--
SET client_min_messages = warning;
DROP EXTENSION conv_fdw CASCADE;
RESET client_min_messages;
DROP SCHEMA siro, siro7, siro_wrong;
DROP TABLE sim_admin_out, all_recordings, sim_recordings, all_users, local_notes, bounds;
DROP FUNCTION siro_requests(), plan(text), sim_admin(text), pushdown_check(text);
