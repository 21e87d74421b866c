#!/bin/sh
# The plugin's host tests (prove), against the PVE stand-in in lib/ and the
# real stardm on file-backed LUNs.  Usage: tests/plugin/run.sh STARDM
# Ends with "plugin: N passed, N failed".  Any failure prove reports (a
# failed test, a .t file that died, a wrong plan) fails the suite.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
export STARDM=$(readlink -f "${1:?usage: run.sh STARDM}")
out=$(mktemp)
prove "$HERE" >"$out" 2>&1
rc=$?
cat "$out"
total=$(sed -n 's/.*Tests=\([0-9]*\),.*/\1/p' "$out" | tail -1)
failed=$(grep -oE 'Failed: [0-9]+' "$out" | grep -oE '[0-9]+' | awk '{s += $1} END {print s + 0}')
result=$(grep -E '^Result: ' "$out" | tail -1)
rm -f "$out"
[ -n "$total" ] || { echo "plugin: 0 passed, 1 failed (prove did not run)"; exit 1; }
# a .t file that dies is counted by its exit status, not as failed tests
if [ "$rc" != 0 ] || [ "$result" != "Result: PASS" ]; then
	[ "$failed" != 0 ] || failed=1
	echo "prove exited $rc ($result)"
fi
[ "$failed" -le "$total" ] || total=$failed
echo "plugin: $((total - failed)) passed, $failed failed"
[ "$failed" = 0 ]
