/*
 * ev_data.c
 *		The ExecVision data set: organisation, users, calls and the objects
 *		around them, generated deterministically from --seed and the sizes,
 *		and changed while running through the admin interface.
 *
 * Calls keep what paging and search need (id, times, state, metadata);
 * transcripts, CRM matches, stats and summaries are generated on demand
 * from the call's index, so a 100 000-call data set stays small.
 */
#include "ev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

EvData		ev;

const char *const ev_directions[] = {"INBOUND", "OUTBOUND", "SCREENSHARE"};

/* COMPLETE first: the generator picks it most of the time. */
const char *const ev_states[] = {
	"COMPLETE", "TRANSCRIBING", "PROCESSING", "CONVERTER_REJECTED", "FAILED"
};
const int	ev_nstates = 5;

static const char *const discovery_q[] = {
	"Did the rep confirm the agenda?", "Did the rep ask probing questions to uncover challenges?",
	"Did the rep quantify the business impact?", "Did the rep identify the decision maker?",
	"Did the rep agree on next steps?", "Was the rep's talk ratio below 60%?",
};
static const char *const support_q[] = {
	"Did the agent verify the account?", "Did the agent show empathy?",
	"Was the issue resolved on the first call?", "Did the agent offer further help?",
};
static const char *const demo_q[] = {
	"Did the rep tailor the demo to the use case?", "Did the rep handle objections?",
	"Did the rep mention the integration?", "Did the rep confirm pricing expectations?",
	"Did the rep book a follow up?",
};

const EvScorecard ev_scorecards[] = {
	{"82d02942-1bc4-4678-8e4e-7d3e56a5dc10", "Discovery Call", "OneToFive", discovery_q, 6},
	{"5a1f7c3e-9b2d-4e8a-a6f1-0c3d5e7f9a2b", "Support Quality", "YesNo", support_q, 4},
	{"c_scorecard", "Demo Review", "OneToThree", demo_q, 5},
	{"e7d6c5b4-a392-4817-b6f5-d4c3b2a19080", "Pass/Fail Compliance", "PassFail", support_q, 2},
};
const int	ev_nscorecards = 4;

static const char *const w_objection[] = {"please don't", "stop calling", "off your list", NULL};
static const char *const w_pricing[] = {"price point", "pricing", "budget", "discount", NULL};
static const char *const w_competitor[] = {"other vendors", "evaluating", NULL};
static const char *const w_next[] = {"follow up", "next tuesday", "schedule", NULL};
static const char *const w_integration[] = {"integration", "salesforce", NULL};
static const char *const w_support[] = {"outage", "ticket", "support", NULL};

const char *const ev_topic_names[] = {
	"Common objections", "Pricing", "Competitors", "Next steps", "Integrations",
	"Support escalation",
};
const char *const *const ev_topic_words[] = {
	w_objection, w_pricing, w_competitor, w_next, w_integration, w_support,
};
const int	ev_ntopics = 6;

static const char *const dept_names[] = {
	"Sales", "Customer Success", "Support", "Solutions Engineering", "Marketing",
};
static const char *const team_kinds[] = {
	"Enterprise AE", "Mid-Market AE", "SDR", "Support Tier 1", "Support Tier 2",
	"Onboarding", "Quality Assurance",
};
static const char *const regions[] = {"NA", "EMEA", "APAC", "LATAM"};
static const char *const lead_sources[] = {
	"Inbound", "Outbound", "Partner Referral", "Event", "Webinar",
};

/* ---------- a bump allocator for strings that live as long as the data ---------- */

static char *arena;
static size_t arena_left;

/* Copy s into the arena. */
const char *
ev_arena_strdup(const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *p;

	if (n > arena_left)
	{
		arena_left = n > 1 << 20 ? n : 1 << 20;
		arena = malloc(arena_left);
	}
	p = arena;
	memcpy(p, s, n);
	arena += n;
	arena_left -= n;
	return p;
}

/* Order (time, id) pairs, the order of since/last_id paging. */
int
ev_cmp_key(SimTime a_time, const char *a_id, SimTime b_time, const char *b_id)
{
	if (a_time != b_time)
		return a_time < b_time ? -1 : 1;
	return strcmp(a_id, b_id);
}

/* qsort comparator: live calls by (modified, id). */
static int
cmp_modified(const void *a, const void *b)
{
	const EvCall *x = *(EvCall *const *) a;
	const EvCall *y = *(EvCall *const *) b;

	return ev_cmp_key(x->modified, x->id, y->modified, y->id);
}

/* qsort comparator: deleted calls by (deleted_at, id). */
static int
cmp_deleted(const void *a, const void *b)
{
	const EvCall *x = *(EvCall *const *) a;
	const EvCall *y = *(EvCall *const *) b;

	return ev_cmp_key(x->deleted_at, x->id, y->deleted_at, y->id);
}

/* qsort comparator: calls by id. */
static int
cmp_id(const void *a, const void *b)
{
	return strcmp((*(EvCall *const *) a)->id, (*(EvCall *const *) b)->id);
}

/* qsort comparator: since-paged objects by their leading SimTime key. */
static int
cmp_key(const void *a, const void *b)
{
	SimTime		x = *(const SimTime *) a;
	SimTime		y = *(const SimTime *) b;

	return x < y ? -1 : x > y;
}

/* Rebuild the live, deleted and by-id orders after a change. */
void
ev_reindex_calls(void)
{
	ev.live = realloc(ev.live, ev.calls_cap * sizeof(EvCall *));
	ev.deleted = realloc(ev.deleted, ev.calls_cap * sizeof(EvCall *));
	ev.by_id = realloc(ev.by_id, ev.calls_cap * sizeof(EvCall *));
	ev.nlive = ev.ndeleted = 0;
	for (int i = 0; i < ev.ncalls; i++)
	{
		EvCall	   *c = ev.calls[i];

		if (c->deleted)
			ev.deleted[ev.ndeleted++] = c;
		else
			ev.live[ev.nlive++] = c;
		ev.by_id[i] = c;
	}
	qsort(ev.live, ev.nlive, sizeof(EvCall *), cmp_modified);
	qsort(ev.deleted, ev.ndeleted, sizeof(EvCall *), cmp_deleted);
	qsort(ev.by_id, ev.ncalls, sizeof(EvCall *), cmp_id);
}

/* Look a call up by id (live or deleted); NULL if there is none. */
EvCall *
ev_find_call(const char *id)
{
	int			lo = 0,
				hi = ev.ncalls - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = strcmp(ev.by_id[mid]->id, id);

		if (c == 0)
			return ev.by_id[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* Set (or add) one metadata field of a call. */
void
ev_set_meta(EvCall *c, const char *key, const char *text, EvMetaType type)
{
	for (int i = 0; i < c->nmeta; i++)
		if (strcmp(c->meta[i].key, key) == 0)
		{
			c->meta[i].text = ev_arena_strdup(text);
			c->meta[i].type = type;
			return;
		}
	c->meta = realloc(c->meta, (c->nmeta + 1) * sizeof(EvMeta));
	c->meta[c->nmeta].key = ev_arena_strdup(key);
	c->meta[c->nmeta].text = ev_arena_strdup(text);
	c->meta[c->nmeta].type = type;
	c->nmeta++;
}

/* Append a metadata field while generating (keys are static strings). */
static void
add_meta(EvCall *c, const char *key, const char *text, EvMetaType type)
{
	c->meta[c->nmeta].key = key;
	c->meta[c->nmeta].text = ev_arena_strdup(text);
	c->meta[c->nmeta].type = type;
	c->nmeta++;
}

/* Write n random base-62 characters after prefix, as CRM ids look. */
static void
crm_id(SimRng *r, char *out, const char *prefix, int n)
{
	int			len = (int) strlen(prefix);

	memcpy(out, prefix, len);
	rng_base62(r, out + len, n);
}

/* The CRM account id of corpus company number company (one per company). */
void
ev_account_id(int company, char out[24])
{
	SimRng		r;

	rng_seed(&r, sim_config.seed, EV_S_META, UINT64_C(1) << 51 | (uint64_t) company);
	crm_id(&r, out, "0017000000", 8);
}

/*
 * The custom fields of a call: they vary from call to call, as CRMs do.
 * Calls of one company share its account id, and about twenty calls share
 * an opportunity, so searches range from a handful of ids to the cap.
 */
static void
generate_meta(EvCall *c)
{
	SimRng		r;
	SimRng		ids;
	char		tmp[64];
	int			company;

	rng_seed(&r, sim_config.seed, EV_S_META, c->index);
	c->meta = malloc(10 * sizeof(EvMeta));
	c->nmeta = 0;
	add_meta(c, "id", c->id, META_STRING);
	add_meta(c, "deleted", "false", META_BOOL);
	snprintf(tmp, sizeof(tmp), "%d", rng_int(&r, 100, 140));
	add_meta(c, "uploader", tmp, META_STRING);
	company = rng_int(&r, 0, corpus_ncompanies - 1);
	if (rng_chance(&r, 0.95))
		add_meta(c, "company", corpus_companies[company], META_STRING);
	if (rng_chance(&r, 0.7))
	{
		int			per_company = sim_config.calls / (20 * corpus_ncompanies) + 1;

		rng_seed(&ids, sim_config.seed, EV_S_META,
				 UINT64_C(1) << 50 | (uint64_t) company << 20 | (uint64_t) rng_int(&r, 0, per_company - 1));
		crm_id(&ids, tmp, "006", 15);
		add_meta(c, "opportunity_id", tmp, META_STRING);
		snprintf(tmp, sizeof(tmp), "%d", rng_int(&ids, 1, 50) * 5000);
		add_meta(c, "opportunity_price_point", tmp, META_NUMBER);
	}
	if (rng_chance(&r, 0.3))
	{
		snprintf(tmp, sizeof(tmp), "%d.%02d", rng_int(&r, 49, 4999), rng_int(&r, 0, 99));
		add_meta(c, "list_price", tmp, META_NUMBER);
	}
	if (rng_chance(&r, 0.8))
	{
		ev_account_id(company, tmp);
		add_meta(c, "crm_account_id", tmp, META_STRING);
	}
	if (rng_chance(&r, 0.7))
		add_meta(c, "region", rng_pick(&r, regions, 4), META_STRING);
	if (rng_chance(&r, 0.5))
		add_meta(c, "lead_source", rng_pick(&r, lead_sources, 5), META_STRING);
}

/* Fill in a call made at call_time; modified comes later, never after limit. */
static void
generate_call(EvCall *c, int index, SimTime call_time, SimTime limit)
{
	SimRng		r;
	int64_t		delay;

	rng_seed(&r, sim_config.seed, EV_S_CALL, index);
	memset(c, 0, sizeof(*c));
	c->index = index;
	rng_uuid(&r, c->id);
	c->caller = rng_int(&r, 0, ev.nusers - 1);
	c->call_time = call_time - call_time % USECS_PER_SEC;
	/* most calls last minutes, a few over an hour; some durations are fractional */
	c->duration = rng_chance(&r, 0.1) ? rng_int(&r, 3, 45) :
		rng_int(&r, 60, 900) + (rng_chance(&r, 0.1) ? rng_int(&r, 900, 3600) : 0);
	if (rng_chance(&r, 0.15))
		c->duration += rng_int(&r, 1, 9) / 10.0;
	c->direction = (uint8_t) (rng_chance(&r, 0.05) ? 2 : rng_int(&r, 0, 1));
	c->state = (uint8_t) (rng_chance(&r, 0.9) ? EV_STATE_COMPLETE : rng_int(&r, 1, ev_nstates - 1));
	/* processing takes minutes; CRM metadata sometimes arrives days later */
	delay = (int64_t) (c->duration * USECS_PER_SEC) + rng_int(&r, 120, 7200) * USECS_PER_SEC;
	if (rng_chance(&r, 0.1))
		delay += rng_int(&r, 1, 5) * USECS_PER_DAY;
	c->modified = call_time + delay + rng_int(&r, 0, 999999);
	if (c->modified > limit)
		c->modified = limit - rng_int(&r, 0, 59999999);
	if (c->modified <= c->call_time)
		c->modified = c->call_time + USECS_PER_SEC;
	generate_meta(c);
}

/* Departments, teams and users, consistent with each other. */
static void
generate_org(void)
{
	SimRng		r;

	rng_seed(&r, sim_config.seed, EV_S_ORG, 0);
	ev.ndepts = 5;
	ev.depts = calloc(ev.ndepts, sizeof(EvDept));
	for (int i = 0; i < ev.ndepts; i++)
	{
		rng_uuid(&r, ev.depts[i].id);
		ev.depts[i].name = dept_names[i];
	}
	ev.nusers = sim_config.users;
	ev.nteams = ev.nusers / 12 + 1;
	ev.teams = calloc(ev.nteams, sizeof(EvTeam));
	ev.users = calloc(ev.nusers, sizeof(EvUser));
	for (int i = 0; i < ev.nteams; i++)
	{
		rng_uuid(&r, ev.teams[i].id);
		snprintf(ev.teams[i].name, sizeof(ev.teams[i].name), "%s %d",
				 team_kinds[i % 7], i / 7 + 1);
		ev.teams[i].dept = i % 7 < 3 ? 0 : (i % 7 < 5 ? 2 : i % 7 - 4);
		ev.teams[i].manager = i % ev.nusers;
	}
	for (int i = 0; i < ev.nusers; i++)
	{
		EvUser	   *u = &ev.users[i];

		rng_seed(&r, sim_config.seed, EV_S_USER, i);
		rng_uuid(&r, u->id);
		u->first = rng_pick(&r, corpus_first_names, corpus_nfirst_names);
		u->last = rng_pick(&r, corpus_last_names, corpus_nlast_names);
		snprintf(u->email, sizeof(u->email), "%s.%s%d@example.com", u->first, u->last, i);
		for (char *p = u->email; *p; p++)
			*p = (char) ((*p >= 'A' && *p <= 'Z') ? *p + 32 : (*p == '\'' ? '-' : *p));
		u->team = i % ev.nteams;
		/* team managers stay active; one user in ten has left the company */
		u->active = i < ev.nteams || !rng_chance(&r, 0.1);
		snprintf(u->system_id, sizeof(u->system_id), "dialer-%05d", rng_int(&r, 1, 99999));
	}
}

/* Append a call to ev.calls, growing the array. */
static EvCall *
append_call(void)
{
	if (ev.ncalls == ev.calls_cap)
	{
		ev.calls_cap = ev.calls_cap ? ev.calls_cap * 2 : 1024;
		ev.calls = realloc(ev.calls, ev.calls_cap * sizeof(EvCall *));
	}
	ev.calls[ev.ncalls] = calloc(1, sizeof(EvCall));
	return ev.calls[ev.ncalls++];
}

/* rng_cluster's take: a live call modified before t is modified at t. */
static bool
take_call(int i, SimTime t)
{
	EvCall	   *c = ev.calls[i];

	if (c->modified >= t || c->deleted)
		return false;
	c->modified = t;
	return true;
}

/* Calls over the last --days days, some deleted, with modified clusters. */
static void
generate_calls(void)
{
	SimTime		end = sim_config.anchor - 10 * USECS_PER_MIN;
	SimTime		span = (SimTime) sim_config.days * USECS_PER_DAY;
	int			n = sim_config.calls;
	int			big = cluster_size(n);

	for (int i = 0; i < n; i++)
	{
		EvCall	   *c = append_call();
		SimRng		r;

		rng_seed(&r, sim_config.seed, EV_S_CALL, (uint64_t) i + (UINT64_C(1) << 40));
		generate_call(c, i, end - span + (span / n) * i + rng_int(&r, 0, 59) * USECS_PER_SEC,
					  sim_config.anchor);
	}
	/*
	 * bulk CRM updates, larger than a page: one on a whole minute, three
	 * with microseconds
	 */
	rng_cluster(EV_S_CLUSTER, 0, ev.ncalls, big, 4, take_call,
				sim_config.anchor - 2 * USECS_PER_DAY - sim_config.anchor % USECS_PER_MIN);
	for (int k = 1; k <= 3; k++)
		rng_cluster(EV_S_CLUSTER, k, ev.ncalls, n >= 3000 ? 150 : n / 20, 4, take_call,
					sim_config.anchor - (10 * k) * USECS_PER_DAY + k * 12345678);
	/* one call in a hundred was deleted a while after it was last modified */
	for (int i = 0; i < n; i += 100)
	{
		EvCall	   *c = ev.calls[(i + 37) % n];

		c->deleted = true;
		c->deleted_at = c->modified + (sim_config.anchor - c->modified) / 2 + 48648;
	}
	ev_reindex_calls();
}

/* A random existing call's index and its call time. */
static EvCall *
random_call(SimRng *r)
{
	return ev.calls[rng_int(r, 0, ev.ncalls - 1)];
}

/* Allocate a since-paged collection of count items of size bytes. */
static void *
collection_alloc(EvCollection *coll, int count, size_t size)
{
	coll->items = calloc(count > 0 ? count : 1, size);
	coll->count = count;
	coll->size = size;
	return coll->items;
}

/* Listens, scores, feedback and shares: things people did with calls. */
static void
generate_call_activity(void)
{
	int			n = ev.ncalls;
	EvListen   *l = collection_alloc(&ev.listens, n / 5, sizeof(EvListen));
	EvScoreResult *s = collection_alloc(&ev.scores, n / 10, sizeof(EvScoreResult));
	EvFeedback *f = collection_alloc(&ev.feedback, n / 8, sizeof(EvFeedback));
	EvShare    *sh = collection_alloc(&ev.shares, n / 15, sizeof(EvShare));
	SimRng		r;

	for (int i = 0; i < ev.listens.count; i++)
	{
		EvCall	   *c;

		rng_seed(&r, sim_config.seed, EV_S_LISTEN, i);
		c = random_call(&r);
		l[i].call = c->index;
		l[i].listener = rng_int(&r, 0, ev.nusers - 1);
		l[i].seconds = rng_int(&r, 5, (int) c->duration + 5);
		l[i].key = c->call_time + rng_int(&r, 0, 20) * USECS_PER_DAY;
		l[i].key -= l[i].key % USECS_PER_DAY;
	}
	for (int i = 0; i < ev.scores.count; i++)
	{
		rng_seed(&r, sim_config.seed, EV_S_SCORE, i);
		s[i].id = 1000 + i;
		s[i].call = random_call(&r)->index;
		s[i].reviewer = rng_int(&r, 0, ev.nteams - 1);	/* managers review */
		s[i].scorecard = rng_int(&r, 0, ev_nscorecards - 1);
		s[i].score_time = ev.calls[s[i].call]->call_time + rng_int(&r, 3600, 10 * 86400) * USECS_PER_SEC;
		s[i].key = s[i].score_time + (rng_chance(&r, 0.2) ? rng_int(&r, 60, 86400) * USECS_PER_SEC : 0);
	}
	for (int i = 0; i < ev.feedback.count; i++)
	{
		rng_seed(&r, sim_config.seed, EV_S_FEEDBACK, i);
		f[i].call = random_call(&r)->index;
		f[i].by = rng_int(&r, 0, ev.nusers - 1);
		f[i].highlight = rng_chance(&r, 0.4);
		f[i].start = rng_int(&r, 0, (int) ev.calls[f[i].call]->duration);
		f[i].text = rng_int(&r, 0, corpus_nsentences - 1);
		f[i].at = ev.calls[f[i].call]->call_time + rng_int(&r, 600, 5 * 86400) * USECS_PER_SEC;
		f[i].key = f[i].at;
	}
	for (int i = 0; i < ev.shares.count; i++)
	{
		rng_seed(&r, sim_config.seed, EV_S_SHARE, i);
		sh[i].call = random_call(&r)->index;
		sh[i].by = rng_int(&r, 0, ev.nusers - 1);
		sh[i].nrecipients = rng_int(&r, 0, 3);
		for (int k = 0; k < sh[i].nrecipients; k++)
			sh[i].recipients[k] = rng_int(&r, 0, ev.nusers - 1);
		sh[i].nemails = sh[i].nrecipients == 0 ? 1 : rng_int(&r, 0, 1);
		sh[i].key = ev.calls[sh[i].call]->call_time + rng_int(&r, 600, 3 * 86400) * USECS_PER_SEC;
		sh[i].key -= sh[i].key % USECS_PER_SEC;
	}
}

/* Coaching plans, their meetings, and KPI observations. */
static void
generate_coaching(void)
{
	int			nplans = ev.nusers / 2 + 1;
	EvPlan	   *p = collection_alloc(&ev.plans, nplans, sizeof(EvPlan));
	EvMeeting  *m = collection_alloc(&ev.meetings, nplans * 4, sizeof(EvMeeting));
	EvKpi	   *k = collection_alloc(&ev.kpis, ev.nusers * 10, sizeof(EvKpi));
	SimTime		begin = sim_config.anchor - (SimTime) sim_config.days * USECS_PER_DAY;
	SimRng		r;

	for (int i = 0; i < nplans; i++)
	{
		rng_seed(&r, sim_config.seed, EV_S_PLAN, i);
		p[i].id = 3700 + i;
		p[i].recipient = rng_int(&r, ev.nteams, ev.nusers - 1 > ev.nteams ? ev.nusers - 1 : ev.nteams);
		p[i].recipient %= ev.nusers;
		p[i].coach = ev.users[p[i].recipient].team;
		p[i].start = begin + rng_int(&r, 0, sim_config.days * 86400 / 2) * (SimTime) USECS_PER_SEC;
		p[i].planned = rng_int(&r, 4, 20);
		p[i].completed = rng_int(&r, 0, 4);
		p[i].key = p[i].start + rng_int(&r, 0, 86400 * 20) * (SimTime) USECS_PER_SEC;
		for (int j = 0; j < 4; j++)
		{
			EvMeeting  *mm = &m[i * 4 + j];

			mm->id = 9200 + i * 4 + j;
			mm->plan_id = p[i].id;
			mm->coach = p[i].coach;
			mm->recipient = p[i].recipient;
			mm->start = p[i].start + (j + 1) * 7 * USECS_PER_DAY + rng_int(&r, 0, 28800) * (SimTime) USECS_PER_SEC;
			mm->key = mm->start + rng_int(&r, 1800, 86400) * (SimTime) USECS_PER_SEC + rng_int(&r, 0, 999) * 1000;
		}
	}
	for (int i = 0; i < ev.kpis.count; i++)
	{
		rng_seed(&r, sim_config.seed, EV_S_KPI, i);
		k[i].observed = i % ev.nusers;
		k[i].observer = ev.users[k[i].observed].team;
		k[i].kpi = rng_int(&r, 1, 8);
		k[i].value = rng_int(&r, 0, 10000) / 100.0;
		k[i].key = begin + rng_int(&r, 0, sim_config.days * 1440) * (SimTime) USECS_PER_MIN;
	}
}

/* Sort every since-paged collection by its key. */
static void
sort_collections(void)
{
	EvCollection *all[] = {&ev.listens, &ev.scores, &ev.feedback, &ev.shares,
	&ev.meetings, &ev.plans, &ev.kpis};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		qsort(all[i]->items, all[i]->count, all[i]->size, cmp_key);
}

/* Build the whole data set from the configuration. */
void
ev_generate(void)
{
	generate_org();
	generate_calls();
	generate_call_activity();
	generate_coaching();
	sort_collections();
}

/*
 * A new call that has just finished processing (admin "add"). The caller
 * runs ev_reindex_calls() once it has added them all.
 */
EvCall *
ev_add_call(SimTime now)
{
	EvCall	   *c = append_call();
	int			index = ev.ncalls - 1;

	generate_call(c, index, now - 30 * USECS_PER_MIN, now);
	c->modified = now;
	return c;
}

/* Record a state change of c at now: it moves to the end of the paging order. */
void
ev_touch_call(EvCall *c, SimTime now)
{
	c->modified = now;
	ev_reindex_calls();
}

/* Delete c at now. */
void
ev_delete_call(EvCall *c, SimTime now)
{
	c->deleted = true;
	c->deleted_at = now;
	ev_reindex_calls();
}

/* The stable id of question q of scorecard sc. */
void
ev_question_id(int scorecard, int question, char out[37])
{
	SimRng		r;

	rng_seed(&r, 0, EV_S_SCORE, (uint64_t) scorecard * 100 + question);
	rng_uuid(&r, out);
}
