/*
 * html.h - the HTML report: one self-contained file (inline SVG and CSS,
 * no script, nothing fetched) with a one-screen summary, the paper's
 * figures for this study, start-up and memory, the 2008 scorecard and
 * the provenance with every flagged cell.
 *
 * The figures are drawn by gnuplot, not here: hv_html_plan() writes one
 * gnuplot script per figure (its data inline), the caller runs gnuplot's
 * SVG terminal on each and hands the SVG back, and hv_render_html()
 * embeds it. The library never starts a process; the CLI does.
 */
#ifndef HPCVIRT_HTML_H
#define HPCVIRT_HTML_H

#include <stdio.h>

#include "hpcvirt/util/err.h"
#include "hpcvirt/results/result.h"
#include "hpcvirt/results/scorecard.h"

struct hv_figure {
	char id[16];	   /* "fig1a-p50": also the prefix of its SVG ids */
	char title[128];   /* "Figure 1a: half round trip (p50) ..." */
	char caption[512]; /* units, n, what the whiskers are */
	char *script;	   /* gnuplot, writes SVG to stdout */
	char *svg;	   /* filled by the caller; NULL: not drawn */
	char *why;	   /* why it was not drawn (the caller's words) */
};

struct hv_figset {
	struct hv_figure *v;
	size_t n;
	/* Figures of the paper this study has no data for: "Figure 2
	 * (no fs cells)", for the report to say so. */
	char missing[512];
};

void hv_figset_init(struct hv_figset *fs);
void hv_figset_release(struct hv_figset *fs);

/*
 * The figures of the analysed study s that it has data for: 1a (net.rr
 * p50 and p99 against size), 1b (net.stream bandwidth relative to
 * native), 2 (fs writer and reader against file size), 3a and 3b (NPB
 * serial and OpenMP time relative to native), 4 (NPB-MPI speedup against
 * nodes or ranks). Points are means, whiskers 95 % intervals: of the mean
 * (Student t) for absolute values, the bootstrap CI of the ratio or
 * speedup otherwise. -ENOMEM only.
 */
int hv_html_plan(struct hv_figset *fs, const struct hv_study *s,
		 struct hv_err *err);

/*
 * Take gnuplot's SVG output for figure i: keep the <svg> element only,
 * make its ids unique to the figure, and refuse anything that could run
 * or fetch (a script, a foreign object, a link outside the document):
 * -EINVAL naming what was found.
 */
int hv_figure_set_svg(struct hv_figure *fig, const char *svg,
		      struct hv_err *err);

/*
 * The whole document. sc and c may be NULL (no scorecard section, with a
 * note saying why: no claims file).
 */
int hv_render_html(FILE *f, const struct hv_study *s,
		   const struct hv_figset *fs, const struct hv_scorecard *sc,
		   const struct hv_claims *c, struct hv_err *err);

/* The stylesheet every page hpcvirt writes inlines. */
extern const char hv_html_css[];

/* Text from a study, escaped for HTML; control bytes are dropped. */
void hv_html_esc(FILE *f, const char *s);

/* A self-contained page's start, up to and with <body>: its title
 * (escaped here) and the inline stylesheet. */
void hv_html_head(FILE *f, const char *title);

#endif
