#!/bin/sh
# Two-node suite (tests/vm/run-cluster, nodes booted with perl): live
# migrations driven the way Proxmox drives them, through the plugin
# (tests/plugin/pve-call.pl) and stardm monitor, with nothing else calling
# stardm; then nodes dying at each step of a handover.
#
# qemu-server's order, emulated step by step (docs/ha-migration.md):
#   target: activate_volume with PVE_MIGRATED_FROM set   (plugin)
#   target: QEMU starts: opens the devices, 4 KiB O_DIRECT probe read at 0
#   source: the guest keeps writing while memory is copied
#   source: final flush; config moves to the target (the commit point; here
#           a file under /etc/pve/nodes/, written on both nodes as pmxcfs would)
#   target: `cont`: the guest writes at once
#   source: QEMU stops; deactivate_volume                 (plugin)
# A verifying writer stamps 4 KiB blocks with sequence numbers; at every
# step the VM's pool is checked live on at most one node.
# STARDM_HANDOVER_ROUNDS=N: N migrations in the first part (default 2, so
# that both nodes' monitors release once; make soak-vm: 6).
# Ends with "handover: N passed, N failed".
set -u
. "$(dirname "$0")/cluster-lib.sh"
VM=600
V0=vm-$VM-disk-0 V1=vm-$VM-disk-1
P0=$V0 P1=$V1   # the volume names Proxmox passes the plugin
DEV=/dev/mapper/stardm-san1-$V0
DEV1=/dev/mapper/stardm-san1-$V1
never_both=1
both_check() { [ $(($(live a $VM) + $(live b $VM))) -le 1 ] || { never_both=0; echo "LIVE ON BOTH NODES"; }; }
pve() { # pve NODE [FROM] activate|deactivate VOL...: the plugin, as qemu-server calls it
	node=$1 from=; shift
	case $1 in activate|deactivate) ;; *) from=$1; shift ;; esac
	m=$1; shift
	for vol in "$@"; do
		$N $node "PVE_MIGRATED_FROM=$from ${MEMBERS:+STANDIN_MEMBERS=$MEMBERS} STARDM_BIN=\$(command -v stardm) STANDIN_LOCK_DIR=/tmp perl -I/usr/local/lib/stardm-perl /usr/local/bin/pve-call.pl $m $vol" || return 1
	done
}
plugin() { # plugin NODE METHOD ARGS...: one other call of the plugin (pve-call.pl)
	node=$1; shift
	$N $node "STARDM_BIN=\$(command -v stardm) STANDIN_LOCK_DIR=/tmp perl -I/usr/local/lib/stardm-perl /usr/local/bin/pve-call.pl $*"
}
qemu_start() { # a process holding both disks open, then the probe reads
	$N $1 "sleep 100000 3<$DEV 4<$DEV1 >/dev/null 2>&1 & echo \$! >/tmp/qemu.pid
		dd if=$DEV of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null &&
		dd if=$DEV1 of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null"
}
qemu_stop() { $N $1 'kill $(cat /tmp/qemu.pid) 2>/dev/null; rm -f /tmp/qemu.pid; true'; }
gated() { # gated NODE: both placeholders suspended by the watcher, within 10 s
	$N $1 "i=0; while [ \$i -lt 100 ]; do
		n=0; for d in $(basename $DEV) $(basename $DEV1); do dmsetup info \$d 2>/dev/null | grep -q SUSPENDED && n=\$((n + 1)); done
		[ \$n = 2 ] && exit 0
		sleep 0.1; i=\$((i + 1)); done; dmsetup info; exit 1"
}
commit_point() { # commit_point SRC DST: the VM's config moves (on both nodes: pmxcfs)
	for n in a b; do $N $n "mv /etc/pve/nodes/$1/qemu-server/$VM.conf /etc/pve/nodes/$2/qemu-server/$VM.conf"; done
}
monitor() { $N $1 'stardm monitor san1 --interval 1 --pve-dir /etc/pve >>/tmp/mon.log 2>&1 & echo $! >/tmp/mon.pid'; }
node_setup() {
	$N $1 "mkdir -p /etc/pve/nodes/a/qemu-server /etc/pve/nodes/b/qemu-server && touch /etc/pve/nodes/$2/qemu-server/$VM.conf"
}
disk1_md5() { $N $1 "dd if=$DEV1 bs=1M count=16 iflag=direct 2>/dev/null | md5sum | cut -c1-32"; }

check "init on a; b sees the group" sh -c "$N a 'stardm init /dev/vda --name san1' && $N b 'stardm scan | grep -q san1'"
for n in a b; do node_setup $n a; monitor $n; done
check "VM $VM: two disks created" $N a "stardm create san1 $V0 --size 64M && stardm create san1 $V1 --size 16M"
check "VM $VM starts on a (plugin activate_volume)" pve a activate $V0 $V1
check "  disk-1 gets 16 MiB of known data" $N a "dd if=/dev/urandom of=$DEV1 bs=1M count=16 oflag=direct 2>/dev/null"
want1=$(disk1_md5 a)
qemu_start a >/dev/null
seq=0
check "the guest writes on a" writer a $seq 40
seq=40

# one migration; RELEASE_BY=monitor (the commit point) or deactivate
migrate() { # migrate SRC DST
	src=$1 dst=$2 ok=1
	pve $dst $src activate $P0 $P1 >/dev/null || { echo "activate on $dst"; ok=0; }
	both_check
	[ "$(live $dst $VM)" = 0 ] || { echo "pool loaded on $dst before the release"; ok=0; }
	qemu_start $dst || { echo "probe on $dst"; ok=0; }
	gated $dst >/dev/null || { echo "not gated on $dst"; ok=0; }
	if [ -n "${KILL_WATCHER:-}" ]; then # the watchers die: the target's monitor must finish
		$N $dst "w=\$(ps | grep 'stardm activate san1 vm-$VM-' | grep -v grep | awk '{print \$1}')
			[ \$(echo \$w | wc -w) = 2 ] && kill -9 \$w && sleep 0.2 &&
			! ps | grep 'stardm activate san1 vm-$VM-' | grep -v grep" ||
			{ echo "the two watchers on $dst were not there, or did not die"; ok=0; }
	fi
	writer $src $seq 10 || { echo "writes on $src during the copy"; ok=0; }
	seq=$((seq + 10))
	$N $src sync
	both_check
	commit_point $src $dst
	# cont: the guest writes on the target at once; they queue until the
	# pool is there (the monitor's release, or the source's deactivation).
	# The target's agent is busy with them meanwhile: only the source is asked.
	writer $dst $seq 10 >"$T/w" 2>&1 &
	wpid=$!
	if [ "${RELEASE_BY:-monitor}" = deactivate ]; then
		sleep 2
		[ "$(live $src $VM)" = 1 ] || { echo "$src let go of the pool before its deactivation"; ok=0; }
	fi
	qemu_stop $src
	pve $src deactivate $P0 $P1 || { echo "deactivate on $src"; ok=0; }
	wait $wpid || { echo "guest writes on $dst failed"; cat "$T/w"; ok=0; }
	seq=$((seq + 10))
	both_check
	[ "$(live $src $VM)$(live $dst $VM)" = 01 ] || { echo "not live on $dst alone"; ok=0; }
	[ $ok = 1 ]
}

# STARDM_HANDOVER_ROUNDS (default 2): more for a soak run (docs/ha-migration.md)
src=a dst=b round=1
while [ $round -le "${STARDM_HANDOVER_ROUNDS:-2}" ]; do
	check "migration $round: $src -> $dst (released at the commit point by the monitor)" migrate $src $dst
	t=$src; src=$dst; dst=$t; round=$((round + 1))
done
check "every block verifies on $src after $seq writes" verify $src
check "  disk-1 is intact" [ "$(disk1_md5 $src)" = "$want1" ]
check "both monitors logged releases at the commit point" sh -c "$N a \"grep -q 'vm $VM: migration committed' /tmp/mon.log\" && $N b \"grep -q 'vm $VM: migration committed' /tmp/mon.log\""

# without a monitor on the source, its deactivate_volume releases the pool
$N $src 'kill $(cat /tmp/mon.pid)'
RELEASE_BY=deactivate
check "migration: $src -> $dst released by deactivate_volume (no monitor on $src)" migrate $src $dst
unset RELEASE_BY
monitor $src
t=$src; src=$dst; dst=$t
check "  every block verifies on $src" verify $src
check "  the target's watcher logged both steps" $N $src "cat /run/stardm/handover-san1-$V0.log; grep -q gated /run/stardm/handover-san1-$V0.log && grep -q 'resumed' /run/stardm/handover-san1-$V0.log"
n0=$($N $dst "grep -c 'migration finished here' /tmp/mon.log")
KILL_WATCHER=1
check "migration: $src -> $dst with the target's watchers killed after the gate" migrate $src $dst
unset KILL_WATCHER
t=$src; src=$dst; dst=$t
check "  the target's monitor finished both disks" $N $src "tail -5 /tmp/mon.log; [ \$(grep -c 'migration finished here' /tmp/mon.log) = $((n0 + 2)) ]"
check "  every block verifies on $src" verify $src

# failure: the migration fails before the commit point; qemu-server stops the
# target's QEMU and deactivates its volumes.  The source keeps the pool.
pve $dst $src activate $V0 $V1 >/dev/null
qemu_start $dst >/dev/null
check "aborted migration: $dst gated" gated $dst
qemu_stop $dst
check "  $dst's deactivate_volume ends the handover" pve $dst deactivate $V0 $V1
check "  no device left on $dst" sh -c "[ \$($N $dst 'dmsetup ls | grep -c stardm-san1-') = 0 ]"
check "  the source keeps writing" writer $src $seq 20
seq=$((seq + 20))
check "  and its data verifies" verify $src
both_check

# failure: the target dies after the gate.  The source stays owner, keeps
# writing, and later migrates to the rebooted target.
pve $dst $src activate $V0 $V1 >/dev/null
qemu_start $dst >/dev/null
check "target $dst gated" gated $dst
check "  then dies" crash $dst
check "  the source keeps writing" writer $src $seq 20
seq=$((seq + 20))
check "  $src still owns the pool" [ "$(owner $src $VM)" = $src ]
check "  $dst boots again" boot $dst
node_setup $dst $src; monitor $dst
check "  a new migration to $dst works" migrate $src $dst
t=$src; src=$dst; dst=$t
check "  every block verifies on $src" verify $src
both_check

# failure: the source dies after the gate, before its release.  The target
# never loads the pool on its own; finishing fails clearly; once the dead
# source's heartbeat stood still a forced finish takes the pool over.
pve $dst $src activate $V0 $V1 >/dev/null
qemu_start $dst >/dev/null
gated $dst >/dev/null
check "source $src writes while $dst is gated" writer $src $seq 10
seq=$((seq + 10))
check "  then dies before releasing" crash $src
sleep 3
check "  $dst has not loaded the pool" [ "$(live $dst $VM)" = 0 ]
check "  migrate-finish without --force fails clearly" fails_with $dst "did not release" "stardm migrate-finish san1 $V0 --timeout 2"
check "  migrate-finish --force takes over once $src's heartbeat stood still" $N $dst \
	"stardm migrate-finish san1 $V0 --force --timeout 10"
check "  the watcher finishes the other disk" $N $dst "i=0; while [ \$i -lt 50 ]; do dmsetup table $(basename $DEV1) | grep -q ' thin ' && exit 0; sleep 0.1; i=\$((i + 1)); done; exit 1"
check "  $dst owns the pool" [ "$(owner $dst $VM)" = $dst ]
$N $dst "mv /etc/pve/nodes/$src/qemu-server/$VM.conf /etc/pve/nodes/$dst/qemu-server/"  # HA's recovery moves the config
check "  the guest writes on $dst" writer $dst $seq 10
seq=$((seq + 10))
check "  every block verifies on $dst, with $src's last writes" verify $dst
check "  disk-1 is intact" [ "$(disk1_md5 $dst)" = "$want1" ]
check "  $src boots again" boot $src
node_setup $src $dst; monitor $src
t=$src; src=$dst; dst=$t

# failure: the source dies right after its release at the commit point:
# the target finishes on its own.
pve $dst $src activate $V0 $V1 >/dev/null
qemu_start $dst >/dev/null
gated $dst >/dev/null
check "source $src writes while $dst is gated" writer $src $seq 10
seq=$((seq + 10))
check "  $src still has the pool before the commit point" [ "$(live $src $VM)" = 1 ]
$N $src sync
n0=$($N $src "grep -c 'vm $VM: migration committed' /tmp/mon.log")
commit_point $src $dst
released() {
	$N $src "i=0; while [ \$i -lt 100 ]; do [ \$(grep -c 'vm $VM: migration committed' /tmp/mon.log) -gt $n0 ] && exit 0; sleep 0.1; i=\$((i + 1)); done
		ps; tail -5 /tmp/mon.log; ls -R /etc/pve/nodes; stardm inspect san1 | grep -A3 'vm $VM'; exit 1"
}
if check "source releases at the commit point" released; [ "$out_rc" = 0 ]; then
	check "  then dies" crash $src
	check "  the target finished on its own: the guest writes" writer $dst $seq 10
	seq=$((seq + 10))
	check "  every block verifies on $dst" verify $dst
fi
# HA recovery through the plugin: a node crashes with the VM running; once
# the cluster (corosync; here the PVE::Cluster stand-in) reports it offline,
# activate_volume on another node takes the pool over, after stardm saw the
# dead node's heartbeat stand still.  While it is online, never.
owner_node=$(owner $dst $VM)
other=$([ "$owner_node" = a ] && echo b || echo a)
case " $dead " in *" $other "*)
	check "HA: $other boots again" boot $other
	node_setup $other $owner_node; monitor $other ;;
esac
MEMBERS="$owner_node:1,$other:1"
check "  the plugin on $other does not take over from $owner_node while it is online" \
	fails_with $other "active on node $owner_node" "STANDIN_MEMBERS=$MEMBERS STARDM_BIN=\$(command -v stardm) STANDIN_LOCK_DIR=/tmp perl -I/usr/local/lib/stardm-perl /usr/local/bin/pve-call.pl activate $V0"
check "  $owner_node crashes" crash $owner_node
MEMBERS="$owner_node:0,$other:1"
check "  the plugin on $other takes over once $owner_node is offline and its heartbeat stood still" \
	pve $other activate $V0 $V1
unset MEMBERS
check "  $other owns the pool" [ "$(owner $other $VM)" = $other ]
check "  every block verifies on $other" verify $other
check "  disk-1 is intact" [ "$(disk1_md5 $other)" = "$want1" ]
both_check

# A linked clone migrates the same way, its volume name (Proxmox's) naming
# its base: the target loads the template read-only before the clone's
# pool, the source lets the template go with the clone.  The template and
# the clone are made through the plugin (create_base, clone_image).
check "$owner_node boots again" boot $owner_node
monitor $owner_node
src=$other dst=$owner_node
check "VM 700's 64 MiB disk, written" $N $src "stardm create san1 vm-700-disk-0 --size 64M &&
	d=\$(stardm activate san1 vm-700-disk-0) && dd if=/dev/urandom of=\$d bs=1M count=64 oflag=direct 2>/dev/null &&
	stardm deactivate san1 vm-700-disk-0"
base=$(plugin $src create_base vm-700-disk-0)
check "  made a template (create_base): $base" [ "$base" = base-700-disk-0 ]
P0=$(plugin $src clone "$base" 701)
check "VM 701: a linked clone (clone_image: $P0) and a disk of its own" sh -c \
	"[ '$P0' = base-700-disk-0/vm-701-disk-0 ] && $N $src 'stardm create san1 vm-701-disk-1 --size 16M'"
VM=701 V0=vm-701-disk-0 V1=vm-701-disk-1 P1=vm-701-disk-1
DEV=/dev/mapper/stardm-san1-$V0 DEV1=/dev/mapper/stardm-san1-$V1
for n in a b; do node_setup $n $src; done
check "VM 701 starts on $src (activate_volume)" pve $src activate $P0 $P1
# base_tail NODE: MiB 1-63 of the clone, which its guest never writes: the base's
base_tail() { $N $1 "dd if=$DEV bs=1M skip=1 count=63 iflag=direct 2>/dev/null | md5sum | cut -c1-32"; }
tail_want=$(base_tail $src)
check "  the clone reads the base's blocks" $N $src "[ \"\$(stardm activate san1 base-700-disk-0 >/dev/null &&
	dd if=/dev/mapper/stardm-san1-base-700-disk-0 bs=1M skip=1 count=63 iflag=direct 2>/dev/null | md5sum | cut -c1-32)\" = $tail_want ] &&
	stardm deactivate san1 base-700-disk-0"
qemu_start $src >/dev/null
seq=0
check "  its guest writes every block on $src" writer $src $seq 64
seq=64
for round in 1 2; do
	check "linked clone migration $round: $src -> $dst" migrate $src $dst
	check "  the template is loaded read-only on $dst" $N $dst "dmsetup table stardm-san1-vm700-pool | grep -q read_only"
	check "  and no more on $src" [ "$(live $src 700)" = 0 ]
	check "  every block verifies on $dst" verify $dst
	check "  the base's blocks read the same" [ "$(base_tail $dst)" = "$tail_want" ]
	t=$src; src=$dst; dst=$t
done
check "the pool was never live on both nodes" [ $never_both = 1 ]
finish handover
