/*
 * npb-rules.c - the one table of NPB classes and rank rules
 * (npb-rules.h): the classes each build of this implementation has, and
 * the rank counts NPB allows for each benchmark.
 */
#include <string.h>

#include "npb-rules.h"

static const struct hv_npb_rule rules[] = {
	{"ep", "SWABCD", "SWABCD", HV_NPB_RANKS_ANY},
	{"is", "SWABC", "SWABC", HV_NPB_RANKS_POW2},
	{"cg", "SWABCD", "SWABC", HV_NPB_RANKS_POW2},
	{"mg", "SWABCD", "SWABC", HV_NPB_RANKS_POW2},
	{"ft", "SWABCD", "SWABC", HV_NPB_RANKS_POW2},
	{"bt", "SWABCD", "SWABC", HV_NPB_RANKS_SQUARE},
	{"sp", "SWABCD", "SWABC", HV_NPB_RANKS_SQUARE},
	{"lu", "SWABCD", "SWABC", HV_NPB_RANKS_POW2},
};

const struct hv_npb_rule *
hv_npb_rule_find(const char *name)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcmp(rules[i].name, name) == 0)
			return &rules[i];
	return NULL;
}

bool
hv_npb_ranks_ok(const struct hv_npb_rule *r, long n)
{
	long k;

	if (n < 1)
		return false;
	switch (r->ranks) {
	case HV_NPB_RANKS_POW2:
		return (n & (n - 1)) == 0;
	case HV_NPB_RANKS_SQUARE:
		for (k = 1; k * k < n; k++)
			;
		return k * k == n;
	case HV_NPB_RANKS_ANY:
		break;
	}
	return true;
}

const char *
hv_npb_ranks_str(const struct hv_npb_rule *r)
{
	static const char *const s[] = {
		"any count",
		"a power of two (1, 2, 4, 8, ...)",
		"a square number (1, 4, 9, 16, ...)",
	};

	return s[r->ranks];
}
