/*
 * test-host-sched.c - the scheduler end to end with real boxes (native),
 * through the library: units and cells, interleaved blocks recorded in
 * the context, warm-up samples stored but not analysed, and the per-env
 * reduction of a default study (an env's skip hook leaves a parameter set
 * out, records why, and the same set still runs elsewhere).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpcvirt/registry.h"
#include "hpcvirt/study/sched.h"
#include "hpcvirt/results/store.h"
#include "study-dir.h"
#include "tap.h"

static const struct hv_param_def params[] = {
	{.name = "size_bytes", .defval = "1,64"},
	{.name = "duration_s", .defval = "0.1", .check = hv_check_secs},
};

static bool
skip_64(const struct hv_bench *b, const struct hv_params *p, char *why,
	size_t len)
{
	(void)b;
	if (strcmp(hv_params_get(p, "size_bytes"), "64") != 0)
		return false;
	snprintf(why, len, "64 bytes is too much for this test env");
	return true;
}

/* An env that finishes NPB class S only, like TCG. */
static bool
skip_w(const struct hv_bench *b, const struct hv_params *p, char *why,
       size_t len)
{
	(void)b;
	if (strcmp(hv_params_get(p, "class"), "W") != 0)
		return false;
	snprintf(why, len, "class W is too slow here");
	return true;
}

/* Cells of env at an NPB class (one per metric). */
static size_t
count_class(const struct hv_study *s, const char *env, const char *cls)
{
	size_t i, n = 0;

	for (i = 0; i < s->ncells; i++)
		if (strcmp(s->cells[i].env, env) == 0 &&
		    strcmp(hv_params_get(&s->cells[i].params, "class"), cls) ==
			    0)
			n++;
	return n;
}

static size_t
count(const struct hv_study *s, const char *env, const char *size)
{
	size_t i, n = 0;

	for (i = 0; i < s->ncells; i++)
		if (strcmp(s->cells[i].env, env) == 0 &&
		    strcmp(hv_params_get(&s->cells[i].params, "size_bytes"),
			   size) == 0)
			n++;
	return n;
}

/*
 * --class S,W in a reduced study: each env runs the largest class it
 * finishes, native every class another env runs.
 */
static void
classes(const char *bin)
{
	struct hv_env small = *hv_env_find("native-aa"),
		      big = *hv_env_find("native-aa");
	const struct hv_env *envs[] = {hv_env_find("native"), &small, &big};
	const struct hv_bench *benches[] = {hv_bench_find("npb.is")};
	char dir[] = "/tmp/hpcvirt-test-sched.XXXXXX";
	struct hv_run_opts o = {0};
	struct hv_store *store = NULL;
	struct hv_run_stats st;
	struct hv_params sets;
	struct hv_study s;
	struct hv_err err;
	struct hv_plan pl;
	const char *red;
	int rc;

	small.name = "small";
	small.skip = skip_w;
	big.name = "big";
	hv_params_init(&sets);
	hv_params_set(&sets, "class", "S,W");
	hv_params_set(&sets, "variant", "ser");
	o.envs = envs;
	o.nenvs = 3;
	o.benches = benches;
	o.nbenches = 1;
	o.sets = &sets;
	o.reps = 2;
	o.seed = 3;
	o.bin_dir = bin;
	o.reduce = true;
	hv_err_init(&err);
	hv_study_init(&s);
	rc = mkdtemp(dir) ? 0 : -1;
	o.out_dir = dir;
	if (rc == 0)
		rc = hv_run_validate(&o, &pl, &err);
	if (rc == 0)
		rc = hv_run_study(&o, &pl, &st, &err);
	hv_plan_release(&pl);
	if (rc == 0)
		rc = hv_store_open(&store, dir, HV_STORE_READ, &err);
	if (rc == 0)
		rc = hv_store_load(store, &s, &err);
	ok(rc == 0, "an S,W study runs (%s)", err.msg);
	ok(count_class(&s, "big", "W") == 2 && count_class(&s, "big", "S") == 0,
	   "an env that finishes W runs W alone");
	ok(count_class(&s, "small", "S") == 2 &&
		   count_class(&s, "small", "W") == 0,
	   "one that finishes S alone runs S");
	ok(count_class(&s, "native", "S") == 2 &&
		   count_class(&s, "native", "W") == 2,
	   "native runs both, the base of each");
	red = hv_context_get(&s, "reduced");
	ok(red && strstr(red, "runs class W instead"),
	   "the context says why big left S out: %s", red ? red : "");
	if (store)
		hv_store_close(store);
	hv_study_release(&s);
	hv_params_release(&sets);
	remove_study(dir);
}

int
main(void)
{
	const char *build = getenv("HV_BUILD") ? getenv("HV_BUILD") : "build";
	struct hv_env slow = *hv_env_find("native-aa");
	struct hv_bench rr = *hv_bench_find("net.rr");
	const struct hv_env *envs[] = {hv_env_find("native"), &slow};
	const struct hv_bench *benches[] = {&rr};
	struct hv_run_opts o = {0};
	struct hv_run_stats st;
	struct hv_store *store = NULL;
	struct hv_study s;
	struct hv_err err;
	struct hv_plan pl;
	char bin[512], cwd[400], dir[] = "/tmp/hpcvirt-test-sched.XXXXXX";
	const char *red;
	int rc;

	if (geteuid() != 0)
		skip_all("needs root (the lab network)");
	plan(16);
	if (!getcwd(cwd, sizeof(cwd)) || !mkdtemp(dir))
		return 1;
	snprintf(bin, sizeof(bin), "%s/%s/bin", cwd, build);
	slow.name = "slow";
	slow.skip = skip_64;
	rr.params = params;
	o.envs = envs;
	o.nenvs = 2;
	o.benches = benches;
	o.nbenches = 1;
	o.reps = 2;
	o.warmup = 1;
	o.seed = 7;
	o.out_dir = dir;
	o.bin_dir = bin;
	o.reduce = true;
	hv_err_init(&err);
	rc = hv_run_validate(&o, &pl, &err);
	ok(rc == 0, "the plan is built (%s)", err.msg);
	is_int(pl.n, 2, "one parameter set per size");
	rc = hv_run_study(&o, &pl, &st, &err);
	hv_plan_release(&pl);
	ok(rc == 0, "study runs (%s)", err.msg);
	is_int(st.cells, 3 * 3, "3 units x 3 metrics (one unit left out)");
	is_int(st.failed, 0, "no cell failed");
	hv_study_init(&s);
	rc = hv_store_open(&store, dir, HV_STORE_READ, &err);
	if (rc == 0)
		rc = hv_store_load(store, &s, &err);
	ok(rc == 0, "stored study loads (%s)", err.msg);
	is_int(count(&s, "native", "64"), 3, "native runs size 64");
	is_int(count(&s, "slow", "64"), 0, "the slow env left size 64 out");
	red = hv_context_get(&s, "reduced");
	ok(red && strstr(red, "\"slow\"") && strstr(red, "too much"),
	   "the context says what was left out and why: %s", red ? red : "");
	ok(s.ncells && s.cells[0].n == 2, "warm-up not among the samples");
	ok(hv_context_get(&s, "order") != NULL, "the run order is recorded");
	if (store)
		hv_store_close(store);
	hv_study_release(&s);
	remove_study(dir);
	classes(bin);
	return done_testing();
}
