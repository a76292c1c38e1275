/*
 * oci.c - the OCI bundle of a crun or runc box (see oci.h). The document
 * is a cJSON tree built from the box description; the text written to
 * config.json is exactly the text recorded in the box's configuration.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpcvirt/host/container.h"
#include "oci.h"

#define READY_MS 10000

static const char *const agent_args[] = {HV_RT_AGENT,
					 "--kernels",
					 HV_CT_BIN_DIR,
					 "--workdir",
					 HV_CT_SCRATCH,
					 "--listen",
					 "unix:" HV_CT_SOCK_DIR "/agent.sock"};
static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL",
				   "CAP_NET_BIND_SERVICE"};
static const char *const masked[] = {"/proc/kcore", "/proc/keys",
				     "/proc/timer_list", "/proc/sched_debug",
				     "/sys/firmware"};
static const char *const ro_paths[] = {"/proc/bus", "/proc/fs", "/proc/irq",
				       "/proc/sys", "/proc/sysrq-trigger"};

/* The runtime's own file systems: destination, type, options. */
static const struct {
	const char *dst, *type, *opts;
} fs_mounts[] = {
	{"/proc", "proc", "nosuid,noexec,nodev"},
	{"/dev", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"},
	{"/dev/pts", "devpts",
	 "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620"},
	{"/dev/shm", "tmpfs", "nosuid,noexec,nodev,mode=1777,size=65536k"},
	{"/dev/mqueue", "mqueue", "nosuid,noexec,nodev"},
	{"/sys", "sysfs", "nosuid,noexec,nodev,ro"},
	{"/tmp", "tmpfs", "nosuid,nodev,mode=1777"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static cJSON *
str_array(const char *const *v, size_t n)
{
	return cJSON_CreateStringArray(v, (int)n);
}

/* "a,b,c" -> ["a","b","c"] */
static cJSON *
split_opts(const char *opts)
{
	cJSON *a = cJSON_CreateArray();
	char one[128];

	while (a && *opts) {
		size_t n = strcspn(opts, ",");

		snprintf(one, sizeof(one), "%.*s", (int)n, opts);
		cJSON_AddItemToArray(a, cJSON_CreateString(one));
		opts += n + (opts[n] == ',');
	}
	return a;
}

static cJSON *
process_obj(const struct hv_rt *rt)
{
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:"
		"/bin",
		"HOME=/root"};
	cJSON *p = cJSON_CreateObject(), *u, *c, *rl, *r, *args;
	char tcp[32];

	cJSON_AddFalseToObject(p, "terminal");
	u = cJSON_AddObjectToObject(p, "user");
	cJSON_AddNumberToObject(u, "uid", 0);
	cJSON_AddNumberToObject(u, "gid", 0);
	args = str_array(agent_args, N(agent_args));
	if (rt->agent_port > 0) {
		snprintf(tcp, sizeof(tcp), "tcp:0.0.0.0:%d", rt->agent_port);
		cJSON_AddItemToArray(args, cJSON_CreateString("--listen"));
		cJSON_AddItemToArray(args, cJSON_CreateString(tcp));
	}
	cJSON_AddItemToObject(p, "args", args);
	cJSON_AddItemToObject(p, "env", str_array(env, N(env)));
	cJSON_AddStringToObject(p, "cwd", "/");
	c = cJSON_AddObjectToObject(p, "capabilities");
	cJSON_AddItemToObject(c, "bounding", str_array(caps, N(caps)));
	cJSON_AddItemToObject(c, "effective", str_array(caps, N(caps)));
	cJSON_AddItemToObject(c, "permitted", str_array(caps, N(caps)));
	/* Lowered only: raising needs CAP_SYS_RESOURCE. */
	rl = cJSON_AddArrayToObject(p, "rlimits");
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "type", "RLIMIT_NOFILE");
	cJSON_AddNumberToObject(r, "hard", 1024);
	cJSON_AddNumberToObject(r, "soft", 1024);
	cJSON_AddItemToArray(rl, r);
	cJSON_AddTrueToObject(p, "noNewPrivileges");
	return p;
}

static cJSON *
mounts_array(const struct hv_rt *rt)
{
	cJSON *a = cJSON_CreateArray(), *m;

	for (size_t i = 0; i < N(fs_mounts); i++) {
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "destination", fs_mounts[i].dst);
		cJSON_AddStringToObject(m, "type", fs_mounts[i].type);
		cJSON_AddStringToObject(m, "source", fs_mounts[i].type);
		cJSON_AddItemToObject(m, "options",
				      split_opts(fs_mounts[i].opts));
		cJSON_AddItemToArray(a, m);
	}
	for (int i = 0; i < rt->nbinds; i++) {
		const struct hv_rt_bind *b = &rt->binds[i];

		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "destination", b->dst);
		cJSON_AddStringToObject(m, "type", "bind");
		cJSON_AddStringToObject(m, "source", b->src);
		cJSON_AddItemToObject(m, "options",
				      split_opts(b->ro ? "rbind,ro,nosuid"
						       : "rbind,rw,nosuid"));
		cJSON_AddItemToArray(a, m);
	}
	return a;
}

static cJSON *
resources_obj(const struct hv_rt *rt)
{
	cJSON *r = cJSON_CreateObject(), *d, *m, *c;

	d = cJSON_AddArrayToObject(r, "devices");
	m = cJSON_CreateObject();
	cJSON_AddFalseToObject(m, "allow");
	cJSON_AddStringToObject(m, "access", "rwm");
	cJSON_AddItemToArray(d, m);
	if (rt->mem_mib > 0) {
		m = cJSON_AddObjectToObject(r, "memory");
		cJSON_AddNumberToObject(m, "limit",
					(double)hv_rt_mem_bytes(rt));
		if (hv_rt_has_memsw())
			cJSON_AddNumberToObject(m, "swap",
						(double)hv_rt_mem_bytes(rt));
	}
	if (rt->cpus > 0) {
		c = cJSON_AddObjectToObject(r, "cpu");
		cJSON_AddNumberToObject(c, "quota",
					(double)hv_rt_cpu_quota(rt));
		cJSON_AddNumberToObject(c, "period", HV_RT_CPU_PERIOD);
	}
	return r;
}

static cJSON *
linux_obj(const struct hv_rt *rt, const char *cgroups_path)
{
	static const char *const ns[] = {"pid", "ipc", "uts", "mount"};
	cJSON *l = cJSON_CreateObject(), *a, *n;

	a = cJSON_AddArrayToObject(l, "namespaces");
	for (size_t i = 0; i < N(ns); i++) {
		n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "type", ns[i]);
		cJSON_AddItemToArray(a, n);
	}
	n = cJSON_CreateObject();
	cJSON_AddStringToObject(n, "type", "network");
	cJSON_AddStringToObject(n, "path", rt->netns);
	cJSON_AddItemToArray(a, n);
	cJSON_AddStringToObject(l, "cgroupsPath", cgroups_path);
	cJSON_AddItemToObject(l, "resources", resources_obj(rt));
	cJSON_AddItemToObject(l, "maskedPaths", str_array(masked, N(masked)));
	cJSON_AddItemToObject(l, "readonlyPaths",
			      str_array(ro_paths, N(ro_paths)));
	return l;
}

static cJSON *
config_doc(const struct hv_rt *rt, const char *cgroups_path)
{
	cJSON *doc = cJSON_CreateObject(), *root;

	cJSON_AddStringToObject(doc, "ociVersion", "1.0.2");
	cJSON_AddItemToObject(doc, "process", process_obj(rt));
	root = cJSON_AddObjectToObject(doc, "root");
	cJSON_AddStringToObject(root, "path", rt->root);
	cJSON_AddTrueToObject(root, "readonly");
	cJSON_AddStringToObject(doc, "hostname", rt->hostname);
	cJSON_AddItemToObject(doc, "mounts", mounts_array(rt));
	cJSON_AddItemToObject(doc, "linux", linux_obj(rt, cgroups_path));
	return doc;
}

static int
write_all(const char *path, const char *text, struct hv_err *err)
{
	size_t len = strlen(text), off = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc = 0;

	if (fd < 0)
		return hv_err_sys(err, errno, "create %s", path);
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = hv_err_sys(err, errno, "write %s", path);
			break;
		}
		off += (size_t)n;
	}
	if (close(fd) != 0 && rc == 0)
		rc = hv_err_sys(err, errno, "close %s", path);
	return rc;
}

int
hv_oci_write_bundle(struct hv_box *box, const char *cgroups_path,
		    struct hv_err *err)
{
	const struct hv_rt *rt = box->priv;
	cJSON *doc = config_doc(rt, cgroups_path);
	char path[700], *text = doc ? cJSON_Print(doc) : NULL;
	int rc;

	cJSON_Delete(doc);
	if (!text)
		return hv_err_set(err, ENOMEM, "building config.json");
	snprintf(path, sizeof(path), "%s/config.json", box->workdir);
	rc = write_all(path, text, err);
	if (rc == 0)
		hv_params_set(&box->config, "config_json", text);
	free(text);
	return rc;
}

int
hv_oci_start(struct hv_box *box, char *const argv[], bool hide_cgroup2,
	     struct hv_err *err)
{
	struct hv_rt_spawn s = {.argv = argv, .hide_cgroup2 = hide_cgroup2};
	int rc;

	hv_rt_record_argv(box, "argv", argv);
	rc = hv_rt_spawn(box, &s, err);
	if (rc == 0)
		rc = hv_rt_wait(box, READY_MS, err);
	return rc;
}

int
hv_oci_run(const struct hv_env_ctx *ctx, struct hv_box *box, const char *prog,
	   bool hide_cgroup2, const char *cgroup_note, struct hv_err *err)
{
	char bin[256], state[700];
	/* --root even here: without it "crun --version" creates /run/crun */
	char *ver[] = {bin, "--root", (char *)ctx->run_dir, "--version", NULL};
	char *argv[] = {bin,	    "--root",	  state, "run",
			"--bundle", box->workdir, NULL,	 NULL};
	struct hv_rt *rt;
	int rc;

	rc = hv_rt_find(prog, prog, bin, sizeof(bin), err);
	if (rc == 0)
		rc = hv_rt_prepare(ctx, box, ver, err);
	if (rc < 0)
		return rc;
	rt = box->priv;
	snprintf(state, sizeof(state), "%s/state", box->workdir);
	argv[6] = rt->name;
	rc = hv_oci_write_bundle(box, rt->name, err);
	if (rc == 0)
		rc = hv_oci_start(box, argv, hide_cgroup2, err);
	if (rc == 0)
		hv_params_set(&box->config, "cgroups", cgroup_note);
	return rc;
}
