#!/bin/sh
# A LUN grown under a running node pair (run by tests/vm/run-cluster): the
# SAN's growth is qemu's block_resize (the file grows, each node's disk
# reports its new size when its qemu is told).  A full group refuses a new
# disk, and a thin pool written past it starves, its writes waiting; node
# b alone sees the LUN grow and takes the space in with `stardm grow`
# while node a writes to a volume it has live, and the starving pool grows
# and its writes go through; node a, whose disk
# still shows the old size, refuses commands with one clear line (exit 10,
# "rescan it") and no harm done; once it sees the new size it uses the new
# space; a verifying writer finds every block it wrote.  Ends with "grow: N
# passed, N failed".
set -u
. "$(dirname "$0")/cluster-lib.sh"
GIB=1073741824
DEV=/dev/mapper/stardm-g1-vm-401-disk-0
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
status() { $N "$1" "stardm status g1 --json"; }
disk_bytes() { $N "$1" "echo \$((\$(cat /sys/block/vda/size) * 512))" | tr -d ' \n'; }

# a 1% reserve (164 MiB): the thin pool below starves after less writing
check "init a group on the 16 GiB LUN" $N a "stardm init /dev/vda --name g1 --reserve 1"
for n in a b; do # a pool out of space waits 120 s for space before failing writes
	check "node $n: monitor running" $N $n \
		"stardm monitor g1 --interval 1 --no-space-timeout 120 >/tmp/mon.log 2>&1 & echo \$! >/tmp/mon.pid"
done
check "node a: a 1 GiB disk, live, written by the verifying writer" \
	$N a "stardm create g1 vm-401-disk-0 --size 1G --provisioning full && stardm activate g1 vm-401-disk-0"
seq=0
check "  64 blocks written" writer a 0 64
seq=64
avail=$(status b | json "d['available'] >> 20")
check "node b: a full disk takes all but 320 MiB of the $avail MiB new disks may take" \
	$N b "stardm create g1 vm-402-disk-0 --size $((avail - 320))M --provisioning full"
# a thin disk written past what the group holds: its pool grows into the
# reserve, then starves, its writes waiting; the LUN's growth feeds it
starving() { status b | json "[p['vmid'] for p in d['active_pools'] if p['out_of_data_space']]"; }
TW=640 # MiB the thin disk's writer writes: more than its pool gets before the LUN grows
check "node b: a thin 8 GiB disk, $TW MiB written to it in the background" $N b \
	"stardm create g1 vm-405-disk-0 --size 8G --provisioning thin && dev=\$(stardm activate g1 vm-405-disk-0) &&
	yes 'vm-405 wrote this' | head -c 1048576 >/tmp/vm405.blk && i=0 &&
	{ while [ \$i -lt $TW ]; do cat /tmp/vm405.blk; i=\$((i + 1)); done |
	  dd of=\$dev bs=1M iflag=fullblock oflag=direct 2>/tmp/thin.err; echo \$? >/tmp/thin.rc; } >/dev/null 2>&1 &"
i=0
while [ "$(starving)" != "[405]" ] && [ $i -lt 90 ]; do sleep 1; i=$((i + 1)); done
check "  its pool starves within 90 s ($i s): the group is full" [ "$(starving)" = "[405]" ]
check "  the writer waits, no error yet" $N b "[ ! -e /tmp/thin.rc ]"
check "node b: no room for a 4 GiB disk" fails_with b "not enough free space" \
	"stardm create g1 vm-403-disk-0 --size 4G --provisioning full"
old_total=$(status b | json "d['total']")

check "the LUN grows to 24 GiB, seen by node b only" $N b --resize 24G
check "  node b's disk reports 24 GiB" [ "$(disk_bytes b)" = "$((24 * GIB))" ]
check "  node a's still 16 GiB" [ "$(disk_bytes a)" = "$((16 * GIB))" ]
check "  node b's status: the device has 8 GiB more than the group" \
	[ "$(status b | json "(d['device_size'] - d['group_size']) >> 30")" = 8 ]
writer a 64 200 >"$T/writer" 2>&1 & wpid=$!
check "node b: stardm grow, while node a writes" $N b "stardm grow g1"
wait $wpid; wrc=$?
seq=264
check "  node a's writer saw no error" [ "$wrc" = 0 ]
i=0
while ! $N b "[ -e /tmp/thin.rc ]" && [ $i -lt 90 ]; do sleep 1; i=$((i + 1)); done
check "  node b's starving pool grew into the new space: its writer finished, no error" \
	$N b "[ \"\$(cat /tmp/thin.rc)\" = 0 ] && grep -q '^$TW+0 records out' /tmp/thin.err && ! grep -qi error /tmp/thin.err"
# the writer's last MiB: the block it wrote $TW times (a pipe of 18-byte
# lines was a minute of the emulated CPU's time)
check "  its last MiB is there" $N b \
	"dd if=/dev/mapper/stardm-g1-vm-405-disk-0 bs=1M skip=$((TW - 1)) count=1 iflag=direct 2>/dev/null | cmp - /tmp/vm405.blk"
check "  no I/O error in node b's kernel log" [ "$($N b "dmesg | grep -c -i -E 'I/O error|error IO'")" = 0 ]
check "  node b: 8 GiB more space, a 4 GiB disk fits" \
	$N b "stardm create g1 vm-403-disk-0 --size 4G --provisioning full"
got=$(status b | json "(d['total'] - $old_total) >> 30, d['group_size'] == d['device_size']")
check "  node b: the group spans the device, 8 GiB more: $got" [ "$got" = "8 True" ]
$N b "stardm inspect g1 --json" >"$T/inspect"
check "  both labels valid, the end one at the new end" \
	[ "$(json "[c['label_valid'] for c in d['copies']], d['copies'][1]['label_offset']" <"$T/inspect")" = "[True, True] $((24 * GIB - 4096))" ]

# node a's heartbeat as node b reads it: the slot a claimed before the LUN
# grew is where it was, so a beats on
beat_of_a() { $N b "stardm inspect g1 --json" | json '[h["counter"] for h in d["host_slots"] if h["name"] == "a"][0]'; }
c1=$(beat_of_a); sleep 3; c2=$(beat_of_a)
check "node a, still at 16 GiB, beats on ($c1, then $c2)" differ "$c1" "$c2"
check "node a, still at 16 GiB, refuses a command with one line" fails_with a "rescan it" \
	"stardm create g1 vm-404-disk-0 --size 1G"
check "  exit status 10 (io)" sh -c '[ "$1" = 10 ]' - \
	"$($N a 'stardm status g1 >/dev/null 2>&1; echo $?' | tr -d ' \n')"
check "  its live disk still reads every block" verify a
check "the LUN reaches node a" $N a --resize 24G
check "  node a's disk reports 24 GiB" [ "$(disk_bytes a)" = "$((24 * GIB))" ]
check "node a: takes a disk in the new space" \
	$N a "stardm create g1 vm-404-disk-0 --size 2G --provisioning full"
check "  and writes to its live disk" writer a 264 64
seq=328
check "  every block reads back" verify a
check "  node b sees node a's disk" $N b "stardm list g1 --json | grep -q vm-404-disk-0"
for n in a b; do
	check "node $n: the monitor runs on" $N $n 'kill -0 $(cat /tmp/mon.pid)'
done
check "node b's heartbeat writes all went through" \
	$N b "stardm status g1 | grep -q 'monitor: running on this node\$'"
check "node a's heartbeat writes all went through" \
	$N a "stardm status g1 | grep -q 'monitor: running on this node\$'"
for n in a b; do $N $n 'kill $(cat /tmp/mon.pid)'; done
finish grow
