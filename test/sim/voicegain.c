/*
 * voicegain.c
 *		The Voicegain speech analytics call export, GET /v1/sa/call, as
 *		documented in shared/vendor-docs/voicegain-sa-call-export.txt, quirks
 *		included:
 *
 *		- page (1-based) and per_page (1..10000, default 50) are offsets over
 *		  the result order; a page past the end is empty;
 *		- X-Total-Count and a Link header (first, prev, self, next, last);
 *		- consecutive=true sorts by callId, continues after afterCallId and
 *		  stops before the first call still being processed, while
 *		  X-Total-Count still counts every call after afterCallId; with
 *		  sort_by or sort_dir it is a 400;
 *		- format=csv writes the documented columns with locale timestamps
 *		  ("05-12-2024 6:15:45 PM"), tags joined with '|', RFC 4180 quoting;
 *		- more than 75 requests a minute or 2000 an hour get a 429.
 */
#define _GNU_SOURCE				/* qsort_r */

#include "vg.h"
#include "http.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VG_MAX_PER_PAGE	10000
#define VG_MAX_SORT		8
#define VG_MAX_TIME_LEN	32

static char *vg_token = "vg-token";
static char *vg_per_minute_opt = "75";
static char *vg_per_hour_opt = "2000";

/* Filled in from the options before the core reads them (rate_init). */
static SimRateQuota vg_quotas[] = {
	{USECS_PER_MIN, 75},
	{USECS_PER_HOUR, 2000},
};

typedef enum VgSortKey
{
	SORT_TIME, SORT_SCORE, SORT_DOCUMENT_ID
} VgSortKey;

static const char *const sort_keys[] = {"time", "score", "documentId"};

#define NSORT_KEYS ((int) (sizeof(sort_keys) / sizeof(sort_keys[0])))

typedef struct VgSort
{
	VgSortKey	key;
	bool		desc;
} VgSort;

/* An array parameter: repeated keys and comma-joined values, split. */
typedef struct VgList
{
	char	  **items;			/* point into copies */
	int			nitems;
	char	  **copies;
	int			ncopies;
} VgList;

typedef struct VgQuery
{
	bool		csv;
	bool		consecutive;
	int64_t		after;			/* callId > after */
	bool		has_from;
	bool		has_to;
	SimTime		from;			/* startTime >= from */
	SimTime		to;				/* startTime < to */
	VgList		agents;
	VgList		queues;
	VgList		aivr_apps;
	VgList		sort_by;
	VgList		sort_dir;
	VgSort		sort[VG_MAX_SORT + 1];
	int			nsort;
	int64_t		page;
	int64_t		per_page;
} VgQuery;

/* ---------- query parameters ---------- */

/* Parse a plain decimal integer (digits only) no larger than max. */
static bool
plain_int(const char *s, int64_t max, int64_t *n)
{
	size_t		len = strspn(s, "0123456789");

	/* up to INT64_MAX (19 digits), which a Java long parameter takes */
	if (len == 0 || s[len] != '\0' || len > 19)
		return false;
	errno = 0;
	*n = strtoll(s, NULL, 10);
	return errno == 0 && *n <= max;
}

/* Collect every value of array parameter key, comma-separated ones split. */
static void
list_collect(const SimRequest *req, const char *key, VgList *l)
{
	for (int i = 0; i < req->nparams; i++)
	{
		char	   *copy;
		char	   *item;

		if (strcmp(req->params[i].key, key) != 0)
			continue;
		copy = strdup(req->params[i].value);
		l->copies = realloc(l->copies, (l->ncopies + 1) * sizeof(char *));
		l->copies[l->ncopies++] = copy;
		while ((item = strsep(&copy, ",")) != NULL)
		{
			l->items = realloc(l->items, (l->nitems + 1) * sizeof(char *));
			l->items[l->nitems++] = item;
		}
	}
}

/* Release what list_collect allocated. */
static void
list_free(VgList *l)
{
	for (int i = 0; i < l->ncopies; i++)
		free(l->copies[i]);
	free(l->copies);
	free(l->items);
}

/* Is s one of the list's items (an empty list matches everything)? */
static bool
list_matches(const VgList *l, const char *s)
{
	if (l->nitems == 0)
		return true;
	for (int i = 0; s && i < l->nitems; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

/* Check the uuid items of an id filter: 16 to 48 characters each. */
static bool
ids_valid(const VgList *l, const char *name, SimResponse *resp)
{
	for (int i = 0; i < l->nitems; i++)
	{
		size_t		n = strlen(l->items[i]);

		if (n < 16 || n > 48)
		{
			resp_error(resp, 400, "Bad Request",
					   "%s items must be 16 to 48 characters long, not \"%s\"",
					   name, l->items[i]);
			return false;
		}
	}
	return true;
}

/*
 * Does s have the shape of an RFC 3339 (section 5.6) date-time:
 * YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)? parse_time then checks the
 * calendar.
 */
static bool
rfc3339_shape(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	const char *p = s;

	for (const char *f = shape; *f; f++, p++)
	{
		if (*f == 'd' ? (*p < '0' || *p > '9') :
			*f == 'T' ? (*p != 'T' && *p != 't') : *p != *f)
			return false;
	}
	if (*p == '.')
	{
		size_t		digits = strspn(p + 1, "0123456789");

		if (digits == 0)
			return false;
		p += 1 + digits;
	}
	if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0')
		return true;
	return (p[0] == '+' || p[0] == '-') && strlen(p) == 6 &&
		strspn(p + 1, "0123456789") == 2 && p[3] == ':' &&
		strspn(p + 4, "0123456789") == 2;
}

/* Parse fromTime or toTime: RFC 3339, at most 32 characters. */
static bool
param_time(const SimRequest *req, SimResponse *resp, const char *name,
		   bool *given, SimTime *t)
{
	const char *s = req_param(req, name);

	*given = s != NULL;
	if (s == NULL)
		return true;
	if (strlen(s) > VG_MAX_TIME_LEN || !rfc3339_shape(s) || !parse_time(s, t))
	{
		resp_error(resp, 400, "Bad Request",
				   "%s must be an RFC 3339 date-time of at most %d characters "
				   "(2020-07-21T00:00:00Z), not \"%s\"",
				   name, VG_MAX_TIME_LEN, s);
		return false;
	}
	return true;
}

/* Parse an optional integer parameter from min to max (default dflt). */
static bool
param_int(const SimRequest *req, SimResponse *resp, const char *name,
		  int64_t min, int64_t max, int64_t dflt, int64_t *out)
{
	const char *s = req_param(req, name);

	*out = dflt;
	if (s == NULL)
		return true;
	if (!plain_int(s, max, out) || *out < min)
	{
		resp_error(resp, 400, "Bad Request", "%s must be an integer from %lld to %lld, not \"%s\"",
				   name, (long long) min, (long long) max, s);
		return false;
	}
	return true;
}

/* Parse an optional parameter that must be one of two words. */
static bool
param_choice(const SimRequest *req, SimResponse *resp, const char *name,
			 const char *no, const char *yes, bool *out)
{
	const char *s = req_param(req, name);

	*out = false;
	if (s == NULL || strcmp(s, no) == 0)
		return true;
	if (strcmp(s, yes) == 0)
	{
		*out = true;
		return true;
	}
	resp_error(resp, 400, "Bad Request", "%s must be %s or %s, not \"%s\"", name, no, yes, s);
	return false;
}

/*
 * Build the sort order from sort_by (default documentId) and sort_dir
 * (default asc for each key; when given, one per sort_by element).
 * callId ascending breaks the remaining ties.
 */
static bool
parse_sort(VgQuery *q, SimResponse *resp)
{
	int			nkeys = q->sort_by.nitems ? q->sort_by.nitems : 1;

	if (nkeys > VG_MAX_SORT)
	{
		resp_error(resp, 400, "Bad Request", "at most %d sort_by elements", VG_MAX_SORT);
		return false;
	}
	if (q->sort_dir.nitems && q->sort_dir.nitems != nkeys)
	{
		resp_error(resp, 400, "Bad Request",
				   "sort_dir has %d elements, which must match the %d of sort_by",
				   q->sort_dir.nitems, nkeys);
		return false;
	}
	for (int i = 0; i < nkeys; i++)
	{
		const char *key = q->sort_by.nitems ? q->sort_by.items[i] : "documentId";
		const char *dir = q->sort_dir.nitems ? q->sort_dir.items[i] : "asc";
		int			k = 0;

		while (k < NSORT_KEYS && strcmp(key, sort_keys[k]) != 0)
			k++;
		if (k == NSORT_KEYS || (strcmp(dir, "asc") != 0 && strcmp(dir, "desc") != 0))
		{
			resp_error(resp, 400, "Bad Request",
					   "sort_by must be time, score or documentId and sort_dir asc or desc, not \"%s\" \"%s\"",
					   key, dir);
			return false;
		}
		q->sort[i].key = (VgSortKey) k;
		q->sort[i].desc = dir[0] == 'd';
	}
	q->sort[nkeys].key = SORT_DOCUMENT_ID;
	q->sort[nkeys].desc = false;
	q->nsort = nkeys + 1;
	return true;
}

/* Parse and check every parameter; on error answer 400 and return false. */
static bool
parse_query(const SimRequest *req, SimResponse *resp, VgQuery *q)
{
	list_collect(req, "agentId", &q->agents);
	list_collect(req, "queueId", &q->queues);
	list_collect(req, "aivrAppId", &q->aivr_apps);
	list_collect(req, "sort_by", &q->sort_by);
	list_collect(req, "sort_dir", &q->sort_dir);
	if (!param_choice(req, resp, "format", "json", "csv", &q->csv) ||
		!param_choice(req, resp, "consecutive", "false", "true", &q->consecutive) ||
		!param_int(req, resp, "afterCallId", 0, INT64_MAX, 0, &q->after) ||
		!param_int(req, resp, "page", 1, INT32_MAX, 1, &q->page) ||
		!param_int(req, resp, "per_page", 1, VG_MAX_PER_PAGE, 50, &q->per_page) ||
		!param_time(req, resp, "fromTime", &q->has_from, &q->from) ||
		!param_time(req, resp, "toTime", &q->has_to, &q->to) ||
		!ids_valid(&q->agents, "agentId", resp) ||
		!ids_valid(&q->queues, "queueId", resp) ||
		!ids_valid(&q->aivr_apps, "aivrAppId", resp))
		return false;
	if (q->consecutive && (req_param(req, "sort_by") || req_param(req, "sort_dir")))
	{
		resp_error(resp, 400, "Bad Request",
				   "consecutive=true sorts by callId: sort_by and sort_dir are not allowed with it");
		return false;
	}
	return parse_sort(q, resp);
}

/* ---------- selection ---------- */

/* Does the call pass the agent, queue and voicebot filters? */
static bool
call_matches(const VgQuery *q, const VgCall *c)
{
	return list_matches(&q->agents, c->agent >= 0 ? vg.agents[c->agent].user_id : NULL) &&
		list_matches(&q->queues, c->queue >= 0 ? vg.queues[c->queue].uuid : NULL) &&
		list_matches(&q->aivr_apps, c->aivr_app >= 0 ? vg.aivr_apps[c->aivr_app] : NULL);
}

/* Compare two call indexes by the query's sort order (qsort_r). */
static int
cmp_calls(const void *a, const void *b, void *arg)
{
	const VgQuery *q = arg;
	const VgCall *x = &vg.calls[*(const int *) a];
	const VgCall *y = &vg.calls[*(const int *) b];

	for (int i = 0; i < q->nsort; i++)
	{
		int64_t		kx,
					ky;
		int			c;

		if (q->sort[i].key == SORT_SCORE)
		{
			/* calls without a score come last either way */
			if ((vg_score(x) < 0) != (vg_score(y) < 0))
				return vg_score(x) < 0 ? 1 : -1;
			kx = vg_score(x);
			ky = vg_score(y);
		}
		else
		{
			kx = q->sort[i].key == SORT_TIME ? x->start : x->call_id;
			ky = q->sort[i].key == SORT_TIME ? y->start : y->call_id;
		}
		c = kx < ky ? -1 : kx > ky;
		if (c != 0)
			return q->sort[i].desc ? -c : c;
	}
	return 0;
}

/*
 * The indexes of the calls that match the filters, in the query's order.
 * Both callId and startTime grow with the index, so afterCallId, fromTime
 * and toTime narrow a range of indexes.
 */
static int *
select_calls(const VgQuery *q, int *n)
{
	int			lo = vg_index_after_id(q->after);
	int			from = q->has_from ? vg_index_at_time(q->from) : 0;
	int			hi = q->has_to ? vg_index_at_time(q->to) : vg.ncalls;
	int		   *idx;

	if (from > lo)
		lo = from;
	idx = malloc((hi > lo ? hi - lo : 1) * sizeof(int));
	*n = 0;
	for (int i = lo; i < hi; i++)
		if (call_matches(q, &vg.calls[i]))
			idx[(*n)++] = i;
	/* callIds are unique: after documentId ascending the rest never counts */
	if (q->sort[0].key != SORT_DOCUMENT_ID || q->sort[0].desc)
		qsort_r(idx, *n, sizeof(int), cmp_calls, (void *) q);
	return idx;
}

/* How many leading calls a consecutive export may return: up to the first unfinished. */
static int
consecutive_stop(const int *idx, int n)
{
	for (int i = 0; i < n; i++)
		if (!vg_phase_finished(vg.calls[idx[i]].phase))
			return i;
	return n;
}

/* ---------- headers ---------- */

/* The URL of this request with page=page, keeping every other parameter. */
static void
page_url(StrBuf *b, const SimRequest *req, int64_t page)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_DAEMON);
	const union MHD_DaemonInfo *di =
		ci ? MHD_get_daemon_info(ci->daemon, MHD_DAEMON_INFO_FLAGS) : NULL;
	const char *host = req_header(req, "Host");
	const char *p = req->raw_query;
	bool		tls = di && (di->flags & MHD_USE_TLS);

	buf_printf(b, "%s://%s%s?", tls ? "https" : "http", host ? host : "localhost",
			   req->raw_path);
	while (*p)
	{
		size_t		n = strcspn(p, "&");
		size_t		klen = strcspn(p, "=&");
		char	   *raw_key = strndup(p, klen);
		char	   *key = percent_decode(raw_key, true);

		if (n > 0 && strcmp(key, "page") != 0)
		{
			buf_putn(b, p, n);
			buf_putc(b, '&');
		}
		free(key);
		free(raw_key);
		p += n + (p[n] == '&');
	}
	buf_printf(b, "page=%lld", (long long) page);
}

/*
 * Add the Link header: first, prev, self, next and last, from the total,
 * in one field.
 */
static void
add_links(const SimRequest *req, SimResponse *resp, const VgQuery *q, int64_t total)
{
	int64_t		last = total > 0 ? (total + q->per_page - 1) / q->per_page : 1;
	const struct
	{
		const char *rel;
		int64_t		page;
		bool		present;
	}			links[] = {
		{"first", 1, true},
		{"prev", q->page - 1, q->page > 1},
		{"self", q->page, true},
		{"next", q->page + 1, q->page < last},
		{"last", last, true},
	};
	StrBuf		all;

	buf_init(&all, 512);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
	{
		if (!links[i].present)
			continue;
		buf_puts(&all, all.len ? ", <" : "<");
		page_url(&all, req, links[i].page);
		buf_printf(&all, ">; rel=\"%s\"", links[i].rel);
	}
	resp_header(resp, "Link", all.data);
	buf_free(&all);
}

/* ---------- the endpoint ---------- */

/* Write calls idx[from..to) in the requested format. */
static void
write_page(SimResponse *resp, const VgQuery *q, const int *idx, int64_t from, int64_t to)
{
	bool		first = true;

	if (q->csv)
	{
		resp->content_type = "text/csv";
		vg_write_csv_header(&resp->body);
		for (int64_t i = from; i < to; i++)
			vg_write_csv_row(&resp->body, &vg.calls[idx[i]]);
		return;
	}
	buf_putc(&resp->body, '[');
	for (int64_t i = from; i < to; i++)
	{
		json_sep(&resp->body, &first);
		vg_write_json(&resp->body, &vg.calls[idx[i]]);
	}
	buf_putc(&resp->body, ']');
}

/* GET call: the export. */
static void
h_call(SimRequest *req, SimResponse *resp)
{
	VgQuery		q = {0};

	if (parse_query(req, resp, &q))
	{
		int			n;
		int		   *idx = select_calls(&q, &n);
		int64_t		rows = q.consecutive ? consecutive_stop(idx, n) : n;
		int64_t		from = (q.page - 1) * q.per_page;
		char		total[24];

		snprintf(total, sizeof(total), "%d", n);
		resp_header(resp, "X-Total-Count", total);
		add_links(req, resp, &q, n);
		write_page(resp, &q, idx, from < rows ? from : rows,
				   from + q.per_page < rows ? from + q.per_page : rows);
		free(idx);
	}
	list_free(&q.agents);
	list_free(&q.queues);
	list_free(&q.aivr_apps);
	list_free(&q.sort_by);
	list_free(&q.sort_dir);
}

static const SimRoute vg_routes[] = {
	{"GET", "call", h_call},
};

static const SimOption vg_options[] = {
	{"token", &vg_token, "bearer token (JWT) the API accepts (default vg-token)"},
	{"per-minute", &vg_per_minute_opt, "requests a minute before 429s (default 75)"},
	{"per-hour", &vg_per_hour_opt, "requests an hour before 429s (default 2000)"},
};

/* Read the vendor options (exit on a bad one) and build the data set. */
static void
vg_setup(void)
{
	vg_quotas[0].limit = quota_arg("voicegain", "per-minute", vg_per_minute_opt, INT32_MAX);
	vg_quotas[1].limit = quota_arg("voicegain", "per-hour", vg_per_hour_opt, INT32_MAX);
	vg_generate();
}

const SimVendor voicegain_vendor = {
	.name = "voicegain",
	.prefix = "/v1/sa/",
	.auth = SIM_AUTH_BEARER,
	.username = &vg_token,
	.realm = "Voicegain",
	.quotas = vg_quotas,
	.nquotas = sizeof(vg_quotas) / sizeof(vg_quotas[0]),
	.routes = vg_routes,
	.nroutes = sizeof(vg_routes) / sizeof(vg_routes[0]),
	.options = vg_options,
	.noptions = sizeof(vg_options) / sizeof(vg_options[0]),
	.generate = vg_setup,
	.admin = vg_admin,
};
