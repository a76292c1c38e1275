/*
 * history.c - the studies under a results directory (compare.h): each
 * directory holding a study.db is read through the store, read-only, and
 * summed up in one line (date, host, envs, benches, cells). A study that
 * cannot be read is listed with the reason, not skipped: a history that
 * hides a corrupt study would mislead.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "hpcvirt/results/compare.h"
#include "hpcvirt/results/html.h"
#include "hpcvirt/results/render-util.h"
#include "hpcvirt/results/store.h"

void
hv_history_init(struct hv_history *h)
{
	h->v = NULL;
	h->n = 0;
}

static void
entry_release(struct hv_history_entry *e)
{
	free(e->dir);
	free(e->date);
	free(e->host);
	free(e->envs);
	free(e->benches);
	free(e->error);
}

void
hv_history_release(struct hv_history *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		entry_release(&h->v[i]);
	free(h->v);
	hv_history_init(h);
}

/* The string value of a context entry, or NULL. */
static char *
ctx_string(const struct hv_study *s, const char *key)
{
	cJSON *v = NULL;
	const char *t = hv_context_get(s, key);
	char *out = NULL;

	if (t)
		v = cJSON_Parse(t);
	if (cJSON_IsString(v))
		out = strdup(v->valuestring);
	cJSON_Delete(v);
	return out;
}

/* The distinct env (bench) names of s, comma-separated, in study order. */
static char *
names(const struct hv_study *s, bool bench)
{
	size_t i, j, len = 1;
	char *buf, *p;

	for (i = 0; i < s->ncells; i++)
		len += strlen(bench ? s->cells[i].bench : s->cells[i].env) + 1;
	buf = malloc(len);
	if (!buf)
		return NULL;
	p = buf;
	*p = '\0';
	for (i = 0; i < s->ncells; i++) {
		const char *n = bench ? s->cells[i].bench : s->cells[i].env;

		for (j = 0; j < i; j++)
			if (strcmp(bench ? s->cells[j].bench : s->cells[j].env,
				   n) == 0)
				break;
		if (j < i)
			continue;
		p += snprintf(p, len - (size_t)(p - buf), "%s%s",
			      p == buf ? "" : ",", n);
	}
	return buf;
}

static int
read_entry(struct hv_history_entry *e, const char *dir)
{
	struct hv_store *st = NULL;
	struct hv_study s;
	struct hv_err err;
	size_t i;
	int rc;

	hv_err_init(&err);
	hv_study_init(&s);
	e->dir = strdup(dir);
	if (!e->dir)
		return -ENOMEM;
	rc = hv_store_open(&st, dir, HV_STORE_READ, &err);
	if (rc == 0)
		rc = hv_store_load(st, &s, &err);
	if (st)
		hv_store_close(st);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		e->error = strdup(err.msg);
		hv_study_release(&s);
		return e->error ? 0 : -ENOMEM;
	}
	e->date = ctx_string(&s, "date");
	e->host = ctx_string(&s, "host");
	e->envs = names(&s, false);
	e->benches = names(&s, true);
	e->ncells = s.ncells;
	for (i = 0; i < s.ncells; i++) {
		e->nfailed += s.cells[i].status == HV_CELL_FAILED;
		e->npending += s.cells[i].status == HV_CELL_PENDING;
	}
	hv_study_release(&s);
	return e->envs && e->benches ? 0 : -ENOMEM;
}

static int
add_study(struct hv_history *h, const char *dir)
{
	struct hv_history_entry *nv;
	int rc;

	nv = realloc(h->v, (h->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	h->v = nv;
	memset(&h->v[h->n], 0, sizeof(h->v[h->n]));
	rc = read_entry(&h->v[h->n], dir);
	h->n++;
	return rc;
}

static bool
has_study(const char *dir)
{
	char p[4200];
	struct stat st;

	if (snprintf(p, sizeof(p), "%s/study.db", dir) >= (int)sizeof(p))
		return false;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* By date (ISO 8601 sorts as text), then directory; unreadable last. */
static int
cmp_entry(const void *pa, const void *pb)
{
	const struct hv_history_entry *a = pa, *b = pb;
	int c;

	if (!a->error != !b->error)
		return a->error ? 1 : -1;
	c = strcmp(a->date ? a->date : "", b->date ? b->date : "");
	return c ? c : strcmp(a->dir, b->dir);
}

int
hv_history_scan(struct hv_history *h, const char *dir, struct hv_err *err)
{
	char sub[4200];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = 0;

	d = opendir(dir);
	if (!d)
		return hv_err_sys(err, errno,
				  "cannot read results directory '%s'", dir);
	if (has_study(dir))
		rc = add_study(h, dir);
	while (rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(sub))
			continue;
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode) &&
		    has_study(sub))
			rc = add_study(h, sub);
	}
	closedir(d);
	if (rc < 0)
		return hv_err_set(err, -rc, "history of '%s': out of memory",
				  dir);
	if (h->n == 0)
		return hv_err_set(err, ENODATA,
				  "no study under '%s': expected a directory "
				  "holding study.db, or one whose "
				  "subdirectories do (hpcvirt-results/)",
				  dir);
	qsort(h->v, h->n, sizeof(*h->v), cmp_entry);
	return 0;
}

int
hv_render_history_table(FILE *f, const struct hv_history *h, struct hv_err *err)
{
	const struct hv_history_entry *e;
	size_t i;

	fprintf(f, "%-20s  %-12s  %6s  %-24s  %-24s  %s\n", "date", "host",
		"cells", "envs", "benches", "study");
	for (i = 0; i < h->n; i++) {
		e = &h->v[i];
		if (e->error) {
			fprintf(f, "%-20s  %-12s  %6s  ", "unreadable", "-",
				"-");
			hv_put_text(f, e->dir, 0);
			fputs(": ", f);
			hv_put_text(f, e->error, 0);
			fputc('\n', f);
			continue;
		}
		hv_put_text(f, e->date ? e->date : "-", 20);
		fputs("  ", f);
		hv_put_text(f, e->host ? e->host : "-", 12);
		fprintf(f, "  %6zu  ", e->ncells);
		hv_put_text(f, e->envs, 24);
		fputs("  ", f);
		hv_put_text(f, e->benches, 24);
		fputs("  ", f);
		hv_put_text(f, e->dir, 0);
		if (e->nfailed || e->npending)
			fprintf(f, " (%zu failed, %zu pending)", e->nfailed,
				e->npending);
		fputc('\n', f);
	}
	fprintf(f, "%zu stud%s\n", h->n, h->n == 1 ? "y" : "ies");
	if (ferror(f))
		return hv_err_sys(err, errno ? errno : EIO,
				  "writing the history");
	return 0;
}

/* A comma list as a JSON array of strings (null for NULL). */
static cJSON *
list_json(const char *s, bool *ok)
{
	cJSON *arr;
	const char *p, *q;
	char *item;

	if (!s)
		return cJSON_CreateNull();
	arr = cJSON_CreateArray();
	for (p = s; arr && *p; p = *q ? q + 1 : q) {
		q = strchr(p, ',');
		if (!q)
			q = p + strlen(p);
		item = strndup(p, (size_t)(q - p));
		hv_json_put(arr, NULL, item ? cJSON_CreateString(item) : NULL,
			    ok);
		free(item);
	}
	return arr;
}

int
hv_render_history_json(FILE *f, const struct hv_history *h, struct hv_err *err)
{
	cJSON *doc = cJSON_CreateObject(), *arr = cJSON_CreateArray(), *o;
	const struct hv_history_entry *e;
	bool ok = doc != NULL;
	char *txt;
	size_t i;
	int rc = 0;

	for (i = 0; arr && i < h->n; i++) {
		e = &h->v[i];
		o = cJSON_CreateObject();
		hv_json_put(o, "dir", cJSON_CreateString(e->dir), &ok);
		hv_json_put(o, "date", hv_json_str(e->date), &ok);
		hv_json_put(o, "host", hv_json_str(e->host), &ok);
		hv_json_put(o, "envs", list_json(e->envs, &ok), &ok);
		hv_json_put(o, "benches", list_json(e->benches, &ok), &ok);
		hv_json_put(o, "cells", cJSON_CreateNumber((double)e->ncells),
			    &ok);
		hv_json_put(o, "failed", cJSON_CreateNumber((double)e->nfailed),
			    &ok);
		hv_json_put(o, "pending",
			    cJSON_CreateNumber((double)e->npending), &ok);
		hv_json_put(o, "error", hv_json_str(e->error), &ok);
		hv_json_put(arr, NULL, o, &ok);
	}
	hv_json_put(doc, "hpcvirt", cJSON_CreateString(HV_VERSION), &ok);
	hv_json_put(doc, "studies", arr, &ok);
	txt = ok ? cJSON_Print(doc) : NULL;
	if (!txt)
		rc = hv_err_set(err, ENOMEM, "history JSON: out of memory");
	else if (fputs(txt, f) == EOF || fputc('\n', f) == EOF || ferror(f))
		rc = hv_err_sys(err, errno ? errno : EIO,
				"writing the history JSON");
	free(txt);
	cJSON_Delete(doc);
	return rc;
}

int
hv_render_history_html(FILE *f, const struct hv_history *h, struct hv_err *err)
{
	const struct hv_history_entry *e;
	size_t i;

	hv_html_head(f, "hpcvirt history");
	fprintf(f,
		"<h1>Studies</h1>\n<p>%zu stud%s, by date.</p>\n<table><tr>"
		"<th>date</th><th>host</th><th>cells</th><th>envs</th>"
		"<th>benches</th><th>study</th></tr>\n",
		h->n, h->n == 1 ? "y" : "ies");
	for (i = 0; i < h->n; i++) {
		e = &h->v[i];
		fputs("<tr><td>", f);
		if (e->error) {
			fputs("unreadable</td><td>-</td><td>-</td><td "
			      "colspan=\"3\"><code>",
			      f);
			hv_html_esc(f, e->dir);
			fputs("</code>: ", f);
			hv_html_esc(f, e->error);
			fputs("</td></tr>\n", f);
			continue;
		}
		hv_html_esc(f, e->date ? e->date : "-");
		fputs("</td><td>", f);
		hv_html_esc(f, e->host ? e->host : "-");
		fprintf(f, "</td><td class=\"num\">%zu", e->ncells);
		if (e->nfailed || e->npending)
			fprintf(f, " (%zu failed, %zu pending)", e->nfailed,
				e->npending);
		fputs("</td><td>", f);
		hv_html_esc(f, e->envs);
		fputs("</td><td>", f);
		hv_html_esc(f, e->benches);
		fputs("</td><td><code>", f);
		hv_html_esc(f, e->dir);
		fputs("</code></td></tr>\n", f);
	}
	fputs("</table>\n</body></html>\n", f);
	if (ferror(f))
		return hv_err_sys(err, errno ? errno : EIO,
				  "writing the history");
	return 0;
}
