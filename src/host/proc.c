/*
 * proc.c - spawning and stopping child processes with deadlines. The child
 * side between fork and exec only calls async-signal-safe functions.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hpcvirt/host/proc.h"

int64_t
hv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
hv_now_ms(void)
{
	return hv_now_ns() / 1000000;
}

void
hv_proc_init(struct hv_proc *p)
{
	memset(p, 0, sizeof(*p));
	p->out_fd = -1;
}

/* What the child failed at before exec, sent up the error pipe. */
enum child_step {
	STEP_DEVNULL = 1,
	STEP_PGRP,
	STEP_CGROUP,
	STEP_CWD,
	STEP_NETNS,
	STEP_PERSONALITY,
	STEP_EXEC,
};

static const char *const step_names[] = {
	[STEP_DEVNULL] = "open /dev/null",
	[STEP_PGRP] = "setpgid",
	[STEP_CGROUP] = "joining its cgroups",
	[STEP_CWD] = "chdir",
	[STEP_NETNS] = "entering the network namespace",
	[STEP_PERSONALITY] = "personality(ADDR_NO_RANDOMIZE)",
	[STEP_EXEC] = "exec",
};

/* In the child: report the failed step and its errno, and exit. */
static void
child_fail(int err_w, enum child_step step)
{
	int msg[2] = {(int)step, errno};

	if (write(err_w, msg, sizeof(msg)) < 0)
		_exit(127);
	_exit(127);
}

/* In the child: set up fds and exec; never returns. */
static void
child_exec(char *const argv[], const struct hv_proc_opts *opts, int out_w,
	   int err_w, pid_t parent)
{
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (opts->die_with_parent) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
	}
	if (devnull < 0)
		child_fail(err_w, STEP_DEVNULL);
	if (opts->own_pgrp && setpgid(0, 0) != 0)
		child_fail(err_w, STEP_PGRP);
	for (int i = 0; i < opts->ncg_fds; i++)
		if (write(opts->cg_fds[i], "0", 1) != 1)
			child_fail(err_w, STEP_CGROUP);
	if (opts->stdio_fd > 0) {
		dup2(opts->stdio_fd, STDIN_FILENO);
		dup2(opts->stdio_fd, STDOUT_FILENO);
	} else {
		dup2(devnull, STDIN_FILENO);
		dup2(out_w >= 0 ? out_w : devnull, STDOUT_FILENO);
	}
	if (opts->log_path) {
		int lfd = open(opts->log_path,
			       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		dup2(lfd >= 0 ? lfd : devnull, STDERR_FILENO);
	} else if (!opts->keep_stderr) {
		dup2(devnull, STDERR_FILENO);
	}
	if (opts->cwd && chdir(opts->cwd) != 0)
		child_fail(err_w, STEP_CWD);
	if (opts->netns_fd > 0 && setns(opts->netns_fd, CLONE_NEWNET) != 0)
		child_fail(err_w, STEP_NETNS);
	if (opts->no_aslr) {
		int pers = personality(0xffffffff);

		if (pers < 0 ||
		    personality((unsigned long)pers | ADDR_NO_RANDOMIZE) < 0)
			child_fail(err_w, STEP_PERSONALITY);
	}
	execv(argv[0], argv);
	child_fail(err_w, STEP_EXEC);
}

/*
 * Wait for the child's exec: the error pipe closes (close-on-exec) when it
 * succeeds, or brings the step and errno that failed. Returns 0 or -errno
 * with the child reaped.
 */
static int
await_exec(struct hv_proc *p, int err_r, const char *prog, struct hv_err *err)
{
	int msg[2];
	ssize_t n;

	do
		n = read(err_r, msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(msg))
		return 0;
	while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR)
		;
	p->reaped = true;
	p->pid = 0;
	if (msg[0] < STEP_DEVNULL || msg[0] > STEP_EXEC)
		msg[0] = STEP_EXEC;
	return hv_err_sys(err, msg[1] > 0 ? msg[1] : EIO, "cannot run '%s': %s",
			  prog, step_names[msg[0]]);
}

int
hv_proc_spawn(struct hv_proc *p, char *const argv[],
	      const struct hv_proc_opts *opts, struct hv_err *err)
{
	static const struct hv_proc_opts none;
	int pfd[2] = {-1, -1}, efd[2];
	pid_t parent = getpid(), pid;
	int rc;

	if (!opts)
		opts = &none;
	hv_proc_init(p);
	if (access(argv[0], X_OK) != 0)
		return hv_err_sys(err, errno, "cannot run '%s'", argv[0]);
	if (pipe2(efd, O_CLOEXEC) != 0)
		return hv_err_sys(err, errno, "pipe");
	if (opts->pipe_stdout && opts->stdio_fd <= 0 &&
	    pipe2(pfd, O_CLOEXEC) != 0) {
		rc = hv_err_sys(err, errno, "pipe");
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = hv_err_sys(err, errno, "fork for '%s'", argv[0]);
		if (pfd[0] >= 0) {
			close(pfd[0]);
			close(pfd[1]);
		}
		goto out;
	}
	if (pid == 0)
		child_exec(argv, opts, pfd[1], efd[1], parent);
	/* Both sides set it, so the group exists when either returns. */
	if (opts->own_pgrp)
		setpgid(pid, pid);
	p->pid = pid;
	if (pfd[0] >= 0) {
		close(pfd[1]);
		p->out_fd = pfd[0];
	}
	close(efd[1]);
	efd[1] = -1;
	rc = await_exec(p, efd[0], argv[0], err);
	if (rc < 0 && p->out_fd >= 0) {
		close(p->out_fd);
		p->out_fd = -1;
	}
out:
	close(efd[0]);
	if (efd[1] >= 0)
		close(efd[1]);
	return rc;
}

/* Move one line out of p->buf if there is one. */
static bool
take_line(struct hv_proc *p, char *line, size_t len)
{
	char *nl = memchr(p->buf, '\n', p->buf_len);
	size_t n;

	if (!nl)
		return false;
	n = (size_t)(nl - p->buf);
	if (len > 0) {
		size_t c = n < len - 1 ? n : len - 1;

		memcpy(line, p->buf, c);
		line[c] = '\0';
	}
	memmove(p->buf, nl + 1, p->buf_len - n - 1);
	p->buf_len -= n + 1;
	return true;
}

int
hv_proc_read_line(struct hv_proc *p, char *line, size_t len, int timeout_ms,
		  struct hv_err *err)
{
	int64_t deadline = hv_now_ms() + timeout_ms;
	struct pollfd pfd;
	ssize_t r;

	if (p->out_fd < 0)
		return hv_err_set(err, EBADF, "child stdout is not piped");
	while (!take_line(p, line, len)) {
		int64_t left = deadline - hv_now_ms();

		if (p->buf_len == sizeof(p->buf))
			p->buf_len = 0; /* an overlong line: drop it */
		if (left <= 0)
			return hv_err_set(err, ETIMEDOUT,
					  "no output from pid %d within %d ms",
					  (int)p->pid, timeout_ms);
		pfd.fd = p->out_fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return hv_err_sys(err, errno, "poll");
		}
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = read(p->out_fd, p->buf + p->buf_len,
			 sizeof(p->buf) - p->buf_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return hv_err_set(err, EPIPE,
					  "pid %d closed its output",
					  (int)p->pid);
		p->buf_len += (size_t)r;
	}
	return 0;
}

bool
hv_proc_alive(struct hv_proc *p)
{
	pid_t r;

	if (p->pid <= 0 || p->reaped)
		return false;
	r = waitpid(p->pid, &p->status, WNOHANG);
	if (r == p->pid) {
		p->reaped = true;
		return false;
	}
	return true;
}

/* Poll for exit for up to ms milliseconds. */
static bool
wait_for(struct hv_proc *p, int ms)
{
	int64_t deadline = hv_now_ms() + ms;
	struct timespec ts = {0, 2000000};

	for (;;) {
		if (!hv_proc_alive(p))
			return true;
		if (hv_now_ms() >= deadline)
			return false;
		nanosleep(&ts, NULL);
	}
}

int
hv_proc_stop(struct hv_proc *p, int timeout_ms, int grace_ms)
{
	int rc = 0;

	if (p->pid <= 0)
		goto out;
	if (wait_for(p, timeout_ms))
		goto out;
	rc = 1;
	kill(p->pid, SIGTERM);
	if (wait_for(p, grace_ms))
		goto out;
	kill(p->pid, SIGKILL);
	while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR)
		;
	p->reaped = true;
out:
	if (p->out_fd >= 0) {
		close(p->out_fd);
		p->out_fd = -1;
	}
	return rc;
}

int
hv_proc_kill_group(pid_t pgid, int timeout_ms)
{
	int64_t deadline = hv_now_ms() + timeout_ms;
	struct timespec ts = {0, 2000000};

	if (pgid <= 1)
		return 0;
	/* Members that died become zombies of their reaper until reaped. */
	while (kill(-pgid, SIGKILL) == 0) {
		if (hv_now_ms() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* Parent pid and VmRSS (bytes) of pid from /proc; false if it is gone. */
static bool
proc_info(pid_t pid, pid_t *ppid, int64_t *rss)
{
	char path[64], line[256];
	long long kb = 0;
	long pp = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "PPid:", 5) == 0)
			pp = strtol(line + 5, NULL, 10);
		else if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtoll(line + 6, NULL, 10);
	}
	fclose(f);
	*ppid = (pid_t)pp;
	*rss = kb * 1024;
	return pp >= 0;
}

/*
 * CPU time of pid from /proc/PID/stat, in ns: its own user and system
 * time, and its reaped children's; false if it is gone.
 */
static bool
cpu_info(pid_t pid, pid_t *ppid, int64_t *ns)
{
	char path[64], line[1024], *p;
	long long f[17] = {0};
	long tck = sysconf(_SC_CLK_TCK);
	FILE *fp;
	int k;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fp = fopen(path, "re");
	if (!fp)
		return false;
	p = fgets(line, sizeof(line), fp);
	fclose(fp);
	/* The name may hold spaces and parentheses: fields start after
	 * the last ')', with the state (field 3). */
	p = p ? strrchr(line, ')') : NULL;
	if (!p || tck <= 0)
		return false;
	p += 2;
	for (k = 3; k <= 17 && *p; k++) {
		f[k - 1] = strtoll(p, &p, 10);
		if (k == 3) /* the state is a letter */
			p += strcspn(p, " ");
	}
	if (k <= 17)
		return false;
	*ppid = (pid_t)f[3];
	*ns = (f[13] + f[14] + f[15] + f[16]) * (1000000000LL / tck);
	return true;
}

/* Sum info's value over root and every live descendant; -1 if root is
 * gone. */
static int64_t
tree_sum(pid_t root, bool (*info)(pid_t, pid_t *, int64_t *))
{
	pid_t pids[4096], ppids[4096], pp;
	bool in[4096] = {false};
	int64_t val[4096], total = 0, v;
	size_t n = 0, i;
	bool grew = true, found = false;
	struct dirent *de;
	DIR *d;

	if (root <= 0 || !(d = opendir("/proc")))
		return -1;
	while ((de = readdir(d)) != NULL && n < 4096) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || !info((pid_t)pid, &pp, &v))
			continue;
		pids[n] = (pid_t)pid;
		ppids[n] = pp;
		val[n] = v;
		in[n] = pid == root;
		found |= in[n];
		n++;
	}
	closedir(d);
	if (!found)
		return -1;
	/* Mark descendants until nothing changes (trees are shallow). */
	while (grew) {
		grew = false;
		for (i = 0; i < n; i++) {
			size_t j;

			if (in[i])
				continue;
			for (j = 0; j < n && !(in[j] && pids[j] == ppids[i]);
			     j++)
				;
			if (j < n)
				in[i] = grew = true;
		}
	}
	for (i = 0; i < n; i++)
		if (in[i])
			total += val[i];
	return total;
}

int64_t
hv_proc_tree_rss(pid_t root)
{
	return tree_sum(root, proc_info);
}

int64_t
hv_proc_tree_cpu_ns(pid_t root)
{
	return tree_sum(root, cpu_info);
}

const char *
hv_proc_status_str(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else
		snprintf(buf, len, "wait status %d", status);
	return buf;
}
