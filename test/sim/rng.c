/*
 * rng.c
 *		Deterministic random numbers: every object is generated from
 *		(seed, stream, index), so one object never depends on how many
 *		others were generated before it.
 */
#include "sim.h"

#include <stdio.h>

/* SplitMix64 finaliser: a good 64-bit mixing function. */
uint64_t
mix64(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

/* Seed a generator for object number index of a stream. */
void
rng_seed(SimRng *r, uint64_t seed, uint64_t stream, uint64_t index)
{
	r->state = mix64(mix64(seed) ^ mix64(stream * UINT64_C(0x100000001b3) + index));
}

/* Next 64 random bits. */
uint64_t
rng_next(SimRng *r)
{
	r->state += UINT64_C(0x9e3779b97f4a7c15);
	return mix64(r->state);
}

/* A uniform integer in [lo, hi]. */
int
rng_int(SimRng *r, int lo, int hi)
{
	return lo + (int) (rng_next(r) % (uint64_t) (hi - lo + 1));
}

/* A uniform double in [0, 1). */
double
rng_double(SimRng *r)
{
	return (double) (rng_next(r) >> 11) / (double) (UINT64_C(1) << 53);
}

/* True with probability p. */
bool
rng_chance(SimRng *r, double p)
{
	return rng_double(r) < p;
}

/* One of n strings. */
const char *
rng_pick(SimRng *r, const char *const *items, int n)
{
	return items[rng_next(r) % (uint64_t) n];
}

/* A version-4 UUID in canonical form. */
void
rng_uuid(SimRng *r, char out[37])
{
	uint64_t	hi = rng_next(r);
	uint64_t	lo = rng_next(r);

	hi = (hi & ~UINT64_C(0xf000)) | UINT64_C(0x4000);
	lo = (lo & ~(UINT64_C(0xc) << 60)) | (UINT64_C(0x8) << 60);
	snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx",
			 (unsigned) (hi >> 32), (unsigned) ((hi >> 16) & 0xffff),
			 (unsigned) (hi & 0xffff), (unsigned) (lo >> 48),
			 (unsigned long long) (lo & UINT64_C(0xffffffffffff)));
}

/*
 * n random letters and digits, then a NUL: the shape of many vendors' ids
 * (CRM record ids, Firestore auto-ids, session ids).
 */
void
rng_base62(SimRng *r, char *out, int n)
{
	static const char chars[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

	for (int i = 0; i < n; i++)
		out[i] = chars[rng_next(r) % 62];
	out[n] = '\0';
}

/*
 * Pick the objects of a bulk change (a CRM sync, Rails' update_all) among
 * n: from a random one of the first eight, every first to max_step-th
 * object, until take(i, t) has taken "size" of them. take gives object i
 * the time t, or says no (one changed after t, deleted, unfinished).
 * Every vendor's data has such ties, larger than a page, for paging to
 * get past.  The picks come from the data set's seed, the vendor's random
 * stream and salt, so the same data set has the same ties.
 */
void
rng_cluster(uint64_t stream, uint64_t salt, int n, int size, int max_step,
			bool (*take) (int i, SimTime t), SimTime t)
{
	SimRng		r;
	int			made = 0;

	rng_seed(&r, sim_config.seed, stream, salt);
	for (int i = rng_int(&r, 0, 7); i < n && made < size; i += rng_int(&r, 1, max_step))
		made += take(i, t);
}

/*
 * The size of the largest such tie in a data set of n objects: a twentieth
 * of them up to 2500, and at least 150 once there are 600, more than the
 * largest page.
 */
int
cluster_size(int n)
{
	int			big = n / 20 > 2500 ? 2500 : n / 20;

	return big < 150 && n >= 600 ? 150 : big;
}
