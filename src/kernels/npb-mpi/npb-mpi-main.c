/*
 * npb-mpi-main.c - command line of hpcvirt-npb-mpi, run under mpirun:
 *
 *   mpirun -np N hpcvirt-npb-mpi BENCH [--class S|W|A|B|C] [--json]
 *
 * Every rank parses the same argv, so every rank reaches the same
 * verdict on bad input; only rank 0 prints. A rank count the benchmark
 * does not accept is refused with the valid counts (exit 2). The time
 * is the maximum over the ranks; rank 0 prints the NPB-style block and,
 * with --json, one "HPCVIRT-RESULT {json}" line with "variant":"mpi"
 * and "ranks". Exit: 0 verified, 1 verification failed, 2 bad input.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "klib.h"
#include "mpi-count.h"
#include "npb-mpi.h"

#define PROG "hpcvirt-npb-mpi"

static const struct hv_npbm_bench *const benches[] = {
	&hv_npbm_ep, &hv_npbm_is, &hv_npbm_cg, &hv_npbm_mg,
	&hv_npbm_ft, &hv_npbm_bt, &hv_npbm_sp, &hv_npbm_lu,
};

struct opts {
	const struct hv_npbm_bench *bench;
	char cls;
	bool json;
	int rank, nranks;
};

/* Bad input: rank 0 says why; every rank leaves with exit status 2. */
static void __attribute__((format(printf, 2, 3), noreturn))
usage_die(const struct opts *o, const char *fmt, ...)
{
	va_list ap;

	if (o->rank == 0) {
		fprintf(stderr, PROG ": ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	MPI_Finalize();
	exit(HV_K_EXIT_USAGE);
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: mpirun -np N " PROG
		" BENCH [--class C] [--isa I] [--json]\n"
		"  BENCH       ep (any N); is, cg, mg, ft, lu (N a power of\n"
		"              two); bt, sp (N a square)\n"
		"  --class C   problem class S, W, A, B or C (default S)\n"
		"  --json      also print one HPCVIRT-RESULT {json} "
		"line\n" HV_NPB_ISA_HELP
		"Exit status: 0 verified; 1 verification failed or "
		"runtime error;\n"
		"2 bad arguments, a rank count the benchmark does not "
		"accept,\nor a class that does not fit in memory.\n");
}

static const struct hv_npbm_bench *
find_bench(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
		if (strcmp(benches[i]->name, name) == 0)
			return benches[i];
	return NULL;
}

static void
parse_class(struct opts *o, const char *s)
{
	if (strlen(s) != 1 || !strchr(HV_NPB_CLASSES, s[0]))
		usage_die(o,
			  "bad --class '%s': expected one of " HV_NPB_CLASSES,
			  s);
	o->cls = s[0];
}

static void
parse_one(struct opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
		if (o->rank == 0)
			usage(stdout);
		MPI_Finalize();
		exit(HV_K_EXIT_OK);
	} else if (!strcmp(a, "--class")) {
		if (*i + 1 >= argc)
			usage_die(o, "option --class needs a value");
		parse_class(o, argv[++*i]);
	} else if (!strncmp(a, "--class=", 8)) {
		parse_class(o, a + 8);
	} else if (!strcmp(a, "--isa") || !strncmp(a, "--isa=", 6)) {
		const char *v = a[5] == '=' ? a + 6 : NULL;
		int err;

		if (!v && *i + 1 >= argc)
			usage_die(o, "option --isa needs a value");
		if (!v)
			v = argv[++*i];
		err = hv_npb_isa_select(v);
		if (err < 0)
			usage_die(o, "bad --isa '%s': %s", v,
				  hv_npb_isa_why(err));
	} else if (!strcmp(a, "--json")) {
		o->json = true;
	} else if (a[0] == '-') {
		usage_die(o, "unknown option '%s'", a);
	} else if (o->bench) {
		usage_die(o, "extra argument '%s': one BENCH per run", a);
	} else if (!(o->bench = find_bench(a))) {
		usage_die(o,
			  "bad benchmark '%s': expected ep, is, cg, mg, ft, "
			  "bt, sp or lu",
			  a);
	}
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	const struct hv_npb_rule *rule;
	int i;

	o->cls = 'S';
	hv_npb_isa_select("auto");
	for (i = 1; i < argc; i++)
		parse_one(o, argc, argv, &i);
	if (!o->bench)
		usage_die(o, "missing BENCH (ep, is, cg, mg, ft, bt, sp, lu)");
	rule = hv_npb_rule_find(o->bench->name);
	if (!strchr(rule->mpi_classes, o->cls))
		usage_die(o, "bad --class '%c' for %s: supported are %s",
			  o->cls, o->bench->name, rule->mpi_classes);
	if (!hv_npb_ranks_ok(rule, o->nranks))
		usage_die(o,
			  "bad rank count %d for %s: it needs %s (mpirun -np "
			  "N)",
			  o->nranks, o->bench->name, hv_npb_ranks_str(rule));
	if (o->bench->max_ranks && o->nranks > o->bench->max_ranks(o->cls))
		usage_die(o,
			  "bad rank count %d for %s class %c: at most %d ranks "
			  "(%s)",
			  o->nranks, o->bench->name, o->cls,
			  o->bench->max_ranks(o->cls), o->bench->max_rule);
}

/* MemAvailable in bytes, or -1 if unknown. */
static long long
mem_available(void)
{
	char line[256];
	FILE *f = fopen("/proc/meminfo", "r");
	long long kib = -1;

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

/* Rank 0 decides (ranks may share the machine), all follow. */
static void
check_memory(const struct opts *o)
{
	double need = (double)o->bench->mem_bytes(o->cls, o->nranks);
	double have = (double)mem_available();
	int refuse = have >= 0 && need > have;

	MPI_Bcast(&refuse, 1, MPI_INT, 0, MPI_COMM_WORLD);
	if (refuse)
		usage_die(o,
			  "%s class %c on %d ranks needs %.0f MiB but only "
			  "%.0f MiB are available",
			  o->bench->name, o->cls, o->nranks, need / 1048576.0,
			  have / 1048576.0);
}

static struct hv_npb_run
run_of(const struct opts *o)
{
	struct hv_npb_run run = {.bench = o->bench->name,
				 .cls = o->cls,
				 .variant = "mpi",
				 .threads = 1,
				 .ranks = o->nranks};

	return run;
}

/* NPB's MPI timer: the slowest rank's time; Mop/s follows from it. */
static void
reduce_time(struct hv_npb_result *r)
{
	double t = r->time_s, tmax = t;

	MPI_Allreduce(&t, &tmax, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
	if (tmax > 0 && t > 0)
		r->mops_total *= t / tmax;
	r->time_s = tmax;
}

/*
 * Where every rank ran: its host name and the inode of its network
 * namespace, gathered at rank 0 (arrays of nranks there, NULL elsewhere
 * or when out of memory). The proof that a job spread over N boxes did.
 */
static void
gather_where(const struct opts *o, char (**host)[64],
	     unsigned long long **netns)
{
	char me[64] = "";
	unsigned long long ino = 0;
	struct stat st;

	*host = NULL;
	*netns = NULL;
	if (gethostname(me, sizeof(me) - 1) != 0)
		snprintf(me, sizeof(me), "?");
	if (stat("/proc/self/ns/net", &st) == 0)
		ino = (unsigned long long)st.st_ino;
	if (o->rank == 0) {
		*host = calloc((size_t)o->nranks, sizeof(**host));
		*netns = calloc((size_t)o->nranks, sizeof(**netns));
	}
	MPI_Gather(me, sizeof(me), MPI_CHAR, *host ? (void *)*host : NULL,
		   sizeof(me), MPI_CHAR, 0, MPI_COMM_WORLD);
	MPI_Gather(&ino, 1, MPI_UNSIGNED_LONG_LONG, *netns, 1,
		   MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
}

int
main(int argc, char **argv)
{
	struct hv_npb_comm comm[NPBM_NKINDS];
	struct hv_npb_run run;
	struct hv_npb_result r = {0};
	struct opts o = {0};
	char(*host)[64];
	unsigned long long *netns;
	int err, rc = HV_K_EXIT_OK;
	bool ok;

	hv_k_progname(PROG);
	if (MPI_Init(&argc, &argv) != MPI_SUCCESS)
		hv_k_die(HV_K_EXIT_FAIL, "MPI_Init failed");
	MPI_Comm_rank(MPI_COMM_WORLD, &o.rank);
	MPI_Comm_size(MPI_COMM_WORLD, &o.nranks);
	parse_args(argc, argv, &o);
	check_memory(&o);
	err = o.bench->run(o.cls, o.rank, o.nranks, &r);
	if (err < 0) {
		fprintf(stderr, PROG ": %s class %c failed on rank %d: %s\n",
			o.bench->name, o.cls, o.rank, strerror(-err));
		MPI_Abort(MPI_COMM_WORLD, HV_K_EXIT_FAIL);
	}
	reduce_time(&r);
	ok = hv_npb_verified(&r);
	run = run_of(&o);
	run.comm = comm;
	run.ncomm = npbm_comm_max(comm);
	gather_where(&o, &host, &netns);
	run.rank_host = (const char(*)[64])host;
	run.rank_netns = netns;
	if (o.rank == 0) {
		hv_npb_print_block(&run, &r, ok);
		if (o.json && hv_npb_print_json(&run, &r, ok) < 0)
			rc = HV_K_EXIT_FAIL;
		fflush(stdout);
	}
	if (!ok)
		rc = HV_K_EXIT_FAIL;
	free(host);
	free(netns);
	MPI_Finalize();
	return rc;
}
