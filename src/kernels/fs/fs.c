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
#include <string.h>

#include "klib.h"
#include "fs.h"

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

/* "write,read"... into the enum hv_fs_test mask at dst. */
static int
parse_tests(const struct hv_k_opt *o, const char *v, void *dst,
	    struct hv_k_opt_err *err)
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
			return hv_k_opt_errf(
				err, HV_K_EXIT_USAGE,
				"unknown test '%.*s' in --%s '%s': expected "
				"write, rewrite, read or reread, separated by "
				"commas",
				(int)len, p, o->name, v);
		mask |= hit;
		if (!comma)
			break;
		p = comma + 1;
	}
	*(unsigned int *)dst = mask;
	return 0;
}

#define OFF(f) offsetof(struct hv_fs_cfg, f)
#define DIR_LEN sizeof(((struct hv_fs_cfg *)0)->dir)
#define BYTES_FORM "bytes like 4096, 64KiB or 1MiB"

/* --dir leaves 32 bytes of its buffer for the file name. */
static const struct hv_k_opt opts[] = {
	{.name = "dir",
	 .type = HV_K_OPT_STR,
	 .min = 1,
	 .max = DIR_LEN - 33,
	 .off = OFF(dir),
	 .cap = DIR_LEN,
	 .form = "a directory path",
	 .help = "directory for the test files (required)"},
	{.name = "record",
	 .type = HV_K_OPT_BYTES,
	 .min = HV_FS_MIN_RECORD,
	 .max = HV_FS_MAX_RECORD,
	 .def = "1MiB",
	 .off = OFF(record),
	 .form = BYTES_FORM,
	 .help = "size of each write and read"},
	{.name = "sizes",
	 .type = HV_K_OPT_BYTES_LIST,
	 .min = HV_FS_MIN_RECORD,
	 .max = HV_FS_MAX_FILE,
	 .def = "1MiB,2MiB,4MiB,8MiB,16MiB,32MiB,64MiB,128MiB,256MiB,512MiB",
	 .off = OFF(sizes),
	 .count_off = OFF(nsizes),
	 .cap = HV_FS_MAX_SIZES,
	 .form = "a list of bytes like 1MiB,2MiB,4MiB",
	 .item_form = "bytes like 4KiB or 1MiB",
	 .help = "comma-separated file sizes to sweep"},
	{.name = "size",
	 .type = HV_K_OPT_BYTES_ONE,
	 .min = HV_FS_MIN_RECORD,
	 .max = HV_FS_MAX_FILE,
	 .off = OFF(sizes),
	 .count_off = OFF(nsizes),
	 .form = BYTES_FORM,
	 .help = "a single file size"},
	{.name = "tests",
	 .type = HV_K_OPT_CUSTOM,
	 .def = "write,rewrite,read,reread",
	 .off = OFF(tests),
	 .form = "a list of write, rewrite, read, reread",
	 .parse = parse_tests,
	 .help = "tests to report, any of write,rewrite,read,reread"},
	{.name = "fsync",
	 .type = HV_K_OPT_FLAG,
	 .off = OFF(fsync),
	 .help = "fsync and close inside the timed region (iozone -e -c)"},
	{.name = "direct",
	 .type = HV_K_OPT_FLAG,
	 .off = OFF(direct),
	 .help = "open with O_DIRECT (record: a multiple of the logical "
		 "block)"},
	{.name = "cold",
	 .type = HV_K_OPT_FLAG,
	 .off = OFF(cold),
	 .help = "drop the file's cached pages before each read test"},
	{.name = "json",
	 .type = HV_K_OPT_FLAG,
	 .off = OFF(json),
	 .help = "print one HPCVIRT-RESULT {json} line"},
};

static const struct hv_k_optset optset = {
	.synopsis = "hpcvirt-fs --dir DIR [options]",
	.opts = opts,
	.nopts = sizeof(opts) / sizeof(opts[0]),
	.width = 14,
};

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
	hv_k_opts_help(&optset, argc, argv);
	memset(cfg, 0, sizeof(*cfg));
	hv_k_parse_opts_or_die(&optset, 0, cfg, NULL, argc - 1, argv + 1);
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
