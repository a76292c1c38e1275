/*
 * ktest-npb-rand.c - unit tests of the NPB random number generator in
 * src/kernels/npb/npb-rand.h: known seeds after n steps (computed with
 * exact big-integer arithmetic), agreement with an independent
 * implementation of NPB's double-precision 23-bit split method, jump-
 * ahead equal to stepping, and vranlc equal to repeated randlc.
 */
#include <stdint.h>

#include "tap.h"

#include "../../src/kernels/npb/npb-rand.h"

/* NPB's randdp: the same generator in double arithmetic only. */
static double
randdp(double *x, double a)
{
	const double r23 = 1.0 / 8388608.0, t23 = 8388608.0;
	const double r46 = r23 * r23, t46 = t23 * t23;
	double a1 = (double)(long)(r23 * a), a2 = a - t23 * a1;
	double x1 = (double)(long)(r23 * *x), x2 = *x - t23 * x1;
	double t1 = a1 * x2 + a2 * x1;
	double z = t1 - t23 * (double)(long)(r23 * t1);
	double t3 = t23 * z + a2 * x2;

	*x = t3 - t46 * (double)(long)(r46 * t3);
	return r46 * *x;
}

static uint64_t
step_n(uint64_t x, uint64_t n)
{
	while (n--)
		npb_randlc(&x, NPB_A);
	return x;
}

static void
test_known(void)
{
	static const struct {
		uint64_t seed, n, want;
	} k[] = {
		{314159265, 1, 55909509111989ULL},
		{314159265, 2, 61155031930969ULL},
		{314159265, 10, 34383163428281ULL},
		{314159265, 1000, 39923673819009ULL},
		{314159265, 1048576, 11331457101985ULL},
		{271828183, 1, 32883653486115ULL},
		{271828183, 1000, 8661753562871ULL},
		{271828183, 1048576, 69843910116567ULL},
	};
	size_t i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		uint64_t got = step_n(k[i].seed, k[i].n);

		ok(got == k[i].want, "seed %llu after %llu steps = %llu",
		   (unsigned long long)k[i].seed, (unsigned long long)k[i].n,
		   (unsigned long long)k[i].want);
	}
	ok(npb_pow46(NPB_A, 1UL << 17) == 62362532446209ULL,
	   "a^(2^17) mod 2^46 (EP batch multiplier)");
}

static void
test_randdp(void)
{
	uint64_t x = NPB_SEED;
	double xd = (double)NPB_SEED, a = (double)NPB_A;
	int i, bad = 0;

	for (i = 0; i < 100000; i++) {
		double r = npb_randlc(&x, NPB_A), rd = randdp(&xd, a);

		bad += r != rd || (double)x != xd;
	}
	ok(bad == 0, "integer randlc equals double randdp for 1e5 steps");
}

static void
test_jump(void)
{
	static const uint64_t ns[] = {0, 1, 2, 7, 1000, 65537, 1234567};
	size_t i;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		ok(npb_skip(NPB_SEED_EP, NPB_A, ns[i]) ==
			   step_n(NPB_SEED_EP, ns[i]),
		   "jump-ahead by %llu equals stepping",
		   (unsigned long long)ns[i]);
}

static void
test_vranlc(void)
{
	static const long ns[] = {0, 1, 3, 4, 5, 8, 17, 1001};
	static double y[1001];
	size_t i;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		uint64_t xv = NPB_SEED, xs = NPB_SEED;
		long j, bad = 0;

		npb_vranlc(ns[i], &xv, NPB_A, y);
		for (j = 0; j < ns[i]; j++)
			bad += y[j] != npb_randlc(&xs, NPB_A);
		ok(bad == 0 && xv == xs,
		   "vranlc(%ld) equals %ld randlc calls and final seed", ns[i],
		   ns[i]);
	}
}

int
main(void)
{
	plan(9 + 1 + 7 + 8);
	test_known();
	test_randdp();
	test_jump();
	test_vranlc();
	return done_testing();
}
