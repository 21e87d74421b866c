#!/bin/sh
# Two-node suite (run by tests/vm/run-cluster): both nodes share one LUN and
# change the group's metadata at the same time with no lock outside the LUN;
# pool ownership; live migrations back and forth with a verifying writer;
# forced takeover after a node crash.  STARDM_CLUSTER_MIGRATIONS=N: N
# migrations (default 2, one round trip, about 7 s each under emulation;
# make soak-vm: 20).
# Ends with "cluster: N passed, N failed".
set -u
. "$(dirname "$0")/cluster-lib.sh"
count() { $N "$1" "stardm list san1 --json" | grep -c '"name": "vm-'; }

check "init on node a" $N a 'stardm init /dev/vda --name san1'
check "node b finds the group by name" $N b 'stardm scan | grep -q san1'

# both nodes create volumes at the same time, 15 each, no outside lock
loop() { # loop NODE FIRST_VMID
	$N "$1" "i=0; while [ \$i -lt 15 ]; do stardm create san1 vm-\$(($2 + i))-disk-0 --size 8M || exit 1; i=\$((i + 1)); done"
}
loop a 100 >/tmp/cl.a.$$ 2>&1 &
pa=$!
loop b 200 >/tmp/cl.b.$$ 2>&1 &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
check "node a: its 15 creates all succeeded (exit $ra)" sh -c "[ $ra = 0 ] || { cat /tmp/cl.a.$$; false; }"
check "node b: its 15 creates all succeeded (exit $rb)" sh -c "[ $rb = 0 ] || { cat /tmp/cl.b.$$; false; }"
check "node a sees all 30 volumes: no update lost" [ "$(count a)" = 30 ]
check "node b sees all 30 volumes" [ "$(count b)" = 30 ]
check "both metadata copies hold sequence 31 in a valid slot" $N b \
	"stardm inspect /dev/vda --json | tr -d ' \n' | grep -o '\"valid\":true,\"seqno\":31' | wc -l | grep -qx 2"
check "each node holds its own host slot" $N a \
	"stardm inspect /dev/vda | grep -E '^ *host [0-9]+: (a|b)' | sort -u | wc -l | grep -qx 2"

# mixed operations from both nodes at once: snapshots on a, removes on b
$N a "for v in 100 101 102 103 104; do stardm snapshot san1 vm-\$v-disk-0 s1 || exit 1; done" >/tmp/cl.a.$$ 2>&1 &
pa=$!
$N b "for v in 200 201 202 203 204; do stardm remove san1 vm-\$v-disk-0 || exit 1; done" >/tmp/cl.b.$$ 2>&1 &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
check "snapshots on a and removes on b, at once (exit $ra, $rb)" [ "$ra$rb" = 00 ]
check "25 volumes left" [ "$(count b)" = 25 ]
check "5 snapshots recorded" sh -c "[ \$($N b 'stardm list san1 --json' | grep -c '\"name\": \"s1\"') = 5 ]"

# converting the group's format while the other node commits: every
# command either went before the conversion or after it, none is lost
labels() { $N "$1" "stardm inspect /dev/vda --json" | tr -d ' \n' | grep -o '"label_version":[0-9]*' | tr '\n' ' '; }
convert_beside() { # convert_beside CONVERTER CREATOR FIRST_VMID VERSION
	$N "$2" "i=0; while [ \$i -lt 8 ]; do stardm create san1 vm-\$(($3 + i))-disk-0 --size 8M || exit 1; i=\$((i + 1)); done" >/tmp/cl.b.$$ 2>&1 &
	pc=$!
	$N "$1" "sleep 1; stardm convert san1 --format-version $4" >/tmp/cl.a.$$ 2>&1
	rv=$?
	wait $pc; rc=$?
	check "$1 converts to version $4 while $2 creates (exit $rv)" sh -c "[ $rv = 0 ] || { cat /tmp/cl.a.$$; false; }"
	check "  $2's 8 creates all succeeded (exit $rc)" sh -c "[ $rc = 0 ] || { cat /tmp/cl.b.$$; false; }"
	check "  $1 names the conversion" grep -q "converted from format version" /tmp/cl.a.$$
	check "  both labels say version $4, seen from $2" [ "$(labels "$2")" = "\"label_version\":$4 \"label_version\":$4 " ]
}
convert_beside a b 300 1
check "  33 volumes, seen from a" [ "$(count a)" = 33 ]
convert_beside b a 400 2
check "  41 volumes, seen from b" [ "$(count b)" = 41 ]
check "  commits after it are journal entries" $N b \
	"stardm create san1 vm-600-disk-0 --size 8M && stardm create san1 vm-601-disk-0 --size 8M && stardm inspect /dev/vda --json | tr -d ' \n' | grep -q '\"journal_entries\":[1-9]'"

# a node's volumes are usable on the other node once deactivated here
check "activate vm-100-disk-0 on a and write" $N a \
	'dd if=/dev/urandom of=/tmp/p bs=1M count=4 2>/dev/null; d=$(stardm activate san1 vm-100-disk-0) && dd if=/tmp/p of=$d bs=1M oflag=direct 2>/dev/null && md5sum </tmp/p | cut -c1-32 >/tmp/want && stardm deactivate san1 vm-100-disk-0'
want=$($N a 'cat /tmp/want')
check "activate it on b: the same data" sh -c "[ \"\$($N b 'd=\$(stardm activate san1 vm-100-disk-0 2>/dev/null) && dd if=\$d bs=1M count=4 iflag=direct 2>/dev/null | md5sum | cut -c1-32; stardm deactivate san1 vm-100-disk-0')\" = '$want' ]"

# ownership: a VM's pool is live on one node at a time
check "a activates vm-101-disk-0" $N a 'stardm activate san1 vm-101-disk-0'
check "b may not activate it" fails_with b "active on node a" 'stardm activate san1 vm-101-disk-0'
check "b may not snapshot it" fails_with b "active on node a" 'stardm snapshot san1 vm-101-disk-0 x'
check "b may not add a disk to the VM" fails_with b "active on node a" 'stardm create san1 vm-101-disk-1 --size 8M'
check "b left nothing behind" [ "$(live b 101)" = 0 ]
check "a deactivates: the pool is released" $N a 'stardm deactivate san1 vm-101-disk-0'
check "now b activates it" $N b 'stardm activate san1 vm-101-disk-0'
check "  live on b only" [ "$(live a 101)$(live b 101)" = 01 ]
check "b deactivates" $N b 'stardm deactivate san1 vm-101-disk-0'

# both nodes activate the same pool at the same instant: exactly one wins
for vm in 102 103 104; do
	$N a "stardm activate san1 vm-$vm-disk-0" >/dev/null 2>&1 &
	pa=$!
	$N b "stardm activate san1 vm-$vm-disk-0" >/dev/null 2>&1 &
	pb=$!
	wait $pa; ra=$?
	wait $pb; rb=$?
	check "race for vm $vm: exactly one node wins (a $ra, b $rb)" \
		sh -c "{ [ '$ra' = 0 ] && [ '$rb' != 0 ]; } || { [ '$rb' = 0 ] && [ '$ra' != 0 ]; }"
	check "  live on exactly one node" [ $(($(live a $vm) + $(live b $vm))) = 1 ]
	$N a "stardm deactivate san1 vm-$vm-disk-0" >/dev/null 2>&1
	$N b "stardm deactivate san1 vm-$vm-disk-0" >/dev/null 2>&1
done

# live migration, in Proxmox's order: the target prepares a placeholder,
# QEMU's probe reads it, the target gates it, the source stops writing and
# releases at the commit point, the target finishes (the monitor's job,
# here a background stardm migrate-finish) and the guest writes on there.
# A verifying writer stamps 4 KiB blocks with a sequence number.
V=vm-500-disk-0
DEV=/dev/mapper/stardm-san1-$V
check "create $V on a" $N a "stardm create san1 $V --size 64M && stardm activate san1 $V"
seq=0
check "the guest writes on a" writer a $seq 40
seq=40
src=a dst=b moves=0 never_both=1
MOVES=${STARDM_CLUSTER_MIGRATIONS:-2} # an even number: make soak-vm runs 20
for round in $(seq 1 $MOVES); do
	ok=1
	$N $dst "stardm migrate-prepare san1 $V" >/dev/null 2>&1 || ok=0
	$N $dst "dd if=$DEV of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null" || ok=0      # QEMU's probe
	[ $round = 1 ] && check "the placeholder fails writes loudly" sh -c "! $N $dst 'dd if=/dev/zero of=$DEV bs=4096 count=1 oflag=direct 2>/dev/null'"
	$N $dst "stardm migrate-gate san1 $V" || ok=0
	[ "$(live $dst 500)" = 0 ] || never_both=0
	$N $dst "(stardm migrate-finish san1 $V --timeout 60 >/tmp/fin.log 2>&1; echo \$? >/tmp/fin.rc) &"
	$N $src "sync" || ok=0                                                   # source flush
	if ! $N $src "stardm migrate-release san1 $V"; then                    # commit point
		echo "round $round: release on $src failed"; $N $src 'dmsetup info -c; dmsetup table'
		$N $dst "stardm migrate-abort san1 $V"
		break
	fi
	[ $(($(live a 500) + $(live b 500))) -le 1 ] || never_both=0
	writer $dst $seq 20 || ok=0                                              # cont: guest writes
	seq=$((seq + 20))
	$N $dst "cat /tmp/fin.rc" | grep -qx 0 || ok=0
	$N $src "stardm deactivate san1 $V" || ok=0                              # source stop, deactivate
	[ "$(live $src 500)$(live $dst 500)" = 01 ] || never_both=0
	[ $ok = 1 ] && moves=$((moves + 1))
	t=$src; src=$dst; dst=$t
done
check "$MOVES migrations ($((MOVES / 2)) round trips) completed ($moves)" [ "$moves" = "$MOVES" ]
check "  the pool was never live on both nodes" [ $never_both = 1 ]
check "every block verifies on $src after $seq writes" verify $src

# an aborted migration: the source keeps writing, the pool is untouched
check "prepare on $dst" $N $dst "stardm migrate-prepare san1 $V"
check "gate on $dst" $N $dst "stardm migrate-gate san1 $V"
check "abort on $dst: placeholder gone" $N $dst "stardm migrate-abort san1 $V && ! dmsetup info stardm-san1-$V >/dev/null 2>&1"
check "the source keeps writing" writer $src $seq 20
seq=$((seq + 20))
check "  and its data verifies" verify $src
check "release without a waiting target is refused" fails_with $src "no node is waiting" "stardm migrate-release san1 $V"
check "the source deactivates normally" $N $src "stardm deactivate san1 $V"

# forced takeover: only once the owner's heartbeat has stopped
check "a runs the monitor (heartbeat)" $N a 'stardm monitor san1 --interval 1 >/tmp/mon.log 2>&1 &'
check "a activates vm-105-disk-0 and writes" $N a \
	'd=$(stardm activate san1 vm-105-disk-0) && dd if=/dev/urandom of=/tmp/p bs=1M count=4 2>/dev/null && dd if=/tmp/p of=$d bs=1M oflag=direct 2>/dev/null && md5sum </tmp/p | cut -c1-32 >/tmp/want'
want=$($N a 'cat /tmp/want')
check "a forced takeover watching a's heartbeat for less than 10 s is refused" fails_with b "at least 10 s" \
	'stardm activate san1 vm-105-disk-0 --force --timeout 4'
check "b's forced takeover is refused while a's heartbeat moves" fails_with b "is alive" \
	'stardm activate san1 vm-105-disk-0 --force --timeout 10'
check "  not live on b" [ "$(live b 105)" = 0 ]
check "node a crashes" crash a
check "b without --force is refused, naming a" fails_with b "active on node a" 'stardm activate san1 vm-105-disk-0'
check "b takes over with --force once a's heartbeat stood still" $N b \
	'stardm activate san1 vm-105-disk-0 --force --timeout 10'
check "  the data a wrote is there" sh -c "[ \"\$($N b 'dd if=/dev/mapper/stardm-san1-vm-105-disk-0 bs=1M count=4 iflag=direct 2>/dev/null | md5sum | cut -c1-32')\" = '$want' ]"
owner=$(owner b 105)
check "  inspect: b owns the pool now ($owner)" [ "$owner" = b ]

# the rig: a command whose node powers off fails when the node ends, not
# at the caller's timeout (a guest that dies must not hang a run)
t0=$(date +%s) off_rc=0
STARDM_NODE_TIMEOUT=300 $N b 'echo o >/proc/sysrq-trigger; sleep 120' >"$T/off" 2>&1 || off_rc=$?
t=$(($(date +%s) - t0))
check "rig: a command on a node that powers off fails as the node ends (rc $off_rc, $t s)" \
	sh -c "[ '$off_rc' = 125 ] && [ '$t' -lt 60 ] && grep -q 'its VM ended' '$T/off'"
dead="$dead b"

rm -f /tmp/cl.a.$$ /tmp/cl.b.$$
finish cluster
