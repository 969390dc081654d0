/*
 * siro.c
 *		The Siro external API (https://functions.siro.ai/api-externalApi/v1),
 *		as documented in shared/vendor-docs/siro-recordings-api.txt and the
 *		vendor facts of shared/vendor-docs/README.md, quirks included:
 *
 *		- core/recordings filters on createdAt:gt/lt and updatedAt:gte/gt/
 *		  lt/lte, times in ISO 8601 with milliseconds;
 *		- pageSize (default 25, at most 100) and an opaque cursor that holds
 *		  the position of the last object, not an offset: a recording
 *		  updated while a client pages by updatedAt comes again later;
 *		- a full page always has a cursor, even when nothing follows;
 *		- deleted recordings stay in the list and the lookup;
 *		- the heavy parts of a recording only come when a flag asks;
 *		- 1000 requests a minute, then 429 with Retry-After.
 */
#include "siro.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIRO_DEFAULT_PAGE 25
#define SIRO_MAX_PAGE 100

static char *siro_token = "siro-token";
static char *siro_per_minute_opt = "1000";

static SimRateQuota siro_quotas[] = {
	{USECS_PER_MIN, 1000},
};

/* ---------- query parameters ---------- */

typedef enum FilterOp
{
	OP_GT, OP_GTE, OP_LT, OP_LTE
} FilterOp;

/* A documented filter: its parameter, the time it bounds and how. */
typedef struct Filter
{
	const char *param;
	SiroOrder	field;
	FilterOp	op;
} Filter;

static const Filter filters[] = {
	{"createdAt:gt", SIRO_BY_CREATED, OP_GT},
	{"createdAt:lt", SIRO_BY_CREATED, OP_LT},
	{"updatedAt:gte", SIRO_BY_UPDATED, OP_GTE},
	{"updatedAt:gt", SIRO_BY_UPDATED, OP_GT},
	{"updatedAt:lt", SIRO_BY_UPDATED, OP_LT},
	{"updatedAt:lte", SIRO_BY_UPDATED, OP_LTE},
};

#define NFILTERS ((int) (sizeof(filters) / sizeof(filters[0])))

/* Kinds of cursor: which listing and order a position belongs to. */
static const char cursor_kinds[] = "cuU";	/* by created, by updated, users */
#define USERS_CURSOR 2

/* A page request: its size, order, start position, bounds and parts. */
typedef struct PageQuery
{
	int			page_size;
	int			kind;			/* index into cursor_kinds */
	bool		has_cursor;
	SimTime		after_key;
	char		after_id[SIRO_UID_LEN + 1];
	SimTime		lo[2];			/* inclusive bounds of created, updated */
	SimTime		hi[2];
	bool		parts[SIRO_NPARTS];
} PageQuery;

/* Answer 400 unless param is given at most once; false after answering. */
static bool
single(const SimRequest *req, SimResponse *resp, const char *param)
{
	if (req_param_count(req, param) <= 1)
		return true;
	resp_error(resp, 400, "Bad Request", "%s is given more than once", param);
	return false;
}

/* Parse the include* flags: true or false, nothing else. */
static bool
param_parts(const SimRequest *req, SimResponse *resp, bool *parts)
{
	for (int p = 0; p < SIRO_NPARTS; p++)
	{
		const char *s = req_param(req, siro_parts[p].flag);

		parts[p] = s && strcmp(s, "true") == 0;
		if (!single(req, resp, siro_parts[p].flag))
			return false;
		if (s && !parts[p] && strcmp(s, "false") != 0)
		{
			resp_error(resp, 400, "Bad Request", "%s must be true or false, not \"%s\"",
					   siro_parts[p].flag, s);
			return false;
		}
	}
	return true;
}

/* Parse pageSize: 1 to 100, default 25. */
static bool
param_page_size(const SimRequest *req, SimResponse *resp, int *size)
{
	const char *s = req_param(req, "pageSize");
	size_t		len = s ? strspn(s, "0123456789") : 0;

	*size = SIRO_DEFAULT_PAGE;
	if (!single(req, resp, "pageSize") || s == NULL)
		return s == NULL;
	if (len == 0 || s[len] != '\0' || len > 3 || atoi(s) < 1 || atoi(s) > SIRO_MAX_PAGE)
	{
		resp_error(resp, 400, "Bad Request",
				   "pageSize must be an integer from 1 to %d, not \"%s\"", SIRO_MAX_PAGE, s);
		return false;
	}
	*size = atoi(s);
	return true;
}

/*
 * Parse a filter time: ISO 8601 with seconds, exactly three fractional
 * digits and a zone (2024-01-15T10:30:00.000Z), as the API documents.
 */
static bool
filter_time(const char *s, SimTime *t)
{
	return strlen(s) >= 24 && s[10] == 'T' && s[19] == '.' &&
		isdigit((unsigned char) s[20]) && isdigit((unsigned char) s[21]) &&
		isdigit((unsigned char) s[22]) && !isdigit((unsigned char) s[23]) &&
		parse_time(s, t);
}

/* Apply one filter's time to the inclusive bounds. */
static void
apply_filter(PageQuery *q, const Filter *f, SimTime t)
{
	SimTime		lo = f->op == OP_GT ? t + 1 : t;
	SimTime		hi = f->op == OP_LT ? t - 1 : t;

	if ((f->op == OP_GT || f->op == OP_GTE) && lo > q->lo[f->field])
		q->lo[f->field] = lo;
	if ((f->op == OP_LT || f->op == OP_LTE) && hi < q->hi[f->field])
		q->hi[f->field] = hi;
}

/*
 * Parse the filters. A createdAt or updatedAt parameter with an operator
 * the API does not have (createdAt:gte) is a 400, not silently ignored.
 */
static bool
param_filters(const SimRequest *req, SimResponse *resp, PageQuery *q)
{
	q->lo[0] = q->lo[1] = INT64_MIN;
	q->hi[0] = q->hi[1] = INT64_MAX;
	q->kind = SIRO_BY_CREATED;
	for (int i = 0; i < req->nparams; i++)
	{
		const char *key = req->params[i].key;
		int			f;
		SimTime		t;

		if (strncmp(key, "createdAt", 9) != 0 && strncmp(key, "updatedAt", 9) != 0)
			continue;
		for (f = 0; f < NFILTERS && strcmp(filters[f].param, key) != 0; f++)
			;
		if (f == NFILTERS)
		{
			resp_error(resp, 400, "Bad Request", "unsupported filter \"%s\"", key);
			return false;
		}
		if (!single(req, resp, key))
			return false;
		if (!filter_time(req->params[i].value, &t))
		{
			resp_error(resp, 400, "Bad Request",
					   "%s must be an ISO 8601 time with milliseconds such as "
					   "2024-01-15T10:30:00.000Z, not \"%s\"", key, req->params[i].value);
			return false;
		}
		apply_filter(q, &filters[f], t);
		if (filters[f].field == SIRO_BY_UPDATED)
			q->kind = SIRO_BY_UPDATED;
	}
	return true;
}

/* ---------- the cursor: an opaque position ---------- */

static const char b64url[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Append the base64url form of s, without padding. */
static void
b64_put(StrBuf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		n = strlen(s);

	for (size_t i = 0; i < n; i += 3)
	{
		uint32_t	v = (uint32_t) u[i] << 16 | (i + 1 < n ? (uint32_t) u[i + 1] << 8 : 0) |
			(i + 2 < n ? u[i + 2] : 0);
		int			chars = n - i >= 3 ? 4 : (int) (n - i) + 1;

		for (int k = 0; k < chars; k++)
			buf_putc(b, b64url[(v >> (18 - 6 * k)) & 63]);
	}
}

/* Decode base64url text into out (outlen bytes with the NUL); false if it is not. */
static bool
b64_get(const char *s, char *out, size_t outlen)
{
	uint32_t	v = 0;
	int			bits = 0;
	size_t		o = 0;

	for (; *s; s++)
	{
		const char *p = strchr(b64url, *s);

		if (p == NULL)
			return false;
		v = v << 6 | (uint32_t) (p - b64url);
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			if (o + 1 >= outlen)
				return false;
			out[o++] = (char) (v >> bits & 0xff);
		}
	}
	out[o] = '\0';
	return true;
}

/*
 * Append the cursor of position (key, id) in a listing of kind: the
 * position and a check of it (so that a changed or foreign cursor shows),
 * base64url-encoded.
 */
static void
make_cursor(StrBuf *b, int kind, SimTime key, const char *id)
{
	char		text[128];
	uint64_t	h = mix64(sim_config.seed ^ UINT64_C(0x5170));
	int			n = snprintf(text, sizeof(text), "%c.%lld.%s", cursor_kinds[kind],
							 (long long) key, id);

	for (int i = 0; i < n; i++)
		h = mix64(h ^ (unsigned char) text[i]);
	snprintf(text + n, sizeof(text) - n, ".%016llx", (unsigned long long) h);
	b64_put(b, text);
}

/*
 * Parse the cursor parameter into the page's start position. Anything but
 * a cursor this simulator made is a 400, and so is one of another listing
 * or order (a client that drops the updatedAt filter after the first page).
 */
static bool
param_cursor(const SimRequest *req, SimResponse *resp, PageQuery *q)
{
	const char *s = req_param(req, "cursor");
	char		text[128];
	char		kind;
	long long	key;
	StrBuf		again;
	bool		ok;

	q->has_cursor = s != NULL;
	if (!single(req, resp, "cursor") || s == NULL)
		return s == NULL;
	ok = strlen(s) < 160 && b64_get(s, text, sizeof(text)) &&
		sscanf(text, "%c.%lld.%28[0-9A-Za-z]", &kind, &key, q->after_id) == 3 &&
		strchr(cursor_kinds, kind) != NULL && kind != '\0';
	if (ok)
	{
		/* the canonical cursor of that position must be exactly what was sent */
		buf_init(&again, 128);
		make_cursor(&again, (int) (strchr(cursor_kinds, kind) - cursor_kinds), key, q->after_id);
		ok = strcmp(again.data, s) == 0;
		buf_free(&again);
	}
	if (!ok)
	{
		resp_error(resp, 400, "Bad Request", "invalid cursor \"%s\"", s);
		return false;
	}
	if (kind != cursor_kinds[q->kind])
	{
		resp_error(resp, 400, "Bad Request",
				   "the cursor belongs to another listing or order: repeat the filters of the first page");
		return false;
	}
	q->after_key = key;
	return true;
}

/* Close a page: the cursor of its last object when the page is full, and the sizes. */
static void
end_page(StrBuf *b, const PageQuery *q, int count, SimTime last_key, const char *last_id)
{
	bool		first = false;	/* the members follow "data" */

	buf_putc(b, ']');
	json_key(b, &first, "cursor");
	if (count == q->page_size)
	{
		buf_putc(b, '"');
		make_cursor(b, q->kind, last_key, last_id);
		buf_putc(b, '"');
	}
	else
		buf_puts(b, "null");
	json_kint(b, &first, "pageSize", q->page_size);
	json_kint(b, &first, "limit", SIRO_MAX_PAGE);
	buf_putc(b, '}');
}

/* ---------- endpoints ---------- */

/*
 * Index in the listing order of the first recording that is after the
 * cursor and not below the lower bound on the order's key.
 */
static int
page_start(const int *arr, int n, const PageQuery *q)
{
	SiroOrder	order = (SiroOrder) q->kind;
	int			lo = 0,
				hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;
		const SiroRec *r = &siro.recs[arr[mid]];

		if (siro_key(r, order) < q->lo[order] ||
			(q->has_cursor && siro_cmp(r, q->after_key, q->after_id, order) <= 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* GET core/recordings?pageSize&cursor&createdAt:gt/lt&updatedAt:gte/gt/lt/lte&include* */
static void
h_recordings(SimRequest *req, SimResponse *resp)
{
	PageQuery	q;
	SiroOrder	order;
	SiroOrder	other;
	const int  *arr;
	const SiroRec *last = NULL;
	int			count = 0;

	if (!param_parts(req, resp, q.parts) || !param_page_size(req, resp, &q.page_size) ||
		!param_filters(req, resp, &q) || !param_cursor(req, resp, &q))
		return;
	order = (SiroOrder) q.kind;
	other = order == SIRO_BY_CREATED ? SIRO_BY_UPDATED : SIRO_BY_CREATED;
	arr = siro.order[order];
	buf_puts(&resp->body, "{\"data\":[");
	for (int i = page_start(arr, siro.nrecs, &q); i < siro.nrecs && count < q.page_size; i++)
	{
		const SiroRec *r = &siro.recs[arr[i]];

		if (siro_key(r, order) > q.hi[order])
			break;
		if (siro_key(r, other) < q.lo[other] || siro_key(r, other) > q.hi[other])
			continue;
		if (count++)
			buf_putc(&resp->body, ',');
		siro_write_recording(&resp->body, r, q.parts);
		last = r;
	}
	end_page(&resp->body, &q, count, last ? siro_key(last, order) : 0, last ? last->id : "");
}

/* GET core/recordings/{id}?include*: deleted recordings too. */
static void
h_recording(SimRequest *req, SimResponse *resp)
{
	bool		parts[SIRO_NPARTS];
	const SiroRec *r;

	if (!param_parts(req, resp, parts))
		return;
	if ((r = siro_find(req->capture)) == NULL)
	{
		resp_error(resp, 404, "Not Found", "no recording with id \"%s\"", req->capture);
		return;
	}
	buf_puts(&resp->body, "{\"data\":");
	siro_write_recording(&resp->body, r, parts);
	buf_putc(&resp->body, '}');
}

/* One user of the organisation. */
static void
write_user(StrBuf *b, const SiroUser *u)
{
	bool		f = true;

	buf_putc(b, '{');
	json_kstr(b, &f, "id", u->id);
	json_kstr(b, &f, "organizationId", siro.org_id);
	json_kstr(b, &f, "teamId", u->team >= 0 ? siro.teams[u->team].id : NULL);
	json_kstr(b, &f, "teamName", u->team >= 0 ? siro.teams[u->team].name : NULL);
	json_kstr(b, &f, "firstName", u->first);
	json_kstr(b, &f, "lastName", u->last);
	json_kstr(b, &f, "email", u->email);
	json_kstr(b, &f, "phoneNumber", u->phone[0] ? u->phone : NULL);
	json_kstr(b, &f, "role", u->role);
	json_key(b, &f, "dateCreated");
	json_ms(b, u->created);
	json_kbool(b, &f, "deleted", u->deleted_at != 0);
	json_key(b, &f, "deletedDate");
	json_ms(b, u->deleted_at);
	buf_putc(b, '}');
}

/* GET core/users?pageSize&cursor: every user, deleted ones too, by id. */
static void
h_users(SimRequest *req, SimResponse *resp)
{
	PageQuery	q = {.kind = USERS_CURSOR};
	const SiroUser *last = NULL;
	int			count = 0;

	if (!param_page_size(req, resp, &q.page_size) || !param_cursor(req, resp, &q))
		return;
	buf_puts(&resp->body, "{\"data\":[");
	for (int i = 0; i < SIRO_NUSERS && count < q.page_size; i++)
	{
		const SiroUser *u = &siro.users[siro.by_uid[i]];

		if (q.has_cursor && strcmp(u->id, q.after_id) <= 0)
			continue;
		if (count++)
			buf_putc(&resp->body, ',');
		write_user(&resp->body, u);
		last = u;
	}
	end_page(&resp->body, &q, count, 0, last ? last->id : "");
}

static const SimRoute siro_routes[] = {
	{"GET", "core/recordings", h_recordings},
	{"GET", "core/recordings/{}", h_recording},
	{"GET", "core/users", h_users},
};

static const SimOption siro_options[] = {
	{"token", &siro_token, "bearer token (default siro-token)"},
	{"per-minute", &siro_per_minute_opt, "requests a minute before 429s (default 1000)"},
};

/* Read the vendor options (exit on a bad one) and build the data set. */
static void
siro_setup(void)
{
	siro_quotas[0].limit = quota_arg("siro", "per-minute", siro_per_minute_opt, 999999999);
	siro_generate();
}

const SimVendor siro_vendor = {
	.name = "siro",
	.prefix = "/api-externalApi/v1/",
	.auth = SIM_AUTH_BEARER,
	.username = &siro_token,
	.realm = "Siro",
	.quotas = siro_quotas,
	.nquotas = sizeof(siro_quotas) / sizeof(siro_quotas[0]),
	.routes = siro_routes,
	.nroutes = sizeof(siro_routes) / sizeof(siro_routes[0]),
	.options = siro_options,
	.noptions = sizeof(siro_options) / sizeof(siro_options[0]),
	.generate = siro_setup,
	.admin = siro_admin,
};
