/*
 * npb-common.c - helpers every NPB benchmark shares: the wall clock,
 * lookup of reference values in the generated verify table, and the
 * bookkeeping of verified quantities (relative errors against the
 * official tolerances; a NaN never passes).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "npb.h"

double
hv_npb_wtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int
hv_npb_ref_get(const char *bench, char cls, const char *name, int index,
	       double *value, double *epsilon)
{
	size_t i;

	for (i = 0; i < hv_npb_nrefs; i++) {
		const struct hv_npb_ref *f = &hv_npb_refs[i];

		if (f->cls == cls && f->index == index &&
		    strcmp(f->bench, bench) == 0 &&
		    strcmp(f->name, name) == 0) {
			*value = f->value;
			if (epsilon)
				*epsilon = f->epsilon;
			return 0;
		}
	}
	return -ENOENT;
}

static struct hv_npb_check *
check_new(struct hv_npb_result *r, const char *name, int index)
{
	struct hv_npb_check *c;

	if (r->nchecks >= HV_NPB_MAX_CHECKS)
		return NULL;
	c = &r->checks[r->nchecks++];
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->index = index;
	return c;
}

void
hv_npb_check_real(struct hv_npb_result *r, const char *bench, char cls,
		  const char *name, int index, double value)
{
	struct hv_npb_check *c = check_new(r, name, index);
	double ref = NAN, eps = 0;

	if (!c)
		return;
	c->value = value;
	if (hv_npb_ref_get(bench, cls, name, index, &ref, &eps) < 0) {
		c->reference = NAN;
		c->rel_error = NAN;
		return;
	}
	c->reference = ref;
	c->epsilon = eps;
	c->rel_error = fabs((value - ref) / ref);
	c->pass = c->rel_error <= eps; /* false for NaN */
}

void
hv_npb_check_complex(struct hv_npb_result *r, const char *bench, char cls,
		     const char *name, int index, double re, double im)
{
	struct hv_npb_check *c = check_new(r, name, index);
	char nre[32], nim[32];
	double rre = NAN, rim = NAN, eps = 0;

	if (!c)
		return;
	c->is_complex = true;
	c->value = re;
	c->value_im = im;
	snprintf(nre, sizeof(nre), "%s_re", name);
	snprintf(nim, sizeof(nim), "%s_im", name);
	if (hv_npb_ref_get(bench, cls, nre, index, &rre, &eps) < 0 ||
	    hv_npb_ref_get(bench, cls, nim, index, &rim, NULL) < 0) {
		c->reference = c->reference_im = c->rel_error = NAN;
		return;
	}
	c->reference = rre;
	c->reference_im = rim;
	c->epsilon = eps;
	c->rel_error = hypot(re - rre, im - rim) / hypot(rre, rim);
	c->pass = c->rel_error <= eps;
}

void
hv_npb_check_abs(struct hv_npb_result *r, const char *bench, char cls,
		 const char *name, int index, double value)
{
	struct hv_npb_check *c = check_new(r, name, index);
	double ref = NAN, eps = 0;

	if (!c)
		return;
	c->value = value;
	if (hv_npb_ref_get(bench, cls, name, index, &ref, &eps) < 0) {
		c->reference = NAN;
		c->rel_error = NAN;
		return;
	}
	c->reference = ref;
	c->epsilon = eps;
	c->rel_error = fabs(value - ref);
	c->pass = c->rel_error <= eps; /* false for NaN */
}

void
hv_npb_check_exact(struct hv_npb_result *r, const char *name, long value,
		   long reference)
{
	struct hv_npb_check *c = check_new(r, name, 0);

	if (!c)
		return;
	c->value = (double)value;
	c->reference = (double)reference;
	c->rel_error =
		reference
			? fabs((double)(value - reference) / (double)reference)
			: fabs((double)value);
	c->epsilon = 0;
	c->pass = value == reference;
}

bool
hv_npb_verified(const struct hv_npb_result *r)
{
	int i;

	if (r->nchecks == 0)
		return false;
	for (i = 0; i < r->nchecks; i++)
		if (!r->checks[i].pass)
			return false;
	return true;
}
