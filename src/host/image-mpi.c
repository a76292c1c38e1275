/*
 * image-mpi.c - the MPI layer of the guest image (image.h, opts->mpi).
 * The image is otherwise static programs only; Open MPI is shared
 * libraries and plugins (Debian has no static libmpi), so running MPI in
 * a VM or UML box needs the host's Open MPI copied into the initramfs:
 *
 *   - mpirun (orterun), orted, hpcvirt-npb-mpi and hpcvirt-rsh (the host
 *     build);
 *   - the components Open MPI and PMIx open at run time, except the
 *     transports of hardware no box has (InfiniBand verbs, libfabric,
 *     UCX, PSM) and OpenSHMEM: their libraries are large and useless here,
 *     and a component that is absent is simply not loaded;
 *   - Open MPI's and PMIx's help texts and configuration files;
 *   - every shared library these need: the DT_NEEDED closure, read from
 *     the ELF files here and resolved in the multiarch library
 *     directories the way ld.so resolves them, plus the program
 *     interpreter.
 *
 * Libraries go to /usr/lib/x86_64-linux-gnu in the guest, which ld.so
 * searches without a cache; everything else keeps its host path.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hpcvirt/host/image.h"

#define ELF_MAX (256u << 20)
#define SET_MAX 16384
#define GUEST_LIBDIR "usr/lib/x86_64-linux-gnu"

/* Where ld.so looks for a library without a cache, in its order. */
static const char *const libdirs[] = {
	"/lib/x86_64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu",
	"/lib",
	"/usr/lib",
};

/* Programs, by guest name and host path. */
static const struct {
	const char *name, *host;
} programs[] = {
	{"usr/bin/mpirun", "/usr/bin/orterun"},
	{"usr/bin/orterun", "/usr/bin/orterun"},
	{"usr/bin/orted", "/usr/bin/orted"},
};

/* Plugin directories: each *.so is a component. */
static const char *const plugin_dirs[] = {
	"/usr/lib/x86_64-linux-gnu/openmpi/lib/openmpi3",
	"/usr/lib/x86_64-linux-gnu/pmix2/lib/pmix",
};

/* Data: every regular file under these, at the same path. */
static const char *const data_dirs[] = {
	"/etc/openmpi",
	"/usr/share/openmpi",
	"/usr/lib/x86_64-linux-gnu/pmix2/share",
};

/* A component that needs one of these is left out (see the top). */
static const char *const unwanted[] = {
	"libibverbs",
	"libfabric",
	"libucp",
	"libuct",
	"libucs",
	"libucm",
	"libpsm",
	"libinfinipath",
	"librdmacm",
	"libefa",
	"liboshmem",
	"libmca_common_ucx",
	"libmca_common_ofi",
	"libmca_common_verbs",
};

/* --- ELF ---------------------------------------------------------------- */

/* The file offset of virtual address va, from the PT_LOAD headers. */
static int
va_to_off(const unsigned char *f, size_t len, const Elf64_Ehdr *eh, uint64_t va,
	  uint64_t *off)
{
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(f + eh->e_phoff +
						      (size_t)i * sizeof(*ph));

		if (ph->p_type == PT_LOAD && va >= ph->p_vaddr &&
		    va - ph->p_vaddr < ph->p_filesz) {
			*off = ph->p_offset + (va - ph->p_vaddr);
			return *off < len ? 0 : -1;
		}
	}
	return -1;
}

/* The string at strtab + at, if it is inside the file and terminated. */
static const char *
elf_str(const unsigned char *f, size_t len, uint64_t strtab, uint64_t at)
{
	if (strtab >= len || at >= len - strtab)
		return NULL;
	if (!memchr(f + strtab + at, '\0', len - strtab - at))
		return NULL;
	return (const char *)f + strtab + at;
}

/* The needed names ("name\n" each) and the interpreter of an ELF image. */
static int
elf_parse(const unsigned char *f, size_t len, char *needed, size_t nlen,
	  char *interp, size_t ilen)
{
	const Elf64_Ehdr *eh = (const void *)f;
	const Elf64_Phdr *dyn = NULL;
	const Elf64_Dyn *d;
	uint64_t strtab = 0;
	size_t used = 0, nd;

	needed[0] = interp[0] = '\0';
	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff >= len ||
	    eh->e_phnum > (len - eh->e_phoff) / sizeof(Elf64_Phdr))
		return -ENOEXEC;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(f + eh->e_phoff +
						      (size_t)i * sizeof(*ph));

		if (ph->p_type == PT_DYNAMIC)
			dyn = ph;
		if (ph->p_type == PT_INTERP && ph->p_offset < len &&
		    ph->p_filesz <= len - ph->p_offset && ph->p_filesz > 0)
			snprintf(interp, ilen, "%.*s", (int)ph->p_filesz - 1,
				 (const char *)f + ph->p_offset);
	}
	if (!dyn)
		return 0; /* static */
	if (dyn->p_offset >= len || dyn->p_filesz > len - dyn->p_offset)
		return -ENOEXEC;
	d = (const void *)(f + dyn->p_offset);
	nd = dyn->p_filesz / sizeof(*d);

	for (size_t i = 0; i < nd && d[i].d_tag != DT_NULL; i++)
		if (d[i].d_tag == DT_STRTAB &&
		    va_to_off(f, len, eh, d[i].d_un.d_ptr, &strtab) < 0)
			return -ENOEXEC;
	for (size_t i = 0; i < nd && d[i].d_tag != DT_NULL; i++) {
		const char *s;
		int w;

		if (d[i].d_tag != DT_NEEDED)
			continue;
		if (!strtab || !(s = elf_str(f, len, strtab, d[i].d_un.d_val)))
			return -ENOEXEC;
		w = snprintf(needed + used, nlen - used, "%s\n", s);
		if (w < 0 || (size_t)w >= nlen - used)
			return -E2BIG;
		used += (size_t)w;
	}
	return 0;
}

int
hv_elf_needed(const char *path, char *needed, size_t nlen, char *interp,
	      size_t ilen, struct hv_err *err)
{
	struct stat st;
	void *f;
	int rc, fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return hv_err_sys(err, errno, "%s", path);
	if (fstat(fd, &st) != 0 || st.st_size <= 0 ||
	    (uint64_t)st.st_size > ELF_MAX) {
		close(fd);
		return hv_err_set(err, ENOEXEC,
				  "%s: not an ELF file hpcvirt can read", path);
	}
	f = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (f == MAP_FAILED)
		return hv_err_sys(err, errno, "mmap %s", path);
	rc = elf_parse(f, (size_t)st.st_size, needed, nlen, interp, ilen);
	munmap(f, (size_t)st.st_size);
	if (rc < 0)
		hv_err_set(err, -rc, "%s: not an ELF file hpcvirt can read",
			   path);
	return rc;
}

/* --- the closure ---------------------------------------------------------- */

/* "\na\nb\n" sets of names. */
static bool
set_has(const char *set, const char *s)
{
	size_t n = strlen(s);

	for (const char *p = strstr(set, s); p; p = strstr(p + 1, s))
		if (p[-1] == '\n' && p[n] == '\n')
			return true;
	return false;
}

static int
set_add(char *set, const char *s, struct hv_err *err)
{
	size_t used = strlen(set), n = strlen(s);

	if (set_has(set, s))
		return 0;
	if (used + n + 2 > SET_MAX)
		return hv_err_set(err, E2BIG, "MPI layer: too many libraries");
	memcpy(set + used, s, n);
	set[used + n] = '\n';
	set[used + n + 1] = '\0';
	return 1;
}

/* The host path of library name, as ld.so would find it. */
static int
resolve(const char *name, char *out, size_t len, struct hv_err *err)
{
	for (size_t i = 0; i < sizeof(libdirs) / sizeof(*libdirs); i++) {
		snprintf(out, len, "%s/%s", libdirs[i], name);
		if (access(out, R_OK) == 0)
			return 0;
	}
	return hv_err_set(err, ENOENT,
			  "MPI layer: library %s not found in "
			  "/lib/x86_64-linux-gnu or /usr/lib/x86_64-linux-gnu",
			  name);
}

/* Add to set every library path needs, recursively. */
static int
closure(const char *path, char *set, struct hv_err *err)
{
	char needed[2048], interp[256], lib[512];
	char *l, *nl;
	int rc;

	rc = hv_elf_needed(path, needed, sizeof(needed), interp, sizeof(interp),
			   err);
	for (l = needed; rc >= 0 && *l; l = nl + 1) {
		nl = strchr(l, '\n');
		*nl = '\0';
		rc = set_add(set, l, err);
		if (rc == 1 && (rc = resolve(l, lib, sizeof(lib), err)) == 0)
			rc = closure(lib, set, err);
	}
	return rc < 0 ? rc : 0;
}

static bool
wanted(const char *set)
{
	for (size_t i = 0; i < sizeof(unwanted) / sizeof(*unwanted); i++) {
		char key[64];

		snprintf(key, sizeof(key), "\n%s", unwanted[i]);
		if (strstr(set, key))
			return false;
	}
	return true;
}

/* --- the layer -------------------------------------------------------- */

struct layer {
	int (*add)(void *ctx, const char *name, const char *host,
		   struct hv_err *err);
	void *ctx;
	char libs[SET_MAX];
};

static int
add_program(struct layer *ly, const char *name, const char *host,
	    struct hv_err *err)
{
	char needed[2048], interp[256];
	int rc;

	if (access(host, R_OK) != 0)
		return hv_err_sys(err, errno,
				  "MPI layer: %s (apt-get install openmpi-bin "
				  "libopenmpi-dev)",
				  host);
	rc = hv_elf_needed(host, needed, sizeof(needed), interp, sizeof(interp),
			   err);
	if (rc == 0 && interp[0] == '/')
		rc = ly->add(ly->ctx, interp + 1, interp, err);
	if (rc == 0)
		rc = closure(host, ly->libs, err);
	if (rc == 0)
		rc = ly->add(ly->ctx, name, host, err);
	return rc;
}

/* The *.so components of dir that need nothing unwanted. */
static int
add_plugins(struct layer *ly, const char *dir, struct hv_err *err)
{
	char host[512], set[SET_MAX];
	struct dirent **ents;
	int n, rc = 0;

	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return hv_err_sys(err, errno,
				  "MPI layer: component directory %s "
				  "(apt-get install openmpi-bin)",
				  dir);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);

		if (rc == 0 && l > 3 &&
		    strcmp(ents[i]->d_name + l - 3, ".so") == 0) {
			snprintf(host, sizeof(host), "%s/%s", dir,
				 ents[i]->d_name);
			snprintf(set, sizeof(set), "\n");
			rc = closure(host, set, err);
			if (rc == 0 && wanted(set))
				rc = closure(host, ly->libs, err);
			if (rc == 0 && wanted(set))
				rc = ly->add(ly->ctx, host + 1, host, err);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

/* Every regular file under dir, recursively, sorted. */
static int
add_tree(struct layer *ly, const char *dir, struct hv_err *err)
{
	char host[512];
	struct dirent **ents;
	struct stat st;
	int n, rc = 0;

	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return hv_err_sys(err, errno, "MPI layer: %s", dir);
	for (int i = 0; i < n; i++) {
		const char *e = ents[i]->d_name;

		snprintf(host, sizeof(host), "%s/%s", dir, e);
		if (rc == 0 && strcmp(e, ".") != 0 && strcmp(e, "..") != 0 &&
		    stat(host, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				rc = add_tree(ly, host, err);
			else if (S_ISREG(st.st_mode))
				rc = ly->add(ly->ctx, host + 1, host, err);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int
hv_image_mpi_layer(const char *npb_mpi,
		   int (*add)(void *ctx, const char *name, const char *host,
			      struct hv_err *err),
		   void *ctx, struct hv_err *err)
{
	struct layer *ly = calloc(1, sizeof(*ly));
	char name[160], host[512];
	int rc = 0;

	if (!ly)
		return hv_err_set(err, ENOMEM, "MPI layer");
	ly->add = add;
	ly->ctx = ctx;
	snprintf(ly->libs, sizeof(ly->libs), "\n");
	for (size_t i = 0; rc == 0 && i < sizeof(programs) / sizeof(*programs);
	     i++)
		rc = add_program(ly, programs[i].name, programs[i].host, err);
	snprintf(name, sizeof(name), "%s/hpcvirt-npb-mpi",
		 HV_IMAGE_GUEST_BIN + 1);
	if (rc == 0 && access(npb_mpi, X_OK) != 0)
		rc = hv_err_sys(err, errno,
				"MPI layer: %s (make npb-mpi; needs "
				"libopenmpi-dev)",
				npb_mpi);
	if (rc == 0)
		rc = add_program(ly, name, npb_mpi, err);
	/* mpirun in a guest of a lab across hosts starts its daemons in the
	 * other guests with hpcvirt-rsh --port (docs/slurm.md). */
	snprintf(name, sizeof(name), "%s/hpcvirt-rsh", HV_IMAGE_GUEST_BIN + 1);
	snprintf(host, sizeof(host), "%.*s/hpcvirt-rsh",
		 strrchr(npb_mpi, '/') ? (int)(strrchr(npb_mpi, '/') - npb_mpi)
				       : 1,
		 strrchr(npb_mpi, '/') ? npb_mpi : ".");
	if (rc == 0 && access(host, X_OK) != 0)
		rc = hv_err_sys(err, errno, "MPI layer: %s (make)", host);
	if (rc == 0)
		rc = add_program(ly, name, host, err);
	for (size_t i = 0;
	     rc == 0 && i < sizeof(plugin_dirs) / sizeof(*plugin_dirs); i++)
		rc = add_plugins(ly, plugin_dirs[i], err);
	for (size_t i = 0;
	     rc == 0 && i < sizeof(data_dirs) / sizeof(*data_dirs); i++)
		rc = add_tree(ly, data_dirs[i], err);
	for (char *l = ly->libs + 1, *nl; rc == 0 && *l; l = nl + 1) {
		nl = strchr(l, '\n');
		*nl = '\0';
		snprintf(name, sizeof(name), GUEST_LIBDIR "/%s", l);
		rc = resolve(l, host, sizeof(host), err);
		if (rc == 0)
			rc = add(ctx, name, host, err);
	}
	free(ly);
	return rc;
}
