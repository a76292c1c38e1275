/*
 * runc.c - the runc OCI runtime (runc run, foreground) with the bundle of
 * oci.c. runc handles this host's hybrid cgroups itself. It puts a
 * relative cgroupsPath under the caller's group of each hierarchy, and
 * also creates one in the cgroup2 mount: a single component,
 * hpcvirt-<pid>-runc.XXXXXX, so that no parent directory is left and the
 * stop (or hv_clean_stale) finds every one by name. Its state goes to
 * --root under the box's workdir (absolute, not a symlink, as runc
 * requires).
 */

#include "oci.h"

static int
runc_probe(struct hv_err *why)
{
	return hv_rt_probe("runc", "runc", why);
}

static int
runc_start(const struct hv_env_ctx *ctx, struct hv_box *box, struct hv_err *err)
{
	return hv_oci_run(ctx, box, "runc", false,
			  "runc: cgroupsPath under hpcvirt's own group "
			  "of each hierarchy",
			  err);
}

const struct hv_env hv_env_runc = {
	.name = "runc",
	.summary = "runc OCI runtime (config.json from hpcvirt), veth into "
		   "the lab bridge",
	.paper_role = "OS-level",
	.spans_hosts = true,
	.probe = runc_probe,
	.start = runc_start,
	.explain = hv_rt_explain,
	.stop = hv_rt_stop,
};
