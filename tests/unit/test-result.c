/*
 * test-result.c - the result model: parameters, context, cells, and which
 * cells hv_study_analyze() gives a ratio to native (and that the ratio is
 * the ratio of means, inside its CI, reproducible for a seed).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hpcvirt/results/result.h"
#include "tap.h"

static double
mean_of(const double *x, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += x[i];
	return s / (double)n;
}

static void
test_params(void)
{
	struct hv_params p, q;
	char buf[64];
	size_t need;

	hv_params_init(&p);
	hv_params_init(&q);
	ok(hv_params_set(&p, "size_bytes", "64") == 0, "params: set");
	ok(hv_params_set(&p, "proto", "tcp") == 0, "params: set second");
	ok(hv_params_set(&p, "size_bytes", "1") == 0, "params: replace");
	is_int(p.n, 2, "params: replace keeps the count");
	is_str(hv_params_get(&p, "size_bytes"), "1", "params: get replaced");
	ok(hv_params_get(&p, "nope") == NULL, "params: get missing is NULL");
	need = hv_params_format(&p, buf, sizeof(buf));
	is_str(buf, "size_bytes=1,proto=tcp", "params: canonical text");
	is_int(need, strlen("size_bytes=1,proto=tcp"), "params: length");
	need = hv_params_format(&p, buf, 5);
	is_str(buf, "size", "params: truncated text is terminated");
	is_int(need, strlen("size_bytes=1,proto=tcp"),
	       "params: truncation reports the needed length");
	ok(hv_params_set(&p, "", "x") == -EINVAL, "params: empty key refused");
	ok(hv_params_copy(&q, &p) == 0 && q.n == 2 &&
		   strcmp(q.v[1].value, "tcp") == 0 &&
		   q.v[1].value != p.v[1].value,
	   "params: deep copy");
	hv_params_release(&p);
	hv_params_release(&q);
	is_int(p.n, 0, "params: release empties");
}

static void
test_context(void)
{
	struct hv_study s;

	hv_study_init(&s);
	ok(hv_context_set_json(&s, "ncpus", "2") == 0, "context: number");
	ok(hv_context_set_json(&s, "bad", "{x") == -EINVAL,
	   "context: invalid JSON refused");
	ok(hv_context_set_json(&s, "bad", "2 junk") == -EINVAL,
	   "context: trailing garbage refused");
	ok(hv_context_set_str(&s, "host", "a \"b\"\n") == 0, "context: str");
	is_str(hv_context_get(&s, "host"), "\"a \\\"b\\\"\\n\"",
	       "context: string is escaped JSON");
	ok(hv_context_set_json(&s, "ncpus", "4") == 0, "context: replace");
	is_str(s.context.v[0].key, "ncpus", "context: replace keeps order");
	is_str(hv_context_get(&s, "ncpus"), "4", "context: replaced value");
	ok(hv_context_get(&s, "bad") == NULL, "context: refused not stored");
	hv_study_release(&s);
}

static struct hv_cell *
add(struct hv_study *s, const char *env, const char *bench, const char *size,
    bool hib, const double *x, size_t n)
{
	struct hv_params p;
	struct hv_cell *c = NULL;
	size_t i;

	hv_params_init(&p);
	hv_params_set(&p, "size_bytes", size);
	if (hv_study_add_cell(s, env, bench, &p, hib ? "bw" : "lat_ns",
			      hib ? "bytes/s" : "ns", hib, &c) < 0)
		c = NULL;
	for (i = 0; c && i < n; i++)
		hv_cell_add_sample(c, x[i]);
	if (c)
		c->status = HV_CELL_OK;
	hv_params_release(&p);
	return c;
}

static void
test_cells(void)
{
	struct hv_study s;
	struct hv_cell *c;

	hv_study_init(&s);
	c = add(&s, "native", "net.rr", "1", false, NULL, 0);
	ok(c && c->status == HV_CELL_OK && c->id == 0, "cell: added");
	ok(hv_cell_add_sample(c, NAN) == -EINVAL, "cell: NaN refused");
	ok(hv_cell_add_sample(c, INFINITY) == -EINVAL, "cell: Inf refused");
	ok(hv_cell_set_reason(c, "boom") == 0 && strcmp(c->reason, "boom") == 0,
	   "cell: reason set");
	ok(hv_cell_set_reason(c, NULL) == 0 && c->reason == NULL,
	   "cell: reason cleared");
	ok(hv_study_add_cell(&s, "", "x", NULL, "m", "u", false, &c) == -EINVAL,
	   "cell: empty env refused");
	add(&s, "ns", "net.rr", "1", false, NULL, 0);
	add(&s, "ns", "net.rr", "64", false, NULL, 0);
	ok(hv_study_native_of(&s, &s.cells[1]) == &s.cells[0],
	   "native_of: same bench and params");
	ok(hv_study_native_of(&s, &s.cells[2]) == NULL,
	   "native_of: other params have no twin");
	is_str(hv_cell_status_name(HV_CELL_FAILED), "failed", "status name");
	is_str(hv_cell_status_name(HV_CELL_PENDING), "pending", "status name");
	hv_study_release(&s);
}

static const double nat[] = {100, 102, 98, 101, 99, 100};
static const double slow[] = {110, 112, 109, 111, 110, 108};
static const double bw_nat[] = {2.0e9, 2.1e9, 2.05e9, 1.95e9};
static const double bw_env[] = {1.5e9, 1.55e9, 1.45e9, 1.5e9};

/* The analysed study used by the ratio tests. */
static void
build_study(struct hv_study *s, uint64_t seed)
{
	struct hv_cell *c;

	hv_study_init(s);
	s->seed = seed;
	add(s, "ns", "net.rr", "1", false, slow, 6);	   /* 0 */
	add(s, "native", "net.rr", "1", false, nat, 6);	   /* 1 */
	add(s, "uml", "net.rr", "1", false, slow, 1);	   /* 2 */
	add(s, "ns", "net.rr", "64", false, slow, 6);	   /* 3 */
	add(s, "native", "net.bw", "1", true, bw_nat, 4);  /* 4 */
	add(s, "ns", "net.bw", "1", true, bw_env, 4);	   /* 5 */
	c = add(s, "uml", "net.bw", "1", true, bw_env, 3); /* 6 */
	c->status = HV_CELL_FAILED;
	c = add(s, "lxc", "net.bw", "1", true, bw_env, 2); /* 7 */
	c->status = HV_CELL_PENDING;
}

static void
test_analyze(void)
{
	struct hv_study s, t;
	struct hv_err err;
	const struct hv_cell *c;
	double want;

	build_study(&s, 42);
	hv_err_init(&err);
	ok(hv_study_analyze(&s, &err) == 0, "analyze: ok (%s)", err.msg);
	c = &s.cells[0];
	want = mean_of(slow, 6) / mean_of(nat, 6);
	ok(c->has_summary && c->summary.n == 6, "analyze: summary");
	ok(c->has_ratio, "analyze: ns has a ratio");
	is_near(c->ratio.ratio, want, 1e-12, "analyze: ratio of means");
	ok(c->ratio.lo <= c->ratio.ratio && c->ratio.ratio <= c->ratio.hi,
	   "analyze: CI contains the ratio");
	ok(c->ratio.lo > 1.0 && c->ratio.hi < 1.25,
	   "analyze: CI plausible [%g, %g]", c->ratio.lo, c->ratio.hi);
	is_int(c->ratio.verdict, HV_VERDICT_SLOWER, "analyze: latency up");
	ok(s.cells[1].has_summary && !s.cells[1].has_ratio,
	   "analyze: native has no ratio of its own");
	ok(s.cells[2].has_summary && !s.cells[2].has_ratio,
	   "analyze: one sample, no ratio");
	ok(!s.cells[3].has_ratio, "analyze: no native twin, no ratio");
	c = &s.cells[5];
	is_near(c->ratio.ratio, mean_of(bw_env, 4) / mean_of(bw_nat, 4), 1e-12,
		"analyze: bandwidth ratio of means");
	is_int(c->ratio.verdict, HV_VERDICT_SLOWER,
	       "analyze: lower bandwidth is slower");
	ok(s.cells[6].has_summary && !s.cells[6].has_ratio,
	   "analyze: failed cell keeps its summary, gets no ratio");
	ok(s.cells[7].has_ratio, "analyze: pending cell with 2 samples");
	build_study(&t, 42);
	hv_study_analyze(&t, &err);
	ok(t.cells[0].ratio.lo == s.cells[0].ratio.lo &&
		   t.cells[0].ratio.hi == s.cells[0].ratio.hi,
	   "analyze: same seed, same CI");
	hv_study_release(&t);
	hv_study_release(&s);
}

/* net.rr 1 B half-RTTs: native, a box 0.8 % slower (p about 0.046 at
 * seed 42: "slower" alone), and one twice as slow. */
static const double m_nat[] = {11800, 11750, 11900, 11820, 11780, 11850};
static const double m_marg[] = {11913, 11813, 12013, 11863, 11843, 11963};
static const double m_2x[] = {23600, 23500, 23800, 23640, 23560, 23700};

/*
 * A study of many comparisons: the marginal box and the slow one, plus
 * 'extra' boxes at other sizes that equal native exactly (p = 1), like
 * the many quiet cells of a real study.
 */
static void
build_many(struct hv_study *s, int extra)
{
	char size[16];
	int i;

	hv_study_init(s);
	s->seed = 42;
	add(s, "native", "net.rr", "1", false, m_nat, 6);
	add(s, "marg", "net.rr", "1", false, m_marg, 6);
	add(s, "slow", "net.rr", "1", false, m_2x, 6);
	for (i = 0; i < extra; i++) {
		snprintf(size, sizeof(size), "%d", 2 + i);
		add(s, "native", "net.rr", size, false, m_nat, 6);
		add(s, "same", "net.rr", size, false, m_nat, 6);
	}
}

static void
test_bh_study(void)
{
	struct hv_study s;
	struct hv_err err;
	const struct hv_cell *c;

	/* Two ratios: BH keeps both verdicts (0.046 x 2 / 2 <= 5 %). */
	build_many(&s, 0);
	ok(hv_study_analyze(&s, &err) == 0, "bh: analyze 2 ratios");
	c = &s.cells[1];
	ok(c->ratio.verdict == HV_VERDICT_SLOWER && c->ratio.p > 0.04 &&
		   c->ratio.p < 0.05,
	   "bh: the marginal box is slower, p %g", c->ratio.p);
	is_near(c->p_bh, c->ratio.p, 0, "bh: adjusted = p as the largest of 2");
	is_int(c->verdict_bh, HV_VERDICT_SLOWER, "bh: kept among 2");
	ok(isnan(s.cells[0].p_bh) && s.cells[0].verdict_bh == HV_VERDICT_NONE,
	   "bh: native has no corrected verdict");
	hv_study_release(&s);

	/* Twenty more, all equal to native: the marginal p is now second
	 * of 22, adjusted by 22 / 2 = 11 to about 0.5. */
	build_many(&s, 20);
	ok(hv_study_analyze(&s, &err) == 0, "bh: analyze 22 ratios");
	c = &s.cells[1];
	is_int(c->ratio.verdict, HV_VERDICT_SLOWER, "bh: raw verdict stays");
	is_near(c->p_bh, c->ratio.p * 11, 1e-15, "bh: p adjusted x 22 / 2");
	is_int(c->verdict_bh, HV_VERDICT_INDISTINGUISHABLE,
	       "bh: the marginal slower is dropped after correction");
	c = &s.cells[2];
	ok(c->ratio.verdict == HV_VERDICT_SLOWER &&
		   c->verdict_bh == HV_VERDICT_SLOWER && c->p_bh < 1e-6,
	   "bh: 2x slower survives (p_bh %g)", c->p_bh);
	c = &s.cells[4];
	ok(c->ratio.p == 1.0 && c->p_bh == 1.0 &&
		   c->verdict_bh == HV_VERDICT_INDISTINGUISHABLE,
	   "bh: a box equal to native: p 1, indistinguishable");
	hv_study_release(&s);
}

/* The guard through hv_study_analyze: own samples, native's, failures. */
static void
test_guard_study(void)
{
	static const double wild[] = {100, 180, 60, 140};
	static const double calm[] = {101, 103, 99, 100};
	struct hv_study s;
	struct hv_err err;
	struct hv_cell *c;

	hv_study_init(&s);
	s.seed = 1;
	add(&s, "ns", "b", "1", false, calm, 4);      /* 0 */
	add(&s, "native", "b", "1", false, wild, 4);  /* 1 */
	add(&s, "ns", "b", "2", false, wild, 4);      /* 2: no twin */
	add(&s, "native", "b", "3", false, calm, 4);  /* 3 */
	c = add(&s, "uml", "b", "3", false, wild, 4); /* 4 */
	c->status = HV_CELL_FAILED;
	ok(hv_study_analyze(&s, &err) == 0, "guard: analyze");
	ok(s.cells[1].unstable.flags == HV_UNSTABLE_CV,
	   "guard: native unstable by its cv (%s)", s.cells[1].unstable.why);
	ok(s.cells[0].unstable.flags == HV_UNSTABLE_NATIVE &&
		   strstr(s.cells[0].unstable.why, "native: cv "),
	   "guard: its env cell is suspect though calm (%s)",
	   s.cells[0].unstable.why);
	ok(s.cells[2].unstable.flags == HV_UNSTABLE_CV,
	   "guard: a cell without a ratio checked by its samples");
	ok(s.cells[3].unstable.flags == 0, "guard: a calm native passes");
	ok(s.cells[4].unstable.flags == 0,
	   "guard: a failed cell is not checked");
	s.cells[1].samples[1] = 100;
	s.cells[1].samples[2] = 100;
	s.cells[1].samples[3] = 100;
	hv_study_analyze(&s, &err);
	ok(s.cells[1].unstable.flags == 0 && s.cells[0].unstable.flags == 0,
	   "guard: analysed again, calm samples clear both");
	hv_study_release(&s);
}

int
main(void)
{
	test_params();
	test_context();
	test_cells();
	test_analyze();
	test_bh_study();
	test_guard_study();
	return done_testing();
}
