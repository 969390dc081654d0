/*
 * siro_data.c
 *		The Siro data set: one organisation, its teams and users, and
 *		recordings, generated deterministically from --seed and --calls,
 *		and changed while running through the admin interface.
 *
 * A recording keeps its times, status and links; the rest of the object is
 * generated on demand from its index (siro_object.c), so a data set of
 * 500 000 recordings takes a few tens of megabytes and starts in a second.
 */
#include "siro.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

SiroData	siro;

const char *const siro_org_name = "Brightline Home Services";

/* in transcriptionStatus order of the enum in siro.h */
const SiroStatus siro_statuses[] = {
	{"RECORDING", "in-progress", "recording", false},
	{"UPLOADING", "in-progress", "uploading", false},
	{"TRANSCRIBING", "in-progress", "processing", false},
	{"COMPLETE", "complete", "done", true},
	{"SECONDARY_TRANSCRIPTION_COMPLETE", "complete", "done", true},
	{"ERROR", "error", "processing", false},
	{"UNRECOVERABLE_ERROR", "error", "processing", false},
};

static const SiroTeam team_places[SIRO_NTEAMS] = {
	{"", "Dallas North", "Dallas", "TX", "75201", 32.95, -96.82},
	{"", "Phoenix East", "Phoenix", "AZ", "85001", 33.42, -111.83},
	{"", "Atlanta Metro", "Atlanta", "GA", "30301", 33.75, -84.39},
	{"", "Denver South", "Denver", "CO", "80201", 39.60, -104.95},
	{"", "Tampa Bay", "Tampa", "FL", "33601", 27.95, -82.46},
};

/*
 * Users 0-1 are admins (no team), 2-6 the team managers, the rest reps;
 * the last two reps have left (deleted), and record nothing after that.
 */
#define FIRST_MANAGER 2
#define FIRST_REP (FIRST_MANAGER + SIRO_NTEAMS)
#define FIRST_GONE (SIRO_NUSERS - 2)

/* t cut to whole milliseconds, the precision the API shows. */
static SimTime
to_ms(SimTime t)
{
	return t - t % 1000;
}

/* qsort comparator: users by id, through by_uid. */
static int
cmp_uid(const void *a, const void *b)
{
	return strcmp(siro.users[*(const int *) a].id, siro.users[*(const int *) b].id);
}

/* The user's email at the company's domain, ASCII letters lowercased. */
static void
make_email(SiroUser *u, int i)
{
	snprintf(u->email, sizeof(u->email), "%s.%s%d@brightlinehome.com", u->first, u->last, i);
	for (char *p = u->email; *p; p++)
		*p = (char) ((*p >= 'A' && *p <= 'Z') ? *p + 32 : (*p == '\'' ? '-' : *p));
}

/* The organisation, its teams and its users. */
static void
generate_org(void)
{
	SimRng		r;

	rng_seed(&r, sim_config.seed, SIRO_S_ORG, 0);
	rng_base62(&r, siro.org_id, SIRO_ID_LEN);
	for (int t = 0; t < SIRO_NTEAMS; t++)
	{
		siro.teams[t] = team_places[t];
		rng_base62(&r, siro.teams[t].id, SIRO_ID_LEN);
	}
	for (int i = 0; i < SIRO_NUSERS; i++)
	{
		SiroUser   *u = &siro.users[i];

		rng_seed(&r, sim_config.seed, SIRO_S_USER, i);
		rng_base62(&r, u->id, SIRO_UID_LEN);
		u->first = rng_pick(&r, corpus_first_names, corpus_nfirst_names);
		u->last = rng_pick(&r, corpus_last_names, corpus_nlast_names);
		make_email(u, i);
		if (rng_chance(&r, 0.7))
			snprintf(u->phone, sizeof(u->phone), "+1%03d555%04d",
					 rng_int(&r, 201, 989), rng_int(&r, 0, 9999));
		u->role = i < FIRST_MANAGER ? "ADMIN" : (i < FIRST_REP ? "MANAGER" : "REP");
		u->team = i < FIRST_MANAGER ? -1 :
			(i < FIRST_REP ? i - FIRST_MANAGER : (i - FIRST_REP) % SIRO_NTEAMS);
		u->created = to_ms(sim_config.anchor - (SimTime) sim_config.days * USECS_PER_DAY -
						   rng_int(&r, 30, 700) * USECS_PER_DAY - rng_int(&r, 0, 86399999) * INT64_C(1000));
		if (i >= FIRST_GONE)
			u->deleted_at = to_ms(sim_config.anchor - rng_int(&r, 3, 20) * USECS_PER_DAY -
								  rng_int(&r, 0, 86399999) * INT64_C(1000));
		siro.by_uid[i] = i;
	}
	qsort(siro.by_uid, SIRO_NUSERS, sizeof(int), cmp_uid);
}

/* Who made a recording at t: mostly reps, some managers, nobody who had left. */
static int
pick_user(SimRng *r, SimTime t)
{
	int			u = rng_chance(r, 0.05) ? rng_int(r, FIRST_MANAGER, FIRST_REP - 1) :
		rng_int(r, FIRST_REP, SIRO_NUSERS - 1);

	if (siro.users[u].deleted_at && t >= siro.users[u].deleted_at)
		u = rng_int(r, FIRST_REP, FIRST_GONE - 1);
	return u;
}

/* A recording's duration: a few short visits, most an hour or so, some long. */
static int32_t
draw_duration(SimRng *r)
{
	int			kind = rng_int(r, 0, 99);
	int			secs = kind < 15 ? rng_int(r, 60, 600) :
		(kind < 85 ? rng_int(r, 1200, 5400) : rng_int(r, 5400, 10800));

	return secs * 1000 + rng_int(r, 0, 999);
}

/*
 * Where a recording stood at limit when it ended at end_rec and finished
 * processing at finish: still recording (chunks upload every five minutes),
 * uploading, transcribing, or done.
 */
static void
set_progress(SiroRec *rec, SimRng *r, SimTime end_rec, SimTime finish, SimTime limit)
{
	SimTime		chunk = 5 * USECS_PER_MIN;

	if (end_rec > limit)
	{
		rec->status = SIRO_RECORDING;
		rec->duration_ms = 0;
		rec->updated = rec->created + (limit - rec->created) / chunk * chunk;
	}
	else if (limit < end_rec + 2 * USECS_PER_MIN)
	{
		rec->status = SIRO_UPLOADING;
		rec->updated = end_rec;
	}
	else if (limit < finish)
	{
		rec->status = SIRO_TRANSCRIBING;
		rec->updated = end_rec + 2 * USECS_PER_MIN;
	}
	else
	{
		int			k = rng_int(r, 0, 99);

		rec->status = k < 89 ? SIRO_COMPLETE : k < 95 ? SIRO_SECONDARY_COMPLETE :
			k < 99 ? SIRO_ERROR : SIRO_UNRECOVERABLE;
		rec->finished = finish;
		rec->updated = finish;
	}
}

/*
 * Link a finished recording to a CRM customer (of its team's town). The
 * link sometimes comes hours or days later, and moves updatedAt; a link
 * that would come after limit has not come yet.
 */
static void
set_crm(SiroRec *rec, SimRng *r, SimTime limit)
{
	int			team = siro.users[rec->user].team;
	SimTime		late;

	if (!siro_statuses[rec->status].results || !rng_chance(r, 0.55))
		return;
	rec->customer = team + SIRO_NTEAMS * rng_int(r, 0, siro.ncustomers / SIRO_NTEAMS);
	if (!rng_chance(r, 0.4))
	{
		rec->crm = true;
		return;
	}
	late = rec->updated + rng_int(r, 3600, 5 * 86400) * USECS_PER_SEC + rng_int(r, 0, 999) * 1000;
	if (late > limit)
		return;
	rec->crm = true;
	rec->updated = late;
}

/*
 * Fill in recording number index, made at created (0: a recording that
 * has just finished processing at limit), as it stands at limit.
 */
static void
generate_rec(SiroRec *rec, int index, SimTime created, SimTime limit, int user)
{
	SimRng		r;
	SimTime		delay;

	rng_seed(&r, sim_config.seed, SIRO_S_REC, index);
	memset(rec, 0, sizeof(*rec));
	rec->index = index;
	rng_base62(&r, rec->id, SIRO_ID_LEN);
	rec->duration_ms = draw_duration(&r);
	delay = rng_int(&r, 120, 1200) * USECS_PER_SEC + rng_int(&r, 0, 999) * 1000;
	if (created == 0)
		created = limit - rec->duration_ms * INT64_C(1000) - delay;
	rec->created = to_ms(created);
	rec->user = (uint8_t) (user >= 0 ? user : pick_user(&r, rec->created));
	set_progress(rec, &r, rec->created + rec->duration_ms * INT64_C(1000),
				 rec->created + rec->duration_ms * INT64_C(1000) + delay, limit);
	set_crm(rec, &r, limit);
	rec->updated = to_ms(rec->updated);
}

/* Make room for one more recording; returns it (uninitialised). */
static SiroRec *
append_rec(void)
{
	if (siro.nrecs == siro.cap)
	{
		siro.cap = siro.cap ? siro.cap * 2 : 1024;
		siro.recs = realloc(siro.recs, siro.cap * sizeof(SiroRec));
		siro.order[SIRO_BY_CREATED] = realloc(siro.order[SIRO_BY_CREATED], siro.cap * sizeof(int));
		siro.order[SIRO_BY_UPDATED] = realloc(siro.order[SIRO_BY_UPDATED], siro.cap * sizeof(int));
		siro.by_id = realloc(siro.by_id, siro.cap * sizeof(int));
	}
	return &siro.recs[siro.nrecs++];
}

/* rng_cluster's take: a CRM-linked recording updated before t is updated at t. */
static bool
take_rec(int i, SimTime t)
{
	SiroRec    *rec = &siro.recs[i];

	if (!rec->crm || rec->updated >= t)
		return false;
	rec->updated = t;
	return true;
}

/* Recordings over the last --days days: calls/2 of them, some deleted. */
static void
generate_recs(void)
{
	SimTime		end = sim_config.anchor - 10 * USECS_PER_MIN;
	SimTime		span = (SimTime) sim_config.days * USECS_PER_DAY;
	int			n = sim_config.calls / 2;
	int			big = cluster_size(n);
	int			recent = n / 500 + 3;

	siro.ncustomers = n / 3 + SIRO_NTEAMS;
	for (int i = 0; i < n; i++)
	{
		SimRng		r;
		SimTime		created;

		rng_seed(&r, sim_config.seed, SIRO_S_TIME, i);
		created = end - span + span / n * i + rng_int(&r, 0, 59999) * INT64_C(1000);
		/* the last few were started shortly before the anchor: most are still recording */
		if (i >= n - recent)
			created = sim_config.anchor - rng_int(&r, 120, 2400) * USECS_PER_SEC;
		generate_rec(append_rec(), i, created, sim_config.anchor, -1);
	}
	/*
	 * bulk CRM syncs, ties larger than a page: one on a whole second two
	 * days ago, a smaller one with milliseconds
	 */
	rng_cluster(SIRO_S_CLUSTER, 0, siro.nrecs, big, 3, take_rec,
				to_ms(sim_config.anchor - 2 * USECS_PER_DAY) / USECS_PER_SEC * USECS_PER_SEC);
	rng_cluster(SIRO_S_CLUSTER, 1, siro.nrecs, big / 2, 3, take_rec,
				to_ms(sim_config.anchor - 9 * USECS_PER_DAY + 123456));
	/* one finished recording in 33 was deleted later (3%) */
	for (int i = 17; i < n; i += 33)
	{
		SiroRec    *rec = &siro.recs[i];

		if (rec->finished == 0)
			continue;
		rec->deleted = true;
		rec->deleted_at = to_ms(rec->updated + (sim_config.anchor - rec->updated) / 2);
		rec->updated = rec->deleted_at;
	}
	siro_reindex();
}

/* Build the whole data set from the configuration. */
void
siro_generate(void)
{
	generate_org();
	generate_recs();
}

/* The recording's key in a listing order. */
SimTime
siro_key(const SiroRec *r, SiroOrder order)
{
	return order == SIRO_BY_CREATED ? r->created : r->updated;
}

/* Compare a recording's position in a listing order with (key, id). */
int
siro_cmp(const SiroRec *a, SimTime b_key, const char *b_id, SiroOrder order)
{
	SimTime		k = siro_key(a, order);

	if (k != b_key)
		return k < b_key ? -1 : 1;
	return strcmp(a->id, b_id);
}

/* qsort comparator: recordings by (dateCreated, id). */
static int
cmp_created(const void *a, const void *b)
{
	const SiroRec *y = &siro.recs[*(const int *) b];

	return siro_cmp(&siro.recs[*(const int *) a], y->created, y->id, SIRO_BY_CREATED);
}

/* qsort comparator: recordings by (updatedAt, id). */
static int
cmp_updated(const void *a, const void *b)
{
	const SiroRec *y = &siro.recs[*(const int *) b];

	return siro_cmp(&siro.recs[*(const int *) a], y->updated, y->id, SIRO_BY_UPDATED);
}

/* qsort comparator: recordings by id. */
static int
cmp_id(const void *a, const void *b)
{
	return strcmp(siro.recs[*(const int *) a].id, siro.recs[*(const int *) b].id);
}

/* Rebuild the listing orders and the id index after a change. */
void
siro_reindex(void)
{
	for (int i = 0; i < siro.nrecs; i++)
		siro.order[SIRO_BY_CREATED][i] = siro.order[SIRO_BY_UPDATED][i] = siro.by_id[i] = i;
	qsort(siro.order[SIRO_BY_CREATED], siro.nrecs, sizeof(int), cmp_created);
	qsort(siro.order[SIRO_BY_UPDATED], siro.nrecs, sizeof(int), cmp_updated);
	qsort(siro.by_id, siro.nrecs, sizeof(int), cmp_id);
}

/* Look a recording up by id (deleted ones too); NULL if there is none. */
SiroRec *
siro_find(const char *id)
{
	int			lo = 0,
				hi = siro.nrecs - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = strcmp(siro.recs[siro.by_id[mid]].id, id);

		if (c == 0)
			return &siro.recs[siro.by_id[mid]];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/*
 * A new recording by user (-1: anyone) that has just finished processing
 * at now (admin "add"). The caller runs siro_reindex() once it has added
 * them all.
 */
SiroRec *
siro_add(SimTime now, int user)
{
	SiroRec    *rec = append_rec();

	generate_rec(rec, siro.nrecs - 1, 0, to_ms(now), user);
	rec->finished = rec->updated = to_ms(now);
	return rec;
}

/* The JSON text that replaces top-level field key, or NULL. */
const char *
siro_override(const SiroRec *r, const char *key)
{
	for (int i = 0; i < r->nover; i++)
		if (strcmp(r->over[i].key, key) == 0)
			return r->over[i].json;
	return NULL;
}

/* Replace top-level field key with the JSON text json from now on. */
void
siro_set_override(SiroRec *r, const char *key, const char *json)
{
	for (int i = 0; i < r->nover; i++)
		if (strcmp(r->over[i].key, key) == 0)
		{
			free(r->over[i].json);
			r->over[i].json = strdup(json);
			return;
		}
	r->over = realloc(r->over, (r->nover + 1) * sizeof(SiroOverride));
	r->over[r->nover].key = strdup(key);
	r->over[r->nover].json = strdup(json);
	r->nover++;
}

/* Seed r for one kind of detail of recording rec (enum SiroDetail). */
void
siro_rng(SimRng *r, const SiroRec *rec, int detail)
{
	rng_seed(r, sim_config.seed, SIRO_S_DETAIL, (uint64_t) rec->index << 4 | (uint64_t) detail);
}
