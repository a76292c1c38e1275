#!/usr/bin/env bash
# The ns runtime end to end, without the CLI: build/tests/test-container
# starts boxes with hpcvirt's container runtime, cgroups and the lab, and
# checks from inside and outside that a box sees its own PID 1, hostname
# and interfaces (lo and eth0 only), no host process and no default
# route, in both network modes; that a kernel over the memory limit is
# killed by SIGKILL while the agent lives on; and the netns-only mode of
# the native baseline. Around it, this script checks that the host's
# links, addresses, routes, network namespaces, mounts and hpcvirt
# cgroups are the same before and after.
set -u
. tests/lib.sh
TC=$PWD/$HV_BUILD/tests/test-container
[ "$(id -u)" -eq 0 ] || skip_all "needs root"
[ -x "$TC" ] || skip_all "$TC not built (make $HV_BUILD/tests/test-container)"
command -v ip >/dev/null || skip_all "ip (iproute2) missing"

# The host's network and mount state, and hpcvirt cgroups of this run.
snapshot() {
	ip -d link show
	ip addr show
	ip route show table all
	ip netns list
	awk '{print $5, $(NF-2)}' /proc/self/mountinfo | sort
	find /sys/fs/cgroup -maxdepth 8 -type d -name 'hpcvirt-*' 2>/dev/null |
		sort
}

snapshot >"$T/before"
HV_BUILD=$HV_BUILD timeout -k 5 120 "$TC" >"$T/tc.out" 2>&1
rc=$?
sed 's/^/# /' "$T/tc.out" | grep -E '^# (not ok|# )' | head -20
if [ $rc -eq 77 ]; then
	skip_all "$(grep -m1 SKIP "$T/tc.out")"
fi
[ $rc -eq 0 ]
ok $? "test-container passes (exit $rc)"
for what in "PID 1" "has its name" "only lo" "invisible" \
	"killed by SIGKILL" "ns: the box has lo and eth0 only" \
	"ns-routed: the box has lo and eth0 only" \
	"ns: no default route" "ns-routed: no default route"; do
	grep -q "^ok .*$what" "$T/tc.out"
	ok $? "box check: $what"
done
snapshot >"$T/after"
diff "$T/before" "$T/after" >"$T/diff"
ok $? "host links, addresses, routes, netns, mounts, cgroups unchanged"
sed 's/^/#   /' "$T/diff" | head -10
finish
