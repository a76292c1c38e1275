/*
 * klib.c - option parsing, clocks, aligned buffers and the result-line JSON
 * writer shared by every kernel. Kept free of the host library so that the
 * kernels link statically for guests.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "klib.h"

static const char *k_progname = "hpcvirt-kernel";

void
hv_k_progname(const char *name)
{
	k_progname = name;
}

void
hv_k_die(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", k_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

int64_t
hv_k_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
hv_k_cpu_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

int
hv_k_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Multiplier of a size suffix, 0 if unknown. */
static uint64_t
size_suffix(const char *p)
{
	static const struct {
		const char *s;
		uint64_t mul;
	} tab[] = {
		{"", 1},
		{"B", 1},
		{"k", 1ULL << 10},
		{"K", 1ULL << 10},
		{"KiB", 1ULL << 10},
		{"M", 1ULL << 20},
		{"MiB", 1ULL << 20},
		{"G", 1ULL << 30},
		{"GiB", 1ULL << 30},
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(p, tab[i].s) == 0)
			return tab[i].mul;
	return 0;
}

int
hv_k_parse_bytes(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	uint64_t mul;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	mul = size_suffix(end);
	if (mul == 0 || (v != 0 && v > UINT64_MAX / mul))
		return -1;
	v *= mul;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
hv_k_parse_secs(const char *s, int64_t min_ns, int64_t max_ns, int64_t *out)
{
	double v, mul;
	char *end;

	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || !isfinite(v) || end == s)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		mul = 1e9;
	else if (strcmp(end, "ms") == 0)
		mul = 1e6;
	else if (strcmp(end, "us") == 0)
		mul = 1e3;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mul = 60e9;
	else
		return -1;
	v *= mul;
	if (v < (double)min_ns || v > (double)max_ns)
		return -1;
	*out = (int64_t)v;
	return 0;
}

int
hv_k_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
hv_k_parse_bytes_list(const char *s, uint64_t min, uint64_t max, uint64_t *out,
		      int maxn, char *bad, size_t badlen)
{
	char item[64];
	const char *p = s, *comma;
	size_t len;
	int n = 0;

	if (!s || !*s)
		goto bad;
	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0 || len >= sizeof(item) || n >= maxn) {
			if (bad && badlen)
				snprintf(bad, badlen, "%.*s", (int)len, p);
			return -1;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (hv_k_parse_bytes(item, min, max, &out[n]) != 0) {
			if (bad && badlen)
				snprintf(bad, badlen, "%s", item);
			return -1;
		}
		n++;
		if (!comma)
			return n;
		p = comma + 1;
	}
bad:
	if (bad && badlen)
		snprintf(bad, badlen, "%s", s ? s : "");
	return -1;
}

void *
hv_k_alloc_aligned(size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = NULL;

	if (page <= 0)
		page = 4096;
	if (size == 0)
		size = 1;
	if (posix_memalign(&p, (size_t)page, size) != 0)
		hv_k_die(HV_K_EXIT_FAIL, "out of memory allocating %zu bytes",
			 size);
	memset(p, 0, size);
	return p;
}

/* --- JSON writer ------------------------------------------------------ */

static void
json_sep(struct hv_k_json *j, const char *key)
{
	const char *p;

	/* Past the 16 tracked levels the output is not valid JSON, but
	 * nothing is written out of bounds. */
	if (j->depth > 0 && j->depth <= 16) {
		if (!j->first[j->depth - 1])
			fputc(',', j->f);
		j->first[j->depth - 1] = false;
	}
	if (!key)
		return;
	fputc('"', j->f);
	for (p = key; *p; p++)
		fputc(*p, j->f);
	fputs("\":", j->f);
}

static void
json_open(struct hv_k_json *j, const char *key, char c)
{
	json_sep(j, key);
	fputc(c, j->f);
	if (j->depth < 16) {
		j->first[j->depth] = true;
		j->kind[j->depth] = c == '{' ? '}' : ']';
	}
	j->depth++;
}

void
hv_k_json_begin(struct hv_k_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	fputs("HPCVIRT-RESULT ", f);
}

void
hv_k_json_obj(struct hv_k_json *j, const char *key)
{
	json_open(j, key, '{');
}

void
hv_k_json_arr(struct hv_k_json *j, const char *key)
{
	json_open(j, key, '[');
}

void
hv_k_json_end(struct hv_k_json *j)
{
	if (j->depth <= 0)
		return;
	j->depth--;
	fputc(j->depth < 16 ? j->kind[j->depth] : '}', j->f);
}

void
hv_k_json_str(struct hv_k_json *j, const char *key, const char *val)
{
	const unsigned char *p;

	json_sep(j, key);
	if (!val) {
		fputs("null", j->f);
		return;
	}
	fputc('"', j->f);
	for (p = (const unsigned char *)val; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(j->f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(j->f, "\\u%04x", *p);
		else
			fputc(*p, j->f);
	}
	fputc('"', j->f);
}

void
hv_k_json_i64(struct hv_k_json *j, const char *key, int64_t val)
{
	json_sep(j, key);
	fprintf(j->f, "%lld", (long long)val);
}

void
hv_k_json_u64(struct hv_k_json *j, const char *key, uint64_t val)
{
	json_sep(j, key);
	fprintf(j->f, "%llu", (unsigned long long)val);
}

void
hv_k_json_dbl(struct hv_k_json *j, const char *key, double val)
{
	json_sep(j, key);
	if (isfinite(val))
		fprintf(j->f, "%.17g", val);
	else
		fputs("null", j->f);
}

void
hv_k_json_bool(struct hv_k_json *j, const char *key, bool val)
{
	json_sep(j, key);
	fputs(val ? "true" : "false", j->f);
}

void
hv_k_json_null(struct hv_k_json *j, const char *key)
{
	json_sep(j, key);
	fputs("null", j->f);
}

int
hv_k_json_finish(struct hv_k_json *j)
{
	fputc('\n', j->f);
	return fflush(j->f) == 0 && !ferror(j->f) ? 0 : -1;
}
