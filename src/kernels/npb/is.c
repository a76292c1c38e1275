/*
 * is.c - NPB IS, integer sort: rank 2^k keys of a near-Gaussian
 * distribution on [0, MAX_KEY) ten times, with a bucket sort (keys are
 * scattered by their high bits into buckets, then counted per bucket in
 * an L1-sized slice of the count array). In OpenMP each thread scatters
 * its own slice of keys to precomputed per-thread offsets, and buckets
 * are counted in parallel since they own disjoint key ranges.
 * Verification: five test keys' ranks every iteration (adjusted by the
 * iteration number, as NPB defines them) and a final full sort check.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klib.h"
#include "npb-rand.h"
#include "npb.h"

#define IS_ITER 10
#define IS_NTEST 5

struct is_prm {
	int keys_log, maxkey_log, buckets_log;
};

struct is_state {
	struct is_prm p;
	long nkeys, maxkey;
	int nbuck, shift, nthr;
	int *key;     /* key_array */
	int *kb2;     /* keys grouped by bucket */
	int *cnt;     /* cnt[v] = number of keys <= v */
	long *boff;   /* [thread][bucket] scatter offsets */
	long *bstart; /* [bucket + 1] bucket starts in kb2 */
	long test_index[IS_NTEST], test_rank[IS_NTEST];
	int adj_sign[IS_NTEST], adj_off[IS_NTEST];
	int passed;
};

static int
is_prm(char cls, struct is_prm *p)
{
	static const struct {
		char cls;
		struct is_prm p;
	} t[] = {
		{'S', {16, 11, 9}},  {'W', {20, 16, 10}}, {'A', {23, 19, 10}},
		{'B', {25, 21, 10}}, {'C', {27, 23, 10}},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].cls == cls) {
			*p = t[i].p;
			return 0;
		}
	return -EINVAL;
}

/* Keys ranked: every key in each of the IS_ITER iterations. */
static double
is_mops(char cls)
{
	struct is_prm p;

	if (is_prm(cls, &p) < 0)
		return 0;
	return (double)IS_ITER * (double)(1L << p.keys_log) / 1e6;
}

/* Keys i in [lo, hi): four consecutive draws each, from seed 314159265. */
static void
is_gen_range(int *restrict key, long lo, long hi, double k)
{
	uint64_t x = npb_skip(NPB_SEED, NPB_A, 4 * (uint64_t)lo);
	long i;

	for (i = lo; i < hi; i++) {
		double s = npb_randlc(&x, NPB_A);

		s += npb_randlc(&x, NPB_A);
		s += npb_randlc(&x, NPB_A);
		s += npb_randlc(&x, NPB_A);
		key[i] = (int)(k * s);
	}
}

static void
is_gen_keys(struct is_state *s)
{
	double k = (double)(s->maxkey / 4);

#pragma omp parallel
	{
		int t = npb_tid(), n = npb_nthreads();
		long lo = s->nkeys * t / n, hi = s->nkeys * (t + 1) / n;

		is_gen_range(s->key, lo, hi, k);
	}
}

/* Exclusive scatter offsets for every (thread, bucket); bucket starts. */
static void
is_offsets(struct is_state *s)
{
	long off = 0;
	int b, t;

	for (b = 0; b < s->nbuck; b++) {
		s->bstart[b] = off;
		for (t = 0; t < s->nthr; t++) {
			long c = s->boff[(long)t * s->nbuck + b];

			s->boff[(long)t * s->nbuck + b] = off;
			off += c;
		}
	}
	s->bstart[s->nbuck] = off;
}

/* Count the keys of bucket b, then prefix-sum its slice of cnt. */
static void
is_count_bucket(struct is_state *s, int b)
{
	int *restrict cnt = s->cnt + ((long)b << s->shift);
	const int *restrict kb = s->kb2;
	long j, lo = s->bstart[b], hi = s->bstart[b + 1];
	int base = b << s->shift, w = 1 << s->shift, v;
	int acc = (int)lo;

	memset(cnt, 0, (size_t)w * sizeof(*cnt));
	for (j = lo; j < hi; j++)
		cnt[kb[j] - base]++;
	for (v = 0; v < w; v++) {
		acc += cnt[v];
		cnt[v] = acc;
	}
}

static void
is_sort(struct is_state *s)
{
#pragma omp parallel
	{
		int t = npb_tid(), n = npb_nthreads(), sh = s->shift;
		long lo = s->nkeys * t / n, hi = s->nkeys * (t + 1) / n, i;
		long *restrict my = s->boff + (long)t * s->nbuck;
		const int *restrict key = s->key;
		int *restrict kb2 = s->kb2;
		int b;

		memset(my, 0, (size_t)s->nbuck * sizeof(*my));
		for (i = lo; i < hi; i++)
			my[key[i] >> sh]++;
#pragma omp barrier
#pragma omp single
		is_offsets(s);
		for (i = lo; i < hi; i++)
			kb2[my[key[i] >> sh]++] = key[i];
#pragma omp barrier
#pragma omp for schedule(dynamic, 16)
		for (b = 0; b < s->nbuck; b++)
			is_count_bucket(s, b);
	}
}

static void
is_rank(struct is_state *s, int it)
{
	int pv[IS_NTEST], i;

	s->key[it] = it;
	s->key[it + IS_ITER] = (int)(s->maxkey - it);
	for (i = 0; i < IS_NTEST; i++)
		pv[i] = s->key[s->test_index[i]];
	is_sort(s);
	for (i = 0; i < IS_NTEST; i++) {
		long k = pv[i], want;

		if (k <= 0 || k > s->nkeys - 1)
			continue;
		want = s->test_rank[i] + s->adj_sign[i] * (it + s->adj_off[i]);
		if (s->cnt[k - 1] == want)
			s->passed++;
	}
}

/* Place every key by the last counts, then check the order: 1 pass. */
static void
is_full_verify(struct is_state *s)
{
	long j;

	for (j = 0; j < s->nkeys; j++) {
		int k = s->kb2[j];

		s->key[--s->cnt[k]] = k;
	}
	for (j = 1; j < s->nkeys; j++)
		if (s->key[j - 1] > s->key[j])
			return;
	s->passed++;
}

static int
is_load_refs(struct is_state *s, char cls)
{
	int i;

	for (i = 0; i < IS_NTEST; i++) {
		double ix, rk, sg, of;

		if (hv_npb_ref_get("IS", cls, "test_index", i, &ix, NULL) ||
		    hv_npb_ref_get("IS", cls, "test_rank", i, &rk, NULL) ||
		    hv_npb_ref_get("IS", cls, "adjust_sign", i, &sg, NULL) ||
		    hv_npb_ref_get("IS", cls, "adjust_off", i, &of, NULL))
			return -ENOENT;
		s->test_index[i] = (long)ix;
		s->test_rank[i] = (long)rk;
		s->adj_sign[i] = (int)sg;
		s->adj_off[i] = (int)of;
	}
	return 0;
}

static void
is_alloc(struct is_state *s, int threads)
{
	s->nkeys = 1L << s->p.keys_log;
	s->maxkey = 1L << s->p.maxkey_log;
	s->nbuck = 1 << s->p.buckets_log;
	s->shift = s->p.maxkey_log - s->p.buckets_log;
	s->nthr = threads;
	s->key = hv_k_alloc_aligned((size_t)s->nkeys * sizeof(int));
	s->kb2 = hv_k_alloc_aligned((size_t)s->nkeys * sizeof(int));
	s->cnt = hv_k_alloc_aligned((size_t)s->maxkey * sizeof(int));
	s->boff = calloc((size_t)threads * s->nbuck, sizeof(long));
	s->bstart = calloc((size_t)s->nbuck + 1, sizeof(long));
	if (!s->boff || !s->bstart)
		hv_k_die(HV_K_EXIT_FAIL, "out of memory");
}

static void
is_free(struct is_state *s)
{
	free(s->key);
	free(s->kb2);
	free(s->cnt);
	free(s->boff);
	free(s->bstart);
}

static int
is_run(char cls, int threads, struct hv_npb_result *r)
{
	struct is_state s = {0};
	double t0;
	int it, err;

	if ((err = is_prm(cls, &s.p)) < 0 || (err = is_load_refs(&s, cls)))
		return err;
	is_alloc(&s, threads);
	is_gen_keys(&s);
	is_rank(&s, 1); /* untimed warm-up */
	s.passed = 0;
	t0 = hv_npb_wtime();
	for (it = 1; it <= IS_ITER; it++)
		is_rank(&s, it);
	r->time_s = hv_npb_wtime() - t0;
	is_full_verify(&s);
	snprintf(r->size, sizeof(r->size), "%ld", s.nkeys);
	r->iterations = IS_ITER;
	r->op_type = "keys ranked";
	r->mops_total = is_mops(cls) / r->time_s;
	hv_npb_check_exact(r, "passed_verification", s.passed,
			   IS_NTEST * IS_ITER + 1);
	is_free(&s);
	return 0;
}

static uint64_t
is_mem(char cls, int threads)
{
	struct is_prm p;

	(void)threads;
	if (is_prm(cls, &p) < 0)
		return 0;
	return 4 * ((2ULL << p.keys_log) + (1ULL << p.maxkey_log)) +
	       (4ULL << 20);
}

const struct hv_npb_bench hv_npb_is = {
	.name = "is",
	.mem_bytes = is_mem,
	.mops = is_mops,
	.run = is_run,
};
