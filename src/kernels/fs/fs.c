/*
 * fs.c - main, option table and output of hpcvirt-fs, the file-system
 * kernel, with IOZone's writer / rewriter / reader / rereader semantics:
 *
 *   hpcvirt-fs --dir DIR [--record 1MiB] [--sizes 1MiB,...,512MiB |
 *              --size N] [--tests write,rewrite,read,reread] [--fsync]
 *              [--direct] [--cold] [--json]
 *
 * For each file size: write creates a new file and writes it in records,
 * rewrite writes it again in place, read reads it, reread reads it again;
 * each is timed on its own (run.c says what is inside the timed region in
 * each mode). The writer always runs, since the others need its file; it
 * is reported only if "write" is among --tests. Every read checks the tags
 * the writer put at both ends of each record (fs.h): a mismatch is exit 1.
 *
 * With --json, exactly one line "HPCVIRT-RESULT {json}". Keys (the host
 * tool parses them; keep them):
 *
 *   {"kernel":"fs","version":1,"dir":"DIR","record_bytes":N,
 *    "mode":{"fsync":false,"direct":false,"cold":false},
 *    "results":[{"test":"write"|"rewrite"|"read"|"reread",
 *      "file_bytes":N,"record_bytes":N,"duration_ns":N,
 *      "bw_bytes_per_sec":X,"cpu_ns":N}, ...]}
 *
 * with one result per test per file size, sizes in the order given and
 * tests in the order write, rewrite, read, reread. bw_bytes_per_sec is
 * file_bytes / duration; cpu_ns is user + system time of the process over
 * the timed region (getrusage, microsecond resolution).
 *
 * Exit codes: 0 ok, 1 runtime failure (I/O error, full disk, unwritable
 * or missing directory, not enough free space, failed verification),
 * 2 usage or bad input.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klib.h"
#include "fs.h"

enum opt_type { OT_DIR, OT_BYTES, OT_BYTES1, OT_LIST, OT_TESTS, OT_FLAG };

struct opt {
	const char *name;
	enum opt_type type;
	uint64_t min, max;
	const char *def; /* NULL: zero */
	size_t off;	 /* into struct hv_fs_cfg */
	const char *help;
};

#define OFF(f) offsetof(struct hv_fs_cfg, f)

static const struct opt opts[] = {
	{"dir", OT_DIR, 0, 0, NULL, OFF(dir),
	 "directory for the test files (required)"},
	{"record", OT_BYTES, HV_FS_MIN_RECORD, HV_FS_MAX_RECORD, "1MiB",
	 OFF(record), "size of each write and read"},
	{"sizes", OT_LIST, HV_FS_MIN_RECORD, HV_FS_MAX_FILE,
	 "1MiB,2MiB,4MiB,8MiB,16MiB,32MiB,64MiB,128MiB,256MiB,512MiB",
	 OFF(sizes), "comma-separated file sizes to sweep"},
	{"size", OT_BYTES1, HV_FS_MIN_RECORD, HV_FS_MAX_FILE, NULL, OFF(sizes),
	 "a single file size"},
	{"tests", OT_TESTS, 0, 0, "write,rewrite,read,reread", OFF(tests),
	 "tests to report, any of write,rewrite,read,reread"},
	{"fsync", OT_FLAG, 0, 0, NULL, OFF(fsync),
	 "fsync and close inside the timed region (iozone -e -c)"},
	{"direct", OT_FLAG, 0, 0, NULL, OFF(direct),
	 "open with O_DIRECT (record: a multiple of the logical block)"},
	{"cold", OT_FLAG, 0, 0, NULL, OFF(cold),
	 "drop the file's cached pages before each read test"},
	{"json", OT_FLAG, 0, 0, NULL, OFF(json),
	 "print one HPCVIRT-RESULT {json} line"},
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static const char *
opt_form(enum opt_type t)
{
	switch (t) {
	case OT_DIR:
		return "a directory path";
	case OT_BYTES:
	case OT_BYTES1:
		return "bytes like 4096, 64KiB or 1MiB";
	case OT_LIST:
		return "a list of bytes like 1MiB,2MiB,4MiB";
	case OT_TESTS:
		return "a list of write, rewrite, read, reread";
	default:
		return "no value";
	}
}

static void
usage(FILE *f)
{
	char arg[24];
	size_t i;

	fprintf(f, "usage: hpcvirt-fs --dir DIR [options]\n\n");
	for (i = 0; i < NOPTS; i++) {
		snprintf(arg, sizeof(arg), "--%s%s", opts[i].name,
			 opts[i].type == OT_FLAG ? "" : " V");
		fprintf(f, "  %-14s %s%s%s%s\n", arg, opts[i].help,
			opts[i].def ? " (default " : "",
			opts[i].def ? opts[i].def : "", opts[i].def ? ")" : "");
	}
	fprintf(f, "\nExit: 0 ok, 1 runtime failure, 2 bad usage.\n");
}

const char *
hv_fs_test_name(enum hv_fs_test t)
{
	switch (t) {
	case HV_FS_WRITE:
		return "write";
	case HV_FS_REWRITE:
		return "rewrite";
	case HV_FS_READ:
		return "read";
	case HV_FS_REREAD:
		return "reread";
	}
	return "?";
}

/* Parse "write,read"... into a mask; exits 2 naming a bad element. */
static unsigned int
parse_tests(const char *v)
{
	static const enum hv_fs_test all[] = {HV_FS_WRITE, HV_FS_REWRITE,
					      HV_FS_READ, HV_FS_REREAD};
	const char *p = v, *comma;
	unsigned int mask = 0, hit;
	size_t len, i;

	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		for (hit = 0, i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			if (strlen(hv_fs_test_name(all[i])) == len &&
			    strncmp(hv_fs_test_name(all[i]), p, len) == 0)
				hit = all[i];
		if (!hit)
			hv_k_die(
				HV_K_EXIT_USAGE,
				"unknown test '%.*s' in --tests '%s': expected "
				"write, rewrite, read or reread, separated by "
				"commas",
				(int)len, p, v);
		mask |= hit;
		if (!comma)
			return mask;
		p = comma + 1;
	}
}

/* Store one value; 0 or -1 if it does not parse or is out of range. */
static int
opt_set(const struct opt *o, const char *v, struct hv_fs_cfg *cfg)
{
	char *p = (char *)cfg + o->off, bad[64];
	int n;

	switch (o->type) {
	case OT_DIR:
		if (!*v || strlen(v) >= sizeof(cfg->dir) - 32)
			return -1;
		snprintf(cfg->dir, sizeof(cfg->dir), "%s", v);
		return 0;
	case OT_BYTES:
		return hv_k_parse_bytes(v, o->min, o->max, (uint64_t *)p);
	case OT_BYTES1:
		cfg->nsizes = 1;
		return hv_k_parse_bytes(v, o->min, o->max, cfg->sizes);
	case OT_LIST:
		n = hv_k_parse_bytes_list(v, o->min, o->max, cfg->sizes,
					  HV_FS_MAX_SIZES, bad, sizeof(bad));
		if (n < 0 && bad[0] && strcmp(bad, v) != 0)
			hv_k_die(HV_K_EXIT_USAGE,
				 "bad element '%s' in --%s '%s': expected "
				 "bytes like 4KiB or 1MiB, from %llu to %llu, "
				 "at most %d of them",
				 bad, o->name, v, (unsigned long long)o->min,
				 (unsigned long long)o->max, HV_FS_MAX_SIZES);
		cfg->nsizes = n > 0 ? n : 0;
		return n > 0 ? 0 : -1;
	case OT_TESTS:
		cfg->tests = parse_tests(v);
		return 0;
	case OT_FLAG:
		*(bool *)p = true;
		return 0;
	}
	return -1;
}

static const struct opt *
opt_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (strlen(opts[i].name) == len &&
		    strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

static void
bad_value(const struct opt *o, const char *v)
{
	if (o->type == OT_DIR)
		hv_k_die(HV_K_EXIT_USAGE,
			 "bad --%s '%s': expected %s, not empty, at most %zu "
			 "bytes",
			 o->name, v, opt_form(o->type),
			 sizeof(((struct hv_fs_cfg *)0)->dir) - 33);
	hv_k_die(HV_K_EXIT_USAGE,
		 "bad --%s '%s': expected %s, from %llu to %llu", o->name, v,
		 opt_form(o->type), (unsigned long long)o->min,
		 (unsigned long long)o->max);
}

/* Handle argv[*i], which is "--name" or "--name=value". */
static void
parse_one(int argc, char **argv, int *i, struct hv_fs_cfg *cfg)
{
	const char *a = argv[*i], *eq, *v;
	const struct opt *o;

	if (strncmp(a, "--", 2) != 0)
		hv_k_die(HV_K_EXIT_USAGE,
			 "unexpected argument '%s': options look like "
			 "--name VALUE (see --help)",
			 a);
	eq = strchr(a + 2, '=');
	o = opt_find(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
	if (!o)
		hv_k_die(HV_K_EXIT_USAGE, "unknown option '%s' (see --help)",
			 a);
	if (o->type == OT_FLAG && eq)
		hv_k_die(HV_K_EXIT_USAGE, "option --%s takes no value",
			 o->name);
	if (o->type == OT_FLAG)
		v = "";
	else if (eq)
		v = eq + 1;
	else if (*i + 1 < argc)
		v = argv[++*i];
	else
		hv_k_die(HV_K_EXIT_USAGE, "option --%s needs a value: %s",
			 o->name, opt_form(o->type));
	if (opt_set(o, v, cfg) != 0)
		bad_value(o, v);
}

/* Every file holds at least one record, and a whole number of them. */
static void
check_sizes(const struct hv_fs_cfg *cfg)
{
	unsigned long long rec = cfg->record, sz;
	int i;

	for (i = 0; i < cfg->nsizes; i++) {
		sz = cfg->sizes[i];
		if (sz < rec)
			hv_k_die(HV_K_EXIT_USAGE,
				 "--record %llu is larger than the file size "
				 "%llu: use a smaller --record or larger "
				 "--sizes",
				 rec, sz);
		if (sz % rec != 0)
			hv_k_die(HV_K_EXIT_USAGE,
				 "file size %llu is not a multiple of --record "
				 "%llu",
				 sz, rec);
	}
}

static void
parse_args(int argc, char **argv, struct hv_fs_cfg *cfg)
{
	size_t k;
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			exit(fflush(stdout) == 0 ? HV_K_EXIT_OK
						 : HV_K_EXIT_FAIL);
		}
	memset(cfg, 0, sizeof(*cfg));
	for (k = 0; k < NOPTS; k++)
		if (opts[k].def && opt_set(&opts[k], opts[k].def, cfg) != 0)
			hv_k_die(HV_K_EXIT_FAIL, "bad default of --%s",
				 opts[k].name);
	for (i = 1; i < argc; i++)
		parse_one(argc, argv, &i, cfg);
	if (!cfg->dir[0])
		hv_k_die(HV_K_EXIT_USAGE,
			 "missing --dir DIR: the directory to write the test "
			 "files in (see --help)");
	check_sizes(cfg);
}

static double
bw(const struct hv_fs_result *r)
{
	return r->duration_ns > 0 ? r->file_bytes * 1e9 / r->duration_ns : 0;
}

static void
print_table(const struct hv_fs_cfg *cfg, const struct hv_fs_result *res, int n)
{
	int i;

	printf("hpcvirt-fs: dir %s, record %llu bytes, mode%s%s%s%s\n",
	       cfg->dir, (unsigned long long)cfg->record,
	       cfg->fsync ? " fsync" : "", cfg->direct ? " direct" : "",
	       cfg->cold ? " cold" : "",
	       cfg->fsync || cfg->direct || cfg->cold ? "" : " default");
	printf("%12s  %-8s %12s %12s %10s\n", "file_bytes", "test", "MiB/s",
	       "time_ms", "cpu_ms");
	for (i = 0; i < n; i++)
		printf("%12llu  %-8s %12.1f %12.3f %10.3f\n",
		       (unsigned long long)res[i].file_bytes,
		       hv_fs_test_name(res[i].test), bw(&res[i]) / 1048576.0,
		       res[i].duration_ns / 1e6, res[i].cpu_ns / 1e6);
}

static int
print_json(const struct hv_fs_cfg *cfg, const struct hv_fs_result *res, int n)
{
	struct hv_k_json j;
	int i;

	hv_k_json_begin(&j, stdout);
	hv_k_json_obj(&j, NULL);
	hv_k_json_str(&j, "kernel", "fs");
	hv_k_json_i64(&j, "version", 1);
	hv_k_json_str(&j, "dir", cfg->dir);
	hv_k_json_u64(&j, "record_bytes", cfg->record);
	hv_k_json_obj(&j, "mode");
	hv_k_json_bool(&j, "fsync", cfg->fsync);
	hv_k_json_bool(&j, "direct", cfg->direct);
	hv_k_json_bool(&j, "cold", cfg->cold);
	hv_k_json_end(&j);
	hv_k_json_arr(&j, "results");
	for (i = 0; i < n; i++) {
		hv_k_json_obj(&j, NULL);
		hv_k_json_str(&j, "test", hv_fs_test_name(res[i].test));
		hv_k_json_u64(&j, "file_bytes", res[i].file_bytes);
		hv_k_json_u64(&j, "record_bytes", res[i].record_bytes);
		hv_k_json_i64(&j, "duration_ns", res[i].duration_ns);
		hv_k_json_dbl(&j, "bw_bytes_per_sec", bw(&res[i]));
		hv_k_json_i64(&j, "cpu_ns", res[i].cpu_ns);
		hv_k_json_end(&j);
	}
	hv_k_json_end(&j);
	hv_k_json_end(&j);
	return hv_k_json_finish(&j);
}

int
main(int argc, char **argv)
{
	static struct hv_fs_result res[4 * HV_FS_MAX_SIZES];
	struct hv_fs_cfg cfg;
	char msg[PATH_MAX + 512];
	int rc, n;

	hv_k_progname("hpcvirt-fs");
	parse_args(argc, argv, &cfg);
	rc = hv_fs_run(&cfg, res, &n, msg, sizeof(msg));
	if (rc != 0)
		hv_k_die(rc, "%s", msg);
	if (cfg.json)
		return print_json(&cfg, res, n) == 0 ? HV_K_EXIT_OK
						     : HV_K_EXIT_FAIL;
	print_table(&cfg, res, n);
	return fflush(stdout) == 0 ? HV_K_EXIT_OK : HV_K_EXIT_FAIL;
}
