/*
 * ns.c - the OS-level environment: hpcvirt's own container (container.c)
 * with new PID, mount, UTS, IPC and network namespaces, cgroup CPU and
 * memory limits (cgroup.c), a port on the lab network (lab.c), and the
 * agent as the box's PID 1, reachable only through a unix socket in a
 * host directory bind-mounted into the box. Two network modes, as
 * OpenVZ has: "ns" (bridged: a veth into the lab bridge) and "ns-routed"
 * (venet-like: host /32 routes to the veth, no bridge).
 *
 * Host side of a box, all under ctx->run_dir/ns.XXXXXX: root/ (the mount
 * point of the box's tmpfs root, mounted only in the box's namespace),
 * sock/ (-> /run/hpcvirt), scratch/ (-> /scratch, the fs bench's storage)
 * and box.log (the agent's stderr). The cgroups are
 * hpcvirt-<pid>-ns.XXXXXX. A SIGKILLed hpcvirt takes the box with it
 * (PR_SET_PDEATHSIG on PID 1 ends the PID namespace, and the network and
 * mount namespaces go with their last process); the run dir and the
 * cgroups are then found by hv_clean_stale.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hpcvirt/host/clean.h"
#include "hpcvirt/host/cgroup.h"
#include "hpcvirt/host/container.h"
#include "hpcvirt/study/env.h"
#include "hpcvirt/host/lab.h"

#define NS_FLAGS                                                    \
	(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | \
	 CLONE_NEWNET)
#define READY_MS 5000

struct ns_box {
	struct hv_lab *lab;
	enum hv_net_mode mode;
	struct hv_lab_port port;
	bool attached;
	struct hv_cg cg;
	int64_t oom_kills; /* OOM kills already explained */
	int cpus, mem_mib;
	const char *name; /* of the box's cgroups: its workdir's basename */
	char root[600], sock[600], scratch[600], log[600];
};

static int
ns_probe(struct hv_err *why)
{
	struct hv_cg_layout l;
	int rc = hv_ct_probe(NS_FLAGS, why);

	if (rc < 0)
		return rc;
	rc = hv_cg_detect(&l, why);
	if (rc < 0)
		return rc;
	for (int c = HV_CG_CPU; c <= HV_CG_MEMORY; c++) {
		const struct hv_cg_place *p = &l.ctrl[c];

		if (!p->present)
			return hv_err_set(why, ENOTSUP,
					  "no %s cgroup controller is mounted",
					  hv_cg_ctrl_name(c));
		if (access(p->own_dir, W_OK) != 0)
			return hv_err_sys(why, errno,
					  "cgroup %s is not "
					  "writable",
					  p->own_dir);
	}
	return 0;
}

/*
 * Before the clone: the box's cgroups with their limits, and their
 * cgroup.procs files open for the child, which joins them itself before
 * it execs (the runtime suspends us until then: container.h).
 */
static int
ns_cgroups(struct ns_box *nb, int fds[HV_CG_NCTRL], struct hv_err *err)
{
	struct hv_cg_layout l;
	int rc = hv_cg_detect(&l, err);

	if (rc == 0)
		rc = hv_cg_create(&nb->cg, &l, nb->name, nb->cpus, nb->mem_mib,
				  err);
	if (rc == 0)
		rc = hv_cg_open_procs(&nb->cg, fds, err);
	return rc;
}

/*
 * After the exec, while the agent starts: the lab port. Its netlink
 * requests wait on the kernel (RCU grace periods), so they overlap the
 * agent's start-up instead of delaying it. Nothing uses the network
 * before hv_box_start returns, and the start fails if this does.
 */
static int
ns_started(void *arg, pid_t pid, struct hv_err *err)
{
	struct ns_box *nb = arg;
	int rc = hv_lab_attach_pid(nb->lab, pid, nb->mode, &nb->port, err);

	nb->attached = rc == 0;
	return rc;
}

/* The host-side directories of the box under its workdir. */
static int
make_dirs(struct hv_box *box, struct ns_box *nb, struct hv_err *err)
{
	char *dirs[] = {nb->root, nb->sock, nb->scratch};
	static const char *const names[] = {"root", "sock", "scratch"};

	for (int i = 0; i < 3; i++) {
		snprintf(dirs[i], sizeof(nb->root), "%s/%s", box->workdir,
			 names[i]);
		if (mkdir(dirs[i], 0755) != 0)
			return hv_err_sys(err, errno, "mkdir %s", dirs[i]);
	}
	snprintf(nb->log, sizeof(nb->log), "%s/box.log", box->workdir);
	return 0;
}

static void
record_config(struct hv_box *box, const struct hv_env_ctx *ctx,
	      const struct ns_box *nb)
{
	char v[700];

	hv_params_set(&box->config, "namespaces", "pid,mnt,uts,ipc,net");
	hv_params_set(&box->config, "root",
		      "tmpfs; ro binds /usr /etc /bin /sbin /lib*; build ro "
		      "at " HV_CT_BIN_DIR "; tmpfs /tmp /dev/shm; fresh "
		      "/proc, ro /sys; minimal /dev");
	hv_params_set(&box->config, "scratch",
		      HV_CT_SCRATCH " = host dir (bind, rw)");
	hv_params_set(&box->config, "net",
		      nb->mode == HV_NET_ROUTED ? "routed (venet-like /32)"
						: "bridged (veth)");
	hv_params_set(&box->config, "ip", nb->port.ip);
	snprintf(v, sizeof(v), "%d", ctx->spec.cpus);
	hv_params_set(&box->config, "cpus", v);
	snprintf(v, sizeof(v), "%d", ctx->spec.mem_mib);
	hv_params_set(&box->config, "mem_mib", v);
	for (int c = HV_CG_CPU; c <= HV_CG_MEMORY; c++) {
		snprintf(v, sizeof(v), "%s%s", nb->cg.dir[c],
			 nb->cg.v2[c] ? " (v2)" : " (v1)");
		hv_params_set(&box->config,
			      c == HV_CG_CPU ? "cgroup_cpu" : "cgroup_memory",
			      v);
	}
	hv_params_set(&box->config, "agent", "PID 1 of the box");
	hv_params_set(&box->config, "channel", box->agent_addr);
}

static int
ns_start_mode(const struct hv_env_ctx *ctx, struct hv_box *box,
	      enum hv_net_mode mode, struct hv_err *err)
{
	char tcp[32];
	char *argv[] = {HV_CT_BIN_DIR "/hpcvirt-agent",
			"--kernels",
			HV_CT_BIN_DIR,
			"--workdir",
			HV_CT_SCRATCH,
			"--listen",
			"unix:" HV_CT_SOCK_DIR "/agent.sock",
			NULL,
			NULL,
			NULL};
	struct hv_ct_opts o = {.ns_flags = NS_FLAGS, .new_root = true};
	int fds[HV_CG_NCTRL], nfds = 0;
	char host[64];
	struct ns_box *nb;
	int rc;

	if (!ctx->lab)
		return hv_err_set(err, EINVAL, "ns needs the lab");
	nb = calloc(1, sizeof(*nb));
	if (!nb)
		return hv_err_sys(err, ENOMEM, "ns box state");
	box->priv = nb;
	nb->lab = ctx->lab;
	nb->mode = mode;
	nb->cpus = ctx->spec.cpus;
	nb->mem_mib = ctx->spec.mem_mib;
	snprintf(box->workdir, sizeof(box->workdir), "%s/ns.XXXXXX",
		 ctx->run_dir);
	if (!mkdtemp(box->workdir)) {
		rc = hv_err_sys(err, errno, "mkdtemp %s", box->workdir);
		box->workdir[0] = '\0';
		return rc;
	}
	nb->name = strrchr(box->workdir, '/') + 1;
	rc = make_dirs(box, nb, err);
	if (rc == 0)
		rc = nfds = ns_cgroups(nb, fds, err);
	if (rc < 0)
		return rc;
	/* "hv-ns-XXXXXX" after the workdir ns.XXXXXX, as the cgroups are */
	snprintf(host, sizeof(host), "hv-%s", nb->name);
	if (strchr(host, '.'))
		*strchr(host, '.') = '-';
	/* In a lab across hosts, mpirun in another box reaches this one's
	 * agent over the lab too; the box's only network is the lab. */
	if (ctx->agent_port > 0) {
		snprintf(tcp, sizeof(tcp), "tcp:0.0.0.0:%d", ctx->agent_port);
		argv[7] = "--listen";
		argv[8] = tcp;
	}
	o.root_dir = nb->root;
	o.bin_dir = ctx->bin_dir;
	o.sock_dir = nb->sock;
	o.scratch_dir = nb->scratch;
	o.argv = argv;
	o.log_path = nb->log;
	o.pipe_stdout = true;
	o.hostname = host;
	o.join_fds = fds;
	o.njoin = nfds;
	o.started = ns_started;
	o.started_arg = nb;
	rc = hv_ct_start(&box->proc, &o, err);
	while (nfds > 0)
		close(fds[--nfds]);
	if (rc == 0)
		rc = hv_box_wait_ready(box, READY_MS, err);
	if (rc < 0)
		return rc;
	snprintf(box->agent_addr, sizeof(box->agent_addr), "unix:%s/agent.sock",
		 nb->sock);
	snprintf(box->scratch, sizeof(box->scratch), "%s", HV_CT_SCRATCH);
	record_config(box, ctx, nb);
	return 0;
}

/* A kernel killed by SIGKILL in a box with a memory limit: was it the
 * OOM killer? The memory group counts its kills. */
static void
ns_explain(struct hv_box *box, char *buf, size_t len)
{
	struct ns_box *nb = box->priv;
	int64_t kills;

	if (!nb)
		return;
	kills = hv_cg_oom_kills(&nb->cg);
	if (kills > nb->oom_kills) {
		snprintf(buf, len, "out of memory: the box's limit is %d MiB",
			 nb->mem_mib);
		nb->oom_kills = kills;
	}
}

static int
ns_start(const struct hv_env_ctx *ctx, struct hv_box *box, struct hv_err *err)
{
	return ns_start_mode(ctx, box, HV_NET_BRIDGED, err);
}

static int
ns_routed_start(const struct hv_env_ctx *ctx, struct hv_box *box,
		struct hv_err *err)
{
	return ns_start_mode(ctx, box, HV_NET_ROUTED, err);
}

/*
 * The agent was asked to shut down; as PID 1 its exit ends the PID
 * namespace (every process in it is killed), and the mount and network
 * namespaces go with it, taking the mounts and the veth pair. Then the
 * cgroups (killing anything left) and the host directories.
 */
static int
ns_stop(struct hv_box *box, struct hv_err *err)
{
	struct ns_box *nb = box->priv;
	int rc;

	if (!nb)
		return 0;
	hv_proc_stop(&box->proc, 2000, 500);
	rc = hv_cg_remove(&nb->cg, err);
	/* FTW_MOUNT: never cross into a mount, should one be visible. */
	if (box->workdir[0]) {
		hv_rm_tree(box->workdir);
		if (rc == 0 && access(box->workdir, F_OK) == 0)
			rc = hv_err_set(err, EBUSY, "%s is left behind",
					box->workdir);
	}
	free(nb);
	box->priv = NULL;
	return rc;
}

const struct hv_env hv_env_ns = {
	.name = "ns",
	.summary = "hpcvirt's own container: namespaces + cgroups, veth "
		   "into the lab bridge",
	.paper_role = "OS-level",
	.spans_hosts = true,
	.probe = ns_probe,
	.start = ns_start,
	.explain = ns_explain,
	.stop = ns_stop,
};

const struct hv_env hv_env_ns_routed = {
	.name = "ns-routed",
	.summary = "hpcvirt's own container, routed (venet-like /32 routes, "
		   "no bridge)",
	.paper_role = "OS-level",
	.spans_hosts = true,
	.probe = ns_probe,
	.start = ns_routed_start,
	.explain = ns_explain,
	.stop = ns_stop,
};
