# The benchmark, inside the VM rig (tools/bench/run boots it).  One LUN,
# one boot: the LUN is cut into regions with dm-linear so the raw baseline,
# stardm and LVM all sit on the same disk, each behind one linear layer.
# Results go to the console: "@@FIO <label>" + fio's JSON + "@@END", and
# "@@R <json>" lines for the rest; tools/bench/report turns them into tables.
# Settings (prepended by tools/bench/run): RT (s per fio job), SIZE_MB
# (volume size), BASE_MB (a template's disk, for linked clones), POOLS (pool counts for the boot case; empty: none), REPEAT (control-plane
# repetitions), CHUNKS (thin chunk sizes in KiB), RUNS (runs of the stardm
# and LVM-thin overwrite jobs at 64 KiB chunks, for their spread).
set -u
: "${RT:=2}" "${SIZE_MB:=1024}" "${BASE_MB:=4096}" "${POOLS=100}" "${REPEAT:=5}" "${CHUNKS:=64 512}"
: "${RUNS:=3}"
T=/tmp/t
for c in vgcreate vgchange lvcreate lvchange lvremove lvs; do ln -sf "$(command -v lvm)" /usr/local/bin/$c; done
mkdir -p $T /etc/lvm /run/lock/lvm

GiB=2097152 # sectors
dmsetup create bench-raw --table "0 $((2 * GiB)) linear /dev/vda 0"
dmsetup create bench-meta --table "0 $((1 * GiB)) linear /dev/vda $((2 * GiB))"
dmsetup create bench-stardm --table "0 $((18 * GiB)) linear /dev/vda $((3 * GiB))"
dmsetup create bench-lvm --table "0 $((18 * GiB)) linear /dev/vda $((21 * GiB))"
dmsetup mknodes
G=/dev/mapper/bench-stardm
cat >/etc/lvm/lvm.conf <<'EOF'
devices {
	filter = [ "a|^/dev/mapper/bench-lvm$|", "r|.*|" ]
	obtain_device_list_from_udev = 0
	use_devicesfile = 0
}
activation {
	udev_sync = 0
	udev_rules = 0
	monitoring = 0
}
global {
	use_lvmpolld = 0
}
EOF

r() { echo "@@R $*"; }
# fio_job LABEL DEV RW BS QD OFFSET_MB SIZE_MB
fio_job() {
	echo "@@FIO $1"
	fio --name=b --filename="$2" --rw="$3" --bs="$4" --iodepth="$5" --offset="$6M" \
		--size="$7M" --direct=1 --ioengine=libaio --time_based --runtime="$RT" \
		--norandommap --randrepeat=0 --output-format=json 2>&1
	echo "@@END"
}
fill() { # fill DEV [MiB]: written whole (SIZE_MB by default)
	fio --name=fill --filename="$1" --rw=write --bs=1M --iodepth=8 --direct=1 \
		--ioengine=libaio --size="${2:-$SIZE_MB}M" >/dev/null 2>&1; }
# all six jobs over the whole volume
six() {
	fio_job "$1 randread4k-qd1" "$2" randread 4k 1 0 "$SIZE_MB"
	fio_job "$1 randread4k-qd32" "$2" randread 4k 32 0 "$SIZE_MB"
	fio_job "$1 randwrite4k-qd1" "$2" randwrite 4k 1 0 "$SIZE_MB"
	fio_job "$1 randwrite4k-qd32" "$2" randwrite 4k 32 0 "$SIZE_MB"
	fio_job "$1 seqread128k" "$2" read 128k 8 0 "$SIZE_MB"
	fio_job "$1 seqwrite128k" "$2" write 128k 8 0 "$SIZE_MB"
}
# the three read jobs over the whole volume
reads3() {
	fio_job "$1 randread4k-qd1" "$2" randread 4k 1 0 "$SIZE_MB"
	fio_job "$1 randread4k-qd32" "$2" randread 4k 32 0 "$SIZE_MB"
	fio_job "$1 seqread128k" "$2" read 128k 8 0 "$SIZE_MB"
}
# the three write jobs, each in its own third of the volume, so every write
# meets space in the state being measured (unprovisioned, or shared)
writes3() {
	third=$((SIZE_MB / 3))
	fio_job "$1 randwrite4k-qd1" "$2" randwrite 4k 1 0 $third
	fio_job "$1 randwrite4k-qd32" "$2" randwrite 4k 32 $third $third
	fio_job "$1 seqwrite128k" "$2" write 128k 8 $((2 * third)) $third
}
snaps() { # snaps VOLUME FROM TO
	i=$2
	while [ "$i" -le "$3" ]; do stardm snapshot $G "$1" "s$i" >/dev/null; i=$((i + 1)); done
}

echo "bench: data path (runtime ${RT}s per job, volumes ${SIZE_MB} MiB)"
fill /dev/mapper/bench-raw
six raw /dev/mapper/bench-raw

stardm init $G --name bench >/dev/null
# as deployed: the node monitor grows pools that snapshots' copy-on-write fills
stardm monitor $G --interval 1 >$T/monitor.log 2>&1 &
vgcreate -q bench /dev/mapper/bench-lvm >/dev/null 2>&1 || echo "bench: vgcreate failed"
for c in $CHUNKS; do
	vm=$((100 + c))
	stardm create $G vm-$vm-disk-0 --size "${SIZE_MB}M" --chunk-size "${c}K" >/dev/null
	dev=$(stardm activate $G vm-$vm-disk-0)
	writes3 "stardm-c$c first-write" "$dev"
	fill "$dev"
	lvcreate -q -T bench/pool$c -L "$((SIZE_MB + 64))M" --chunksize "${c}k" -V "${SIZE_MB}M" \
		-n thin$c >/dev/null 2>&1 || echo "bench: lvcreate thin failed"
	fill /dev/bench/thin$c
	# stardm and LVM-thin in turns, RUNS times at 64 KiB chunks: the spread
	# between runs tells a real gap from noise
	runs=1
	[ "$c" = 64 ] && runs=$RUNS
	r=1
	while [ $r -le $runs ]; do
		sfx=""
		[ $r = 1 ] || sfx=" run$r"
		six "stardm-c$c overwrite$sfx" "$dev"
		six "lvmthin-c$c overwrite$sfx" /dev/bench/thin$c
		r=$((r + 1))
	done
	lvremove -q -f bench/pool$c >/dev/null 2>&1
	snaps vm-$vm-disk-0 1 1
	writes3 "stardm-c$c snap1" "$dev"
	snaps vm-$vm-disk-0 2 4
	writes3 "stardm-c$c snap4" "$dev"
	snaps vm-$vm-disk-0 5 16
	writes3 "stardm-c$c snap16" "$dev"
	stardm deactivate $G vm-$vm-disk-0 && stardm remove $G vm-$vm-disk-0
done
lvcreate -q -L "${SIZE_MB}M" -n linear bench >/dev/null 2>&1 || echo "bench: lvcreate linear failed"
fill /dev/bench/linear
six lvm-linear /dev/bench/linear
lvremove -q -f bench/linear >/dev/null 2>&1

echo "bench: control plane ($REPEAT rounds)"
# med FILE: median of the microsecond lines in FILE
med() { sort -n "$1" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
lvcreate -q -T bench/cpool -L 2G >/dev/null 2>&1
rm -f $T/s.* $T/l.*
i=0
while [ $i -lt "$REPEAT" ]; do
	i=$((i + 1))
	timeit $T/s.create sh -c "stardm create $G vm-900-disk-0 --size 1G >/dev/null && stardm activate $G vm-900-disk-0 >/dev/null"
	timeit $T/s.snap stardm snapshot $G vm-900-disk-0 snap
	timeit $T/s.deact stardm deactivate $G vm-900-disk-0
	timeit $T/s.remove stardm remove $G vm-900-disk-0
	timeit $T/l.create lvcreate -q -V 1G -T bench/cpool -n cthin -ay
	timeit $T/l.snap lvcreate -q -s -n csnap bench/cthin
	timeit $T/l.deact lvchange -q -an bench/cthin
	timeit $T/l.remove lvremove -q -f bench/csnap bench/cthin
done >/dev/null 2>&1
for op in create snap deact remove; do
	r "{\"kind\":\"control\",\"op\":\"$op\",\"stardm_us\":$(med $T/s.$op),\"lvm_us\":$(med $T/l.$op)}"
done

# the guest-visible stall of a snapshot of a live volume: the worst write
# latency of a QD1 writer that runs across the snapshot, next to the same
# writer's worst without one
stall() { # stall LABEL DEV SNAPCMD...
	label=$1 dev=$2; shift 2
	fio --name=st --filename="$dev" --rw=randwrite --bs=4k --iodepth=1 --direct=1 \
		--ioengine=libaio --size=256M --time_based --runtime=4 --output-format=json \
		>$T/stall.json 2>&1 &
	p=$!
	sleep 2
	"$@" >/dev/null 2>&1
	wait $p
	max=$(tr -d ' \n' <$T/stall.json | sed 's/.*"write":{//' |
		grep -o '"clat_ns":{"min":[0-9]*,"max":[0-9]*' | head -1 | sed 's/.*"max"://')
	echo "${max:-0}"
}
stardm create $G vm-901-disk-0 --size 1G >/dev/null
sdev=$(stardm activate $G vm-901-disk-0)
fill "$sdev"
lvcreate -q -V 1G -T bench/cpool -n sthin -ay >/dev/null 2>&1
fill /dev/bench/sthin
# the worst latency of one 4 s run is a noisy figure (a single late write
# of the emulated machine makes it): REPEAT snapshots each, in turns, and
# the median of their worst latencies
s_none=$(stall none "$sdev" true)
l_none=$(stall none /dev/bench/sthin true)
rm -f $T/st.*
i=0
while [ $i -lt "$REPEAT" ]; do
	i=$((i + 1))
	stall snap "$sdev" stardm snapshot $G vm-901-disk-0 st$i >>$T/st.s
	stall snap /dev/bench/sthin lvcreate -q -s -n stsnap$i bench/sthin >>$T/st.l
done
s_snap=$(med $T/st.s) l_snap=$(med $T/st.l)
r "{\"kind\":\"stall\",\"stardm_max_ns\":$s_snap,\"stardm_base_max_ns\":$s_none,\"lvm_max_ns\":$l_snap,\"lvm_base_max_ns\":$l_none,\"rounds\":$REPEAT,\"stardm_all_ns\":[$(tr '\n' ',' <$T/st.s | sed 's/,$//')],\"lvm_all_ns\":[$(tr '\n' ',' <$T/st.l | sed 's/,$//')]}"
stardm deactivate $G vm-901-disk-0 && stardm remove $G vm-901-disk-0
lvremove -q -f bench/cpool >/dev/null 2>&1

# Linked clones (64 KiB chunks): the time to make one of a base written
# whole, next to a full clone as Proxmox makes one (a new disk of the
# base's size, every block copied: qemu-img convert there, dd here); then
# a clone's reads of blocks it never wrote (from the base, through the
# external origin), its first writes (a partial chunk copies the rest of
# it from the base) and its own blocks
echo "bench: linked clones (base ${BASE_MB} MiB)"
stardm create $G vm-800-disk-0 --size "${BASE_MB}M" >/dev/null
fill "$(stardm activate $G vm-800-disk-0)" "$BASE_MB"
stardm deactivate $G vm-800-disk-0
stardm rename $G vm-800-disk-0 base-800-disk-0
rm -f $T/c.*
i=0
while [ $i -lt "$REPEAT" ]; do
	i=$((i + 1))
	timeit $T/c.linked stardm clone $G base-800-disk-0 vm-801-disk-0
	[ $i = "$REPEAT" ] || stardm remove $G vm-801-disk-0
done >/dev/null 2>&1
timeit $T/c.full sh -c "stardm create $G vm-802-disk-0 --size ${BASE_MB}M >/dev/null &&
	s=\$(stardm activate $G base-800-disk-0) && d=\$(stardm activate $G vm-802-disk-0) &&
	dd if=\$s of=\$d bs=4M iflag=direct oflag=direct 2>/dev/null &&
	stardm deactivate $G vm-802-disk-0 && stardm deactivate $G base-800-disk-0" >/dev/null 2>&1
r "{\"kind\":\"clone\",\"base_mb\":$BASE_MB,\"linked_us\":$(med $T/c.linked),\"full_us\":$(cat $T/c.full)}"
stardm remove $G vm-802-disk-0
cdev=$(stardm activate $G vm-801-disk-0)
reads3 "stardm-c64 clone-base" "$cdev"
writes3 "stardm-c64 clone-first-write" "$cdev"
fill "$cdev"
six "stardm-c64 clone-own" "$cdev"
stardm deactivate $G vm-801-disk-0 && stardm remove $G vm-801-disk-0 && stardm remove $G base-800-disk-0

echo "bench: boot case (pools: $POOLS)"
for n in $POOLS; do
	i=0
	while [ $i -lt "$n" ]; do
		i=$((i + 1))
		stardm create $G vm-$((10000 + i))-disk-0 --size 8M >/dev/null
		lvcreate -q -T bench/p$i -L 8M -V 8M -n t$i >/dev/null 2>&1 || echo "bench: lvcreate p$i failed"
	done
	vgchange -q -an bench >/dev/null 2>&1
	rm -f $T/boot.*
	# what a node does at boot for its VMs: one activation per disk
	timeit $T/boot.s sh -c "i=0; while [ \$i -lt $n ]; do i=\$((i + 1)); stardm activate $G vm-\$((10000 + i))-disk-0 >/dev/null || exit 1; done"
	timeit $T/boot.l vgchange -q -ay bench >/dev/null 2>&1
	active_s=$(dmsetup ls | grep -c 'stardm-bench-vm-1[0-9]*-disk-0')
	active_l=$(lvs --noheadings -o lv_name,lv_active bench 2>/dev/null | grep -c '^ *t[0-9]* *active')
	[ "$active_s" = "$n" ] && [ "$active_l" = "$n" ] ||
		echo "bench: boot case FAILED: $n pools, active after: stardm $active_s, lvm $active_l"
	r "{\"kind\":\"boot\",\"pools\":$n,\"stardm_us\":$(cat $T/boot.s),\"lvm_us\":$(cat $T/boot.l),\"stardm_active\":$active_s,\"lvm_active\":$active_l}"
	i=0
	while [ $i -lt "$n" ]; do
		i=$((i + 1))
		stardm deactivate $G vm-$((10000 + i))-disk-0 && stardm remove $G vm-$((10000 + i))-disk-0
	done >/dev/null
	vgchange -q -an bench >/dev/null 2>&1
	lvremove -q -f bench >/dev/null 2>&1
done

echo "bench: metadata commit"
bench-metadata /dev/mapper/bench-meta >$T/meta.out 2>&1
cat $T/meta.out
echo "bench: monitor log:"; cat $T/monitor.log
ratio=$(sed -n 's/^ratio *\([0-9.]*\).*/\1/p' $T/meta.out)
commit=$(sed -n 's/^commit median *\([0-9.]*\).*/\1/p' $T/meta.out)
raw=$(sed -n 's/^raw 4K+flush *\([0-9.]*\).*/\1/p' $T/meta.out)
entry=$(sed -n 's/^entry median *\([0-9.]*\).*/\1/p' $T/meta.out)
entry_ratio=$(sed -n 's/^entry ratio *\([0-9.]*\).*/\1/p' $T/meta.out)
r "{\"kind\":\"commit\",\"commit_us\":${commit:-0},\"raw_us\":${raw:-0},\"ratio\":${ratio:-0},\"entry_us\":${entry:-0},\"entry_ratio\":${entry_ratio:-0}}"
echo "bench: done"
