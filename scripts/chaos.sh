#!/usr/bin/env bash
# chaos.sh - kill studies at random moments and prove that nothing leaks
# and nothing is lost.
#
#   scripts/chaos.sh [--kills N] [--envs LIST] [--seed S] [--resume-every K]
#                    [--min-delay SECS] [--max-delay SECS] [--keep DIR]
#                    [--build DIR]
#
# Each round starts a small study over one or two random envs and two or
# three random benches, waits a random 0.5-20 s and sends SIGINT, SIGTERM
# or SIGKILL (random); N counts the rounds whose study was still running
# then (at most 2N rounds). Then:
#   - a study stopped by SIGINT/SIGTERM must have left the host as it was
#     by itself; after any signal, `hpcvirt clean` and a snapshot of the
#     host (netns, links, addresses, routes, rules, mounts, hpcvirt's and
#     the runtimes' cgroups under every controller, processes including
#     guest kernels and agents, temp and state dirs, iptables and nft) must
#     equal the snapshot taken before the round;
#   - study.db passes PRAGMA integrity_check;
#   - every repetition the run logged as stored (--log) is in study.db;
#   - every K-th killed study is finished with `hpcvirt run --resume` and
#     must end with no pending cell.
# The last line is "chaos: N kills (M rounds, ...), N leftovers, ..."; exit 0 when every
# round passed, 1 otherwise, 77 when no env can run here.
set -u
export LC_ALL=C

kills=100
envs=native,ns,crun,lxc,podman,uml,tcg
seed=$((RANDOM * 32768 + RANDOM))
resume_every=10
min_ms=500
max_ms=20000
keep=
build=build

die() { echo "chaos: $*" >&2; exit 2; }
ms_of() { # "0.5" -> 500
	[[ $1 =~ ^[0-9]+(\.[0-9]{1,3})?$ ]] || die "bad delay '$1': expected seconds like 0.5 or 20"
	awk -v s="$1" 'BEGIN { printf "%d", s * 1000 }'
}
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || die "$1 needs a value (see the top of $0)"
	case "$1" in
	--kills) kills=$2 ;;
	--envs) envs=$2 ;;
	--seed) seed=$2 ;;
	--resume-every) resume_every=$2 ;;
	--min-delay) min_ms=$(ms_of "$2") ;;
	--max-delay) max_ms=$(ms_of "$2") ;;
	--keep) keep=$2 ;;
	--build) build=$2 ;;
	*) die "unknown option '$1' (see the top of $0)" ;;
	esac
	shift 2
done
for v in kills seed resume_every; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "bad --${v//_/-} '${!v}': expected a whole number"
done
[ "$kills" -ge 1 ] || die "bad --kills '$kills': expected at least 1"
[ "$min_ms" -le "$max_ms" ] || die "--min-delay is above --max-delay"
[ "$(id -u)" = 0 ] || die "needs root (namespaces, cgroups, runtimes)"

HV=$PWD/$build/bin/hpcvirt
[ -x "$HV" ] || die "$HV not built (make all static)"
RANDOM=$((seed % 32768))

# Envs that can run here; the others are named and left out.
avail=()
IFS=, read -ra want <<<"$envs"
for e in "${want[@]}"; do
	if "$HV" list 2>/dev/null | grep -Eq "^  $e +available"; then
		avail+=("$e")
	else
		echo "chaos: leaving out $e: not available here"
	fi
done
[ ${#avail[@]} -gt 0 ] || { echo "chaos: no env available"; exit 77; }

if [ -n "$keep" ]; then
	mkdir -p "$keep" || die "cannot create --keep '$keep'"
	W=$(cd "$keep" && pwd)
else
	W=$(mktemp -d /tmp/hpcvirt-chaos.XXXXXX)
	trap 'rm -rf "$W"' EXIT
fi

# --- the host, as far as hpcvirt and the runtimes it drives can touch it --
snapshot() {
	local p exe cwd
	ip -d link show | sed -E 's/ +(rx|tx)_[a-z_]+ [0-9]+//g'
	ip addr show
	ip route show table all
	ip rule show
	ip -6 rule show 2>/dev/null
	ip netns list
	ls /run/netns 2>/dev/null
	# mount point, type and source, in the host's mount namespace
	awk '{ for (i = 7; $i != "-"; i++); print $5, $(i+1), $(i+2) }' \
		/proc/1/mountinfo | sort
	find /sys/fs/cgroup -mindepth 1 -maxdepth 8 -type d \
		\( -name 'hpcvirt-*' -o -name 'libpod*' -o -name 'lxc*' \
		-o -name '*nspawn*' -o -name 'machine*' -o -name 'crun*' \
		-o -name 'runc*' -o -name 'conmon*' \) 2>/dev/null | sort
	for p in /proc/[0-9]*; do
		exe=$(readlink "$p/exe" 2>/dev/null) || continue
		cwd=$(readlink "$p/cwd" 2>/dev/null)
		case "${exe##*/}" in
		hpcvirt* | linux | linux.uml | vmlinux* | qemu-system-* | \
			conmon | crun | runc | lxc-start | podman | \
			systemd-nspawn | bwrap | netserver | netperf)
			echo "process ${exe}" ;;
		esac
		case "$cwd" in /tmp/hpcvirt-run.*) echo "process $exe in a run dir" ;; esac
	done | sort
	# what hpcvirt, Open MPI (session dirs, shared-memory segments) and
	# the runtimes leave when they are not cleaned up
	ls -d /tmp/hpcvirt-run.* /tmp/hpcvirt-[0-9]* /tmp/hv-mpi* /tmp/ompi.* \
		/dev/shm/hpcvirt* /dev/shm/vader* /dev/shm/sem.hpcvirt* \
		/var/tmp/hpcvirt* /run/lxc/lock/* /run/libpod /run/containers \
		/run/crun /run/runc /var/lib/lxc/* /run/systemd/nspawn/* \
		2>/dev/null | sort
	if command -v iptables-save >/dev/null; then
		iptables-save 2>/dev/null | grep -v '^#' |
			sed -E 's/\[[0-9]+:[0-9]+\]//'
		ip6tables-save 2>/dev/null | grep -v '^#' |
			sed -E 's/\[[0-9]+:[0-9]+\]//'
	fi
	if command -v nft >/dev/null; then
		nft list ruleset 2>/dev/null |
			sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'
	fi
}

# Host equal to $W/before, allowing a few seconds for what the kernel
# tears down after the last process is gone (netns, cgroups).
host_same() { # label
	local i
	for i in $(seq 1 25); do
		snapshot >"$W/after" 2>/dev/null
		cmp -s "$W/before" "$W/after" && return 0
		sleep 0.2
	done
	echo "  $1: host changed:"
	diff "$W/before" "$W/after" | sed 's/^/    /' | head -20
	return 1
}

q() { [ -e "$1/study.db" ] && sqlite3 "$1/study.db" "$2" 2>&1; }

# Every "stored K/N" line of the log has its sample (seq K-1) in the db.
stored_present() { # dir log
	local k missing=0 n=0
	for k in $(sed -n 's/.* stored \([0-9]*\)\/.*/\1/p' "$2"); do
		n=$((n + 1))
		[ "$(q "$1" "SELECT count(*) FROM sample WHERE seq = $((k - 1))")" -gt 0 ] ||
			missing=$((missing + 1))
	done
	nstored=$n
	[ "$missing" -eq 0 ] || { echo "  $missing of $n logged repetitions missing from study.db"; return 1; }
}

BENCHES=(net.rr net.stream fs npb.ep mem)
bench_args() { # bench list -> small parameters for those benches
	# Long enough that most studies are still running at 20 s.
	case ",$1," in *,net.*) echo --duration 0.5 ;; esac
	case ",$1," in *,net.rr,*) echo --sizes 1,64,4096 ;; esac
	case ",$1," in *,fs,*) echo --set file_bytes=1MiB,4MiB,16MiB ;; esac
	case ",$1," in *,mem,*) echo --set mem_bytes=64MiB ;; esac
	case ",$1," in *,npb.*) echo --class S --variant ser,omp --threads 2 ;; esac
}

pick() { # n items... -> n distinct random items, comma-separated
	local n=$1 out=() i j t
	shift
	local a=("$@")
	for ((i = ${#a[@]} - 1; i > 0; i--)); do
		j=$((RANDOM % (i + 1)))
		t=${a[i]} a[i]=${a[j]} a[j]=$t
	done
	for ((i = 0; i < n && i < ${#a[@]}; i++)); do out+=("${a[i]}"); done
	(IFS=,; echo "${out[*]}")
}

echo "chaos: $kills kills, seed $seed, envs ${avail[*]}, delay $min_ms-$max_ms ms, work dir $W"
leftovers=0 dbbad=0 lost=0 resumed=0 resume_bad=0 stuck=0 logged=0
resume_due=1 # the first killed study that can be resumed, then every K-th
"$HV" clean >/dev/null 2>&1
# A round whose study finished before its signal killed nothing: it is
# checked all the same but does not count towards N (at most 2N rounds).
done_kills=0 early=0 i=0
while [ "$done_kills" -lt "$kills" ] && [ "$i" -lt $((2 * kills)) ]; do
	i=$((i + 1))
	d=$W/study-$i
	envl=$(pick $((1 + RANDOM % 2)) "${avail[@]}")
	benl=$(pick $((2 + RANDOM % 2)) "${BENCHES[@]}")
	sigs=(INT TERM KILL)
	sig=${sigs[RANDOM % 3]}
	delay=$((min_ms + (RANDOM * 32768 + RANDOM) % (max_ms - min_ms + 1)))
	snapshot >"$W/before" 2>/dev/null
	# shellcheck disable=SC2046
	"$HV" run --env "$envl" --bench "$benl" $(bench_args "$benl") --reps 4 \
		--warmup 1 --out "$d" --log "$d.log" --quiet --no-progress \
		>"$d.out" 2>&1 &
	pid=$!
	sleep "$(awk -v m="$delay" 'BEGIN { printf "%.3f", m / 1000 }')"
	kill -"$sig" "$pid" 2>/dev/null
	# A stop by signal is prompt; a kernel is cut short, not waited for.
	for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		echo "  did not stop within 60 s of SIG$sig"
		stuck=$((stuck + 1))
		kill -KILL "$pid"
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	if [ "$rc" -eq 0 ]; then
		early=$((early + 1))
	else
		done_kills=$((done_kills + 1))
	fi
	fail=0
	if [ "$sig" != KILL ] && ! host_same "after SIG$sig, before clean"; then
		fail=1
	fi
	"$HV" clean >"$d.clean" 2>&1 || { echo "  clean: $(cat "$d.clean")"; fail=1; }
	host_same "after clean" || fail=1
	[ "$fail" -eq 0 ] || leftovers=$((leftovers + 1))
	nstored=0
	if [ -e "$d/study.db" ]; then
		ic=$(q "$d" "PRAGMA integrity_check")
		[ "$ic" = ok ] || { echo "  integrity_check: $ic"; dbbad=$((dbbad + 1)); fail=1; }
		stored_present "$d" "$d.log" || { lost=$((lost + 1)); fail=1; }
		logged=$((logged + nstored))
	fi
	printf 'chaos %d (kill %d/%d): %-12s %-22s SIG%-4s at %5.1fs: exit %3d, %2d stored, %s\n' \
		"$i" "$done_kills" "$kills" "$envl" "$benl" "$sig" "$(awk -v m="$delay" 'BEGIN { print m / 1000 }')" \
		"$rc" "$nstored" "$([ $fail -eq 0 ] && echo clean || echo FAILED)"
	[ "$fail" -eq 0 ] || sed 's/^/    run: /' "$d.out" | tail -3
	# Finish a sample of the killed studies with --resume.
	[ $((done_kills % resume_every)) -eq 0 ] && [ "$rc" -ne 0 ] && resume_due=1
	if [ "$resume_due" -eq 1 ] && [ "$rc" -ne 0 ] && [ -e "$d/study.db" ] &&
		[ -n "$(sqlite3 "$d/study.db" "SELECT 1 FROM context WHERE key = 'order'" 2>/dev/null)" ]; then
		resume_due=0
		snapshot >"$W/before" 2>/dev/null
		timeout -k 10 600 "$HV" run --resume "$d" --quiet --no-progress \
			>"$d.resume" 2>&1
		rrc=$?
		pending=$(q "$d" "SELECT count(*) FROM cell WHERE status = 'pending'")
		ic=$(q "$d" "PRAGMA integrity_check")
		ok=1
		[ "$rrc" -le 1 ] && [ "$pending" = 0 ] && [ "$ic" = ok ] || ok=0
		host_same "after resume" || ok=0
		resumed=$((resumed + 1))
		[ "$ok" -eq 1 ] || resume_bad=$((resume_bad + 1))
		echo "  resumed: exit $rrc, $pending pending cells, $(grep -o 'resumed: .*' "$d.resume"), $([ $ok -eq 1 ] && echo ok || echo FAILED)"
		[ "$ok" -eq 1 ] || sed 's/^/    resume: /' "$d.resume" | tail -3
	fi
	[ -n "$keep" ] || rm -rf "$d" "$d".*
done
echo "chaos: $done_kills kills ($i rounds, $early finished before their signal), $leftovers leftovers, $dbbad bad databases," \
	"$lost studies missing logged samples ($logged logged), $stuck stuck," \
	"$resumed resumed ($resume_bad failed), seed $seed"
[ $((leftovers + dbbad + lost + stuck + resume_bad)) -eq 0 ] &&
	[ "$done_kills" -ge "$kills" ] &&
	[ "$resumed" -ge $((kills / resume_every > 0 ? 1 : 0)) ]
