/*
 * test-container.c - the container runtime (container.c) with cgroups
 * (cgroup.c), without the lab: the box runs a shell script or the agent
 * as PID 1 and the test checks what the box sees (its own PID 1,
 * hostname, only lo, no route, no host process, read-only root, writable
 * /scratch and /tmp), that a kernel over the memory limit is killed by
 * SIGKILL while the agent survives, the netns-only mode of the native
 * baseline, the error paths, and that the host's mounts and cgroup
 * directories are the same afterwards. Root only; skips (77) otherwise.
 *
 *   test-container                 the tests
 *   test-container --bench N       N starts of the ns env (with the lab)
 *                                  to agent connected, one ns per line
 *   test-container --bench-ct N    N starts of the container alone (no
 *                                  lab) to the READY line
 * (both used by scripts/bench-start.sh)
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hpcvirt/study/agentc.h"
#include "hpcvirt/host/cgroup.h"
#include "hpcvirt/host/container.h"
#include "hpcvirt/host/lab.h"
#include "tap.h"

/* The ns driver is host code (not in libhpcvirt.a): test it in place. */
#include "env/ns.c"

#define BOX_NS                                                      \
	(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | \
	 CLONE_NEWNET)
#define READY "HPCVIRT-AGENT-READY "

struct box {
	char dir[64], root[128], sock[128], scratch[128], bin[PATH_MAX];
	struct hv_cg cg;
	bool with_cg;
	int cgfd[HV_CG_NCTRL], ncg; /* open cgroup.procs, for the child */
	const char *hostname;
};

static int
fail_started(void *arg, pid_t pid, struct hv_err *err)
{
	(void)arg;
	return hv_err_set(err, EPERM, "started refused pid %d", (int)pid);
}

static void
box_dirs(struct box *b)
{
	const char *build = getenv("HV_BUILD");
	char rel[PATH_MAX];

	snprintf(b->dir, sizeof(b->dir), "/tmp/hv-ct-test.XXXXXX");
	if (!mkdtemp(b->dir))
		exit(1);
	snprintf(b->root, sizeof(b->root), "%s/root", b->dir);
	snprintf(b->sock, sizeof(b->sock), "%s/sock", b->dir);
	snprintf(b->scratch, sizeof(b->scratch), "%s/scratch", b->dir);
	mkdir(b->root, 0755);
	mkdir(b->sock, 0755);
	mkdir(b->scratch, 0755);
	snprintf(rel, sizeof(rel), "%s/bin", build && *build ? build : "build");
	if (!realpath(rel, b->bin))
		b->bin[0] = '\0';
}

static void
box_rmdirs(struct box *b)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/scratch/written", b->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/agent.sock", b->sock);
	unlink(path);
	rmdir(b->root);
	rmdir(b->sock);
	rmdir(b->scratch);
	rmdir(b->dir);
}

static void
box_opts(struct box *b, struct hv_ct_opts *o, char *const *argv)
{
	memset(o, 0, sizeof(*o));
	o->ns_flags = BOX_NS;
	o->new_root = true;
	o->root_dir = b->root;
	o->bin_dir = b->bin;
	o->sock_dir = b->sock;
	o->scratch_dir = b->scratch;
	o->argv = argv;
	o->pipe_stdout = true;
	o->hostname = b->hostname;
	o->join_fds = b->cgfd;
	o->njoin = b->ncg;
}

/* All of the child's stdout, until it exits (bounded). */
static void
read_all(struct hv_proc *p, char *buf, size_t len)
{
	char line[512];
	struct hv_err err;
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < 200; i++) {
		if (hv_proc_read_line(p, line, sizeof(line), 5000, &err) < 0)
			break;
		n += (size_t)snprintf(buf + n, len - n, "%s\n", line);
		if (n >= len)
			break;
	}
	hv_proc_stop(p, 2000, 500);
}

static mode_t
host_umask(void)
{
	mode_t m = umask(0);

	umask(m);
	return m;
}

static const char script[] =
	"echo pid=$$; echo host=$(cat /proc/sys/kernel/hostname);"
	"echo net=$(ls /sys/class/net | tr '\\n' ' ');"
	"echo init=$(cat /proc/1/comm);"
	"test -e /proc/%d/cmdline || echo me=hidden;"
	"echo routes=$(tail -n +2 /proc/net/route | wc -l);"
	"touch /usr/hv-test 2>/dev/null && echo usr=rw || echo usr=ro;"
	"echo x > /scratch/written && echo scratch=rw;"
	"echo x > /tmp/t && echo tmp=rw;"
	"test -x " HV_CT_BIN_DIR "/hpcvirt-agent && echo agent=yes;"
	"test -c /dev/null && test -d /dev/shm && echo dev=ok;"
	"echo null=$(stat -c %%t:%%T:%%a /dev/null)"
	" zero=$(head -c 3 /dev/zero | wc -c) umask=$(umask);"
	"echo x > /dev/null && echo nullw=ok;"
	"test -d /run/hpcvirt && echo sock=ok\n";

static void
test_isolation(void)
{
	char text[2048], out[4096], path[256];
	char *const argv[] = {"/bin/sh", "-c", text, NULL};
	struct hv_ct_opts o;
	struct hv_proc p;
	struct hv_err err;
	struct box b = {.hostname = "hv-ns-test"};
	int rc;

	snprintf(text, sizeof(text), script, (int)getpid());
	box_dirs(&b);
	box_opts(&b, &o, argv);
	rc = hv_ct_start(&p, &o, &err);
	ok(rc == 0, "start a box running sh: %s", rc ? err.msg : "ok");
	read_all(&p, out, sizeof(out));
	diag("%s", out);
	ok(strstr(out, "pid=1\n") != NULL, "the box's first process is PID 1");
	ok(strstr(out, "host=hv-ns-test\n") != NULL, "the box has its name");
	ok(strstr(out, "net=lo\n") != NULL, "the box sees only lo");
	ok(strstr(out, "init=sh\n") && strstr(out, "me=hidden\n"),
	   "host processes (PID 1, the test) are invisible");
	ok(strstr(out, "routes=0\n") != NULL, "no route out of the box");
	ok(strstr(out, "usr=ro\n") != NULL, "/usr is read-only");
	ok(strstr(out, "scratch=rw\n") != NULL, "/scratch is writable");
	snprintf(path, sizeof(path), "%s/written", b.scratch);
	ok(access(path, F_OK) == 0, "and backed by the host directory");
	ok(strstr(out, "tmp=rw\n") != NULL, "/tmp is writable");
	ok(strstr(out, "agent=yes\n") != NULL,
	   "the build is at " HV_CT_BIN_DIR);
	ok(strstr(out, "dev=ok\n") != NULL, "a minimal /dev");
	ok(strstr(out, "null=1:3:666 zero=3 ") && strstr(out, "nullw=ok\n"),
	   "/dev/null is the host's null device, 0666, writable; "
	   "/dev/zero reads");
	snprintf(path, sizeof(path), "umask=%04o\n", (unsigned)host_umask());
	ok(strstr(out, path) != NULL, "the box keeps the host's umask %04o",
	   (unsigned)host_umask());
	ok(strstr(out, "sock=ok\n") != NULL, "the socket dir is mounted");
	box_rmdirs(&b);
}

/* Start the agent in a box (with cgroups when b->with_cg); 0 or -errno. */
static int
start_agent(struct box *b, struct hv_proc *p, struct hv_agent_conn **conn,
	    struct hv_err *err)
{
	char *const argv[] = {HV_CT_BIN_DIR "/hpcvirt-agent",
			      "--kernels",
			      HV_CT_BIN_DIR,
			      "--workdir",
			      HV_CT_SCRATCH,
			      "--listen",
			      "unix:" HV_CT_SOCK_DIR "/agent.sock",
			      NULL};
	char line[512], addr[200];
	struct hv_ct_opts o;
	int rc;

	b->ncg = 0;
	if (b->with_cg) {
		rc = hv_cg_open_procs(&b->cg, b->cgfd, err);
		if (rc < 0)
			return rc;
		b->ncg = rc;
	}
	box_opts(b, &o, argv);
	rc = hv_ct_start(p, &o, err);
	while (b->ncg > 0)
		close(b->cgfd[--b->ncg]);
	while (rc == 0) {
		rc = hv_proc_read_line(p, line, sizeof(line), 5000, err);
		if (rc == 0 && strncmp(line, READY, sizeof(READY) - 1) == 0)
			break;
	}
	if (rc < 0 || !conn)
		return rc;
	snprintf(addr, sizeof(addr), "unix:%s/agent.sock", b->sock);
	return hv_agent_connect(conn, addr, 5000, err);
}

static int
run_mem(struct hv_agent_conn *c, const char *size, struct hv_exec_res *res)
{
	const char *argv[] = {"hpcvirt-mem", "--size", size, "--json", NULL};
	struct hv_exec_req req = {.argv = argv, .timeout_ms = 60000};
	struct hv_err err;
	int rc = hv_agent_exec(c, &req, res, &err);

	if (rc < 0)
		diag("exec hpcvirt-mem: %s", err.msg);
	return rc;
}

static void
test_agent_oom(const struct hv_cg_layout *l)
{
	struct hv_agent_conn *c = NULL;
	struct hv_exec_res res;
	struct hv_err err;
	struct hv_proc p;
	struct box b = {.with_cg = true, .hostname = "hv-ns-oom"};
	int rc;

	box_dirs(&b);
	rc = hv_cg_create(&b.cg, l, "cttest", 1, 64, &err);
	ok(rc == 0, "cgroups with 64 MiB: %s", rc ? err.msg : "ok");
	rc = start_agent(&b, &p, &c, &err);
	ok(rc == 0, "agent ready in the box: %s", rc ? err.msg : "ok");
	if (rc == 0) {
		ok(strstr(hv_agent_peer_info(c), " hv-ns-oom ") != NULL,
		   "the agent runs under the box's hostname: %s",
		   hv_agent_peer_info(c));
		is_int(hv_cg_count_procs(&b.cg), 2,
		       "the agent and its session are in the group");
		rc = run_mem(c, "16MiB", &res);
		ok(rc == 0 && res.exit_code == 0 &&
			   strstr(res.out, "\"kernel\":\"mem\""),
		   "16 MiB fits under 64 MiB");
		if (rc == 0)
			hv_exec_res_release(&res);
		rc = run_mem(c, "256MiB", &res);
		ok(rc == 0 && res.term_signal == SIGKILL,
		   "256 MiB is killed by SIGKILL (signal %d)",
		   rc == 0 ? res.term_signal : -1);
		if (rc == 0)
			hv_exec_res_release(&res);
		rc = run_mem(c, "1MiB", &res);
		ok(rc == 0 && res.exit_code == 0,
		   "the agent survived the OOM kill and still runs kernels");
		if (rc == 0)
			hv_exec_res_release(&res);
		hv_agent_shutdown(c, &err);
		hv_agent_close(c);
	}
	hv_proc_stop(&p, 2000, 500);
	ok(WIFSIGNALED(p.status) || WIFEXITED(p.status), "the box ended");
	is_int(hv_cg_remove(&b.cg, NULL), 0, "cgroups removed");
	box_rmdirs(&b);
}

/* The native baseline: only a network namespace, the host's root. */
static void
test_netns_only(void)
{
	char *const argv[] = {
		"/bin/sh", "-c",
		"echo pid=$$; echo devs=$(tail -n +3 /proc/net/dev | wc -l);"
		"test -d /work && echo root=host",
		NULL};
	struct hv_ct_opts o = {
		.ns_flags = CLONE_NEWNET, .argv = argv, .pipe_stdout = true};
	char out[1024];
	struct hv_proc p;
	struct hv_err err;
	int rc = hv_ct_start(&p, &o, &err);

	ok(rc == 0, "netns-only start: %s", rc ? err.msg : "ok");
	read_all(&p, out, sizeof(out));
	ok(strstr(out, "pid=1\n") == NULL, "no PID namespace");
	ok(strstr(out, "devs=1\n") != NULL, "only lo in its network namespace");
	ok(strstr(out, "root=host\n") != NULL, "the host's root");
}

static void
test_errors(void)
{
	char *const bad[] = {"/nonexistent/prog", NULL};
	char *const sh[] = {"/bin/true", NULL};
	struct hv_ct_opts o;
	struct hv_proc p;
	struct hv_err err;
	struct box b = {0};
	int rc;

	box_dirs(&b);
	box_opts(&b, &o, bad);
	rc = hv_ct_start(&p, &o, &err);
	ok(rc < 0 && strstr(err.msg, "exec /nonexistent/prog"),
	   "a missing program is reported: %s", err.msg);
	box_opts(&b, &o, sh);
	o.join_fds = (const int[]){-1};
	o.njoin = 1;
	rc = hv_ct_start(&p, &o, &err);
	ok(rc == -EBADF && strstr(err.msg, "join cgroup"),
	   "a cgroup the child cannot join fails the start: %s", err.msg);
	box_opts(&b, &o, sh);
	o.started = fail_started;
	rc = hv_ct_start(&p, &o, &err);
	ok(rc == -EPERM && strstr(err.msg, "started refused pid") && p.pid <= 0,
	   "a failing started callback fails the start: %s", err.msg);
	box_opts(&b, &o, bad);
	o.started = fail_started;
	rc = hv_ct_start(&p, &o, &err);
	ok(rc < 0 && strstr(err.msg, "exec /nonexistent/prog"),
	   "the child's own error wins over the callback's: %s", err.msg);
	box_opts(&b, &o, sh);
	o.root_dir = "/nonexistent/root";
	rc = hv_ct_start(&p, &o, &err);
	ok(rc < 0 && strstr(err.msg, "/nonexistent/root"),
	   "a bad root dir is reported: %s", err.msg);
	o.ns_flags = CLONE_NEWNET;
	rc = hv_ct_start(&p, &o, &err);
	is_int(rc, -EINVAL, "a new root without a mount namespace is refused");
	box_rmdirs(&b);
}

static int
count_lines(const char *path)
{
	FILE *f = fopen(path, "re");
	int n = 0, ch;

	if (!f)
		return -1;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

/* Entries named hpcvirt-* under our own cpu and memory cgroups. */
static int
count_groups(const struct hv_cg_layout *l)
{
	int n = 0;

	for (int c = HV_CG_CPU; c <= HV_CG_MEMORY; c++) {
		DIR *d = opendir(l->ctrl[c].own_dir);
		struct dirent *de;

		while (d && (de = readdir(d)) != NULL)
			n += strncmp(de->d_name, HV_CLEAN_PREFIX,
				     sizeof(HV_CLEAN_PREFIX) - 1) == 0;
		if (d)
			closedir(d);
	}
	return n;
}

/* In a child: enter the box's network namespace and read a proc file. */
static void
box_net_file(pid_t pid, const char *file, char *out, size_t len)
{
	char path[64];
	int pfd[2], fd;
	ssize_t n;
	pid_t c;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (pipe(pfd) < 0)
		return;
	c = fork();
	if (c == 0) {
		fd = open(path, O_RDONLY);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			_exit(1);
		fd = open(file, O_RDONLY);
		while (fd >= 0 && (n = read(fd, path, sizeof(path))) > 0)
			if (write(pfd[1], path, (size_t)n) != n)
				break;
		_exit(0);
	}
	close(pfd[1]);
	n = 0;
	while (n < (ssize_t)len - 1) {
		ssize_t r = read(pfd[0], out + n, len - 1 - (size_t)n);

		if (r <= 0)
			break;
		n += r;
	}
	out[n] = '\0';
	close(pfd[0]);
	waitpid(c, NULL, 0);
}

/* Interface names in /proc/net/dev text, space-separated. */
static void
ifnames(const char *dev, char *out, size_t len)
{
	const char *p = strchr(dev, '\n');
	size_t n = 0;

	out[0] = '\0';
	p = p ? strchr(p + 1, '\n') : NULL;
	while (p && *++p) {
		const char *colon = strchr(p, ':');

		if (!colon)
			break;
		while (*p == ' ')
			p++;
		n += (size_t)snprintf(out + n, len - n, "%.*s ",
				      (int)(colon - p), p);
		p = strchr(colon, '\n');
		if (n >= len)
			break;
	}
}

/* Does the file (its first 4 KiB) contain text? */
static bool
file_has(const char *path, const char *text)
{
	char buf[4096];
	size_t n = 0;
	FILE *f = fopen(path, "re");

	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

/* A /proc/net/route line whose destination is 0.0.0.0? */
static bool
has_default(const char *route)
{
	const char *p = strchr(route, '\n');

	while (p && p[1]) {
		const char *tab = strchr(p + 1, '\t');

		if (tab && strncmp(tab + 1, "00000000\t", 9) == 0)
			return true;
		p = strchr(p + 1, '\n');
	}
	return false;
}

static void
test_ns_driver(const struct hv_env *env, struct hv_lab *lab)
{
	struct hv_env_ctx ctx = {.spec = {.cpus = 1, .mem_mib = 128},
				 .lab = lab};
	char run[64], bin[PATH_MAX], dev[4096], names[256], route[4096];
	char cgdir[600], work[512];
	struct hv_exec_res res;
	struct hv_err err;
	struct hv_box box;
	int rc;

	snprintf(run, sizeof(run), "/tmp/hv-ct-run.XXXXXX");
	if (!mkdtemp(run) || !realpath("build/bin", bin))
		snprintf(bin, sizeof(bin), "build/bin");
	if (getenv("HV_BUILD")) {
		snprintf(route, sizeof(route), "%s/bin", getenv("HV_BUILD"));
		if (!realpath(route, bin))
			bin[0] = '\0';
	}
	ctx.bin_dir = bin;
	ctx.run_dir = run;
	rc = hv_box_start(env, &ctx, &box, &err);
	ok(rc == 0, "%s: start with the lab: %s", env->name,
	   rc ? err.msg : "ok");
	if (rc < 0) {
		rmdir(run);
		return;
	}
	diag("%s: start to agent ready %.2f ms, ip %s", env->name,
	     box.start_ns / 1e6, hv_params_get(&box.config, "ip"));
	snprintf(work, sizeof(work), " hv-ns-%s ",
		 strrchr(box.workdir, '.') ? strrchr(box.workdir, '.') + 1
					   : "?");
	ok(strstr(hv_agent_peer_info(box.conn), work) != NULL,
	   "%s: the agent's hostname is after its workdir: %s", env->name,
	   hv_agent_peer_info(box.conn));
	{
		/* hv_cg_create does not read back; check the kernel here. */
		const struct ns_box *nb = box.priv;
		struct hv_cg_limits lim;

		rc = hv_cg_read_limits(&nb->cg, &lim, &err);
		ok(rc == 0 && lim.cpu_quota_us == 100000 &&
			   lim.cpu_period_us == 100000 &&
			   lim.mem_bytes == 128 << 20 &&
			   (lim.memsw_bytes == -1 || lim.memsw_bytes == 0 ||
			    lim.memsw_bytes == 128 << 20),
		   "%s: the kernel has the limits (quota %lld/%lld us, "
		   "%lld bytes)",
		   env->name, (long long)lim.cpu_quota_us,
		   (long long)lim.cpu_period_us, (long long)lim.mem_bytes);
	}
	box_net_file(box.proc.pid, "/proc/net/dev", dev, sizeof(dev));
	ifnames(dev, names, sizeof(names));
	is_str(names, "lo eth0 ", "%s: the box has lo and eth0 only",
	       env->name);
	box_net_file(box.proc.pid, "/proc/net/route", route, sizeof(route));
	ok(strstr(route, "\n") && !has_default(route),
	   "%s: no default route out of the lab", env->name);
	is_str(box.scratch, "/scratch", "%s: scratch as the box sees it",
	       env->name);
	{
		const char *argv[] = {"hpcvirt-mem", "--size", "1MiB", NULL};
		struct hv_exec_req req = {.argv = argv, .timeout_ms = 30000};

		rc = hv_box_exec(&box, &req, &res, &err);
		ok(rc == 0 && res.exit_code == 0, "%s: a kernel runs",
		   env->name);
		if (rc == 0)
			hv_exec_res_release(&res);
	}
	snprintf(cgdir, sizeof(cgdir), "%s",
		 hv_params_get(&box.config, "cgroup_memory"));
	cgdir[strcspn(cgdir, " ")] = '\0';
	snprintf(work, sizeof(work), "%s/box.log", box.workdir);
	ok(file_has(work, "listening on unix:" HV_CT_SOCK_DIR),
	   "%s: the agent's stderr goes to %s", env->name, work);
	snprintf(work, sizeof(work), "%s", box.workdir);
	rc = hv_box_stop(&box, &err);
	ok(rc == 0, "%s: the stop leaves nothing (%s)", env->name,
	   rc ? err.msg : "ok");
	ok(access(cgdir, F_OK) != 0, "%s: the cgroup is removed", env->name);
	ok(access(work, F_OK) != 0, "%s: the workdir and scratch are removed",
	   env->name);
	rmdir(run);
}

static void
test_ns_lab(void)
{
	struct hv_lab lab;
	struct hv_err err;
	int rc = hv_lab_create(&lab, NULL, &err);

	ok(rc == 0, "create the lab: %s", rc ? err.msg : "ok");
	if (rc < 0)
		return;
	test_ns_driver(&hv_env_ns, &lab);
	test_ns_driver(&hv_env_ns_routed, &lab);
	hv_lab_destroy(&lab);
}

/* Starts of the ns env (lab port, cgroups, container, agent connected:
 * box->start_ns), one per line in ns, as scripts/bench-start.sh wants. */
static int
bench(long n)
{
	struct hv_env_ctx ctx = {.spec = {.cpus = 1, .mem_mib = 256}};
	char run[64], rel[PATH_MAX], bin[PATH_MAX];
	const char *build = getenv("HV_BUILD");
	struct hv_lab lab;
	struct hv_err err;
	struct hv_box box;
	int rc;

	snprintf(rel, sizeof(rel), "%s/bin", build && *build ? build : "build");
	snprintf(run, sizeof(run), "/tmp/hv-ct-run.XXXXXX");
	if (!realpath(rel, bin) || !mkdtemp(run))
		return 1;
	ctx.bin_dir = bin;
	ctx.run_dir = run;
	ctx.lab = &lab;
	rc = hv_lab_create(&lab, NULL, &err);
	for (long i = 0; i < n && rc == 0; i++) {
		rc = hv_box_start(&hv_env_ns, &ctx, &box, &err);
		if (rc == 0)
			printf("%lld\n", (long long)box.start_ns);
		if (rc == 0)
			hv_box_stop(&box, NULL);
	}
	if (rc < 0)
		fprintf(stderr, "test-container: %s\n", err.msg);
	hv_lab_destroy(&lab);
	rmdir(run);
	return rc < 0 ? 1 : 0;
}

/* The same without the lab (a box with only lo): the runtime's own
 * share of the start, cgroups included, up to the READY line. */
static int
bench_ct(const struct hv_cg_layout *l, long n)
{
	struct box b = {.with_cg = true, .hostname = "hv-ns-bench"};
	struct hv_err err;
	struct hv_proc p;
	int rc = 0;

	box_dirs(&b);
	for (long i = 0; i < n && rc == 0; i++) {
		int64_t t0 = hv_now_ns();

		rc = hv_cg_create(&b.cg, l, "bench", 1, 256, &err);
		if (rc == 0)
			rc = start_agent(&b, &p, NULL, &err);
		if (rc == 0)
			printf("%lld\n", (long long)(hv_now_ns() - t0));
		if (rc == 0)
			kill(p.pid, SIGKILL);
		hv_proc_stop(&p, 1000, 500);
		hv_cg_remove(&b.cg, NULL);
	}
	if (rc < 0)
		fprintf(stderr, "test-container: %s\n", err.msg);
	box_rmdirs(&b);
	return rc < 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct hv_cg_layout l;
	struct hv_err err;
	int mounts, groups;

	if (geteuid() != 0)
		skip_all("needs root");
	if (hv_ct_probe(BOX_NS, &err) < 0)
		skip_all(err.msg);
	if (hv_cg_detect(&l, &err) < 0 || !l.ctrl[HV_CG_MEMORY].present ||
	    !l.ctrl[HV_CG_CPU].present)
		skip_all("no cpu or memory cgroup controller");
	if (argc == 3 && (strcmp(argv[1], "--bench") == 0 ||
			  strcmp(argv[1], "--bench-ct") == 0)) {
		char *end;
		long n = strtol(argv[2], &end, 10);

		if (*end || n < 1 || n > 10000) {
			fprintf(stderr,
				"bad --bench '%s': expected a count "
				"1..10000\n",
				argv[2]);
			return 2;
		}
		return argv[1][7] ? bench_ct(&l, n) : bench(n);
	}
	mounts = count_lines("/proc/self/mountinfo");
	groups = count_groups(&l);
	plan(59);
	test_isolation();
	test_agent_oom(&l);
	test_netns_only();
	test_errors();
	test_ns_lab();
	is_int(count_lines("/proc/self/mountinfo"), mounts,
	       "the host's mounts are unchanged");
	is_int(count_groups(&l), groups, "no hpcvirt cgroup is left");
	return done_testing();
}
