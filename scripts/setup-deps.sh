#!/bin/sh
# scripts/setup-deps.sh [--test | --print] - install the Debian packages
# hpcvirt needs, and only those that are missing (idempotent; apt-get as
# root).
#
#   (no option)  everything a study uses: build tools and libraries, and
#                the tools of every environment and peer benchmark
#   --test       what `make check` needs
#   --print      print the package list and exit
#
# Outside root, or without apt-get, it only reports what is missing.
#
# It is quiet: one line per step and a summary, so that `make study` and
# `make check` stay readable. apt's own output goes to a log,
# build/setup-deps.log of this checkout (SETUP_DEPS_LOG names another),
# and a step that fails shows all of its output on stderr.
set -eu

# Build and library dependencies of the host tool, agent and kernels.
BUILD="make gcc libc6-dev libsqlite3-dev libcjson-dev libmnl-dev pkg-config"
# What `hpcvirt report --html` draws its figures with.
REPORT="gnuplot-nox"
# Every environment's technology (tests skip an env that is missing, but
# make check is meant to exercise them all), OpenMP and MPI for the
# kernels, and the test tools: sanitizers, libFuzzer (clang), formatting,
# JSON checks in shell, pseudo-terminals, fault injection, and the browser
# that opens the HTML report (tests/integ/report-html.sh), and a Slurm
# cluster on one machine (scripts/slurm-cluster.sh, tests/integ/slurm.sh,
# whose nodes also drop VXLAN with nft once, as a firewall would).
TEST="clang libclang-rt-14-dev clang-format python3 iproute2 procps
	util-linux file strace libgomp1 openmpi-bin libopenmpi-dev
	bubblewrap crun runc lxc podman systemd-container uidmap
	qemu-system-x86 qemu-utils user-mode-linux linux-image-amd64
	busybox-static cpio xz-utils e2fsprogs chromium
	slurmctld slurmd slurm-client munge sqlite3 nftables"
# Reference tools of the make bench-* comparisons.
STUDY="sockperf iperf3 fio"

mode=${1:-}
case "$mode" in
--test) pkgs="$BUILD $REPORT $TEST" ;;
--print) # one line, the words only
	# shellcheck disable=SC2086
	echo $BUILD $REPORT $TEST $STUDY
	exit 0 ;;
"") pkgs="$BUILD $REPORT $TEST $STUDY" ;;
*) echo "setup-deps.sh: unknown option '$mode': expected --test or --print" >&2
   exit 2 ;;
esac

# step DESCRIPTION CMD...: run CMD with its output appended to the log and
# say so on one line, "setup-deps: DESCRIPTION ... ok (N s)" or "...
# failed (exit N, N s)". Returns CMD's exit status; step_from is the log
# offset (for tail -c) where this step's output begins.
step() {
	step_desc=$1
	shift
	printf 'setup-deps: %s ... ' "$step_desc"
	echo "### $(date '+%F %T') $*" >>"$log"
	step_from=$(($(wc -c <"$log") + 1))
	step_t0=$(date +%s)
	step_rc=0
	"$@" >>"$log" 2>&1 </dev/null || step_rc=$?
	step_secs=$(($(date +%s) - step_t0))
	if [ "$step_rc" -eq 0 ]; then
		echo "ok ($step_secs s)"
	else
		echo "failed (exit $step_rc, $step_secs s)"
	fi
	return "$step_rc"
}

# die_step: show the whole output of the step that just failed, then exit
# with its status. Errors are never summarised away.
die_step() {
	{
		echo "setup-deps: $step_desc failed (exit $step_rc); its output:"
		tail -c "+$step_from" "$log"
		echo "setup-deps: full log: $log"
	} >&2
	exit "$step_rc"
}

# shellcheck disable=SC2086 # a list of words
set -- $pkgs
total=$#
missing=""
nmissing=0
printf 'setup-deps: checking %d packages ... ' "$total"
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed'; then
		missing="$missing $p"
		nmissing=$((nmissing + 1))
	fi
done
missing=${missing# }
if [ "$nmissing" -eq 0 ]; then
	echo "all $total present"
	exit 0
fi
echo "$nmissing missing"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "setup-deps: not root or no apt-get; install them by hand:" \
		"apt-get install $missing" >&2
	exit 1
fi

log=${SETUP_DEPS_LOG:-$(cd "$(dirname "$0")/.." && pwd)/build/setup-deps.log}
if ! { mkdir -p "$(dirname "$log")" && : >"$log"; } 2>/dev/null; then
	log=${TMPDIR:-/tmp}/hpcvirt-setup-deps.log
	: >"$log"
fi
echo "### setup-deps ${mode:-(study)}: missing: $missing" >>"$log"

export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists, and old lists may name files the
# mirror no longer has: update once, then install.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
	step "apt-get update" apt-get update -q || die_step
fi
if [ "$nmissing" -eq 1 ]; then
	what="installing 1 package ($missing)"
else
	what="installing $nmissing packages ($missing)"
fi
# shellcheck disable=SC2086 # a list of words
if ! step "$what" apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends $missing; then
	echo "setup-deps: updating the package lists and trying again"
	step "apt-get update" apt-get update -q || die_step
	# shellcheck disable=SC2086
	step "$what" apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends $missing ||
		die_step
fi
echo "setup-deps: $nmissing installed, $((total - nmissing)) already present, log: $log"
