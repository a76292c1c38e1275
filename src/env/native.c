/*
 * native.c - the baseline: the agent runs as a plain host process, so
 * native and every other environment share one code path (agent, kernels,
 * parsing). Only the isolation layer differs between cells.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "hpcvirt/env.h"

#define READY_MS 5000

static int
native_start(const struct hv_env_ctx *ctx, struct hv_box *box,
	     struct hv_err *err)
{
	char agent[512], listen[300], kdir[512];
	char *argv[] = {agent,	      "--kernels", kdir,   "--workdir",
			box->workdir, "--listen",  listen, NULL};

	snprintf(agent, sizeof(agent), "%s/hpcvirt-agent", ctx->bin_dir);
	snprintf(kdir, sizeof(kdir), "%s", ctx->bin_dir);
	snprintf(box->workdir, sizeof(box->workdir), "%s/%s", ctx->run_dir,
		 box->env->name);
	if (mkdir(box->workdir, 0700) != 0 && errno != EEXIST)
		return hv_err_sys(err, errno, "mkdir %s", box->workdir);
	snprintf(listen, sizeof(listen), "unix:%s/agent.sock", box->workdir);
	hv_params_set(&box->config, "agent", "host process");
	hv_params_set(&box->config, "channel", listen);
	return hv_box_spawn_agent(box, argv, READY_MS, err);
}

const struct hv_env hv_env_native = {
	.name = "native",
	.summary = "the host itself: the agent runs as a plain host process",
	.paper_role = "native",
	.probe = NULL, /* always available */
	.start = native_start,
	.stop = NULL, /* the common stop ends the agent process */
};

/*
 * The A/A control: a second, independent native box. Its ratio to native
 * measures the method itself (noise, drift, scheduling), so its CI should
 * contain 1.0. Only run when asked for by name.
 */
const struct hv_env hv_env_native_aa = {
	.name = "native-aa",
	.summary = "A/A control: a second native box; its CI should hold 1.0",
	.paper_role = "control",
	.explicit_only = true,
	.start = native_start,
};
