/*
 * npb-main.c - command line of hpcvirt-npb and hpcvirt-npb-omp:
 *
 *   hpcvirt-npb[-omp] BENCH [--class S|W|A|B|C|D] [--threads N] [--json]
 *                           [--isa auto|base|avx2] [--ops]
 *
 * It checks the arguments and that the class fits in memory (before
 * anything is allocated), runs one benchmark, prints the NPB-style
 * result block and, with --json, one "HPCVIRT-RESULT {json}" line.
 * --ops runs nothing: it prints the class's operation count (what its
 * Mop/s divides by the time), from which a host estimates a run's time.
 * Exit: 0 verified, 1 verification failed or runtime error, 2 bad
 * input or a class that does not fit in this machine's memory.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klib.h"
#include "npb-rules.h"
#include "npb.h"

#ifdef _OPENMP
#define VARIANT "omp"
#define PROG "hpcvirt-npb-omp"
#else
#define VARIANT "ser"
#define PROG "hpcvirt-npb"
#endif

#define MAX_THREADS HV_NPB_MAXTHR

static const struct hv_npb_bench *const benches[] = {
	&hv_npb_ep, &hv_npb_is, &hv_npb_cg, &hv_npb_mg,
	&hv_npb_ft, &hv_npb_bt, &hv_npb_sp, &hv_npb_lu,
};

struct opts {
	const struct hv_npb_bench *bench;
	char cls;
	int threads;
	bool json;
	bool ops;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG
		" BENCH [--class C] [--threads N] [--isa I] [--json]\n"
		"  BENCH       ep, is, cg, mg, ft, bt, sp or lu\n"
		"  --class C   problem class S, W, A, B, C or D (default S)\n"
		"  --threads N OpenMP threads, 1..%d (serial build: 1 only;\n"
		"              default: OMP_NUM_THREADS or the CPU count)\n"
		"  --json      also print one HPCVIRT-RESULT {json} "
		"line\n" HV_NPB_ISA_HELP
		"  --ops       run nothing: print the class's operation count "
		"(Mop)\n"
		"Exit status: 0 verified; 1 verification failed or runtime "
		"error;\n"
		"2 bad arguments, or a class whose memory need exceeds "
		"MemAvailable\n"
		"or the cgroup limit (refused before it starts).\n",
		MAX_THREADS);
}

static const struct hv_npb_bench *
find_bench(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
		if (strcmp(benches[i]->name, name) == 0)
			return benches[i];
	return NULL;
}

static int
default_threads(void)
{
#ifdef _OPENMP
	return omp_get_max_threads();
#else
	return 1;
#endif
}

static void
parse_class(struct opts *o, const char *s)
{
	if (strlen(s) != 1 || !strchr(HV_NPB_CLASSES, s[0]))
		hv_k_die(HV_K_EXIT_USAGE,
			 "bad --class '%s': expected one of " HV_NPB_CLASSES,
			 s);
	o->cls = s[0];
}

static void
parse_threads(struct opts *o, const char *s)
{
	uint64_t v;

	if (hv_k_parse_u64(s, 1, MAX_THREADS, &v) < 0)
		hv_k_die(HV_K_EXIT_USAGE,
			 "bad --threads '%s': expected an integer 1..%d", s,
			 MAX_THREADS);
#ifndef _OPENMP
	if (v != 1)
		hv_k_die(HV_K_EXIT_USAGE,
			 "bad --threads '%s': this serial build runs 1 thread "
			 "(use hpcvirt-npb-omp)",
			 s);
#endif
	o->threads = (int)v;
}

static void
parse_isa(const char *s)
{
	int err = hv_npb_isa_select(s);

	if (err < 0)
		hv_k_die(HV_K_EXIT_USAGE, "bad --isa '%s': %s", s,
			 hv_npb_isa_why(err));
}

static const char *
need_arg(int argc, char **argv, int i)
{
	if (i + 1 >= argc)
		hv_k_die(HV_K_EXIT_USAGE, "option %s needs a value", argv[i]);
	return argv[i + 1];
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	const char *classes;
	int i;

	memset(o, 0, sizeof(*o));
	o->cls = 'S';
	o->threads = default_threads();
	parse_isa("auto");
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(HV_K_EXIT_OK);
		} else if (!strcmp(a, "--class")) {
			parse_class(o, need_arg(argc, argv, i++));
		} else if (!strncmp(a, "--class=", 8)) {
			parse_class(o, a + 8);
		} else if (!strcmp(a, "--threads")) {
			parse_threads(o, need_arg(argc, argv, i++));
		} else if (!strncmp(a, "--threads=", 10)) {
			parse_threads(o, a + 10);
		} else if (!strcmp(a, "--isa")) {
			parse_isa(need_arg(argc, argv, i++));
		} else if (!strncmp(a, "--isa=", 6)) {
			parse_isa(a + 6);
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--ops")) {
			o->ops = true;
		} else if (a[0] == '-') {
			usage(stderr);
			hv_k_die(HV_K_EXIT_USAGE, "unknown option '%s'", a);
		} else if (o->bench) {
			hv_k_die(HV_K_EXIT_USAGE,
				 "extra argument '%s': one BENCH per run", a);
		} else if (!(o->bench = find_bench(a))) {
			hv_k_die(HV_K_EXIT_USAGE,
				 "bad benchmark '%s': expected ep, is, cg, mg, "
				 "ft, bt, sp or lu",
				 a);
		}
	}
	if (!o->bench) {
		usage(stderr);
		hv_k_die(HV_K_EXIT_USAGE,
			 "missing BENCH (ep, is, cg, mg, ft, bt, sp, lu)");
	}
	classes = hv_npb_rule_find(o->bench->name)->classes;
	if (!strchr(classes, o->cls))
		hv_k_die(HV_K_EXIT_USAGE,
			 "bad --class '%c' for %s: this implementation "
			 "supports %s",
			 o->cls, o->bench->name, classes);
}

/* Read the first unsigned number of a small file; -1 if absent/"max". */
static int64_t
read_num(const char *path)
{
	char buf[64];
	FILE *f = fopen(path, "r");
	char *end;
	long long v;

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || end == buf || v < 0)
		return -1;
	return v;
}

static int64_t
meminfo_available(void)
{
	char line[256];
	FILE *f = fopen("/proc/meminfo", "r");
	int64_t kib = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *end;
		long long v;

		if (strncmp(line, "MemAvailable:", 13) != 0)
			continue;
		v = strtoll(line + 13, &end, 10);
		if (end != line + 13 && v >= 0)
			kib = v;
		break;
	}
	fclose(f);
	return kib < 0 ? -1 : kib * 1024;
}

/*
 * Room left under the cgroup v2 memory limits of this process and its
 * ancestors (memory.max - memory.current), or -1 when unlimited.
 */
static int64_t
cgroup_room(void)
{
	char line[512], path[600];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int64_t room = -1;
	int depth;

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f) || strncmp(line, "0::/", 4)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	for (depth = 0; depth < 64; depth++) {
		int64_t max, cur;
		char *slash;

		snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.max",
			 line + 3);
		max = read_num(path);
		snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.current",
			 line + 3);
		cur = read_num(path);
		if (max >= 0 && cur >= 0) {
			int64_t r = max > cur ? max - cur : 0;

			if (room < 0 || r < room)
				room = r;
		}
		slash = strrchr(line + 3, '/');
		if (!slash || slash == line + 3)
			break;
		*slash = '\0';
	}
	return room;
}

static void
check_memory(const struct opts *o)
{
	uint64_t need = o->bench->mem_bytes(o->cls, o->threads);
	int64_t avail = meminfo_available(), room = cgroup_room();
	int64_t have = avail;

	if (room >= 0 && (have < 0 || room < have))
		have = room;
	if (have >= 0 && need > (uint64_t)have)
		hv_k_die(HV_K_EXIT_USAGE,
			 "%s class %c needs %.0f MiB but only %.0f MiB are "
			 "available (MemAvailable / cgroup limit)",
			 o->bench->name, o->cls, (double)need / 1048576.0,
			 (double)have / 1048576.0);
}

static struct hv_npb_run
run_of(const struct opts *o)
{
	struct hv_npb_run run = {.bench = o->bench->name,
				 .cls = o->cls,
				 .variant = VARIANT,
				 .threads = o->threads,
				 .ranks = 0};

	return run;
}

/* --ops: the operation count of the class, as text or one JSON line. */
static int
print_ops(const struct opts *o)
{
	double mops = o->bench->mops(o->cls);
	struct hv_k_json j;
	char cls[2] = {o->cls, '\0'};

	if (!o->json) {
		printf("%s class %c: %.6g Mop\n", o->bench->name, o->cls, mops);
		return fflush(stdout) == 0 ? HV_K_EXIT_OK : HV_K_EXIT_FAIL;
	}
	hv_k_json_begin(&j, stdout);
	hv_k_json_obj(&j, NULL);
	hv_k_json_str(&j, "kernel", "npb");
	hv_k_json_str(&j, "bench", o->bench->name);
	hv_k_json_str(&j, "class", cls);
	hv_k_json_dbl(&j, "mops", mops);
	hv_k_json_end(&j);
	return hv_k_json_finish(&j) < 0 ? HV_K_EXIT_FAIL : HV_K_EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct hv_npb_run run;
	struct hv_npb_result r = {0};
	struct opts o;
	bool ok;
	int err;

	hv_k_progname(PROG);
	parse_args(argc, argv, &o);
	if (o.ops)
		return print_ops(&o);
	check_memory(&o);
#ifdef _OPENMP
	omp_set_dynamic(0);
	omp_set_num_threads(o.threads);
#endif
	err = o.bench->run(o.cls, o.threads, &r);
	if (err < 0)
		hv_k_die(HV_K_EXIT_FAIL, "%s class %c failed: %s",
			 o.bench->name, o.cls, strerror(-err));
	ok = hv_npb_verified(&r);
	run = run_of(&o);
	hv_npb_print_block(&run, &r, ok);
	if (o.json && hv_npb_print_json(&run, &r, ok) < 0)
		hv_k_die(HV_K_EXIT_FAIL, "writing the result failed");
	fflush(stdout);
	return ok ? HV_K_EXIT_OK : HV_K_EXIT_FAIL;
}
