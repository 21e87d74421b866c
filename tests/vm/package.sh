#!/bin/sh
# The Debian packages on two real Debian nodes (run by tests/vm/run-cluster
# with STARDM_VM_FLAVOUR=debian and STARDM_VM_STAGE from
# tests/vm/stage-packages: nothing of stardm is installed, the .debs are in
# /var/cache/stardm-test/v1 and v2).  dpkg -i makes the udev rules and units
# live at once (a LUN labelled before the install is found, its group
# activated, its monitor started), an upgrade restarts the running monitor
# on the new binary without disturbing an active volume, and a purge leaves
# no file behind.  Ends with "package: N passed, N failed".
set -u
. "$(dirname "$0")/cluster-lib.sh"
LUN=/dev/disk/by-id/virtio-stardm-lun0
C=/var/cache/stardm-test
V=vm-100-disk-0
# every file of node a's root file system but those dpkg, the journal and
# systemd's own state keep changing, and the test's packages
files() {
	$N a "find / -xdev \\( -path /var/lib/dpkg -o -path /var/log -o -path /var/cache/stardm-test \\
		-o -path /var/lib/systemd -o -path /var/cache/ldconfig -o -path /tmp -o -path /var/tmp \\) \\
		-prune -o -print | sort"
}
install_v() { $N "$1" "cd $C/$2 && dpkg -i stardm_*.deb libpve-storage-stardm-perl_*.deb"; }
version() { $N "$1" "dpkg-query -W -f='\${Version}' stardm"; }
prop() { $N "$1" "udevadm info --query=property $2 | sed -n 's/^$3=//p'"; }
monitor_pid() { $N a "systemctl show -p MainPID --value stardm-monitor@$uuid.service"; }

v1=$($N a "dpkg-deb -f $C/v1/stardm_*.deb Version")
check "the packages to install: $v1 and $v1.1" [ -n "$v1" ]
check "node a has no stardm before the packages" \
	$N a "[ ! -e /usr/sbin/stardm ] && [ ! -e /lib/udev/rules.d/56-stardm.rules ]"
$N a "udevadm settle"
files >"$T/before"
check "  (its file list: $(wc -l <"$T/before") files)" [ "$(wc -l <"$T/before")" -gt 1000 ]

check "node b: dpkg -i installs both packages" install_v b v1
check "node b: init a group on the LUN" $N b "stardm init $LUN --name san1"
uuid=$($N b "stardm scan --json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["groups"][0]["uuid"])')
check "  its uuid ($uuid)" [ -n "$uuid" ]

check "node a: dpkg -i installs both packages" install_v a v1
check "node a: stardm $v1 installed" [ "$(version a)" = "$v1" ]
check "  the binary says so" [ "$($N a 'stardm --version')" = "stardm $v1" ]
check "  the plugin is in Proxmox's plugin directory" \
	$N a "[ -f /usr/share/perl5/PVE/Storage/Custom/StarDMPlugin.pm ]"
$N a "udevadm settle"
check "the install gave the LUN labelled before it a udev event: its group is known" \
	[ "$(prop a $LUN STARDM_GROUP_NAME)" = san1 ]
check "  and /dev/disk/by-id/stardm-lun-UUID names it" \
	$N a "[ \"\$(readlink -f /dev/disk/by-id/stardm-lun-$uuid)\" = \"\$(readlink -f $LUN)\" ]"
check "  its event started stardm-autoactivate@UUID" \
	$N a "timeout 60 sh -c 'until systemctl is-active -q stardm-autoactivate@$uuid.service; do sleep 1; done'"
check "  which started the group's monitor" \
	$N a "timeout 60 sh -c 'until systemctl is-active -q stardm-monitor@$uuid.service; do sleep 1; done'"
check "create and activate a volume: udev names it" \
	[ "$($N a "stardm create san1 $V --size 64M && stardm activate san1 $V")" = "/dev/stardm/san1/$V" ]
check "write to it" $N a "printf 'before the upgrade' | dd of=/dev/stardm/san1/$V bs=4096 conv=sync oflag=direct 2>/dev/null"
check "an admin enables a monitor by hand" $N a "systemctl enable stardm-monitor@san1.service"
pid1=$(monitor_pid)
check "the monitor runs (pid $pid1)" [ "${pid1:-0}" -gt 0 ]

check "node a: dpkg -i upgrades to $v1.1" install_v a v2
check "  stardm $v1.1 installed" [ "$(version a)" = "$v1.1" ]
pid2=$(monitor_pid)
check "  the monitor was restarted (pid $pid1 -> $pid2)" \
	sh -c '[ "$1" -gt 0 ] && [ "$1" != "$2" ]' - "${pid2:-0}" "$pid1"
check "  on the new binary (not the replaced one)" \
	[ "$($N a "readlink /proc/$pid2/exe")" = /usr/sbin/stardm ]
check "  the monitor is still running a few seconds later" \
	$N a "sleep 3; [ \"\$(systemctl show -p MainPID --value stardm-monitor@$uuid.service)\" = $pid2 ]"
check "  the active volume kept its data" \
	[ "$($N a "dd if=/dev/stardm/san1/$V bs=4096 count=1 iflag=direct 2>/dev/null | head -c 18")" = "before the upgrade" ]
check "  the pool is still active on a" [ "$(live a 100)" = 1 ]

check "deactivate before removing" $N a "stardm deactivate san1 $V"
check "node a: dpkg --purge removes both packages" \
	$N a "dpkg --purge libpve-storage-stardm-perl stardm"
check "  no stardm process is left" $N a "n=\$(pgrep -c stardm); [ \"\$n\" = 0 ]"
check "  nor /run/stardm" $N a "[ ! -e /run/stardm ] && [ -d /run/udev ]"
$N a "udevadm settle"
files >"$T/after"
check "  no file is left behind, none is missing (file list as before the install)" \
	diff "$T/before" "$T/after"
check "the group on the LUN is untouched (node b lists the volume)" \
	$N b "stardm list san1 | grep -q $V"
finish package
