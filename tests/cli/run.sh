#!/bin/sh
# CLI contract tests on file-backed LUNs (no device-mapper needed):
# exit codes, one-line errors, nothing written on bad input, damage reports.
# Usage: tests/cli/run.sh PATH/TO/stardm      Ends with "N passed, N failed".
set -u
STARDM=$(readlink -f "${1:?usage: run.sh STARDM}")
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d "${TMPDIR:-/var/tmp}/stardm-cli.XXXXXX")
trap 'rm -rf "$W"' EXIT
export STARDM_RUN_DIR="$W/run"   # the monitor's lock: no root needed
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
# the group without its host slots (4 KiB..1 MiB): every writing command
# takes the cluster lock there, even one that is then refused
sum_md() { { dd if="$1" bs=4096 count=1 status=none; dd if="$1" bs=1M skip=1 status=none; } | md5sum | cut -d' ' -f1; }
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
run 3 "init on a missing device" -- init "$W/nope" --name g
run 3 "inspect on a missing device" -- inspect "$W/nope"
run 9 "inspect a device that is not stardm" -- inspect "$lun"
expect_in "$W/err" "not a stardm device" "  ...says it is not a stardm device"
run 3 "status of an unknown group name" -- status no-such-group
run 11 "init with a bad group name" -- init "$lun" --name 'a b;c'
run 11 "init with a non-power-of-two extent" -- init "$lun" --name g --extent-size 3M
[ "$(sum "$lun")" = "$before" ] && ok "failed commands wrote nothing" || bad "failed commands wrote nothing"

# LVM signature is refused without --force
lvm=$W/lvm.img
truncate -s 256M "$lvm"
python3 "$HERE/lvm_label.py" "$lvm"
before=$(sum "$lvm")
run 4 "init over an LVM PV" -- init "$lvm" --name g
expect_in "$W/err" "LVM2_member" "  ...names the LVM signature"
[ "$(sum "$lvm")" = "$before" ] && ok "LVM PV untouched" || bad "LVM PV untouched"
run 0 "init over an LVM PV with --force" -- init "$lvm" --name g --force

# init, then re-init refused
run 0 "init" -- init "$lun" --name san1 --extent-size 4M
before=$(sum "$lun")
run 4 "init over an existing group" -- init "$lun" --name other
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
run 9 "inspect with both ends zeroed" -- inspect "$W/c.img"
run 9 "status with both ends zeroed" -- status "$W/c.img"
[ "$(sum "$W/c.img")" = "$before" ] && ok "  ...nothing written" || bad "  ...nothing written"

# volume names: Proxmox's (vm|base)-<vmid>-<name>, metadata only (no dm here)
names=$W/names.img
truncate -s 1G "$names"
"$STARDM" init "$names" --name n1 >/dev/null
for v in vm-100-disk-0 vm-100-cloudinit vm-100-state-snap1 base-7-disk-0; do
	run 0 "create $v" -- create "$names" "$v" --size 4M
done
before=$(sum_md "$names")
for v in vm-0100-disk-0 vm-100-a--b vm-100- vm-100 'vm-1-x y' 'vm-1-$(id)' vm-99999999999-disk-0 ../vm-1-disk-0; do
	run 11 "create '$v' is refused" -- create "$names" "$v" --size 4M
done
[ "$(sum_md "$names")" = "$before" ] && ok "  ...metadata unchanged" || bad "  ...metadata unchanged"
run 0 "list --vmid 100 --json" -- list "$names" --vmid 100 --json
[ "$(json "len(d['volumes'])")" = 3 ] && ok "  ...three volumes of VM 100" || bad "  ...three volumes of VM 100"
# snapshots taken across volumes in turn are each listed under their own
# volume, in the order taken
for s in "vm-100-disk-0 a" "base-7-disk-0 b" "vm-100-disk-0 c" "vm-100-cloudinit d" "vm-100-disk-0 e"; do
	# shellcheck disable=SC2086
	"$STARDM" snapshot "$names" $s >/dev/null || bad "snapshot $s"
done
run 0 "list --json with snapshots of three volumes in turn" -- list "$names" --json
got=$(json "' '.join(v['name'] + ':' + ','.join(s['name'] for s in v['snapshots']) for v in d['volumes'])")
[ "$got" = "vm-100-disk-0:a,c,e vm-100-cloudinit:d vm-100-state-snap1: base-7-disk-0:b" ] &&
	ok "  ...each volume's own, in order" || { bad "  ...each volume's own, in order"; echo "     got: $got"; }
run 0 "list, as a table" -- list "$names"
got=$(awk '{print $1 ":" $(NF - 1)}' "$W/out" | tr '\n' ' ')
[ "$got" = "vm-100-disk-0:3 vm-100-cloudinit:1 vm-100-state-snap1:0 base-7-disk-0:1 " ] &&
	ok "  ...each volume's count of snapshots" || { bad "  ...each volume's count of snapshots"; echo "     got: $got"; }

# thin chunk size: chosen by a VM's first volume
run 0 "create with --chunk-size 512K" -- create "$names" vm-50-disk-0 --size 8M --chunk-size 512K
run 0 "  inspect --json" -- inspect "$names" --json
[ "$(json "[p['chunk_size'] for p in d['pools'] if p['vmid'] == 50]")" = "[524288]" ] \
	&& ok "  ...the pool has 512 KiB chunks" || bad "  ...the pool has 512 KiB chunks"
run 11 "a different chunk size for the VM's next volume is refused" -- create "$names" vm-50-disk-1 --size 8M --chunk-size 64K
run 0 "the same chunk size is fine" -- create "$names" vm-50-disk-1 --size 8M --chunk-size 512K
run 11 "chunk size not a multiple of 64K" -- create "$names" vm-51-disk-0 --size 8M --chunk-size 100K
run 11 "chunk size above 1G" -- create "$names" vm-51-disk-0 --size 8M --chunk-size 2G
run 2 "chunk size not a size" -- create "$names" vm-51-disk-0 --size 8M --chunk-size big

# provisioning: a thin pool takes a small start of the group's space, so a
# disk far larger than the 1 GiB group fits; full still takes it all
run 7 "a full 2 GiB disk does not fit a 1 GiB group" -- create "$names" vm-70-disk-0 --size 2G
run 0 "a thin 2 GiB disk does" -- create "$names" vm-70-disk-0 --size 2G --provisioning thin
run 0 "  and a second one in its pool (no provisioning given: the pool's own)" -- \
	create "$names" vm-70-disk-1 --size 4G
run 0 "  inspect --json" -- inspect "$names" --json
[ "$(json "[(p['provisioning'], p['data_extents'] * d['group']['extent_size']) for p in d['pools'] if p['vmid'] == 70]")" = "[('thin', 268435456)]" ] \
	&& ok "  ...the pool is thin and holds 256 MiB" || bad "  ...the pool is thin and holds 256 MiB"
run 0 "  resize grows the disk, not the thin pool" -- resize "$names" vm-70-disk-0 --size 3G
run 0 "  status --json" -- status "$names" --json
[ "$(json "(d['thin_pools'], d['provisioned'] >= 7 << 30, d['overcommit'] > 7)")" = "(1, True, True)" ] \
	&& ok "  ...status: one thin pool, 7 GiB provisioned, overcommitted over 7x" \
	|| { bad "  ...status: one thin pool, 7 GiB provisioned, overcommitted over 7x"; cat "$W/out"; }
run 0 "  inspect --json" -- inspect "$names" --json
[ "$(json "[p['data_extents'] * d['group']['extent_size'] for p in d['pools'] if p['vmid'] == 70]")" = "[268435456]" ] \
	&& ok "  ...still 256 MiB" || bad "  ...still 256 MiB"
run 0 "a small thin disk's pool starts at its size" -- create "$names" vm-71-disk-0 --size 8M --provisioning thin
run 0 "  inspect --json" -- inspect "$names" --json
[ "$(json "[p['data_extents'] * d['group']['extent_size'] for p in d['pools'] if p['vmid'] == 71]")" = "[8388608]" ] \
	&& ok "  ...8 MiB" || bad "  ...8 MiB"
run 0 "remove them" -- remove "$names" vm-70-disk-0
run 0 "  remove vm-70-disk-1" -- remove "$names" vm-70-disk-1
run 0 "  remove vm-71-disk-0" -- remove "$names" vm-71-disk-0
run 2 "--provisioning takes thin or full" -- create "$names" vm-72-disk-0 --size 8M --provisioning sparse
run 2 "monitor --grow-pct takes 1 to 100" -- monitor "$names" --once --grow-pct 0
run 2 "  ...not 101" -- monitor "$names" --once --grow-pct 101
run 2 "monitor --grow-min takes a size" -- monitor "$names" --once --grow-min big
run 0 "monitor --once with both" -- monitor "$names" --once --grow-pct 50 --grow-min 1G
run 2 "monitor --no-space-timeout takes 0 to 86400 seconds" -- monitor "$names" --once --no-space-timeout 86401
run 2 "  ...a number" -- monitor "$names" --once --no-space-timeout soon

# discards: the extents of a removed pool are given back to the LUN (a hole
# in this file), unless the group says not to
# pool_data VMID: offset and length (bytes) of each of the pool's data extent runs
pool_data() { "$STARDM" inspect "$names" --json | python3 -c "
import json,sys; d=json.load(sys.stdin); g=d['group']
for e in d['extents']:
    if e['owner'] == 'pool-data' and e['vmid'] == $1:
        print(g['data_offset'] + e['start'] * g['extent_size'], e['count'] * g['extent_size'])"; }
# fill_pool VMID: write ones over the pool's data extents (as its guest would)
fill_pool() { pool_data "$1" | while read -r off len; do
	python3 -c "import os,sys; f=os.open('$names', os.O_WRONLY); os.pwrite(f, b'\\x01' * $len, $off)"; done; }
# allocated OFFSET LEN: how many bytes of that range of the image are allocated
allocated() { python3 -c "
import os; f=os.open('$names', os.O_RDONLY); off, end, n = $1, $1 + $2, 0
while off < end:
    try: d = os.lseek(f, off, os.SEEK_DATA)
    except OSError: break
    if d >= end: break
    h = min(os.lseek(f, d, os.SEEK_HOLE), end); n += h - d; off = h
print(n)"; }
run 0 "status --json says discards are on" -- status "$names" --json
[ "$(json "d['discards']")" = True ] && ok "  ...on by default" || bad "  ...on by default"
run 0 "create vm-80-disk-0 (8 MiB)" -- create "$names" vm-80-disk-0 --size 8M
range=$(pool_data 80)
fill_pool 80
[ "$(allocated $range)" = 8388608 ] && ok "  ...its data extents written" || bad "  ...its data extents written"
run 0 "remove it" -- remove "$names" vm-80-disk-0
[ "$(allocated $range)" = 0 ] && ok "  ...its extents are a hole in the LUN file" || bad "  ...its extents are a hole in the LUN file ($(allocated $range) bytes left)"
run 0 "set-discards off" -- set-discards "$names" off
run 0 "  status --json" -- status "$names" --json
[ "$(json "d['discards']")" = False ] && ok "  ...off" || bad "  ...off"
run 0 "create vm-81-disk-0 (8 MiB)" -- create "$names" vm-81-disk-0 --size 8M
range=$(pool_data 81)
fill_pool 81
run 0 "remove it" -- remove "$names" vm-81-disk-0
[ "$(allocated $range)" = 8388608 ] && ok "  ...its extents stay as they were" || bad "  ...its extents stay as they were"
run 0 "set-discards on" -- set-discards "$names" on
run 11 "set-discards takes on or off" -- set-discards "$names" maybe

# sizes at the edges of 64 bits: one clear line, nothing written
run 0 "create at 512 bytes" -- create "$names" vm-60-disk-0 --size 512
before=$(sum_md "$names")
run 11 "resize to 2^64-2048 bytes is refused" -- resize "$names" vm-60-disk-0 --size 18446744073709549568
expect_in "$W/err" "larger than a volume can be" "  ...saying the size is too large"
run 11 "resize to 2^63 bytes is refused" -- resize "$names" vm-60-disk-0 --size 9223372036854775808
run 7 "resize to 2^63-512 bytes finds no space" -- resize "$names" vm-60-disk-0 --size 9223372036854775296
expect_in "$W/err" "not enough free space" "  ...saying there is not enough space"
run 11 "create at 2^64-1 bytes is refused" -- create "$names" vm-61-disk-0 --size 18446744073709551615
expect_in "$W/err" "larger than a volume can be" "  ...saying the size is too large"
run 11 "create at 16383P is refused" -- create "$names" vm-61-disk-0 --size 16383P
run 2 "create at 16384P does not parse" -- create "$names" vm-61-disk-0 --size 16384P
run 2 "create at 2^64 does not parse" -- create "$names" vm-61-disk-0 --size 18446744073709551616
run 2 "a lone dot is not a size" -- create "$names" vm-61-disk-0 --size .
run 2 "a fraction of a byte is not a size" -- create "$names" vm-61-disk-0 --size 0.5
run 11 "size 0 is refused" -- create "$names" vm-61-disk-0 --size 0
run 11 "extend-pool by 2^64-1 bytes is refused" -- extend-pool "$names" --vmid 60 --size 18446744073709551615
run 7 "extend-pool by 2^62 bytes finds no space" -- extend-pool "$names" --vmid 60 --size 4611686018427387904
run 2 "repair-pool without --vmid" -- repair-pool "$names"
run 3 "repair-pool of a VM without a pool" -- repair-pool "$names" --vmid 999
expect_in "$W/err" "VM 999 has no pool" "  ...naming the VM"
truncate -s 256M "$W/fresh.img" "$W/zero.img"
run 11 "init with a 2^64-1 byte extent is refused" -- init "$W/fresh.img" --name g --extent-size 18446744073709551615
expect_in "$W/err" "extent size" "  ...naming the extent size"
run 11 "init with a 2^64-4096 byte metadata area is refused" -- init "$W/fresh.img" --name g --metadata-size 18446744073709547520
expect_in "$W/err" "metadata size" "  ...naming the metadata size"
[ "$(sum "$W/fresh.img")" = "$(sum "$W/zero.img")" ] && ok "  ...the device is untouched" || bad "  ...the device is untouched"
[ "$(sum_md "$names")" = "$before" ] && ok "  ...metadata unchanged" || bad "  ...metadata unchanged"
run 0 "  list --vmid 60 --json" -- list "$names" --vmid 60 --json
[ "$(json "[v['size'] for v in d['volumes']]")" = "[512]" ] && ok "  ...the volume is still 512 bytes" || bad "  ...the volume is still 512 bytes"

# rename: within a VM, to a template name, and to another VM (pool moves)
run 0 "rename within the VM" -- rename "$names" vm-100-disk-0 vm-100-disk-5
run 0 "rename to a template name" -- rename "$names" vm-100-disk-5 base-100-disk-5
run 0 "  list" -- list "$names" --vmid 100 --json
[ "$(json "[v['template'] for v in d['volumes'] if v['name'] == 'base-100-disk-5']")" = "[True]" ] \
	&& ok "  ...base- sets the template flag" || bad "  ...base- sets the template flag"
run 0 "rename a VM's last volume to another VM" -- rename "$names" base-7-disk-0 vm-8-disk-0
run 0 "  list --vmid 8" -- list "$names" --vmid 8 --json
[ "$(json "[v['name'] for v in d['volumes']]")" = "['vm-8-disk-0']" ] && ok "  ...the pool moved to VM 8" || bad "  ...the pool moved to VM 8"
before=$(sum_md "$names")
run 4 "rename into a VM that has a pool is refused" -- rename "$names" vm-8-disk-0 vm-100-disk-9
run 11 "rename out of a shared pool is refused" -- rename "$names" vm-100-cloudinit vm-9-cloudinit
run 4 "rename onto an existing name is refused" -- rename "$names" vm-100-cloudinit vm-100-state-snap1
run 3 "rename of a missing volume is refused" -- rename "$names" vm-100-disk-77 vm-100-disk-78
run 11 "rename to a bad name is refused" -- rename "$names" vm-100-cloudinit 'vm-100-a;b'
[ "$(sum_md "$names")" = "$before" ] && ok "  ...metadata unchanged" || bad "  ...metadata unchanged"

# clone: the base's pool catches up in the kernel before it becomes a
# template, so without device-mapper the clone is refused and the metadata
# stays as it was (no claim of the base's pool left behind); bad clones are
# refused before anything is looked at
run 0 "a base with a pending create" -- create "$names" base-60-disk-0 --size 8M
before=$(sum_md "$names")
run 3 "clone without device-mapper is refused" -- clone "$names" base-60-disk-0 vm-61-disk-0
[ "$(sum_md "$names")" = "$before" ] && ok "  ...metadata unchanged" || bad "  ...metadata unchanged"
run 11 "a clone of a VM's own disk is refused" -- clone "$names" vm-8-disk-0 vm-61-disk-0
run 11 "a clone into the base's own VM is refused" -- clone "$names" base-60-disk-0 vm-60-disk-1
run 11 "a clone with a template's name is refused" -- clone "$names" base-60-disk-0 base-61-disk-0
run 3 "a clone of a missing base is refused" -- clone "$names" base-62-disk-0 vm-61-disk-0
[ "$(sum_md "$names")" = "$before" ] && ok "  ...metadata unchanged" || bad "  ...metadata unchanged"
run 0 "the base goes" -- remove "$names" base-60-disk-0

# the node monitor: status says whether one runs; a second one is refused.
# (Its pool work needs device-mapper: tests/vm.)  Its lock file lives in
# $STARDM_RUN_DIR, here the test's own directory.
run 0 "status without a monitor" -- status "$names" --json
[ "$(json "d['monitor_running']")" = False ] && ok "  ...monitor_running is false" || bad "  ...monitor_running is false"
"$STARDM" monitor "$names" --interval 1 >"$W/mon" 2>&1 &
mon=$!
i=0; while [ $i -lt 50 ] && ! grep -q watching "$W/mon"; do sleep 0.1; i=$((i + 1)); done
run 0 "status with a monitor" -- status "$names" --json
[ "$(json "d['monitor_running']")" = True ] && ok "  ...monitor_running is true" || bad "  ...monitor_running is true"
run 6 "a second monitor for the group is refused" -- monitor "$names" --interval 1
expect_in "$W/err" "already runs on this node" "  ...saying why"
kill $mon; wait $mon 2>/dev/null
run 0 "status after the monitor stopped" -- status "$names"
expect_in "$W/out" "monitor: NOT RUNNING" "  ...says it is not running"

# a heartbeat the monitor cannot write is logged, counted, and shown by
# status (a copy of the group stands in for the node's view of it)
truncate -s 256M "$W/hb.img"
"$STARDM" init "$W/hb.img" --name hb >/dev/null
cp "$W/hb.img" "$W/hb-view.img"
"$STARDM" monitor "$W/hb.img" --interval 1 >"$W/mon" 2>&1 &
mon=$!
i=0; while [ $i -lt 50 ] && ! grep -q watching "$W/mon"; do sleep 0.1; i=$((i + 1)); done
run 0 "status --json before any failure" -- status "$W/hb-view.img" --json
[ "$(json "d['heartbeat_failures']")" = 0 ] && ok "  ...no heartbeat failure" || bad "  ...no heartbeat failure"
truncate -s 1M "$W/hb.img"   # the LUN is gone from under the monitor
# its next pass (within the 1 s interval) fails to beat
i=0; while [ $i -lt 50 ]; do
	"$STARDM" status "$W/hb-view.img" --json >"$W/out" 2>/dev/null &&
		[ "$(json "d['heartbeat_failures']")" != 0 ] && break
	sleep 0.1; i=$((i + 1))
done
run 0 "status --json after the heartbeat failed" -- status "$W/hb-view.img" --json
[ "$(json "d['heartbeat_failures'] >= 1")" = True ] && ok "  ...counts the failed heartbeats" || bad "  ...counts the failed heartbeats"
[ "$(json "len(d.get('heartbeat_last_error', '')) > 0")" = True ] && ok "  ...names the last error" || bad "  ...names the last error"
run 0 "status after the heartbeat failed" -- status "$W/hb-view.img"
expect_in "$W/out" "HEARTBEAT WRITES FAILED" "  ...says so in plain text"
expect_in "$W/mon" "^stardm: .*" "  ...and the monitor logged it"
kill $mon; wait $mon 2>/dev/null

# the monitor's lock is its group's identity, not its name: a group of
# the same name on another LUN (or the LUN formatted again) has its own
truncate -s 256M "$W/same1.img" "$W/same2.img"
"$STARDM" init "$W/same1.img" --name same >/dev/null && "$STARDM" init "$W/same2.img" --name same >/dev/null
"$STARDM" monitor "$W/same1.img" --interval 1 >"$W/mon" 2>&1 &
mon=$!
i=0; while [ $i -lt 50 ] && ! grep -q watching "$W/mon"; do sleep 0.1; i=$((i + 1)); done
"$STARDM" monitor "$W/same2.img" --interval 1 >"$W/mon2" 2>&1 &
mon2=$!
i=0; while [ $i -lt 50 ] && ! grep -q watching "$W/mon2"; do sleep 0.1; i=$((i + 1)); done
kill -0 $mon2 2>/dev/null && ok "a monitor starts for another group of the same name" ||
	bad "a monitor starts for another group of the same name: $(cat "$W/mon2")"
kill $mon2 2>/dev/null; wait $mon2 2>/dev/null

# a monitor whose LUN is formatted again ends by itself, saying so
"$STARDM" init "$W/same1.img" --name same --force >/dev/null
i=0; while [ $i -lt 100 ] && kill -0 $mon 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
if kill -0 $mon 2>/dev/null; then
	bad "the monitor of a group formatted away ends (still running after 10 s)"; kill $mon
	wait $mon 2>/dev/null
else
	wait $mon; rc=$?
	[ "$rc" = 0 ] && ok "the monitor of a group formatted away ends (exit 0)" ||
		bad "the monitor of a group formatted away ends (exit $rc, want 0)"
fi
expect_in "$W/mon" "^stardm: monitor: group .* is gone: .* holds group .* now; this monitor ends" \
	"  ...saying why"

# a libblkid probe that fails has not shown the device free: init refuses
# it, and --force still overwrites (the shim sits beside the binary)
shim=$(dirname "$STARDM")/blkid-fail.so
if [ -f "$shim" ]; then
	truncate -s 256M "$W/probe.img"
	before=$(sum "$W/probe.img")
	LD_PRELOAD=$shim ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0 \
		"$STARDM" init "$W/probe.img" --name p >"$W/out" 2>"$W/err"
	rc=$?
	[ "$rc" = 10 ] && grep -q "cannot probe for signatures" "$W/err" &&
		[ "$(sum "$W/probe.img")" = "$before" ] && ok "init refuses when the signature probe fails" ||
		bad "init refuses when the signature probe fails (exit $rc)"
	LD_PRELOAD=$shim ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0 \
		"$STARDM" init "$W/probe.img" --name p --force >"$W/out" 2>"$W/err" &&
		ok "  ...and --force overwrites" || bad "  ...and --force overwrites"
else
	bad "the blkid shim $shim is missing (make unit or make san builds it)"
fi

# a shrink would cut off data: refused, nothing written
before=$(sum_md "$names")
run 11 "resize to a smaller size is refused" -- resize "$names" vm-100-cloudinit --size 1M
expect_in "$W/err" "only growing is supported" "  ...saying only growing is supported"
[ "$(sum_md "$names")" = "$before" ] && ok "  ...metadata unchanged" || bad "  ...metadata unchanged"

# errors with --json: the same line on stderr, and on stdout one JSON error
# whose code and exit status are the class's (docs/stardm.8)
run 3 "status of an unknown group with --json" -- status no-such-group --json
[ "$(json "d['error']['code'], d['error']['exit']")" = "not-found 3" ] \
	&& ok "  ...error not-found, exit 3 on stdout" || bad "  ...error not-found, exit 3 on stdout"
[ "$(json "d['error']['message']")" = "$(sed 's/^stardm: //' "$W/err")" ] \
	&& ok "  ...with stderr's message" || bad "  ...with stderr's message"
run 2 "an unknown option with --json" -- list "$names" --json --bogus
[ "$(json "d['error']['code'], d['error']['exit']")" = "usage 2" ] \
	&& ok "  ...error usage, exit 2 on stdout" || bad "  ...error usage, exit 2 on stdout"
run 9 "inspect of a damaged device with --json" -- inspect "$W/c.img" --json
[ "$(json "d['error']['code']")" = "corrupt" ] && ok "  ...error corrupt" || bad "  ...error corrupt"
run 4 "create of an existing volume" -- create "$names" vm-60-disk-0 --size 1M
run 3 "remove of a missing volume" -- remove "$names" vm-60-disk-9
run 7 "create beyond the free space" -- create "$names" vm-62-disk-0 --size 900G

# a LUN the SAN made larger: the group keeps its size until grow takes the
# new space in; then both copies are whole at the new end
g=$W/grow.img
truncate -s 256M "$g"
run 0 "grow: init a 256 MiB group" -- init "$g" --name grown --extent-size 4M
run 0 "  create a volume" -- create "$g" vm-70-disk-0 --size 16M
run 0 "  status --json" -- status "$g" --json
before_total=$(json "d['total']")
truncate -s 384M "$g"
run 0 "  status of the grown LUN" -- status "$g"
expect_in "$W/out" "the device has 128.0 MiB more than the group: 'stardm grow grown'" "  ...says grow takes 128 MiB in"
run 0 "  grow" -- grow "$g"
expect_in "$W/out" "grown: grown from 256.0 MiB to 384.0 MiB: 32 more extents" "  ...says 32 more extents"
run 0 "  status --json" -- status "$g" --json
[ "$(json "d['total'] - $before_total, d['group_size'], d['device_size']")" = "134217728 402653184 402653184" ] \
	&& ok "  ...128 MiB more space, the group spans the device" || bad "  ...128 MiB more space, the group spans the device"
run 0 "  inspect --json" -- inspect "$g" --json
[ "$(json "[c['label_valid'] for c in d['copies']], [s['valid'] for c in d['copies'] for s in c['slots'] if s['seqno'] == max(s2['seqno'] for c2 in d['copies'] for s2 in c2['slots'])], d['copies'][1]['label_offset']")" = "[True, True] [True, True] 402649088" ] \
	&& ok "  ...both labels valid, the end one at the new end, the state in both copies" \
	|| bad "  ...both labels valid, the end one at the new end, the state in both copies"
run 0 "  create a volume only the new space holds" -- create "$g" vm-71-disk-0 --size 300M --provisioning full
run 0 "  grow again" -- grow "$g" --json
[ "$(json "d['grown'], d['old_size'] == d['new_size']")" = "False True" ] && ok "  ...nothing to take in" || bad "  ...nothing to take in"
run 0 "  list" -- list "$g" --json
[ "$(json "sorted(v['name'] for v in d['volumes'])")" = "['vm-70-disk-0', 'vm-71-disk-0']" ] && ok "  ...both volumes there" || bad "  ...both volumes there"
truncate -s 256M "$g"
run 10 "  a device smaller than its group" -- status "$g" --json
[ "$(json "d['error']['code']")" = io ] && ok "  ...error io" || bad "  ...error io"
expect_in "$W/err" "the group spans 402653184 bytes but the device has 268435456: rescan it" "  ...saying to rescan it"

# the reserve: 3% by default, kept from new disks (the core unit tests
# show growth taking it), set per group
r=$W/reserve.img
truncate -s 256M "$r"
run 11 "init --reserve above 50% is refused" -- init "$r" --name res --reserve 60
expect_in "$W/err" "more than the 50% a group may keep back" "  ...saying 50% is the most"
run 2 "init --reserve takes a percentage" -- init "$r" --name res --reserve 3x
run 0 "init with the default reserve" -- init "$r" --name res
run 0 "  status --json" -- status "$r" --json
[ "$(json "d['reserve_pct'], d['reserve'] == -(-d['extents_total'] * 3 // 100) * d['extent_size'], d['available'] == d['free'] - d['reserve'], d['space']")" = "3 True True ok" ] \
	&& ok "  ...3% kept back, the rest available, space ok" || bad "  ...3% kept back, the rest available, space ok"
avail=$(json "d['available'] >> 20")
run 7 "  a full disk of all the free space is refused" -- create "$r" vm-90-disk-0 --size "$(json "d['free'] >> 20")M" --provisioning full
expect_in "$W/err" "the reserve keeps for pool growth (stardm set-reserve)" "  ...naming the reserve"
run 0 "  one of all but 8 MiB of the available space fits" -- create "$r" vm-90-disk-0 --size "$((avail - 8))M" --provisioning full
run 0 "  status" -- status "$r"
expect_in "$W/out" "WARNING: free space low" "  ...warns that free space is low"
run 0 "set-reserve 0" -- set-reserve "$r" 0
run 0 "  status --json" -- status "$r" --json
[ "$(json "d['reserve_pct'], d['reserve'], d['available'] == d['free']")" = "0 0 True" ] \
	&& ok "  ...nothing kept back" || bad "  ...nothing kept back"
before=$(sum_md "$r")
run 11 "set-reserve 51 is refused" -- set-reserve "$r" 51
run 11 "set-reserve takes a number" -- set-reserve "$r" lots
[ "$(sum_md "$r")" = "$before" ] && ok "  ...metadata unchanged" || bad "  ...metadata unchanged"

# crash injection and late reading of udev are for test builds (make
# hooks) only
for hook in STARDM_CRASH_AFTER_STEPS STARDM_UDEV_READ_LATE; do
	[ -s "$STARDM" ] && [ "$(grep -c $hook "$STARDM")" = 0 ] &&
		ok "the binary has no test hook $hook" || bad "the binary has no test hook $hook"
done

# STARDM_TRACE: where a command's time went, one line per phase at exit;
# each phase is charged its own time, so the lines add up to the total
t=$W/trace.img
truncate -s 256M "$t"
"$STARDM" init "$t" --name tr >/dev/null 2>&1
STARDM_TRACE=1 "$STARDM" create "$t" vm-1-disk-0 --size 8M >"$W/out" 2>"$W/err"
[ $? = 0 ] && ok "STARDM_TRACE=1 create" || bad "STARDM_TRACE=1 create"
expect_in "$W/err" "^stardm: trace: create " "  ...names the command"
[ "$(awk '$3 == "commit" {print $4}' "$W/err")" = 1 ] && ok "  ...one commit" || bad "  ...one commit"
[ "$(awk '$3 == "cluster-lock" {print $4}' "$W/err")" = 1 ] && ok "  ...one cluster lock" || bad "  ...one cluster lock"
sums=$(awk '$6 == "ms" && $3 != "total" {s += $5} $3 == "total" {t = $5}
	END {d = s - t; if (d < 0) d = -d; print (t > 0 && d < 0.05) ? "yes" : "no " s " " t}' "$W/err")
[ "$sums" = yes ] && ok "  ...the phases add up to the total" || bad "  ...the phases add up to the total ($sums)"
"$STARDM" create "$t" vm-2-disk-0 --size 8M >"$W/out" 2>"$W/err"
[ $? = 0 ] && [ ! -s "$W/err" ] && ok "  ...and nothing without it" || bad "  ...and nothing without it"

# autoactivate --json failing part way (no device-mapper for the marked
# volume on a file): what it did, and the error, in one document
"$STARDM" set-autoactivate "$t" vm-1-disk-0 on >"$W/out" 2>"$W/err" &&
	ok "set-autoactivate" || bad "set-autoactivate"
"$STARDM" autoactivate "$t" --json >"$W/out" 2>"$W/err"
got=$?
[ "$got" != 0 ] && [ "$(wc -l <"$W/err")" = 1 ] && ok "autoactivate whose volume cannot load fails" ||
	bad "autoactivate whose volume cannot load fails (exit $got)"
[ "$(json "(d['activated'], d['failed'], d['error']['exit'])")" = "(0, 1, $got)" ] &&
	ok "  ...its JSON has the counts and the error" || bad "  ...its JSON has the counts and the error"

# convert: between format versions, the records as they were
cv=$W/convert.img
truncate -s 256M "$cv"
"$STARDM" init "$cv" --name cv --format-version 1 >/dev/null 2>&1 &&
	"$STARDM" create "$cv" vm-7-disk-0 --size 8M >/dev/null 2>&1 &&
	"$STARDM" snapshot "$cv" vm-7-disk-0 s1 >/dev/null 2>&1 || bad "convert: a version 1 group"
"$STARDM" list "$cv" --json >"$W/list-before" 2>"$W/err" || bad "convert: list before"
before=$(sum_md "$cv")
run 2 "convert without --format-version" -- convert "$cv"
run 2 "convert to version 3" -- convert "$cv" --format-version 3
[ "$(sum_md "$cv")" = "$before" ] && ok "  ...wrote nothing" || bad "  ...wrote nothing"
run 0 "convert to version 2" -- convert "$cv" --format-version 2
expect_in "$W/out" "converted from format version 1 to 2" "  ...says so"
run 0 "inspect after it" -- inspect "$cv" --json
[ "$(json "d['group']['format_version'], [c['label_version'] for c in d['copies']]")" = "2 [2, 2]" ] &&
	ok "  ...both labels say version 2" || bad "  ...both labels say version 2"
for k in on off on; do "$STARDM" set-autoactivate "$cv" vm-7-disk-0 $k >/dev/null 2>&1 || bad "convert: commit $k"; done
run 0 "inspect after three commits" -- inspect "$cv" --json
[ "$(json "max(s['journal_entries'] for c in d['copies'] for s in c['slots'])")" = 2 ] &&
	ok "  ...the commits after a slot are entries" || bad "  ...the commits after a slot are entries"
run 0 "convert to version 2 again (--json)" -- convert "$cv" --format-version 2 --json
[ "$(json "d['converted'], d['old_format_version'], d['format_version']")" = "False 2 2" ] &&
	ok "  ...nothing to do" || bad "  ...nothing to do"
run 0 "convert back to version 1" -- convert "$cv" --format-version 1
run 0 "inspect after it" -- inspect "$cv" --json
[ "$(json "d['group']['format_version'], [c['label_version'] for c in d['copies']], max(s['journal_entries'] for c in d['copies'] for s in c['slots'])")" = "1 [1, 1] 0" ] &&
	ok "  ...version 1, no entries left" || bad "  ...version 1, no entries left"
"$STARDM" set-autoactivate "$cv" vm-7-disk-0 off >/dev/null 2>&1 || bad "convert: commit after it"
"$STARDM" list "$cv" --json >"$W/out" 2>"$W/err" || bad "convert: list after"
python3 -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(a != b)" \
	"$W/list-before" "$W/out" && ok "  ...the volumes and snapshots as before" ||
	bad "  ...the volumes and snapshots as before"

# convert to version 2 while another node's host slot does not say that
# its stardm reads version 2 (as a stardm from before the field writes it)
old_slot() { # old_slot IMAGE HOST_ID: the slot's formats field zeroed, crc made to fit
	python3 - "$1" "$2" <<'PY'
import struct, sys
def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 & -(c & 1))
    return c ^ 0xFFFFFFFF
path, hid = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    f.seek(4096 * hid)
    s = bytearray(f.read(4096))
    s[120:124] = b"\0\0\0\0"
    s[4092:4096] = struct.pack("<I", crc32c(bytes(s[:4092])))
    f.seek(4096 * hid)
    f.write(s)
PY
}
co=$W/convert-old.img
truncate -s 256M "$co"
"$STARDM" init "$co" --name co --format-version 1 >/dev/null 2>&1 &&
	"$STARDM" create "$co" vm-8-disk-0 --size 8M >/dev/null 2>&1 &&
	STARDM_NODE_NAME=oldnode "$STARDM" create "$co" vm-9-disk-0 --size 8M >/dev/null 2>&1 &&
	old_slot "$co" 2 || bad "convert: a group with a node of an older stardm"
run 0 "inspect it" -- inspect "$co" --json
[ "$(json "[(h['host_id'], h['reads_format_versions']) for h in d['host_slots']], d['host_slots'][1]['name']")" = "[(1, [1, 2]), (2, [])] oldnode" ] &&
	ok "  ...each host slot says what its stardm reads" || bad "  ...each host slot says what its stardm reads"
before=$(sum_md "$co")
run 6 "convert to version 2 beside an older stardm is refused" -- convert "$co" --format-version 2
expect_in "$W/err" "node oldnode (host slot 2) runs a stardm that cannot read format version 2" "  ...naming the node"
[ "$(sum_md "$co")" = "$before" ] && ok "  ...metadata unchanged" || bad "  ...metadata unchanged"
run 0 "convert to version 1 beside it" -- convert "$co" --format-version 1
run 0 "convert to version 2 with --force" -- convert "$co" --format-version 2 --force
expect_in "$W/out" "converted from format version 1 to 2" "  ...converted"

# every command of 'stardm help' has its entry in the man page
man="$HERE/../../docs/stardm.8"
"$STARDM" help >"$W/out" 2>&1
cmds=$(awk '$1 == "stardm" && $2 ~ /^[a-z]/ {print $2}' "$W/out")
[ "$(echo "$cmds" | wc -w)" -ge 30 ] && ok "help lists the commands" || bad "help lists the commands"
undocumented=""
for c in $cmds; do
	e=$(echo "$c" | sed 's/-/\\\\-/g')
	grep -qE "^\.B[IR]* \"?(stardm )?$e( |\"|\$)" "$man" || undocumented="$undocumented $c"
done
[ -z "$undocumented" ] && ok "  ...each one in stardm(8)" || bad "  ...each one in stardm(8):$undocumented"

# both I/O backends serve the CLI
for b in uring aio; do
	STARDM_IO=$b "$STARDM" inspect "$lun" --json >"$W/out" 2>"$W/err" && ok "inspect through $b" || bad "inspect through $b"
done

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
