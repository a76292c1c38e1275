/*
 * nspawn.c - systemd-nspawn running the agent as the container's PID 1 in
 * the skeleton root, with --bind-ro/--bind for the host directories and
 * the box's network namespace by path. This host has no systemd as PID 1
 * and no D-Bus: --register=no (no machined) and --keep-unit (no scope
 * unit) are required. Without systemd, nspawn's --property= (its way to
 * set CPUQuota= and MemoryMax=) cannot work, so the limits are applied
 * with our own cgroups (cgroup.c): nspawn is put into the box's groups
 * before it execs, and, with --keep-unit, stays there with the container.
 * nspawn keeps image locks and mount-propagation directories under
 * /run/systemd/nspawn and does not remove the latter; it runs in a
 * private mount namespace with its own /run (hv_rt_spawn's private_run),
 * so none of that reaches the host.
 */
#include <errno.h>
#include <stdio.h>

#include "hpcvirt/host/container.h"
#include "rt.h"

#define READY_MS 10000

static int
nspawn_probe(struct hv_err *why)
{
	return hv_rt_probe("systemd-nspawn", "systemd-container", why);
}

static void
build_argv(struct hv_rt_args *a, const char *bin, const struct hv_rt *rt)
{
	static const char *const fixed[] = {
		"--quiet",	     "--register=no",	  "--keep-unit",
		"--console=pipe",    "--resolv-conf=off", "--timezone=off",
		"--link-journal=no", "--read-only"};

	hv_rt_arg(a, "%s", bin);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		hv_rt_arg(a, "%s", fixed[i]);
	hv_rt_arg(a, "--directory=%s", rt->root);
	hv_rt_arg(a, "--machine=%s", rt->name);
	hv_rt_arg(a, "--hostname=%s", rt->hostname);
	hv_rt_arg(a, "--network-namespace-path=%s", rt->netns);
	for (int i = 0; i < rt->nbinds; i++)
		hv_rt_arg(a, "--bind%s=%s:%s", rt->binds[i].ro ? "-ro" : "",
			  rt->binds[i].src, rt->binds[i].dst);
	hv_rt_arg(a, "--tmpfs=/tmp:mode=1777");
	hv_rt_agent_args(a, rt);
}

static int
nspawn_start(const struct hv_env_ctx *ctx, struct hv_box *box,
	     struct hv_err *err)
{
	char bin[256];
	char *ver[] = {bin, "--version", NULL};
	struct hv_rt_spawn s = {.in_cg = true, .private_run = true};
	struct hv_rt_args a = {.n = 0};
	struct hv_rt *rt;
	int rc;

	rc = hv_rt_find("systemd-nspawn", "systemd-container", bin, sizeof(bin),
			err);
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
		return hv_err_set(err, E2BIG, "nspawn command line too long");
	s.argv = a.v;
	hv_rt_record_argv(box, "argv", a.v);
	rc = hv_rt_spawn(box, &s, err);
	if (rc == 0)
		rc = hv_rt_wait(box, READY_MS, err);
	if (rc == 0)
		hv_params_set(&box->config, "cgroups",
			      "hpcvirt's own (--property= needs systemd, "
			      "absent here): hpcvirt-<pid>-nspawn.*");
	return rc;
}

const struct hv_env hv_env_nspawn = {
	.name = "nspawn",
	.summary = "systemd-nspawn (--register=no --keep-unit), netns by "
		   "path; hpcvirt's cgroups",
	.paper_role = "OS-level",
	.spans_hosts = true,
	.probe = nspawn_probe,
	.start = nspawn_start,
	.explain = hv_rt_explain,
	.stop = hv_rt_stop,
};
