/*
 * report.c - "hpcvirt report DIR" re-renders a stored study, also one that
 * was interrupted or killed; and "hpcvirt clean" removes what killed runs
 * left on the host.
 */
#include <stdio.h>

#include "cli.h"
#include "hpcvirt/host/clean.h"

enum { O_JSON, O_CSV, O_HTML, O_QUIET, O_SCORECARD, O_CLAIMS, O_NOPTS };

static const struct hv_cli_opt report_opts[] = {
	[O_JSON] = {"json", "FILE",
		    "write the JSON result ('-' stdout); with --scorecard, "
		    "the scorecard's"},
	[O_CSV] = {"csv", "FILE", "write CSV, one row per cell"},
	[O_HTML] = {"html", "FILE",
		    "write the report as one self-contained HTML file "
		    "(figures by gnuplot)"},
	[O_QUIET] = {"quiet", NULL, "print no table"},
	[O_SCORECARD] = {"scorecard", NULL,
			 "check the 2008 paper's claims against the study"},
	[O_CLAIMS] = {"claims", "FILE",
		      "claims to check (default: the claims-2008.tsv kept "
		      "with hpcvirt)"},
};

struct report_args {
	const char *json, *csv, *claims, *html;
	int quiet, scorecard;
};

static int
on_opt(void *ctx, size_t idx, const char *v)
{
	struct report_args *a = ctx;

	if (idx == O_JSON)
		a->json = v;
	else if (idx == O_CSV)
		a->csv = v;
	else if (idx == O_CLAIMS)
		a->claims = v;
	else if (idx == O_HTML)
		a->html = v;
	else if (idx == O_SCORECARD)
		a->scorecard = 1;
	else
		a->quiet = 1;
	return 0;
}

int
hv_cmd_report(int argc, char **argv)
{
	struct report_args a = {0};
	int rc, first;

	rc = hv_cli_parse("hpcvirt report DIR [OPTIONS]", report_opts, O_NOPTS,
			  argc, argv, on_opt, &a, &first);
	if (rc == -1)
		return HV_EXIT_OK;
	if (rc)
		return rc;
	if (argc - first != 1) {
		fprintf(stderr, "hpcvirt report: expected one study "
				"directory (see --help)\n");
		return HV_EXIT_USAGE;
	}
	if (a.claims && !a.scorecard && !a.html) {
		fprintf(stderr, "hpcvirt report: --claims goes with "
				"--scorecard or --html (see --help)\n");
		return HV_EXIT_USAGE;
	}
	if (a.html && (a.json || a.csv || a.scorecard || a.quiet)) {
		fprintf(stderr, "hpcvirt report: --html FILE goes alone "
				"(with --claims at most); run report again for "
				"the other forms\n");
		return HV_EXIT_USAGE;
	}
	if (a.html)
		return hv_cli_html(argv[first], a.html, a.claims);
	if (a.scorecard && a.csv) {
		fprintf(stderr, "hpcvirt report: --scorecard has no CSV form; "
				"expected --json FILE or the table\n");
		return HV_EXIT_USAGE;
	}
	if (a.scorecard)
		return hv_cli_scorecard(argv[first], a.claims, a.json, a.quiet);
	return hv_cli_render(argv[first], a.json, a.csv, a.quiet);
}

static int
no_opt(void *ctx, size_t idx, const char *v)
{
	(void)ctx;
	(void)idx;
	(void)v;
	return 0;
}

int
hv_cmd_clean(int argc, char **argv)
{
	struct hv_clean_report r;
	int rc, first, n;

	rc = hv_cli_parse("hpcvirt clean", NULL, 0, argc, argv, no_opt, NULL,
			  &first);
	if (rc == -1)
		return HV_EXIT_OK;
	if (rc)
		return rc;
	if (first < argc) {
		fprintf(stderr,
			"hpcvirt clean: unexpected argument '%s': clean takes "
			"no arguments (see --help)\n",
			argv[first]);
		return HV_EXIT_USAGE;
	}
	n = hv_clean_stale(&r);
	printf("removed %d stale run%s", n, n == 1 ? "" : "s");
	if (n)
		printf(": %d cgroup%s, %d process%s killed, %d mount%s, "
		       "%d director%s",
		       r.cgroups, r.cgroups == 1 ? "" : "s", r.killed,
		       r.killed == 1 ? "" : "es", r.mounts,
		       r.mounts == 1 ? "" : "s", r.dirs,
		       r.dirs == 1 ? "y" : "ies");
	printf("\n");
	if (r.busy) {
		fprintf(stderr,
			"hpcvirt clean: %d cgroup%s still busy after their "
			"processes were killed; run it again\n",
			r.busy, r.busy == 1 ? " is" : "s are");
		return HV_EXIT_FAIL;
	}
	return HV_EXIT_OK;
}
