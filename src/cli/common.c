/*
 * common.c - the option parser behind every subcommand (getopt_long
 * driven by a table that also produces --help), locating the kernels, and
 * rendering a stored study (shared by run and report, so both print the
 * same thing from the same stored data).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "hpcvirt/results/report.h"
#include "hpcvirt/results/store.h"

#define MAX_OPTS 40

static void
print_help(const char *synopsis, const struct hv_cli_opt *tab, size_t n)
{
	char left[64];
	size_t i;

	printf("usage: %s\n\noptions:\n", synopsis);
	for (i = 0; i < n; i++) {
		snprintf(left, sizeof(left), "--%s%s%s", tab[i].name,
			 tab[i].arg ? " " : "", tab[i].arg ? tab[i].arg : "");
		printf("  %-24s %s\n", left, tab[i].help);
	}
	printf("  %-24s %s\n", "--help", "show this help");
}

int
hv_cli_parse(const char *synopsis, const struct hv_cli_opt *tab, size_t n,
	     int argc, char **argv,
	     int (*fn)(void *ctx, size_t idx, const char *val), void *ctx,
	     int *optind_out)
{
	struct option lo[MAX_OPTS + 2];
	size_t i;
	int c, rc;

	if (n > MAX_OPTS)
		return HV_EXIT_USAGE;
	for (i = 0; i < n; i++) {
		lo[i].name = tab[i].name;
		lo[i].has_arg = tab[i].arg ? required_argument : no_argument;
		lo[i].flag = NULL;
		lo[i].val = 256 + (int)i;
	}
	lo[n] = (struct option){"help", no_argument, NULL, 'h'};
	lo[n + 1] = (struct option){0};
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (c == 'h') {
			print_help(synopsis, tab, n);
			return -1;
		}
		if (c == '?' || c == ':') {
			if (optopt >= 256)
				fprintf(stderr,
					"hpcvirt: --%s needs a value (%s)\n",
					tab[optopt - 256].name,
					tab[optopt - 256].arg);
			else
				fprintf(stderr,
					"hpcvirt: unknown option '%s' (see "
					"--help)\n",
					argv[optind - 1]);
			return HV_EXIT_USAGE;
		}
		rc = fn(ctx, (size_t)(c - 256), optarg);
		if (rc)
			return rc;
	}
	*optind_out = optind;
	return 0;
}

static int
has_agent(const char *dir)
{
	char p[1100];

	snprintf(p, sizeof(p), "%s/hpcvirt-agent", dir);
	return access(p, X_OK) == 0;
}

int
hv_cli_bin_dir(char *buf, size_t len)
{
	const char *env = getenv("HPCVIRT_BIN_DIR");
	char self[1024], *dir;
	ssize_t r;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return has_agent(buf) ? 0 : -ENOENT;
	}
	r = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (r <= 0)
		return -errno;
	self[r] = '\0';
	dir = dirname(self);
	snprintf(buf, len, "%s", dir);
	if (has_agent(buf))
		return 0;
	snprintf(buf, len, "%s/../libexec/hpcvirt", dir);
	return has_agent(buf) ? 0 : -ENOENT;
}

/* Render with fn into path ("-" = stdout). */
static int
render_to(const char *path,
	  int (*fn)(FILE *, const struct hv_study *, struct hv_err *),
	  const struct hv_study *s)
{
	struct hv_err err;
	FILE *f;
	int rc;

	hv_err_init(&err);
	f = strcmp(path, "-") == 0 ? stdout : fopen(path, "we");
	if (!f) {
		fprintf(stderr, "hpcvirt: cannot write '%s': %s\n", path,
			strerror(errno));
		return HV_EXIT_USAGE;
	}
	rc = fn(f, s, &err);
	if (f != stdout && fclose(f) != 0 && rc == 0)
		rc = hv_err_sys(&err, errno, "writing %s", path);
	else if (f == stdout)
		fflush(stdout);
	if (rc < 0) {
		fprintf(stderr, "hpcvirt: %s\n", err.msg);
		return HV_EXIT_FAIL;
	}
	return 0;
}

int
hv_cli_load_study(const char *dir, struct hv_study *s)
{
	struct hv_store *st = NULL;
	struct hv_err err;
	int rc;

	hv_err_init(&err);
	/* A study that cannot be opened or read (missing, empty, corrupt,
	 * foreign) is bad input: exit 2. */
	rc = hv_store_open(&st, dir, HV_STORE_READ, &err);
	if (rc == 0)
		rc = hv_store_load(st, s, &err);
	if (st)
		hv_store_close(st);
	if (rc < 0) {
		fprintf(stderr, "hpcvirt: %s\n", err.msg);
		return HV_EXIT_USAGE;
	}
	rc = hv_study_analyze(s, &err);
	if (rc < 0) {
		fprintf(stderr, "hpcvirt: %s\n", err.msg);
		return HV_EXIT_FAIL;
	}
	return HV_EXIT_OK;
}

int
hv_cli_render(const char *dir, const char *json, const char *csv, int quiet)
{
	struct hv_study s;
	int rc, ex;

	hv_study_init(&s);
	ex = hv_cli_load_study(dir, &s);
	if (ex != HV_EXIT_OK)
		goto out;
	if (!quiet && (rc = render_to("-", hv_render_table, &s)) != 0)
		ex = rc;
	if (json && (rc = render_to(json, hv_render_json, &s)) != 0)
		ex = rc;
	if (csv && (rc = render_to(csv, hv_render_csv, &s)) != 0)
		ex = rc;
out:
	hv_study_release(&s);
	return ex;
}

int
hv_cli_write(const char *path, const char *what,
	     int (*fn)(FILE *f, const void *arg, struct hv_err *err),
	     const void *arg)
{
	char tmp[4200];
	struct hv_err err;
	FILE *f;
	int fd, rc;

	hv_err_init(&err);
	if (strcmp(path, "-") == 0) {
		rc = fn(stdout, arg, &err);
		fflush(stdout);
		if (rc < 0)
			fprintf(stderr, "hpcvirt: %s\n", err.msg);
		return rc < 0 ? HV_EXIT_FAIL : HV_EXIT_OK;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >=
	    (int)sizeof(tmp)) {
		fprintf(stderr, "hpcvirt: %s path '%.80s...': too long\n", what,
			path);
		return HV_EXIT_USAGE;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		fprintf(stderr,
			"hpcvirt: cannot write %s '%s': %s (expected a file "
			"path in a writable directory)\n",
			what, path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return HV_EXIT_USAGE;
	}
	/* mkostemp makes the file 0600; a report is for others to read. */
	fchmod(fd, 0644);
	rc = fn(f, arg, &err);
	if (fclose(f) != 0 && rc == 0)
		rc = hv_err_sys(&err, errno, "writing %s", path);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = hv_err_sys(&err, errno, "cannot write %s '%s'", what,
				path);
	if (rc < 0) {
		unlink(tmp);
		fprintf(stderr, "hpcvirt: %s\n", err.msg);
		return HV_EXIT_FAIL;
	}
	return HV_EXIT_OK;
}

char *
hv_cli_read_text(const char *path, const char *what, size_t max)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		fprintf(stderr, "hpcvirt: cannot read %s '%s': %s\n", what,
			path, strerror(errno));
		return NULL;
	}
	buf = malloc(max + 1);
	if (buf)
		n = fread(buf, 1, max + 1, f);
	if (!buf || ferror(f) || n > max) {
		fprintf(stderr, "hpcvirt: cannot read %s '%s': %s\n", what,
			path,
			!buf	  ? "out of memory"
			: n > max ? "larger than expected"
				  : strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (strlen(buf) != n) {
		fprintf(stderr, "hpcvirt: %s '%s': a NUL byte: expected text\n",
			what, path);
		free(buf);
		return NULL;
	}
	return buf;
}

int
hv_cli_data_path(const char *name, char *buf, size_t len)
{
	const char *env = getenv("HPCVIRT_DATA_DIR");
	static const char *const rel[] = {"../../data", "../share/hpcvirt"};
	char self[1024], *dir;
	ssize_t r;
	size_t i;

	if (env && *env) {
		snprintf(buf, len, "%s/%s", env, name);
		return access(buf, R_OK) == 0 ? 0 : -ENOENT;
	}
	r = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (r <= 0)
		return -errno;
	self[r] = '\0';
	dir = dirname(self);
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(buf, len, "%s/%s/%s", dir, rel[i], name);
		if (access(buf, R_OK) == 0)
			return 0;
	}
	return -ENOENT;
}
