#!/usr/bin/env bash
# hpcvirt model DIR: each env's Hockney alpha and beta, with CIs, from the
# study's own net.rr sweep and net.stream; relative to native; an env or a
# study without the cells says why; bad input exits 2.
set -u
. tests/lib.sh
[ -x "$HV" ] || skip_all "hpcvirt not built"

"$HV" run --env native,ns --bench net.rr,net.stream --sizes 1,1024,4096 \
	--duration 0.3 --reps 3 --warmup 0 --out "$T/s" --quiet \
	--no-progress >"$T/run.out" 2>&1
ok $? "a native,ns study of net.rr and net.stream runs"
expect_exit 0 "model of it" -- "$HV" model "$T/s"
sed 's/^/# /' "$T/out"
for e in native ns; do
	# alpha in us > 0 with its CI around it, beta > 0, 3 sizes, stream
	awk -v e="$e" '$1 == e {
		a = $2; lo = substr($3, 2) + 0; hi = $4 + 0
		exit !(a > 0 && lo <= a && a <= hi && $5 > 0 && $0 ~ / 3 +yes /) }
		END { }' "$T/out"
	ok $? "$e: alpha within its CI, beta > 0, from 3 sizes and the stream"
done
awk '$1 == "native" { exit !($10 == "1.00" && $11 == "1.00") }' "$T/out"
ok $? "native relative to itself is 1.00"

"$HV" run --env native --bench npb.ep --variant ser --reps 2 --warmup 0 \
	--out "$T/ep" --quiet --no-progress >/dev/null 2>&1
expect_exit 1 "a study without net cells" -- "$HV" model "$T/ep"
stderr_has "no env of $T/ep has net.rr cells" "it says what is missing"
grep -q "native .*no model: no latency sweep" "$T/out"
ok $? "the env's row says why it has no model"
expect_exit 2 "no study dir" -- "$HV" model
expect_exit 2 "a dir without a study" -- "$HV" model "$T/none"
stderr_has "$T/none" "the message names it"
finish
