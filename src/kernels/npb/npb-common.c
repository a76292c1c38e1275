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

#include "klib.h"
#include "npb.h"

double
hv_npb_wtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

enum hv_npb_isa hv_npb_isa = HV_NPB_ISA_BASE;

const char *
hv_npb_isa_name(enum hv_npb_isa isa)
{
	return isa == HV_NPB_ISA_AVX2 ? "avx2" : "base";
}

bool
hv_npb_isa_avx2_ok(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
	return false;
#endif
}

const char *
hv_npb_isa_why(int err)
{
	return err == -ENOTSUP
		       ? "this CPU has no AVX2 and FMA (expected auto or base)"
		       : "expected auto, base or avx2";
}

int
hv_npb_isa_select(const char *s)
{
	bool avx2 = strcmp(s, "avx2") == 0;

	if (!avx2 && strcmp(s, "auto") != 0 && strcmp(s, "base") != 0)
		return -EINVAL;
	if (strcmp(s, "base") == 0 || !hv_npb_isa_avx2_ok()) {
		hv_npb_isa = HV_NPB_ISA_BASE;
		return avx2 ? -ENOTSUP : 0;
	}
	hv_npb_isa = HV_NPB_ISA_AVX2;
	return 0;
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

void
hv_npb_print_block(const struct hv_npb_run *run, const struct hv_npb_result *r,
		   bool ok)
{
	const char *who = run->ranks ? "process" : "thread";
	int n = run->ranks ? run->ranks : run->threads;
	const struct hv_npb_check *c;
	int i;

	printf("\n NPB %s Benchmark Completed (hpcvirt, %s)\n", run->bench,
	       run->variant);
	printf("Class = %c\n", run->cls);
	printf("Size = %s\n", r->size);
	printf("Iterations = %d\n", r->iterations);
	printf("%s = %d\n", run->ranks ? "Total processes" : "Threads", n);
	printf("Time in seconds = %.6f\n", r->time_s);
	printf("Mop/s total = %.2f\n", r->mops_total);
	printf("Mop/s/%s = %.2f\n", who, r->mops_total / n);
	printf("Operation type = %s\n", r->op_type);
	printf("Instruction set = %s\n", hv_npb_isa_name(hv_npb_isa));
	for (i = 0; i < r->nchecks; i++) {
		c = &r->checks[i];
		printf("Check %s[%d] = %.13e", c->name, c->index, c->value);
		if (c->is_complex)
			printf(" %+.13e i", c->value_im);
		printf(" ref %.13e rel_error %.3e %s\n", c->reference,
		       c->rel_error, c->pass ? "ok" : "FAILED");
	}
	if (r->ntally > 0) {
		double sum = 0;

		for (i = 0; i < r->ntally; i++)
			sum += r->tally[i];
		printf("%s = %.0f\nCounts =", r->tally_name, sum);
		for (i = 0; i < r->ntally; i++)
			printf(" %.0f", r->tally[i]);
		printf("\n");
	}
	printf("Verification = %s\n", ok ? "SUCCESSFUL" : "UNSUCCESSFUL");
}

static void
json_check(struct hv_k_json *j, const struct hv_npb_check *c)
{
	hv_k_json_obj(j, NULL);
	hv_k_json_str(j, "name", c->name);
	hv_k_json_i64(j, "index", c->index);
	hv_k_json_dbl(j, "value", c->value);
	if (c->is_complex)
		hv_k_json_dbl(j, "value_im", c->value_im);
	hv_k_json_dbl(j, "reference", c->reference);
	if (c->is_complex)
		hv_k_json_dbl(j, "reference_im", c->reference_im);
	hv_k_json_dbl(j, "rel_error", c->rel_error);
	hv_k_json_dbl(j, "epsilon", c->epsilon);
	hv_k_json_bool(j, "pass", c->pass);
	hv_k_json_end(j);
}

int
hv_npb_print_json(const struct hv_npb_run *run, const struct hv_npb_result *r,
		  bool ok)
{
	char cls[2] = {run->cls, '\0'};
	struct hv_k_json j;
	int i;

	hv_k_json_begin(&j, stdout);
	hv_k_json_obj(&j, NULL);
	hv_k_json_str(&j, "kernel", "npb");
	hv_k_json_str(&j, "benchmark", run->bench);
	hv_k_json_str(&j, "class", cls);
	hv_k_json_str(&j, "variant", run->variant);
	if (run->ranks)
		hv_k_json_i64(&j, "ranks", run->ranks);
	hv_k_json_i64(&j, "threads", run->threads);
	hv_k_json_str(&j, "isa", hv_npb_isa_name(hv_npb_isa));
	hv_k_json_i64(&j, "iterations", r->iterations);
	hv_k_json_str(&j, "size", r->size);
	hv_k_json_dbl(&j, "time_s", r->time_s);
	hv_k_json_dbl(&j, "mops_total", r->mops_total);
	if (run->ranks)
		hv_k_json_dbl(&j, "mops_per_rank", r->mops_total / run->ranks);
	else
		hv_k_json_dbl(&j, "mops_per_thread",
			      r->mops_total / run->threads);
	hv_k_json_bool(&j, "verified", ok);
	if (run->ranks) {
		hv_k_json_obj(&j, "comm");
		for (i = 0; i < run->ncomm; i++) {
			hv_k_json_obj(&j, run->comm[i].kind);
			hv_k_json_u64(&j, "calls", run->comm[i].calls);
			hv_k_json_u64(&j, "bytes", run->comm[i].bytes);
			hv_k_json_end(&j);
		}
		hv_k_json_end(&j);
	}
	if (run->ranks && run->rank_host && run->rank_netns) {
		hv_k_json_arr(&j, "ranks_at");
		for (i = 0; i < run->ranks; i++) {
			hv_k_json_obj(&j, NULL);
			hv_k_json_str(&j, "host", run->rank_host[i]);
			hv_k_json_u64(&j, "netns", run->rank_netns[i]);
			hv_k_json_end(&j);
		}
		hv_k_json_end(&j);
	}
	hv_k_json_arr(&j, "checks");
	for (i = 0; i < r->nchecks; i++)
		json_check(&j, &r->checks[i]);
	hv_k_json_end(&j);
	if (r->ntally > 0) {
		hv_k_json_str(&j, "tally_name", r->tally_name);
		hv_k_json_arr(&j, "tally");
		for (i = 0; i < r->ntally; i++)
			hv_k_json_i64(&j, NULL, (int64_t)r->tally[i]);
		hv_k_json_end(&j);
	}
	hv_k_json_end(&j);
	return hv_k_json_finish(&j);
}
