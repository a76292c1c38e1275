#!/bin/sh
# scripts/study.sh [hpcvirt run options] - the default study of `make
# study`: every available environment, every bench, sized to finish in
# about ten minutes on a 2-core host with VMs included: the paper's
# network size sweep thinned to 1 B, 1 KiB and 64 KiB, file sizes 1, 16
# and 128 MiB, NPB class S serial and OpenMP, 3 repetitions after one
# warm-up. Extra arguments go to hpcvirt run (and win over these), e.g.
# HV_REPS=5 scripts/study.sh --env native,ns.
set -eu
cd "$(dirname "$0")/.."
exec build/bin/hpcvirt run --reps "${HV_REPS:-3}" --warmup 1 \
	--sizes 1,1024,65536 --duration 0.5 \
	--set file_bytes=1MiB,16MiB,128MiB --set mem_bytes=64MiB \
	--class S --variant ser,omp --threads 1,2 "$@"
