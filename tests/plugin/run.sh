#!/bin/sh
# The plugin's host tests (prove), against the PVE stand-in in lib/ and the
# real stardm on file-backed LUNs.  Usage: tests/plugin/run.sh STARDM
# Ends with "plugin: N passed, N failed".
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
export STARDM=$(readlink -f "${1:?usage: run.sh STARDM}")
out=$(mktemp)
prove "$HERE" 2>&1 | tee "$out"
rc=$?
total=$(sed -n 's/.*Tests=\([0-9]*\),.*/\1/p' "$out" | tail -1)
failed=$(grep -oE 'Failed: [0-9]+' "$out" | grep -oE '[0-9]+' | awk '{s += $1} END {print s + 0}')
rm -f "$out"
[ -n "$total" ] || { echo "plugin: 0 passed, 1 failed (prove did not run)"; exit 1; }
echo "plugin: $((total - failed)) passed, $failed failed"
[ "$failed" = 0 ]
