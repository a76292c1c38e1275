/*
 * sched.h - planning and running a study: expand benchmarks' parameter
 * lists into cells, start one box per environment, run repetitions in
 * randomized interleaved blocks (every unit once per block, in a fresh
 * seeded random order each block, so drift hits every environment alike),
 * and persist each sample to the store the moment it exists.
 */
#ifndef HPCVIRT_SCHED_H
#define HPCVIRT_SCHED_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hpcvirt/study/bench.h"
#include "hpcvirt/study/env.h"
#include "hpcvirt/study/plan.h"
#include "hpcvirt/host/lab.h"
#include "hpcvirt/results/result.h"

struct hv_slurm;

/* Where a study is, for a progress display: step (0-based) of nsteps,
 * what it runs, and the estimated seconds left (-1: not known yet). At
 * the end, once, with step == nsteps and label "". After a repetition's
 * samples are committed to the store, once more for that step with
 * stored set (a display may ignore it; a log proves what is stored). */
struct hv_progress {
	size_t step, nsteps;
	const char *label; /* "native net.rr size_bytes=1 duration_s=1" */
	int64_t eta_s;
	bool stored; /* the repetition at step is in the store */
	int rep;     /* its repetition index, warm-ups included */
};

struct hv_run_opts {
	const struct hv_env *const *envs;
	size_t nenvs;
	const struct hv_bench *const *benches;
	size_t nbenches;
	/* User overrides of parameter lists: key = param name, value =
	 * comma-separated list. A key no selected bench has is an error. */
	const struct hv_params *sets;
	int reps;   /* measured repetitions per cell (the minimum
		     * when precision > 0) */
	int warmup; /* discarded repetitions per cell, first */
	/*
	 * Adaptive repetitions (docs/METHOD.md section 7). With precision >
	 * 0, after the warm-up and reps blocks the study runs rounds: each
	 * round is one more repetition, in a fresh random order, of the
	 * units that have a cell whose 95 % interval (results/precision.h)
	 * is still wider than this relative half-width, on the side (env or
	 * native) that narrows it. It stops when every cell meets it or has
	 * max_reps samples, or when no repetition fits in what is left of
	 * budget_s seconds (0: no budget) since the study started; a round
	 * that does not fit whole takes the units with the best expected
	 * narrowing per second. A bench's tail metrics (hv_metric_def.tail)
	 * are no target. precision 0: reps is a fixed count.
	 */
	double precision;
	int max_reps;
	double budget_s;
	uint64_t seed;	     /* schedule and bootstrap seed */
	const char *out_dir; /* study directory (created) */
	const char *bin_dir; /* agent and kernels */
	struct hv_spec spec; /* resources every box gets */
	/* Interconnect emulation on box ports. What the lab applied is
	 * recorded in the context as "link" ("resumed_link" on resume):
	 * {"requested": {"preset", "rate_bps", "delay_us"}, "applied":
	 * {"qdisc", "rate_bps", "delay_us"}, and "note" if they differ}. */
	struct hv_lab_opts lab;
	/* Called once with a one-line warning about something the study
	 * goes on without (a link delay this kernel cannot emulate: the
	 * context "link" records what was applied); NULL for none. */
	void (*warn)(const char *msg, void *arg);
	void *warn_arg;
	/* Called before each repetition, and once at the end; NULL for none.
	 * The library never prints: the CLI draws what it is told. */
	void (*progress)(const struct hv_progress *p, void *arg);
	void *progress_arg;
	/* Envs may leave out parameter sets that would take them far too
	 * long (hv_env.skip); recorded in the context as "reduced". */
	bool reduce;
	const char *const *cmdline; /* recorded in the context */
	/* Finish the interrupted study in out_dir instead of starting one:
	 * the options must be the ones it was started with (the CLI reads
	 * them back from its context) and seed its seed. The stored plan
	 * and order are checked against these; stored repetitions are kept
	 * and only the missing ones run, at their original places. */
	bool resume;
	/* Across the hosts of a Slurm allocation (study/slurm.h), or NULL
	 * for this host alone. Every set then runs on each host (a "host"
	 * parameter), a net peer on the next host, an MPI job of N nodes
	 * over the first N hosts: natively for native, over a lab across
	 * hosts for the envs that span hosts (docs/slurm.md). */
	struct hv_slurm *slurm;
	/* Set asynchronously (SIGINT/SIGTERM): stop after the current rep. */
	volatile sig_atomic_t *stop;
};

struct hv_run_stats {
	size_t cells;
	size_t failed;
	bool interrupted;
	size_t reps_stored; /* resume: repetitions found already stored */
	size_t reps_run;    /* repetitions run by this call */
	/* Adaptive (precision > 0): rounds run after the minimum, and why
	 * they stopped: "met", "max_reps", "budget", "interrupted". */
	int rounds;
	const char *stopped;
};

/*
 * Check the options and expand them into plan (initialised here; the
 * caller releases it with hv_plan_release, also on failure), without
 * running anything: bad parameter values are -EINVAL with a message
 * naming the option. The plan is built once, here.
 */
int hv_run_validate(const struct hv_run_opts *o, struct hv_plan *plan,
		    struct hv_err *err);

/*
 * Call fn(env, set, arg) for every unit the study of plan runs: each
 * parameter set in each env, less what a reduced study leaves out, in
 * the plan's order. Stops at fn's first nonzero return and returns it;
 * -ENOMEM if the scratch cannot be allocated.
 */
int hv_run_each_unit(const struct hv_run_opts *o, const struct hv_plan *plan,
		     int (*fn)(const struct hv_env *env,
			       const struct hv_plan_set *set, void *arg),
		     void *arg);

/*
 * Run the study of plan (from hv_run_validate with the same o) into
 * o->out_dir. Returns 0 when it ran (cells may have failed: see st),
 * -errno when it could not run at all.
 */
int hv_run_study(const struct hv_run_opts *o, const struct hv_plan *plan,
		 struct hv_run_stats *st, struct hv_err *err);

#endif
