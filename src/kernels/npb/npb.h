/*
 * npb.h - shared declarations of hpcvirt-npb, our from-scratch C
 * implementation of the NAS Parallel Benchmarks kernels EP, IS, CG, MG
 * and FT and the pseudo-applications BT, SP and LU. One set of sources builds
 * both the serial program and the OpenMP one (-fopenmp); the class is chosen at
 * run time. Each benchmark fills a struct hv_npb_result (timed seconds, nominal
 * Mop/s, verified quantities) and the driver in npb-main.c prints it.
 */
#ifndef HPCVIRT_NPB_H
#define HPCVIRT_NPB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#define HV_NPB_MAX_CHECKS 32
#define HV_NPB_MAX_TALLY 16
#define HV_NPB_MAXTHR 256 /* most threads any kernel accepts */

/* One verified quantity; FT checksums are complex (is_complex). */
struct hv_npb_check {
	const char *name;
	int index;
	bool is_complex;
	bool pass;
	double value, value_im;
	double reference, reference_im;
	double rel_error;
	double epsilon;
};

struct hv_npb_result {
	char size[64];
	int iterations;
	double time_s;
	double mops_total;
	const char *op_type;
	int nchecks;
	struct hv_npb_check checks[HV_NPB_MAX_CHECKS];
	/*
	 * Counts NPB prints but does not verify (EP: Gaussian pairs per
	 * square annulus), printed with their sum in the block and the
	 * JSON. Reporting them keeps the work that makes them honest: a
	 * count nobody reads is one the compiler may drop.
	 */
	const char *tally_name; /* "Gaussian pairs" */
	int ntally;
	double tally[HV_NPB_MAX_TALLY];
};

/*
 * A benchmark: its memory need in bytes for a
 * class and thread count, and the run itself. run() returns 0 when the
 * benchmark completed (verified or not: see hv_npb_verified) or a
 * negative errno.
 */
struct hv_npb_bench {
	const char *name; /* classes: src/proto/npb-rules.c */
	uint64_t (*mem_bytes)(char cls, int threads);
	/* Millions of operations of one run of the class (what its Mop/s
	 * counts), without running it; 0 for a class it does not have. */
	double (*mops)(char cls);
	int (*run)(char cls, int threads, struct hv_npb_result *r);
};

extern const struct hv_npb_bench hv_npb_ep, hv_npb_is, hv_npb_cg, hv_npb_mg,
	hv_npb_ft;
/* The pseudo-applications (cfd.h, bt.c, sp.c, lu.c). */
extern const struct hv_npb_bench hv_npb_bt, hv_npb_sp, hv_npb_lu;

/* Reference values generated from verify.tsv (npb-verify-data.c). */
struct hv_npb_ref {
	const char *bench;
	char cls;
	const char *name;
	int index;
	double value;
	double epsilon;
};

extern const struct hv_npb_ref hv_npb_refs[];
extern const size_t hv_npb_nrefs;

/* Find a reference value; returns 0, or -ENOENT when there is none. */
int hv_npb_ref_get(const char *bench, char cls, const char *name, int index,
		   double *value, double *epsilon);

/*
 * Append a real-valued check to r: relative error against the
 * reference of (bench, cls, name, index). A missing reference or a NaN
 * counts as a failed check.
 */
void hv_npb_check_real(struct hv_npb_result *r, const char *bench, char cls,
		       const char *name, int index, double value);
/* Same for a complex value whose parts are name_re / name_im. */
void hv_npb_check_complex(struct hv_npb_result *r, const char *bench, char cls,
			  const char *name, int index, double re, double im);
/*
 * An absolute check (the dt of BT, SP, LU): |value - reference| <=
 * epsilon; rel_error then holds the absolute difference.
 */
void hv_npb_check_abs(struct hv_npb_result *r, const char *bench, char cls,
		      const char *name, int index, double value);
/* An exact integer check (IS): value must equal reference. */
void hv_npb_check_exact(struct hv_npb_result *r, const char *name, long value,
			long reference);
bool hv_npb_verified(const struct hv_npb_result *r);

/* Wall clock in seconds, monotonic, sub-microsecond resolution. */
double hv_npb_wtime(void);

/*
 * The instruction set of the hot loops, chosen once before a run: the
 * x86-64-v2 baseline every guest of a study has (the build's -march),
 * or AVX2 and FMA where the CPU, or the virtual CPU of a box, has them.
 * One binary carries both: a hot function is written once as an
 * always_inline NAME_body and HV_NPB_MULTIVERSION compiles it twice.
 * Its name goes in the result ("isa"), since two boxes that run
 * different code do not compare the layer alone.
 */
enum hv_npb_isa { HV_NPB_ISA_BASE, HV_NPB_ISA_AVX2 };
extern enum hv_npb_isa hv_npb_isa;
/* "base" or "avx2" (the names --isa takes). */
const char *hv_npb_isa_name(enum hv_npb_isa isa);
/* Does this CPU run the AVX2+FMA code? */
bool hv_npb_isa_avx2_ok(void);
/*
 * Set hv_npb_isa from --isa's value: "auto" (AVX2+FMA where the CPU has
 * them), "base" or "avx2". Returns 0; -EINVAL for another word;
 * -ENOTSUP for avx2 on a CPU without it.
 */
int hv_npb_isa_select(const char *s);
/* What "bad --isa 'X': ..." goes on with for an error of the above. */
const char *hv_npb_isa_why(int err);
#define HV_NPB_ISA_HELP                                                   \
	"  --isa I     instruction set of the hot loops: auto (default: " \
	"avx2 where\n"                                                    \
	"              the CPU has AVX2 and FMA), base (x86-64-v2) or avx2\n"

#if defined(__x86_64__) && defined(__GNUC__)
/*
 * static void NAME PARAMS, which runs NAME_body ARGS compiled for the
 * chosen instruction set. The body and everything it calls in the hot
 * path must be always_inline: GCC inlines a baseline function into an
 * AVX2 one only then (and a function it does not inline runs the
 * baseline code).
 */
#define HV_NPB_MULTIVERSION(name, params, args)                            \
	static __attribute__((target("avx2,fma"))) void name##_avx2 params \
	{                                                                  \
		name##_body args;                                          \
	}                                                                  \
	static void name##_base params                                     \
	{                                                                  \
		name##_body args;                                          \
	}                                                                  \
	static void name params                                            \
	{                                                                  \
		if (hv_npb_isa == HV_NPB_ISA_AVX2)                         \
			name##_avx2 args;                                  \
		else                                                       \
			name##_base args;                                  \
	}
#else
#define HV_NPB_MULTIVERSION(name, params, args) \
	static void name params                 \
	{                                       \
		name##_body args;               \
	}
#endif

/*
 * How a run was parallelised, for its report: variant "ser", "omp" or
 * "mpi", and the count of its workers (threads, or MPI ranks when
 * ranks > 0).
 */
/* MPI traffic of the timed region of one kind ("allreduce"), per rank. */
struct hv_npb_comm {
	const char *kind;
	uint64_t calls, bytes;
};

struct hv_npb_run {
	const char *bench; /* "cg" */
	char cls;
	const char *variant;
	int threads;
	int ranks; /* 0 for ser and omp */
	/* MPI: the busiest rank's traffic by kind, printed as "comm" */
	const struct hv_npb_comm *comm;
	int ncomm;
	/* MPI: where each rank ran, printed as "ranks_at" (NULL: not) */
	const char (*rank_host)[64];	      /* its host name */
	const unsigned long long *rank_netns; /* inode of its network
						 namespace, 0 if unknown */
};

/* The NPB-style result block on stdout, ending "Verification = ...". */
void hv_npb_print_block(const struct hv_npb_run *run,
			const struct hv_npb_result *r, bool ok);
/* The HPCVIRT-RESULT line; 0, or -1 if stdout failed. */
int hv_npb_print_json(const struct hv_npb_run *run,
		      const struct hv_npb_result *r, bool ok);

/* Thread helpers that also compile without OpenMP. */
static inline int
npb_nthreads(void)
{
#ifdef _OPENMP
	return omp_get_num_threads();
#else
	return 1;
#endif
}

static inline int
npb_tid(void)
{
#ifdef _OPENMP
	return omp_get_thread_num();
#else
	return 0;
#endif
}

#endif
