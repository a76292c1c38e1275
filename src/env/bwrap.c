/*
 * bwrap.c - bubblewrap (the sandbox under Flatpak, and the
 * Apptainer-style way to run a program in namespaces). bwrap builds the
 * box's root itself from --ro-bind / --symlink / --tmpfs arguments, so no
 * skeleton directory is used. It cannot join a network namespace by
 * path, so it is started by our own fork + setns (never "ip netns exec",
 * which remounts /sys). It has no resource limits: the box gets our own
 * cgroups (cgroup.c), which bwrap is put into before it execs. The agent
 * is PID 1 of the new PID namespace (--as-pid-1) and dies with bwrap
 * (--die-with-parent).
 */
#include <errno.h>
#include <stdio.h>

#include "hpcvirt/host/container.h"
#include "rt.h"

#define READY_MS 10000
static int
bwrap_probe(struct hv_err *why)
{
	return hv_rt_probe("bwrap", "bubblewrap", why);
}

static void
build_argv(struct hv_rt_args *a, const char *bin, const struct hv_rt *rt)
{
	static const char *const fixed[] = {"--unshare-pid", "--unshare-ipc",
					    "--unshare-uts",
					    "--die-with-parent", "--as-pid-1"};

	hv_rt_arg(a, "%s", bin);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		hv_rt_arg(a, "%s", fixed[i]);
	hv_rt_arg(a, "--hostname");
	hv_rt_arg(a, "%s", rt->hostname);
	/* The environment of the other boxes, not hpcvirt's: under srun,
	 * mpirun in the box would take SLURM_* for its own allocation. */
	hv_rt_arg(a, "--clearenv");
	hv_rt_arg(a, "--setenv");
	hv_rt_arg(a, "PATH");
	hv_rt_arg(a, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:"
		     "/bin");
	hv_rt_arg(a, "--setenv");
	hv_rt_arg(a, "HOME");
	hv_rt_arg(a, "/root");
	for (int i = 0; i < rt->nbinds; i++) {
		hv_rt_arg(a, rt->binds[i].ro ? "--ro-bind" : "--bind");
		hv_rt_arg(a, "%s", rt->binds[i].src);
		hv_rt_arg(a, "%s", rt->binds[i].dst);
	}
	for (int i = 0; i < rt->nlinks; i++) {
		hv_rt_arg(a, "--symlink");
		hv_rt_arg(a, "%s", rt->links[i].target);
		hv_rt_arg(a, "%s", rt->links[i].path);
	}
	hv_rt_arg(a, "--tmpfs");
	hv_rt_arg(a, "/tmp");
	hv_rt_arg(a, "--proc");
	hv_rt_arg(a, "/proc");
	hv_rt_arg(a, "--dev");
	hv_rt_arg(a, "/dev");
	hv_rt_arg(a, "--chdir");
	hv_rt_arg(a, "/");
	hv_rt_agent_args(a, rt);
}

static int
bwrap_start(const struct hv_env_ctx *ctx, struct hv_box *box,
	    struct hv_err *err)
{
	char bin[256];
	char *ver[] = {bin, "--version", NULL};
	struct hv_rt_spawn s = {.join_netns = true, .in_cg = true};
	struct hv_rt_args a = {.n = 0};
	struct hv_rt *rt;
	int rc;

	rc = hv_rt_find("bwrap", "bubblewrap", bin, sizeof(bin), err);
	if (rc == 0)
		rc = hv_rt_prepare(ctx, box, ver, err);
	if (rc < 0)
		return rc;
	rt = box->priv;
	rc = hv_rt_own_cgroup(rt, err);
	if (rc < 0)
		return rc;
	build_argv(&a, bin, rt);
	if (a.overflow)
		return hv_err_set(err, E2BIG, "bwrap command line too long");
	s.argv = a.v;
	hv_rt_record_argv(box, "argv", a.v);
	rc = hv_rt_spawn(box, &s, err);
	if (rc == 0)
		rc = hv_rt_wait(box, READY_MS, err);
	if (rc == 0)
		hv_params_set(&box->config, "cgroups",
			      "hpcvirt's own (bwrap has no limits): "
			      "hpcvirt-<pid>-bwrap.*");
	return rc;
}

const struct hv_env hv_env_bwrap = {
	.name = "bwrap",
	.summary = "bubblewrap sandbox, joined to the box's netns by setns; "
		   "hpcvirt's cgroups",
	.paper_role = "OS-level",
	.spans_hosts = true,
	.probe = bwrap_probe,
	.start = bwrap_start,
	.explain = hv_rt_explain,
	.stop = hv_rt_stop,
};
