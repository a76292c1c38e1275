/*
 * klib.c - option parsing (value parsers and the option-table parser with
 * its --help), clocks, aligned buffers and the result-line JSON writer
 * shared by every kernel. Kept free of the host library so that the
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
/* --- option tables ---------------------------------------------------- */

int
hv_k_opt_errf(struct hv_k_opt_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* The expected form of an option's value, for messages. */
static const char *
opt_form(const struct hv_k_opt *o)
{
	if (o->form)
		return o->form;
	switch (o->type) {
	case HV_K_OPT_U64:
		return "an integer";
	case HV_K_OPT_BYTES:
	case HV_K_OPT_BYTES_ONE:
		return "bytes like 64, 4KiB or 1M";
	case HV_K_OPT_BYTES_LIST:
		return "a list of bytes like 1,64,4KiB";
	case HV_K_OPT_SECS:
		return "seconds like 2, 0.5 or 500ms";
	case HV_K_OPT_STR:
		return "a string";
	case HV_K_OPT_CUSTOM:
		return "a value";
	default:
		return "no value";
	}
}

/* The bounds as they follow the form in a message, or "". */
static void
opt_bounds(const struct hv_k_opt *o, char *buf, size_t len)
{
	unsigned long long lo = o->min, hi = o->max;

	buf[0] = '\0';
	if (o->form_has_bounds)
		return;
	switch (o->type) {
	case HV_K_OPT_U64:
	case HV_K_OPT_BYTES:
	case HV_K_OPT_BYTES_ONE:
	case HV_K_OPT_BYTES_LIST:
		snprintf(buf, len, ", from %llu to %llu", lo, hi);
		break;
	case HV_K_OPT_SECS:
		snprintf(buf, len, ", from %g to %g s", o->min / 1e9,
			 o->max / 1e9);
		break;
	case HV_K_OPT_STR:
		if (lo == 0)
			snprintf(buf, len, ", at most %llu bytes", hi);
		else if (lo == 1)
			snprintf(buf, len, ", not empty, at most %llu bytes",
				 hi);
		else
			snprintf(buf, len, ", from %llu to %llu bytes", lo, hi);
		break;
	default:
		break;
	}
}

/* A byte-size list; a bad element other than the whole value is named. */
static int
opt_set_list(const struct hv_k_opt *o, const char *v, void *cfg,
	     struct hv_k_opt_err *err)
{
	uint64_t *dst = (uint64_t *)((char *)cfg + o->off);
	int *count = (int *)((char *)cfg + o->count_off);
	char bad[64], bounds[64];
	int n;

	n = hv_k_parse_bytes_list(v, o->min, o->max, dst, (int)o->cap, bad,
				  sizeof(bad));
	*count = n > 0 ? n : 0;
	if (n > 0)
		return 0;
	if (bad[0] && strcmp(bad, v) != 0) {
		opt_bounds(o, bounds, sizeof(bounds));
		return hv_k_opt_errf(err, HV_K_EXIT_USAGE,
				     "bad element '%s' in --%s '%s': expected "
				     "%s%s, at most %zu of them",
				     bad, o->name, v,
				     o->item_form ? o->item_form
						  : "bytes like 64 or 4KiB",
				     bounds, o->cap);
	}
	return -1;
}

/* Store one value; 0, or -1 if it does not parse or is out of range. */
static int
opt_set(const struct hv_k_opt *o, const char *v, void *cfg,
	struct hv_k_opt_err *err)
{
	char *dst = (char *)cfg + o->off;
	size_t len;

	switch (o->type) {
	case HV_K_OPT_FLAG:
		*(bool *)dst = true;
		return 0;
	case HV_K_OPT_U64:
		return hv_k_parse_u64(v, o->min, o->max, (uint64_t *)dst);
	case HV_K_OPT_BYTES:
		return hv_k_parse_bytes(v, o->min, o->max, (uint64_t *)dst);
	case HV_K_OPT_BYTES_ONE:
		*(int *)((char *)cfg + o->count_off) = 1;
		return hv_k_parse_bytes(v, o->min, o->max, (uint64_t *)dst);
	case HV_K_OPT_BYTES_LIST:
		return opt_set_list(o, v, cfg, err);
	case HV_K_OPT_SECS:
		return hv_k_parse_secs(v, (int64_t)o->min, (int64_t)o->max,
				       (int64_t *)dst);
	case HV_K_OPT_STR:
		len = strlen(v);
		if (len < o->min || len > o->max || len >= o->cap)
			return -1;
		snprintf(dst, o->cap, "%s", v);
		return 0;
	case HV_K_OPT_CUSTOM:
		return o->parse(o, v, dst, err);
	}
	return -1;
}

const struct hv_k_opt *
hv_k_opt_find(const struct hv_k_optset *set, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < set->nopts; i++)
		if (strlen(set->opts[i].name) == len &&
		    strncmp(set->opts[i].name, name, len) == 0)
			return &set->opts[i];
	return NULL;
}

/* The name of the mode bit mode, for messages. */
static const char *
mode_name(const struct hv_k_optset *set, unsigned int mode)
{
	size_t b;

	for (b = 0; b < set->nmodes; b++)
		if (mode == 1u << b)
			return set->mode_names[b];
	return "this mode";
}

/* The value of option o given as argv[*i]; NULL (err filled) if none. */
static const char *
opt_value(const struct hv_k_opt *o, const char *eq, int argc, char **argv,
	  int *i, struct hv_k_opt_err *err)
{
	if (o->type == HV_K_OPT_FLAG && eq) {
		hv_k_opt_errf(err, HV_K_EXIT_USAGE,
			      "option --%s takes no value", o->name);
		return NULL;
	}
	if (o->type == HV_K_OPT_FLAG)
		return "";
	if (eq)
		return eq + 1;
	if (*i + 1 < argc)
		return argv[++*i];
	hv_k_opt_errf(err, HV_K_EXIT_USAGE, "option --%s needs a value: %s",
		      o->name, opt_form(o));
	return NULL;
}

/* Handle argv[*i], "--name", "--name VALUE" or "--name=VALUE". */
static int
parse_one(const struct hv_k_optset *set, unsigned int mode, void *cfg,
	  bool *seen, int argc, char **argv, int *i, struct hv_k_opt_err *err)
{
	const char *a = argv[*i], *eq, *v;
	const struct hv_k_opt *o;
	char bounds[64];

	if (strncmp(a, "--", 2) != 0)
		return hv_k_opt_errf(err, HV_K_EXIT_USAGE,
				     "unexpected argument '%s': options look "
				     "like --name VALUE (see --help)",
				     a);
	eq = strchr(a + 2, '=');
	o = hv_k_opt_find(set, a + 2,
			  eq ? (size_t)(eq - a - 2) : strlen(a + 2));
	if (!o)
		return hv_k_opt_errf(err, HV_K_EXIT_USAGE,
				     "unknown option '%s' (see --help)", a);
	if (mode && o->modes && !(o->modes & mode))
		return hv_k_opt_errf(err, HV_K_EXIT_USAGE,
				     "option --%s does not apply to %s",
				     o->name, mode_name(set, mode));
	v = opt_value(o, eq, argc, argv, i, err);
	if (!v)
		return -1;
	if (opt_set(o, v, cfg, err) != 0) {
		if (err->msg[0])
			return -1;
		opt_bounds(o, bounds, sizeof(bounds));
		return hv_k_opt_errf(err, HV_K_EXIT_USAGE,
				     "bad --%s '%s': expected %s%s", o->name, v,
				     opt_form(o), bounds);
	}
	if (seen)
		seen[o - set->opts] = true;
	return 0;
}

int
hv_k_parse_opts(const struct hv_k_optset *set, unsigned int mode, void *cfg,
		bool *seen, int argc, char **argv, struct hv_k_opt_err *err)
{
	const struct hv_k_opt *o;
	int i;

	err->code = 0;
	err->msg[0] = '\0';
	for (o = set->opts; o < set->opts + set->nopts; o++)
		if (o->def && opt_set(o, o->def, cfg, err) != 0) {
			hv_k_opt_errf(err, HV_K_EXIT_FAIL,
				      "bad default of --%s", o->name);
			return -EINVAL;
		}
	for (i = 0; i < argc; i++)
		if (parse_one(set, mode, cfg, seen, argc, argv, &i, err) != 0)
			return -EINVAL;
	return 0;
}

void
hv_k_parse_opts_or_die(const struct hv_k_optset *set, unsigned int mode,
		       void *cfg, bool *seen, int argc, char **argv)
{
	struct hv_k_opt_err err;

	if (hv_k_parse_opts(set, mode, cfg, seen, argc, argv, &err) != 0)
		hv_k_die(err.code, "%s", err.msg);
}

/*
 * " [rr stream]": the modes an option applies to, for --help. Every name
 * but the set's last is followed by a space (" [rr ]"), as hpcvirt-net
 * has always printed them.
 */
static void
usage_modes(const struct hv_k_optset *set, const struct hv_k_opt *o, FILE *f)
{
	size_t b;

	fputs(" [", f);
	for (b = 0; b < set->nmodes; b++)
		if (!o->modes || (o->modes & (1u << b)))
			fprintf(f, "%s%s", set->mode_names[b],
				b + 1 < set->nmodes ? " " : "");
	fputc(']', f);
}

void
hv_k_opts_usage(const struct hv_k_optset *set, FILE *f)
{
	const struct hv_k_opt *o;
	char arg[64];

	fprintf(f, "usage: %s\n\n", set->synopsis);
	for (o = set->opts; o < set->opts + set->nopts; o++) {
		snprintf(arg, sizeof(arg), "--%s%s", o->name,
			 o->type == HV_K_OPT_FLAG ? "" : " V");
		fprintf(f, "  %-*s %s", set->width, arg, o->help);
		if (o->def)
			fprintf(f, " (default %s)", o->def);
		if (set->nmodes)
			usage_modes(set, o, f);
		fputc('\n', f);
	}
	fprintf(f, "\nExit: 0 ok, 1 runtime failure, 2 bad usage.\n");
}

void
hv_k_opts_help(const struct hv_k_optset *set, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			hv_k_opts_usage(set, stdout);
			exit(fflush(stdout) == 0 ? HV_K_EXIT_OK
						 : HV_K_EXIT_FAIL);
		}
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
