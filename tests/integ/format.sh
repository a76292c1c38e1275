#!/usr/bin/env bash
# Every C file tracked by git is formatted as .clang-format says
# (make format fixes it).
set -u
command -v clang-format >/dev/null || { echo "1..0 # SKIP clang-format not installed"; exit 77; }
command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1 ||
	{ echo "1..0 # SKIP not a git checkout"; exit 77; }
mapfile -t files < <(git ls-files '*.c' '*.h')
echo "1..1"
bad=()
for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -eq 0 ]; then
	echo "ok 1 - ${#files[@]} files are clang-formatted"
else
	echo "not ok 1 - not clang-formatted (run make format): ${bad[*]}"
	exit 1
fi
