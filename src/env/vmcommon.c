/*
 * vmcommon.c - the parts of the uml and qemu drivers that are the same
 * (vmcommon.h): workdir, image, tap port, ext4 disk, console following,
 * connecting to the guest's agent from inside the lab, and teardown.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hpcvirt/host/clean.h"
#include "env/vmcommon.h"
#include "hpcvirt/study/bench.h"
#include "proto/units.h"
#include "hpcvirt/host/lab.h"
#include "hpcvirt/host/nl.h"

#define LAB_BRIDGE "hvbr0"
#define MAX_INDEX 200
#define MKFS_MS 30000
#define POLL_MS 5
#define READY_TAG "HPCVIRT-AGENT-READY "
#define VERSION_MS 2000

/* Console lines that end a boot (or a run) at once. */
static const char *const fatal[] = {
	"KVM internal error",
	"emulation failure",
	"Kernel panic",
	"HV-INIT-ERROR",
	"Oops:",
	"BUG:",
};

long
hv_vm_cpu_khz(void)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "re");
	long khz = 2000000;

	if (!f)
		return khz;
	while (fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':'), *end;
		double mhz;

		if (strncmp(line, "cpu MHz", 7) != 0 || !c)
			continue;
		mhz = strtod(c + 1, &end);
		if (end != c + 1 && mhz > 100 && mhz < 10000)
			khz = (long)(mhz * 1000);
		break;
	}
	fclose(f);
	return khz;
}

int
hv_vm_boot_timeout(int def_ms)
{
	const char *s = getenv("HPCVIRT_BOOT_TIMEOUT");
	char *end;
	long v;

	if (!s || !*s)
		return def_ms;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 3600)
		return def_ms;
	return (int)v * 1000;
}

/* A persistent tap in the lab namespace (TUNSETIFF there, then back). */
static int
tap_create(const struct hv_lab *lab, const char *name, struct hv_err *err)
{
	struct ifreq ifr;
	int self, fd = -1, rc = 0;

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return hv_err_sys(err, errno, "open own netns");
	if (hv_lab_enter(lab) < 0) {
		rc = hv_err_sys(err, errno, "enter the lab");
		goto out;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd < 0)
		rc = hv_err_sys(err, errno, "open /dev/net/tun");
	else if (ioctl(fd, TUNSETIFF, &ifr) < 0 ||
		 ioctl(fd, TUNSETPERSIST, 1) < 0)
		rc = hv_err_sys(err, errno, "create tap %s", name);
	if (setns(self, CLONE_NEWNET) < 0 && rc == 0)
		rc = hv_err_sys(err, errno, "leave the lab");
out:
	if (fd >= 0)
		close(fd);
	close(self);
	return rc;
}

static int
tap_plug(struct hv_vm *vm, struct hv_err *err)
{
	int rc;

	snprintf(vm->tap, sizeof(vm->tap), "hvt%d", vm->index);
	rc = tap_create(vm->lab, vm->tap, err);
	if (rc < 0)
		return rc;
	vm->tap_made = true;
	return hv_lab_plug_tap(vm->lab, vm->tap, vm->index, vm->port,
			       sizeof(vm->port), err);
}

static int
run_wait(char *const argv[], struct hv_err *err)
{
	struct hv_proc p;
	struct hv_proc_opts o = {.die_with_parent = true};
	char how[64];
	int rc;

	hv_proc_init(&p);
	rc = hv_proc_spawn(&p, argv, &o, err);
	if (rc < 0)
		return rc;
	if (hv_proc_stop(&p, MKFS_MS, 500) != 0)
		return hv_err_set(err, ETIMEDOUT, "%s timed out", argv[0]);
	if (!WIFEXITED(p.status) || WEXITSTATUS(p.status) != 0)
		return hv_err_set(
			err, EIO, "%s failed (%s)", argv[0],
			hv_proc_status_str(p.status, how, sizeof(how)));
	return 0;
}

/* A sparse raw image with ext4 on it (lazy init: formatting a large
 * empty image then costs milliseconds). */
static int
make_disk(const char *path, int mib, struct hv_err *err)
{
	char *const argv[] = {"/sbin/mkfs.ext4",
			      "-q",
			      "-F",
			      "-E",
			      "lazy_itable_init=1,lazy_journal_init=1",
			      "-L",
			      "hvscratch",
			      (char *)path,
			      NULL};
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return hv_err_sys(err, errno, "create %s", path);
	if (ftruncate(fd, (off_t)mib << 20) < 0) {
		close(fd);
		return hv_err_sys(err, errno, "size %s", path);
	}
	close(fd);
	if (access(argv[0], X_OK) != 0)
		return hv_err_set(err, ENOENT,
				  "no %s (apt-get install e2fsprogs)", argv[0]);
	return run_wait(argv, err);
}

static void
record(struct hv_vm *vm, struct hv_box *box, int disk_mib)
{
	char v[700];

	hv_params_set(&box->config, "image", vm->img.hash);
	hv_params_set(&box->config, "image_dir", vm->img.dir);
	hv_params_set(&box->config, "guest_kernel", vm->img.vmlinuz);
	hv_params_set(&box->config, "ip", vm->ip);
	hv_params_set(&box->config, "net_port", vm->port);
	snprintf(v, sizeof(v), "raw image %d MiB, ext4, mounted at /scratch",
		 disk_mib);
	hv_params_set(&box->config, "storage", v);
	hv_params_set(&box->config, "agent", "PID 1 of the guest (via /init)");
}

int
hv_vm_prepare(struct hv_vm *vm, const struct hv_env_ctx *ctx,
	      struct hv_box *box, int disk_mib, struct hv_err *err)
{
	struct hv_image_opts io = {.bin_dir = ctx->bin_dir, .mpi = ctx->mpi};
	int rc;

	hv_proc_init(&vm->version);
	vm->lab = ctx->lab;
	if (!vm->lab)
		return hv_err_set(err, EINVAL, "%s needs the lab",
				  box->env->name);
	snprintf(box->workdir, sizeof(box->workdir), "%s/%s.XXXXXX",
		 ctx->run_dir, box->env->name);
	if (!mkdtemp(box->workdir)) {
		rc = hv_err_sys(err, errno, "mkdtemp %s", box->workdir);
		box->workdir[0] = '\0';
		return rc;
	}
	snprintf(vm->console, sizeof(vm->console), "%s/box.log", box->workdir);
	snprintf(vm->disk, sizeof(vm->disk), "%s/disk.img", box->workdir);
	if ((rc = hv_image_get(&vm->img, &io, err)) < 0)
		return rc;
	/* boxes may start at once (hv_box_start_all) */
	vm->index =
		__atomic_fetch_add(&vm->lab->next_index, 1, __ATOMIC_SEQ_CST);
	if (vm->index < 1 || vm->index > MAX_INDEX)
		return hv_err_set(err, ENOSPC, "lab: no address left");
	hv_nl_ntoa(vm->lab->net | (uint32_t)(10 + vm->index), vm->ip,
		   sizeof(vm->ip));
	if ((rc = tap_plug(vm, err)) < 0)
		return hv_err_prefix(err, "lab: ");
	if ((rc = make_disk(vm->disk, disk_mib, err)) < 0)
		return rc;
	snprintf(box->scratch, sizeof(box->scratch), "/scratch");
	record(vm, box, disk_mib);
	return 0;
}

/* The box's groups, named after its workdir ("uml.XXXXXX"), opened for
 * the child to join. Returns how many cgroup.procs fds are open. */
static int
join_groups(struct hv_vm *vm, const struct hv_box *box, int *fds,
	    struct hv_err *err)
{
	const char *name = strrchr(box->workdir, '/');
	struct hv_cg_layout l;
	int rc = hv_cg_detect(&l, err);

	if (rc == 0)
		rc = hv_cg_create(&vm->cg, &l, name ? name + 1 : box->env->name,
				  0, 0, err);
	if (rc == 0)
		rc = hv_cg_open_procs(&vm->cg, fds, err);
	return rc < 0 ? hv_err_prefix(err, "cgroup: ") : rc;
}

int
hv_vm_spawn(struct hv_vm *vm, struct hv_box *box, char *const argv[],
	    struct hv_err *err)
{
	struct hv_proc_opts o = {
		.log_path = vm->console,
		.die_with_parent = true,
		.cwd = box->workdir,
		.netns_fd = vm->lab->nsfd,
		.own_pgrp = true, /* UML forks a host process per guest mm */
		.no_aslr = vm->no_aslr,
	};
	struct hv_proc_opts vo = {.pipe_stdout = true, .die_with_parent = true};
	char *ver[] = {argv[0], "--version", NULL};
	struct hv_err ignored;
	int fds[HV_CG_NCTRL], rc;

	/* The program's version, read while the guest boots. */
	hv_proc_init(&vm->version);
	if (hv_proc_spawn(&vm->version, ver, &vo, &ignored) < 0)
		hv_proc_init(&vm->version);
	snprintf(vm->bin, sizeof(vm->bin), "%s", argv[0]);
	rc = join_groups(vm, box, fds, err);
	if (rc < 0)
		return rc;
	o.cg_fds = fds;
	o.ncg_fds = rc;
	rc = hv_proc_spawn(&box->proc, argv, &o, err);
	while (o.ncg_fds > 0)
		close(fds[--o.ncg_fds]);
	return rc;
}

/* The first line of the background "<program> --version" (or unknown). */
static void
record_version(struct hv_vm *vm, struct hv_box *box)
{
	char line[200] = "";
	struct hv_err ignored;

	if (vm->version.pid > 0 &&
	    hv_proc_read_line(&vm->version, line, sizeof(line), VERSION_MS,
			      &ignored) < 0)
		line[0] = '\0';
	hv_proc_stop(&vm->version, 0, 100);
	hv_params_set(&box->config, "program", vm->bin);
	hv_params_set(&box->config, "version", line[0] ? line : "unknown");
}

const char *
hv_vm_tool(const char *var, const char *def)
{
	const char *v = getenv(var);

	return v && *v ? v : def;
}

int
hv_vm_probe_tool(const char *var, const char *def, const char *pkg,
		 struct hv_err *why)
{
	const char *path = hv_vm_tool(var, def);

	if (access(path, X_OK) == 0)
		return hv_vm_probe_image(why);
	if (path == def)
		return hv_err_set(why, ENOENT,
				  "%s not found (apt-get install %s)", path,
				  pkg);
	return hv_err_sys(why, errno, "%s=%s is not an executable", var, path);
}

void
hv_vm_tail(const char *console, char *buf, size_t len)
{
	char chunk[2048];
	const char *start[4];
	int llen[4], n = 0, fd = open(console, O_RDONLY | O_CLOEXEC);
	size_t used = 0;
	ssize_t r, i, b, e;
	off_t end;

	buf[0] = '\0';
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	r = pread(fd, chunk, sizeof(chunk),
		  end > (off_t)sizeof(chunk) ? end - (off_t)sizeof(chunk) : 0);
	close(fd);
	/* The last four non-empty lines, newest first. */
	for (i = r; i > 0 && n < 4; i = b) {
		for (e = i; e > 0 && strchr("\r\n", chunk[e - 1]); e--)
			;
		for (b = e; b > 0 && !strchr("\r\n", chunk[b - 1]); b--)
			;
		if (e > b) {
			start[n] = chunk + b;
			llen[n++] = (int)(e - b);
		}
	}
	while (n-- > 0 && used + 4 < len) {
		int w = snprintf(buf + used, len - used, "%s%.*s",
				 used ? " | " : "", llen[n], start[n]);

		if (w < 0)
			break;
		used += (size_t)w < len - used ? (size_t)w : len - used - 1;
	}
}

/* Scan new console bytes (from *off) for READY or a fatal line. */
static int
scan_console(struct hv_vm *vm, off_t *off, char *line, size_t len,
	     struct hv_err *err)
{
	char buf[8192];
	int fd = open(vm->console, O_RDONLY | O_CLOEXEC);
	ssize_t r;
	int rc = 0;

	if (fd < 0)
		return 0;
	while (rc == 0 && (r = pread(fd, buf, sizeof(buf) - 1, *off)) > 0) {
		char *nl, *l = buf;

		buf[r] = '\0';
		/* Only whole lines; the rest is read again next time. */
		while (rc == 0 && (nl = strchr(l, '\n'))) {
			*nl = '\0';
			if (strstr(l, READY_TAG)) {
				snprintf(line, len, "%s", l);
				rc = 1;
			}
			for (size_t k = 0;
			     rc == 0 && k < sizeof(fatal) / sizeof(*fatal); k++)
				if (strstr(l, fatal[k]))
					rc = hv_err_set(err, EIO, "%s", l);
			l = nl + 1;
		}
		if (l == buf && r == (ssize_t)sizeof(buf) - 1)
			l = buf + r; /* an endless line: skip it */
		*off += l - buf;
		if (l == buf)
			break;
	}
	close(fd);
	return rc;
}

/*
 * A guest that dies (panic, killed host process) sends no FIN or RST:
 * its end of the tap just goes quiet. Keepalive probes and a user
 * timeout make the connection fail within about ten seconds instead of
 * at the command's timeout, while a busy guest still answers them.
 */
static void
keepalive(int fd)
{
	int one = 1, idle = 2, intvl = 2, cnt = 4;
	unsigned int user_ms = 10000;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_ms,
		   sizeof(user_ms));
}

/* Connect to the guest's agent from a socket created in the lab. */
static int
connect_agent(struct hv_vm *vm, struct hv_box *box, struct hv_err *err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(HV_VM_AGENT_PORT)};
	int fd = -1, rc = -ECONNREFUSED;

	inet_pton(AF_INET, vm->ip, &sa.sin_addr);
	for (int tries = 0; tries < 50 && rc < 0; tries++) {
		struct timespec ts = {0, 20 * 1000 * 1000};

		fd = hv_lab_socket(vm->lab, AF_INET, SOCK_STREAM, err);
		if (fd < 0)
			return fd;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			rc = 0;
			break;
		}
		rc = hv_err_sys(err, errno, "connect %s:%d", vm->ip,
				HV_VM_AGENT_PORT);
		close(fd);
		nanosleep(&ts, NULL);
	}
	if (rc < 0)
		return rc;
	keepalive(fd);
	rc = hv_agent_connect_fds(&box->conn, fd, fd, 10000, err);
	if (rc < 0)
		close(fd);
	return rc;
}

int
hv_vm_wait_connect(struct hv_vm *vm, struct hv_box *box, struct hv_err *err)
{
	int64_t deadline = hv_now_ms() + vm->boot_timeout_ms;
	char line[512], tail[600], how[64];
	off_t off = 0;
	int rc;

	for (;;) {
		struct timespec ts = {0, POLL_MS * 1000 * 1000};

		rc = scan_console(vm, &off, line, sizeof(line), err);
		if (rc != 0)
			break;
		if (!hv_proc_alive(&box->proc)) {
			hv_vm_tail(vm->console, tail, sizeof(tail));
			return hv_err_set(
				err, EIO, "guest exited during boot (%s): %s",
				hv_proc_status_str(box->proc.status, how,
						   sizeof(how)),
				tail[0] ? tail : "(the console is empty)");
		}
		if (hv_now_ms() > deadline) {
			hv_vm_tail(vm->console, tail, sizeof(tail));
			return hv_err_set(err, ETIMEDOUT,
					  "boot timeout: no agent after %d s; "
					  "console: %s",
					  vm->boot_timeout_ms / 1000, tail);
		}
		nanosleep(&ts, NULL);
	}
	if (rc < 0)
		return hv_err_prefix(err, "guest failed to boot: ");
	snprintf(box->agent_addr, sizeof(box->agent_addr), "tcp:%s:%d", vm->ip,
		 HV_VM_AGENT_PORT);
	hv_params_set(&box->config, "channel",
		      "TCP on the lab network (from the lab namespace)");
	record_version(vm, box);
	return connect_agent(vm, box, err);
}

/* The first fatal line in the console's last 16 KiB, or "". */
static void
find_fatal(const char *console, char *out, size_t len)
{
	char buf[16385];
	int fd = open(console, O_RDONLY | O_CLOEXEC);
	off_t end;
	ssize_t r;

	out[0] = '\0';
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	r = pread(fd, buf, sizeof(buf) - 1,
		  end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1
					       : 0);
	close(fd);
	if (r <= 0)
		return;
	buf[r] = '\0';
	for (size_t k = 0; k < sizeof(fatal) / sizeof(*fatal) && !out[0]; k++) {
		const char *l = strstr(buf, fatal[k]);
		size_t n;

		if (!l)
			continue;
		n = strcspn(l,
			    "\r\n"); /* a serial console ends lines in CR LF */
		snprintf(out, len, "%.*s; ", n < 200 ? (int)n : 200, l);
	}
}

static bool
proc_alive(void *proc)
{
	return hv_proc_alive(proc);
}

int
hv_vm_exec(struct hv_box *box, const struct hv_exec_req *req,
	   struct hv_exec_res *res, struct hv_err *err)
{
	struct hv_vm *vm = box->priv;
	struct hv_exec_req r = *req;
	char tail[600], why[200];
	int rc;

	if (!box->conn)
		return hv_err_set(err, ENOTCONN, "%s: box has no agent",
				  box->env->name);
	/* A dead guest never closes its TCP connection: watch the process. */
	r.alive = proc_alive;
	r.alive_arg = &box->proc;
	rc = hv_agent_exec(box->conn, &r, res, err);
	if (rc == 0 || !vm)
		return rc;
	/* An error about the request itself is the agent's answer. */
	if (hv_proc_alive(&box->proc) && rc != -EPIPE && rc != -ECONNRESET &&
	    rc != -EIO && rc != -ETIMEDOUT && rc != -ECONNABORTED)
		return rc;
	hv_vm_tail(vm->console, tail, sizeof(tail));
	find_fatal(vm->console, why, sizeof(why));
	if (!hv_proc_alive(&box->proc)) {
		int st = box->proc.status;

		if (WIFSIGNALED(st))
			return hv_err_set(err, EIO,
					  "guest process killed by signal %d; "
					  "%sconsole: %s",
					  WTERMSIG(st), why, tail);
		return hv_err_set(err, EIO,
				  "guest exited (status %d); %sconsole: %s",
				  WEXITSTATUS(st), why, tail);
	}
	if (rc == -ETIMEDOUT || rc == -ECONNABORTED) {
		/* Alive, yet silent: stopped, wedged or cut off. */
		snprintf(why, sizeof(why), "%s", err->msg);
		return hv_err_set(err, ETIMEDOUT,
				  "the guest is alive but stopped answering "
				  "(%s); console: %s",
				  why, tail);
	}
	return hv_err_prefix(err, "guest console: %s; ", tail);
}

int
hv_vm_release(struct hv_vm *vm, struct hv_box *box, struct hv_err *err)
{
	pid_t pgid = box->proc.pid;
	int rc = 0, r;

	/* The guest was asked to power off; give it a moment, then kill it
	 * and whatever host processes it forked. The group wait also lasts
	 * until the killed orphans are reaped (by init, which may be slow:
	 * they were seen as zombies 1 s later); the cgroups hold any that
	 * left the process group. */
	hv_proc_stop(&box->proc, 1500, 500);
	if (hv_proc_kill_group(pgid, 2000) < 0)
		rc = hv_err_set(err, ETIMEDOUT,
				"host processes of the guest (process group "
				"%d) still there 2 s after SIGKILL",
				(int)pgid);
	r = hv_cg_remove(&vm->cg, rc < 0 ? NULL : err);
	if (rc == 0)
		rc = r;
	hv_proc_stop(&vm->version, 0, 100);
	if (vm->tap_made)
		hv_lab_unplug_tap(vm->lab, vm->tap, vm->index);
	vm->tap_made = false;
	if (box->workdir[0]) {
		hv_rm_tree(box->workdir);
		if (rc == 0 && access(box->workdir, F_OK) == 0)
			rc = hv_err_set(err, EBUSY, "%s is left behind",
					box->workdir);
	}
	return rc;
}

int
hv_vm_probe_image(struct hv_err *why)
{
	struct hv_image_opts io = {0};
	char self[600];
	ssize_t r = readlink("/proc/self/exe", self, sizeof(self) - 1);
	const char *env = getenv("HPCVIRT_BIN_DIR");

	if (access("/dev/net/tun", R_OK | W_OK) != 0)
		return hv_err_sys(why, errno, "no /dev/net/tun for the tap");
	if (env && *env)
		io.bin_dir = env;
	else if (r > 0) {
		char *slash;

		self[r] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		io.bin_dir = self;
	}
	return hv_image_check_inputs(&io, why);
}

/*
 * The default study on a VM or UML box: its page faults cost ~10-20x and
 * (TCG) its CPU work up to ~19x, so the full 1-512 MiB file sweep and
 * classes above W would take far longer than every other env together.
 * Leave those parameter sets out (hpcvirt run --full keeps them); the
 * report lists what was left out.
 */
bool
hv_vm_skip(const struct hv_bench *b, const struct hv_params *p, char *why,
	   size_t len)
{
	const char *v;
	uint64_t bytes;

	v = hv_params_get(p, "file_bytes");
	if (v && hv_k_parse_bytes(v, 0, UINT64_MAX, &bytes) == 0 &&
	    bytes > (64ULL << 20)) {
		snprintf(why, len,
			 "files over 64 MiB take minutes under emulation");
		return true;
	}
	v = hv_params_get(p, "class");
	if (v && strcmp(v, "S") != 0 && strcmp(v, "W") != 0) {
		snprintf(why, len, "%s class %s takes minutes under emulation",
			 b->name, v);
		return true;
	}
	return false;
}

/*
 * Under binary translation class W as well: one repetition of the eight
 * NPB benchmarks at class W, serial and OpenMP, takes minutes under TCG
 * against seconds natively, so the default study measures TCG at class S.
 */
bool
hv_tcg_skip(const struct hv_bench *b, const struct hv_params *p, char *why,
	    size_t len)
{
	const char *v = hv_params_get(p, "class");

	if (v && strcmp(v, "S") != 0) {
		snprintf(why, len, "%s class %s takes minutes under emulation",
			 b->name, v);
		return true;
	}
	return hv_vm_skip(b, p, why, len);
}
