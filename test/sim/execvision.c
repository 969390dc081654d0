/*
 * execvision.c
 *		The ExecVision Conversation Intelligence API v2, as documented in
 *		shared/vendor-docs/execvision-api-v2.txt, quirks included:
 *
 *		- since is required where listed and its seconds are ignored;
 *		- since + last_id keyset paging in (modified, id) order, and the
 *		  known bug that the next page sometimes repeats the last_id object;
 *		- limit defaults to 100, at most 1000 (100 for call_topics and for
 *		  calls with render_templates=true); a larger one is a 400;
 *		- calls/search matches lowercase values only and returns at most
 *		  1000 ids, without paging;
 *		- requests above the window's rate (5/s 06:00-21:00 New York time,
 *		  25/s otherwise) are queued, and time out after a minute.
 */
#include "ev.h"
#include "http.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EV_SEARCH_CAP 1000

static char *ev_username = "ev-user";
static char *ev_password = "ev-secret";
static char *ev_repeat_rate_opt = "0.25";
static char *ev_allow_delete_opt = "false";

/* Share of keyset pages that hit the repeated-last_id bug. */
double		ev_repeat_rate;
bool		ev_allow_delete;

/* ---------- query parameters ---------- */

/*
 * Parse a parameter that must be a plain decimal integer: digits only, no
 * sign or blanks (which strtol would let through). One too large for a long
 * reads as LONG_MAX.
 */
static bool
plain_integer(const char *s, long *n)
{
	size_t		len = strspn(s, "0123456789");

	if (len == 0 || s[len] != '\0')
		return false;
	*n = strtol(s, NULL, 10);
	return true;
}

/* Parse limit (default 100, at most max); on error answer 400 and return false. */
bool
ev_param_limit(const SimRequest *req, SimResponse *resp, int max, int *limit)
{
	const char *s = req_param(req, "limit");
	long		n;

	*limit = EV_DEFAULT_LIMIT < max ? EV_DEFAULT_LIMIT : max;
	if (s == NULL)
		return true;
	if (!plain_integer(s, &n))
	{
		resp_error(resp, 400, "Bad Request", "limit must be a nonnegative integer, not \"%s\"", s);
		return false;
	}
	if (n > max)
	{
		resp_error(resp, 400, "Bad Request", "limit must be at most %d for this endpoint", max);
		return false;
	}
	*limit = (int) n;
	return true;
}

/*
 * Parse since: required, ISO 8601. *exact is the time as given; *minute
 * drops its seconds, as the API does for filtering.
 */
bool
ev_param_since(const SimRequest *req, SimResponse *resp, SimTime *exact, SimTime *minute)
{
	const char *s = req_param(req, "since");

	if (s == NULL)
	{
		resp_error(resp, 400, "Bad Request", "since is required");
		return false;
	}
	if (!parse_time(s, exact))
	{
		resp_error(resp, 400, "Bad Request",
				   "since must be an ISO 8601 timestamp such as 2021-12-31T09:15Z, not \"%s\"", s);
		return false;
	}
	*minute = *exact - ((*exact % USECS_PER_MIN) + USECS_PER_MIN) % USECS_PER_MIN;
	return true;
}

/* Parse an optional boolean parameter ("true"/"false"). */
static bool
param_bool(const SimRequest *req, SimResponse *resp, const char *name, bool *out)
{
	const char *s = req_param(req, name);

	*out = false;
	if (s == NULL || strcmp(s, "false") == 0)
		return true;
	if (strcmp(s, "true") == 0)
	{
		*out = true;
		return true;
	}
	resp_error(resp, 400, "Bad Request", "%s must be true or false, not \"%s\"", name, s);
	return false;
}

/* Parse an optional positive integer parameter; 0 when absent. */
static bool
param_posint(const SimRequest *req, SimResponse *resp, const char *name, int *out)
{
	const char *s = req_param(req, name);
	long		n;

	*out = 0;
	if (s == NULL)
		return true;
	if (!plain_integer(s, &n) || n <= 0 || n > 86400)
	{
		resp_error(resp, 400, "Bad Request", "%s must be a positive integer, not \"%s\"", name, s);
		return false;
	}
	*out = (int) n;
	return true;
}

/* ---------- keyset (since + last_id) paging ---------- */

typedef SimTime (*EvKeyFn) (const EvCall *c);

/* The paging key of live calls. */
static SimTime
key_modified(const EvCall *c)
{
	return c->modified;
}

/* The paging key of deleted calls. */
static SimTime
key_deleted(const EvCall *c)
{
	return c->deleted_at;
}

/*
 * Does this keyset page hit the known bug of repeating last_id? Decided by
 * a hash of the request, so the same request always gets the same answer.
 */
static bool
repeat_last_id(const char *last_id, SimTime since, int limit)
{
	uint64_t	h = mix64((uint64_t) since ^ sim_config.seed);

	if (limit < 2)				/* a page of only the repeat would never progress */
		return false;
	for (const char *p = last_id; *p; p++)
		h = mix64(h ^ (unsigned char) *p);
	return (double) (h >> 11) / (double) (UINT64_C(1) << 53) < ev_repeat_rate;
}

/*
 * Index of the first element of arr (ordered by (key, id)) on the page
 * that starts after (since, last_id); without last_id, the first at or
 * after the minute of since.
 */
static int
keyset_start(EvCall **arr, int n, EvKeyFn key, SimTime since, SimTime minute,
			 const char *last_id, bool inclusive)
{
	int			lo = 0,
				hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c;

		if (last_id == NULL)
			c = key(arr[mid]) < minute ? -1 : 1;
		else
		{
			c = ev_cmp_key(key(arr[mid]), arr[mid]->id, since, last_id);
			c = c < 0 || (c == 0 && !inclusive) ? -1 : 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Parse since, limit and last_id and find where the page starts. */
static bool
keyset_page(SimRequest *req, SimResponse *resp, EvCall **arr, int n, EvKeyFn key,
			int max, int *start, int *limit)
{
	SimTime		since,
				minute;
	const char *last_id = req_param(req, "last_id");

	if (!ev_param_since(req, resp, &since, &minute) || !ev_param_limit(req, resp, max, limit))
		return false;
	*start = keyset_start(arr, n, key, since, minute, last_id,
						  last_id && repeat_last_id(last_id, since, *limit));
	return true;
}

/* ---------- object writers ---------- */

typedef struct CallParts
{
	bool		transcript;
	bool		crm_matches;
	bool		templates;
} CallParts;

/* The call's metadata object, with the call card template when asked. */
static void
write_metadata(StrBuf *b, const EvCall *c, bool templates)
{
	bool		first = true;

	buf_putc(b, '{');
	for (int i = 0; i < c->nmeta; i++)
	{
		json_key(b, &first, c->meta[i].key);
		if (c->meta[i].type == META_STRING)
			json_str(b, c->meta[i].text);
		else
			buf_puts(b, c->meta[i].text);
	}
	if (templates)
	{
		json_key(b, &first, "callCardTemplate");
		buf_puts(b, "{\"name\":\"Discovery Call Card\",\"fields\":[\"company\","
				 "\"opportunity_price_point\",\"lead_source\"]}");
	}
	buf_putc(b, '}');
}

/* One call object. */
static void
write_call(StrBuf *b, const EvCall *c, const CallParts *parts)
{
	const EvUser *u = &ev.users[c->caller];
	bool		first = true;
	char		path[96];

	buf_putc(b, '{');
	json_kstr(b, &first, "id", c->id);
	json_kstr(b, &first, "callerId", u->id);
	json_kstr(b, &first, "callerEmail", u->email);
	json_ktime(b, &first, "callTime", c->call_time, 0);
	if (c->duration == (int64_t) c->duration)
		json_kint(b, &first, "duration", (int64_t) c->duration);
	else
		json_knum(b, &first, "duration", c->duration);
	json_kstr(b, &first, "direction", ev_directions[c->direction]);
	json_kstr(b, &first, "state", ev_states[c->state]);
	snprintf(path, sizeof(path), "recordings/%s/%.8s.%s", u->system_id, c->id,
			 c->direction == 2 ? "mp4" : "mp3");
	json_kstr(b, &first, "originalPath", path);
	json_ktime(b, &first, "modified", c->modified, 6);
	json_key(b, &first, "metadata");
	write_metadata(b, c, parts->templates);
	json_key(b, &first, "stats");
	ev_write_stats(b, c);
	json_key(b, &first, "callSummary");
	ev_write_summary(b, c);
	if (parts->transcript)
	{
		json_key(b, &first, "transcript");
		ev_write_transcript(b, c);
	}
	if (parts->crm_matches)
	{
		json_key(b, &first, "crmMatches");
		ev_write_crm_matches(b, c);
	}
	buf_putc(b, '}');
}

/* ---------- endpoints ---------- */

/* GET check: an empty 200. */
static void
h_check(SimRequest *req, SimResponse *resp)
{
	(void) req;
	resp->content_type = NULL;
}

/* GET users: active users only. */
static void
h_users(SimRequest *req, SimResponse *resp)
{
	StrBuf	   *b = &resp->body;
	bool		first = true;

	(void) req;
	buf_putc(b, '[');
	for (int i = 0; i < ev.nusers; i++)
	{
		const EvUser *u = &ev.users[i];
		bool		f = true;

		if (!u->active)
			continue;
		json_sep(b, &first);
		buf_putc(b, '{');
		json_kstr(b, &f, "userId", u->id);
		json_kstr(b, &f, "email", u->email);
		json_kstr(b, &f, "firstName", u->first);
		json_kstr(b, &f, "lastName", u->last);
		json_kstr(b, &f, "teamId", ev.teams[u->team].id);
		json_kstr(b, &f, "departmentId", ev.depts[ev.teams[u->team].dept].id);
		json_key(b, &f, "systemIds");
		buf_putc(b, '[');
		json_str(b, u->system_id);
		buf_puts(b, "]}");
	}
	buf_putc(b, ']');
}

/* GET teams. */
static void
h_teams(SimRequest *req, SimResponse *resp)
{
	StrBuf	   *b = &resp->body;
	bool		first = true;

	(void) req;
	buf_putc(b, '[');
	for (int i = 0; i < ev.nteams; i++)
	{
		bool		f = true;

		json_sep(b, &first);
		buf_putc(b, '{');
		json_kstr(b, &f, "id", ev.teams[i].id);
		json_kstr(b, &f, "name", ev.teams[i].name);
		json_kstr(b, &f, "managerId", ev.users[ev.teams[i].manager].id);
		json_kstr(b, &f, "departmentId", ev.depts[ev.teams[i].dept].id);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

/* GET departments. */
static void
h_departments(SimRequest *req, SimResponse *resp)
{
	StrBuf	   *b = &resp->body;
	bool		first = true;

	(void) req;
	buf_putc(b, '[');
	for (int i = 0; i < ev.ndepts; i++)
	{
		bool		f = true;

		json_sep(b, &first);
		buf_putc(b, '{');
		json_kstr(b, &f, "id", ev.depts[i].id);
		json_kstr(b, &f, "name", ev.depts[i].name);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

/* GET calls?since&limit&last_id&include_transcripts&include_crm_matches&render_templates */
static void
h_calls(SimRequest *req, SimResponse *resp)
{
	CallParts	parts;
	int			start,
				limit;
	bool		first = true;

	if (!param_bool(req, resp, "include_transcripts", &parts.transcript) ||
		!param_bool(req, resp, "include_crm_matches", &parts.crm_matches) ||
		!param_bool(req, resp, "render_templates", &parts.templates) ||
		!keyset_page(req, resp, ev.live, ev.nlive, key_modified,
					 parts.templates ? 100 : EV_MAX_LIMIT, &start, &limit))
		return;
	buf_putc(&resp->body, '[');
	for (int i = start; i < ev.nlive && i < start + limit; i++)
	{
		json_sep(&resp->body, &first);
		write_call(&resp->body, ev.live[i], &parts);
	}
	buf_putc(&resp->body, ']');
}

/* GET calls/deleted?since&limit&last_id */
static void
h_calls_deleted(SimRequest *req, SimResponse *resp)
{
	StrBuf	   *b = &resp->body;
	int			start,
				limit;
	bool		first = true;

	if (!keyset_page(req, resp, ev.deleted, ev.ndeleted, key_deleted, EV_MAX_LIMIT,
					 &start, &limit))
		return;
	buf_putc(b, '[');
	for (int i = start; i < ev.ndeleted && i < start + limit; i++)
	{
		const EvCall *c = ev.deleted[i];
		bool		f = true;

		json_sep(b, &first);
		buf_putc(b, '{');
		json_kstr(b, &f, "id", c->id);
		json_ktime(b, &f, "deletedAt", c->deleted_at, 6);
		json_kstr(b, &f, "callerId", ev.users[c->caller].id);
		json_ktime(b, &f, "callTime", c->call_time, 3);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

/* Does the call's metadata field hold value, once the stored value is lowercased? */
static bool
meta_matches(const EvCall *c, const char *field, const char *value)
{
	for (int i = 0; i < c->nmeta; i++)
	{
		const char *s = c->meta[i].text;
		const char *v = value;

		if (strcmp(c->meta[i].key, field) != 0)
			continue;
		/* the API lowercases what it stores, not what it is given */
		for (; *s && *v; s++, v++)
			if (tolower((unsigned char) *s) != *v)
				return false;
		return *s == '\0' && *v == '\0';
	}
	return false;
}

/* GET calls/search?metadata.<field>=<value>: at most 1000 ids, no paging. */
static void
h_calls_search(SimRequest *req, SimResponse *resp)
{
	StrBuf	   *b = &resp->body;
	const char *field;
	int			found = 0;
	bool		first = true;

	if (req->nparams != 1)
	{
		resp_error(resp, 400, "Bad Request",
				   "calls/search takes exactly one field name and value, got %d", req->nparams);
		return;
	}
	if (strncmp(req->params[0].key, "metadata.", 9) != 0 || req->params[0].key[9] == '\0')
	{
		resp_error(resp, 400, "Bad Request", "cannot search on field \"%s\"", req->params[0].key);
		return;
	}
	field = req->params[0].key + 9;
	buf_putc(b, '[');
	for (int i = 0; i < ev.nlive && found < EV_SEARCH_CAP; i++)
	{
		if (!meta_matches(ev.live[i], field, req->params[0].value))
			continue;
		json_sep(b, &first);
		json_str(b, ev.live[i]->id);
		found++;
	}
	buf_putc(b, ']');
}

/* The live call named by the route's {id}; answers 404 when there is none. */
static EvCall *
captured_call(const SimRequest *req, SimResponse *resp)
{
	EvCall	   *c = ev_find_call(req->capture);

	if (c == NULL || c->deleted)
	{
		resp_error(resp, 404, "Not Found", "no call with id \"%s\"", req->capture);
		return NULL;
	}
	return c;
}

/* GET call/{id}: everything optional included. */
static void
h_call_get(SimRequest *req, SimResponse *resp)
{
	static const CallParts all = {true, true, true};
	EvCall	   *c = captured_call(req, resp);

	if (c)
		write_call(&resp->body, c, &all);
}

/* DELETE call/{id}: only when enabled for the token. */
static void
h_call_delete(SimRequest *req, SimResponse *resp)
{
	EvCall	   *c;

	if (!ev_allow_delete)
	{
		resp_error(resp, 403, "Forbidden", "deleting calls is not enabled for this token");
		return;
	}
	if ((c = captured_call(req, resp)) == NULL)
		return;
	ev_delete_call(c, sim_now());
	resp->status = 204;
	resp->content_type = NULL;
}

/* GET call_topics?since&limit&last_id[&window_length&minimum_matches] */
static void
h_call_topics(SimRequest *req, SimResponse *resp)
{
	int			start,
				limit,
				window,
				min_matches,
				n = 0;
	bool		first = true;

	if (!param_posint(req, resp, "window_length", &window) ||
		!param_posint(req, resp, "minimum_matches", &min_matches))
		return;
	if ((window == 0) != (min_matches == 0))
	{
		resp_error(resp, 400, "Bad Request",
				   "window_length and minimum_matches must be given together");
		return;
	}
	if (!keyset_page(req, resp, ev.live, ev.nlive, key_modified, 100, &start, &limit))
		return;
	buf_putc(&resp->body, '[');
	for (int i = start; i < ev.nlive && n < limit; i++)
	{
		if (ev.live[i]->state != EV_STATE_COMPLETE)
			continue;
		json_sep(&resp->body, &first);
		ev_write_topic_match(&resp->body, ev.live[i], window, min_matches);
		n++;
	}
	buf_putc(&resp->body, ']');
}

/* GET scorecard/{id}: the scorecard's questions. */
static void
h_scorecard(SimRequest *req, SimResponse *resp)
{
	StrBuf	   *b = &resp->body;

	for (int i = 0; i < ev_nscorecards; i++)
	{
		const EvScorecard *sc = &ev_scorecards[i];

		if (strcmp(sc->id, req->capture) != 0)
			continue;
		buf_putc(b, '[');
		for (int q = 0; q < sc->nquestions; q++)
		{
			bool		f = true;
			char		qid[40];

			ev_question_id(i, q, qid);
			if (q > 0)
				buf_putc(b, ',');
			buf_putc(b, '{');
			json_kstr(b, &f, "scorecardId", sc->id);
			json_kstr(b, &f, "scorecardScheme", sc->scheme);
			json_kstr(b, &f, "scorecardName", sc->name);
			json_kstr(b, &f, "questionId", qid);
			json_kstr(b, &f, "questionText", sc->questions[q]);
			buf_putc(b, '}');
		}
		buf_putc(b, ']');
		return;
	}
	resp_error(resp, 404, "Not Found", "no scorecard with id \"%s\"", req->capture);
}

/* GET topics: the active topic definitions. */
static void
h_topics(SimRequest *req, SimResponse *resp)
{
	StrBuf	   *b = &resp->body;

	(void) req;
	buf_putc(b, '[');
	for (int t = 0; t < ev_ntopics; t++)
	{
		bool		first = true;

		if (t > 0)
			buf_putc(b, ',');
		buf_printf(b, "{\"id\":%d,\"name\":", t + 1);
		json_str(b, ev_topic_names[t]);
		buf_puts(b, ",\"words\":[");
		for (int w = 0; ev_topic_words[t][w]; w++)
		{
			json_sep(b, &first);
			json_str(b, ev_topic_words[t][w]);
		}
		buf_puts(b, "]}");
	}
	buf_putc(b, ']');
}

/* GET kpi/{id}: a KPI definition. */
static void
h_kpi(SimRequest *req, SimResponse *resp)
{
	static const char *const desc[] = {
		"Linking goals", "Calls per day", "Meetings booked", "Talk ratio",
		"Discovery questions asked", "Pipeline created", "First call resolution",
		"Customer satisfaction",
	};
	static const char *const freq[] = {"DAILY", "WEEKLY", "MONTHLY", "QUARTERLY"};
	char	   *end;
	long		id = strtol(req->capture, &end, 10);
	bool		f = true;

	if (*req->capture == '\0' || *end != '\0' || id < 1 || id > 8)
	{
		resp_error(resp, 404, "Not Found", "no KPI with id \"%s\"", req->capture);
		return;
	}
	buf_putc(&resp->body, '{');
	json_kint(&resp->body, &f, "kpiId", id);
	json_kstr(&resp->body, &f, "description", desc[id - 1]);
	json_kstr(&resp->body, &f, "frequency", freq[id % 4]);
	json_knum(&resp->body, &f, "target", id * 11.61);
	buf_putc(&resp->body, '}');
}

/* GET transcript/{id}: the simplified transcript. */
static void
h_transcript(SimRequest *req, SimResponse *resp)
{
	EvCall	   *c = captured_call(req, resp);

	if (c)
		ev_write_simple_transcript(&resp->body, c);
}

static const SimRoute ev_routes[] = {
	{"GET", "check", h_check},
	{"GET", "users", h_users},
	{"GET", "teams", h_teams},
	{"GET", "departments", h_departments},
	{"GET", "calls", h_calls},
	{"GET", "calls/deleted", h_calls_deleted},
	{"GET", "calls/search", h_calls_search},
	{"GET", "call/{}", h_call_get},
	{"DELETE", "call/{}", h_call_delete, true},
	{"GET", "call_topics", h_call_topics},
	{"GET", "listens", ev_since_list, false, &ev_listens_endpoint},
	{"GET", "scores", ev_since_list, false, &ev_scores_endpoint},
	{"GET", "scorecard/{}", h_scorecard},
	{"GET", "topics", h_topics},
	{"GET", "feedback", ev_since_list, false, &ev_feedback_endpoint},
	{"GET", "shares", ev_since_list, false, &ev_shares_endpoint},
	{"GET", "meetings", ev_since_list, false, &ev_meetings_endpoint},
	{"GET", "plans", ev_since_list, false, &ev_plans_endpoint},
	{"GET", "kpis", ev_since_list, false, &ev_kpis_endpoint},
	{"GET", "kpi/{}", h_kpi},
	{"GET", "transcript/{}", h_transcript},
};

static const SimRateWindow ev_windows[] = {
	{6 * 60, 21 * 60, 5.0},		/* 06:00-21:00 */
	{0, 0, 25.0},				/* the rest of the day */
};

static const SimOption ev_options[] = {
	{"username", &ev_username, "basic auth user (default ev-user)"},
	{"password", &ev_password, "basic auth password (default ev-secret)"},
	{"repeat-last-id-rate", &ev_repeat_rate_opt,
	"share of since/last_id pages that repeat last_id (default 0.25)"},
	{"allow-delete", &ev_allow_delete_opt, "true: DELETE call/{id} is enabled (default false)"},
};

/* Read the vendor options (exit on a bad one) and build the data set. */
static void
ev_setup(void)
{
	char	   *end;

	ev_repeat_rate = strtod(ev_repeat_rate_opt, &end);
	if (*ev_repeat_rate_opt == '\0' || *end != '\0' ||
		!(ev_repeat_rate >= 0 && ev_repeat_rate <= 1))
	{
		fprintf(stderr, "conv-sim: --execvision-repeat-last-id-rate needs a number from 0 to 1, not \"%s\"\n",
				ev_repeat_rate_opt);
		exit(2);
	}
	if (strcmp(ev_allow_delete_opt, "true") != 0 && strcmp(ev_allow_delete_opt, "false") != 0)
	{
		fprintf(stderr, "conv-sim: --execvision-allow-delete needs true or false, not \"%s\"\n",
				ev_allow_delete_opt);
		exit(2);
	}
	ev_allow_delete = strcmp(ev_allow_delete_opt, "true") == 0;
	ev_generate();
}

const SimVendor execvision_vendor = {
	.name = "execvision",
	.prefix = "/api/ev/2/",
	.auth = SIM_AUTH_BASIC,
	.username = &ev_username,
	.password = &ev_password,
	.realm = "ExecVision",
	.rate_timezone = "America/New_York",
	.windows = ev_windows,
	.nwindows = 2,
	.routes = ev_routes,
	.nroutes = sizeof(ev_routes) / sizeof(ev_routes[0]),
	.options = ev_options,
	.noptions = sizeof(ev_options) / sizeof(ev_options[0]),
	.generate = ev_setup,
	.admin = ev_admin,
};
