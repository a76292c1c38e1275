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
 * Strict number parsing for options; all return 0 or -1 and never exit.
 *   hv_k_parse_u64:   decimal or 0x hex integer in [min, max]
 *   hv_k_parse_bytes: integer with optional suffix k/K/KiB, M/MiB, G/GiB
 *                     (powers of 1024), B; in [min, max]
 *   hv_k_parse_secs:  duration like 2, 0.5, 500ms, 10s, 2m; as ns, in
 *                     [min_ns, max_ns]
 *   hv_k_parse_double: finite decimal number in [min, max]
 */
int hv_k_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int hv_k_parse_bytes(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int hv_k_parse_secs(const char *s, int64_t min_ns, int64_t max_ns,
		    int64_t *out);
int hv_k_parse_double(const char *s, double min, double max, double *out);

/*
 * Parse a comma-separated list of byte sizes ("1,64,4KiB") into out[],
 * at most max entries. Returns the count, or -1 on a bad element (the
 * offending element is copied into bad, if bad is not NULL).
 */
int hv_k_parse_bytes_list(const char *s, uint64_t min, uint64_t max,
			  uint64_t *out, int maxn, char *bad, size_t badlen);

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
