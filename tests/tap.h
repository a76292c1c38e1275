/*
 * tap.h - a minimal TAP producer for the C tests (header-only).
 *
 *   int main(void) {
 *           plan(2);
 *           ok(1 + 1 == 2, "addition");
 *           is_int(f(), 3, "f returns 3");
 *           return done_testing();
 *   }
 *
 * done_testing() returns 0 when every planned test ran and passed, 1
 * otherwise; skip_all() prints the TAP skip line and exits 77.
 */
#ifndef HPCVIRT_TAP_H
#define HPCVIRT_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_planned = -1;
static int tap_run;
static int tap_failed;

static inline void
plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

static inline void
skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	fflush(stdout);
	exit(77);
}

__attribute__((format(printf, 2, 3))) static inline int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

__attribute__((format(printf, 1, 2))) static inline void
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

#define is_int(got, want, ...)                                           \
	do {                                                             \
		long long g_ = (long long)(got), w_ = (long long)(want); \
		if (!ok(g_ == w_, __VA_ARGS__))                          \
			diag("  got %lld, want %lld", g_, w_);           \
	} while (0)

#define is_str(got, want, ...)                                            \
	do {                                                              \
		const char *g_ = (got), *w_ = (want);                     \
		int c_ = g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_;       \
		if (!ok(c_, __VA_ARGS__))                                 \
			diag("  got '%s', want '%s'", g_ ? g_ : "(null)", \
			     w_ ? w_ : "(null)");                         \
	} while (0)

#define is_near(got, want, tol, ...)                                     \
	do {                                                             \
		double g_ = (got), w_ = (want);                          \
		if (!ok(fabs(g_ - w_) <= (tol), __VA_ARGS__))            \
			diag("  got %.17g, want %.17g (tol %g)", g_, w_, \
			     (double)(tol));                             \
	} while (0)

static inline int
done_testing(void)
{
	if (tap_planned < 0)
		printf("1..%d\n", tap_run);
	else if (tap_run != tap_planned) {
		diag("planned %d tests but ran %d", tap_planned, tap_run);
		return 1;
	}
	return tap_failed ? 1 : 0;
}

#endif
