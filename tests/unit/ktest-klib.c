/*
 * ktest-klib.c - unit tests of the kernel runtime library: the strict
 * option parsers (numbers, byte sizes with suffixes, durations, lists)
 * must accept exactly the documented forms, and the JSON writer must
 * nest, separate and escape correctly and write null for non-finite
 * numbers.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klib.h"
#include "tap.h"

static void
test_u64(void)
{
	uint64_t v = 0;

	ok(hv_k_parse_u64("42", 0, 100, &v) == 0 && v == 42, "u64 42");
	ok(hv_k_parse_u64("0x10", 0, 100, &v) == 0 && v == 16, "u64 0x10");
	ok(hv_k_parse_u64("", 0, 100, &v) == -1, "u64 rejects empty");
	ok(hv_k_parse_u64("-1", 0, 100, &v) == -1, "u64 rejects -1");
	ok(hv_k_parse_u64(" 5", 0, 100, &v) == -1, "u64 rejects space");
	ok(hv_k_parse_u64("12a", 0, 100, &v) == -1, "u64 rejects 12a");
	ok(hv_k_parse_u64("101", 0, 100, &v) == -1, "u64 rejects > max");
	ok(hv_k_parse_u64("0", 1, 100, &v) == -1, "u64 rejects < min");
	ok(hv_k_parse_u64("18446744073709551616", 0, UINT64_MAX, &v) == -1,
	   "u64 rejects overflow");
}

static void
test_bytes(void)
{
	static const struct {
		const char *s;
		uint64_t want;
	} good[] = {
		{"64", 64},	   {"10B", 10},	       {"4k", 4096},
		{"4K", 4096},	   {"4KiB", 4096},     {"1M", 1 << 20},
		{"3MiB", 3 << 20}, {"2G", 2ULL << 30}, {"2GiB", 2ULL << 30},
	};
	static const char *bad[] = {"",	   "0",	  "x",		 "4kb",
				    "4 K", "-1",  "0x10",	 "1.5K",
				    "K",   "4KB", "17179869184G"};
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 0;
		ok(hv_k_parse_bytes(good[i].s, 1, UINT64_MAX, &v) == 0 &&
			   v == good[i].want,
		   "bytes '%s' = %llu", good[i].s,
		   (unsigned long long)good[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(hv_k_parse_bytes(bad[i], 1, UINT64_MAX, &v) == -1,
		   "bytes rejects '%s'", bad[i]);
	ok(hv_k_parse_bytes("2K", 1, 1024, &v) == -1, "bytes rejects > max");
}

static void
test_secs(void)
{
	static const struct {
		const char *s;
		int64_t want;
	} good[] = {
		{"2", 2000000000},    {"0.5", 500000000},
		{"500ms", 500000000}, {"10s", 10000000000},
		{"2m", 120000000000}, {"250us", 250000},
		{".25", 250000000},   {"1min", 60000000000},
	};
	static const char *bad[] = {"",	   "abc", "-1",	 "1h", "inf",
				    "nan", "1e",  "5 s", "s",  "1ms2"};
	int64_t v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 0;
		ok(hv_k_parse_secs(good[i].s, 0, INT64_MAX / 2, &v) == 0 &&
			   v == good[i].want,
		   "secs '%s' = %lld ns", good[i].s, (long long)good[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(hv_k_parse_secs(bad[i], 0, INT64_MAX / 2, &v) == -1,
		   "secs rejects '%s'", bad[i]);
	ok(hv_k_parse_secs("2", 0, 1000000000, &v) == -1, "secs rejects > max");
	ok(hv_k_parse_secs("1ms", 2000000, 1000000000, &v) == -1,
	   "secs rejects < min");
}

static void
test_double(void)
{
	double d = 0;

	ok(hv_k_parse_double("2.5", 0, 10, &d) == 0 && d == 2.5, "dbl 2.5");
	ok(hv_k_parse_double("-1", -2, 10, &d) == 0 && d == -1, "dbl -1");
	ok(hv_k_parse_double("11", 0, 10, &d) == -1, "dbl rejects > max");
	ok(hv_k_parse_double("nan", 0, 10, &d) == -1, "dbl rejects nan");
	ok(hv_k_parse_double("1x", 0, 10, &d) == -1, "dbl rejects 1x");
}

static void
test_list(void)
{
	uint64_t v[4];
	char bad[32];
	int n;

	n = hv_k_parse_bytes_list("1,64,4KiB", 1, 1 << 20, v, 4, bad,
				  sizeof(bad));
	ok(n == 3 && v[0] == 1 && v[1] == 64 && v[2] == 4096, "list 1,64,4KiB");
	n = hv_k_parse_bytes_list("1,0x,3", 1, 1 << 20, v, 4, bad, sizeof(bad));
	ok(n == -1 && strcmp(bad, "0x") == 0, "list names bad element 0x");
	n = hv_k_parse_bytes_list("1,,3", 1, 1 << 20, v, 4, bad, sizeof(bad));
	ok(n == -1 && bad[0] == '\0', "list rejects empty element");
	n = hv_k_parse_bytes_list("1,0", 1, 1 << 20, v, 4, bad, sizeof(bad));
	ok(n == -1 && strcmp(bad, "0") == 0, "list rejects 0 below min");
	n = hv_k_parse_bytes_list("1,2,3,4,5", 1, 1 << 20, v, 4, bad,
				  sizeof(bad));
	ok(n == -1, "list rejects more than maxn");
	ok(hv_k_parse_bytes_list("", 1, 9, v, 4, NULL, 0) == -1,
	   "list rejects empty string");
	ok(hv_k_parse_bytes_list("1,", 1, 9, v, 4, NULL, 0) == -1,
	   "list rejects trailing comma");
}

/* Render with the writer into a string (caller frees). */
static char *
json_render(void (*fill)(struct hv_k_json *j))
{
	struct hv_k_json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	hv_k_json_begin(&j, f);
	fill(&j);
	hv_k_json_finish(&j);
	fclose(f);
	return buf;
}

static void
fill_nested(struct hv_k_json *j)
{
	hv_k_json_obj(j, NULL);
	hv_k_json_str(j, "kernel", "net");
	hv_k_json_arr(j, "a");
	hv_k_json_i64(j, NULL, -5);
	hv_k_json_obj(j, NULL);
	hv_k_json_u64(j, "u", UINT64_MAX);
	hv_k_json_end(j);
	hv_k_json_arr(j, NULL);
	hv_k_json_end(j);
	hv_k_json_end(j);
	hv_k_json_bool(j, "t", true);
	hv_k_json_bool(j, "f", false);
	hv_k_json_null(j, "n");
	hv_k_json_dbl(j, "d", 0.5);
	hv_k_json_end(j);
}

static void
fill_escape(struct hv_k_json *j)
{
	hv_k_json_obj(j, NULL);
	hv_k_json_str(j, "s", "q\"b\\n\n\x01t\té");
	hv_k_json_str(j, "z", NULL);
	hv_k_json_dbl(j, "nan", NAN);
	hv_k_json_dbl(j, "inf", -INFINITY);
	hv_k_json_end(j);
}

static void
test_json(void)
{
	char *s;

	s = json_render(fill_nested);
	is_str(s,
	       "HPCVIRT-RESULT {\"kernel\":\"net\",\"a\":[-5,"
	       "{\"u\":18446744073709551615},[]],\"t\":true,\"f\":false,"
	       "\"n\":null,\"d\":0.5}\n",
	       "json nesting and separators");
	free(s);
	s = json_render(fill_escape);
	is_str(s,
	       "HPCVIRT-RESULT {\"s\":\"q\\\"b\\\\n\\u000a\\u0001t\\u0009é\","
	       "\"z\":null,\"nan\":null,\"inf\":null}\n",
	       "json escaping, null string, non-finite numbers");
	free(s);
}

int
main(void)
{
	test_u64();
	test_bytes();
	test_secs();
	test_double();
	test_list();
	test_json();
	return done_testing();
}
