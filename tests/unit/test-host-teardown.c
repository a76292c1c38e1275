/*
 * test-host-teardown.c - a box whose stop leaves something behind is
 * reported, not ignored: the stop hook's error comes back through
 * hv_box_stop() with the env's name, the scheduler records it in the
 * study's context ("teardown") while the study itself still succeeds, and
 * the table renderer prints it. The env is native with a stop hook that
 * does native's teardown and then claims a busy cgroup.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpcvirt/host/clean.h"
#include "hpcvirt/registry.h"
#include "hpcvirt/results/report.h"
#include "hpcvirt/results/store.h"
#include "hpcvirt/study/sched.h"
#include "study-dir.h"
#include "tap.h"

static const struct hv_param_def params[] = {
	{.name = "size_bytes", .defval = "1"},
	{.name = "duration_s", .defval = "0.1", .check = hv_check_secs},
};

static int
leaky_stop(struct hv_box *box, struct hv_err *err)
{
	int rc = hv_env_find("native")->stop(box, err);

	if (rc < 0)
		return rc;
	return hv_err_set(err, EBUSY,
			  "cgroup /sys/fs/cgroup/x/hpcvirt-1-leaky still busy");
}

/* hv_box_stop passes the hook's error up with the env's name. */
static void
test_box_stop(const struct hv_env *leaky, const char *bin)
{
	char run[] = "/tmp/hpcvirt-test-teardown-run.XXXXXX";
	struct hv_env_ctx ctx = {.bin_dir = bin};
	struct hv_box box;
	struct hv_err err;
	int rc;

	if (!mkdtemp(run)) {
		ok(0, "mkdtemp");
		return;
	}
	ctx.run_dir = run;
	hv_err_init(&err);
	rc = hv_box_start(leaky, &ctx, &box, &err);
	ok(rc == 0, "a leaky box starts (%s)", err.msg);
	rc = hv_box_stop(&box, &err);
	is_int(rc, -EBUSY, "its stop fails with the hook's code");
	ok(strstr(err.msg, "leaky: stop: cgroup ") == err.msg,
	   "the message names the env and what was left: %s", err.msg);
	is_int(hv_box_stop(&box, &err), 0, "a second stop is a no-op");
	hv_rm_tree(run);
}

int
main(void)
{
	const char *build = getenv("HV_BUILD") ? getenv("HV_BUILD") : "build";
	struct hv_env leaky = *hv_env_find("native");
	struct hv_bench rr = *hv_bench_find("net.rr");
	const struct hv_env *envs[] = {hv_env_find("native"), &leaky};
	const struct hv_bench *benches[] = {&rr};
	struct hv_run_opts o = {0};
	struct hv_run_stats st;
	struct hv_store *store = NULL;
	struct hv_study s;
	struct hv_err err;
	struct hv_plan pl;
	char bin[512], cwd[400], dir[] = "/tmp/hpcvirt-test-teardown.XXXXXX";
	char *table = NULL;
	size_t tlen = 0;
	const char *td;
	FILE *f;
	int rc;

	if (geteuid() != 0)
		skip_all("needs root (the lab network)");
	plan(10);
	if (!getcwd(cwd, sizeof(cwd)) || !mkdtemp(dir))
		return 1;
	snprintf(bin, sizeof(bin), "%s/%s/bin", cwd, build);
	leaky.name = "leaky";
	leaky.stop = leaky_stop;
	test_box_stop(&leaky, bin);

	rr.params = params;
	o.envs = envs;
	o.nenvs = 2;
	o.benches = benches;
	o.nbenches = 1;
	o.reps = 2;
	o.warmup = 0;
	o.seed = 7;
	o.out_dir = dir;
	o.bin_dir = bin;
	hv_err_init(&err);
	rc = hv_run_validate(&o, &pl, &err);
	ok(rc == 0, "the plan is built (%s)", err.msg);
	rc = hv_run_study(&o, &pl, &st, &err);
	hv_plan_release(&pl);
	ok(rc == 0, "the study succeeds all the same (%s)", err.msg);
	is_int(st.failed, 0, "no cell failed");
	hv_study_init(&s);
	rc = hv_store_open(&store, dir, false, &err);
	if (rc == 0)
		rc = hv_store_load(store, &s, &err);
	ok(rc == 0, "stored study loads (%s)", err.msg);
	td = hv_context_get(&s, "teardown");
	ok(td && strstr(td, "\"env\":\"leaky\"") &&
		   strstr(td, "leaky: stop: cgroup") && !strstr(td, "native"),
	   "the context records the leaky box's teardown: %s",
	   td ? td : "(none)");
	f = open_memstream(&table, &tlen);
	rc = f ? hv_render_table(f, &s, &err) : -1;
	if (f)
		fclose(f);
	ok(rc == 0 && table &&
		   strstr(table, "teardown: leaky left something behind: "
				 "leaky: stop: cgroup"),
	   "the table says so");
	free(table);
	if (store)
		hv_store_close(store);
	hv_study_release(&s);
	remove_study(dir);
	return done_testing();
}
