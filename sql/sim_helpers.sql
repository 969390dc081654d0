--
-- conv_fdw: helpers of the vendor suites that follow, which read the
-- simulator's request log and check errors
--
-- scripts/test.sh starts one conv-sim for the whole pg_regress run; these
-- stay until the end of the run.
--
\getenv sim_url CONV_SIM_URL
\getenv sim_log CONV_SIM_LOG

-- the simulator's address and log, and how far sim_requests() has read it
CREATE TABLE sim (url text, log text, log_pos bigint);
INSERT INTO sim VALUES (:'sim_url', :'sim_log', (pg_stat_file(:'sim_log')).size);

-- sim_reset(): skip what is logged so far (a suite's start)
CREATE FUNCTION sim_reset() RETURNS void
LANGUAGE sql AS $$
	UPDATE sim SET log_pos = (pg_stat_file(log)).size
$$;

-- sim_requests(): the requests logged since its last call, in order.  The
-- log is JSON lines, appended one write() per request before its response
-- goes out, so a query's requests are all there once it returns.
CREATE FUNCTION sim_requests(OUT method text, OUT path text, OUT query text,
							 OUT status int)
RETURNS SETOF record LANGUAGE plpgsql AS $$
DECLARE
	file text;
	pos bigint;
	size bigint;
BEGIN
	SELECT log, log_pos INTO file, pos FROM sim;
	size := (pg_stat_file(file)).size;
	UPDATE sim SET log_pos = size;
	IF size = pos THEN
		RETURN;
	END IF;
	RETURN QUERY
		SELECT r->>'method', r->>'path', r->>'query', (r->>'status')::int
		  FROM regexp_split_to_table(rtrim(pg_read_file(file, pos, size - pos), E'\n'),
									 E'\n') WITH ORDINALITY AS l(line, n),
			   jsonb(l.line) AS r
		 WHERE r->>'vendor' <> 'admin'
		 ORDER BY l.n;
END
$$;

-- Does t show a secret of a user mapping (a password or token)?  No
-- message may.
CREATE FUNCTION shows_secret(t text) RETURNS boolean
LANGUAGE sql AS $$
	SELECT coalesce(bool_or(strpos(t, substr(o, strpos(o, '=') + 1)) > 0), false)
	  FROM pg_user_mappings, unnest(umoptions) AS o
	 WHERE o LIKE 'password=%' OR o LIKE 'token=%'
$$;

-- sim_error(statement): the error a statement raises, with the simulator's
-- address (its port changes from run to run) replaced by SIM_URL, and
-- whether any part of the error shows a secret.
CREATE FUNCTION sim_error(statement text, OUT code text, OUT message text,
						  OUT detail text, OUT hint text,
						  OUT shows_secret boolean)
LANGUAGE plpgsql AS $$
DECLARE
	url text := (SELECT sim.url FROM sim);
	context text;
BEGIN
	BEGIN
		EXECUTE statement;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE,
			message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
			hint = PG_EXCEPTION_HINT, context = PG_EXCEPTION_CONTEXT;
		shows_secret := shows_secret(concat_ws(' ', message, detail, hint, context));
		message := replace(message, url, 'SIM_URL');
		detail := replace(detail, url, 'SIM_URL');
		hint := replace(hint, url, 'SIM_URL');
		RETURN;
	END;
	RAISE EXCEPTION 'no error from: %', statement;
END
$$;

-- nothing has been requested yet
SELECT * FROM sim_requests();
