/*
 * cli.h - the subcommands of the hpcvirt CLI (src/cli/) and the small
 * table-driven option parser they share. Only this layer prints and
 * chooses exit codes.
 */
#ifndef HPCVIRT_CLI_H
#define HPCVIRT_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "hpcvirt/util/err.h"
#include "hpcvirt/results/result.h"

#define HV_EXIT_OK 0
#define HV_EXIT_FAIL 1
#define HV_EXIT_USAGE 2

int hv_cmd_run(int argc, char **argv);
int hv_cmd_list(int argc, char **argv);
int hv_cmd_report(int argc, char **argv);
int hv_cmd_clean(int argc, char **argv);
int hv_cmd_image(int argc, char **argv);
int hv_cmd_model(int argc, char **argv);
int hv_cmd_compare(int argc, char **argv);
int hv_cmd_history(int argc, char **argv);
int hv_cmd_node(int argc, char **argv);

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

/* Load and analyse the study in dir into an initialised, empty *s.
 * Prints why not; returns an exit code (2: no readable study there). */
int hv_cli_load_study(const char *dir, struct hv_study *s);

/*
 * Write what fn renders to path ("-": stdout). A file is written beside
 * path under a temporary name and renamed over it only when complete, so
 * a failure leaves whatever path held untouched. Prints why not; returns
 * an exit code (2: path cannot be written, 1: rendering failed).
 */
int hv_cli_write(const char *path, const char *what,
		 int (*fn)(FILE *f, const void *arg, struct hv_err *err),
		 const void *arg);

/* Read a whole text file of at most max bytes into a new NUL-ended
 * buffer. Prints why not and returns NULL. */
char *hv_cli_read_text(const char *path, const char *what, size_t max);

/*
 * The path of a data file (data/NAME in the source tree, installed in
 * PREFIX/share/hpcvirt): $HPCVIRT_DATA_DIR/NAME, else beside the
 * program's build tree (BIN/../../data), else BIN/../share/hpcvirt.
 */
int hv_cli_data_path(const char *name, char *buf, size_t len);

/* "hpcvirt report DIR --scorecard": returns an exit code. */
int hv_cli_scorecard(const char *dir, const char *claims, const char *json,
		     int quiet);

/* "hpcvirt report DIR --html FILE": returns an exit code. */
int hv_cli_html(const char *dir, const char *path, const char *claims);

#endif
