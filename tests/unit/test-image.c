/*
 * test-image.c - the guest image builder's pure parts: the cpio newc
 * writer (byte layout, padding, trailer) and the module closure from a
 * modules.dep text (dependencies first, each once, unknown names fail).
 */
#include <errno.h>
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

int
main(void)
{
	plan(13);
	test_closure();
	test_cpio();
	return done_testing();
}
