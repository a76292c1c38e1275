/*
 * result-line.h - finding a kernel's result in what it printed. Every
 * kernel ends its --json run with one line "HPCVIRT-RESULT {json}"
 * (src/kernels/lib/klib.h); the box returns the kernel's whole stdout,
 * which the guest controls, so this reads it as untrusted text.
 */
#ifndef HPCVIRT_RESULT_LINE_H
#define HPCVIRT_RESULT_LINE_H

#include <cjson/cJSON.h>

#include "hpcvirt/util/err.h"

/*
 * The JSON after "HPCVIRT-RESULT " on the last line of out that starts
 * with that tag, parsed; NULL when there is no such line, it is not
 * JSON, or memory runs out. out is a NUL-terminated string. The caller
 * frees the result with cJSON_Delete().
 */
cJSON *hv_result_line_find(const char *out);

/* The last line of a kernel's stderr s that says something, into buf,
 * for failure reasons: empty lines and rules of dashes (Open MPI frames
 * its messages with them) are passed over. */
void hv_tail_line(const char *s, char *buf, size_t len);

struct hv_peer;
/*
 * A peer server's first line, "HPCVIRT-LISTEN ADDR PORT", into peer: 0,
 * or -EPROTO with err quoting the line (who: "hpcvirt-net server").
 */
int hv_listen_line_parse(const char *line, const char *who,
			 struct hv_peer *peer, struct hv_err *err);

#endif
