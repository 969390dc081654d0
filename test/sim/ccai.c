/*
 * ccai.c
 *		The Google CCAI Platform (formerly UJET) Manager API, as described
 *		in shared/vendor-docs/ccai-platform-reporting-api.txt and the notes
 *		of shared/vendor-docs/README.md, quirks included:
 *
 *		- HTTP Basic with the account's subdomain as user, its API token as
 *		  password;
 *		- bare JSON arrays, paged by page (1-based) and per (default 100,
 *		  at most 100: a larger per is quietly taken as 100), with the
 *		  headers Total, Per-Page and Link (first, prev, next, last), as
 *		  Rails' kaminari and api-pagination make them;
 *		- "tailing": <time>[from] (inclusive) and <time>[to] (exclusive)
 *		  with sort_column and sort_direction; the boundary object comes
 *		  back on the next tail, and page numbers shift under a client as
 *		  objects change;
 *		- 10 requests a second, then 429 with Retry-After.
 */
#include "ccai.h"

#include <ctype.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CCAI_PER 100

char	   *ccai_subdomain = "acme";
static char *ccai_token = "ccai-token";
static char *ccai_per_second_opt = "10";

/* The limit is set from --ccai-per-second before the first request. */
static SimRateQuota ccai_quotas[] = {
	{USECS_PER_SEC, 10},
};

/* A list request: its page and order, and its bounds per time column. */
typedef struct ListQuery
{
	int64_t		page;
	int			per;
	int			sort;			/* column; -1: id */
	bool		desc;
	SimTime		from[CCAI_MAX_COLUMNS];	/* CCAI_NO_TIME: unbounded */
	SimTime		to[CCAI_MAX_COLUMNS];
} ListQuery;

/* ---------- query parameters ---------- */

/*
 * Ruby's String#to_i, which the vendor's pager applies to page and per:
 * blanks, a sign, digits, and whatever follows is ignored ("2x" is 2,
 * "x" is 0). Clamped to a billion.
 */
static int64_t
ruby_to_i(const char *s)
{
	int64_t		n = 0;
	bool		neg;

	while (isspace((unsigned char) *s))
		s++;
	neg = *s == '-';
	if (*s == '+' || *s == '-')
		s++;
	for (; isdigit((unsigned char) *s); s++)
		if (n < 1000000000)
			n = n * 10 + (*s - '0');
	return neg ? -n : n;
}

/* page and per as kaminari reads them: never an error. */
static void
parse_paging(const SimRequest *req, ListQuery *q)
{
	const char *page = req_param(req, "page");
	const char *per = req_param(req, "per");
	int64_t		n;

	q->page = page ? ruby_to_i(page) : 1;
	if (q->page < 1)
		q->page = 1;
	q->per = CCAI_PER;
	/* kaminari ignores a per that does not start with a digit */
	if (per && isdigit((unsigned char) per[0]) && (n = ruby_to_i(per)) > 0 && n < CCAI_PER)
		q->per = (int) n;
}

/* sort_column (id or a time column) and sort_direction (ASC or DESC); 400s. */
static bool
parse_order(const SimRequest *req, SimResponse *resp, const CcaiTable *t, ListQuery *q)
{
	const char *col = req_param(req, "sort_column");
	const char *dir = req_param(req, "sort_direction");

	q->sort = -1;
	for (int c = 0; col && c < t->ncolumns; c++)
		if (strcmp(col, t->columns[c].name) == 0)
			q->sort = c;
	if (col && q->sort < 0 && strcmp(col, "id") != 0)
	{
		char		names[128] = "id";

		for (int c = 0; c < t->ncolumns; c++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), ", %s",
					 t->columns[c].name);
		resp_error(resp, 400, "Bad Request", "sort_column must be one of %s, not \"%s\"",
				   names, col);
		return false;
	}
	q->desc = dir && strcasecmp(dir, "DESC") == 0;
	if (dir && !q->desc && strcasecmp(dir, "ASC") != 0)
	{
		resp_error(resp, 400, "Bad Request", "sort_direction must be ASC or DESC, not \"%s\"", dir);
		return false;
	}
	return true;
}

/* One bound, <column>[from] or <column>[to]; answers 400 when it is no timestamp. */
static bool
parse_bound(const SimRequest *req, SimResponse *resp, const char *column,
			const char *which, SimTime *out)
{
	char		key[64];
	const char *s;

	snprintf(key, sizeof(key), "%s[%s]", column, which);
	*out = CCAI_NO_TIME;
	if ((s = req_param(req, key)) == NULL)
		return true;
	if (!parse_time(s, out))
	{
		resp_error(resp, 400, "Bad Request",
				   "%s must be an ISO 8601 timestamp such as 2026-11-01T00:00:00.000Z, not \"%s\"",
				   key, s);
		return false;
	}
	return true;
}

/* Parse a list request; false (with a 400 in resp) when it is invalid. */
static bool
parse_list(const SimRequest *req, SimResponse *resp, const CcaiTable *t, ListQuery *q)
{
	parse_paging(req, q);
	if (!parse_order(req, resp, t, q))
		return false;
	for (int c = 0; c < t->ncolumns; c++)
		if (!parse_bound(req, resp, t->columns[c].name, "from", &q->from[c]) ||
			!parse_bound(req, resp, t->columns[c].name, "to", &q->to[c]))
			return false;
	return true;
}

/* ---------- selecting a page ---------- */

/* First position of column c's order whose time is at least x. */
static int
lower_bound(const CcaiTable *t, int c, SimTime x)
{
	int			lo = 0,
				hi = t->nrows;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (ccai_time(t, c, t->order[c][mid]) < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Is the row within the bounds of every column but "skip"? */
static bool
within_bounds(const CcaiTable *t, const ListQuery *q, int row, int skip)
{
	for (int c = 0; c < t->ncolumns; c++)
	{
		SimTime		v;

		if (c == skip)
			continue;
		v = ccai_time(t, c, row);
		if ((q->from[c] != CCAI_NO_TIME && v < q->from[c]) ||
			(q->to[c] != CCAI_NO_TIME && v >= q->to[c]))
			return false;
	}
	return true;
}

/* The row at position pos of the requested order within [lo, hi). */
static int
row_at(const CcaiTable *t, const ListQuery *q, int lo, int hi, int64_t pos)
{
	int			k = (int) (q->desc ? hi - 1 - pos : lo + pos);

	return q->sort < 0 ? k : t->order[q->sort][k];
}

/* Write one row of a page. */
static void
write_row(StrBuf *b, bool *first, const CcaiTable *t, int row)
{
	json_sep(b, first);
	t->write(b, CCAI_ROW(t, row));
}

/*
 * Write the page the query asks for as a JSON array; returns how many
 * objects match in all. The bounds of the sort column narrow the range by
 * binary search; bounds of other columns are checked row by row.
 */
static int64_t
write_page(StrBuf *b, const CcaiTable *t, const ListQuery *q)
{
	int			lo = 0,
				hi = t->nrows;
	int64_t		offset = (q->page - 1) * q->per;
	int64_t		total = 0;
	bool		first = true;
	bool		filtered = false;

	if (q->sort >= 0 && q->from[q->sort] != CCAI_NO_TIME)
		lo = lower_bound(t, q->sort, q->from[q->sort]);
	if (q->sort >= 0 && q->to[q->sort] != CCAI_NO_TIME)
		hi = lower_bound(t, q->sort, q->to[q->sort]);
	if (hi < lo)
		hi = lo;
	for (int c = 0; c < t->ncolumns; c++)
		filtered |= c != q->sort && (q->from[c] != CCAI_NO_TIME || q->to[c] != CCAI_NO_TIME);

	buf_putc(b, '[');
	if (!filtered)
	{
		total = hi - lo;
		for (int64_t pos = offset; pos < total && pos < offset + q->per; pos++)
			write_row(b, &first, t, row_at(t, q, lo, hi, pos));
	}
	else
	{
		for (int64_t pos = 0; pos < hi - lo; pos++)
		{
			int			row = row_at(t, q, lo, hi, pos);

			if (!within_bounds(t, q, row, q->sort))
				continue;
			if (total >= offset && total < offset + q->per)
				write_row(b, &first, t, row);
			total++;
		}
	}
	buf_putc(b, ']');
	return total;
}

/* ---------- the Link header ---------- */

/* Append s percent-encoded as Ruby's CGI.escape does it. */
static void
cgi_escape(StrBuf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if (isalnum(*p) || *p == '*' || *p == '-' || *p == '.' || *p == '_')
			buf_putc(b, (char) *p);
		else if (*p == ' ')
			buf_putc(b, '+');
		else
			buf_printf(b, "%%%02X", *p);
	}
}

/* qsort comparator of C strings. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * Add Link: <url>; rel="..." for page. The URL is absolute, built from the
 * Host header, and keeps every other parameter, re-encoded and sorted as
 * Rails' to_query does (updated_at[from] becomes updated_at%5Bfrom%5D).
 */
static void
add_link(const SimRequest *req, StrBuf *links, int64_t page, const char *rel)
{
	const char *host = req_header(req, "Host");
	bool		tls = MHD_get_connection_info(req->conn,
											  MHD_CONNECTION_INFO_GNUTLS_SESSION) != NULL;
	char	  **parts = malloc((req->nparams + 1) * sizeof(char *));
	int			n = 0;
	for (int i = 0; i < req->nparams; i++)
	{
		StrBuf		p;

		if (strcmp(req->params[i].key, "page") == 0)
			continue;
		buf_init(&p, 64);
		cgi_escape(&p, req->params[i].key);
		buf_putc(&p, '=');
		cgi_escape(&p, req->params[i].value);
		parts[n++] = p.data;
	}
	parts[n] = malloc(32);
	snprintf(parts[n++], 32, "page=%lld", (long long) page);
	qsort(parts, n, sizeof(char *), cmp_str);

	buf_printf(links, "%s<%s://%s%s?", links->len ? ", " : "", tls ? "https" : "http",
			   host ? host : "localhost", req->raw_path);
	for (int i = 0; i < n; i++)
	{
		buf_printf(links, "%s%s", i > 0 ? "&" : "", parts[i]);
		free(parts[i]);
	}
	buf_printf(links, ">; rel=\"%s\"", rel);
	free(parts);
}

/*
 * The paging headers api-pagination sends: Total, Per-Page, and links to
 * the first and previous pages when this is not the first, to the next and
 * last when this is before the last (so the last page and any page past it
 * have neither), all in one Link field, as the gem sends them.
 */
static void
add_paging_headers(const SimRequest *req, SimResponse *resp, const ListQuery *q, int64_t total)
{
	int64_t		pages = (total + q->per - 1) / q->per;
	char		value[32];
	StrBuf		links;

	snprintf(value, sizeof(value), "%lld", (long long) total);
	resp_header(resp, "Total", value);
	snprintf(value, sizeof(value), "%d", q->per);
	resp_header(resp, "Per-Page", value);
	buf_init(&links, 512);
	if (q->page > 1)
	{
		add_link(req, &links, 1, "first");
		add_link(req, &links, q->page - 1, "prev");
	}
	if (q->page < pages)
	{
		add_link(req, &links, q->page + 1, "next");
		add_link(req, &links, pages, "last");
	}
	if (links.len > 0)
		resp_header(resp, "Link", links.data);
	buf_free(&links);
}

/* ---------- endpoints ---------- */

/* GET <collection>?page&per&sort_column&sort_direction&<time>[from]&<time>[to] */
static void
h_list(SimRequest *req, SimResponse *resp)
{
	const CcaiTable *t = req->route_arg;
	ListQuery	q;
	int64_t		total;

	resp->content_type = "application/json; charset=utf-8";
	if (!parse_list(req, resp, t, &q))
		return;
	total = write_page(&resp->body, t, &q);
	add_paging_headers(req, resp, &q, total);
}

/* GET calls/{id}: one call; 404 for an id that is not a number or not a call. */
static void
h_call(SimRequest *req, SimResponse *resp)
{
	size_t		len = strspn(req->capture, "0123456789");
	int			row = -1;

	resp->content_type = "application/json; charset=utf-8";
	if (len > 0 && len < 19 && req->capture[len] == '\0')
		row = ccai_find(&ccai.calls, strtoll(req->capture, NULL, 10));
	if (row < 0)
	{
		resp_error(resp, 404, "Not Found", "Couldn't find Call with 'id'=%s", req->capture);
		return;
	}
	ccai_write_call(&resp->body, CCAI_ROW(&ccai.calls, row));
}

/* GET teams/tree: the root teams, each with its children, unpaged. */
static void
h_team_tree(SimRequest *req, SimResponse *resp)
{
	resp->content_type = "application/json; charset=utf-8";
	ccai_write_team_tree(&resp->body, -1);
}

/* GET settings/organization: a small object, the connectivity check. */
static void
h_organization(SimRequest *req, SimResponse *resp)
{
	resp->content_type = "application/json; charset=utf-8";
	ccai_write_organization(&resp->body);
}

static const SimRoute ccai_routes[] = {
	{"GET", "calls", h_list, false, &ccai.calls},
	{"GET", "calls/{}", h_call},
	{"GET", "chats", h_list, false, &ccai.chats},
	{"GET", "agents", h_list, false, &ccai.agents},
	{"GET", "agent_activity_logs", h_list, false, &ccai.activity},
	{"GET", "teams", h_list, false, &ccai.teams},
	{"GET", "teams/tree", h_team_tree},
	{"GET", "menus", h_list, false, &ccai.menus},
	{"GET", "user_statuses", h_list, false, &ccai.statuses},
	{"GET", "settings/organization", h_organization},
};

static const SimOption ccai_options[] = {
	{"subdomain", &ccai_subdomain, "HTTP Basic user: the account's subdomain (default acme)"},
	{"token", &ccai_token, "HTTP Basic password: the API token (default ccai-token)"},
	{"per-second", &ccai_per_second_opt, "requests a second before 429s (default 10)"},
};

/* Read the vendor options (exit on a bad one) and build the data set. */
static void
ccai_setup(void)
{
	ccai_quotas[0].limit = quota_arg("ccai", "per-second", ccai_per_second_opt, 1000000);
	ccai_generate();
}

const SimVendor ccai_vendor = {
	.name = "ccai",
	.prefix = "/manager/api/v1/",
	.auth = SIM_AUTH_BASIC,
	.username = &ccai_subdomain,
	.password = &ccai_token,
	.realm = "Application",
	.quotas = ccai_quotas,
	.nquotas = 1,
	.routes = ccai_routes,
	.nroutes = sizeof(ccai_routes) / sizeof(ccai_routes[0]),
	.options = ccai_options,
	.noptions = sizeof(ccai_options) / sizeof(ccai_options[0]),
	.generate = ccai_setup,
	.admin = ccai_admin,
};
