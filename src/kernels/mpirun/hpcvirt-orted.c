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
 *
 * The daemons launch nothing (mpirun starts every daemon itself: no
 * tree spawn), yet the launcher options mpirun forwards make each daemon's
 * rsh component look for hpcvirt-rsh, which a VM or UML guest does not
 * have (it is a host program), and abort. The daemon is given "sh"
 * instead, which every box has and which it never runs.
 *
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
	for (i = 1; i < argc; i++) { /* in place: n <= i */
		if (strcmp(argv[i], "--daemonize") == 0)
			continue;
		argv[n++] = argv[i];
		if ((strcmp(argv[i], "-mca") == 0 ||
		     strcmp(argv[i], "--mca") == 0) &&
		    i + 2 < argc && strcmp(argv[i + 1], "plm_rsh_agent") == 0) {
			argv[n++] = argv[++i];
			argv[n++] = "sh";
			i++;
		}
	}
	argv[n] = NULL;
	execv(orted, argv);
	fprintf(stderr, "hpcvirt-orted: exec %s: %s\n", orted, strerror(errno));
	return 127;
}
