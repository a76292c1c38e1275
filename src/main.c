/*
 * main.c - the thin CLI: subcommands run, list, report, clean, image, model,
 * compare and history. It
 * parses options (tables with help text), resolves names through the
 * registry, calls the library, renders, and is the only place that
 * prints errors and chooses exit codes: 0 ok, 1 a cell or check failed,
 * 2 usage or bad input.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hpcvirt/registry.h"
#include "hpcvirt/results/report.h"
#include "hpcvirt/host/runstate.h"
#include "hpcvirt/results/store.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{"run", hv_cmd_run, "run a study (envs x benches) and report it"},
	{"list", hv_cmd_list,
	 "list environments (available or why not) "
	 "and benches"},
	{"report", hv_cmd_report, "render a stored study"},
	{"clean", hv_cmd_clean, "remove what killed runs left behind"},
	{"image", hv_cmd_image, "build the guest image of the VM/UML boxes"},
	{"model", hv_cmd_model,
	 "fit each env's communication model (alpha, beta) from a study"},
	{"compare", hv_cmd_compare,
	 "two studies cell by cell (ratio B/A, CI, verdict) and what "
	 "changed"},
	{"history", hv_cmd_history,
	 "list the studies under a results directory"},
	{"node", hv_cmd_node,
	 "one box on this host for 'run --launcher slurm' (srun starts it)"},
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: hpcvirt COMMAND [OPTIONS]\n\n"
		   "Measures what a virtualization layer costs HPC "
		   "workloads,\nas ratios to native with 95%% confidence "
		   "intervals.\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\n'hpcvirt COMMAND --help' describes each command.\n");
}

int
main(int argc, char **argv)
{
	size_t i, n = sizeof(commands) / sizeof(commands[0]);

	if (argc < 2) {
		usage(stderr);
		return HV_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("hpcvirt %s (%s)\n", HV_VERSION, HV_GIT_REV);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	/* The list comes from the command table, so it is never stale. */
	fprintf(stderr, "hpcvirt: unknown command '%s': expected ", argv[1]);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%s",
			i == 0	    ? ""
			: i + 1 < n ? ", "
				    : " or ",
			commands[i].name);
	fprintf(stderr, "\n");
	return HV_EXIT_USAGE;
}
