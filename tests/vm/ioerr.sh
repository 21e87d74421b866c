# VM suite (make faults): the LUN fails under stardm during a metadata
# commit (one metadata copy's slots give I/O errors: the error target) and
# under the monitor's heartbeat (dm-flakey with error_writes: every write
# and flush fails for 5 s).  Wanted: stardm says one clear line with the
# I/O exit status (10) for a change that did not land, keeps reading the
# group from the other copy, stays consistent, and once the LUN works
# again the work goes on; the heartbeat survives.
# Not in make check yet: the commit part fails today (docs/faults.md): a
# read error in one copy's slots makes the group unreadable, and a commit
# whose batch landed in one copy only reports a failure for a change that
# the next read then finds in place.
. /usr/local/bin/lib.sh
SZ=$(blockdev --getsz /dev/vda)
MIB=2048 # sectors
# metadata copy A's two slots: at 2 MiB, 8 MiB each (docs/format.md)
A0=$((2 * MIB)) AL=$((16 * MIB))
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
check "a disk, live, written" sh -c "stardm create $G vm-101-disk-0 --size 64M &&
	d=\$(stardm activate $G vm-101-disk-0) && dd if=/dev/urandom of=/tmp/p bs=1M count=8 2>/dev/null &&
	dd if=/tmp/p of=\$d bs=1M oflag=direct 2>/dev/null"
want=$(md5sum </tmp/p | cut -d' ' -f1)
sum() { dd if=/dev/mapper/stardm-e1-vm-101-disk-0 bs=1M count=8 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1; }
# current: the sequence number of the state the group reads as current
current() { stardm inspect $G >/tmp/insp.txt 2>&1; sed -n 's/^current *seq \([0-9]*\).*/\1/p' /tmp/insp.txt; }
seq0=$(current)

# a commit: the metadata slots fail writes
check "copy A's metadata slots fail" slots_fail
check "create fails: exit 10, one line" exits_io stardm create $G vm-102-disk-0 --size 64M
check "  snapshot fails the same way" exits_io stardm snapshot $G vm-101-disk-0 s0
check "  the state read back is the one before" sh -c "cat /tmp/insp.txt; [ '$(current)' = '$seq0' ]"
check "  the live disk still reads its data" same "$(sum)" "$want"
check "the LUN works again" working
check "  consistent" consistent
check "  no trace of the failed create" unlisted vm-102-disk-0
check "  the create again succeeds" stardm create $G vm-102-disk-0 --size 64M
check "  the snapshot again succeeds" stardm snapshot $G vm-101-disk-0 s0

# the heartbeat: the monitor rewrites the host slot every pass; 5 s of a
# failing LUN must not stop it
check "the node monitor runs" sh -c "stardm monitor $G --interval 1 >/tmp/mon.log 2>&1 & echo \$! >/tmp/mon.pid"
sleep 3
check "the whole LUN fails writes for 5 s" all_fail
sleep 5
check "the LUN works again" working
hb() { stardm inspect $G --json | tr -d ' \n' | grep -o '"counter":[0-9]*' | head -1; }
h1=$(hb); sleep 3; h2=$(hb)
check "  the monitor is still running" kill -0 "$(cat /tmp/mon.pid)"
check "  its heartbeat moves again ($h1, then $h2)" differ "$h1" "$h2"
check "  it said the heartbeat failed" grep -q -i 'heartbeat' /tmp/mon.log
kill "$(cat /tmp/mon.pid)"
check "everything stops cleanly" sh -c "stardm deactivate $G vm-101-disk-0 && [ \$(dmsetup ls | grep -c stardm-) = 0 ]"
check "  consistent" consistent
vm_done
