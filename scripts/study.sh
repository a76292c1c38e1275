#!/bin/sh
# scripts/study.sh [--full] [hpcvirt run options] - the default study of
# `make study`.
#
# Default: one environment per technology class (native, hpcvirt's own
# container ns, the OCI runtime crun, User-Mode Linux, QEMU TCG, and KVM
# where the host has it; --env all runs every available one), every
# bench, each cell repeated until the 95 % CI of its ratio to native is
# within +-2 % or the budget of 14 minutes (HV_BUDGET) is spent, so that
# `make study` ends within 20 minutes on a 2-core host, installs and build
# included. The paper's grid is thinned to what that buys: message sizes
# 1 B, 1 KiB and 64 KiB, files of 1, 16 and 128 MiB, a 64 MiB memory
# buffer, the sys microbenchmarks (0.1 s a repetition: they feed the
# report's explanation table), and NPB serial and OpenMP on 1 and 2
# threads at class W for
# EP, BT, SP and LU and class A for CG, MG, FT and IS (their class W runs
# last 15-75 ms, where one scheduler hiccup is a 10 % error), class S
# under TCG, with native at both as the base of each.
#
# --full: the paper's grid: the whole size and file sweeps, NPB class C
# with MPI on 1, 2 and 4 ranks, every available env, nothing left out,
# and no budget. It takes hours on a small host: it prints its expected
# time at native speed before it starts (scripts/study.sh --full
# --estimate prints it and exits).
#
# Extra arguments go to hpcvirt run and win over these, e.g.
# HV_BUDGET=5m scripts/study.sh --env native,ns; HV_REPS=N runs a fixed
# N repetitions instead of the budget.
set -eu
cd "$(dirname "$0")/.."
if [ "${1:-}" = --full ]; then
	shift
	exec build/bin/hpcvirt run --full --env all \
		--class C --variant ser,omp,mpi --threads 1,2 --ranks 1,2,4 \
		"$@"
fi
if [ -n "${HV_REPS:-}" ]; then
	set -- --reps "$HV_REPS" "$@" # a fixed count instead
else
	set -- --budget "${HV_BUDGET:-14m}" --precision 2% "$@"
fi
exec build/bin/hpcvirt run --env native,ns,crun,uml,tcg,kvm \
	--sizes 1,1024,65536 --duration 0.5 \
	--set file_bytes=1MiB,16MiB,128MiB --set mem_bytes=64MiB \
	--set window_s=0.1 \
	--class S,W --set npb.cg:class=S,A --set npb.mg:class=S,A \
	--set npb.ft:class=S,A --set npb.is:class=S,A \
	--variant ser,omp --threads 1,2 "$@"
