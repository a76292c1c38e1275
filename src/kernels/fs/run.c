/*
 * run.c - the sweep of hpcvirt-fs: checks of the directory (free space,
 * O_DIRECT alignment), then for each file size the IOZone-like writer,
 * rewriter, reader and rereader on one file, which is removed afterwards.
 *
 * Timed region of every test, as IOZone 3 draws it (write_perf_test and
 * read_perf_test in its iozone.c): from the first write or read to the
 * last. What IOZone does before that is done too, untimed: a global
 * sync() before each file size, an fsync of every descriptor just
 * opened, and before a read test one read of the first record and a seek
 * back to 0. Default mode: after a write pass, fsync and close run
 * untimed (IOZone's "clean up before read starts"). --fsync: fsync and
 * close are inside the region, for reads too, like iozone -e -c.
 * --cold: before each read test, after the priming read, the file's
 * cached pages are dropped with posix_fadvise(POSIX_FADV_DONTNEED),
 * untimed; they are clean by then, since every write pass ends with
 * fsync.
 *
 * Cleanup: the file is created with O_EXCL under a name holding our pid,
 * so nothing we did not create is ever removed. It is unlinked after each
 * size, on every error path, and by the SIGINT/SIGTERM/SIGHUP handler.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "klib.h"
#include "fs.h"

#define FS_TMPFS_MAGIC 0x01021994

/* State of one sweep. */
struct fs_run {
	const struct hv_fs_cfg *cfg;
	unsigned char *buf; /* one page-aligned record */
	uint64_t seed;	    /* tells this run's records from any other's */
	unsigned int pass;  /* number of write passes over the current file */
	char *msg;
	size_t msglen;
};

/*
 * The only static state of the kernel: the test file's name and whether
 * it exists now. The signal handler cannot reach anything else.
 */
static char sig_path[PATH_MAX];
static volatile sig_atomic_t sig_armed;

static void
on_signal(int sig)
{
	int saved = errno;

	if (sig_armed)
		unlink(sig_path);
	sig_armed = 0;
	errno = saved;
	/* SA_RESETHAND restored the default action: die of the signal as
	 * soon as the handler returns and unblocks it. */
	raise(sig);
}

static void
install_handlers(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa, was;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	/* A signal ignored at start (nohup, a shell's background job)
	 * stays ignored: it cannot end the run, so there is nothing to do. */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &was) == 0 &&
		    was.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
}

static void
block_signals(bool block, sigset_t *old)
{
	sigset_t set;

	if (!block) {
		sigprocmask(SIG_SETMASK, old, NULL);
		return;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* Create the test file; fd or -errno. Arms the handler atomically. */
static int
create_file(int flags)
{
	sigset_t old;
	int fd, err;

	block_signals(true, &old);
	fd = open(sig_path, flags | O_CREAT | O_EXCL, 0600);
	err = errno;
	if (fd >= 0)
		sig_armed = 1;
	block_signals(false, &old);
	return fd >= 0 ? fd : -err;
}

static void
remove_file(void)
{
	sigset_t old;

	block_signals(true, &old);
	if (sig_armed)
		unlink(sig_path);
	sig_armed = 0;
	block_signals(false, &old);
}

__attribute__((format(printf, 3, 4))) static int
fail(struct fs_run *r, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, r->msglen, fmt, ap);
	va_end(ap);
	return code;
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* 0, -errno, or -ENODATA if the file ends first. */
static int
read_all(int fd, unsigned char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Close fd; the first error of (err, close) wins. */
static int
close_keep(int fd, int err)
{
	if (close(fd) != 0 && err == 0)
		return -errno;
	return err;
}

static int
io_fail(struct fs_run *r, const char *what, int err, uint64_t off,
	uint64_t size)
{
	return fail(r, HV_K_EXIT_FAIL,
		    "%s the test file %s in '%s' failed at offset %llu of "
		    "%llu: %s",
		    what, sig_path, r->cfg->dir, (unsigned long long)off,
		    (unsigned long long)size, strerror(-err));
}

/*
 * One write pass over the whole file: pass 1 creates it (writer), later
 * passes write it again in place (rewriter).
 */
static int
write_pass(struct fs_run *r, uint64_t size, struct hv_fs_result *res)
{
	const struct hv_fs_cfg *c = r->cfg;
	int flags = O_WRONLY | O_CLOEXEC | (c->direct ? O_DIRECT : 0);
	unsigned int pass = r->pass + 1;
	uint64_t off = 0;
	int64_t t0, c0;
	int fd, err = 0;

	fd = pass == 1 ? create_file(flags) : open(sig_path, flags);
	if (fd < 0)
		return io_fail(r, pass == 1 ? "creating" : "opening",
			       pass == 1 ? fd : -errno, 0, size);
	/* IOZone fsyncs the file it has just opened before its clock
	 * starts. After a create this commits the new inode; left in the
	 * running journal transaction (ext4), it made the median timed
	 * 1 MiB write of a new file 15 % longer (docs/performance.md). */
	if (fsync(fd) != 0)
		err = -errno;
	hv_fs_tag_fill(r->buf, c->record, r->seed, pass);
	t0 = hv_k_now_ns();
	c0 = hv_k_cpu_ns();
	for (; off < size && err == 0; off += err == 0 ? c->record : 0) {
		hv_fs_tag_stamp(r->buf, c->record, r->seed, pass, off);
		err = write_all(fd, r->buf, c->record);
	}
	if (err == 0 && c->fsync) {
		err = fsync(fd) != 0 ? -errno : 0;
		err = close_keep(fd, err);
		fd = -1;
	}
	res->duration_ns = hv_k_now_ns() - t0;
	res->cpu_ns = hv_k_cpu_ns() - c0;
	if (err == 0 && fd >= 0 && fsync(fd) != 0)
		err = -errno;
	if (fd >= 0)
		err = close_keep(fd, err);
	/* Every write() went into the page cache: the device (a full disk
	 * under a VM's image, say) refused at fsync or close. */
	if (err && off >= size)
		return fail(r, HV_K_EXIT_FAIL,
			    "%s the test file %s in '%s': all %llu bytes "
			    "written, then fsync or close failed: %s",
			    pass == 1 ? "writing" : "rewriting", sig_path,
			    c->dir, (unsigned long long)size, strerror(-err));
	if (err)
		return io_fail(r, pass == 1 ? "writing" : "rewriting", err, off,
			       size);
	r->pass = pass;
	return 0;
}

/*
 * What IOZone does, untimed, between opening the file and starting a
 * read test's clock: fsync the descriptor, read the first record ("prime
 * the instruction cache & TLB") and seek back to the start. 0 or -errno.
 */
static int
prime_read(struct fs_run *r, int fd)
{
	int err;

	if (fsync(fd) != 0)
		return -errno;
	err = read_all(fd, r->buf, r->cfg->record);
	if (err == 0 && lseek(fd, 0, SEEK_SET) != 0)
		err = -errno;
	return err;
}

/* Read the whole file once and check every record's tags. */
static int
read_pass(struct fs_run *r, uint64_t size, struct hv_fs_result *res)
{
	const struct hv_fs_cfg *c = r->cfg;
	int flags = O_RDONLY | O_CLOEXEC | (c->direct ? O_DIRECT : 0);
	char why[160] = "";
	uint64_t off = 0;
	int64_t t0, c0;
	int fd, err = 0;

	fd = open(sig_path, flags);
	if (fd < 0)
		return io_fail(r, "opening", -errno, 0, size);
	err = prime_read(r, fd);
	if (err == 0 && c->cold)
		err = -posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	t0 = hv_k_now_ns();
	c0 = hv_k_cpu_ns();
	for (; off < size && err == 0; off += err == 0 ? c->record : 0) {
		err = read_all(fd, r->buf, c->record);
		if (err == 0 &&
		    hv_fs_tag_check(r->buf, c->record, r->seed, r->pass, off,
				    why, sizeof(why)) != 0)
			err = -EBADMSG;
	}
	if (err == 0 && c->fsync) {
		err = fsync(fd) != 0 ? -errno : 0; /* iozone -e times it too */
		err = close_keep(fd, err);
		fd = -1;
	}
	res->duration_ns = hv_k_now_ns() - t0;
	res->cpu_ns = hv_k_cpu_ns() - c0;
	if (fd >= 0)
		err = close_keep(fd, err);
	if (err == -EBADMSG)
		return fail(r, HV_K_EXIT_FAIL,
			    "verification failed reading %s in '%s': %s",
			    sig_path, c->dir, why);
	if (err == -ENODATA)
		return fail(r, HV_K_EXIT_FAIL,
			    "the test file %s in '%s' ends at offset %llu, "
			    "before its size %llu",
			    sig_path, c->dir, (unsigned long long)off,
			    (unsigned long long)size);
	if (err)
		return io_fail(r, "reading", err, off, size);
	return 0;
}

/* Run the selected tests on one file size, appending to res[]. */
static int
run_size(struct fs_run *r, uint64_t size, struct hv_fs_result *res, int *nres)
{
	static const enum hv_fs_test order[] = {HV_FS_WRITE, HV_FS_REWRITE,
						HV_FS_READ, HV_FS_REREAD};
	struct hv_fs_result one;
	size_t i;
	int rc = 0;

	/* As IOZone before each file size: what others left dirty is
	 * written back now, not while our writer runs. */
	sync();
	r->pass = 0;
	for (i = 0; i < sizeof(order) / sizeof(order[0]) && rc == 0; i++) {
		/* The writer always runs: the other tests need its file. */
		if (order[i] != HV_FS_WRITE && !(r->cfg->tests & order[i]))
			continue;
		memset(&one, 0, sizeof(one));
		if (order[i] == HV_FS_WRITE || order[i] == HV_FS_REWRITE)
			rc = write_pass(r, size, &one);
		else
			rc = read_pass(r, size, &one);
		if (rc != 0 || !(r->cfg->tests & order[i]))
			continue;
		one.test = order[i];
		one.file_bytes = size;
		one.record_bytes = r->cfg->record;
		res[(*nres)++] = one;
	}
	remove_file();
	return rc;
}

/* The directory exists, and its file system has room for the largest file. */
static int
check_dir(struct fs_run *r)
{
	const struct hv_fs_cfg *c = r->cfg;
	uint64_t need = 0, avail;
	struct statvfs vfs;
	struct statfs sfs;
	struct stat st;
	int i;

	if (stat(c->dir, &st) != 0)
		return fail(r, HV_K_EXIT_FAIL, "cannot use --dir '%s': %s",
			    c->dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(r, HV_K_EXIT_FAIL,
			    "cannot use --dir '%s': not a directory", c->dir);
	if (statvfs(c->dir, &vfs) != 0)
		return fail(r, HV_K_EXIT_FAIL, "statvfs of '%s' failed: %s",
			    c->dir, strerror(errno));
	for (i = 0; i < c->nsizes; i++)
		if (c->sizes[i] > need)
			need = c->sizes[i];
	avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (need > avail)
		return fail(r, HV_K_EXIT_FAIL,
			    "not enough free space in '%s': the largest file "
			    "needs %llu bytes (%.1f MiB), only %llu bytes "
			    "(%.1f MiB) are free",
			    c->dir, (unsigned long long)need, need / 1048576.0,
			    (unsigned long long)avail, avail / 1048576.0);
	if ((c->cold || c->direct) && statfs(c->dir, &sfs) == 0 &&
	    sfs.f_type == FS_TMPFS_MAGIC)
		fprintf(stderr,
			"hpcvirt-fs: warning: '%s' is on tmpfs, whose page "
			"cache is its storage: --%s still reads and writes "
			"memory\n",
			c->dir, c->cold ? "cold" : "direct");
	return 0;
}

/*
 * --direct: the file system must take O_DIRECT, and the record must be a
 * multiple of its offset alignment (the logical block size), as statx
 * reports it. Checked on a probe file, removed before the sweep.
 */
static int
probe_direct(struct fs_run *r)
{
	const struct hv_fs_cfg *c = r->cfg;
	struct statx stx;
	int fd, rc = 0;

	fd = create_file(O_WRONLY | O_CLOEXEC | O_DIRECT);
	if (fd == -EINVAL)
		return fail(r, HV_K_EXIT_FAIL,
			    "--direct: the file system of '%s' does not "
			    "support O_DIRECT",
			    c->dir);
	if (fd < 0)
		return io_fail(r, "creating", fd, 0, 0);
	memset(&stx, 0, sizeof(stx));
	if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) != 0 ||
	    !(stx.stx_mask & STATX_DIOALIGN))
		goto out; /* not reported: the first write will tell */
	if (stx.stx_dio_offset_align == 0)
		rc = fail(r, HV_K_EXIT_FAIL,
			  "--direct: the file system of '%s' does not "
			  "support O_DIRECT on regular files",
			  c->dir);
	else if (c->record % stx.stx_dio_offset_align != 0)
		rc = fail(r, HV_K_EXIT_USAGE,
			  "bad --record %llu with --direct: it must be a "
			  "multiple of the logical block size of '%s', %u "
			  "bytes",
			  (unsigned long long)c->record, c->dir,
			  stx.stx_dio_offset_align);
out:
	close(fd);
	remove_file();
	return rc;
}

int
hv_fs_run(const struct hv_fs_cfg *cfg, struct hv_fs_result *res, int *nres,
	  char *msg, size_t msglen)
{
	struct fs_run r = {.cfg = cfg, .msg = msg, .msglen = msglen};
	size_t i;
	int rc, k;

	*nres = 0;
	msg[0] = '\0';
	k = snprintf(sig_path, sizeof(sig_path), "%s/hpcvirt-fs.%ld.dat",
		     cfg->dir, (long)getpid());
	if (k < 0 || (size_t)k >= sizeof(sig_path))
		return fail(&r, HV_K_EXIT_USAGE, "--dir '%s' is too long",
			    cfg->dir);
	install_handlers();
	rc = check_dir(&r);
	if (rc != 0)
		goto out;
	r.buf = hv_k_alloc_aligned(cfg->record);
	for (i = 0; i < cfg->record; i++)
		r.buf[i] = (unsigned char)(i * 131 + 17);
	r.seed = (uint64_t)hv_k_now_ns() ^ ((uint64_t)getpid() << 40);
	if (cfg->direct)
		rc = probe_direct(&r);
	for (k = 0; k < cfg->nsizes && rc == 0; k++)
		rc = run_size(&r, cfg->sizes[k], res, nres);
out:
	remove_file();
	free(r.buf);
	return rc;
}
