/*
 * podman.c - podman running the skeleton root (--rootfs), with -v binds,
 * the box's network namespace (--network ns:PATH; never podman's own
 * bridge network) and the limits as podman flags (--cpus, --memory). What
 * this host needs: the runc runtime (podman's default crun refuses the
 * hybrid cgroups), the cgroupfs manager (no systemd), the file events
 * backend (no journald), and lowered --ulimit values (no
 * CAP_SYS_RESOURCE: podman's defaults would raise them). All of podman's
 * storage and state goes to a directory named after the box next to the
 * run directory (--root, --runroot, --tmpdir; short, because podman
 * refuses a runroot over 50 characters; vfs driver: no overlay mount),
 * and its cgroups under
 * --cgroup-parent /hpcvirt-<pid>-podman.XXXXXX (not libpod_parent), so
 * the stop, or hv_clean_stale after a SIGKILL, removes all of it.
 * runc, run by podman, keeps its state in /run/runc whatever podman's
 * --runroot: podman runs with a /run of its own (private_run), so that
 * neither the directory nor a killed box's state reaches the host.
 */
#include <errno.h>
#include <stdio.h>

#include "hpcvirt/host/container.h"
#include "rt.h"

#define READY_MS 15000

static int
podman_probe(struct hv_err *why)
{
	char path[256];
	int rc = hv_rt_find("runc", "runc", path, sizeof(path), why);

	/* podman runs its boxes with runc here (see above) */
	return rc < 0 ? rc : hv_rt_probe("podman", "podman", why);
}

/* podman's global options: where everything it keeps goes. */
static void
global_args(struct hv_rt_args *a, const char *bin, const char *wd,
	    const char *runc)
{
	hv_rt_arg(a, "%s", bin);
	hv_rt_arg(a, "--root=%s/root", wd);
	hv_rt_arg(a, "--runroot=%s/run", wd);
	hv_rt_arg(a, "--tmpdir=%s/tmp", wd);
	hv_rt_arg(a, "--storage-driver=vfs");
	hv_rt_arg(a, "--cgroup-manager=cgroupfs");
	hv_rt_arg(a, "--events-backend=file");
	hv_rt_arg(a, "--runtime=%s", runc);
}

static void
run_args(struct hv_rt_args *a, const struct hv_rt *rt)
{
	hv_rt_arg(a, "run");
	hv_rt_arg(a, "--rm");
	hv_rt_arg(a, "--name=%s", rt->name);
	hv_rt_arg(a, "--hostname=%s", rt->hostname);
	hv_rt_arg(a, "--network=ns:%s", rt->netns);
	hv_rt_arg(a, "--no-hosts");
	hv_rt_arg(a, "--dns=none");
	hv_rt_arg(a, "--ulimit=nofile=1024:1024");
	hv_rt_arg(a, "--ulimit=nproc=1000:1000");
	hv_rt_arg(a, "--cgroup-parent=/%s", rt->name);
	if (rt->cpus > 0)
		hv_rt_arg(a, "--cpus=%d", rt->cpus);
	if (rt->mem_mib > 0) {
		hv_rt_arg(a, "--memory=%dm", rt->mem_mib);
		hv_rt_arg(a, "--memory-swap=%dm", rt->mem_mib);
	}
	for (int i = 0; i < rt->nbinds; i++)
		hv_rt_arg(a, "--volume=%s:%s:%s", rt->binds[i].src,
			  rt->binds[i].dst, rt->binds[i].ro ? "ro" : "rw");
	hv_rt_arg(a, "--tmpfs=/tmp:rw,nosuid,nodev,mode=1777");
	hv_rt_arg(a, "--rootfs");
	hv_rt_arg(a, "%s", rt->root);
	hv_rt_agent_args(a, rt);
}

static int
podman_start(const struct hv_env_ctx *ctx, struct hv_box *box,
	     struct hv_err *err)
{
	char bin[256], runc[256];
	char *ver[] = {bin, "--version", NULL};
	struct hv_rt_spawn s = {.argv = NULL, .private_run = true};
	struct hv_rt_args a = {.n = 0};
	int rc;

	rc = hv_rt_find("podman", "podman", bin, sizeof(bin), err);
	if (rc == 0)
		rc = hv_rt_find("runc", "runc", runc, sizeof(runc), err);
	if (rc == 0)
		rc = hv_rt_prepare(ctx, box, ver, err);
	if (rc == 0)
		rc = hv_rt_short_dir(ctx, box->priv, err);
	if (rc < 0)
		return rc;
	global_args(&a, bin, ((struct hv_rt *)box->priv)->short_dir, runc);
	run_args(&a, box->priv);
	if (a.overflow)
		return hv_err_set(err, E2BIG, "podman command line too long");
	s.argv = a.v;
	hv_rt_record_argv(box, "argv", a.v);
	rc = hv_rt_spawn(box, &s, err);
	if (rc == 0)
		rc = hv_rt_wait(box, READY_MS, err);
	if (rc == 0)
		hv_params_set(&box->config, "cgroups",
			      "podman --cgroup-parent /hpcvirt-<pid>-podman.*");
	return rc;
}

const struct hv_env hv_env_podman = {
	.name = "podman",
	.summary = "podman --rootfs (runtime runc, cgroupfs), --network "
		   "ns:PATH into the lab bridge",
	.paper_role = "OS-level",
	.spans_hosts = true,
	.probe = podman_probe,
	.start = podman_start,
	.explain = hv_rt_explain,
	.stop = hv_rt_stop,
};
