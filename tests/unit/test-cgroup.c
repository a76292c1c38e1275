/*
 * test-cgroup.c - the cgroup module on this host: detection of where cpu
 * and memory live (v1, v2 or hybrid), create with limits and read them
 * back, attach a process, remove (killing what is inside), and the stale
 * cleanup of groups whose owner pid is dead. Needs root and a cpu and a
 * memory controller; skips (77) otherwise.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hpcvirt/host/cgroup.h"
#include "tap.h"

static bool
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void
test_detect(const struct hv_cg_layout *l)
{
	for (int c = 0; c < HV_CG_NCTRL; c++) {
		const struct hv_cg_place *p = &l->ctrl[c];

		diag("%s: %s %s", hv_cg_ctrl_name(c),
		     p->present ? (p->v2 ? "v2" : "v1") : "absent", p->own_dir);
		if (p->present)
			ok(is_dir(p->own_dir), "%s: own dir %s exists",
			   hv_cg_ctrl_name(c), p->own_dir);
		else
			ok(c == HV_CG_CPUSET, "%s is present",
			   hv_cg_ctrl_name(c));
	}
}

/* The memory group's own dir ends with our path in /proc/self/cgroup
 * (read here independently of the module). */
static void
test_own_path(const struct hv_cg_layout *l)
{
	const struct hv_cg_place *p = &l->ctrl[HV_CG_MEMORY];
	const char *key = p->v2 ? "0::" : ":memory:";
	char line[1024], *at = NULL;
	FILE *f = fopen("/proc/self/cgroup", "re");

	while (f && !at && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		at = strstr(line, key);
	}
	if (f)
		fclose(f);
	at = at ? at + strlen(key) : NULL;
	if (at && strcmp(at, "/") == 0)
		at = "";
	ok(at && strlen(p->own_dir) >= strlen(at) &&
		   strcmp(p->own_dir + strlen(p->own_dir) - strlen(at), at) ==
			   0,
	   "memory own dir %s ends with our cgroup path %s", p->own_dir,
	   at ? at : "(none)");
}

static void
test_limits(const struct hv_cg_layout *l)
{
	struct hv_cg_limits lim;
	struct hv_err err;
	struct hv_cg cg;
	pid_t pid;
	int rc;

	rc = hv_cg_create(&cg, l, "t1", 1, 64, &err);
	ok(rc == 0, "create with 1 CPU, 64 MiB: %s", rc ? err.msg : "ok");
	if (rc)
		return;
	ok(is_dir(cg.dir[HV_CG_CPU]) && is_dir(cg.dir[HV_CG_MEMORY]),
	   "group dirs exist");
	ok(strstr(cg.dir[HV_CG_MEMORY], l->ctrl[HV_CG_MEMORY].own_dir) ==
		   cg.dir[HV_CG_MEMORY],
	   "memory group is under our own cgroup");
	rc = hv_cg_read_limits(&cg, &lim, &err);
	ok(rc == 0, "read limits back");
	is_int(lim.cpu_quota_us, 100000, "CPU quota is 1 CPU");
	is_int(lim.cpu_period_us, 100000, "CFS period 100 ms");
	is_int(lim.mem_bytes, 64 << 20, "memory limit 64 MiB");
	ok(lim.memsw_bytes == -1 || lim.memsw_bytes == 64 << 20 ||
		   lim.memsw_bytes == 0,
	   "swap limit matches (%lld)", (long long)lim.memsw_bytes);
	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	rc = hv_cg_attach(&cg, pid, &err);
	ok(rc == 0, "attach a child: %s", rc ? err.msg : "ok");
	is_int(hv_cg_count_procs(&cg), 1, "one process in the group");
	rc = hv_cg_remove(&cg, NULL);
	is_int(rc, 0, "remove kills the child and removes the dirs");
	waitpid(pid, NULL, 0);
	ok(!cg.dir[HV_CG_CPU][0], "dirs forgotten after remove");
}

static void
test_bad(const struct hv_cg_layout *l)
{
	struct hv_err err;
	struct hv_cg cg;

	is_int(hv_cg_create(&cg, l, "a/b", 1, 0, &err), -EINVAL,
	       "a box name with '/' is refused");
	ok(strstr(err.msg, "a/b") != NULL, "the message names it: %s", err.msg);
	is_int(hv_cg_remove(&cg, NULL), 0, "remove of an empty cg is harmless");
}

/* A group named after a dead pid is removed; a live one is kept. */
static void
test_stale(const struct hv_cg_layout *l)
{
	const char *own = l->ctrl[HV_CG_MEMORY].own_dir;
	char dead[700], live[700];
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	snprintf(dead, sizeof(dead), "%s/" HV_CLEAN_PREFIX "%d-stale", own,
		 (int)pid);
	snprintf(live, sizeof(live), "%s/" HV_CLEAN_PREFIX "1-live", own);
	ok(mkdir(dead, 0755) == 0, "make a group of a dead owner");
	ok(mkdir(live, 0755) == 0, "make a group of a live owner (pid 1)");
	ok(hv_clean_stale(NULL) >= 1, "clean_stale removes something");
	ok(!is_dir(dead), "the dead owner's group is gone");
	ok(is_dir(live), "the live owner's group is kept");
	rmdir(live);
}

int
main(void)
{
	struct hv_cg_layout l;
	struct hv_err err;

	if (geteuid() != 0)
		skip_all("needs root");
	if (hv_cg_detect(&l, &err) < 0)
		skip_all("cannot detect cgroups");
	if (!l.ctrl[HV_CG_CPU].present || !l.ctrl[HV_CG_MEMORY].present)
		skip_all("no cpu or memory cgroup controller here");
	plan(24);
	test_detect(&l);
	test_own_path(&l);
	test_limits(&l);
	test_bad(&l);
	test_stale(&l);
	return done_testing();
}
