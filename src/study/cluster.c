/*
 * cluster.c - one MPI job across N boxes (cluster.h). What is new here is
 * only the glue: the host map hpcvirt-rsh reads, the --hosts list, and
 * running the launcher inside the lab with a deadline. Open MPI does the
 * launching and the message passing.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "hpcvirt/host/proc.h"
#include "hpcvirt/study/cluster.h"

#define MAX_ARGS 64
#define POLL_MS 200

/* "A.B.C.0/24" for --net: the lab's subnet (host byte order). */
static void
cidr24(uint32_t net, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.0/24", net >> 24, (net >> 16) & 255,
		 (net >> 8) & 255);
}

/* "IP:rpn,..." for --hosts: each box's lab address. */
static int
host_list(struct hv_box *const *boxes, int n, int rpn, char *hosts, size_t hlen,
	  struct hv_err *err)
{
	size_t used = 0;
	int i, w;

	hosts[0] = '\0';
	for (i = 0; i < n; i++) {
		const char *ip = hv_params_get(&boxes[i]->config, "ip");

		if (!ip)
			return hv_err_set(err, ENXIO,
					  "%s box %d has no lab address",
					  boxes[i]->env->name, i + 1);
		w = snprintf(hosts + used, hlen - used, "%s%s:%d", i ? "," : "",
			     ip, rpn);
		if (w < 0 || (size_t)w >= hlen - used)
			return hv_err_set(err, E2BIG, "too many boxes: %d", n);
		used += (size_t)w;
	}
	return 0;
}

/* "IP AGENT-ADDR" per box, for hpcvirt-rsh --map. */
static int
write_map(struct hv_box *const *boxes, int n, const char *path,
	  struct hv_err *err)
{
	FILE *f;
	int i;

	f = fopen(path, "we");
	if (!f)
		return hv_err_sys(err, errno, "cannot write %s", path);
	for (i = 0; i < n; i++) {
		if (!boxes[i]->agent_addr[0]) {
			fclose(f);
			return hv_err_set(err, ENXIO,
					  "%s box %d has no agent channel",
					  boxes[i]->env->name, i + 1);
		}
		fprintf(f, "%s %s\n", hv_params_get(&boxes[i]->config, "ip"),
			boxes[i]->agent_addr);
	}
	if (fclose(f) != 0)
		return hv_err_sys(err, errno, "cannot write %s", path);
	return 0;
}

/* Append s to the malloc'd text *buf (length *len), up to cap. */
static void
append(char **buf, size_t *len, const char *s, size_t cap, bool *trunc)
{
	size_t n = strlen(s);
	char *nb;

	if (*len + n + 2 > cap) {
		*trunc = true;
		return;
	}
	nb = realloc(*buf, *len + n + 2);
	if (!nb) {
		*trunc = true;
		return;
	}
	*buf = nb;
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[(*len)++] = '\n';
	(*buf)[*len] = '\0';
}

/*
 * A launcher's stderr f, for failure reasons (the last line is the
 * one a reason quotes): Open MPI's rules of dashes dropped, and the lines
 * of hpcvirt's own launch path (hpcvirt-rsh, hpcvirt-orted, the agent:
 * "no orted in this box") moved last, since they say what went wrong
 * where Open MPI's text only says that something did.
 */
static void
sort_err(FILE *f, struct hv_exec_res *res)
{
	char line[1024];
	int pass;

	for (pass = 0; pass < 2; pass++) {
		rewind(f);
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			if (line[strspn(line, "- ")] == '\0' ||
			    (strncmp(line, "hpcvirt-", 8) == 0) != (pass == 1))
				continue;
			append(&res->err, &res->err_len, line, HV_AGENT_ERR_CAP,
			       &res->truncated);
		}
	}
}

/* The launcher's stderr log, sorted by sort_err into res->err. */
static void
read_err(const char *path, struct hv_exec_res *res)
{
	FILE *f = fopen(path, "re");

	if (f) {
		sort_err(f, res);
		fclose(f);
	}
}

/* The same for stderr already read (mpirun run in a box). */
static void
resort_err(struct hv_exec_res *res)
{
	char *text = res->err;
	FILE *f = text ? fmemopen(text, strlen(text), "r") : NULL;

	if (!f)
		return;
	res->err = NULL;
	res->err_len = 0;
	sort_err(f, res);
	fclose(f);
	free(text);
	if (!res->err)
		res->err = calloc(1, 1);
}

/* Read stdout until the launcher closes it, the deadline, or cancel. */
static void
collect(struct hv_proc *p, const struct hv_exec_req *req,
	struct hv_exec_res *res)
{
	int64_t deadline = hv_now_ms() + (req->timeout_ms > 0 ? req->timeout_ms
							      : 3600 * 1000);
	char line[4096];
	struct hv_err rerr;
	int rc;

	for (;;) {
		if (req->cancel && *req->cancel)
			break;
		if (hv_now_ms() >= deadline) {
			res->timed_out = true;
			break;
		}
		hv_err_init(&rerr);
		rc = hv_proc_read_line(p, line, sizeof(line), POLL_MS, &rerr);
		if (rc == 0)
			append(&res->out, &res->out_len, line, HV_AGENT_OUT_CAP,
			       &res->truncated);
		else if (rc != -ETIMEDOUT)
			break; /* closed: it exited */
	}
}

/* argv = prog, head[0..nhead), then req's arguments after its argv[0]
 * ("hpcvirt-mpirun"); room for MAX_ARGS + 16. */
static int
job_argv(const char **argv, const char *prog, const char *const *head,
	 int nhead, const struct hv_exec_req *req, struct hv_err *err)
{
	int i, k = 0;

	if (!req->argv[0] || strcmp(req->argv[0], "hpcvirt-mpirun") != 0)
		return hv_err_set(err, EINVAL,
				  "a cluster runs hpcvirt-mpirun, not '%s'",
				  req->argv[0] ? req->argv[0] : "");
	argv[k++] = prog;
	for (i = 0; i < nhead; i++)
		argv[k++] = head[i];
	for (i = 1; req->argv[i] && i < MAX_ARGS; i++)
		argv[k++] = req->argv[i];
	argv[k] = NULL;
	return 0;
}

/*
 * Run hpcvirt-mpirun from bin_dir with the options head[0..nhead) before
 * req's own arguments (req->argv is "hpcvirt-mpirun --np N KERNEL ..."),
 * in the network namespace netns_fd (0: here), with req's deadline and
 * cancel flag, its stderr in run_dir; fill res as hv_box_exec() does.
 */
static int
launch(const char *run_dir, const char *bin_dir, const char *const *head,
       int nhead, int netns_fd, const struct hv_exec_req *req,
       struct hv_exec_res *res, struct hv_err *err)
{
	struct hv_proc_opts opts = {
		.pipe_stdout = true,
		.die_with_parent = true,
		.netns_fd = netns_fd,
		.own_pgrp = true,
	};
	char errlog[600], prog[600];
	const char *argv[MAX_ARGS + 16];
	struct hv_proc p;
	int64_t t0;
	int rc;

	memset(res, 0, sizeof(*res));
	snprintf(prog, sizeof(prog), "%s/hpcvirt-mpirun", bin_dir);
	rc = job_argv(argv, prog, head, nhead, req, err);
	if (rc < 0)
		return rc;
	snprintf(errlog, sizeof(errlog), "%s/cluster.err", run_dir);
	unlink(errlog);
	opts.log_path = errlog;
	hv_proc_init(&p);
	t0 = hv_now_ns();
	rc = hv_proc_spawn(&p, (char *const *)argv, &opts, err);
	if (rc < 0)
		return rc;
	collect(&p, req, res);
	/* mpirun and what it forked (rsh relays, srun) go as one group. */
	if (res->timed_out || (req->cancel && *req->cancel))
		kill(-p.pid, SIGKILL);
	hv_proc_stop(&p, 5000, 1000);
	hv_proc_kill_group(p.pid, 2000);
	res->wall_ns = hv_now_ns() - t0;
	if (WIFSIGNALED(p.status)) {
		res->exit_code = -1;
		res->term_signal = WTERMSIG(p.status);
	} else {
		res->exit_code = WEXITSTATUS(p.status);
	}
	if (!res->out)
		res->out = calloc(1, 1);
	read_err(errlog, res);
	if (!res->err)
		res->err = calloc(1, 1);
	unlink(errlog);
	return 0;
}

int
hv_cluster_exec_slurm(const char *run_dir, const char *bin_dir,
		      const char *const *names, int nodes, int rpn,
		      const struct hv_exec_req *req, struct hv_exec_res *res,
		      struct hv_err *err)
{
	char hosts[4096];
	const char *head[] = {"--slurm", "--hosts", hosts, "--show-map"};
	size_t used = 0;
	int i, rc;

	for (i = 0; i < nodes; i++) {
		int w = snprintf(hosts + used, sizeof(hosts) - used, "%s%s:%d",
				 i ? "," : "", names[i], rpn);

		if (w < 0 || (size_t)w >= sizeof(hosts) - used)
			return hv_err_set(err, E2BIG, "too many hosts: %d",
					  nodes);
		used += (size_t)w;
	}
	rc = launch(run_dir, bin_dir, head, 4, 0, req, res, err);
	return rc < 0 ? hv_err_prefix(err, "mpirun under Slurm: ") : 0;
}

int
hv_cluster_exec(struct hv_lab *lab, const char *run_dir, const char *bin_dir,
		struct hv_box *const *boxes, int n, int rpn,
		const struct hv_exec_req *req, struct hv_exec_res *res,
		struct hv_err *err)
{
	char map[600], hosts[2048], net[32];
	const char *head[] = {"--hosts", hosts, "--map",     map,
			      "--net",	 net,	"--show-map"};
	int rc;

	snprintf(map, sizeof(map), "%s/cluster.map", run_dir);
	cidr24(lab->net, net, sizeof(net));
	rc = host_list(boxes, n, rpn, hosts, sizeof(hosts), err);
	if (rc == 0)
		rc = write_map(boxes, n, map, err);
	if (rc == 0)
		rc = launch(run_dir, bin_dir, head, 7, lab->nsfd, req, res,
			    err);
	unlink(map);
	return rc < 0 ? hv_err_prefix(err, "mpirun in the lab: ") : 0;
}

int
hv_cluster_exec_overlay(struct hv_box *const *boxes, int n, int rpn,
			uint32_t lab_net, int agent_port,
			const struct hv_exec_req *req, struct hv_exec_res *res,
			struct hv_err *err)
{
	char hosts[2048], port[16], net[32];
	const char *head[] = {"--hosts", hosts, "--agent-port", port,
			      "--net",	 net,	"--show-map"};
	const char *argv[MAX_ARGS + 16];
	struct hv_exec_req job = *req;
	int rc;

	memset(res, 0, sizeof(*res));
	snprintf(port, sizeof(port), "%d", agent_port);
	cidr24(lab_net, net, sizeof(net));
	rc = host_list(boxes, n, rpn, hosts, sizeof(hosts), err);
	if (rc == 0)
		rc = job_argv(argv, "hpcvirt-mpirun", head, 7, req, err);
	if (rc < 0)
		return rc;
	job.argv = argv;
	rc = hv_box_exec(boxes[0], &job, res, err);
	if (rc == 0)
		resort_err(res);
	return rc < 0 ? hv_err_prefix(err, "mpirun in the first box: ") : 0;
}

/* Add rank to node's array in o unless it is there. */
static void
place(cJSON *o, const char *node, int rank)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, node), *it;

	if (!arr)
		arr = cJSON_AddArrayToObject(o, node);
	cJSON_ArrayForEach(it, arr) if (it->valueint == rank) return;
	cJSON_AddItemToArray(arr, cJSON_CreateNumber(rank));
}

char *
hv_cluster_placement(const char *out)
{
	static const char node_tag[] = "Data for node: ";
	static const char rank_tag[] = "Process rank: ";
	cJSON *o = cJSON_CreateObject();
	char node[64] = "", *txt = NULL;
	const char *p, *nl;
	bool any = false;

	for (p = out; o && p && *p; p = nl ? nl + 1 : NULL) {
		const char *t;

		nl = strchr(p, '\n');
		if ((t = strstr(p, node_tag)) && (!nl || t < nl)) {
			if (sscanf(t + sizeof(node_tag) - 1, "%63s", node) != 1)
				node[0] = '\0';
		} else if ((t = strstr(p, rank_tag)) && (!nl || t < nl) &&
			   node[0]) {
			int rank;

			if (sscanf(t + sizeof(rank_tag) - 1, "%d", &rank) ==
				    1 &&
			    rank >= 0) {
				place(o, node, rank);
				any = true;
			}
		}
	}
	if (any)
		txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return txt;
}
