/*
 * rt.c - the part every external-runtime driver shares (see rt.h): the
 * box's directories and skeleton root, its network namespace on the lab,
 * starting the runtime (optionally inside a private mount namespace
 * without the cgroup2 mount, inside the box's network namespace, or in
 * our own cgroups), waiting for the agent's socket, provenance, and the
 * cleanup of everything the box and its runtime left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hpcvirt/host/clean.h"
#include "hpcvirt/host/container.h"
#include "rt.h"

#define HOLDER_MS 2000
#define VERSION_MS 3000

/* Host top-level entries that the box sees read-only (dir or symlink). */
static const char *const host_tops[] = {"/usr", "/etc",	  "/bin",   "/sbin",
					"/lib", "/lib32", "/lib64", "/libx32"};

/* Mount points of the skeleton root, besides the host tops. */
static const char *const points[] = {"opt", "opt/hpcvirt", "opt/hpcvirt/bin",
				     "run", "run/hpcvirt", "scratch",
				     "tmp", "proc",	   "dev",
				     "sys", "root"};

static int
add_bind(struct hv_rt *rt, const char *src, const char *dst, bool ro)
{
	struct hv_rt_bind *b;

	if (rt->nbinds >= HV_RT_MAX_BINDS)
		return -E2BIG;
	b = &rt->binds[rt->nbinds++];
	snprintf(b->src, sizeof(b->src), "%s", src);
	b->dst = dst;
	b->ro = ro;
	return 0;
}

/* The host's top-level entry: a bind of a directory, or the same
 * symlink (Debian's /lib -> usr/lib). Absent ones are skipped. */
static int
add_top(struct hv_rt *rt, const char *host, struct hv_err *err)
{
	const char *top = host + 1;
	char in[700];
	struct stat st;
	ssize_t n;

	snprintf(in, sizeof(in), "%s%s", rt->root, host);
	if (lstat(host, &st) != 0)
		return 0;
	if (S_ISLNK(st.st_mode) && rt->nlinks < 8) {
		struct hv_rt_link *l = &rt->links[rt->nlinks];

		n = readlink(host, l->target, sizeof(l->target) - 1);
		if (n <= 0)
			return hv_err_sys(err, errno, "readlink %s", host);
		l->target[n] = '\0';
		snprintf(l->name, sizeof(l->name), "%s", top);
		snprintf(l->path, sizeof(l->path), "/%s", top);
		rt->nlinks++;
		if (symlink(l->target, in) != 0)
			return hv_err_sys(err, errno, "symlink %s", in);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (mkdir(in, 0755) != 0)
		return hv_err_sys(err, errno, "mkdir %s", in);
	if (add_bind(rt, host, host, true) < 0)
		return hv_err_set(err, E2BIG, "too many binds");
	return 0;
}

/* workdir/{root,sock,scratch}, the skeleton and the bind list. */
static int
make_dirs(const char *bin_dir, struct hv_box *box, struct hv_rt *rt,
	  struct hv_err *err)
{
	char *dirs[] = {rt->root, rt->sock, rt->scratch};
	static const char *const names[] = {"root", "sock", "scratch"};
	char p[700];
	int rc;

	for (int i = 0; i < 3; i++) {
		snprintf(dirs[i], sizeof(rt->root), "%s/%s", box->workdir,
			 names[i]);
		if (mkdir(dirs[i], 0755) != 0)
			return hv_err_sys(err, errno, "mkdir %s", dirs[i]);
	}
	snprintf(rt->log, sizeof(rt->log), "%s/box.log", box->workdir);
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", rt->root, points[i]);
		if (mkdir(p, 0755) != 0)
			return hv_err_sys(err, errno, "mkdir %s", p);
	}
	for (size_t i = 0; i < sizeof(host_tops) / sizeof(host_tops[0]); i++)
		if ((rc = add_top(rt, host_tops[i], err)) < 0)
			return rc;
	if (add_bind(rt, bin_dir, HV_CT_BIN_DIR, true) < 0 ||
	    add_bind(rt, rt->sock, HV_CT_SOCK_DIR, false) < 0 ||
	    add_bind(rt, rt->scratch, HV_CT_SCRATCH, false) < 0)
		return hv_err_set(err, E2BIG, "too many binds");
	return 0;
}

/* Start the holder, attach its namespace to the lab (bridged). */
static int
make_netns(struct hv_lab *lab, struct hv_rt *rt, struct hv_err *err)
{
	int rc, fd;

	rc = hv_netns_hold("hv-rt-netns", &rt->holder, &fd, err);
	if (rc < 0)
		return rc;
	snprintf(rt->netns, sizeof(rt->netns), "/proc/%d/ns/net",
		 (int)rt->holder);
	rc = hv_lab_attach(lab, fd, HV_NET_BRIDGED, &rt->port, err);
	close(fd);
	return rc < 0 ? hv_err_prefix(err, "lab: ") : 0;
}

int
hv_rt_prepare(const struct hv_env_ctx *ctx, struct hv_box *box,
	      char *const version_argv[], struct hv_err *err)
{
	struct hv_proc_opts vo = {.pipe_stdout = true, .die_with_parent = true};
	struct hv_err ignored;
	struct hv_rt *rt;
	int rc;

	if (!ctx->lab)
		return hv_err_set(err, EINVAL, "%s needs the lab",
				  box->env->name);
	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return hv_err_sys(err, ENOMEM, "box state");
	box->priv = rt;
	rt->env = box->env->name;
	rt->cpus = ctx->spec.cpus;
	rt->mem_mib = ctx->spec.mem_mib;
	rt->agent_port = ctx->agent_port;
	rt->oom_seen = -1;
	hv_proc_init(&rt->version);
	snprintf(box->workdir, sizeof(box->workdir), "%s/%s.XXXXXX",
		 ctx->run_dir, rt->env);
	if (!mkdtemp(box->workdir)) {
		rc = hv_err_sys(err, errno, "mkdtemp %s", box->workdir);
		box->workdir[0] = '\0';
		return rc;
	}
	snprintf(rt->name, sizeof(rt->name), HV_CLEAN_PREFIX "%ld-%s",
		 (long)getpid(), strrchr(box->workdir, '/') + 1);
	rc = make_dirs(ctx->bin_dir, box, rt, err);
	if (rc < 0)
		return rc;
	/* In the background; read once the box is up (hv_rt_wait). */
	if (hv_proc_spawn(&rt->version, version_argv, &vo, &ignored) < 0)
		hv_proc_init(&rt->version);
	rc = make_netns(ctx->lab, rt, err);
	if (rc < 0)
		return rc;
	snprintf(rt->hostname, sizeof(rt->hostname), "hv-%s-%d", rt->env,
		 rt->port.index);
	return 0;
}

int
hv_rt_short_dir(const struct hv_env_ctx *ctx, struct hv_rt *rt,
		struct hv_err *err)
{
	const char *slash = strrchr(ctx->run_dir, '/');
	int base = slash ? (int)(slash - ctx->run_dir) : 0;

	snprintf(rt->short_dir, sizeof(rt->short_dir), "%.*s/%s", base,
		 ctx->run_dir, rt->name);
	if (mkdir(rt->short_dir, 0700) != 0) {
		int rc = hv_err_sys(err, errno, "mkdir %s", rt->short_dir);

		rt->short_dir[0] = '\0';
		return rc;
	}
	return 0;
}

int
hv_rt_own_cgroup(struct hv_rt *rt, struct hv_err *err)
{
	struct hv_cg_layout l;
	int rc = hv_cg_detect(&l, err);

	if (rc == 0)
		rc = hv_cg_create(&rt->cg, &l, strchr(rt->name + 8, '-') + 1,
				  rt->cpus, rt->mem_mib, err);
	if (rc == 0)
		rt->own_cg = true;
	return rc;
}

/* In the child, async-signal-safe: "hpcvirt: WHAT ARG: errno N". */
static void
child_fail(const char *what, const char *arg, int e)
{
	char num[16];
	int i = (int)sizeof(num);

	do {
		num[--i] = (char)('0' + e % 10);
		e /= 10;
	} while (e > 0 && i > 0);
	if (write(STDERR_FILENO, "hpcvirt: ", 9) < 0 ||
	    write(STDERR_FILENO, what, strlen(what)) < 0 ||
	    write(STDERR_FILENO, arg, strlen(arg)) < 0 ||
	    write(STDERR_FILENO, ": errno ", 8) < 0 ||
	    write(STDERR_FILENO, num + i, sizeof(num) - (size_t)i) < 0 ||
	    write(STDERR_FILENO, "\n", 1) < 0)
		_exit(127);
}

/* In the child: wait for the go byte, enter what s asks, exec. */
static void
spawn_child(const struct hv_rt *rt, const struct hv_rt_spawn *s,
	    const char *cg2, int go_r, int logfd, pid_t parent)
{
	extern char **environ;
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC), fd;
	char c, wd[600];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent || read(go_r, &c, 1) != 1 || devnull < 0)
		_exit(127);
	dup2(devnull, STDIN_FILENO);
	dup2(devnull, STDOUT_FILENO);
	dup2(logfd >= 0 ? logfd : devnull, STDERR_FILENO);
	if (s->join_netns) {
		fd = open(rt->netns, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
			child_fail("setns ", rt->netns, errno);
			_exit(126);
		}
	}
	if (((s->hide_cgroup2 && cg2[0]) || s->private_run) &&
	    (unshare(CLONE_NEWNS) != 0 ||
	     mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)) {
		child_fail("private mount namespace", "", errno);
		_exit(126);
	}
	if (s->hide_cgroup2 && cg2[0] && umount2(cg2, MNT_DETACH) != 0) {
		child_fail("hiding ", cg2, errno);
		_exit(126);
	}
	if (s->private_run && mount("tmpfs", "/run", "tmpfs",
				    MS_NOSUID | MS_NODEV, "mode=0755") != 0) {
		child_fail("tmpfs on ", "/run", errno);
		_exit(126);
	}
	/* Run in the box's workdir (the parent of its skeleton root): what a
	 * runtime writes to its cwd (conmon's "oom" marker) goes with the box.
	 */
	snprintf(wd, sizeof(wd), "%s", rt->root);
	if (strrchr(wd, '/'))
		*strrchr(wd, '/') = '\0';
	if (chdir(wd) != 0) {
		child_fail("chdir ", wd, errno);
		_exit(126);
	}
	execve(s->argv[0], s->argv, s->envp ? s->envp : environ);
	child_fail("exec ", s->argv[0], errno);
	_exit(127);
}

int
hv_rt_spawn(struct hv_box *box, const struct hv_rt_spawn *s, struct hv_err *err)
{
	struct hv_rt *rt = box->priv;
	struct hv_cg_layout l = {.v2_mount = ""};
	int go[2], logfd, rc = 0;
	pid_t parent = getpid();

	if (s->hide_cgroup2 && (rc = hv_cg_detect(&l, err)) < 0)
		return rc;
	logfd = open(rt->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (pipe2(go, O_CLOEXEC) != 0) {
		rc = hv_err_sys(err, errno, "pipe");
		goto out;
	}
	box->proc.pid = fork();
	if (box->proc.pid == 0)
		spawn_child(rt, s, l.v2_mount, go[0], logfd, parent);
	if (box->proc.pid < 0) {
		box->proc.pid = 0;
		rc = hv_err_sys(err, errno, "fork for %s", s->argv[0]);
	} else if (s->in_cg) {
		rc = hv_cg_attach(&rt->cg, box->proc.pid, err);
	}
	if (rc == 0 && write(go[1], "g", 1) != 1)
		rc = hv_err_sys(err, errno, "start %s", s->argv[0]);
	close(go[0]);
	close(go[1]);
out:
	if (logfd >= 0)
		close(logfd);
	return rc;
}

/* The last non-empty line of the runtime's log, for an error message. */
static void
log_tail(const char *log, char *out, size_t len)
{
	char buf[4096];
	ssize_t n = 0;
	int fd = open(log, O_RDONLY | O_CLOEXEC);
	char *e, *s;

	out[0] = '\0';
	if (fd < 0)
		return;
	off_t end = lseek(fd, 0, SEEK_END);
	if (end > (off_t)sizeof(buf) - 1)
		lseek(fd, end - (off_t)sizeof(buf) + 1, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (e = buf + n; e > buf && (e[-1] == '\n' || e[-1] == ' '); e--)
		e[-1] = '\0';
	s = strrchr(buf, '\n');
	snprintf(out, len, "%s", s ? s + 1 : buf);
}

/* The version line of the background "<runtime> --version". */
static void
read_version(struct hv_rt *rt)
{
	struct hv_err ignored;

	if (rt->version.pid > 0 && rt->version_text[0] == '\0' &&
	    hv_proc_read_line(&rt->version, rt->version_text,
			      sizeof(rt->version_text), VERSION_MS,
			      &ignored) < 0)
		snprintf(rt->version_text, sizeof(rt->version_text), "unknown");
	hv_proc_stop(&rt->version, 0, 100);
}

static void
record_common(struct hv_box *box, struct hv_rt *rt)
{
	char v[700];

	read_version(rt);
	hv_params_set(&box->config, "runtime_version", rt->version_text);
	hv_params_set(&box->config, "container_name", rt->name);
	hv_params_set(&box->config, "root",
		      "ro binds /usr /etc /lib* (and their symlinks); build ro "
		      "at " HV_CT_BIN_DIR "; private tmpfs /tmp");
	hv_params_set(&box->config, "scratch",
		      HV_CT_SCRATCH " = host dir (bind, rw)");
	hv_params_set(&box->config, "net",
		      "bridged (veth), netns joined by path");
	hv_params_set(&box->config, "ip", rt->port.ip);
	snprintf(v, sizeof(v), "%d", rt->cpus);
	hv_params_set(&box->config, "cpus", v);
	snprintf(v, sizeof(v), "%d", rt->mem_mib);
	hv_params_set(&box->config, "mem_mib", v);
	hv_params_set(&box->config, "channel", box->agent_addr);
}

int
hv_rt_wait(struct hv_box *box, int timeout_ms, struct hv_err *err)
{
	struct hv_rt *rt = box->priv;
	int64_t deadline = hv_now_ms() + timeout_ms;
	struct timespec ts = {0, 1000000};
	char sock[700], tail[300], how[64];
	struct stat st;

	snprintf(sock, sizeof(sock), "%s/agent.sock", rt->sock);
	while (stat(sock, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		if (!hv_proc_alive(&box->proc)) {
			log_tail(rt->log, tail, sizeof(tail));
			return hv_err_set(
				err, ECHILD,
				"%s exited (%s) before the agent listened: %s",
				rt->env,
				hv_proc_status_str(box->proc.status, how,
						   sizeof(how)),
				tail[0] ? tail : "(its log is empty)");
		}
		if (hv_now_ms() >= deadline)
			return hv_err_set(err, ETIMEDOUT,
					  "no agent socket after %d ms "
					  "(log: %s)",
					  timeout_ms, rt->log);
		nanosleep(&ts, NULL);
	}
	snprintf(box->agent_addr, sizeof(box->agent_addr), "unix:%s", sock);
	snprintf(box->scratch, sizeof(box->scratch), "%s", HV_CT_SCRATCH);
	record_common(box, rt);
	return 0;
}

void
hv_rt_record_argv(struct hv_box *box, const char *key, char *const argv[])
{
	char buf[8192];
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; argv[i] && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s",
					i ? " " : "", argv[i]);
	hv_params_set(&box->config, key, buf);
}

long long
hv_rt_mem_bytes(const struct hv_rt *rt)
{
	return (long long)rt->mem_mib << 20;
}

long long
hv_rt_cpu_quota(const struct hv_rt *rt)
{
	return (long long)rt->cpus * HV_RT_CPU_PERIOD;
}

bool
hv_rt_has_memsw(void)
{
	struct hv_cg_layout l;
	char p[700];

	if (hv_cg_detect(&l, NULL) < 0 || !l.ctrl[HV_CG_MEMORY].present ||
	    l.ctrl[HV_CG_MEMORY].v2)
		return false;
	snprintf(p, sizeof(p), "%s/memory.memsw.limit_in_bytes",
		 l.ctrl[HV_CG_MEMORY].own_dir);
	return access(p, F_OK) == 0;
}

int
hv_rt_find(const char *prog, const char *package, char *path, size_t len,
	   struct hv_err *why)
{
	static const char *const dirs[] = {"/usr/bin", "/usr/sbin", "/bin",
					   "/sbin", "/usr/local/bin"};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, len, "%s/%s", dirs[i], prog);
		if (access(path, X_OK) == 0)
			return 0;
	}
	return hv_err_set(why, ENOENT, "%s not installed (apt-get install %s)",
			  prog, package);
}

int
hv_rt_probe(const char *prog, const char *package, struct hv_err *why)
{
	char path[256];
	int rc = hv_rt_find(prog, package, path, sizeof(path), why);

	if (rc == 0)
		rc = hv_ct_probe(CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWPID |
					 CLONE_NEWUTS | CLONE_NEWIPC,
				 why);
	if (rc < 0 && rc != -ENOENT)
		hv_err_prefix(why, "not working here: ");
	return rc;
}

void
hv_rt_explain(struct hv_box *box, char *buf, size_t len)
{
	struct hv_rt *rt = box->priv;
	long long kills;

	if (!rt || rt->mem_mib <= 0)
		return;
	kills = rt->own_cg ? hv_cg_oom_kills(&rt->cg)
			   : hv_clean_oom_kills(rt->name);
	if (kills > 0 && kills > rt->oom_seen) {
		snprintf(buf, len, "out of memory: the box's limit is %d MiB",
			 rt->mem_mib);
		rt->oom_seen = kills;
	}
}

int
hv_rt_stop(struct hv_box *box, struct hv_err *err)
{
	struct hv_rt *rt = box->priv;
	int rc = 0;

	if (!rt)
		return 0;
	hv_proc_stop(&box->proc, 3000, 1000);
	hv_proc_stop(&rt->version, 0, 100);
	if (rt->holder > 0) {
		kill(rt->holder, SIGKILL);
		while (waitpid(rt->holder, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (rt->own_cg)
		rc = hv_cg_remove(&rt->cg, err);
	/* The runtime's own groups, wherever it put them. */
	if (hv_clean_cgroups(rt->name) < 0 && rc == 0)
		rc = hv_err_set(err, EBUSY,
				"a cgroup named %s is still busy after its "
				"processes were killed",
				rt->name);
	if (rt->short_dir[0]) {
		hv_clean_umount_under(rt->short_dir);
		hv_rm_tree(rt->short_dir);
		if (rc == 0 && access(rt->short_dir, F_OK) == 0)
			rc = hv_err_set(err, EBUSY, "%s is left behind",
					rt->short_dir);
	}
	if (box->workdir[0]) {
		hv_clean_umount_under(box->workdir);
		hv_rm_tree(box->workdir);
		if (rc == 0 && access(box->workdir, F_OK) == 0)
			rc = hv_err_set(err, EBUSY, "%s is left behind",
					box->workdir);
	}
	free(rt);
	box->priv = NULL;
	return rc;
}

void
hv_rt_arg(struct hv_rt_args *a, const char *fmt, ...)
{
	size_t room = sizeof(a->pool) - a->used;
	va_list ap;
	int n;

	if (a->overflow || a->n >= (int)(sizeof(a->v) / sizeof(a->v[0])) - 1) {
		a->overflow = true;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(a->pool + a->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		a->overflow = true;
		return;
	}
	a->v[a->n++] = a->pool + a->used;
	a->v[a->n] = NULL;
	a->used += (size_t)n + 1;
}

void
hv_rt_agent_args(struct hv_rt_args *a, const struct hv_rt *rt)
{
	hv_rt_arg(a, "%s", HV_RT_AGENT);
	hv_rt_arg(a, "--kernels");
	hv_rt_arg(a, "%s", HV_CT_BIN_DIR);
	hv_rt_arg(a, "--workdir");
	hv_rt_arg(a, "%s", HV_CT_SCRATCH);
	hv_rt_arg(a, "--listen");
	hv_rt_arg(a, "unix:%s/agent.sock", HV_CT_SOCK_DIR);
	if (rt->agent_port > 0) {
		hv_rt_arg(a, "--listen");
		hv_rt_arg(a, "tcp:0.0.0.0:%d", rt->agent_port);
	}
}
