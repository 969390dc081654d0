--
-- conv_fdw: which ExecVision conditions become request parameters, with
-- constants and with parameters, and what EXPLAIN shows of it
--
-- Goes on with the server, tables and helpers of execvision.sql, and with
-- its copies of the calls list (calls_copy) and of the deleted calls: each
-- test checks its rows against a local filter over the copy, and asserts
-- the requests the query made (sim_requests()).
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SELECT * FROM sim_requests();

--
-- since: modified >= x, modified > x and call_time >= x become since=x to
-- the minute, rounded down (the API ignores seconds); every condition is
-- still checked locally, which removes what the minute adds
--
SELECT (SELECT count(*) FROM ev.calls WHERE modified >= '2026-11-20 01:59:20') AS pushed,
	   (SELECT count(*) FROM calls_copy WHERE modified >= '2026-11-20 01:59:20') AS expected;
SELECT (SELECT count(*) FROM ev.calls WHERE modified > '2026-11-20 01:59:13.642289') AS pushed,
	   (SELECT count(*) FROM calls_copy WHERE modified > '2026-11-20 01:59:13.642289') AS expected;
SELECT (SELECT count(*) FROM ev.calls WHERE call_time >= '2026-11-19 20:00') AS pushed,
	   (SELECT count(*) FROM calls_copy WHERE call_time >= '2026-11-19 20:00') AS expected;
-- the value on the left
SELECT count(*) FROM ev.calls WHERE '2026-11-19 10:07:45' <= modified;
SELECT * FROM sim_requests();

-- several bounds: the greatest
SELECT (SELECT count(*) FROM ev.calls
		 WHERE modified >= '2026-11-19 12:00' AND call_time >= '2026-11-19 20:00'
		   AND modified > '2026-11-19 21:00:30') AS pushed,
	   (SELECT count(*) FROM calls_copy
		 WHERE modified >= '2026-11-19 12:00' AND call_time >= '2026-11-19 20:00'
		   AND modified > '2026-11-19 21:00:30') AS expected;
SELECT * FROM sim_requests();

-- a date compared with a timestamptz is midnight in the session's time
-- zone, as in the comparison; listens' dates are UTC days, as the vendor's
SET timezone = 'America/New_York';
SELECT (SELECT count(*) FROM ev.calls WHERE modified >= date '2026-11-19') AS pushed,
	   (SELECT count(*) FROM calls_copy WHERE modified >= date '2026-11-19') AS expected;
SELECT count(*) FROM ev.listens WHERE date >= '2026-11-10';
SELECT * FROM sim_requests();
RESET timezone;
SET timezone = 'UTC';

-- bounds no row can pass make no request; bounds before 1970 (the
-- vendor's "everything") ask for everything
SELECT count(*) FROM ev.calls WHERE modified >= 'infinity';
SELECT count(*) FROM ev.listens WHERE date > 'infinity';
SELECT count(*) FROM ev.calls WHERE modified >= NULL::timestamptz;
SELECT count(*) FROM ev.deleted_calls WHERE deleted_at >= '0044-03-15 BC';
SELECT count(*) FROM ev.listens WHERE date > '-infinity';
SELECT * FROM sim_requests();

-- the paging time of the other since lists; without a bound they read
-- everything: since=1970-01-01T00:00Z
SELECT (SELECT count(*) FROM ev.deleted_calls WHERE deleted_at >= '2026-11-01') AS pushed,
	   (SELECT count(*) FROM deleted_copy WHERE deleted_at >= '2026-11-01') AS expected;
SELECT (SELECT count(*) FROM ev.call_topics WHERE modified >= '2026-11-19 21:00') AS pushed,
	   (SELECT count(*) FROM calls_copy
		 WHERE state = 'COMPLETE' AND modified >= '2026-11-19 21:00') AS expected;
SELECT (SELECT count(*) FROM ev.shares WHERE shared_at >= '2026-11-15 12:34:56') AS pushed,
	   (SELECT count(*) FILTER (WHERE shared_at >= '2026-11-15 12:34:56') FROM ev.shares) AS expected;
SELECT (SELECT count(*) FROM ev.feedback WHERE modified >= '2026-11-15') AS pushed,
	   (SELECT count(*) FILTER (WHERE modified >= '2026-11-15') FROM ev.feedback) AS expected;
SELECT (SELECT count(*) FROM ev.scores WHERE modified >= '2026-11-15') AS pushed,
	   (SELECT count(*) FILTER (WHERE modified >= '2026-11-15') FROM ev.scores) AS expected;
SELECT (SELECT count(*) FROM ev.meetings WHERE modified > '2026-11-01') AS pushed,
	   (SELECT count(*) FILTER (WHERE modified > '2026-11-01') FROM ev.meetings) AS expected;
SELECT (SELECT count(*) FROM ev.plans WHERE modified >= '2026-10-01') AS pushed,
	   (SELECT count(*) FILTER (WHERE modified >= '2026-10-01') FROM ev.plans) AS expected;
SELECT (SELECT count(*) FROM ev.kpis WHERE modified >= '2026-11-15') AS pushed,
	   (SELECT count(*) FILTER (WHERE modified >= '2026-11-15') FROM ev.kpis) AS expected;
SELECT * FROM sim_requests();

--
-- id = x, id = ANY(...), id IN (...): one GET call/{id} per distinct id,
-- URL-encoded; an id that does not exist is a 404 and no row
--
SELECT id, state, metadata->>'company' AS company
  FROM ev.calls WHERE id = '9393a74a-1d9d-4c63-aacf-b40b38669320';
SELECT id FROM ev.calls
 WHERE id = ANY(ARRAY['4deb82f9-fca5-42a1-95ed-47158cfe6529',
					  '2ebc95da-9ce1-4b0a-b1d1-6fa28298490d',
					  '4deb82f9-fca5-42a1-95ed-47158cfe6529', NULL, 'no-such-call'])
 ORDER BY id;
SELECT id FROM ev.calls
 WHERE id IN ('dad5c20f-d5b4-45d6-adce-6ca614bf9c06', '4deb82f9-fca5-42a1-95ed-47158cfe6529')
 ORDER BY id;
SELECT * FROM sim_requests();

-- an id cannot change the path: "/" and the rest are encoded, and ".",
-- ".." and "" cannot be a path segment at all, so they are not requested
SELECT id FROM ev.calls WHERE id = '../users';
SELECT id FROM ev.calls WHERE id = 'a b/c?d=e&f#g%h';
SELECT id FROM ev.calls WHERE id = ANY('{., .., ""}');
SELECT * FROM sim_requests();

-- call/{id} answers the same call as the list...
SELECT l.id,
	   (l.caller_id, l.caller_email, l.call_time, l.duration, l.direction, l.state,
		l.original_path, l.modified, l.stats, l.call_summary) IS NOT DISTINCT FROM
	   (c.caller_id, c.caller_email, c.call_time, c.duration, c.direction, c.state,
		c.original_path, c.modified, c.stats, c.call_summary) AS same_fields,
	   l.metadata - 'callCardTemplate' = c.metadata AS same_metadata,
	   l.metadata ? 'callCardTemplate' AS lookup_adds_template
  FROM ev.calls l JOIN calls_copy c USING (id)
 WHERE l.id IN ('9393a74a-1d9d-4c63-aacf-b40b38669320', '319bd232-429a-4e69-a4b5-be97e74f5292')
 ORDER BY l.id;
-- ... XXX but for its metadata: call/{id} renders the call card template
-- into it, which the list does only with render_templates=true, so a
-- row's metadata depends on the plan (lookups, searches and joins on the
-- id show callCardTemplate, list scans do not).  When conv_fdw makes both
-- agree, lookup_adds_template above becomes false.
SELECT * FROM sim_requests();

--
-- metadata->>'f' = v, or a column with json_path 'metadata.f': the search
-- (case-insensitive: its value is lowercased), then a lookup of each id
-- found, whose row is checked against the exact, case-sensitive condition
--
SELECT (SELECT count(*) FROM ev.calls WHERE metadata->>'company' = 'ACME Corp') AS pushed,
	   (SELECT count(*) FROM calls_copy WHERE metadata->>'company' = 'ACME Corp') AS expected,
	   (SELECT count(*) FROM calls_copy WHERE metadata->>'company' = 'Acme Corp') AS "Acme Corp";
CREATE TEMP TABLE acme AS
  SELECT * FROM sim_requests() WITH ORDINALITY AS r(method, path, query, status, n);
SELECT method, path, query, status FROM acme WHERE n = 1;
-- the ids looked up are those of 'ACME Corp' and 'Acme Corp'
SELECT count(*) AS lookups, count(DISTINCT path) AS distinct_lookups,
	   bool_and(status = 200) AS all_found,
	   array_agg(substr(path, 16) ORDER BY path) =
	   (SELECT array_agg(id ORDER BY id) FROM calls_copy
		 WHERE lower(metadata->>'company') = 'acme corp') AS ids_of_both
  FROM acme
 WHERE n > 1 AND path LIKE '/api/ev/2/call/%' AND query = '';
SELECT count(*) AS other_requests FROM acme WHERE n > 1 AND path NOT LIKE '/api/ev/2/call/%';

-- a json_path column
CREATE FOREIGN TABLE ev.calls_crm (
	id text,
	company text OPTIONS (json_path 'metadata.company'),
	opportunity text OPTIONS (json_path 'metadata.opportunity_id')
) SERVER ev OPTIONS (endpoint 'calls');
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ev.calls_crm WHERE company = 'ACME Corp';
SELECT * FROM ev.calls_crm WHERE opportunity = '006Kgr36ylAue1J6Nb' ORDER BY id;
SELECT * FROM sim_requests();
-- the same search, but no opportunity id is the lowercased one
SELECT * FROM ev.calls_crm WHERE opportunity = '006kgr36ylaue1j6nb';
SELECT method, path LIKE '/api/ev/2/call/%' AS lookup, query, status FROM sim_requests();

-- a search that returns the vendor's cap of 1000 ids may have missed some:
-- the scan reads the list instead, and still returns exactly the rows
SELECT count(*) AS calls, md5(string_agg(id, ',' ORDER BY id)) =
	   (SELECT md5(string_agg(id, ',' ORDER BY id)) FROM calls_copy
		 WHERE metadata->>'deleted' = 'false') AS same_ids
  FROM ev.calls WHERE metadata->>'deleted' = 'false';
SELECT * FROM sim_requests();

-- field names and values are encoded: neither can add parameters; a
-- field without a name is not searched
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id FROM ev.calls WHERE metadata->>'company' = 'Zürich Versicherung';
SELECT id FROM ev.calls WHERE metadata->>'company&limit=1' = 'a&b=c';
SELECT * FROM sim_requests();
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM ev.calls WHERE metadata->>'' = 'x';

--
-- transcript and crm_matches come only when the query reads them, in
-- pages of 100
--
SELECT id, jsonb_array_length(transcript) AS words
  FROM ev.calls WHERE modified >= '2026-11-20 01:59:40' ORDER BY id;
SELECT id, crm_matches->0->'account'->>'name' AS account
  FROM ev.calls WHERE modified >= '2026-11-20 01:59:40' ORDER BY id;
SELECT id FROM ev.calls WHERE modified >= '2026-11-20 01:59:20' AND transcript IS NULL;
SELECT count(*), sum(length(c::text)) > 100000 AS large
  FROM ev.calls c WHERE modified >= '2026-11-20 01:59:40';
SELECT * FROM sim_requests();
-- the list's transcripts and CRM matches are those call/{id} gives
CREATE TEMP TABLE listed AS
  SELECT id, transcript, crm_matches FROM ev.calls
   WHERE modified >= '2026-11-20 01:59:40';
ANALYZE listed;
SELECT l.id, l.transcript IS NOT DISTINCT FROM k.transcript AS same_transcript,
	   l.crm_matches = k.crm_matches AS same_crm_matches
  FROM listed l JOIN ev.calls k ON k.id = l.id
 ORDER BY l.id;
SELECT method, path LIKE '/api/ev/2/call/%' AS lookup, query, status FROM sim_requests();

--
-- LIMIT n with no WHERE and no ORDER BY: limit=n, and one request
--
SELECT id, modified FROM ev.calls LIMIT 5;
SELECT * FROM sim_requests();
SELECT array_agg(id) = (SELECT array_agg(id ORDER BY modified, id)
						  FROM (SELECT id, modified FROM calls_copy
								 ORDER BY modified, id LIMIT 5) AS f) AS first_five
  FROM (SELECT id FROM ev.calls LIMIT 5) AS s;
SELECT id, jsonb_array_length(transcript) AS words FROM ev.calls LIMIT 2 OFFSET 1;
SELECT user_id FROM ev.users LIMIT 1;
-- more than a page: pages of the maximum, as many as needed
SELECT count(*) FROM (SELECT id FROM ev.calls LIMIT 1500) AS s;
SELECT * FROM sim_requests();
-- not with a WHERE or an ORDER BY
SELECT id FROM ev.calls WHERE modified >= '2026-11-20 01:59:20' LIMIT 2;
SELECT id FROM ev.calls ORDER BY id LIMIT 2;
SELECT * FROM sim_requests();

--
-- joins on the id: with a small local table, a parameterized scan makes
-- one GET call/{id} per outer row; with a big one, a hash join reads the
-- list once
--
CREATE TABLE local_crm (call_id text, amount int);
INSERT INTO local_crm VALUES
	('7744f81a-f084-47da-96a3-08b2e9fe86d8', 100),
	('no-such-call', 200),
	('1447cfe2-de07-459e-9e0d-5a294801c9d1', 300),
	('c484cf81-920e-4ef6-a4c9-2ee122e362d7', 400);
ANALYZE local_crm;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT c.call_id, c.amount, calls.state
  FROM local_crm c JOIN ev.calls ON c.call_id = calls.id;
SELECT c.call_id, c.amount, calls.state
  FROM local_crm c JOIN ev.calls ON c.call_id = calls.id
 ORDER BY c.amount;
SELECT * FROM sim_requests();
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT c.call_id, c.amount, calls.state
  FROM local_crm c JOIN ev.calls ON c.call_id = calls.id;
SELECT count(*) AS requests FROM sim_requests();

CREATE TABLE big_crm AS
  SELECT id AS call_id, 1 AS amount FROM calls_copy
  UNION ALL
  SELECT md5(i::text), i FROM generate_series(1, 17030) AS i;
ANALYZE big_crm;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM big_crm c JOIN ev.calls ON c.call_id = calls.id;
SELECT count(*) FROM big_crm c JOIN ev.calls ON c.call_id = calls.id;
SELECT * FROM sim_requests();

--
-- parameters are pushed like constants, evaluated when the scan starts: a
-- prepared statement's generic plan (used from the sixth execution on)
-- asks for each execution's own value
--
PREPARE calls_since(timestamptz) AS
  SELECT count(*) FROM ev.calls WHERE modified >= $1;
EXECUTE calls_since('2026-11-19 09:00:30');
EXECUTE calls_since('2026-11-19 12:30');
EXECUTE calls_since('2026-11-19 15:45:56.930726');
EXECUTE calls_since('2026-11-19 18:00');
EXECUTE calls_since('2026-11-19 21:07');
EXECUTE calls_since('2026-11-20 01:59:20');
EXECUTE calls_since('2026-11-20 00:00');
SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'calls_since';
SELECT * FROM sim_requests();
SELECT v AS since, count(c.id) AS expected
  FROM unnest('{2026-11-19 09:00:30, 2026-11-19 12:30, 2026-11-19 15:45:56.930726,
				2026-11-19 18:00, 2026-11-19 21:07, 2026-11-20 01:59:20,
				2026-11-20 00:00}'::timestamptz[]) WITH ORDINALITY AS u(v, n)
  LEFT JOIN calls_copy c ON c.modified >= u.v
 GROUP BY u.v, u.n
 ORDER BY u.n;
-- EXPLAIN of the generic plan shows the request of the value given
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE calls_since('2026-11-19 23:59:59');
-- a NULL bound: no row, no request
EXECUTE calls_since(NULL);
SELECT * FROM sim_requests();
DEALLOCATE calls_since;

PREPARE call_by_id(text) AS SELECT id, state FROM ev.calls WHERE id = $1;
EXECUTE call_by_id('9393a74a-1d9d-4c63-aacf-b40b38669320');
EXECUTE call_by_id('3a6a34ec-24c9-4e77-882e-604cc72d75f4');
EXECUTE call_by_id('7be06cce-d15e-4d8c-8806-65e189bfcdc1');
EXECUTE call_by_id('b93c51a5-358b-4085-98e4-33146e668ba2');
EXECUTE call_by_id('de6c1f41-cb1b-4844-9d69-686002192ff3');
EXECUTE call_by_id('319bd232-429a-4e69-a4b5-be97e74f5292');
EXECUTE call_by_id('../users');
SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'call_by_id';
SELECT * FROM sim_requests();
DEALLOCATE call_by_id;

-- a PL/pgSQL variable, in a loop: each iteration asks its own since
DO $$
DECLARE
	bound timestamptz;
	n bigint;
	expected bigint;
BEGIN
	FOR i IN 0..6 LOOP
		bound := timestamptz '2026-11-19 18:00:45+00' + i * interval '70 minutes';
		SELECT count(*) INTO n FROM ev.calls WHERE modified >= bound;
		SELECT count(*) INTO expected FROM calls_copy WHERE modified >= bound;
		RAISE NOTICE 'since %: % calls, % expected', bound, n, expected;
	END LOOP;
END
$$;
SELECT * FROM sim_requests();

-- stable expressions are evaluated at scan start
SELECT (SELECT count(*) FROM ev.calls
		 WHERE modified >= timestamptz '2026-11-19 12:00+00' + interval '13:59:20') AS pushed,
	   (SELECT count(*) FROM calls_copy WHERE modified >= '2026-11-20 01:59:20') AS expected;
SELECT * FROM sim_requests();
BEGIN;
SELECT (SELECT count(*) FROM ev.calls WHERE modified >= now() - interval '3 days') =
	   (SELECT count(*) FROM calls_copy WHERE modified >= now() - interval '3 days') AS same_count;
SELECT method, path, status,
	   query = 'since=' ||
			   replace(to_char(now() - interval '3 days', 'YYYY-MM-DD"T"HH24:MI"Z"'),
					   ':', '%3A') || '&limit=1000' AS since_is_now_minus_3_days
  FROM sim_requests();
COMMIT;
-- a subquery's value
CREATE TABLE bounds (t timestamptz);
INSERT INTO bounds VALUES ('2026-11-20 01:59:20'), ('2026-11-19 12:00');
SELECT count(*) FROM ev.calls WHERE modified >= (SELECT max(t) FROM bounds);
SELECT * FROM sim_requests();

--
-- EXPLAIN (VERBOSE) shows the first request a scan makes, and makes none
--
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id FROM ev.calls WHERE modified >= '2026-11-19 10:07:45';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id, transcript, crm_matches FROM ev.calls WHERE call_time > '2026-11-19 10:07:45';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id FROM ev.calls WHERE id IN ('b', 'a', 'b', 'c');
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id FROM ev.calls WHERE metadata->>'company' = 'ACME Corp';
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM ev.calls LIMIT 3;
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM ev.users;
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM ev.listens WHERE date >= '2026-11-10';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT * FROM ev.kpi_definitions WHERE kpi_id = ANY('{2,4}');
EXPLAIN (VERBOSE, COSTS OFF)
SELECT count(*) FROM ev.calls WHERE modified >= (SELECT max(t) FROM bounds);
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id FROM ev.calls WHERE id = 'x' AND modified >= 'infinity';
-- plain EXPLAIN does not show it
EXPLAIN (COSTS OFF) SELECT id FROM ev.calls WHERE modified >= '2026-11-19 10:07:45';
SELECT * FROM sim_requests();

-- EXPLAIN ANALYZE adds what the scan did: one page whose minute-precision
-- since brought six rows too many; a lookup and a 404; a search at the
-- cap, then the three pages of the list
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM ev.calls WHERE modified >= '2026-11-20 01:59:20';
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM ev.calls WHERE id IN ('9393a74a-1d9d-4c63-aacf-b40b38669320', 'no-such-call');
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev.calls WHERE metadata->>'deleted' = 'false';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT YAML)
SELECT * FROM ev.users;
SELECT count(*) AS requests FROM sim_requests();

-- no credentials in EXPLAIN, in any format
CREATE FUNCTION explain_formats(statement text, OUT format text, OUT plan text)
RETURNS SETOF record LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOREACH format IN ARRAY ARRAY['TEXT', 'JSON', 'YAML', 'XML'] LOOP
		plan := '';
		FOR line IN EXECUTE 'EXPLAIN (ANALYZE, VERBOSE, FORMAT ' || format || ') ' ||
			statement LOOP
			plan := plan || line || E'\n';
		END LOOP;
		RETURN NEXT;
	END LOOP;
END
$$;
SELECT format, shows_secret(plan) AS shows_password,
	   strpos(plan, 'ev-user') > 0 AS shows_user,
	   (SELECT count(*)
		  FROM regexp_matches(plan, 'Remote.request"?(: "?|>)GET', 'g')) AS remote_requests,
	   (SELECT count(*)
		  FROM regexp_matches(plan, 'Rows.fetched"?(: |>)[0-9]', 'gi')) AS rows_fetched
  FROM explain_formats($$
		SELECT c.amount, calls.id, u.email
		  FROM local_crm c
		  JOIN ev.calls ON c.call_id = calls.id
		  JOIN ev.users u ON u.user_id = calls.caller_id
		 WHERE c.amount = 100 AND calls.modified >= '2026-11-01'$$);
SELECT count(*) AS requests FROM sim_requests();

--
-- clean up
--
SET client_min_messages = warning;
DROP EXTENSION conv_fdw CASCADE;
RESET client_min_messages;
DROP SCHEMA ev;
DROP TABLE calls_copy, deleted_copy, local_crm, big_crm, bounds;
DROP FUNCTION explain_formats(text);
