/*
 * ccai_data.c
 *		The CCAI Platform data set: teams, menus, user statuses, agents and
 *		their activity, calls and chats, generated deterministically from
 *		--seed, --calls, --days and --anchor, and changed while running
 *		through the admin interface.
 *
 * Calls and chats keep what paging and the null patterns need (times,
 * status, agent, menu); participants, transfers and the rest are written
 * on demand from the contact's index (ccai_write.c).
 */
#include "ccai.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEN(a) ((int) (sizeof(a) / sizeof((a)[0])))
#define NAGENTS 50

/* ---------- the organisation: small, fixed tables ---------- */

/* Ids have gaps, as ids of rows that were deleted leave them. */
static CcaiTeam team_rows[] = {
	{41, "Support", -1},
	{42, "Support US", 0},
	{43, "East Coast", 1},
	{44, "West Coast", 1},
	{45, "Support EMEA", 0},
	{46, "Sales", -1},
	{47, "Inbound Sales", 5},
	{49, "Retention", -1},
};

/* Teams agents are put in: the leaves. */
static const int8_t leaf_teams[] = {2, 3, 4, 6, 7};

static CcaiMenu menu_rows[] = {
	{11, "Main Menu", "ivr_menu", -1, "Thanks for calling. Our options have changed."},
	{12, "Billing", "ivr_menu", 0, NULL},
	{13, "Technical Support", "ivr_menu", 0, "For internet, press 1. For TV, press 2."},
	{14, "Internet", "ivr_menu", 2, NULL},
	{15, "TV & Streaming", "ivr_menu", 2, NULL},
	{16, "Sales", "ivr_menu", 0, NULL},
	{17, "Cancel Service", "ivr_menu", 0, NULL},
	{18, "Español", "ivr_menu", -1, "Gracias por llamar."},
	{19, "Facturación", "ivr_menu", 7, NULL},
	{21, "Help Center", "web_menu", -1, NULL},
	{22, "Order Status", "web_menu", 9, "Have your order number ready."},
	{23, "Returns", "web_menu", 9, NULL},
	{24, "In-App Support", "mobile_menu", -1, NULL},
};

/* The menus calls and chats end up in. */
static const uint8_t call_menus[] = {1, 3, 4, 5, 6, 8};
static const uint8_t chat_menus[] = {10, 11, 12};

static CcaiUserStatus status_rows[] = {
	{1, "Available", "#2ecc71", false, 40},
	{2, "Offline", "#95a5a6", false, 18},
	{3, "Break", "#f1c40f", false, 10},
	{4, "Lunch", "#e67e22", false, 7},
	{5, "Meeting", "#9b59b6", false, 7},
	{6, "Wrap-up", "#3498db", true, 13},
	{8, "Training", "#1abc9c", false, 5},
};

/* ---------- calls and chats ---------- */

static const char *const call_steps[] = {"queued_at", "connecting_at", "connected_at", "ended_at"};

/* Bits of the steps: queued is step 0 of calls and chats alike. */
#define QUEUED 1
#define RINGING 2
#define TALKING 4
#define CALL_ENDED 8

/* The final statuses first: generated calls end in one of them. */
static const CcaiStatus call_statuses[] = {
	{"finished", QUEUED | RINGING | TALKING | CALL_ENDED},
	{"failed", QUEUED | RINGING | CALL_ENDED},
	{"abandoned", QUEUED | CALL_ENDED},
	{"deflected", CALL_ENDED},
	{"created", 0},
	{"queued", QUEUED},
	{"connecting", QUEUED | RINGING},
	{"connected", QUEUED | RINGING | TALKING},
};

/* The status of a call whose last step so far is s-1 (s = 0: none). */
static const uint8_t call_open[] = {4, 5, 6, 7};

static const CcaiType call_types[] = {
	{"inbound", QUEUED | RINGING | TALKING | CALL_ENDED, 68, true, {82, 3, 10, 5}},
	{"outbound", RINGING | TALKING | CALL_ENDED, 22, false, {75, 25, 0, 0}},
	{"voicemail", QUEUED | CALL_ENDED, 7, true, {100, 0, 0, 0}},
	{"scheduled", QUEUED | RINGING | TALKING | CALL_ENDED, 3, true, {85, 15, 0, 0}},
};

static const char *const chat_steps[] = {"queued_at", "assigned_at", "ended_at"};

#define ASSIGNED 2
#define CHAT_ENDED 4

static const CcaiStatus chat_statuses[] = {
	{"finished", QUEUED | ASSIGNED | CHAT_ENDED},
	{"abandoned", QUEUED | CHAT_ENDED},
	{"dismissed", CHAT_ENDED},
	{"created", 0},
	{"queued", QUEUED},
	{"assigned", QUEUED | ASSIGNED},
};

static const uint8_t chat_open[] = {3, 4, 5};

static const CcaiType chat_types[] = {
	{"web", QUEUED | ASSIGNED | CHAT_ENDED, 55, true, {85, 10, 5}},
	{"mobile", QUEUED | ASSIGNED | CHAT_ENDED, 30, true, {88, 8, 4}},
	{"sms", QUEUED | ASSIGNED | CHAT_ENDED, 15, true, {80, 12, 8}},
};

const CcaiKind ccai_call_kind = {
	.type_key = "call_type",
	.step_names = call_steps,
	.nsteps = 4,
	/* IVR, wait in queue, ringing, talk */
	.gap_min_s = {5, 0, 2, 30},
	.gap_max_s = {120, 600, 25, 2400},
	.agent_step = 1,
	.talk_step = 2,
	.wait_step = 2,
	.has_hold = true,
	.statuses = call_statuses,
	.nstatuses = LEN(call_statuses),
	.nfinal = 4,
	.open_status = call_open,
	.types = call_types,
	.ntypes = LEN(call_types),
	.menus = call_menus,
	.nmenus = LEN(call_menus),
	.stream = CCAI_S_CALL,
	.extra_stream = CCAI_S_CALL_EXTRA,
	.first_id = 15001,
	.table = &ccai.calls,
};

const CcaiKind ccai_chat_kind = {
	.type_key = "chat_type",
	.step_names = chat_steps,
	.nsteps = 3,
	/* pre-chat menu, wait in queue, the chat */
	.gap_min_s = {3, 0, 60},
	.gap_max_s = {60, 900, 3600},
	.agent_step = 1,
	.talk_step = 1,
	.wait_step = 1,
	.has_hold = false,
	.statuses = chat_statuses,
	.nstatuses = LEN(chat_statuses),
	.nfinal = 3,
	.open_status = chat_open,
	.types = chat_types,
	.ntypes = LEN(chat_types),
	.menus = chat_menus,
	.nmenus = LEN(chat_menus),
	.stream = CCAI_S_CHAT,
	.extra_stream = CCAI_S_CHAT_EXTRA,
	.first_id = 7001,
	.table = &ccai.chats,
};

/* ---------- the tables ---------- */

static const CcaiColumn contact_columns[] = {
	{"created_at", offsetof(CcaiContact, created_at)},
	{"updated_at", offsetof(CcaiContact, updated_at)},
};
static const CcaiColumn agent_columns[] = {
	{"status_updated_at", offsetof(CcaiAgent, status_updated_at)},
};
static const CcaiColumn activity_columns[] = {
	{"started_at", offsetof(CcaiActivity, started_at)},
};

/* A table that grows, sorted and filtered on its time columns. */
#define GROWING_TABLE(type, cols, writer) \
	{.row_size = sizeof(type), .columns = cols, .ncolumns = LEN(cols), .write = writer}

/* A fixed table of the organisation, in id order only. */
#define FIXED_TABLE(type, array, writer) \
	{.rows = (char *) array, .row_size = sizeof(type), .nrows = LEN(array), \
	 .cap = LEN(array), .write = writer}

CcaiData	ccai = {
	.calls = GROWING_TABLE(CcaiContact, contact_columns, ccai_write_call),
	.chats = GROWING_TABLE(CcaiContact, contact_columns, ccai_write_chat),
	.agents = GROWING_TABLE(CcaiAgent, agent_columns, ccai_write_agent),
	.activity = GROWING_TABLE(CcaiActivity, activity_columns, ccai_write_activity),
	.teams = FIXED_TABLE(CcaiTeam, team_rows, ccai_write_team),
	.menus = FIXED_TABLE(CcaiMenu, menu_rows, ccai_write_menu),
	.statuses = FIXED_TABLE(CcaiUserStatus, status_rows, ccai_write_user_status),
};

/* A time column of a row. */
SimTime
ccai_time(const CcaiTable *t, int column, int row)
{
	return *(const SimTime *) ((const char *) CCAI_ROW(t, row) + t->columns[column].offset);
}

/* Append a zeroed row (the caller gives it the next id), growing the table. */
static void *
append_row(CcaiTable *t)
{
	if (t->nrows == t->cap)
	{
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->rows = realloc(t->rows, t->cap * t->row_size);
	}
	memset(CCAI_ROW(t, t->nrows), 0, t->row_size);
	return CCAI_ROW(t, t->nrows++);
}

/* A row's place in one column's order. */
typedef struct OrderKey
{
	SimTime		t;
	int32_t		row;
} OrderKey;

/* qsort comparator: by (time, row); rows are in id order. */
static int
cmp_order(const void *a, const void *b)
{
	const OrderKey *x = a;
	const OrderKey *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

/*
 * Rebuild the table's orders after rows were added or their times changed.
 * The keys are copied out of the rows first, so the sort compares them in
 * place; a column already in order (created_at, as generated) is not sorted.
 */
void
ccai_reindex(CcaiTable *t)
{
	OrderKey   *keys = malloc((t->nrows > 0 ? t->nrows : 1) * sizeof(OrderKey));

	for (int c = 0; c < t->ncolumns; c++)
	{
		bool		sorted = true;

		for (int i = 0; i < t->nrows; i++)
		{
			keys[i].t = ccai_time(t, c, i);
			keys[i].row = i;
			sorted &= i == 0 || keys[i - 1].t <= keys[i].t;
		}
		if (!sorted)
			qsort(keys, t->nrows, sizeof(OrderKey), cmp_order);
		t->order[c] = realloc(t->order[c], (t->cap > 0 ? t->cap : 1) * sizeof(int32_t));
		for (int i = 0; i < t->nrows; i++)
			t->order[c][i] = keys[i].row;
	}
	free(keys);
}

/* The row with this id, or -1. */
int
ccai_find(const CcaiTable *t, int64_t id)
{
	int			lo = 0,
				hi = t->nrows - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int64_t		m = CCAI_ID(t, mid);

		if (m == id)
			return mid;
		if (m < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* t cut down to whole milliseconds: the API shows no more. */
static SimTime
whole_ms(SimTime t)
{
	return t - ((t % 1000) + 1000) % 1000;
}

/*
 * Index of an item picked by weight: n ints, stride bytes apart from w on
 * (a member of an array of structs, or a plain array).
 */
static int
pick_weighted(SimRng *r, const int *w, size_t stride, int n)
{
	int			total = 0;
	int			x;

	for (int i = 0; i < n; i++)
		total += *(const int *) ((const char *) w + i * stride);
	x = rng_int(r, 0, total - 1);
	for (int i = 0; i < n; i++)
	{
		x -= *(const int *) ((const char *) w + i * stride);
		if (x < 0)
			return i;
	}
	return n - 1;
}

/* ---------- contacts ---------- */

/* The steps contact c has, given its status and type. */
static uint8_t
contact_steps(const CcaiKind *k, const CcaiContact *c)
{
	return k->statuses[c->status].steps & k->types[c->type].steps;
}

/* Has step happened? */
bool
ccai_has(const CcaiContact *c, int step)
{
	return c->at[step] != CCAI_NO_TIME;
}

/* The time before step s of kind k, skewed toward the short end. */
static SimTime
step_gap(const CcaiKind *k, int s, SimRng *r)
{
	double		u = rng_double(r);

	return whole_ms((SimTime) ((k->gap_min_s[s] + (k->gap_max_s[s] - k->gap_min_s[s]) * u * u) *
							   USECS_PER_SEC)) + rng_int(r, 0, 999) * 1000;
}

/*
 * Lay out the steps of c from created_at on. The end follows the last step
 * that happened by the gap of the step after it, which did not: an
 * abandoned call ends after a wait, a failed one after ringing, a finished
 * one after its talk.
 */
static void
lay_out_steps(const CcaiKind *k, CcaiContact *c, SimRng *r)
{
	uint8_t		steps = contact_steps(k, c);
	int			end = k->nsteps - 1;
	int			last = -1;
	SimTime		t = c->created_at;

	for (int s = 0; s < end; s++)
	{
		c->at[s] = CCAI_NO_TIME;
		if (steps & (1 << s))
		{
			t += step_gap(k, s, r);
			c->at[s] = t;
			last = s;
		}
	}
	c->at[end] = steps & (1 << end) ? t + step_gap(k, last + 1, r) : CCAI_NO_TIME;
}

/* Seconds on hold: most calls have none, the others part of their talk. */
static int32_t
hold_seconds(const CcaiKind *k, const CcaiContact *c, SimRng *r)
{
	int64_t		talk_s;

	if (!k->has_hold || !ccai_has(c, k->talk_step) || !ccai_has(c, k->nsteps - 1) ||
		!rng_chance(r, 0.3))
		return 0;
	talk_s = (c->at[k->nsteps - 1] - c->at[k->talk_step]) / USECS_PER_SEC;
	return rng_int(r, 0, (int) (talk_s / 2 < 600 ? talk_s / 2 : 600));
}

/*
 * Give c (created_at set) a type and status (random ones for -1), its
 * steps, agent, menu, language and hold.
 */
static void
shape_contact(const CcaiKind *k, CcaiContact *c, SimRng *r, int type, int status)
{
	const CcaiType *types = k->types;

	c->type = (uint8_t) (type >= 0 ? type :
						 pick_weighted(r, &types[0].weight, sizeof(CcaiType), k->ntypes));
	c->status = (uint8_t) (status >= 0 ? status :
						   pick_weighted(r, types[c->type].status_weights, sizeof(int), k->nfinal));
	lay_out_steps(k, c, r);
	c->agent = (int16_t) (ccai_has(c, k->agent_step) ? rng_int(r, 0, ccai.agents.nrows - 1) : -1);
	c->menu = types[c->type].menu ? k->menus[rng_int(r, 0, k->nmenus - 1)] : CCAI_NO_MENU;
	c->lang = (uint8_t) (rng_chance(r, 0.85) ? 0 : rng_int(r, 1, 2));
	c->hold_s = hold_seconds(k, c, r);
}

/*
 * Cut the steps that come after limit (the contact is still going on
 * then, in the status of its last step) and set updated_at: a while after
 * the end (the recording is processed; one in twenty gets a CSAT survey
 * or ticket update days later), or the last step of an open contact.
 */
static void
settle(const CcaiKind *k, CcaiContact *c, SimRng *r, SimTime limit)
{
	int			end = k->nsteps - 1;
	int			last = -1;
	SimTime		t;

	for (int s = 0; s <= end; s++)
	{
		if (ccai_has(c, s) && c->at[s] > limit)
			c->at[s] = CCAI_NO_TIME;
		if (ccai_has(c, s) && s < end)
			last = s;
	}
	if (!ccai_has(c, end))
	{
		c->status = k->open_status[last + 1];
		if (!ccai_has(c, k->agent_step))
			c->agent = -1;
		c->hold_s = 0;
		c->updated_at = last >= 0 ? c->at[last] : c->created_at;
		return;
	}
	t = c->at[end] + rng_int(r, 5, 1800) * USECS_PER_SEC + rng_int(r, 0, 999) * 1000;
	if (rng_chance(r, 0.05))
		t += rng_int(r, 1, 5) * USECS_PER_DAY;
	c->updated_at = t < limit ? t : (whole_ms(limit) > c->at[end] ? whole_ms(limit) : c->at[end]);
}

/* n contacts of kind k over the last --days days, ids rising with created_at. */
static void
generate_contacts(const CcaiKind *k, int n)
{
	SimTime		end = sim_config.anchor - USECS_PER_MIN;
	SimTime		span = (SimTime) sim_config.days * USECS_PER_DAY;
	int64_t		id = k->first_id;

	for (int i = 0; i < n; i++)
	{
		CcaiContact *c = append_row(k->table);
		SimRng		r;

		rng_seed(&r, sim_config.seed, k->stream, i);
		c->index = i;
		c->id = id;
		/* one id in twenty-five is skipped: ids are not a count */
		id += 1 + (rng_chance(&r, 0.04) ? rng_int(&r, 1, 3) : 0);
		c->created_at = whole_ms(end - span + (SimTime) ((double) span * (i + rng_double(&r)) / n));
		shape_contact(k, c, &r, -1, -1);
		settle(k, c, &r, sim_config.anchor);
	}
}

/* rng_cluster's take: a finished call updated before t is updated at t. */
static bool
take_call(int i, SimTime t)
{
	CcaiContact *c = CCAI_ROW(&ccai.calls, i);

	if (c->updated_at >= t || !ccai_has(c, ccai_call_kind.nsteps - 1))
		return false;
	c->updated_at = t;
	return true;
}

/* Index of the status of kind k named name, or -1. */
int
ccai_status_index(const CcaiKind *k, const char *name)
{
	for (int i = 0; i < k->nstatuses; i++)
		if (strcmp(k->statuses[i].name, name) == 0)
			return i;
	return -1;
}

/* Index of the type of kind k named name, or -1. */
int
ccai_type_index(const CcaiKind *k, const char *name)
{
	for (int i = 0; i < k->ntypes; i++)
		if (strcmp(k->types[i].name, name) == 0)
			return i;
	return -1;
}

/*
 * A new contact whose last step so far happens now (admin "add"), of the
 * given type and status (-1: random ones). The caller reindexes the table
 * once it has added them all.
 */
CcaiContact *
ccai_add_contact(const CcaiKind *k, SimTime now, int type, int status)
{
	CcaiTable  *t = k->table;
	int64_t		id = t->nrows > 0 ? CCAI_ID(t, t->nrows - 1) + 1 : k->first_id;
	CcaiContact *c = append_row(t);
	SimRng		r;
	SimTime		last;

	now = whole_ms(now);
	c->index = t->nrows - 1;
	c->id = id;
	c->created_at = now;
	rng_seed(&r, sim_config.seed, k->stream, c->index);
	shape_contact(k, c, &r, type, status);
	/* move the whole timeline so that its last step is now */
	last = now;
	for (int s = 0; s < k->nsteps; s++)
		if (ccai_has(c, s))
			last = c->at[s];
	for (int s = 0; s < k->nsteps; s++)
		if (ccai_has(c, s))
			c->at[s] -= last - now;
	c->created_at -= last - now;
	c->updated_at = now;
	return c;
}

/*
 * Put c in a new status now (admin "modify"): the steps the status has
 * and c lacks happen now, those it does not have are cleared, an agent
 * joins or leaves with the agent's step, and updated_at is now.
 */
void
ccai_set_status(const CcaiKind *k, CcaiContact *c, int status, SimTime now)
{
	SimTime		t = c->created_at;
	uint8_t		steps;
	SimRng		r;

	now = whole_ms(now);
	c->status = (uint8_t) status;
	steps = contact_steps(k, c);
	for (int s = 0; s < k->nsteps; s++)
	{
		if (!(steps & (1 << s)))
			c->at[s] = CCAI_NO_TIME;
		else if (!ccai_has(c, s))
			c->at[s] = now > t ? now : t;	/* never before an earlier step */
		if (ccai_has(c, s))
			t = c->at[s];
	}
	rng_seed(&r, sim_config.seed, CCAI_S_ADMIN, (uint64_t) c->id);
	if (!ccai_has(c, k->agent_step))
		c->agent = -1;
	else if (c->agent < 0)
		c->agent = (int16_t) rng_int(&r, 0, ccai.agents.nrows - 1);
	if (!ccai_has(c, k->talk_step) || !ccai_has(c, k->nsteps - 1))
		c->hold_s = 0;
	c->updated_at = now;
}

/* ---------- agents and their activity ---------- */

/* 50 agents in one or two teams; one in ten is also a manager. */
static void
generate_agents(void)
{
	SimTime		begin = sim_config.anchor - (SimTime) sim_config.days * USECS_PER_DAY;

	for (int i = 0; i < NAGENTS; i++)
	{
		CcaiAgent  *a = append_row(&ccai.agents);
		SimRng		r;
		char	   *p;

		rng_seed(&r, sim_config.seed, CCAI_S_AGENT, i);
		a->id = 1001 + i + i / 9;
		a->first = rng_pick(&r, corpus_first_names, corpus_nfirst_names);
		a->last = rng_pick(&r, corpus_last_names, corpus_nlast_names);
		snprintf(a->email, sizeof(a->email), "%s.%s%d@example.com", a->first, a->last, i);
		/* lowercase ASCII; an apostrophe has no place in the address */
		for (p = a->email; *p; p++)
			*p = (char) ((*p >= 'A' && *p <= 'Z') ? *p + 32 : (*p == '\'' ? '-' : *p));
		a->teams[0] = leaf_teams[rng_int(&r, 0, LEN(leaf_teams) - 1)];
		a->teams[1] = rng_chance(&r, 0.2) ? leaf_teams[rng_int(&r, 0, LEN(leaf_teams) - 1)] : -1;
		if (a->teams[1] == a->teams[0])
			a->teams[1] = -1;
		a->manager = i % 10 == 0;
		a->spanish = rng_chance(&r, 0.2);
		a->created_at = whole_ms(begin - rng_int(&r, 30, 900) * USECS_PER_DAY -
								 rng_int(&r, 0, 86399) * USECS_PER_SEC);
	}
}

/* A user status other than current, by weight. */
static int
next_status(SimRng *r, int current)
{
	int			s;

	do
		s = pick_weighted(r, &status_rows[0].weight, sizeof(CcaiUserStatus), LEN(status_rows));
	while (s == current);
	return s;
}

/* qsort comparator: activity by (started_at, agent), the order ids follow. */
static int
cmp_activity(const void *a, const void *b)
{
	const CcaiActivity *x = a;
	const CcaiActivity *y = b;

	if (x->started_at != y->started_at)
		return x->started_at < y->started_at ? -1 : 1;
	return x->agent - y->agent;
}

/*
 * Each agent's statuses back to back over --days days, about calls/50 of
 * them, the last one still open; ids follow started_at. The agents'
 * current status is their open one.
 */
static void
generate_activity(void)
{
	CcaiTable  *t = &ccai.activity;
	int			per_agent = sim_config.calls / NAGENTS > 1 ? sim_config.calls / NAGENTS : 1;
	SimTime		span = (SimTime) sim_config.days * USECS_PER_DAY;
	double		avg = (double) span / per_agent;

	for (int a = 0; a < NAGENTS; a++)
	{
		SimRng		r;
		SimTime		at;
		int			status;

		rng_seed(&r, sim_config.seed, CCAI_S_ACTIVITY, a);
		at = whole_ms(sim_config.anchor - span + (SimTime) (avg * rng_double(&r)));
		status = next_status(&r, -1);
		for (int j = 0; j < per_agent && at <= sim_config.anchor; j++)
		{
			CcaiActivity *l = append_row(t);

			l->started_at = at;
			l->agent = (int16_t) a;
			l->status = (uint8_t) status;
			at = whole_ms(at + (SimTime) (avg * (0.25 + 1.5 * rng_double(&r))));
			l->ended_at = j + 1 < per_agent && at <= sim_config.anchor ? at : CCAI_NO_TIME;
			status = next_status(&r, status);
		}
	}
	qsort(t->rows, t->nrows, t->row_size, cmp_activity);
	for (int i = 0; i < t->nrows; i++)
	{
		CcaiActivity *l = CCAI_ROW(t, i);

		l->id = 500001 + i;
		if (l->ended_at == CCAI_NO_TIME)
		{
			CcaiAgent  *a = CCAI_ROW(&ccai.agents, l->agent);

			a->open_log = i;
			a->status = l->status;
			a->status_updated_at = l->started_at;
		}
	}
}

/*
 * Agent number "agent" goes into user status "status" now (admin): its
 * open activity ends, a new one starts.
 */
void
ccai_add_activity(int agent, int status, SimTime now)
{
	CcaiAgent  *a = CCAI_ROW(&ccai.agents, agent);
	CcaiActivity *open = CCAI_ROW(&ccai.activity, a->open_log);
	int64_t		id = CCAI_ID(&ccai.activity, ccai.activity.nrows - 1) + 1;
	SimTime		at = whole_ms(now) > open->started_at ? whole_ms(now) : open->started_at;
	CcaiActivity *l;

	open->ended_at = at;
	l = append_row(&ccai.activity);
	l->id = id;
	l->started_at = at;
	l->ended_at = CCAI_NO_TIME;
	l->agent = (int16_t) agent;
	l->status = (uint8_t) status;
	a->open_log = ccai.activity.nrows - 1;
	a->status = (uint8_t) status;
	a->status_updated_at = at;
}

/* Build the whole data set; sizes follow --calls (see docs/simulator.md). */
void
ccai_generate(void)
{
	generate_agents();
	generate_activity();
	generate_contacts(&ccai_call_kind, sim_config.calls);
	generate_contacts(&ccai_chat_kind, sim_config.calls / 2);
	/*
	 * a bulk job (Rails' update_all) gave more calls one updated_at than a
	 * page holds: tailing must get past it
	 */
	rng_cluster(CCAI_S_CLUSTER, 0, ccai.calls.nrows,
				sim_config.calls >= 3000 ? 150 : sim_config.calls / 20, 4, take_call,
				sim_config.anchor - 2 * USECS_PER_DAY - sim_config.anchor % USECS_PER_SEC);
	ccai_reindex(&ccai.calls);
	ccai_reindex(&ccai.chats);
	ccai_reindex(&ccai.agents);
	ccai_reindex(&ccai.activity);
}
