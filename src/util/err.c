/*
 * err.c - filling struct hv_err. Formatting goes into the caller's fixed
 * buffer, never the heap, so these are safe between fork and exec.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hpcvirt/util/err.h"

void
hv_err_init(struct hv_err *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}

static int
err_vset(struct hv_err *err, int code, int with_errno, const char *fmt,
	 va_list ap)
{
	size_t len;

	if (code <= 0)
		code = EIO;
	if (!err)
		return -code;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (with_errno) {
		len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s",
			 strerror(code));
	}
	return -code;
}

int
hv_err_set(struct hv_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = err_vset(err, code, 0, fmt, ap);
	va_end(ap);
	return rc;
}

int
hv_err_sys(struct hv_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = err_vset(err, code, 1, fmt, ap);
	va_end(ap);
	return rc;
}

int
hv_err_prefix(struct hv_err *err, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	va_list ap;
	size_t len;

	if (!err)
		return -EIO;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, "%s", old);
	if (err->code <= 0)
		err->code = EIO;
	return -err->code;
}
