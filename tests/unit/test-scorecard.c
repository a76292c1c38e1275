/*
 * test-scorecard.c - the 2008 scorecard on a synthetic study whose
 * answers are known, checked against the claims kept in the repository
 * (data/claims-2008.tsv under $HV_SRCDIR, default "."). The study is
 * stored in SQLite and loaded back, as "hpcvirt report --scorecard" reads
 * it:
 *
 *   lat-os   ns at 1.02 x native, tight       -> holds
 *   lat-para uml at 3.5 x native, tight       -> does not hold (1.8..2.2)
 *   lat-full tcg at 3.0 x native, 30 % noise  -> inconclusive (>= 3)
 *   npb-ser-os  ns EP 1.01 x, CG 1.30 x       -> does not hold, by CG
 *   mpi-os   ns scales like native at 4 ranks (badly at 2) -> holds,
 *            from the largest count only
 *   bw-os    no stream cell                   -> no data
 *   fs-os-write  ns's cell failed             -> no data, 1 missing
 *
 * Also the parser's refusals, and the JSON form of the same verdicts.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hpcvirt/results/scorecard.h"
#include "study-dir.h"
#include "synth-study.h"
#include "tap.h"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
rr(struct hv_study *s, const char *env, double mean, double cv, size_t n)
{
	synth_cell(s, env, "net.rr", "size_bytes=1,duration_s=1",
		   "half_rtt_mean_ns", "ns", false, mean, cv, n);
}

static void
npb(struct hv_study *s, const char *env, const char *bench, double t)
{
	synth_cell(s, env, bench, "class=W,variant=ser,threads=1", "time_s",
		   "s", false, t, 0.005, 8);
}

static void
mpi(struct hv_study *s, const char *env, const char *ranks, double t)
{
	char p[128];

	snprintf(p, sizeof(p), "class=W,variant=mpi,threads=1,ranks=%s", ranks);
	synth_cell(s, env, "npb.cg", p, "time_s", "s", false, t, 0.005, 8);
}

static void
build(struct hv_study *s)
{
	hv_study_init(s);
	s->seed = 7;
	hv_context_set_json(s, "seed", "7");
	rr(s, "native", 10000, 0.01, 8);
	rr(s, "ns", 10200, 0.01, 8);
	rr(s, "uml", 35000, 0.01, 8);
	rr(s, "tcg", 30000, 0.30, 4);
	npb(s, "native", "npb.ep", 1.0);
	npb(s, "native", "npb.cg", 2.0);
	npb(s, "ns", "npb.ep", 1.01);
	npb(s, "ns", "npb.cg", 2.6);
	mpi(s, "native", "1", 10.0);
	mpi(s, "native", "2", 5.2);
	mpi(s, "native", "4", 2.7);
	mpi(s, "ns", "1", 10.1);
	mpi(s, "ns", "2", 9.0);
	mpi(s, "ns", "4", 2.75);
	synth_cell(s, "native", "fs", "file_bytes=1048576,mode=default",
		   "write_bw_bytes_per_sec", "bytes/s", true, 1e9, 0.01, 8);
	synth_cell(s, "ns", "fs", "file_bytes=1048576,mode=default",
		   "write_bw_bytes_per_sec", "bytes/s", true, 0, 0, 0);
}

static const struct hv_score *
find(const struct hv_scorecard *sc, const char *id, const char *env)
{
	size_t i;

	for (i = 0; i < sc->n; i++)
		if (strcmp(sc->v[i].claim->id, id) == 0 &&
		    strcmp(sc->v[i].env, env) == 0)
			return &sc->v[i];
	return NULL;
}

static void
check_verdict(const struct hv_scorecard *sc, const char *id, const char *env,
	      enum hv_claim_verdict want)
{
	const struct hv_score *x = find(sc, id, env);

	if (!ok(x && x->verdict == want, "%s for %s: %s", id, env,
		hv_claim_verdict_name(want)) &&
	    x)
		diag("  got %s, %g [%g, %g]", hv_claim_verdict_name(x->verdict),
		     x->value, x->lo, x->hi);
}

static void
test_verdicts(const struct hv_scorecard *sc)
{
	const struct hv_score *x;

	check_verdict(sc, "lat-os", "ns", HV_CLAIM_HOLDS);
	check_verdict(sc, "lat-para", "uml", HV_CLAIM_FAILS);
	check_verdict(sc, "lat-full", "tcg", HV_CLAIM_INCONCLUSIVE);
	x = find(sc, "lat-full", "tcg");
	ok(x && x->lo < 3 && x->hi > 3, "the inconclusive CI straddles 3");
	x = find(sc, "lat-os", "ns");
	ok(x && fabs(x->value - 1.02) < 0.01 && x->hi <= 1.06,
	   "lat-os: the ratio beside the verdict is ns's, 1.02");
	check_verdict(sc, "npb-ser-os", "ns", HV_CLAIM_FAILS);
	x = find(sc, "npb-ser-os", "ns");
	ok(x && x->ncells == 2 && x->nholds == 1 && x->nfails == 1 &&
		   strcmp(x->cell->bench, "npb.cg") == 0,
	   "npb-ser-os: 2 cells, 1 holds, CG decides");
	check_verdict(sc, "mpi-os", "ns", HV_CLAIM_HOLDS);
	x = find(sc, "mpi-os", "ns");
	ok(x && x->ncells == 1 &&
		   strcmp(hv_params_get(&x->cell->params, "ranks"), "4") == 0,
	   "mpi-os: decided at the largest count, 4 ranks");
	check_verdict(sc, "bw-os", "ns", HV_CLAIM_NO_DATA);
	check_verdict(sc, "fs-os-write", "ns", HV_CLAIM_NO_DATA);
	x = find(sc, "fs-os-write", "ns");
	ok(x && x->nmissing == 1 && x->ncells == 0,
	   "fs-os-write: the failed cell counts as missing");
	ok(!find(sc, "lat-os", "crun"), "no score for an env not in the study");
	ok(!find(sc, "lat-os", "native"), "native is no stand-in");
}

static void
test_json(const struct hv_scorecard *sc, const struct hv_claims *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct hv_err err;
	cJSON *doc = NULL, *it, *v;
	int found = 0;

	hv_err_init(&err);
	ok(f && hv_render_scorecard_json(f, sc, c, &err) == 0,
	   "scorecard JSON rendered (%s)", err.msg);
	if (f)
		fclose(f);
	doc = buf ? cJSON_Parse(buf) : NULL;
	ok(doc != NULL, "scorecard JSON parses");
	it = doc ? cJSON_GetObjectItem(doc, "scorecard") : NULL;
	ok(cJSON_GetArraySize(it) == (int)c->nclaims, "every claim is listed");
	cJSON_ArrayForEach(v, it)
	{
		cJSON *vs = cJSON_GetObjectItem(v, "verdicts");
		cJSON *first = cJSON_GetArrayItem(vs, 0);
		const char *id =
			cJSON_GetStringValue(cJSON_GetObjectItem(v, "id"));

		if (id && strcmp(id, "lat-para") == 0 && first &&
		    strcmp(cJSON_GetStringValue(
				   cJSON_GetObjectItem(first, "verdict")),
			   "does not hold") == 0 &&
		    cJSON_GetArraySize(cJSON_GetObjectItem(first, "ci95")) == 2)
			found = 1;
	}
	ok(found, "lat-para: 'does not hold' with its CI in the JSON");
	cJSON_Delete(doc);
	free(buf);
}

static void
test_table(const struct hv_scorecard *sc, const struct hv_claims *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct hv_err err;

	hv_err_init(&err);
	ok(f && hv_render_scorecard_table(f, sc, c, &err) == 0,
	   "scorecard table rendered");
	if (f)
		fclose(f);
	ok(buf && strstr(buf, "lat-para") && strstr(buf, "uml") &&
		   strstr(buf, "does not hold") &&
		   strstr(buf, "inconclusive") && strstr(buf, "holds"),
	   "the table names claims, envs and the three verdicts");
	ok(buf && strstr(buf, "84.62"), "the table shows the 2008 value");
	if (buf && getenv("HV_SHOW"))
		fputs(buf, stderr);
	free(buf);
}

static void
refuse(const char *text, const char *needle, const char *what)
{
	struct hv_claims c;
	struct hv_err err;
	int rc;

	hv_claims_init(&c);
	hv_err_init(&err);
	rc = hv_claims_parse(&c, text, "t.tsv", &err);
	if (!ok(rc == -EINVAL && strstr(err.msg, needle) && c.nclaims == 0,
		"refused: %s", what))
		diag("  rc %d, msg '%s'", rc, err.msg);
	hv_claims_release(&c);
}

static void
test_parse(void)
{
	refuse("# nothing\n", "no claim rows", "a file without claims");
	refuse("tech\tos\tOS\tns\nclaim\tx\tos\tratio\tnet.rr\tm\t-\t-\t-\t"
	       "v\ts\n",
	       "t.tsv:2", "a claim without a bound, by line");
	refuse("tech\tos\tOS\tns\nclaim\tx\tvm\tratio\tnet.rr\tm\t-\t-\t1\t"
	       "v\ts\n",
	       "'vm'", "an unknown tech, named");
	refuse("tech\tos\tOS\tns\nclaim\tx\tos\tmedian\tnet.rr\tm\t-\t-\t1\t"
	       "v\ts\n",
	       "ratio or speedup", "an unknown comparison, with the forms");
	refuse("tech\tos\tOS\tns\nclaim\tx\tos\tratio\tnet.rr\tm\t-\t1.x\t-"
	       "\tv\ts\n",
	       "'1.x'", "a bad number, named");
	refuse("tech\tos\tOS\tns\nclaim\tx\tos\tratio\tnet.rr\tm\t-\t-\t1\n",
	       "11 tab-separated", "a short row");
	refuse("tech\tos\tOS\tns\nclaim\tx\tos\tratio\tnet.rr\tm\t-\t-\t1\t"
	       "v\ts\nclaim\tx\tos\tratio\tnet.rr\tm\t-\t-\t1\tv\ts\n",
	       "'x'", "an id given twice");
	refuse("tech\tos\tOS\tns\nfoo\n", "'foo'", "an unknown row kind");
}

int
main(void)
{
	const char *src = getenv("HV_SRCDIR");
	char path[512], dir[] = "/tmp/hpcvirt-test-scorecard.XXXXXX";
	struct hv_study s, loaded;
	struct hv_scorecard sc;
	struct hv_claims c;
	struct hv_err err;
	char *text;
	int rc;

	plan(33);
	hv_err_init(&err);
	snprintf(path, sizeof(path), "%s/data/claims-2008.tsv",
		 src && *src ? src : ".");
	text = slurp(path);
	if (!text)
		skip_all("data/claims-2008.tsv not found (set HV_SRCDIR)");
	hv_claims_init(&c);
	rc = hv_claims_parse(&c, text, path, &err);
	free(text);
	ok(rc == 0, "the repository's claims parse (%s)", err.msg);
	ok(c.ntechs == 3 && c.nclaims >= 15,
	   "3 technologies and every claim of the issue (%zu)", c.nclaims);
	build(&s);
	if (!mkdtemp(dir))
		return 1;
	rc = synth_store_load(&s, dir, &loaded, &err);
	ok(rc == 0, "synthetic study stored and loaded (%s)", err.msg);
	hv_scorecard_init(&sc);
	rc = hv_scorecard_build(&sc, &loaded, &c, &err);
	ok(rc == 0, "scorecard built");
	test_verdicts(&sc);
	test_json(&sc, &c);
	test_table(&sc, &c);
	test_parse();
	hv_scorecard_release(&sc);
	hv_claims_release(&c);
	hv_study_release(&loaded);
	hv_study_release(&s);
	remove_study(dir);
	return done_testing();
}
