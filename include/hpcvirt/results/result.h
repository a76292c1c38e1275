/*
 * result.h - the one result model. A study is a context (key -> JSON
 * value) plus cells; a cell is one environment x benchmark x parameter
 * set, with the raw samples of its measured repetitions. Every renderer
 * (report.h) and the store (store.h) read and write this model, nothing
 * else.
 */
#ifndef HPCVIRT_RESULT_H
#define HPCVIRT_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hpcvirt/util/err.h"
#include "hpcvirt/results/stats.h"

/* One key/value pair; values are strings, rendered as JSON numbers when
 * they parse completely as a finite number. */
struct hv_kv {
	char *key;
	char *value;
};

/* An ordered list of parameters, e.g. size_bytes=64. */
struct hv_params {
	struct hv_kv *v;
	size_t n;
};

void hv_params_init(struct hv_params *p);
void hv_params_release(struct hv_params *p);
/* Append or replace key. -ENOMEM on allocation failure. */
int hv_params_set(struct hv_params *p, const char *key, const char *value);
const char *hv_params_get(const struct hv_params *p, const char *key);
int hv_params_copy(struct hv_params *dst, const struct hv_params *src);
/*
 * Canonical text "k1=v1,k2=v2" in insertion order, used to match an
 * environment's cell with native's. Returns the length that was needed
 * (as snprintf does).
 */
size_t hv_params_format(const struct hv_params *p, char *buf, size_t len);

enum hv_cell_status {
	HV_CELL_PENDING = 0, /* planned, not all repetitions done */
	HV_CELL_OK,	     /* every planned repetition measured */
	HV_CELL_FAILED,	     /* a repetition failed; reason says why */
};

const char *hv_cell_status_name(enum hv_cell_status s);

/* Where a cell stands against an adaptive study's precision target. */
enum hv_prec_state {
	HV_PREC_NONE = 0, /* no target: fixed reps, failed, or a tail */
	HV_PREC_MET,
	HV_PREC_MISSED,
};

struct hv_cell {
	int64_t id; /* store row id, 0 before it is stored */
	char *env;
	char *bench;
	struct hv_params params;
	char *metric; /* e.g. "half_rtt_p50_ns", "bw_bytes_per_sec" */
	char *unit;   /* "ns", "bytes/s", "s", "Mop/s" */
	bool higher_is_better;
	enum hv_cell_status status;
	char *reason; /* why it failed, NULL otherwise */

	/* Host contention during the measured repetitions (max over them;
	 * -1 when unknown): % of a repetition some task waited for a CPU
	 * (hv_cell_contended), load average. */
	double cpu_psi_max;
	double load1_max;

	/* The host CPU of the measured repetitions that recorded it (sums
	 * over ncpu of them, in s): every host process of the box
	 * (hv_proc_tree_cpu_ns), and of that the kernel's own CPU as the
	 * box reports it (in a VM, the guest's account). */
	double host_cpu_s;
	double kernel_cpu_s;
	size_t ncpu;
	/* The work those repetitions did, summed, where the kernel counts
	 * it (net.rr transactions, net.stream bytes), else 0: host CPU per
	 * unit of work is host_cpu_s / work. */
	double work;

	double *samples; /* measured repetitions, warm-up excluded */
	size_t n;
	size_t cap;

	/* Filled by hv_study_analyze(); not stored. */
	struct hv_summary summary;
	bool has_summary;
	struct hv_ratio ratio;
	bool has_ratio;
	/* With a ratio: its p-value adjusted by Benjamini-Hochberg over
	 * every ratio of the study, and the verdict that survives that
	 * correction at HV_BH_FDR (the raw verdict, or INDISTINGUISHABLE
	 * when p_bh > HV_BH_FDR). NaN and NONE without a ratio. */
	double p_bh;
	enum hv_verdict verdict_bh;
	/* The gross-artefact guard (hv_unstable_check) of a cell with a
	 * summary that did not fail; flags 0 otherwise. */
	struct hv_unstable unstable;
	/* Scaling (hv_study_scale_key): how many times faster than the
	 * same cell at one rank or thread, with its CI. */
	struct hv_ratio speedup;
	bool has_speedup;
	/* MPI cells (a "ranks" parameter): ranks per host core, from the
	 * study's "ncpus"; above 1 the ranks shared cores (each rank is one
	 * busy CPU: a container's process or a VM's vCPU). 0: not known. */
	double ranks_per_core;
	/* Threads the cell ran in one box (OpenMP threads times the MPI
	 * ranks in one box) and that box's vCPUs (the context's
	 * envs.ENV.vcpus, 0 when not recorded): hv_cell_oversubscribed. */
	int box_threads;
	int box_vcpus;
	/* Against the study's precision target (results/precision.h; an
	 * adaptive study): the relative half-width reached (NaN: not known),
	 * and for a cell that missed, why ("cv 12.3 %, the budget"). */
	enum hv_prec_state prec;
	double half_width;
	char prec_why[128];
};

/* The context: ordered key -> JSON text ("\"x86_64\"", "2", "[1,2]"). */
struct hv_context {
	struct hv_kv *v;
	size_t n;
};

struct hv_study {
	struct hv_context context;
	struct hv_cell *cells;
	size_t ncells;
	size_t cap;
	uint64_t seed; /* bootstrap and schedule seed */
	/* Filled by hv_study_analyze() from the context of an adaptive
	 * study: the target half-width (0: none), how its rounds ended, and
	 * how many target cells met it. */
	double prec_target;
	const char *prec_stop;
	size_t prec_ntarget, prec_nmet;
};

void hv_study_init(struct hv_study *s);
void hv_study_release(struct hv_study *s);

/* Set a context entry; json must be a valid JSON value text. */
int hv_context_set_json(struct hv_study *s, const char *key, const char *json);
/* Set a context entry to a JSON string (escaped here). */
int hv_context_set_str(struct hv_study *s, const char *key, const char *val);
const char *hv_context_get(const struct hv_study *s, const char *key);

/*
 * Add a cell (strings and params are copied). *out points into s->cells
 * and is valid until the next hv_study_add_cell().
 */
int hv_study_add_cell(struct hv_study *s, const char *env, const char *bench,
		      const struct hv_params *params, const char *metric,
		      const char *unit, bool higher_is_better,
		      struct hv_cell **out);
int hv_cell_add_sample(struct hv_cell *c, double v);
int hv_cell_set_reason(struct hv_cell *c, const char *reason);

/*
 * Was the cell measured under contention? True when, during some measured
 * repetition, runnable tasks waited for a CPU at least HV_CONTENDED_PSI %
 * of the time (/proc/pressure/cpu "some total" over the repetition) while
 * the study's own threads (ranks x threads, and a peer) left a CPU free,
 * so that the wait was someone else's doing. When the study's own load
 * fills the CPUs the wait is its own and not counted. A benchmark alone
 * on an idle host stays well below; co-tenant load does not. Such a
 * cell's ratio should be measured again, not interpreted.
 */
#define HV_CONTENDED_PSI 10.0
bool hv_cell_contended(const struct hv_cell *c);

/*
 * Did the cell run more threads in a box than the box has vCPUs (two
 * OpenMP threads in a uniprocessor UML guest)? Its threads then take
 * turns on one CPU, so its time says how the box shares a CPU, not how
 * it runs the benchmark. False when the box's vCPUs are not recorded.
 */
bool hv_cell_oversubscribed(const struct hv_cell *c);

/*
 * Host CPU seconds per unit of work (a transaction, a byte) of env's
 * cells of bench whose kernel counted its work (hv_cell.work): their
 * host CPU summed over their work summed; NaN when none did.
 */
double hv_study_cpu_per_work(const struct hv_study *s, const char *env,
			     const char *bench);

/*
 * The cell with the same bench, params and metric in env "native" (c
 * itself for a native cell), or NULL.
 */
const struct hv_cell *hv_study_native_of(const struct hv_study *s,
					 const struct hv_cell *c);

/*
 * The scaling parameter of a cell: "nodes" if it has nodes other than 1
 * (MPI across boxes; its base has one node and one rank), else "ranks"
 * if it has ranks other than 1, else "threads" if it has threads other
 * than 1, else NULL.
 */
const char *hv_cell_scale_key(const struct hv_cell *c);
/*
 * The cell with the same env, bench, metric and params but the scaling
 * parameter at 1 (the base of c's speedup), or NULL.
 */
const struct hv_cell *hv_study_scale_base_of(const struct hv_study *s,
					     const struct hv_cell *c);

/*
 * Compute summaries for every cell with samples, and for every non-native
 * cell whose native twin has >= 2 samples, the ratio with its bootstrap CI
 * (seed s->seed, the cell's higher_is_better). Cells with fewer than 2
 * samples, failed cells and cells whose twin failed get no ratio, nor do
 * cells the bootstrap refuses (e.g. a non-positive sample); only running
 * out of memory is an error. Likewise the speedup of every cell with a
 * scale base (hv_study_scale_base_of): base time / time for a metric
 * where lower is better, rate / base rate otherwise, so that it is
 * above 1 when more ranks (threads) are faster.
 *
 * Then the study-wide checks: every cell with a summary that did not
 * fail gets its gross-artefact guard (its ratio and its native twin's
 * guard included), and the p-values of all the cells with a ratio (the
 * native cells have none) are corrected together by Benjamini-Hochberg
 * into p_bh and verdict_bh. Speedups are not verdicts and are not in
 * that family.
 */
int hv_study_analyze(struct hv_study *s, struct hv_err *err);

#endif
