/*
 * slurm.h - running a study across the hosts of a Slurm allocation
 * (`hpcvirt run --launcher slurm`, docs/slurm.md). Slurm launches
 * everything: each box is started on its host by an srun step that runs
 * `hpcvirt node`, whose stdin and stdout carry the box agent's frames back
 * to this process (so every sample is stored here, in the one study.db,
 * as it finishes); a net peer is an srun step on the peer's host; an MPI
 * job is Open MPI's mpirun under the allocation (its slurm launcher).
 * hpcvirt launches nothing across hosts by itself.
 */
#ifndef HPCVIRT_SLURM_H
#define HPCVIRT_SLURM_H

#include <pthread.h>
#include <stddef.h>

#include "hpcvirt/study/bench.h"
#include "hpcvirt/study/env.h"

#define HV_SLURM_MAX_HOSTS 64

/*
 * A lab across hosts (docs/slurm.md): VXLAN over UDP port 4789 (IANA's),
 * host k's box at .11+k and its lab's bridge at .130+k of the shared
 * /24, and the agents of the boxes on TCP port 7100 of the lab.
 */
#define HV_OVERLAY_UDP_PORT 4789
#define HV_OVERLAY_AGENT_PORT 7100
#define HV_OVERLAY_BOX(k) (1 + (k))	 /* box index: address .10+index */
#define HV_OVERLAY_BRIDGE(k) (130 + (k)) /* last byte */
#define HV_SLURM_MAX_ENVS 32

/* The first line `hpcvirt node` writes: its box is up, then a JSON
 * object (host, start_ns, vcpus, scratch, config, provenance). */
#define HV_NODE_READY_TAG "HPCVIRT-NODE-READY "
/* ... or its box could not start: a one-line reason follows. */
#define HV_NODE_ERROR_TAG "HPCVIRT-NODE-ERROR "

struct hv_slurm_host {
	char name[64]; /* the node's name in the allocation */
	char addr[64]; /* its numeric address (Slurm's NodeAddr) */
};

struct hv_slurm {
	char job[32];	 /* SLURM_JOB_ID */
	char self[4096]; /* the hpcvirt program, run on every host */
	char srun[4096]; /* srun's path */
	struct hv_slurm_host hosts[HV_SLURM_MAX_HOSTS];
	size_t n;
	const char *names[HV_SLURM_MAX_HOSTS]; /* hosts[i].name */
	/* The remote boxes' driver tables, one per env, made on first use
	 * and kept until hv_slurm_close (a box's env points at one). */
	struct hv_env ops[HV_SLURM_MAX_ENVS];
	const struct hv_env *of[HV_SLURM_MAX_ENVS];
	size_t nops;
	pthread_mutex_t mu;
	/* The lab across hosts of envs that span hosts: its /24 (free on
	 * this host; each host checks its own), the VXLAN id of the first
	 * env's (the next envs' follow, so that each env is a segment of
	 * its own), and every host's address, "A,B,...". */
	uint32_t lab_net;
	uint32_t vni0;
	char addrs[HV_SLURM_MAX_HOSTS * 16];
};

/*
 * The allocation this process runs in: SLURM_JOB_ID, its hosts
 * (SLURM_JOB_NODELIST expanded by `scontrol show hostnames`) and their
 * addresses (`scontrol show node`). -ENOENT when there is no allocation
 * (err says how to get one), -errno when Slurm's tools fail.
 */
int hv_slurm_open(struct hv_slurm *s, struct hv_err *err);
void hv_slurm_close(struct hv_slurm *s);

/*
 * Start a box of env on host h: an srun step runs `hpcvirt node` there,
 * which starts the box with env's own driver and ctx's spec, and relays
 * its agent. The box is then used like a local one (hv_box_exec,
 * hv_box_stop); its config holds the host and its provenance
 * (config "host_info", a JSON text). A lost step fails the exec with
 * the host's name and srun's last word.
 */
int hv_slurm_box_start(struct hv_slurm *s, size_t h, const struct hv_env *env,
		       const struct hv_env_ctx *ctx, struct hv_box *box,
		       struct hv_err *err);
/*
 * hv_slurm_box_start in two halves, so that the boxes of many hosts
 * boot at once: launch starts the srun step and returns; ready waits
 * for its READY line and connects. A failure of either stops the box.
 * (The step is forked by the caller's thread, which must outlive it:
 * its parent-death signal follows that thread.)
 */
int hv_slurm_box_launch(struct hv_slurm *s, size_t h, const struct hv_env *env,
			const struct hv_env_ctx *ctx, struct hv_box *box,
			struct hv_err *err);
int hv_slurm_box_ready(struct hv_box *box, struct hv_err *err);

/*
 * Start the bench's peer ("KERNEL server") on host h, listening on its
 * address; learn its port. Stop it with hv_proc_stop(pp, 0, 2000).
 */
int hv_slurm_peer_start(const struct hv_slurm *s, size_t h, const char *bin_dir,
			const char *run_dir, const struct hv_bench *b,
			struct hv_proc *pp, struct hv_peer *peer,
			struct hv_err *err);

#endif
