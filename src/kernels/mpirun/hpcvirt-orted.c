/*
 * hpcvirt-orted.c - the Open MPI daemon as a kernel. hpcvirt-agent runs
 * only programs of its kernel directory, so a box cannot start the
 * system orted directly; mpirun is told (orte_launch_agent) to start
 * "hpcvirt-orted ARGS..." instead, and this wrapper puts its own
 * directory first on PATH (so the daemon finds hpcvirt-npb-mpi by name,
 * wherever the box mounts the kernels) and execs the system orted with
 * the same arguments but one: --daemonize is dropped. A daemon that
 * forks away from the agent's command races the agent's clean-up of
 * the finished command's process group (and was seen to die of it); in
 * the foreground it stays the agent's command, its output is relayed
 * to mpirun through hpcvirt-rsh, and it ends with the connection.
 * Exit 127 if there is no orted.
 */
#include "mpirun-common.h"

int
main(int argc, char **argv)
{
	char dir[PATH_MAX], orted[PATH_MAX];
	int i, n = 1;

	if (mpr_self_dir(dir, sizeof(dir)) < 0 || mpr_path_prepend(dir) < 0) {
		fprintf(stderr, "hpcvirt-orted: cannot set PATH\n");
		return 127;
	}
	if (mpr_find("orted", "/usr/bin/orted", orted, sizeof(orted)) < 0) {
		fprintf(stderr, "hpcvirt-orted: no orted on PATH or in "
				"/usr/bin (install openmpi-bin)\n");
		return 127;
	}
	argv[0] = orted;
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--daemonize") != 0)
			argv[n++] = argv[i];
	argv[n] = NULL;
	execv(orted, argv);
	fprintf(stderr, "hpcvirt-orted: exec %s: %s\n", orted, strerror(errno));
	return 127;
}
