#!/usr/bin/env bash
# Interconnect emulation through the CLI: --link-rate caps every box
# port (tbf), so native's stream bandwidth drops to the rate; --link-delay
# adds one-way delay (netem) where the kernel has netem, and otherwise the
# study runs without it, with one warning, and records that no delay was
# applied. (--link NAME: lab-link-gige.sh.)
set -u
. tests/lib.sh
[ "$(id -u)" -eq 0 ] || skip_all "needs root"
[ -x "$HV" ] || skip_all "hpcvirt not built"

expect_exit 0 "net.stream with --link-rate 100Mbit" -- \
	"$HV" run --env native --bench net.stream --duration 0.5 \
	--link-rate 100Mbit --reps 2 --warmup 0 --out "$T/r" --quiet \
	--json "$T/r.json" --no-progress
python3 - "$T/r.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["cells"][0]
print("# bandwidth at 100 Mbit/s: %s bytes/s" % c["samples"])
# 100 Mbit/s is 12.5 MB/s of line rate; TCP payload is a little less.
sys.exit(0 if all(8e6 < s < 13.5e6 for s in c["samples"]) else 1)
PY
ok $? "bandwidth is capped at the link rate"
json_ok "$T/r.json" "recorded as requested and applied: tbf, 100 Mbit/s" \
	'ctx["link"] == {"requested": {"preset": None, "rate_bps": 1e8,
	 "delay_us": 0}, "applied": {"qdisc": "tbf", "rate_bps": 1e8,
	 "delay_us": 0}}'

expect_exit 2 "--link-rate 5 parsecs" -- "$HV" run --link-rate 5parsecs
stderr_has "5parsecs" "names the bad rate"

netem=$(kernel_has_netem)
echo "# kernel has netem: ${netem:-unknown (no tc)}"
expect_exit 0 "net.rr with --link-delay 500us" -- \
	"$HV" run --env native --bench net.rr --sizes 1 --duration 0.2 \
	--link-delay 500us --reps 2 --warmup 0 --out "$T/d" --quiet \
	--json "$T/d.json" --no-progress
json_ok "$T/d.json" "the delay is recorded as requested" \
	'ctx["link"]["requested"] ==
	 {"preset": None, "rate_bps": 0, "delay_us": 500}'
if [ "$netem" = 0 ]; then
	n=$(grep -c "warning" "$T/err")
	[ "$n" -eq 1 ]
	ok $? "without netem: one warning line (got $n)"
	stderr_has "the 500 us link delay cannot be emulated on this host" \
		"it says the delay cannot be emulated"
	stderr_has "no rate was asked, so the links are not shaped at all" \
		"and that nothing shapes the links"
	json_ok "$T/d.json" "recorded as applied: nothing" \
		'ctx["link"]["applied"] ==
		 {"qdisc": "none", "rate_bps": 0, "delay_us": 0}'
elif [ "$netem" = 1 ]; then
	json_ok "$T/d.json" "recorded as applied: netem, 500 us" \
		'ctx["link"]["applied"] ==
		 {"qdisc": "netem", "rate_bps": 0, "delay_us": 500}'
	python3 - "$T/d.json" <<'PY'
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
p50 = [c for c in cells if c["metric"] == "half_rtt_p50_ns"][0]
print("# half-RTT p50 with 500 us one-way delay: %s" % p50["samples"])
sys.exit(0 if all(s >= 500e3 for s in p50["samples"]) else 1)
PY
	ok $? "--link-delay 500us adds at least 500 us to the half round trip"
fi
finish
