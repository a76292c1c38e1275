/*
 * hist.c - summary statistics and the log-linear latency histogram of
 * hpcvirt-net. Percentiles are computed exactly from the raw samples
 * (sorted once after the timed loop); the histogram is only the compact
 * form in which the samples travel in the JSON result.
 */
#include <stdlib.h>

#include "net.h"

/* Bit number of the highest set bit of v, v > 0. */
static int
msb(uint64_t v)
{
	return 63 - __builtin_clzll(v);
}

size_t
hv_net_hist_index(uint64_t v)
{
	int e, shift;

	if (v < 256)
		return (size_t)v;
	e = msb(v); /* 8..63 */
	shift = e - 7;
	return 256 + (size_t)(e - 8) * HV_NET_HIST_SUB +
	       (size_t)((v >> shift) - HV_NET_HIST_SUB);
}

uint64_t
hv_net_hist_lower(size_t idx)
{
	size_t e, m;

	if (idx < 256)
		return idx;
	e = 8 + (idx - 256) / HV_NET_HIST_SUB;
	m = HV_NET_HIST_SUB + (idx - 256) % HV_NET_HIST_SUB;
	return (uint64_t)m << (e - 7);
}

uint64_t
hv_net_hist_upper(size_t idx)
{
	size_t e;

	if (idx < 256)
		return idx + 1;
	e = 8 + (idx - 256) / HV_NET_HIST_SUB;
	/* The last bucket ends at 2^64, which saturates. */
	if (idx + 1 >= HV_NET_HIST_NBUCKETS)
		return UINT64_MAX;
	return hv_net_hist_lower(idx) + (1ULL << (e - 7));
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t
hv_net_pctl(const uint64_t *sorted, size_t n, double p)
{
	/* Integer ceil(p * n / 100) with p in thousandths of a percent, so
	 * that 99.9 % of 1000 samples is rank 999, not 1000 by rounding. */
	unsigned long long pm = (unsigned long long)(p * 1000.0 + 0.5);
	unsigned long long rank = (pm * n + 99999) / 100000;

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

void
hv_net_stats(uint64_t *v, size_t n, struct hv_net_stats *st)
{
	long double sum = 0;
	size_t i;

	st->n = n;
	if (n == 0) {
		st->mean = st->min = st->p50 = st->p90 = st->p99 = st->p999 =
			st->max = 0;
		return;
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < n; i++)
		sum += v[i];
	st->mean = (double)(sum / n);
	st->min = (double)v[0];
	st->max = (double)v[n - 1];
	st->p50 = (double)hv_net_pctl(v, n, 50);
	st->p90 = (double)hv_net_pctl(v, n, 90);
	st->p99 = (double)hv_net_pctl(v, n, 99);
	st->p999 = (double)hv_net_pctl(v, n, 99.9);
}
