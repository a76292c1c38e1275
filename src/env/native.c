/*
 * native.c - the baseline: the agent and the kernels run as plain host
 * processes, with one exception that makes the comparison fair: the box
 * gets its own network namespace with a veth into the lab bridge, so that
 * native's network path (veth + bridge to the peer) is the one every
 * other environment also takes, and each differs from native only by its
 * own layer. It also gets a UTS namespace with a host name of its own,
 * which costs nothing at run time: the nodes of a virtual cluster of
 * native boxes are then distinct hosts to MPI, as the nodes of a real
 * cluster are (Open MPI tells nodes apart by name). No other namespace,
 * no cgroup limit, no root change: the kernels see the host's file
 * systems, CPUs and memory.
 *
 * The host name matters beyond MPI's node list: Open MPI names a node's
 * session directory ($TMPDIR/ompi.HOST.UID) and its ranks' shared-memory
 * segments (/dev/shm/vader_segment.HOST.JOB.RANK) after it, so in the one
 * /tmp and /dev/shm of the host two native nodes of one host name raced
 * for the same files (one study in three failed).
 *
 * Without a lab (a library user that made none) the agent simply runs in
 * the host namespace.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hpcvirt/host/container.h"
#include "hpcvirt/study/env.h"
#include "hpcvirt/host/lab.h"

#define READY_MS 5000

struct native_box {
	struct hv_lab *lab;
	struct hv_lab_port port;
};

/* After the exec, while the agent starts: plug the box's network
 * namespace into the lab (hv_ct_start returns once it is plugged). */
static int
native_started(void *arg, pid_t pid, struct hv_err *err)
{
	struct native_box *nb = arg;

	return hv_lab_attach_pid(nb->lab, pid, HV_NET_BRIDGED, &nb->port, err);
}

static int
make_dirs(const struct hv_env_ctx *ctx, struct hv_box *box, struct hv_err *err)
{
	/* Its own, so that the nodes of a virtual cluster (several native
	 * boxes) each have an agent socket of their own. */
	snprintf(box->workdir, sizeof(box->workdir), "%s/%s.XXXXXX",
		 ctx->run_dir, box->env->name);
	if (!mkdtemp(box->workdir)) {
		int rc = hv_err_sys(err, errno, "mkdtemp %s", box->workdir);

		box->workdir[0] = '\0';
		return rc;
	}
	snprintf(box->scratch, sizeof(box->scratch), "%s/scratch",
		 box->workdir);
	if (mkdir(box->scratch, 0700) != 0 && errno != EEXIST)
		return hv_err_sys(err, errno, "mkdir %s", box->scratch);
	return 0;
}

static int
native_start(const struct hv_env_ctx *ctx, struct hv_box *box,
	     struct hv_err *err)
{
	char agent[512], listen[600], log[600], host[64];
	char *argv[] = {agent,	     "--kernels",  (char *)ctx->bin_dir,
			"--workdir", box->scratch, "--listen",
			listen,	     NULL};
	struct hv_ct_opts o = {.ns_flags = CLONE_NEWNET | CLONE_NEWUTS,
			       .pipe_stdout = true};
	struct native_box *nb;
	int rc;

	rc = make_dirs(ctx, box, err);
	if (rc < 0)
		return rc;
	snprintf(agent, sizeof(agent), "%s/hpcvirt-agent", ctx->bin_dir);
	snprintf(listen, sizeof(listen), "unix:%s/agent.sock", box->workdir);
	hv_params_set(&box->config, "agent", "host process");
	hv_params_set(&box->config, "channel", listen);
	hv_params_set(&box->config, "storage", "host directory");
	if (!ctx->lab) {
		hv_params_set(&box->config, "net", "host namespace (no lab)");
		return hv_box_spawn_agent(box, argv, READY_MS, err);
	}
	nb = calloc(1, sizeof(*nb));
	if (!nb)
		return hv_err_set(err, ENOMEM, "native box");
	box->priv = nb;
	nb->lab = ctx->lab;
	snprintf(log, sizeof(log), "%s/box.log", box->workdir);
	snprintf(host, sizeof(host), "hv-%s", strrchr(box->workdir, '/') + 1);
	for (char *d = strchr(host, '.'); d; d = strchr(d, '.'))
		*d = '-';
	o.hostname = host;
	o.bin_dir = ctx->bin_dir;
	o.argv = argv;
	o.log_path = log;
	o.started = native_started;
	o.started_arg = nb;
	rc = hv_ct_start(&box->proc, &o, err);
	if (rc == 0)
		rc = hv_box_wait_ready(box, READY_MS, err);
	if (rc < 0)
		return rc;
	snprintf(box->agent_addr, sizeof(box->agent_addr), "%s", listen);
	hv_params_set(&box->config, "net",
		      "own network namespace, veth into the lab bridge");
	hv_params_set(&box->config, "ip", nb->port.ip);
	return 0;
}

/* Nothing of the box but its agent (ended by the common stop) and the
 * network and UTS namespaces, which go with it; the workdir goes with the
 * run directory. */
static int
native_stop(struct hv_box *box, struct hv_err *err)
{
	(void)err;
	free(box->priv);
	box->priv = NULL;
	return 0;
}

const struct hv_env hv_env_native = {
	.name = "native",
	.summary = "the host itself (own network namespace on the lab bridge)",
	.paper_role = "native",
	.hosts_network = true,
	.probe = NULL, /* always available */
	.start = native_start,
	.stop = native_stop,
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
	.hosts_network = true,
	.explicit_only = true,
	.start = native_start,
	.stop = native_stop,
};
