/*
 * sim.h
 *		Shared declarations of conv-sim, the vendor API simulator.
 *
 * The core (main.c, http.c, rate.c, fault.c, reqlog.c) knows no vendor by
 * name: each vendor is one file that fills in a SimVendor descriptor (URL
 * prefix, authentication, rate windows, routes, admin operations) and is
 * listed once in sim_vendors[] (vendors.c).
 */
#ifndef CONV_SIM_H
#define CONV_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdarg.h>

struct json_object;				/* json-c, for the admin calls */

/* Microseconds since the Unix epoch, UTC. */
typedef int64_t SimTime;

#define USECS_PER_SEC	INT64_C(1000000)
#define USECS_PER_MIN	(INT64_C(60) * USECS_PER_SEC)
#define USECS_PER_HOUR	(INT64_C(60) * USECS_PER_MIN)
#define USECS_PER_DAY	(INT64_C(24) * USECS_PER_HOUR)

/* ---------- growable byte buffer with a JSON writer (buf.c) ---------- */

typedef struct StrBuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} StrBuf;

extern void buf_init(StrBuf *b, size_t cap);
extern void buf_free(StrBuf *b);
extern void buf_reserve(StrBuf *b, size_t extra);
extern void buf_putn(StrBuf *b, const char *s, size_t n);
extern void buf_puts(StrBuf *b, const char *s);
extern void buf_putc(StrBuf *b, char c);
extern void buf_printf(StrBuf *b, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/*
 * JSON writer: objects and arrays are written by hand with buf_putc; these
 * helpers write one member or value and take care of commas through the
 * "first" flag the caller keeps per nesting level.
 */
extern void json_str(StrBuf *b, const char *s);
extern void json_key(StrBuf *b, bool *first, const char *key);
extern void json_kstr(StrBuf *b, bool *first, const char *key, const char *val);
extern void json_kint(StrBuf *b, bool *first, const char *key, int64_t val);
extern void json_knum(StrBuf *b, bool *first, const char *key, double val);
extern void json_kbool(StrBuf *b, bool *first, const char *key, bool val);
extern void json_knull(StrBuf *b, bool *first, const char *key);
extern void json_ktime(StrBuf *b, bool *first, const char *key, SimTime t,
					   int frac_digits);
extern void json_num(StrBuf *b, double val);
extern void json_sep(StrBuf *b, bool *first);

/* ---------- time (timeutil.c) ---------- */

/* Format t as ISO 8601 UTC with 0, 3 or 6 fractional digits. */
extern void format_time(char *out, size_t outlen, SimTime t, int frac_digits);

/* Format t as ISO 8601 in a fixed UTC offset, e.g. ...-04:00. */
extern void format_time_offset(char *out, size_t outlen, SimTime t,
							   int offset_minutes, int frac_digits);

/*
 * Parse ISO 8601 ("2021-12-31T09:15Z", seconds and fractions optional,
 * Z or +hh:mm offset). Returns false on anything else.
 */
extern bool parse_time(const char *s, SimTime *out);

extern SimTime real_now(void);

/* Offset of timezone tz (e.g. "America/New_York") from UTC at t, in minutes. */
extern int	tz_offset_minutes(const char *tz, SimTime t);

/* ---------- deterministic random numbers (rng.c) ---------- */

typedef struct SimRng
{
	uint64_t	state;
} SimRng;

extern uint64_t mix64(uint64_t x);
extern void rng_seed(SimRng *r, uint64_t seed, uint64_t stream, uint64_t index);
extern uint64_t rng_next(SimRng *r);
extern int	rng_int(SimRng *r, int lo, int hi);	/* inclusive */
extern double rng_double(SimRng *r);	/* [0, 1) */
extern bool rng_chance(SimRng *r, double p);
extern const char *rng_pick(SimRng *r, const char *const *items, int n);
extern void rng_uuid(SimRng *r, char out[37]);
extern void rng_base62(SimRng *r, char *out, int n);
extern void rng_cluster(uint64_t stream, uint64_t salt, int n, int size,
						int max_step, bool (*take) (int i, SimTime t), SimTime t);
extern int	cluster_size(int n);

/* ---------- the request and its response ---------- */

typedef struct SimParam
{
	char	   *key;			/* percent-decoded */
	char	   *value;			/* percent-decoded, '+' as space */
} SimParam;

typedef struct SimRequest
{
	const char *method;
	const char *raw_path;		/* as received, still percent-encoded */
	char	   *path;			/* decoded path below the vendor prefix */
	const char *capture;		/* decoded {id} of the matched route */
	const void *route_arg;		/* the matched route's arg */
	SimParam   *params;
	int			nparams;
	const char *raw_query;		/* as received, for the request log */
	const char *body;			/* request body (admin calls), NUL-ended */
	size_t		body_len;
	struct MHD_Connection *conn;
} SimRequest;

#define SIM_MAX_HEADERS 12
#define SIM_MAX_HEADER_VALUE 4096

typedef struct SimResponse
{
	int			status;
	StrBuf		body;
	const char *content_type;
	/* extra headers: name, value (a Link of five absolute URLs is long) */
	char		headers[SIM_MAX_HEADERS][2][SIM_MAX_HEADER_VALUE];
	int			nheaders;
} SimResponse;

extern const char *req_param(const SimRequest *req, const char *key);
extern int	req_param_count(const SimRequest *req, const char *key);
extern const char *req_header(const SimRequest *req, const char *name);

extern void resp_header(SimResponse *resp, const char *name, const char *value);

/* The start of every error answer: status, empty body, formatted message. */
extern void resp_error_begin(SimResponse *resp, int status, char *msg, size_t msglen,
							 const char *fmt, va_list ap);

/* Set a JSON error body {"error": ..., "message": ...} and the status. */
extern void resp_error(SimResponse *resp, int status, const char *error,
					   const char *fmt,...)
			__attribute__((format(printf, 4, 5)));

/* ---------- vendors ---------- */

typedef void (*SimHandler) (SimRequest *req, SimResponse *resp);

/*
 * A route below the vendor's prefix: "calls", "call/{}" ({} captures the
 * rest of the path, decoded, into req->capture).
 */
typedef struct SimRoute
{
	const char *method;
	const char *pattern;
	SimHandler	handler;
	bool		writes;			/* changes data: runs under the write lock */
	const void *arg;			/* passed to the handler as req->route_arg */
} SimRoute;

typedef enum SimAuthKind
{
	SIM_AUTH_BASIC,				/* Authorization: Basic user:password */
	SIM_AUTH_BEARER				/* Authorization: Bearer token */
} SimAuthKind;

/*
 * A rate window: "per_second" requests a second between start_minute and
 * end_minute of the local day in the vendor's timezone. A window with
 * start == end covers the whole day (the fallback, listed last). Requests
 * above the rate are queued, not rejected, as ExecVision documents.
 */
typedef struct SimRateWindow
{
	int			start_minute;
	int			end_minute;
	double		per_second;
} SimRateWindow;

/*
 * A request quota of a vendor that rejects instead of queueing: at most
 * "limit" requests in each fixed period (a minute, an hour) of real time.
 * A request over any quota is answered 429 with Retry-After (seconds until
 * that period ends) and RateLimit-Limit/-Remaining/-Reset headers.
 */
typedef struct SimRateQuota
{
	int64_t		period_us;
	int			limit;
} SimRateQuota;

/* A command-line option a vendor owns: --<vendor>-<name> VALUE. */
typedef struct SimOption
{
	const char *name;
	char	  **target;
	const char *help;
} SimOption;

typedef struct SimVendor
{
	const char *name;			/* "execvision": also the admin path */
	const char *prefix;			/* "/api/ev/2/" */
	SimAuthKind auth;
	char	  **username;		/* basic auth; or the bearer token */
	char	  **password;
	const char *realm;
	const char *rate_timezone;	/* windows are in this zone's local time */
	const SimRateWindow *windows;	/* queueing vendors */
	int			nwindows;
	const SimRateQuota *quotas; /* rejecting vendors (429) */
	int			nquotas;
	const SimRoute *routes;
	int			nroutes;
	const SimOption *options;
	int			noptions;
	/* build the data set from the global config */
	void		(*generate) (void);
	/*
	 * /_admin/<name>/<path>: change data while running; body is the
	 * request's JSON object ({} when there is none).
	 */
	void		(*admin) (SimRequest *req, const char *path,
						  struct json_object *body, SimResponse *resp);
} SimVendor;

extern const SimVendor *const sim_vendors[];
extern const int sim_nvendors;

/* The "count" of an admin body adding objects: 1 to 100000 (admin.c). */
extern bool admin_count(struct json_object *body, int *count, SimResponse *resp);

/* ---------- global configuration (main.c) ---------- */

typedef struct SimConfig
{
	uint64_t	seed;
	int			calls;			/* size of the main call data set */
	int			users;
	int			days;			/* how far back the data reaches */
	SimTime		anchor;			/* data is generated up to this time */
	double		queue_timeout_s;	/* queued this long: 504 */
	bool		rate_limits;	/* false: no rate windows at all */
	const char *log_path;
} SimConfig;

extern SimConfig sim_config;

/* A vendor's quota option from 1 to max; exits on anything else. */
extern int	quota_arg(const char *vendor, const char *name, const char *val, int max);

/* A reader/writer lock guarding all vendors' data (admin writes). */
extern pthread_rwlock_t sim_data_lock;

/* ---------- clock and rate windows (rate.c) ---------- */

/* The simulated "now": real time plus a settable offset. */
extern SimTime sim_now(void);
extern void sim_set_clock(SimTime t);

extern void rate_init(void);

/*
 * Admit a request to a vendor under its rate window or quotas, sleeping
 * while it is queued. Returns true when the request may proceed; otherwise
 * resp holds the answer (504 once queued for the queue timeout, 429 over
 * a quota).
 */
extern bool rate_admit(int vendor_index, int64_t *waited_us, SimResponse *resp);
extern void rate_status_json(StrBuf *b);

/* ---------- injected faults (fault.c) ---------- */

typedef enum SimFaultKind
{
	FAULT_STATUS,				/* answer with a status code */
	FAULT_LATENCY,				/* delay, then answer normally */
	FAULT_RESET,				/* close the connection mid-body */
	FAULT_TRUNCATE,				/* a complete response whose JSON is cut */
	FAULT_MALFORMED				/* a complete response that is not JSON */
} SimFaultKind;

typedef struct SimFault
{
	SimFaultKind kind;
	char		path[256];		/* exact path, or a prefix ending in '*' */
	int			status;
	int			retry_after_s;	/* -1: no Retry-After header */
	int			latency_ms;
	int			remaining;		/* -1: until cleared */
} SimFault;

/* Take the fault for this path, if any (decrementing its count). */
extern bool fault_take(const char *raw_path, SimFault *out);
extern bool fault_add_json(const char *json, char *err, size_t errlen);
extern void fault_clear(void);
extern void fault_list_json(StrBuf *b);

/* ---------- request log (reqlog.c) ---------- */

extern void reqlog_open(const char *path);
extern void reqlog_write(const char *vendor, const SimRequest *req, int status,
						 size_t bytes, int64_t queue_wait_us);

/* ---------- shared synthetic vocabulary (corpus.c) ---------- */

extern const char *const corpus_first_names[];
extern const int corpus_nfirst_names;
extern const char *const corpus_last_names[];
extern const int corpus_nlast_names;
extern const char *const corpus_companies[];
extern const int corpus_ncompanies;
extern const char *const corpus_sentences[];
extern const int corpus_nsentences;

#endif							/* CONV_SIM_H */
