/*
 * lxc.c - LXC (lxc-start -F, foreground) with a container configuration
 * generated from a table of key/value pairs, written one "key = value"
 * per line. The container lives under its own lxcpath in the box's
 * workdir (-P), never in /var/lib/lxc. Its network is the box's
 * namespace, shared by path (lxc.namespace.share.net); "lxc.net.0.link"
 * cannot be used because the lab bridge is not in the host namespace.
 * The limits are lxc.cgroup.* keys (lxc.cgroup2.* for a controller on
 * cgroup2). The container's and the monitor's groups are given our names
 * (lxc.cgroup.dir.*), so LXC creates no "lxc.payload"/"lxc.pivot"
 * directory and the stop (or hv_clean_stale) removes what is left,
 * including the lock directories LXC makes under /run/lxc/lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hpcvirt/host/container.h"
#include "hpcvirt/host/clean.h"
#include "rt.h"

#define READY_MS 10000
#define MAX_KEYS 48

struct lxc_conf {
	struct {
		const char *key;
		char value[700];
	} kv[MAX_KEYS];
	int n;
};

static int
set(struct lxc_conf *c, const char *key, const char *fmt, const char *a,
    const char *b)
{
	if (c->n >= MAX_KEYS)
		return -E2BIG;
	c->kv[c->n].key = key;
	snprintf(c->kv[c->n].value, sizeof(c->kv[0].value), fmt, a ? a : "",
		 b ? b : "");
	if (strchr(c->kv[c->n].value, '\n'))
		return -EINVAL;
	c->n++;
	return 0;
}

static int
lxc_probe(struct hv_err *why)
{
	return hv_rt_probe("lxc-start", "lxc", why);
}

/* The limits, as lxc.cgroup (v1) or lxc.cgroup2 keys. */
static int
limits(struct lxc_conf *c, const struct hv_rt *rt)
{
	struct hv_cg_layout l;
	char v[32], p[32];
	bool m2, c2;
	int rc = 0;

	if (hv_cg_detect(&l, NULL) < 0)
		return -EIO;
	m2 = l.ctrl[HV_CG_MEMORY].v2;
	c2 = l.ctrl[HV_CG_CPU].v2;
	snprintf(v, sizeof(v), "%lld", hv_rt_mem_bytes(rt));
	if (rt->mem_mib > 0 && m2)
		rc |= set(c, "lxc.cgroup2.memory.max", "%s%s", v, NULL);
	if (rt->mem_mib > 0 && !m2) {
		rc |= set(c, "lxc.cgroup.memory.limit_in_bytes", "%s%s", v,
			  NULL);
		if (hv_rt_has_memsw())
			rc |= set(c, "lxc.cgroup.memory.memsw.limit_in_bytes",
				  "%s%s", v, NULL);
	}
	snprintf(v, sizeof(v), "%lld", hv_rt_cpu_quota(rt));
	snprintf(p, sizeof(p), "%d", HV_RT_CPU_PERIOD);
	if (rt->cpus > 0 && c2)
		rc |= set(c, "lxc.cgroup2.cpu.max", "%s %s", v, p);
	if (rt->cpus > 0 && !c2) {
		rc |= set(c, "lxc.cgroup.cpu.cfs_quota_us", "%s%s", v, NULL);
		rc |= set(c, "lxc.cgroup.cpu.cfs_period_us", "%s%s", p, NULL);
	}
	return rc ? -EINVAL : 0;
}

static int
build_conf(struct lxc_conf *c, const struct hv_rt *rt)
{
	char tcp[40];
	int rc = 0;

	rc |= set(c, "lxc.uts.name", "%s%s", rt->hostname, NULL);
	rc |= set(c, "lxc.rootfs.path", "dir:%s%s", rt->root, NULL);
	rc |= set(c, "lxc.net.0.type", "none%s%s", NULL, NULL);
	rc |= set(c, "lxc.namespace.share.net", "%s%s", rt->netns, NULL);
	rc |= set(c, "lxc.apparmor.profile", "unconfined%s%s", NULL, NULL);
	rc |= set(c, "lxc.autodev", "1%s%s", NULL, NULL);
	rc |= set(c, "lxc.mount.auto", "proc:mixed sys:ro%s%s", NULL, NULL);
	for (int i = 0; i < rt->nbinds; i++) {
		char e[700];

		/* the target is relative to the rootfs */
		snprintf(e, sizeof(e), "%s %s none bind,%s 0 0",
			 rt->binds[i].src, rt->binds[i].dst + 1,
			 rt->binds[i].ro ? "ro" : "rw");
		rc |= set(c, "lxc.mount.entry", "%s%s", e, NULL);
	}
	rc |= set(c, "lxc.mount.entry",
		  "tmpfs tmp tmpfs rw,nosuid,nodev,mode=1777 0 0%s%s", NULL,
		  NULL);
	snprintf(tcp, sizeof(tcp), " --listen tcp:0.0.0.0:%d", rt->agent_port);
	rc |= set(c, "lxc.init.cmd",
		  HV_RT_AGENT " --kernels " HV_CT_BIN_DIR " --workdir "
			      "%s --listen unix:" HV_CT_SOCK_DIR
			      "/agent.sock%s",
		  HV_CT_SCRATCH, rt->agent_port > 0 ? tcp : "");
	rc |= set(c, "lxc.console.path", "none%s%s", NULL, NULL);
	rc |= set(c, "lxc.tty.max", "0%s%s", NULL, NULL);
	rc |= set(c, "lxc.cgroup.dir.container", "%s%s", rt->name, NULL);
	rc |= set(c, "lxc.cgroup.dir.monitor", "%s.monitor%s", rt->name, NULL);
	rc |= set(c, "lxc.cgroup.dir.monitor.pivot", "%s.pivot%s", rt->name,
		  NULL);
	return rc ? -EINVAL : limits(c, rt);
}

/* "key = value" lines; the exact text is also the recorded config. */
static int
write_conf(const struct lxc_conf *c, const char *path, char *text, size_t len,
	   struct hv_err *err)
{
	size_t off = 0;
	FILE *f;

	text[0] = '\0';
	for (int i = 0; i < c->n && off < len; i++)
		off += (size_t)snprintf(text + off, len - off, "%s = %s\n",
					c->kv[i].key, c->kv[i].value);
	if (off >= len)
		return hv_err_set(err, E2BIG, "LXC config too long");
	f = fopen(path, "we");
	if (!f)
		return hv_err_sys(err, errno, "create %s", path);
	if (fputs(text, f) == EOF) {
		fclose(f);
		return hv_err_sys(err, EIO, "write %s", path);
	}
	return fclose(f) == 0 ? 0 : hv_err_sys(err, errno, "write %s", path);
}

static int
lxc_start(const struct hv_env_ctx *ctx, struct hv_box *box, struct hv_err *err)
{
	char bin[256], lxcpath[700], conf[760], text[16384];
	char *ver[] = {bin, "--version", NULL};
	char *argv[] = {bin,  "-n", NULL, "-P", lxcpath, "-f", conf,
			"-F", "-o", NULL, "-l", "ERROR", NULL};
	struct hv_rt_spawn s = {.argv = argv};
	struct lxc_conf c = {.n = 0};
	struct hv_rt *rt;
	int rc;

	rc = hv_rt_find("lxc-start", "lxc", bin, sizeof(bin), err);
	if (rc == 0)
		rc = hv_rt_prepare(ctx, box, ver, err);
	if (rc < 0)
		return rc;
	rt = box->priv;
	argv[2] = rt->name;
	argv[9] = rt->log;
	snprintf(lxcpath, sizeof(lxcpath), "%s/lxc", box->workdir);
	snprintf(conf, sizeof(conf), "%s/config", lxcpath);
	if (mkdir(lxcpath, 0700) != 0)
		return hv_err_sys(err, errno, "mkdir %s", lxcpath);
	if (build_conf(&c, rt) < 0)
		return hv_err_set(err, EINVAL, "cannot build the LXC config");
	rc = write_conf(&c, conf, text, sizeof(text), err);
	if (rc < 0)
		return rc;
	hv_params_set(&box->config, "lxc_config", text);
	hv_rt_record_argv(box, "argv", argv);
	rc = hv_rt_spawn(box, &s, err);
	if (rc == 0)
		rc = hv_rt_wait(box, READY_MS, err);
	return rc;
}

/* The common stop, then LXC's lock directories for the lxcpath. */
static int
lxc_stop(struct hv_box *box, struct hv_err *err)
{
	char lxcpath[700];
	int rc;

	snprintf(lxcpath, sizeof(lxcpath), "%s/lxc", box->workdir);
	rc = hv_rt_stop(box, err);
	if (box->workdir[0])
		hv_clean_lxc_unlock(lxcpath);
	return rc;
}

const struct hv_env hv_env_lxc = {
	.name = "lxc",
	.summary = "LXC (lxc-start), config from hpcvirt, netns shared by "
		   "path into the lab bridge",
	.paper_role = "OS-level",
	.spans_hosts = true,
	.probe = lxc_probe,
	.start = lxc_start,
	.explain = hv_rt_explain,
	.stop = lxc_stop,
};
