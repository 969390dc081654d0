/*
 * http.c
 *		The libmicrohttpd request handler: decode the request, route it to
 *		the admin interface or a vendor, apply rate windows, faults and
 *		authentication, answer, and log.
 */
#include "sim.h"
#include "http.h"

#include <ctype.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Per-request state kept by libmicrohttpd between handler calls. */
typedef struct ConnCtx
{
	StrBuf		body;
	char	   *raw_query;		/* the query string as the client sent it */
	bool		started;		/* the access handler has seen the request */
} ConnCtx;

/* Body of a FAULT_RESET response: sent up to "cut", then the connection drops. */
typedef struct ResetBody
{
	StrBuf		body;
	size_t		cut;
} ResetBody;

/* Value of a hex digit, or -1. */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char) tolower((unsigned char) c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Percent-decode s into a new string; '+' becomes a space when plus_space.
 * "%00" stays as it is: a NUL would cut the string short, and an id or a
 * since with junk after a NUL would pass for the part before it.
 */
char *
percent_decode(const char *s, bool plus_space)
{
	char	   *out = malloc(strlen(s) + 1);
	char	   *o = out;

	for (; *s; s++)
	{
		if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0 &&
			hexval(s[1]) + hexval(s[2]) > 0)
		{
			*o++ = (char) (hexval(s[1]) * 16 + hexval(s[2]));
			s += 2;
		}
		else
			*o++ = (plus_space && *s == '+') ? ' ' : *s;
	}
	*o = '\0';
	return out;
}

/*
 * libmicrohttpd would decode the path and arguments itself; keeping them
 * raw lets the log show exactly what the client sent (an id containing "/"
 * must arrive as %2F) and lets us decode '+' the way query strings mean it.
 */
static size_t
keep_raw(void *cls, struct MHD_Connection *c, char *s)
{
	(void) cls;
	(void) c;
	return strlen(s);
}

/* Collect one query argument into the request. */
static enum MHD_Result
collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
			  const char *value)
{
	SimRequest *req = cls;

	(void) kind;
	req->params = realloc(req->params, (req->nparams + 1) * sizeof(SimParam));
	req->params[req->nparams].key = percent_decode(key, true);
	req->params[req->nparams].value = percent_decode(value ? value : "", true);
	req->nparams++;
	return MHD_YES;
}

/* First value of query parameter key, or NULL. */
const char *
req_param(const SimRequest *req, const char *key)
{
	for (int i = 0; i < req->nparams; i++)
		if (strcmp(req->params[i].key, key) == 0)
			return req->params[i].value;
	return NULL;
}

/* How many times query parameter key was given. */
int
req_param_count(const SimRequest *req, const char *key)
{
	int			n = 0;

	for (int i = 0; i < req->nparams; i++)
		n += strcmp(req->params[i].key, key) == 0;
	return n;
}

/* A request header, or NULL. */
const char *
req_header(const SimRequest *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* Add a response header. */
void
resp_header(SimResponse *resp, const char *name, const char *value)
{
	if (resp->nheaders == SIM_MAX_HEADERS)
		return;
	snprintf(resp->headers[resp->nheaders][0], SIM_MAX_HEADER_VALUE, "%s", name);
	snprintf(resp->headers[resp->nheaders][1], SIM_MAX_HEADER_VALUE, "%s", value);
	resp->nheaders++;
}

/*
 * Begin an error answer: the status, an emptied body (whatever a handler
 * wrote before it failed is dropped) and the message formatted into msg,
 * which the caller writes into its vendor's error shape.
 */
void
resp_error_begin(SimResponse *resp, int status, char *msg, size_t msglen,
				 const char *fmt, va_list ap)
{
	vsnprintf(msg, msglen, fmt, ap);
	resp->status = status;
	resp->body.len = 0;
}

/* Answer with status and a JSON error body. */
void
resp_error(SimResponse *resp, int status, const char *error, const char *fmt,...)
{
	char		msg[512];
	va_list		ap;
	bool		first = true;

	va_start(ap, fmt);
	resp_error_begin(resp, status, msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_putc(&resp->body, '{');
	json_kstr(&resp->body, &first, "error", error);
	json_kstr(&resp->body, &first, "message", msg);
	json_kint(&resp->body, &first, "status", status);
	buf_putc(&resp->body, '}');
}

/* Does the request carry the vendor's credentials? */
static bool
authenticated(const SimVendor *v, const SimRequest *req)
{
	if (v->auth == SIM_AUTH_BASIC)
	{
		char	   *pass = NULL;
		char	   *user = MHD_basic_auth_get_username_password(req->conn, &pass);
		bool		ok = user && pass &&
			strcmp(user, *v->username) == 0 && strcmp(pass, *v->password) == 0;

		MHD_free(user);
		MHD_free(pass);
		return ok;
	}
	else
	{
		const char *h = req_header(req, "Authorization");

		return h && strncmp(h, "Bearer ", 7) == 0 && strcmp(h + 7, *v->username) == 0;
	}
}

/*
 * Match path against a route pattern; "{}" at the end captures the rest.
 * Returns the capture (possibly "") through *capture.
 */
static bool
route_matches(const char *pattern, const char *path, const char **capture)
{
	const char *brace = strstr(pattern, "{}");

	*capture = NULL;
	if (brace == NULL)
		return strcmp(pattern, path) == 0;
	if (strncmp(pattern, path, brace - pattern) != 0 || path[brace - pattern] == '\0')
		return false;
	*capture = path + (brace - pattern);
	return true;
}

/* Run the vendor route that matches the request; 404 or 405 otherwise. */
static void
route_vendor(const SimVendor *v, SimRequest *req, SimResponse *resp)
{
	bool		path_known = false;

	for (int i = 0; i < v->nroutes; i++)
	{
		const SimRoute *r = &v->routes[i];
		const char *capture;

		if (!route_matches(r->pattern, req->path, &capture))
			continue;
		path_known = true;
		if (strcmp(r->method, req->method) != 0)
			continue;
		req->capture = capture;
		req->route_arg = r->arg;
		if (r->writes)
			pthread_rwlock_wrlock(&sim_data_lock);
		else
			pthread_rwlock_rdlock(&sim_data_lock);
		r->handler(req, resp);
		pthread_rwlock_unlock(&sim_data_lock);
		return;
	}
	if (path_known)
		resp_error(resp, 405, "Method Not Allowed", "%s is not allowed on %s",
				   req->method, req->raw_path);
	else
		resp_error(resp, 404, "Not Found", "no endpoint %s", req->raw_path);
}

/* Answer a vendor request: queue, faults, auth, then the route. */
static void
serve_vendor(int vi, SimRequest *req, SimResponse *resp, SimFault *fault,
			 int64_t *waited_us)
{
	const SimVendor *v = sim_vendors[vi];

	if (!rate_admit(vi, waited_us, resp))
		return;
	if (fault_take(req->raw_path, fault))
	{
		if (fault->kind == FAULT_LATENCY)
			usleep((useconds_t) fault->latency_ms * 1000);
		if (fault->kind == FAULT_STATUS)
		{
			char		ra[16];

			resp_error(resp, fault->status, "Injected", "fault injected by conv-sim");
			if (fault->retry_after_s >= 0)
			{
				snprintf(ra, sizeof(ra), "%d", fault->retry_after_s);
				resp_header(resp, "Retry-After", ra);
			}
			return;
		}
	}
	if (!authenticated(v, req))
	{
		char		hdr[128];

		resp_error(resp, 401, "Unauthorized", "missing or invalid credentials");
		snprintf(hdr, sizeof(hdr), v->auth == SIM_AUTH_BASIC ?
				 "Basic realm=\"%s\"" : "Bearer realm=\"%s\"", v->realm);
		resp_header(resp, "WWW-Authenticate", hdr);
		return;
	}
	req->path = percent_decode(req->raw_path + strlen(v->prefix), false);
	route_vendor(v, req, resp);
}

/* Stream a FAULT_RESET body: part of it, then an error that drops the connection. */
static ssize_t
reset_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	ResetBody  *rb = cls;
	size_t		n;

	if (pos >= rb->cut)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = rb->cut - pos < max ? rb->cut - pos : max;
	memcpy(out, rb->body.data + pos, n);
	return (ssize_t) n;
}

/* Free a FAULT_RESET body. */
static void
reset_free(void *cls)
{
	ResetBody  *rb = cls;

	buf_free(&rb->body);
	free(rb);
}

/* Turn resp into a libmicrohttpd response, applying a body fault. */
static struct MHD_Response *
make_response(SimResponse *resp, const SimFault *fault, size_t *bytes)
{
	struct MHD_Response *r;
	size_t		half = resp->body.len / 2;

	if (fault && fault->kind == FAULT_RESET)
	{
		ResetBody  *rb = malloc(sizeof(ResetBody));

		rb->body = resp->body;
		rb->cut = half;
		*bytes = half;
		r = MHD_create_response_from_callback(resp->body.len, 4096, reset_reader,
											  rb, reset_free);
	}
	else
	{
		if (fault && fault->kind == FAULT_TRUNCATE)
			resp->body.len = half;
		else if (fault && fault->kind == FAULT_MALFORMED)
		{
			resp->body.len = half;
			buf_puts(&resp->body, "<html><body>502 Bad Gateway</body></html>");
		}
		*bytes = resp->body.len;
		r = MHD_create_response_from_buffer(resp->body.len, resp->body.data,
											MHD_RESPMEM_MUST_FREE);
	}
	resp->body.data = NULL;
	if (resp->content_type)
		MHD_add_response_header(r, "Content-Type", resp->content_type);
	for (int i = 0; i < resp->nheaders; i++)
		MHD_add_response_header(r, resp->headers[i][0], resp->headers[i][1]);
	return r;
}

/* Find the vendor whose URL prefix the path starts with, or -1. */
static int
vendor_for_path(const char *path)
{
	for (int i = 0; i < sim_nvendors; i++)
		if (strncmp(path, sim_vendors[i]->prefix, strlen(sim_vendors[i]->prefix)) == 0)
			return i;
	return -1;
}

/* Build the request, dispatch it, queue the response and log it. */
static enum MHD_Result
answer(struct MHD_Connection *conn, const char *url, const char *method,
	   ConnCtx *ctx)
{
	SimRequest	req = {0};
	SimResponse resp = {0};
	SimFault	fault;
	bool		faulted = false;
	int64_t		waited_us = 0;
	int			vi = vendor_for_path(url);
	const char *vendor_name = "none";
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t		bytes;

	req.method = method;
	req.raw_path = url;
	req.raw_query = ctx->raw_query;
	req.conn = conn;
	req.body = ctx->body.data;
	req.body_len = ctx->body.len;
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_param, &req);
	buf_init(&resp.body, 4096);
	resp.status = 200;
	resp.content_type = "application/json";

	fault.kind = FAULT_STATUS;
	if (strncmp(url, "/_admin/", 8) == 0)
	{
		vendor_name = "admin";
		admin_dispatch(&req, url + 8, &resp);
	}
	else if (vi >= 0)
	{
		vendor_name = sim_vendors[vi]->name;
		serve_vendor(vi, &req, &resp, &fault, &waited_us);
		faulted = resp.status == 200 && fault.kind != FAULT_STATUS &&
			fault.kind != FAULT_LATENCY;
	}
	else
		resp_error(&resp, 404, "Not Found", "no vendor API at %s", url);

	r = make_response(&resp, faulted ? &fault : NULL, &bytes);
	ret = MHD_queue_response(conn, (unsigned) resp.status, r);
	MHD_destroy_response(r);
	reqlog_write(vendor_name, &req, resp.status, bytes, waited_us);

	for (int i = 0; i < req.nparams; i++)
	{
		free(req.params[i].key);
		free(req.params[i].value);
	}
	free(req.params);
	free(req.path);
	return ret;
}

/*
 * libmicrohttpd's URI log callback, called once per request with the
 * request target before it is taken apart: the only place where the query
 * string is still exactly as the client encoded it (libmicrohttpd turns
 * '+' into spaces in the arguments). What it returns is the request's
 * context in the access handler.
 */
static void *
start_request(void *cls, const char *uri, struct MHD_Connection *conn)
{
	ConnCtx    *ctx = malloc(sizeof(ConnCtx));
	const char *query = strchr(uri, '?');

	(void) cls;
	(void) conn;
	buf_init(&ctx->body, 256);
	ctx->raw_query = strdup(query ? query + 1 : "");
	ctx->started = false;
	return ctx;
}

/* libmicrohttpd access handler: gather the body, then answer. */
static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *conn, const char *url,
			   const char *method, const char *version, const char *upload_data,
			   size_t *upload_data_size, void **con_cls)
{
	ConnCtx    *ctx = *con_cls;

	(void) cls;
	(void) version;
	if (ctx == NULL)
		*con_cls = ctx = start_request(NULL, "", conn);
	if (!ctx->started)
	{
		ctx->started = true;
		return MHD_YES;
	}
	if (*upload_data_size > 0)
	{
		if (ctx->body.len + *upload_data_size > 16 * 1024 * 1024)
			return MHD_NO;		/* no admin body is this large */
		buf_putn(&ctx->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return answer(conn, url, method, ctx);
}

/* Free the per-request state when libmicrohttpd is done with it. */
static void
request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
				  enum MHD_RequestTerminationCode toe)
{
	ConnCtx    *ctx = *con_cls;

	(void) cls;
	(void) conn;
	(void) toe;
	if (ctx)
	{
		buf_free(&ctx->body);
		free(ctx->raw_query);
		free(ctx);
		*con_cls = NULL;
	}
}

/*
 * Start a daemon on 127.0.0.1:port (0 = any free port), with TLS when
 * cert and key (PEM text) are given. Returns NULL on failure.
 */
struct MHD_Daemon *
http_start(int port, const char *cert_pem, const char *key_pem)
{
	struct sockaddr_in addr = {0};
	unsigned	flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
		MHD_USE_POLL | MHD_USE_ERROR_LOG;

	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t) port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (cert_pem)
		return MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL,
								access_handler, NULL,
								MHD_OPTION_SOCK_ADDR, &addr,
								MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
								MHD_OPTION_HTTPS_MEM_KEY, key_pem,
								MHD_OPTION_UNESCAPE_CALLBACK, keep_raw, NULL,
								MHD_OPTION_URI_LOG_CALLBACK, start_request, NULL,
								MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL,
								MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) 300,
								MHD_OPTION_END);
	return MHD_start_daemon(flags, 0, NULL, NULL, access_handler, NULL,
							MHD_OPTION_SOCK_ADDR, &addr,
							MHD_OPTION_UNESCAPE_CALLBACK, keep_raw, NULL,
							MHD_OPTION_URI_LOG_CALLBACK, start_request, NULL,
							MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL,
							MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) 300,
							MHD_OPTION_END);
}

/* The port a daemon listens on. */
int
http_port(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);

	return info ? info->port : -1;
}

/* Stop a daemon and close its connections. */
void
http_stop(struct MHD_Daemon *d)
{
	MHD_stop_daemon(d);
}
