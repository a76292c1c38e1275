/*
 * registry.c - the ONE list of environment drivers and benchmarks, in the
 * order hpcvirt list shows them. A new driver or benchmark is one line
 * here plus its own file.
 */
#include <string.h>

#include "hpcvirt/registry.h"

extern const struct hv_env hv_env_native;
extern const struct hv_env hv_env_native_aa;
extern const struct hv_env hv_env_ns;
extern const struct hv_env hv_env_ns_routed;
extern const struct hv_env hv_env_crun;
extern const struct hv_env hv_env_runc;
extern const struct hv_env hv_env_lxc;
extern const struct hv_env hv_env_podman;
extern const struct hv_env hv_env_nspawn;
extern const struct hv_env hv_env_bwrap;
extern const struct hv_env hv_env_uml;
extern const struct hv_env hv_env_tcg;
extern const struct hv_env hv_env_tcg_e1000;
extern const struct hv_env hv_env_kvm;

extern const struct hv_bench hv_bench_env_start;
extern const struct hv_bench hv_bench_net_rr;
extern const struct hv_bench hv_bench_net_stream;
extern const struct hv_bench hv_bench_fs;
extern const struct hv_bench hv_bench_mem;
extern const struct hv_bench hv_bench_sys;
extern const struct hv_bench hv_bench_npb_ep;
extern const struct hv_bench hv_bench_npb_is;
extern const struct hv_bench hv_bench_npb_cg;
extern const struct hv_bench hv_bench_npb_mg;
extern const struct hv_bench hv_bench_npb_ft;
extern const struct hv_bench hv_bench_npb_bt;
extern const struct hv_bench hv_bench_npb_sp;
extern const struct hv_bench hv_bench_npb_lu;

/* clang-format off */
static const struct hv_env *const envs[] = {
	&hv_env_native,
	&hv_env_native_aa,
	&hv_env_ns,
	&hv_env_ns_routed,
	&hv_env_crun,
	&hv_env_runc,
	&hv_env_lxc,
	&hv_env_podman,
	&hv_env_nspawn,
	&hv_env_bwrap,
	&hv_env_uml,
	&hv_env_tcg,
	&hv_env_tcg_e1000,
	&hv_env_kvm,
};

static const struct hv_bench *const benches[] = {
	&hv_bench_env_start,
	&hv_bench_net_rr,
	&hv_bench_net_stream,
	&hv_bench_fs,
	&hv_bench_mem,
	&hv_bench_sys,
	&hv_bench_npb_ep,
	&hv_bench_npb_is,
	&hv_bench_npb_cg,
	&hv_bench_npb_mg,
	&hv_bench_npb_ft,
	&hv_bench_npb_bt,
	&hv_bench_npb_sp,
	&hv_bench_npb_lu,
};
/* clang-format on */

#define N(a) (sizeof(a) / sizeof((a)[0]))

size_t
hv_env_count(void)
{
	return N(envs);
}

const struct hv_env *
hv_env_at(size_t i)
{
	return i < N(envs) ? envs[i] : NULL;
}

const struct hv_env *
hv_env_find(const char *name)
{
	size_t i;

	for (i = 0; i < N(envs); i++)
		if (strcmp(envs[i]->name, name) == 0)
			return envs[i];
	return NULL;
}

size_t
hv_bench_count(void)
{
	return N(benches);
}

const struct hv_bench *
hv_bench_at(size_t i)
{
	return i < N(benches) ? benches[i] : NULL;
}

const struct hv_bench *
hv_bench_find(const char *name)
{
	size_t i;

	for (i = 0; i < N(benches); i++)
		if (strcmp(benches[i]->name, name) == 0)
			return benches[i];
	return NULL;
}
