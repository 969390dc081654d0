/*
 * cresta.c
 *		The Cresta Coaching Service API, as documented in
 *		shared/vendor-docs/cresta-coaching-api.txt, quirks included:
 *
 *		- resources below customers/{customer}/profiles/{profile}/, with a
 *		  bearer token; another customer is 403, another profile 404;
 *		- GET scorecards pages with pageSize (default 50, silently at most
 *		  100) and an opaque pageToken bound to the request's filters, in
 *		  (updateTime, name) order; nextPageToken is omitted on the last
 *		  page, and a full last page is followed by an empty one, "{}";
 *		- the JSON is protobuf's: fields at their default value (false, 0,
 *		  "", [], UNSPECIFIED) are omitted, floats are float32
 *		  (83.333336), times are RFC 3339 UTC with 0, 3 or 6 fractional
 *		  digits; query parameters take camelCase or snake_case names;
 *		- errors are Google API errors: {"error": {"code", "message",
 *		  "status"}};
 *		- at most 10 requests a second, then 429 with Retry-After.
 */
#include "cresta.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CR_DEFAULT_PAGE_SIZE 50
#define CR_MAX_PAGE_SIZE 100

static char *cr_token = "cresta-token";
char	   *cr_customer = "acme";
static char *cr_profile = "default";
static char *cr_per_second_opt = "10";
char		cr_parent[160];

/* Not const: --cresta-per-second sets the limit. */
static SimRateQuota cr_quotas[] = {
	{USECS_PER_SEC, 10},
};

/* ---------- errors, times, numbers ---------- */

/* Answer with a Google API error: {"error": {"code", "message", "status"}}. */
void
cr_error(SimResponse *resp, int status, const char *code, const char *fmt,...)
{
	char		msg[512];
	va_list		ap;
	bool		first = true;
	bool		inner = true;

	va_start(ap, fmt);
	resp_error_begin(resp, status, msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_putc(&resp->body, '{');
	json_key(&resp->body, &first, "error");
	buf_putc(&resp->body, '{');
	json_kint(&resp->body, &inner, "code", status);
	json_kstr(&resp->body, &inner, "message", msg);
	json_kstr(&resp->body, &inner, "status", code);
	buf_puts(&resp->body, "}}");
}

/*
 * Parse an RFC 3339 time as protobuf reads a Timestamp: seconds and a zone
 * (Z or +hh:mm) are required, up to nine fractional digits.
 */
bool
cr_parse_time(const char *s, SimTime *t)
{
	static const char shape[] = "0000-00-00T00:00:00";
	const char *p = s;
	int			frac = 0;

	for (int i = 0; shape[i]; i++, p++)
		if (shape[i] == '0' ? !isdigit((unsigned char) *p) : *p != shape[i])
			return false;
	if (*p == '.')
	{
		for (p++; isdigit((unsigned char) *p); p++)
			frac++;
		if (frac == 0 || frac > 9)
			return false;
	}
	if (!(p[0] == 'Z' && p[1] == '\0') &&
		!((p[0] == '+' || p[0] == '-') && isdigit((unsigned char) p[1]) &&
		  isdigit((unsigned char) p[2]) && p[3] == ':' &&
		  isdigit((unsigned char) p[4]) && isdigit((unsigned char) p[5]) && p[6] == '\0'))
		return false;
	return parse_time(s, t);
}

/* Format t as protobuf writes a Timestamp: UTC, 0, 3 or 6 fractional digits. */
void
cr_format_time(char *out, size_t len, SimTime t)
{
	format_time(out, len, t, t % USECS_PER_SEC == 0 ? 0 : (t % 1000 == 0 ? 3 : 6));
}

/*
 * Format a float as protobuf writes a float32: the fewest significant
 * digits that read back as v, in plain notation (123456790, 0.001), or in
 * exponent notation (1e-7, 3e+22) below 1e-6 and from 1e21. out needs room
 * for 32 bytes.
 */
void
cr_format_float(char *out, size_t len, float v)
{
	char		sci[32];
	char		digits[16];
	int			ndigits = 0,
				exp10;
	size_t		n = 0;

	for (int prec = 0; prec <= 8; prec++)
	{
		snprintf(sci, sizeof(sci), "%.*e", prec, (double) v);
		if ((float) strtod(sci, NULL) == v)
			break;
	}
	/* sci is [-]d[.ddd]e[+-]xx: take its digits and its exponent */
	for (const char *p = sci; *p != 'e'; p++)
		if (isdigit((unsigned char) *p))
			digits[ndigits++] = *p;
	while (ndigits > 1 && digits[ndigits - 1] == '0')
		ndigits--;
	exp10 = atoi(strchr(sci, 'e') + 1);
	if (v != 0 && (fabsf(v) < 1e-6f || fabsf(v) >= 1e21f))
	{
		snprintf(out, len, "%s%c%s%.*se%c%d", v < 0 ? "-" : "", digits[0],
				 ndigits > 1 ? "." : "", ndigits - 1, digits + 1,
				 exp10 < 0 ? '-' : '+', abs(exp10));
		return;
	}
	/* digits[i] is worth 10^(exp10 - i) */
	if (v < 0)
		out[n++] = '-';
	if (exp10 < 0)
	{
		out[n++] = '0';
		out[n++] = '.';
		for (int i = exp10 + 1; i < 0; i++)
			out[n++] = '0';
	}
	for (int i = 0; (i < ndigits || i <= exp10) && n + 2 < len; i++)
	{
		if (i == exp10 + 1 && exp10 >= 0)
			out[n++] = '.';
		out[n++] = i < ndigits ? digits[i] : '0';
	}
	out[n] = '\0';
}

/* Append data in base64 (url: the URL-safe alphabet without padding). */
void
cr_base64(StrBuf *b, const unsigned char *data, size_t len, bool url)
{
	const char *alphabet = url ?
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" :
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	buf_reserve(b, (len + 2) / 3 * 4);
	for (size_t i = 0; i < len; i += 3)
	{
		uint32_t	v = (uint32_t) data[i] << 16;
		int			n = len - i < 3 ? (int) (len - i) : 3;

		if (n > 1)
			v |= (uint32_t) data[i + 1] << 8;
		if (n > 2)
			v |= data[i + 2];
		for (int k = 0; k < 4; k++)
		{
			if (k <= n)
				buf_putc(b, alphabet[(v >> (18 - 6 * k)) & 63]);
			else if (!url)
				buf_putc(b, '=');
		}
	}
}

/* Decode unpadded URL-safe base64 into out; false on anything else. */
static bool
base64url_decode(const char *s, StrBuf *out)
{
	uint32_t	v = 0;
	int			bits = 0;

	for (; *s; s++)
	{
		const char *alphabet =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		const char *pos = strchr(alphabet, *s);

		if (pos == NULL)
			return false;
		v = v << 6 | (uint32_t) (pos - alphabet);
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			buf_putc(out, (char) ((v >> bits) & 0xff));
		}
	}
	/* leftover bits must be the zero padding of a canonical encoding */
	return bits < 6 && (v & ((1u << bits) - 1)) == 0;
}

/* ---------- query parameters ---------- */

/* Write the snake_case spelling of a camelCase name (pageSize: page_size). */
void
cr_snake_case(const char *camel, char *out, size_t len)
{
	size_t		n = 0;

	for (; *camel && n + 2 < len; camel++)
	{
		if (isupper((unsigned char) *camel))
		{
			out[n++] = '_';
			out[n++] = (char) tolower((unsigned char) *camel);
		}
		else
			out[n++] = *camel;
	}
	out[n] = '\0';
}

/*
 * Query parameter name, under its camelCase or its snake_case name, as
 * gateways to gRPC take either. A field given twice is a 400; *value is
 * NULL when it is absent.
 */
static bool
cr_param(const SimRequest *req, SimResponse *resp, const char *name, const char **value)
{
	char		snake[64];

	cr_snake_case(name, snake, sizeof(snake));
	*value = req_param(req, name);
	if (*value == NULL)
		*value = req_param(req, snake);
	if (req_param_count(req, name) + (strcmp(name, snake) != 0 ? req_param_count(req, snake) : 0) > 1)
	{
		cr_error(resp, 400, "INVALID_ARGUMENT", "too many values for field \"%s\"", name);
		return false;
	}
	return true;
}

/* ---------- GET scorecards ---------- */

typedef struct CrListQuery
{
	int			page_size;
	const char *agent;			/* agentUserName, or NULL */
	const char *template;		/* templateName, or NULL */
	SimTime		start_update;	/* inclusive */
	SimTime		end_update;		/* exclusive */
	SimTime		start_submit;
	SimTime		end_submit;
	bool		has_key;		/* a pageToken: resume after (key_time, key_id) */
	SimTime		key_time;
	char		key_id[CR_ID_LEN];
} CrListQuery;

/* The time filters: start inclusive, end exclusive. */
static const struct
{
	const char *name;
	size_t		offset;
	SimTime		absent;
}			time_filters[] = {
	{"startUpdateTime", offsetof(CrListQuery, start_update), INT64_MIN},
	{"endUpdateTime", offsetof(CrListQuery, end_update), INT64_MAX},
	{"startSubmitTime", offsetof(CrListQuery, start_submit), INT64_MIN},
	{"endSubmitTime", offsetof(CrListQuery, end_submit), INT64_MAX},
};

/* Parse pageSize: 0 or absent is the default, more than the maximum is the maximum. */
static bool
param_page_size(const SimRequest *req, SimResponse *resp, int *size)
{
	const char *s;
	char	   *end;
	long		n;

	if (!cr_param(req, resp, "pageSize", &s))
		return false;
	*size = CR_DEFAULT_PAGE_SIZE;
	if (s == NULL)
		return true;
	n = strtol(s, &end, 10);
	if (*s == '\0' || isspace((unsigned char) *s) || *end != '\0' ||
		n < INT32_MIN || n > INT32_MAX)
	{
		cr_error(resp, 400, "INVALID_ARGUMENT", "invalid value for pageSize: \"%s\"", s);
		return false;
	}
	if (n < 0)
	{
		cr_error(resp, 400, "INVALID_ARGUMENT", "page_size must not be negative");
		return false;
	}
	if (n > 0)
		*size = n > CR_MAX_PAGE_SIZE ? CR_MAX_PAGE_SIZE : (int) n;
	return true;
}

/* Parse the filters into q; answer 400 and return false when one is bad. */
static bool
param_filters(const SimRequest *req, SimResponse *resp, CrListQuery *q)
{
	if (!cr_param(req, resp, "agentUserName", &q->agent) ||
		!cr_param(req, resp, "templateName", &q->template))
		return false;
	/* an empty string is a string field's default: no filter */
	if (q->agent && *q->agent == '\0')
		q->agent = NULL;
	if (q->template && *q->template == '\0')
		q->template = NULL;
	for (size_t i = 0; i < sizeof(time_filters) / sizeof(time_filters[0]); i++)
	{
		SimTime    *t = (SimTime *) ((char *) q + time_filters[i].offset);
		const char *s;

		if (!cr_param(req, resp, time_filters[i].name, &s))
			return false;
		*t = time_filters[i].absent;
		if (s != NULL && !cr_parse_time(s, t))
		{
			cr_error(resp, 400, "INVALID_ARGUMENT",
					 "invalid value for %s: \"%s\" is not an RFC 3339 time",
					 time_filters[i].name, s);
			return false;
		}
	}
	if (q->start_update > q->end_update || q->start_submit > q->end_submit)
	{
		cr_error(resp, 400, "INVALID_ARGUMENT", "a start time is after its end time");
		return false;
	}
	return true;
}

/* A hash of the filters: a page token is valid only for the same ones. */
static uint64_t
filters_hash(const CrListQuery *q)
{
	const char *texts[] = {q->agent ? q->agent : "", q->template ? q->template : ""};
	const SimTime times[] = {q->start_update, q->end_update, q->start_submit, q->end_submit};
	uint64_t	h = mix64(sim_config.seed);

	for (int i = 0; i < 2; i++)
	{
		h = mix64(h ^ (uint64_t) (i + 1));
		for (const char *p = texts[i]; *p; p++)
			h = mix64(h ^ (unsigned char) *p);
	}
	for (int i = 0; i < 4; i++)
		h = mix64(h ^ (uint64_t) times[i]);
	return h;
}

/* The check value that makes a page token tamper-evident. */
static uint64_t
token_check(const char *text)
{
	uint64_t	h = UINT64_C(0x43726573746121);

	for (const char *p = text; *p; p++)
		h = mix64(h ^ (unsigned char) *p);
	return h;
}

/*
 * Append the page token that resumes after sc: the position, the filters'
 * hash and a check value, in URL-safe base64.
 */
static void
write_page_token(StrBuf *b, const CrScorecard *sc, uint64_t filters)
{
	char		text[160];
	size_t		n;

	n = snprintf(text, sizeof(text), "%lld.%s.%016llx", (long long) sc->update_time,
				 sc->id, (unsigned long long) filters);
	snprintf(text + n, sizeof(text) - n, ".%016llx", (unsigned long long) token_check(text));
	cr_base64(b, (const unsigned char *) text, strlen(text), true);
}

/*
 * Decode a page token into the position it resumes after and the hash of
 * its filters; false when it is not one this server wrote.
 */
static bool
decode_page_token(const char *token, CrListQuery *q, uint64_t *filters)
{
	StrBuf		text;
	char	   *dot;
	long long	t;
	unsigned long long check,
				hash;
	int			n = 0;
	bool		ok = false;

	buf_init(&text, 128);
	if (base64url_decode(token, &text) && strlen(text.data) == text.len &&
		(dot = strrchr(text.data, '.')) != NULL &&
		sscanf(dot, ".%16llx%n", &check, &n) == 1 && dot[n] == '\0')
	{
		*dot = '\0';
		ok = check == token_check(text.data) &&
			sscanf(text.data, "%lld.%63[a-z0-9-].%16llx%n", &t, q->key_id, &hash, &n) == 3 &&
			text.data[n] == '\0';
	}
	buf_free(&text);
	q->key_time = ok ? t : 0;
	*filters = ok ? hash : 0;
	return ok;
}

/* Read pageToken into q; a malformed one, or one of other filters, is a 400. */
static bool
param_page_token(const SimRequest *req, SimResponse *resp, CrListQuery *q)
{
	const char *s;
	uint64_t	filters;

	if (!cr_param(req, resp, "pageToken", &s))
		return false;
	if (s == NULL || *s == '\0')
		return true;
	if (!decode_page_token(s, q, &filters))
	{
		cr_error(resp, 400, "INVALID_ARGUMENT", "invalid page token");
		return false;
	}
	if (filters != filters_hash(q))
	{
		cr_error(resp, 400, "INVALID_ARGUMENT",
				 "the page token was issued for a request with other filters");
		return false;
	}
	q->has_key = true;
	return true;
}

/* Does sc pass the filters other than startUpdateTime and endUpdateTime? */
static bool
list_matches(const CrScorecard *sc, const CrListQuery *q)
{
	if (q->agent && strcmp(sc->agent_name, q->agent) != 0)
		return false;
	if (q->template && strcmp(sc->template_name, q->template) != 0)
		return false;
	if (q->start_submit != INT64_MIN || q->end_submit != INT64_MAX)
		return sc->submit_time != 0 && sc->submit_time >= q->start_submit &&
			sc->submit_time < q->end_submit;
	return true;
}

/*
 * The first position of the list order after (t, id), or at it when
 * inclusive.
 */
static int
list_position(SimTime t, const char *id, bool inclusive)
{
	CrScorecard key;
	int			lo = 0,
				hi = cr.count;

	key.update_time = t;
	snprintf(key.id, sizeof(key.id), "%s", id);
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = cr_cmp_update(cr.by_update[mid], &key);

		if (c < 0 || (c == 0 && !inclusive))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Where a page starts: at startUpdateTime, or after the page token's position. */
static int
list_start(const CrListQuery *q)
{
	int			start = list_position(q->start_update, "", true);

	if (q->has_key)
	{
		int			after = list_position(q->key_time, q->key_id, false);

		if (after > start)
			start = after;
	}
	return start;
}

/* GET scorecards: a page of the filtered list. */
static void
list_scorecards(SimRequest *req, SimResponse *resp)
{
	CrListQuery q = {0};
	StrBuf	   *b = &resp->body;
	const CrScorecard *last = NULL;
	int			n = 0;

	if (!param_page_size(req, resp, &q.page_size) || !param_filters(req, resp, &q) ||
		!param_page_token(req, resp, &q))
		return;
	buf_putc(b, '{');
	for (int i = list_start(&q); i < cr.count && n < q.page_size; i++)
	{
		const CrScorecard *sc = cr.by_update[i];

		if (sc->update_time >= q.end_update)
			break;
		if (!list_matches(sc, &q))
			continue;
		buf_puts(b, n == 0 ? "\"scorecards\":[" : ",");
		cr_write_scorecard(b, sc);
		last = sc;
		n++;
	}
	if (n > 0)
		buf_putc(b, ']');
	/* a full page has a next page, even when it will be empty */
	if (n == q.page_size)
	{
		buf_puts(b, ",\"nextPageToken\":\"");
		write_page_token(b, last, filters_hash(&q));
		buf_putc(b, '"');
	}
	buf_putc(b, '}');
}

/* ---------- routing ---------- */

/* An endpoint below customers/{c}/profiles/{p}/. */
typedef struct CrEndpoint
{
	const char *collection;
	const char *method;
	SimHandler	handler;
} CrEndpoint;

static const CrEndpoint cr_endpoints[] = {
	{"scorecards", "GET", list_scorecards},
	{"scorecards", "POST", cr_create_scorecard},
	{"scorecards:export", "POST", cr_export},
	{"targets", "POST", cr_create_target},
};

#define CR_NENDPOINTS ((int) (sizeof(cr_endpoints) / sizeof(cr_endpoints[0])))

/*
 * Split "<customer>/profiles/<profile>/<collection>" into its parts (each
 * NUL-ended in buf); false when the path has another shape.
 */
static bool
split_path(const char *path, char *buf, size_t len, char **customer,
		   char **profile, char **collection)
{
	char	   *slash;

	snprintf(buf, len, "%s", path);
	*customer = buf;
	if ((slash = strchr(buf, '/')) == NULL || strncmp(slash, "/profiles/", 10) != 0)
		return false;
	*slash = '\0';
	*profile = slash + 10;
	if ((slash = strchr(*profile, '/')) == NULL)
		return false;
	*slash = '\0';
	*collection = slash + 1;
	return **customer && **profile && **collection && strchr(*collection, '/') == NULL;
}

/*
 * Every request below the prefix: route it by its collection and method,
 * then check that it is for our customer (403 otherwise, as for a resource
 * the token may not see) and profile (404).
 */
static void
cr_dispatch(SimRequest *req, SimResponse *resp)
{
	char		buf[1024];
	char	   *customer,
			   *profile,
			   *collection;
	const CrEndpoint *match = NULL;
	char		allow[64] = "";

	if (!split_path(req->capture, buf, sizeof(buf), &customer, &profile, &collection))
	{
		cr_error(resp, 404, "NOT_FOUND", "no endpoint %s", req->raw_path);
		return;
	}
	for (int i = 0; i < CR_NENDPOINTS; i++)
	{
		if (strcmp(cr_endpoints[i].collection, collection) != 0)
			continue;
		snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow), "%s%s",
				 allow[0] ? ", " : "", cr_endpoints[i].method);
		if (strcmp(cr_endpoints[i].method, req->method) == 0)
			match = &cr_endpoints[i];
	}
	if (allow[0] == '\0')
		cr_error(resp, 404, "NOT_FOUND", "no endpoint %s", req->raw_path);
	else if (match == NULL)
	{
		cr_error(resp, 405, "UNIMPLEMENTED", "method %s is not allowed on %s",
				 req->method, req->raw_path);
		resp_header(resp, "Allow", allow);
	}
	else if (strcmp(customer, cr_customer) != 0)
		cr_error(resp, 403, "PERMISSION_DENIED",
				 "permission denied on resource customers/%s (or it may not exist)", customer);
	else if (strcmp(profile, cr_profile) != 0)
		cr_error(resp, 404, "NOT_FOUND", "customers/%s/profiles/%s not found",
				 customer, profile);
	else
		match->handler(req, resp);
}

static const SimRoute cr_routes[] = {
	{"GET", "{}", cr_dispatch},
	{"POST", "{}", cr_dispatch, true},
	{"PUT", "{}", cr_dispatch},
	{"PATCH", "{}", cr_dispatch},
	{"DELETE", "{}", cr_dispatch},
};

static const SimOption cr_options[] = {
	{"token", &cr_token, "bearer token (default cresta-token)"},
	{"customer", &cr_customer, "the customer id of the token (default acme)"},
	{"profile", &cr_profile, "the profile id (default default)"},
	{"per-second", &cr_per_second_opt, "requests a second before 429 (default 10)"},
};

/* Is s a resource id we can put into names: nonempty, no '/'? */
static bool
valid_id(const char *s)
{
	return *s != '\0' && strchr(s, '/') == NULL && strlen(s) < 64;
}

/* Read the vendor options (exit on a bad one) and build the data set. */
static void
cr_setup(void)
{
	cr_quotas[0].limit = quota_arg("cresta", "per-second", cr_per_second_opt, 1000000);
	if (!valid_id(cr_customer) || !valid_id(cr_profile))
	{
		fprintf(stderr, "conv-sim: --cresta-customer and --cresta-profile need ids without '/'\n");
		exit(2);
	}
	snprintf(cr_parent, sizeof(cr_parent), "customers/%s/profiles/%s", cr_customer, cr_profile);
	cr_generate();
}

const SimVendor cresta_vendor = {
	.name = "cresta",
	.prefix = "/v1/customers/",
	.auth = SIM_AUTH_BEARER,
	.username = &cr_token,
	.realm = "Cresta",
	.quotas = cr_quotas,
	.nquotas = 1,
	.routes = cr_routes,
	.nroutes = sizeof(cr_routes) / sizeof(cr_routes[0]),
	.options = cr_options,
	.noptions = sizeof(cr_options) / sizeof(cr_options[0]),
	.generate = cr_setup,
	.admin = cr_admin,
};
