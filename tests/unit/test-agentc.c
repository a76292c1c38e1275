/*
 * test-agentc.c - the host-side agent client against the real agent
 * ($HV_BUILD/bin/hpcvirt-agent, default build/): a kernels directory with
 * a copy of echo and a few small scripts is served on a unix socket in a
 * temporary directory, and commands go through hv_agent_exec(): exit
 * codes, stdout/stderr, environment, timeouts (SIGTERM, then SIGKILL),
 * rejected non-kernels, large output, concurrency, SHUTDOWN and the
 * stdio transport.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hpcvirt/study/agentc.h"
#include "tap.h"

struct fixture {
	char dir[64];
	char kdir[96];
	char agent[512];
	char addr[160];
	pid_t pid;
};

static const char *const scripts[][2] = {
	{"outerr", "#!/bin/sh\necho out-$1\necho err-$1 >&2\nexit $2\n"},
	{"sleeper", "#!/bin/sh\nexec sleep \"$1\"\n"},
	{"stubborn", "#!/bin/sh\ntrap '' TERM\nsleep 30\n"},
	{"envk", "#!/bin/sh\nprintf '%s' \"$HV_TEST_VAR\"\n"},
	{"bigout", "#!/bin/sh\nhead -c 3000000 /dev/zero | tr '\\000' x\n"},
	{"notexec", "#!/bin/sh\necho no\n"},
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
put_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	return chmod(path, mode);
}

static int
copy_echo(const char *kdir)
{
	char path[256];
	char *argv[] = {"cp", "/bin/echo", path, NULL};
	pid_t pid;
	int st;

	snprintf(path, sizeof(path), "%s/echo-kernel", kdir);
	pid = fork();
	if (pid == 0) {
		execv("/bin/cp", argv);
		_exit(127);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
			       WEXITSTATUS(st) == 0
		       ? 0
		       : -1;
}

/* Read one line from fd within ms. */
static int
read_line(int fd, char *buf, size_t len, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int64_t end = now_ms() + ms;
	size_t n = 0;

	while (n + 1 < len && now_ms() < end) {
		if (poll(&pfd, 1, (int)(end - now_ms())) <= 0)
			continue;
		if (read(fd, buf + n, 1) != 1)
			break;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return n ? 0 : -1;
}

/* Start the agent with stdout on a pipe; returns the pipe's read end. */
static int
spawn_agent(struct fixture *fx, const char *listen, int *to_agent)
{
	char *argv[] = {fx->agent, "--kernels", fx->kdir,	"--workdir",
			fx->dir,   "--listen",	(char *)listen, NULL};
	int out[2], in[2];

	if (pipe(out) < 0 || pipe(in) < 0)
		return -1;
	fx->pid = fork();
	if (fx->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execv(fx->agent, argv);
		_exit(127);
	}
	close(out[1]);
	close(in[0]);
	if (to_agent)
		*to_agent = in[1];
	else
		close(in[1]);
	return out[0];
}

static int
setup(struct fixture *fx)
{
	const char *b = getenv("HV_BUILD");
	char line[256];
	int fd, rc;

	snprintf(fx->agent, sizeof(fx->agent), "%s/bin/hpcvirt-agent",
		 b && *b ? b : "build");
	if (access(fx->agent, X_OK) < 0)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/hv-agentc-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->kdir, sizeof(fx->kdir), "%s/k", fx->dir);
	if (mkdir(fx->kdir, 0755) < 0 || copy_echo(fx->kdir) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++)
		if (put_file(fx->kdir, scripts[i][0], scripts[i][1],
			     strcmp(scripts[i][0], "notexec") ? 0755 : 0644))
			return -1;
	snprintf(fx->addr, sizeof(fx->addr), "unix:%s/agent.sock", fx->dir);
	fd = spawn_agent(fx, fx->addr, NULL);
	if (fd < 0)
		return -1;
	rc = read_line(fd, line, sizeof(line), 5000);
	close(fd);
	ok(rc == 0 && !strncmp(line, "HPCVIRT-AGENT-READY unix:", 25) &&
		   !strcmp(line + 20, fx->addr),
	   "agent prints its READY line with the address ('%s')", line);
	return 0;
}

static void
rm_rf(const char *dir)
{
	char *argv[] = {"rm", "-rf", (char *)dir, NULL};
	pid_t pid = fork();

	if (pid == 0) {
		execv("/bin/rm", argv);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static void
teardown(struct fixture *fx)
{
	if (fx->pid > 0) {
		kill(fx->pid, SIGTERM);
		waitpid(fx->pid, NULL, 0);
	}
	if (fx->dir[0] == '/')
		rm_rf(fx->dir);
}

/* Run argv on c; returns hv_agent_exec's value. */
static int
run(struct hv_agent_conn *c, const char *const *argv, int tmo,
    struct hv_exec_res *res, struct hv_err *err)
{
	struct hv_exec_req req = {.argv = argv, .timeout_ms = tmo};

	hv_err_init(err);
	return hv_agent_exec(c, &req, res, err);
}

static void
test_basic(struct hv_agent_conn *c)
{
	const char *echo[] = {"echo-kernel", "hello", "world", NULL};
	const char *oe[] = {"outerr", "7", "3", NULL};
	struct hv_exec_res res;
	struct hv_err err;
	int rc;

	rc = run(c, echo, 5000, &res, &err);
	is_int(rc, 0, "echo-kernel runs (%s)", err.msg);
	is_str(res.out, "hello world\n", "echo-kernel stdout comes back");
	is_int(res.exit_code, 0, "echo-kernel exit code 0");
	ok(res.err && res.err_len == 0, "empty stderr is an empty string");
	ok(res.wall_ns > 0 && res.wall_ns < 5000000000LL,
	   "wall time measured (%lld ns)", (long long)res.wall_ns);
	hv_exec_res_release(&res);

	rc = run(c, oe, 5000, &res, &err);
	is_int(rc, 0, "outerr runs (%s)", err.msg);
	is_int(res.exit_code, 3, "exit code 3 passed through");
	is_int(res.term_signal, 0, "no signal");
	is_str(res.out, "out-7\n", "stdout separated");
	is_str(res.err, "err-7\n", "stderr separated");
	ok(!res.timed_out, "not timed out");
	hv_exec_res_release(&res);
}

static void
test_env(struct hv_agent_conn *c)
{
	const char *argv[] = {"envk", NULL};
	const char *envp[] = {"HV_TEST_VAR=a b=c", NULL};
	struct hv_exec_req req = {
		.argv = argv, .envp = envp, .timeout_ms = 5000};
	struct hv_exec_res res;
	struct hv_err err;
	int rc;

	hv_err_init(&err);
	rc = hv_agent_exec(c, &req, &res, &err);
	is_int(rc, 0, "env kernel runs (%s)", err.msg);
	is_str(res.out, "a b=c", "extra environment reaches the kernel");
	hv_exec_res_release(&res);
}

static void
test_timeouts(struct hv_agent_conn *c)
{
	const char *sl[] = {"sleeper", "30", NULL};
	const char *st[] = {"stubborn", NULL};
	struct hv_exec_res res;
	struct hv_err err;
	int64_t t0 = now_ms();
	int rc;

	rc = run(c, sl, 300, &res, &err);
	is_int(rc, 0, "timed-out command still reports (%s)", err.msg);
	ok(res.timed_out, "timed_out set");
	is_int(res.term_signal, SIGTERM, "killed by SIGTERM");
	is_int(res.exit_code, -1, "exit code -1 when signalled");
	ok(now_ms() - t0 < 3000, "timeout enforced (%lld ms)",
	   (long long)(now_ms() - t0));
	hv_exec_res_release(&res);

	t0 = now_ms();
	rc = run(c, st, 300, &res, &err);
	is_int(rc, 0, "SIGTERM-ignoring command reports (%s)", err.msg);
	ok(res.timed_out && res.term_signal == SIGKILL,
	   "SIGKILL after the grace period (signal %d)", res.term_signal);
	ok(now_ms() - t0 >= 1000 && now_ms() - t0 < 5000,
	   "grace about 1 s (%lld ms)", (long long)(now_ms() - t0));
	hv_exec_res_release(&res);
}

static void
test_rejects(struct hv_agent_conn *c)
{
	static const char *const bad[] = {"../bin/sh", "/bin/sh", "sh",
					  "notexec",   "..",	  "k"};
	const char *argv[] = {NULL, NULL};
	const char *echo[] = {"echo-kernel", "still", "ok", NULL};
	struct hv_exec_res res;
	struct hv_err err;
	char want[64];
	int rc;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		argv[0] = bad[i];
		rc = run(c, argv, 5000, &res, &err);
		snprintf(want, sizeof(want), "agent: not a kernel: '%s'",
			 bad[i]);
		ok(rc == -EPERM && !strncmp(err.msg, want, strlen(want)),
		   "'%s' rejected (rc %d, %s)", bad[i], rc, err.msg);
	}
	rc = run(c, echo, 5000, &res, &err);
	ok(rc == 0 && res.out && !strcmp(res.out, "still ok\n"),
	   "connection usable after rejections (%s)", err.msg);
	hv_exec_res_release(&res);
}

static void
count_out(void *arg, int stream, const char *buf, size_t len)
{
	size_t *n = arg;

	(void)buf;
	if (stream == 1)
		*n += len;
}

static void
test_big(struct hv_agent_conn *c)
{
	const char *argv[] = {"bigout", NULL};
	size_t seen = 0;
	struct hv_exec_req req = {.argv = argv,
				  .timeout_ms = 20000,
				  .on_output = count_out,
				  .arg = &seen};
	struct hv_exec_res res;
	struct hv_err err;
	int rc;

	hv_err_init(&err);
	rc = hv_agent_exec(c, &req, &res, &err);
	is_int(rc, 0, "3 MB of output (%s)", err.msg);
	is_int(res.out_len, 3000000, "all of it collected");
	is_int(seen, 3000000, "and seen by on_output");
	ok(res.out && res.out[0] == 'x' && res.out[2999999] == 'x' &&
		   res.out[3000000] == '\0',
	   "content intact and NUL-terminated");
	ok(!res.truncated, "not truncated");
	hv_exec_res_release(&res);
}

/* A second connection is served while the first runs a long command. */
/* Liveness hook: the box is "alive" for the first two checks only. */
static bool
alive_twice(void *arg)
{
	int *calls = arg;

	return ++*calls <= 2;
}

static void
test_dead_box(const struct fixture *fx)
{
	const char *sl[] = {"sleeper", "30", NULL};
	struct hv_exec_req req = {.argv = sl, .timeout_ms = 20000};
	struct hv_agent_conn *c = NULL;
	struct hv_exec_res res;
	struct hv_err err;
	int calls = 0, rc;
	int64_t t0;

	hv_err_init(&err);
	if (hv_agent_connect(&c, fx->addr, 3000, &err) < 0) {
		ok(0, "connect for the dead-box test (%s)", err.msg);
		return;
	}
	req.alive = alive_twice;
	req.alive_arg = &calls;
	t0 = now_ms();
	rc = hv_agent_exec(c, &req, &res, &err);
	ok(rc == -EPIPE && strstr(err.msg, "box died"),
	   "a box that dies ends the wait with EPIPE (%d, %s)", rc, err.msg);
	ok(now_ms() - t0 < 2000 && calls == 3,
	   "at the third check, not at the timeout (%lld ms, %d checks)",
	   (long long)(now_ms() - t0), calls);
	hv_agent_close(c);
}

static void
test_concurrent(const struct fixture *fx)
{
	const char *sl[] = {"sleeper", "2", NULL};
	const char *echo[] = {"echo-kernel", "x", NULL};
	struct hv_agent_conn *a = NULL, *b = NULL;
	struct hv_exec_res res;
	struct hv_err err;
	int64_t t0;
	pid_t pid;
	int st = -1;

	pid = fork();
	if (pid == 0) {
		if (hv_agent_connect(&a, fx->addr, 3000, &err) < 0 ||
		    run(a, sl, 10000, &res, &err) < 0 || res.exit_code != 0)
			_exit(1);
		_exit(0);
	}
	usleep(300000);
	t0 = now_ms();
	hv_err_init(&err);
	ok(hv_agent_connect(&b, fx->addr, 3000, &err) == 0 &&
		   run(b, echo, 5000, &res, &err) == 0 &&
		   !strcmp(res.out, "x\n"),
	   "second connection served (%s)", err.msg);
	ok(now_ms() - t0 < 1500, "without waiting for the first (%lld ms)",
	   (long long)(now_ms() - t0));
	if (res.out)
		hv_exec_res_release(&res);
	hv_agent_close(b);
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "first command completed");
}

static void
test_shutdown(struct fixture *fx, struct hv_agent_conn *c)
{
	struct hv_err err;
	int64_t end = now_ms() + 3000;
	pid_t p = 0;
	int st = -1, rc;

	hv_err_init(&err);
	rc = hv_agent_shutdown(c, &err);
	is_int(rc, 0, "SHUTDOWN acknowledged (%s)", err.msg);
	while (now_ms() < end && (p = waitpid(fx->pid, &st, WNOHANG)) == 0)
		usleep(10000);
	ok(p == fx->pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "agent exited with 0 after SHUTDOWN");
	if (p == fx->pid)
		fx->pid = 0;
}

/* The stdio transport through connect_fds, READY line skipped. */
static void
test_stdio(struct fixture *fx)
{
	const char *echo[] = {"echo-kernel", "via", "stdio", NULL};
	struct hv_agent_conn *c = NULL;
	struct hv_exec_res res;
	struct hv_err err;
	int rfd, wfd = -1, st = -1, rc;

	rfd = spawn_agent(fx, "stdio", &wfd);
	hv_err_init(&err);
	rc = hv_agent_connect_fds(&c, rfd, wfd, 5000, &err);
	is_int(rc, 0, "connect_fds over a stdio agent (%s)", err.msg);
	if (rc < 0) {
		close(rfd);
		close(wfd);
		return;
	}
	ok(strstr(hv_agent_peer_info(c), "hpcvirt-agent/") != NULL,
	   "peer info '%s'", hv_agent_peer_info(c));
	rc = run(c, echo, 5000, &res, &err);
	ok(rc == 0 && !strcmp(res.out, "via stdio\n"), "exec over stdio (%s)",
	   err.msg);
	if (rc == 0)
		hv_exec_res_release(&res);
	hv_agent_close(c);
	waitpid(fx->pid, &st, 0);
	fx->pid = 0;
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "stdio agent exits 0 at EOF");
}

static void
test_connect_fail(const struct fixture *fx)
{
	struct hv_agent_conn *c = NULL;
	struct hv_err err;
	char addr[128];
	int64_t t0 = now_ms();
	int rc;

	snprintf(addr, sizeof(addr), "unix:%s/none.sock", fx->dir);
	rc = hv_agent_connect(&c, addr, 300, &err);
	ok(rc < 0 && !c, "no agent: connect fails (%s)", err.msg);
	ok(now_ms() - t0 >= 250 && now_ms() - t0 < 2000,
	   "after retrying for the timeout (%lld ms)",
	   (long long)(now_ms() - t0));
	rc = hv_agent_connect(&c, "tcp:localhost:1", 300, &err);
	is_int(rc, -EINVAL, "non-numeric address refused (%s)", err.msg);
}

int
main(void)
{
	struct fixture fx = {.pid = 0};
	struct hv_agent_conn *c = NULL;
	struct hv_err err;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	if (setup(&fx) < 0) {
		teardown(&fx);
		skip_all("cannot set up: is the agent built (make)?");
	}
	hv_err_init(&err);
	rc = hv_agent_connect(&c, fx.addr, 5000, &err);
	is_int(rc, 0, "connect over unix socket (%s)", err.msg);
	if (rc < 0) {
		teardown(&fx);
		return done_testing() ? 1 : 1;
	}
	ok(!strncmp(hv_agent_peer_info(c), "hpcvirt-agent/", 14),
	   "peer info from HELLO: '%s'", hv_agent_peer_info(c));
	test_basic(c);
	test_env(c);
	test_timeouts(c);
	test_rejects(c);
	test_big(c);
	test_concurrent(&fx);
	test_dead_box(&fx);
	test_connect_fail(&fx);
	test_shutdown(&fx, c);
	hv_agent_close(c);
	test_stdio(&fx);
	teardown(&fx);
	return done_testing();
}
