#!/bin/sh
# Thin provisioning on the real kernel (run by tests/vm/run-cluster; node a
# only, the host reads the LUN file): ten VMs with 8 GiB thin disks on the
# 16 GiB LUN, each writing W MiB (STARDM_SPACE_MIB: 256 by default, 1024
# in make soak-vm, which runs it; make check does not), all fit; each pool starts at 256 MiB and
# the node monitor grows it under the write flood without the guest seeing
# an error; what each VM wrote reads back; the LUN file holds about what
# was written, and gets space back from a guest's TRIM and from a removed
# disk.  Ends with "space: N passed, N failed".
set -u
. "$(dirname "$0")/cluster-lib.sh"
LUN_FILE=$STARDM_CLUSTER_DIR/lun.img
VMS="201 202 203 204 205 206 207 208 209 210"
MIB=1048576
W=${STARDM_SPACE_MIB:-256} # what each VM writes, in MiB (a multiple of 16)
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
	check "vm $v writes $W MiB, no error" $N a "dev=\$(stardm activate s1 vm-$v-disk-0) &&
		$(pattern $v) >/tmp/blk && cat /tmp/blk /tmp/blk /tmp/blk /tmp/blk >/tmp/b4 &&
		cat /tmp/b4 /tmp/b4 /tmp/b4 /tmp/b4 >/tmp/b16 &&
		i=0 && while [ \$i -lt $((W / 16)) ]; do cat /tmp/b16; i=\$((i + 1)); done |
		dd of=\$dev bs=$MIB iflag=fullblock oflag=direct 2>/dev/null && sync"
	echo "     ($(($(date +%s) - t0)) s; growths so far: $($N a "grep -c 'pool of vm $v: .*extended by' /tmp/mon.log"))"
done
echo "     (all written in $(($(date +%s) - start)) s)"
for v in $VMS; do
	check "vm $v: its first, middle and last MiB read back" $N a "dev=/dev/mapper/stardm-s1-vm-$v-disk-0;
		$(pattern $v) >/tmp/blk; for s in 0 $((W / 2 - 1)) $((W - 1)); do
		dd if=\$dev bs=$MIB skip=\$s count=1 iflag=direct 2>/dev/null | cmp - /tmp/blk || exit 1; done"
done
n_grown=$($N a "grep -c 'extended by' /tmp/mon.log")
n_failed=$($N a "grep -c 'cannot grow' /tmp/mon.log")
check "  the monitor grew the pools $n_grown times, never failed" \
	sh -c '[ "$1" -ge 10 ] && [ "$2" = 0 ]' - "$n_grown" "$n_failed"
$N a "stardm status s1 --json" >"$T/status"
check "  every pool holds $W MiB or more, none out of space" [ "$(json \
	"sorted(set((p['data_total'] >= $W << 20, p['out_of_data_space']) for p in d['active_pools']))" \
	<"$T/status")" = "[(True, False)]" ]
used=$(json "d['used'] >> 20" <"$T/status")
total=$(json "d['total'] >> 20" <"$T/status")
check "  all fit: the pools hold $used MiB of the group's $total MiB for $((10 * W)) MiB written" \
	sh -c '[ "$1" -ge "$3" ] && [ "$1" -lt "$2" ]' - "$used" "$total" "$((10 * W))"

alloc=$(du -B1M "$LUN_FILE" | cut -f1)
check "the LUN file holds about what was written: $alloc MiB ($((10 * W)) to $((10 * W + 512)))" \
	sh -c '[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]' - "$alloc" "$((10 * W))" "$((10 * W + 512))"
queued=$($N a "dmesg | grep -c 'out-of-data-space (queue IO)'")
echo "     (pools that ran out for a moment and queued writes until they grew: $queued)"
check "no write failed: no I/O error, no pool failing writes, in the kernel log" \
	[ "$($N a "dmesg | grep -c -i -E 'I/O error|error IO'")" = 0 ]

# space back to the LUN: a guest's TRIM passes through its thin volume and
# the pool to the LUN; removing a VM's disk discards its pool's extents
check "vm 209's guest discards its whole disk" $N a "blkdiscard /dev/mapper/stardm-s1-vm-209-disk-0"
$N a sync
after=$(du -B1M "$LUN_FILE" | cut -f1)
check "  the LUN file gave back $((alloc - after)) MiB ($((W - 24)) or more)" [ "$((alloc - after))" -ge $((W - 24)) ]
check "vm 210's disk removed" $N a "stardm deactivate s1 vm-210-disk-0 && stardm remove s1 vm-210-disk-0"
$N a sync
gone=$(du -B1M "$LUN_FILE" | cut -f1)
check "  the LUN file gave back $((after - gone)) MiB ($((W - 24)) or more)" [ "$((after - gone))" -ge $((W - 24)) ]
# pool metadata: small writes spread over a disk, a snapshot before each
# round, so each round copies every btree leaf of the disk's mappings; the
# metadata the rounds need outgrows the pool's first metadata device, and
# the monitor grows it (at 60% used) before it fills: a full one would
# turn the pool read-only and need an offline repair
M=vm-220-disk-0
MDEV=/dev/mapper/stardm-s1-$M
meta() { $N a "stardm status s1 --json" | json "[(p['meta_used'], p['meta_total'], p['read_only'], p['needs_check']) for p in d['active_pools'] if p['vmid'] == 220][0]"; }
check "vm 220: a full 1 GiB disk, written whole" $N a "stardm create s1 $M --size 1G --provisioning full &&
	stardm activate s1 $M && dd if=/dev/zero bs=1M count=1024 2>/dev/null | tr '\\0' 'z' |
	dd of=$MDEV bs=1M iflag=fullblock oflag=direct 2>/dev/null"
first=$(meta)
echo "     (metadata used, total, read-only, needs_check: $first)"
ROUNDS=12
for r in $(seq 1 $ROUNDS); do
	check "round $r: snapshot, then 4 KiB at 128 random places" $N a "stardm snapshot s1 $M r$r &&
		printf 'round %04d' $r >/tmp/r && i=0 && while [ \$i -lt 128 ]; do
		dd if=/tmp/r of=$MDEV bs=4096 seek=\$((i * 2048 + \$RANDOM % 2048)) conv=sync,notrunc oflag=direct 2>/dev/null || exit 1;
		i=\$((i + 1)); done"
done
last=$(meta)
echo "     (metadata used, total, read-only, needs_check: $last)"
n_meta=$($N a "grep -c 'pool of vm 220: metadata .*extended by' /tmp/mon.log")
check "  the monitor grew its metadata $n_meta times" [ "$n_meta" -ge 1 ]
check "  the rounds used more metadata than the pool first had, never all of it" python3 -c "
u0, t0, _, _ = $first; u, t, ro, nc = $last
assert t > t0 and u > t0 and u < t and not ro and not nc, (u0, t0, u, t, ro, nc)"
check "  no metadata error in the kernel log" \
	[ "$($N a "dmesg | grep -c -i -E 'metadata operation|no free metadata|switching pool to (read-only|fail)'")" = 0 ]
check "  every snapshot is there" [ "$($N a "stardm list s1 --json" | json "len([v for v in d['volumes'] if v['name'] == '$M'][0]['snapshots'])")" = "$ROUNDS" ]

# the pool stays, the LUN gets back what a deleted snapshot or a removed
# disk held alone: each snapshot holds the 128 blocks (64 KiB) its round
# overwrote, a second disk of the VM 64 MiB
$N a sync
sum_disk() { $N a "dd if=$MDEV bs=1M iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1"; }
disk=$(sum_disk)
before=$(du -B1M "$LUN_FILE" | cut -f1)
check "delete vm 220's $ROUNDS snapshots, its disk live" $N a "for r in \$(seq 1 $ROUNDS); do stardm delete-snapshot s1 $M r\$r || exit 1; done"
$N a sync
after=$(du -B1M "$LUN_FILE" | cut -f1)
check "  the LUN file gave back $((before - after)) MiB ($((ROUNDS * 8 * 9 / 10)) or more of $((ROUNDS * 8)))" \
	[ "$((before - after))" -ge "$((ROUNDS * 8 * 9 / 10))" ]
now=$(sum_disk)
check "  its disk reads as before, every byte" sh -c '[ -n "$1" ] && [ "$1" = "$2" ]' - "$now" "$disk"
check "vm 220's second disk: 64 MiB written" $N a "stardm create s1 vm-220-disk-1 --size 64M &&
	dev=\$(stardm activate s1 vm-220-disk-1) && dd if=/dev/zero bs=1M count=64 2>/dev/null | tr '\\0' 'y' |
	dd of=\$dev bs=1M iflag=fullblock oflag=direct 2>/dev/null && stardm deactivate s1 vm-220-disk-1"
$N a sync
before=$(du -B1M "$LUN_FILE" | cut -f1)
check "  removed, the first disk live" $N a "stardm remove s1 vm-220-disk-1"
$N a sync
after=$(du -B1M "$LUN_FILE" | cut -f1)
check "  the LUN file gave back $((before - after)) MiB (60 or more of 64)" [ "$((before - after))" -ge 60 ]
check "  no discard device left behind" [ "$($N a "dmsetup ls | grep -c discard")" = 0 ]
$N a 'kill $(cat /tmp/mon.pid)'
finish space
