/*
 * timeutil.c
 *		ISO 8601 formatting and parsing in microseconds since the epoch.
 */
#include "sim.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t		era;
	int64_t		yoe,
				doy,
				doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Write the date and time part of t (UTC) and its fraction. */
static int
format_core(char *out, size_t outlen, SimTime t, int frac_digits)
{
	time_t		secs = (time_t) (t >= 0 ? t / USECS_PER_SEC : (t - USECS_PER_SEC + 1) / USECS_PER_SEC);
	int64_t		usec = t - (int64_t) secs * USECS_PER_SEC;
	struct tm	tm;
	int			n;

	gmtime_r(&secs, &tm);
	n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d",
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				 tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (frac_digits == 3)
		n += snprintf(out + n, outlen - n, ".%03d", (int) (usec / 1000));
	else if (frac_digits == 6)
		n += snprintf(out + n, outlen - n, ".%06d", (int) usec);
	return n;
}

/* Format t as ISO 8601 UTC ("...Z") with 0, 3 or 6 fractional digits. */
void
format_time(char *out, size_t outlen, SimTime t, int frac_digits)
{
	int			n = format_core(out, outlen, t, frac_digits);

	snprintf(out + n, outlen - n, "Z");
}

/* Format t as local time in a fixed offset, e.g. "...-04:00". */
void
format_time_offset(char *out, size_t outlen, SimTime t, int offset_minutes,
				   int frac_digits)
{
	int			n = format_core(out, outlen, t + offset_minutes * USECS_PER_MIN,
								frac_digits);
	int			a = offset_minutes < 0 ? -offset_minutes : offset_minutes;

	snprintf(out + n, outlen - n, "%c%02d:%02d",
			 offset_minutes < 0 ? '-' : '+', a / 60, a % 60);
}

/* Read exactly n digits at *p into *val, advancing *p. */
static bool
read_digits(const char **p, int n, int *val)
{
	*val = 0;
	for (int i = 0; i < n; i++)
	{
		if (!isdigit((unsigned char) (*p)[i]))
			return false;
		*val = *val * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return true;
}

/* Read an optional ":ss[.fff...]" after the minutes. */
static bool
parse_seconds(const char **p, int *sec, int64_t *usec)
{
	*sec = 0;
	*usec = 0;
	if (**p != ':')
		return true;
	(*p)++;
	if (!read_digits(p, 2, sec) || *sec > 60)
		return false;
	if (**p == '.')
	{
		int64_t		scale = 100000;

		(*p)++;
		if (!isdigit((unsigned char) **p))
			return false;
		for (; isdigit((unsigned char) **p); (*p)++, scale /= 10)
			*usec += (**p - '0') * scale;
	}
	return true;
}

/* Read the zone: Z, +hh:mm, +hhmm or -hh:mm. Returns minutes east of UTC. */
static bool
parse_zone(const char *p, int *minutes)
{
	int			hh,
				mm;
	int			sign;

	if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0')
	{
		*minutes = 0;
		return true;
	}
	if (p[0] != '+' && p[0] != '-')
		return false;
	sign = p[0] == '-' ? -1 : 1;
	p++;
	if (!read_digits(&p, 2, &hh))
		return false;
	if (*p == ':')
		p++;
	if (!read_digits(&p, 2, &mm) || *p != '\0' || hh > 23 || mm > 59)
		return false;
	*minutes = sign * (hh * 60 + mm);
	return true;
}

/* Number of days in month m (1-12) of year y. */
static int
days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool		leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap);
}

/* Parse ISO 8601 date-time with a zone; false on anything malformed. */
bool
parse_time(const char *s, SimTime *out)
{
	const char *p = s;
	int			y,
				mo,
				d,
				h,
				mi,
				sec,
				zone;
	int64_t		usec;

	if (!read_digits(&p, 4, &y) || *p++ != '-' ||
		!read_digits(&p, 2, &mo) || *p++ != '-' ||
		!read_digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
		return false;
	p++;
	if (!read_digits(&p, 2, &h) || *p++ != ':' || !read_digits(&p, 2, &mi))
		return false;
	if (!parse_seconds(&p, &sec, &usec) || !parse_zone(p, &zone))
		return false;
	/* a date that does not exist (2026-02-30) is malformed too */
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59)
		return false;
	*out = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi - zone) * USECS_PER_MIN
		+ sec * USECS_PER_SEC + usec;
	return true;
}

/* The wall clock in microseconds. */
SimTime
real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (SimTime) ts.tv_sec * USECS_PER_SEC + ts.tv_nsec / 1000;
}

/*
 * Offset of tz from UTC at t, in minutes, DST included. The C library
 * knows zones only through the process-wide TZ variable, hence the lock.
 */
int
tz_offset_minutes(const char *tz, SimTime t)
{
	static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
	time_t		secs = (time_t) (t / USECS_PER_SEC);
	struct tm	tm;
	const char *cur;

	pthread_mutex_lock(&tz_lock);
	cur = getenv("TZ");
	if (cur == NULL || strcmp(cur, tz) != 0)
	{
		setenv("TZ", tz, 1);
		tzset();
	}
	localtime_r(&secs, &tm);
	pthread_mutex_unlock(&tz_lock);
	return (int) (tm.tm_gmtoff / 60);
}
