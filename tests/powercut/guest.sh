# The power-cut suite, inside the VM rig (tests/powercut/run boots it with
# SAMPLE and SEED prepended, and workload.sh and replay-log beside it).
#
# The workload runs on a group whose device is a dm-log-writes target: the
# kernel logs every write in the order the disk was told it was stable.
# Then each chosen prefix of the log (every one that ends at a flush or a
# FUA write, and SAMPLE others picked with SEED) is written onto a fresh
# device, in order, as a power cut at that point would have left the LUN,
# and checked through a throwaway snapshot of it (dm-snapshot), so the
# checks' own writes never reach the next prefix:
#   - stardm inspect finds a valid group (from the workload's "init" mark on)
#   - the next command works: every volume activates and deactivates, a new
#     disk is created and removed
#   - every 4 KiB block a volume shows is zero or tagged with its own name
#     (no block of another volume, or of a removed one)
#   - every write acknowledged (an "ack:VOL:SEQ" mark: flushed first) is
#     there, or a later write to the same block
#   - thin_check passes on every pool, and nothing is left loaded
. /usr/local/bin/lib.sh
set -u
: "${SAMPLE:=20}" "${SEED:=1}"
GiB=2097152 # sectors
SZ=$((2 * GiB))
dmsetup create pc-src --table "0 $SZ linear /dev/vda 0"
dmsetup create pc-log --table "0 $((6 * GiB)) linear /dev/vda $SZ"
dmsetup create pc-replay --table "0 $SZ linear /dev/vda $((8 * GiB))"
dmsetup create pc-cow --table "0 $SZ linear /dev/vda $((10 * GiB))"
dmsetup create pc-lw --table "0 $SZ log-writes /dev/mapper/pc-src /dev/mapper/pc-log"
dmsetup mknodes
LOG=/dev/mapper/pc-log

. /usr/local/bin/helpers.sh
G=/dev/mapper/pc-lw
echo "powercut: workload"
# its own shell, where -e holds: a failing step ends it
check "the workload ran to its end" env G=$G sh -ec '. /usr/local/bin/helpers.sh; . /usr/local/bin/workload.sh'
left=$(dmsetup ls | grep -c '^stardm-')
check "the workload left nothing loaded" same "$left" 0
dmsetup remove pc-lw && dmsetup remove pc-src
replay-log $LOG --list >/tmp/entries || { echo "powercut: no log"; vm_done; exit 1; }
n=$(wc -l </tmp/entries)
init_at=$(awk '$2 == "m" && $5 == "init" {print $1; exit}' /tmp/entries)
check "the log holds the workload ($n entries, the init mark at ${init_at:-none})" [ -n "$init_at" ]
# the prefixes: through each flush or FUA entry, SAMPLE others, the whole log
awk '$2 == "f" || $2 == "F" || $2 == "u" {print $1 + 1}' /tmp/entries >/tmp/points.flush
awk -v n="$SAMPLE" -v seed="$SEED" 'BEGIN {srand(seed)} $2 == "w" || $2 == "d" {c[k++] = $1 + 1}
	END {while (n-- > 0 && k > 0) {i = int(rand() * k); print c[i]; c[i] = c[--k]}}' \
	/tmp/entries >/tmp/points.sample
{ cat /tmp/points.flush /tmp/points.sample; echo "$n"; } | sort -n -u >/tmp/points
echo "powercut: $(wc -l </tmp/points) prefixes of $n entries ($(wc -l </tmp/points.flush) at flushes, $(wc -l </tmp/points.sample) sampled)"

# own_blocks VOL: every block in /tmp/tags is zero or VOL's
own_blocks() { awk -v v="v=$1" '$2 != "zero" && $2 != v {print "block " $1 ": " $2 " " $3; bad = 1} END {exit bad}' /tmp/tags; }
# acked VOL TO: every write of VOL acknowledged before entry TO is there (or a later one)
acked() {
	ack=$(awk -v to="$2" -v v="$1" '$1 < to && $2 == "m" && split($5, a, ":") == 3 && a[1] == "ack" &&
		a[2] == v {s = a[3]} END {print s}' /tmp/entries)
	[ -n "$ack" ] || return 0
	awk -v a="$ack" '{b = $1; if (b > a) next; want = b + 64 * int((a - b) / 64); got = -1
		if ($3 ~ /^s=/) {g = substr($3, 3); sub(/^0+/, "", g); got = g + 0}   # not octal
		if (got < want) {print "block " b ": " $3 ", acknowledged s=" want; bad = 1}} END {exit bad}' /tmp/tags
}
# state_ok TO: the checks of one prefix, on the snapshot $S of the replayed device
state_ok() {
	if ! stardm inspect "$S" >/tmp/insp 2>&1; then
		[ "$1" -le "$init_at" ] && return 0   # before the group was whole: no group yet
		head -3 /tmp/insp; return 1
	fi
	stardm list "$S" >/tmp/list || return 1
	bad=0
	for v in $(awk '{print $1}' /tmp/list); do
		dev=$(as_owner activate "$S" "$v") || { echo "activate $v failed"; bad=1; continue; }
		replay-log --tags "$dev" 64 >/tmp/tags || bad=1
		own_blocks "$v" || bad=1
		acked "$v" "$1" || bad=1
		as_owner deactivate "$S" "$v" || { echo "deactivate $v failed"; bad=1; }
	done
	{ stardm create "$S" vm-999-disk-0 --size 8M && stardm remove "$S" vm-999-disk-0; } ||
		{ echo "the next create and remove failed"; bad=1; }
	stardm inspect "$S" --check-pool >/tmp/chk 2>&1 || { cat /tmp/chk; bad=1; }
	grep 'thin_check:' /tmp/chk | grep -v -E 'thin_check: ok(:|$)' && bad=1
	[ "$(grep -c -E 'thin_check: ok(:|$)' /tmp/chk)" = "$(grep -c '^  pool ' /tmp/chk)" ] ||
		{ echo "a pool was not checked"; bad=1; }
	left=$(dmsetup ls | grep -c '^stardm-')
	[ "$left" = 0 ] || { echo "left loaded: $(dmsetup ls | grep '^stardm-')"; bad=1; }
	return $bad
}

S=/dev/mapper/pc-snap
prev=0 checked=0 failed=0
while read -r to; do
	replay-log $LOG /dev/mapper/pc-replay "$prev" "$to" || { echo "powercut: replay failed"; break; }
	prev=$to
	dmsetup create pc-snap --table "0 $SZ snapshot /dev/mapper/pc-replay /dev/mapper/pc-cow N 8" ||
		{ echo "powercut: no snapshot"; break; }
	kind=$(awk -v i=$((to - 1)) '$1 == i {print $2}' /tmp/entries)
	if state_ok "$to" >/tmp/state.out 2>&1; then
		checked=$((checked + 1))
	else
		failed=$((failed + 1)) checked=$((checked + 1))
		echo "FAIL prefix of $to entries (ends with a '$kind' entry):"; sed 's/^/     /' /tmp/state.out | tail -8
	fi
	for d in $(dmsetup ls | awk '/^stardm-/ {print $1}'); do dmsetup remove "$d"; done
	dmsetup remove pc-snap
done </tmp/points
echo "powercut: $checked prefixes checked, $failed failed"
check "every prefix checked ($checked of $(wc -l </tmp/points))" same "$checked" "$(wc -l </tmp/points)"
check "no prefix failed" same "$failed" 0
vm_done
