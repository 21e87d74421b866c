#!/bin/sh
# A template and its linked clones on the real kernel, over two nodes (run
# by tests/vm/run-cluster): VM 100's disk, written, becomes a template;
# three linked clones (two run on node a, one on node b) read the base's
# blocks through dm-thin's external origin and keep their own writes in
# their own pools; the template's pool is loaded read-only on both nodes at
# once; the base stays bit for bit as it was; the template is not written
# and not removed while clones exist; the base's devices go with a node's
# last clone; a clone is migrated live, and taken over by the other node
# when its node dies.  Ends with "clones: N passed, N failed".  The base
# is 64 MiB (16 extents): the suite reads it whole six times, and under
# emulation a MiB read and summed costs about 40 ms.
set -u
. "$(dirname "$0")/cluster-lib.sh"
MIB=1048576
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
dev() { echo /dev/mapper/stardm-t1-$1; }
# fill NODE VOLUME WORD FROM COUNT: COUNT copies of WORD's MiB at MiB FROM
fill() { $N "$1" "yes '$3' | head -c $MIB >/tmp/blk && i=0 && while [ \$i -lt $5 ]; do cat /tmp/blk; i=\$((i + 1)); done |
	dd of=$(dev "$2") bs=1M seek=$4 iflag=fullblock oflag=direct 2>/dev/null"; }
# holds NODE VOLUME WORD AT: the MiB at AT is WORD's
holds() { $N "$1" "yes '$3' | head -c $MIB >/tmp/want && dd if=$(dev "$2") bs=1M skip=$4 count=1 iflag=direct 2>/dev/null | cmp - /tmp/want"; }
sum() { $N "$1" "dd if=$(dev "$2") bs=1M iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1"; }
# same_as_base NODE VOLUME AT: the clone's MiB at AT is the base's
same_as_base() { $N "$1" "dd if=$(dev base-100-disk-0) bs=1M skip=$3 count=1 iflag=direct 2>/dev/null >/tmp/b && dd if=$(dev "$2") bs=1M skip=$3 count=1 iflag=direct 2>/dev/null | cmp - /tmp/b"; }

check "init a group" $N a "stardm init /dev/vda --name t1"
check "VM 100's 64 MiB disk, written whole" $N a "stardm create t1 vm-100-disk-0 --size 64M &&
	stardm activate t1 vm-100-disk-0 >/dev/null && dd if=/dev/urandom of=$(dev vm-100-disk-0) bs=1M count=64 oflag=direct 2>/dev/null"
base_sum=$(sum a vm-100-disk-0)
check "  and made a template (Proxmox's create_base)" $N a \
	"stardm deactivate t1 vm-100-disk-0 && stardm rename t1 vm-100-disk-0 base-100-disk-0"
for c in 101:a 102:b 103:a; do
	vm=${c%:*} node=${c#*:}
	check "linked clone vm-$vm-disk-0, made on node $node" $N "$node" \
		"stardm clone t1 base-100-disk-0 vm-$vm-disk-0"
done
$N a "stardm inspect t1 --json" >"$T/inspect"
check "  the base's pool is a template, nobody's" [ "$(json "[(p['template'], p['owner_host']) for p in d['pools'] if p['vmid'] == 100]" <"$T/inspect")" = "[(True, 0)]" ]
check "  each clone names its base" [ "$(json "sorted((v['name'], v['base']) for v in d['volumes'] if v['base'])" <"$T/inspect")" = "[('vm-101-disk-0', 'base-100-disk-0'), ('vm-102-disk-0', 'base-100-disk-0'), ('vm-103-disk-0', 'base-100-disk-0')]" ]
for c in 101:a 102:b 103:a; do
	vm=${c%:*} node=${c#*:}
	check "node $node runs vm-$vm-disk-0" $N "$node" "stardm activate t1 vm-$vm-disk-0 >/dev/null"
done
check "  clone 101 reads the whole base before any write" same "$(sum a vm-101-disk-0)" "$base_sum"
check "  clone 102 too, on node b" same "$(sum b vm-102-disk-0)" "$base_sum"
check "the template's pool is loaded read-only on both nodes" sh -c '
	for n in a b; do $0 "$n" "dmsetup table stardm-t1-vm100-pool | grep -q read_only" || exit 1; done' "$N"
$N a "stardm inspect t1 --json" >"$T/inspect"
check "  both nodes are its readers" [ "$(json "[p['readers'] for p in d['pools'] if p['vmid'] == 100]" <"$T/inspect")" = "[[1, 2]]" ]
check "clone 101 writes MiB 0-3" fill a vm-101-disk-0 c101 0 4
check "clone 102 writes MiB 4-7" fill b vm-102-disk-0 c102 4 4
check "clone 103 writes MiB 8-11" fill a vm-103-disk-0 c103 8 4
check "the base, read-only here, for comparing" $N a "stardm activate t1 base-100-disk-0 >/dev/null"
for at in 0 3; do check "  clone 101 reads its own MiB $at" holds a vm-101-disk-0 c101 $at; done
for at in 4 8 40 63; do check "  clone 101 reads the base's MiB $at" same_as_base a vm-101-disk-0 $at; done
for at in 4 7; do check "  clone 102 reads its own MiB $at" holds b vm-102-disk-0 c102 $at; done
for at in 8 9; do check "  clone 103 reads its own MiB $at" holds a vm-103-disk-0 c103 $at; done
for at in 0 4 50; do check "  clone 103 reads the base's MiB $at" same_as_base a vm-103-disk-0 $at; done
check "the base is bit for bit as it was" same "$(sum a base-100-disk-0)" "$base_sum"
check "the base's device is read-only, and a write to it fails" $N a \
	"dmsetup info stardm-t1-base-100-disk-0 | grep -q 'READ-ONLY' &&
	! dd if=/dev/zero of=$(dev base-100-disk-0) bs=4096 count=1 oflag=direct 2>/dev/null"
check "removing the template is refused, naming the clones" fails_with a \
	"3 linked clones (vm-101-disk-0, vm-102-disk-0, vm-103-disk-0)" "stardm remove t1 base-100-disk-0"
check "a snapshot of the template is refused" fails_with a "linked clones" \
	"stardm snapshot t1 base-100-disk-0 s1"
check "a clone's own snapshot works" $N a "stardm snapshot t1 vm-101-disk-0 s1"
check "  its snapshot activates" $N a "stardm activate t1 vm-101-disk-0 --snapshot s1"
check "  and reads like its clone, base blocks and own" same "$(sum a vm-101-disk-0)" "$(sum a vm-101-disk-0--s1)"
# live migration of a clone, in Proxmox's order (as the cluster suite
# drives it), to a node that has no template loaded: the target brings
# the base up before the clone's pool; a verifying writer runs throughout
check "node b stops clone 102: the template leaves node b" $N b "stardm deactivate t1 vm-102-disk-0 &&
	! dmsetup ls | grep -q -E 'vm100-pool|base-100'"
DEV=$(dev vm-103-disk-0)
seq=0
check "the guest of clone 103 writes on a" writer a $seq 40
seq=40
src=a dst=b moves=0
for round in 1 2; do
	ok=1
	$N $dst "stardm migrate-prepare t1 vm-103-disk-0" >/dev/null 2>&1 || ok=0
	$N $dst "dd if=$DEV of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null" || ok=0
	$N $dst "stardm migrate-gate t1 vm-103-disk-0" || ok=0
	$N $dst "(stardm migrate-finish t1 vm-103-disk-0 --timeout 60 >/tmp/fin.log 2>&1; echo \$? >/tmp/fin.rc) &"
	$N $src sync || ok=0
	$N $src "stardm migrate-release t1 vm-103-disk-0" || ok=0
	writer $dst $seq 20 || ok=0
	seq=$((seq + 20))
	$N $dst "cat /tmp/fin.rc" | grep -qx 0 || { ok=0; $N $dst "cat /tmp/fin.log"; }
	$N $src "stardm deactivate t1 vm-103-disk-0" || ok=0
	[ "$ok" = 1 ] && moves=$((moves + 1))
	if [ "$round" = 1 ]; then
		check "  on node b the template came up read-only under the clone" $N b \
			"dmsetup table stardm-t1-vm100-pool | grep -q read_only &&
			o=\$(dmsetup info -c --noheadings -o major,minor --separator : stardm-t1-base-100-disk-0--@origin) &&
			[ -n \"\$o\" ] && dmsetup table stardm-t1-vm-103-disk-0 | grep -q \" \$o\\\$\""
		check "  the base, read-only on node b too" $N b "stardm activate t1 base-100-disk-0"
		check "  clone 103 reads the base's MiB 50 on node b" same_as_base b vm-103-disk-0 50
		check "  the base deactivated on node b" $N b "stardm deactivate t1 base-100-disk-0"
	fi
	t=$src; src=$dst; dst=$t
done
check "clone 103 migrated a to b and back, live ($moves of 2)" [ "$moves" = 2 ]
check "  every block its guest wrote verifies" verify a
check "  its own MiB 9 is still its own" holds a vm-103-disk-0 c103 9
check "clone 103 grows past its base (96 MiB of 64), live" $N a "stardm resize t1 vm-103-disk-0 --size 96M"
check "  past the base's end it reads zeros" $N a \
	"[ \$(dd if=$DEV bs=1M skip=80 count=1 iflag=direct 2>/dev/null | wc -c) = $MIB ] &&
	[ \$(dd if=$DEV bs=1M skip=80 count=1 iflag=direct 2>/dev/null | tr -d '\\000' | wc -c) = 0 ]"
check "  below it, the base's blocks" same_as_base a vm-103-disk-0 50
check "  node b let the template go with the clone" [ "$($N b "dmsetup ls | grep -c -E 'vm100-|base-100'")" = 0 ]
# HA: node a dies with clones 101 and 103 running; node b takes clone 103
# over (forced, once a's heartbeat has stood still), bringing the template
# up read-only while the dead node is still recorded as a reader; node a,
# back, is a reader and an owner of nothing until it starts a clone again
check "node a runs the monitor (heartbeat)" $N a 'stardm monitor t1 --interval 1 >/tmp/mon.log 2>&1 &'
check "b's forced takeover of clone 103 is refused while a's heartbeat moves" fails_with b "is alive" \
	"stardm activate t1 vm-103-disk-0 --force --timeout 10"
check "node a crashes with clones 101 and 103 running" crash a
check "b takes clone 103 over with --force" $N b "stardm activate t1 vm-103-disk-0 --force --timeout 10 >/dev/null"
check "  every block its guest wrote verifies on b" verify b
check "  its own MiB 9 is its own" holds b vm-103-disk-0 c103 9
check "  the base, read-only on b, for comparing" $N b "stardm activate t1 base-100-disk-0 >/dev/null"
check "  clone 103 reads the base's MiB 50 on b" same_as_base b vm-103-disk-0 50
check "  the template came up read-only on b" $N b "dmsetup table stardm-t1-vm100-pool | grep -q read_only"
$N b "stardm inspect t1 --json" >"$T/inspect"
check "  b owns clone 103's pool; a, dead, is still a reader" \
	[ "$(json "[(p['vmid'], p['owner_host'], p['readers']) for p in d['pools'] if p['vmid'] in (100, 103)]" <"$T/inspect")" = "[(100, 0, [1, 2]), (103, 2, [])]" ]
check "node a boots again" boot a
check "  and settles the group (as udev's event does on a Debian node)" $N a "stardm autoactivate t1 >/dev/null"
$N a "stardm inspect t1 --json" >"$T/inspect"
check "  a is no reader of the template now, nor clone 101's owner" \
	[ "$(json "[(p['vmid'], p['owner_host'], p['readers']) for p in d['pools'] if p['vmid'] in (100, 101)]" <"$T/inspect")" = "[(100, 0, [2]), (101, 0, [])]" ]
check "  clone 101 runs on a again, its own MiB 0 and the base's MiB 40" $N a \
	"stardm activate t1 vm-101-disk-0 >/dev/null && stardm activate t1 base-100-disk-0 >/dev/null"
check "  its own MiB 0" holds a vm-101-disk-0 c101 0
check "  the base's MiB 40" same_as_base a vm-101-disk-0 40
check "node a stops its clone and the base" $N a "stardm deactivate t1 vm-101-disk-0 &&
	stardm deactivate t1 base-100-disk-0"
check "  the base's devices are gone from node a" [ "$($N a "dmsetup ls | grep -c -E 'vm100-|base-100'")" = 0 ]
check "node b stops clone 103 and the base" $N b "stardm deactivate t1 vm-103-disk-0 &&
	stardm deactivate t1 base-100-disk-0"
check "  the base's devices are gone from node b" [ "$($N b "dmsetup ls | grep -c -E 'vm100-|base-100'")" = 0 ]
$N a "stardm inspect t1 --json" >"$T/inspect"
check "  the template has no reader left" [ "$(json "[p['readers'] for p in d['pools'] if p['vmid'] == 100]" <"$T/inspect")" = "[[]]" ]
check "the clones removed" $N a "for v in 101 102 103; do stardm remove t1 vm-\$v-disk-0 || exit 1; done"
check "  then the template goes too" $N a "stardm remove t1 base-100-disk-0"
check "  no device of the group is left on either node" sh -c '
	for n in a b; do [ "$($0 "$n" "dmsetup ls | grep -c stardm-t1")" = 0 ] || exit 1; done' "$N"
finish clones
