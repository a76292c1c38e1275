/*
 * provenance.h - what a study records about where and how it ran: host,
 * kernel, CPU, governor, SMT, versions, git revision, command line, binary
 * checksums; and the host load sampled around each repetition, so that
 * cells run under contention can be flagged.
 */
#ifndef HPCVIRT_PROVENANCE_H
#define HPCVIRT_PROVENANCE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/*
 * A JSON object with hpcvirt, git_rev, host, kernel, kernel_cmdline,
 * cpu_model, ncpus, mem_total_bytes, governor, smt, date (UTC, ISO 8601),
 * cmdline and binaries {name: sha256} for every hpcvirt-* in bin_dir.
 * Values that cannot be read are null. NULL only if out of memory.
 */
cJSON *hv_provenance_collect(const char *bin_dir, const char *const *cmdline);

/*
 * What differs between the hosts of a study across hosts: info is the
 * context's "host_info" text ({host: provenance}). Writes "KEY (h1: v1,
 * h2: v2); ..." for kernel, cpu_model, ncpus, mem_total_bytes,
 * governor, smt, hpcvirt and git_rev, and "binaries (NAME, ...)" for
 * binaries whose checksums differ, into buf ("" when alike). Returns
 * the number of hosts (0: no such context, or not JSON).
 */
int hv_provenance_hosts_differ(const char *info, char *buf, size_t len);

/*
 * The envs of a study across hosts whose boxes reached each other over a
 * lab across hosts (VXLAN; docs/slurm.md): envs is the context's "envs"
 * text, where such a box's config "lab" begins "across hosts". Writes
 * "ns, crun" into buf ("" when none); returns how many.
 */
int hv_provenance_overlay_envs(const char *envs, char *buf, size_t len);

struct hv_host_load {
	double load1;	       /* /proc/loadavg, 1 minute */
	double psi_some_avg10; /* /proc/pressure/cpu "some avg10", -1 if none */
	/* its "some total": microseconds some task waited for a CPU since
	 * boot, -1 if none (the difference over a repetition is exact) */
	double psi_some_total_us;
};

void hv_host_load_read(struct hv_host_load *l);

/* CLOCK_REALTIME in nanoseconds. */
int64_t hv_realtime_ns(void);

#endif
