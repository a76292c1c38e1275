/*
 * oci.h - the OCI runtime bundle shared by the crun and runc drivers: a
 * config.json (runtime-spec 1.0) built with cJSON from the box
 * description in struct hv_rt, never pasted together as text: the
 * skeleton root read-only, the binds, a private /tmp, the box's network
 * namespace by path, the spec's limits in linux.resources, and the agent
 * as the container's process (PID 1).
 */
#ifndef HPCVIRT_ENV_OCI_H
#define HPCVIRT_ENV_OCI_H

#include "rt.h"

/*
 * Write <workdir>/config.json for the box and record its exact text in
 * box->config ("config_json"). cgroups_path is the linux.cgroupsPath
 * value (each runtime places a relative path its own way).
 */
int hv_oci_write_bundle(struct hv_box *box, const char *cgroups_path,
			struct hv_err *err);

/* The common start: bundle, then "<argv>" (ending in the container id),
 * then wait for the agent. */
int hv_oci_start(struct hv_box *box, char *const argv[], bool hide_cgroup2,
		 struct hv_err *err);

/*
 * The whole start of an OCI runtime box: find the runtime binary (prog),
 * prepare the box, write the bundle, run "PROG --root STATE run --bundle
 * WORKDIR NAME" (in a private mount namespace without the cgroup2 mount
 * when hide_cgroup2), and record cgroup_note in the box's configuration.
 */
int hv_oci_run(const struct hv_env_ctx *ctx, struct hv_box *box,
	       const char *prog, bool hide_cgroup2, const char *cgroup_note,
	       struct hv_err *err);

#endif
