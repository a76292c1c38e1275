/*
 * container.c - the container runtime behind the ns env (and the native
 * baseline's private network namespace): clone into new namespaces, build
 * a root of read-only binds on a tmpfs, pivot_root, set the hostname and
 * exec the agent, with no helper program and no sleep on the way.
 *
 * The child is cloned with CLONE_VM | CLONE_VFORK (posix_spawn's way):
 * it runs on its own stack in the caller's memory while the caller is
 * suspended until the exec, so there is no copy of the caller's page
 * tables and no copy-on-write fault on either side. The child writes a
 * failure into the caller's struct hv_err and exits; it makes system
 * calls and formats into fixed buffers only (nothing allocates or
 * locks). Signals stay blocked until the child has put every handled
 * signal back to its default, so no handler of the caller runs in it.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hpcvirt/host/container.h"

#define STACK_SIZE (256 * 1024)
#define RO_FLAGS (MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)

/* Shared by the caller and the child (CLONE_VM); the child writes only
 * err and failed, while the caller is suspended. */
struct child {
	const struct hv_ct_opts *o;
	sigset_t mask; /* the caller's, restored in the child */
	int out_r, out_w;
	int null_fd, log_fd;
	bool failed;
	struct hv_err err;
};

/* The host's top-level directories a box sees (read-only). */
static const char *const host_dirs[] = {"usr", "etc",	"bin",	 "sbin",
					"lib", "lib64", "lib32", "libx32"};

/* Device nodes of the host recreated in the box's /dev (same numbers). */
static const char *const dev_nodes[] = {"null",	  "zero",    "full",
					"random", "urandom", "tty"};

static const char *const dev_links[][2] = {
	{"/proc/self/fd", "fd"},
	{"/proc/self/fd/0", "stdin"},
	{"/proc/self/fd/1", "stdout"},
	{"/proc/self/fd/2", "stderr"},
};

/* mkdir -p of root + rel (rel starts with '/'). */
static int
mkdir_under(const char *root, const char *rel, char *out, size_t len,
	    struct hv_err *err)
{
	char *p;

	if ((size_t)snprintf(out, len, "%s%s", root, rel) >= len)
		return hv_err_set(err, ENAMETOOLONG, "path too long: %s%s",
				  root, rel);
	for (p = out + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(out, 0755) != 0 && errno != EEXIST)
			return hv_err_sys(err, errno, "mkdir %s", out);
		*p = '/';
	}
	if (mkdir(out, 0755) != 0 && errno != EEXIST)
		return hv_err_sys(err, errno, "mkdir %s", out);
	return 0;
}

/* Bind src on root + rel, read-only unless rw. */
static int
bind_at(const char *src, const char *root, const char *rel, bool rw,
	struct hv_err *err)
{
	char dst[1024];
	int rc = mkdir_under(root, rel, dst, sizeof(dst), err);

	if (rc < 0)
		return rc;
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) != 0)
		return hv_err_sys(err, errno, "bind %s on %s", src, dst);
	if (mount(NULL, dst, NULL, rw ? RO_FLAGS & ~MS_RDONLY : RO_FLAGS,
		  NULL) != 0)
		return hv_err_sys(err, errno, "remount %s %s", dst,
				  rw ? "nosuid" : "read-only");
	return 0;
}

/* /usr, /etc, ... as binds; symlinks (/bin -> usr/bin) as symlinks. */
static int
bind_host_dirs(const char *root, struct hv_err *err)
{
	char src[64], dst[1024], target[256];
	struct stat st;

	for (size_t i = 0; i < sizeof(host_dirs) / sizeof(host_dirs[0]); i++) {
		ssize_t n;
		int rc;

		snprintf(src, sizeof(src), "/%s", host_dirs[i]);
		if (lstat(src, &st) != 0)
			continue; /* the host has no such directory */
		if (S_ISDIR(st.st_mode)) {
			rc = bind_at(src, root, src, false, err);
			if (rc < 0)
				return rc;
			continue;
		}
		if (!S_ISLNK(st.st_mode))
			continue;
		n = readlink(src, target, sizeof(target) - 1);
		if (n < 0)
			return hv_err_sys(err, errno, "readlink %s", src);
		target[n] = '\0';
		snprintf(dst, sizeof(dst), "%s%s", root, src);
		if (symlink(target, dst) != 0)
			return hv_err_sys(err, errno, "symlink %s", dst);
	}
	return 0;
}

/*
 * The harmless character devices, made with mknod from the host node's
 * numbers, mode 0666 as on the host: two system calls each and no mount
 * (a bind of each node would be four, and one more mount to tear down).
 */
static int
make_dev_nodes(const char *dev, struct hv_err *err)
{
	char path[1100], src[64];
	mode_t mask = umask(0); /* 0666 exactly; the agent gets mask back */
	struct stat st;
	int rc = 0;

	for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		snprintf(src, sizeof(src), "/dev/%s", dev_nodes[i]);
		if (stat(src, &st) != 0 || !S_ISCHR(st.st_mode))
			continue; /* the host has no such device */
		snprintf(path, sizeof(path), "%s/%s", dev, dev_nodes[i]);
		if (mknod(path, S_IFCHR | 0666, st.st_rdev) != 0) {
			rc = hv_err_sys(err, errno, "mknod %s", path);
			goto out;
		}
	}
out:
	umask(mask);
	return rc;
}

/* A tmpfs /dev with the harmless nodes, the fd links and a /dev/shm. */
static int
make_dev(const char *root, struct hv_err *err)
{
	char dev[1024], path[1100];
	int rc = mkdir_under(root, "/dev", dev, sizeof(dev), err);

	if (rc < 0)
		return rc;
	if (mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC,
		  "mode=0755,size=1m") != 0)
		return hv_err_sys(err, errno, "mount tmpfs on %s", dev);
	rc = make_dev_nodes(dev, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dev, dev_links[i][1]);
		if (symlink(dev_links[i][0], path) != 0)
			return hv_err_sys(err, errno, "symlink %s", path);
	}
	rc = mkdir_under(dev, "/shm", path, sizeof(path), err);
	if (rc == 0 && mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV,
			     "mode=1777") != 0)
		rc = hv_err_sys(err, errno, "mount tmpfs on %s", path);
	return rc;
}

/* /proc, /tmp, /sys: fresh file systems of the box's namespaces. */
static int
make_kernel_fs(const char *root, int ns_flags, struct hv_err *err)
{
	char path[1024];
	int rc;

	rc = mkdir_under(root, "/proc", path, sizeof(path), err);
	if (rc == 0 && mount("proc", path, "proc",
			     MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
		rc = hv_err_sys(err, errno, "mount proc on %s", path);
	if (rc == 0)
		rc = mkdir_under(root, "/tmp", path, sizeof(path), err);
	if (rc == 0 && mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV,
			     "mode=1777") != 0)
		rc = hv_err_sys(err, errno, "mount tmpfs on %s", path);
	if (rc == 0)
		rc = mkdir_under(root, "/sys", path, sizeof(path), err);
	/* sysfs shows the mounter's network namespace: only with our own.
	 * It is optional, so a refusal leaves an empty /sys. */
	if (rc == 0 && (ns_flags & CLONE_NEWNET))
		mount("sysfs", path, "sysfs",
		      MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	return rc;
}

/* Enter root: pivot_root(".", ".") stacks the old root on the new one,
 * and the detach removes it from the namespace. */
static int
pivot(const char *root, struct hv_err *err)
{
	if (chdir(root) != 0)
		return hv_err_sys(err, errno, "chdir %s", root);
	if (syscall(SYS_pivot_root, ".", ".") != 0)
		return hv_err_sys(err, errno, "pivot_root %s", root);
	if (umount2(".", MNT_DETACH) != 0)
		return hv_err_sys(err, errno, "detach the old root");
	if (chdir("/") != 0)
		return hv_err_sys(err, errno, "chdir /");
	/* The tmpfs that holds the mount points: nothing writes to it. */
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID, NULL))
		return hv_err_sys(err, errno, "remount / read-only");
	return 0;
}

static int
build_root(const struct hv_ct_opts *o, struct hv_err *err)
{
	const char *r = o->root_dir;
	int rc;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return hv_err_sys(err, errno, "make / private");
	if (mount("tmpfs", r, "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=0755,size=1m") != 0)
		return hv_err_sys(err, errno, "mount tmpfs root on %s", r);
	rc = bind_host_dirs(r, err);
	if (rc == 0 && o->bin_dir)
		rc = bind_at(o->bin_dir, r, HV_CT_BIN_DIR, false, err);
	if (rc == 0 && o->sock_dir)
		rc = bind_at(o->sock_dir, r, HV_CT_SOCK_DIR, true, err);
	if (rc == 0 && o->scratch_dir)
		rc = bind_at(o->scratch_dir, r, HV_CT_SCRATCH, true, err);
	if (rc == 0)
		rc = make_dev(r, err);
	if (rc == 0)
		rc = make_kernel_fs(r, o->ns_flags, err);
	if (rc == 0)
		rc = pivot(r, err);
	return rc;
}

/* stdin /dev/null, stdout the pipe (or /dev/null), stderr the log. */
static int
child_stdio(const struct child *c, struct hv_err *err)
{
	int null = c->null_fd;

	if (dup2(null, STDIN_FILENO) < 0 ||
	    dup2(c->out_w >= 0 ? c->out_w : null, STDOUT_FILENO) < 0 ||
	    dup2(c->log_fd >= 0 ? c->log_fd : null, STDERR_FILENO) < 0)
		return hv_err_sys(err, errno, "dup2");
	return 0;
}

/* Handlers of the caller must not run in the child (shared memory):
 * every handled signal back to its default, then the caller's mask. */
static void
child_signals(const struct child *c)
{
	struct sigaction sa;

	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP ||
		    sigaction(sig, NULL, &sa) != 0)
			continue;
		if (sa.sa_handler == SIG_IGN || sa.sa_handler == SIG_DFL)
			continue;
		sa.sa_handler = SIG_DFL;
		sa.sa_flags = 0;
		sigaction(sig, &sa, NULL);
	}
	sigprocmask(SIG_SETMASK, &c->mask, NULL);
}

/* Write ourselves ("0") into each cgroup.procs the caller opened. */
static int
join_cgroups(const struct hv_ct_opts *o, struct hv_err *err)
{
	for (int i = 0; i < o->njoin; i++)
		if (write(o->join_fds[i], "0", 1) != 1)
			return hv_err_sys(err, errno, "join cgroup (fd %d)",
					  o->join_fds[i]);
	return 0;
}

static int
child_main(void *arg)
{
	static char *const clean_env[] = {
		"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME=/",
		"LANG=C", NULL};
	extern char **environ;
	struct child *c = arg;
	const struct hv_ct_opts *o = c->o;
	struct hv_err err;
	int rc;

	hv_err_init(&err);
	child_signals(c);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	rc = child_stdio(c, &err);
	if (rc == 0)
		rc = join_cgroups(o, &err);
	if (rc == 0 && o->new_root)
		rc = build_root(o, &err);
	if (rc == 0 && o->hostname &&
	    sethostname(o->hostname, strlen(o->hostname)) != 0)
		rc = hv_err_sys(&err, errno, "sethostname %s", o->hostname);
	if (rc == 0) {
		execve(o->argv[0], o->argv, o->new_root ? clean_env : environ);
		hv_err_sys(&err, errno, "exec %s", o->argv[0]);
	}
	c->err = err;
	c->failed = true;
	_exit(127);
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void
close_all(struct child *c)
{
	close_fd(&c->out_r);
	close_fd(&c->out_w);
	close_fd(&c->null_fd);
	close_fd(&c->log_fd);
}

/* The child's stdio files; no log if it cannot be opened. */
static int
open_fds(struct child *c, struct hv_err *err)
{
	int fds[2];

	c->out_r = c->out_w = c->null_fd = c->log_fd = -1;
	c->null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (c->null_fd < 0)
		return hv_err_sys(err, errno, "open /dev/null");
	if (c->o->log_path)
		c->log_fd =
			open(c->o->log_path,
			     O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (c->o->pipe_stdout) {
		if (pipe2(fds, O_CLOEXEC) != 0)
			return hv_err_sys(err, errno, "pipe");
		c->out_r = fds[0];
		c->out_w = fds[1];
	}
	return 0;
}

/*
 * Under AddressSanitizer the child's frames poison the shadow of the clone
 * stack and nothing unpoisons it (the child never returns); the next mmap
 * may reuse the address, so the stack is unpoisoned around each clone.
 */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define unpoison_stack(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define unpoison_stack(p, n) ((void)(p), (void)(n))
#endif

/* Returns once the child has exec'd or exited (CLONE_VFORK). */
static pid_t
clone_child(struct child *c, struct hv_err *err)
{
	void *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	sigset_t all;
	pid_t pid;
	int e;

	if (stack == MAP_FAILED)
		return hv_err_sys(err, errno, "mmap a clone stack");
	unpoison_stack(stack, STACK_SIZE);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &c->mask);
	pid = clone(child_main, (char *)stack + STACK_SIZE,
		    c->o->ns_flags | CLONE_VM | CLONE_VFORK | SIGCHLD, c);
	e = errno;
	sigprocmask(SIG_SETMASK, &c->mask, NULL);
	unpoison_stack(stack, STACK_SIZE);
	munmap(stack, STACK_SIZE); /* the child has exec'd or exited */
	if (pid < 0)
		return hv_err_sys(err, e, "clone with namespace flags 0x%x",
				  (unsigned)c->o->ns_flags);
	return pid;
}

/* Did the child exec? Its own error, or its death before the exec. */
static int
check_exec(const struct child *c, pid_t pid, struct hv_err *err)
{
	if (c->failed) {
		*err = c->err;
		return -(c->err.code ? c->err.code : EIO);
	}
	if (waitpid(pid, NULL, WNOHANG) == pid)
		return hv_err_set(err, EIO,
				  "container pid %d died before or at its exec",
				  (int)pid);
	return 0;
}

int
hv_ct_start(struct hv_proc *p, const struct hv_ct_opts *o, struct hv_err *err)
{
	struct child c = {.o = o};
	pid_t pid = -1;
	int rc;

	hv_proc_init(p);
	hv_err_init(&c.err);
	if (o->new_root && (!(o->ns_flags & CLONE_NEWNS) || !o->root_dir))
		return hv_err_set(err, EINVAL,
				  "a new root needs CLONE_NEWNS "
				  "and a root directory");
	rc = open_fds(&c, err);
	if (rc < 0)
		goto out;
	rc = pid = clone_child(&c, err);
	if (rc < 0)
		goto out;
	rc = check_exec(&c, pid, err);
	if (rc == 0 && o->started)
		rc = o->started(o->started_arg, pid, err);
	if (rc < 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		goto out;
	}
	p->pid = pid;
	p->out_fd = c.out_r;
	c.out_r = -1;
out:
	close_all(&c);
	return rc < 0 ? rc : 0;
}

int
hv_ct_probe(int ns_flags, struct hv_err *why)
{
	pid_t pid = fork();
	int st = 0;

	if (pid < 0)
		return hv_err_sys(why, errno, "fork");
	if (pid == 0)
		_exit(unshare(ns_flags) == 0 ? 0 : errno & 0x7f);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return hv_err_sys(why, errno, "waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		int e = WIFEXITED(st) ? WEXITSTATUS(st) : EIO;

		return hv_err_sys(why, e, "unshare of namespaces 0x%x refused",
				  (unsigned)ns_flags);
	}
	return 0;
}
