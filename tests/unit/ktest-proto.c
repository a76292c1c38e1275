/*
 * ktest-proto.c - the agent protocol codec (src/proto): round trips of
 * every frame type, and the decoder's answers to truncated headers, bad
 * magic, unknown types, oversized lengths, strings longer than their
 * payload and trailing bytes. Linked like a kernel: no host library.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proto.h"
#include "tap.h"

static uint8_t frame[HV_PROTO_HDR_LEN + HV_PROTO_MAX_PAYLOAD + 16];

/* Feed a whole frame to a stream reader and get it back. */
static int
reread(const struct hv_proto_wr *w, struct hv_proto_in *in,
       struct hv_frame_hdr *h, const uint8_t **p)
{
	hv_proto_in_init(in);
	if (hv_proto_in_append(in, w->buf, w->len) < 0)
		return -1;
	return hv_proto_in_frame(in, h, p);
}

static void
test_hello_exit_error(void)
{
	struct hv_proto_hello m = {.version = 7}, m2;
	struct hv_proto_exit x = {-1, 9, true, 123456789012LL, 42}, x2;
	struct hv_proto_error e2;
	struct hv_proto_wr w;
	struct hv_proto_in in;
	struct hv_frame_hdr h;
	const uint8_t *p;

	snprintf(m.software, sizeof(m.software), "hpcvirt-agent/1");
	snprintf(m.host, sizeof(m.host), "box");
	snprintf(m.uname, sizeof(m.uname), "Linux 6 x86_64");
	hv_proto_wr_init(&w, frame, sizeof(frame));
	is_int(hv_proto_hello_build(&w, &m), 0, "HELLO builds");
	ok(reread(&w, &in, &h, &p) == 1 && h.type == HV_F_HELLO,
	   "HELLO frame read back");
	ok(hv_proto_hello_parse(p, h.len, &m2) == 0 && m2.version == 7 &&
		   !strcmp(m2.software, "hpcvirt-agent/1") &&
		   !strcmp(m2.host, "box") &&
		   !strcmp(m2.uname, "Linux 6 x86_64"),
	   "HELLO round trip");
	is_int(hv_proto_hello_parse(p, h.len - 1, &m2), -EBADMSG,
	       "HELLO one byte short");
	hv_proto_in_release(&in);

	hv_proto_wr_init(&w, frame, sizeof(frame));
	is_int(hv_proto_exit_build(&w, &x), 0, "EXIT builds");
	ok(reread(&w, &in, &h, &p) == 1 && h.type == HV_F_EXIT && h.len == 25,
	   "EXIT frame read back (25 bytes)");
	ok(hv_proto_exit_parse(p, h.len, &x2) == 0 && x2.exit_code == -1 &&
		   x2.term_signal == 9 && x2.timed_out &&
		   x2.wall_ns == 123456789012LL && x2.cpu_ns == 42,
	   "EXIT round trip");
	is_int(hv_proto_exit_parse(p, h.len + 1, &x2), -EBADMSG,
	       "EXIT with a trailing byte");
	hv_proto_in_release(&in);

	hv_proto_wr_init(&w, frame, sizeof(frame));
	is_int(hv_proto_error_build(&w, 13, "not a kernel: 'sh'", true), 0,
	       "ERROR builds");
	ok(reread(&w, &in, &h, &p) == 1 && h.type == HV_F_ERROR &&
		   (h.flags & HV_PROTO_F_FATAL),
	   "ERROR frame with FATAL flag");
	ok(hv_proto_error_parse(p, h.len, &e2) == 0 && e2.code == 13 &&
		   !strcmp(e2.msg, "not a kernel: 'sh'"),
	   "ERROR round trip");
	hv_proto_in_release(&in);
}

static void
test_exec(void)
{
	const char *argv[] = {"hpcvirt-net", "--mode", "rr", "", NULL};
	const char *envp[] = {"A=1", "OMP_NUM_THREADS=2", NULL};
	struct hv_proto_exec m;
	struct hv_proto_wr w;
	struct hv_proto_in in;
	struct hv_frame_hdr h;
	const uint8_t *p;
	int bad;

	hv_proto_wr_init(&w, frame, sizeof(frame));
	is_int(hv_proto_exec_build(&w, 2500, argv, envp, "sub"), 0,
	       "EXEC builds");
	ok(reread(&w, &in, &h, &p) == 1 && h.type == HV_F_EXEC,
	   "EXEC frame read back");
	is_int(hv_proto_exec_parse(p, h.len, &m), 0, "EXEC parses");
	ok(m.timeout_ms == 2500 && m.argc == 4 && m.envc == 2 &&
		   !strcmp(m.argv[0], "hpcvirt-net") &&
		   !strcmp(m.argv[2], "rr") && !strcmp(m.argv[3], "") &&
		   !m.argv[4] && !strcmp(m.envp[1], "OMP_NUM_THREADS=2") &&
		   !m.envp[2] && !strcmp(m.cwd, "sub"),
	   "EXEC round trip");
	hv_proto_exec_release(&m);
	bad = 0;
	for (uint32_t cut = 0; cut < h.len; cut++)
		bad += hv_proto_exec_parse(p, cut, &m) != -EBADMSG;
	is_int(bad, 0, "every truncation of EXEC is refused");
	hv_proto_in_release(&in);

	hv_proto_wr_init(&w, frame, sizeof(frame));
	is_int(hv_proto_exec_build(&w, 0, (const char *[]){NULL}, NULL, ""),
	       -EINVAL, "EXEC without argv[0] refused by the builder");
	/* argc 0 on the wire: u32 tmo, u32 argc=0, u32 envc=0, str "". */
	memset(frame, 0, 16);
	is_int(hv_proto_exec_parse(frame, 16, &m), -EBADMSG,
	       "EXEC with argc 0 refused");
	/* A string that claims more bytes than the payload has. */
	memcpy(frame, "\0\0\0\0\0\0\0\1\xff\xff\xff\xf0xx", 14);
	is_int(hv_proto_exec_parse(frame, 14, &m), -EBADMSG,
	       "string length beyond the payload refused");
	/* argc of 2^32-1 must not allocate. */
	memcpy(frame, "\0\0\0\0\xff\xff\xff\xff", 8);
	is_int(hv_proto_exec_parse(frame, 8, &m), -EBADMSG,
	       "huge argc refused without allocating");
	/* NUL inside a string. */
	memcpy(frame, "\0\0\0\0\0\0\0\1\0\0\0\2ab\0\0\0\0\0\0\0\0", 22);
	is_int(hv_proto_exec_parse(frame, 22, &m), 0, "minimal EXEC parses");
	hv_proto_exec_release(&m);
	frame[13] = '\0';
	is_int(hv_proto_exec_parse(frame, 22, &m), -EBADMSG,
	       "NUL inside a string refused");
}

static void
test_headers(void)
{
	uint8_t b[HV_PROTO_HDR_LEN];
	struct hv_frame_hdr h;
	char why[128];

	hv_proto_hdr_put(b, HV_F_KILL, 0, 0);
	ok(hv_proto_hdr_get(b, sizeof(b), &h, why, sizeof(why)) == 0 &&
		   h.type == HV_F_KILL && h.len == 0,
	   "KILL header round trip");
	ok(!memcmp(b, "HVA1\x07\0\0\0\0\0\0\0", 12),
	   "wire bytes as documented");
	for (size_t n = 0; n < sizeof(b); n++)
		if (hv_proto_hdr_get(b, n, &h, why, sizeof(why)) != -EAGAIN)
			ok(0, "truncated header of %zu bytes", n);
	ok(1, "truncated headers need more bytes");
	b[0] = 'X';
	is_int(hv_proto_hdr_get(b, sizeof(b), &h, why, sizeof(why)), -EBADMSG,
	       "bad magic: %s", why);
	hv_proto_hdr_put(b, 9, 0, 0);
	is_int(hv_proto_hdr_get(b, sizeof(b), &h, why, sizeof(why)), -EBADMSG,
	       "unknown type: %s", why);
	hv_proto_hdr_put(b, HV_F_EXEC, 0x80, 0);
	is_int(hv_proto_hdr_get(b, sizeof(b), &h, why, sizeof(why)), -EBADMSG,
	       "unknown flag: %s", why);
	hv_proto_hdr_put(b, HV_F_EXEC, 0, 0);
	b[7] = 1;
	is_int(hv_proto_hdr_get(b, sizeof(b), &h, why, sizeof(why)), -EBADMSG,
	       "reserved field set: %s", why);
	hv_proto_hdr_put(b, HV_F_STDOUT, 0, HV_PROTO_MAX_PAYLOAD + 1);
	is_int(hv_proto_hdr_get(b, sizeof(b), &h, why, sizeof(why)), -EMSGSIZE,
	       "oversized length: %s", why);
	hv_proto_hdr_put(b, HV_F_STDOUT, 0, 0xffffffffu);
	is_int(hv_proto_hdr_get(b, sizeof(b), &h, why, sizeof(why)), -EMSGSIZE,
	       "length 2^32-1 refused");
	is_str(hv_proto_type_name(HV_F_SHUTDOWN), "SHUTDOWN", "type names");
	is_str(hv_proto_type_name(200), "?", "unknown type name");
}

static void
test_stream(void)
{
	struct hv_proto_in in;
	struct hv_frame_hdr h;
	const uint8_t *p;
	uint8_t b[HV_PROTO_HDR_LEN + 5];
	int got = 0;

	hv_proto_in_init(&in);
	hv_proto_in_append(&in, "boot noise\r\nHV", 14);
	is_int(hv_proto_in_resync(&in), 0, "resync waits for the magic");
	hv_proto_hdr_put(b, HV_F_STDOUT, 0, 5);
	memcpy(b + HV_PROTO_HDR_LEN, "hello", 5);
	hv_proto_in_append(&in, b + 2, sizeof(b) - 2);
	is_int(hv_proto_in_resync(&in), 1, "resync finds a split magic");
	is_int(in.junk, 12, "12 bytes of noise dropped");
	/* Two frames, delivered byte by byte. */
	hv_proto_in_release(&in);
	hv_proto_in_init(&in);
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof(b); i++) {
			hv_proto_in_append(&in, b + i, 1);
			if (hv_proto_in_frame(&in, &h, &p) == 1) {
				got += h.len == 5 && !memcmp(p, "hello", 5);
				hv_proto_in_pop(&in);
			}
		}
	is_int(got, 2, "frames reassembled from single bytes");
	is_int(in.have, 0, "nothing left over");
	hv_proto_hdr_put(b, HV_F_STDOUT, 0, HV_PROTO_MAX_PAYLOAD + 7);
	hv_proto_in_append(&in, b, HV_PROTO_HDR_LEN);
	is_int(hv_proto_in_frame(&in, &h, &p), -EMSGSIZE,
	       "oversized frame refused before its payload: %s", in.why);
	ok(in.cap <= 64 * 1024, "and nothing was allocated for it (%zu)",
	   in.cap);
	hv_proto_in_release(&in);
}

static void
test_addr(void)
{
	static const char *const good[] = {
		"unix:/tmp/a.sock", "tcp:127.0.0.1:4000", "tcp:[::1]:4000",
		"tcp:127.0.0.1:0", "tcp:0.0.0.0:7100"};
	static const char *const bad[] = {"",
					  "unix:",
					  "tcp:",
					  "tcp:127.0.0.1",
					  "tcp:localhost:80",
					  "tcp:127.0.0.1:65536",
					  "tcp:[::1]",
					  "tcp:::1:80",
					  "tcp:127.0.0.1:-1",
					  "tcp:127.0.0.1:8x",
					  "udp:1.2.3.4:5"};
	struct sockaddr_storage ss;
	socklen_t len;
	char why[128], back[160];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int rc = hv_proto_addr_parse(good[i], &ss, &len, why,
					     sizeof(why));

		ok(rc == 0 &&
			   hv_proto_addr_format((struct sockaddr *)&ss, len,
						back, sizeof(back)) == 0 &&
			   !strcmp(back, good[i]),
		   "address '%s' round trip ('%s')", good[i], rc ? why : back);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(hv_proto_addr_parse(bad[i], &ss, &len, why, sizeof(why)),
		       -EINVAL, "address '%s' refused", bad[i]);
}

static void
test_writer(void)
{
	uint8_t small[HV_PROTO_HDR_LEN + 6];
	struct hv_proto_wr w;

	hv_proto_wr_init(&w, small, sizeof(small));
	hv_proto_wr_str(&w, "abc");
	is_int(hv_proto_wr_end(&w, HV_F_ERROR, 0), -EMSGSIZE,
	       "writer refuses to overflow its buffer");
	hv_proto_wr_init(&w, small, sizeof(small));
	hv_proto_wr_str(&w, "ab");
	is_int(hv_proto_wr_end(&w, HV_F_ERROR, 0), 0, "exact fit is fine");
}

int
main(void)
{
	test_hello_exit_error();
	test_exec();
	test_headers();
	test_stream();
	test_addr();
	test_writer();
	return done_testing();
}
