/*
 * model.h - the communication model of an environment (issue 15): Hockney's
 * T(m) = alpha + m * beta for one message of m bytes, fitted from the
 * env's own net.rr size sweep and net.stream bandwidth, with bootstrap
 * 95 % confidence intervals. Deterministic for a given seed; never prints.
 */
#ifndef HPCVIRT_MODEL_H
#define HPCVIRT_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "hpcvirt/results/result.h"
#include "hpcvirt/results/stats.h"
#include "hpcvirt/util/err.h"

/* One message size of the latency sweep: its repetitions' one-way times
 * (half round trips), in seconds. */
struct hv_lat_point {
	double bytes;
	const double *t;
	size_t n;
};

struct hv_hockney {
	double alpha, alpha_lo, alpha_hi; /* s: the time of an empty message */
	double beta, beta_lo, beta_hi;	  /* s per byte: 1 / bandwidth */
	bool beta_from_stream;		  /* else the sweep's slope */
	/* How far the model misses the sweep: (model - mean) / mean at the
	 * size where that is largest in magnitude. */
	double worst_err;
	double worst_bytes;
};

/*
 * Fit alpha and beta. beta is 1 / mean(bw) when streaming bandwidths bw
 * (bytes/s) are given, the asymptote a long transfer reaches; otherwise
 * the slope of the least-squares line through the sweep's mean one-way
 * times against message size (then at least two distinct sizes are
 * needed). alpha is the smallest size's mean time less its bytes times
 * beta: the zero-byte latency, measured, not extrapolated. The CIs are
 * percentile intervals of o->iters resamples (0: 4000) at o->level (0: 0.95),
 * each resampling every size's times and the bandwidths with replacement, from
 * one generator seeded with o->seed; each interval is widened, if need be, to
 * contain its estimate (lo <= estimate <= hi).
 *
 * -EINVAL (message in err) when there is no point, a point has no sample,
 * a value is not finite or not positive, or the slope is needed and the
 * sizes do not differ.
 */
int hv_hockney_fit(const struct hv_lat_point *pts, size_t npts,
		   const double *bw, size_t nbw, const struct hv_boot_opts *o,
		   struct hv_hockney *out, struct hv_err *err);

/* The model's time for one message of m bytes. */
static inline double
hv_hockney_time(const struct hv_hockney *h, double m)
{
	return h->alpha + m * h->beta;
}

/* One env's model from a study, or why there is none. */
struct hv_env_model {
	const char *env; /* the study's string */
	bool ok;
	struct hv_hockney h;
	size_t nsizes; /* net.rr message sizes used */
	size_t nbw;    /* net.stream samples used */
	char why[160]; /* when !ok */
};

/*
 * Fit every env of a study that has net.rr cells: alpha from the ok
 * cells' half_rtt_p50_ns samples (one point per size_bytes), beta from
 * the ok net.stream cells' bw_bytes_per_sec samples, CIs seeded with the
 * study's seed. *out (free() it) holds one entry per env, in the order
 * the envs first appear; an env without usable cells says why.
 */
int hv_model_fit_study(const struct hv_study *s, struct hv_env_model **out,
		       size_t *n, struct hv_err *err);

/* --- scaling: the paper's Figure 4 ------------------------------------- */

#define HV_SCALE_MAX 16

/*
 * One node count of an env's NPB-MPI benchmark. The prediction is for a
 * real cluster, one box a node: T(N) = T(1) / N + the messages' time
 * (comm.h). The check is what this host should have shown, where the N
 * boxes shared its cores: T(1) / min(N, cores) + the same messages.
 */
struct hv_scale_point {
	int nodes;
	double t_pred, t_lo, t_hi; /* s; lo, hi: from the ends of the CIs of
				      T(1), alpha and beta */
	double t_alpha, t_beta;	   /* the messages' time: latency, bandwidth */
	double t_check;		   /* s, for this host */
	double t_meas, t_meas_lo, t_meas_hi; /* s, mean and 95 % t-interval;
						NAN when not measured */
	double err; /* (t_check - t_meas) / t_meas, NAN when not measured */
};

struct hv_scale_model {
	const char *env, *bench; /* the study's strings; bench "npb.cg" */
	char cls;		 /* predicted class */
	char meas_cls;		 /* measured class; when it differs, T(1) is the
				    measured one times the classes' operations
				    ratio and no point has a measurement */
	bool ok;
	char why[160]; /* when !ok */
	double t1;     /* s, mean at one node */
	int max_ranks; /* of the benchmark's decomposition, 0: none */
	struct hv_scale_point p[HV_SCALE_MAX];
	size_t np;
};

/*
 * For every env, benchmark and class of the study with NPB-MPI time_s
 * cells at one rank per node and one of them at one node: the predicted
 * times at N = 1, 2, 4 ... max_nodes (BT, SP: squares), and every N
 * measured, using the env's model m (from hv_model_fit_study; an env
 * without one is !ok and says why) and the host's cores. cls '\0'
 * predicts the measured class; another class is predicted from it by
 * operation count (the same Mop/s at the larger size: caches make that
 * optimistic for the larger classes). *out (free() it) in the order of
 * the study's cells.
 */
int hv_model_scale_study(const struct hv_study *s, const struct hv_env_model *m,
			 size_t nm, int host_cores, int max_nodes, char cls,
			 struct hv_scale_model **out, size_t *n,
			 struct hv_err *err);

#endif
