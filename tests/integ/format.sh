#!/usr/bin/env bash
# Every C file tracked by git is formatted as .clang-format says
# (make format fixes it).
set -u
command -v clang-format >/dev/null || { echo "1..0 # SKIP clang-format not installed"; exit 77; }
command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1 ||
	{ echo "1..0 # SKIP not a git checkout"; exit 77; }
mapfile -t files < <(git ls-files '*.c' '*.h' | while read -r f; do
	[ -f "$f" ] && echo "$f"; done)
echo "1..1"
# In batches, two at a time (one process per file took 20 s); the
# files of a batch that fails are then checked one by one, to name them.
bad=()
if ! printf '%s\0' "${files[@]}" | xargs -0 -r -P 2 -n 50 \
	clang-format --dry-run --Werror >/dev/null 2>&1; then
	for f in "${files[@]}"; do
		clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
	done
	[ ${#bad[@]} -gt 0 ] || bad=("(a batch failed; no single file did)")
fi
if [ ${#bad[@]} -eq 0 ]; then
	echo "ok 1 - ${#files[@]} files are clang-formatted"
else
	echo "not ok 1 - not clang-formatted (run make format): ${bad[*]}"
	exit 1
fi
