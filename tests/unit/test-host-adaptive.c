/*
 * test-host-adaptive.c - adaptive repetitions (hv_run_opts.precision) on
 * a synthetic bench with two cells of known noise, through the library
 * with real native boxes: the kernel runs (hpcvirt-mem on 64 KiB, a few
 * ms), but the value the bench reads is drawn here, 1000 times 1 + sd
 * N(0, 1), with sd 0.1 % for "quiet" and 10 % for "noisy".
 *
 * - Without a budget, the quiet cells stop at the minimum n, the noisy
 *   ones get more (to the target or to max_reps), and only noisy units
 *   are in the extra rounds.
 * - With a budget, a study whose noisy cells could never meet the target
 *   stops for the budget, within one round of it.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hpcvirt/registry.h"
#include "hpcvirt/study/sched.h"
#include "hpcvirt/results/stats.h"
#include "hpcvirt/results/store.h"
#include "study-dir.h"
#include "tap.h"

static struct hv_rng noise_rng;

static const struct hv_param_def params[] = {
	{.name = "noise", .defval = "quiet,noisy"},
};

static const struct hv_metric_def metrics[] = {
	{.name = "value_s", .unit = "s", .higher_is_better = false},
};

static int
synth_argv(const struct hv_params *p, const struct hv_bench_ctx *bc,
	   struct hv_argv *out, struct hv_err *err)
{
	(void)p;
	(void)bc;
	if (hv_argv_add(out, "hpcvirt-mem") || hv_argv_add(out, "--size") ||
	    hv_argv_add(out, "64KiB") || hv_argv_add(out, "--json"))
		return hv_err_set(err, ENOMEM, "argv");
	return 0;
}

/* A standard normal deviate (Box-Muller). */
static double
normal(void)
{
	double u = hv_rng_double(&noise_rng), v = hv_rng_double(&noise_rng);

	return sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v);
}

static int
synth_parse(const struct hv_params *p, const cJSON *res, double *values,
	    struct hv_err *err)
{
	double sd = strcmp(hv_params_get(p, "noise"), "quiet") ? 0.10 : 0.001;

	(void)res;
	(void)err;
	values[0] = 1000 * (1 + sd * normal());
	if (values[0] < 1)
		values[0] = 1;
	return 0;
}

static const struct hv_bench synth = {
	.name = "synth",
	.summary = "known noise",
	.kernel = "hpcvirt-mem",
	.params = params,
	.nparams = 1,
	.metrics = metrics,
	.nmetrics = 1,
	.timeout_ms = 60000,
	.argv = synth_argv,
	.parse = synth_parse,
};

static const struct hv_cell *
cell(const struct hv_study *s, const char *env, const char *noise)
{
	size_t i;

	for (i = 0; i < s->ncells; i++)
		if (!strcmp(s->cells[i].env, env) &&
		    !strcmp(hv_params_get(&s->cells[i].params, "noise"), noise))
			return &s->cells[i];
	return NULL;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run o into a fresh directory and load it into *s; the wall time. */
static double
run(struct hv_run_opts *o, struct hv_run_stats *st, struct hv_study *s,
    char *dir)
{
	struct hv_store *store = NULL;
	struct hv_plan pl;
	struct hv_err err;
	double t;
	int rc;

	hv_err_init(&err);
	o->out_dir = dir;
	rc = hv_run_validate(o, &pl, &err);
	t = now_s();
	if (rc == 0)
		rc = hv_run_study(o, &pl, st, &err);
	t = now_s() - t;
	hv_plan_release(&pl);
	ok(rc == 0 && st->failed == 0, "study runs (%s)", err.msg);
	hv_study_init(s);
	if (rc == 0)
		rc = hv_store_open(&store, dir, HV_STORE_READ, &err);
	if (rc == 0)
		rc = hv_store_load(store, s, &err);
	if (store)
		hv_store_close(store);
	if (rc < 0)
		diag("load: %s", err.msg);
	return t;
}

int
main(void)
{
	const char *build = getenv("HV_BUILD") ? getenv("HV_BUILD") : "build";
	const struct hv_env *envs[] = {hv_env_find("native"),
				       hv_env_find("native-aa")};
	const struct hv_bench *benches[] = {&synth};
	struct hv_params sets;
	struct hv_run_opts o = {0};
	struct hv_run_stats st;
	struct hv_study s;
	char bin[512], cwd[400];
	char d1[] = "/tmp/hpcvirt-test-adaptive.XXXXXX";
	char d2[] = "/tmp/hpcvirt-test-adaptive.XXXXXX";
	char d3[] = "/tmp/hpcvirt-test-adaptive.XXXXXX";
	const struct hv_cell *c;
	const char *extra, *ad;
	double t;

	if (geteuid() != 0)
		skip_all("needs root (the lab network)");
	plan(18);
	if (!getcwd(cwd, sizeof(cwd)) || !mkdtemp(d1) || !mkdtemp(d2) ||
	    !mkdtemp(d3))
		return 1;
	hv_rng_seed(&noise_rng, 42);
	snprintf(bin, sizeof(bin), "%s/%s/bin", cwd, build);
	o.envs = envs;
	o.nenvs = 2;
	o.benches = benches;
	o.nbenches = 1;
	o.reps = 3;
	o.warmup = 0;
	o.seed = 11;
	o.bin_dir = bin;
	o.precision = 0.02;
	o.max_reps = 12;

	/* 1. No budget: the noise decides. */
	run(&o, &st, &s, d1);
	c = cell(&s, "native", "quiet");
	ok(c && c->n == 3, "quiet native stops at the minimum (n = %zu)",
	   c ? c->n : 0);
	c = cell(&s, "native-aa", "quiet");
	ok(c && c->n == 3, "quiet twin stops at the minimum (n = %zu)",
	   c ? c->n : 0);
	c = cell(&s, "native-aa", "noisy");
	ok(c && c->n > 3 && c->n <= 12,
	   "the noisy twin gets more, up to max_reps (n = %zu)", c ? c->n : 0);
	c = cell(&s, "native", "noisy");
	ok(c && c->n > 3 && c->n <= 12,
	   "its noisy native base gets more too (n = %zu)", c ? c->n : 0);
	extra = hv_context_get(&s, "order_extra");
	ok(extra && strstr(extra, "noise=noisy") && !strstr(extra, "quiet"),
	   "the extra rounds hold only noisy units");
	ad = hv_context_get(&s, "adaptive");
	ok(ad && strstr(ad, "\"stopped\":\"max_reps\""),
	   "10 %% noise cannot reach 2 %% in 12: stopped at max_reps (%s)",
	   ad ? ad : "");
	ok(st.rounds == 9 && st.stopped && !strcmp(st.stopped, "max_reps"),
	   "9 rounds from 3 to 12 (%d, %s)", st.rounds,
	   st.stopped ? st.stopped : "");
	c = cell(&s, "native", "quiet");
	ok(access("/proc/pressure/cpu", R_OK) != 0 ||
		   sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
		   (c && c->cpu_psi_max >= 0 && c->cpu_psi_max <= 100),
	   "one thread leaves a CPU free: its CPU wait is recorded (%.1f %%)",
	   c ? c->cpu_psi_max : -1.0);
	ok(hv_context_get(&s, "precision") &&
		   strstr(hv_context_get(&s, "precision"), "\"target\":0.02"),
	   "the target is in the context");
	hv_study_release(&s);

	/* 2. A budget the noisy cells can never meet in: it stops them. */
	hv_params_init(&sets);
	hv_params_set(&sets, "noise", "noisy");
	o.sets = &sets;
	o.max_reps = 10000;
	o.precision = 0.002; /* n ~ 20000 at 10 % noise */
	o.budget_s = 4;
	t = run(&o, &st, &s, d2);
	ad = hv_context_get(&s, "adaptive");
	ok(st.stopped && !strcmp(st.stopped, "budget"),
	   "stopped for the budget (%s)", ad ? ad : "");
	c = cell(&s, "native-aa", "noisy");
	ok(c && c->n > 20, "the budget was used for more repetitions (n = %zu)",
	   c ? c->n : 0);
	/* A round here is two repetitions of some ms; the study's teardown
	 * is in t too. */
	ok(t <= o.budget_s + 1.0,
	   "the study ended within a round of %g s (%.2f s)", o.budget_s, t);
	ok(t >= o.budget_s - 1.0, "and used its budget (%.2f s)", t);
	ok(ad && strstr(ad, "\"stopped\":\"budget\""), "the context says so");
	hv_study_release(&s);
	hv_params_release(&sets);

	/* 3. A fixed count stays fixed. */
	o.precision = 0;
	o.budget_s = 0;
	o.reps = 4;
	run(&o, &st, &s, d3);
	c = cell(&s, "native-aa", "noisy");
	ok(c && c->n == 4 && st.rounds == 0 &&
		   !hv_context_get(&s, "order_extra"),
	   "precision 0: exactly reps (n = %zu)", c ? c->n : 0);
	hv_study_release(&s);
	remove_study(d1);
	remove_study(d2);
	remove_study(d3);
	return done_testing();
}
