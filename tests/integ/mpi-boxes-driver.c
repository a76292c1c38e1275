/*
 * mpi-boxes-driver.c - helper of tests/integ/mpi-boxes.sh, built by it
 * against the host library: starts the lab and two "ns" boxes on its
 * bridge, writes the host -> agent map for hpcvirt-rsh, and runs
 * hpcvirt-mpirun natively inside the lab namespace with one rank in
 * each box (mpirun starts its daemons through the boxes' agents, see
 * docs/mpi.md). Prints the boxes' addresses and the MPI program's output;
 * exits with mpirun's status, 77 if ns boxes cannot run here, 1 on a
 * setup failure. Everything it started is stopped before it returns.
 *
 *   mpi-boxes-driver BIN_DIR KERNEL [ARGS...]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hpcvirt/study/env.h"
#include "hpcvirt/host/lab.h"

#define NBOX 2
#define MPI_TIMEOUT_S 45

extern const struct hv_env hv_env_ns;

struct drv {
	struct hv_lab lab;
	struct hv_box box[NBOX];
	int started;
	char run_dir[64], map[128], hosts[64], net[32];
};

/* Run hpcvirt-mpirun in the lab; bounded wait; its exit status. */
static int
run_mpi(struct drv *d, const char *bin, int argc, char **argv)
{
	char prog[600];
	const char *v[64] = {"hpcvirt-mpirun", "--np",	    "2",    "--hosts",
			     d->hosts,	       "--map",	    d->map, "--net",
			     d->net,	       "--show-map"};
	int n = 10, i, st = 0;
	pid_t pid;

	snprintf(prog, sizeof(prog), "%s/hpcvirt-mpirun", bin);
	for (i = 0; i < argc && n < 63; i++)
		v[n++] = argv[i];
	v[n] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		setpgid(0, 0); /* so a timeout can stop mpirun's children */
		if (hv_lab_enter(&d->lab) < 0)
			_exit(126);
		execv(prog, (char *const *)v);
		_exit(127);
	}
	for (i = 0; i < MPI_TIMEOUT_S * 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
		nanosleep(&(struct timespec){0, 100000000}, NULL);
	}
	fprintf(stderr, "mpirun did not finish in %d s\n", MPI_TIMEOUT_S);
	kill(-pid, SIGKILL);
	waitpid(pid, &st, 0);
	return 1;
}

static int
setup(struct drv *d, const char *bin, struct hv_err *err)
{
	struct hv_env_ctx ctx = {.bin_dir = bin, .lab = &d->lab};
	FILE *f;
	int i, rc;

	rc = hv_lab_create(&d->lab, NULL, err);
	if (rc < 0)
		return rc;
	ctx.run_dir = d->run_dir;
	snprintf(d->map, sizeof(d->map), "%s/hosts.map", d->run_dir);
	f = fopen(d->map, "w");
	if (!f)
		return hv_err_sys(err, errno, "open %s", d->map);
	for (i = 0; i < NBOX && rc == 0; i++) {
		const char *ip;

		rc = hv_box_start(&hv_env_ns, &ctx, &d->box[i], err);
		if (rc < 0)
			break;
		d->started++;
		ip = hv_params_get(&d->box[i].config, "ip");
		fprintf(f, "%s %s\n", ip, d->box[i].agent_addr);
		printf("# box %d: %s agent %s\n", i + 1, ip,
		       d->box[i].agent_addr);
		snprintf(d->hosts + strlen(d->hosts),
			 sizeof(d->hosts) - strlen(d->hosts), "%s%s",
			 i ? "," : "", ip);
	}
	fclose(f);
	snprintf(d->net, sizeof(d->net), "%u.%u.%u.0/24", d->lab.net >> 24,
		 (d->lab.net >> 16) & 255, (d->lab.net >> 8) & 255);
	return rc;
}

int
main(int argc, char **argv)
{
	struct drv d;
	struct hv_err err;
	int rc = 1, i;

	if (argc < 3) {
		fprintf(stderr, "usage: %s BIN_DIR KERNEL [ARGS...]\n",
			argv[0]);
		return 2;
	}
	memset(&d, 0, sizeof(d));
	d.lab.nsfd = -1;
	hv_err_init(&err);
	if (hv_env_probe(&hv_env_ns, &err) < 0) {
		printf("# ns boxes unavailable: %s\n", err.msg);
		return 77;
	}
	snprintf(d.run_dir, sizeof(d.run_dir), "/tmp/hv-mpiboxes.XXXXXX");
	if (!mkdtemp(d.run_dir))
		return 1;
	if (setup(&d, argv[1], &err) < 0)
		fprintf(stderr, "setup: %s\n", err.msg);
	else
		rc = run_mpi(&d, argv[1], argc - 2, argv + 2);
	for (i = 0; i < d.started; i++)
		if (hv_box_stop(&d.box[i], &err) < 0)
			fprintf(stderr, "teardown: %s\n", err.msg);
	hv_lab_destroy(&d.lab);
	unlink(d.map);
	if (rmdir(d.run_dir) < 0)
		fprintf(stderr, "leftover %s: %s\n", d.run_dir,
			strerror(errno));
	return rc;
}
