/*
 * hpcvirt-mpirun.c - the MPI launcher as a kernel: the agent runs only
 * programs of its kernel directory, so "hpcvirt-mpirun --np N KERNEL
 * ARGS" is what a repetition asks for, and this program execs the
 * system mpirun with the options hpcvirt sets, never the user:
 *
 *   --allow-run-as-root --oversubscribe    (boxes run as root; 2 cores)
 *   --bind-to none                         (ranks float like OpenMP
 *                                          threads: a rank pinned to a
 *                                          core that another tenant
 *                                          busies is the slowest rank)
 *   --mca mpi_yield_when_idle 1            (idle ranks yield the CPU: on
 *                                          an oversubscribed host a
 *                                          busy-polling rank raises the
 *                                          latency from ~25 us to ms)
 *   --mca btl self,vader                   (one node: shared memory)
 *   --mca plm isolated                     (one node: local launch, no
 *                                          ssh looked for)
 *
 * With --slurm --hosts (ranks on the hosts of a Slurm allocation, where
 * this runs) it adds the tcp BTL and Open MPI's own slurm launcher: its
 * daemons start through srun, and the ranks natively on those hosts.
 *
 * With --hosts (ranks in boxes) it adds the tcp BTL and the launch path
 * through the boxes' agents: plm_rsh_agent = hpcvirt-rsh --map FILE
 * (by name: every node finds it in its copy of the kernel dir),
 * orte_launch_agent = hpcvirt-orted, no tree spawn, and the out-of-band
 * and BTL traffic restricted to --net (the lab subnet). KERNEL is a file
 * name of the kernel directory, started by its bare name with that
 * directory first on PATH, so every node resolves it in its own copy.
 *
 * With --agent-port P instead of --map FILE, the agent is hpcvirt-rsh
 * --port P: every box's agent also listens on TCP port P at the box's
 * address, which is how mpirun in a box reaches boxes on other hosts
 * without a map file they share.
 */
#include <stdint.h>

#include "klib.h"
#include "mpirun-common.h"

#define PROG "hpcvirt-mpirun"
#define MAXARGS 96

struct mr {
	const char *np, *hosts, *map, *port, *net;
	int show_map, slurm;
	unsigned int agent_port; /* of --agent-port, 0 when none */
	int kernel;		 /* argv index of KERNEL */
	char dir[PATH_MAX];
	const char *v[MAXARGS + 1];
	int n;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " --np N [--hosts H1,H2,... {--map FILE | "
		"--agent-port P}\n"
		"       --net CIDR | --slurm --hosts H1,...] KERNEL [ARGS...]\n"
		"  --np N      ranks, 1..256\n"
		"  --hosts L   one rank slot per host (box addresses); "
		"daemons are started\n"
		"              through hpcvirt-rsh, which needs --map (lines "
		"'HOST AGENT-ADDR')\n"
		"              or --agent-port (every box's agent listens on "
		"tcp:ADDRESS:P)\n"
		"  --net CIDR  subnet for MPI traffic with --hosts, e.g. "
		"10.201.0.0/24\n"
		"  --slurm     the --hosts are a Slurm allocation's (names), "
		"and mpirun\n"
		"              starts its daemons there with srun\n"
		"  KERNEL      a program of this kernel directory, e.g. "
		"hpcvirt-npb-mpi\n");
}

static void
add(struct mr *m, const char *s)
{
	if (m->n >= MAXARGS)
		hv_k_die(HV_K_EXIT_USAGE, "too many arguments (max %d)",
			 MAXARGS);
	m->v[m->n++] = s;
}

static const char *
need(int argc, char **argv, int i)
{
	if (i + 1 >= argc)
		hv_k_die(HV_K_EXIT_USAGE, "option %s needs a value", argv[i]);
	return argv[i + 1];
}

/* --hosts in boxes: how hpcvirt-rsh finds their agents, and the net. */
static void
check_boxes(struct mr *m)
{
	uint64_t v;

	if (m->map && m->port)
		hv_k_die(HV_K_EXIT_USAGE,
			 "--hosts takes --map FILE or --agent-port P, not "
			 "both (--map '%s', --agent-port '%s')",
			 m->map, m->port);
	if ((!m->map && !m->port) || !m->net)
		hv_k_die(HV_K_EXIT_USAGE, "--hosts needs --map FILE (or "
					  "--agent-port P) and --net CIDR");
	if (!m->port)
		return;
	if (hv_k_parse_u64(m->port, 1, 65535, &v) < 0)
		hv_k_die(HV_K_EXIT_USAGE,
			 "bad --agent-port '%s': expected a TCP port "
			 "1..65535",
			 m->port);
	/* Passed on in decimal, as hpcvirt-rsh reads it (this took hex). */
	m->agent_port = (unsigned int)v;
}

static void
parse(struct mr *m, int argc, char **argv)
{
	uint64_t v;
	int i;

	for (i = 1; i < argc && !m->kernel; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(HV_K_EXIT_OK);
		} else if (!strcmp(a, "--np")) {
			m->np = need(argc, argv, i++);
		} else if (!strcmp(a, "--hosts")) {
			m->hosts = need(argc, argv, i++);
		} else if (!strcmp(a, "--map")) {
			m->map = need(argc, argv, i++);
		} else if (!strcmp(a, "--agent-port")) {
			m->port = need(argc, argv, i++);
		} else if (!strcmp(a, "--slurm")) {
			m->slurm = 1;
		} else if (!strcmp(a, "--show-map")) {
			m->show_map = 1;
		} else if (!strcmp(a, "--net")) {
			m->net = need(argc, argv, i++);
		} else if (a[0] == '-') {
			usage(stderr);
			hv_k_die(HV_K_EXIT_USAGE, "unknown option '%s'", a);
		} else {
			m->kernel = i;
		}
	}
	if (!m->np || hv_k_parse_u64(m->np, 1, 256, &v) < 0)
		hv_k_die(HV_K_EXIT_USAGE,
			 "bad --np '%s': expected a rank count 1..256",
			 m->np ? m->np : "");
	if (!m->kernel)
		hv_k_die(HV_K_EXIT_USAGE, "missing KERNEL (e.g. "
					  "hpcvirt-npb-mpi)");
	if (m->slurm && !m->hosts)
		hv_k_die(HV_K_EXIT_USAGE, "--slurm needs --hosts");
	if (m->hosts && !m->slurm)
		check_boxes(m);
}

static void
check_kernel(const struct mr *m, const char *name)
{
	char path[PATH_MAX + 256];

	if (!*name || strchr(name, '/') || name[0] == '.' ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", m->dir, name) >=
		    sizeof(path) ||
	    access(path, X_OK) < 0)
		hv_k_die(HV_K_EXIT_USAGE,
			 "bad KERNEL '%s': expected the file name of a "
			 "program in %s",
			 name, m->dir);
}

/* The options hpcvirt always sets, then those of the box launch path. */
static void
build(struct mr *m, char *mpirun, char *rsh, size_t rshlen)
{
	add(m, mpirun);
	add(m, "--allow-run-as-root");
	add(m, "--oversubscribe");
	add(m, "--bind-to");
	add(m, "none");
	add(m, "--mca");
	add(m, "mpi_yield_when_idle");
	add(m, "1");
	add(m, "--mca");
	add(m, "btl");
	add(m, m->hosts ? "self,vader,tcp" : "self,vader");
	add(m, "-np");
	add(m, m->np);
	if (m->show_map)
		add(m, "--display-map");
	if (!m->hosts) {
		/* One box: start the ranks locally, and never look for an
		 * ssh that a guest does not have (plm rsh aborts then). */
		add(m, "--mca");
		add(m, "plm");
		add(m, "isolated");
	}
	if (m->slurm) {
		add(m, "--mca");
		add(m, "plm");
		add(m, "slurm");
		add(m, "--host");
		add(m, m->hosts);
		add(m, "-wdir");
		add(m, "/tmp");
	} else if (m->hosts) {
		if (m->agent_port)
			snprintf(rsh, rshlen, "hpcvirt-rsh --port %u",
				 m->agent_port);
		else if ((size_t)snprintf(rsh, rshlen, "hpcvirt-rsh --map %s",
					  m->map) >= rshlen)
			hv_k_die(HV_K_EXIT_USAGE, "--map path too long");
		/* Debian's Open MPI prepends PATH=/usr/bin:$PATH; ... to
		 * the daemon's command line for a remote shell; boxes have
		 * no shell, and /usr is where their orted is anyway. */
		add(m, "--noprefix");
		/* By bare name (PATH has the kernel dir first): mpirun
		 * forwards MCA options to the daemons, whose rsh component
		 * checks that the agent exists, in the box's own copy of
		 * the kernel directory; the daemons launch nothing. */
		if (setenv("OMPI_MCA_plm_rsh_agent", rsh, 1) < 0)
			hv_k_die(HV_K_EXIT_FAIL, "setenv: %s", strerror(errno));
		add(m, "--host");
		add(m, m->hosts);
		add(m, "--mca");
		add(m, "orte_launch_agent");
		add(m, "hpcvirt-orted");
		add(m, "--mca");
		add(m, "plm_rsh_no_tree_spawn");
		add(m, "1");
		add(m, "--mca");
		add(m, "oob_tcp_if_include");
		add(m, m->net);
		add(m, "--mca");
		add(m, "btl_tcp_if_include");
		add(m, m->net);
		add(m, "-wdir");
		add(m, "/tmp");
	}
}

int
main(int argc, char **argv)
{
	struct mr m = {0};
	char mpirun[PATH_MAX], rsh[PATH_MAX + 64];
	int i;

	hv_k_progname(PROG);
	parse(&m, argc, argv);
	if (mpr_self_dir(m.dir, sizeof(m.dir)) < 0)
		hv_k_die(HV_K_EXIT_FAIL, "cannot find the kernel directory");
	check_kernel(&m, argv[m.kernel]);
	if (mpr_find("mpirun", "/usr/bin/mpirun", mpirun, sizeof(mpirun)) < 0)
		hv_k_die(77, "no mpirun on PATH or in /usr/bin (install "
			     "openmpi-bin)");
	if (mpr_path_prepend(m.dir) < 0)
		hv_k_die(HV_K_EXIT_FAIL, "cannot set PATH");
	build(&m, mpirun, rsh, sizeof(rsh));
	for (i = m.kernel; i < argc; i++)
		add(&m, argv[i]);
	m.v[m.n] = NULL;
	fflush(stdout);
	execv(mpirun, (char *const *)m.v);
	hv_k_die(HV_K_EXIT_FAIL, "exec %s: %s", mpirun, strerror(errno));
}
