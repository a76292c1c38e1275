#!/bin/bash
# fuzz.sh - a short run of every libFuzzer target (tests/fuzz/fuzz.mk) for
# make check: builds them with clang under ASan/UBSan, then runs each for
# FUZZ_SECONDS (default 4; five targets, about 20 s), one at a time in one
# process. Skips when clang, libFuzzer or the host libraries are missing.
# `make fuzz` is the long run (10^6 inputs per target).
set -u
FUZZ_SECONDS=${FUZZ_SECONDS:-4}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
CC=${FUZZ_CC:-clang}
targets=${FUZZ_TARGETS:-proto result opt store store-sql}
command -v "$CC" >/dev/null ||
	{ echo "1..0 # SKIP $CC not installed (apt-get install clang)"; exit 77; }
probe=$(mktemp -d /tmp/hv-fuzz-probe.XXXXXX)
trap 'rm -rf "$probe"' EXIT
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n){(void)d;(void)n;return 0;}\n' >"$probe/p.c"
if ! "$CC" -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" 2>/dev/null; then
	echo "1..0 # SKIP $CC has no libFuzzer (apt-get install libclang-rt-14-dev)"
	exit 77
fi
printf 'int main(void){return 0;}\n' >"$probe/m.c"
if ! "$CC" "$probe/m.c" -o "$probe/m" -lsqlite3 -lcjson -lmnl 2>/dev/null; then
	echo "1..0 # SKIP no libsqlite3-dev, libcjson-dev or libmnl-dev (scripts/setup-deps.sh)"
	exit 77
fi
# shellcheck disable=SC2086 # a list of words
set -- $targets
echo "1..$(($# + 1))"
if make -s -j"$(nproc)" -f tests/fuzz/fuzz.mk FUZZ_BUILD="$FUZZ_BUILD" \
	FUZZ_CC="$CC" FUZZ_TARGETS="$targets" build >"$probe/build.log" 2>&1; then
	echo "ok 1 - fuzz targets build: $targets"
else
	sed 's/^/# /' "$probe/build.log" | tail -30
	echo "not ok 1 - fuzz targets build"
	exit 1
fi
n=1 bad=0
for t in "$@"; do
	n=$((n + 1))
	if make -s -f tests/fuzz/fuzz.mk FUZZ_BUILD="$FUZZ_BUILD" FUZZ_CC="$CC" \
		FUZZ_TARGETS="$t" FUZZ_SECONDS="$FUZZ_SECONDS" run \
		>"$probe/$t.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
			"$probe/$t.log")
		echo "ok $n - fuzz-$t: ${runs:-?} inputs in ${FUZZ_SECONDS} s, no crash"
	else
		grep -E 'ERROR|SUMMARY|runtime error|crash-|Test unit written' \
			"$probe/$t.log" | head -20 | sed 's/^/# /'
		echo "not ok $n - fuzz-$t found a failure (see $FUZZ_BUILD/$t-crash-*)"
		bad=1
	fi
done
exit $bad
