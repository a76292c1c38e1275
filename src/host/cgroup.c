/*
 * cgroup.c - detection of the cgroup layout (v1, v2 or hybrid) from
 * /proc/self/mountinfo and /proc/self/cgroup, and the life cycle of a
 * box's groups: create under hpcvirt's own cgroup, set and verify the
 * limits, attach, kill and remove (through clean.c, which also removes
 * the groups of dead runs). Only directories named "hpcvirt-<pid>-..."
 * are ever removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hpcvirt/host/cgroup.h"
#include "hpcvirt/host/clean.h"

#define CFS_PERIOD_US 100000
#define REMOVE_MS 5000 /* a box whose processes take longer is reported */
#define V1_UNLIMITED (INT64_C(1) << 62)

static const char *const ctrl_names[HV_CG_NCTRL] = {"cpu", "memory", "cpuset"};

const char *
hv_cg_ctrl_name(enum hv_cg_ctrl c)
{
	return c < HV_CG_NCTRL ? ctrl_names[c] : "?";
}

/* Is word one of the comma-separated items of list? */
static bool
in_list(const char *list, const char *word, char sep)
{
	size_t n = strlen(word);
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, (char[]){sep, '\0'});

		if (len == n && strncmp(p, word, n) == 0)
			return true;
		p += len;
		if (*p)
			p++;
	}
	return false;
}

/* /proc/self/cgroup, whole: read once, it holds a few short lines. */
static int
read_self_cgroup(char *buf, size_t len)
{
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	return got == len - 1 ? -E2BIG : 0;
}

/* Our cgroup path in the hierarchy carrying ctrl ("" = v2 line), from
 * self, the text of /proc/self/cgroup. */
static int
own_path(const char *self, const char *ctrl, char *out, size_t len)
{
	char line[1024];

	while (*self) {
		size_t n = strcspn(self, "\n");
		char *c1, *c2;

		snprintf(line, sizeof(line), "%.*s", (int)n, self);
		self += n + (self[n] == '\n');
		c1 = strchr(line, ':');
		if (!c1 || !(c2 = strchr(c1 + 1, ':')))
			continue;
		*c2 = '\0';
		if (ctrl[0] ? in_list(c1 + 1, ctrl, ',') : !c1[1]) {
			snprintf(out, len, "%s", c2 + 1);
			return 0;
		}
	}
	return -ENOENT;
}

/* The mount's directory for our path: mountpoint + (own - mount root). */
static void
join_own(char *out, size_t len, const char *mnt, const char *root,
	 const char *own)
{
	size_t rl = strlen(root);

	if (strcmp(root, "/") != 0 && strncmp(own, root, rl) == 0 &&
	    (own[rl] == '/' || own[rl] == '\0'))
		own += rl;
	if (strcmp(own, "/") == 0)
		own = "";
	snprintf(out, len, "%s%s", mnt, own);
}

static void
place_v1(struct hv_cg_layout *l, const char *self, const char *root,
	 const char *mnt, const char *super)
{
	char own[512];

	for (int c = 0; c < HV_CG_NCTRL; c++) {
		struct hv_cg_place *p = &l->ctrl[c];

		if (p->present || !in_list(super, ctrl_names[c], ','))
			continue;
		if (own_path(self, ctrl_names[c], own, sizeof(own)) < 0)
			continue;
		join_own(p->own_dir, sizeof(p->own_dir), mnt, root, own);
		p->present = true;
	}
}

/* Controllers the cgroup2 mount owns (those not bound to v1). */
static void
place_v2(struct hv_cg_layout *l, const char *self, const char *root,
	 const char *mnt)
{
	char path[512], list[512] = "", own[512];
	size_t n;
	FILE *f;

	if (l->v2_mount[0])
		return;
	snprintf(l->v2_mount, sizeof(l->v2_mount), "%s", mnt);
	snprintf(path, sizeof(path), "%s/cgroup.controllers", mnt);
	f = fopen(path, "re");
	if (!f)
		return;
	n = fread(list, 1, sizeof(list) - 1, f);
	fclose(f);
	list[n] = '\0';
	list[strcspn(list, "\n")] = '\0';
	if (own_path(self, "", own, sizeof(own)) < 0)
		return;
	for (int c = 0; c < HV_CG_NCTRL; c++) {
		struct hv_cg_place *p = &l->ctrl[c];

		if (!in_list(list, ctrl_names[c], ' '))
			continue;
		join_own(p->own_dir, sizeof(p->own_dir), mnt, root, own);
		p->present = p->v2 = true;
	}
}

/* A controller on cgroup2 is on no v1 mount: v2 wins, else the first
 * v1 mount that carries it. */
static void
merge_v1(struct hv_cg_layout *l, const struct hv_cg_layout *v1)
{
	for (int c = 0; c < HV_CG_NCTRL; c++)
		if (!l->ctrl[c].present)
			l->ctrl[c] = v1->ctrl[c];
}

int
hv_cg_detect(struct hv_cg_layout *l, struct hv_err *err)
{
	char line[2048], self[8192], *root, *mnt, *fstype, *super;
	struct hv_cg_layout v1;
	int rc;
	FILE *f;

	memset(l, 0, sizeof(*l));
	memset(&v1, 0, sizeof(v1));
	rc = read_self_cgroup(self, sizeof(self));
	if (rc < 0)
		return hv_err_sys(err, -rc, "/proc/self/cgroup");
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return hv_err_sys(err, errno, "/proc/self/mountinfo");
	/* One pass; the v1 placements are merged after it (merge_v1). */
	while (fgets(line, sizeof(line), f)) {
		if (!hv_mountinfo_split(line, &root, &mnt, &fstype, &super))
			continue;
		if (strcmp(fstype, "cgroup2") == 0)
			place_v2(l, self, root, mnt);
		else if (strcmp(fstype, "cgroup") == 0)
			place_v1(&v1, self, root, mnt, super);
	}
	fclose(f);
	merge_v1(l, &v1);
	return 0;
}

/* Write val to dir/name; if optional, a missing file is no error. */
static int
write_at(const char *dir, const char *name, const char *val, bool optional,
	 struct hv_err *err)
{
	char path[700];
	size_t n = strlen(val);
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && optional && errno == ENOENT)
		return 0;
	if (fd < 0)
		return hv_err_sys(err, errno, "open %s", path);
	if (write(fd, val, n) != (ssize_t)n)
		rc = hv_err_sys(err, errno, "write '%s' to %s", val, path);
	close(fd);
	return rc;
}

static int
write_file(const char *dir, const char *name, const char *val,
	   struct hv_err *err)
{
	return write_at(dir, name, val, false, err);
}

/* Read a file's first line; -errno if missing. */
static int
read_line(const char *dir, const char *name, char *buf, size_t len)
{
	char path[700];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Parse "123" or "max" (-1); word picks the n-th space-separated word. */
static int
read_i64(const char *dir, const char *name, int word, int64_t *v)
{
	char buf[128], *p = buf, *end;
	long long x;
	int rc = read_line(dir, name, buf, sizeof(buf));

	if (rc < 0)
		return rc;
	while (word-- > 0 && p)
		p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
	if (!p)
		return -EINVAL;
	if (strncmp(p, "max", 3) == 0) {
		*v = -1;
		return 0;
	}
	errno = 0;
	x = strtoll(p, &end, 10);
	if (errno || end == p || (*end && *end != ' '))
		return -EINVAL;
	*v = x >= V1_UNLIMITED ? -1 : x;
	return 0;
}

/* Index of an earlier controller of cg with the same directory, or -1. */
static int
same_dir(const struct hv_cg *cg, int c)
{
	for (int i = 0; i < c; i++)
		if (cg->dir[i][0] && strcmp(cg->dir[i], cg->dir[c]) == 0)
			return i;
	return -1;
}

/*
 * The limits are written, not read back: a value the kernel refuses
 * fails the write, and these are exact (whole periods, whole pages).
 * hv_cg_read_limits reads them back; the tests compare.
 */
static int
set_cpu(const struct hv_cg *cg, int cpus, struct hv_err *err)
{
	const char *d = cg->dir[HV_CG_CPU];
	long long quota = (long long)cpus * CFS_PERIOD_US;
	char val[64];
	int rc;

	if (cg->v2[HV_CG_CPU]) {
		snprintf(val, sizeof(val), "%lld %d", quota, CFS_PERIOD_US);
		return write_file(d, "cpu.max", val, err);
	}
	snprintf(val, sizeof(val), "%d", CFS_PERIOD_US);
	rc = write_file(d, "cpu.cfs_period_us", val, err);
	snprintf(val, sizeof(val), "%lld", quota);
	if (rc == 0)
		rc = write_file(d, "cpu.cfs_quota_us", val, err);
	return rc;
}

/* v1: memory.limit_in_bytes then memsw; v2: memory.max, swap.max 0.
 * Without swap accounting the swap files are absent: not an error. */
static int
set_mem(const struct hv_cg *cg, int mem_mib, struct hv_err *err)
{
	const char *d = cg->dir[HV_CG_MEMORY];
	char val[64];
	int rc;

	snprintf(val, sizeof(val), "%lld", (long long)mem_mib << 20);
	if (cg->v2[HV_CG_MEMORY]) {
		rc = write_file(d, "memory.max", val, err);
		return rc ? rc : write_at(d, "memory.swap.max", "0", true, err);
	}
	rc = write_file(d, "memory.limit_in_bytes", val, err);
	if (rc == 0)
		rc = write_at(d, "memory.memsw.limit_in_bytes", val, true, err);
	return rc;
}

/* v2: make the controller available to our children. */
static int
enable_v2(const struct hv_cg_place *p, const char *ctrl, struct hv_err *err)
{
	char list[256], word[32];

	if (read_line(p->own_dir, "cgroup.subtree_control", list,
		      sizeof(list)) == 0 &&
	    in_list(list, ctrl, ' '))
		return 0;
	snprintf(word, sizeof(word), "+%s", ctrl);
	return write_file(p->own_dir, "cgroup.subtree_control", word, err);
}

static int
make_dirs(struct hv_cg *cg, const struct hv_cg_layout *l, struct hv_err *err)
{
	for (int c = HV_CG_CPU; c <= HV_CG_MEMORY; c++) {
		const struct hv_cg_place *p = &l->ctrl[c];
		int rc;

		if (!p->present)
			continue;
		if (p->v2 && (rc = enable_v2(p, ctrl_names[c], err)) < 0)
			return rc;
		snprintf(cg->dir[c], sizeof(cg->dir[c]), "%s/%s", p->own_dir,
			 cg->name);
		cg->v2[c] = p->v2;
		if (same_dir(cg, c) >= 0)
			continue;
		if (mkdir(cg->dir[c], 0755) != 0) {
			rc = hv_err_sys(err, errno, "mkdir %s", cg->dir[c]);
			cg->dir[c][0] = '\0';
			return rc;
		}
	}
	return 0;
}

int
hv_cg_create(struct hv_cg *cg, const struct hv_cg_layout *l, const char *box,
	     int cpus, int mem_mib, struct hv_err *err)
{
	int rc;

	memset(cg, 0, sizeof(*cg));
	if ((size_t)snprintf(cg->name, sizeof(cg->name),
			     HV_CLEAN_PREFIX "%ld-%s", (long)getpid(),
			     box) >= sizeof(cg->name) ||
	    strchr(box, '/'))
		return hv_err_set(err, EINVAL,
				  "bad box name '%s': expected a "
				  "short name without '/'",
				  box);
	if (cpus > 0 && !l->ctrl[HV_CG_CPU].present)
		return hv_err_set(err, ENOTSUP,
				  "no cpu cgroup controller is "
				  "mounted: cannot limit CPUs to %d",
				  cpus);
	if (mem_mib > 0 && !l->ctrl[HV_CG_MEMORY].present)
		return hv_err_set(err, ENOTSUP,
				  "no memory cgroup controller "
				  "is mounted: cannot limit memory to %d MiB",
				  mem_mib);
	rc = make_dirs(cg, l, err);
	if (rc == 0 && cpus > 0)
		rc = set_cpu(cg, cpus, err);
	if (rc == 0 && mem_mib > 0)
		rc = set_mem(cg, mem_mib, err);
	if (rc < 0)
		hv_cg_remove(cg, NULL);
	return rc;
}

int
hv_cg_attach(const struct hv_cg *cg, pid_t pid, struct hv_err *err)
{
	char val[32];

	snprintf(val, sizeof(val), "%ld", (long)pid);
	for (int c = 0; c < HV_CG_NCTRL; c++) {
		int rc;

		if (!cg->dir[c][0] || same_dir(cg, c) >= 0)
			continue;
		rc = write_file(cg->dir[c], "cgroup.procs", val, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
hv_cg_open_procs(const struct hv_cg *cg, int fds[HV_CG_NCTRL],
		 struct hv_err *err)
{
	char path[700];
	int n = 0;

	for (int c = 0; c < HV_CG_NCTRL; c++) {
		if (!cg->dir[c][0] || same_dir(cg, c) >= 0)
			continue;
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg->dir[c]);
		fds[n] = open(path, O_WRONLY | O_CLOEXEC);
		if (fds[n] < 0) {
			int rc = hv_err_sys(err, errno, "open %s", path);

			while (n > 0)
				close(fds[--n]);
			return rc;
		}
		n++;
	}
	return n;
}

int
hv_cg_read_limits(const struct hv_cg *cg, struct hv_cg_limits *lim,
		  struct hv_err *err)
{
	const char *cd = cg->dir[HV_CG_CPU], *md = cg->dir[HV_CG_MEMORY];
	int rc = 0;

	lim->cpu_quota_us = lim->cpu_period_us = -1;
	lim->mem_bytes = lim->memsw_bytes = -1;
	if (cd[0] && cg->v2[HV_CG_CPU]) {
		if (read_i64(cd, "cpu.max", 0, &lim->cpu_quota_us) < 0 ||
		    read_i64(cd, "cpu.max", 1, &lim->cpu_period_us) < 0)
			rc = hv_err_set(err, EIO, "cannot read %s/cpu.max", cd);
	} else if (cd[0]) {
		if (read_i64(cd, "cpu.cfs_quota_us", 0, &lim->cpu_quota_us) <
			    0 ||
		    read_i64(cd, "cpu.cfs_period_us", 0, &lim->cpu_period_us) <
			    0)
			rc = hv_err_set(err, EIO, "cannot read %s/cpu.cfs_*",
					cd);
	}
	if (md[0] && read_i64(md,
			      cg->v2[HV_CG_MEMORY] ? "memory.max"
						   : "memory.limit_in_bytes",
			      0, &lim->mem_bytes) < 0)
		rc = hv_err_set(err, EIO, "cannot read the limit in %s", md);
	if (md[0] &&
	    read_i64(md,
		     cg->v2[HV_CG_MEMORY] ? "memory.swap.max"
					  : "memory.memsw.limit_in_bytes",
		     0, &lim->memsw_bytes) < 0)
		lim->memsw_bytes = -1;
	return rc;
}

int
hv_cg_count_procs(const struct hv_cg *cg)
{
	char path[700];
	long pid;
	int most = 0;

	for (int c = 0; c < HV_CG_NCTRL; c++) {
		int n = 0;
		FILE *f;

		if (!cg->dir[c][0])
			continue;
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg->dir[c]);
		f = fopen(path, "re");
		if (!f)
			return -errno;
		while (fscanf(f, "%ld", &pid) == 1)
			n++;
		fclose(f);
		most = n > most ? n : most;
	}
	return most;
}

int
hv_cg_remove(struct hv_cg *cg, struct hv_err *err)
{
	int rc = 0, r;

	for (int c = 0; c < HV_CG_NCTRL; c++) {
		if (!cg->dir[c][0] || same_dir(cg, c) >= 0)
			continue;
		r = hv_clean_cgroup_dir(cg->dir[c], REMOVE_MS);
		if (r == -EBUSY && rc == 0)
			rc = hv_err_set(err, EBUSY,
					"cgroup %s still busy %d ms after its "
					"processes were killed",
					cg->dir[c], REMOVE_MS);
		else if (r < 0 && rc == 0)
			rc = hv_err_sys(err, -r, "cannot remove cgroup %s",
					cg->dir[c]);
	}
	for (int c = 0; c < HV_CG_NCTRL && rc == 0; c++)
		cg->dir[c][0] = '\0';
	return rc;
}

/* The value after "key " in a "key value" per-line file, -1 if absent. */
static int64_t
keyed_value(const char *dir, const char *name, const char *key)
{
	char path[700], line[256];
	size_t klen = strlen(key);
	int64_t v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (v < 0 && fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			v = strtoll(line + klen + 1, NULL, 10);
	fclose(f);
	return v;
}

int64_t
hv_cg_oom_kills(const struct hv_cg *cg)
{
	const char *dir = cg->dir[HV_CG_MEMORY];

	if (!dir[0])
		return -1;
	if (cg->v2[HV_CG_MEMORY])
		return keyed_value(dir, "memory.events", "oom_kill");
	return keyed_value(dir, "memory.oom_control", "oom_kill");
}
