#!/bin/sh
# Thin provisioning on the real kernel (run by tests/vm/run-cluster; node a
# only, the host reads the LUN file): ten VMs with 8 GiB thin disks on the
# 16 GiB LUN, each writing 1 GiB, all fit; each pool starts at 256 MiB and
# the node monitor grows it under the write flood without the guest seeing
# an error; what each VM wrote reads back; the LUN file holds about what
# was written, and gets space back from a guest's TRIM and from a removed
# disk.  Ends with "space: N passed, N failed".
set -u
. "$(dirname "$0")/cluster-lib.sh"
LUN_FILE=$STARDM_CLUSTER_DIR/lun.img
VMS="201 202 203 204 205 206 207 208 209 210"
MIB=1048576
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# pattern VMID: the 1 MiB block VM VMID writes over and over
pattern() { echo "yes 'vm-$1 wrote this ' | head -c $MIB"; }

check "init a group on the 16 GiB LUN" $N a "stardm init /dev/vda --name s1"
check "start the node monitor (every 2 s)" \
	$N a "stardm monitor s1 >/tmp/mon.log 2>&1 & echo \$! >/tmp/mon.pid"
for v in $VMS; do
	check "vm $v: a thin 8 GiB disk" \
		$N a "stardm create s1 vm-$v-disk-0 --size 8G --provisioning thin"
done
$N a "stardm status s1 --json" >"$T/status"
check "status: 10 thin pools, 80 GiB provisioned, overcommitted about 5x" \
	[ "$(json "(d['thin_pools'], d['provisioned'] >> 30, round(d['overcommit']))" <"$T/status")" = "(10, 80, 5)" ]
start=$(date +%s)
for v in $VMS; do
	t0=$(date +%s)
	check "vm $v writes 1 GiB, no error" $N a "dev=\$(stardm activate s1 vm-$v-disk-0) &&
		$(pattern $v) >/tmp/blk && cat /tmp/blk /tmp/blk /tmp/blk /tmp/blk >/tmp/b4 &&
		cat /tmp/b4 /tmp/b4 /tmp/b4 /tmp/b4 >/tmp/b16 &&
		i=0 && while [ \$i -lt 64 ]; do cat /tmp/b16; i=\$((i + 1)); done |
		dd of=\$dev bs=$MIB iflag=fullblock oflag=direct 2>/dev/null && sync"
	echo "     ($(($(date +%s) - t0)) s; growths so far: $($N a "grep -c 'pool of vm $v: .*extended by' /tmp/mon.log"))"
done
echo "     (all written in $(($(date +%s) - start)) s)"
for v in $VMS; do
	check "vm $v: its first, middle and last MiB read back" $N a "dev=/dev/mapper/stardm-s1-vm-$v-disk-0;
		$(pattern $v) >/tmp/blk; for s in 0 511 1023; do
		dd if=\$dev bs=$MIB skip=\$s count=1 iflag=direct 2>/dev/null | cmp - /tmp/blk || exit 1; done"
done
n_grown=$($N a "grep -c 'extended by' /tmp/mon.log")
n_failed=$($N a "grep -c 'cannot grow' /tmp/mon.log")
check "  the monitor grew the pools $n_grown times, never failed" \
	sh -c '[ "$1" -ge 10 ] && [ "$2" = 0 ]' - "$n_grown" "$n_failed"
$N a "stardm status s1 --json" >"$T/status"
check "  every pool holds 1 GiB or more, none out of space" [ "$(json \
	"sorted(set((p['data_total'] >= 1 << 30, p['out_of_data_space']) for p in d['active_pools']))" \
	<"$T/status")" = "[(True, False)]" ]
used=$(json "d['used'] >> 20" <"$T/status")
total=$(json "d['total'] >> 20" <"$T/status")
check "  all fit: the pools hold $used MiB of the group's $total MiB for 10 GiB written" \
	sh -c '[ "$1" -ge 10240 ] && [ "$1" -lt "$2" ]' - "$used" "$total"

alloc=$(du -B1M "$LUN_FILE" | cut -f1)
check "the LUN file holds about what was written: $alloc MiB (10240 to 10752)" \
	sh -c '[ "$1" -ge 10240 ] && [ "$1" -le 10752 ]' - "$alloc"
queued=$($N a "dmesg | grep -c 'out-of-data-space (queue IO)'")
echo "     (pools that ran out for a moment and queued writes until they grew: $queued)"
check "no write failed: no I/O error, no pool failing writes, in the kernel log" \
	[ "$($N a "dmesg | grep -c -i -E 'I/O error|error IO'")" = 0 ]

# space back to the LUN: a guest's TRIM passes through its thin volume and
# the pool to the LUN; removing a VM's disk discards its pool's extents
check "vm 209's guest discards its whole disk" $N a "blkdiscard /dev/mapper/stardm-s1-vm-209-disk-0"
$N a sync
after=$(du -B1M "$LUN_FILE" | cut -f1)
check "  the LUN file gave back $((alloc - after)) MiB (1000 or more)" [ "$((alloc - after))" -ge 1000 ]
check "vm 210's disk removed" $N a "stardm deactivate s1 vm-210-disk-0 && stardm remove s1 vm-210-disk-0"
$N a sync
gone=$(du -B1M "$LUN_FILE" | cut -f1)
check "  the LUN file gave back $((after - gone)) MiB (1000 or more)" [ "$((after - gone))" -ge 1000 ]
$N a 'kill $(cat /tmp/mon.pid)'
finish space
