/*
 * crun.c - the crun OCI runtime (crun run, foreground) with the bundle of
 * oci.c. crun 1.8 refuses this host's hybrid cgroup layout ("cgroups in
 * hybrid mode not supported") because the cgroup2 mount holds a
 * controller, so it runs in a private mount namespace of its own in which
 * the cgroup2 mount is hidden (the host's mounts are untouched); it then
 * sees pure cgroup v1. Its state goes to --root under the box's workdir.
 * A relative cgroupsPath is put by crun at the root of each v1
 * hierarchy: a single component, hpcvirt-<pid>-crun.XXXXXX, so no parent
 * directory is created and the stop (or hv_clean_stale) removes it.
 */

#include "oci.h"

static int
crun_probe(struct hv_err *why)
{
	return hv_rt_probe("crun", "crun", why);
}

static int
crun_start(const struct hv_env_ctx *ctx, struct hv_box *box, struct hv_err *err)
{
	return hv_oci_run(ctx, box, "crun", true,
			  "crun: cgroupsPath at the root of each v1 "
			  "hierarchy (cgroup2 hidden)",
			  err);
}

const struct hv_env hv_env_crun = {
	.name = "crun",
	.summary = "crun OCI runtime (config.json from hpcvirt), veth into "
		   "the lab bridge",
	.paper_role = "OS-level",
	.spans_hosts = true,
	.probe = crun_probe,
	.start = crun_start,
	.explain = hv_rt_explain,
	.stop = hv_rt_stop,
};
