# VM suite: the volume lifecycle on the real kernel (runs inside the test VM).
# vm-bins: fio
. /usr/local/bin/lib.sh
G=/dev/vda
dmcount() { dmsetup ls 2>/dev/null | grep -c stardm; }
seqno() { stardm inspect $G --json | sed -n 's/.*"seqno": \([0-9]*\).*/\1/p' | head -1; }
dev() { echo /dev/mapper/stardm-san1-$1; }
sum_dev() { dd if="$1" bs=1M count=${2:-8} iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1; }
free_bytes() { stardm status $G --json | sed -n 's/.*"free": \([0-9]*\).*/\1/p'; }

check "init" stardm init $G --name san1
total=$(free_bytes)
check "device-mapper has thin-pool" sh -c 'dmsetup targets | grep -q thin-pool'

# 3 VMs x 2 disks, activated, written with known data
dd if=/dev/urandom of=/tmp/pattern bs=1M count=8 2>/dev/null
want=$(md5sum </tmp/pattern | cut -d' ' -f1)
for vm in 101 102 103; do
	for d in 0 1; do
		check "create vm-$vm-disk-$d" stardm create san1 vm-$vm-disk-$d --size 256M
		check "activate vm-$vm-disk-$d" stardm activate san1 vm-$vm-disk-$d
		check "write vm-$vm-disk-$d" dd if=/tmp/pattern of=$(dev vm-$vm-disk-$d) bs=1M oflag=direct
	done
done
check "list shows 6 volumes" sh -c "[ \$(stardm list san1 --json | grep -c '\"name\"') = 6 ]"
check "list --vmid filters" sh -c "[ \$(stardm list san1 --vmid 102 --json | grep -c '\"name\"') = 2 ]"
check "path names the device" sh -c "[ \$(stardm path san1 vm-101-disk-0) = $(dev vm-101-disk-0) ]"

# snapshot, overwrite, rollback: the old data back bit for bit
check "snapshot while active" stardm snapshot san1 vm-101-disk-0 before
check "overwrite after snapshot" dd if=/dev/zero of=$(dev vm-101-disk-0) bs=1M count=8 oflag=direct
check "overwrite is visible" differ "$(sum_dev $(dev vm-101-disk-0))" "$want"
check "activate the snapshot read-only" stardm activate san1 vm-101-disk-0 --snapshot before
check "snapshot holds the old data" sh -c "[ \$(dd if=$(dev vm-101-disk-0--before) bs=1M count=8 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1) = $want ]"
check "snapshot device is read-only" sh -c "! dd if=/dev/zero of=$(dev vm-101-disk-0--before) bs=4k count=1 oflag=direct 2>/dev/null"
check "deactivate" stardm deactivate san1 vm-101-disk-0
check "rollback" stardm rollback san1 vm-101-disk-0 before
check "activate after rollback" stardm activate san1 vm-101-disk-0
check "rolled-back data is bit-identical" sh -c "[ \$(dd if=$(dev vm-101-disk-0) bs=1M count=8 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1) = $want ]"
check "delete-snapshot" stardm delete-snapshot san1 vm-101-disk-0 before

# resize grows the live device and keeps data
check "resize" stardm resize san1 vm-102-disk-0 --size 512M
check "blockdev sees the new size" sh -c "[ \$(blockdev --getsize64 $(dev vm-102-disk-0)) = 536870912 ]"
check "resize kept data" sh -c "[ \$(dd if=$(dev vm-102-disk-0) bs=1M count=8 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1) = $want ]"
check "write past the old end" dd if=/tmp/pattern of=$(dev vm-102-disk-0) bs=1M seek=300 oflag=direct

# fio random writes with verification, then data survives a deactivate/activate
check "status shows the live pools and their usage" sh -c "stardm status san1 --json >/tmp/s && grep -q '\"active_pools\"' /tmp/s && [ \$(grep -c '\"vmid\"' /tmp/s) = 3 ] && grep -q '\"data_used\": [1-9]' /tmp/s && ! grep -q '\"mismatch\": true' /tmp/s"
check "fio 4k randwrite with verify" fio --name=rw --filename=$(dev vm-103-disk-0) --rw=randwrite \
	--bs=4k --size=64M --direct=1 --ioengine=libaio --iodepth=16 --verify=crc32c \
	--verify_fatal=1 --do_verify=1 --randseed=7 --output=/tmp/fio.out
before=$(sum_dev $(dev vm-103-disk-0) 64)
check "deactivate vm-103-disk-0" stardm deactivate san1 vm-103-disk-0
check "activate vm-103-disk-0 again" stardm activate san1 vm-103-disk-0
check "data identical after the cycle" same "$(sum_dev $(dev vm-103-disk-0) 64)" "$before"

# bad input: one clear error, exit 1, metadata unchanged, no dm leftovers
s0=$(seqno); d0=$(dmcount)
check_fails "unknown volume" stardm activate san1 vm-101-disk-9
check_fails "duplicate name" stardm create san1 vm-101-disk-0 --size 1G
check_fails "size 0" stardm create san1 vm-104-disk-0 --size 0
check_fails "larger than free space" stardm create san1 vm-104-disk-0 --size 1T
check_fails "snapshot of a missing volume" stardm snapshot san1 vm-104-disk-0 s
check_fails "remove of an active volume" stardm remove san1 vm-101-disk-0
check_fails "activate while already active" stardm activate san1 vm-101-disk-0
check_fails "name outside the Proxmox pattern" stardm create san1 'disk;rm' --size 1M
check_fails "shrink" stardm resize san1 vm-102-disk-0 --size 1M
check "metadata unchanged by refused commands" same "$(seqno)" "$s0"
check "no dm device left behind" same "$(dmcount)" "$d0"

# deactivate and remove everything: space returns, no leftovers
for vm in 101 102 103; do
	for d in 0 1; do
		check "deactivate vm-$vm-disk-$d" stardm deactivate san1 vm-$vm-disk-$d
		check "remove vm-$vm-disk-$d" stardm remove san1 vm-$vm-disk-$d
	done
done
check "all extents free again" same "$(free_bytes)" "$total"
check "dmsetup ls shows no leftovers" same "$(dmcount)" "0"

# no stale data: a new volume on the extents of removed VMs reads zeros
check "new volume on reused extents" stardm create san1 vm-200-disk-0 --size 1G
check "activate it" stardm activate san1 vm-200-disk-0
zero=$(dd if=/dev/zero bs=1M count=64 2>/dev/null | md5sum | cut -d' ' -f1)
check "it reads all zeros" same "$(sum_dev $(dev vm-200-disk-0) 64)" "$zero"
check "inspect shows the live pool" sh -c "stardm inspect $G >/tmp/i && grep -q 'pool 1\\|pool 4' /tmp/i"
# where the pool's metadata starts on the LUN (linear table: 0 LEN linear DEV OFFSET)
tmeta_sector=$(dmsetup table stardm-san1-vm200-tmeta | head -1 | cut -d' ' -f5)
check "deactivate vm-200-disk-0" stardm deactivate san1 vm-200-disk-0
check "inspect --check-pool runs thin_check on the inactive pool" sh -c "stardm inspect $G --check-pool >/tmp/c && grep -q 'thin_check: ok' /tmp/c"
check "inspect --check-pool leaves no device behind" sh -c "[ \$(dmsetup ls | grep -c stardm) = 0 ]"

# thin_check must also be able to fail: damage the metadata superblock of the
# inactive pool (its first sector, located from the live tmeta table earlier)
check "inspect --check-pool reports damaged pool metadata" sh -c "dd if=/dev/urandom of=$G bs=512 seek=$tmeta_sector count=8 conv=notrunc oflag=direct 2>/dev/null && stardm inspect $G --check-pool --json >/tmp/c; grep -q '\"result\": \"damaged\"' /tmp/c"
check "remove vm-200-disk-0" stardm remove san1 vm-200-disk-0

# dm events: the pool's low water mark (20% free) wakes a waiter
check "create vm-300-disk-0" stardm create san1 vm-300-disk-0 --size 64M
check "activate vm-300-disk-0" stardm activate san1 vm-300-disk-0
check_fails "wait needs the pool active here" stardm wait san1 --vmid 301 --timeout 1
check_fails "wait times out without an event" stardm wait san1 --vmid 300 --timeout 2
stardm wait san1 --vmid 300 --timeout 300 --json >/tmp/w 2>&1 &
waiter=$!
sleep 1
check "the waiter blocks while the pool has space" kill -0 $waiter
check "fill the pool past its low water mark" dd if=/dev/zero of=$(dev vm-300-disk-0) bs=1M count=62 oflag=direct
wait $waiter; rc=$?
check "wait returns on the low-water event (exit $rc)" [ $rc = 0 ]
used=$(tr -d ' \n' </tmp/w | grep -o '"data_used":[0-9]*' | cut -d: -f2)
check "it reports the pool's usage then: ${used:-none} bytes, past 80% of 64 MiB" \
	sh -c "[ '${used:-0}' -ge 53687091 ] && [ '${used:-0}' -le 67108864 ] || { cat /tmp/w; false; }"
check "deactivate vm-300-disk-0" stardm deactivate san1 vm-300-disk-0
check "remove vm-300-disk-0" stardm remove san1 vm-300-disk-0

# the monitor: a snapshot of a written volume leaves its pool no room for
# copy-on-write; the monitor grows the pool from the group's free space
pool_total() { stardm status san1 --json | tr -d ' \n' | grep -o '"vmid":310,[^}]*' | grep -o '"data_total":[0-9]*' | cut -d: -f2; }
check "create vm-310-disk-0" stardm create san1 vm-310-disk-0 --size 64M
check "activate vm-310-disk-0" stardm activate san1 vm-310-disk-0
check "write all of it" dd if=/dev/zero of=$(dev vm-310-disk-0) bs=1M count=64 oflag=direct
check "snapshot the written volume" stardm snapshot san1 vm-310-disk-0 full
t0=$(pool_total)
check "the pool is exactly the volume's size ($t0)" [ "$t0" = 67108864 ]
stardm monitor san1 --interval 1 >/tmp/mon.out 2>&1 &
mon=$!
check "overwrite all of it: every chunk copied on write" dd if=/dev/urandom of=$(dev vm-310-disk-0) bs=1M count=64 oflag=direct
kill $mon; wait $mon
check "the monitor extended the pool" sh -c "grep 'extended by' /tmp/mon.out && ! grep 'stardm: ' /tmp/mon.out"
t1=$(pool_total)
check "the pool grew ($t0 -> $t1) and never ran out" sh -c "[ $t1 -ge 134217728 ] && ! stardm status san1 --json | grep -q '\"out_of_data_space\": true'"
check "activate the snapshot" stardm activate san1 vm-310-disk-0 --snapshot full
check "the snapshot still holds the old data (zeros)" [ "$(sum_dev $(dev vm-310-disk-0--full) 64)" = "$zero" ]
check "monitor --once: one pass" stardm monitor san1 --once
t2=$(pool_total)
check "extend-pool by hand" stardm extend-pool san1 --vmid 310 --size 64M
check "  ...adds 64 MiB" [ "$(pool_total)" = $((t2 + 67108864)) ]
check_fails "extend-pool of a VM without a pool" stardm extend-pool san1 --vmid 999 --size 64M
check "deactivate vm-310-disk-0" stardm deactivate san1 vm-310-disk-0
check "remove vm-310-disk-0" stardm remove san1 vm-310-disk-0

# one group by two device nodes, as on a node where multipathd assembled
# its map after the monitor had started on a path: the node's processes
# keep out of each other's way in its host slot whichever node each took
# (a heartbeat written while a command holds the cluster lock would clear
# the command's ticket: to the command, its slot written by another node)
uuid=$(stardm inspect $G --json | tr -d ' \n' | grep -o '"uuid":"[^"]*"' | head -1 | cut -d'"' -f4)
check "a second device node for the LUN (a dm map over it)" \
	sh -c "dmsetup create lun2 --table \"0 \$(blockdev --getsz $G) linear $G 0\" && dmsetup mknodes"
check "  the group is found on the map alone" sh -c "stardm list san1 >/dev/null && [ \"\$(stardm scan | grep -c san1)\" = 1 ]"
held() { # held CMD...: CMD runs while another process of the node holds the group's lock (6 s)
	[ -n "$uuid" ] || return 1
	lock="/run/stardm/group-$uuid.lock" tries=0
	flock "$lock" sleep 6 & holder=$!
	while flock -n "$lock" true; do # until the holder has it
		tries=$((tries + 1)); [ "$tries" -lt 50 ] || return 1; sleep 0.1
	done
	t0=$(date +%s); "$@"; rc=$?; t1=$(date +%s); wait $holder
	took=$((t1 - t0)); echo "took $took s"; [ "$rc" = 0 ]
}
waited() { held "$@" && [ "$took" -ge 3 ]; }
at_once() { held "$@" && [ "$took" -le 3 ]; }
# a heartbeat finds the node's slot by name and writes it under the lock
# file's byte lock, never the flock: a command holds that for its whole run
check "  a heartbeat by the path, the node's lock held, beats at once" at_once stardm monitor $G --once
check "  a command by the map waits for the lock" waited stardm create /dev/mapper/lun2 vm-320-disk-0 --size 16M
stardm monitor $G --interval 1 >/tmp/mon2.out 2>&1 &
mon=$!
many() { for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	stardm snapshot san1 vm-320-disk-0 s$i && stardm delete-snapshot san1 vm-320-disk-0 s$i || return 1; done; }
check "  commands by the map beside a heartbeat by the path: none fails" many
kill $mon; wait $mon
check "  the heartbeat never failed" sh -c "cat /tmp/mon2.out; ! grep -q 'stardm: ' /tmp/mon2.out && grep -q watching /tmp/mon2.out"
check "  remove vm-320-disk-0" stardm remove san1 vm-320-disk-0
check "  the map goes" dmsetup remove lun2
check "all extents free again at the end" same "$(free_bytes)" "$total"
vm_done
