/*
 * fuzz-opt.c - libFuzzer harness of the option value parsers: the host's
 * (src/util/opt.c) and the forms it shares with every kernel
 * (src/proto/units.c), plus the value check of every registered bench
 * parameter. The input is split at newlines; each piece goes to every
 * parser with the bounds the callers use and a few extreme ones.
 *
 * What must hold, besides no crash and no sanitizer report:
 *   - a value accepted lies within the bounds given;
 *   - a whole number, a byte size or a list means what its text says in
 *     decimal (checked against a reference here), and a text of that
 *     form within the bounds is accepted;
 *   - the host accepts a duration only if the kernel's parser, given the
 *     same text and bounds in ns, accepts it as the same value;
 *   - a host parser that refuses sets a message that names the option;
 *     a list split joins back to its text.
 * A broken property calls abort(), so libFuzzer saves the input.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpcvirt/registry.h"
#include "hpcvirt/util/opt.h"
#include "proto/bounds.h"
#include "proto/units.h"

#define SEC 1000000000LL
#define N(a) (sizeof(a) / sizeof((a)[0]))

struct u64_bounds {
	uint64_t min, max;
};

static const struct u64_bounds u64_sets[] = {
	{2, 10000},		  /* --reps */
	{0, (1ULL << 53) - 1},	  /* --seed */
	{1, 1 << 24},		  /* --mem */
	{0, 65535},		  /* a kernel's --port */
	{0, UINT64_MAX},	  /* everything */
	{UINT64_MAX, UINT64_MAX}, /* one value at the top */
	{1, HV_NET_MAX_MSG},	  /* message sizes */
	{4096, HV_FS_MAX_FILE},	  /* fs file sizes */
	{HV_MEM_MAX_BYTES, 1ULL << 62},
};

static const struct {
	double min, max;
} secs_sets[] = {
	{1e-6, 10},	/* --link-delay */
	{0.001, 86400}, /* bench durations */
	{0, 9e9},	/* about the largest that fits int64 ns */
	{1.5e-9, 1.5e-9},
};

static const struct {
	int64_t min, max;
} ns_sets[] =
	{
		{SEC / 1000, 3600 * SEC}, {0, 60 * SEC},
		{0, INT64_MAX},		  {INT64_MAX - 1, INT64_MAX},
		{0, (1LL << 60) - 1}, /* a max that a double rounds up */
};

/*
 * The decimal value of s if it is only digits (and fits), else -1. A
 * reference for the parsers, written the slow and obvious way.
 */
static int
ref_decimal(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* The kernels' other form: 0x or 0X and hex digits only. */
static int
is_hex_form(const char *s)
{
	return s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2] &&
	       strspn(s + 2, "0123456789abcdefABCDEF") == strlen(s + 2);
}

/* Reference byte size: digits, then nothing or one known suffix. */
static int
ref_bytes(const char *s, uint64_t *out)
{
	static const struct {
		const char *suf;
		uint64_t mul;
	} suf[] = {{"", 1},	     {"B", 1},		{"k", 1 << 10},
		   {"K", 1 << 10},   {"KiB", 1 << 10},	{"M", 1 << 20},
		   {"MiB", 1 << 20}, {"G", 1ULL << 30}, {"GiB", 1ULL << 30}};
	size_t len = strspn(s, "0123456789"), i;
	uint64_t v;

	if (ref_decimal(s, len, &v) < 0)
		return -1;
	for (i = 0; i < N(suf); i++) {
		if (strcmp(s + len, suf[i].suf) != 0)
			continue;
		if (v > UINT64_MAX / suf[i].mul)
			return -1;
		*out = v * suf[i].mul;
		return 0;
	}
	return -1;
}

/* A refusal: negative code, a message, and the option named in it. */
static void
check_refusal(int rc, const struct hv_err *err, const char *opt)
{
	if (rc >= 0 || err->code <= 0 || rc != -err->code || !err->msg[0] ||
	    strlen(err->msg) >= sizeof(err->msg) || !strstr(err->msg, opt))
		abort();
}

static void
fuzz_u64(const char *s)
{
	struct hv_err err;
	uint64_t v, ref;
	size_t i;
	int rc, refok;

	refok = ref_decimal(s, strlen(s), &ref) == 0;
	for (i = 0; i < N(u64_sets); i++) {
		const struct u64_bounds *b = &u64_sets[i];
		int inb = refok && ref >= b->min && ref <= b->max;

		hv_err_init(&err);
		rc = hv_opt_u64("reps", s, b->min, b->max, &v, &err);
		if (rc == 0 && (!inb || v != ref))
			abort();
		if (rc != 0) {
			check_refusal(rc, &err, "--reps");
			if (inb)
				abort();
		}
		/* The kernels' form adds 0x hex; decimal means decimal. */
		rc = hv_k_parse_u64(s, b->min, b->max, &v);
		if (rc == 0 && (v < b->min || v > b->max ||
				(refok ? v != ref : !is_hex_form(s))))
			abort();
		if (rc != 0 && (rc != -1 || inb))
			abort();
	}
}

static void
fuzz_bytes(const char *s)
{
	struct hv_err err;
	uint64_t v, ref;
	size_t i;
	int rc, refok;

	refok = ref_bytes(s, &ref) == 0;
	for (i = 0; i < N(u64_sets); i++) {
		const struct u64_bounds *b = &u64_sets[i];
		int inb = refok && ref >= b->min && ref <= b->max;

		rc = hv_k_parse_bytes(s, b->min, b->max, &v);
		if (rc == 0 && (!inb || v != ref))
			abort();
		if (rc != 0 && (rc != -1 || inb))
			abort();
		hv_err_init(&err);
		rc = hv_opt_bytes("sizes", s, b->min, b->max, &v, &err);
		if (rc == 0 && (!inb || v != ref))
			abort();
		if (rc != 0) {
			check_refusal(rc, &err, "--sizes");
			if (inb)
				abort();
		}
	}
}

static void
fuzz_secs(const char *s)
{
	struct hv_err err;
	int64_t ns, kns;
	double d;
	size_t i;
	int rc;

	for (i = 0; i < N(secs_sets); i++) {
		double min = secs_sets[i].min, max = secs_sets[i].max;
		int64_t kmin = (int64_t)(min * 1e9 + 0.5);
		int64_t kmax = (int64_t)(max * 1e9);

		hv_err_init(&err);
		rc = hv_opt_secs("duration", s, min, max, &d, &err);
		if (rc != 0) {
			check_refusal(rc, &err, "--duration");
			continue;
		}
		if (!isfinite(d) || d < min || d > max)
			abort();
		/* The kernel in the box reads the same text: same value. */
		if (hv_k_parse_secs(s, kmin, kmax, &kns) != 0 ||
		    (double)kns / 1e9 != d)
			abort();
	}
	for (i = 0; i < N(ns_sets); i++) {
		rc = hv_k_parse_secs(s, ns_sets[i].min, ns_sets[i].max, &ns);
		if (rc == 0 && (ns < ns_sets[i].min || ns > ns_sets[i].max))
			abort();
		if (rc != 0 && rc != -1)
			abort();
	}
}

static void
fuzz_rate_double(const char *s)
{
	struct hv_err err;
	uint64_t bps;
	double d;
	int rc;

	hv_err_init(&err);
	rc = hv_opt_rate("link-rate", s, &bps, &err);
	if (rc == 0 && (bps < 1000 || bps > 1000000000000ULL))
		abort();
	if (rc != 0)
		check_refusal(rc, &err, "--link-rate");
	rc = hv_k_parse_double(s, -1e300, 1e300, &d);
	if (rc == 0 && (!isfinite(d) || d < -1e300 || d > 1e300))
		abort();
	rc = hv_k_parse_double(s, 0, 1, &d);
	if (rc == 0 && !(d >= 0 && d <= 1))
		abort();
}

static void
fuzz_split(const char *s)
{
	char *copy, *items[8], *joined;
	struct hv_err err;
	size_t len = strlen(s), off;
	int max, n, i;

	copy = malloc(len + 1);
	joined = malloc(len + 1);
	if (!copy || !joined)
		abort();
	for (max = 1; max <= 8; max *= 2) {
		memcpy(copy, s, len + 1);
		hv_err_init(&err);
		n = hv_opt_split("env", copy, items, max, &err);
		if (n <= 0) {
			check_refusal(n, &err, "--env");
			continue;
		}
		if (n > max)
			abort();
		for (off = 0, i = 0; i < n; i++) {
			size_t l = strlen(items[i]);

			if (!l || strchr(items[i], ',') || off + l + !!i > len)
				abort();
			if (i)
				joined[off++] = ',';
			memcpy(joined + off, items[i], l);
			off += l;
		}
		if (off != len || memcmp(joined, s, len) != 0)
			abort();
	}
	free(copy);
	free(joined);
}

static void
fuzz_list(const char *s)
{
	static const size_t badlens[] = {0, 1, 7, 64};
	uint64_t v[8], one;
	char bad[64], item[64];
	const char *p;
	size_t i, len;
	int maxn, n, k;

	for (i = 0; i < N(badlens); i++) {
		maxn = (int)(1 + i * 2);
		memset(bad, 'x', sizeof(bad));
		n = hv_k_parse_bytes_list(s, 4096, 1ULL << 40, v, maxn,
					  badlens[i] ? bad : NULL, badlens[i]);
		if (n < 0) {
			if (n != -1 ||
			    (badlens[i] && !memchr(bad, '\0', badlens[i])))
				abort();
			continue;
		}
		if (n == 0 || n > maxn)
			abort();
		/* Every element is what the single parser says of it. */
		for (p = s, k = 0; k < n; k++, p += len + 1) {
			len = strcspn(p, ",");
			if (len >= sizeof(item))
				abort();
			memcpy(item, p, len);
			item[len] = '\0';
			if (hv_k_parse_bytes(item, 4096, 1ULL << 40, &one) ||
			    one != v[k])
				abort();
			if (k + 1 == n && p[len])
				abort(); /* text left after the last */
		}
	}
}

/* Every registered bench parameter's check: refuses with a message. */
static void
fuzz_checks(const char *s)
{
	const struct hv_bench *b;
	struct hv_err err;
	size_t i, j;
	int rc;

	for (i = 0; i < hv_bench_count(); i++) {
		b = hv_bench_at(i);
		for (j = 0; j < b->nparams; j++) {
			if (!b->params[j].check)
				continue;
			hv_err_init(&err);
			rc = b->params[j].check("opt", s, &err);
			if (rc != 0)
				check_refusal(rc, &err, "opt");
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *s, *nl;

	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (s = buf;; s = nl + 1) {
		nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		fuzz_u64(s);
		fuzz_bytes(s);
		fuzz_secs(s);
		fuzz_rate_double(s);
		fuzz_split(s);
		fuzz_list(s);
		fuzz_checks(s);
		if (!nl)
			break;
	}
	free(buf);
	return 0;
}
