--
-- conv_fdw: the Cresta foreign tables, read from and written to conv-sim
--
-- scripts/test.sh starts conv-sim with a fixed data set (--calls 3000
-- --users 60: 1000 Cresta scorecards, the newest at 2026-11-20 02:00 UTC)
-- and clock, so the rows below do not depend on the day the tests run.
-- Besides the rows, the tests assert the requests each statement made,
-- read from the simulator's request log.
--
\getenv sim_url CONV_SIM_URL
\getenv sim_log CONV_SIM_LOG

SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE EXTENSION conv_fdw;

--
-- the server: no public address, and the API prefix names the customer
-- and the profile, so all three are required
--
CREATE SERVER cr FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'cresta', customer 'acme', profile 'default');
CREATE SERVER cr FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'cresta', base_url :'sim_url', customer 'acme');
-- conv-sim answers 429 above Cresta's 10 requests a second; staying below
-- it keeps the request log free of retries
CREATE SERVER cr FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'cresta', base_url :'sim_url', customer 'acme',
		   profile 'default', rate_limit '8/s');
CREATE USER MAPPING FOR CURRENT_USER SERVER cr OPTIONS (token 'cresta-token');

--
-- helpers: the requests so far are not this suite's
--
SELECT sim_reset();
-- cresta_requests(): the Cresta requests logged since its last call, in
-- order, page tokens shortened (they are opaque and long).
CREATE FUNCTION cresta_requests(OUT method text, OUT path text, OUT query text,
								OUT status int)
RETURNS SETOF record LANGUAGE sql AS $$
	SELECT r.method, r.path,
		   regexp_replace(r.query, 'pageToken=[^&]*', 'pageToken=...'), r.status
	  FROM sim_requests() WITH ORDINALITY AS r(method, path, query, status, n)
	 WHERE r.path LIKE '/v1/customers/%'
	 ORDER BY r.n
$$;

-- cresta_error(statement): the error a statement raises, with the simulator's
-- address (its port changes from run to run) replaced by SIM_URL.
CREATE FUNCTION cresta_error(statement text, OUT code text, OUT message text,
						  OUT detail text, OUT hint text, OUT context text)
LANGUAGE plpgsql AS $$
DECLARE
	url text := (SELECT sim.url FROM sim);
BEGIN
	BEGIN
		EXECUTE statement;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE,
			message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
			hint = PG_EXCEPTION_HINT, context = PG_EXCEPTION_CONTEXT;
		message := replace(message, url, 'SIM_URL');
		-- the first line is ours; the rest says it came from EXECUTE
		context := split_part(context, E'\n', 1);
		RETURN;
	END;
	RAISE EXCEPTION 'no error from: %', statement;
END
$$;

--
-- IMPORT FOREIGN SCHEMA cresta: scorecards with every documented field, and
-- targets, which can only be created; create_time and update_time default
-- to now(), as the API requires them on create
--
CREATE SCHEMA cr;
IMPORT FOREIGN SCHEMA cresta FROM SERVER cr INTO cr;
\d cr.scorecards
\d cr.targets
SELECT * FROM cresta_requests();

--
-- reading: pages of 100 (the API's maximum) with the page token of the
-- last; the page after a full last page is empty.  Each page is asked for
-- once and each scorecard comes once.
--
CREATE TABLE cards AS SELECT * FROM cr.scorecards;
SELECT count(*), count(DISTINCT name), min(update_time), max(update_time)
  FROM cards;
SELECT * FROM cresta_requests();

-- protobuf's JSON leaves out false, 0, [] and UNSPECIFIED: they read back
-- as such, not as NULL
SELECT count(*) FILTER (WHERE manually_scored IS NULL) AS manually_scored,
	   count(*) FILTER (WHERE auto_failed IS NULL) AS auto_failed,
	   count(*) FILTER (WHERE coaching_plan_names IS NULL) AS plans,
	   count(*) FILTER (WHERE scorecard_type IS NULL) AS scorecard_type,
	   count(*) FILTER (WHERE NOT manually_scored) AS not_manual,
	   count(*) FILTER (WHERE scorecard_type = 'SCORECARD_TYPE_UNSPECIFIED') AS unspecified
  FROM cards;

-- a scorecard as it comes: auto-failed, so its total score of 0 is not in
-- the JSON
SELECT * FROM cards
 WHERE name = 'customers/acme/profiles/default/scorecards/78acae91-033b-4525-be63-56c732403bd6' \gx

-- a LIMIT without a WHERE: one page of that size
SELECT count(*) FROM (SELECT name FROM cr.scorecards LIMIT 3) s;
SELECT * FROM cresta_requests();

--
-- pushdown: update_time and submit_time bounds become startUpdateTime /
-- endUpdateTime and startSubmitTime / endSubmitTime (start inclusive, end
-- exclusive: "<= x" sends the millisecond after x); agent_user_name and
-- template_name equalities become agentUserName and templateName.  Every
-- condition is still checked locally.
--
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM cr.scorecards
 WHERE update_time >= '2026-11-01' AND update_time < '2026-11-10';
SELECT (SELECT count(*) FROM cr.scorecards
		 WHERE update_time >= '2026-11-01' AND update_time < '2026-11-10') AS pushed,
	   (SELECT count(*) FROM cards
		 WHERE update_time >= '2026-11-01' AND update_time < '2026-11-10') AS expected;
SELECT * FROM cresta_requests();

-- > and <=, to the microsecond: the request rounds outward to milliseconds
SELECT (SELECT count(*) FROM cr.scorecards
		 WHERE update_time > '2026-11-19 10:00:00.0005' AND update_time <= '2026-11-19 20:00') AS pushed,
	   (SELECT count(*) FROM cards
		 WHERE update_time > '2026-11-19 10:00:00.0005' AND update_time <= '2026-11-19 20:00') AS expected;
SELECT * FROM cresta_requests();

SELECT (SELECT count(*) FROM cr.scorecards
		 WHERE submit_time >= '2026-11-15' AND submit_time <= '2026-11-16') AS pushed,
	   (SELECT count(*) FROM cards
		 WHERE submit_time >= '2026-11-15' AND submit_time <= '2026-11-16') AS expected;
SELECT * FROM cresta_requests();

SELECT (SELECT count(*) FROM cr.scorecards
		 WHERE agent_user_name = 'customers/acme/users/d16bb79f6ca6') AS pushed,
	   (SELECT count(*) FROM cards
		 WHERE agent_user_name = 'customers/acme/users/d16bb79f6ca6') AS expected;
SELECT * FROM cresta_requests();

SELECT (SELECT count(*) FROM cr.scorecards
		 WHERE template_name = 'customers/acme/profiles/default/scorecardTemplates/retention-save'
		   AND submit_time > '2026-11-01') AS pushed,
	   (SELECT count(*) FROM cards
		 WHERE template_name = 'customers/acme/profiles/default/scorecardTemplates/retention-save'
		   AND submit_time > '2026-11-01') AS expected;
SELECT * FROM cresta_requests();

-- values from parameters are known only when the scan starts
PREPARE by_agent(text, timestamptz) AS
  SELECT name FROM cr.scorecards WHERE agent_user_name = $1 AND update_time >= $2;
EXPLAIN (VERBOSE, COSTS OFF)
  EXECUTE by_agent('customers/acme/users/d16bb79f6ca6', '2026-10-01');
CREATE TEMP TABLE by_agent_rows AS
  EXECUTE by_agent('customers/acme/users/d16bb79f6ca6', '2026-10-01');
SELECT (SELECT count(*) FROM by_agent_rows) AS pushed, count(*) AS expected
  FROM cards
 WHERE agent_user_name = 'customers/acme/users/d16bb79f6ca6' AND update_time >= '2026-10-01';
SELECT * FROM cresta_requests();
DEALLOCATE by_agent;

-- other conditions (here LIKE) are not pushed: filtered locally
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM cr.scorecards WHERE agent_user_name LIKE '%d16bb79f6ca6';

--
-- paging across pages: a server with page_size 25
--
CREATE SERVER cr25 FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'cresta', base_url :'sim_url', customer 'acme',
		   profile 'default', rate_limit '8/s', page_size '25');
CREATE USER MAPPING FOR CURRENT_USER SERVER cr25 OPTIONS (token 'cresta-token');
CREATE SCHEMA cr25;
IMPORT FOREIGN SCHEMA cresta LIMIT TO (scorecards) FROM SERVER cr25 INTO cr25;
SELECT (SELECT count(*) || ' ' || count(DISTINCT name) FROM cr25.scorecards
		 WHERE update_time >= '2026-11-10') AS pushed,
	   (SELECT count(*) || ' ' || count(DISTINCT name) FROM cards
		 WHERE update_time >= '2026-11-10') AS expected;
SELECT * FROM cresta_requests();

--
-- writes: INSERT creates a scorecard with one POST per row; RETURNING
-- shows what the vendor made of it (the name it assigned, its defaults)
--
EXPLAIN (VERBOSE, COSTS OFF)
INSERT INTO cr.scorecards (conversation_name, agent_user_name, template_name, scores)
VALUES ('c', 'a', 't', '[]');
SELECT * FROM cresta_requests();

WITH created AS (
	INSERT INTO cr.scorecards (conversation_name, agent_user_name, template_name,
							   scores, comment, total_score, create_time, update_time)
	VALUES ('customers/acme/profiles/default/conversations/0e29b7ef-d1a9-4acb-85ce-04cf91a3a942',
			'customers/acme/users/d16bb79f6ca6',
			'customers/acme/profiles/default/scorecardTemplates/retention-save',
			'[{"criterionId": "reason", "numericValue": 1, "notApplicable": false},
			  {"criterionId": "outcome", "notApplicable": true}]',
			'made by conv_fdw: "quoted", Zürich', 50,
			'2026-11-20 02:30:00.123456', '2026-11-20 02:30:00.5')
	RETURNING *)
SELECT name ~ '^customers/acme/profiles/default/scorecards/[0-9a-f-]{36}$' AS assigned_name,
	   jsonb_pretty(to_jsonb(created) - 'name') AS created
  FROM created;
SELECT * FROM cresta_requests();

-- it is in the list now
SELECT comment, create_time, update_time, total_score, scores
  FROM cr.scorecards
 WHERE agent_user_name = 'customers/acme/users/d16bb79f6ca6'
   AND update_time >= '2026-11-20 02:30';
SELECT * FROM cresta_requests();

-- several rows: a POST each; create_time and update_time default to now()
INSERT INTO cr.scorecards (conversation_name, agent_user_name, template_name, scores, comment)
SELECT 'customers/acme/profiles/default/conversations/0e29b7ef-d1a9-4acb-85ce-04cf91a3a942',
	   'customers/acme/users/d16bb79f6ca6',
	   'customers/acme/profiles/default/scorecardTemplates/retention-save',
	   '[{"criterionId": "reason", "numericValue": 0, "notApplicable": false}]',
	   'batch ' || i
  FROM generate_series(1, 3) i;
SELECT * FROM cresta_requests();

-- a required field that is NULL is refused before anything is sent (the
-- vendor also wants at least one score, each saying whether it applies)
SELECT * FROM cresta_error($$
	INSERT INTO cr.scorecards (conversation_name, agent_user_name, template_name)
	VALUES ('customers/acme/profiles/default/conversations/0e29b7ef-d1a9-4acb-85ce-04cf91a3a942',
			'customers/acme/users/d16bb79f6ca6',
			'customers/acme/profiles/default/scorecardTemplates/retention-save')$$);
SELECT * FROM cresta_requests();

-- ... also in a later row: the rows before it were created, and stay
SELECT * FROM cresta_error($$
	INSERT INTO cr.scorecards (conversation_name, agent_user_name, template_name, scores)
	VALUES ('customers/acme/profiles/default/conversations/0e29b7ef-d1a9-4acb-85ce-04cf91a3a942',
			'customers/acme/users/d16bb79f6ca6',
			'customers/acme/profiles/default/scorecardTemplates/retention-save', '[{"criterionId": "reason", "notApplicable": true}]'),
		   ('customers/acme/profiles/default/conversations/0e29b7ef-d1a9-4acb-85ce-04cf91a3a942',
			'customers/acme/users/d16bb79f6ca6',
			'customers/acme/profiles/default/scorecardTemplates/retention-save', NULL)$$);
SELECT * FROM cresta_requests();

-- a row the vendor refuses: the error names it, and what was created
SELECT * FROM cresta_error($$
	INSERT INTO cr.scorecards (conversation_name, agent_user_name, template_name, scores)
	VALUES ('customers/acme/profiles/default/conversations/0e29b7ef-d1a9-4acb-85ce-04cf91a3a942',
			'customers/acme/users/d16bb79f6ca6',
			'customers/acme/profiles/default/scorecardTemplates/retention-save', '[{"criterionId": "reason", "notApplicable": true}]'),
		   ('customers/acme/profiles/default/conversations/0e29b7ef-d1a9-4acb-85ce-04cf91a3a942',
			'customers/acme/users/d16bb79f6ca6',
			'customers/acme/profiles/default/scorecardTemplates/retention-save', '[{"criterionId": "reason", "notApplicable": true}]'),
		   ('not a conversation', 'customers/acme/users/d16bb79f6ca6',
			'customers/acme/profiles/default/scorecardTemplates/retention-save', '[{"criterionId": "reason", "notApplicable": true}]'),
		   ('customers/acme/profiles/default/conversations/0e29b7ef-d1a9-4acb-85ce-04cf91a3a942',
			'customers/acme/users/d16bb79f6ca6',
			'customers/acme/profiles/default/scorecardTemplates/retention-save', '[{"criterionId": "reason", "notApplicable": true}]')$$);
SELECT * FROM cresta_requests();

-- values JSON cannot carry
SELECT * FROM cresta_error($$
	INSERT INTO cr.scorecards (conversation_name, agent_user_name, template_name, scores, total_score)
	VALUES ('c', 'a', 't', '[]', 'NaN')$$);
SELECT * FROM cresta_error($$
	INSERT INTO cr.scorecards (conversation_name, agent_user_name, template_name, scores, submit_time)
	VALUES ('c', 'a', 't', '[]', 'infinity')$$);
SELECT * FROM cresta_requests();

-- tables made by hand: a JSON path with a dot writes a nested object ...
CREATE FOREIGN TABLE cr.cards_by_hand (
	conversation_name text, agent_user_name text, template_name text,
	scores jsonb, create_time timestamptz DEFAULT now(),
	update_time timestamptz DEFAULT now(), creator jsonb,
	creator_name text OPTIONS (json_path 'creator.name'))
  SERVER cr OPTIONS (endpoint 'scorecards');
INSERT INTO cr.cards_by_hand (conversation_name, agent_user_name, template_name,
							  scores, creator_name)
VALUES ('customers/acme/profiles/default/conversations/0e29b7ef-d1a9-4acb-85ce-04cf91a3a942',
		'customers/acme/users/d16bb79f6ca6',
		'customers/acme/profiles/default/scorecardTemplates/retention-save',
		'[{"criterionId": "reason", "notApplicable": true}]',
		'customers/acme/users/5dfa8601f1f8')
RETURNING creator, creator_name;
-- ... but not into a value another column gives
INSERT INTO cr.cards_by_hand (conversation_name, agent_user_name, template_name,
							  scores, creator, creator_name)
VALUES ('c', 'a', 't', '[]', '{"name": "customers/acme/users/5dfa8601f1f8"}',
		'customers/acme/users/5dfa8601f1f8');
-- a table without a column for a required field cannot INSERT at all
CREATE FOREIGN TABLE cr.cards_too_few (conversation_name text, agent_user_name text)
  SERVER cr OPTIONS (endpoint 'scorecards');
INSERT INTO cr.cards_too_few VALUES ('c', 'a');
SELECT * FROM cresta_requests();
DROP FOREIGN TABLE cr.cards_by_hand, cr.cards_too_few;

--
-- UPDATE and DELETE: the API has neither; refused while planning
--
UPDATE cr.scorecards SET comment = 'changed' WHERE agent_user_name = 'a';
DELETE FROM cr.scorecards WHERE agent_user_name = 'a';
INSERT INTO cr.scorecards (conversation_name, agent_user_name, template_name, scores)
VALUES ('c', 'a', 't', '[]') ON CONFLICT DO NOTHING;
SELECT * FROM cresta_requests();

--
-- targets: INSERT only
--
INSERT INTO cr.targets (scorecard_template_name, target, usecase_name)
VALUES ('customers/acme/profiles/default/scorecardTemplates/retention-save', 80,
		'customers/acme/profiles/default/usecases/retention')
RETURNING name ~ '^customers/acme/profiles/default/targets/[0-9a-f-]{36}$' AS assigned_name,
		  scorecard_template_name, target, usecase_name, criterion_or_chapter_id;
-- a target of 0 comes back without its field: it is still 0
INSERT INTO cr.targets (scorecard_template_name, target, usecase_name, criterion_or_chapter_id)
VALUES ('customers/acme/profiles/default/scorecardTemplates/retention-save', 0,
		'customers/acme/profiles/default/usecases/retention', 'outcome')
RETURNING target, criterion_or_chapter_id;
COPY cr.targets (scorecard_template_name, target, usecase_name) FROM stdin;
customers/acme/profiles/default/scorecardTemplates/retention-save	60	customers/acme/profiles/default/usecases/retention
customers/acme/profiles/default/scorecardTemplates/retention-save	70	customers/acme/profiles/default/usecases/retention
\.
SELECT * FROM cresta_requests();
SELECT * FROM cresta_error($$
	INSERT INTO cr.targets (scorecard_template_name, usecase_name)
	VALUES ('customers/acme/profiles/default/scorecardTemplates/retention-save',
			'customers/acme/profiles/default/usecases/retention')$$);
SELECT * FROM cr.targets;
UPDATE cr.targets SET target = 90;
SELECT * FROM cresta_requests();

-- a table whose vendor creates nothing refuses INSERT
CREATE SERVER ev FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url :'sim_url');
CREATE SCHEMA ev;
IMPORT FOREIGN SCHEMA execvision LIMIT TO (users) FROM SERVER ev INTO ev;
INSERT INTO ev.users (user_id) VALUES ('u1');

-- information_schema knows which tables take INSERT
SELECT table_schema, table_name, is_insertable_into
  FROM information_schema.tables
 WHERE table_schema IN ('cr', 'ev')
 ORDER BY 1, 2;

--
-- clean up
--
SET client_min_messages = warning;
DROP EXTENSION conv_fdw CASCADE;
RESET client_min_messages;
DROP SCHEMA cr, cr25, ev;
DROP TABLE cards, by_agent_rows;
DROP FUNCTION cresta_requests(), cresta_error(text);
