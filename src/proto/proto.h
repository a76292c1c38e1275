/*
 * proto.h - the framed protocol between the host tool and hpcvirt-agent.
 *
 * Shared, byte for byte, by the agent (static, no host library) and the
 * host-side client (src/study/agentc.c), so it depends on libc only.
 * docs/agent-protocol.md is the long form; this is the contract.
 *
 * A frame is a 12-byte header followed by a payload:
 *
 *   offset 0  u32 magic    0x48564131 ("HVA1")
 *          4  u8  type     enum hv_frame_type
 *          5  u8  flags    HV_PROTO_F_* (unknown bits must be 0)
 *          6  u16 reserved must be 0
 *          8  u32 length   payload bytes, at most HV_PROTO_MAX_PAYLOAD
 *
 * All integers are big-endian. A string is a u32 byte count followed by
 * that many bytes, no NUL inside, no terminator. Payloads:
 *
 *   HELLO    u32 version, str software, str hostname, str uname
 *            (host -> agent first; the agent answers with its own)
 *   EXEC     u32 timeout_ms (0 = agent default), u32 argc, argc x str,
 *            u32 envc, envc x str "KEY=VAL", str cwd ("" = workdir)
 *   STDOUT   raw bytes (agent -> host), at most HV_PROTO_CHUNK per frame
 *   STDERR   raw bytes (agent -> host)
 *   EXIT     i32 exit_code (-1 if signalled), i32 term_signal,
 *            u8 timed_out, i64 wall_ns, i64 cpu_ns
 *   ERROR    u32 errno_code, str message; flag FATAL: connection closes
 *   KILL     empty (host -> agent): cancel the running command
 *   SHUTDOWN empty; the agent acknowledges with an empty SHUTDOWN, then
 *            exits (powers off when it is PID 1)
 *
 * The decoders check every length against what remains of the payload
 * and never allocate more than a small multiple of the payload size.
 */
#ifndef HPCVIRT_PROTO_H
#define HPCVIRT_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define HV_PROTO_MAGIC 0x48564131u
#define HV_PROTO_VERSION 1u
#define HV_PROTO_HDR_LEN 12u
#define HV_PROTO_MAX_PAYLOAD (1024u * 1024u)
#define HV_PROTO_CHUNK (64u * 1024u)
#define HV_PROTO_MAX_ARGS 4096u
#define HV_PROTO_F_FATAL 0x01u
/* What EXEC's timeout_ms 0 means: one hour. */
#define HV_PROTO_DEFAULT_TIMEOUT_MS 3600000u

enum hv_frame_type {
	HV_F_HELLO = 1,
	HV_F_EXEC = 2,
	HV_F_STDOUT = 3,
	HV_F_STDERR = 4,
	HV_F_EXIT = 5,
	HV_F_ERROR = 6,
	HV_F_KILL = 7,
	HV_F_SHUTDOWN = 8,
};

struct hv_frame_hdr {
	uint8_t type;
	uint8_t flags;
	uint32_t len;
};

/* Frame type name ("EXEC"), or "?" for an unknown type. */
const char *hv_proto_type_name(unsigned type);

/* Write a header into out[HV_PROTO_HDR_LEN]. */
void hv_proto_hdr_put(uint8_t *out, unsigned type, unsigned flags,
		      uint32_t len);

/*
 * Decode and validate a header from the first n bytes of buf.
 * Returns 0, -EAGAIN if n < HV_PROTO_HDR_LEN, -EBADMSG for a bad magic,
 * unknown type, unknown flag or non-zero reserved field, -EMSGSIZE for a
 * length over HV_PROTO_MAX_PAYLOAD. why (may be NULL) gets a sentence.
 */
int hv_proto_hdr_get(const uint8_t *buf, size_t n, struct hv_frame_hdr *h,
		     char *why, size_t whylen);

/*
 * Building a frame into a caller-owned buffer. Init reserves room for the
 * header; the put functions append (and remember an overflow instead of
 * writing past cap); end fills the header and returns 0 or -EMSGSIZE.
 * The frame is then buf[0 .. len).
 */
struct hv_proto_wr {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool overflow;
};

void hv_proto_wr_init(struct hv_proto_wr *w, uint8_t *buf, size_t cap);
void hv_proto_wr_u8(struct hv_proto_wr *w, uint8_t v);
void hv_proto_wr_u32(struct hv_proto_wr *w, uint32_t v);
void hv_proto_wr_u64(struct hv_proto_wr *w, uint64_t v);
void hv_proto_wr_bytes(struct hv_proto_wr *w, const void *p, size_t n);
void hv_proto_wr_str(struct hv_proto_wr *w, const char *s);
int hv_proto_wr_end(struct hv_proto_wr *w, unsigned type, unsigned flags);

/*
 * Reading a payload. Every get returns 0 or -EBADMSG (not enough bytes
 * left, or a NUL inside a string) and then sticks in the failed state.
 * A string is returned as pointer + length into the payload.
 */
struct hv_proto_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};

void hv_proto_rd_init(struct hv_proto_rd *r, const uint8_t *p, size_t len);
int hv_proto_rd_u8(struct hv_proto_rd *r, uint8_t *v);
int hv_proto_rd_u32(struct hv_proto_rd *r, uint32_t *v);
int hv_proto_rd_u64(struct hv_proto_rd *r, uint64_t *v);
int hv_proto_rd_str(struct hv_proto_rd *r, const char **s, uint32_t *n);
/* 0 if nothing failed and every byte was consumed, else -EBADMSG. */
int hv_proto_rd_end(const struct hv_proto_rd *r);

/* HELLO. Over-long strings are truncated on parse, never overflowed. */
struct hv_proto_hello {
	uint32_t version;
	char software[64];
	char host[256];
	char uname[256];
};

int hv_proto_hello_build(struct hv_proto_wr *w, const struct hv_proto_hello *m);
int hv_proto_hello_parse(const uint8_t *p, size_t n, struct hv_proto_hello *m);

/*
 * EXEC. Parse makes NUL-terminated copies in one allocation (mem), at
 * most about three times the payload size; release frees it. argc >= 1,
 * argc and envc <= HV_PROTO_MAX_ARGS.
 */
struct hv_proto_exec {
	uint32_t timeout_ms;
	uint32_t argc;
	uint32_t envc;
	char **argv; /* NULL-terminated */
	char **envp; /* NULL-terminated */
	char *cwd;   /* "" means the agent's workdir */
	void *mem;
};

int hv_proto_exec_build(struct hv_proto_wr *w, uint32_t timeout_ms,
			const char *const *argv, const char *const *envp,
			const char *cwd);
int hv_proto_exec_parse(const uint8_t *p, size_t n, struct hv_proto_exec *m);
void hv_proto_exec_release(struct hv_proto_exec *m);

/* EXIT. */
struct hv_proto_exit {
	int32_t exit_code;
	int32_t term_signal;
	bool timed_out;
	int64_t wall_ns;
	int64_t cpu_ns;
};

int hv_proto_exit_build(struct hv_proto_wr *w, const struct hv_proto_exit *m);
int hv_proto_exit_parse(const uint8_t *p, size_t n, struct hv_proto_exit *m);

/* ERROR. The message is truncated to fit msg. */
struct hv_proto_error {
	uint32_t code;
	char msg[512];
};

int hv_proto_error_build(struct hv_proto_wr *w, uint32_t code, const char *msg,
			 bool fatal);
int hv_proto_error_parse(const uint8_t *p, size_t n, struct hv_proto_error *m);

/*
 * Incoming byte stream -> frames. The buffer grows only as far as the
 * frame being read needs (at most header + HV_PROTO_MAX_PAYLOAD).
 *   hv_proto_in_append: copy bytes in (tests, fuzzer);
 *   hv_proto_in_read:   one read(2) from fd; returns bytes read, 0 at
 *                       EOF, or -errno (-EAGAIN for a non-blocking fd);
 *   hv_proto_in_resync: drop bytes before the first magic (boot noise on
 *                       a serial console); 1 when in sync, 0 if more
 *                       bytes are needed;
 *   hv_proto_in_frame:  1 and the frame when a whole one is buffered, 0
 *                       if more bytes are needed, -EBADMSG/-EMSGSIZE for
 *                       a bad header (in->why says why);
 *   hv_proto_in_pop:    drop the frame hv_proto_in_frame returned.
 */
struct hv_proto_in {
	uint8_t *buf;
	size_t cap;
	size_t have;
	size_t junk; /* bytes dropped by resync */
	char why[128];
};

void hv_proto_in_init(struct hv_proto_in *in);
void hv_proto_in_release(struct hv_proto_in *in);
int hv_proto_in_append(struct hv_proto_in *in, const void *p, size_t n);
long hv_proto_in_read(struct hv_proto_in *in, int fd);
int hv_proto_in_resync(struct hv_proto_in *in);
int hv_proto_in_frame(struct hv_proto_in *in, struct hv_frame_hdr *h,
		      const uint8_t **payload);
void hv_proto_in_pop(struct hv_proto_in *in);

/*
 * Write all of buf to fd. On EAGAIN (non-blocking fd) wait with poll for
 * at most stall_ms without progress. 0, -ETIMEDOUT or -errno.
 */
int hv_proto_write_all(int fd, const void *buf, size_t len, int stall_ms);
/* Header + payload through hv_proto_write_all. */
int hv_proto_send(int fd, unsigned type, unsigned flags, const void *payload,
		  uint32_t len, int stall_ms);

/*
 * Addresses, as the agent's --listen takes them: "unix:/path",
 * "tcp:IPV4:PORT", "tcp:[IPV6]:PORT" (numeric only, port 0..65535).
 * Returns 0 or -EINVAL with a sentence naming the bad part in why.
 */
int hv_proto_addr_parse(const char *s, struct sockaddr_storage *ss,
			socklen_t *sslen, char *why, size_t whylen);
/* The same form back from a socket address ("tcp:127.0.0.1:4000"). */
int hv_proto_addr_format(const struct sockaddr *sa, socklen_t salen, char *out,
			 size_t outlen);

#endif
