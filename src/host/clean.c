/*
 * clean.c - finding and removing what hpcvirt leaves on the host, by the
 * names it gave them (clean.h): the liveness rule for owners, the
 * mountinfo parser, the cgroup killer and remover, and the stale cleanup
 * after a SIGKILLed run. The cgroup mounts are read from
 * /proc/self/mountinfo; each hierarchy is searched a few levels deep only,
 * which covers the places the runtimes use (root, hpcvirt's own group, a
 * parent group) and keeps the walk short.
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

#include "hpcvirt/host/clean.h"
#include "hpcvirt/host/proc.h"

/* How deep below a hierarchy's root a name is looked for: hpcvirt's own
 * groups sit one level below its own cgroup, which on systemd hosts is
 * itself 3-4 levels deep (user.slice/user-N.slice/session-N.scope). */
#define MAX_DEPTH 6
#define REMOVE_MS 5000		  /* one box's groups: its processes must die */
#define STALE_MS 10000		  /* every dead run's groups together */
#define MAX_OWNERS 256		  /* dead owners one stale cleanup counts */
#define LXC_LOCKS "/run/lxc/lock" /* LXC's lock tree for root */

const char *
hv_clean_run_base(void)
{
	const char *b = getenv("HPCVIRT_RUN_BASE");

	return b && *b ? b : "/tmp";
}

bool
hv_pid_stat(long pid, unsigned long long *start, bool *zombie)
{
	char path[64], buf[1024], *p;
	bool ok = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	/* After the ")" that ends the command name come fields 3, 4, ... */
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) != NULL &&
	    p[1] == ' ') {
		*zombie = p[2] == 'Z';
		for (int i = 3; i < 22 && p; i++)
			if ((p = strchr(p + 1, ' ')) != NULL)
				p++;
		*start = p ? strtoull(p, NULL, 10) : 0;
		ok = p != NULL;
	}
	fclose(f);
	return ok;
}

bool
hv_pid_alive(long pid, unsigned long long start)
{
	unsigned long long now;
	bool zombie;

	if (pid <= 0 || pid > 1 << 22)
		return false;
	if (!hv_pid_stat(pid, &now, &zombie))
		/* /proc unreadable for a pid that exists: assume alive */
		return !(kill((pid_t)pid, 0) < 0 && errno == ESRCH);
	return !zombie && (start == 0 || start == now);
}

/* Cut the next space-separated field off *p (in place); NULL at the end. */
static char *
next_field(char **p)
{
	char *s = *p + strspn(*p, " \n"), *e;

	if (!*s)
		return NULL;
	e = s + strcspn(s, " \n");
	*p = *e ? e + 1 : e;
	*e = '\0';
	return s;
}

bool
hv_mountinfo_split(char *line, char **root, char **mnt, char **fstype,
		   char **super)
{
	char *sep = strstr(line, " - "), *p = line, *f[5];
	int i;

	if (!sep)
		return false;
	*sep = '\0';
	for (i = 0; i < 5; i++)
		if (!(f[i] = next_field(&p)))
			return false;
	*root = f[3];
	*mnt = f[4];
	p = sep + 3;
	*fstype = next_field(&p);
	if (!*fstype || !next_field(&p))
		return false;
	*super = next_field(&p);
	return *super != NULL;
}

/* The mount point and fs type of one mountinfo line. */
static bool
mount_fields(char *line, char **mnt, char **fstype)
{
	char *root, *super;

	return hv_mountinfo_split(line, &root, mnt, fstype, &super);
}

/* SIGKILL the processes listed in dir/cgroup.procs; how many. */
static int
kill_procs(const char *dir)
{
	char path[1200];
	long pid;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (n < 100000 && fscanf(f, "%ld", &pid) == 1)
		if (pid > 0 && kill((pid_t)pid, SIGKILL) == 0)
			n++;
	fclose(f);
	return n;
}

/*
 * Remove dir and the groups below it, children first, until deadline.
 * cgroup.kill (v2) takes the whole subtree at once; elsewhere each
 * group's processes are killed until none is left. A group stays busy
 * (EBUSY) until its last process has exited.
 */
static int
remove_tree(const char *dir, int depth, int64_t deadline, int *killed)
{
	struct timespec ts = {0, 1000000};
	char path[1200];
	struct dirent *de;
	DIR *d;
	int rc = 0, fd;

	snprintf(path, sizeof(path), "%s/cgroup.kill", dir);
	/* v2: the whole subtree at once; the per-process kill below does
	 * the same where there is no cgroup.kill, so its result is moot. */
	if (depth == 0 && (fd = open(path, O_WRONLY | O_CLOEXEC)) >= 0) {
		ssize_t w = write(fd, "1", 1);

		(void)w;
		close(fd);
	}
	d = opendir(dir);
	if (d) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (depth < 8 &&
			    remove_tree(path, depth + 1, deadline, killed) < 0)
				rc = -EBUSY;
		}
		closedir(d);
	}
	for (;;) {
		*killed += kill_procs(dir);
		if (rmdir(dir) == 0 || errno == ENOENT)
			return rc;
		if (errno != EBUSY || hv_now_ms() >= deadline)
			return -errno;
		nanosleep(&ts, NULL);
	}
}

int
hv_clean_cgroup_dir(const char *dir, int timeout_ms)
{
	int killed = 0;

	return remove_tree(dir, 0, hv_now_ms() + timeout_ms, &killed);
}

/* One walk over the cgroup hierarchies: what to match, and what it did. */
struct sweep {
	bool (*match)(const char *name, const void *arg);
	const void *arg;
	char *found; /* find mode: the first match's path, nothing removed */
	size_t flen;
	bool hit; /* find mode: found was filled */
	int removed, busy, killed;
	int64_t deadline;
};

/* Remove the groups under dir whose name matches; recurse otherwise. */
static void
walk(const char *dir, int depth, struct sweep *sw)
{
	char path[1200];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (sw->match(de->d_name, sw->arg)) {
			if (sw->found) {
				snprintf(sw->found, sw->flen, "%s", path);
				sw->hit = true;
				break;
			}
			if (remove_tree(path, 0, sw->deadline, &sw->killed) < 0)
				sw->busy++;
			else
				sw->removed++;
		} else if (depth < MAX_DEPTH) {
			walk(path, depth + 1, sw);
			if (sw->hit)
				break;
		}
	}
	closedir(d);
}

/* Apply walk() to every cgroup mount. */
static void
walk_all(struct sweep *sw)
{
	char line[2048], *mnt, *type;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!mount_fields(line, &mnt, &type))
			continue;
		if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0)
			walk(mnt, 0, sw);
	}
	fclose(f);
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
hv_clean_cgroups(const char *name)
{
	struct sweep sw = {.match = same_name,
			   .arg = name,
			   .deadline = hv_now_ms() + REMOVE_MS};

	walk_all(&sw);
	return sw.busy ? -EBUSY : sw.removed;
}

static bool
exact_name(const char *name, const void *arg)
{
	return strcmp(name, arg) == 0;
}

int
hv_clean_find_cgroup(const char *mnt, const char *name, char *out, size_t len)
{
	struct sweep sw = {
		.match = exact_name, .arg = name, .found = out, .flen = len};

	walk(mnt, 0, &sw);
	return sw.hit ? 0 : -ENOENT;
}

/* The distinct dead owners one stale cleanup met. */
struct owners {
	long pid[MAX_OWNERS];
	int n;
};

static void
owner_add(struct owners *o, long pid)
{
	for (int i = 0; i < o->n; i++)
		if (o->pid[i] == pid)
			return;
	if (o->n < MAX_OWNERS)
		o->pid[o->n++] = pid;
}

/* The pid of "<prefix><pid><sep>...", or 0 if name is not of that form. */
static long
name_pid(const char *name, const char *prefix, char sep)
{
	size_t pl = strlen(prefix);
	char *end;
	long pid;

	if (strncmp(name, prefix, pl) != 0)
		return 0;
	errno = 0;
	pid = strtol(name + pl, &end, 10);
	if (errno || end == name + pl || *end != sep || pid <= 0)
		return 0;
	return pid;
}

/* "<prefix><pid><sep>..." with a dead pid (never ours)? Counted in o. */
static bool
dead_owner(const char *name, const char *prefix, char sep, struct owners *o)
{
	long pid = name_pid(name, prefix, sep);

	if (!pid || pid == (long)getpid() || hv_pid_alive(pid, 0))
		return false;
	if (o)
		owner_add(o, pid);
	return true;
}

static bool
stale_cgroup(const char *name, const void *arg)
{
	return dead_owner(name, HV_CLEAN_PREFIX, '-', (struct owners *)arg);
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
hv_clean_umount_under(const char *dir)
{
	return umount_matching(is_under, dir);
}

/* Where a stale cleanup looks, and the dead owners it met. */
struct stale {
	const char *base;
	struct owners owners;
};

/*
 * Is the run directory name ("hpcvirt-run.<pid>.XXXXXX" in st->base)
 * a dead run's? Its owner file has the pid and start time; a directory
 * without one (being created, or half removed) is judged by the pid.
 */
static bool
dead_run(struct stale *st, const char *name)
{
	long pid = name_pid(name, HV_CLEAN_RUN_PREFIX, '.'), opid = 0;
	unsigned long long start = 0;
	char path[1200];
	FILE *f;

	if (!pid || pid == (long)getpid())
		return false;
	snprintf(path, sizeof(path), "%s/%s/owner", st->base, name);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%ld %llu", &opid, &start) != 2 || opid != pid)
			start = 0;
		fclose(f);
	}
	if (hv_pid_alive(pid, start))
		return false;
	owner_add(&st->owners, pid);
	return true;
}

/* Under "<base>/hpcvirt-run.<deadpid>.*"? */
static bool
under_dead_run(const char *mnt, const void *arg)
{
	struct stale *st = (struct stale *)arg;
	size_t l = strlen(st->base);
	char name[256];

	if (strncmp(mnt, st->base, l) != 0 || mnt[l] != '/')
		return false;
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(mnt + l + 1, "/"),
		 mnt + l + 1);
	return dead_run(st, name);
}

/*
 * The run directories "<base>/hpcvirt-run.<deadpid>.*" and the runtimes'
 * short directories "<base>/hpcvirt-<deadpid>-*", with what is still
 * mounted under them.
 */
static int
clean_dirs(struct stale *st)
{
	char path[1200];
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(st->base);

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR ||
		    !(dead_run(st, de->d_name) ||
		      dead_owner(de->d_name, HV_CLEAN_PREFIX, '-',
				 &st->owners)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", st->base, de->d_name);
		hv_clean_umount_under(path);
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
hv_clean_lxc_unlock(const char *lxcpath)
{
	char dir[1200];

	snprintf(dir, sizeof(dir), LXC_LOCKS "%s", lxcpath);
	hv_rm_tree(dir);
	rmdir_up(dir);
}

/* LXC's locks for the lxcpaths under dead runs' directories. */
static int
clean_lxc_locks(struct stale *st)
{
	char dir[1200], path[1400];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), LXC_LOCKS "%s", st->base);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || !dead_run(st, de->d_name))
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
hv_clean_stale(struct hv_clean_report *r)
{
	struct hv_clean_report none;
	struct stale st = {.base = hv_clean_run_base()};
	struct sweep sw = {.match = stale_cgroup,
			   .arg = &st.owners,
			   .deadline = hv_now_ms() + STALE_MS};

	if (!r)
		r = &none;
	memset(r, 0, sizeof(*r));
	/* The processes first (guest kernels, agents): they hold the
	 * mounts and files of the directories removed after them. */
	walk_all(&sw);
	r->cgroups = sw.removed;
	r->busy = sw.busy;
	r->killed = sw.killed;
	/* Then the mounts under dead runs, so that removing their
	 * directories does not stop at a mount point. */
	r->mounts = umount_matching(under_dead_run, &st);
	r->dirs = clean_dirs(&st) + clean_lxc_locks(&st);
	return st.owners.n;
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
hv_clean_oom_kills(const char *name)
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
		    hv_clean_find_cgroup(mnt, name, dir, sizeof(dir)) < 0)
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

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void
hv_rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}
