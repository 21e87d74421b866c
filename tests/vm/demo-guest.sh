# The demo, inside the VM: one VM's disks on a shared LUN, thin and snapshotted.
set -e
run() { echo "[vm]# $*"; "$@"; }
run stardm init /dev/vda --name san1
run stardm create san1 vm-100-disk-0 --size 4G
run stardm create san1 vm-100-disk-1 --size 1G
echo "[vm]# stardm monitor san1 &   (the node monitor: heartbeat, pool growth, migrations)"
stardm monitor san1 >/tmp/monitor.log 2>&1 &
sleep 1
run stardm activate san1 vm-100-disk-0
echo "[vm]# echo 'hello from the guest' | dd of=/dev/mapper/stardm-san1-vm-100-disk-0 oflag=direct,sync"
printf 'hello from the guest\n' | dd of=/dev/mapper/stardm-san1-vm-100-disk-0 bs=4096 conv=sync oflag=direct 2>/dev/null
run stardm snapshot san1 vm-100-disk-0 before-upgrade
echo "[vm]# echo 'upgrade broke everything' | dd of=... (overwrite)"
printf 'upgrade broke everything\n' | dd of=/dev/mapper/stardm-san1-vm-100-disk-0 bs=4096 conv=sync oflag=direct 2>/dev/null
run stardm deactivate san1 vm-100-disk-0
run stardm rollback san1 vm-100-disk-0 before-upgrade
run stardm activate san1 vm-100-disk-0
echo "[vm]# head -c 21 /dev/mapper/stardm-san1-vm-100-disk-0"
dd if=/dev/mapper/stardm-san1-vm-100-disk-0 bs=4096 count=1 iflag=direct 2>/dev/null | head -c 21
run stardm list san1
run dmsetup ls
run stardm inspect san1
run stardm status san1
run stardm deactivate san1 vm-100-disk-0
