/*
 * scorecard.c - "hpcvirt report DIR --scorecard": the 2008 claims
 * (data/claims-2008.tsv, or --claims FILE) checked against a stored
 * study, printed as a table and, with --json, written as JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "hpcvirt/results/scorecard.h"

#define CLAIMS_FILE "claims-2008.tsv"
#define CLAIMS_MAX (1024 * 1024)

struct sc_args {
	const struct hv_scorecard *sc;
	const struct hv_claims *claims;
};

static int
write_table(FILE *f, const void *arg, struct hv_err *err)
{
	const struct sc_args *a = arg;

	return hv_render_scorecard_table(f, a->sc, a->claims, err);
}

static int
write_json(FILE *f, const void *arg, struct hv_err *err)
{
	const struct sc_args *a = arg;

	return hv_render_scorecard_json(f, a->sc, a->claims, err);
}

/* Read and parse the claims: from path, or the one kept with hpcvirt. */
static int
load_claims(const char *path, struct hv_claims *c)
{
	char found[4200];
	struct hv_err err;
	char *text;
	int rc;

	if (!path) {
		if (hv_cli_data_path(CLAIMS_FILE, found, sizeof(found)) < 0) {
			fprintf(stderr,
				"hpcvirt: cannot find %s (looked in "
				"$HPCVIRT_DATA_DIR, the build tree's data/ "
				"and PREFIX/share/hpcvirt): name one with "
				"--claims FILE\n",
				CLAIMS_FILE);
			return HV_EXIT_USAGE;
		}
		path = found;
	}
	text = hv_cli_read_text(path, "claims file", CLAIMS_MAX);
	if (!text)
		return HV_EXIT_USAGE;
	hv_err_init(&err);
	rc = hv_claims_parse(c, text, path, &err);
	free(text);
	if (rc < 0) {
		fprintf(stderr, "hpcvirt: %s\n", err.msg);
		return HV_EXIT_USAGE;
	}
	return HV_EXIT_OK;
}

int
hv_cli_scorecard(const char *dir, const char *claims, const char *json,
		 int quiet)
{
	struct hv_scorecard sc;
	struct hv_claims c;
	struct hv_study s;
	struct hv_err err;
	struct sc_args a = {.sc = &sc, .claims = &c};
	int ex, rc;

	hv_claims_init(&c);
	hv_scorecard_init(&sc);
	hv_study_init(&s);
	ex = load_claims(claims, &c);
	if (ex == HV_EXIT_OK)
		ex = hv_cli_load_study(dir, &s);
	if (ex != HV_EXIT_OK)
		goto out;
	hv_err_init(&err);
	if (hv_scorecard_build(&sc, &s, &c, &err) < 0) {
		fprintf(stderr, "hpcvirt: %s\n", err.msg);
		ex = HV_EXIT_FAIL;
		goto out;
	}
	if (!quiet && (rc = hv_cli_write("-", "scorecard", write_table, &a)))
		ex = rc;
	if (json && (rc = hv_cli_write(json, "--json", write_json, &a)))
		ex = rc;
out:
	hv_study_release(&s);
	hv_scorecard_release(&sc);
	hv_claims_release(&c);
	return ex;
}
