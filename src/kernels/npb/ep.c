/*
 * ep.c - NPB EP, "embarrassingly parallel": Gaussian deviates by the
 * Marsaglia polar method from 2^(m+1) uniforms, tallied in ten square
 * annuli; sx and sy (the sums of the deviates) are verified. The work
 * is 2^(m-16) independent batches of 2^16 pairs; batch k starts at seed
 * s * a^(2^17 k), found by binary jump-ahead, so any thread split gives
 * the same numbers (up to summation order, far below the 1e-8 tolerance).
 */
#include <math.h>
#include <stdio.h>

#include "klib.h"
#include "npb-rand.h"
#include "npb.h"

#define EP_MK 16
#define EP_NK (1L << EP_MK)
#define EP_CHUNK 1024 /* pairs per generated chunk: 16 KiB, L1 */
#define EP_NQ 10

static int
ep_m(char cls)
{
	switch (cls) {
	case 'S':
		return 24;
	case 'W':
		return 25;
	case 'A':
		return 28;
	case 'B':
		return 30;
	case 'C':
		return 32;
	case 'D':
		return 36;
	}
	return -1;
}

struct ep_acc {
	double sx, sy;
	double q[EP_NQ];
};

/* One chunk of n pairs of uniforms in x: accept, transform, tally. */
static void
ep_chunk(const double *restrict x, int n, struct ep_acc *restrict a)
{
	double sx = 0, sy = 0;
	int i;

	for (i = 0; i < n; i++) {
		double x1 = 2.0 * x[2 * i] - 1.0;
		double x2 = 2.0 * x[2 * i + 1] - 1.0;
		double t = x1 * x1 + x2 * x2;

		if (t <= 1.0) {
			double f = sqrt(-2.0 * log(t) / t);
			double gx = x1 * f, gy = x2 * f;
			double ax = fabs(gx), ay = fabs(gy);
			/* not fmax: gcc may leave that a libm call (NaN rules)
			 */
			int l = (int)(ax > ay ? ax : ay);

			a->q[l] += 1.0;
			sx += gx;
			sy += gy;
		}
	}
	a->sx += sx;
	a->sy += sy;
}

static void
ep_batch(uint64_t seed, double *restrict x, struct ep_acc *restrict a)
{
	long c;

	for (c = 0; c < EP_NK; c += EP_CHUNK) {
		npb_vranlc(2 * EP_CHUNK, &seed, NPB_A, x);
		ep_chunk(x, EP_CHUNK, a);
	}
}

static void
ep_merge(struct ep_acc *to, const struct ep_acc *from)
{
	int i;

	to->sx += from->sx;
	to->sy += from->sy;
	for (i = 0; i < EP_NQ; i++)
		to->q[i] += from->q[i];
}

/* The timed part: all batches, split statically over the threads. */
static void
ep_compute(long nbatch, struct ep_acc *tot)
{
	uint64_t an = npb_pow46(NPB_A, 2 * EP_NK);

#pragma omp parallel
	{
		double x[2 * EP_CHUNK] __attribute__((aligned(64)));
		struct ep_acc a = {0};
		long k;

#pragma omp for schedule(static)
		for (k = 0; k < nbatch; k++)
			ep_batch(npb_skip(NPB_SEED_EP, an, (uint64_t)k), x, &a);
#pragma omp critical
		ep_merge(tot, &a);
	}
}

/* Verify sx and sy; report the annulus counts as NPB prints them. */
static void
ep_report(struct hv_npb_result *r, char cls, const struct ep_acc *tot)
{
	int i;

	hv_npb_check_real(r, "EP", cls, "sx", 0, tot->sx);
	hv_npb_check_real(r, "EP", cls, "sy", 0, tot->sy);
	r->tally_name = "Gaussian pairs";
	r->ntally = EP_NQ;
	for (i = 0; i < EP_NQ; i++)
		r->tally[i] = tot->q[i];
}

/* 2^(m+1) random numbers: NPB counts each as an operation. */
static double
ep_mops(char cls)
{
	int m = ep_m(cls);

	return m > 0 ? ldexp(1.0, m + 1) / 1e6 : 0;
}

static int
ep_run(char cls, int threads, struct hv_npb_result *r)
{
	int m = ep_m(cls);
	long nbatch = 1L << (m - EP_MK);
	struct ep_acc tot = {0};
	double t0;

	(void)threads;
	/* Untimed warm-up: one chunk (NPB makes a dummy vranlc call). */
	{
		double x[2 * EP_CHUNK];
		struct ep_acc w = {0};

		npb_vranlc(2 * EP_CHUNK, &(uint64_t){NPB_SEED_EP}, NPB_A, x);
		ep_chunk(x, EP_CHUNK, &w);
	}
	t0 = hv_npb_wtime();
	ep_compute(nbatch, &tot);
	r->time_s = hv_npb_wtime() - t0;
	snprintf(r->size, sizeof(r->size), "2^%d", m + 1);
	r->iterations = 0;
	r->op_type = "Random numbers generated";
	r->mops_total = ep_mops(cls) / r->time_s;
	ep_report(r, cls, &tot);
	return 0;
}

static uint64_t
ep_mem(char cls, int threads)
{
	(void)cls;
	return (uint64_t)(4 << 20) + (uint64_t)threads * (1 << 20);
}

const struct hv_npb_bench hv_npb_ep = {
	.name = "ep",
	.mem_bytes = ep_mem,
	.mops = ep_mops,
	.run = ep_run,
};
