/*
 * npb.c - the NAS Parallel Benchmarks as hpcvirt benches (the paper's
 * Figures 3a and 3b): npb.ep, npb.is, ... each with parameters class,
 * variant (ser = hpcvirt-npb, omp = hpcvirt-npb-omp, mpi =
 * hpcvirt-npb-mpi under hpcvirt-mpirun), threads, ranks, and for MPI
 * across boxes nodes and ranks_per_node (src/study/cluster.c). One
 * repetition is one run of the benchmark; a run that fails verification
 * exits 1 and its cell fails, so an unverified time is never a result.
 * MPI ranks are native processes of the box; hpcvirt-mpirun sets the
 * mpirun options (docs/mpi.md). Classes and rank counts follow the one
 * table the kernels use (src/proto/npb-rules.c); other combinations are
 * skipped by the valid hook.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpcvirt/study/bench.h"
#include "proto/npb-rules.h"

static int
check_class(const char *name, const char *v, struct hv_err *err)
{
	if (strlen(v) == 1 && strchr(HV_NPB_CLASSES, v[0]))
		return 0;
	return hv_err_set(err, EINVAL,
			  "bad --%s '%s': expected an NPB class, one of "
			  "S, W, A, B, C or D",
			  name, v);
}

static int
check_variant(const char *name, const char *v, struct hv_err *err)
{
	if (strcmp(v, "ser") == 0 || strcmp(v, "omp") == 0 ||
	    strcmp(v, "mpi") == 0)
		return 0;
	return hv_err_set(err, EINVAL,
			  "bad --%s '%s': expected ser, omp or mpi", name, v);
}

static int
check_threads(const char *name, const char *v, struct hv_err *err)
{
	uint64_t n;
	char *end;

	n = strtoull(v, &end, 10);
	if (*v >= '1' && *v <= '9' && !*end && n <= 256)
		return 0;
	return hv_err_set(err, EINVAL,
			  "bad --%s '%s': expected a thread count from 1 to "
			  "256",
			  name, v);
}

static int
check_ranks(const char *name, const char *v, struct hv_err *err)
{
	uint64_t n;
	char *end;

	n = strtoull(v, &end, 10);
	if (*v >= '1' && *v <= '9' && !*end && n <= 256)
		return 0;
	return hv_err_set(err, EINVAL,
			  "bad --%s '%s': expected an MPI rank count from 1 "
			  "to 256",
			  name, v);
}

static int
check_nodes(const char *name, const char *v, struct hv_err *err)
{
	uint64_t n;
	char *end;

	n = strtoull(v, &end, 10);
	if (*v >= '1' && *v <= '9' && !*end && n <= 64)
		return 0;
	return hv_err_set(err, EINVAL,
			  "bad --%s '%s': expected a count from 1 to 64", name,
			  v);
}

static const struct hv_param_def npb_params[] = {
	{.name = "class",
	 .option = "class",
	 .defval = "S",
	 .help = "problem class S, W, A, B, C or D (--class)",
	 .check = check_class},
	{.name = "variant",
	 .option = "variant",
	 .defval = "ser,omp",
	 .help = "ser (serial), omp (OpenMP) or mpi (--variant)",
	 .check = check_variant},
	{.name = "threads",
	 .option = "threads",
	 .defval = "1,2",
	 .help = "OpenMP threads; ser runs 1 only (--threads)",
	 .check = check_threads},
	{.name = "ranks",
	 .option = "ranks",
	 .defval = "1",
	 .help = "MPI ranks for variant mpi (--ranks)",
	 .check = check_ranks},
	{.name = "nodes",
	 .option = "nodes",
	 .defval = "1",
	 .help = "boxes one MPI job spans, variant mpi (--nodes)",
	 .check = check_nodes},
	{.name = "ranks_per_node",
	 .option = "ranks-per-node",
	 .defval = "1",
	 .help = "MPI ranks in each box with --nodes (--ranks-per-node)",
	 .check = check_nodes},
};

static const struct hv_metric_def npb_metrics[] = {
	{.name = "time_s", .unit = "s", .higher_is_better = false},
	{.name = "mops_total", .unit = "Mop/s", .higher_is_better = true},
};

/*
 * The serial variant has one thread; the MPI variant one thread per
 * rank and a rank count the benchmark accepts; ser and omp one rank.
 * A class the variant's build does not have is skipped too. The classes
 * and rank rules are the kernels' own (src/proto/npb-rules.c).
 */
static long
param_long(const struct hv_params *p, const char *key)
{
	const char *v = hv_params_get(p, key);

	return v ? strtol(v, NULL, 10) : 1;
}

/*
 * ... and the ranks are nodes x ranks_per_node (one box: nodes 1 and all
 * ranks in it).
 */
static bool
npb_valid_for(const char *bench, const struct hv_params *p)
{
	const struct hv_npb_rule *rule = hv_npb_rule_find(bench + 4);
	const char *variant = hv_params_get(p, "variant");
	const char *cls = hv_params_get(p, "class");
	bool one_thread = strcmp(hv_params_get(p, "threads"), "1") == 0;
	bool mpi = strcmp(variant, "mpi") == 0;
	long ranks = param_long(p, "ranks"), nodes = param_long(p, "nodes");
	long rpn = param_long(p, "ranks_per_node");

	if (!rule || !strchr(mpi ? rule->mpi_classes : rule->classes, *cls))
		return false;
	if (mpi)
		return one_thread && hv_npb_ranks_ok(rule, ranks) &&
		       ranks == nodes * rpn;
	if (ranks != 1 || nodes != 1 || rpn != 1)
		return false;
	return strcmp(variant, "ser") != 0 || one_thread;
}

/* MPI: hpcvirt-mpirun --np N hpcvirt-npb-mpi cg --class C --json. */
static int
npb_argv_mpi(const char *bench, const struct hv_params *p, struct hv_argv *out,
	     struct hv_err *err)
{
	int rc = 0;

	rc |= hv_argv_add(out, "hpcvirt-mpirun");
	rc |= hv_argv_add(out, "--np");
	rc |= hv_argv_add(out, hv_params_get(p, "ranks"));
	rc |= hv_argv_add(out, "hpcvirt-npb-mpi");
	rc |= hv_argv_add(out, bench + 4);
	rc |= hv_argv_add(out, "--class");
	rc |= hv_argv_add(out, hv_params_get(p, "class"));
	rc |= hv_argv_add(out, "--json");
	if (rc)
		return hv_err_set(err, ENOMEM, "%s: argv", bench);
	return 0;
}

/* argv for "npb.cg": the benchmark name is what follows "npb.". */
static int
npb_argv_for(const char *bench, const struct hv_params *p, struct hv_argv *out,
	     struct hv_err *err)
{
	bool omp = strcmp(hv_params_get(p, "variant"), "omp") == 0;
	int rc = 0;

	if (strcmp(hv_params_get(p, "variant"), "mpi") == 0)
		return npb_argv_mpi(bench, p, out, err);
	rc |= hv_argv_add(out, omp ? "hpcvirt-npb-omp" : "hpcvirt-npb");
	rc |= hv_argv_add(out, bench + 4);
	rc |= hv_argv_add(out, "--class");
	rc |= hv_argv_add(out, hv_params_get(p, "class"));
	rc |= hv_argv_add(out, "--threads");
	rc |= hv_argv_add(out, hv_params_get(p, "threads"));
	rc |= hv_argv_add(out, "--json");
	if (rc)
		return hv_err_set(err, ENOMEM, "%s: argv", bench);
	return 0;
}

static int
npb_parse(const struct hv_params *p, const cJSON *res, double *values,
	  struct hv_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(res, "verified");
	int rc;

	(void)p;
	if (!cJSON_IsTrue(v))
		return hv_err_set(err, EINVAL, "npb result is not verified");
	rc = hv_json_number(res, "time_s", &values[0], err);
	if (rc == 0)
		rc = hv_json_number(res, "mops_total", &values[1], err);
	return rc;
}

/* A pilot's number, or -1. */
static double
pilot_num(const cJSON *res, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(res, key);

	return cJSON_IsNumber(v) && v->valuedouble > 0 ? v->valuedouble : -1;
}

/*
 * The expected seconds of a run of class C: the serial build's class S
 * run here (its wall time, start-up and setup included) scaled by NPB's
 * operation counts of C and S (the kernel's --ops), spread over the
 * run's threads or ranks up to the host's CPUs, plus about 0.5 s for
 * mpirun. An estimate: large classes run slower per operation (caches).
 */
static double
npb_expect(const char *bench, const struct hv_params *p, struct hv_pilot *pl)
{
	const char *cls = hv_params_get(p, "class");
	bool mpi = strcmp(hv_params_get(p, "variant"), "mpi") == 0;
	long par = param_long(p, "threads") * param_long(p, "ranks");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	const cJSON *s, *c;
	struct hv_argv a;
	double wall = -1, ops_s, ops_c;

	hv_argv_init(&a);
	if (hv_argv_add(&a, "hpcvirt-npb") || hv_argv_add(&a, bench + 4) ||
	    hv_argv_add(&a, "--class") || hv_argv_add(&a, "S") ||
	    hv_argv_add(&a, "--json"))
		goto out;
	s = pl->run(pl, &a, &wall);
	hv_argv_release(&a);
	hv_argv_init(&a);
	if (hv_argv_add(&a, "hpcvirt-npb") || hv_argv_add(&a, bench + 4) ||
	    hv_argv_add(&a, "--class") || hv_argv_add(&a, cls) ||
	    hv_argv_add(&a, "--ops") || hv_argv_add(&a, "--json"))
		goto out;
	c = pl->run(pl, &a, NULL);
	ops_s = s ? pilot_num(s, "mops_total") * pilot_num(s, "time_s") : -1;
	ops_c = c ? pilot_num(c, "mops") : -1;
	if (ops_s <= 0 || ops_c <= 0 || wall <= 0) {
		wall = -1;
		goto out;
	}
	if (cpus > 0 && par > cpus)
		par = cpus;
	wall = wall * ops_c / ops_s / (double)(par > 0 ? par : 1) +
	       (mpi ? 0.5 : 0);
out:
	hv_argv_release(&a);
	return wall;
}

#define NPB_BENCH(id, title)                                              \
	static int npb_argv_##id(const struct hv_params *p,               \
				 const struct hv_bench_ctx *bc,           \
				 struct hv_argv *out, struct hv_err *err) \
	{                                                                 \
		(void)bc;                                                 \
		return npb_argv_for("npb." #id, p, out, err);             \
	}                                                                 \
	static bool npb_valid_##id(const struct hv_params *p)             \
	{                                                                 \
		return npb_valid_for("npb." #id, p);                      \
	}                                                                 \
	static double npb_expect_##id(const struct hv_params *p,          \
				      struct hv_pilot *pl)                \
	{                                                                 \
		return npb_expect("npb." #id, p, pl);                     \
	}                                                                 \
	const struct hv_bench hv_bench_npb_##id = {                       \
		.name = "npb." #id,                                       \
		.summary = title,                                         \
		.kernel = "hpcvirt-npb",                                  \
		.params = npb_params,                                     \
		.nparams = sizeof(npb_params) / sizeof(npb_params[0]),    \
		.metrics = npb_metrics,                                   \
		.nmetrics = sizeof(npb_metrics) / sizeof(npb_metrics[0]), \
		.timeout_ms = 3600 * 1000,                                \
		.valid = npb_valid_##id,                                  \
		.argv = npb_argv_##id,                                    \
		.parse = npb_parse,                                       \
		.expect_s = npb_expect_##id,                              \
	}

NPB_BENCH(ep, "NPB EP: embarrassingly parallel Gaussian pairs");
NPB_BENCH(is, "NPB IS: integer bucket sort");
NPB_BENCH(cg, "NPB CG: conjugate gradient, irregular memory access");
NPB_BENCH(mg, "NPB MG: multigrid on a 3-D grid");
NPB_BENCH(ft, "NPB FT: 3-D FFT spectral solver");
NPB_BENCH(bt, "NPB BT: block-tridiagonal ADI Navier-Stokes solver");
NPB_BENCH(sp, "NPB SP: scalar-pentadiagonal ADI Navier-Stokes solver");
NPB_BENCH(lu, "NPB LU: SSOR wavefront Navier-Stokes solver");
