/*
 * hpcvirt-rsh.c - Open MPI's remote launch agent (plm_rsh_agent) for
 * boxes: mpirun calls "hpcvirt-rsh --map FILE HOST CMD..." as it would
 * call ssh, and this program runs CMD in the box at HOST through that
 * box's hpcvirt-agent (no ssh, no shell in the box). FILE maps each HOST
 * (the box's lab address) to its agent address, one "HOST ADDR" pair
 * per line, ADDR in the agent's --listen form (unix:/path, tcp:ip:port).
 * With "--port P" instead of --map, every box's agent listens on TCP
 * port P at the box's own address (its second --listen), and HOST, then
 * a numeric IPv4 address, is reached at tcp:HOST:P: no map file has to
 * be shared when mpirun in one box starts daemons in boxes on other
 * hosts. Exactly one of --map and --port is given.
 *
 * Like ssh, mpirun passes a command line meant for a remote shell,
 * quoting words that hold shell characters (the daemon's contact URI has
 * ';'). We split it into words ourselves, honouring '...', "..." and
 * backslash, and refuse anything a shell would have to interpret (;, |,
 * &, <, >, `, $, parentheses outside quotes): then CMD runs exactly as
 * tokenized, and its first word must be a kernel (hpcvirt-orted). The
 * output is relayed as it arrives; the exit status is the command's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpcvirt/study/agentc.h"

#define PROG "hpcvirt-rsh"
#define MAXW 256
#define EXIT_USAGE 2

struct words {
	char *v[MAXW + 1];
	int n;
	char *buf; /* storage of all words */
};

static int
fail(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

/* One character of a quoted or unquoted word; -1 on shell syntax. */
static int
take(const char **pp, char **out, char *q)
{
	const char *p = *pp;

	if (*q == '\'') {
		if (*p == '\'')
			*q = 0;
		else
			*(*out)++ = *p;
	} else if (*q == '"') {
		if (*p == '"')
			*q = 0;
		else if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
			*(*out)++ = *++p;
		else if (*p == '$' || *p == '`')
			return -1;
		else
			*(*out)++ = *p;
	} else if (*p == '\'' || *p == '"') {
		*q = *p;
	} else if (*p == '\\' && p[1]) {
		*(*out)++ = *++p;
	} else if (strchr(";&|<>`$()", *p)) {
		return -1;
	} else {
		*(*out)++ = *p;
	}
	*pp = p + 1;
	return 0;
}

/* Split line into words; 0, or exit status 2 with a message. */
static int
split(const char *line, struct words *w)
{
	const char *p = line;
	char *out, q = 0;

	w->buf = malloc(2 * strlen(line) + 2);
	if (!w->buf)
		return fail("%s%s", "out of memory", "");
	out = w->buf;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (w->n >= MAXW)
			return fail("more than %s words in '%s'", "256", line);
		w->v[w->n++] = out;
		while (*p && (q || (*p != ' ' && *p != '\t')))
			if (take(&p, &out, &q) < 0)
				return fail("refusing shell syntax at '%.40s' "
					    "in '%s'",
					    p, line);
		if (q)
			return fail("unterminated quote in '%s'%s", line, "");
		*out++ = '\0';
	}
	w->v[w->n] = NULL;
	if (w->n == 0)
		return fail("empty command%s%s", "", "");
	return 0;
}

/* The agent address of host from the map file. */
static int
lookup(const char *map, const char *host, char *addr, size_t len)
{
	char line[1024], h[256], a[768];
	FILE *f = fopen(map, "r");
	int found = 0;

	if (!f)
		return fail("cannot open --map '%s': %s", map, strerror(errno));
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %767s", h, a) == 2 &&
		    strcmp(h, host) == 0 && strlen(a) < len) {
			memcpy(addr, a, strlen(a) + 1);
			found = 1;
		}
	fclose(f);
	if (!found)
		return fail("unknown host '%s': not in the map %s", host, map);
	return 0;
}

/* The agent address of host with --port: the box's own address. */
static int
at_port(const char *port, const char *host, char *addr, size_t len)
{
	struct in_addr ip;
	char *end;
	long p;

	errno = 0;
	p = strtol(port, &end, 10);
	if (errno || end == port || *end || p < 1 || p > 65535)
		return fail("bad --port '%s': expected a TCP port 1..65535%s",
			    port, "");
	if (inet_pton(AF_INET, host, &ip) != 1)
		return fail("bad host '%s' with --port %s: expected a numeric "
			    "IPv4 address",
			    host, port);
	snprintf(addr, len, "tcp:%s:%ld", host, p);
	return 0;
}

/* The command line as ssh would send it: the words joined by spaces. */
static char *
join(int argc, char **argv)
{
	size_t len = 1, at = 0, n;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (i = 0; i < argc; i++) {
		n = strlen(argv[i]);
		if (i)
			s[at++] = ' ';
		memcpy(s + at, argv[i], n);
		at += n;
	}
	s[at] = '\0';
	return s;
}

static void
relay(void *arg, int stream, const char *buf, size_t len)
{
	int fd = stream == 2 ? STDERR_FILENO : STDOUT_FILENO;

	(void)arg;
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static int
run(const char *addr, const struct words *w)
{
	struct hv_exec_req req = {.argv = (const char *const *)w->v,
				  .on_output = relay};
	struct hv_exec_res res = {0};
	struct hv_agent_conn *c = NULL;
	struct hv_err err;
	int rc;

	hv_err_init(&err);
	if (hv_agent_connect(&c, addr, 10000, &err) < 0 ||
	    hv_agent_exec(c, &req, &res, &err) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", addr, err.msg);
		rc = 255; /* what ssh returns when it cannot run the command */
		goto out;
	}
	rc = res.term_signal ? 128 + res.term_signal : res.exit_code;
	hv_exec_res_release(&res);
out:
	if (c)
		hv_agent_close(c);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *map = NULL, *port = NULL;
	struct words w = {0};
	char addr[768], *line;
	int i = 1, rc;

	for (; i + 1 < argc && (strcmp(argv[i], "--map") == 0 ||
				strcmp(argv[i], "--port") == 0);
	     i += 2) {
		if (map || port)
			return fail("give --map FILE or --port P, not both "
				    "(%s '%s' too)",
				    argv[i], argv[i + 1]);
		if (strcmp(argv[i], "--map") == 0)
			map = argv[i + 1];
		else
			port = argv[i + 1];
	}
	if ((!map && !port) || argc - i < 2)
		return fail("usage: hpcvirt-rsh {--map FILE | --port P} HOST "
			    "COMMAND...%s%s",
			    "", "");
	if (map)
		rc = lookup(map, argv[i], addr, sizeof(addr));
	else
		rc = at_port(port, argv[i], addr, sizeof(addr));
	if (rc)
		return rc;
	line = join(argc - i - 1, argv + i + 1);
	if (!line)
		return fail("out of memory%s%s", "", "");
	rc = split(line, &w);
	if (rc == 0)
		rc = run(addr, &w);
	free(line);
	free(w.buf);
	return rc;
}
