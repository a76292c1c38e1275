/*
 * slurm.c - the hosts of a Slurm allocation, boxes started on them by srun
 * steps, and net peers there (slurm.h). The only things new here are the
 * srun command lines and the relay's first line; the box, its agent and
 * the protocol are the ones a local study uses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "hpcvirt/host/lab.h"
#include "hpcvirt/host/nl.h"
#include "hpcvirt/host/proc.h"
#include "hpcvirt/study/result-line.h"
#include "hpcvirt/study/slurm.h"

#define TOOL_MS 30000	     /* scontrol's answer */
#define NODE_READY_MS 300000 /* srun, then a box's boot (a TCG guest) */
#define PEER_READY_MS 30000
#define STEP_END_MS 3000

/* One remote box: the host it runs on, where srun's words go, and
 * (between launch and ready) its end of the step's stdio. */
struct remote {
	char host[64];
	char log[600];
	int fd;
	int64_t t0;
};

/* Find prog on PATH (or in /usr/bin) into out. */
static int
find_prog(const char *prog, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *e;

	for (p = path && *path ? path : "/usr/bin"; p; p = e ? e + 1 : NULL) {
		e = strchr(p, ':');
		if ((size_t)snprintf(out, len, "%.*s/%s",
				     (int)(e ? (size_t)(e - p) : strlen(p)), p,
				     prog) < len &&
		    access(out, X_OK) == 0)
			return 0;
	}
	snprintf(out, len, "/usr/bin/%s", prog);
	return access(out, X_OK) == 0 ? 0 : -ENOENT;
}

/* Run argv and call fn on each line of its stdout; its exit status must
 * be 0. */
static int
each_line(char *const argv[], int (*fn)(const char *line, void *arg), void *arg,
	  struct hv_err *err)
{
	struct hv_proc_opts opts = {.pipe_stdout = true,
				    .die_with_parent = true};
	struct hv_proc p;
	char line[4096], how[64];
	int rc, frc = 0;

	rc = hv_proc_spawn(&p, argv, &opts, err);
	if (rc < 0)
		return rc;
	while ((rc = hv_proc_read_line(&p, line, sizeof(line), TOOL_MS, err)) ==
	       0)
		if (frc == 0)
			frc = fn(line, arg);
	hv_proc_stop(&p, rc == -EPIPE ? 5000 : 0, 1000);
	if (rc != -EPIPE)
		return hv_err_prefix(err, "%s: ", argv[0]);
	hv_err_init(err);
	if (!WIFEXITED(p.status) || WEXITSTATUS(p.status) != 0)
		return hv_err_set(
			err, EIO, "%s %s: %s", argv[0], argv[1],
			hv_proc_status_str(p.status, how, sizeof(how)));
	return frc < 0 ? hv_err_set(err, -frc, "%s %s: %s", argv[0], argv[1],
				    strerror(-frc))
		       : 0;
}

static int
add_host(const char *line, void *arg)
{
	struct hv_slurm *s = arg;

	if (!*line)
		return 0;
	if (s->n == HV_SLURM_MAX_HOSTS ||
	    strlen(line) >= sizeof(s->hosts[0].name))
		return -E2BIG;
	snprintf(s->hosts[s->n].name, sizeof(s->hosts[0].name), "%s", line);
	s->names[s->n] = s->hosts[s->n].name;
	s->n++;
	return 0;
}

/* "NodeName=n1 Arch=... NodeAddr=10.0.0.1 ...": the address of n1. */
static int
add_addr(const char *line, void *arg)
{
	struct hv_slurm *s = arg;
	char name[64], addr[256];
	const char *a = strstr(line, "NodeAddr="),
		   *n = strstr(line, "NodeName=");
	size_t i;

	if (!a || !n || sscanf(n + 9, "%63s", name) != 1 ||
	    sscanf(a + 9, "%255s", addr) != 1)
		return 0;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->hosts[i].name, name) == 0)
			snprintf(s->hosts[i].addr, sizeof(s->hosts[i].addr),
				 "%s", addr);
	return 0;
}

/* A host's address as a number: NodeAddr may be a name. */
static int
numeric_addr(struct hv_slurm_host *h, struct hv_err *err)
{
	struct addrinfo hints = {.ai_family = AF_INET,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai;
	const char *name = h->addr[0] ? h->addr : h->name;
	char buf[INET_ADDRSTRLEN];
	int rc = getaddrinfo(name, NULL, &hints, &ai);

	if (rc != 0)
		return hv_err_set(
			err, ENXIO,
			"host %s: cannot resolve its address '%s': %s", h->name,
			name, gai_strerror(rc));
	inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, buf,
		  sizeof(buf));
	freeaddrinfo(ai);
	snprintf(h->addr, sizeof(h->addr), "%s", buf);
	return 0;
}

/* A VXLAN id of its own for this study's envs: one that another
 * study's segment on the same hosts is unlikely to have. */
static uint32_t
random_vni(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (uint32_t)getpid() * 2654435761u ^ (uint32_t)time(NULL);
	return 1 + r % (0xffffffu - HV_SLURM_MAX_ENVS);
}

int
hv_slurm_open(struct hv_slurm *s, struct hv_err *err)
{
	const char *job = getenv("SLURM_JOB_ID"),
		   *list = getenv("SLURM_JOB_NODELIST");
	char scontrol[4096];
	ssize_t n;
	size_t i;
	int rc;

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	if (!job || !*job || !list || !*list)
		return hv_err_set(err, ENOENT,
				  "--launcher slurm runs inside a Slurm "
				  "allocation, and this is none "
				  "(SLURM_JOB_ID%s is not set): run it "
				  "under 'salloc -N 2' or in an sbatch "
				  "script (docs/slurm.md has a template)",
				  job && *job ? "_NODELIST" : "");
	snprintf(s->job, sizeof(s->job), "%s", job);
	n = readlink("/proc/self/exe", s->self, sizeof(s->self) - 1);
	if (n <= 0)
		return hv_err_sys(err, errno, "readlink /proc/self/exe");
	s->self[n] = '\0';
	if (find_prog("srun", s->srun, sizeof(s->srun)) < 0 ||
	    find_prog("scontrol", scontrol, sizeof(scontrol)) < 0)
		return hv_err_set(err, ENOENT,
				  "--launcher slurm: no srun or scontrol on "
				  "PATH (install slurm-client)");
	{
		char *argv[] = {scontrol, "show", "hostnames", (char *)list,
				NULL};

		rc = each_line(argv, add_host, s, err);
	}
	if (rc == 0 && s->n == 0)
		rc = hv_err_set(err, EINVAL,
				"SLURM_JOB_NODELIST '%s' names no host", list);
	if (rc == 0) {
		char *argv[] = {scontrol, "-o",		"show",
				"node",	  (char *)list, NULL};

		rc = each_line(argv, add_addr, s, err);
	}
	for (i = 0; rc == 0 && i < s->n; i++)
		rc = numeric_addr(&s->hosts[i], err);
	for (i = 0; rc == 0 && i < s->n; i++)
		snprintf(s->addrs + strlen(s->addrs),
			 sizeof(s->addrs) - strlen(s->addrs), "%s%s",
			 i ? "," : "", s->hosts[i].addr);
	if (rc == 0)
		rc = hv_lab_choose_subnet(&s->lab_net, err);
	if (rc == 0)
		s->vni0 = random_vni();
	return rc;
}

void
hv_slurm_close(struct hv_slurm *s)
{
	pthread_mutex_destroy(&s->mu);
}

/* Why a step ended: srun's status and the last line it wrote. */
static void
step_end(struct hv_box *box, const struct remote *rm, char *buf, size_t len)
{
	int64_t deadline = hv_now_ms() + STEP_END_MS;
	char how[64], line[512] = "", last[512] = "";
	FILE *f;

	while (hv_proc_alive(&box->proc) && hv_now_ms() < deadline)
		usleep(20000);
	f = fopen(rm->log, "re");
	while (f && fgets(line, sizeof(line), f))
		if (line[strspn(line, " \n")])
			snprintf(last, sizeof(last), "%s", line);
	if (f)
		fclose(f);
	last[strcspn(last, "\n")] = '\0';
	if (hv_proc_alive(&box->proc))
		snprintf(buf, len, "its srun step is still running");
	else
		snprintf(buf, len, "its srun step ended (%s%s%s)",
			 hv_proc_status_str(box->proc.status, how, sizeof(how)),
			 last[0] ? ": " : "", last);
}

static int
remote_exec(struct hv_box *box, const struct hv_exec_req *req,
	    struct hv_exec_res *res, struct hv_err *err)
{
	const struct remote *rm = box->priv;
	char why[700];
	int rc;

	if (!box->conn)
		return hv_err_set(err, ENOTCONN, "host %s: box has no agent",
				  rm->host);
	rc = hv_agent_exec(box->conn, req, res, err);
	if (rc == -ECONNRESET || rc == -EPIPE) {
		step_end(box, rm, why, sizeof(why));
		hv_err_prefix(err, "host %s lost: ", rm->host);
		snprintf(err->msg + strlen(err->msg),
			 sizeof(err->msg) - strlen(err->msg), "; %s", why);
	}
	return rc;
}

/* After the agent was told to shut down: `hpcvirt node` stops its box
 * and lab and ends, and so does the step; otherwise srun is told to
 * cancel it (hv_box_stop's hv_proc_stop). */
static int
remote_stop(struct hv_box *box, struct hv_err *err)
{
	struct remote *rm = box->priv;
	int64_t deadline = hv_now_ms() + 10000;

	(void)err;
	while (box->proc.pid > 0 && hv_proc_alive(&box->proc) &&
	       hv_now_ms() < deadline)
		usleep(20000);
	free(rm);
	box->priv = NULL;
	return 0;
}

/* The driver table of env's remote boxes: its name and role, our hooks. */
static const struct hv_env *
remote_ops(struct hv_slurm *s, const struct hv_env *env)
{
	const struct hv_env *ops = NULL;
	size_t i;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->nops && !ops; i++)
		if (s->of[i] == env)
			ops = &s->ops[i];
	if (!ops && s->nops < HV_SLURM_MAX_ENVS) {
		s->of[s->nops] = env;
		s->ops[s->nops] = (struct hv_env){
			.name = env->name,
			.summary = env->summary,
			.paper_role = env->paper_role,
			.exec = remote_exec,
			.stop = remote_stop,
		};
		ops = &s->ops[s->nops++];
	}
	pthread_mutex_unlock(&s->mu);
	return ops;
}

/* Read one line from fd, a byte at a time (what follows it is the
 * agent's), within timeout_ms. */
static int
read_line_fd(int fd, char *buf, size_t len, int timeout_ms, struct hv_err *err)
{
	int64_t deadline = hv_now_ms() + timeout_ms;
	size_t n = 0;

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int left = (int)(deadline - hv_now_ms());
		char c;
		ssize_t r;

		if (left <= 0)
			return hv_err_set(err, ETIMEDOUT,
					  "no word from it in %d s",
					  timeout_ms / 1000);
		if (poll(&pfd, 1, left) < 0 && errno != EINTR)
			return hv_err_sys(err, errno, "poll");
		if (!(pfd.revents & (POLLIN | POLLHUP)))
			continue;
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return hv_err_set(err, EPIPE, "it ended first");
		if (c == '\n')
			break;
		if (n + 1 < len)
			buf[n++] = c;
	}
	buf[n] = '\0';
	return 0;
}

/* The node's READY object into the box: start time, vCPUs, scratch,
 * configuration, and the host's provenance as "host_info". */
static int
take_ready(struct hv_box *box, const char *json, struct hv_err *err)
{
	cJSON *o = cJSON_Parse(json), *it, *cfg;
	char *info;

	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return hv_err_set(err, EPROTO, "its READY line is not JSON");
	}
	it = cJSON_GetObjectItemCaseSensitive(o, "start_ns");
	box->start_ns = cJSON_IsNumber(it) ? (int64_t)it->valuedouble : 0;
	it = cJSON_GetObjectItemCaseSensitive(o, "vcpus");
	box->vcpus = cJSON_IsNumber(it) ? it->valueint : 0;
	it = cJSON_GetObjectItemCaseSensitive(o, "scratch");
	if (cJSON_IsString(it))
		snprintf(box->scratch, sizeof(box->scratch), "%s",
			 it->valuestring);
	cfg = cJSON_GetObjectItemCaseSensitive(o, "config");
	cJSON_ArrayForEach(it, cfg) if (cJSON_IsString(it))
		hv_params_set(&box->config, it->string, it->valuestring);
	it = cJSON_GetObjectItemCaseSensitive(o, "host_info");
	info = it ? cJSON_PrintUnformatted(it) : NULL;
	if (info)
		hv_params_set(&box->config, "host_info", info);
	free(info);
	cJSON_Delete(o);
	return 0;
}

/*
 * The start of an srun command line for one task on host: beside the
 * other steps (MPI, peers, boxes: --overlap), its output passed on as
 * it comes (--unbuffered: the agent's frames are binary). nodelist
 * holds "--nodelist=HOST" for argv. Returns the count put in argv.
 */
static int
srun_head(const struct hv_slurm *s, const char *host, const char *job,
	  char *nodelist, size_t len, const char **argv)
{
	int k = 0;

	snprintf(nodelist, len, "--nodelist=%s", host);
	argv[k++] = s->srun;
	argv[k++] = nodelist;
	argv[k++] = "--nodes=1";
	argv[k++] = "--ntasks=1";
	argv[k++] = "--overlap";
	argv[k++] = "--unbuffered";
	argv[k++] = "--quiet";
	argv[k++] = job;
	return k;
}

int
hv_slurm_box_launch(struct hv_slurm *s, size_t h, const struct hv_env *env,
		    const struct hv_env_ctx *ctx, struct hv_box *box,
		    struct hv_err *err)
{
	char nodelist[80], cpus[32], mem[32];
	char net[16], vni[16], index[16];
	const char *argv[40];
	struct hv_proc_opts opts = {.die_with_parent = true};
	const struct hv_env *ops = remote_ops(s, env);
	struct remote *rm;
	int sv[2], k = 0, rc;
	int64_t t0 = hv_now_ns();

	memset(box, 0, sizeof(*box));
	hv_proc_init(&box->proc);
	hv_params_init(&box->config);
	if (!ops)
		return hv_err_set(err, E2BIG, "more than %d envs",
				  HV_SLURM_MAX_ENVS);
	rm = calloc(1, sizeof(*rm));
	if (!rm)
		return hv_err_set(err, ENOMEM, "remote box");
	snprintf(rm->host, sizeof(rm->host), "%s", s->hosts[h].name);
	snprintf(rm->log, sizeof(rm->log), "%s/srun-%s-%s.log", ctx->run_dir,
		 env->name, rm->host);
	snprintf(cpus, sizeof(cpus), "%d", ctx->spec.cpus);
	snprintf(mem, sizeof(mem), "%d", ctx->spec.mem_mib);
	k = srun_head(s, rm->host, "--job-name=hpcvirt-node", nodelist,
		      sizeof(nodelist), argv);
	argv[k++] = s->self;
	argv[k++] = "node";
	argv[k++] = "--env";
	argv[k++] = env->name;
	argv[k++] = "--bin-dir";
	argv[k++] = ctx->bin_dir;
	argv[k++] = "--cpus";
	argv[k++] = cpus;
	argv[k++] = "--mem";
	argv[k++] = mem;
	if (ctx->mpi)
		argv[k++] = "--mpi";
	if (env->spans_hosts) {
		hv_nl_ntoa(s->lab_net, net, sizeof(net));
		snprintf(vni, sizeof(vni), "%u",
			 s->vni0 + (uint32_t)(ops - s->ops));
		snprintf(index, sizeof(index), "%zu", h);
		argv[k++] = "--lab-net";
		argv[k++] = net;
		argv[k++] = "--vni";
		argv[k++] = vni;
		argv[k++] = "--host-index";
		argv[k++] = index;
		argv[k++] = "--host-addrs";
		argv[k++] = s->addrs;
	}
	argv[k] = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		free(rm);
		return hv_err_sys(err, errno, "socketpair");
	}
	/* From here on a box: hv_box_stop undoes all of it. */
	box->env = ops;
	box->priv = rm;
	opts.stdio_fd = sv[1];
	opts.log_path = rm->log;
	rm->fd = sv[0];
	rm->t0 = t0;
	rc = hv_proc_spawn(&box->proc, (char *const *)argv, &opts, err);
	close(sv[1]);
	if (rc < 0) {
		close(sv[0]);
		hv_err_prefix(err, "%s on host %s: ", env->name, rm->host);
		hv_box_stop(box, NULL);
	}
	return rc;
}

int
hv_slurm_box_ready(struct hv_box *box, struct hv_err *err)
{
	struct remote *rm = box->priv;
	char line[65536];
	int rc, fd = rm->fd;

	rc = read_line_fd(fd, line, sizeof(line), NODE_READY_MS, err);
	if (rc == -EPIPE) {
		char why[700];

		step_end(box, rm, why, sizeof(why));
		hv_err_set(err, EPIPE, "%s", why);
	}
	if (rc == 0 && strncmp(line, HV_NODE_ERROR_TAG,
			       sizeof(HV_NODE_ERROR_TAG) - 1) == 0)
		rc = hv_err_set(err, EIO, "%s",
				line + sizeof(HV_NODE_ERROR_TAG) - 1);
	else if (rc == 0 && strncmp(line, HV_NODE_READY_TAG,
				    sizeof(HV_NODE_READY_TAG) - 1) != 0)
		rc = hv_err_set(err, EPROTO, "hpcvirt node said '%.200s'",
				line);
	if (rc == 0)
		rc = take_ready(box, line + sizeof(HV_NODE_READY_TAG) - 1, err);
	if (rc == 0)
		rc = hv_agent_connect_fds(&box->conn, fd, fd, 30000, err);
	if (rc < 0) {
		close(fd);
		hv_err_prefix(err, "%s on host %s: ", box->env->name, rm->host);
		hv_box_stop(box, NULL);
		return rc;
	}
	if (box->start_ns <= 0)
		box->start_ns = hv_now_ns() - rm->t0;
	hv_params_set(&box->config, "host", rm->host);
	hv_params_set(&box->config, "launch", "srun step (hpcvirt node)");
	snprintf(box->agent_addr, sizeof(box->agent_addr), "srun:%s", rm->host);
	return 0;
}

int
hv_slurm_box_start(struct hv_slurm *s, size_t h, const struct hv_env *env,
		   const struct hv_env_ctx *ctx, struct hv_box *box,
		   struct hv_err *err)
{
	int rc = hv_slurm_box_launch(s, h, env, ctx, box, err);

	return rc < 0 ? rc : hv_slurm_box_ready(box, err);
}

int
hv_slurm_peer_start(const struct hv_slurm *s, size_t h, const char *bin_dir,
		    const char *run_dir, const struct hv_bench *b,
		    struct hv_proc *pp, struct hv_peer *peer,
		    struct hv_err *err)
{
	char nodelist[80], prog[4096], life[32], line[256], log[600], who[128];
	struct hv_proc_opts opts = {.pipe_stdout = true,
				    .die_with_parent = true};
	const char *argv[24];
	int k, rc;

	snprintf(prog, sizeof(prog), "%s/%s", bin_dir, b->kernel);
	snprintf(life, sizeof(life), "%d", b->timeout_ms / 1000 + 30);
	snprintf(log, sizeof(log), "%s/srun-peer-%s.log", run_dir,
		 s->hosts[h].name);
	snprintf(who, sizeof(who), "%s server on host %s", b->kernel,
		 s->hosts[h].name);
	k = srun_head(s, s->hosts[h].name, "--job-name=hpcvirt-peer", nodelist,
		      sizeof(nodelist), argv);
	argv[k++] = prog;
	argv[k++] = "server";
	argv[k++] = "--bind";
	argv[k++] = s->hosts[h].addr;
	argv[k++] = "--port";
	argv[k++] = "0";
	argv[k++] = "--lifetime";
	argv[k++] = life;
	argv[k] = NULL;
	opts.log_path = log;
	rc = hv_proc_spawn(pp, (char *const *)argv, &opts, err);
	if (rc == 0)
		rc = hv_proc_read_line(pp, line, sizeof(line), PEER_READY_MS,
				       err);
	if (rc < 0)
		return hv_err_prefix(err, "%s: ", who);
	return hv_listen_line_parse(line, who, peer, err);
}
