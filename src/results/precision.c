/*
 * precision.c - the relative half-width of a cell's 95 % interval: of its
 * ratio to native when it has a twin (the report's bootstrap interval),
 * else of its mean (Student's t).
 */
#include <errno.h>
#include <math.h>

#include "hpcvirt/results/precision.h"

/* Mean and the delta-method variance term s^2 / (n m^2) of c. */
static void
moments(const struct hv_cell *c, double *mean, double *term, double *cv)
{
	double m = 0, ss = 0;
	size_t i;

	for (i = 0; i < c->n; i++)
		m += c->samples[i];
	m /= (double)c->n;
	for (i = 0; i < c->n; i++)
		ss += (c->samples[i] - m) * (c->samples[i] - m);
	*mean = m;
	*cv = c->n > 1 && m != 0 ? sqrt(ss / (double)(c->n - 1)) / fabs(m) : 0;
	*term = *cv * *cv / (double)c->n;
}

int
hv_cell_precision(const struct hv_study *s, const struct hv_cell *c,
		  const struct hv_cell *base, struct hv_precision *out,
		  struct hv_err *err)
{
	struct hv_boot_opts o = {0};
	struct hv_ratio r;
	struct hv_err e2;
	double m, bm, bcv;
	int rc;

	out->half_width = NAN;
	out->of_ratio = base && base != c;
	out->a = out->b = out->cv = 0;
	if (c->n < 2 || (out->of_ratio && base->n < 2))
		return 0;
	moments(c, &m, &out->a, &out->cv);
	if (!out->of_ratio) {
		if (m > 0)
			out->half_width =
				hv_student_t_quantile(0.975, (double)c->n - 1) *
				sqrt(out->a);
		return 0;
	}
	moments(base, &bm, &out->b, &bcv);
	o.seed = s->seed;
	o.higher_is_better = c->higher_is_better;
	hv_err_init(&e2);
	rc = hv_ratio_bootstrap(c->samples, c->n, base->samples, base->n, &o,
				&r, &e2);
	if (rc == -ENOMEM) {
		*err = e2;
		return rc;
	}
	if (rc == 0 && r.ratio > 0)
		out->half_width = (r.hi - r.lo) / 2 / r.ratio;
	return 0;
}
