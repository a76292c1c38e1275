/*
 * model.c - "hpcvirt model DIR": each env's communication model fitted
 * from the study's own net.rr sweep and net.stream bandwidth (Hockney's
 * alpha and beta with 95 % CIs), and each relative to native's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hpcvirt/results/model.h"
#include "hpcvirt/results/store.h"

static int
no_opt(void *ctx, size_t idx, const char *v)
{
	(void)ctx;
	(void)idx;
	(void)v;
	return 0;
}

static void
print_models(const struct hv_env_model *m, size_t n)
{
	const struct hv_env_model *nat = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(m[i].env, "native") == 0 && m[i].ok)
			nat = &m[i];
	printf("Communication model, T(m) = alpha + m * beta (Hockney), from "
	       "each env's\nnet.rr sweep (alpha: the smallest message's half "
	       "round trip) and net.stream (beta).\n\n");
	printf("%-10s %-24s %-26s %12s %7s %7s %5s %6s  %s\n", "env",
	       "alpha us [95% CI]", "beta ns/B [95% CI]", "1/beta", "alpha/n",
	       "beta/n", "sizes", "stream", "worst miss");
	for (i = 0; i < n; i++) {
		const struct hv_hockney *h = &m[i].h;
		char a[64], b[64], bw[32], ra[16] = "-", rb[16] = "-", miss[64];

		if (!m[i].ok) {
			printf("%-10s no model: %s\n", m[i].env, m[i].why);
			continue;
		}
		snprintf(a, sizeof(a), "%.2f [%.2f, %.2f]", h->alpha * 1e6,
			 h->alpha_lo * 1e6, h->alpha_hi * 1e6);
		snprintf(b, sizeof(b), "%.4f [%.4f, %.4f]", h->beta * 1e9,
			 h->beta_lo * 1e9, h->beta_hi * 1e9);
		snprintf(bw, sizeof(bw), "%.2f Gbit/s",
			 h->beta > 0 ? 8e-9 / h->beta : 0);
		if (nat) {
			snprintf(ra, sizeof(ra), "%.2f",
				 h->alpha / nat->h.alpha);
			snprintf(rb, sizeof(rb), "%.2f", h->beta / nat->h.beta);
		}
		snprintf(miss, sizeof(miss), "%+.0f %% at %.0f B%s",
			 h->worst_err * 100, h->worst_bytes,
			 fabs(h->worst_err) > 0.25 ? " (not linear)" : "");
		printf("%-10s %-24s %-26s %12s %7s %7s %5zu %6s  %s\n",
		       m[i].env, a, b, h->beta > 0 ? bw : "-", ra, rb,
		       m[i].nsizes, h->beta_from_stream ? "yes" : "no", miss);
	}
	printf("\nalpha/n, beta/n: relative to native. 1/beta: the bandwidth "
	       "the model\nassumes for large messages (net.stream's, or the "
	       "sweep's slope when\nthere is no stream: then 'stream' says "
	       "no). worst miss: (model - measured)\n/ measured at the sweep's "
	       "size where the model is furthest off.\n");
}

int
hv_cmd_model(int argc, char **argv)
{
	struct hv_env_model *m = NULL;
	struct hv_store *st = NULL;
	struct hv_study s;
	struct hv_err err;
	size_t n = 0, i, nok = 0;
	int rc, first;

	rc = hv_cli_parse("hpcvirt model DIR", NULL, 0, argc, argv, no_opt,
			  NULL, &first);
	if (rc == -1)
		return HV_EXIT_OK;
	if (rc)
		return rc;
	if (argc - first != 1) {
		fprintf(stderr, "hpcvirt model: expected one study directory "
				"(see --help)\n");
		return HV_EXIT_USAGE;
	}
	hv_err_init(&err);
	hv_study_init(&s);
	rc = hv_store_open(&st, argv[first], HV_STORE_READ, &err);
	if (rc == 0)
		rc = hv_store_load(st, &s, &err);
	if (st)
		hv_store_close(st);
	if (rc < 0) {
		fprintf(stderr, "hpcvirt model: %s\n", err.msg);
		hv_study_release(&s);
		return HV_EXIT_USAGE;
	}
	rc = hv_model_fit_study(&s, &m, &n, &err);
	if (rc == 0) {
		print_models(m, n);
		for (i = 0; i < n; i++)
			nok += m[i].ok;
	} else {
		fprintf(stderr, "hpcvirt model: %s\n", err.msg);
	}
	if (rc == 0 && nok == 0)
		fprintf(stderr,
			"hpcvirt model: no env of %s has net.rr cells to fit "
			"(run it with --bench net.rr,net.stream)\n",
			argv[first]);
	free(m);
	hv_study_release(&s);
	return rc == 0 && nok > 0 ? HV_EXIT_OK : HV_EXIT_FAIL;
}
