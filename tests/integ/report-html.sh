#!/usr/bin/env bash
# hpcvirt report --html on a small real study (native and, where it runs,
# ns; npb.ep serial and OpenMP, net.rr at two sizes), opened in headless
# Chromium inside a network namespace of its own (so nothing can leave):
# no console message, every figure present with SVG content, a
# screenshot of each figure that is not blank, and no request for
# anything outside the file (Chromium's own net log, the page's requests
# told apart from the browser's by their initiator). A control page with
# a console error and an external image must trip both checks. Also the
# bad input of --html: an unwritable path, a broken study, no gnuplot.
set -u
. tests/lib.sh
[ -x "$HV" ] || skip_all "hpcvirt not built"
command -v gnuplot >/dev/null || skip_all "gnuplot missing (Debian: gnuplot-nox)"
command -v chromium >/dev/null || skip_all "chromium missing (Debian: chromium)"
unshare -n true 2>/dev/null || skip_all "cannot make a network namespace for the browser"

export HPCVIRT_RUN_BASE=$T/runs
mkdir -p "$HPCVIRT_RUN_BASE"
envs=native
"$HV" list 2>/dev/null | grep -q '^ *ns  *available' && envs=native,ns
expect_exit 0 "run $envs npb.ep,net.rr (a small real study)" -- \
	"$HV" run --env "$envs" --bench npb.ep,net.rr --reps 3 --warmup 0 \
	--sizes 1,1024 --duration 0.2 --class S --seed 5 --out "$T/st" --quiet
expect_exit 0 "report --html" -- "$HV" report "$T/st" --html "$T/r.html"
[ -s "$T/r.html" ]
ok $? "the HTML file is written"
! grep -qiE '<script|<link|<iframe|<img|@import' "$T/r.html"
ok $? "no script, link, frame, image or import in the file"

# chrome URL: a file, rendered in a namespace without network.
browse() { # HTML-FILE NETLOG STDERR [extra flags]
	local f=$1 log=$2 err=$3
	shift 3
	rm -rf "$T/ud"
	unshare -n timeout -k 5 40 chromium --headless=new --no-sandbox \
		--disable-gpu --user-data-dir="$T/ud" --no-first-run \
		--enable-logging=stderr --v=0 --log-net-log="$log" "$@" \
		"file://$f" 2>"$err"
}

# What the page did: console messages, requests it made (not the
# browser's own, whose initiator is "not an origin"), its figures.
cat >"$T/check.py" <<'PY'
import json, re, struct, sys, zlib
mode, arg = sys.argv[1], sys.argv[2:]
if mode == "console":   # STDERR: console messages of the page
    n = sum(1 for l in open(arg[0], errors="replace") if ":CONSOLE" in l)
    print(n)
elif mode == "requests":  # NETLOG: the page's requests
    d = json.load(open(arg[0]))
    names = {v: k for k, v in d["constants"]["logEventTypes"].items()}
    urls = {e["params"]["url"] for e in d["events"]
            if names.get(e["type"]) == "URL_REQUEST_START_JOB"
            and "url" in e.get("params", {})
            and e["params"].get("initiator") != "not an origin"}
    print(len(urls), *sorted(urls))
elif mode == "figures":  # DOM, IDS...: each figure with an svg that draws
    dom = open(arg[0]).read()
    bad = []
    for fid in arg[1:]:
        m = re.search(r'<figure id="%s">(.*?)</figure>' % re.escape(fid), dom, re.S)
        if not m or "<svg" not in m.group(1) or \
           len(re.findall(r"<path|<polyline|<line", m.group(1))) < 5 or \
           "<text" not in m.group(1) or "Whiskers:" not in m.group(1) or \
           "n = 3" not in m.group(1):
            bad.append(fid)
    refs = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']*)', dom)
    bad += ["ref:" + r for r in refs if not r.startswith("#")]
    print(" ".join(bad) if bad else "ok")
elif mode == "svg":  # DOM ID OUT: one figure's svg as a page of its own
    dom = open(arg[0]).read()
    m = re.search(r'<figure id="%s">.*?(<svg.*?</svg>)' % re.escape(arg[1]), dom, re.S)
    open(arg[2], "w").write("<!DOCTYPE html><html><body style='margin:0'>"
                            + (m.group(1) if m else "") + "</body></html>")
elif mode == "ink":  # PNG: share of pixels that are not white, and colored
    data = open(arg[0], "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        ln, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + ln]
        if typ == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            bpp = {2: 3, 6: 4}[ctype]
        elif typ == b"IDAT":
            idat += body
        pos += 12 + ln
    raw, stride = zlib.decompress(idat), w * bpp
    prev, ink, color, i = bytearray(stride), 0, 0, 0
    for y in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp):
            r, g, bl = line[x], line[x + 1], line[x + 2]
            if min(r, g, bl) < 230: ink += 1
            if max(r, g, bl) - min(r, g, bl) > 60: color += 1
        prev = line
    print("%.4f %d" % (ink / float(w * h), color))
PY
ck() { python3 "$T/check.py" "$@"; }

browse "$T/r.html" "$T/net.json" "$T/chr.err" --dump-dom >"$T/dom.html"
ok $? "Chromium renders the report"
n=$(ck console "$T/chr.err")
[ "$n" = 0 ]
ok $? "no console message from the page ($n)"
req=$(ck requests "$T/net.json")
[ "${req%% *}" = 0 ]
ok $? "the page requested nothing ($req)"
figs="fig1a-p50 fig1a-p99 fig3a fig3b"
res=$(ck figures "$T/dom.html" $figs)
[ "$res" = ok ]
ok $? "figures 1a (p50, p99), 3a, 3b present, drawn, captioned with n and whiskers; no outside reference ($res)"
for f in $figs; do
	ck svg "$T/dom.html" "$f" "$T/$f.html"
	browse "$T/$f.html" "$T/n-$f.json" "$T/e-$f.err" \
		--screenshot="$T/$f.png" --window-size=760,440 >/dev/null
	read -r share colored <<<"$(ck ink "$T/$f.png" 2>/dev/null || echo "0 0")"
	awk -v s="$share" -v c="$colored" 'BEGIN { exit !(s > 0.005 && s < 0.9 && c > 50) }'
	ok $? "$f: its screenshot is not blank (ink $share, $colored colored pixels)"
done

# The checks have teeth: a page with a console error and an external
# image is caught by both.
printf '<!DOCTYPE html><html><body><img src="http://203.0.113.1/x.png"><script>console.error("boom")</script></body></html>\n' >"$T/ctl.html"
browse "$T/ctl.html" "$T/ctl.json" "$T/ctl.err" --dump-dom >/dev/null
[ "$(ck console "$T/ctl.err")" != 0 ]
ok $? "control: a console error is seen"
req=$(ck requests "$T/ctl.json")
[ "${req%% *}" != 0 ] && [[ $req == *203.0.113.1* ]]
ok $? "control: an external request is seen ($req)"
echo blank >"$T/blank.html"
browse "$T/blank.html" "$T/b.json" "$T/b.err" --screenshot="$T/blank.png" \
	--window-size=760,440 >/dev/null
read -r share colored <<<"$(ck ink "$T/blank.png")"
awk -v s="$share" 'BEGIN { exit !(s < 0.005) }'
ok $? "control: a blank page's screenshot reads as blank ($share)"

# Bad input to --html.
expect_exit 2 "--html into a missing directory" -- \
	"$HV" report "$T/st" --html "$T/nodir/r.html"
stderr_has "$T/nodir/r.html" "names the path"
[ ! -e "$T/nodir" ]
ok $? "nothing created"
cp "$T/r.html" "$T/keep.html"
mkdir -p "$T/empty" && : >"$T/empty/study.db"
expect_exit 2 "--html of an empty study.db" -- \
	"$HV" report "$T/empty" --html "$T/keep.html"
cmp -s "$T/r.html" "$T/keep.html"
ok $? "the existing HTML file is not overwritten"
expect_exit 2 "--html with --json" -- \
	"$HV" report "$T/st" --html "$T/x.html" --json "$T/x.json"
HPCVIRT_GNUPLOT=$T/no-gnuplot expect_exit 1 "--html without gnuplot" -- \
	"$HV" report "$T/st" --html "$T/ng.html"
stderr_has "gnuplot-nox" "says which package draws the figures"
grep -q "Not drawn" "$T/ng.html"
ok $? "the report says the figures were not drawn"
[ -z "$(leftover_procs "$T")" ]
ok $? "no process left (browser included)"
finish
