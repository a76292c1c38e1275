/*
 * fuzz-result.c - libFuzzer harness of what the host makes of a kernel's
 * output, which a guest fully controls: the input is taken as a kernel's
 * stdout, hv_result_line_find() picks the JSON of its last
 * "HPCVIRT-RESULT " line, and that JSON goes to the parse hook of every
 * registered bench (src/registry.c) with three parameter sets each (none,
 * the first and the last value of every default list).
 *
 * What must hold: a result is only found when some line starts with the
 * tag; a found result prints back to JSON that parses (the scheduler
 * stores it as the sample's raw text); a parse hook that returns 0 has
 * written a finite number into every metric (and nothing beyond
 * nmetrics: the values array is allocated to size, so ASan sees an
 * overrun); one that fails returns -code of the message it set. Any
 * crash, sanitizer report or abort() is a bug.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hpcvirt/registry.h"
#include "hpcvirt/study/result-line.h"

#define TAG "HPCVIRT-RESULT "
#define NSETS 3

/* Parameter sets of every bench, built once and kept for the process. */
static struct hv_params *sets;

/* Item first (or last) of a comma-separated default list, into buf. */
static const char *
list_item(const char *list, int last, char *buf, size_t len)
{
	const char *p = last ? strrchr(list, ',') : NULL;
	size_t n;

	p = p ? p + 1 : list;
	n = strcspn(p, ",");
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

static void
build_sets(void)
{
	size_t nb = hv_bench_count(), b, i;
	const struct hv_bench *d;
	char buf[256];
	int k;

	sets = calloc(nb * NSETS, sizeof(*sets));
	if (!sets)
		abort();
	for (b = 0; b < nb; b++) {
		d = hv_bench_at(b);
		for (k = 0; k < NSETS; k++)
			hv_params_init(&sets[b * NSETS + k]);
		for (i = 0; i < d->nparams; i++)
			for (k = 1; k < NSETS; k++)
				if (hv_params_set(&sets[b * NSETS + k],
						  d->params[i].name,
						  list_item(d->params[i].defval,
							    k == 2, buf,
							    sizeof(buf))) < 0)
					abort();
	}
}

static void
check_parse(const struct hv_bench *b, const struct hv_params *p,
	    const cJSON *result)
{
	struct hv_err err;
	double *values;
	size_t m;
	int rc;

	values = malloc(b->nmetrics * sizeof(*values));
	if (!values)
		abort();
	for (m = 0; m < b->nmetrics; m++)
		values[m] = NAN;
	hv_err_init(&err);
	rc = b->parse(p, result, values, &err);
	if (rc == 0) {
		for (m = 0; m < b->nmetrics; m++)
			if (!isfinite(values[m]))
				abort();
	} else if (rc > 0 || err.code <= 0 || rc != -err.code || !err.msg[0] ||
		   strlen(err.msg) >= sizeof(err.msg)) {
		abort();
	}
	free(values);
}

/* The raw record the scheduler stores must read back as JSON. */
static void
check_print(const cJSON *result)
{
	char *txt = cJSON_PrintUnformatted(result);
	cJSON *back;

	if (!txt)
		return; /* out of memory only */
	back = cJSON_Parse(txt);
	if (!back)
		abort();
	cJSON_Delete(back);
	cJSON_free(txt);
}

/* Some line of out starts with the tag. */
static int
has_tag_line(const char *out)
{
	const char *p;

	for (p = out; (p = strstr(p, TAG)) != NULL; p++)
		if (p == out || p[-1] == '\n')
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct hv_bench *b;
	cJSON *result;
	char *out;
	size_t i;
	int k;

	if (!sets)
		build_sets();
	out = malloc(size + 1);
	if (!out)
		return 0;
	memcpy(out, data, size);
	out[size] = '\0';
	result = hv_result_line_find(out);
	if (result && !has_tag_line(out))
		abort();
	if (result) {
		check_print(result);
		for (i = 0; i < hv_bench_count(); i++) {
			b = hv_bench_at(i);
			for (k = 0; b->parse && k < NSETS; k++)
				check_parse(b, &sets[i * NSETS + k], result);
		}
	}
	cJSON_Delete(result);
	free(out);
	return 0;
}
