/*
 * cr_data.c
 *		The Cresta data set: users and teams, scorecard templates, and
 *		calls/3 scorecards over --days days, generated from the seed.
 *
 * A scorecard keeps only what the list filters and orders by (agent,
 * template, create, submit and update times); its scores, people,
 * comments and the rest are generated again from its index whenever it
 * is written (cr_expand), so a million calls start in a moment.
 */
#include "cresta.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

CrData		cr;

const char *const cr_scorecard_types[] = {
	"SCORECARD_TYPE_UNSPECIFIED", "SCORECARD_TYPE_APPEAL_ORIGINAL_REPLICA",
	"SCORECARD_TYPE_APPEAL_REQUEST", "SCORECARD_TYPE_APPEAL_RESOLVE",
	"SCORECARD_TYPE_GROUP_CALIBRATION_ANSWER_KEY",
	"SCORECARD_TYPE_GROUP_CALIBRATION_RESPONSE", NULL
};

const char *const cr_submission_sources[] = {
	"SCORECARD_SUBMISSION_SOURCE_UNSPECIFIED",
	"SCORECARD_SUBMISSION_SOURCE_CLOSED_CONVERSATIONS",
	"SCORECARD_SUBMISSION_SOURCE_QM_TASK_HOME",
	"SCORECARD_SUBMISSION_SOURCE_LIVE_CONVERSATIONS", NULL
};

/* Who may read a criterion's comment (commentAccessRoles). */
const char *const cr_role_sets[][3] = {
	{"AGENT", "MANAGER", NULL},
	{"MANAGER", "QA_ADMIN", NULL},
	{"MANAGER", NULL, NULL},
};

#define LEN(a) ((int) (sizeof(a) / sizeof((a)[0])))

static const char *const tone_words[] = {"Excellent", "Good", "Needs improvement", NULL};
static const char *const promise_words[] = {"Promise to pay", "Refused", "Callback scheduled", NULL};
static const char *const retention_words[] = {"Saved", "Lost", "Undecided", NULL};

static const CrCriterion sales_criteria[] = {
	{"greeting", "Greeted the customer by name", "opening", CR_NUMERIC, 1, true, false, false},
	{"agenda", "Set an agenda", "opening", CR_NUMERIC, 1, false, false, true},
	{"needs", "Uncovered the customer's needs", "discovery", CR_NUMERIC, 5, true, false, false},
	{"budget", "Qualified budget", "discovery", CR_NUMERIC, 1, true, false, true},
	{"next-steps", "Agreed on next steps", "closing", CR_NUMERIC, 5, false, false, false},
	{"recording-disclosure", "Disclosed the call recording", "closing", CR_NUMERIC, 1, true, true, false},
};

static const CrCriterion support_criteria[] = {
	{"verification", "Verified the caller's identity", "opening", CR_NUMERIC, 1, true, true, false},
	{"empathy", "Showed empathy", "handling", CR_NUMERIC, 5, true, false, false},
	{"hold-etiquette", "Asked before placing on hold", "handling", CR_NUMERIC, 1, false, false, true},
	{"resolution", "Resolved the issue", "resolution", CR_NUMERIC, 10, false, false, false},
	{"tone", "Overall tone", "resolution", CR_TEXT, 0, false, false, false, tone_words},
};

static const CrCriterion collections_criteria[] = {
	{"mini-miranda", "Read the mini-Miranda warning", "compliance", CR_NUMERIC, 1, true, true, false},
	{"right-party", "Confirmed right party contact", "compliance", CR_NUMERIC, 1, false, true, false},
	{"payment-offer", "Offered a payment plan", "negotiation", CR_NUMERIC, 5, true, false, true},
	{"promise-to-pay", "Outcome", "negotiation", CR_TEXT, 0, false, false, false, promise_words},
};

static const CrCriterion retention_criteria[] = {
	{"reason", "Asked why the customer is leaving", "discovery", CR_NUMERIC, 1, true, false, false},
	{"save-offer", "Made a save offer", "offer", CR_NUMERIC, 5, true, false, true},
	{"objections", "Handled objections", "offer", CR_NUMERIC, 5, false, false, false},
	{"outcome", "Outcome", "offer", CR_TEXT, 0, false, false, false, retention_words},
};

static const CrCriterion onboarding_criteria[] = {
	{"welcome", "Welcomed the customer", "welcome", CR_NUMERIC, 1, false, false, false},
	{"setup", "Walked through the setup", "setup", CR_NUMERIC, 5, true, false, false},
	{"recap", "Recapped the call", "setup", CR_NUMERIC, 1, false, false, true},
};

CrTemplate	cr_templates[] = {
	{"sales-discovery", "sales", sales_criteria, LEN(sales_criteria)},
	{"support-qa", "support", support_criteria, LEN(support_criteria)},
	{"collections-compliance", "collections", collections_criteria, LEN(collections_criteria)},
	{"retention-save", "retention", retention_criteria, LEN(retention_criteria)},
	{"onboarding-call", "support", onboarding_criteria, LEN(onboarding_criteria)},
};
static const int cr_ntemplates = LEN(cr_templates);

static const char *const ack_comments[] = {
	"Thanks, will do.", "I disagree with the hold score.", "Understood.",
};

/* The name of team number team. */
void
cr_team_name(int team, char *out, size_t len)
{
	snprintf(out, len, "customers/%s/teams/team-%02d", cr_customer, team + 1);
}

/*
 * Users: the first users/12 + 1 (all but one at most) are the teams'
 * managers, who score; the others are agents, who are scored. One agent
 * in ten has been deactivated, one in forty is a dev user.
 */
static void
generate_users(void)
{
	cr.nusers = sim_config.users;
	cr.nteams = cr.nusers / 12 + 1;
	cr.nmanagers = cr.nteams < cr.nusers ? cr.nteams : cr.nusers - 1;
	cr.users = calloc(cr.nusers, sizeof(CrUser));
	for (int i = 0; i < cr.nusers; i++)
	{
		CrUser	   *u = &cr.users[i];
		SimRng		r;

		rng_seed(&r, sim_config.seed, CR_S_USER, i);
		snprintf(u->id, sizeof(u->id), "%012llx",
				 (unsigned long long) (rng_next(&r) & UINT64_C(0xffffffffffff)));
		snprintf(u->name, sizeof(u->name), "customers/%s/users/%s", cr_customer, u->id);
		u->first = rng_pick(&r, corpus_first_names, corpus_nfirst_names);
		u->last = rng_pick(&r, corpus_last_names, corpus_nlast_names);
		snprintf(u->email, sizeof(u->email), "%s.%s%d@example.com", u->first, u->last, i);
		for (char *p = u->email; *p; p++)
			*p = (char) ((*p >= 'A' && *p <= 'Z') ? *p + 32 : (*p == '\'' ? '-' : *p));
		u->team = i % cr.nteams;
		u->manager = i < cr.nmanagers;
		u->active = u->manager || !rng_chance(&r, 0.1);
		u->dev = !u->manager && rng_chance(&r, 0.025);
	}
}

/* A manager (one who scores), or user 0 when there is none. */
static int
pick_manager(SimRng *r)
{
	return rng_int(r, 0, cr.nmanagers > 0 ? cr.nmanagers - 1 : 0);
}

/*
 * Whether the agent acknowledges scorecard index, and how long after its
 * submission: the generator and cr_expand must agree, so it has a stream
 * of its own.
 */
static bool
ack_delay(int index, int64_t *delay)
{
	SimRng		r;

	rng_seed(&r, sim_config.seed, CR_S_DETAIL, UINT64_C(1) << 40 | (uint64_t) index);
	*delay = rng_int(&r, 600, 3 * 86400) * INT64_C(1000) + rng_int(&r, 0, 999) * INT64_C(1000);
	return rng_chance(&r, 0.4);
}

/* A random delay of lo to hi seconds, in whole milliseconds. */
static int64_t
delay_ms(SimRng *r, int lo, int hi)
{
	return rng_int(r, lo, hi) * USECS_PER_SEC + rng_int(r, 0, 999) * INT64_C(1000);
}

/*
 * Fill in scorecard index for a conversation that ended at end, its times
 * moved back as a whole when they would pass limit. Appeals and
 * calibrations refer to an earlier scorecard and share its agent,
 * template and conversation.
 */
void
cr_generate_scorecard(CrScorecard *sc, int index, SimTime end, SimTime limit)
{
	SimRng		r;
	double		p;
	int64_t		ack;
	bool		backfilled;
	SimTime		shift;

	rng_seed(&r, sim_config.seed, CR_S_CARD, index);
	memset(sc, 0, sizeof(*sc));
	sc->index = index;
	rng_uuid(&r, sc->id);
	sc->agent = rng_int(&r, cr.nmanagers, cr.nusers - 1);
	sc->template = rng_int(&r, 0, cr_ntemplates - 1);
	sc->ref = -1;
	p = rng_double(&r);
	sc->state = p < 0.7 ? CR_SUBMITTED : (p < 0.8 ? CR_DRAFT : CR_AI_ONLY);
	if (rng_chance(&r, 0.05) && cr.nblock > 0 && index > 0)
	{
		sc->type = (uint8_t) rng_int(&r, 1, 5);
		sc->ref = rng_int(&r, 0, (index < cr.nblock ? index : cr.nblock) - 1);
		sc->agent = cr.block[sc->ref].agent;
		sc->template = cr.block[sc->ref].template;
		if (sc->state == CR_AI_ONLY)
			sc->state = CR_SUBMITTED;
	}
	backfilled = rng_chance(&r, 0.05);

	/* auto scoring is done in minutes; people score within days */
	end -= end % 1000;
	if (sc->state == CR_AI_ONLY)
		sc->create_time = end + delay_ms(&r, 120, 1800);
	else
		sc->create_time = end + delay_ms(&r, 600, 5 * 86400);
	sc->update_time = sc->create_time;
	if (sc->state == CR_SUBMITTED)
		sc->update_time = sc->submit_time = sc->create_time + delay_ms(&r, 60, 7200);
	if (sc->submit_time && ack_delay(index, &ack))
		sc->update_time = sc->submit_time + ack;	/* acknowledging updates it */
	if (rng_chance(&r, 0.1))
		sc->update_time += delay_ms(&r, 60, 2 * 86400);

	shift = sc->update_time > limit ? sc->update_time - limit + delay_ms(&r, 0, 60) : 0;
	sc->create_time -= shift;
	sc->update_time -= shift;
	if (sc->submit_time)
		sc->submit_time -= shift;
	if (backfilled)
	{
		sc->create_time -= sc->create_time % USECS_PER_SEC;
		sc->update_time -= sc->update_time % USECS_PER_SEC;
		sc->submit_time -= sc->submit_time % USECS_PER_SEC;
	}
	sc->agent_name = cr.users[sc->agent].name;
	sc->template_name = cr_templates[sc->template].name;
}

/* The id of the conversation scorecard index scores. */
static void
cr_conversation_id(int index, char out[37])
{
	SimRng		r;

	rng_seed(&r, sim_config.seed, CR_S_CONVERSATION, index);
	rng_uuid(&r, out);
}

/*
 * Score one criterion. Every draw is made whatever the outcome, so that a
 * change of state (the admin submitting a draft) changes nothing else.
 */
static void
score_criterion(SimRng *r, const CrScorecard *sc, const CrCriterion *c, bool none_apply,
				CrScore *s)
{
	bool		na = rng_chance(r, 0.1);
	bool		full = rng_chance(r, 0.7);
	int			value = rng_int(r, 0, c->max);
	bool		ai = rng_chance(r, 0.6);
	bool		overridden = rng_chance(r, 0.2);
	int			ai_value = rng_int(r, 0, c->max);
	bool		commented = rng_chance(r, 0.1);
	const char *sentence = rng_pick(r, corpus_sentences, corpus_nsentences);
	int			roles = rng_int(r, 0, 2);
	int			word = rng_int(r, 0, 2);
	bool		manual = sc->state != CR_AI_ONLY;

	memset(s, 0, sizeof(*s));
	s->crit = c;
	s->roles = -1;
	/* auto scoring leaves alone what it cannot score */
	s->na = none_apply || (c->may_be_na && na) || (!manual && !c->ai);
	if (s->na)
		return;
	if (c->kind == CR_TEXT)
		s->text = c->words[word];
	else
		s->value = full ? c->max : value;
	s->ai_scored = c->ai && c->kind == CR_NUMERIC && (!manual || ai);
	if (s->ai_scored)
		s->ai_value = manual && overridden ? ai_value : s->value;
	s->auto_failed = c->auto_fail && c->kind == CR_NUMERIC && s->value == 0;
	if (manual && commented)
	{
		s->comment = sentence;
		s->roles = roles;
	}
}

/*
 * The scores and their total: the share of the points of the applicable
 * numeric criteria, -1 when none applies (one conversation in fifty was
 * a wrong number), 0 when one auto-fails.
 */
static void
expand_scores(SimRng *r, const CrScorecard *sc, CrDetail *d)
{
	const CrTemplate *t = &cr_templates[sc->template];
	bool		none_apply = rng_chance(r, 0.02);
	int			points = 0,
				max = 0;

	d->nscores = t->ncriteria;
	d->auto_failed = false;
	for (int i = 0; i < t->ncriteria; i++)
	{
		CrScore    *s = &d->scores[i];

		score_criterion(r, sc, &t->criteria[i], none_apply, s);
		if (!s->na && s->crit->kind == CR_NUMERIC)
		{
			points += s->value;
			max += s->crit->max;
		}
		d->auto_failed |= s->auto_failed;
	}
	d->total = max == 0 ? -1.0f : (d->auto_failed ? 0.0f : (float) (100.0 * points / max));
}

/* Generate the parts of a generated scorecard that are not stored. */
void
cr_expand(const CrScorecard *sc, CrDetail *d)
{
	SimRng		r;
	int			creator,
				other;
	bool		same_updater,
				any_ai = false;
	const char *comment;
	bool		commented,
				planned,
				acked,
				ack_commented,
				process;
	int64_t		ack,
				ai_before,
				process_before;
	const char *ack_comment;

	memset(d, 0, sizeof(*d));
	rng_seed(&r, sim_config.seed, CR_S_DETAIL, sc->index);
	creator = pick_manager(&r);
	other = pick_manager(&r);
	same_updater = rng_chance(&r, 0.8);
	commented = rng_chance(&r, 0.5);
	comment = rng_pick(&r, corpus_sentences, corpus_nsentences);
	planned = rng_chance(&r, 0.15);
	d->nplans = rng_int(&r, 1, 2);
	d->plans[0] = rng_int(&r, 1, 999);
	d->plans[1] = rng_int(&r, 1, 999);
	ai_before = delay_ms(&r, 60, 1800);
	ack_commented = rng_chance(&r, 0.3);
	ack_comment = rng_pick(&r, ack_comments, LEN(ack_comments));
	process = rng_chance(&r, 0.03);
	snprintf(d->process_id, sizeof(d->process_id), "PRC-%06d", rng_int(&r, 1, 999999));
	process_before = delay_ms(&r, 3600, 2 * 86400);
	d->source = rng_int(&r, 1, 3);
	d->consistency = (float) rng_int(&r, 400, 1000) / 10.0f;
	expand_scores(&r, sc, d);

	cr_conversation_id(sc->ref >= 0 ? sc->ref : sc->index, d->conversation);
	if (sc->ref >= 0 && sc->type >= 1 && sc->type <= 3)
		memcpy(d->reference, cr.block[sc->ref].id, sizeof(d->reference));
	d->manually_scored = sc->state != CR_AI_ONLY;
	d->creator = d->manually_scored ? creator : -1;
	d->updated_by = d->manually_scored ? (same_updater ? creator : other) : -1;
	d->submitted_by = sc->submit_time ? creator : -1;
	d->comment = sc->comment ? sc->comment : (d->manually_scored && commented ? comment : NULL);
	if (!planned)
		d->nplans = 0;
	for (int i = 0; i < d->nscores; i++)
		any_ai |= d->scores[i].ai_scored;
	/* an auto-scored scorecard is made by auto scoring, even of nothing */
	if (!d->manually_scored)
		d->ai_time = sc->create_time;
	else if (any_ai)
		d->ai_time = sc->create_time - ai_before;
	acked = sc->submit_time && ack_delay(sc->index, &ack) &&
		sc->submit_time + ack <= sc->update_time;
	d->ack_time = acked ? sc->submit_time + ack : 0;
	d->ack_comment = acked && ack_commented ? ack_comment : NULL;
	if (process)
		d->process_time = sc->create_time - process_before;
	else
		d->process_id[0] = '\0';
	if (!sc->submit_time)
		d->source = 0;
}

/* Order of the list: (updateTime, name); names differ only in their id. */
int
cr_cmp_update(const CrScorecard *a, const CrScorecard *b)
{
	if (a->update_time != b->update_time)
		return a->update_time < b->update_time ? -1 : 1;
	return strcmp(a->id, b->id);
}

/* qsort comparator for the list order. */
static int
qsort_update(const void *a, const void *b)
{
	return cr_cmp_update(*(CrScorecard *const *) a, *(CrScorecard *const *) b);
}

/* qsort comparator for the by-id index. */
static int
qsort_id(const void *a, const void *b)
{
	return strcmp((*(CrScorecard *const *) a)->id, (*(CrScorecard *const *) b)->id);
}

/* rng_cluster's take: a scorecard updated before t is updated at t. */
static bool
take_scorecard(int i, SimTime t)
{
	if (cr.block[i].update_time >= t)
		return false;
	cr.block[i].update_time = t;
	return true;
}

/* Scorecards (calls/3) evenly over --days days before the anchor. */
static void
generate_scorecards(void)
{
	SimTime		end = sim_config.anchor - 10 * USECS_PER_MIN;
	SimTime		span = (SimTime) sim_config.days * USECS_PER_DAY;
	int			n = sim_config.calls / 3;
	int			big = cluster_size(n);

	cr.block = calloc(n > 0 ? n : 1, sizeof(CrScorecard));
	for (int i = 0; i < n; i++)
	{
		SimRng		r;

		rng_seed(&r, sim_config.seed, CR_S_CARD, (uint64_t) i + (UINT64_C(1) << 40));
		cr_generate_scorecard(&cr.block[i], i,
							  end - span + (span / n) * i + delay_ms(&r, 0, 59),
							  sim_config.anchor);
		cr.nblock = i + 1;
	}
	cr.next_index = n;
	/* a bulk change (a template's revision) on a whole second, larger than a page */
	rng_cluster(CR_S_CLUSTER, 0, cr.nblock, big, 4, take_scorecard,
				sim_config.anchor - 3 * USECS_PER_DAY - sim_config.anchor % USECS_PER_SEC);

	cr.cap = n + 1024;
	cr.by_update = malloc(cr.cap * sizeof(CrScorecard *));
	cr.by_id = malloc(cr.cap * sizeof(CrScorecard *));
	for (int i = 0; i < n; i++)
		cr.by_update[i] = cr.by_id[i] = &cr.block[i];
	cr.count = n;
	qsort(cr.by_update, n, sizeof(CrScorecard *), qsort_update);
	qsort(cr.by_id, n, sizeof(CrScorecard *), qsort_id);
}

/* Build the data set: template names, users, scorecards. */
void
cr_generate(void)
{
	for (int i = 0; i < cr_ntemplates; i++)
	{
		char		name[512];

		snprintf(name, sizeof(name), "%s/scorecardTemplates/%s", cr_parent, cr_templates[i].id);
		cr_templates[i].name = strdup(name);
	}
	generate_users();
	generate_scorecards();
}

/* The index of the user named name, or -1. */
int
cr_find_user(const char *name)
{
	for (int i = 0; i < cr.nusers; i++)
		if (strcmp(cr.users[i].name, name) == 0)
			return i;
	return -1;
}

/* The index of the template named name, or -1. */
int
cr_find_template(const char *name)
{
	for (int i = 0; i < cr_ntemplates; i++)
		if (strcmp(cr_templates[i].name, name) == 0)
			return i;
	return -1;
}

/* Position of id in the by-id index, or where it would go. */
static int
id_position(const char *id, bool *found)
{
	int			lo = 0,
				hi = cr.count;

	*found = false;
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = strcmp(cr.by_id[mid]->id, id);

		if (c == 0)
		{
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Position of sc in the list order, or where it would go. */
static int
update_position(const CrScorecard *sc)
{
	int			lo = 0,
				hi = cr.count;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (cr_cmp_update(cr.by_update[mid], sc) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The live scorecard with this id, or NULL. */
CrScorecard *
cr_find(const char *id)
{
	bool		found;
	int			pos = id_position(id, &found);

	return found ? cr.by_id[pos] : NULL;
}

/* Insert pointer p at position pos of an index of cr.count pointers. */
static void
index_insert(CrScorecard **arr, int pos, CrScorecard *p)
{
	memmove(arr + pos + 1, arr + pos, (cr.count - pos) * sizeof(CrScorecard *));
	arr[pos] = p;
}

/* Remove position pos of an index of cr.count pointers. */
static void
index_remove(CrScorecard **arr, int pos)
{
	memmove(arr + pos, arr + pos + 1, (cr.count - pos - 1) * sizeof(CrScorecard *));
}

/*
 * Add sc to both indexes (its id must be new). One change moves pointers
 * instead of sorting again, so a test adding scorecards one by one stays
 * fast on a large data set.
 */
void
cr_insert(CrScorecard *sc)
{
	bool		found;
	int			id_pos = id_position(sc->id, &found);

	if (cr.count == cr.cap)
	{
		cr.cap *= 2;
		cr.by_update = realloc(cr.by_update, cr.cap * sizeof(CrScorecard *));
		cr.by_id = realloc(cr.by_id, cr.cap * sizeof(CrScorecard *));
	}
	index_insert(cr.by_update, update_position(sc), sc);
	index_insert(cr.by_id, id_pos, sc);
	cr.count++;
}

/* Take sc out of both indexes (before changing its updateTime, or deleting it). */
void
cr_remove(CrScorecard *sc)
{
	bool		found;

	index_remove(cr.by_update, update_position(sc));
	index_remove(cr.by_id, id_position(sc->id, &found));
	cr.count--;
}

/* Release a deleted scorecard's memory. */
void
cr_free(CrScorecard *sc)
{
	free(sc->comment);
	sc->comment = NULL;
	if (!sc->heap)
		return;
	json_object_put(sc->doc);
	free(sc->json);
	free(sc);
}
