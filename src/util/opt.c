/*
 * opt.c - strict option value parsers for the host tool (strtoull/strtod
 * with end-pointer and range checks; never atoi).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpcvirt/util/opt.h"
#include "proto/units.h"

int
hv_opt_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
	   uint64_t *out, struct hv_err *err)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	return hv_err_set(err, EINVAL,
			  "bad --%s '%s': expected a whole number from %llu "
			  "to %llu",
			  opt, s ? s : "", (unsigned long long)min,
			  (unsigned long long)max);
}

/*
 * Byte sizes and durations are parsed by src/proto/units.c, which the
 * kernels link too, so the host tool and every kernel accept exactly the
 * same forms.
 */
int
hv_opt_bytes(const char *opt, const char *s, uint64_t min, uint64_t max,
	     uint64_t *out, struct hv_err *err)
{
	if (hv_k_parse_bytes(s, min, max, out) == 0)
		return 0;
	return hv_err_set(err, EINVAL,
			  "bad --%s '%s': expected bytes like 64, 4KiB or "
			  "1MiB, from %llu to %llu",
			  opt, s ? s : "", (unsigned long long)min,
			  (unsigned long long)max);
}

int
hv_opt_secs(const char *opt, const char *s, double min, double max, double *out,
	    struct hv_err *err)
{
	int64_t ns;

	if (hv_k_parse_secs(s, (int64_t)(min * 1e9 + 0.5), (int64_t)(max * 1e9),
			    &ns) == 0) {
		*out = (double)ns / 1e9;
		return 0;
	}
	return hv_err_set(err, EINVAL,
			  "bad --%s '%s': expected seconds like 2, 0.5, 500ms, "
			  "80us, 2m or 1h, from %g to %g s",
			  opt, s ? s : "", min, max);
}

int
hv_opt_rate(const char *opt, const char *s, uint64_t *out, struct hv_err *err)
{
	static const struct {
		const char *s;
		double mul;
	} tab[] = {{"", 1},	  {"bit", 1},	 {"kbit", 1e3}, {"Kbit", 1e3},
		   {"mbit", 1e6}, {"Mbit", 1e6}, {"gbit", 1e9}, {"Gbit", 1e9}};
	double v;
	char *end;
	size_t i;

	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		goto bad;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v))
		goto bad;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(end, tab[i].s) == 0)
			break;
	if (i == sizeof(tab) / sizeof(tab[0]))
		goto bad;
	v *= tab[i].mul;
	if (v < 1000 || v > 1e12)
		goto bad;
	*out = (uint64_t)v;
	return 0;
bad:
	return hv_err_set(err, EINVAL,
			  "bad --%s '%s': expected a rate like 100Mbit or "
			  "1Gbit, from 1kbit to 1000Gbit",
			  opt, s ? s : "");
}

void
hv_opt_rate_str(uint64_t bps, char *buf, size_t len)
{
	static const struct {
		const char *unit;
		uint64_t div;
	} tab[] = {
		{"Gbit/s", 1000000000}, {"Mbit/s", 1000000}, {"kbit/s", 1000}};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (bps && bps % tab[i].div == 0)
			break;
	if (i < sizeof(tab) / sizeof(tab[0]))
		snprintf(buf, len, "%llu %s",
			 (unsigned long long)(bps / tab[i].div), tab[i].unit);
	else
		snprintf(buf, len, "%llu bit/s", (unsigned long long)bps);
}

int
hv_opt_split(const char *opt, char *s, char **items, int max,
	     struct hv_err *err)
{
	int n = 0;
	char *p = s, *comma;

	for (;;) {
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (!*p)
			return hv_err_set(err, EINVAL,
					  "bad --%s: empty item in a list; "
					  "expected a,b,c",
					  opt);
		if (n >= max)
			return hv_err_set(err, E2BIG,
					  "bad --%s: more than %d items", opt,
					  max);
		items[n++] = p;
		if (!comma)
			return n;
		p = comma + 1;
	}
}
