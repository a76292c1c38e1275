/*
 * ktest-klib.c - unit tests of the kernel runtime library: the strict
 * option parsers (numbers, byte sizes with suffixes, durations, lists)
 * must accept exactly the documented forms; the option-table parser must
 * apply defaults, take "--name V" and "--name=V", and refuse bad values,
 * list elements, unknown options, missing values and options of another
 * mode with the exact message and exit code the kernels print; and the
 * JSON writer must nest, separate and escape correctly and write null for
 * non-finite numbers.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "klib.h"
#include "tap.h"

static void
test_u64(void)
{
	uint64_t v = 0;

	ok(hv_k_parse_u64("42", 0, 100, &v) == 0 && v == 42, "u64 42");
	ok(hv_k_parse_u64("0x10", 0, 100, &v) == 0 && v == 16, "u64 0x10");
	/* Found by tests/fuzz/fuzz-opt.c: "046" was read as octal 38. */
	ok(hv_k_parse_u64("046", 0, 100, &v) == 0 && v == 46,
	   "u64 046 is decimal");
	ok(hv_k_parse_u64("0X1f", 0, 100, &v) == 0 && v == 31, "u64 0X1f");
	ok(hv_k_parse_u64("0x", 0, 100, &v) == -1, "u64 rejects 0x");
	ok(hv_k_parse_u64("0x0x1", 0, 100, &v) == -1, "u64 rejects 0x0x1");
	ok(hv_k_parse_u64("0x-1", 0, 100, &v) == -1, "u64 rejects 0x-1");
	ok(hv_k_parse_u64("+5", 0, 100, &v) == -1, "u64 rejects +5");
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
		{"2", 2000000000},     {"0.5", 500000000},
		{"500ms", 500000000},  {"10s", 10000000000},
		{"2m", 120000000000},  {"250us", 250000},
		{".25", 250000000},    {"1min", 60000000000},
		{"1h", 3600000000000},
	};
	static const char *bad[] = {"",	   "abc", "-1",	 "1hr", "inf",
				    "nan", "1e",  "5 s", "s",	"1ms2"};
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
	/* Found by tests/fuzz/fuzz-opt.c: 2^63 ns passed a max of INT64_MAX
	 * (a double compare) into an overflowing cast. */
	ok(hv_k_parse_secs("9223372036.854775808", 0, INT64_MAX, &v) == -1,
	   "secs rejects 2^63 ns");
	ok(hv_k_parse_secs("9223372036", 0, INT64_MAX, &v) == 0 &&
		   v == 9223372036000000000LL,
	   "secs takes 9223372036 s");
	ok(hv_k_parse_secs("1152921504.606846976", 0, (1LL << 60) - 1, &v) ==
		   -1,
	   "secs rejects 2^60 ns against a max of 2^60 - 1");
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

/* --- option tables ---------------------------------------------------- */

struct tcfg {
	bool flag;
	uint64_t n;
	uint64_t bytes;
	uint64_t list[4];
	int nlist;
	int64_t ns;
	char name[16];
	unsigned int pick;
	uint64_t beta;
	uint64_t mem;
};

/* CUSTOM: an even number; odd ones get their own message. */
static int
parse_even(const struct hv_k_opt *o, const char *v, void *dst,
	   struct hv_k_opt_err *err)
{
	uint64_t x;

	if (hv_k_parse_u64(v, 0, 1000, &x) != 0)
		return -1;
	if (x % 2)
		return hv_k_opt_errf(err, HV_K_EXIT_USAGE,
				     "odd --%s '%s': it must be even", o->name,
				     v);
	*(unsigned int *)dst = (unsigned int)x;
	return 0;
}

#define TOFF(f) offsetof(struct tcfg, f)

static const struct hv_k_opt topts[] = {
	{.name = "flag", .type = HV_K_OPT_FLAG, .off = TOFF(flag), .help = "f"},
	{.name = "n",
	 .type = HV_K_OPT_U64,
	 .min = 1,
	 .max = 100,
	 .def = "7",
	 .off = TOFF(n),
	 .help = "n"},
	{.name = "bytes",
	 .type = HV_K_OPT_BYTES,
	 .min = 1,
	 .max = 1 << 20,
	 .def = "4KiB",
	 .off = TOFF(bytes),
	 .help = "b"},
	{.name = "list",
	 .type = HV_K_OPT_BYTES_LIST,
	 .min = 1,
	 .max = 1 << 20,
	 .def = "1,2",
	 .off = TOFF(list),
	 .count_off = TOFF(nlist),
	 .cap = 4,
	 .help = "l"},
	{.name = "one",
	 .type = HV_K_OPT_BYTES_ONE,
	 .min = 1,
	 .max = 1 << 20,
	 .off = TOFF(list),
	 .count_off = TOFF(nlist),
	 .help = "o"},
	{.name = "secs",
	 .type = HV_K_OPT_SECS,
	 .min = 1000000,
	 .max = 60000000000,
	 .def = "1",
	 .off = TOFF(ns),
	 .help = "s"},
	{.name = "name",
	 .type = HV_K_OPT_STR,
	 .min = 1,
	 .max = 8,
	 .off = TOFF(name),
	 .cap = 16,
	 .help = "nm"},
	{.name = "pick",
	 .type = HV_K_OPT_CUSTOM,
	 .off = TOFF(pick),
	 .form = "an even number",
	 .parse = parse_even,
	 .help = "p"},
	{.name = "beta",
	 .type = HV_K_OPT_U64,
	 .modes = 2,
	 .max = 9,
	 .off = TOFF(beta),
	 .help = "only in mode beta"},
	{.name = "mem",
	 .type = HV_K_OPT_BYTES,
	 .min = 65536,
	 .max = 1 << 30,
	 .off = TOFF(mem),
	 .form = "bytes from 64KiB to 1GiB",
	 .form_has_bounds = true,
	 .help = "m"},
};

static const char *const tmodes[] = {"alpha", "beta"};

static const struct hv_k_optset tset = {
	.synopsis = "ktest [options]",
	.opts = topts,
	.nopts = sizeof(topts) / sizeof(topts[0]),
	.width = 10,
	.mode_names = tmodes,
	.nmodes = 2,
};

#define NTOPTS (sizeof(topts) / sizeof(topts[0]))
#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})

/* Parse the NULL-terminated argv into a zeroed *c. */
static int
tparse(const struct hv_k_optset *set, unsigned int mode, struct tcfg *c,
       bool *seen, char **argv, struct hv_k_opt_err *err)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(c, 0, sizeof(*c));
	return hv_k_parse_opts(set, mode, c, seen, argc, argv, err);
}

static void
expect_err(unsigned int mode, char **argv, const char *msg, const char *desc)
{
	struct hv_k_opt_err err;
	struct tcfg c;
	int rc;

	rc = tparse(&tset, mode, &c, NULL, argv, &err);
	ok(rc == -EINVAL && err.code == HV_K_EXIT_USAGE,
	   "%s: -EINVAL, exit 2 (rc %d, code %d)", desc, rc, err.code);
	is_str(err.msg, msg, "%s: message", desc);
}

static void
test_opts_good(void)
{
	struct hv_k_opt_err err;
	bool seen[NTOPTS] = {false};
	struct tcfg c;
	int rc;

	rc = tparse(&tset, 0, &c, seen, ARGV(NULL), &err);
	ok(rc == 0 && c.n == 7 && c.bytes == 4096 && c.nlist == 2 &&
		   c.list[0] == 1 && c.list[1] == 2 && c.ns == 1000000000 &&
		   !c.flag && c.name[0] == '\0' && c.pick == 0,
	   "defaults applied, the rest left zero");
	rc = tparse(&tset, 0, &c, seen,
		    ARGV("--n", "5", "--bytes=64KiB", "--list", "1,2,4KiB",
			 "--secs=500ms", "--name", "abc", "--flag", "--pick",
			 "10", "--mem", "1M"),
		    &err);
	ok(rc == 0 && c.n == 5 && c.bytes == 65536 && c.nlist == 3 &&
		   c.list[2] == 4096 && c.ns == 500000000 &&
		   strcmp(c.name, "abc") == 0 && c.flag && c.pick == 10 &&
		   c.mem == 1 << 20,
	   "--name V and --name=V of every type");
	ok(seen[0] && seen[1] && seen[2] && seen[3] && !seen[4] && seen[5] &&
		   seen[6] && seen[7] && !seen[8],
	   "seen marks exactly the options given");
	rc = tparse(&tset, 0, &c, NULL, ARGV("--n=3", "--n", "4", "--one", "8"),
		    &err);
	ok(rc == 0 && c.n == 4 && c.nlist == 1 && c.list[0] == 8,
	   "the last of a repeated option wins; --one makes a 1-element list");
	rc = tparse(&tset, 0, &c, NULL, ARGV("--name=12345678"), &err);
	ok(rc == 0 && strcmp(c.name, "12345678") == 0, "STR at its max length");
	rc = tparse(&tset, 2, &c, NULL, ARGV("--beta", "3"), &err);
	ok(rc == 0 && c.beta == 3, "an option of the mode in force");
	rc = tparse(&tset, 0, &c, NULL, ARGV("--beta=3"), &err);
	ok(rc == 0 && c.beta == 3, "no mode: every option applies");
	ok(hv_k_opt_find(&tset, "secs", 4) == &topts[5] &&
		   hv_k_opt_find(&tset, "secsx", 4) == &topts[5] &&
		   hv_k_opt_find(&tset, "sec", 3) == NULL,
	   "hv_k_opt_find matches whole names only");
}

static void
test_opts_bad(void)
{
	expect_err(0, ARGV("--n", "101"),
		   "bad --n '101': expected an integer, from 1 to 100",
		   "U64 above max");
	expect_err(0, ARGV("--bytes=0x"),
		   "bad --bytes '0x': expected bytes like 64, 4KiB or 1M, "
		   "from 1 to 1048576",
		   "BYTES, --x=y form");
	expect_err(0, ARGV("--one", "1,2"),
		   "bad --one '1,2': expected bytes like 64, 4KiB or 1M, "
		   "from 1 to 1048576",
		   "BYTES_ONE refuses a list");
	expect_err(0, ARGV("--secs", "2h"),
		   "bad --secs '2h': expected seconds like 2, 0.5 or 500ms, "
		   "from 0.001 to 60 s",
		   "SECS with a bad unit");
	expect_err(0, ARGV("--name", ""),
		   "bad --name '': expected a string, not empty, at most 8 "
		   "bytes",
		   "STR empty");
	expect_err(0, ARGV("--name", "123456789"),
		   "bad --name '123456789': expected a string, not empty, at "
		   "most 8 bytes",
		   "STR too long");
	expect_err(0, ARGV("--mem", "1K"),
		   "bad --mem '1K': expected bytes from 64KiB to 1GiB",
		   "form_has_bounds: no bounds added");
	expect_err(0, ARGV("--pick", "x"),
		   "bad --pick 'x': expected an even number",
		   "CUSTOM without its own message");
	expect_err(0, ARGV("--pick", "3"), "odd --pick '3': it must be even",
		   "CUSTOM with its own message");
	expect_err(0, ARGV("--frob=1"),
		   "unknown option '--frob=1' (see --help)", "unknown option");
	expect_err(0, ARGV("--"), "unknown option '--' (see --help)",
		   "bare --");
	expect_err(0, ARGV("--n", "5", "x"),
		   "unexpected argument 'x': options look like --name VALUE "
		   "(see --help)",
		   "positional argument");
	expect_err(0, ARGV("-n", "5"),
		   "unexpected argument '-n': options look like --name VALUE "
		   "(see --help)",
		   "single dash");
	expect_err(0, ARGV("--flag", "--n"),
		   "option --n needs a value: an integer", "missing value");
	expect_err(0, ARGV("--list"),
		   "option --list needs a value: a list of bytes like "
		   "1,64,4KiB",
		   "missing list");
	expect_err(0, ARGV("--flag="), "option --flag takes no value",
		   "flag with a value");
	expect_err(1, ARGV("--beta", "1"),
		   "option --beta does not apply to alpha",
		   "option of another mode");
}

static void
test_opts_list(void)
{
	expect_err(0, ARGV("--list", "1,0x,3"),
		   "bad element '0x' in --list '1,0x,3': expected bytes like "
		   "64 or 4KiB, from 1 to 1048576, at most 4 of them",
		   "list: bad element");
	expect_err(0, ARGV("--list=1,2,3,4,5"),
		   "bad element '5' in --list '1,2,3,4,5': expected bytes like "
		   "64 or 4KiB, from 1 to 1048576, at most 4 of them",
		   "list: one element too many");
	expect_err(0, ARGV("--list", "1,2M"),
		   "bad element '2M' in --list '1,2M': expected bytes like 64 "
		   "or 4KiB, from 1 to 1048576, at most 4 of them",
		   "list: element above max");
	expect_err(0, ARGV("--list", "0"),
		   "bad --list '0': expected a list of bytes like 1,64,4KiB, "
		   "from 1 to 1048576",
		   "list: the only element bad");
	expect_err(
		0, ARGV("--list", "1,,3"),
		"bad --list '1,,3': expected a list of bytes like 1,64,4KiB, "
		"from 1 to 1048576",
		"list: empty element");
	expect_err(0, ARGV("--list="),
		   "bad --list '': expected a list of bytes like 1,64,4KiB, "
		   "from 1 to 1048576",
		   "list: empty");
}

static void
test_opts_default(void)
{
	static const struct hv_k_opt bad[] = {
		{.name = "n",
		 .type = HV_K_OPT_U64,
		 .min = 1,
		 .max = 9,
		 .def = "10",
		 .off = TOFF(n),
		 .help = "n"},
	};
	static const struct hv_k_optset set = {
		.synopsis = "x", .opts = bad, .nopts = 1, .width = 8};
	struct hv_k_opt_err err;
	struct tcfg c;
	int rc;

	rc = tparse(&set, 0, &c, NULL, ARGV("--n", "2"), &err);
	ok(rc == -EINVAL && err.code == HV_K_EXIT_FAIL,
	   "a bad default is exit 1, a bug (rc %d, code %d)", rc, err.code);
	is_str(err.msg, "bad default of --n", "bad default: message");
}

static void
test_opts_usage(void)
{
	static const struct hv_k_opt u[] = {
		{.name = "n",
		 .type = HV_K_OPT_U64,
		 .modes = 1,
		 .def = "7",
		 .help = "a number"},
		{.name = "flag",
		 .type = HV_K_OPT_FLAG,
		 .modes = 2,
		 .help = "a flag"},
		{.name = "both",
		 .type = HV_K_OPT_FLAG,
		 .modes = 3,
		 .help = "both"},
	};
	static const struct hv_k_optset set = {
		.synopsis = "ktest alpha|beta [options]",
		.opts = u,
		.nopts = 3,
		.width = 10,
		.mode_names = tmodes,
		.nmodes = 2,
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f) {
		hv_k_opts_usage(&set, f);
		fclose(f);
	}
	is_str(buf,
	       "usage: ktest alpha|beta [options]\n\n"
	       "  --n V      a number (default 7) [alpha ]\n"
	       "  --flag     a flag [beta]\n"
	       "  --both     both [alpha beta]\n"
	       "\nExit: 0 ok, 1 runtime failure, 2 bad usage.\n",
	       "usage: defaults and modes");
	free(buf);
}

/* Run fn in a child with fd captured; its exit status and output. */
static int
in_child(void (*fn)(void), int fd, char *out, size_t outlen)
{
	int p[2], st = -1;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	out[0] = '\0';
	if (pipe(p) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], fd);
		close(p[0]);
		fn();
		_exit(99);
	}
	close(p[1]);
	while (pid > 0 && n + 1 < outlen &&
	       (r = read(p[0], out + n, outlen - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(p[0]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void
child_die(void)
{
	struct tcfg c;

	hv_k_progname("ktest");
	hv_k_parse_opts_or_die(&tset, 0, &c, NULL, 2, ARGV("--n", "0"));
	_exit(0);
}

static void
child_help(void)
{
	hv_k_opts_help(&tset, 3, ARGV("ktest", "--n", "-h"));
	_exit(5);
}

static void
child_nohelp(void)
{
	hv_k_opts_help(&tset, 3, ARGV("ktest", "--n", "--hel"));
	_exit(5);
}

static void
test_opts_exit(void)
{
	char out[4096];
	int rc;

	rc = in_child(child_die, 2, out, sizeof(out));
	is_int(rc, HV_K_EXIT_USAGE, "or_die: exits 2 on bad input");
	is_str(out, "ktest: bad --n '0': expected an integer, from 1 to 100\n",
	       "or_die: prints the message after the program name");
	rc = in_child(child_help, 1, out, sizeof(out));
	ok(rc == 0 && strncmp(out, "usage: ktest [options]\n\n", 24) == 0 &&
		   strstr(out, "  --beta V   only in mode beta [beta]\n"),
	   "-h prints the usage to stdout and exits 0 (rc %d)", rc);
	rc = in_child(child_nohelp, 1, out, sizeof(out));
	ok(rc == 5 && out[0] == '\0', "no --help or -h: returns (rc %d)", rc);
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
	test_opts_good();
	test_opts_bad();
	test_opts_list();
	test_opts_default();
	test_opts_usage();
	test_opts_exit();
	test_json();
	return done_testing();
}
