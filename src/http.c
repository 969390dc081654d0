/*-------------------------------------------------------------------------
 *
 * http.c
 *		  The HTTP layer of conv_fdw: GET requests to vendor APIs through
 *		  libcurl, with retries, waiting on the backend's latch.
 *
 * Each backend has one libcurl multi handle and one easy handle, created on
 * first use and kept for the backend's life, so that keep-alive connections
 * are reused across pages and queries.  A transfer is driven with
 * curl_multi_socket_action: libcurl's callbacks say which sockets to watch
 * and when its timer expires, and we wait for those in a WaitEventSet that
 * also holds MyLatch.  That is what lets query cancel and statement_timeout
 * stop a transfer at once.
 *
 * libcurl's callbacks never raise errors nor palloc: a longjmp through
 * libcurl would corrupt its state.  They only record what happened (the
 * sockets, the timer, the body in malloc'd memory, a failure flag), and the
 * code that called into libcurl reports it once libcurl has returned.  If
 * an error (or a cancel) is raised during a request, the PG_FINALLY of
 * conv_http_get detaches the easy handle and frees what the request holds
 * outside of palloc, so the next request of the backend works.
 *
 * Credentials go to libcurl only (the HTTP Basic options, or an
 * Authorization header).  No message built here contains them, and a
 * vendor's error text shown in errdetail has them masked.
 *
 * src/http.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "common/base64.h"
#include "common/pg_prng.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/wait_event.h"

#include "conv_fdw.h"

/* the largest body a StringInfo can hold (it adds a terminating NUL) */
#define MAX_BODY_SIZE		((size_t) MaxAllocSize - 1)

/* first allocation for a response body */
#define MIN_BODY_ALLOC		(64 * 1024)

/* retries: full jitter over 250 ms * 2^n, at most 30 s; Retry-After <= 300 s */
#define BACKOFF_BASE_MS		250
#define BACKOFF_CAP_MS		30000
#define RETRY_AFTER_CAP_S	300

/* how much of a vendor's error response errdetail shows, and scans for it */
#define EXCERPT_BYTES		300
#define EXCERPT_SCAN_BYTES	4096

/*
 * Sockets libcurl may ask us to watch at once.  A transfer uses at most a
 * handful (libcurl's MAX_SOCKSPEREASYHANDLE is 5), and we run one.
 */
#define MAX_WATCHED			16

/* A socket libcurl asked us to watch, and for what (CURL_POLL_*). */
typedef struct WatchedSocket
{
	curl_socket_t fd;
	int			what;
} WatchedSocket;

/*
 * A response body.  It lives in malloc'd memory so that the write callback
 * can grow it without raising errors, and it is kept NUL-terminated.
 */
typedef struct ResponseBody
{
	char	   *data;
	size_t		len;
	size_t		size;			/* allocated */
	bool		too_large;		/* the callback stopped at MAX_BODY_SIZE */
	bool		out_of_memory;	/* the callback could not grow data */
} ResponseBody;

/* One request to a vendor, and the outcome of its latest attempt. */
typedef struct HttpRequest
{
	const ConvServer *server;
	const char *method;			/* "GET" or "POST" */
	const char *json_body;		/* what a POST sends */
	char	   *url;			/* without credentials: fit for messages */
	struct curl_slist *headers; /* malloc'd by libcurl */
	ResponseBody body;
	ResponseBody head;			/* the response's header lines */
	bool		attached;		/* the easy handle is in the multi handle */
	int			attempts;
	CURLcode	result;			/* transport outcome */
	long		status;			/* HTTP status; meaningful if CURLE_OK */
	curl_off_t	retry_after;	/* Retry-After in seconds, 0 if none */
	char		errbuf[CURL_ERROR_SIZE];	/* libcurl's error text */
} HttpRequest;

/* The backend's libcurl handles, created on first use. */
static CURLM *multi = NULL;
static CURL *easy = NULL;

/* What libcurl's socket and timer callbacks asked for. */
static WatchedSocket watched[MAX_WATCHED];
static int	nwatched = 0;
static bool watch_overflow = false;
static int64 timer_deadline_us = -1;	/* on now_us()'s clock; -1: none */

/*
 * Set an option of the easy handle.  A failure (out of memory, an option
 * this libcurl lacks) must not go unnoticed: several options are security
 * settings.  Only the option's name is reported, never its value.
 */
#define SET_OPTION(option, value) \
	do { \
		CURLcode	rc_ = curl_easy_setopt(easy, option, value); \
		if (rc_ != CURLE_OK) \
			report_option_failure(#option, rc_); \
	} while (0)

static void report_option_failure(const char *option, CURLcode rc) pg_attribute_noreturn();
static void report_multi_failure(const char *what) pg_attribute_noreturn();
static void report_transport_failure(const HttpRequest *req) pg_attribute_noreturn();
static void report_redirect(const HttpRequest *req) pg_attribute_noreturn();
static void report_http_failure(const HttpRequest *req) pg_attribute_noreturn();
static void report_failure(const HttpRequest *req) pg_attribute_noreturn();


/* A monotonic clock in microseconds, for libcurl's timer and our sleeps. */
static int64
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* libcurl socket callback: record which sockets to wait for, and for what. */
static int
socket_callback(CURL *handle, curl_socket_t fd, int what, void *clientp,
				void *socketp)
{
	int			i;

	for (i = 0; i < nwatched; i++)
		if (watched[i].fd == fd)
			break;

	if (what == CURL_POLL_REMOVE)
	{
		if (i < nwatched)
			watched[i] = watched[--nwatched];
		return 0;
	}
	if (i == nwatched)
	{
		/* reported by socket_action; returning -1 would kill the handle */
		if (nwatched == MAX_WATCHED)
		{
			watch_overflow = true;
			return 0;
		}
		nwatched++;
	}
	watched[i].fd = fd;
	watched[i].what = what;
	return 0;
}

/* libcurl timer callback: record when libcurl wants its timeout action. */
static int
timer_callback(CURLM *handle, long timeout_ms, void *clientp)
{
	timer_deadline_us = timeout_ms < 0 ? -1 : now_us() + (int64) timeout_ms * 1000;
	return 0;
}

/*
 * libcurl write callback: append to the response body.  Returning less than
 * was given makes libcurl abort the transfer with CURLE_WRITE_ERROR; the
 * flags tell the caller why.
 */
static size_t
write_callback(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	ResponseBody *body = (ResponseBody *) userdata;
	size_t		n = size * nmemb;

	if (n > MAX_BODY_SIZE - body->len)
	{
		body->too_large = true;
		return 0;
	}
	if (body->len + n + 1 > body->size)
	{
		size_t		newsize = Max(body->size, MIN_BODY_ALLOC);
		char	   *newdata;

		while (newsize < body->len + n + 1)
			newsize *= 2;
		newsize = Min(newsize, MAX_BODY_SIZE + 1);
		newdata = realloc(body->data, newsize);
		if (newdata == NULL)
		{
			body->out_of_memory = true;
			return 0;
		}
		body->data = newdata;
		body->size = newsize;
	}
	memcpy(body->data + body->len, ptr, n);
	body->len += n;
	body->data[body->len] = '\0';
	return n;
}

/* Create the backend's libcurl handles on first use. */
static void
http_init(void)
{
	if (multi == NULL)
	{
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
			(multi = curl_multi_init()) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not initialize libcurl")));
		curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, socket_callback);
		curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_callback);
	}
	if (easy == NULL && (easy = curl_easy_init()) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create a libcurl handle")));
}

/* Report that a libcurl option could not be set. */
static void
report_option_failure(const char *option, CURLcode rc)
{
	ereport(ERROR,
			(errcode(ERRCODE_FDW_ERROR),
			 errmsg("could not set libcurl option %s: %s",
					option, curl_easy_strerror(rc))));
}

/* Report a failure of libcurl's multi interface. */
static void
report_multi_failure(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_FDW_ERROR),
			 errmsg("libcurl failed: %s", what)));
}

/*
 * Raise an error before anything is sent if the user mapping lacks the
 * credentials the vendor needs.
 */
static void
check_credentials(const ConvServer *server)
{
	if (server->vendor->auth == CONV_AUTH_BASIC &&
		(server->username == NULL || server->password == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 errmsg("no username and password for server \"%s\"",
						server->servername),
				 errhint("Set options username and password in the user mapping for server \"%s\".",
						 server->servername)));
	if (server->vendor->auth == CONV_AUTH_BEARER && server->token == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 errmsg("no token for server \"%s\"", server->servername),
				 errhint("Set option token in the user mapping for server \"%s\".",
						 server->servername)));
}

/*
 * Refuse a URL that would send credentials in clear text (plain http to a
 * host that is not loopback) or that carries a user name or password
 * itself.  The validator checked base_url already; this guards whatever
 * reached the catalog otherwise.  The URL is parsed by libcurl, the parser
 * that will connect, and is not shown: it may be the very problem.
 */
static void
check_url(const char *url, const ConvServer *server)
{
	CURLU	   *parsed = curl_url();
	char	   *scheme = NULL;
	char	   *host = NULL;
	bool		ok;

	if (parsed == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	ok = curl_url_set(parsed, CURLUPART_URL, url, CURLU_DISALLOW_USER) == CURLUE_OK &&
		curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		curl_url_get(parsed, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
		(strcmp(scheme, "https") == 0 ||
		 (strcmp(scheme, "http") == 0 && conv_host_is_loopback(host)));
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(parsed);

	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 errmsg("conv_fdw refuses the request URL of server \"%s\"",
						server->servername),
				 errdetail("A request URL must use https, or plain http to a loopback host, and carry no user name or password."),
				 errhint("Check server option base_url.")));
}

/* Append a header line to the request's list. */
static void
add_header(HttpRequest *req, const char *line)
{
	struct curl_slist *headers = curl_slist_append(req->headers, line);

	/* on failure the old list is intact, and freed by release_request */
	if (headers == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	req->headers = headers;
}

/* Set the options about where and how to connect. */
static void
set_connection_options(HttpRequest *req)
{
	const ConvServer *server = req->server;

	SET_OPTION(CURLOPT_URL, req->url);
	SET_OPTION(CURLOPT_PROTOCOLS_STR, "http,https");
	/* a redirect could take the credentials to another host */
	SET_OPTION(CURLOPT_FOLLOWLOCATION, 0L);
	SET_OPTION(CURLOPT_DISALLOW_USERNAME_IN_URL, 1L);
	SET_OPTION(CURLOPT_SSL_VERIFYPEER, 1L);
	SET_OPTION(CURLOPT_SSL_VERIFYHOST, 2L);
	if (server->ca_file != NULL)
		SET_OPTION(CURLOPT_CAINFO, server->ca_file);
	/* an environment's proxy must not see requests to loopback */
	SET_OPTION(CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
	SET_OPTION(CURLOPT_CONNECTTIMEOUT_MS, (long) server->connect_timeout_ms);
	SET_OPTION(CURLOPT_TIMEOUT_MS, (long) server->timeout_ms);
	/* libcurl's timeouts must not use signals: SIGALRM is PostgreSQL's */
	SET_OPTION(CURLOPT_NOSIGNAL, 1L);
}

/* Set the options about the request's headers and the response. */
static void
set_request_options(HttpRequest *req)
{
	const ConvServer *server = req->server;

	add_header(req, "Accept: application/json");
	if (req->json_body != NULL)
	{
		add_header(req, "Content-Type: application/json");
		SET_OPTION(CURLOPT_POSTFIELDS, req->json_body);
	}
	if (server->vendor->auth == CONV_AUTH_BEARER)
	{
		char	   *line = psprintf("Authorization: Bearer %s", server->token);

		add_header(req, line);
		explicit_bzero(line, strlen(line));
		pfree(line);
	}
	else
	{
		SET_OPTION(CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
		SET_OPTION(CURLOPT_USERNAME, server->username);
		SET_OPTION(CURLOPT_PASSWORD, server->password);
	}
	SET_OPTION(CURLOPT_HTTPHEADER, req->headers);
	if (conv_fdw_user_agent != NULL)
		SET_OPTION(CURLOPT_USERAGENT, conv_fdw_user_agent);
	/* "": every encoding this libcurl can decode, gzip among them */
	SET_OPTION(CURLOPT_ACCEPT_ENCODING, "");
	SET_OPTION(CURLOPT_WRITEFUNCTION, write_callback);
	SET_OPTION(CURLOPT_WRITEDATA, &req->body);
	/* header lines arrive one per call, just as body data does */
	SET_OPTION(CURLOPT_HEADERFUNCTION, write_callback);
	SET_OPTION(CURLOPT_HEADERDATA, &req->head);
	SET_OPTION(CURLOPT_ERRORBUFFER, req->errbuf);
}

/*
 * Release what a request holds outside of palloc.  Runs after success and
 * after an error (a cancel included), so it must not raise one.
 */
static void
release_request(HttpRequest *req)
{
	if (req->attached)
	{
		/* abandons an unfinished transfer and closes its connection */
		curl_multi_remove_handle(multi, easy);
		req->attached = false;
	}
	/* libcurl watches no sockets while no transfer is attached */
	nwatched = 0;
	watch_overflow = false;
	/* forget the credentials, and the pointers into memory freed here */
	curl_easy_reset(easy);
	curl_slist_free_all(req->headers);
	req->headers = NULL;
	free(req->body.data);
	req->body.data = NULL;
	free(req->head.data);
	req->head.data = NULL;
}

/* Let libcurl act on a ready socket, or on its timer (CURL_SOCKET_TIMEOUT). */
static void
socket_action(curl_socket_t fd, int flags)
{
	int			running;
	CURLMcode	rc = curl_multi_socket_action(multi, fd, flags, &running);

	if (rc != CURLM_OK)
		report_multi_failure(curl_multi_strerror(rc));
	if (watch_overflow)
		report_multi_failure("too many sockets to watch");
}

/* Milliseconds until libcurl's timer expires, rounded up; -1 if none. */
static long
timer_timeout_ms(void)
{
	int64		left;

	if (timer_deadline_us < 0)
		return -1;
	left = timer_deadline_us - now_us();
	return left <= 0 ? 0 : (long) ((left + 999) / 1000);
}

/*
 * Wait for MyLatch, postmaster death, or one of libcurl's sockets, at most
 * timeout ms (-1: no limit).  Returns the number of events, 0 on timeout.
 */
static int
wait_for_events(WaitEvent *events, long timeout)
{
	WaitEventSet *set = CreateWaitEventSet(CurrentMemoryContext, nwatched + 2);
	int			nevents;
	int			i;

	AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	/* as WaitLatchOrSocket does: there is no postmaster in single-user mode */
	if (IsUnderPostmaster)
		AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	for (i = 0; i < nwatched; i++)
		AddWaitEventToSet(set,
						  ((watched[i].what & CURL_POLL_IN) ? WL_SOCKET_READABLE : 0) |
						  ((watched[i].what & CURL_POLL_OUT) ? WL_SOCKET_WRITEABLE : 0),
						  watched[i].fd, NULL, NULL);
	nevents = WaitEventSetWait(set, timeout, events, nwatched + 2,
							   PG_WAIT_EXTENSION);
	FreeWaitEventSet(set);
	return nevents;
}

/*
 * Wait for what libcurl waits for, or for an interrupt, and let libcurl act
 * on what happened.  Interrupts are served first, so that a cancel is not
 * delayed by a busy transfer.
 */
static void
wait_and_act(void)
{
	WaitEvent	events[MAX_WATCHED + 2];
	long		timeout = timer_timeout_ms();
	int			nevents;
	int			i;

	CHECK_FOR_INTERRUPTS();
	nevents = timeout == 0 ? 0 : wait_for_events(events, timeout);

	for (i = 0; i < nevents; i++)
	{
		if (events[i].events & WL_LATCH_SET)
		{
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}
	}
	if (nevents == 0)
	{
		/* the timer is one-shot: libcurl sets it again if it needs it */
		timer_deadline_us = -1;
		socket_action(CURL_SOCKET_TIMEOUT, 0);
	}
	for (i = 0; i < nevents; i++)
	{
		int			flags = 0;

		if (events[i].events & WL_SOCKET_READABLE)
			flags |= CURL_CSELECT_IN;
		if (events[i].events & WL_SOCKET_WRITEABLE)
			flags |= CURL_CSELECT_OUT;
		if (flags != 0)
			socket_action(events[i].fd, flags);
	}
}

/* Drive the attached transfer until libcurl says it is done. */
static CURLcode
run_transfer(void)
{
	for (;;)
	{
		CURLMsg    *msg;
		int			queued;

		while ((msg = curl_multi_info_read(multi, &queued)) != NULL)
		{
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy)
				return msg->data.result;
		}
		wait_and_act();
	}
}

/* Send the request once and receive the whole response into req. */
static void
perform_attempt(HttpRequest *req)
{
	CURLMcode	rc;

	req->attempts++;
	req->body.len = 0;
	req->body.too_large = false;
	req->body.out_of_memory = false;
	req->head.len = 0;
	req->errbuf[0] = '\0';

	rc = curl_multi_add_handle(multi, easy);
	if (rc != CURLM_OK)
		report_multi_failure(curl_multi_strerror(rc));
	req->attached = true;
	req->result = run_transfer();
	curl_multi_remove_handle(multi, easy);
	req->attached = false;

	req->status = 0;
	req->retry_after = 0;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &req->status);
	curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &req->retry_after);

	if (req->body.out_of_memory || req->head.out_of_memory)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while receiving the response to %s %s",
						req->method, req->url)));
	if (req->body.too_large || req->head.too_large)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("response to %s %s on server \"%s\" is too large",
						req->method, req->url, req->server->servername),
				 errdetail("conv_fdw reads responses of up to %zu bytes.",
						   MAX_BODY_SIZE)));
}

/* Is the outcome of the latest attempt worth another attempt? */
static bool
is_retryable(const HttpRequest *req)
{
	/*
	 * A POST that may have reached the vendor is not sent again: it would
	 * create a second object.  429 and 503 say it was not served.
	 */
	if (req->json_body != NULL)
		return (req->result == CURLE_OK &&
				(req->status == 429 || req->status == 503)) ||
			req->result == CURLE_COULDNT_CONNECT;
	switch (req->result)
	{
		case CURLE_OK:
			return req->status == 429 ||
				(req->status >= 500 && req->status < 600);
		case CURLE_OPERATION_TIMEDOUT:
		case CURLE_COULDNT_CONNECT:
		case CURLE_PARTIAL_FILE:
		case CURLE_GOT_NOTHING:
		case CURLE_SEND_ERROR:
		case CURLE_RECV_ERROR:
			return true;
		default:
			return false;
	}
}

/*
 * How long to wait before the next attempt: the vendor's Retry-After on a
 * 429 or 503, else exponential backoff with full jitter (a random wait up
 * to the backoff, so that backends that failed together spread out).
 */
static long
retry_delay_ms(const HttpRequest *req)
{
	long		ceiling = BACKOFF_BASE_MS;
	int			i;

	if (req->result == CURLE_OK &&
		(req->status == 429 || req->status == 503) && req->retry_after > 0)
		return (long) Min(req->retry_after, RETRY_AFTER_CAP_S) * 1000;

	for (i = 1; i < req->attempts && ceiling < BACKOFF_CAP_MS; i++)
		ceiling *= 2;
	ceiling = Min(ceiling, BACKOFF_CAP_MS);
	return (long) (pg_prng_double(&pg_global_prng_state) * ceiling);
}

/* Sleep between attempts, waking for query cancel and statement_timeout. */
static void
sleep_ms(long ms)
{
	int64		end = now_us() + (int64) ms * 1000;
	int64		left;

	while ((left = end - now_us()) > 0)
	{
		int			rc = WaitLatch(MyLatch,
								   WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
								   (long) ((left + 999) / 1000),
								   PG_WAIT_EXTENSION);

		if (rc & WL_LATCH_SET)
		{
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}
	}
}

/* Copy a response body or its headers into the caller's StringInfo. */
static void
copy_body(const ResponseBody *from, StringInfo to)
{
	resetStringInfo(to);
	if (from->len == 0)
		return;
	enlargeStringInfo(to, (int) from->len);
	memcpy(to->data, from->data, from->len);
	to->len = (int) from->len;
	to->data[to->len] = '\0';
}

/*
 * Did the vendor answer 429 or 503 with Retry-After?  Then the whole
 * server's rate budget pauses, for every session.
 */
static bool
vendor_asked_to_wait(const HttpRequest *req)
{
	return req->result == CURLE_OK && (req->status == 429 || req->status == 503) &&
		req->retry_after > 0;
}

/*
 * Send the request, retrying as server option max_retries allows.  Returns
 * true for a 2xx response, false for a 404 when missing_ok; raises an
 * error otherwise.
 */
static bool
run_request(HttpRequest *req, bool missing_ok, StringInfo body,
			StringInfo headers, ConvScanStats *stats)
{
	for (;;)
	{
		long		delay;

		stats->rate_wait_ms += conv_rate_acquire(req->server);
		stats->requests++;
		perform_attempt(req);
		if (req->result == CURLE_OK && req->status >= 200 && req->status < 300)
		{
			copy_body(&req->body, body);
			if (headers != NULL)
				copy_body(&req->head, headers);
			stats->pages++;
			stats->bytes += req->body.len;
			return true;
		}
		if (req->result == CURLE_OK && req->status == 404 && missing_ok)
		{
			resetStringInfo(body);
			return false;
		}
		/* the vendor asks everyone to wait, whether or not we retry */
		delay = retry_delay_ms(req);
		if (vendor_asked_to_wait(req))
			conv_rate_throttle(req->server, delay);
		if (!is_retryable(req) || req->attempts > req->server->max_retries)
			report_failure(req);

		stats->retries++;
		elog(DEBUG1, "conv_fdw: %s %s: %s; retry %d of %d in %ld ms",
			 req->method, req->url,
			 req->result != CURLE_OK ? curl_easy_strerror(req->result) :
			 psprintf("HTTP status %ld", req->status),
			 req->attempts, req->server->max_retries, delay);
		/* a pause of the server's budget delays the retry's slot already */
		if (!vendor_asked_to_wait(req))
			sleep_ms(delay);
	}
}

/*
 * Append text as one line of printable text: runs of whitespace and control
 * characters become one space, and a byte that is not part of valid UTF-8
 * (or any non-ASCII byte, if the database encoding is not UTF-8) becomes
 * '?'.  A vendor's text may be anything; a message must be valid text.
 */
static void
append_printable(StringInfo buf, const char *text, size_t len)
{
	bool		utf8 = GetDatabaseEncoding() == PG_UTF8;
	size_t		i = 0;

	while (i < len)
	{
		const unsigned char *c = (const unsigned char *) text + i;
		int			n = 1;

		if (*c <= ' ' || *c == 0x7f)
		{
			if (buf->len > 0 && buf->data[buf->len - 1] != ' ')
				appendStringInfoChar(buf, ' ');
		}
		else if (*c < 0x80)
			appendStringInfoChar(buf, (char) *c);
		else if (utf8 && (size_t) (n = pg_utf_mblen(c)) <= len - i &&
				 pg_utf8_islegal(c, n))
			appendBinaryStringInfo(buf, (const char *) c, n);
		else
		{
			n = 1;
			appendStringInfoChar(buf, '?');
		}
		i += n;
	}
	if (buf->len > 0 && buf->data[buf->len - 1] == ' ')
		buf->data[--buf->len] = '\0';
}

/* Overwrite every occurrence of secret in buf with asterisks. */
static void
mask_secret(StringInfo buf, const char *secret)
{
	size_t		n;
	char	   *p;

	if (secret == NULL || secret[0] == '\0')
		return;
	n = strlen(secret);
	for (p = strstr(buf->data, secret); p != NULL; p = strstr(p + n, secret))
		memset(p, '*', n);
}

/* Mask the HTTP Basic form of the credentials (base64 of user:password). */
static void
mask_basic_credentials(StringInfo buf, const ConvServer *server)
{
	char	   *plain;
	int			plain_len;
	char	   *encoded;
	int			encoded_size;

	if (server->username == NULL || server->password == NULL)
		return;
	plain = psprintf("%s:%s", server->username, server->password);
	plain_len = strlen(plain);
	encoded_size = pg_b64_enc_len(plain_len);
	encoded = palloc0(encoded_size + 1);
	if (pg_b64_encode(plain, plain_len, encoded, encoded_size) > 0)
		mask_secret(buf, encoded);
	explicit_bzero(plain, plain_len);
	explicit_bzero(encoded, encoded_size);
	pfree(plain);
	pfree(encoded);
}

/*
 * Vendor-supplied text (an error message, a redirect target) made fit for
 * errdetail: one printable line of at most EXCERPT_BYTES bytes, with the
 * user mapping's secrets masked, since a vendor may echo one back.
 */
static char *
vendor_text(const char *text, size_t len, const ConvServer *server)
{
	StringInfoData buf;

	initStringInfo(&buf);
	append_printable(&buf, text, Min(len, EXCERPT_SCAN_BYTES));
	/* the longest first: masking a part of it would keep the rest */
	mask_basic_credentials(&buf, server);
	mask_secret(&buf, server->password);
	mask_secret(&buf, server->token);
	if (buf.len > EXCERPT_BYTES)
	{
		buf.len = pg_mbcliplen(buf.data, buf.len, EXCERPT_BYTES);
		buf.data[buf.len] = '\0';
		appendStringInfoString(&buf, "...");
	}
	return buf.data;
}

/*
 * The start of a vendor's error response for errdetail: its JSON "message"
 * if it has one (the usual {"error": ..., "message": ...}), else its raw
 * text.  NULL if it is empty.
 */
static char *
response_excerpt(const HttpRequest *req)
{
	struct json_object *root;
	struct json_object *obj;
	struct json_object *message;
	char	   *excerpt;

	if (req->body.len == 0)
		return NULL;
	root = obj = json_tokener_parse(req->body.data);
	/* Google-style APIs nest it: {"error": {"code": ..., "message": ...}} */
	if (obj != NULL && json_object_is_type(obj, json_type_object) &&
		json_object_object_get_ex(obj, "error", &message) &&
		json_object_is_type(message, json_type_object))
		obj = message;
	if (obj != NULL && json_object_is_type(obj, json_type_object) &&
		json_object_object_get_ex(obj, "message", &message) &&
		json_object_is_type(message, json_type_string))
		excerpt = vendor_text(json_object_get_string(message),
							  json_object_get_string_len(message), req->server);
	else
		excerpt = vendor_text(req->body.data, req->body.len, req->server);
	json_object_put(root);
	return excerpt[0] != '\0' ? excerpt : NULL;
}

/* errhint for a failed transport (called within ereport). */
static int
transport_errhint(const HttpRequest *req)
{
	switch (req->result)
	{
		case CURLE_OPERATION_TIMEDOUT:
			return errhint("Raise server option timeout_ms (now %d) or connect_timeout_ms (now %d), or try again later.",
						   req->server->timeout_ms,
						   req->server->connect_timeout_ms);
		case CURLE_PEER_FAILED_VERIFICATION:
			return errhint("Check that server option base_url names a host of the vendor's certificate.  If a private certificate authority signed it, set server option ca_file to that authority's certificate (a PEM file).");
		case CURLE_SSL_CACERT_BADFILE:
			return errhint("Check that server option ca_file names a PEM file that the PostgreSQL server can read.");
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_CONNECT:
			return errhint("Check server option base_url, and that the database server can reach the vendor.");
		case CURLE_PARTIAL_FILE:
		case CURLE_GOT_NOTHING:
		case CURLE_SEND_ERROR:
		case CURLE_RECV_ERROR:
			return errhint("Try again later, or raise server option max_retries (now %d).",
						   req->server->max_retries);
		default:
			return 0;
	}
}

/* Report a request that failed below HTTP: connecting, TLS, a timeout. */
static void
report_transport_failure(const HttpRequest *req)
{
	ereport(ERROR,
			(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
			 errmsg("conv_fdw request %s %s on server \"%s\" failed: %s",
					req->method, req->url, req->server->servername,
					curl_easy_strerror(req->result)),
			 errdetail_plural("Gave up after %d attempt: %s",
							  "Gave up after %d attempts: %s",
							  req->attempts, req->attempts,
							  req->errbuf[0] != '\0' ? req->errbuf :
							  curl_easy_strerror(req->result)),
			 transport_errhint(req)));
}

/* Report a redirect, which conv_fdw never follows. */
static void
report_redirect(const HttpRequest *req)
{
	char	   *location = NULL;
	char	   *target = NULL;

	curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &location);
	if (location != NULL)
		target = vendor_text(location, strlen(location), req->server);
	ereport(ERROR,
			(errcode(ERRCODE_FDW_ERROR),
			 errmsg("conv_fdw request %s %s on server \"%s\" failed with HTTP status %ld",
					req->method, req->url, req->server->servername, req->status),
			 target != NULL ?
			 errdetail("The vendor redirects to %s; conv_fdw follows no redirects, which could take the credentials elsewhere.",
					   target) :
			 errdetail("conv_fdw follows no redirects, which could take the credentials elsewhere."),
			 errhint("Set server option base_url to the vendor's API address.")));
}

/* errhint for an HTTP error status (called within ereport). */
static int
http_errhint(const HttpRequest *req)
{
	if (req->status == 401)
		return errhint("Check the username and password (or token) of the user mapping for server \"%s\".",
					   req->server->servername);
	if (req->status == 403)
		return errhint("Check that the vendor account of the user mapping for server \"%s\" may read this resource.",
					   req->server->servername);
	if (req->status == 429 || req->status >= 500)
		return errhint("The vendor is busy or failing: try again later, or raise server option max_retries (now %d).",
					   req->server->max_retries);
	return 0;
}

/* Report a request whose final answer was an HTTP error status. */
static void
report_http_failure(const HttpRequest *req)
{
	char	   *excerpt = response_excerpt(req);
	bool		auth = req->status == 401 || req->status == 403;

	ereport(ERROR,
			(errcode(auth ? ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION :
					 ERRCODE_FDW_ERROR),
			 errmsg("conv_fdw request %s %s on server \"%s\" failed with HTTP status %ld",
					req->method, req->url, req->server->servername, req->status),
			 excerpt != NULL ?
			 errdetail_plural("After %d attempt, the vendor answered: %s",
							  "After %d attempts, the vendor answered: %s",
							  req->attempts, req->attempts, excerpt) :
			 errdetail_plural("After %d attempt, the vendor answered with an empty body.",
							  "After %d attempts, the vendor answered with an empty body.",
							  req->attempts, req->attempts),
			 http_errhint(req)));
}

/* Report the final failure of a request. */
static void
report_failure(const HttpRequest *req)
{
	if (req->result != CURLE_OK)
		report_transport_failure(req);
	if (req->status >= 300 && req->status < 400)
		report_redirect(req);
	report_http_failure(req);
}

/*
 * Send method <base_url><api_prefix><path_and_query> to the server, with
 * the credentials of its user mapping, and json_body if not NULL; see
 * conv_http_get.
 */
static bool
send_request(const ConvServer *server, const char *method,
			 const char *path_and_query, const char *json_body,
			 bool missing_ok, StringInfo body, StringInfo headers,
			 ConvScanStats *stats)
{
	HttpRequest *req;
	volatile bool found;

	Assert(stats != NULL);
	check_credentials(server);
	http_init();

	req = palloc0(sizeof(HttpRequest));
	req->server = server;
	req->method = method;
	req->json_body = json_body;
	req->url = psprintf("%s%s%s", server->base_url, server->api_prefix,
						path_and_query);
	check_url(req->url, server);

	PG_TRY();
	{
		set_connection_options(req);
		set_request_options(req);
		found = run_request(req, missing_ok, body, headers, stats);
	}
	PG_FINALLY();
	{
		release_request(req);
	}
	PG_END_TRY();

	pfree(req->url);
	pfree(req);
	return found;
}

/*
 * Send GET <base_url><api_prefix><path_and_query> to the server, with the
 * credentials of its user mapping.  path_and_query must be URL-encoded
 * already (conv_url_encode).  A 2xx response's body goes into body (reset
 * first), its header lines into headers unless that is NULL, and true is
 * returned; a 404 returns false, with body empty, when missing_ok.
 * Anything else raises an error once the retries are spent.  stats counts
 * every attempt.
 */
bool
conv_http_get(const ConvServer *server, const char *path_and_query,
			  bool missing_ok, StringInfo body, StringInfo headers,
			  ConvScanStats *stats)
{
	return send_request(server, "GET", path_and_query, NULL, missing_ok,
						body, headers, stats);
}

/*
 * POST json_body to <base_url><api_prefix><path>; the response body goes
 * into body.  It is retried only when the vendor surely did not act on it.
 */
void
conv_http_post(const ConvServer *server, const char *path,
			   const char *json_body, StringInfo body, ConvScanStats *stats)
{
	(void) send_request(server, "POST", path, json_body, false, body, NULL,
						stats);
}

/*
 * The value of the header called name (case-insensitive) in headers as
 * conv_http_get returns them, or NULL.  A header sent in several fields
 * (Link may be) is one comma-separated value, as RFC 9110 has it.
 */
char *
conv_http_header(const char *headers, const char *name)
{
	size_t		namelen = strlen(name);
	StringInfoData value;
	bool		found = false;
	const char *line = headers;

	initStringInfo(&value);
	while (line != NULL && *line != '\0')
	{
		const char *end = strpbrk(line, "\r\n");
		size_t		len = end ? (size_t) (end - line) : strlen(line);

		if (len > namelen && line[namelen] == ':' &&
			pg_strncasecmp(line, name, namelen) == 0)
		{
			const char *v = line + namelen + 1;

			while (*v == ' ' || *v == '\t')
				v++;
			if (found)
				appendStringInfoString(&value, ", ");
			appendBinaryStringInfo(&value, v, len - (v - line));
			found = true;
		}
		line = end ? end + strspn(end, "\r\n") : NULL;
	}
	return found ? value.data : NULL;
}

/*
 * Percent-encode a value for a URL path segment or query parameter:
 * everything but RFC 3986's unreserved characters.  Returns a palloc'd
 * string.
 */
char *
conv_url_encode(const char *value)
{
	char	   *escaped = curl_easy_escape(NULL, value, 0);
	char	   *result;
	size_t		len;

	if (escaped == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	len = strlen(escaped);
	/* no error may be raised before curl_free */
	result = palloc_extended(len + 1, MCXT_ALLOC_NO_OOM);
	if (result != NULL)
		memcpy(result, escaped, len + 1);
	curl_free(escaped);
	if (result == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	return result;
}
