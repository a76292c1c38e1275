/*
 * precision.c - the relative half-width of a cell's 95 % interval: of its
 * ratio to native when it has a twin (the report's bootstrap interval),
 * else of its mean (Student's t).
 */
#include <errno.h>
#include <math.h>

#include "hpcvirt/results/precision.h"
#include "hpcvirt/results/stats.h"

/* Mean, cv and the delta-method variance term s^2 / (n m^2) of x. */
static void
moments(const double *x, size_t n, double *mean, double *term, double *cv)
{
	double m = 0, ss = 0;
	size_t i;

	for (i = 0; i < n; i++)
		m += x[i];
	m /= (double)n;
	for (i = 0; i < n; i++)
		ss += (x[i] - m) * (x[i] - m);
	*mean = m;
	*cv = n > 1 && m != 0 ? sqrt(ss / (double)(n - 1)) / fabs(m) : 0;
	*term = *cv * *cv / (double)n;
}

int
hv_precision_of(const double *x, size_t n, const double *base, size_t nb,
		bool higher_is_better, uint64_t seed, struct hv_precision *out,
		struct hv_err *err)
{
	struct hv_boot_opts o = {0};
	struct hv_ratio r;
	struct hv_err e2;
	double m, bm, bcv;
	int rc;

	out->half_width = NAN;
	out->of_ratio = base != NULL;
	out->a = out->b = out->cv = 0;
	if (n < 2 || (base && nb < 2))
		return 0;
	moments(x, n, &m, &out->a, &out->cv);
	if (!base) {
		if (m > 0)
			out->half_width =
				hv_student_t_quantile(0.975, (double)n - 1) *
				sqrt(out->a);
		return 0;
	}
	moments(base, nb, &bm, &out->b, &bcv);
	o.seed = seed;
	o.higher_is_better = higher_is_better;
	hv_err_init(&e2);
	rc = hv_ratio_bootstrap(x, n, base, nb, &o, &r, &e2);
	if (rc == -ENOMEM) {
		*err = e2;
		return rc;
	}
	if (rc == 0 && r.ratio > 0)
		out->half_width = (r.hi - r.lo) / 2 / r.ratio;
	return 0;
}
