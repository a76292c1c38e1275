/*
 * compare.c - "hpcvirt compare A B" (two stored studies cell by cell, and
 * what changed in their provenance) and "hpcvirt history DIR" (the
 * studies under a results directory).
 */
#include <errno.h>
#include <stdio.h>

#include "cli.h"
#include "hpcvirt/results/compare.h"

enum { O_JSON, O_HTML, O_QUIET, O_NOPTS };

static const struct hv_cli_opt opts[] = {
	[O_JSON] = {"json", "FILE", "write the JSON form ('-' stdout)"},
	[O_HTML] = {"html", "FILE",
		    "write one self-contained HTML page ('-' stdout)"},
	[O_QUIET] = {"quiet", NULL, "print no table"},
};

struct args {
	const char *json, *html;
	int quiet;
};

static int
on_opt(void *ctx, size_t idx, const char *v)
{
	struct args *a = ctx;

	if (idx == O_JSON)
		a->json = v;
	else if (idx == O_HTML)
		a->html = v;
	else
		a->quiet = 1;
	return 0;
}

struct cmp_out {
	const struct hv_compare *c;
	const char *a, *b;
};

static int
cmp_table(FILE *f, const void *arg, struct hv_err *err)
{
	const struct cmp_out *o = arg;

	return hv_render_compare_table(f, o->c, o->a, o->b, err);
}

static int
cmp_json(FILE *f, const void *arg, struct hv_err *err)
{
	const struct cmp_out *o = arg;

	return hv_render_compare_json(f, o->c, o->a, o->b, err);
}

static int
cmp_html(FILE *f, const void *arg, struct hv_err *err)
{
	const struct cmp_out *o = arg;

	return hv_render_compare_html(f, o->c, o->a, o->b, err);
}

int
hv_cmd_compare(int argc, char **argv)
{
	struct args a = {0};
	struct hv_study sa, sb;
	struct hv_compare c;
	struct hv_err err;
	struct cmp_out o = {.c = &c};
	int rc, first, ex;

	rc = hv_cli_parse("hpcvirt compare A B [OPTIONS]", opts, O_NOPTS, argc,
			  argv, on_opt, &a, &first);
	if (rc == -1)
		return HV_EXIT_OK;
	if (rc)
		return rc;
	if (argc - first != 2) {
		fprintf(stderr, "hpcvirt compare: expected two study "
				"directories, A and B (see --help)\n");
		return HV_EXIT_USAGE;
	}
	o.a = argv[first];
	o.b = argv[first + 1];
	hv_study_init(&sa);
	hv_study_init(&sb);
	hv_compare_init(&c);
	hv_err_init(&err);
	ex = hv_cli_load_study(o.a, &sa);
	if (ex == HV_EXIT_OK)
		ex = hv_cli_load_study(o.b, &sb);
	if (ex != HV_EXIT_OK)
		goto out;
	rc = hv_compare_build(&c, &sa, &sb, &err);
	if (rc < 0) {
		fprintf(stderr, "hpcvirt compare: '%s' and '%s': %s%s\n", o.a,
			o.b, err.msg,
			rc == -ENODATA ? ": expected two studies of the same "
					 "envs and benches"
				       : "");
		ex = rc == -ENODATA ? HV_EXIT_USAGE : HV_EXIT_FAIL;
		goto out;
	}
	if (!a.quiet && (rc = hv_cli_write("-", "comparison", cmp_table, &o)))
		ex = rc;
	if (a.json && (rc = hv_cli_write(a.json, "--json", cmp_json, &o)))
		ex = rc;
	if (a.html && (rc = hv_cli_write(a.html, "--html", cmp_html, &o)))
		ex = rc;
out:
	hv_compare_release(&c);
	hv_study_release(&sa);
	hv_study_release(&sb);
	return ex;
}

static int
hist_table(FILE *f, const void *arg, struct hv_err *err)
{
	return hv_render_history_table(f, arg, err);
}

static int
hist_json(FILE *f, const void *arg, struct hv_err *err)
{
	return hv_render_history_json(f, arg, err);
}

static int
hist_html(FILE *f, const void *arg, struct hv_err *err)
{
	return hv_render_history_html(f, arg, err);
}

int
hv_cmd_history(int argc, char **argv)
{
	struct args a = {0};
	struct hv_history h;
	struct hv_err err;
	int rc, first, ex = HV_EXIT_OK;

	rc = hv_cli_parse("hpcvirt history DIR [OPTIONS]", opts, O_NOPTS, argc,
			  argv, on_opt, &a, &first);
	if (rc == -1)
		return HV_EXIT_OK;
	if (rc)
		return rc;
	if (argc - first != 1) {
		fprintf(stderr, "hpcvirt history: expected one results "
				"directory, such as hpcvirt-results (see "
				"--help)\n");
		return HV_EXIT_USAGE;
	}
	hv_history_init(&h);
	hv_err_init(&err);
	rc = hv_history_scan(&h, argv[first], &err);
	if (rc < 0) {
		fprintf(stderr, "hpcvirt history: %s\n", err.msg);
		ex = rc == -ENOMEM ? HV_EXIT_FAIL : HV_EXIT_USAGE;
		goto out;
	}
	if (!a.quiet && (rc = hv_cli_write("-", "history", hist_table, &h)))
		ex = rc;
	if (a.json && (rc = hv_cli_write(a.json, "--json", hist_json, &h)))
		ex = rc;
	if (a.html && (rc = hv_cli_write(a.html, "--html", hist_html, &h)))
		ex = rc;
out:
	hv_history_release(&h);
	return ex;
}
