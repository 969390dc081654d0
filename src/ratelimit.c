/*-------------------------------------------------------------------------
 *
 * ratelimit.c
 *		  The vendors' request-rate windows, one budget per foreign server,
 *		  shared by every backend and the background worker.
 *
 * A server's rate_limit option (default: its vendor's) lists windows of
 * the day, in the server's rate_timezone: "5/s 06:00-21:00; 25/s" is five
 * requests a second from 06:00 to 21:00 and 25 otherwise; "75/min,
 * 2000/hour" applies both limits all day.  The first window whose time of
 * day covers the local time applies, else the window without one.
 * Requests are spaced evenly at the window's rate (the strictest of its
 * limits): each takes the next free slot and waits for it, so no second
 * ever holds more requests than the vendor allows, whoever makes them.
 *
 * With conv_fdw in shared_preload_libraries the slots live in shared
 * memory.  Without it each backend keeps its own, and says once that
 * sessions together may then exceed the vendor's limit.
 *
 * A 429 with Retry-After pauses the whole server's budget until then, so
 * every user of the server slows down, not just the one that was refused;
 * requests already waiting for a slot take a new one after the pause.
 * Interactive queries go first: the worker never queues for a slot (it
 * takes one only when one is free and no backend waits), and it uses at
 * most conv_fdw.worker_rate_share of the rate.
 *
 * src/ratelimit.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "pgtime.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "conv_fdw.h"

/* servers whose budgets shared memory can hold */
#define CONV_RATE_SLOTS 64

/* The budget of one foreign server. */
typedef struct ConvRateSlot
{
	Oid			dbid;			/* InvalidOid: the slot is free */
	Oid			serverid;
	double		per_second;		/* rate of the window in force */
	TimestampTz next_slot;		/* when the next request may start */
	TimestampTz worker_next;	/* when the worker's next one may start */
	TimestampTz throttled_until;	/* a 429's Retry-After */
	int			interactive_waiting;	/* backends queued right now */
	int64		requests;
	int64		waits;			/* requests that had to wait */
	double		wait_ms;		/* their total wait */
} ConvRateSlot;

typedef struct ConvRateShared
{
	LWLock	   *lock;
	ConvRateSlot slots[CONV_RATE_SLOTS];
} ConvRateShared;

/* GUC conv_fdw.worker_rate_share */
double		conv_worker_rate_share = 0.5;

/* set by the background worker: its requests yield to interactive ones */
bool		conv_rate_is_worker = false;

static ConvRateShared *rate_shared = NULL;

/* without shared memory: this backend's own budgets */
static ConvRateShared *local_rates = NULL;
static bool warned_unshared = false;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/*
 * shmem_request_hook: reserve the shared budgets and their lock.
 */
static void
conv_rate_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(ConvRateShared)));
	RequestNamedLWLockTranche("conv_fdw_rate", 1);
}

/*
 * shmem_startup_hook: find or create the shared budgets.
 */
static void
conv_rate_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	rate_shared = ShmemInitStruct("conv_fdw rate budgets", sizeof(ConvRateShared), &found);
	if (!found)
	{
		memset(rate_shared->slots, 0, sizeof(rate_shared->slots));
		rate_shared->lock = &(GetNamedLWLockTranche("conv_fdw_rate"))->lock;
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * Install the shared memory hooks; called from _PG_init while
 * shared_preload_libraries is being processed.
 */
void
conv_rate_install_hooks(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = conv_rate_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = conv_rate_shmem_startup;
}

/*
 * Parse "HH:MM" at *p into minutes of the day.
 */
static bool
parse_clock(const char **p, int *minutes)
{
	int			h,
				m,
				n = 0;

	if (sscanf(*p, "%2d:%2d%n", &h, &m, &n) != 2 || n == 0 ||
		h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0))
		return false;
	*p += n;
	*minutes = h * 60 + m;
	return true;
}

/*
 * Parse one limit "N/unit" at *p into requests per second.
 */
static bool
parse_limit(const char **p, double *per_second)
{
	static const struct
	{
		const char *unit;
		double		seconds;
	}			units[] = {
		{"second", 1}, {"sec", 1}, {"s", 1},
		{"minute", 60}, {"min", 60}, {"m", 60},
		{"hour", 3600}, {"h", 3600},
	};
	char	   *end;
	double		count = strtod(*p, &end);

	if (end == *p || count <= 0 || !isfinite(count) || *end != '/')
		return false;
	*p = end + 1;
	for (size_t i = 0; i < lengthof(units); i++)
	{
		size_t		len = strlen(units[i].unit);

		if (strncmp(*p, units[i].unit, len) == 0 && !isalpha((unsigned char) (*p)[len]))
		{
			*p += len;
			*per_second = count / units[i].seconds;
			/* slower than one a day is a mistake (and overflows the spacing) */
			return *per_second * SECS_PER_DAY >= 1;
		}
	}
	return false;
}

/*
 * Parse one window: limits separated by commas, then an optional
 * "HH:MM-HH:MM".  An all-day window has start == end.
 */
static bool
parse_window(const char *text, ConvRateWindow *w)
{
	const char *p = text;

	w->per_second = INFINITY;
	w->start_minute = w->end_minute = 0;
	for (;;)
	{
		double		rate;

		while (isspace((unsigned char) *p))
			p++;
		if (!parse_limit(&p, &rate))
			return false;
		w->per_second = Min(w->per_second, rate);
		while (isspace((unsigned char) *p))
			p++;
		if (*p != ',')
			break;
		p++;
	}
	if (isdigit((unsigned char) *p) &&
		(!parse_clock(&p, &w->start_minute) || *p++ != '-' ||
		 !parse_clock(&p, &w->end_minute) || w->start_minute == w->end_minute))
		return false;
	while (isspace((unsigned char) *p))
		p++;
	return *p == '\0';
}

/*
 * Parse a rate_limit option into windows; false if it is malformed.
 */
bool
conv_rate_parse(const char *spec, List **windows)
{
	char	   *copy = pstrdup(spec);
	char	   *save = NULL;

	*windows = NIL;
	for (char *part = strtok_r(copy, ";", &save); part; part = strtok_r(NULL, ";", &save))
	{
		ConvRateWindow *w = palloc(sizeof(ConvRateWindow));

		if (!parse_window(part, w))
			return false;
		*windows = lappend(*windows, w);
	}
	return *windows != NIL;
}

/*
 * The window in force at time t in time zone tz: the first window with a
 * time of day that covers the local time (windows may wrap midnight), else
 * the first all-day window, wherever it stands, else the last window.
 * *otherwise, if not NULL, is set when the windows have times of day and
 * none covers t.
 */
static ConvRateWindow *
window_at(List *windows, struct pg_tz *tz, TimestampTz t, bool *otherwise)
{
	pg_time_t	secs = timestamptz_to_time_t(t);
	struct pg_tm *tm = pg_localtime(&secs, tz);
	int			minute = tm ? tm->tm_hour * 60 + tm->tm_min : 0;
	ConvRateWindow *all_day = NULL;
	bool		timed = false;
	ListCell   *lc;

	foreach(lc, windows)
	{
		ConvRateWindow *w = lfirst(lc);

		if (w->start_minute == w->end_minute)
		{
			if (all_day == NULL)
				all_day = w;
			continue;
		}
		timed = true;
		if (w->start_minute < w->end_minute ?
			minute >= w->start_minute && minute < w->end_minute :
			minute >= w->start_minute || minute < w->end_minute)
		{
			if (otherwise)
				*otherwise = false;
			return w;
		}
	}
	if (otherwise)
		*otherwise = timed;
	return all_day ? all_day : llast(windows);
}

/*
 * The rate in force for server at time t.
 */
static double
current_rate(const ConvServer *server, TimestampTz t)
{
	return window_at(server->rate_windows, server->rate_tz, t, NULL)->per_second;
}

/*
 * Is the server's fastest window (ExecVision's night) in force now?
 */
bool
conv_rate_in_fastest_window(const ConvServer *server)
{
	double		fastest = 0;
	ListCell   *lc;

	foreach(lc, server->rate_windows)
		fastest = Max(fastest, ((ConvRateWindow *) lfirst(lc))->per_second);
	return current_rate(server, GetCurrentTimestamp()) >= fastest;
}

/*
 * The budgets this backend uses: shared, or (without preloading) its own,
 * with one warning saying what is lost.
 */
static ConvRateShared *
budgets(void)
{
	if (rate_shared)
		return rate_shared;
	if (!warned_unshared)
	{
		warned_unshared = true;
		ereport(WARNING,
				(errmsg("conv_fdw is not in shared_preload_libraries, so rate limits are kept per session"),
				 errdetail("Sessions together may exceed the vendor's rate limit, and a 429 slows down only the session that got it."),
				 errhint("Add conv_fdw to shared_preload_libraries and restart the server.")));
	}
	if (local_rates == NULL)
		local_rates = MemoryContextAllocZero(TopMemoryContext, sizeof(ConvRateShared));
	return local_rates;
}

/*
 * Is a slot unused at time now: nothing reserved ahead, no pause, nobody
 * queued?
 */
static bool
slot_idle(const ConvRateSlot *slot, TimestampTz now)
{
	return slot->next_slot <= now && slot->worker_next <= now &&
		slot->throttled_until <= now && slot->interactive_waiting == 0;
}

/*
 * The slot of a server (created if needed); the caller holds the lock.
 * When every slot has been taken, the one idle the longest is reused: a
 * dropped server (or database) keeps its slot until then, and an idle
 * server loses only its counters.
 */
static ConvRateSlot *
find_slot(ConvRateShared *shared, Oid serverid, TimestampTz now)
{
	ConvRateSlot *free_slot = NULL;

	for (int i = 0; i < CONV_RATE_SLOTS; i++)
	{
		ConvRateSlot *slot = &shared->slots[i];

		if (slot->dbid == MyDatabaseId && slot->serverid == serverid)
			return slot;
		if (free_slot != NULL && free_slot->dbid == InvalidOid)
			continue;			/* a never used one is best */
		if (slot->dbid == InvalidOid ||
			(slot_idle(slot, now) &&
			 (free_slot == NULL || slot->next_slot < free_slot->next_slot)))
			free_slot = slot;
	}
	if (free_slot == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("conv_fdw can keep rate budgets for at most %d servers", CONV_RATE_SLOTS)));
	memset(free_slot, 0, sizeof(ConvRateSlot));
	free_slot->dbid = MyDatabaseId;
	free_slot->serverid = serverid;
	return free_slot;
}

/* Lock the budgets (a no-op for a backend's own). */
static void
lock_budgets(ConvRateShared *shared)
{
	if (shared == rate_shared)
		LWLockAcquire(shared->lock, LW_EXCLUSIVE);
}

/* Unlock the budgets. */
static void
unlock_budgets(ConvRateShared *shared)
{
	if (shared == rate_shared)
		LWLockRelease(shared->lock);
}

/*
 * Take the next slot of the server's budget: returns when the request may
 * start (at or after now).  The worker never queues, since a slot it held
 * ahead would make interactive queries that come after it wait: while a
 * backend is queued, no slot is free now, or its share of the rate is used
 * up, it gets 0, and in *retry_at when to look again.
 */
static TimestampTz
reserve(ConvRateSlot *slot, double rate, bool worker, TimestampTz now,
		TimestampTz *retry_at)
{
	int64		interval = (int64) (USECS_PER_SEC / rate);
	TimestampTz start = Max(now, Max(slot->next_slot, slot->throttled_until));

	slot->per_second = rate;
	if (worker)
	{
		start = Max(start, slot->worker_next);
		if (slot->interactive_waiting > 0 || start > now)
		{
			*retry_at = Min(start, now + USECS_PER_SEC / 10);
			return 0;
		}
		slot->worker_next = start + (int64) (interval / Max(conv_worker_rate_share, 0.01));
	}
	else if (start > now)
		slot->interactive_waiting++;
	slot->next_slot = start + interval;
	return start;
}

/*
 * Sleep until t, interruptibly.
 */
static void
sleep_until(TimestampTz t)
{
	for (;;)
	{
		/* rounded up: waking early would start a request before its slot */
		long		ms = (long) ((t - GetCurrentTimestamp() + 999) / 1000);

		if (ms <= 0)
			return;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * A queued interactive request (the slot in arg) is no longer queued.  Also
 * a before_shmem_exit callback: a backend ended while it waits
 * (pg_terminate_backend) must not leave the worker waiting for it forever.
 */
static void
leave_queue(int code, Datum arg)
{
	ConvRateShared *shared = rate_shared ? rate_shared : local_rates;
	ConvRateSlot *slot = (ConvRateSlot *) DatumGetPointer(arg);

	lock_budgets(shared);
	slot->interactive_waiting--;
	unlock_budgets(shared);
}

/*
 * Sleep until a reserved slot's start; a queued interactive request stops
 * counting as queued when it ends, on error (cancel) and process exit too.
 */
static void
wait_for_slot(ConvRateSlot *slot, TimestampTz start, bool queued)
{
	if (!queued)
	{
		sleep_until(start);
		return;
	}
	PG_ENSURE_ERROR_CLEANUP(leave_queue, PointerGetDatum(slot));
	{
		sleep_until(start);
	}
	PG_END_ENSURE_ERROR_CLEANUP(leave_queue, PointerGetDatum(slot));
	leave_queue(0, PointerGetDatum(slot));
}

/*
 * Wait for the server's next request slot; returns the milliseconds
 * waited.  The background worker yields to interactive queries.
 */
double
conv_rate_acquire(const ConvServer *server)
{
	ConvRateShared *shared = budgets();
	TimestampTz begin = GetCurrentTimestamp();
	bool		waited = false;

	for (;;)
	{
		TimestampTz now = GetCurrentTimestamp();
		TimestampTz retry_at = 0;
		TimestampTz start;
		ConvRateSlot *slot;
		bool		throttled;

		lock_budgets(shared);
		slot = find_slot(shared, server->serverid, now);
		start = reserve(slot, current_rate(server, now), conv_rate_is_worker,
						now, &retry_at);
		unlock_budgets(shared);

		if (start == 0)
		{
			/* the worker steps back */
			waited = true;
			sleep_until(retry_at);
			continue;
		}
		if (start > now)
		{
			waited = true;
			wait_for_slot(slot, start, !conv_rate_is_worker);
		}

		/*
		 * A 429 that came while this request waited pauses it too: it takes
		 * a new slot after the pause.  Else it goes, and counts.
		 */
		now = GetCurrentTimestamp();
		lock_budgets(shared);
		slot = find_slot(shared, server->serverid, now);
		throttled = slot->throttled_until > now;
		if (!throttled)
		{
			slot->requests++;
			if (waited)
			{
				slot->waits++;
				slot->wait_ms += (now - begin) / 1000.0;
			}
		}
		unlock_budgets(shared);
		if (!throttled)
			return (now - begin) / 1000.0;
	}
}

/*
 * The vendor answered 429 with Retry-After: pause the server's whole budget
 * until then.
 */
void
conv_rate_throttle(const ConvServer *server, long retry_after_ms)
{
	ConvRateShared *shared = budgets();
	ConvRateSlot *slot;
	TimestampTz until = GetCurrentTimestamp() + retry_after_ms * INT64CONST(1000);

	lock_budgets(shared);
	slot = find_slot(shared, server->serverid, GetCurrentTimestamp());
	slot->throttled_until = Max(slot->throttled_until, until);
	unlock_budgets(shared);
}

/*
 * SQL function conv_fdw.rate_budget(server oid): the server's window in
 * force and its budget's counters, for the view conv_fdw.rate_status.
 */
PG_FUNCTION_INFO_V1(conv_fdw_rate_budget);

Datum
conv_fdw_rate_budget(PG_FUNCTION_ARGS)
{
	Oid			serverid = PG_GETARG_OID(0);
	TupleDesc	tupdesc;
	List	   *windows;
	struct pg_tz *tz;
	ConvRateWindow *w;
	bool		otherwise;
	ConvRateShared *shared = rate_shared ? rate_shared : local_rates;
	ConvRateSlot slot = {0};
	Datum		values[6];
	bool		nulls[6] = {false};
	TimestampTz now = GetCurrentTimestamp();

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	conv_server_rate(serverid, &windows, &tz, NULL);
	w = window_at(windows, tz, now, &otherwise);
	if (shared)
	{
		lock_budgets(shared);
		for (int i = 0; i < CONV_RATE_SLOTS; i++)
			if (shared->slots[i].dbid == MyDatabaseId &&
				shared->slots[i].serverid == serverid)
				slot = shared->slots[i];
		unlock_budgets(shared);
	}
	values[0] = CStringGetTextDatum(otherwise ? "otherwise" :
									w->start_minute == w->end_minute ? "all day" :
									psprintf("%02d:%02d-%02d:%02d %s",
											 w->start_minute / 60, w->start_minute % 60,
											 w->end_minute / 60, w->end_minute % 60,
											 pg_get_timezone_name(tz)));
	values[1] = CStringGetTextDatum(w->per_second >= 1 ?
									psprintf("%g/s", w->per_second) :
									psprintf("%g/min", w->per_second * 60));
	values[2] = Int64GetDatum(slot.requests);
	values[3] = Int64GetDatum(slot.waits);
	values[4] = Float8GetDatum(slot.wait_ms);
	values[5] = BoolGetDatum(slot.throttled_until > now);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
