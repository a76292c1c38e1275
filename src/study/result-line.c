/*
 * result-line.c - the kernel's HPCVIRT-RESULT line out of its stdout
 * (study/result-line.h). Moved out of sched.c so that a fuzzer can feed
 * it what a hostile guest could print (tests/fuzz/fuzz-result.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpcvirt/study/bench.h"
#include "hpcvirt/study/result-line.h"

void
hv_tail_line(const char *s, char *buf, size_t len)
{
	const char *end = s + strlen(s), *start;

	for (;;) {
		while (end > s && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		start = end;
		while (start > s && start[-1] != '\n')
			start--;
		if (start == s || start + strspn(start, "-= ") < end)
			break;
		end = start;
	}
	snprintf(buf, len, "%.*s", (int)(end - start), start);
}

int
hv_listen_line_parse(const char *line, const char *who, struct hv_peer *peer,
		     struct hv_err *err)
{
	char addr[64];
	int port;

	if (sscanf(line, "HPCVIRT-LISTEN %63s %d", addr, &port) != 2 ||
	    port <= 0 || port > 65535)
		return hv_err_set(err, EPROTO, "%s said '%s'", who, line);
	snprintf(peer->addr, sizeof(peer->addr), "%s", addr);
	peer->port = port;
	return 0;
}

/* The JSON after "HPCVIRT-RESULT " on the last such line of out. */
cJSON *
hv_result_line_find(const char *out)
{
	static const char tag[] = "HPCVIRT-RESULT ";
	const char *p = out, *last = NULL, *nl;
	char *line;
	cJSON *j;

	for (p = out; (p = strstr(p, tag)) != NULL; p += sizeof(tag) - 1)
		if (p == out || p[-1] == '\n')
			last = p + sizeof(tag) - 1;
	if (!last)
		return NULL;
	nl = strchr(last, '\n');
	line = strndup(last, nl ? (size_t)(nl - last) : strlen(last));
	if (!line)
		return NULL;
	j = cJSON_Parse(line);
	free(line);
	return j;
}
