#!/bin/sh
# Two real Debian nodes (run by tests/vm/run-cluster with
# STARDM_VM_FLAVOUR=debian: systemd, udevd, lvm2, multipath-tools, stardm
# installed by make install): udev finds the LUN, names volumes alike on
# both nodes before and after a move, keeps off the private layers and the
# guest's data (a guest's LVM VG is neither seen nor activated by the
# host's lvm2), and a stuck udev fails a command after the bounded wait.
# Ends with "udev: N passed, N failed".
set -u
. "$(dirname "$0")/cluster-lib.sh"
LUN=/dev/disk/by-id/virtio-stardm-lun0
V=vm-100-disk-0
# the names udev gave stardm's devices on NODE, one per line, sorted
names() { $N "$1" "cd /dev && find stardm disk/by-id -type l 2>/dev/null | grep -E 'stardm|dm-name' | sort"; }
# the uuid of the group on the LUN, as node a reads it
group_uuid() { $N a "stardm inspect $LUN --json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["group"]["uuid"])'; }
# the udev property KEY of DEVICE on NODE ("" when unset)
prop() { $N "$1" "udevadm info --query=property $2 | sed -n 's/^$3=//p'"; }

check "init on node a through the LUN's by-id name" $N a "stardm init $LUN --name san1"
uuid=$(group_uuid)
check "  the group has a uuid ($uuid)" [ -n "$uuid" ]
check "node a's udev read the new label at once (init's change event)" \
	[ "$(prop a $LUN STARDM_GROUP_NAME)" = san1 ]
# node b saw the LUN before the label was there: its next event (a trigger
# here, a rescan or reboot on a real node) reads it
check "node b's udev reads the label at the LUN's next event" \
	$N b "udevadm trigger --settle $LUN && udevadm info --query=property $LUN | grep -qx STARDM_GROUP_UUID=$uuid"
for n in a b; do
	check "node $n: /dev/disk/by-id/stardm-lun-UUID names the LUN" \
		$N $n "[ \"\$(readlink -f /dev/disk/by-id/stardm-lun-$uuid)\" = \"\$(readlink -f $LUN)\" ]"
done
for n in a b; do
	check "node $n: the LUN's event started the group's monitor" \
		$N $n "for i in \$(seq 50); do systemctl is-active --quiet stardm-monitor@$uuid && exit 0; sleep 0.2; done; exit 1"
done
# a writing command's close of the LUN is no event: stardm init and grow
# announce the label's changes themselves
check "init --force again: node a's udev has the new uuid at once (no watch, init's own event)" \
	$N a "stardm init $LUN --name san1 --force && u=\$(stardm inspect $LUN --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"group\"][\"uuid\"])') && [ -n \"\$u\" ] && [ \"\$u\" != $uuid ] && udevadm settle && [ \"\$(udevadm info --query=property $LUN | sed -n 's/^STARDM_GROUP_UUID=//p')\" = \"\$u\" ]"
old=$uuid
uuid=$(group_uuid)
# the old group's monitors (node b's, the one node a started) beat on
check "  the old group's monitors write no slot of the new group's (3 s of their beats)" \
	$N a "sleep 3 && stardm inspect $LUN --json | python3 -c 'import json,sys,socket; s=json.load(sys.stdin)[\"host_slots\"]; sys.exit(0 if all(x[\"name\"] == socket.gethostname() for x in s) else 1)'"
# ... until they see their group gone: they end, and systemd leaves them so
for n in a b; do
	check "  node $n: the old group's monitor ended by itself, saying why" \
		$N $n "for i in \$(seq 40); do [ \"\$(systemctl is-active stardm-monitor@$old)\" = inactive ] && journalctl -q -o cat -u stardm-monitor@$old | grep -q '^stardm: monitor: group $old is gone' && exit 0; sleep 0.5; done; systemctl status stardm-monitor@$old; exit 1"
done
check "node a: the new group's monitor runs beside it (the group's uuid is its lock, not the name)" \
	$N a "for i in \$(seq 50); do systemctl -q is-active stardm-monitor@$uuid && break; sleep 0.2; done; sleep 3; systemctl -q is-active stardm-monitor@$uuid && stardm status san1 | grep -q 'monitor: running on this node'"
# node b's udev database still gives the LUN the old uuid: a command
# naming it reads the label, finds the new group there and refuses (it
# would have shown the new group as the old one)
check "node b, its udev not yet aware of the new label: the old uuid names no group (exit 3)" \
	$N b "stardm list $old >/tmp/o 2>&1; rc=\$?; cat /tmp/o; [ \$rc = 3 ] && grep -q 'carries group san1 now' /tmp/o"
check "node b reads the new uuid at the LUN's next event" \
	$N b "udevadm trigger --settle $LUN && udevadm info --query=property $LUN | grep -qx STARDM_GROUP_UUID=$uuid"
check "  which starts the new group's monitor there" \
	$N b "for i in \$(seq 50); do systemctl -q is-active stardm-monitor@$uuid && exit 0; sleep 0.2; done; exit 1"
seen=$(events_during a $LUN "stardm create san1 vm-99-disk-0 --size 16M && stardm activate san1 vm-99-disk-0 >/dev/null && stardm deactivate san1 vm-99-disk-0 && stardm remove san1 vm-99-disk-0")
check "writing commands send udev no event for the LUN, while their volume's come ($seen)" \
	sh -c "echo '$seen' | grep -qE '^dm [1-9][0-9]* lun 0\$'"
check "a group name resolves through the udev database" $N b "stardm list san1 >/dev/null"
check "and so does its uuid (the plugin's group-uuid)" $N b "stardm list $uuid >/dev/null"
# the device found is remembered for the next command, until udev's next
# event of a device with the group (a copy of the LUN would show there)
lun_node=$($N b "readlink -f $LUN")
check "node b remembers the LUN ($lun_node) for the name and the uuid" \
	$N b "[ \"\$(cat /run/stardm/luns/san1)\" = '$lun_node' ] && [ \"\$(cat /run/stardm/luns/$uuid)\" = '$lun_node' ] && stardm list san1 >/dev/null"
check "  and forgets both at the LUN's next event" \
	$N b "udevadm trigger --settle $LUN && [ -b '$lun_node' ] && [ ! -e /run/stardm/luns/san1 ] && [ ! -e /run/stardm/luns/$uuid ]"
check "a hint naming a device without the group is dropped: the command asks the database" \
	$N b "f=\$(mktemp) && truncate -s 16M \$f && d=\$(losetup -f --show \$f) && echo \$d >/run/stardm/luns/san1 && stardm list san1 >/dev/null; rc=\$?; h=\$(cat /run/stardm/luns/san1); losetup -d \$d; rm -f \$f; echo \"rc=\$rc hint=\$h\"; [ \$rc = 0 ] && [ \"\$h\" = '$lun_node' ]"

check "create $V and a snapshot" $N a "stardm create san1 $V --size 256M && stardm snapshot san1 $V s1"
check "activate prints the udev link" \
	[ "$($N a "stardm activate san1 $V 2>/dev/null")" = "/dev/stardm/san1/$V" ]
check "  its names came from the file stardm wrote before making it (no program per event)" \
	$N a "grep -qx 'STARDM_VOLUME=$V' /run/stardm/udev/stardm-san1-$V && grep -qx 'STARDM_VOLUME_GROUP=san1' /run/stardm/udev/stardm-san1-$V"
check "  without that file (a device of an earlier boot) the program names it" \
	$N a "mv /run/stardm/udev/stardm-san1-$V /tmp/names && udevadm trigger --settle /dev/mapper/stardm-san1-$V && [ \"\$(readlink -f /dev/stardm/san1/$V)\" = \"\$(readlink -f /dev/mapper/stardm-san1-$V)\" ] && mv /tmp/names /run/stardm/udev/stardm-san1-$V"
check "activate the snapshot" $N a "stardm activate san1 $V --snapshot s1 >/dev/null 2>&1"
check "stardm path and the link agree" [ "$($N a "stardm path san1 $V")" = "/dev/stardm/san1/$V" ]
check "the link is the volume's dm device" \
	$N a "[ \"\$(readlink -f /dev/stardm/san1/$V)\" = \"\$(readlink -f /dev/mapper/stardm-san1-$V)\" ]"
check "the snapshot's link" $N a "[ -b /dev/stardm/san1/$V--s1 ] && [ -b /dev/disk/by-id/stardm-san1-$V--s1 ]"
names_a=$(names a)
check "node a names: by-id and /dev/stardm for the volume and the snapshot" \
	sh -c "echo '$names_a' | grep -qx 'stardm/san1/$V' && echo '$names_a' | grep -qx 'disk/by-id/stardm-san1-$V'"

# private layers: no rule but dm's own names them, nothing probes them
for l in tmeta tdata pool; do
	check "pool $l: no link beyond /dev/mapper, never probed" \
		$N a "i=\$(udevadm info --query=property /dev/mapper/stardm-san1-vm100-$l); echo \"\$i\" | grep -qx DM_UDEV_DISABLE_DISK_RULES_FLAG=1 && ! echo \"\$i\" | grep -q '^ID_FS_' && [ \"\$(echo \"\$i\" | sed -n 's/^DEVLINKS=//p')\" = /dev/mapper/stardm-san1-vm100-$l ]"
done
# the guest's data: a file system written into the volume stays unread
check "a file system in the volume" $N a "mkfs.ext4 -q /dev/stardm/san1/$V && udevadm trigger --settle /dev/stardm/san1/$V"
check "  udev did not probe it (no ID_FS_TYPE), links kept" \
	$N a "i=\$(udevadm info --query=property /dev/stardm/san1/$V); ! echo \"\$i\" | grep -q '^ID_FS_TYPE' && echo \"\$i\" | grep -q 'DEVLINKS=.*/dev/stardm/san1/$V'"

# a guest's LVM VG inside the volume: lvm on the node only told of it
GUEST="devices { global_filter = [ \"a|^/dev/stardm/san1/$V\$|\", \"r|.*|\" ] }"
check "a guest-style VG inside the volume" \
	$N a "wipefs -qa /dev/stardm/san1/$V && pvcreate -q --config '$GUEST' /dev/stardm/san1/$V && vgcreate -q --config '$GUEST' guestvg /dev/stardm/san1/$V && lvcreate -q --config '$GUEST' -L 16M -n lv guestvg && vgchange -q --config '$GUEST' -an guestvg"
check "deactivate on node a" $N a "stardm deactivate san1 $V"
check "  its names are gone with it" $N a "[ ! -e /dev/stardm/san1/$V ] && [ ! -e /dev/disk/by-id/stardm-san1-$V ] && [ -d /run/stardm/udev ] && [ ! -e /run/stardm/udev/stardm-san1-$V ]"

# the volume moves to node b: the same names there
check "activate on node b" $N b "stardm activate san1 $V >/dev/null 2>&1 && stardm activate san1 $V --snapshot s1 >/dev/null 2>&1"
check "node b names the volume exactly as node a did" [ "$(names b)" = "$names_a" ]
check "lvm2's event activation left the guest's VG alone" \
	$N b "udevadm settle && ! dmsetup ls | grep -q guestvg"
check "  and lvm2's own scan ignores it once the node's global_filter rejects stardm's devices" \
	$N b "sed -i '/^devices {/a global_filter = [ \"r|^/dev/mapper/stardm-|\", \"r|^/dev/stardm/|\" ]' /etc/lvm/lvm.conf && ! pvs 2>/dev/null | grep -q stardm && ! vgs 2>/dev/null | grep -q guestvg && vgchange -aay 2>/dev/null; ! dmsetup ls | grep -q guestvg"
check "deactivate on node b" $N b "stardm deactivate san1 $V --snapshot s1 && stardm deactivate san1 $V"

# stardm waits on udev's announcements, and its cookies carry their flags
# alone, which 09-stardm-flags.rules reads: its events run no dmsetup
# program.  udevd's debug log names each program it starts; this counts
# the dmsetup ones started while node a runs COMMAND, then settles.
dmsetup_runs() {
	$N a "udevadm control --log-level=debug && n=\$(journalctl -q -o cat -u systemd-udevd | wc -l) && { $1; } >/dev/null 2>&1; rc=\$?; udevadm settle; udevadm control --log-level=info; [ \$rc = 0 ] || exit 1; journalctl -q -o cat -u systemd-udevd | tail -n +\$((n + 1)) | grep -c 'dmsetup udev'"
}
cycle="stardm activate san1 $V && [ -b /dev/stardm/san1/$V ] && stardm deactivate san1 $V && [ ! -e /dev/stardm/san1/$V ]"
runs=$(dmsetup_runs "$cycle")
check "an activation and a deactivation: links there and gone on return, no dmsetup run by udev ($runs)" \
	[ "$runs" = 0 ]
runs=$(dmsetup_runs "STARDM_UDEV_COOKIES=1 $cycle")
check "  on libdevmapper's semaphores (STARDM_UDEV_COOKIES=1) the same, two dmsetup per event ($runs)" \
	[ "${runs:-0}" -ge 8 ]
check "  without 09-stardm-flags.rules: the same links, the long way" \
	$N a "mv /lib/udev/rules.d/09-stardm-flags.rules /tmp/ && udevadm control --reload && ($cycle); rc=\$?; mv /tmp/09-stardm-flags.rules /lib/udev/rules.d/ && udevadm control --reload && [ \$rc = 0 ]"
# announcements lost: a receive buffer too small for two of one
# activation's announcements, read only once udev is done with them (the
# test build's STARDM_UDEV_READ_LATE, as a node too busy to read would),
# overflows every time; the command then waits for udev's queue to empty
# (its trace names that wait), so the links are there and udev has nothing
# left on return.  Read as soon as they come, the overflow happens only
# when udev outruns the reader.
check "announcements lost (STARDM_UDEV_BUFFER=1, read late): activate waits for udev's queue instead, links there on return" \
	$N a "STARDM_TRACE=1 STARDM_UDEV_BUFFER=1 STARDM_UDEV_READ_LATE=1 stardm activate san1 $V >/dev/null 2>/tmp/tr; rc=\$?; udevadm settle -t 0; q=\$?; [ -b /dev/stardm/san1/$V ]; l=\$?; grep 'trace: udev' /tmp/tr; stardm deactivate san1 $V; [ \$rc = 0 ] && [ \$q = 0 ] && [ \$l = 0 ] && grep -q 'trace: udev-queue-wait' /tmp/tr"

# a stuck udev: the command fails after the bounded wait, not hangs
# (one wait of 5 s, not one per device or per way of waiting: two would
# take 10)
check "with udevd's workers stopped, activate fails within the wait (exit 12)" \
	$N a "pkill -STOP -f systemd-udevd; s=\$(date +%s); STARDM_UDEV_TIMEOUT=5 stardm activate san1 $V >/tmp/o 2>&1; rc=\$?; e=\$(( \$(date +%s) - s )); pkill -CONT -f systemd-udevd; cat /tmp/o; echo rc=\$rc after \$e s; [ \$rc = 12 ] && [ \$e -lt 10 ] && grep -q 'udev did not finish' /tmp/o"
check "  and left nothing behind: no device, the pool released" \
	$N a "udevadm settle; ! dmsetup ls | grep -q stardm-san1 && stardm inspect san1 --json | grep -q '\"owner_host\": 0'"
check "  once udev runs again, the volume activates and is named" \
	$N a "stardm activate san1 $V >/dev/null 2>&1 && [ -b /dev/stardm/san1/$V ] && stardm deactivate san1 $V"

# auto-activation: node a crashes with three pools live, one holding a
# volume marked for auto-activation; it boots again and, with no command
# typed, udev finds the LUN and stardm-autoactivate@UUID settles its pools
check "three VMs' volumes live on node a, vm-202's marked for auto-activation" \
	$N a "for v in 200 201 202; do stardm create san1 vm-\$v-disk-0 --size 64M && stardm activate san1 vm-\$v-disk-0 >/dev/null 2>&1 || exit 1; done; stardm set-autoactivate san1 vm-202-disk-0 on && stardm list san1 --json | grep -q '\"autoactivate\": true'"
check "node a crashes" crash a
owners=$(echo $(owner b 200) $(owner b 201) $(owner b 202))
check "node b sees the three pools still owned by a ($owners)" [ "$owners" = "a a a" ]
check "node a boots again" boot a
check "  stardm-autoactivate@UUID ran by itself (udev's event for the LUN)" \
	$N a "i=0; while [ \$i -lt 120 ] && ! systemctl -q is-active stardm-autoactivate@$uuid; do sleep 1; i=\$((i + 1)); done; systemctl -q is-active stardm-autoactivate@$uuid"
settled=$($N a "systemctl show -P ExecMainExitTimestampMonotonic stardm-autoactivate@$uuid")
echo "     (settled $((${settled:-0} / 1000)) ms after the kernel started, 3 pools)"
owners=$(echo $(owner b 200) $(owner b 201) $(owner b 202))
check "  the pools of VM 200 and 201 are released, VM 202's is a's ($owners)" \
	[ "$owners" = "None None a" ]
check "  the pool of VM 202 is active on a again" [ "$(live a 202)" = 1 ]
check "  and named" $N a "[ -b /dev/stardm/san1/vm-202-disk-0 ]"
check "  its node monitor runs" $N a "systemctl -q is-active stardm-monitor@$uuid && stardm status san1 | grep -q 'monitor: running on this node'"
# the counter of the node's own host slot on the LUN (run on the node)
my_counter="stardm inspect $LUN --json | python3 -c 'import json,sys,socket; print([h[\"counter\"] for h in json.load(sys.stdin)[\"host_slots\"] if h[\"name\"] == socket.gethostname()][0])'"
# a command holds the node's lock for its whole run (a node's start of
# its VMs: tens of seconds): a monitor starting meanwhile finds the node's
# slot without that lock and beats; one that waited for it let the
# node's counter stand still and fenced the node's own disks
check "  a monitor restarted while a command holds the node's lock for 14 s beats on, fencing nothing" \
	$N a "f=/run/stardm/group-$uuid.lock; [ -e \$f ] || exit 1; since=\$(date '+%Y-%m-%d %H:%M:%S'); flock \$f sleep 14 & sleep 0.5; systemctl restart stardm-monitor@$uuid; sleep 2; c1=\$($my_counter); sleep 4; c2=\$($my_counter); wait; journalctl -q -o cat -u stardm-monitor@$uuid --since \"\$since\" >/tmp/m; cat /tmp/m; echo \"slot counter \$c1, 4 s later \$c2\"; [ -n \"\$c1\" ] && [ \"\$c2\" -gt \"\$c1\" ] && grep -q 'watching group' /tmp/m && ! grep -q 'no heartbeat of this node' /tmp/m"
check "  node b may now take VM 200, never VM 202" \
	$N b "stardm activate san1 vm-200-disk-0 >/dev/null 2>&1 && stardm deactivate san1 vm-200-disk-0 && ! stardm activate san1 vm-202-disk-0 2>/dev/null"
check "  a second run changes nothing" \
	$N a "stardm autoactivate san1 --json | tr -d ' \n' | grep -q '\"released\":0,\"activated\":0,\"withdrawn\":0'"

# a new group over one with a live pool would pull the disk from under its
# VM: even --force refuses until the pool is deactivated
for n in b a; do
	check "node $n: init --force refuses while VM 202's pool is live on a (exit 5)" \
		$N $n "stardm init $LUN --name san1 --force 2>/tmp/e; rc=\$?; cat /tmp/e; [ \$rc = 5 ] && grep -q \"^stardm: .*VM 202's on node a\" /tmp/e"
done
check "  the group is untouched" same "$(group_uuid)" "$uuid"
check "once it is deactivated, init --force formats the LUN" \
	$N a "stardm deactivate san1 vm-202-disk-0 && stardm init $LUN --name san1 --force"
check "  a new group" differ "$(group_uuid)" "$uuid"

# a monitor enabled by the group's name and started before its LUN holds
# the group (the LUN comes late at boot) keeps trying every 2 s: systemd's
# start limit does not end it
check "stardm-monitor@late, started with no group late anywhere, fails and is restarted" \
	$N a "systemctl start stardm-monitor@late; sleep 14; s=\$(systemctl show -P ActiveState stardm-monitor@late); r=\$(systemctl show -P NRestarts stardm-monitor@late); echo \$s \$r restarts; { [ \"\$s\" = activating ] || [ \"\$s\" = active ]; } && [ \"\$r\" -ge 5 ]"
check "  once the LUN holds group late, a monitor runs for it" \
	$N a "stardm init $LUN --name late --force && for i in \$(seq 50); do stardm status late | grep -q 'monitor: running on this node' && exit 0; sleep 0.2; done; systemctl status stardm-monitor@late; exit 1"

finish udev
