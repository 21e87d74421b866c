#!/bin/sh
# CLI contract tests on file-backed LUNs (no device-mapper needed):
# exit codes, one-line errors, nothing written on bad input, damage reports.
# Usage: tests/cli/run.sh PATH/TO/stardm      Ends with "N passed, N failed".
set -u
STARDM=$(readlink -f "${1:?usage: run.sh STARDM}")
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d "${TMPDIR:-/var/tmp}/stardm-cli.XXXXXX")
trap 'rm -rf "$W"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -s "$W/err" ] && sed 's/^/     stderr: /' "$W/err"; }

# run EXPECTED_EXIT DESCRIPTION -- ARGS...: checks exit code, and for errors
# exactly one stderr line starting with "stardm: ".
run() {
	want=$1 desc=$2; shift 3
	"$STARDM" "$@" >"$W/out" 2>"$W/err"
	got=$?
	if [ "$got" != "$want" ]; then bad "$desc (exit $got, want $want)"; return; fi
	if [ "$want" != 0 ]; then
		lines=$(wc -l <"$W/err")
		if [ "$lines" != 1 ] || ! grep -q '^stardm: ' "$W/err"; then
			bad "$desc (stderr must be one 'stardm: ' line, got $lines)"; return
		fi
	fi
	ok "$desc"
}
# expect_in FILE PATTERN DESCRIPTION
expect_in() { if grep -q -- "$2" "$1"; then ok "$3"; else bad "$3"; cat "$1"; fi; }
sum() { md5sum "$1" | cut -d' ' -f1; }
json() { python3 -c "import json,sys; d=json.load(open('$W/out')); print($1)"; }

lun=$W/lun.img
truncate -s 256M "$lun"

# usage errors: exit 2
run 2 "no command" -- 
run 2 "unknown command" -- frobnicate
run 2 "unknown option" -- status "$lun" --bogus
run 2 "init without --name" -- init "$lun"
run 2 "init with unparsable extent size" -- init "$lun" --name g --extent-size 4Q
run 2 "init with negative size" -- init "$lun" --name g --extent-size -4M
run 2 "extra argument" -- inspect "$lun" "$lun"

# failures: exit 1, nothing written
before=$(sum "$lun")
run 1 "init on a missing device" -- init "$W/nope" --name g
run 1 "inspect on a missing device" -- inspect "$W/nope"
run 1 "inspect a device that is not stardm" -- inspect "$lun"
expect_in "$W/err" "not a stardm device" "  ...says it is not a stardm device"
run 1 "status of an unknown group name" -- status no-such-group
run 1 "init with a bad group name" -- init "$lun" --name 'a b;c'
run 1 "init with a non-power-of-two extent" -- init "$lun" --name g --extent-size 3M
[ "$(sum "$lun")" = "$before" ] && ok "failed commands wrote nothing" || bad "failed commands wrote nothing"

# LVM signature is refused without --force
lvm=$W/lvm.img
truncate -s 256M "$lvm"
python3 "$HERE/lvm_label.py" "$lvm"
before=$(sum "$lvm")
run 1 "init over an LVM PV" -- init "$lvm" --name g
expect_in "$W/err" "LVM2_member" "  ...names the LVM signature"
[ "$(sum "$lvm")" = "$before" ] && ok "LVM PV untouched" || bad "LVM PV untouched"
run 0 "init over an LVM PV with --force" -- init "$lvm" --name g --force

# init, then re-init refused
run 0 "init" -- init "$lun" --name san1 --extent-size 4M
before=$(sum "$lun")
run 1 "init over an existing group" -- init "$lun" --name other
expect_in "$W/err" "already holds stardm group san1" "  ...names the existing group"
[ "$(sum "$lun")" = "$before" ] && ok "existing group untouched" || bad "existing group untouched"

# inspect and status, human and JSON
run 0 "inspect" -- inspect "$lun"
expect_in "$W/out" "label A      valid" "inspect shows label A valid"
run 0 "inspect --json" -- inspect "$lun" --json
[ "$(json "d['group']['name'], d['current']['seqno'], d['copies'][1]['label_valid']")" = "san1 1 True" ] \
	&& ok "inspect JSON fields" || bad "inspect JSON fields"
run 0 "status --json" -- status "$lun" --json
[ "$(json "d['total'] == d['free'] + d['used'] and d['used'] == 0 and d['total'] > 0")" = True ] \
	&& ok "status JSON adds up" || bad "status JSON adds up"
run 0 "scan --json" -- scan --json
json "type(d['groups'])" >/dev/null 2>&1 && ok "scan JSON parses" || bad "scan JSON parses"
[ "$(sum "$lun")" = "$before" ] && ok "inspect/status never write" || bad "inspect/status never write"

# damage: first MiB, last MiB, both
size=$(stat -c %s "$lun")
cp "$lun" "$W/a.img"
dd if=/dev/zero of="$W/a.img" bs=1M count=1 conv=notrunc status=none
run 0 "inspect with the first MiB zeroed" -- inspect "$W/a.img"
expect_in "$W/out" "label A      DAMAGED" "  ...names label A as damaged"
run 0 "inspect --json with the first MiB zeroed" -- inspect "$W/a.img" --json
[ "$(json "d['copies'][0]['label_valid'], d['copies'][1]['label_valid'], d['group']['name']")" = "False True san1" ] \
	&& ok "  ...JSON says copy A label invalid, B valid" || bad "  ...JSON says copy A label invalid, B valid"
cp "$lun" "$W/b.img"
dd if=/dev/zero of="$W/b.img" bs=1M count=1 seek=$((size / 1048576 - 1)) conv=notrunc status=none
run 0 "inspect with the last MiB zeroed" -- inspect "$W/b.img"
expect_in "$W/out" "label B      DAMAGED" "  ...names label B as damaged"
run 0 "status with the last MiB zeroed" -- status "$W/b.img"
cp "$W/a.img" "$W/c.img"
dd if=/dev/zero of="$W/c.img" bs=1M count=1 seek=$((size / 1048576 - 1)) conv=notrunc status=none
before=$(sum "$W/c.img")
run 1 "inspect with both ends zeroed" -- inspect "$W/c.img"
run 1 "status with both ends zeroed" -- status "$W/c.img"
[ "$(sum "$W/c.img")" = "$before" ] && ok "  ...nothing written" || bad "  ...nothing written"

# both I/O backends serve the CLI
for b in uring aio; do
	STARDM_IO=$b "$STARDM" inspect "$lun" --json >"$W/out" 2>"$W/err" && ok "inspect through $b" || bad "inspect through $b"
done

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
