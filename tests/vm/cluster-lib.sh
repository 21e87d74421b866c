# Helpers for the two-node suites (sourced by cluster.sh and handover.sh,
# which run on the host under tests/vm/run-cluster).
N=$STARDM_NODE
pass=0 fail=0
T=$(mktemp -d "${TMPDIR:-/var/tmp}/stardm-cl.XXXXXX")
# check WHAT CMD...: one "ok"/"FAIL" line; $out_rc is CMD's exit status
check() { d=$1; shift; "$@" >"$T/out" 2>&1; out_rc=$?
	if [ $out_rc = 0 ]; then pass=$((pass + 1)); echo "ok   $d"
	else fail=$((fail + 1)); echo "FAIL $d"; sed 's/^/     /' "$T/out" | tail -12; fi; }
# crash NODE / boot NODE: a node dies (qemu killed) / boots again
dead=""
crash() { $N "$1" --kill && dead="$dead $1"; }
boot() { $N "$1" --boot && dead=$(echo "$dead" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' '); }
# live NODE VMID: 1 when the VM's pool is loaded on NODE, else 0 (a dead
# node has nothing loaded)
live() {
	case " $dead " in *" $1 "*) echo 0; return ;; esac
	$N "$1" "dmsetup ls | grep -c 'stardm-san1-vm$2-pool'" | tr -d ' \n'
}
# owner NODE VMID: the name of the node owning the VM's pool, as NODE reads it
owner() {
	$N "$1" 'stardm inspect san1 --json' | python3 -c '
import json, sys
d = json.load(sys.stdin)
ids = {h["host_id"]: h["name"] for h in d["host_slots"]}
print([ids.get(p["owner_host"]) for p in d["pools"] if p["vmid"] == '"$2"'][0])'
}
# fails_with NODE PATTERN CMD: a failure exit status (1, or 3 to 12:
# stardm(8)) and one "stardm: " line matching PATTERN
fails_with() {
	out=$($N "$1" "$3 2>&1 >/dev/null; echo rc=\$?"); echo "$out"
	echo "$out" | grep -qxE 'rc=(1|[3-9]|1[0-2])' && echo "$out" | grep -q "^stardm: .*$2" &&
		[ "$(echo "$out" | grep -c '^stardm: ')" = 1 ]; }
# events_during NODE LUN CMD: the udev events of dm devices and of LUN
# while NODE runs CMD: "dm N lun N".  The monitor is known to listen once a
# change of the root disk (a marker) shows in its output.
events_during() {
	$N "$1" "lun=\$(udevadm info --query=path $2) root=\$(findmnt -no SOURCE /) &&
		mark=\$(udevadm info --query=path \$root) && [ -n \"\$lun\" ] && [ -n \"\$mark\" ] &&
		udevadm settle || exit 1
		: >/tmp/mon; udevadm monitor --udev --subsystem-match=block >>/tmp/mon 2>&1 & m=\$!
		i=0; until grep -q \" \$mark (block)\" /tmp/mon || [ \$i = 30 ]; do
			udevadm trigger --action=change --settle \$root; sleep 1; i=\$((i + 1)); done
		: >/tmp/mon
		$3; rc=\$?; udevadm settle; sleep 1; kill \$m
		[ \$rc = 0 ] && echo \"dm \$(grep -c ' /devices/virtual/block/dm-' /tmp/mon) lun \$(grep -c \" \$lun (block)\" /tmp/mon)\""
}
# The verifying writer: block (seq % 64) of $DEV gets "seq=<seq>", 4 KiB,
# O_DIRECT.  writer NODE FROM COUNT writes FROM..FROM+COUNT-1.
writer() {
	$N "$1" "i=$2; while [ \$i -lt $(($2 + $3)) ]; do printf 'seq=%010d\n' \$i >/tmp/blk; dd if=/tmp/blk of=$DEV bs=4096 seek=\$((i % 64)) conv=sync oflag=direct 2>/dev/null || exit 1; i=\$((i + 1)); done"
}
# verify NODE: after $seq writes (64 or more), every block holds the last number written to it
verify() {
	$N "$1" "bad=0; b=0; while [ \$b -lt 64 ]; do want=\$((b + 64 * (($seq - 1 - b) / 64))); got=\$(dd if=$DEV bs=4096 skip=\$b count=1 iflag=direct 2>/dev/null | head -c 14); [ \"\$got\" = \"\$(printf 'seq=%010d' \$want)\" ] || { bad=\$((bad + 1)); echo \"block \$b: want seq \$want, got '\$(echo \$got | tr -cd '[:print:]')'\"; }; b=\$((b + 1)); done; echo \$bad bad blocks; [ \$bad = 0 ]"
}
# same A B: both non-empty and equal (an empty value never matches)
same() { [ -n "$1" ] && [ "$1" = "$2" ]; }
# differ A B: both non-empty and different
differ() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" != "$2" ]; }
# finish SUITE: the result line, cleanup, exit status
finish() {
	rm -rf "$T"
	echo "$1: $pass passed, $fail failed"
	[ "$fail" = 0 ]
}
