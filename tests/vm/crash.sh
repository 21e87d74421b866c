# VM suite: stardm killed at every point between the metadata commit and
# the last kernel step (pool message, table reload) of create, snapshot,
# delete-snapshot, rollback, resize and remove, and of create_base, clone
# and the removal of a clone or a base.  The next command on the pool (or
# the clone run again) repairs the state, and inspect reports no mismatch
# between the kernel and the metadata.
. /usr/local/bin/lib.sh
G=/dev/vda
dev() { echo /dev/mapper/stardm-san1-$1; }
# a script, not a function, so that "sh -c" checks can call it
printf '#!/bin/sh\ndd if="$1" bs=1M count=8 iflag=direct 2>/dev/null | md5sum | cut -d" " -f1\n' >/tmp/sum_dev
chmod +x /tmp/sum_dev
export PATH=/tmp:$PATH
sum_dev() { /tmp/sum_dev "$1"; }
crash() { # crash N ARGS...: run stardm with the kill point; 99 = killed, 0 = got through
	at=$1; shift
	STARDM_CRASH_AFTER_STEPS=$at stardm "$@" >/dev/null 2>&1
	rc=$?
	[ "$rc" = 99 ] && echo "$at $*" >>"$KILLED"
	[ "$rc" = 99 ] || [ "$rc" = 0 ]
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

KILLED=/tmp/killed
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

# Templates and linked clones.  create_base (the plugin's deactivate and
# rename) is one commit with no kernel step after it.  A clone of a base
# whose pool has a pending create brings that pool up to date and lets it
# go before the clone's commit: killed there, the clone run again finishes
# it.  A clone into a VM's live pool, and its removal from it, have their
# steps after the commit: the pool's next command finishes them.  A base
# whose clones are gone is removed with no kernel step (its pool is live
# nowhere).
KILLED=/tmp/killed_t
: >"$KILLED"
reads_base() { # reads_base VOLUME: it reads what its base holds
	stardm activate san1 "$1" >/dev/null || return 1
	got=$(sum_dev "$(dev "$1")")
	stardm deactivate san1 "$1" || return 1
	same "$got" "$want"
}
listed() { stardm list san1 >/tmp/list && grep -q "^$1 " /tmp/list; }
unlisted() { stardm list san1 >/tmp/list && grep -q "^vm-600-disk-0 " /tmp/list && ! grep -q "^$1 " /tmp/list; }
# template VMID: its pool is a template, nobody's, loaded nowhere
template() { stardm inspect $G | grep -A1 "vm $1: .*owner host 0\$" | grep -q "template, read-only on no host"; }
make_base() { # make_base VMID: disk 0 holds the pattern, disk 1's create is pending; create_base
	stardm create san1 vm-$1-disk-0 --size 64M &&
	stardm activate san1 vm-$1-disk-0 >/dev/null &&
	dd if=/tmp/pattern of="$(dev vm-$1-disk-0)" bs=1M oflag=direct 2>/dev/null &&
	stardm deactivate san1 vm-$1-disk-0 &&
	stardm create san1 vm-$1-disk-1 --size 64M || return 1
	crash 0 rename san1 vm-$1-disk-0 base-$1-disk-0 && crash 0 rename san1 vm-$1-disk-1 base-$1-disk-1
}
for n in 0 1 2 3; do
	b=$((400 + 10 * n)) c=$((401 + 10 * n))
	check "create_base of VM $b (two disks, one create pending)" make_base $b
	check "clone of a base with a pending create killed after $n steps" \
		crash $n clone san1 base-$b-disk-0 vm-$c-disk-0
	check "  the clone again" sh -c "stardm clone san1 base-$b-disk-0 vm-$c-disk-0 || stardm list san1 | grep -q '^vm-$c-disk-0 '"
	check "  consistent" consistent
	check "  the base's pool is a template, nobody's, loaded nowhere" template $b
	check "  the clone reads the base" reads_base vm-$c-disk-0
	check "  the base's pending create was applied" sh -c "stardm activate san1 base-$b-disk-1 && stardm deactivate san1 base-$b-disk-1"
done
stardm create san1 vm-600-disk-0 --size 64M
stardm create san1 vm-600-disk-9 --size 64M
stardm activate san1 vm-600-disk-0 >/dev/null
for n in 0 1 2 3; do
	check "clone into a live pool killed after $n steps" crash $n clone san1 base-400-disk-0 vm-600-disk-$((n + 1))
	check "  the clone is there" listed vm-600-disk-$((n + 1))
	check "  repaired; the clone reads the base" reads_base vm-600-disk-$((n + 1))
	check "  consistent" consistent
done
for n in 0 1 2; do
	check "removal of a clone from a live pool killed after $n steps" crash $n remove san1 vm-600-disk-$((n + 1))
	check "  repaired" sh -c "stardm activate san1 vm-600-disk-9 >/dev/null && stardm deactivate san1 vm-600-disk-9"
	check "  consistent" consistent
	check "  the clone is gone" unlisted vm-600-disk-$((n + 1))
done
dmsetup ls >/tmp/dm
check "the base's devices went with its last live clone here" same "$(grep -c -E 'vm400-|base-400' /tmp/dm)" 0
check "  (the live pool of VM 600 is listed)" grep -q vm600-pool /tmp/dm
check "the base's other clones removed" sh -c "stardm remove san1 vm-600-disk-4 && stardm remove san1 vm-401-disk-0"
check "removal of the base (no kill point)" crash 0 remove san1 base-400-disk-1
check "  and of its last disk" crash 0 remove san1 base-400-disk-0
check "  consistent" consistent
check "  VM 400's pool is gone" sh -c "stardm inspect $G >/tmp/insp && grep -q 'vm 410:' /tmp/insp && ! grep -q 'vm 400:' /tmp/insp"
echo "template and clone kills: $(wc -l <"$KILLED")"; cat "$KILLED"
# clone of a base with a pending create 3 (create_thin, transaction, the
# pool let go); clone into a live pool 3 (pool reload, create_thin,
# transaction); removal from a live pool 2 (delete, transaction)
check "every template and clone kill point was hit (8 kills)" same "$(wc -l <"$KILLED")" 8

echo "kills: $(wc -l </tmp/killed)"; cat /tmp/killed
# the pool of VM 300 stays live, so growing it is a step: create 3 (pool
# reload, 2 messages); snapshot, delete-snapshot, remove 2; rollback 3;
# resize of an inactive volume 1 (pool reload); of the live origin 2 (pool
# reload, volume reload)
check "every kill point was hit (15 kills)" same "$(wc -l </tmp/killed)" 15
check "origin data intact at the end" same "$(sum_dev $(dev vm-300-disk-0))" "$want"
vm_done
