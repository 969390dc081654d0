/*
 * buf.c
 *		Growable byte buffer and the small JSON writer conv-sim answers with.
 *
 * Responses are written by hand rather than built as json-c trees: a page
 * of 1000 calls with transcripts is tens of megabytes, and the simulator
 * must never be the bottleneck of a benchmark.
 */
#include "sim.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Start an empty buffer with room for cap bytes. */
void
buf_init(StrBuf *b, size_t cap)
{
	b->cap = cap < 64 ? 64 : cap;
	b->data = malloc(b->cap);
	if (b->data == NULL)
		abort();
	b->len = 0;
	b->data[0] = '\0';
}

/* Release the buffer's memory. */
void
buf_free(StrBuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Make room for extra more bytes plus the terminating NUL. */
void
buf_reserve(StrBuf *b, size_t extra)
{
	size_t		need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	while (b->cap < need)
		b->cap *= 2;
	b->data = realloc(b->data, b->cap);
	if (b->data == NULL)
		abort();
}

/* Append n bytes. */
void
buf_putn(StrBuf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Append a NUL-terminated string. */
void
buf_puts(StrBuf *b, const char *s)
{
	buf_putn(b, s, strlen(s));
}

/* Append one character. */
void
buf_putc(StrBuf *b, char c)
{
	buf_reserve(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

/* Append printf-formatted text. */
void
buf_printf(StrBuf *b, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if ((size_t) n >= b->cap - b->len)
	{
		buf_reserve(b, (size_t) n);
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t) n;
}

/* Append s as a quoted, escaped JSON string. */
void
json_str(StrBuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *) s;

	buf_reserve(b, strlen(s) + 2);
	buf_putc(b, '"');
	for (; *p; p++)
	{
		if (*p == '"' || *p == '\\')
		{
			buf_putc(b, '\\');
			buf_putc(b, (char) *p);
		}
		else if (*p == '\n')
			buf_putn(b, "\\n", 2);
		else if (*p < 0x20)
		{
			char		esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};

			buf_putn(b, esc, 6);
		}
		else
			buf_putc(b, (char) *p);
	}
	buf_putc(b, '"');
}

/* Write the comma that separates this element from the previous one. */
void
json_sep(StrBuf *b, bool *first)
{
	if (!*first)
		buf_putc(b, ',');
	*first = false;
}

/* Write "key": (with its leading comma when needed). */
void
json_key(StrBuf *b, bool *first, const char *key)
{
	json_sep(b, first);
	json_str(b, key);
	buf_putc(b, ':');
}

/* Write a string member; NULL writes null. */
void
json_kstr(StrBuf *b, bool *first, const char *key, const char *val)
{
	json_key(b, first, key);
	if (val)
		json_str(b, val);
	else
		buf_puts(b, "null");
}

/* Write an integer member. */
void
json_kint(StrBuf *b, bool *first, const char *key, int64_t val)
{
	json_key(b, first, key);
	buf_printf(b, "%lld", (long long) val);
}

/* Write a number the shortest way that reads back exactly. */
void
json_num(StrBuf *b, double val)
{
	if (!isfinite(val))
		buf_puts(b, "null");
	else if (val == floor(val) && fabs(val) < 1e15)
		buf_printf(b, "%.1f", val);
	else
	{
		char		tmp[32];

		/* the shortest of %.15g..%.17g that reads back as the same double */
		for (int prec = 15; prec <= 17; prec++)
		{
			snprintf(tmp, sizeof(tmp), "%.*g", prec, val);
			if (strtod(tmp, NULL) == val)
				break;
		}
		buf_puts(b, tmp);
	}
}

/* Write a number member. */
void
json_knum(StrBuf *b, bool *first, const char *key, double val)
{
	json_key(b, first, key);
	json_num(b, val);
}

/* Write a boolean member. */
void
json_kbool(StrBuf *b, bool *first, const char *key, bool val)
{
	json_key(b, first, key);
	buf_puts(b, val ? "true" : "false");
}

/* Write a null member. */
void
json_knull(StrBuf *b, bool *first, const char *key)
{
	json_key(b, first, key);
	buf_puts(b, "null");
}

/* Write a timestamp member in ISO 8601 UTC. */
void
json_ktime(StrBuf *b, bool *first, const char *key, SimTime t, int frac_digits)
{
	char		ts[40];

	format_time(ts, sizeof(ts), t, frac_digits);
	json_kstr(b, first, key, ts);
}
