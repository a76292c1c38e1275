/*
 * image.h - the guest image that hpcvirt builds for its VM and UML boxes:
 * an uncompressed PVH vmlinux extracted from Debian's /boot/vmlinuz-* (so
 * QEMU boots it directly, without firmware or decompressor) and an
 * initramfs (cpio newc, uncompressed, written by our own code) holding
 * busybox-static, an /init that becomes the agent (hpcvirt-agent
 * --guest-init sets the guest up), the static agent and kernels under
 * /opt/hpcvirt/bin, and the guest kernel modules the devices need,
 * with one load-order list per device set (/etc/hv/mods.SET). UML boots
 * the same initramfs less the modules and their lists (initrd_nomods)
 * with its own kernel: every driver it needs is built in.
 *
 * Cache: $HPCVIRT_IMAGE_CACHE, else /var/cache/hpcvirt/images, one
 * directory per image named by the SHA-256 of a manifest of its inputs
 * (format version, /init text, and path, size and mtime of the kernel,
 * every module, busybox and every static binary). A changed input gives
 * a new hash, so a stale image is never used; it is rebuilt into a
 * temporary directory, renamed into place, and older images are removed.
 */
#ifndef HPCVIRT_IMAGE_H
#define HPCVIRT_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hpcvirt/util/err.h"

#define HV_IMAGE_GUEST_BIN "/opt/hpcvirt/bin"

/* Inputs; NULL fields take the defaults described per field. */
struct hv_image_opts {
	const char *bin_dir;	/* host build (ctx->bin_dir), to find
				   the static build beside it */
	const char *static_dir; /* static agent + kernels; default:
				   $HPCVIRT_STATIC_DIR, else
				   bin_dir/../../build-static/bin */
	const char *vmlinuz; /* default: $HPCVIRT_GUEST_KERNEL, else the newest
				/boot/vmlinuz-* */
	const char *cache_dir; /* default: see above */
	bool force;	       /* rebuild even if cached */
	bool mpi;	       /* add the MPI layer (image-mpi.c): Open MPI, its
				  libraries and hpcvirt-npb-mpi from bin_dir; cached
				  apart, in the cache's mpi/ */
};

struct hv_image {
	char hash[65];
	char dir[512];		 /* cache dir of this image */
	char vmlinux[600];	 /* uncompressed PVH ELF */
	char initrd[600];	 /* cpio newc, uncompressed */
	char initrd_nomods[600]; /* the same without the guest kernel's
				    modules, for UML (which loads none) */
	char kver[64];		 /* guest kernel release, "6.1.0-56-amd64" */
	char vmlinuz[300];	 /* the kernel it came from */
	char static_dir[300];
	bool built; /* built by this call (not taken from the cache) */
};

/*
 * The image for opts: from the cache if its hash matches, else built.
 * Errors name what is missing (no /boot/vmlinuz-*: "apt-get install
 * linux-image-amd64"; no static agent: "make STATIC=1 BUILD=...").
 */
int hv_image_get(struct hv_image *img, const struct hv_image_opts *opts,
		 struct hv_err *err);

/* Just the checks of hv_image_get that need no building (for probe). */
int hv_image_check_inputs(const struct hv_image_opts *opts, struct hv_err *err);

/*
 * cpio "newc" writer (exposed for the unit test). Entries go out in the
 * order added; names are relative ("bin/sh"), directories must precede
 * their contents. mtime, uid and gid are 0, so equal inputs give equal
 * bytes.
 */
struct hv_cpio {
	int fd;
	uint64_t off; /* bytes written */
	uint32_t ino;
};

void hv_cpio_init(struct hv_cpio *c, int fd);
int hv_cpio_dir(struct hv_cpio *c, const char *name, struct hv_err *err);
int hv_cpio_data(struct hv_cpio *c, const char *name, unsigned mode,
		 const void *data, size_t len, struct hv_err *err);
int hv_cpio_file(struct hv_cpio *c, const char *name, unsigned mode,
		 const char *host_path, struct hv_err *err);
int hv_cpio_symlink(struct hv_cpio *c, const char *name, const char *target,
		    struct hv_err *err);
int hv_cpio_finish(struct hv_cpio *c, struct hv_err *err);

/*
 * Module closure: the modules names need (and names themselves), in an
 * order insmod can load them, from a modules.dep text. names: module
 * names ("ext4", "virtio_net"; '-' and '_' are the same). Writes
 * relative paths ("kernel/fs/ext4/ext4.ko"), one per line, into out.
 * -ENOENT naming a module that modules.dep does not know.
 */
int hv_modules_closure(const char *dep_text, const char *const *names,
		       char *out, size_t len, struct hv_err *err);

/*
 * The MPI layer: calls add(ctx, guest name, host path) for every file the
 * guest needs to run mpirun, orted and npb_mpi (the host's dynamic
 * hpcvirt-npb-mpi): programs, Open MPI and PMIx components, their data
 * files and the shared libraries all of these need. -errno naming the
 * missing piece and the package that has it.
 */
int hv_image_mpi_layer(const char *npb_mpi,
		       int (*add)(void *ctx, const char *name, const char *host,
				  struct hv_err *err),
		       void *ctx, struct hv_err *err);

/*
 * The DT_NEEDED names of the ELF file path, "name\n" each, into needed
 * (empty for a static file), and its program interpreter ("" if none).
 * -ENOEXEC if it is not a 64-bit ELF file this reader can follow.
 */
int hv_elf_needed(const char *path, char *needed, size_t nlen, char *interp,
		  size_t ilen, struct hv_err *err);

#endif
