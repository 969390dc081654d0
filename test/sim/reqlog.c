/*
 * reqlog.c
 *		The request log: one JSON line per request, which tests read to
 *		assert exactly which requests a query made.
 *
 * Each line is written with a single write() on an O_APPEND descriptor, so
 * lines from concurrent connections never interleave and a reader sees a
 * request as soon as its response was queued. Credentials are never logged:
 * the Authorization header is not part of a line.
 */
#include "sim.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int	log_fd = -1;

/* Open (append to) the request log; no path means no log. */
void
reqlog_open(const char *path)
{
	if (path == NULL)
		return;
	log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (log_fd < 0)
	{
		perror(path);
		exit(1);
	}
}

/* Append the line for one answered request. */
void
reqlog_write(const char *vendor, const SimRequest *req, int status,
			 size_t bytes, int64_t queue_wait_us)
{
	StrBuf		line;
	bool		first = true;
	char		ts[40];

	if (log_fd < 0)
		return;
	buf_init(&line, 512);
	buf_putc(&line, '{');
	format_time(ts, sizeof(ts), real_now(), 6);
	json_kstr(&line, &first, "t", ts);
	format_time(ts, sizeof(ts), sim_now(), 6);
	json_kstr(&line, &first, "sim_time", ts);
	json_kstr(&line, &first, "vendor", vendor);
	json_kstr(&line, &first, "method", req->method);
	json_kstr(&line, &first, "path", req->raw_path);
	json_kstr(&line, &first, "query", req->raw_query);
	json_kint(&line, &first, "status", status);
	json_kint(&line, &first, "bytes", (int64_t) bytes);
	json_key(&line, &first, "queue_wait_ms");
	buf_printf(&line, "%.3f", queue_wait_us / 1000.0);
	buf_puts(&line, "}\n");
	if (write(log_fd, line.data, line.len) != (ssize_t) line.len)
		perror("request log");
	buf_free(&line);
}
