# tests/integ/rt-lib.bash - sourced by tests/integ/rt-<runtime>.sh: one
# external container runtime through the real CLI. A short study of
# native,<rt> (net.rr, fs, mem) passes with a ratio for every cell and
# records the runtime's version and generated configuration; a box over
# its memory limit fails its mem cell (the runtime applied the limit);
# and the host is the same before and after a normal run and after a
# SIGKILL followed by "hpcvirt clean": links, addresses, routes, netns,
# mounts, hpcvirt cgroups and what the runtimes are known to leave
# (libpod_parent, lxc.pivot, lxc.payload, LXC lock dirs, podman and
# runtime state dirs). Skips (77) with the reason where the runtime is
# missing or cannot work here.
# shellcheck shell=bash
. tests/lib.sh

rt_snapshot() {
	ip -d link show
	ip addr show
	ip route show table all
	ip netns list
	awk '{print $5, $(NF-2)}' /proc/self/mountinfo | sort
	# Other runs' groups come and go (tests run in parallel): only
	# this runtime's, and what runtimes leave under their own names.
	find /sys/fs/cgroup -maxdepth 6 -type d \( -name "hpcvirt-*-$RT.*" \
		-o -name libpod_parent -o -name 'lxc.pivot' \
		-o -name 'lxc.payload*' -o -name 'lxc.monitor*' \) \
		2>/dev/null | sort
	ls -d /run/lxc/lock/* /run/libpod /run/containers /run/crun \
		/run/runc /var/lib/containers/storage /var/lib/lxc/* \
		/run/systemd/nspawn/* 2>/dev/null | sort
}

rt_same() { # description
	rt_snapshot >"$T/after"
	diff "$T/before" "$T/after" >"$T/diff"
	ok $? "$1: host unchanged"
	sed 's/^/#   /' "$T/diff" | head -10
}

rt_run() { # out extra-args...
	local out=$1
	shift
	timeout -k 5 90 "$HV" run --env "native,$RT" --warmup 0 \
		--out "$out" --json "$out.json" --quiet --no-progress "$@" \
		>"$T/out" 2>"$T/err"
}

rt_check_study() { # json
	python3 - "$1" "$RT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rt = sys.argv[2]
cells = d["cells"]
bad = [(c["env"], c["bench"], c["reason"]) for c in cells if c["status"] != "ok"]
mine = [c for c in cells if c["env"] == rt]
noratio = [c["metric"] for c in mine if c["ratio_ci95"] is None]
cfg = d["context"]["envs"][rt]["config"]
gen = [k for k in ("config_json", "lxc_config", "argv") if cfg.get(k)]
print("# failed: %s; %d %s cells, without ratio: %s" % (bad, len(mine), rt, noratio))
print("# version: %s; generated: %s" % (cfg.get("runtime_version"), gen))
ok = (not bad and mine and not noratio and gen
      and cfg.get("runtime_version") not in (None, "", "unknown"))
sys.exit(0 if ok else 1)
PY
}

rt_check_oom() { # json
	python3 - "$1" "$RT" <<'PY'
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
rt = sys.argv[2]
mine = [c for c in cells if c["env"] == rt and c["bench"] == "mem"]
nat = [c for c in cells if c["env"] == "native" and c["bench"] == "mem"]
print("# %s mem: %s" % (rt, sorted({c["reason"] for c in mine})))
ok = (mine and all(c["status"] == "failed" and "out of memory" in c["reason"]
                   for c in mine)
      and nat and all(c["status"] == "ok" for c in nat))
sys.exit(0 if ok else 1)
PY
}

# The running box as the host sees it: its agent (found by its cgroup)
# has /usr and the build read-only, /scratch read-write, and a network
# namespace other than the host's.
rt_check_box() { # hpcvirt-pid
	local a="" p mi
	for p in $(pgrep -x hpcvirt-agent); do
		grep -q "hpcvirt-$1-$RT\." "/proc/$p/cgroup" 2>/dev/null &&
			a=$p && break
	done
	[ -n "$a" ]
	ok $? "the box's agent runs in the box's cgroup (pid ${a:-none})"
	mi=$(cat "/proc/${a:-0}/mountinfo" 2>/dev/null)
	awk '$5 == "/usr" && $6 ~ /^ro/ {u=1} $5 == "/opt/hpcvirt/bin" &&
		$6 ~ /^ro/ {b=1} $5 == "/scratch" && $6 ~ /^rw/ {s=1}
		END {exit !(u && b && s)}' <<<"$mi" &&
		[ "$(readlink "/proc/${a:-0}/ns/net")" != \
			"$(readlink /proc/self/ns/net)" ]
	ok $? "in the box: /usr and the build ro, /scratch rw, own netns"
}

rt_killed_run() {
	local pid
	"$HV" run --env "native,$RT" --bench net.rr --sizes 1 --duration 0.2 \
		--reps 40 --warmup 0 --out "$T/k" --quiet --no-progress \
		>"$T/bg" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		[ -n "$(find /sys/fs/cgroup -maxdepth 6 -type d \
			-name "hpcvirt-$pid-$RT.*" 2>/dev/null)" ] && break
		sleep 0.1
	done
	sleep 1
	rt_check_box "$pid"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	sleep 0.5
	timeout -k 5 60 "$HV" clean >"$T/clean" 2>&1
	ok $? "hpcvirt clean after SIGKILL"
	rt_same "SIGKILL mid-run + clean"
	[ -z "$(leftover_procs "hpcvirt-run.$pid")" ] &&
		[ -z "$(leftover_procs "hpcvirt-$pid-")" ]
	ok $? "SIGKILL: no process of the run is left"
}

rt_test() { # runtime
	RT=$1
	[ "$(id -u)" -eq 0 ] || skip_all "needs root"
	[ -x "$HV" ] || skip_all "hpcvirt not built"
	command -v ip >/dev/null || skip_all "ip (iproute2) missing"
	local line
	line=$("$HV" list | grep "^  $RT ")
	case "$line" in
	*" available "*) ;;
	*) skip_all "$RT: ${line#*$RT }" ;;
	esac
	rt_snapshot >"$T/before"

	rt_run "$T/s" --bench net.rr,fs,mem --sizes 1 --duration 0.2 \
		--set file_bytes=1MiB --set mem_bytes=64MiB --reps 2
	ok $? "native,$RT x net.rr,fs,mem runs (exit 0)"
	sed 's/^/#   /' "$T/err" | tail -3
	rt_check_study "$T/s.json"
	ok $? "every cell ok with a ratio; version and configuration recorded"
	rt_same "normal run"

	rt_run "$T/m" --bench mem --set mem_bytes=128MiB --mem 32 --reps 2
	[ $? -eq 1 ]
	ok $? "over the memory limit: the study reports a failed cell"
	rt_check_oom "$T/m.json"
	ok $? "$RT's mem cell failed out of memory, native's ran"
	rt_same "memory-limit run"

	rt_killed_run
	finish
}
