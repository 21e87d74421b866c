# The power-cut suite's default workload: every kind of change stardm makes
# to a LUN, with guest writes between them.  Sourced by tests/powercut/guest.sh
# with $G, the group's device (every write to it is logged), and:
#   mark TEXT               a mark in the write log ("init" must follow the
#                           group's creation: from there on a state must hold it)
#   write_acked VOL N       N tagged 4 KiB writes to VOL (live), every 8th
#                           flushed and its acknowledgement marked: from the
#                           mark on, those writes must survive any power cut
#   write_tags VOL N        N tagged writes, never flushed by the writer
# A workload of one's own: POWERCUT_WORKLOAD=FILE (make powercut).
stardm init $G --name pc >/dev/null
mark init
stardm create $G vm-101-disk-0 --size 16M
stardm create $G vm-102-disk-0 --size 16M --provisioning thin
stardm activate $G vm-101-disk-0 >/dev/null
write_acked vm-101-disk-0 48
stardm snapshot $G vm-101-disk-0 s1            # of the live origin
write_acked vm-101-disk-0 24
stardm resize $G vm-101-disk-0 --size 24M      # live
stardm delete-snapshot $G vm-101-disk-0 s1
# a rollback of an inactive disk
stardm activate $G vm-102-disk-0 >/dev/null
write_tags vm-102-disk-0 16
stardm deactivate $G vm-102-disk-0
stardm snapshot $G vm-102-disk-0 r1
stardm activate $G vm-102-disk-0 >/dev/null
write_tags vm-102-disk-0 16
stardm deactivate $G vm-102-disk-0
stardm rollback $G vm-102-disk-0 r1
# a VM's last disk removed: its pool goes; a new VM's pool may reuse the
# extents (a state must never show the old disk's blocks in the new one)
stardm create $G vm-103-disk-0 --size 8M
stardm activate $G vm-103-disk-0 >/dev/null
write_tags vm-103-disk-0 32
stardm deactivate $G vm-103-disk-0
stardm remove $G vm-103-disk-0
stardm create $G vm-104-disk-0 --size 8M
stardm activate $G vm-104-disk-0 >/dev/null
write_tags vm-104-disk-0 8
stardm deactivate $G vm-104-disk-0
# a pool's growth, live
stardm extend-pool $G --vmid 101 --size 32M
write_acked vm-101-disk-0 24
# a migration's release and claim: node a lets the pool go, node b takes it
stardm deactivate $G vm-101-disk-0
STARDM_NODE_NAME=b stardm activate $G vm-101-disk-0 >/dev/null
write_acked vm-101-disk-0 16
STARDM_NODE_NAME=b stardm deactivate $G vm-101-disk-0
stardm remove $G vm-104-disk-0
