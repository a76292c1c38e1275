/*
 * cluster.h - N boxes of one environment as one MPI machine (the paper's
 * Figure 4: one MPI job across nodes). mpirun runs natively inside the
 * lab network namespace, where it reaches every box over the bridge; its
 * daemons start in the boxes through hpcvirt-rsh and each box's agent
 * (docs/mpi.md, "The launch path into boxes"), so every rank talks over
 * its technology's own network path.
 */
#ifndef HPCVIRT_CLUSTER_H
#define HPCVIRT_CLUSTER_H

#include "hpcvirt/host/lab.h"
#include "hpcvirt/study/env.h"

/*
 * Run req->argv, an "hpcvirt-mpirun --np N KERNEL ..." command line, over
 * the n boxes with rpn ranks each: the map of box addresses to agents is
 * written to run_dir, "--hosts IP:rpn,... --map FILE --net CIDR
 * --show-map" is added after argv[0], and the program (from bin_dir) runs
 * in the lab with req's timeout and cancel flag. Fills res as
 * hv_box_exec() does (stdout, the tail of stderr, exit status, timed
 * out). Returns 0 when it ran, whatever its exit status; -errno when it
 * could not start (a box without an address, no mpirun launcher).
 */
int hv_cluster_exec(struct hv_lab *lab, const char *run_dir,
		    const char *bin_dir, struct hv_box *const *boxes, int n,
		    int rpn, const struct hv_exec_req *req,
		    struct hv_exec_res *res, struct hv_err *err);

/*
 * The same MPI job across the hosts of a Slurm allocation: the first
 * nodes of names[] with rpn ranks each. hpcvirt-mpirun --slurm runs here
 * (in the allocation), and Open MPI's mpirun starts its daemons with
 * srun (its slurm launcher), so the ranks run natively on those hosts.
 */
int hv_cluster_exec_slurm(const char *run_dir, const char *bin_dir,
			  const char *const *names, int nodes, int rpn,
			  const struct hv_exec_req *req,
			  struct hv_exec_res *res, struct hv_err *err);

/*
 * The same MPI job over boxes on different hosts of a Slurm allocation,
 * whose labs form one lab across hosts (hv_lab_join_overlay): mpirun
 * runs in the first box, as a kernel of its agent, with --hosts (the
 * boxes' lab addresses), --agent-port (the others' agents, which
 * hpcvirt-rsh reaches over the lab) and --net (lab_net, the lab's /24).
 */
int hv_cluster_exec_overlay(struct hv_box *const *boxes, int n, int rpn,
			    uint32_t lab_net, int agent_port,
			    const struct hv_exec_req *req,
			    struct hv_exec_res *res, struct hv_err *err);

/*
 * Where the ranks ran, from the job map hpcvirt-mpirun --show-map prints
 * in out: {"10.201.0.11":[0],"10.201.0.12":[1]} (box address -> its
 * ranks, each once). A malloc'd JSON text, or NULL when out has no map.
 */
char *hv_cluster_placement(const char *out);

#endif
