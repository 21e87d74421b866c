#!/bin/sh
# Out of space without data loss (run by tests/vm/run-cluster; node a): a
# thin pool on a LUN with no free extents left cannot grow; its writes
# queue for dm_thin_pool's no_space_timeout (10 s here) and then fail, the
# guest sees I/O errors and nothing it wrote before is lost; status names
# the starving pool throughout; deleting a snapshot lets the pool take
# writes again, and freeing extents lets the monitor grow it.  Ends with
# "nospace: N passed, N failed".
set -u
. "$(dirname "$0")/cluster-lib.sh"
MIB=1048576
V=vm-301-disk-0
DEV=/dev/mapper/stardm-s1-$V
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# write NODE PATTERN FROM_MIB COUNT_MIB: 1 MiB blocks of "PATTERN" at FROM
write() {
	$N a "yes '$1' | head -c $MIB >/tmp/blk-$1 && i=0 && while [ \$i -lt $3 ]; do cat /tmp/blk-$1; i=\$((i + 1)); done |
		dd of=$DEV bs=$MIB seek=$2 iflag=fullblock oflag=direct 2>/tmp/dd.err"
}
# holds PATTERN DEVICE MIB: the MiB at MIB of DEVICE is PATTERN's block
holds() { $N a "yes '$1' | head -c $MIB >/tmp/want && dd if=$2 bs=$MIB skip=$3 count=1 iflag=direct 2>/dev/null | cmp - /tmp/want"; }
fails() { ! "$@"; }
starving() { $N a "stardm status s1 --json" | json "[p['vmid'] for p in d['active_pools'] if p['out_of_data_space']]"; }

check "init a group on the 16 GiB LUN" $N a "stardm init /dev/vda --name s1"
check "start the node monitor: writes to a full pool queue for 10 s, then fail" \
	$N a "stardm monitor s1 --interval 1 --no-space-timeout 10 >/tmp/mon.log 2>&1 & echo \$! >/tmp/mon.pid; sleep 1"
check "  the kernel's no_space_timeout is 10 s" \
	[ "$($N a "cat /sys/module/dm_thin_pool/parameters/no_space_timeout" | tr -d ' \n')" = 10 ]
check "  status says so" [ "$($N a "stardm status s1 --json" | json "d['no_space_timeout']")" = 10 ]
free=$($N a "stardm status s1 --json" | json "d['free'] >> 20")
check "a full disk takes all but 1280 MiB of the group's $free MiB" \
	$N a "stardm create s1 vm-300-disk-0 --size $((free - 1280))M"
check "a thin 8 GiB disk, active" $N a "stardm create s1 $V --size 8G --provisioning thin && stardm activate s1 $V"
check "write 256 MiB of A" write A 0 256
check "snapshot s1 of it" $N a "stardm snapshot s1 $V s1"
check "overwrite them with B: the copy-on-write needs 256 MiB more" write B 0 256
check "writing 1 GiB more of C fails: the LUN is full" fails write C 256 1024
check "  with an error the guest sees (no space, or I/O error)" $N a "grep -E 'No space left|Input/output error' /tmp/dd.err"
check "  the monitor said why the pool could not grow" $N a "grep -q 'vm 301.*cannot grow' /tmp/mon.log"
check "  and warned as free space ran low, then as the pool grew into the reserve" $N a \
	"grep -n 'warning: free space low' /tmp/mon.log | cut -d: -f1 >/tmp/l1 && grep -n 'warning: pools grew into the reserve' /tmp/mon.log | cut -d: -f1 >/tmp/l2 && [ \$(head -1 /tmp/l1) -lt \$(head -1 /tmp/l2) ]"
check "  status warns that new disks are refused" $N a "stardm status s1 | grep -q 'WARNING: .*new disks are refused'"
check "  status names the starving pool" [ "$(starving)" = "[301]" ]
check "  inspect shows it out of data space" \
	[ "$($N a "stardm inspect s1 --json" | json "[p['live']['out_of_data_space'] for p in d['pools'] if p['vmid'] == 301]")" = "[True]" ]
check "nothing written before is lost: B on the volume" holds B "$DEV" 0
check "  and its last MiB" holds B "$DEV" 255
check "  A on the snapshot" $N a "stardm activate s1 $V --snapshot s1 >/dev/null"
check "  its first MiB" holds A /dev/mapper/stardm-s1-$V--s1 0
check "  its last MiB" holds A /dev/mapper/stardm-s1-$V--s1 255
check "delete the snapshot: its blocks are free in the pool" \
	$N a "stardm deactivate s1 $V --snapshot s1 && stardm delete-snapshot s1 $V s1"
check "  the pool takes writes again (128 MiB of D)" write D 256 128
check "  status no longer names it" [ "$(starving)" = "[]" ]
check "free extents: remove the full disk" $N a "stardm remove s1 vm-300-disk-0"
check "  1 GiB of E is written, the monitor growing the pool" write E 384 1024
check "  E's last MiB is there" holds E "$DEV" 1407
check "  the pool is not out of space" [ "$(starving)" = "[]" ]
$N a 'kill $(cat /tmp/mon.pid)'
finish nospace
