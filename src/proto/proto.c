/*
 * proto.c - encoding and decoding of the agent protocol's frames (see
 * proto.h), the buffered frame reader and the address syntax. It is
 * compiled into both the static agent and the host library, and fuzzed
 * (tests/fuzz/fuzz-proto.c), so it uses libc only, checks every length
 * before it reads and bounds every allocation by the frame size.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto.h"

#define IN_READ_CHUNK (64u * 1024u)

static const char *const type_names[] = {
	[HV_F_HELLO] = "HELLO",	  [HV_F_EXEC] = "EXEC",
	[HV_F_STDOUT] = "STDOUT", [HV_F_STDERR] = "STDERR",
	[HV_F_EXIT] = "EXIT",	  [HV_F_ERROR] = "ERROR",
	[HV_F_KILL] = "KILL",	  [HV_F_SHUTDOWN] = "SHUTDOWN",
};

const char *
hv_proto_type_name(unsigned type)
{
	if (type >= sizeof(type_names) / sizeof(type_names[0]) ||
	    !type_names[type])
		return "?";
	return type_names[type];
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

void
hv_proto_hdr_put(uint8_t *out, unsigned type, unsigned flags, uint32_t len)
{
	put_be32(out, HV_PROTO_MAGIC);
	out[4] = (uint8_t)type;
	out[5] = (uint8_t)flags;
	out[6] = 0;
	out[7] = 0;
	put_be32(out + 8, len);
}

static int
why_set(char *why, size_t whylen, int rc, const char *msg, unsigned long v)
{
	if (why && whylen)
		snprintf(why, whylen, msg, v);
	return rc;
}

int
hv_proto_hdr_get(const uint8_t *buf, size_t n, struct hv_frame_hdr *h,
		 char *why, size_t whylen)
{
	uint32_t magic;

	if (n < HV_PROTO_HDR_LEN)
		return why_set(why, whylen, -EAGAIN,
			       "truncated header: %lu bytes", n);
	magic = get_be32(buf);
	if (magic != HV_PROTO_MAGIC)
		return why_set(why, whylen, -EBADMSG,
			       "bad magic 0x%08lx (expected \"HVA1\")", magic);
	h->type = buf[4];
	h->flags = buf[5];
	h->len = get_be32(buf + 8);
	if (h->type < HV_F_HELLO || h->type > HV_F_SHUTDOWN)
		return why_set(why, whylen, -EBADMSG, "unknown frame type %lu",
			       h->type);
	if (h->flags & ~HV_PROTO_F_FATAL)
		return why_set(why, whylen, -EBADMSG, "unknown flags 0x%02lx",
			       h->flags);
	if (buf[6] || buf[7])
		return why_set(why, whylen, -EBADMSG,
			       "reserved field is 0x%04lx, not 0",
			       (unsigned long)buf[6] << 8 | buf[7]);
	if (h->len > HV_PROTO_MAX_PAYLOAD)
		return why_set(why, whylen, -EMSGSIZE,
			       "frame too large: %lu bytes (max 1048576)",
			       h->len);
	return 0;
}

/* --- writer ------------------------------------------------------------ */

void
hv_proto_wr_init(struct hv_proto_wr *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = HV_PROTO_HDR_LEN;
	w->overflow = cap < HV_PROTO_HDR_LEN;
}

void
hv_proto_wr_bytes(struct hv_proto_wr *w, const void *p, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return;
	}
	if (n)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void
hv_proto_wr_u8(struct hv_proto_wr *w, uint8_t v)
{
	hv_proto_wr_bytes(w, &v, 1);
}

void
hv_proto_wr_u32(struct hv_proto_wr *w, uint32_t v)
{
	uint8_t b[4];

	put_be32(b, v);
	hv_proto_wr_bytes(w, b, 4);
}

void
hv_proto_wr_u64(struct hv_proto_wr *w, uint64_t v)
{
	uint8_t b[8];

	put_be32(b, (uint32_t)(v >> 32));
	put_be32(b + 4, (uint32_t)v);
	hv_proto_wr_bytes(w, b, 8);
}

void
hv_proto_wr_str(struct hv_proto_wr *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > HV_PROTO_MAX_PAYLOAD) {
		w->overflow = true;
		return;
	}
	hv_proto_wr_u32(w, (uint32_t)n);
	hv_proto_wr_bytes(w, s, n);
}

int
hv_proto_wr_end(struct hv_proto_wr *w, unsigned type, unsigned flags)
{
	size_t plen = w->len - HV_PROTO_HDR_LEN;

	if (w->overflow || plen > HV_PROTO_MAX_PAYLOAD)
		return -EMSGSIZE;
	hv_proto_hdr_put(w->buf, type, flags, (uint32_t)plen);
	return 0;
}

/* --- reader ------------------------------------------------------------ */

void
hv_proto_rd_init(struct hv_proto_rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->bad = false;
}

static const uint8_t *
rd_take(struct hv_proto_rd *r, size_t n)
{
	const uint8_t *q;

	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

int
hv_proto_rd_u8(struct hv_proto_rd *r, uint8_t *v)
{
	const uint8_t *q = rd_take(r, 1);

	if (!q)
		return -EBADMSG;
	*v = q[0];
	return 0;
}

int
hv_proto_rd_u32(struct hv_proto_rd *r, uint32_t *v)
{
	const uint8_t *q = rd_take(r, 4);

	if (!q)
		return -EBADMSG;
	*v = get_be32(q);
	return 0;
}

int
hv_proto_rd_u64(struct hv_proto_rd *r, uint64_t *v)
{
	const uint8_t *q = rd_take(r, 8);

	if (!q)
		return -EBADMSG;
	*v = (uint64_t)get_be32(q) << 32 | get_be32(q + 4);
	return 0;
}

int
hv_proto_rd_str(struct hv_proto_rd *r, const char **s, uint32_t *n)
{
	const uint8_t *q;
	uint32_t len;

	if (hv_proto_rd_u32(r, &len) < 0)
		return -EBADMSG;
	q = rd_take(r, len);
	if (!q || (len && memchr(q, '\0', len))) {
		r->bad = true;
		return -EBADMSG;
	}
	*s = (const char *)q;
	*n = len;
	return 0;
}

int
hv_proto_rd_end(const struct hv_proto_rd *r)
{
	return r->bad || r->off != r->len ? -EBADMSG : 0;
}

/* Read a string into a fixed buffer, truncating it. */
static int
rd_str_fixed(struct hv_proto_rd *r, char *out, size_t outlen)
{
	const char *s;
	uint32_t n;

	if (hv_proto_rd_str(r, &s, &n) < 0)
		return -EBADMSG;
	if (n >= outlen)
		n = (uint32_t)(outlen - 1);
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* --- HELLO, EXIT, ERROR ------------------------------------------------ */

int
hv_proto_hello_build(struct hv_proto_wr *w, const struct hv_proto_hello *m)
{
	hv_proto_wr_u32(w, m->version);
	hv_proto_wr_str(w, m->software);
	hv_proto_wr_str(w, m->host);
	hv_proto_wr_str(w, m->uname);
	return hv_proto_wr_end(w, HV_F_HELLO, 0);
}

int
hv_proto_hello_parse(const uint8_t *p, size_t n, struct hv_proto_hello *m)
{
	struct hv_proto_rd r;

	hv_proto_rd_init(&r, p, n);
	hv_proto_rd_u32(&r, &m->version);
	rd_str_fixed(&r, m->software, sizeof(m->software));
	rd_str_fixed(&r, m->host, sizeof(m->host));
	rd_str_fixed(&r, m->uname, sizeof(m->uname));
	return hv_proto_rd_end(&r);
}

int
hv_proto_exit_build(struct hv_proto_wr *w, const struct hv_proto_exit *m)
{
	hv_proto_wr_u32(w, (uint32_t)m->exit_code);
	hv_proto_wr_u32(w, (uint32_t)m->term_signal);
	hv_proto_wr_u8(w, m->timed_out ? 1 : 0);
	hv_proto_wr_u64(w, (uint64_t)m->wall_ns);
	hv_proto_wr_u64(w, (uint64_t)m->cpu_ns);
	return hv_proto_wr_end(w, HV_F_EXIT, 0);
}

int
hv_proto_exit_parse(const uint8_t *p, size_t n, struct hv_proto_exit *m)
{
	struct hv_proto_rd r;
	uint32_t code = 0, sig = 0;
	uint64_t wall = 0, cpu = 0;
	uint8_t to = 0;

	hv_proto_rd_init(&r, p, n);
	hv_proto_rd_u32(&r, &code);
	hv_proto_rd_u32(&r, &sig);
	hv_proto_rd_u8(&r, &to);
	hv_proto_rd_u64(&r, &wall);
	hv_proto_rd_u64(&r, &cpu);
	if (hv_proto_rd_end(&r) < 0 || to > 1)
		return -EBADMSG;
	m->exit_code = (int32_t)code;
	m->term_signal = (int32_t)sig;
	m->timed_out = to;
	m->wall_ns = (int64_t)wall;
	m->cpu_ns = (int64_t)cpu;
	return 0;
}

int
hv_proto_error_build(struct hv_proto_wr *w, uint32_t code, const char *msg,
		     bool fatal)
{
	hv_proto_wr_u32(w, code);
	hv_proto_wr_str(w, msg);
	return hv_proto_wr_end(w, HV_F_ERROR, fatal ? HV_PROTO_F_FATAL : 0);
}

int
hv_proto_error_parse(const uint8_t *p, size_t n, struct hv_proto_error *m)
{
	struct hv_proto_rd r;

	hv_proto_rd_init(&r, p, n);
	hv_proto_rd_u32(&r, &m->code);
	rd_str_fixed(&r, m->msg, sizeof(m->msg));
	return hv_proto_rd_end(&r);
}

/* --- EXEC -------------------------------------------------------------- */

static void
wr_strv(struct hv_proto_wr *w, const char *const *v)
{
	uint32_t n = 0;

	while (v && v[n] && n <= HV_PROTO_MAX_ARGS)
		n++;
	if (n > HV_PROTO_MAX_ARGS) {
		w->overflow = true;
		return;
	}
	hv_proto_wr_u32(w, n);
	for (uint32_t i = 0; i < n; i++)
		hv_proto_wr_str(w, v[i]);
}

int
hv_proto_exec_build(struct hv_proto_wr *w, uint32_t timeout_ms,
		    const char *const *argv, const char *const *envp,
		    const char *cwd)
{
	if (!argv || !argv[0])
		return -EINVAL;
	hv_proto_wr_u32(w, timeout_ms);
	wr_strv(w, argv);
	wr_strv(w, envp);
	hv_proto_wr_str(w, cwd ? cwd : "");
	return hv_proto_wr_end(w, HV_F_EXEC, 0);
}

/*
 * Walk a string vector. With dst NULL it only validates and adds the
 * string bytes (plus NULs) to *bytes; otherwise it copies the strings to
 * *pool and the pointers to dst.
 */
static int
rd_strv(struct hv_proto_rd *r, uint32_t *count, size_t *bytes, char **dst,
	char **pool)
{
	const char *s;
	uint32_t n, len;

	if (hv_proto_rd_u32(r, &n) < 0 || n > HV_PROTO_MAX_ARGS)
		return -EBADMSG;
	for (uint32_t i = 0; i < n; i++) {
		if (hv_proto_rd_str(r, &s, &len) < 0)
			return -EBADMSG;
		*bytes += (size_t)len + 1;
		if (!dst)
			continue;
		memcpy(*pool, s, len);
		(*pool)[len] = '\0';
		dst[i] = *pool;
		*pool += (size_t)len + 1;
	}
	if (dst)
		dst[n] = NULL;
	*count = n;
	return 0;
}

static int
exec_walk(const uint8_t *p, size_t n, struct hv_proto_exec *m, size_t *bytes,
	  char *pool)
{
	struct hv_proto_rd r;
	const char *cwd;
	uint32_t cwdlen;

	hv_proto_rd_init(&r, p, n);
	if (hv_proto_rd_u32(&r, &m->timeout_ms) < 0 ||
	    rd_strv(&r, &m->argc, bytes, pool ? m->argv : NULL, &pool) < 0 ||
	    rd_strv(&r, &m->envc, bytes, pool ? m->envp : NULL, &pool) < 0 ||
	    hv_proto_rd_str(&r, &cwd, &cwdlen) < 0)
		return -EBADMSG;
	*bytes += (size_t)cwdlen + 1;
	if (pool) {
		memcpy(pool, cwd, cwdlen);
		pool[cwdlen] = '\0';
		m->cwd = pool;
	}
	if (hv_proto_rd_end(&r) < 0 || m->argc < 1)
		return -EBADMSG;
	return 0;
}

int
hv_proto_exec_parse(const uint8_t *p, size_t n, struct hv_proto_exec *m)
{
	size_t bytes = 0, ptrs;
	char *pool;

	memset(m, 0, sizeof(*m));
	if (n > HV_PROTO_MAX_PAYLOAD || exec_walk(p, n, m, &bytes, NULL) < 0)
		return -EBADMSG;
	/* Validated: counts and bytes are bounded by the payload size. */
	ptrs = ((size_t)m->argc + 1 + m->envc + 1) * sizeof(char *);
	m->mem = malloc(ptrs + bytes);
	if (!m->mem)
		return -ENOMEM;
	m->argv = m->mem;
	m->envp = m->argv + m->argc + 1;
	pool = (char *)m->mem + ptrs;
	bytes = 0;
	if (exec_walk(p, n, m, &bytes, pool) < 0) {
		hv_proto_exec_release(m);
		return -EBADMSG;
	}
	return 0;
}

void
hv_proto_exec_release(struct hv_proto_exec *m)
{
	free(m->mem);
	memset(m, 0, sizeof(*m));
}

/* --- incoming stream --------------------------------------------------- */

void
hv_proto_in_init(struct hv_proto_in *in)
{
	memset(in, 0, sizeof(*in));
}

void
hv_proto_in_release(struct hv_proto_in *in)
{
	free(in->buf);
	memset(in, 0, sizeof(*in));
}

/* Make room for at least want free bytes, never beyond one max frame. */
static int
in_reserve(struct hv_proto_in *in, size_t want)
{
	size_t need, cap;
	uint8_t *nb;

	if (in->cap - in->have >= want)
		return 0;
	need = in->have + want;
	if (need > HV_PROTO_HDR_LEN + HV_PROTO_MAX_PAYLOAD)
		return -EMSGSIZE;
	cap = in->cap ? in->cap : IN_READ_CHUNK;
	while (cap < need)
		cap *= 2;
	if (cap > HV_PROTO_HDR_LEN + HV_PROTO_MAX_PAYLOAD)
		cap = HV_PROTO_HDR_LEN + HV_PROTO_MAX_PAYLOAD;
	nb = realloc(in->buf, cap);
	if (!nb)
		return -ENOMEM;
	in->buf = nb;
	in->cap = cap;
	return 0;
}

int
hv_proto_in_append(struct hv_proto_in *in, const void *p, size_t n)
{
	int rc = in_reserve(in, n);

	if (rc < 0)
		return rc;
	if (n)
		memcpy(in->buf + in->have, p, n);
	in->have += n;
	return 0;
}

/* How many more bytes the frame at the head needs (at least 1). */
static size_t
in_missing(const struct hv_proto_in *in)
{
	struct hv_frame_hdr h;
	size_t total;

	if (hv_proto_hdr_get(in->buf, in->have, &h, NULL, 0) < 0)
		return in->have < HV_PROTO_HDR_LEN ? HV_PROTO_HDR_LEN - in->have
						   : 1;
	total = HV_PROTO_HDR_LEN + (size_t)h.len;
	return total > in->have ? total - in->have : 1;
}

long
hv_proto_in_read(struct hv_proto_in *in, int fd)
{
	size_t want = in_missing(in), room;
	ssize_t n;
	int rc;

	if (want < IN_READ_CHUNK &&
	    in->have + IN_READ_CHUNK <= HV_PROTO_HDR_LEN + HV_PROTO_MAX_PAYLOAD)
		want = IN_READ_CHUNK;
	rc = in_reserve(in, want);
	if (rc < 0)
		return rc;
	room = in->cap - in->have;
	do
		n = read(fd, in->buf + in->have, room);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	in->have += (size_t)n;
	return n;
}

int
hv_proto_in_resync(struct hv_proto_in *in)
{
	static const uint8_t magic[4] = {'H', 'V', 'A', '1'};
	size_t i, keep;

	for (i = 0; i + 4 <= in->have; i++)
		if (!memcmp(in->buf + i, magic, 4))
			break;
	if (i + 4 > in->have) {
		/* Keep a tail that may be the start of the magic. */
		keep = in->have < 3 ? in->have : 3;
		i = in->have - keep;
	}
	if (i) {
		memmove(in->buf, in->buf + i, in->have - i);
		in->have -= i;
		in->junk += i;
	}
	return in->have >= 4 && !memcmp(in->buf, magic, 4);
}

int
hv_proto_in_frame(struct hv_proto_in *in, struct hv_frame_hdr *h,
		  const uint8_t **payload)
{
	int rc;

	rc = hv_proto_hdr_get(in->buf, in->have, h, in->why, sizeof(in->why));
	if (rc == -EAGAIN)
		return 0;
	if (rc < 0)
		return rc;
	if (in->have - HV_PROTO_HDR_LEN < h->len)
		return 0;
	*payload = in->buf + HV_PROTO_HDR_LEN;
	return 1;
}

void
hv_proto_in_pop(struct hv_proto_in *in)
{
	struct hv_frame_hdr h;
	size_t total;

	if (hv_proto_hdr_get(in->buf, in->have, &h, NULL, 0) < 0)
		return;
	total = HV_PROTO_HDR_LEN + (size_t)h.len;
	if (total > in->have)
		return;
	memmove(in->buf, in->buf + total, in->have - total);
	in->have -= total;
}

/* --- output ------------------------------------------------------------ */

int
hv_proto_write_all(int fd, const void *buf, size_t len, int stall_ms)
{
	const uint8_t *p = buf;
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	ssize_t n;
	int rc;

	while (len) {
		n = write(fd, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			return n == 0 ? -EIO : -errno;
		do
			rc = poll(&pfd, 1, stall_ms);
		while (rc < 0 && errno == EINTR);
		if (rc == 0)
			return -ETIMEDOUT;
		if (rc < 0)
			return -errno;
	}
	return 0;
}

int
hv_proto_send(int fd, unsigned type, unsigned flags, const void *payload,
	      uint32_t len, int stall_ms)
{
	uint8_t hdr[HV_PROTO_HDR_LEN];
	int rc;

	if (len > HV_PROTO_MAX_PAYLOAD)
		return -EMSGSIZE;
	hv_proto_hdr_put(hdr, type, flags, len);
	rc = hv_proto_write_all(fd, hdr, sizeof(hdr), stall_ms);
	if (rc == 0 && len)
		rc = hv_proto_write_all(fd, payload, len, stall_ms);
	return rc;
}

/* --- addresses --------------------------------------------------------- */

static int
parse_port(const char *s, in_port_t *port)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 65535)
		return -EINVAL;
	*port = htons((uint16_t)v);
	return 0;
}

static int
addr_unix(const char *path, struct sockaddr_storage *ss, socklen_t *sslen,
	  char *why, size_t whylen)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(sun->sun_path))
		return why_set(why, whylen, -EINVAL,
			       "unix socket path must be 1..%lu bytes",
			       sizeof(sun->sun_path) - 1);
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n + 1);
	*sslen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

static int
addr_tcp(const char *s, struct sockaddr_storage *ss, socklen_t *sslen,
	 char *why, size_t whylen)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	char host[64];
	const char *colon, *end;
	bool v6 = *s == '[';
	size_t n;

	if (v6) {
		end = strchr(s, ']');
		if (!end || end[1] != ':')
			return why_set(why, whylen, -EINVAL,
				       "expected tcp:[IPV6]:PORT", 0);
		s++;
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return why_set(why, whylen, -EINVAL,
				       "expected tcp:IPV4:PORT", 0);
		end = colon;
	}
	n = (size_t)(end - s);
	if (n == 0 || n >= sizeof(host))
		return why_set(why, whylen, -EINVAL, "missing or long host", 0);
	memcpy(host, s, n);
	host[n] = '\0';
	if (v6 && inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		*sslen = sizeof(*s6);
		if (parse_port(colon + 1, &s6->sin6_port) == 0)
			return 0;
	} else if (!v6 && inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		*sslen = sizeof(*s4);
		if (parse_port(colon + 1, &s4->sin_port) == 0)
			return 0;
	} else
		return why_set(why, whylen, -EINVAL,
			       "host is not a numeric IPv4 or [IPv6] address",
			       0);
	return why_set(why, whylen, -EINVAL, "port must be 0..65535", 0);
}

int
hv_proto_addr_parse(const char *s, struct sockaddr_storage *ss,
		    socklen_t *sslen, char *why, size_t whylen)
{
	memset(ss, 0, sizeof(*ss));
	if (!strncmp(s, "unix:", 5))
		return addr_unix(s + 5, ss, sslen, why, whylen);
	if (!strncmp(s, "tcp:", 4))
		return addr_tcp(s + 4, ss, sslen, why, whylen);
	return why_set(why, whylen, -EINVAL,
		       "expected unix:/PATH, tcp:IPV4:PORT or tcp:[IPV6]:PORT",
		       0);
}

int
hv_proto_addr_format(const struct sockaddr *sa, socklen_t salen, char *out,
		     size_t outlen)
{
	const struct sockaddr_in6 *s6 = (const void *)sa;
	const struct sockaddr_in *s4 = (const void *)sa;
	const struct sockaddr_un *sun = (const void *)sa;
	char host[INET6_ADDRSTRLEN];
	size_t plen;

	if (sa->sa_family == AF_INET && salen >= sizeof(*s4)) {
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(out, outlen, "tcp:%s:%u", host, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6 && salen >= sizeof(*s6)) {
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(out, outlen, "tcp:[%s]:%u", host,
			 ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_UNIX &&
		   salen > offsetof(struct sockaddr_un, sun_path)) {
		plen = salen - offsetof(struct sockaddr_un, sun_path);
		snprintf(out, outlen, "unix:%.*s", (int)plen, sun->sun_path);
	} else
		return -EAFNOSUPPORT;
	return 0;
}
