#!/usr/bin/env bash
# tests/run.sh BUILD [ASAN_BUILD] - run every test of hpcvirt and count.
#
# Runs the unit test programs of BUILD (and of ASAN_BUILD, the
# sanitizer build, when given), then every tests/integ/*.sh with
# HV_BUILD=BUILD. A test passes with exit 0, is skipped with exit 77 (it
# says why) and fails otherwise. Each has a time limit. Logs go to
# BUILD/test-logs/. The last line is "N passed, N failed, N skipped".
#
# HV_TESTS=pattern runs only the tests whose name contains pattern.
set -u
cd "$(dirname "$0")/.." || exit 2
build=${1:-build}
asan=${2:-}
logs=$build/test-logs
mkdir -p "$logs"
limit=${HV_TEST_TIMEOUT:-600}
pass=0 fail=0 skip=0
failed_names=()

# Leftovers of earlier runs that were killed (a developer's Ctrl-\\, a
# SIGKILLed study) are removed first, as any hpcvirt run would do: were
# they in the baseline, the suite's first run would remove them and the
# check below would blame the suite for a difference it did not make.
if [ -x "$build/bin/hpcvirt" ]; then
	echo "# before the suite: $("$build/bin/hpcvirt" clean 2>&1)"
fi

# The owner pid of an hpcvirt name (hpcvirt-PID-box, hpcvirt-run.PID.X).
owner_of() {
	local n=${1##*/}
	n=${n#hpcvirt-run.}
	n=${n#hpcvirt-}
	echo "${n%%[.-]*}"
}

# Is an hpcvirt-named thing the suite's concern? Yes if its owner is
# gone (a leak) or is a program of this build; a live study of someone
# else's on the same host is not.
ours() {
	local pid exe
	pid=$(owner_of "$1")
	case "$pid" in '' | *[!0-9]*) return 0 ;; esac
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 0
	case "$exe" in "$PWD/$build/"* | "$PWD/${asan:-build-asan}/"*) return 0 ;; esac
	[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ]
}

# The host's network, mounts, cgroups, run directories and processes, to
# check that the whole suite leaves them as it found them.
host_state() {
	local p exe d
	if command -v ip >/dev/null; then
		ip -d link show | sed -E 's/ +(rx|tx)_[a-z_]+ [0-9]+//g'
		ip addr show
		ip route show table all
		ip netns list
	fi
	awk '{print $5, $(NF-2)}' /proc/self/mountinfo | sort
	for d in $(find /sys/fs/cgroup -maxdepth 8 -type d -name 'hpcvirt-*' \
		2>/dev/null | sort) /tmp/hpcvirt-run.* /tmp/hpcvirt-[0-9]*; do
		[ -e "$d" ] && ours "$d" && echo "$d"
	done
	# UML's umid directories (pid file, management socket) in ~/.uml:
	# a box keeps its own in its workdir (uml_dir=)
	ls -A "${HOME:-/root}/.uml" 2>/dev/null | sed 's|^|~/.uml/|'
	# processes running a program of this build, and any process (a
	# guest kernel, QEMU) whose working directory is in a run directory
	for p in /proc/[0-9]*; do
		exe=$(readlink "$p/exe" 2>/dev/null) || continue
		case "$exe" in "$PWD/$build/"* | "$PWD/${asan:-build-asan}/"*)
			echo "process $exe" ;;
		esac
		case "$(readlink "$p/cwd" 2>/dev/null)" in /tmp/hpcvirt-run.*)
			echo "process $exe in a run directory" ;;
		esac
	done
}
host_state >"$logs/host-before.txt" 2>&1

run_one() { # name cmd...
	local name=$1; shift
	case "$name" in *"${HV_TESTS:-}"*) ;; *) return ;; esac
	local log="$logs/${name//\//_}.log" t0 t1 rc
	t0=$(date +%s%N)
	HV_BUILD=$build HV_SRCDIR=. timeout -k 10 "$limit" "$@" >"$log" 2>&1
	rc=$?
	t1=$(date +%s%N)
	local ms=$(((t1 - t0) / 1000000))
	local dt=$((ms / 1000)).$(((ms % 1000) / 100))
	case $rc in
	0)
		pass=$((pass + 1))
		printf 'PASS %-40s %6ss\n' "$name" "$dt" ;;
	77)
		skip=$((skip + 1))
		printf 'SKIP %-40s %s\n' "$name" \
			"$(grep -m1 -iE 'skip' "$log" | sed 's/^1\.\.0 # SKIP //')" ;;
	*)
		fail=$((fail + 1))
		failed_names+=("$name")
		[ $rc -eq 124 ] && echo "# timed out after ${limit}s" >>"$log"
		printf 'FAIL %-40s %6ss (exit %d)\n' "$name" "$dt" "$rc"
		grep -E '^not ok|^#' "$log" | head -20 | sed 's/^/    /'
		tail -n 15 "$log" | sed 's/^/    | /' ;;
	esac
}

for t in "$build"/tests/test-* "$build"/tests/ktest-*; do
	[ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
done
if [ -n "$asan" ]; then
	for t in "$asan"/tests/test-* "$asan"/tests/ktest-*; do
		[ -x "$t" ] && ASAN_OPTIONS=detect_leaks=1 \
			run_one "asan/$(basename "$t")" "$t"
	done
fi
for t in tests/integ/*.sh; do
	[ -f "$t" ] && run_one "integ/$(basename "$t" .sh)" bash "$t"
done

# Not a test of its own, but the promise of every test: the host as it was.
host_state >"$logs/host-after.txt" 2>&1
if diff "$logs/host-before.txt" "$logs/host-after.txt" >"$logs/host-diff.txt"; then
	pass=$((pass + 1))
	printf 'PASS %-40s\n' "host/unchanged-after-suite"
else
	fail=$((fail + 1))
	failed_names+=("host/unchanged-after-suite")
	printf 'FAIL %-40s\n' "host/unchanged-after-suite"
	head -20 "$logs/host-diff.txt" | sed 's/^/    /'
fi

if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed: ${failed_names[*]} (logs in $logs/)"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
