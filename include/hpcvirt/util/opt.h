/*
 * opt.h - strict parsing of option values for the host tool. Each parser
 * names the option and the bad value in err and says what form was
 * expected: "bad --reps '0x': expected a whole number from 1 to 10000".
 */
#ifndef HPCVIRT_OPT_H
#define HPCVIRT_OPT_H

#include <stddef.h>
#include <stdint.h>

#include "hpcvirt/util/err.h"

int hv_opt_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
	       uint64_t *out, struct hv_err *err);
/* Bytes with optional suffix: 64, 4K, 4KiB, 1M, 1MiB, 1G, 1GiB. */
int hv_opt_bytes(const char *opt, const char *s, uint64_t min, uint64_t max,
		 uint64_t *out, struct hv_err *err);
/* Seconds: 2, 0.5, 500ms, 80us, 10s, 2m, 1h. */
int hv_opt_secs(const char *opt, const char *s, double min, double max,
		double *out, struct hv_err *err);

/* Bits per second: 1000000, 100Mbit, 1Gbit, 10kbit (decimal SI). */
int hv_opt_rate(const char *opt, const char *s, uint64_t *out,
		struct hv_err *err);
/* A rate for people, exact: "1 Gbit/s", "1500 Mbit/s", "12345 bit/s". */
void hv_opt_rate_str(uint64_t bps, char *buf, size_t len);

/*
 * Split a comma-separated list in place into at most max items. Empty
 * items are an error naming the option.
 */
int hv_opt_split(const char *opt, char *s, char **items, int max,
		 struct hv_err *err);

#endif
