/*
 * node.c - "hpcvirt node": one box on this host for a study that runs
 * elsewhere (`hpcvirt run --launcher slurm`, study/slurm.h). An srun
 * step starts it with its stdin and stdout connected to the study's
 * process. It starts the box with the env's own driver, as `hpcvirt run`
 * would (the run directory, the stale cleanup of killed runs first, a
 * lab unless the env runs in the hosts' network), writes one line,
 *
 *   HPCVIRT-NODE-READY {"start_ns", "vcpus", "scratch", "config",
 *                       "host_info"}      or   HPCVIRT-NODE-ERROR why
 *
 * and then passes bytes both ways between its stdin/stdout and the box's
 * agent, which the study talks to as if it were local. It stops the box
 * and ends when either side closes (the study stopped the box, or died:
 * srun then closes our stdin), when the box's process dies, or on
 * SIGINT/SIGTERM (scancel of the step).
 *
 * A native box here runs in the host's own network, so that its peer and
 * its MPI ranks on other hosts reach it over the cluster's network. Every
 * other env gets a lab, as on one host; with --lab-net it is this host's
 * part of a lab across hosts (VXLAN to the other hosts' parts), and the
 * box's agent listens on TCP there too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "hpcvirt/host/lab.h"
#include "hpcvirt/host/nl.h"
#include "hpcvirt/host/proc.h"
#include "hpcvirt/host/runstate.h"
#include "hpcvirt/registry.h"
#include "hpcvirt/results/provenance.h"
#include "hpcvirt/study/env.h"
#include "hpcvirt/study/slurm.h"
#include "hpcvirt/util/opt.h"

#define RELAY_POLL_MS 500

static volatile sig_atomic_t node_stop;

static void
on_signal(int sig)
{
	(void)sig;
	node_stop = 1;
}

struct node_args {
	const char *env, *bin_dir;
	struct hv_spec spec;
	bool mpi;
	/* A lab across hosts (--lab-net): its subnet, VXLAN id, this host's
	 * position and every host's address, in the allocation's order. */
	uint32_t lab_net, vni;
	int host, nhosts;
	uint32_t addrs[HV_SLURM_MAX_HOSTS];
};

static const struct hv_cli_opt node_opts[] = {
	{"env", "NAME", "the box's environment (hpcvirt list)"},
	{"bin-dir", "DIR", "the agent and kernels (default: beside hpcvirt)"},
	{"cpus", "N", "the box's CPU limit (0: none)"},
	{"mem", "MIB", "the box's memory limit in MiB (0: none)"},
	{"mpi", NULL, "the box runs MPI (a guest boots the MPI image)"},
	{"lab-net", "A.B.C.0", "a lab across hosts: the /24 they share"},
	{"vni", "N", "its VXLAN network identifier, 1-16777215"},
	{"host-index", "K", "this host's position in --host-addrs, from 0"},
	{"host-addrs", "A,B,...", "every host's IPv4 address"},
};

/* An IPv4 address into *out (host byte order); false if it is none. */
static bool
ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static int
bad(const char *opt, const char *v, const char *want)
{
	fprintf(stderr, "hpcvirt node: bad --%s '%s': expected %s\n", opt, v,
		want);
	return HV_EXIT_USAGE;
}

/* "A,B,...": at most HV_SLURM_MAX_HOSTS addresses. */
static int
parse_addrs(struct node_args *a, const char *v)
{
	char buf[HV_SLURM_MAX_HOSTS * 16 + 1], *tok, *save = NULL;

	if (strlen(v) >= sizeof(buf))
		return bad("host-addrs", v, "at most 64 IPv4 addresses");
	snprintf(buf, sizeof(buf), "%s", v);
	a->nhosts = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (a->nhosts == HV_SLURM_MAX_HOSTS ||
		    !ipv4(tok, &a->addrs[a->nhosts++]))
			return bad("host-addrs", v,
				   "IPv4 addresses separated by commas");
	return a->nhosts ? 0 : bad("host-addrs", v, "IPv4 addresses");
}

static int
on_opt(void *ctx, size_t idx, const char *v)
{
	struct node_args *a = ctx;
	struct hv_err err;
	uint64_t u;

	hv_err_init(&err);
	switch (idx) {
	case 0:
		a->env = v;
		return 0;
	case 1:
		a->bin_dir = v;
		return 0;
	case 5:
		if (!ipv4(v, &a->lab_net) || (a->lab_net & 255))
			return bad("lab-net", v, "a /24 such as 10.201.0.0");
		return 0;
	case 6:
	case 7:
		if (hv_opt_u64(idx == 6 ? "vni" : "host-index", v,
			       idx == 6 ? 1 : 0,
			       idx == 6 ? 0xffffff : HV_SLURM_MAX_HOSTS - 1, &u,
			       &err) < 0) {
			fprintf(stderr, "hpcvirt node: %s\n", err.msg);
			return HV_EXIT_USAGE;
		}
		if (idx == 6)
			a->vni = (uint32_t)u;
		else
			a->host = (int)u;
		return 0;
	case 8:
		return parse_addrs(a, v);
	case 2:
	case 3:
		if (hv_opt_u64(idx == 2 ? "cpus" : "mem", v, 0,
			       idx == 2 ? 1024 : 1 << 24, &u, &err) < 0) {
			fprintf(stderr, "hpcvirt node: %s\n", err.msg);
			return HV_EXIT_USAGE;
		}
		if (idx == 2)
			a->spec.cpus = (int)u;
		else
			a->spec.mem_mib = (int)u;
		return 0;
	case 4:
		a->mpi = true;
		return 0;
	}
	return HV_EXIT_USAGE;
}

/* Write all of buf to fd; false when the other side is gone. */
static bool
put_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		buf += w;
		n -= (size_t)w;
	}
	return true;
}

/* Move what one side has to the other; false at its end. */
static bool
pass(int from, int to)
{
	char buf[65536];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	return n > 0 && put_all(to, buf, (size_t)n);
}

/* Bytes both ways between the study (stdin/stdout) and the agent, until
 * one side ends, the box dies or we are told to stop. Says why. */
static const char *
relay(struct hv_box *box, int rfd, int wfd)
{
	struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
			      {.fd = rfd, .events = POLLIN}};

	while (!node_stop) {
		int n = poll(p, 2, RELAY_POLL_MS);

		if (n < 0 && errno != EINTR)
			return "poll failed";
		if (box->proc.pid > 0 && !hv_proc_alive(&box->proc))
			return "the box's process ended";
		if (n <= 0)
			continue;
		if (p[0].revents && !pass(STDIN_FILENO, wfd))
			return "the study closed its end";
		if (p[1].revents && !pass(rfd, STDOUT_FILENO))
			return "the agent closed its end";
	}
	return "signalled";
}

/* The READY line: the box as the study needs it, and this host. */
static int
say_ready(const struct hv_box *box, const char *bin_dir)
{
	cJSON *o = cJSON_CreateObject(), *cfg;
	char *txt;
	size_t k;
	int rc;

	if (!o)
		return -1;
	cJSON_AddNumberToObject(o, "start_ns", (double)box->start_ns);
	cJSON_AddNumberToObject(o, "vcpus", box->vcpus);
	cJSON_AddStringToObject(o, "scratch", box->scratch);
	cfg = cJSON_AddObjectToObject(o, "config");
	for (k = 0; k < box->config.n; k++)
		cJSON_AddStringToObject(cfg, box->config.v[k].key,
					box->config.v[k].value);
	cJSON_AddItemToObject(o, "host_info",
			      hv_provenance_collect(bin_dir, NULL));
	txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!txt)
		return -1;
	rc = printf(HV_NODE_READY_TAG "%s\n", txt) < 0 || fflush(stdout) ? -1
									 : 0;
	free(txt);
	return rc;
}

/*
 * The box's lab: on its own, or (--lab-net) this host's part of a lab
 * across hosts, with the addresses of host K (box .11+K, bridge
 * .130+K) and a VXLAN link to every other host's part.
 */
static int
make_lab(struct hv_lab *lab, const struct node_args *a, struct hv_err *err)
{
	struct hv_lab_opts lo = {0};
	struct hv_lab_overlay ov = {.vni = a->vni, .port = HV_OVERLAY_UDP_PORT};
	uint32_t peers[HV_SLURM_MAX_HOSTS];
	int k, rc;

	if (!a->lab_net)
		return hv_lab_create(lab, &lo, err);
	lo.net = a->lab_net;
	lo.bridge_octet = HV_OVERLAY_BRIDGE(a->host);
	lo.first_index = HV_OVERLAY_BOX(a->host);
	rc = hv_lab_create(lab, &lo, err);
	if (rc < 0)
		return rc;
	ov.local = a->addrs[a->host];
	for (k = 0; k < a->nhosts; k++)
		if (k != a->host)
			peers[ov.npeers++] = a->addrs[k];
	ov.peers = peers;
	rc = hv_lab_join_overlay(lab, &ov, err);
	if (rc < 0)
		hv_lab_destroy(lab);
	return rc;
}

/* The lab across hosts in the box's record: the segment and the path. */
static void
note_overlay(struct hv_box *box, const struct node_args *a,
	     const struct hv_lab *lab)
{
	char v[256], net[16], local[16];

	snprintf(v, sizeof(v),
		 "across hosts: %s/24, VXLAN id %u over UDP %d from %s to "
		 "%d other host%s, MTU %u, bridge %s",
		 hv_nl_ntoa(a->lab_net, net, sizeof(net)), a->vni,
		 HV_OVERLAY_UDP_PORT,
		 hv_nl_ntoa(a->addrs[a->host], local, sizeof(local)),
		 a->nhosts - 1, a->nhosts == 2 ? "" : "s", lab->mtu,
		 lab->bridge_ip);
	hv_params_set(&box->config, "lab", v);
	snprintf(v, sizeof(v), "TCP %d in the box, besides its socket",
		 HV_OVERLAY_AGENT_PORT);
	hv_params_set(&box->config, "agent_tcp", v);
}

int
hv_cmd_node(int argc, char **argv)
{
	struct node_args a = {0};
	const struct hv_env *env;
	struct hv_runstate rs = {0};
	struct hv_lab lab;
	struct hv_env_ctx ctx = {0};
	struct hv_box box;
	struct hv_err err;
	struct sigaction sa;
	bool lab_up = false;
	char bin[1024];
	int first, rc, rfd, wfd;
	const char *why;

	rc = hv_cli_parse("hpcvirt node --env NAME [--bin-dir DIR] [--cpus N] "
			  "[--mem MIB] [--mpi] [--lab-net A.B.C.0 --vni N "
			  "--host-index K --host-addrs A,B,...]   (started "
			  "by srun for 'hpcvirt run --launcher slurm')",
			  node_opts, sizeof(node_opts) / sizeof(node_opts[0]),
			  argc, argv, on_opt, &a, &first);
	if (rc == -1)
		return HV_EXIT_OK;
	if (rc)
		return rc;
	if (first < argc || !a.env) {
		fprintf(stderr, "hpcvirt node: %s\n",
			first < argc ? "unexpected argument"
				     : "missing --env NAME");
		return HV_EXIT_USAGE;
	}
	env = hv_env_find(a.env);
	if (!env) {
		fprintf(stderr,
			"hpcvirt node: unknown env '%s': expected a name "
			"'hpcvirt list' shows\n",
			a.env);
		return HV_EXIT_USAGE;
	}
	if (a.lab_net && (!a.vni || a.host >= a.nhosts)) {
		fprintf(stderr,
			"hpcvirt node: --lab-net needs --vni and "
			"--host-addrs with an address for --host-index "
			"%d\n",
			a.host);
		return HV_EXIT_USAGE;
	}
	if (a.lab_net && !env->spans_hosts) {
		fprintf(stderr,
			"hpcvirt node: --lab-net: %s boxes cannot join a lab "
			"across hosts\n",
			env->name);
		return HV_EXIT_USAGE;
	}
	if (!a.bin_dir) {
		if (hv_cli_bin_dir(bin, sizeof(bin)) < 0) {
			printf(HV_NODE_ERROR_TAG "no hpcvirt-agent beside "
						 "hpcvirt on this host\n");
			return HV_EXIT_FAIL;
		}
		a.bin_dir = bin;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	hv_err_init(&err);
	rc = hv_env_probe(env, &err);
	if (rc == 0)
		rc = hv_runstate_create(&rs, &err);
	if (rc == 0 && !env->hosts_network) {
		rc = make_lab(&lab, &a, &err);
		lab_up = rc == 0 && lab.holder > 0;
	}
	ctx.agent_port = a.lab_net ? HV_OVERLAY_AGENT_PORT : 0;
	ctx.bin_dir = a.bin_dir;
	ctx.run_dir = rs.dir;
	ctx.spec = a.spec;
	ctx.lab = lab_up ? &lab : NULL;
	ctx.mpi = a.mpi;
	if (rc == 0)
		rc = hv_box_start(env, &ctx, &box, &err);
	if (rc == 0 && a.lab_net)
		note_overlay(&box, &a, &lab);
	if (rc < 0) {
		printf(HV_NODE_ERROR_TAG "%s\n", err.msg);
		fflush(stdout);
		goto out;
	}
	rc = hv_agent_conn_fds(box.conn, &rfd, &wfd);
	if (rc < 0) {
		printf(HV_NODE_ERROR_TAG "the agent's connection: %s\n",
		       strerror(-rc));
		fflush(stdout);
	}
	if (rc == 0)
		rc = say_ready(&box, a.bin_dir);
	if (rc == 0) {
		why = relay(&box, rfd, wfd);
		fprintf(stderr, "hpcvirt node: %s box on this host stops: %s\n",
			env->name, why);
	}
	hv_err_init(&err);
	if (hv_box_stop(&box, &err) < 0)
		fprintf(stderr, "hpcvirt node: %s\n", err.msg);
out:
	if (lab_up)
		hv_lab_destroy(&lab);
	hv_runstate_remove(&rs);
	return rc < 0 ? HV_EXIT_FAIL : HV_EXIT_OK;
}
