/*
 * command.c - running one kernel for the agent: check that the request
 * names a program of the kernel directory (never a shell, never a path),
 * start it in its own process group with stdin /dev/null and piped
 * stdout/stderr, and enforce its deadline (SIGTERM, then SIGKILL after a
 * grace period). The session (session.c) streams the pipes.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

extern char **environ;

int64_t
hv_agent_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void
hv_agent_log(const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "hpcvirt-agent[%d]: ", (int)getpid());
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	n = (int)strlen(line);
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void
hv_agent_cmd_init(struct hv_agent_cmd *c)
{
	memset(c, 0, sizeof(*c));
	c->out_fd = -1;
	c->err_fd = -1;
}

static bool
kernel_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 255 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
			    "YZ"
			    "0123456789._-",
			    s[i]))
			return false;
	return true;
}

/* A relative path without ".." components; "" is the workdir itself. */
static bool
cwd_ok(const char *s)
{
	const char *p = s;
	size_t n;

	if (*s == '/')
		return false;
	while (*p) {
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p += n;
		if (*p == '/')
			p++;
	}
	return true;
}

static int
check_request(const struct hv_agent_cfg *cfg, const struct hv_proto_exec *m,
	      char *path, size_t pathlen, char *dir, size_t dirlen, char *msg,
	      size_t msglen)
{
	const char *name = m->argv[0];
	struct stat st;

	if (!kernel_name_ok(name) ||
	    (size_t)snprintf(path, pathlen, "%s/%s", cfg->kernels, name) >=
		    pathlen ||
	    stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    access(path, X_OK) < 0) {
		snprintf(msg, msglen,
			 "not a kernel: '%.200s' (expected the file name of an "
			 "executable in %.200s)",
			 name, cfg->kernels);
		return -EPERM;
	}
	for (uint32_t i = 0; i < m->envc; i++) {
		const char *eq = strchr(m->envp[i], '=');

		if (!eq || eq == m->envp[i]) {
			snprintf(msg, msglen,
				 "bad environment string '%.200s': expected "
				 "KEY=VALUE",
				 m->envp[i]);
			return -EINVAL;
		}
	}
	if (!cwd_ok(m->cwd) ||
	    (size_t)snprintf(dir, dirlen, "%s/%s", cfg->workdir, m->cwd) >=
		    dirlen ||
	    stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(msg, msglen,
			 "bad cwd '%.200s': expected an existing directory "
			 "inside the workdir, without '..'",
			 m->cwd);
		return -EINVAL;
	}
	return 0;
}

/* The agent's environment with the request's KEY=VAL overriding it. */
static char **
build_env(const struct hv_proto_exec *m)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + m->envc + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t klen = strcspn(environ[i], "=");
		bool overridden = false;

		for (uint32_t j = 0; j < m->envc && !overridden; j++)
			overridden = !strncmp(environ[i], m->envp[j], klen) &&
				     m->envp[j][klen] == '=';
		if (!overridden)
			env[k++] = environ[i];
	}
	for (uint32_t j = 0; j < m->envc; j++)
		env[k++] = m->envp[j];
	env[k] = NULL;
	return env;
}

/* In the child: never returns. Only async-signal-safe calls. */
static void
child_exec(const char *path, const char *dir, char **argv, char **envp, int out,
	   int err)
{
	static const char fail[] = "hpcvirt-agent: cannot start kernel\n";
	sigset_t all;
	int null;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	setsid();
	null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(err, 2) < 0 || chdir(dir) < 0)
		_exit(127);
	execve(path, argv, envp);
	if (write(2, fail, sizeof(fail) - 1) < 0)
		_exit(126);
	_exit(126);
}

int
hv_agent_cmd_start(struct hv_agent_cmd *c, const struct hv_agent_cfg *cfg,
		   const struct hv_proto_exec *m, char *msg, size_t msglen)
{
	char path[4096], dir[4096];
	int out[2] = {-1, -1}, err[2] = {-1, -1};
	char **env = NULL;
	uint32_t tmo;
	int rc;

	hv_agent_cmd_init(c);
	rc = check_request(cfg, m, path, sizeof(path), dir, sizeof(dir), msg,
			   msglen);
	if (rc < 0)
		goto out;
	env = build_env(m);
	if (!env || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		rc = env ? -errno : -ENOMEM;
		snprintf(msg, msglen, "cannot set up the command: %s",
			 strerror(-rc));
		goto out;
	}
	c->start_ns = hv_agent_now_ns();
	c->pid = fork();
	if (c->pid == 0)
		child_exec(path, dir, m->argv, env, out[1], err[1]);
	if (c->pid < 0) {
		rc = -errno;
		c->pid = 0;
		snprintf(msg, msglen, "fork: %s", strerror(-rc));
		goto out;
	}
	/* Also from here, so that a kill before the child's setsid works. */
	setpgid(c->pid, c->pid);
	c->out_fd = out[0];
	c->err_fd = err[0];
	out[0] = err[0] = -1;
	tmo = m->timeout_ms ? m->timeout_ms : HV_PROTO_DEFAULT_TIMEOUT_MS;
	c->deadline_ns = c->start_ns + (int64_t)tmo * 1000000LL;
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	free(env);
	return rc;
}

void
hv_agent_cmd_stop(struct hv_agent_cmd *c, int64_t now)
{
	if (!c->pid || c->reaped || c->kill_ns)
		return;
	kill(-c->pid, SIGTERM);
	c->kill_ns = now + HV_AGENT_GRACE_NS;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void
hv_agent_cmd_kill(struct hv_agent_cmd *c)
{
	int64_t until = hv_agent_now_ns() + HV_AGENT_GRACE_NS;

	if (!c->pid)
		return;
	kill(-c->pid, SIGKILL);
	close_fd(&c->out_fd);
	close_fd(&c->err_fd);
	/* SIGKILL cannot be ignored: the wait is short, but bounded. */
	while (!c->reaped && hv_agent_now_ns() < until) {
		hv_agent_cmd_reap(c);
		if (!c->reaped)
			usleep(1000);
	}
}

void
hv_agent_cmd_reap(struct hv_agent_cmd *c)
{
	struct rusage ru;
	pid_t p;
	int st;

	while ((p = wait4(-1, &st, WNOHANG, &ru)) > 0) {
		if (!c->pid || p != c->pid)
			continue;
		c->reaped = true;
		c->status = st;
		c->ru = ru;
		c->end_ns = hv_agent_now_ns();
		c->drain_ns = c->end_ns + HV_AGENT_DRAIN_NS;
		/* Leftovers of the group must not outlive the command. */
		kill(-c->pid, SIGKILL);
	}
}

static int
ms_until(int64_t t, int64_t now)
{
	int64_t ms = (t - now + 999999) / 1000000;

	if (ms < 0)
		return 0;
	return ms > 60000 ? 60000 : (int)ms;
}

int
hv_agent_cmd_tick(struct hv_agent_cmd *c, int64_t now)
{
	if (!c->pid)
		return -1;
	if (c->reaped) {
		if (now >= c->drain_ns) {
			close_fd(&c->out_fd);
			close_fd(&c->err_fd);
		}
		return ms_until(c->drain_ns, now);
	}
	if (!c->timed_out && !c->kill_ns && now >= c->deadline_ns) {
		c->timed_out = true;
		hv_agent_cmd_stop(c, now);
	}
	if (c->kill_ns && now >= c->kill_ns) {
		kill(-c->pid, SIGKILL);
		c->kill_ns = INT64_MAX;
	}
	if (c->kill_ns && c->kill_ns != INT64_MAX)
		return ms_until(c->kill_ns, now);
	if (c->kill_ns)
		return 100;
	return ms_until(c->deadline_ns, now);
}

static int64_t
tv_ns(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * 1000000000LL + tv->tv_usec * 1000LL;
}

void
hv_agent_cmd_result(const struct hv_agent_cmd *c, struct hv_proto_exit *x)
{
	memset(x, 0, sizeof(*x));
	if (WIFEXITED(c->status)) {
		x->exit_code = WEXITSTATUS(c->status);
	} else {
		x->exit_code = -1;
		x->term_signal =
			WIFSIGNALED(c->status) ? WTERMSIG(c->status) : 0;
	}
	x->timed_out = c->timed_out;
	x->wall_ns = c->end_ns - c->start_ns;
	x->cpu_ns = tv_ns(&c->ru.ru_utime) + tv_ns(&c->ru.ru_stime);
}

void
hv_agent_cmd_reset(struct hv_agent_cmd *c)
{
	close_fd(&c->out_fd);
	close_fd(&c->err_fd);
	hv_agent_cmd_init(c);
}
