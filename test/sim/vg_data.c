/*
 * vg_data.c
 *		The Voicegain data set: an account with three projects, agents,
 *		queues, voicebot (AIVR) apps, and --calls calls with ascending
 *		callIds (with gaps) and startTimes over --days days before the
 *		anchor. A few calls are still being processed: some of the newest
 *		and one stalled at 80% of the ids, where a consecutive export stops.
 *
 * Only what filters and sorts need is stored (VgCall, 32 bytes); the rest
 * of a call is generated when it is written (vg_row.c), so a million calls
 * start in well under a second.
 */
#include "vg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

VgData		vg;

const char *const vg_phases[] = {"QUEUED", "TRANSCRIBING", "ANALYZING", "DONE", "ERROR"};
const int	vg_nphases = sizeof(vg_phases) / sizeof(vg_phases[0]);

static const char *const queue_names[VG_NQUEUES] = {
	"Q-English-Member-Services", "Q-Spanish-Member-Services", "Q-Billing",
	"Q-Claims", "Q-Pharmacy", "Q-Provider-Line", "Q-Retention", "Q-Enrollment",
	"Q-Escalations", "Q-After-Hours", "Q-Outbound-Callbacks", "Q-Tech-Support",
};

/* The newest calls that are still being processed, counted from the end. */
static const struct
{
	int			from_end;
	VgPhase		phase;
}			newest_busy[] = {
	{1, VG_QUEUED}, {2, VG_QUEUED}, {3, VG_TRANSCRIBING},
	{6, VG_TRANSCRIBING}, {9, VG_ANALYZING},
};

/* Is a call in this phase finished (a consecutive export may pass it)? */
bool
vg_phase_finished(VgPhase phase)
{
	return phase == VG_DONE || phase == VG_ERROR;
}

/* Index of the phase called name, or -1. */
int
vg_phase_index(const char *name)
{
	for (int i = 0; i < vg_nphases; i++)
		if (strcmp(name, vg_phases[i]) == 0)
			return i;
	return -1;
}

/* The call's QA score in tenths as the API shows it; -1 when it has none. */
int
vg_score(const VgCall *c)
{
	return c->phase == VG_DONE ? c->score10 : -1;
}

/* The account's ids, projects, queues, voicebot apps and agents. */
static void
generate_org(void)
{
	SimRng		r;

	rng_seed(&r, sim_config.seed, VG_S_ORG, 0);
	rng_uuid(&r, vg.account_id);
	for (int i = 0; i < VG_NPROJECTS; i++)
		rng_uuid(&r, vg.projects[i]);
	for (int i = 0; i < VG_NAIVR_APPS; i++)
		rng_uuid(&r, vg.aivr_apps[i]);
	for (int i = 0; i < VG_NQUEUES; i++)
	{
		snprintf(vg.queues[i].ext_id, sizeof(vg.queues[i].ext_id), "%d",
				 rng_int(&r, 100000, 999999));
		vg.queues[i].name = queue_names[i];
		rng_uuid(&r, vg.queues[i].uuid);
	}
	vg.nagents = sim_config.users;
	vg.agents = calloc(vg.nagents, sizeof(VgAgent));
	for (int i = 0; i < vg.nagents; i++)
	{
		VgAgent    *a = &vg.agents[i];
		const char *first,
				   *last;

		rng_seed(&r, sim_config.seed, VG_S_AGENT, i);
		first = rng_pick(&r, corpus_first_names, corpus_nfirst_names);
		last = rng_pick(&r, corpus_last_names, corpus_nlast_names);
		snprintf(a->ext_id, sizeof(a->ext_id), "%d", rng_int(&r, 100000, 999999));
		snprintf(a->name, sizeof(a->name), "%s %s", first, last);
		snprintf(a->email, sizeof(a->email), "%s.%s%d@voicegain-demo.example", first, last, i);
		/* ASCII letters in lower case, the apostrophe of O'Brien dropped */
		for (char *p = a->email, *q = a->email;; p++)
		{
			if (*p != '\'')
				*q++ = (char) ((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
			if (*p == '\0')
				break;
		}
		rng_uuid(&r, a->user_id);
	}
}

/*
 * Fill in the stored part of call id started at start: who took it, how
 * long it lasted, its score; finished (DONE, one in a hundred ERROR).
 */
static void
generate_call(VgCall *c, int64_t id, SimTime start, SimRng *r)
{
	memset(c, 0, sizeof(*c));
	c->call_id = id;
	c->start = start - start % USECS_PER_SEC;
	c->duration = rng_chance(r, 0.1) ? rng_int(r, 5, 59) :
		rng_int(r, 60, 900) + (rng_chance(r, 0.1) ? rng_int(r, 900, 3600) : 0);
	c->project = (uint8_t) (rng_chance(r, 0.6) ? 0 : rng_int(r, 1, VG_NPROJECTS - 1));
	c->aivr_app = (int8_t) (rng_chance(r, 0.3) ? rng_int(r, 0, VG_NAIVR_APPS - 1) : -1);
	/* some voicebot calls end in the voicebot: no agent, no queue */
	if (c->aivr_app >= 0 && rng_chance(r, 0.15))
	{
		c->agent = -1;
		c->queue = -1;
	}
	else
	{
		c->agent = rng_int(r, 0, vg.nagents - 1);
		/* agents mostly take calls of their own queue */
		c->queue = (int8_t) (rng_chance(r, 0.8) ? c->agent % VG_NQUEUES :
							 rng_int(r, 0, VG_NQUEUES - 1));
	}
	c->score10 = (int16_t) (rng_chance(r, 0.7) ? rng_int(r, 30, 100) * 10 : -1);
	c->phase = (uint8_t) (rng_chance(r, 0.01) ? VG_ERROR : VG_DONE);
}

/* Make room for one more call. */
static VgCall *
append_call(void)
{
	if (vg.ncalls == vg.calls_cap)
	{
		vg.calls_cap = vg.calls_cap ? vg.calls_cap * 2 : 1024;
		vg.calls = realloc(vg.calls, vg.calls_cap * sizeof(VgCall));
	}
	return &vg.calls[vg.ncalls++];
}

/*
 * --calls calls, evenly over --days days ending ten minutes before the
 * anchor. Each start lies in its own slot of the span, so startTime never
 * decreases as callId grows (calls in one second share it).
 */
static void
generate_calls(void)
{
	int			n = sim_config.calls;
	SimTime		span = (SimTime) sim_config.days * USECS_PER_DAY;
	SimTime		begin = sim_config.anchor - 10 * USECS_PER_MIN - span;
	double		slot = (double) span / (n > 0 ? n : 1);
	int64_t		id = VG_FIRST_CALL_ID - 1;

	for (int i = 0; i < n; i++)
	{
		SimRng		r;

		rng_seed(&r, sim_config.seed, VG_S_CALL, i);
		/* gaps: ids are shared with other accounts of the platform */
		id += 1 + (rng_chance(&r, 0.1) && i > 0 ? rng_int(&r, 1, 20) : 0);
		generate_call(append_call(), id,
					  begin + (SimTime) (slot * i) + (SimTime) (slot * rng_double(&r)), &r);
	}
	vg.last_id = id;
	for (size_t k = 0; k < sizeof(newest_busy) / sizeof(newest_busy[0]); k++)
		if (newest_busy[k].from_end <= n)
			vg.calls[n - newest_busy[k].from_end].phase = (uint8_t) newest_busy[k].phase;
	/* one call whose processing stalled: consecutive exports stop there */
	if (n >= 10)
		vg.calls[n * 8 / 10].phase = VG_TRANSCRIBING;
}

/* Build the whole data set from the configuration. */
void
vg_generate(void)
{
	generate_org();
	generate_calls();
}

/* Index of the first call whose callId is greater than after. */
int
vg_index_after_id(int64_t after)
{
	int			lo = 0,
				hi = vg.ncalls;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (vg.calls[mid].call_id <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the first call that started at or after t. */
int
vg_index_at_time(SimTime t)
{
	int			lo = 0,
				hi = vg.ncalls;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (vg.calls[mid].start < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The call with this callId, or NULL. */
VgCall *
vg_find_call(int64_t call_id)
{
	int			i = vg_index_after_id(call_id - 1);

	return i < vg.ncalls && vg.calls[i].call_id == call_id ? &vg.calls[i] : NULL;
}

/*
 * A new call with the next callId, in the given phase, that ended a minute
 * before now. It never starts before the newest call (the simulated clock
 * may have been set back), so startTime order stays callId order.
 */
VgCall *
vg_add_call(SimTime now, VgPhase phase)
{
	SimRng		r;
	int64_t		id;
	SimTime		newest = vg.ncalls > 0 ? vg.calls[vg.ncalls - 1].start : 0;
	VgCall	   *c;

	rng_seed(&r, sim_config.seed, VG_S_ADDED, (uint64_t) vg.last_id);
	id = vg.last_id + 1 + (rng_chance(&r, 0.1) ? rng_int(&r, 1, 20) : 0);
	c = append_call();
	generate_call(c, id, now, &r);
	c->start -= (c->duration + 60) * USECS_PER_SEC;
	if (c->start < newest)
		c->start = newest;
	c->phase = (uint8_t) phase;
	vg.last_id = id;
	return c;
}

/* Remove a call: it leaves the export; its callId is never given again. */
void
vg_delete_call(VgCall *c)
{
	int			i = (int) (c - vg.calls);

	memmove(&vg.calls[i], &vg.calls[i + 1], (vg.ncalls - i - 1) * sizeof(VgCall));
	vg.ncalls--;
}
