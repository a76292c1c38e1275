/*
 * klib.h - the small runtime shared by every benchmark kernel
 * (hpcvirt-net, hpcvirt-fs, hpcvirt-npb...). Kernels are standalone,
 * statically linkable programs: they take parameters only from argv,
 * verify their own result and print one line "HPCVIRT-RESULT {json}".
 * This library has no dependency on the host tool's core library.
 *
 * Exit codes every kernel uses: 0 ok, 1 runtime failure (or failed
 * verification), 2 usage or bad input.
 */
#ifndef HPCVIRT_KLIB_H
#define HPCVIRT_KLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "units.h" /* hv_k_parse_*: shared with the host tool */

#define HV_K_EXIT_OK 0
#define HV_K_EXIT_FAIL 1
#define HV_K_EXIT_USAGE 2

/* Set the program name used as prefix of every message. */
void hv_k_progname(const char *name);

/* Print "prog: message" to stderr and exit with code. */
void hv_k_die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* Monotonic and CPU clocks, in nanoseconds. */
int64_t hv_k_now_ns(void);
/* User + system CPU time of this process (getrusage RUSAGE_SELF), ns. */
int64_t hv_k_cpu_ns(void);

/*
 * Option tables. A kernel describes its options in a static const table
 * of struct hv_k_opt, each naming a field of its configuration struct by
 * offset, and hv_k_parse_opts() fills that struct from argv:
 *
 *   static const struct hv_k_opt opts[] = {
 *           {.name = "size", .type = HV_K_OPT_BYTES, .min = 1,
 *            .max = 1 << 20, .def = "4KiB", .off = offsetof(struct cfg, size),
 *            .help = "buffer size"},
 *           {.name = "json", .type = HV_K_OPT_FLAG,
 *            .off = offsetof(struct cfg, json), .help = "JSON output"},
 *   };
 *
 * Options are "--name VALUE" or "--name=VALUE"; flags take no value. The
 * last of repeated options wins. Every message names the option, the value
 * and the expected form with its bounds, e.g.
 *   bad --size '0x': expected bytes like 64, 4KiB or 1M, from 1 to 1048576
 */
enum hv_k_opt_type {
	HV_K_OPT_FLAG,	     /* bool, set to true; takes no value */
	HV_K_OPT_U64,	     /* uint64_t, hv_k_parse_u64 in [min, max] */
	HV_K_OPT_BYTES,	     /* uint64_t, hv_k_parse_bytes in [min, max] */
	HV_K_OPT_BYTES_ONE,  /* one size as a one-element list: into the
				uint64_t[] at off, 1 into the int at
				count_off */
	HV_K_OPT_BYTES_LIST, /* "1,64,4KiB" into the uint64_t[cap] at off,
				each in [min, max]; count into the int at
				count_off */
	HV_K_OPT_SECS,	     /* int64_t ns, hv_k_parse_secs, [min, max] in ns */
	HV_K_OPT_STR,	     /* copied into the char[cap] at off; its length
				in [min, max] (min 1: not empty) */
	HV_K_OPT_CUSTOM,     /* parse() does it: kernel-specific values */
};

/* One message, enough room for any sane value quoted twice. */
#define HV_K_OPT_MSG 8192

/*
 * Why hv_k_parse_opts() failed: the exit code to use (HV_K_EXIT_USAGE for
 * bad input, HV_K_EXIT_FAIL for a bad default, i.e. a bug in the table)
 * and one sentence without the program name. A message longer than the
 * buffer (only a value of several KiB makes one) is cut.
 */
struct hv_k_opt_err {
	int code;
	char msg[HV_K_OPT_MSG];
};

struct hv_k_opt {
	const char *name; /* without the leading "--" */
	enum hv_k_opt_type type;
	unsigned int modes; /* bits of the modes it applies to; 0: all */
	uint64_t min, max;  /* bounds, see the types */
	const char *def;    /* default, parsed like a value; NULL: zero */
	size_t off;	    /* of the field in the configuration struct */
	size_t count_off;   /* BYTES_ONE, BYTES_LIST: of the int count */
	size_t cap;	    /* BYTES_LIST: elements; STR: bytes of the field */
	/* Expected form in messages, NULL for the type's: "an integer",
	 * "bytes like 64, 4KiB or 1M", "a list of bytes like 1,64,4KiB",
	 * "seconds like 2, 0.5 or 500ms", "a string". */
	const char *form;
	const char *item_form; /* BYTES_LIST, one element: "bytes like 64
				  or 4KiB" if NULL */
	bool form_has_bounds;  /* form states the bounds: do not add them */
	const char *help;      /* one line for --help */
	/*
	 * CUSTOM: store v into the field at dst (cfg + off). Returns 0, or
	 * -1 if v is bad: then either err->msg is left empty and the message
	 * is "bad --NAME 'v': expected FORM", or the callback filled err with
	 * hv_k_opt_errf() to say more.
	 */
	int (*parse)(const struct hv_k_opt *o, const char *v, void *dst,
		     struct hv_k_opt_err *err);
};

/*
 * A kernel's options: the table, and what --help prints about them. If
 * the kernel has modes (hpcvirt-net server|rr|stream), mode_names[i] names
 * bit i of hv_k_opt.modes.
 */
struct hv_k_optset {
	const char *synopsis; /* "hpcvirt-fs --dir DIR [options]" */
	const struct hv_k_opt *opts;
	size_t nopts;
	int width; /* of the "--name V" column in --help */
	const char *const *mode_names;
	size_t nmodes;
};

/*
 * Fill cfg: first every default, then argv[0..argc-1] (the arguments after
 * the program name, or after its mode). mode is the bit of hv_k_opt.modes
 * in force, 0 for a kernel without modes; an option of another mode is an
 * error. If seen is not NULL (set->nopts entries), seen[k] is set for each
 * option k given in argv. Returns 0, or -EINVAL with err filled.
 */
int hv_k_parse_opts(const struct hv_k_optset *set, unsigned int mode, void *cfg,
		    bool *seen, int argc, char **argv,
		    struct hv_k_opt_err *err);

/* hv_k_parse_opts(), but on error print the message and exit (hv_k_die). */
void hv_k_parse_opts_or_die(const struct hv_k_optset *set, unsigned int mode,
			    void *cfg, bool *seen, int argc, char **argv);

/* The option named name[0..len-1], or NULL. */
const struct hv_k_opt *hv_k_opt_find(const struct hv_k_optset *set,
				     const char *name, size_t len);

/* Fill err (code and message) for a CUSTOM parse callback; returns -1. */
int hv_k_opt_errf(struct hv_k_opt_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Print the usage: the synopsis, one line per option (help, default and,
 * with modes, the modes it applies to) and the exit codes.
 */
void hv_k_opts_usage(const struct hv_k_optset *set, FILE *f);

/*
 * If any of argv[1..argc-1] is "--help" or "-h", print the usage to stdout
 * and exit 0 (1 if stdout cannot be written). Checked before anything
 * else, so that --help works next to any mistake.
 */
void hv_k_opts_help(const struct hv_k_optset *set, int argc, char **argv);

/* Page-aligned, zero-filled allocation; exits with code 1 on failure. */
void *hv_k_alloc_aligned(size_t size);

/*
 * A tiny streaming JSON writer for the result line. Nesting depth is
 * limited to 16. Numbers that are not finite are written as null.
 *
 *   struct hv_k_json j;
 *   hv_k_json_begin(&j, stdout);        // writes "HPCVIRT-RESULT "
 *   hv_k_json_obj(&j, NULL);            // {
 *   hv_k_json_str(&j, "kernel", "net"); //   "kernel":"net"
 *   hv_k_json_arr(&j, "samples");       //   "samples":[
 *   hv_k_json_i64(&j, NULL, 42);        //     42
 *   hv_k_json_end(&j);                  //   ]
 *   hv_k_json_end(&j);                  // }
 *   hv_k_json_finish(&j);               // newline, flush
 *
 * key is required inside objects and must be NULL inside arrays.
 */
struct hv_k_json {
	FILE *f;
	int depth;
	bool first[16];
	char kind[16]; /* closing character of each open container */
};

void hv_k_json_begin(struct hv_k_json *j, FILE *f);
void hv_k_json_obj(struct hv_k_json *j, const char *key);
void hv_k_json_arr(struct hv_k_json *j, const char *key);
void hv_k_json_end(struct hv_k_json *j);
void hv_k_json_str(struct hv_k_json *j, const char *key, const char *val);
void hv_k_json_i64(struct hv_k_json *j, const char *key, int64_t val);
void hv_k_json_u64(struct hv_k_json *j, const char *key, uint64_t val);
void hv_k_json_dbl(struct hv_k_json *j, const char *key, double val);
void hv_k_json_bool(struct hv_k_json *j, const char *key, bool val);
void hv_k_json_null(struct hv_k_json *j, const char *key);
/* Ends the line and flushes; returns 0, or -1 if the stream had an error. */
int hv_k_json_finish(struct hv_k_json *j);

#endif
