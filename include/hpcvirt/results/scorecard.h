/*
 * scorecard.h - the 2008 scorecard: the findings of Walters et al. (AINA
 * 2008), kept as data (data/claims-2008.tsv), each checked against an
 * analysed study. A claim says that a ratio to native (or a speedup
 * relative to native's) lies in a range; its verdict per env of the
 * study is decided by the CI of the measured ratio against that range,
 * never by the point estimate alone:
 *
 *   holds          the whole 95 % CI lies in the range (every cell)
 *   does not hold  the CI lies wholly outside the range (some cell)
 *   inconclusive   otherwise: the data cannot tell
 *   no data        the study has no cell with a ratio for it
 *
 * Like every renderer, the scorecard reads the one result model
 * (result.h) and never changes it.
 */
#ifndef HPCVIRT_SCORECARD_H
#define HPCVIRT_SCORECARD_H

#include <stdbool.h>
#include <stdio.h>

#include "hpcvirt/util/err.h"
#include "hpcvirt/results/result.h"

/* A 2008 technology class and the envs that stand in for it today. */
struct hv_tech {
	char *name;  /* "os", "para", "full" */
	char *label; /* "OS-level virtualization (OpenVZ)" */
	char **envs;
	size_t nenvs;
};

enum hv_claim_compare {
	HV_CLAIM_RATIO,	  /* each cell's ratio to native */
	HV_CLAIM_SPEEDUP, /* speedup at the largest count over native's */
};

struct hv_claim {
	char *id;
	const struct hv_tech *tech;
	enum hv_claim_compare compare;
	char **benches;
	size_t nbenches;
	char *metric;
	struct hv_params params; /* every one must match the cell's */
	double lo, hi;		 /* -inf / +inf when unbounded */
	char *value_2008;
	char *sentence;
};

struct hv_claims {
	struct hv_tech *techs;
	size_t ntechs;
	struct hv_claim *claims;
	size_t nclaims;
};

void hv_claims_init(struct hv_claims *c);
void hv_claims_release(struct hv_claims *c);

/*
 * Parse the text of a claims file (the form is documented at the top of
 * data/claims-2008.tsv) into an initialised, empty *c. origin names the
 * text in messages. A bad row is -EINVAL with a message naming origin,
 * line, the field and its value and the expected form; a claim naming an
 * unknown technology, an id given twice or a file without any claim is
 * -EINVAL too. On error *c is left empty.
 */
int hv_claims_parse(struct hv_claims *c, const char *text, const char *origin,
		    struct hv_err *err);

enum hv_claim_verdict {
	HV_CLAIM_NO_DATA = 0,
	HV_CLAIM_HOLDS,
	HV_CLAIM_FAILS,
	HV_CLAIM_INCONCLUSIVE,
};

/* "holds", "does not hold", "inconclusive", "no data". */
const char *hv_claim_verdict_name(enum hv_claim_verdict v);

/* One claim's verdict for one env of the study. */
struct hv_score {
	const struct hv_claim *claim;
	const char *env; /* points into the study */
	enum hv_claim_verdict verdict;
	/* The cells the claim covers (with a ratio, or a speedup and a
	 * native speedup), those without, and of the covered ones how many
	 * hold, do not hold or are inconclusive. */
	size_t ncells, nmissing, nholds, nfails;
	/* The cell that decided: the one furthest outside the range when
	 * the claim does not hold, an inconclusive one when it is
	 * inconclusive, the one nearest a bound when it holds. NULL with
	 * no data. value [lo, hi] is its ratio (or speedup quotient). */
	const struct hv_cell *cell;
	double value, lo, hi;
	/* A covered cell was contended or unstable (result.h): its verdict
	 * rests on numbers that should be measured again. */
	bool contended, unstable;
};

struct hv_scorecard {
	struct hv_score *v;
	size_t n;
};

void hv_scorecard_init(struct hv_scorecard *sc);
void hv_scorecard_release(struct hv_scorecard *sc);

/*
 * One score per claim and env of the claim's technology that has a cell
 * in the analysed study s (in the order of the claims, then of the
 * technology's envs). A claim whose technology has no env in the study
 * gets no score. -ENOMEM only.
 */
int hv_scorecard_build(struct hv_scorecard *sc, const struct hv_study *s,
		       const struct hv_claims *c, struct hv_err *err);

/*
 * The scorecard in the terminal: per claim its id, sentence, the 2008
 * value and the range, then one line per env: ratio [95 % CI], verdict,
 * how many cells and which decided, and any flag.
 */
int hv_render_scorecard_table(FILE *f, const struct hv_scorecard *sc,
			      const struct hv_claims *c, struct hv_err *err);

/*
 * JSON: {"hpcvirt": VERSION, "scorecard": [{"id", "tech", "tech_label",
 * "sentence", "compare": "ratio"|"speedup", "benches": [...], "metric",
 * "params": {...}, "range": [lo, hi] (null when unbounded), "value_2008",
 * "verdicts": [{"env", "verdict", "cells", "cells_missing", "cells_hold",
 * "cells_fail", "value", "ci95": [lo, hi], "decided_by": {"bench",
 * "params", "metric"} or null, "contended", "unstable"}]}]}. Every claim
 * is listed; one whose technology has no env in the study has an empty
 * "verdicts".
 */
int hv_render_scorecard_json(FILE *f, const struct hv_scorecard *sc,
			     const struct hv_claims *c, struct hv_err *err);

#endif
