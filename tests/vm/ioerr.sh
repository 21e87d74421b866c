# VM suite (make faults): the LUN fails under stardm during a metadata
# commit (one metadata copy's slots give I/O errors: the error target) and
# under the monitor's heartbeat (dm-flakey with error_writes: every write
# and flush fails for 5 s).  Wanted: stardm says one clear line with the
# I/O exit status (10) for a change that did not land, keeps reading the
# group from the other copy, stays consistent, and once the LUN works
# again the work goes on (a pool the kernel marked needs_check after
# repair-pool); the heartbeat survives.
. /usr/local/bin/lib.sh
SZ=$(blockdev --getsz /dev/vda)
MIB=2048 # sectors
dmsetup create lun --table "0 $SZ linear /dev/vda 0" && dmsetup mknodes
G=/dev/mapper/lun
swap() { dmsetup suspend lun && dmsetup load lun && dmsetup resume lun; }
fl() { echo "$1 $2 flakey /dev/vda $1 0 3600 1 error_writes"; }
li() { echo "$1 $2 linear /dev/vda $1"; }
# copy A's metadata slots fail (the error target: reads and writes, not
# flushes, which it never receives); copy B, labels, host slots and data
# work, so the group reads from copy B and every commit fails
slots_fail() { { li 0 $A0; echo "$A0 $AL error"; li $((A0 + AL)) $((SZ - A0 - AL)); } | swap; }
all_fail() { fl 0 "$SZ" | swap; }
writes_fail() { { li 0 $A0; fl $A0 $AL; li $((A0 + AL)) $((B0 - A0 - AL)); fl $B0 $AL
	li $((B0 + AL)) $((SZ - B0 - AL)); } | swap; }
working() { li 0 "$SZ" | swap; }
exits_io() { # exits_io CMD...: fails with exit status 10 and one "stardm: " line
	"$@" >/tmp/out 2>/tmp/err; rc=$?
	cat /tmp/err
	[ "$rc" = 10 ] && [ "$(wc -l </tmp/err)" = 1 ] && grep -q '^stardm: ' /tmp/err
}
consistent() {
	stardm inspect $G --json >/tmp/insp.json || return 1
	grep -q '"transaction_id"' /tmp/insp.json || return 1
	! grep -q '"mismatch": true' /tmp/insp.json
}
listed() { stardm list $G >/tmp/list && grep -q "^$1 " /tmp/list; }
unlisted() { stardm list $G >/tmp/list && grep -q "^vm-101-disk-0 " /tmp/list && ! grep -q "^$1 " /tmp/list; }

check "init a group on the LUN" stardm init $G --name e1
# metadata copy A's two slots at 2 MiB, copy B's one MiB and two slots
# before the LUN's end (docs/format.md), in sectors; the slot size as the
# group records it
S=$(stardm inspect $G --json | tr -d ' \n' | grep -o '"metadata_slot_size":[0-9]*' | cut -d: -f2)
A0=$((2 * MIB)) AL=$((2 * ${S:-0} / 512))
B0=$((SZ - MIB - AL))
check "  its metadata slots: $((AL / 2 / MIB)) MiB each" [ "$AL" -gt 0 ]
check "a disk, live, written" sh -c "stardm create $G vm-101-disk-0 --size 64M &&
	d=\$(stardm activate $G vm-101-disk-0) && dd if=/dev/urandom of=/tmp/p bs=1M count=8 2>/dev/null &&
	dd if=/tmp/p of=\$d bs=1M oflag=direct 2>/dev/null"
want=$(md5sum </tmp/p | cut -d' ' -f1)
sum() { dd if=/dev/mapper/stardm-e1-vm-101-disk-0 bs=1M count=8 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1; }
# current: the sequence number of the state the group reads as current
current() { stardm inspect $G >/tmp/insp.txt 2>&1; sed -n 's/^current *seq \([0-9]*\).*/\1/p' /tmp/insp.txt; }
seq0=$(current)

# one copy's slots fail reads and writes: the group is read from the other
# copy, and a commit that lands there alone took effect
check "copy A's metadata slots fail" slots_fail
check "  the group is read from copy B" listed vm-101-disk-0
check "  inspect names copy A's slots unreadable" sh -c "stardm inspect $G >/tmp/insp.txt 2>&1; grep 'cannot be read' /tmp/insp.txt"
warns_copy_a() { # CMD succeeds, with one warning line naming copy A
	"$@" >/tmp/out 2>/tmp/err; rc=$?
	cat /tmp/err
	[ "$rc" = 0 ] && [ "$(wc -l </tmp/err)" = 1 ] && grep -q '^stardm: warning: metadata copy A cannot be written' /tmp/err
}
check "  create succeeds, warning that copy A cannot be written" warns_copy_a stardm create $G vm-103-disk-0 --size 64M
check "  the new disk is there" listed vm-103-disk-0
check "  the live disk still reads its data" same "$(sum)" "$want"
check "the LUN works again" working
check "  consistent" consistent
check "  the next commit goes to both copies, no warning" sh -c "stardm remove $G vm-103-disk-0 2>/tmp/err; rc=\$?; cat /tmp/err; [ \"\$rc\" = 0 ] && [ ! -s /tmp/err ]"
seq0=$(current)

# both copies' slots fail writes (reads served): a commit lands nowhere
check "both copies' metadata slots fail writes" writes_fail
check "create fails: exit 10, one line" exits_io stardm create $G vm-102-disk-0 --size 64M
check "  snapshot fails the same way" exits_io stardm snapshot $G vm-101-disk-0 s0
# a pool with nothing new to commit is left as it is (stardm reads its
# status without the flush that would make it commit); the guest's write
# to new space is what needs a commit here
guest_write_fails() { dd if=/dev/zero of=/dev/mapper/stardm-e1-vm-101-disk-0 bs=1M seek=32 count=1 \
	oflag=direct conv=fsync 2>/dev/null; i=0
	while [ $i -lt 10 ] && ! dmsetup status stardm-e1-vm101-pool | grep -q needs_check; do sleep 1; i=$((i + 1)); done
	dmsetup status stardm-e1-vm101-pool; dmsetup status stardm-e1-vm101-pool | grep -q needs_check; }
check "  the guest writes to new space: its pool cannot commit, the kernel marks it needs_check" guest_write_fails
check "  the state read back is the one before" sh -c "cat /tmp/insp.txt; [ '$(current)' = '$seq0' ]"
check "  no half-made device is left" sh -c "dmsetup ls; [ \$(dmsetup ls | grep -c stardm-e1-vm102) = 0 ]"
check "  the live disk still reads its data" same "$(sum)" "$want"
check "the LUN works again" working
check "  consistent" consistent
check "  no trace of the failed create" unlisted vm-102-disk-0

# the live disk's pool could not commit the guest's write while writes
# failed: dm-thin turned it read-only and marked it needs_check.
# It takes no change then, each refused before it is recorded, with one
# line naming the repair; after repair-pool the disk works again and holds
# what was written before.
pool_bad() { dmsetup status stardm-e1-vm101-pool >/tmp/pool.st; cat /tmp/pool.st
	grep -qE ' ro .* needs_check ' /tmp/pool.st; }
pool_good() { dmsetup status stardm-e1-vm101-pool >/tmp/pool.st; cat /tmp/pool.st
	grep -q ' rw ' /tmp/pool.st && ! grep -q needs_check /tmp/pool.st; }
refused_naming_repair() { exits_io "$@" && grep -q 'repair-pool' /tmp/err; }
repaired() { stardm repair-pool $G --vmid 101 >/tmp/rep; rc=$?; cat /tmp/rep
	[ "$rc" = 0 ] && grep -q 'needs_check cleared' /tmp/rep; }
pool_checked_clean() {
	stardm deactivate $G vm-101-disk-0 && stardm inspect $G --check-pool --json >/tmp/chk.json &&
		tr -d ' \n' </tmp/chk.json | grep -q '"thin_check":{"result":"ok"' &&
		stardm activate $G vm-101-disk-0 >/dev/null
}
check "  the live disk's pool: read-only, needs_check" pool_bad
seq1=$(current)
check "  a snapshot is refused: exit 10, one line naming repair-pool" \
	refused_naming_repair stardm snapshot $G vm-101-disk-0 s0
check "  a second disk for the VM is refused the same way" \
	refused_naming_repair stardm create $G vm-101-disk-1 --size 16M
check "  nothing was recorded" sh -c "cat /tmp/insp.txt; [ '$(current)' = '$seq1' ]"
check_fails "  repair-pool while the disk is active is refused" stardm repair-pool $G --vmid 101
check "  the disk deactivates" stardm deactivate $G vm-101-disk-0
check "  repair-pool: thin_check clean, needs_check cleared" repaired
check "  the disk activates again" stardm activate $G vm-101-disk-0
check "  its pool is writable, no mark" pool_good
check "  it holds what was written before" same "$(sum)" "$want"
check "  the create again succeeds" stardm create $G vm-102-disk-0 --size 64M
check "  the snapshot again succeeds" stardm snapshot $G vm-101-disk-0 s0
check "  thin_check of the pool (inactive) is clean" pool_checked_clean

# a table load: vm-102's pool metadata device unreadable when the disk is
# activated; the activation fails with one line, leaves no device behind
# and no claim on the pool, and works once the LUN does
check "vm-102's disk activates and deactivates" sh -c "stardm activate $G vm-102-disk-0 >/dev/null &&
	dmsetup table stardm-e1-vm102-tmeta >/tmp/tmeta && stardm deactivate $G vm-102-disk-0"
set -- $(awk 'NR == 1 { print $5, $2 }' /tmp/tmeta)
off=${1:-} len=${2:-}
check "  its pool's metadata device: $len sectors at sector $off of the LUN" \
	sh -c '[ -n "$1" ] && [ -n "$2" ] && [ "$(wc -l </tmp/tmeta)" = 1 ]' - "$off" "$len"
tmeta_fails() { { li 0 "$off"; echo "$off $len error"; li $((off + len)) $((SZ - off - len)); } | swap; }
check "those sectors fail reads and writes" tmeta_fails
one_line_failure() { "$@" >/tmp/out 2>/tmp/err; rc=$?; cat /tmp/err
	[ "$rc" != 0 ] && [ "$(wc -l </tmp/err)" = 1 ] && grep -q '^stardm: ' /tmp/err; }
check "  activating the disk fails, one line" one_line_failure stardm activate $G vm-102-disk-0
check "  no device of its pool is left" sh -c "dmsetup ls; [ \$(dmsetup ls | grep -c stardm-e1-vm102) = 0 ]"
check "  the pool is nobody's" sh -c "stardm inspect $G --json | tr -d ' \n' | grep -q '\"vmid\":102,[^}]*\"owner_host\":0,'"
check "the LUN works again" working
check "  the disk activates and deactivates" sh -c "stardm activate $G vm-102-disk-0 >/dev/null && stardm deactivate $G vm-102-disk-0"

# the heartbeat: the monitor rewrites the host slot every second; 8 s of
# a failing LUN must not stop it, and, as this node then looks dead to the
# others, its disks are suspended (no write of it may land once another
# node could take its pools) until its beats land again
# the disk's dm state: ACTIVE or SUSPENDED
state() { dmsetup info stardm-e1-vm-101-disk-0 | sed -n 's/^State: *//p'; }
check "the node monitor runs" sh -c "stardm monitor $G --interval 1 >/tmp/mon.log 2>&1 & echo \$! >/tmp/mon.pid"
sleep 3
check "  the disk is live (not suspended)" [ "$(state)" = ACTIVE ]
check "the whole LUN fails writes for 8 s" all_fail
sleep 8
check "  the monitor suspended the node's disk" [ "$(state)" = SUSPENDED ]
check "the LUN works again" working
hb() { stardm inspect $G --json | tr -d ' \n' | grep -o '"counter":[0-9]*' | head -1; }
h1=$(hb); sleep 3; h2=$(hb)
check "  the monitor is still running" kill -0 "$(cat /tmp/mon.pid)"
check "  its heartbeat moves again ($h1, then $h2)" differ "$h1" "$h2"
check "  it said the heartbeat failed" grep -q -i 'heartbeat' /tmp/mon.log
i=0
while [ "$(state)" != ACTIVE ] && [ $i -lt 20 ]; do sleep 1; i=$((i + 1)); done
check "  the disk is resumed (after $i s more), as the monitor says" \
	sh -c "cat /tmp/mon.log; [ '$(state)' = ACTIVE ] && grep -q 'disks of the group are resumed' /tmp/mon.log"
kill "$(cat /tmp/mon.pid)"
check "  after the outage: the disk deactivates, repair-pool, it activates" \
	sh -c "stardm deactivate $G vm-101-disk-0 && stardm repair-pool $G --vmid 101 && stardm activate $G vm-101-disk-0 >/dev/null"
check "  it holds what was written" same "$(sum)" "$want"
check "everything stops cleanly" sh -c "stardm deactivate $G vm-101-disk-0 && [ \$(dmsetup ls | grep -c stardm-) = 0 ]"
check "  consistent" consistent
vm_done
