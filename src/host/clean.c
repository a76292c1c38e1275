/*
 * rtclean.c - finding and removing the cgroups and mounts that external
 * container runtimes leave behind, by the names hpcvirt gave them (see
 * rtclean.h). The cgroup mounts are read from /proc/self/mountinfo; each
 * hierarchy is searched a few levels deep only, which covers the places
 * the runtimes use (root, hpcvirt's own group, a parent group) and keeps
 * the walk short.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "hpcvirt/host/runstate.h"
#include "hpcvirt/host/cgroup.h"
#include "hpcvirt/host/proc.h"
#include "hpcvirt/host/clean.h"

#define MAX_DEPTH 4
#define REMOVE_MS 1500
#define RUN_PREFIX "hpcvirt-run."
#define LXC_LOCKS "/run/lxc/lock" /* LXC's lock tree for root */

/* The mount point (field 5) and fs type of one mountinfo line. */
static bool
mount_fields(char *line, char **mnt, char **fstype)
{
	char *sep = strstr(line, " - "), *p = line;

	if (!sep)
		return false;
	*sep = '\0';
	for (int i = 0; i < 4 && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return false;
	*mnt = p;
	p[strcspn(p, " ")] = '\0';
	*fstype = sep + 3;
	(*fstype)[strcspn(*fstype, " ")] = '\0';
	return true;
}

/* SIGKILL the processes listed in dir/cgroup.procs. */
static void
kill_procs(const char *dir)
{
	char path[1200];
	long pid;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return;
	while (n++ < 100000 && fscanf(f, "%ld", &pid) == 1)
		if (pid > 0)
			kill((pid_t)pid, SIGKILL);
	fclose(f);
}

/* Remove dir and the groups below it, children first, bounded in time. */
static int
remove_tree(const char *dir, int depth)
{
	int64_t deadline = hv_now_ms() + REMOVE_MS;
	struct timespec ts = {0, 1000000};
	char path[1200];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (depth < 8)
				remove_tree(path, depth + 1);
		}
		closedir(d);
	}
	for (;;) {
		kill_procs(dir);
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || hv_now_ms() >= deadline)
			return -errno;
		nanosleep(&ts, NULL);
	}
}

/* Remove the groups under dir whose name matches; recurse otherwise. */
static int
walk(const char *dir, int depth, bool (*match)(const char *, const void *),
     const void *arg, char *found, size_t flen)
{
	char path[1200];
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (match(de->d_name, arg)) {
			if (found) {
				snprintf(found, flen, "%s", path);
				n = 1;
				break;
			}
			n += remove_tree(path, 0) == 0;
		} else if (depth < MAX_DEPTH) {
			n += walk(path, depth + 1, match, arg, found, flen);
			if (found && n)
				break;
		}
	}
	closedir(d);
	return n;
}

/* Apply walk() to every cgroup mount. */
static int
walk_all(bool (*match)(const char *, const void *), const void *arg)
{
	char line[2048], *mnt, *type;
	int n = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!mount_fields(line, &mnt, &type))
			continue;
		if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0)
			n += walk(mnt, 0, match, arg, NULL, 0);
	}
	fclose(f);
	return n;
}

/* name itself, or name + "." + anything (a runtime's sibling groups,
 * such as LXC's monitor group next to the container's). */
static bool
same_name(const char *name, const void *arg)
{
	size_t l = strlen(arg);

	return strncmp(name, arg, l) == 0 &&
	       (name[l] == '\0' || name[l] == '.');
}

int
hv_rt_remove_cgroups(const char *name)
{
	return walk_all(same_name, name);
}

static bool
exact_name(const char *name, const void *arg)
{
	return strcmp(name, arg) == 0;
}

int
hv_rt_find_cgroup(const char *mnt, const char *name, char *out, size_t len)
{
	return walk(mnt, 0, exact_name, name, out, len) ? 0 : -ENOENT;
}

/* Is pid gone (or a zombie nobody reaped)? */
static bool
pid_dead(long pid)
{
	char path[64], buf[256], *p;
	bool z = false;
	FILE *f;

	if (pid <= 0 || pid > 1 << 22 || pid == (long)getpid())
		return false;
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) != NULL)
		z = p[1] == ' ' && p[2] == 'Z';
	fclose(f);
	return z;
}

/* "<prefix><pid><sep>..." with a dead pid? */
static bool
dead_owner(const char *name, const char *prefix, char sep)
{
	size_t pl = strlen(prefix);
	char *end;
	long pid;

	if (strncmp(name, prefix, pl) != 0)
		return false;
	errno = 0;
	pid = strtol(name + pl, &end, 10);
	if (errno || end == name + pl || *end != sep)
		return false;
	return pid_dead(pid);
}

static bool
stale_cgroup(const char *name, const void *arg)
{
	(void)arg;
	return dead_owner(name, HV_CG_PREFIX, '-');
}

/* Unmount, deepest first, the mounts whose point is under a matching
 * directory; a few passes, as a lazy unmount may reveal another. */
static int
umount_matching(bool (*under)(const char *mnt, const void *arg),
		const void *arg)
{
	char line[2048], *mnt, *type;
	int n = 0;

	for (int pass = 0; pass < 8; pass++) {
		int this_pass = 0;
		FILE *f = fopen("/proc/self/mountinfo", "re");

		if (!f)
			break;
		while (fgets(line, sizeof(line), f))
			if (mount_fields(line, &mnt, &type) &&
			    under(mnt, arg) && umount2(mnt, MNT_DETACH) == 0)
				this_pass++;
		fclose(f);
		n += this_pass;
		if (!this_pass)
			break;
	}
	return n;
}

static bool
is_under(const char *mnt, const void *arg)
{
	const char *dir = arg;
	size_t l = strlen(dir);

	return strncmp(mnt, dir, l) == 0 && (mnt[l] == '/' || mnt[l] == '\0');
}

int
hv_rt_umount_under(const char *dir)
{
	return umount_matching(is_under, dir);
}

/* Under "<base>/hpcvirt-run.<deadpid>.*"? */
static bool
under_dead_run(const char *mnt, const void *arg)
{
	const char *base = arg;
	size_t l = strlen(base);

	if (strncmp(mnt, base, l) != 0 || mnt[l] != '/')
		return false;
	return dead_owner(mnt + l + 1, RUN_PREFIX, '.');
}

/* The runtimes' short directories "<base>/hpcvirt-<deadpid>-*". */
static int
clean_short_dirs(const char *base)
{
	char path[1200];
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(base);

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR ||
		    !dead_owner(de->d_name, HV_CG_PREFIX, '-'))
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
		n += hv_rt_umount_under(path);
		hv_rm_tree(path);
		n++;
	}
	closedir(d);
	return n;
}

/* rmdir the empty directories from dir up to LXC_LOCKS/<first>, the
 * part of LXC's lock tree named after an lxcpath. */
static void
rmdir_up(char *dir)
{
	size_t keep = sizeof(LXC_LOCKS) - 1;
	char *slash;

	while (strlen(dir) > keep && (rmdir(dir) == 0 || errno == ENOENT)) {
		slash = strrchr(dir, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
}

void
hv_rt_lxc_unlock(const char *lxcpath)
{
	char dir[1200];

	snprintf(dir, sizeof(dir), LXC_LOCKS "%s", lxcpath);
	hv_rm_tree(dir);
	rmdir_up(dir);
}

/* LXC's locks for the lxcpaths under dead runs' directories. */
static int
clean_lxc_locks(const char *base)
{
	char dir[1200], path[1400];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), LXC_LOCKS "%s", base);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR ||
		    !dead_owner(de->d_name, RUN_PREFIX, '.'))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		hv_rm_tree(path);
		n++;
	}
	closedir(d);
	if (n)
		rmdir_up(dir);
	return n;
}

int
hv_rt_clean_stale(void)
{
	const char *base = getenv("HPCVIRT_RUN_BASE");
	int n;

	if (!base || !*base)
		base = "/tmp";
	n = walk_all(stale_cgroup, NULL);
	n += umount_matching(under_dead_run, base);
	n += clean_short_dirs(base);
	n += clean_lxc_locks(base);
	return n;
}

/* The "oom_kill N" count of one group, -1 if none. */
static long long
oom_count(const char *dir)
{
	static const char *const files[] = {"memory.oom_control",
					    "memory.events"};
	char path[1300], line[256];
	long long v = -1;

	for (int i = 0; i < 2 && v < 0; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (v < 0 && fgets(line, sizeof(line), f))
			if (strncmp(line, "oom_kill ", 9) == 0)
				v = strtoll(line + 9, NULL, 10);
		fclose(f);
	}
	return v;
}

/* dir's count plus those of the groups directly below it. */
static long long
oom_tree(const char *dir)
{
	long long total = oom_count(dir), v;
	char path[1200];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return total;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		v = oom_count(path);
		if (v > 0)
			total = (total > 0 ? total : 0) + v;
	}
	closedir(d);
	return total;
}

long long
hv_rt_oom_kills(const char *name)
{
	char line[2048], *mnt, *type, dir[1200];
	long long total = -1, v;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!mount_fields(line, &mnt, &type) ||
		    (strcmp(type, "cgroup") != 0 &&
		     strcmp(type, "cgroup2") != 0) ||
		    hv_rt_find_cgroup(mnt, name, dir, sizeof(dir)) < 0)
			continue;
		v = oom_tree(dir);
		if (v > 0)
			total = (total > 0 ? total : 0) + v;
		else if (v == 0 && total < 0)
			total = 0;
	}
	fclose(f);
	return total;
}
