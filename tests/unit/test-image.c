/*
 * test-image.c - the guest image builder's pure parts: the cpio newc
 * writer (byte layout, padding, trailer) and the module closure from a
 * modules.dep text (dependencies first, each once, unknown names fail),
 * and the ELF reader of the MPI layer (needed libraries, interpreter,
 * files it must refuse).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpcvirt/host/image.h"
#include "tap.h"

static const char dep[] =
	"kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko "
	"kernel/fs/jbd2/jbd2.ko\n"
	"kernel/lib/crc16.ko:\n"
	"kernel/fs/mbcache.ko:\n"
	"kernel/fs/jbd2/jbd2.ko:\n"
	"kernel/crypto/crc32c_generic.ko:\n"
	"kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko "
	"kernel/drivers/virtio/virtio.ko\n"
	"kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"
	"kernel/net/core/failover.ko:\n"
	"kernel/drivers/virtio/virtio.ko:\n";

static void
test_closure(void)
{
	const char *names[] = {"virtio-net", "crc32c_generic", "ext4", "virtio",
			       NULL};
	const char *bad[] = {"nosuchmod", NULL};
	char out[1024];
	struct hv_err err;
	int rc;

	rc = hv_modules_closure(dep, names, out, sizeof(out), &err);
	ok(rc == 0, "closure of virtio_net, crc32c_generic, ext4");
	ok(strcmp(out, "kernel/net/core/failover.ko\n"
		       "kernel/drivers/net/net_failover.ko\n"
		       "kernel/drivers/virtio/virtio.ko\n"
		       "kernel/drivers/net/virtio_net.ko\n"
		       "kernel/crypto/crc32c_generic.ko\n"
		       "kernel/lib/crc16.ko\n"
		       "kernel/fs/mbcache.ko\n"
		       "kernel/fs/jbd2/jbd2.ko\n"
		       "kernel/fs/ext4/ext4.ko\n") == 0,
	   "dependencies first, each module once, '-' == '_'");
	rc = hv_modules_closure(dep, bad, out, sizeof(out), &err);
	ok(rc == -ENOENT && strstr(err.msg, "nosuchmod"),
	   "an unknown module fails and is named: %s", err.msg);
	rc = hv_modules_closure(dep, names, out, 40, &err);
	ok(rc == -ENOBUFS, "a list that does not fit fails");
}

static void
test_cpio(void)
{
	char path[] = "/tmp/hv-test-cpio.XXXXXX", buf[1024];
	struct hv_cpio c;
	struct hv_err err;
	int fd = mkstemp(path), rc;
	ssize_t n;

	ok(fd >= 0, "temp file");
	hv_cpio_init(&c, fd);
	rc = hv_cpio_dir(&c, "bin", &err);
	rc |= hv_cpio_data(&c, "init", 0755, "#!/bin/sh\n", 10, &err);
	rc |= hv_cpio_symlink(&c, "bin/sh", "busybox", &err);
	rc |= hv_cpio_finish(&c, &err);
	ok(rc == 0, "dir, file, symlink, trailer written");
	ok(c.off % 4 == 0, "archive length %llu is 4-aligned",
	   (unsigned long long)c.off);
	n = pread(fd, buf, sizeof(buf), 0);
	ok(n == (ssize_t)c.off, "all %zd bytes on disk", n);
	ok(memcmp(buf, "070701", 6) == 0 && memcmp(buf + 110, "bin", 4) == 0,
	   "newc magic, then the name with its NUL");
	/* Second header: 110 + "bin\0" = 114, padded to 116. */
	ok(memcmp(buf + 116, "070701", 6) == 0, "next header 4-aligned");
	ok(memcmp(buf + 116 + 6 + 8, "000081ED", 8) == 0,
	   "regular file mode 0755");
	ok(memmem(buf, (size_t)n, "#!/bin/sh\n", 10) != NULL,
	   "file data present");
	ok(memmem(buf, (size_t)n, "TRAILER!!!", 10) != NULL, "trailer");
	close(fd);
	unlink(path);
}

/* This test program is linked dynamically against libc. */
static void
test_elf(void)
{
	char needed[2048], interp[256], path[] = "/tmp/hv-test-elf.XXXXXX";
	unsigned char head[64];
	struct hv_err err;
	int rc, fd, self;

	hv_err_init(&err);
	rc = hv_elf_needed("/proc/self/exe", needed, sizeof(needed), interp,
			   sizeof(interp), &err);
	ok(rc == 0 && strstr(needed, "libc.so.6\n") != NULL,
	   "the test program needs libc.so.6 (got: %s)", rc ? err.msg : needed);
	ok(rc == 0 && strncmp(interp, "/lib", 4) == 0 &&
		   strstr(interp, "ld-linux") != NULL,
	   "and names its interpreter (%s)", interp);

	fd = mkstemp(path);
	self = open("/proc/self/exe", O_RDONLY);
	ok(fd >= 0 && self >= 0 && read(self, head, sizeof(head)) == 64 &&
		   write(fd, head, sizeof(head)) == 64,
	   "an ELF header without the rest");
	hv_err_init(&err);
	rc = hv_elf_needed(path, needed, sizeof(needed), interp, sizeof(interp),
			   &err);
	ok(rc == -ENOEXEC && strstr(err.msg, path) != NULL,
	   "a cut ELF file is refused, naming it: %s", err.msg);
	if (fd >= 0 && ftruncate(fd, 0) == 0 && write(fd, "#!/bin/sh\n", 10))
		hv_err_init(&err);
	rc = hv_elf_needed(path, needed, sizeof(needed), interp, sizeof(interp),
			   &err);
	ok(rc == -ENOEXEC, "a script is not an ELF file (%d)", rc);
	hv_err_init(&err);
	rc = hv_elf_needed("/nonexistent/lib.so", needed, sizeof(needed),
			   interp, sizeof(interp), &err);
	ok(rc == -ENOENT && strstr(err.msg, "/nonexistent/lib.so"),
	   "a missing file: %s", err.msg);
	if (fd >= 0)
		close(fd);
	if (self >= 0)
		close(self);
	unlink(path);
}

int
main(void)
{
	plan(19);
	test_closure();
	test_cpio();
	test_elf();
	return done_testing();
}
