/*
 * registry.h - the one list of environments and benchmarks
 * (src/registry.c). Everything that enumerates envs or benches asks here.
 */
#ifndef HPCVIRT_REGISTRY_H
#define HPCVIRT_REGISTRY_H

#include <stddef.h>

#include "hpcvirt/study/bench.h"
#include "hpcvirt/study/env.h"

size_t hv_env_count(void);
const struct hv_env *hv_env_at(size_t i);
const struct hv_env *hv_env_find(const char *name);

size_t hv_bench_count(void);
const struct hv_bench *hv_bench_at(size_t i);
const struct hv_bench *hv_bench_find(const char *name);

#endif
