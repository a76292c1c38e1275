/*
 * skeleton.c - a documented template for a new environment driver. It is
 * compiled (so it stays in step with env.h) but not registered.
 *
 * To add a driver: copy this file to src/env/NAME.c, fill in the hooks,
 * and add one line to src/registry.c.
 */
#include <errno.h>

#include "hpcvirt/study/env.h"

/*
 * probe: is the technology usable on this host? Return 0 if so. If not,
 * return -ENOENT (not installed) or -ENOTSUP (installed, cannot work here)
 * and say why in why->msg, e.g. "qemu-system-x86_64 not found (apt-get
 * install qemu-system-x86)". Must be quick (well under a second), must
 * never hang, and must not change the host.
 */
static int
skeleton_probe(struct hv_err *why)
{
	return hv_err_set(why, ENOTSUP, "skeleton is a template, not a driver");
}

/*
 * start: boot a box with the resources in ctx->spec and start
 * hpcvirt-agent inside it, reachable from the host. Fill box->agent_addr
 * ("unix:/path" or "tcp:IP:PORT") and record every configuration choice in
 * box->config (recorded in the study's context). Keep the box's main host
 * process in box->proc so that the common stop can end it. Put any
 * driver state in box->priv. On failure return -errno with err filled;
 * the caller then calls stop.
 */
static int
skeleton_start(const struct hv_env_ctx *ctx, struct hv_box *box,
	       struct hv_err *err)
{
	(void)ctx;
	(void)box;
	return hv_err_set(err, ENOTSUP, "skeleton cannot start");
}

/*
 * stop: undo everything start created (files, mounts, cgroups, links),
 * also for a half-started box. The agent has already been asked to shut
 * down; the common code ends box->proc after this hook returns. Return
 * 0 when nothing is left; otherwise carry on with the rest of the
 * teardown and return -errno with err naming the first thing left
 * behind and why, e.g. "cgroup /sys/fs/cgroup/memory/.../hpcvirt-123-x
 * still busy 5000 ms after its processes were killed" (hv_cg_remove
 * says that for you). The scheduler records it in the study's context
 * ("teardown"); "hpcvirt clean" removes it later.
 */
static int
skeleton_stop(struct hv_box *box, struct hv_err *err)
{
	(void)box;
	(void)err;
	return 0;
}

const struct hv_env hv_env_skeleton = {
	.name = "skeleton",
	.summary = "template for new drivers (not registered)",
	.paper_role = "none",
	/* Across a Slurm allocation's hosts: true once the box plugs into
	 * ctx->lab, takes its MTU and its agent listens on ctx->agent_port
	 * (docs/slurm.md); until then its sets across hosts are left out. */
	.spans_hosts = false,
	.probe = skeleton_probe,
	.start = skeleton_start,
	.exec = NULL, /* optional: NULL runs kernels through the agent */
	.stop = skeleton_stop,
};
