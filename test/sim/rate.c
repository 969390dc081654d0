/*
 * rate.c
 *		The simulated clock and the vendors' rate windows.
 *
 * ExecVision queues requests above the current window's rate instead of
 * rejecting them, and a request queued for a minute or more times out. We
 * model the queue as evenly spaced service slots: each request takes the
 * next free slot (1/rate after the previous one) and sleeps until it. The
 * window is chosen by the simulated clock, so a test can stand in the day
 * or the night window; the spacing itself is in real time.
 *
 * The other vendors reject instead: a vendor with quotas counts requests
 * in fixed periods of real time (per second, minute, hour) and answers 429
 * with Retry-After once a period's count is used up.
 */
#include "sim.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef struct RateState
{
	pthread_mutex_t lock;
	SimTime		last_slot;		/* real time of the last granted slot */
	int64_t		admitted;
	int64_t		queued;			/* admitted after waiting */
	int64_t		timed_out;
	int64_t		total_wait_us;
	int64_t		rejected;		/* 429s over a quota */
	int64_t    *period_start;	/* per quota: start of its current period */
	int		   *period_used;	/* per quota: requests admitted in it */
} RateState;

static _Atomic int64_t clock_offset_us;
static RateState *rate_states;

/* The simulated now: the wall clock moved by the settable offset. */
SimTime
sim_now(void)
{
	return real_now() + atomic_load(&clock_offset_us);
}

/* Make the simulated clock read t from this moment on. */
void
sim_set_clock(SimTime t)
{
	atomic_store(&clock_offset_us, t - real_now());
}

/* Allocate one rate state per vendor. */
void
rate_init(void)
{
	rate_states = calloc(sim_nvendors, sizeof(RateState));
	for (int i = 0; i < sim_nvendors; i++)
	{
		pthread_mutex_init(&rate_states[i].lock, NULL);
		rate_states[i].period_start = calloc(sim_vendors[i]->nquotas + 1,
											 sizeof(int64_t));
		rate_states[i].period_used = calloc(sim_vendors[i]->nquotas + 1,
											sizeof(int));
	}
}

/* Minute of the local day at t in timezone tz. */
static int
local_minute_of_day(const char *tz, SimTime t)
{
	int64_t		minutes = t / USECS_PER_MIN + tz_offset_minutes(tz, t);

	return (int) (((minutes % 1440) + 1440) % 1440);
}

/* The window in force for vendor v at simulated time t. */
static const SimRateWindow *
current_window(const SimVendor *v, SimTime t)
{
	int			minute;

	if (v->nwindows == 0)
		return NULL;
	minute = local_minute_of_day(v->rate_timezone, t);
	for (int i = 0; i < v->nwindows; i++)
	{
		const SimRateWindow *w = &v->windows[i];

		if (w->start_minute == w->end_minute ||
			(minute >= w->start_minute && minute < w->end_minute))
			return w;
	}
	return &v->windows[v->nwindows - 1];
}

/* Sleep for us microseconds. */
static void
sleep_us(int64_t us)
{
	struct timespec ts;

	if (us <= 0)
		return;
	ts.tv_sec = us / USECS_PER_SEC;
	ts.tv_nsec = (us % USECS_PER_SEC) * 1000;
	while (nanosleep(&ts, &ts) != 0)
		;
}

/*
 * Count the request against every quota of vendor vi, or find the quota it
 * exceeds: returns that quota's index (and the microseconds until its
 * period ends through *reset_us), or -1 when admitted.
 */
static int
take_quota(int vi, SimTime now, int64_t *reset_us)
{
	const SimVendor *v = sim_vendors[vi];
	RateState  *rs = &rate_states[vi];
	int			over = -1;

	pthread_mutex_lock(&rs->lock);
	for (int i = 0; i < v->nquotas; i++)
	{
		int64_t		start = now - now % v->quotas[i].period_us;

		if (rs->period_start[i] != start)
		{
			rs->period_start[i] = start;
			rs->period_used[i] = 0;
		}
		if (over < 0 && rs->period_used[i] >= v->quotas[i].limit)
		{
			over = i;
			*reset_us = start + v->quotas[i].period_us - now;
		}
	}
	if (over < 0)
	{
		for (int i = 0; i < v->nquotas; i++)
			rs->period_used[i]++;
		rs->admitted++;
	}
	else
		rs->rejected++;
	pthread_mutex_unlock(&rs->lock);
	return over;
}

/* Answer 429 for quota q of vendor vi, reset_us before its period ends. */
static void
reject_over_quota(int vi, int q, int64_t reset_us, SimResponse *resp)
{
	const SimRateQuota *quota = &sim_vendors[vi]->quotas[q];
	char		value[32];
	int64_t		reset_s = (reset_us + USECS_PER_SEC - 1) / USECS_PER_SEC;

	resp_error(resp, 429, "Too Many Requests",
			   "rate limit of %d requests per %lld s exceeded",
			   quota->limit, (long long) (quota->period_us / USECS_PER_SEC));
	snprintf(value, sizeof(value), "%lld", (long long) reset_s);
	resp_header(resp, "Retry-After", value);
	resp_header(resp, "RateLimit-Reset", value);
	snprintf(value, sizeof(value), "%d", quota->limit);
	resp_header(resp, "RateLimit-Limit", value);
	resp_header(resp, "RateLimit-Remaining", "0");
}

/* Queue the request until its slot, time it out, or reject it; see sim.h. */
bool
rate_admit(int vendor_index, int64_t *waited_us, SimResponse *resp)
{
	const SimVendor *v = sim_vendors[vendor_index];
	RateState  *rs = &rate_states[vendor_index];
	const SimRateWindow *w;
	int64_t		timeout_us = (int64_t) (sim_config.queue_timeout_s * USECS_PER_SEC);
	SimTime		now = real_now();
	SimTime		slot;
	int64_t		wait;

	*waited_us = 0;
	if (sim_config.rate_limits && v->nquotas > 0)
	{
		int64_t		reset_us = 0;
		int			q = take_quota(vendor_index, now, &reset_us);

		if (q >= 0)
			reject_over_quota(vendor_index, q, reset_us, resp);
		return q < 0;
	}
	w = sim_config.rate_limits ? current_window(v, sim_now()) : NULL;
	if (w == NULL)
		return true;

	pthread_mutex_lock(&rs->lock);
	slot = rs->last_slot + (int64_t) (USECS_PER_SEC / w->per_second);
	if (slot < now)
		slot = now;
	wait = slot - now;
	if (wait >= timeout_us)
		rs->timed_out++;
	else
	{
		rs->last_slot = slot;
		rs->admitted++;
		rs->queued += wait > 0;
		rs->total_wait_us += wait;
	}
	pthread_mutex_unlock(&rs->lock);

	if (wait >= timeout_us)
	{
		/* the request sits in the queue for the whole timeout, then fails */
		sleep_us(timeout_us);
		*waited_us = timeout_us;
		resp_error(resp, 504, "Gateway Timeout",
				   "request was queued for %.0f s by rate limiting",
				   sim_config.queue_timeout_s);
		return false;
	}
	sleep_us(wait);
	*waited_us = wait;
	return true;
}

/* Append {"vendor": {window, counters}, ...} for the admin interface. */
void
rate_status_json(StrBuf *b)
{
	bool		first = true;

	buf_putc(b, '{');
	for (int i = 0; i < sim_nvendors; i++)
	{
		const SimVendor *v = sim_vendors[i];
		const SimRateWindow *w = current_window(v, sim_now());
		RateState  *rs = &rate_states[i];
		bool		f2 = true;

		json_key(b, &first, v->name);
		buf_putc(b, '{');
		pthread_mutex_lock(&rs->lock);
		if (w && sim_config.rate_limits)
			json_knum(b, &f2, "per_second", w->per_second);
		else
			json_knull(b, &f2, "per_second");
		json_kint(b, &f2, "admitted", rs->admitted);
		json_kint(b, &f2, "queued", rs->queued);
		json_kint(b, &f2, "timed_out", rs->timed_out);
		json_kint(b, &f2, "rejected", rs->rejected);
		json_kint(b, &f2, "total_wait_ms", rs->total_wait_us / 1000);
		pthread_mutex_unlock(&rs->lock);
		buf_putc(b, '}');
	}
	buf_putc(b, '}');
}
