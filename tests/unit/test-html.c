/*
 * test-html.c - the HTML report's library side, without gnuplot: which
 * figures a synthetic study gets and what their scripts carry (its data,
 * env names cut to a safe alphabet, units and n in the caption), the SVG
 * gate (ids made unique per figure; a script, a foreign object, an event
 * attribute or an outside URL refused), and the document (escaped study
 * text, the SVG embedded, no script).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpcvirt/results/html.h"
#include "synth-study.h"
#include "tap.h"

static const char svg_ok[] =
	"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
	"xmlns:xlink=\"http://www.w3.org/1999/xlink\"><g id=\"gnuplot_canvas\">"
	"<path id='gpPt0' d='M0,0'/><use xlink:href='#gpPt0'/></g></svg>";

static const struct hv_figure *
fig(const struct hv_figset *fs, const char *id)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].id, id) == 0)
			return &fs->v[i];
	return NULL;
}

static void
refuse(struct hv_figure *f, const char *svg, const char *what)
{
	struct hv_err err;

	hv_err_init(&err);
	ok(hv_figure_set_svg(f, svg, &err) == -EINVAL && strstr(err.msg, f->id),
	   "SVG refused: %s", what);
}

/*
 * Figure 4 with the model: native and ns with a latency sweep, a stream
 * bandwidth and CG over 1 and 2 nodes get a dashed model curve each,
 * in their measured curve's colour; a study without net cells gets none
 * and its caption says why.
 */
static void
check_fig4_model(bool with_net)
{
	static const char *const envs[] = {"native", "ns"};
	struct hv_study s;
	struct hv_figset fs;
	const struct hv_figure *f;
	struct hv_err err;
	size_t e;

	hv_study_init(&s);
	s.seed = 2;
	hv_context_set_json(&s, "ncpus", "2");
	for (e = 0; e < 2; e++) {
		if (with_net) {
			synth_cell(&s, envs[e], "net.rr", "size_bytes=1",
				   "half_rtt_p50_ns", "ns", false,
				   15000 + 5000 * (double)e, 0.01, 4);
			synth_cell(&s, envs[e], "net.rr", "size_bytes=65536",
				   "half_rtt_p50_ns", "ns", false,
				   40000 + 5000 * (double)e, 0.01, 4);
			synth_cell(&s, envs[e], "net.stream",
				   "block_bytes=131072", "bw_bytes_per_sec",
				   "bytes/s", true, 2e9, 0.01, 4);
		}
		synth_cell(&s, envs[e], "npb.cg",
			   "class=S,variant=mpi,threads=1,ranks=1,nodes=1,"
			   "ranks_per_node=1",
			   "time_s", "s", false, 1.0, 0.01, 4);
		synth_cell(&s, envs[e], "npb.cg",
			   "class=S,variant=mpi,threads=1,ranks=2,nodes=2,"
			   "ranks_per_node=1",
			   "time_s", "s", false, 0.6, 0.01, 4);
	}
	hv_err_init(&err);
	hv_figset_init(&fs);
	ok(hv_study_analyze(&s, &err) == 0 &&
		   hv_html_plan(&fs, &s, &err) == 0 && (f = fig(&fs, "fig4")),
	   "fig4 planned (%s net cells)", with_net ? "with" : "without");
	f = fig(&fs, "fig4");
	if (f && getenv("HV_SHOW"))
		fputs(f->script, stderr);
	if (with_net)
		ok(f && strstr(f->script, "$m1 << EOD\n") &&
			   strstr(f->script,
				  "$m0 using 1:2 with lines lt 1 dt 2 "
				  "title 'native cg model'") &&
			   strstr(f->script,
				  "with lines lt 2 dt 2 title 'ns cg "
				  "model'") &&
			   strstr(f->caption, "dashed: the model's speedup"),
		   "fig4: a dashed model curve per env, in its colour");
	else
		ok(f && !strstr(f->script, "$m0") &&
			   strstr(f->caption, "no model curve"),
		   "fig4: no model curve without net cells, and the caption "
		   "says why");
	hv_figset_release(&fs);
	hv_study_release(&s);
}

int
main(void)
{
	struct hv_study s;
	struct hv_figset fs;
	struct hv_figure *f;
	struct hv_err err;
	char *doc = NULL;
	size_t len = 0;
	FILE *m;

	plan(20);
	hv_study_init(&s);
	s.seed = 1;
	synth_cell(&s, "native", "net.rr", "size_bytes=1", "half_rtt_p50_ns",
		   "ns", false, 10000, 0.01, 4);
	synth_cell(&s, "native", "net.rr", "size_bytes=64", "half_rtt_p50_ns",
		   "ns", false, 11000, 0.01, 4);
	synth_cell(&s, "bad'env\n<b>", "net.rr", "size_bytes=1",
		   "half_rtt_p50_ns", "ns", false, 12000, 0.01, 3);
	synth_cell(&s, "native", "npb.ep", "class=S,variant=ser", "time_s", "s",
		   false, 1.0, 0.01, 4);
	synth_cell(&s, "bad'env\n<b>", "npb.ep", "class=S,variant=ser",
		   "time_s", "s", false, 1.2, 0.01, 4);
	hv_err_init(&err);
	ok(hv_study_analyze(&s, &err) == 0, "study analysed");
	hv_figset_init(&fs);
	ok(hv_html_plan(&fs, &s, &err) == 0, "figures planned");
	ok(fig(&fs, "fig1a-p50") && fig(&fs, "fig3a") && !fig(&fs, "fig1b") &&
		   !fig(&fs, "fig2-write") && !fig(&fs, "fig4"),
	   "1a and 3a planned; 1b, 2 and 4 have no data");
	ok(strstr(fs.missing, "Figure 2") && strstr(fs.missing, "Figure 1b"),
	   "the missing figures are named");
	f = (struct hv_figure *)fig(&fs, "fig1a-p50");
	if (f && getenv("HV_SHOW"))
		fputs(f->script, stderr);
	ok(f && strstr(f->script, "set terminal svg") &&
		   strstr(f->script, "\n64 10.9") &&
		   strstr(f->script, "bad_env__b_"),
	   "1a's script: SVG terminal, native's point at 64 B in us, the env "
	   "name made safe");
	ok(f && !strstr(f->script, "bad'env"),
	   "no quote of the env name reaches gnuplot");
	ok(f && strstr(f->caption, "microseconds") &&
		   strstr(f->caption, "n = 3 to 4") &&
		   strstr(f->caption, "Whiskers: 95 %"),
	   "1a's caption: units, n, whiskers (%s)", f ? f->caption : "");
	ok(f && hv_figure_set_svg(f, svg_ok, &err) == 0,
	   "gnuplot SVG accepted");
	ok(f && f->svg && strncmp(f->svg, "<svg", 4) == 0 &&
		   strstr(f->svg, "id='fig1a-p50-gpPt0'") &&
		   strstr(f->svg, "href='#fig1a-p50-gpPt0'") &&
		   strstr(f->svg, "fig1a-p50-gnuplot_canvas"),
	   "the XML prolog dropped, ids and references prefixed");
	refuse(f, "<svg><script>alert(1)</script></svg>", "a script");
	refuse(f, "<svg><foreignObject/></svg>", "a foreign object");
	refuse(f, "<svg><rect onload=\"x()\"/></svg>", "an event attribute");
	refuse(f, "<svg><use xlink:href=\"https://example.org/a#b\"/></svg>",
	       "an outside URL");
	m = open_memstream(&doc, &len);
	ok(m && hv_render_html(m, &s, &fs, NULL, NULL, &err) == 0,
	   "document rendered");
	if (m)
		fclose(m);
	ok(doc && strstr(doc, "bad&#39;env<b>") == NULL &&
		   strstr(doc, "bad&#39;env&lt;b&gt;"),
	   "study text is escaped (the newline dropped)");
	ok(doc && strstr(doc, "fig1a-p50-gpPt0") && !strstr(doc, "<script") &&
		   strstr(doc, "Not computed: no claims file"),
	   "the SVG is inline, no script, the missing scorecard said");
	free(doc);
	hv_figset_release(&fs);
	hv_study_release(&s);
	check_fig4_model(true);
	check_fig4_model(false);
	return done_testing();
}
