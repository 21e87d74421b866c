#!/bin/sh
# Two real Debian nodes, the LUN presented to each as a SCSI disk by two
# paths with one WWN (run by tests/vm/run-cluster with
# STARDM_VM_FLAVOUR=debian STARDM_VM_LUN_PATHS=2).  Without multipath the
# group is on two devices: refused, naming both.  With multipathd the map
# is the group's device: stardm uses it and never a path.
# Ends with "multipath: N passed, N failed".
set -u
. "$(dirname "$0")/cluster-lib.sh"
MPCONF='defaults {\n  find_multipaths no\n  user_friendly_names no\n}\n'

check "init on node a through one path" $N a "stardm init /dev/sda --name san1 && udevadm trigger --settle"
check "node b's udev reads the label on both paths" $N b "udevadm trigger --settle"
for n in a b; do
	check "node $n: both paths carry the group, no multipath: refused, naming both" \
		fails_with $n "is on 2 devices (/dev/sd[ab] and /dev/sd[ab])" "stardm list san1"
done
for n in a b; do
	check "node $n: multipathd assembles the LUN's two paths" \
		$N $n "printf '$MPCONF' >/etc/multipath.conf && systemctl restart multipathd && multipath -v0 && udevadm settle && [ \"\$(multipath -ll | grep -c 'active ready running')\" = 2 ]"
	check "node $n: the paths are left alone, the map carries the group" \
		$N $n "map=\$(readlink -f /dev/disk/by-id/dm-uuid-mpath-35000c50015ea71ac); [ \"\$(readlink -f /dev/disk/by-id/stardm-lun-\$(udevadm info --query=property \$map | sed -n 's/^STARDM_GROUP_UUID=//p'))\" = \"\$map\" ] && ! udevadm info --query=property /dev/sda | grep -q STARDM_ && ! udevadm info --query=property /dev/sdb | grep -q STARDM_"
	check "node $n: scan lists the map alone" \
		$N $n "[ \"\$(stardm scan | grep -c san1)\" = 1 ] && stardm scan | grep -q \"\$(readlink -f /dev/disk/by-id/dm-uuid-mpath-35000c50015ea71ac)\""
done
MAP=/dev/disk/by-id/dm-uuid-mpath-35000c50015ea71ac
seen=$(events_during a $MAP "stardm create san1 vm-99-disk-0 --size 16M && stardm activate san1 vm-99-disk-0 >/dev/null && stardm deactivate san1 vm-99-disk-0 && stardm remove san1 vm-99-disk-0")
check "node a: writing commands send udev no event for the map, while their volume's come ($seen)" \
	sh -c "echo '$seen' | grep -qE '^dm [1-9][0-9]* lun 0\$'"
# the monitor autoactivation started on a path (before the map existed)
# follows the group to the map: a heartbeat written through one path
# would stop with that path, and its flock would not keep it out of the
# commands working through the map
check "node a: the monitor follows the group from the path it started on to the map" \
	$N a "map=\$(readlink -f $MAP); for i in \$(seq 20); do d=\$(journalctl -q -o cat -u 'stardm-monitor@*' | sed -n 's|.* on \\(/dev/[^ ]*\\).*|\\1|p' | tail -n 1); [ -n \"\$d\" ] && [ \"\$d\" = \"\$map\" ] && exit 0; sleep 1; done; journalctl -q -o cat -u 'stardm-monitor@*' | tail -n 5; exit 1"
check "node a: create and activate a volume by the group's name" \
	$N a "stardm create san1 vm-100-disk-0 --size 64M && stardm activate san1 vm-100-disk-0 >/dev/null"
check "  the pool's layers sit on the map, never on a path" \
	$N a "mm=\$(dmsetup info -c --noheadings -o major,minor 35000c50015ea71ac | tr -d ' '); [ -n \"\$mm\" ] || exit 1; for l in tmeta tdata; do t=\$(dmsetup table stardm-san1-vm100-\$l); echo \"\$t\" | grep -q \" \$mm \" || exit 1; if echo \"\$t\" | grep -qE ' 8:(0|16) '; then exit 1; fi; done"
check "  written through the map, read on node b through its map" \
	sh -c "$N a 'echo stardm-mp >/tmp/b && dd if=/tmp/b of=/dev/stardm/san1/vm-100-disk-0 bs=4096 conv=sync oflag=direct 2>/dev/null && stardm deactivate san1 vm-100-disk-0' && $N b 'stardm activate san1 vm-100-disk-0 >/dev/null 2>&1 && dd if=/dev/stardm/san1/vm-100-disk-0 bs=4096 count=1 iflag=direct 2>/dev/null | head -c 9 | grep -qx stardm-mp && stardm deactivate san1 vm-100-disk-0'"

# a path lost: the disk, stardm's commands and the heartbeat go on through
# the other path; the path comes back
hb() { $N b "stardm inspect san1 --json" | python3 -c '
import json, sys
print([h["counter"] for h in json.load(sys.stdin)["host_slots"] if h["name"] == "a"][0])'; }
check "node a: the disk live again, written" \
	$N a "stardm activate san1 vm-100-disk-0 >/dev/null && dd if=/dev/urandom of=/tmp/d bs=1M count=8 2>/dev/null && dd if=/tmp/d of=/dev/stardm/san1/vm-100-disk-0 bs=1M count=4 oflag=direct 2>/dev/null"
t0=$($N a "date +%s")
check "node a: path sda is lost (offline)" $N a "echo offline >/sys/block/sda/device/state"
check "  the disk is written through the other path" \
	$N a "dd if=/tmp/d of=/dev/stardm/san1/vm-100-disk-0 bs=1M skip=4 seek=4 count=4 oflag=direct 2>/dev/null"
check "  multipathd has failed the path" \
	$N a "for i in \$(seq 30); do multipath -ll | grep -q 'sda .*failed' && exit 0; sleep 1; done; multipath -ll; exit 1"
check "  stardm's commands go on: snapshot, a new VM's disk, its removal" \
	$N a "stardm snapshot san1 vm-100-disk-0 s1 && stardm create san1 vm-101-disk-0 --size 16M && stardm remove san1 vm-101-disk-0"
h1=$(hb); sleep 5; h2=$(hb)
check "  node a's heartbeat moves, as node b reads it ($h1, then $h2)" differ "$h1" "$h2"
check "  its monitor runs and said nothing since" \
	$N a "systemctl list-units --state=running 'stardm-monitor@*' | grep -q stardm-monitor@ && out=\$(journalctl -q -o cat -u 'stardm-monitor@*' --since @$t0) && echo \"\$out\" && ! echo \"\$out\" | grep -q 'stardm: '"
check "node a: path sda comes back, multipathd takes it in again" \
	$N a "echo running >/sys/block/sda/device/state && for i in \$(seq 60); do [ \"\$(multipath -ll | grep -c 'active ready running')\" = 2 ] && exit 0; sleep 1; done; multipath -ll; exit 1"
check "  the disk reads back all it was written" \
	$N a "dd if=/dev/stardm/san1/vm-100-disk-0 bs=1M count=8 iflag=direct 2>/tmp/dd.err | cmp - /tmp/d && stardm deactivate san1 vm-100-disk-0 || { cat /tmp/dd.err; ls -l /dev/stardm/san1/; udevadm info --query=property /dev/mapper/stardm-san1-vm-100-disk-0 | grep -e DEVLINKS -e STARDM_ -e DM_UDEV; dmsetup info -c; exit 1; }"
finish multipath
