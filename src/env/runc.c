/*
 * runc.c - the runc OCI runtime (runc run, foreground) with the bundle of
 * oci.c. runc handles this host's hybrid cgroups itself. It puts a
 * relative cgroupsPath under the caller's group of each hierarchy, and
 * also creates one in the cgroup2 mount: a single component,
 * hpcvirt-<pid>-runc.XXXXXX, so that no parent directory is left and the
 * stop (or hv_rt_clean_stale) finds every one by name. Its state goes to
 * --root under the box's workdir (absolute, not a symlink, as runc
 * requires).
 */
#include <errno.h>
#include <stdio.h>

#include "oci.h"

static int
runc_probe(struct hv_err *why)
{
	return hv_rt_probe("runc", "runc", why);
}

static int
runc_start(const struct hv_env_ctx *ctx, struct hv_box *box, struct hv_err *err)
{
	char bin[256], state[700];
	char *ver[] = {bin, "--version", NULL};
	char *argv[] = {bin,	    "--root",	  state, "run",
			"--bundle", box->workdir, NULL,	 NULL};
	struct hv_rt *rt;
	int rc;

	rc = hv_rt_find("runc", "runc", bin, sizeof(bin), err);
	if (rc == 0)
		rc = hv_rt_prepare(ctx, box, ver, err);
	if (rc < 0)
		return rc;
	rt = box->priv;
	snprintf(state, sizeof(state), "%s/state", box->workdir);
	argv[6] = rt->name;
	rc = hv_oci_write_bundle(box, rt->name, err);
	if (rc == 0)
		rc = hv_oci_start(box, argv, false, err);
	if (rc == 0)
		hv_params_set(&box->config, "cgroups",
			      "runc: cgroupsPath under hpcvirt's own group "
			      "of each hierarchy");
	return rc;
}

const struct hv_env hv_env_runc = {
	.name = "runc",
	.summary = "runc OCI runtime (config.json from hpcvirt), veth into "
		   "the lab bridge",
	.paper_role = "OS-level",
	.probe = runc_probe,
	.start = runc_start,
	.explain = hv_rt_explain,
	.stop = hv_rt_stop,
};
