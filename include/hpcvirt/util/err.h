/*
 * err.h - the error out-parameter every library function fills.
 *
 * Library code returns 0 on success or a negative errno, and writes a
 * human-readable message naming the bad value into a caller-owned
 * struct hv_err. Nothing here allocates, so it is safe to use in a forked
 * child before exec. Library code never prints and never exits; main()
 * decides what to do with the message.
 */
#ifndef HPCVIRT_ERR_H
#define HPCVIRT_ERR_H

#include <stddef.h>

struct hv_err {
	int code;      /* positive errno (EINVAL for bad input), 0 if none */
	char msg[256]; /* one line, no trailing newline */
};

/* Clear an error (code 0, empty message). */
void hv_err_init(struct hv_err *err);

/*
 * Record an error and return -code, so that callers can write
 * "return hv_err_set(err, EINVAL, "bad --size '%s'", s);".
 * err may be NULL. code must be a positive errno value.
 */
int hv_err_set(struct hv_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As hv_err_set(), with ": strerror(code)" appended to the message. */
int hv_err_sys(struct hv_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Prefix an existing message with context ("net.rr: " + old message).
 * Returns -err->code (or -EIO if no code was set).
 */
int hv_err_prefix(struct hv_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
