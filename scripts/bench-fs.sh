#!/bin/bash
# bench-fs.sh [BUILD] - hpcvirt-fs against fio with the same semantics,
# interleaved (ours, fio, ours, fio...), ROUNDS rounds per file size, then
# the median bandwidth of each tool and their ratio per size and test.
# A benchmark, not a test: it always runs under
# flock /tmp/hpcvirt-bench.lock, so no two benchmarks overlap.
#
#   ROUNDS=5 SIZES="64 512" MODES="default fsync" DIR=/var/tmp \
#       scripts/bench-fs.sh build
#
# SIZES are MiB; DIR is where the scratch directory goes (on the disk,
# not tmpfs). The raw samples go to BUILD/bench-fs.tsv.
#
# How each IOZone-like test maps to fio (ioengine=psync, bs=1M,
# mem_align=4096, one sequential pass over the file per fio job):
#   write    rm the file; rw=write, overwrite=0, fallocate=none (fio
#            would preallocate, IOZone does not), create_on_open=0
#   rewrite  rw=write, overwrite=1 on the existing full-size file (no
#            layout pass: the file is already that large)
#   read     rw=read    reread  rw=read again
# In every mode invalidate=0 (fio's default 1 drops the file's cache
# before the job: IOZone's default reads are warm), except --cold where
# invalidate=1 is exactly our untimed posix_fadvise(DONTNEED) before a
# read. IOZone's untimed fsync + close after each write pass is, for
# fio, an untimed `sync FILE` after the write jobs. --fsync (fsync and
# close timed): end_fsync=1, which fio counts in the job's runtime.
# Each tool run starts after a global `sync`, untimed.
#
# fio's runtime is in whole milliseconds, too coarse for a warm 64 MiB
# read (2-7 ms). So fio's bandwidth is given two ways: fio_rt = its own
# bw_bytes (io_bytes / runtime in ms), fio_lat = io_bytes / (sum of the
# per-I/O lat_ns), which has ns resolution but leaves out fio's own work
# between I/Os; fio_lat1 also leaves out the slowest I/O, the first one,
# which faults in fio's freshly allocated buffer (hpcvirt-fs touches its
# buffer before timing, as IOZone fills its own). With end_fsync (mode fsync) only fio_rt includes the
# fsync, so that mode compares against fio_rt.
set -u
if [ -z "${HV_BENCH_LOCKED:-}" ]; then
	HV_BENCH_LOCKED=1 exec flock /tmp/hpcvirt-bench.lock "$0" "$@"
fi
BUILD=${1:-build}
B=$BUILD/bin/hpcvirt-fs
ROUNDS=${ROUNDS:-5}
SIZES=${SIZES:-64 512}
MODES=${MODES:-default fsync}
command -v fio >/dev/null || { echo "bench-fs: fio missing (apt-get install -y --no-install-recommends fio)" >&2; exit 77; }
[ -x "$B" ] || { echo "bench-fs: $B not built (make $B)" >&2; exit 2; }
W=$(mktemp -d "${DIR:-/var/tmp}/hv-bench-fs.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
mkdir "$W/ours"
RAW=$BUILD/bench-fs.tsv
: >"$RAW"

# ours MODE SIZE_MIB ROUND: one hpcvirt-fs run, 4 samples to $RAW.
ours() {
	local flag=
	[ "$1" != default ] && flag=--$1
	sync
	"$B" --dir "$W/ours" --size "$2MiB" $flag --json >"$W/o.json" || exit 1
	python3 - "$W/o.json" "$1" "$2" "$3" >>"$RAW" <<'PY' || exit 1
import json, sys
line = [l for l in open(sys.argv[1]) if l.startswith("HPCVIRT-RESULT ")][0]
for r in json.loads(line.split(" ", 1)[1])["results"]:
    print("\t".join(sys.argv[2:5] + ["ours", r["test"],
                                     "%.0f" % r["bw_bytes_per_sec"]]))
PY
}

# fio_job MODE SIZE_MIB ROUND TEST RW OPTS...: one fio job, 2 samples.
fio_job() {
	local mode=$1 size=$2 round=$3 test=$4 rw=$5
	shift 5
	fio --name="$test" --filename="$W/fio.dat" --rw="$rw" --bs=1M \
		--size="${size}M" --ioengine=psync --mem_align=4096 \
		--fallocate=none --create_on_open=0 --output-format=json \
		"$@" >"$W/f.json" || exit 1
	python3 - "$W/f.json" "$mode" "$size" "$round" "$test" "$rw" >>"$RAW" <<'PY' || exit 1
import json, sys
f, mode, size, rnd, test, rw = sys.argv[1:]
j = json.load(open(f))["jobs"][0][rw[-5:] if rw.endswith("write") else "read"]
lat_s = j["lat_ns"]["mean"] * j["total_ios"] / 1e9
# Without its slowest I/O: the first, which faults in fio's buffer.
n = j["total_ios"]
lat1_s = lat_s - j["lat_ns"]["max"] / 1e9
for tool, bw in (("fio_rt", j["bw_bytes"]), ("fio_lat", j["io_bytes"] / lat_s),
                 ("fio_lat1", j["io_bytes"] * (n - 1) / n / lat1_s)):
    print("\t".join([mode, size, rnd, tool, test, "%.0f" % bw]))
PY
}

fio_all() { # MODE SIZE ROUND
	local inv=0 fs=0 F=$W/fio.dat
	[ "$1" = cold ] && inv=1
	[ "$1" = fsync ] && fs=1
	rm -f "$F"
	sync
	fio_job "$@" write write --overwrite=0 --invalidate=0 --end_fsync=$fs
	sync "$F"
	fio_job "$@" rewrite write --overwrite=1 --invalidate=0 --end_fsync=$fs
	sync "$F"
	fio_job "$@" read read --invalidate=$inv
	fio_job "$@" reread read --invalidate=$inv
	rm -f "$F"
}

echo "# bench-fs: $(date -u +%FT%TZ) $(uname -r) fio $(fio --version) dir $W rounds $ROUNDS" >&2
for mode in $MODES; do
	for r in $(seq "$ROUNDS"); do
		for s in $SIZES; do
			# Odd rounds ours first, even rounds fio first: the
			# first to need fresh memory after a pause pays for it.
			if [ $((r % 2)) = 1 ]; then
				ours "$mode" "$s" "$r"
				fio_all "$mode" "$s" "$r"
			else
				fio_all "$mode" "$s" "$r"
				ours "$mode" "$s" "$r"
			fi
		done
	done
done

python3 - "$RAW" <<'PY'
import statistics, sys
from collections import defaultdict
v = defaultdict(list)
for line in open(sys.argv[1]):
    mode, size, rnd, tool, test, bw = line.split("\t")
    v[(mode, int(size), test, tool)].append(float(bw))
mib = 1 << 20
print("| mode | file | test | ours MiB/s | fio_rt MiB/s | fio_lat MiB/s "
      "| fio_lat1 MiB/s | ours/fio_rt | ours/fio_lat | ours/fio_lat1 | n |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for (mode, size, test, tool) in sorted(v, key=lambda k: (k[0], k[1], [
        "write", "rewrite", "read", "reread"].index(k[2]))):
    if tool != "ours":
        continue
    m = {t: statistics.median(v[(mode, size, test, t)])
         for t in ("ours", "fio_rt", "fio_lat", "fio_lat1")}
    print("| %s | %d MiB | %s | %.0f | %.0f | %.0f | %.0f | %.3f | %.3f "
          "| %.3f | %d |" % (
        mode, size, test, m["ours"] / mib, m["fio_rt"] / mib,
        m["fio_lat"] / mib, m["fio_lat1"] / mib, m["ours"] / m["fio_rt"],
        m["ours"] / m["fio_lat"], m["ours"] / m["fio_lat1"],
        len(v[(mode, size, test, "ours")])))
PY
