/*
 * env.h - the environment driver interface. A driver is a static const
 * struct hv_env with designated initializers, listed once in
 * src/registry.c. Drivers differ only in how they boot a box and reach its
 * hpcvirt-agent; running a kernel is the same for all of them (through the
 * agent), so exec is optional. Optional hooks are NULL-checked only in the
 * wrappers in src/study/box.c. src/env/skeleton.c documents every hook.
 */
#ifndef HPCVIRT_ENV_H
#define HPCVIRT_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "hpcvirt/study/agentc.h"
#include "hpcvirt/util/err.h"
#include "hpcvirt/host/proc.h"
#include "hpcvirt/results/result.h"

/* The resource spec every environment of a study shares (as in the paper,
 * equal for all by default). 0 means "not limited". */
struct hv_spec {
	int cpus;
	int mem_mib;
};

struct hv_lab;
struct hv_bench;

/* What the study gives a driver. */
struct hv_env_ctx {
	const char *bin_dir; /* the host's build: agent and kernels */
	const char *run_dir; /* this run's private temp dir (sockets...) */
	struct hv_spec spec;
	struct hv_lab *lab; /* the lab network every box plugs into */
	bool mpi; /* the study runs MPI in its boxes: a VM or UML guest
		     needs the image with the MPI layer */
	/* A box of a lab across hosts (env->spans_hosts): its agent also
	 * listens on this TCP port of the box's addresses, where mpirun in
	 * a box on another host reaches it (hpcvirt-rsh --port); 0: not. */
	int agent_port;
};

/* One running box. Drivers fill agent_addr (or conn) and may use priv. */
struct hv_box {
	const struct hv_env *env;
	char agent_addr[256];	    /* "unix:/..." or "tcp:ip:port" */
	struct hv_agent_conn *conn; /* set by hv_box_start() */
	struct hv_proc proc;	    /* the box's main host process */
	struct hv_params config;    /* how it was configured, for provenance */
	int64_t start_ns;	    /* start() to agent ready */
	/* CPUs the box runs its kernels on at once: a VM's vCPUs (set by
	 * its driver), else the CPUs of the spec, else the host's (set by
	 * hv_box_start). A unit with more threads per box than this is
	 * oversubscribed (results/result.h). */
	int vcpus;
	char workdir[512]; /* box scratch dir on the host, or "" */
	char scratch[256]; /* fs bench storage, as the box sees it */
	void *priv;
};

struct hv_env {
	const char *name;    /* "native", "ns", "tcg"... */
	const char *summary; /* one line for hpcvirt list */
	/* The paper's category: "native", "OS-level", "paravirt"... */
	const char *paper_role;
	bool explicit_only; /* not in the default set; run only by name */
	/* Across a Slurm allocation's hosts its boxes run in the host's own
	 * network, no lab (native and its A/A control). */
	bool hosts_network;
	/* Its boxes can join a lab across hosts (hv_lab_join_overlay): they
	 * take the lab's MTU, and their agent listens on ctx->agent_port of
	 * the box's lab address (a guest's always does, on 7100, the port
	 * of HV_VM_AGENT_PORT and HV_OVERLAY_AGENT_PORT). */
	bool spans_hosts;
	/* 0 if usable here; otherwise -errno, and why->msg says what is
	 * missing. */
	int (*probe)(struct hv_err *why);
	/* Boot the box and start its agent; fill box->agent_addr. */
	int (*start)(const struct hv_env_ctx *ctx, struct hv_box *box,
		     struct hv_err *err);
	/* Optional: run a kernel some other way than through the agent. */
	int (*exec)(struct hv_box *box, const struct hv_exec_req *req,
		    struct hv_exec_res *res, struct hv_err *err);
	/* Optional: in the default (reduced) study, leave out a parameter
	 * set that would take this env far too long (e.g. a 512 MiB file
	 * under binary translation); return true and say why. */
	bool (*skip)(const struct hv_bench *b, const struct hv_params *p,
		     char *why, size_t len);
	/* Optional: after a kernel died of a signal, say why if the box
	 * knows (e.g. "out of memory: the box's limit is 64 MiB"); write
	 * nothing otherwise. */
	void (*explain)(struct hv_box *box, char *buf, size_t len);
	/* Tear the box down; must work on a half-started box too. Returns
	 * 0, or -errno with err saying what was left behind (a cgroup
	 * still busy, host processes that outlived SIGKILL, a directory):
	 * the rest of the teardown is done all the same. */
	int (*stop)(struct hv_box *box, struct hv_err *err);
};

/* Wrappers: the only callers of the hooks. */
int hv_env_probe(const struct hv_env *env, struct hv_err *why);
/* start + connect to the agent; measures box->start_ns. On failure the box
 * is already stopped. */
int hv_box_start(const struct hv_env *env, const struct hv_env_ctx *ctx,
		 struct hv_box *box, struct hv_err *err);

/*
 * hv_box_start of boxes[0..n) of env at once, one thread each, returning
 * when all have started or failed: rcs[i] and errs[i] are box i's. The
 * threads are a crew that stays until hv_box_crew_release(): every box
 * process carries a parent-death signal, which Linux sends when the
 * thread that forked it ends, so the threads must outlive the boxes.
 * Release the crew after stopping its boxes. A box whose thread cannot
 * be made is started in the caller's. Returns 0, or -ENOMEM (nothing
 * started).
 */
struct hv_box_crew;
int hv_box_start_all(struct hv_box_crew **crew, const struct hv_env *env,
		     const struct hv_env_ctx *ctx, struct hv_box *const *boxes,
		     int *rcs, struct hv_err *errs, size_t n);
void hv_box_crew_release(struct hv_box_crew *crew);
/*
 * Run a kernel in the box (the driver's exec hook, else its agent). The
 * host gives up req->timeout_ms plus a margin after the request whatever
 * the box does (agentc.h). A lost connection whose cause is a dead box
 * says so ("...; the ns box's main process (pid N) ended: killed by
 * signal 9 (Killed)"). Test knob: $HPCVIRT_KERNEL_TIMEOUT=SECS lowers every
 * kernel's timeout to SECS (a bad value fails the call).
 */
int hv_box_exec(struct hv_box *box, const struct hv_exec_req *req,
		struct hv_exec_res *res, struct hv_err *err);
/*
 * Ask the agent to shut down, run the driver's stop, end box->proc. Safe
 * on a stopped or never started box (returns 0). Returns the stop hook's
 * result: -errno with err (may be NULL) as "ENV: stop: what was left".
 */
int hv_box_stop(struct hv_box *box, struct hv_err *err);
/* The driver's explanation of a kernel killed by a signal, or "". */
void hv_box_explain(struct hv_box *box, char *buf, size_t len);

/*
 * Helper for drivers whose box is "the agent as a host process" (native,
 * and the inner step of others): spawn argv (which must end in the agent's
 * --listen option) and wait for its HPCVIRT-AGENT-READY line, copying the
 * address it reports into box->agent_addr.
 */
int hv_box_spawn_agent(struct hv_box *box, char *const argv[], int timeout_ms,
		       struct hv_err *err);

/* Wait for the READY line on box->proc's stdout (a box started some other
 * way, e.g. by the container runtime with pipe_stdout). */
int hv_box_wait_ready(struct hv_box *box, int timeout_ms, struct hv_err *err);

#endif
