/*
 * units.c - the value forms that the host tool and every kernel must
 * read alike: whole numbers, byte sizes, durations and decimals. The host
 * checks a user's --sizes with the same code that the kernel in the box
 * will parse it with, so a value that validates on the host never fails
 * in a cell. No dependency beyond libc: the agent's and kernels' static
 * builds link it.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

/*
 * Decimal, or hex after 0x. Never octal: strtoull's base 0 would read
 * "010" as 8 where the host's parsers (and a user) read ten. No sign.
 */
int
hv_k_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	int base = 10;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!isxdigit((unsigned char)s[2]))
			return -1;
		base = 16;
	}
	errno = 0;
	v = strtoull(s, &end, base);
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
	int64_t ns;
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
	else if (strcmp(end, "h") == 0)
		mul = 3600e9;
	else
		return -1;
	v *= mul;
	/*
	 * Compare as integers: (double)max_ns may round up (INT64_MAX
	 * becomes 2^63, which no int64_t holds), so a double compare
	 * could let a value past max_ns or into an overflowing cast.
	 */
	if (!(v < 0x1p63))
		return -1;
	ns = (int64_t)v;
	if (ns < min_ns || ns > max_ns)
		return -1;
	*out = ns;
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
