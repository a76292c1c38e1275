/*
 * npb-rand.h - the NPB linear congruential generator
 * x(k+1) = a * x(k) mod 2^46, r = x * 2^-46, in its exact 64-bit integer
 * form: the low 46 bits of a 64-bit product are the same as those of
 * the exact product because 2^46 divides 2^64. Header-only so that the
 * hot loops inline it and the unit test can include it.
 */
#ifndef HPCVIRT_NPB_RAND_H
#define HPCVIRT_NPB_RAND_H

#include <stdint.h>

#define NPB_A 1220703125ULL /* 5^13 */
#define NPB_MASK46 ((1ULL << 46) - 1)
#define NPB_R46 (1.0 / 70368744177664.0) /* 2^-46 */
#define NPB_SEED 314159265ULL
#define NPB_SEED_EP 271828183ULL

/* Advance *x by one step of multiplier a; return the new uniform. */
static inline double
npb_randlc(uint64_t *x, uint64_t a)
{
	*x = (*x * a) & NPB_MASK46;
	return (double)*x * NPB_R46;
}

/* a^n mod 2^46 by binary powering (n = 0 gives 1). */
static inline uint64_t
npb_pow46(uint64_t a, uint64_t n)
{
	uint64_t r = 1, q = a & NPB_MASK46;

	while (n) {
		if (n & 1)
			r = (r * q) & NPB_MASK46;
		q = (q * q) & NPB_MASK46;
		n >>= 1;
	}
	return r;
}

/* The seed n steps after x: x * a^n mod 2^46. */
static inline uint64_t
npb_skip(uint64_t x, uint64_t a, uint64_t n)
{
	return (x * npb_pow46(a, n)) & NPB_MASK46;
}

/*
 * Fill y[0..n-1] with the next n uniforms after *x and leave *x at the
 * last seed. Four interleaved chains with multiplier a^4 break the
 * multiply latency chain; the products stay unmasked (only their low
 * 46 bits matter) until they are converted.
 */
static inline void
npb_vranlc(long n, uint64_t *x, uint64_t a, double *restrict y)
{
	uint64_t a2 = a * a, a4 = a2 * a2;
	uint64_t s0 = *x * a, s1 = s0 * a, s2 = s1 * a, s3 = s2 * a;
	uint64_t last = *x;
	long i = 0;

	for (; i + 4 <= n; i += 4) {
		y[i] = (double)(s0 & NPB_MASK46) * NPB_R46;
		y[i + 1] = (double)(s1 & NPB_MASK46) * NPB_R46;
		y[i + 2] = (double)(s2 & NPB_MASK46) * NPB_R46;
		y[i + 3] = (double)(s3 & NPB_MASK46) * NPB_R46;
		last = s3;
		s0 *= a4;
		s1 *= a4;
		s2 *= a4;
		s3 *= a4;
	}
	for (long k = 0; k < (n & 3); k++) {
		last *= a;
		y[i + k] = (double)(last & NPB_MASK46) * NPB_R46;
	}
	*x = last & NPB_MASK46;
}

#endif
