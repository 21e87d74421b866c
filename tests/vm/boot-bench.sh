#!/bin/sh
# Time from boot to settled pools on a real Debian node (run by
# tests/vm/run-cluster with STARDM_VM_FLAVOUR=debian; not in make check):
# node a runs POOLS VMs' pools (default 50; every tenth volume marked for
# auto-activation), crashes and boots again; prints when the kernel started,
# when stardm-autoactivate@ finished, and what it did.
#   STARDM_VM_FLAVOUR=debian POOLS=50 tests/vm/run-cluster tests/vm/boot-bench.sh build/stardm
set -u
. "$(dirname "$0")/cluster-lib.sh"
P=${POOLS:-50}
check "init" $N a "stardm init /dev/disk/by-id/virtio-stardm-lun0 --name san1"
uuid=$($N a "stardm inspect san1 --json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["group"]["uuid"])')
check "$P pools live on node a" $N a "i=1; while [ \$i -le $P ]; do stardm create san1 vm-\$((1000 + i))-disk-0 --size 32M && stardm activate san1 vm-\$((1000 + i))-disk-0 >/dev/null 2>&1 || exit 1; [ \$((i % 10)) = 0 ] && stardm set-autoactivate san1 vm-\$((1000 + i))-disk-0 on; i=\$((i + 1)); done"
check "node a crashes" crash a
check "node a boots again" boot a
check "autoactivate ran" $N a "i=0; while [ \$i -lt 600 ] && ! systemctl -q is-active stardm-autoactivate@$uuid; do sleep 1; i=\$((i + 1)); done; systemctl -q is-active stardm-autoactivate@$uuid"
$N a "systemctl show -P ExecMainStartTimestampMonotonic stardm-autoactivate@$uuid; systemctl show -P ExecMainExitTimestampMonotonic stardm-autoactivate@$uuid; journalctl -b -u stardm-autoactivate@$uuid -o cat | grep 'group san1'" |
	{ read -r start; read -r end; read -r what
	  echo "boot-bench: $P pools: unit started $((start / 1000)) ms after the kernel, settled at $((end / 1000)) ms ($(((end - start) / 1000)) ms of work): $what"; }
finish boot-bench
