/*
 * ktest-net-hist.c - unit tests of hpcvirt-net's statistics and histogram
 * (src/kernels/net/hist.c, compiled in here because the kernel library
 * does not contain it). Percentiles are checked against hand-computed
 * values and against a second, counting-based definition of the
 * nearest-rank percentile; buckets against their documented bounds.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../src/kernels/net/hist.c"
#include "tap.h"

/* Smallest sample x with at least p % of the samples <= x, by counting. */
static uint64_t
pctl_by_count(const uint64_t *v, size_t n, double p)
{
	unsigned long long pm = (unsigned long long)(p * 1000 + 0.5);
	uint64_t best = UINT64_MAX;
	size_t i, k, le;

	for (i = 0; i < n; i++) {
		for (le = 0, k = 0; k < n; k++)
			le += v[k] <= v[i];
		if ((unsigned long long)le * 100000 >= pm * n && v[i] < best)
			best = v[i];
	}
	return best;
}

static void
test_known(void)
{
	uint64_t v[1000], w[7] = {70, 10, 50, 20, 60, 40, 30};
	struct hv_net_stats st;
	size_t i;

	for (i = 0; i < 1000; i++)
		v[i] = (i * 7919) % 1000 + 1; /* 1..1000, shuffled */
	hv_net_stats(v, 1000, &st);
	ok(st.min == 1 && st.max == 1000, "1..1000 min and max");
	is_near(st.mean, 500.5, 1e-9, "1..1000 mean");
	ok(st.p50 == 500 && st.p90 == 900 && st.p99 == 990 && st.p999 == 999,
	   "1..1000 p50 p90 p99 p99.9 = 500 900 990 999 (got %g %g %g %g)",
	   st.p50, st.p90, st.p99, st.p999);
	hv_net_stats(w, 7, &st);
	ok(st.p50 == 40 && st.p90 == 70 && st.p99 == 70 && st.min == 10,
	   "7 samples: p50 40, p90 70 (got %g %g)", st.p50, st.p90);
	w[0] = 5;
	hv_net_stats(w, 1, &st);
	ok(st.p50 == 5 && st.p999 == 5 && st.mean == 5, "one sample");
	hv_net_stats(w, 0, &st);
	ok(st.n == 0 && st.p50 == 0, "no samples gives zeros");
}

static void
test_random(void)
{
	static const double ps[] = {1, 25, 50, 90, 99, 99.9, 100};
	uint64_t v[997], cp[997];
	size_t i, k, n;
	int bad = 0;

	srand(12345);
	for (k = 0; k < 20; k++) {
		n = 1 + (size_t)rand() % 997;
		for (i = 0; i < n; i++)
			cp[i] = v[i] = (uint64_t)(rand() % 500);
		hv_net_stats(v, n, &(struct hv_net_stats){0});
		for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
			if (hv_net_pctl(v, n, ps[i]) !=
			    pctl_by_count(cp, n, ps[i])) {
				diag("n %zu p %g: %llu vs %llu", n, ps[i],
				     (unsigned long long)hv_net_pctl(v, n,
								     ps[i]),
				     (unsigned long long)pctl_by_count(cp, n,
								       ps[i]));
				bad++;
			}
	}
	ok(bad == 0, "percentiles agree with the counting definition");
}

static void
test_hist(void)
{
	uint64_t v, lo, hi, edges[] = {0,   1,	 255, 256,     257,
				       383, 511, 512, 1000000, UINT64_MAX};
	size_t i, idx, prev = 0;
	int bad = 0, wide = 0, order = 0;

	ok(hv_net_hist_index(255) == 255 && hv_net_hist_index(256) == 256,
	   "exact buckets below 256");
	ok(hv_net_hist_index(UINT64_MAX) == HV_NET_HIST_NBUCKETS - 1,
	   "UINT64_MAX is in the last bucket");
	srand(777);
	for (i = 0; i < 200000; i++) {
		v = i < 10 ? edges[i]
			   : ((uint64_t)rand() << 31 ^ (uint64_t)rand()) >>
				     (rand() % 62);
		idx = hv_net_hist_index(v);
		lo = hv_net_hist_lower(idx);
		hi = hv_net_hist_upper(idx);
		if (idx >= HV_NET_HIST_NBUCKETS || v < lo ||
		    (v >= hi && hi != UINT64_MAX))
			bad++;
		if (lo >= 256 && (hi - lo) * 128 > lo)
			wide++;
	}
	for (v = 0; v < 300000; v++) {
		idx = hv_net_hist_index(v);
		if (idx < prev || idx > prev + 1)
			order++;
		prev = idx;
	}
	ok(bad == 0, "every value lies in [lower, upper) of its bucket");
	ok(wide == 0, "buckets are at most 1/128 of their lower bound wide");
	ok(order == 0, "bucket index grows by 0 or 1 along values");
	ok(hv_net_hist_upper(300) == hv_net_hist_lower(301),
	   "adjacent buckets touch");
}

int
main(void)
{
	test_known();
	test_random();
	test_hist();
	return done_testing();
}
