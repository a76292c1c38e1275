/*
 * rt.h - what the drivers of external container runtimes (crun, runc,
 * LXC, podman, systemd-nspawn, bubblewrap) share, so that each driver
 * file holds only what is particular to its runtime: how to turn one
 * box description into that runtime's configuration and command line.
 *
 * Every such box is the same box as hpcvirt's own "ns" container: the
 * host's /usr, /etc and /lib* read-only, the build's bin dir read-only at
 * /opt/hpcvirt/bin, a private /tmp, /scratch bound to a host directory,
 * and the agent as the box's process, listening on a unix socket in a
 * host directory bound at /run/hpcvirt. The box's network namespace is
 * made here first, held by a small holder process and attached to the lab
 * (bridged, its own veth); the runtime is then told to join it by path.
 *
 * Names: a box's workdir is RUN_DIR/<env>.XXXXXX and everything the
 * runtime names (container, cgroups) is "hpcvirt-<pid>-<env>.XXXXXX", so
 * that the leftovers of a SIGKILLed run are found by hv_clean_stale()
 * (src/host/clean.c) and nothing else is ever touched.
 */
#ifndef HPCVIRT_ENV_RT_H
#define HPCVIRT_ENV_RT_H

#include <stdbool.h>
#include <sys/types.h>

#include "hpcvirt/host/cgroup.h"
#include "hpcvirt/study/env.h"
#include "hpcvirt/host/lab.h"

#define HV_RT_MAX_BINDS 16
#define HV_RT_AGENT HV_CT_BIN_DIR "/hpcvirt-agent"

/* One bind mount of the box: host src at dst inside the box. */
struct hv_rt_bind {
	char src[600];
	const char *dst;
	bool ro;
};

/* A host top-level entry recreated as a symlink in the box's root. */
struct hv_rt_link {
	char name[16];	 /* "lib64" */
	char path[20];	 /* "/lib64" */
	char target[64]; /* "usr/lib64" */
};

struct hv_rt {
	const char *env; /* the driver's name */
	char name[128];	 /* "hpcvirt-<pid>-<env>.XXXXXX" */
	char root[600];	 /* skeleton root dir (mount points only) */
	char sock[600];	 /* host dir bound at /run/hpcvirt */
	char scratch[600];
	char log[600];	     /* the runtime's stderr */
	char short_dir[300]; /* "<base>/hpcvirt-<pid>-<env>.X", or "" */
	char netns[64];	     /* "/proc/<holder>/ns/net" */
	char hostname[64];
	int cpus, mem_mib;
	int agent_port; /* ctx->agent_port: the agent's TCP port, or 0 */
	struct hv_rt_bind binds[HV_RT_MAX_BINDS];
	int nbinds;
	struct hv_rt_link links[8];
	int nlinks;
	pid_t holder; /* keeps the box's network namespace alive */
	struct hv_lab_port port;
	struct hv_cg cg; /* our own groups, for runtimes without limits */
	bool own_cg;
	struct hv_proc version; /* "<runtime> --version", read at the end */
	char version_text[200];
	long long oom_seen;
};

/* A command line being built: formatted copies in a fixed pool. */
struct hv_rt_args {
	char *v[128];
	int n;
	bool overflow;
	size_t used;
	char pool[16384];
};

/* Append one formatted argument (on overflow, later ones are dropped
 * and a->overflow is set). */
void hv_rt_arg(struct hv_rt_args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append the agent's command line as the box runs it. */
void hv_rt_agent_args(struct hv_rt_args *a, const struct hv_rt *rt);

/* How to start the runtime's process. */
struct hv_rt_spawn {
	char *const *argv;
	bool join_netns;   /* setns into rt->netns before exec (bwrap) */
	bool hide_cgroup2; /* private mount ns without the cgroup2 mount */
	bool in_cg;	   /* put it into rt->cg before exec */
	char *const *envp; /* NULL: inherit */
	/* private mount ns with a tmpfs on /run: what the runtime keeps
	 * there (nspawn's locks and propagation dirs, podman's runc
	 * state) never reaches the host's /run and dies with the box */
	bool private_run;
};

/*
 * Allocate the box state, make the workdir and its directories (root
 * skeleton with mount points, sock, scratch), fill the binds, start
 * "<version_argv>" in the background, create the network namespace and
 * attach it to the lab. On failure what was made is undone by
 * hv_rt_stop(). box->priv points to the struct hv_rt.
 */
int hv_rt_prepare(const struct hv_env_ctx *ctx, struct hv_box *box,
		  char *const version_argv[], struct hv_err *err);

/*
 * Make rt->short_dir, next to the run directory and named rt->name, for
 * runtimes that limit their paths' length (podman's runroot: 50
 * characters). Removed by hv_rt_stop(), or hv_clean_stale().
 */
int hv_rt_short_dir(const struct hv_env_ctx *ctx, struct hv_rt *rt,
		    struct hv_err *err);

/* Create rt->cg with the spec's limits (for runtimes that have none). */
int hv_rt_own_cgroup(struct hv_rt *rt, struct hv_err *err);

/* Start the runtime as box->proc (stderr to rt->log, dies with us). */
int hv_rt_spawn(struct hv_box *box, const struct hv_rt_spawn *s,
		struct hv_err *err);

/*
 * Wait until the agent's socket exists (the runtime's stdout may not
 * reach us, so the READY line is not used), or the runtime exited (the
 * error then quotes the last line of its log). Fills box->agent_addr,
 * box->scratch, and records the common configuration.
 */
int hv_rt_wait(struct hv_box *box, int timeout_ms, struct hv_err *err);

/* Append argv, joined with spaces, to box->config under key. */
void hv_rt_record_argv(struct hv_box *box, const char *key, char *const argv[]);

/* The spec's memory limit in bytes, and CPU quota per 100 ms period. */
long long hv_rt_mem_bytes(const struct hv_rt *rt);
long long hv_rt_cpu_quota(const struct hv_rt *rt);
#define HV_RT_CPU_PERIOD 100000

/* Does the kernel have v1 memory+swap accounting? */
bool hv_rt_has_memsw(void);

/* A quick probe: is prog on the PATH dirs (/usr/bin, /usr/sbin...)? */
int hv_rt_find(const char *prog, const char *package, char *path, size_t len,
	       struct hv_err *why);

/*
 * The probe of a runtime driver: prog installed, and this host lets us
 * create the namespaces a box needs (else "not working here: why").
 */
int hv_rt_probe(const char *prog, const char *package, struct hv_err *why);

/* The explain hook: the box's memory group counted an OOM kill. */
void hv_rt_explain(struct hv_box *box, char *buf, size_t len);

/*
 * Stop the runtime (SIGTERM, then SIGKILL), the holder, remove the
 * cgroups named rt->name wherever the runtime put them, unmount anything
 * left under the workdir, remove the workdir; free the state. Returns 0,
 * or -errno with err naming the first thing left behind (all the rest
 * is still done): the stop hook of env.h.
 */
int hv_rt_stop(struct hv_box *box, struct hv_err *err);

#endif
