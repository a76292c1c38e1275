#!/usr/bin/env bash
# --link NAME, the named interconnects (issue 15): bad names and --link
# with --link-rate/--link-delay exit 2 with the reason; --link gige runs
# a native,ns study whose every box port gets 1 Gbit/s (net.stream is
# capped there) and, where the kernel has netem, 25 us of one-way delay
# (every half round trip at least 25 us). Where it has none, the study
# still runs: one warning line on stderr, the rate shaped with tbf, and
# the context ("link") and the table say that no delay was applied.
# Whether the kernel has netem is found with tc, not asked of hpcvirt.
set -u
. tests/lib.sh
[ "$(id -u)" -eq 0 ] || skip_all "needs root"
[ -x "$HV" ] || skip_all "hpcvirt not built"
netem=$(kernel_has_netem)
[ -n "$netem" ] || skip_all "needs tc and unshare to tell whether the kernel has netem"
echo "# kernel has netem: $netem"

expect_exit 2 "--link foo" -- "$HV" run --link foo
stderr_has "bad --link 'foo': expected gige or none" "names the value and the valid names"
expect_exit 2 "--link GigE (names are exact)" -- "$HV" run --link GigE
stderr_has "bad --link 'GigE'" "names the value"
expect_exit 2 "--link gige with --link-rate" -- \
	"$HV" run --env native --bench net.rr --link gige --link-rate 100Mbit
stderr_has "bad --link 'gige' with --link-rate" "says which option clashes"
expect_exit 2 "--link-delay before --link none" -- \
	"$HV" run --env native --bench net.rr --link-delay 1ms --link none
stderr_has "bad --link 'none' with --link-delay" "whatever the order"

expect_exit 0 "--link gige: native,ns x net.rr,net.stream" -- \
	"$HV" run --env native,ns --bench net.rr,net.stream --sizes 1 \
	--duration 0.3 --link gige --reps 2 --warmup 0 --out "$T/g" \
	--json "$T/g.json" --no-progress
sed 's/^/# stderr: /' "$T/err"
cp "$T/out" "$T/g.table"
json_ok "$T/g.json" "every cell ok, in native and ns" \
	'cells and all(c["status"] == "ok" for c in cells) and
	 {c["env"] for c in cells} == {"native", "ns"}'
json_ok "$T/g.json" "recorded as requested: gige, 1 Gbit/s, 25 us" \
	'ctx["link"]["requested"] ==
	 {"preset": "gige", "rate_bps": 1e9, "delay_us": 25}'
json_ok "$T/g.json" "net.stream is capped at 1 Gbit/s (60-130 MB/s)" \
	'all(60e6 < s < 130e6 for c in cells if c["bench"] == "net.stream"
	     for s in c["samples"])'
if [ "$netem" = 0 ]; then
	n=$(grep -c "warning" "$T/err")
	[ "$n" -eq 1 ]
	ok $? "without netem: exactly one warning line (got $n)"
	stderr_has "hpcvirt run: warning: the 25 us link delay cannot be emulated on this host" \
		"it says the delay cannot be emulated"
	stderr_has "the rate is shaped with tbf at 1 Gbit/s instead, with no delay" \
		"and that tbf shapes the rate instead"
	json_ok "$T/g.json" "recorded as applied: tbf, 1 Gbit/s, no delay" \
		'ctx["link"]["applied"] ==
		 {"qdisc": "tbf", "rate_bps": 1e9, "delay_us": 0} and
		 "CONFIG_NET_SCH_NETEM" in ctx["link"]["note"]'
	grep -qF "link: requested gige: 1 Gbit/s, 25 us one-way delay; applied: 1 Gbit/s, no delay (tbf on every box port)" "$T/g.table"
	ok $? "the table shows the delay was not applied"
else
	! grep -q "warning" "$T/err"
	ok $? "with netem: no warning"
	json_ok "$T/g.json" "recorded as applied: netem, 1 Gbit/s, 25 us" \
		'ctx["link"]["applied"] ==
		 {"qdisc": "netem", "rate_bps": 1e9, "delay_us": 25} and
		 "note" not in ctx["link"]'
	json_ok "$T/g.json" "every net.rr half round trip is at least 25 us" \
		'all(s >= 25e3 for c in cells if c["bench"] == "net.rr"
		     for s in c["samples"])'
	grep -qF "link: gige: 1 Gbit/s, 25 us one-way delay (netem on every box port)" "$T/g.table"
	ok $? "the table shows the link"
fi

expect_exit 0 "--link none" -- \
	"$HV" run --env native --bench net.rr --sizes 1 --duration 0.2 \
	--link none --reps 2 --warmup 0 --out "$T/n" --json "$T/n.json" \
	--no-progress
! grep -q "warning" "$T/err"
ok $? "--link none: no warning"
json_ok "$T/n.json" "--link none: recorded as no emulation" \
	'ctx["link"] == {"requested": {"preset": "none", "rate_bps": 0,
	 "delay_us": 0}, "applied": {"qdisc": "none", "rate_bps": 0,
	 "delay_us": 0}}'
! grep -q "^link:" "$T/out"
ok $? "--link none: no link line in the table"
finish
