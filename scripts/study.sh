#!/bin/sh
# scripts/study.sh [hpcvirt run options] - the default study of `make
# study`: every available environment, every bench, results in
# hpcvirt-results/. Extra arguments go to hpcvirt run.
set -eu
cd "$(dirname "$0")/.."
exec build/bin/hpcvirt run --reps "${HV_REPS:-5}" "$@"
