# VM suite: the volume lifecycle on the real kernel (runs inside the test VM).
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
check "overwrite is visible" sh -c "[ $(sum_dev $(dev vm-101-disk-0)) != $want ]"
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
check "data identical after the cycle" sh -c "[ $(sum_dev $(dev vm-103-disk-0) 64) = $before ]"

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
check "metadata unchanged by refused commands" sh -c "[ $(seqno) = $s0 ]"
check "no dm device left behind" sh -c "[ $(dmcount) = $d0 ]"

# deactivate and remove everything: space returns, no leftovers
for vm in 101 102 103; do
	for d in 0 1; do
		check "deactivate vm-$vm-disk-$d" stardm deactivate san1 vm-$vm-disk-$d
		check "remove vm-$vm-disk-$d" stardm remove san1 vm-$vm-disk-$d
	done
done
check "all extents free again" sh -c "[ $(free_bytes) = $total ]"
check "dmsetup ls shows no leftovers" sh -c "[ $(dmcount) = 0 ]"

# no stale data: a new volume on the extents of removed VMs reads zeros
check "new volume on reused extents" stardm create san1 vm-200-disk-0 --size 1G
check "activate it" stardm activate san1 vm-200-disk-0
zero=$(dd if=/dev/zero bs=1M count=64 2>/dev/null | md5sum | cut -d' ' -f1)
check "it reads all zeros" sh -c "[ $(sum_dev $(dev vm-200-disk-0) 64) = $zero ]"
check "inspect shows the live pool" sh -c "stardm inspect $G >/tmp/i && grep -q 'pool 1\\|pool 4' /tmp/i"
check "deactivate vm-200-disk-0" stardm deactivate san1 vm-200-disk-0
check "inspect --check-pool runs thin_check on the inactive pool" sh -c "stardm inspect $G --check-pool >/tmp/c && grep -q 'thin_check: ok' /tmp/c"
check "inspect --check-pool leaves no device behind" sh -c "[ \$(dmsetup ls | grep -c stardm) = 0 ]"
check "remove vm-200-disk-0" stardm remove san1 vm-200-disk-0
vm_done
