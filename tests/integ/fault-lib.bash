# tests/integ/fault-lib.bash - shared by the fault-*.sh tests (issue 13):
# start a study in the background, wait for what it stored or for a
# process in one of its boxes (every wait bounded), inject a fault, and
# check the outcome through the store: the affected cells failed with a
# reason matching a pattern, every other cell is ok, the samples stored
# before the fault are still there, and the run left nothing on the host.
# shellcheck shell=bash
. tests/lib.sh

# fault_need ENV...: skip (77) unless root, the build, and every ENV are
# available.
fault_need() {
	local e line
	[ "$(id -u)" -eq 0 ] || skip_all "needs root"
	[ -x "$HV" ] || skip_all "hpcvirt not built"
	command -v sqlite3 >/dev/null || skip_all "sqlite3 missing"
	for e in "$@"; do
		line=$("$HV" list | grep "^  $e ")
		case "$line" in
		*" available "*) ;;
		*) skip_all "$e: ${line#*$e }" ;;
		esac
	done
}

# fault_avail ENV: is ENV available here (no skip)?
fault_avail() {
	"$HV" list | grep -q "^  $1  *available "
}

# fault_start OUT ARGS...: "hpcvirt run ARGS --out OUT" in the background
# under a time limit; sets F_BG (the timeout process), F_HP (hpcvirt) and
# F_DB. Its output goes to OUT.log. The study runs at nice 19: kernels
# that keep both CPUs busy (net.stream) would otherwise starve the
# injector's polling of this 2-CPU host, which then acts too late.
fault_start() {
	F_OUT=$1
	F_DB=$1/study.db
	shift
	nice -n 19 timeout -k 5 ${F_LIMIT:-120} "$HV" run "$@" --out "$F_OUT" \
		--json "$F_OUT.json" --quiet --no-progress >"$F_OUT.log" 2>&1 &
	F_BG=$!
	F_HP=
	for _ in $(seq 1 100); do
		F_HP=$(pgrep -P "$F_BG" -x hpcvirt) && break
		sleep 0.05
	done
	echo "# hpcvirt pid ${F_HP:-none}"
}

# fault_wait: wait for the background study; sets F_RC.
fault_wait() {
	wait "$F_BG"
	F_RC=$?
	echo "# study exit $F_RC"
	sed 's/^/#   /' "$F_OUT.log" | tail -5
}

# sql QUERY: run a read-only query on the study's database.
sql() {
	sqlite3 -readonly -cmd ".timeout 2000" "$F_DB" "$1" 2>/dev/null
}

# samples ENV BENCH: samples stored of the first metric's cell(s).
samples() {
	sql "SELECT count(*) FROM sample WHERE cell_id IN (SELECT min(id)
		FROM cell WHERE env='$1' AND bench='$2' GROUP BY params)"
}

# wait_until SECS CMD...: poll CMD every 20 ms until it succeeds (only
# that call's output is seen); false after SECS seconds or once the study
# has ended.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	while ! "$@"; do
		[ $SECONDS -ge $end ] && return 1
		kill -0 "$F_BG" 2>/dev/null || return 1
		sleep 0.02
	done
}

samples_at_least() { # ENV BENCH N
	[ "$(samples "$1" "$2")" -ge "$3" ] 2>/dev/null
}

# box_cgroups ENV: the cgroup directories of the study's (first) ENV box:
# those its configuration in the context names (ns and ns-routed boxes
# are both "hpcvirt-PID-ns.XXXXXX"), else those named after ENV. Found
# once (polling must be quick), then remembered.
box_cgroups() {
	local named cache=$T/cgroups.$F_HP.$1
	if [ -s "$cache" ]; then
		cat "$cache"
		return
	fi
	named=$(sql "SELECT json FROM context WHERE key='envs'" | python3 -c '
import json, sys
try:
    cfg = json.load(sys.stdin)[sys.argv[1]]["config"]
except Exception:
    sys.exit(0)
for k in ("cgroup_cpu", "cgroup_memory"):
    if cfg.get(k):
        print(cfg[k].split(" ")[0])
' "$1")
	[ -n "$named" ] || named=$(find /sys/fs/cgroup -maxdepth 8 -type d \
		-name "hpcvirt-$F_HP-$1.*" 2>/dev/null)
	[ -n "$named" ] && echo "$named" | tee "$cache"
}

# box_pids ENV: every process in the ENV box's groups (and below them).
box_pids() {
	local d
	for d in $(box_cgroups "$1"); do
		find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null
	done | sort -un
}

# box_proc ENV NAME [ARG1]: the pid of a process named NAME in the ENV
# box (whose first argument is ARG1, if given).
box_proc() {
	local p
	for p in $(box_pids "$1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] || continue
		if [ -n "${3:-}" ] && [ "$(tr '\0' '\n' 2>/dev/null \
			<"/proc/$p/cmdline" | sed -n 2p)" != "$3" ]; then
			continue
		fi
		echo "$p"
		return 0
	done
	return 1
}

# box_init ENV: the box's first process as the host sees it (PID 1 of
# its PID namespace: the agent of ns and of the container runtimes).
box_init() {
	local p
	for p in $(box_pids "$1"); do
		if awk '/^NSpid:/ {exit !($NF == 1)}' "/proc/$p/status" \
			2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# box_log_count ENV TEXT: lines of the ENV box's log (its agent's stderr,
# or a guest's console) holding TEXT.
box_log_count() {
	cat "${F_BASE:-/tmp}"/hpcvirt-run."$F_HP".*/"$1".*/box.log 2>/dev/null |
		grep -cF -- "$2"
}

box_log_at_least() { # ENV TEXT N
	[ "$(box_log_count "$1" "$2")" -ge "$3" ]
}

# check_cells JSON KEEP ENV BENCH PATTERN [ENV BENCH PATTERN...]: the
# cells of each affected ENV and BENCH failed with a reason matching
# PATTERN (a Python regex) and kept at least KEEP samples each; every
# other cell is ok with all its samples (reps, from the context).
check_cells() {
	python3 - "$@" <<'PY'
import json, re, sys
path, keep, rest = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
hit = {(rest[i], rest[i + 1]): rest[i + 2] for i in range(0, len(rest), 3)}
d = json.load(open(path))
reps = int(d["context"]["reps"])
bad = []
for c in d["cells"]:
    n, r = len(c["samples"]), c["reason"] or ""
    pat = hit.get((c["env"], c["bench"]))
    if pat is not None:
        print("# %s %s %s: %s, %d samples: %s" % (c["env"], c["bench"],
              c["metric"], c["status"], n, r))
        if c["status"] != "failed" or not re.search(pat, r) or n < keep:
            bad.append(c)
    elif c["status"] != "ok" or n != reps:
        print("# unexpected: %s %s %s %s, %d samples: %s" % (c["env"],
              c["bench"], c["params"], c["status"], n, r))
        bad.append(c)
sys.exit(1 if bad else 0)
PY
}

# check_report PATTERN: "hpcvirt report" of the study shows the reason.
check_report() {
	"$HV" report "$F_OUT" >"$T/report" 2>&1 && grep -qE -- "$1" "$T/report"
	ok $? "hpcvirt report shows the reason"
}

# check_clean: nothing of the study's hpcvirt is left (cgroups, run and
# short directories, processes), and "hpcvirt clean" exits 0.
check_clean() {
	local left
	sleep 0.2
	left=$(
		find /sys/fs/cgroup -maxdepth 8 -type d -name "hpcvirt-$F_HP-*" \
			2>/dev/null
		ls -d "${F_BASE:-/tmp}"/hpcvirt-run."$F_HP".* \
			"${F_BASE:-/tmp}"/hpcvirt-"$F_HP"-* 2>/dev/null
		leftover_procs "hpcvirt-run.$F_HP"
		leftover_procs "hpcvirt-$F_HP-"
	)
	[ -n "$F_HP" ] && [ -z "$left" ]
	ok $? "nothing of the run is left on the host"
	[ -z "$left" ] || echo "$left" | sed 's/^/#   left: /' | head -10
	"$HV" clean >"$T/clean" 2>&1 && grep -q "^removed 0 stale runs" "$T/clean"
	ok $? "hpcvirt clean finds nothing afterwards: $(cat "$T/clean")"
}
