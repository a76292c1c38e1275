/*
 * units.h - strict parsers of the value forms shared by the host tool and
 * the kernels (src/proto/units.c). All return 0 or -1, never exit and
 * never print.
 */
#ifndef HPCVIRT_UNITS_H
#define HPCVIRT_UNITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Strict number parsing for options; all return 0 or -1 and never exit.
 *   hv_k_parse_u64:   decimal (leading zeros are still decimal) or 0x
 *                     hex integer, no sign, in [min, max]
 *   hv_k_parse_bytes: integer with optional suffix k/K/KiB, M/MiB, G/GiB
 *                     (powers of 1024), B; in [min, max]
 *   hv_k_parse_secs:  duration like 2, 0.5, 500ms, 10s, 2m, 1h; as ns, in
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

#endif
