# VM suite: stardm killed at every point between the metadata commit and
# the last kernel step (pool message, table reload) of create, snapshot,
# delete-snapshot, rollback, resize and remove.  The next command on the pool repairs the state, and
# inspect reports no mismatch between the kernel and the metadata.
. /usr/local/bin/lib.sh
G=/dev/vda
dev() { echo /dev/mapper/stardm-san1-$1; }
# a script, not a function, so that "sh -c" checks can call it
printf '#!/bin/sh\ndd if="$1" bs=1M count=8 iflag=direct 2>/dev/null | md5sum | cut -d" " -f1\n' >/tmp/sum_dev
chmod +x /tmp/sum_dev
export PATH=/tmp:$PATH
sum_dev() { /tmp/sum_dev "$1"; }
crash() { # crash N ARGS...: run stardm with the kill point; 99 = killed, 0 = got through
	n=$1; shift
	STARDM_CRASH_AFTER_STEPS=$n stardm "$@" >/dev/null 2>&1
	rc=$?
	[ $rc = 99 ] && echo "$n $*" >>/tmp/killed
	[ $rc = 99 ] || [ $rc = 0 ]
}
snapshot_holds() { # snapshot_holds SNAP: the snapshot of the live origin holds the pattern
	stardm activate san1 vm-300-disk-0 --snapshot "$1" >/dev/null || return 1
	got=$(sum_dev "$(dev "vm-300-disk-0--$1")")
	stardm deactivate san1 vm-300-disk-0 --snapshot "$1" || return 1
	same "$got" "$want"
}
rolled_back() { # vm-300-disk-1 holds the pattern again
	stardm activate san1 vm-300-disk-1 >/dev/null || return 1
	got=$(sum_dev "$(dev vm-300-disk-1)")
	stardm deactivate san1 vm-300-disk-1 || return 1
	same "$got" "$want"
}
repair() { stardm activate san1 vm-300-disk-1 >/dev/null && stardm deactivate san1 vm-300-disk-1; }
consistent() {
	stardm inspect $G --json >/tmp/insp.json || return 1
	grep -q '"transaction_id"' /tmp/insp.json || return 1
	! grep -q '"mismatch": true' /tmp/insp.json
}

stardm init $G --name san1 >/dev/null
stardm create san1 vm-300-disk-0 --size 256M
stardm create san1 vm-300-disk-1 --size 256M
stardm activate san1 vm-300-disk-0 >/dev/null
dd if=/dev/urandom of=/tmp/pattern bs=1M count=8 2>/dev/null
dd if=/tmp/pattern of=$(dev vm-300-disk-0) bs=1M oflag=direct 2>/dev/null
want=$(md5sum </tmp/pattern | cut -d' ' -f1)
stardm activate san1 vm-300-disk-1 >/dev/null
dd if=/tmp/pattern of=$(dev vm-300-disk-1) bs=1M oflag=direct 2>/dev/null
stardm deactivate san1 vm-300-disk-1

for n in 0 1 2 3; do
	check "create killed after $n messages" crash $n create san1 vm-300-disk-$((10 + n)) --size 64M
	check "  repaired" repair
	check "  consistent" consistent
	check "  new volume usable" sh -c "stardm activate san1 vm-300-disk-$((10 + n)) && stardm deactivate san1 vm-300-disk-$((10 + n))"

	check "snapshot of the live origin killed after $n messages" crash $n snapshot san1 vm-300-disk-0 s$n
	check "  repaired" repair
	check "  consistent" consistent
	check "  origin not left suspended" dm_running stardm-san1-vm-300-disk-0
	check "  origin data intact" same "$(sum_dev $(dev vm-300-disk-0))" "$want"
	check "  snapshot holds the data" snapshot_holds s$n

	check "delete-snapshot killed after $n messages" crash $n delete-snapshot san1 vm-300-disk-0 s$n
	check "  repaired" repair
	check "  consistent" consistent

	stardm snapshot san1 vm-300-disk-1 r$n
	stardm activate san1 vm-300-disk-1 >/dev/null
	dd if=/dev/zero of=$(dev vm-300-disk-1) bs=1M count=8 oflag=direct 2>/dev/null
	stardm deactivate san1 vm-300-disk-1
	check "rollback killed after $n messages" crash $n rollback san1 vm-300-disk-1 r$n
	check "  repaired" repair
	check "  consistent" consistent
	check "  rolled back data" rolled_back

	check "resize killed after $n messages" crash $n resize san1 vm-300-disk-$((10 + n)) --size 128M
	check "  repaired" repair
	check "  consistent" consistent

	check "remove killed after $n messages" crash $n remove san1 vm-300-disk-$((10 + n))
	check "  repaired" repair
	check "  consistent" consistent
done

# resize of the live origin: killed before the pool reload and before the
# volume reload; the same resize run again finishes the job
size=268435456
for n in 0 1 2; do
	size=$((size + 67108864))
	check "live resize killed after $n steps" crash $n resize san1 vm-300-disk-0 --size $size
	check "  resize again to the same size" stardm resize san1 vm-300-disk-0 --size $size
	check "  the device has the new size" same "$(blockdev --getsize64 "$(dev vm-300-disk-0)")" "$size"
	check "  origin not left suspended" dm_running stardm-san1-vm-300-disk-0
	check "  consistent" consistent
done

echo "kills: $(wc -l </tmp/killed)"; cat /tmp/killed
# the pool of VM 300 stays live, so growing it is a step: create 3 (pool
# reload, 2 messages); snapshot, delete-snapshot, remove 2; rollback 3;
# resize of an inactive volume 1 (pool reload); of the live origin 2 (pool
# reload, volume reload)
check "every kill point was hit (15 kills)" same "$(wc -l </tmp/killed)" 15
check "origin data intact at the end" same "$(sum_dev $(dev vm-300-disk-0))" "$want"
vm_done
