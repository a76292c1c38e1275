#!/bin/sh
# scripts/setup-deps.sh [--test] - install the Debian packages hpcvirt
# needs, and only those that are missing (idempotent; apt-get as root).
#
#   (no option)  everything a study uses: build tools and libraries, and
#                the tools of every environment and peer benchmark
#   --test       what `make check` needs
#   --print      print the package list and exit
#
# Outside root, or without apt-get, it only reports what is missing.
set -eu

# Build and library dependencies of the host tool, agent and kernels.
BUILD="make gcc libc6-dev libsqlite3-dev libcjson-dev libmnl-dev pkg-config"
# Every environment's technology (tests skip an env that is missing, but
# make check is meant to exercise them all), OpenMP and MPI for the
# kernels, and the test tools: sanitizers, libFuzzer (clang), formatting,
# JSON checks in shell, pseudo-terminals, fault injection.
TEST="clang libclang-rt-14-dev clang-format python3 iproute2 procps
	util-linux file strace libgomp1 openmpi-bin libopenmpi-dev
	bubblewrap crun runc lxc podman systemd-container uidmap
	qemu-system-x86 qemu-utils user-mode-linux linux-image-amd64
	busybox-static cpio xz-utils e2fsprogs"
# Reference tools of the make bench-* comparisons.
STUDY="sockperf iperf3 fio"

mode=${1:-}
case "$mode" in
--test) pkgs="$BUILD $TEST" ;;
--print) echo "$BUILD $TEST $STUDY"; exit 0 ;;
"") pkgs="$BUILD $TEST $STUDY" ;;
*) echo "setup-deps.sh: unknown option '$mode': expected --test or --print" >&2
   exit 2 ;;
esac

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "setup-deps: all packages present"
	exit 0
fi
echo "setup-deps: missing:$missing"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "setup-deps: not root or no apt-get; install them by hand" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists, and old lists may name files the
# mirror no longer has: update once, then install.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
	apt-get update -qq
fi
# shellcheck disable=SC2086
if ! apt-get install -y -qq --no-install-recommends $missing; then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing
fi
