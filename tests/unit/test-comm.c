/*
 * test-comm.c - the scaling side of the communication model: the cost of
 * each kind of operation on N nodes (comm.h's shapes, computed by hand
 * here), counts at rank counts this host cannot run (CG class C on 64
 * ranks, by hand), the rank rules, and hv_model_scale_study on a
 * synthetic study whose T(1), alpha and beta are known, so every
 * predicted time is known exactly.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "hpcvirt/results/comm.h"
#include "hpcvirt/results/model.h"
#include "tap.h"

static bool
near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)) + 1e-15;
}

static void
test_shapes(void)
{
	const struct hv_comm_count c[] = {
		{"p2p", 10, 1000},     {"allreduce", 4, 32},
		{"allgatherv", 2, 80}, {"alltoall", 3, 300},
		{"barrier", 5, 0},
	};
	double ta, tb;

	hv_comm_time(c, 5, 1, 1e-5, 1e-9, &ta, &tb);
	ok(ta == 0 && tb == 0, "one node: no message costs anything");
	/* N = 8, L = 3: alpha-terms 10 + 4*3 + 2*3 + 3*7 + 5*3 = 64;
	 * beta-terms 1000 + 32*3 + 80*7 + 300 = 1956 bytes. */
	hv_comm_time(c, 5, 8, 1e-5, 1e-9, &ta, &tb);
	ok(near(ta, 64e-5) && near(tb, 1956e-9),
	   "8 nodes: latency %g s (want 64 alpha), bandwidth %g s (want "
	   "1956 beta)",
	   ta, tb);
	/* N = 5: L = ceil(log2 5) = 3 */
	hv_comm_time(c + 1, 1, 5, 1, 0, &ta, &tb);
	ok(near(ta, 12), "allreduce on 5 nodes: 3 rounds a call (%g)", ta);
}

static void
test_counts(void)
{
	/* NPB's operation counts: CG S = 2 * 15 * 1400 * (6 + 56 + 25 * 61)
	 * / 1e6 Mop; EP W = 2^26 / 1e6. */
	ok(near(hv_comm_class_mops("cg", 'S'), 2.0 * 15 * 1400 * 1587 / 1e6) &&
		   near(hv_comm_class_mops("ep", 'W'), 67.108864) &&
		   hv_comm_class_mops("mg", 'A') == 0,
	   "operations of CG S %g, EP W %g Mop", hv_comm_class_mops("cg", 'S'),
	   hv_comm_class_mops("ep", 'W'));
	struct hv_comm_count c[HV_COMM_KINDS];
	size_t n;
	int max;

	/* CG class C: na 150000, 75 iterations; 64 ranks hold 2344 rows
	 * at most. */
	ok(hv_comm_counts("cg", 'C', 64, c, &n, &max) == 0 && n == 2 &&
		   strcmp(c[1].kind, "allgatherv") == 0 &&
		   c[1].calls == 75 * 27 &&
		   c[1].bytes == 75.0 * 27 * 2344 * 8 &&
		   c[0].calls == 75 * 52 && max == 0,
	   "CG C on 64 ranks: 2025 Allgathervs of 2344 rows, 3900 Allreduces");
	/* BT class C: n 162, max 80 ranks; 64 ranks: a middle rank sends the
	 * halo (2 x 5 x 163^2 x 2 doubles) and 160^2 lines of 30 + 5
	 * doubles, in 2 + 2 x 160 messages, 200 steps. */
	ok(hv_comm_counts("bt", 'C', 64, c, &n, &max) == 0 && n == 1 &&
		   max == 80 && c[0].calls == 200.0 * 322 &&
		   c[0].bytes == 200 * (2 * 5.0 * 163 * 163 * 2 * 8 +
					160.0 * 160 * 35 * 8),
	   "BT C on 64 ranks: 322 messages a step, halo and z lines");
	ok(hv_comm_counts("bt", 'W', 16, c, &n, &max) == -ERANGE && max == 11,
	   "BT W stops at 11 ranks (two planes each)");
	ok(hv_comm_counts("sp", 'A', 8, c, &n, NULL) == -ERANGE,
	   "SP takes a square number");
	ok(hv_comm_counts("cg", 'A', 6, c, &n, NULL) == -ERANGE,
	   "CG takes a power of two");
	ok(hv_comm_counts("mg", 'A', 4, c, &n, NULL) == -ENOENT &&
		   hv_comm_counts("cg", 'D', 4, c, &n, NULL) == -ENOENT,
	   "no count model for MG, nor for class D");
	ok(hv_comm_counts("ep", 'W', 1024, c, &n, NULL) == 0 && n == 1 &&
		   c[0].bytes == 96,
	   "EP: one Allreduce of 12 doubles on any count");
}

static void
add(struct hv_study *s, const char *env, const char *bench,
    const char *const *kv, const char *metric, const double *x, size_t nx)
{
	struct hv_params p;
	struct hv_cell *c;

	hv_params_init(&p);
	for (; *kv; kv += 2)
		hv_params_set(&p, kv[0], kv[1]);
	if (hv_study_add_cell(s, env, bench, &p, metric, "s", false, &c) == 0) {
		c->status = HV_CELL_OK;
		for (size_t i = 0; i < nx; i++)
			hv_cell_add_sample(c, x[i]);
	}
	hv_params_release(&p);
}

/* native: alpha 10 us exactly (1 B at 10000 ns; beta from the stream,
 * 1 GB/s, takes 1 ns off), CG class S at 1 node 0.1 s, at 2 nodes
 * 0.2 s; ns: only CG cells, no network model. */
static void
test_scale(void)
{
	static const char *const rr1[] = {"size_bytes", "1", NULL};
	static const char *const rr2[] = {"size_bytes", "1024", NULL};
	static const char *const n1[] = {"class", "S", "variant",	 "mpi",
					 "nodes", "1", "ranks_per_node", "1",
					 NULL};
	static const char *const n2[] = {"class", "S", "variant",	 "mpi",
					 "nodes", "2", "ranks_per_node", "1",
					 NULL};
	const double lat1[] = {10001, 10001}, lat2[] = {11024, 11024};
	const double bw[] = {1e9, 1e9}, t1[] = {0.1, 0.1}, t2[] = {0.2, 0.2};
	struct hv_env_model *m = NULL;
	struct hv_scale_model *sm = NULL;
	struct hv_comm_count c[HV_COMM_KINDS];
	struct hv_study s;
	struct hv_err err;
	size_t nm = 0, n = 0, nc;
	double ta, tb, want2;

	hv_study_init(&s);
	hv_err_init(&err);
	add(&s, "native", "net.rr", rr1, "half_rtt_p50_ns", lat1, 2);
	add(&s, "native", "net.rr", rr2, "half_rtt_p50_ns", lat2, 2);
	add(&s, "native", "net.stream", rr2, "bw_bytes_per_sec", bw, 2);
	add(&s, "native", "npb.cg", n1, "time_s", t1, 2);
	add(&s, "native", "npb.cg", n2, "time_s", t2, 2);
	add(&s, "ns", "npb.cg", n1, "time_s", t1, 2);
	ok(hv_model_fit_study(&s, &m, &nm, &err) == 0 && nm == 2 && m[0].ok &&
		   near(m[0].h.alpha, 10e-6) && near(m[0].h.beta, 1e-9),
	   "the synthetic network: alpha 10 us, beta 1 ns/B (%g, %g)",
	   m ? m[0].h.alpha : 0, m ? m[0].h.beta : 0);
	ok(hv_model_scale_study(&s, m, nm, 2, 64, 0, &sm, &n, &err) == 0 &&
		   n == 2,
	   "one scaling model per env and bench (%zu)", n);
	if (n < 2 || !sm[0].ok || sm[0].np != 7) {
		ok(0, "native CG predicted at 1, 2, 4 ... 64 nodes");
		goto out;
	}
	ok(sm[0].p[0].nodes == 1 && sm[0].p[6].nodes == 64 &&
		   near(sm[0].t1, 0.1),
	   "native CG predicted at 1, 2, 4 ... 64 nodes from T(1) = 0.1 s");
	hv_comm_counts("cg", 'S', 2, c, &nc, NULL);
	hv_comm_time(c, nc, 2, 10e-6, 1e-9, &ta, &tb);
	want2 = 0.1 / 2 + ta + tb;
	ok(near(sm[0].p[1].t_pred, want2) && near(sm[0].p[1].t_alpha, ta) &&
		   near(sm[0].p[1].t_beta, tb),
	   "T(2) = T(1)/2 + the messages' time (%g s, want %g)",
	   sm[0].p[1].t_pred, want2);
	/* 2 cores: the host check at 2 nodes is the same; the error is
	 * against the measured 0.2 s. */
	ok(near(sm[0].p[1].t_check, want2) && near(sm[0].p[1].t_meas, 0.2) &&
		   near(sm[0].p[1].err, (want2 - 0.2) / 0.2),
	   "the check against the measured 0.2 s: error %+.1f %%",
	   sm[0].p[1].err * 100);
	ok(isnan(sm[0].p[2].t_meas) && isnan(sm[0].p[2].err) &&
		   near(sm[0].p[2].t_check,
			0.1 / 2 + sm[0].p[2].t_alpha + sm[0].p[2].t_beta),
	   "4 nodes not measured; on 2 cores its compute is T(1)/2");
	ok(!sm[1].ok && strstr(sm[1].why, "no network model for ns"),
	   "an env without net.rr cells says so: %s", sm[1].why);
	free(sm);
	sm = NULL;
	/* Class C from class S: T(1) times the operations ratio. */
	ok(hv_model_scale_study(&s, m, nm, 2, 64, 'C', &sm, &n, &err) == 0 &&
		   n == 2 && sm[0].ok && sm[0].cls == 'C' &&
		   sm[0].meas_cls == 'S' &&
		   near(sm[0].t1, 0.1 * hv_comm_class_mops("cg", 'C') /
					  hv_comm_class_mops("cg", 'S')) &&
		   isnan(sm[0].p[1].t_meas),
	   "class C predicted from S by operations (T(1) %g s), nothing "
	   "measured",
	   sm && n ? sm[0].t1 : 0);
out:
	free(m);
	free(sm);
	hv_study_release(&s);
}

int
main(void)
{
	plan(19);
	test_shapes();
	test_counts();
	test_scale();
	return done_testing();
}
