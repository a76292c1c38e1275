/*
 * main.c - hpcvirt-agent: the one program every box runs. It parses the
 * command line, listens on a unix or TCP socket (or serves one session
 * over stdin/stdout for serial consoles), announces itself with one line
 * "HPCVIRT-AGENT-READY <addr>", and forks one session per connection.
 * A second --listen serves the same sessions on a second socket: a box's
 * own socket for the host, and a TCP port for hpcvirt-rsh, which mpirun
 * in another box uses to start its daemons here.
 * It may be PID 1 of a VM or container, so it reaps every child, ignores
 * signals it does not expect, and powers off on SHUTDOWN when PID 1.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "agent.h"

#define MAX_SESSIONS 64

struct agent {
	struct hv_agent_cfg cfg;
	char kernels[PATH_MAX];
	char workdir[PATH_MAX];
	char addr[2][160];	/* actual addresses; READY names the first */
	char guest_listen[160]; /* --guest-init: from hv.ip= and hv.port= */
	int lfd[2];		/* one per --listen, -1 when none or closed */
	int sigfd;
	pid_t sessions[MAX_SESSIONS];
	int nsessions;
	bool stop;
	bool shutdown; /* requested by a host: power off if PID 1 */
	int64_t idle_since;
};

static const char usage[] =
	"usage: hpcvirt-agent --kernels DIR --listen ADDR [--listen ADDR]\n"
	"                     [--workdir DIR] [--once] [--idle-timeout SECS]\n"
	"       hpcvirt-agent --guest-init --kernels DIR [--workdir DIR]\n"
	"  ADDR: unix:/PATH | tcp:IPV4:PORT | tcp:[IPV6]:PORT | stdio\n"
	"        (numeric addresses only; port 0 picks a free port)\n"
	"  --listen twice: serve both (not stdio), e.g. unix:/PATH and\n"
	"        tcp:0.0.0.0:7100 for hpcvirt-rsh --port; READY names the\n"
	"        first, --once closes both after one connection\n"
	"  --guest-init: as PID 1 of a VM or UML guest, set it up from\n"
	"        its kernel command line (hv.ip= hv.if= hv.port= hv.mods=\n"
	"        hv.disk= hv.crash=) and listen on tcp:IP:PORT\n";

static const struct option options[] = {
	{"kernels", required_argument, NULL, 'k'},
	{"listen", required_argument, NULL, 'l'},
	{"workdir", required_argument, NULL, 'w'},
	{"once", no_argument, NULL, 'o'},
	{"idle-timeout", required_argument, NULL, 'i'},
	{"guest-init", no_argument, NULL, 'g'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static void __attribute__((noreturn, format(printf, 1, 2)))
die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("hpcvirt-agent: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	fputs(usage, stderr);
	exit(2);
}

static void
resolve_dir(const char *opt, const char *dir, char *out)
{
	struct stat st;

	if (!realpath(dir, out) || stat(out, &st) < 0 || !S_ISDIR(st.st_mode))
		die_usage("bad %s '%s': expected an existing directory", opt,
			  dir);
}

/* At most two: a box's own socket and a port for hpcvirt-rsh. */
static void
add_listen(struct agent *a, const char *addr)
{
	if (!a->cfg.listen)
		a->cfg.listen = addr;
	else if (!a->cfg.listen2)
		a->cfg.listen2 = addr;
	else
		die_usage("bad --listen '%s': at most two --listen", addr);
}

/*
 * Both addresses are checked before either is bound, so that a bad
 * second one leaves no socket file of the first behind.
 */
static void
check_listen2(const struct hv_agent_cfg *cfg)
{
	const char *l[2] = {cfg->listen, cfg->listen2};
	struct sockaddr_storage ss;
	socklen_t len;
	char why[128];

	if (!cfg->listen2)
		return;
	if (!strcmp(cfg->listen, cfg->listen2))
		die_usage("bad --listen '%s': given twice", cfg->listen2);
	for (int i = 0; i < 2; i++) {
		if (!strcmp(l[i], "stdio"))
			die_usage("bad --listen 'stdio': it serves one session "
				  "and takes no second --listen");
		if (hv_proto_addr_parse(l[i], &ss, &len, why, sizeof(why)))
			die_usage("bad --listen '%s': %s", l[i], why);
	}
}

static void
parse_args(struct agent *a, int argc, char **argv)
{
	const char *kernels = NULL, *workdir = ".";
	bool guest = false;
	char *end;
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'k':
			kernels = optarg;
			break;
		case 'l':
			add_listen(a, optarg);
			break;
		case 'w':
			workdir = optarg;
			break;
		case 'o':
			a->cfg.once = true;
			break;
		case 'i':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 0 ||
			    v > 86400 * 365)
				die_usage("bad --idle-timeout '%s': expected "
					  "whole seconds, 0 (never) or more",
					  optarg);
			a->cfg.idle_timeout_s = (int)v;
			break;
		case 'g':
			guest = true;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		case 'V':
			printf("hpcvirt-agent %s (protocol %u)\n", HV_VERSION,
			       HV_PROTO_VERSION);
			exit(0);
		default:
			die_usage("bad option (see usage)");
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (guest) {
		/* It mounts over /proc and /dev: never on a host. */
		if (getpid() != 1)
			die_usage("--guest-init is for PID 1 of a guest, "
				  "not pid %d",
				  (int)getpid());
		hv_agent_guest_init(a->guest_listen, sizeof(a->guest_listen));
		if (!a->cfg.listen)
			a->cfg.listen = a->guest_listen;
	}
	if (!kernels)
		die_usage("missing --kernels DIR");
	if (!a->cfg.listen)
		die_usage("missing --listen ADDR");
	check_listen2(&a->cfg);
	resolve_dir("--kernels", kernels, a->kernels);
	resolve_dir("--workdir", workdir, a->workdir);
	a->cfg.kernels = a->kernels;
	a->cfg.workdir = a->workdir;
}

static void __attribute__((noreturn)) die_sys(const char *what, const char *arg)
{
	hv_agent_log("%s '%s': %s", what, arg, strerror(errno));
	exit(1);
}

/* Listen on the first (i = 0) or second --listen address. */
static void
open_listener(struct agent *a, int i)
{
	const char *name = i ? a->cfg.listen2 : a->cfg.listen;
	struct sockaddr_storage ss;
	socklen_t len;
	char why[128];
	struct stat st;
	int one = 1, fd;

	if (hv_proto_addr_parse(name, &ss, &len, why, sizeof(why)))
		die_usage("bad --listen '%s': %s", name, why);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die_sys("socket for", name);
	a->lfd[i] = fd;
	if (ss.ss_family == AF_UNIX) {
		const char *path = ((struct sockaddr_un *)&ss)->sun_path;

		/* A stale socket of an earlier run; never any other file. */
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(path);
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	}
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0)
		die_sys("cannot listen on", name);
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    hv_proto_addr_format((struct sockaddr *)&ss, len, a->addr[i],
				 sizeof(a->addr[i])) < 0)
		snprintf(a->addr[i], sizeof(a->addr[i]), "%s", name);
}

static void
close_listeners(struct agent *a)
{
	for (int i = 0; i < 2; i++) {
		if (a->lfd[i] >= 0)
			close(a->lfd[i]);
		a->lfd[i] = -1;
	}
}

/*
 * SIGCHLD, SIGTERM and SIGINT arrive through a signalfd; every other
 * signal a stray process might send PID 1 is ignored, never fatal.
 */
static void
setup_signals(struct agent *a, bool want_fd)
{
	static const int ignored[] = {SIGPIPE, SIGHUP,	  SIGUSR1, SIGUSR2,
				      SIGALRM, SIGTTIN,	  SIGTTOU, SIGTSTP,
				      SIGQUIT, SIGVTALRM, SIGPROF, SIGIO};
	sigset_t set;

	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	a->sigfd = -1;
	if (want_fd) {
		a->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
		if (a->sigfd < 0)
			die_sys("signalfd", "main");
	}
}

static void
ready(const struct agent *a)
{
	printf("HPCVIRT-AGENT-READY %s\n", a->addr[0]);
	fflush(stdout);
}

/* Remove a reaped session; a SHUTDOWN status stops the agent. */
static void
session_gone(struct agent *a, pid_t pid, int st)
{
	for (int i = 0; i < a->nsessions; i++) {
		if (a->sessions[i] != pid)
			continue;
		a->sessions[i] = a->sessions[--a->nsessions];
		if (WIFEXITED(st) && WEXITSTATUS(st) == HV_AGENT_EXIT_SHUTDOWN)
			a->stop = a->shutdown = true;
		if (a->cfg.once && a->lfd[0] < 0)
			a->stop = true;
		a->idle_since = hv_agent_now_ns();
		return;
	}
}

static void
reap_all(struct agent *a)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		session_gone(a, pid, st);
}

static void
on_signal(struct agent *a)
{
	struct signalfd_siginfo si;

	while (read(a->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			hv_agent_log("signal %u: stopping", si.ssi_signo);
			a->stop = true;
		}
	}
	reap_all(a);
}

static void
refuse(int fd, const char *msg)
{
	uint8_t buf[256];
	struct hv_proto_wr w;

	hv_proto_wr_init(&w, buf, sizeof(buf));
	if (hv_proto_error_build(&w, EAGAIN, msg, true) == 0)
		hv_proto_write_all(fd, w.buf, w.len, 100);
	close(fd);
}

/* A connection on listener i. */
static void
on_accept(struct agent *a, int i)
{
	pid_t pid;
	int fd;

	fd = accept4(a->lfd[i], NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (a->nsessions == MAX_SESSIONS)
		return refuse(fd, "too many connections (max 64)");
	pid = fork();
	if (pid < 0) {
		hv_agent_log("fork: %s", strerror(errno));
		return refuse(fd, "agent cannot fork a session");
	}
	if (pid == 0) {
		close_listeners(a);
		close(a->sigfd);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		_exit(hv_agent_session(&a->cfg, fd, fd));
	}
	close(fd);
	a->sessions[a->nsessions++] = pid;
	if (a->cfg.once)
		close_listeners(a);
}

static int
idle_ms(const struct agent *a, int64_t now)
{
	int64_t end;

	if (!a->cfg.idle_timeout_s || a->nsessions)
		return -1;
	end = a->idle_since + (int64_t)a->cfg.idle_timeout_s * 1000000000LL;
	if (now >= end)
		return 0;
	return (end - now) / 1000000 > 60000 ? 60000
					     : (int)((end - now) / 1000000) + 1;
}

static void
serve(struct agent *a)
{
	struct pollfd pfd[3];
	int tmo;

	a->idle_since = hv_agent_now_ns();
	while (!a->stop) {
		/* poll ignores a closed listener's fd of -1. */
		pfd[0] = (struct pollfd){.fd = a->sigfd, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = a->lfd[0], .events = POLLIN};
		pfd[2] = (struct pollfd){.fd = a->lfd[1], .events = POLLIN};
		tmo = idle_ms(a, hv_agent_now_ns());
		if (tmo == 0) {
			hv_agent_log("idle for %d s: exiting",
				     a->cfg.idle_timeout_s);
			break;
		}
		if (poll(pfd, 3, tmo) <= 0)
			continue;
		if (pfd[0].revents)
			on_signal(a);
		for (int i = 0; i < 2; i++)
			if (a->lfd[i] >= 0 && pfd[i + 1].revents && !a->stop)
				on_accept(a, i);
	}
}

/* Stop every session (each kills its command), bounded in time. */
static void
stop_sessions(struct agent *a)
{
	int64_t until = hv_agent_now_ns() + 2 * HV_AGENT_GRACE_NS;

	for (int i = 0; i < a->nsessions; i++)
		kill(a->sessions[i], SIGTERM);
	while (a->nsessions && hv_agent_now_ns() < until) {
		reap_all(a);
		usleep(5000);
	}
	for (int i = 0; i < a->nsessions; i++)
		kill(a->sessions[i], SIGKILL);
	reap_all(a);
}

/* A serial console must pass bytes through untouched. */
static void
stdio_raw(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &t) < 0)
		return;
	cfmakeraw(&t);
	tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

static void
finish(const struct agent *a)
{
	const char *l[2] = {a->cfg.listen, a->cfg.listen2};

	for (int i = 0; i < 2; i++)
		if (l[i] && !strncmp(l[i], "unix:", 5))
			unlink(l[i] + 5);
	if (a->shutdown && getpid() == 1) {
		hv_agent_log("PID 1 shutting down: power off");
		sync();
		reboot(RB_POWER_OFF);
	}
}

int
main(int argc, char **argv)
{
	struct agent a;
	int rc;

	memset(&a, 0, sizeof(a));
	a.lfd[0] = a.lfd[1] = -1;
	parse_args(&a, argc, argv);
	if (!strcmp(a.cfg.listen, "stdio")) {
		setup_signals(&a, false);
		stdio_raw();
		snprintf(a.addr[0], sizeof(a.addr[0]), "stdio");
		ready(&a);
		rc = hv_agent_session(&a.cfg, STDIN_FILENO, STDOUT_FILENO);
		a.shutdown = rc == HV_AGENT_EXIT_SHUTDOWN;
		finish(&a);
		return rc == HV_AGENT_EXIT_SHUTDOWN ? 0 : rc;
	}
	setup_signals(&a, true);
	open_listener(&a, 0);
	if (a.cfg.listen2)
		open_listener(&a, 1);
	ready(&a);
	hv_agent_log("listening on %s%s%s, kernels %s, workdir %s", a.addr[0],
		     a.cfg.listen2 ? " and " : "", a.addr[1], a.kernels,
		     a.workdir);
	serve(&a);
	stop_sessions(&a);
	finish(&a);
	return 0;
}
