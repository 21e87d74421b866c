#!/bin/sh
# A slow LUN under one node of two (run by tests/vm/run-cluster; make
# faults): node a reaches the LUN only through a dm-delay map, node b
# directly.  A beat reads its slot, then writes it: at 1 s per I/O node a
# is slow but alive, its heartbeat lands every 2 s, b's forced takeover is
# refused, a's disk keeps working.  At 4 s per I/O a's beats land 8 s
# apart, too late for a to know it still counts as alive: its monitor
# suspends its disk (nothing more of a reaches the LUN) while b, watching
# 10 s, still refuses to take over.  When a's writes
# fail outright, a fences itself within 5 s and b may take the pool over
# after its 10 s; a's guest never writes again: block 0, which a's guest
# rewrote without pause, keeps what b wrote after the takeover.  Once a's
# LUN works again a's monitor sees that the pool is b's and points a's
# disk at the error target.  Last, a live migration's release on a whose
# metadata commit fails: exit 10, nothing handed over, and the release
# run again once the LUN works completes the migration.  Ends with
# "slowlun: N passed, N failed".
set -u
. "$(dirname "$0")/cluster-lib.sh"
V=vm-100-disk-0
A=/dev/mapper/slow # node a's way to the LUN
SZ=$($N a "blockdev --getsz /dev/vda" | tr -d ' \n')
# delay MS: node a's LUN answers each I/O MS milliseconds late
delay() { $N a "dmsetup suspend slow && dmsetup load slow --table '0 $SZ delay /dev/vda 0 $1' && dmsetup resume slow"; }
# a's disk's dm state: ACTIVE or SUSPENDED
state() { $N a "dmsetup info stardm-san1-$V | sed -n 's/^State: *//p'" | tr -d ' \n'; }
# what a's guest has written: its writer counts its writes in /tmp/n
# (replaced whole, never read half-written)
written() { $N a "cat /tmp/n" | tr -d ' \n'; }

check "node a reaches the LUN through a delay map" \
	$N a "dmsetup create slow --table '0 $SZ delay /dev/vda 0 0' && dmsetup mknodes"
check "init on b" $N b "stardm init /dev/vda --name san1"
check "node a: the monitor on its map" \
	$N a "stardm monitor $A --interval 1 >/tmp/mon.log 2>&1 & echo \$! >/tmp/mon.pid"
check "node a: VM 100's disk, live" $N a "stardm create $A $V --size 64M && stardm activate $A $V >/dev/null"
# a's guest: rewrites block 0 with a counter, one synchronous write after
# another, for the rest of the suite
check "node a: its guest writes block 0 without pause" $N a \
	"(i=0; while :; do printf 'a wrote %010d\n' \$i >/tmp/blk; dd if=/tmp/blk of=/dev/mapper/stardm-san1-$V bs=4096 conv=sync oflag=direct 2>/dev/null && i=\$((i + 1)) && echo \$i >/tmp/n.new && mv /tmp/n.new /tmp/n; done) >/dev/null 2>&1 &"
sleep 2

check "node a's LUN: 1 s per I/O" delay 1000
sleep 4
check "  b's forced takeover is refused: a is alive" fails_with b "is alive" \
	"stardm activate san1 $V --force --timeout 10"
check "  a's disk is not suspended" [ "$(state)" = ACTIVE ]
w1=$(written); sleep 6; w2=$(written)
check "  a's guest goes on writing ($w1, then $w2)" differ "$w1" "$w2"
check "  a still owns the pool" [ "$(owner b 100)" = a ]

check "node a's LUN: 4 s per I/O" delay 4000
i=0
while [ "$(state)" != SUSPENDED ] && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
check "  a's monitor suspends a's disk ($i s)" [ "$(state)" = SUSPENDED ]
check "  and says why" $N a "grep 'no heartbeat of this node reached the LUN' /tmp/mon.log"
check "  b's forced takeover is refused: a's beats still land" fails_with b "is alive" \
	"stardm activate san1 $V --force --timeout 10"
w1=$(written); sleep 12; w2=$(written) # unfenced, two writes at least
check "  a's guest writes nothing meanwhile ($w1, then $w2)" same "$w1" "$w2"

check "node a's LUN fast again" delay 0
i=0
while [ "$(state)" != ACTIVE ] && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
check "  a's disk is resumed ($i s)" [ "$(state)" = ACTIVE ]
w1=$(written); sleep 2; w2=$(written)
check "  a's guest writes again ($w1, then $w2)" differ "$w1" "$w2"
check "  a still owns the pool" [ "$(owner b 100)" = a ]

check "node a's LUN fails every write" \
	$N a "dmsetup suspend slow && dmsetup load slow --table '0 $SZ flakey /dev/vda 0 0 3600 1 error_writes' && dmsetup resume slow"
i=0
while [ "$(state)" != SUSPENDED ] && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
check "  a's monitor suspends a's disk ($i s)" [ "$(state)" = SUSPENDED ]
check "b takes the pool over: a's heartbeat stood still" \
	$N b "stardm activate san1 $V --force --timeout 10 >/dev/null"
check "  b writes block 0" $N b "printf 'b took over\n' >/tmp/blk && dd if=/tmp/blk of=/dev/mapper/stardm-san1-$V bs=4096 conv=sync oflag=direct 2>/dev/null"
check "node a's LUN works again" delay 0
sleep 8
check "  block 0 still holds b's write: nothing of a landed after the takeover" \
	[ "$($N b "dd if=/dev/mapper/stardm-san1-$V bs=4096 count=1 iflag=direct 2>/dev/null | head -c 11")" = "b took over" ]
check "  a's monitor: the pool was taken over" $N a "grep 'was taken over by another node' /tmp/mon.log"
check "  a's disk fails every I/O, its pool's layers cut off the LUN" \
	$N a "! timeout 10 dd if=/dev/mapper/stardm-san1-$V of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null &&
	dmsetup table stardm-san1-$V | grep -q ' error' && dmsetup table stardm-san1-vm100-tmeta | grep -q ' error' &&
	dmsetup table stardm-san1-vm100-tdata | grep -q ' error'"
check "  a deactivates it: nothing of the group left on a" \
	$N a "stardm deactivate $A $V && [ \$(dmsetup ls | grep -c stardm-san1) = 0 ]"
check "  block 0 on b still holds b's write" \
	[ "$($N b "dd if=/dev/mapper/stardm-san1-$V bs=4096 count=1 iflag=direct 2>/dev/null | head -c 11")" = "b took over" ]
check "  b owns the pool" [ "$(owner b 100)" = b ]
check "  b deactivates; thin_check finds the pool's metadata clean" \
	$N b "stardm deactivate san1 $V && stardm inspect san1 --check-pool >/tmp/c && cat /tmp/c && grep -q 'thin_check: ok' /tmp/c"
$N a 'kill $(cat /tmp/mon.pid)' >/dev/null 2>&1

# a live migration's release whose commit cannot be written: both copies'
# metadata slots fail writes under node a (the host slots and the data
# work, so the cluster lock is taken and the source fences its disk first)
slots() { $N b "stardm inspect san1 --json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(*[c["slots"][0]["offset"] // 512 for c in d["copies"]], d["group"]["metadata_slot_size"] // 256)'; }
set -- $(slots)
A0=$1 B0=$2 SL=$3 # each copy's first slot and both slots' length, in sectors
meta_fails() { $N a "dmsetup suspend slow && { echo '0 $A0 linear /dev/vda 0'
	echo '$A0 $SL flakey /dev/vda $A0 0 3600 1 error_writes'
	echo '$((A0 + SL)) $((B0 - A0 - SL)) linear /dev/vda $((A0 + SL))'
	echo '$B0 $SL flakey /dev/vda $B0 0 3600 1 error_writes'
	echo '$((B0 + SL)) $((SZ - B0 - SL)) linear /dev/vda $((B0 + SL))'; } | dmsetup load slow && dmsetup resume slow"; }
W=vm-200-disk-0
check "node a: VM 200's disk, live, written" $N a "stardm create $A $W --size 64M && stardm activate $A $W >/dev/null &&
	dd if=/dev/urandom of=/tmp/w bs=1M count=4 2>/dev/null && dd if=/tmp/w of=/dev/mapper/stardm-san1-$W bs=1M oflag=direct 2>/dev/null"
want=$($N a "md5sum </tmp/w" | cut -c1-32)
check "node b: migrate-prepare, QEMU's probe, gate" $N b "stardm migrate-prepare san1 $W >/dev/null &&
	dd if=/dev/mapper/stardm-san1-$W of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null && stardm migrate-gate san1 $W"
$N b "(stardm migrate-finish san1 $W --timeout 120 >/tmp/fin.log 2>&1; echo \$? >/tmp/fin.rc) &"
check "node a's metadata slots fail writes" meta_fails
check "  a's release at the commit point fails: exit 10, one line" $N a \
	"stardm migrate-release $A $W 2>/tmp/err; rc=\$?; cat /tmp/err; [ \$rc = 10 ] && [ \$(wc -l </tmp/err) = 1 ]"
check "  the pool is still a's; b has not loaded it" [ "$(owner b 200)$(live b 200)" = a0 ]
check "node a's LUN works again" delay 0
check "a's release again succeeds" $N a "stardm migrate-release $A $W"
i=0
while ! $N b "[ -s /tmp/fin.rc ]" && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
# the outage failed the flush of the pool's last commit on a (flakey fails
# every flush): the pool is marked needs_check, and the VM comes back on b
# as after any SAN write outage (docs/proxmox.md): stop, repair, start
check "  b's migrate-finish stops at the pool's needs_check mark" \
	$N b "cat /tmp/fin.log; [ \"\$(cat /tmp/fin.rc)\" != 0 ] && grep -q needs_check /tmp/fin.log"
check "  b owns the pool" [ "$(owner b 200)" = b ]
check "  b: the disk deactivates, repair-pool, it activates" \
	$N b "stardm deactivate san1 $W && stardm repair-pool san1 --vmid 200 && stardm activate san1 $W >/dev/null"
check "  b reads what a wrote" same "$($N b "dd if=/dev/mapper/stardm-san1-$W bs=1M count=4 iflag=direct 2>/dev/null | md5sum" | cut -c1-32)" "$want"
check "  a deactivates: nothing of VM 200 left on a" $N a "stardm deactivate $A $W && [ \$(dmsetup ls | grep -c -E 'vm-?200') = 0 ]"
finish slowlun
