/*
 * image.c - "hpcvirt image": build (or find in the cache) the guest image
 * that the uml, tcg and kvm boxes boot, and print where it is. The boxes
 * also build it on first use; this command lets a user do it ahead of a
 * study, or force a rebuild.
 */
#include <errno.h>
#include <stdio.h>

#include "cli.h"
#include "hpcvirt/host/image.h"

static const struct hv_cli_opt image_opts[] = {
	{"force", NULL, "rebuild even if the cached image is current"},
	{"kernel", "PATH", "guest kernel (default: newest /boot/vmlinuz-*)"},
	{"static-dir", "DIR",
	 "static agent and kernels (default: "
	 "BUILD/../build-static/bin)"},
	{"cache", "DIR", "image cache (default: /var/cache/hpcvirt/images)"},
	{"mpi", NULL,
	 "the image with Open MPI and hpcvirt-npb-mpi (what MPI studies "
	 "boot)"},
};

static int
on_opt(void *ctx, size_t idx, const char *v)
{
	struct hv_image_opts *o = ctx;

	switch (idx) {
	case 0:
		o->force = true;
		break;
	case 1:
		o->vmlinuz = v;
		break;
	case 2:
		o->static_dir = v;
		break;
	case 3:
		o->cache_dir = v;
		break;
	default:
		o->mpi = true;
		break;
	}
	return 0;
}

int
hv_cmd_image(int argc, char **argv)
{
	struct hv_image_opts o = {0};
	struct hv_image img;
	struct hv_err err;
	char bin[1024];
	int first, rc;

	rc = hv_cli_parse("hpcvirt image [--force] [--kernel PATH] "
			  "[--static-dir DIR] [--cache DIR] [--mpi]",
			  image_opts,
			  sizeof(image_opts) / sizeof(image_opts[0]), argc,
			  argv, on_opt, &o, &first);
	if (rc == -1)
		return HV_EXIT_OK;
	if (rc)
		return rc;
	if (first < argc) {
		fprintf(stderr, "hpcvirt image: unexpected argument '%s'\n",
			argv[first]);
		return HV_EXIT_USAGE;
	}
	if (hv_cli_bin_dir(bin, sizeof(bin)) == 0)
		o.bin_dir = bin;
	hv_err_init(&err);
	if (hv_image_get(&img, &o, &err) < 0) {
		fprintf(stderr, "hpcvirt image: %s\n", err.msg);
		return err.code == EINVAL ? HV_EXIT_USAGE : HV_EXIT_FAIL;
	}
	printf("image   %s (%s)\nkernel  %s (%s)\nvmlinux %s\ninitrd  %s\n"
	       "initrd  %s (UML: no modules)\nstatic  %s\n",
	       img.hash, img.built ? "built" : "cached", img.vmlinuz, img.kver,
	       img.vmlinux, img.initrd, img.initrd_nomods, img.static_dir);
	return HV_EXIT_OK;
}
