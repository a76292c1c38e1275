/*
 * cli.h - the subcommands of the hpcvirt CLI (src/cli/) and the small
 * table-driven option parser they share. Only this layer prints and
 * chooses exit codes.
 */
#ifndef HPCVIRT_CLI_H
#define HPCVIRT_CLI_H

#include <stddef.h>

#define HV_EXIT_OK 0
#define HV_EXIT_FAIL 1
#define HV_EXIT_USAGE 2

int hv_cmd_run(int argc, char **argv);
int hv_cmd_list(int argc, char **argv);
int hv_cmd_report(int argc, char **argv);
int hv_cmd_clean(int argc, char **argv);
int hv_cmd_image(int argc, char **argv);
int hv_cmd_model(int argc, char **argv);

/* One option of a subcommand: --name [ARG], with its help line. */
struct hv_cli_opt {
	const char *name;
	const char *arg; /* NULL for a flag */
	const char *help;
};

/*
 * Parse argv against tab. For each option found, calls
 * fn(ctx, index in tab, value or NULL); a nonzero return stops parsing
 * and is returned. --help prints usage (synopsis + table) to stdout and
 * returns -1. Unknown options print a message and return HV_EXIT_USAGE.
 * On success returns 0 and *optind_out is the first operand.
 */
int hv_cli_parse(const char *synopsis, const struct hv_cli_opt *tab, size_t n,
		 int argc, char **argv,
		 int (*fn)(void *ctx, size_t idx, const char *val), void *ctx,
		 int *optind_out);

/* Directory holding hpcvirt-agent and the kernels. */
int hv_cli_bin_dir(char *buf, size_t len);

/* Load, analyse and render a stored study: table (unless quiet), and
 * JSON / CSV to files ("-" is stdout). Returns an exit code. */
int hv_cli_render(const char *dir, const char *json, const char *csv,
		  int quiet);

#endif
