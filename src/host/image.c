/*
 * image.c - builds and caches the guest image of the VM and UML boxes
 * (image.h): the PVH vmlinux cut out of Debian's bzImage (the XZ stream
 * found by its magic and decompressed by running "xz -dc --single-stream"
 * with an argv array), and an uncompressed cpio "newc" initramfs written
 * here, holding busybox, /init, the static agent and kernels and the
 * guest's kernel modules in modules.dep order. Uncompressed on purpose:
 * under TCG the guest's decompressor would cost more than reading more
 * bytes costs QEMU.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hpcvirt/host/clean.h"
#include "hpcvirt/host/image.h"
#include "hpcvirt/util/sha256.h"

#define IMAGE_FORMAT 4
#define DEFAULT_CACHE "/var/cache/hpcvirt/images"
#define MAX_VMLINUZ (64u << 20)
#define XZ_TIMEOUT_MS 120000
#define MODLIST_MAX 8192
#define MOD_DIR "lib/modules" /* in the initramfs */

/* Device sets and the modules each needs (ext4 needs crc32c_generic,
 * which modules.dep does not say). */
struct modset {
	const char *name;
	const char *mods[8];
};

static const struct modset modsets[] = {
	{"virtio-pci",
	 {"virtio_pci", "virtio_net", "virtio_blk", "crc32c_generic", "ext4"}},
	{"virtio-mmio",
	 {"virtio_mmio", "virtio_net", "virtio_blk", "crc32c_generic", "ext4"}},
	{"e1000",
	 {"virtio_pci", "e1000", "virtio_blk", "crc32c_generic", "ext4"}},
	{"9p", {"virtio_pci", "9pnet_virtio", "9p"}},
};

#define NSETS (sizeof(modsets) / sizeof(modsets[0]))

/*
 * The guest's /init: it becomes the agent at once, which sets the guest
 * up itself (--guest-init, src/agent/guest.c: the API file systems, the
 * device set's modules, the address of the kernel command line, the fs
 * bench's disk, the hv.crash= fault injection for the tests). A shell
 * doing the same took ten fork+execs, about 250 ms of UML's start-up.
 */
static const char init_text[] =
	"#!/bin/sh\n"
	"exec " HV_IMAGE_GUEST_BIN
	"/hpcvirt-agent --guest-init --kernels " HV_IMAGE_GUEST_BIN
	" --workdir /scratch\n";

static const char *const applets[] = {
	"sh",	 "mount", "umount", "insmod", "ip",   "mkdir", "cat",
	"sleep", "ls",	  "ps",	    "dmesg",  "sync", "echo",  "poweroff",
};

/* --- cpio newc ----------------------------------------------------- */

void
hv_cpio_init(struct hv_cpio *c, int fd)
{
	c->fd = fd;
	c->off = 0;
	c->ino = 1;
}

static int
cpio_write(struct hv_cpio *c, const void *buf, size_t len, struct hv_err *err)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(c->fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return hv_err_sys(err, errno, "cpio: write");
		p += w;
		len -= (size_t)w;
		c->off += (uint64_t)w;
	}
	return 0;
}

static int
cpio_pad(struct hv_cpio *c, struct hv_err *err)
{
	static const char zeros[4];
	size_t n = (size_t)((4 - c->off % 4) % 4);

	return n ? cpio_write(c, zeros, n, err) : 0;
}

static int
cpio_header(struct hv_cpio *c, const char *name, unsigned mode, uint64_t size,
	    struct hv_err *err)
{
	char hdr[111];
	size_t nlen = strlen(name) + 1;
	int rc;

	if (size > 0xffffffffu)
		return hv_err_set(err, EFBIG, "cpio: %s is too large", name);
	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 c->ino++, mode, 0u, 0u, (mode & S_IFDIR) ? 2u : 1u, 0u,
		 (unsigned)size, 0u, 0u, 0u, 0u, (unsigned)nlen, 0u);
	rc = cpio_write(c, hdr, 110, err);
	if (rc == 0)
		rc = cpio_write(c, name, nlen, err);
	if (rc == 0)
		rc = cpio_pad(c, err);
	return rc;
}

int
hv_cpio_dir(struct hv_cpio *c, const char *name, struct hv_err *err)
{
	return cpio_header(c, name, S_IFDIR | 0755, 0, err);
}

int
hv_cpio_data(struct hv_cpio *c, const char *name, unsigned mode,
	     const void *data, size_t len, struct hv_err *err)
{
	int rc = cpio_header(c, name, S_IFREG | (mode & 07777), len, err);

	if (rc == 0)
		rc = cpio_write(c, data, len, err);
	if (rc == 0)
		rc = cpio_pad(c, err);
	return rc;
}

int
hv_cpio_symlink(struct hv_cpio *c, const char *name, const char *target,
		struct hv_err *err)
{
	size_t len = strlen(target);
	int rc = cpio_header(c, name, S_IFLNK | 0777, len, err);

	if (rc == 0)
		rc = cpio_write(c, target, len, err);
	if (rc == 0)
		rc = cpio_pad(c, err);
	return rc;
}

int
hv_cpio_file(struct hv_cpio *c, const char *name, unsigned mode,
	     const char *host_path, struct hv_err *err)
{
	char buf[65536];
	struct stat st;
	ssize_t r;
	int fd = open(host_path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return hv_err_sys(err, errno, "cpio: open %s", host_path);
	if (fstat(fd, &st) < 0) {
		rc = hv_err_sys(err, errno, "cpio: stat %s", host_path);
		goto out;
	}
	rc = cpio_header(c, name, S_IFREG | (mode & 07777),
			 (uint64_t)st.st_size, err);
	while (rc == 0 && (r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rc = hv_err_sys(err, errno, "cpio: read %s", host_path);
		else
			rc = cpio_write(c, buf, (size_t)r, err);
	}
	if (rc == 0)
		rc = cpio_pad(c, err);
out:
	close(fd);
	return rc;
}

int
hv_cpio_finish(struct hv_cpio *c, struct hv_err *err)
{
	return cpio_header(c, "TRAILER!!!", 0, 0, err);
}

/* --- module closure ------------------------------------------------- */

/* Does the modules.dep path p ("kernel/a/b-c.ko[.xz]") name module n? */
static bool
path_is_module(const char *p, size_t plen, const char *n)
{
	const char *base = p, *q;
	size_t i, nlen = strlen(n);

	for (q = p; q < p + plen; q++)
		if (*q == '/')
			base = q + 1;
	if ((size_t)(p + plen - base) < nlen + 3)
		return false;
	for (i = 0; i < nlen; i++) {
		char a = base[i] == '-' ? '_' : base[i];
		char b = n[i] == '-' ? '_' : n[i];

		if (a != b)
			return false;
	}
	return strncmp(base + nlen, ".ko", 3) == 0;
}

/* The modules.dep line of module name, or NULL. */
static const char *
dep_line(const char *dep, const char *name, size_t *path_len)
{
	const char *l = dep;

	while (l && *l) {
		const char *colon = strchr(l, ':'), *nl = strchr(l, '\n');

		if (colon && (!nl || colon < nl) &&
		    path_is_module(l, (size_t)(colon - l), name)) {
			*path_len = (size_t)(colon - l);
			return l;
		}
		l = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static bool
listed(const char *out, const char *p, size_t plen)
{
	const char *l = out;

	while (*l) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);

		if (n == plen && strncmp(l, p, plen) == 0)
			return true;
		if (!nl)
			break;
		l = nl + 1;
	}
	return false;
}

/* Depth-first: dependencies first, each path once. */
static int
visit(const char *dep, const char *p, size_t plen, char *out, size_t len,
      int depth, struct hv_err *err)
{
	const char *line = NULL, *q, *end;
	size_t used;

	if (depth > 64)
		return hv_err_set(err, ELOOP, "modules.dep: dependency loop");
	if (listed(out, p, plen))
		return 0;
	for (q = dep; q && *q;) {
		const char *colon = strchr(q, ':');

		if (colon && (size_t)(colon - q) == plen &&
		    strncmp(q, p, plen) == 0) {
			line = colon + 1;
			break;
		}
		q = strchr(q, '\n');
		q = q ? q + 1 : NULL;
	}
	end = line ? strchr(line, '\n') : NULL;
	if (line && !end)
		end = line + strlen(line);
	for (q = line; q && q < end;) {
		size_t n;
		int rc;

		while (q < end && *q == ' ')
			q++;
		for (n = 0; q + n < end && q[n] != ' '; n++)
			;
		if (n > 0 &&
		    (rc = visit(dep, q, n, out, len, depth + 1, err)) < 0)
			return rc;
		q += n;
	}
	used = strlen(out);
	if (used + plen + 2 > len)
		return hv_err_set(err, ENOBUFS, "module list too long");
	memcpy(out + used, p, plen);
	out[used + plen] = '\n';
	out[used + plen + 1] = '\0';
	return 0;
}

int
hv_modules_closure(const char *dep_text, const char *const *names, char *out,
		   size_t len, struct hv_err *err)
{
	size_t i, plen;
	int rc;

	if (len < 1)
		return hv_err_set(err, ENOBUFS, "module list too long");
	out[0] = '\0';
	for (i = 0; names[i]; i++) {
		const char *l = dep_line(dep_text, names[i], &plen);

		if (!l)
			return hv_err_set(err, ENOENT,
					  "module '%s' is not in modules.dep",
					  names[i]);
		rc = visit(dep_text, l, plen, out, len, 0, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* --- inputs ---------------------------------------------------------- */

static int
read_file(const char *path, size_t max, char **out, size_t *len,
	  struct hv_err *err)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return hv_err_sys(err, errno, "open %s", path);
	if (fstat(fd, &st) < 0 || (size_t)st.st_size > max) {
		rc = hv_err_set(err, EFBIG, "%s: unreadable or over %zu bytes",
				path, max);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = hv_err_set(err, ENOMEM, "reading %s", path);
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = hv_err_sys(err, r < 0 ? errno : EIO, "read %s",
					path);
			goto out;
		}
		got += (size_t)r;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

/* Is path an ELF executable without a program interpreter (static)? */
static bool
elf_is_static(const char *path)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	bool ok = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phnum > 256)
		goto out;
	ok = true;
	for (int i = 0; i < eh.e_phnum; i++) {
		off_t at = (off_t)eh.e_phoff + (off_t)i * eh.e_phentsize;

		if (pread(fd, &ph, sizeof(ph), at) != (ssize_t)sizeof(ph) ||
		    ph.p_type == PT_INTERP) {
			ok = false;
			break;
		}
	}
out:
	close(fd);
	return ok;
}

/* The newest /boot/vmlinuz-* that has modules. */
static int
find_vmlinuz(char *out, size_t len, struct hv_err *err)
{
	char best[256] = "", dep[400];
	struct dirent *d;
	DIR *dir = opendir("/boot");

	if (!dir)
		return hv_err_sys(err, errno,
				  "no /boot (apt-get install "
				  "linux-image-amd64)");
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, "vmlinuz-", 8) != 0)
			continue;
		snprintf(dep, sizeof(dep), "/lib/modules/%s/modules.dep",
			 d->d_name + 8);
		if (access(dep, R_OK) != 0)
			continue;
		if (!best[0] || strverscmp(d->d_name, best) > 0)
			snprintf(best, sizeof(best), "%s", d->d_name);
	}
	closedir(dir);
	if (!best[0])
		return hv_err_set(err, ENOENT,
				  "no guest kernel: no /boot/vmlinuz-* with "
				  "/lib/modules (apt-get install "
				  "linux-image-amd64)");
	snprintf(out, len, "/boot/%s", best);
	return 0;
}

static int
resolve_inputs(const struct hv_image_opts *o, struct hv_image *img,
	       struct hv_err *err)
{
	const char *env = getenv("HPCVIRT_STATIC_DIR");
	const char *kenv = getenv("HPCVIRT_GUEST_KERNEL");
	const char *base;
	char agent[400];
	int rc;

	if (o->vmlinuz)
		snprintf(img->vmlinuz, sizeof(img->vmlinuz), "%s", o->vmlinuz);
	else if (kenv && kenv[0])
		snprintf(img->vmlinuz, sizeof(img->vmlinuz), "%s", kenv);
	else if ((rc = find_vmlinuz(img->vmlinuz, sizeof(img->vmlinuz), err)) <
		 0)
		return rc;
	if (access(img->vmlinuz, R_OK) != 0)
		return hv_err_sys(err, errno, "guest kernel %s", img->vmlinuz);
	base = strrchr(img->vmlinuz, '/');
	base = base ? base + 1 : img->vmlinuz;
	if (strncmp(base, "vmlinuz-", 8) != 0)
		return hv_err_set(err, EINVAL,
				  "bad guest kernel '%s': expected "
				  "/boot/vmlinuz-RELEASE",
				  img->vmlinuz);
	snprintf(img->kver, sizeof(img->kver), "%s", base + 8);
	if (o->static_dir)
		snprintf(img->static_dir, sizeof(img->static_dir), "%s",
			 o->static_dir);
	else if (env && env[0])
		snprintf(img->static_dir, sizeof(img->static_dir), "%s", env);
	else
		snprintf(img->static_dir, sizeof(img->static_dir), "%s/static",
			 o->bin_dir ? o->bin_dir : ".");
	snprintf(agent, sizeof(agent), "%s/hpcvirt-agent", img->static_dir);
	if (!elf_is_static(agent))
		return hv_err_set(err, ENOENT,
				  "no static agent %s (run make static, "
				  "or set HPCVIRT_STATIC_DIR)",
				  agent);
	if (!elf_is_static("/bin/busybox"))
		return hv_err_set(err, ENOENT,
				  "/bin/busybox is missing or not static "
				  "(apt-get install busybox-static)");
	return 0;
}

int
hv_image_check_inputs(const struct hv_image_opts *opts, struct hv_err *err)
{
	struct hv_image img;

	memset(&img, 0, sizeof(img));
	return resolve_inputs(opts, &img, err);
}

/* --- the initramfs plan and the manifest ------------------------------ */

struct ent {
	char name[160]; /* in the guest, relative */
	char host[400];
};

struct plan {
	struct ent *e;
	size_t n, cap;
	char mods[NSETS][MODLIST_MAX]; /* per set, one path per line */
};

static int
plan_add(struct plan *p, const char *name, const char *host, struct hv_err *err)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct ent *e = realloc(p->e, cap * sizeof(*e));

		if (!e)
			return hv_err_set(err, ENOMEM, "image plan");
		p->e = e;
		p->cap = cap;
	}
	snprintf(p->e[p->n].name, sizeof(p->e[0].name), "%s", name);
	snprintf(p->e[p->n].host, sizeof(p->e[0].host), "%s", host);
	p->n++;
	return 0;
}

static int
plan_static(struct plan *p, const char *dir, struct hv_err *err)
{
	char host[400], name[160];
	struct dirent *d;
	DIR *dh = opendir(dir);
	int rc = 0;

	if (!dh)
		return hv_err_sys(err, errno, "static build %s", dir);
	while (rc == 0 && (d = readdir(dh))) {
		if (strncmp(d->d_name, "hpcvirt-", 8) != 0)
			continue;
		snprintf(host, sizeof(host), "%s/%s", dir, d->d_name);
		if (!elf_is_static(host))
			continue;
		snprintf(name, sizeof(name), "%s/%s", HV_IMAGE_GUEST_BIN + 1,
			 d->d_name);
		rc = plan_add(p, name, host, err);
	}
	closedir(dh);
	return rc;
}

/* plan_add for the MPI layer, which names the interpreter more than once. */
static int
plan_add_once(void *ctx, const char *name, const char *host, struct hv_err *err)
{
	struct plan *p = ctx;

	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->e[i].name, name) == 0)
			return 0;
	return plan_add(p, name, host, err);
}

static int
plan_mpi(struct plan *p, const char *bin_dir, struct hv_err *err)
{
	char npb[400];

	snprintf(npb, sizeof(npb), "%s/hpcvirt-npb-mpi",
		 bin_dir ? bin_dir : ".");
	return hv_image_mpi_layer(npb, plan_add_once, p, err);
}

/* Every device set's closure, and the union of their files. */
static int
plan_modules(struct plan *p, const char *kver, struct hv_err *err)
{
	char path[300], host[400], name[160];
	char *dep = NULL;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", kver);
	rc = read_file(path, 16u << 20, &dep, &len, err);
	for (size_t s = 0; rc == 0 && s < NSETS; s++) {
		const char *l;

		rc = hv_modules_closure(dep, modsets[s].mods, p->mods[s],
					sizeof(p->mods[s]), err);
		for (l = p->mods[s]; rc == 0 && *l;) {
			const char *nl = strchr(l, '\n');
			int n = (int)(nl - l);
			bool dup = false;

			snprintf(name, sizeof(name), MOD_DIR "/%.*s", n, l);
			for (size_t i = 0; i < p->n; i++)
				dup |= strcmp(p->e[i].name, name) == 0;
			snprintf(host, sizeof(host), "/lib/modules/%s/%.*s",
				 kver, n, l);
			if (!dup)
				rc = plan_add(p, name, host, err);
			l = nl + 1;
		}
	}
	free(dep);
	return rc;
}

/* The manifest: every input's identity, then /init. Its hash names the
 * image. */
static int
write_manifest(const char *path, const struct hv_image *img,
	       const struct plan *p, struct hv_err *err)
{
	struct stat st;
	FILE *f = fopen(path, "we");
	int rc = 0;

	if (!f)
		return hv_err_sys(err, errno, "create %s", path);
	fprintf(f, "hpcvirt-image format %d\n", IMAGE_FORMAT);
	if (stat(img->vmlinuz, &st) == 0)
		fprintf(f, "kernel %s %lld %lld.%09ld\n", img->vmlinuz,
			(long long)st.st_size, (long long)st.st_mtim.tv_sec,
			st.st_mtim.tv_nsec);
	for (size_t i = 0; i < p->n; i++) {
		if (stat(p->e[i].host, &st) != 0) {
			rc = hv_err_sys(err, errno, "image input %s",
					p->e[i].host);
			break;
		}
		fprintf(f, "file %s %s %lld %lld.%09ld\n", p->e[i].name,
			p->e[i].host, (long long)st.st_size,
			(long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	}
	for (size_t s = 0; s < NSETS; s++)
		fprintf(f, "modset %s\n%s", modsets[s].name, p->mods[s]);
	fprintf(f, "init\n%s", init_text);
	if (fclose(f) != 0 && rc == 0)
		rc = hv_err_sys(err, errno, "write %s", path);
	return rc;
}

/* --- vmlinux ------------------------------------------------------------ */

/* Run "xz -dc --single-stream" on in_fd from offset off into out_path;
 * bounded in time. 0 if the output is an ELF file. */
static int
xz_at(int in_fd, off_t off, const char *out_path, struct hv_err *err)
{
	char *const argv[] = {"xz", "-dc", "--single-stream", NULL};
	int64_t waited = 0;
	char magic[4];
	int status, out, rc = 0;
	pid_t pid;

	out = open(out_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return hv_err_sys(err, errno, "create %s", out_path);
	pid = fork();
	if (pid < 0) {
		rc = hv_err_sys(err, errno, "fork xz");
		goto out;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (lseek(in_fd, off, SEEK_SET) < 0 || dup2(in_fd, 0) < 0 ||
		    dup2(out, 1) < 0 || null < 0 || dup2(null, 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		struct timespec ts = {0, 20 * 1000 * 1000};

		if (waited > XZ_TIMEOUT_MS) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			rc = hv_err_set(err, ETIMEDOUT, "xz timed out");
			goto out;
		}
		nanosleep(&ts, NULL);
		waited += 20;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		rc = hv_err_set(err, ENOENT,
				"cannot run xz (apt-get install "
				"xz-utils)");
	else if (pread(out, magic, 4, 0) != 4 || memcmp(magic, ELFMAG, 4))
		rc = -ENOEXEC;
out:
	close(out);
	return rc;
}

/* The bzImage's payload: the XZ stream that decompresses to an ELF. */
static int
extract_vmlinux(const char *vmlinuz, const char *out_path, struct hv_err *err)
{
	static const char xzmagic[6] = {(char)0xfd, '7', 'z', 'X', 'Z', 0};
	char *img = NULL;
	size_t len, at = 0;
	int fd = -1, rc;

	rc = read_file(vmlinuz, MAX_VMLINUZ, &img, &len, err);
	if (rc < 0)
		return rc;
	fd = open(vmlinuz, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = hv_err_sys(err, errno, "open %s", vmlinuz);
		goto out;
	}
	rc = -ENOEXEC;
	while (rc == -ENOEXEC && at + 6 <= len) {
		const char *m = memmem(img + at, len - at, xzmagic, 6);

		if (!m)
			break;
		rc = xz_at(fd, (off_t)(m - img), out_path, err);
		at = (size_t)(m - img) + 1;
	}
	if (rc == -ENOEXEC)
		rc = hv_err_set(err, ENOEXEC,
				"%s holds no XZ-compressed ELF kernel "
				"(expected a Debian bzImage, CONFIG_KERNEL_XZ)",
				vmlinuz);
out:
	if (fd >= 0)
		close(fd);
	free(img);
	return rc;
}

/* --- the initramfs ------------------------------------------------------ */

/* Append "s\n" to the set seen ("\na\nb\n"); false if full. */
static bool
seen_add(char *seen, size_t len, const char *s)
{
	size_t used = strlen(seen), n = strlen(s);

	if (used + n + 2 > len)
		return false;
	memcpy(seen + used, s, n);
	seen[used + n] = '\n';
	seen[used + n + 1] = '\0';
	return true;
}

/* Directories of name, parents first, each once. */
static int
cpio_parents(struct hv_cpio *c, const char *name, char *seen, size_t len,
	     struct hv_err *err)
{
	char dir[160], key[164];
	const char *s;
	int rc;

	for (s = strchr(name, '/'); s; s = strchr(s + 1, '/')) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(s - name), name);
		snprintf(key, sizeof(key), "\n%s\n", dir);
		if (strstr(seen, key))
			continue;
		if (!seen_add(seen, len, dir))
			return hv_err_set(err, ENOBUFS, "too many directories");
		if ((rc = hv_cpio_dir(c, dir, err)) < 0)
			return rc;
	}
	return 0;
}

/*
 * The initramfs; without the guest kernel's modules and their load lists
 * when !mods. UML boots that one: its drivers are built in, and the 4 MiB
 * of modules it would never load cost its start-up about 30 ms (UML
 * zeroes, reads and unpacks every byte of the initrd, page by page).
 */
static int
write_initrd(const char *path, const struct plan *p, bool mods,
	     struct hv_err *err)
{
	static const char *const dirs[] = {
		"bin", "dev",	 "proc", "sys",		"tmp", "scratch",
		"etc", "etc/hv", "opt",	 "opt/hpcvirt", "lib"};
	char name[160], seen[8192] = "\n";
	struct hv_cpio c;
	int rc = 0, fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return hv_err_sys(err, errno, "create %s", path);
	hv_cpio_init(&c, fd);
	for (size_t i = 0; rc == 0 && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		rc = hv_cpio_dir(&c, dirs[i], err);
		seen_add(seen, sizeof(seen), dirs[i]);
	}
	if (rc == 0)
		rc = hv_cpio_file(&c, "bin/busybox", 0755, "/bin/busybox", err);
	for (size_t i = 0; rc == 0 && i < sizeof(applets) / sizeof(*applets);
	     i++) {
		snprintf(name, sizeof(name), "bin/%s", applets[i]);
		rc = hv_cpio_symlink(&c, name, "busybox", err);
	}
	if (rc == 0)
		rc = hv_cpio_data(&c, "init", 0755, init_text,
				  sizeof(init_text) - 1, err);
	for (size_t s = 0; rc == 0 && mods && s < NSETS; s++) {
		snprintf(name, sizeof(name), "etc/hv/mods.%s", modsets[s].name);
		rc = hv_cpio_data(&c, name, 0644, p->mods[s],
				  strlen(p->mods[s]), err);
	}
	for (size_t i = 0; rc == 0 && i < p->n; i++) {
		if (!mods &&
		    !strncmp(p->e[i].name, MOD_DIR "/", strlen(MOD_DIR) + 1))
			continue;
		rc = cpio_parents(&c, p->e[i].name, seen, sizeof(seen), err);
		if (rc == 0)
			rc = hv_cpio_file(&c, p->e[i].name, 0755, p->e[i].host,
					  err);
	}
	if (rc == 0)
		rc = hv_cpio_finish(&c, err);
	if (close(fd) != 0 && rc == 0)
		rc = hv_err_sys(err, errno, "close %s", path);
	return rc;
}

/* --- the cache ------------------------------------------------------------ */

static int
mkdir_p(const char *path, struct hv_err *err)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return hv_err_sys(err, errno, "mkdir %s", buf);
		*s = '/';
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		return hv_err_sys(err, errno, "mkdir %s", buf);
	return 0;
}

static bool
is_hash_name(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == 64 && s[64] == '\0';
}

/* Remove the cache's other images (named by a hash, with a manifest):
 * they were built from inputs that have changed since. */
static void
remove_stale(const char *cache, const char *keep)
{
	char path[700], man[720];
	struct dirent *d;
	DIR *dh = opendir(cache);

	if (!dh)
		return;
	while ((d = readdir(dh))) {
		if (!is_hash_name(d->d_name) || strcmp(d->d_name, keep) == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", cache, d->d_name);
		snprintf(man, sizeof(man), "%s/manifest", path);
		if (access(man, F_OK) == 0)
			hv_rm_tree(path);
	}
	closedir(dh);
}

static void
image_paths(struct hv_image *img, const char *cache)
{
	snprintf(img->dir, sizeof(img->dir), "%s/%s", cache, img->hash);
	snprintf(img->vmlinux, sizeof(img->vmlinux), "%s/vmlinux", img->dir);
	snprintf(img->initrd, sizeof(img->initrd), "%s/initrd.cpio", img->dir);
	snprintf(img->initrd_nomods, sizeof(img->initrd_nomods),
		 "%s/initrd-nomods.cpio", img->dir);
}

static bool
image_complete(const struct hv_image *img)
{
	char man[620];

	snprintf(man, sizeof(man), "%s/manifest", img->dir);
	return access(img->vmlinux, R_OK) == 0 &&
	       access(img->initrd, R_OK) == 0 &&
	       access(img->initrd_nomods, R_OK) == 0 && access(man, R_OK) == 0;
}

/* Build into cache/HASH.tmp.TID (boxes may start at once, threads of one
 * process), then rename into place. */
static int
build(struct hv_image *img, const char *cache, const char *manifest,
      const struct plan *p, struct hv_err *err)
{
	char tmp[600], path[700];
	int rc;

	snprintf(tmp, sizeof(tmp), "%s/%s.tmp.%d", cache, img->hash,
		 (int)gettid());
	hv_rm_tree(tmp);
	if (mkdir(tmp, 0755) != 0)
		return hv_err_sys(err, errno, "mkdir %s", tmp);
	snprintf(path, sizeof(path), "%s/vmlinux", tmp);
	rc = extract_vmlinux(img->vmlinuz, path, err);
	snprintf(path, sizeof(path), "%s/initrd.cpio", tmp);
	if (rc == 0)
		rc = write_initrd(path, p, true, err);
	snprintf(path, sizeof(path), "%s/initrd-nomods.cpio", tmp);
	if (rc == 0)
		rc = write_initrd(path, p, false, err);
	snprintf(path, sizeof(path), "%s/manifest", tmp);
	if (rc == 0 && rename(manifest, path) != 0)
		rc = hv_err_sys(err, errno, "rename %s", manifest);
	if (rc == 0 && rename(tmp, img->dir) != 0 && errno != EEXIST &&
	    errno != ENOTEMPTY)
		rc = hv_err_sys(err, errno, "rename %s", tmp);
	hv_rm_tree(tmp); /* left only if another builder won the race */
	if (rc == 0) {
		img->built = true;
		remove_stale(cache, img->hash);
	}
	return rc;
}

int
hv_image_get(struct hv_image *img, const struct hv_image_opts *opts,
	     struct hv_err *err)
{
	const char *cache = opts->cache_dir,
		   *env = getenv("HPCVIRT_IMAGE_CACHE");
	struct plan *p = calloc(1, sizeof(*p));
	char manifest[600], mpi_cache[520];
	int rc;

	memset(img, 0, sizeof(*img));
	if (!p)
		return hv_err_set(err, ENOMEM, "image plan");
	if (!cache)
		cache = env && env[0] ? env : DEFAULT_CACHE;
	if (opts->mpi) { /* apart, so neither image removes the other */
		snprintf(mpi_cache, sizeof(mpi_cache), "%s/mpi", cache);
		cache = mpi_cache;
	}
	manifest[0] = '\0';
	if ((rc = resolve_inputs(opts, img, err)) < 0 ||
	    (rc = plan_static(p, img->static_dir, err)) < 0 ||
	    (rc = plan_modules(p, img->kver, err)) < 0 ||
	    (opts->mpi && (rc = plan_mpi(p, opts->bin_dir, err)) < 0) ||
	    (rc = mkdir_p(cache, err)) < 0)
		goto out;
	snprintf(manifest, sizeof(manifest), "%s/.manifest.%d", cache,
		 (int)gettid());
	if ((rc = write_manifest(manifest, img, p, err)) < 0)
		goto out;
	if ((rc = hv_sha256_file(manifest, img->hash)) < 0) {
		hv_err_sys(err, -rc, "hash %s", manifest);
		goto out;
	}
	image_paths(img, cache);
	if (opts->force && image_complete(img))
		hv_rm_tree(img->dir);
	if (!image_complete(img))
		rc = build(img, cache, manifest, p, err);
	if (rc < 0)
		hv_err_prefix(err, "guest image: ");
out:
	if (manifest[0])
		unlink(manifest);
	free(p->e);
	free(p);
	return rc;
}
