/*
 * mpirun-common.h - small helpers the MPI launch programs share
 * (hpcvirt-mpirun, hpcvirt-orted): the directory of the running program
 * (the kernel directory, as this node sees it), finding a system
 * program on PATH, and putting the kernel directory first on PATH so
 * that Open MPI finds kernels by their bare names on every node.
 * Header-only: each launcher is a separate tiny program.
 */
#ifndef HPCVIRT_MPIRUN_COMMON_H
#define HPCVIRT_MPIRUN_COMMON_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The directory of /proc/self/exe into dir; 0 or -errno. */
static inline int
mpr_self_dir(char *dir, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", dir, len - 1);
	char *slash;

	if (n <= 0 || (size_t)n >= len - 1)
		return -ENAMETOOLONG;
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (!slash)
		return -EINVAL;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	return 0;
}

/* First executable name on PATH, else fallback (absolute) if it is one. */
static inline int
mpr_find(const char *name, const char *fallback, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p;

	for (p = path; p && *p;) {
		size_t n = strcspn(p, ":");

		if (n > 0 &&
		    (size_t)snprintf(out, len, "%.*s/%s", (int)n, p, name) <
			    len &&
		    access(out, X_OK) == 0)
			return 0;
		p += n;
		if (*p == ':')
			p++;
	}
	if (access(fallback, X_OK) == 0 &&
	    (size_t)snprintf(out, len, "%s", fallback) < len)
		return 0;
	return -ENOENT;
}

/* PATH = dir:$PATH (or dir:/usr/bin:/bin when unset). */
static inline int
mpr_path_prepend(const char *dir)
{
	const char *old = getenv("PATH");
	char buf[8192];

	if ((size_t)snprintf(buf, sizeof(buf), "%s:%s", dir,
			     old && *old ? old : "/usr/bin:/bin") >=
	    sizeof(buf))
		return -ENAMETOOLONG;
	return setenv("PATH", buf, 1) == 0 ? 0 : -errno;
}

#endif
