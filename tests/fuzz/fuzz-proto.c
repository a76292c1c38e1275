/*
 * fuzz-proto.c - libFuzzer harness for the agent protocol decoder
 * (src/proto). The input is fed to the stream reader in pieces whose
 * sizes come from the input itself, every frame it yields goes through
 * every payload parser, and a parsed EXEC, HELLO or EXIT must re-encode
 * to exactly the bytes it came from. The input is also tried as an
 * address string. Any crash, sanitizer report or abort() is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static void
check_exec(const uint8_t *p, uint32_t n, uint8_t *buf)
{
	struct hv_proto_exec m;
	struct hv_proto_wr w;

	if (hv_proto_exec_parse(p, n, &m) < 0)
		return;
	if (!m.argv[0] || m.argv[m.argc] || m.envp[m.envc])
		abort();
	hv_proto_wr_init(&w, buf, HV_PROTO_HDR_LEN + HV_PROTO_MAX_PAYLOAD);
	if (hv_proto_exec_build(&w, m.timeout_ms, (const char *const *)m.argv,
				(const char *const *)m.envp, m.cwd) < 0 ||
	    w.len != HV_PROTO_HDR_LEN + n ||
	    memcmp(w.buf + HV_PROTO_HDR_LEN, p, n))
		abort();
	hv_proto_exec_release(&m);
}

static void
check_fixed(const uint8_t *p, uint32_t n, uint8_t *buf)
{
	struct hv_proto_hello hello;
	struct hv_proto_exit x;
	struct hv_proto_error e;
	struct hv_proto_wr w;

	if (hv_proto_exit_parse(p, n, &x) == 0) {
		hv_proto_wr_init(&w, buf, 64);
		if (hv_proto_exit_build(&w, &x) < 0 ||
		    memcmp(w.buf + HV_PROTO_HDR_LEN, p, n))
			abort();
	}
	/* Strings may be truncated into fixed fields: parse only. */
	memset(&hello, 0, sizeof(hello));
	memset(&e, 0, sizeof(e));
	hv_proto_hello_parse(p, n, &hello);
	hv_proto_error_parse(p, n, &e);
	if (strlen(hello.host) >= sizeof(hello.host) ||
	    strlen(e.msg) >= sizeof(e.msg))
		abort();
}

static void
check_addr(const uint8_t *data, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char s[256], why[128], back[200];

	if (size >= sizeof(s))
		size = sizeof(s) - 1;
	memcpy(s, data, size);
	s[size] = '\0';
	if (hv_proto_addr_parse(s, &ss, &len, why, sizeof(why)) == 0)
		hv_proto_addr_format((struct sockaddr *)&ss, len, back,
				     sizeof(back));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *buf;
	struct hv_proto_in in;
	struct hv_frame_hdr h;
	const uint8_t *p;
	size_t off = 0, step;
	int rc;

	if (!buf)
		buf = malloc(HV_PROTO_HDR_LEN + HV_PROTO_MAX_PAYLOAD);
	check_addr(data, size);
	check_exec(data, (uint32_t)(size > HV_PROTO_MAX_PAYLOAD ? 0 : size),
		   buf);
	hv_proto_in_init(&in);
	while (off < size) {
		step = 1 + data[off] % 97;
		if (step > size - off)
			step = size - off;
		if (hv_proto_in_append(&in, data + off, step) < 0)
			break;
		off += step;
		if (!hv_proto_in_resync(&in))
			continue;
		while ((rc = hv_proto_in_frame(&in, &h, &p)) == 1) {
			check_exec(p, h.len, buf);
			check_fixed(p, h.len, buf);
			hv_proto_in_pop(&in);
		}
		if (rc < 0)
			break;
	}
	hv_proto_in_release(&in);
	return 0;
}
