#!/bin/bash
# bench-fs.sh [BUILD] - hpcvirt-fs side by side with IOZone, the paper's
# own tool, or with fio where no IOZone is given: the two tools run in the
# same run, interleaved (ours, ref, ref, ours, ...: odd rounds ours first,
# even rounds the reference first), ROUNDS rounds per file size, then the
# median bandwidth of each tool and their ratio per mode, size and test.
# A benchmark, not a test: it always runs under
# flock /tmp/hpcvirt-bench.lock, so no two benchmarks overlap.
#
#   IOZONE=/path/to/iozone ROUNDS=8 SIZES="64 512" MODES="default fsync" \
#       SETTLE=3 DIR=/var/tmp scripts/bench-fs.sh build
#   IOZONE=/path/to/iozone make bench-fs
#
# SIZES are MiB; DIR is where the scratch directory goes (on the disk,
# not tmpfs). The raw samples go to BUILD/bench-fs.tsv.
#
# IOZone is not in Debian main (iozone3 is in non-free). Build it from
# source: the tarball from https://www.iozone.org, then in src/current
# `make linux-AMD64` (or `make linux`) gives ./iozone; GCC 10 or later
# needs `make linux-AMD64 CFLAGS=-fcommon`.
#
# With IOZone: `iozone -i0 -i1 -r1m -s S -f FILE` is its writer,
# rewriter, reader and rereader on one file, exactly our four tests;
# --fsync adds -e -c (fsync and close timed), --direct adds -I. --cold
# has no IOZone counterpart (it can only remount, -U) and is skipped.
# IOZone reports KiB/s (bytes / 1024 per second).
#
# Without IOZone, fio (ioengine=psync, bs=1M, mem_align=4096, one
# sequential pass over the file per fio job):
#   write    rm the file; rw=write, overwrite=0, fallocate=none (fio
#            would preallocate, IOZone does not), create_on_open=0
#   rewrite  rw=write, overwrite=1 on the existing full-size file
#   read     rw=read    reread  rw=read again
# invalidate=0 (fio's default 1 drops the file's cache before the job:
# IOZone's default reads are warm), except --cold where invalidate=1 is
# our untimed posix_fadvise(DONTNEED) before a read. IOZone's untimed
# fsync + close after each write pass is an untimed `sync FILE`;
# --fsync is end_fsync=1, which fio counts in the job's runtime.
# fio's runtime is in whole milliseconds, too coarse for a warm 64 MiB
# read, so fio's bandwidth is also given as io_bytes / (sum of per-I/O
# lat_ns) (fio_lat) and the same without the slowest, first I/O, which
# faults in fio's fresh buffer (fio_lat1). In mode fsync only fio_rt
# includes the fsync.
#
# Every tool run starts after a global `sync` and SETTLE seconds (3 by
# default) of sleep, untimed. On a guest that hands freed memory back to
# its host (virtio-balloon free page reporting), a writer that starts
# right after the other tool freed its file reuses pages the host still
# backs and runs several times faster; IOZone's own start-up (0.14 s
# here) makes that rarer for it than for ours, so without the pause the
# 512 MiB writer compares start-up times (docs/performance.md). SETTLE=0
# shows it.
set -u
if [ -z "${HV_BENCH_LOCKED:-}" ]; then
	HV_BENCH_LOCKED=1 exec flock /tmp/hpcvirt-bench.lock "$0" "$@"
fi
BUILD=${1:-build}
B=$BUILD/bin/hpcvirt-fs
ROUNDS=${ROUNDS:-8}
SIZES=${SIZES:-64 512}
MODES=${MODES:-default fsync}
SETTLE=${SETTLE:-3}
IOZONE=${IOZONE:-}
case $ROUNDS in '' | *[!0-9]* | 0) echo "bench-fs: bad ROUNDS '$ROUNDS': expected a whole number like 8" >&2; exit 2 ;; esac
case $SETTLE in '' | *[!0-9.]* | *.*.*) echo "bench-fs: bad SETTLE '$SETTLE': expected seconds like 3 or 0.5" >&2; exit 2 ;; esac
[ -x "$B" ] || { echo "bench-fs: $B not built (make $B)" >&2; exit 2; }
if [ -n "$IOZONE" ]; then
	[ -x "$IOZONE" ] || { echo "bench-fs: IOZONE='$IOZONE' is not an executable file: expected the path of an iozone binary" >&2; exit 2; }
	REF=iozone
else
	cat >&2 <<'EOF'
bench-fs: no IOZone given, comparing with fio instead. For the paper's
own tool: IOZONE=/path/to/iozone make bench-fs. IOZone is not in Debian
main (iozone3 is in non-free); build it from the source tarball of
https://www.iozone.org: cd src/current && make linux-AMD64 CFLAGS=-fcommon
EOF
	command -v fio >/dev/null || { echo "bench-fs: fio missing too (apt-get install -y --no-install-recommends fio)" >&2; exit 77; }
	REF=fio
fi
W=$(mktemp -d "${DIR:-/var/tmp}/hv-bench-fs.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
mkdir "$W/ours"
RAW=$BUILD/bench-fs.tsv
: >"$RAW"

prepare() {
	sync
	[ "$SETTLE" = 0 ] || sleep "$SETTLE"
}

# ours MODE SIZE_MIB ROUND: one hpcvirt-fs run, 4 samples to $RAW.
ours() {
	local flag=
	[ "$1" != default ] && flag=--$1
	prepare
	"$B" --dir "$W/ours" --size "$2MiB" $flag --json >"$W/o.json" || exit 1
	python3 - "$W/o.json" "$1" "$2" "$3" >>"$RAW" <<'PY' || exit 1
import json, sys
line = [l for l in open(sys.argv[1]) if l.startswith("HPCVIRT-RESULT ")][0]
for r in json.loads(line.split(" ", 1)[1])["results"]:
    print("\t".join(sys.argv[2:5] + ["ours", r["test"],
                                     "%.0f" % r["bw_bytes_per_sec"]]))
PY
}

# iozone_run MODE SIZE_MIB ROUND: one IOZone run, 4 samples to $RAW.
iozone_run() {
	local flags=
	[ "$1" = fsync ] && flags="-e -c"
	[ "$1" = direct ] && flags=-I
	prepare
	"$IOZONE" -i0 -i1 -r1m -s "$2m" $flags -f "$W/iozone.tmp" \
		>"$W/i.txt" 2>&1 || { cat "$W/i.txt" >&2; exit 1; }
	python3 - "$W/i.txt" "$1" "$2" "$3" >>"$RAW" <<'PY' || exit 1
import sys
f, mode, size, rnd = sys.argv[1:]
# The result line: kB, reclen, then write rewrite read reread in KiB/s.
for line in open(f):
    w = line.split()
    if len(w) >= 6 and w[0] == str(int(size) * 1024) and w[1] == "1024":
        for t, v in zip(("write", "rewrite", "read", "reread"), w[2:6]):
            print("\t".join([mode, size, rnd, "iozone", t,
                             "%d" % (int(v) * 1024)]))
        break
else:
    sys.exit("bench-fs: no result line in IOZone's output " + f)
PY
}

# fio_job MODE SIZE_MIB ROUND TEST RW OPTS...: one fio job, 3 samples.
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
	prepare
	fio_job "$@" write write --overwrite=0 --invalidate=0 --end_fsync=$fs
	sync "$F"
	fio_job "$@" rewrite write --overwrite=1 --invalidate=0 --end_fsync=$fs
	sync "$F"
	fio_job "$@" read read --invalidate=$inv
	fio_job "$@" reread read --invalidate=$inv
	rm -f "$F"
}

ref() {
	if [ "$REF" = iozone ]; then iozone_run "$@"; else fio_all "$@"; fi
}

if [ "$REF" = iozone ]; then
	VER=$("$IOZONE" -v 2>/dev/null | sed -n 's/.*Revision: \([0-9.]*\).*/\1/p')
	VER="iozone ${VER:-?}"
else
	VER="fio $(fio --version)"
fi
echo "# bench-fs: $(date -u +%FT%TZ) $(uname -r) $VER dir $W rounds $ROUNDS settle $SETTLE" >&2
for mode in $MODES; do
	if [ "$REF" = iozone ] && [ "$mode" = cold ]; then
		echo "bench-fs: mode cold has no IOZone counterpart: skipped" >&2
		continue
	fi
	for r in $(seq "$ROUNDS"); do
		for s in $SIZES; do
			# Odd rounds ours first, even rounds the reference
			# first: the first after a pause pays for it.
			if [ $((r % 2)) = 1 ]; then
				ours "$mode" "$s" "$r"
				ref "$mode" "$s" "$r"
			else
				ref "$mode" "$s" "$r"
				ours "$mode" "$s" "$r"
			fi
		done
	done
done

python3 - "$RAW" "$REF" <<'PY'
import statistics, sys
from collections import defaultdict
raw, ref = sys.argv[1:]
v = defaultdict(list)
for line in open(raw):
    mode, size, rnd, tool, test, bw = line.split("\t")
    v[(mode, int(size), test, tool)].append(float(bw))
mib = 1 << 20
order = ["write", "rewrite", "read", "reread"]
keys = sorted({k[:3] for k in v}, key=lambda k: (k[0], k[1], order.index(k[2])))
if ref == "iozone":
    # Stratified by position in the pair: a tool that runs right after
    # the other one freed a file's page cache can get memory the first
    # one had to fault in (docs/performance.md), so "first" is compared
    # with "first" and "second" with "second", then the two ratios are
    # combined (geometric mean).
    first = lambda r: int(r) % 2 == 1
    pos = defaultdict(list)
    for line in open(raw):
        mode, size, rnd, tool, test, bw = line.split("\t")
        one = first(rnd) == (tool == "ours")
        pos[(mode, int(size), test, tool, one)].append(float(bw))
    med = lambda k: statistics.median(pos[k]) if pos[k] else float("nan")
    print("| mode | file | test | ours MiB/s 1st, 2nd | IOZone MiB/s 1st, "
          "2nd | ours/IOZone 1st | 2nd | ours/IOZone | within 5 % | n |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (mode, size, test) in keys:
        m = {(t, p): med((mode, size, test, t, p))
             for t in ("ours", "iozone") for p in (True, False)}
        r1 = m[("ours", True)] / m[("iozone", True)]
        r2 = m[("ours", False)] / m[("iozone", False)]
        r = (r1 * r2) ** 0.5
        print("| %s | %d MiB | %s | %.0f, %.0f | %.0f, %.0f | %.3f | %.3f "
              "| %.3f | %s | %d |" % (
            mode, size, test, m[("ours", True)] / mib,
            m[("ours", False)] / mib, m[("iozone", True)] / mib,
            m[("iozone", False)] / mib, r1, r2, r,
            "yes" if abs(r - 1) <= 0.05 else "no",
            len(v[(mode, size, test, "ours")])))
    sys.exit(0)
print("| mode | file | test | ours MiB/s | fio_rt MiB/s | fio_lat MiB/s "
      "| fio_lat1 MiB/s | ours/fio_rt | ours/fio_lat | ours/fio_lat1 | n |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for (mode, size, test) in keys:
    m = {t: statistics.median(v[(mode, size, test, t)])
         for t in ("ours", "fio_rt", "fio_lat", "fio_lat1")}
    print("| %s | %d MiB | %s | %.0f | %.0f | %.0f | %.0f | %.3f | %.3f "
          "| %.3f | %d |" % (
        mode, size, test, m["ours"] / mib, m["fio_rt"] / mib,
        m["fio_lat"] / mib, m["fio_lat1"] / mib, m["ours"] / m["fio_rt"],
        m["ours"] / m["fio_lat"], m["ours"] / m["fio_lat1"],
        len(v[(mode, size, test, "ours")])))
PY
