# The control plane at cluster scale, on a real Debian node (systemd,
# udevd and lvm2's udev rules running; the LUN by two SCSI paths under
# multipath), run by tools/bench/scale through tests/vm/run-script.
# Two layouts of N VMs, one after the other on the same LUN:
#  - the competitor's: one LVM volume group, one thin pool per VM holding
#    its disk and a snapshot, as lvm2 makes it (reached quickly with
#    vgcfgrestore of generated metadata; every pool's metadata device a
#    copy of a real one, so that activation and thin_check see a real pool)
#  - stardm's: one group with the same VMs (reached with stardm create and
#    snapshot, the real commands).
# A tenth of the VMs run (their disks active), as on a node.  Then, per N
# and per layout, REPEAT rounds of a new VM's life, each command timed:
# create its disk (the VM's pool with it), activate, snapshot live,
# deactivate, roll back, remove (stardm's disk is activated twice: its
# first activation, which makes the thin device lvm2 made at create, and
# then as lvm2's, a disk whose pool and thin device exist); then a node starting: the running VMs'
# disks activated in one command (stardm autoactivate; lvm2's lvchange of
# them, and every pool of the VG as lvm2's event-based activation does).
# Results: "@@R <json>" lines.
# Settings (prepended by tools/bench/scale): NS (the VM counts), REPEAT,
# EVENT_MAX (the largest N at which lvm2's event activation of every pool
# is timed).
set -u
: "${NS:=10 100}" "${REPEAT:=5}" "${EVENT_MAX:=100}"
T=/tmp/scale
mkdir -p $T
r() { echo "@@R $*"; }
say() { echo "scale: $*"; }

# the LUN's two paths under multipath, as multipath.sh sets them up
printf 'defaults {\n  find_multipaths no\n  user_friendly_names no\n}\n' >/etc/multipath.conf
systemctl restart multipathd && multipath -v0 && udevadm settle
LUN=/dev/disk/by-id/dm-uuid-mpath-35000c50015ea71ac
[ -b "$LUN" ] || { say "no multipath map"; echo "0 passed, 1 failed"; exit 1; }
say "LUN $(readlink -f $LUN), paths: $(multipath -ll | grep -c 'active ready running')"

# stats FILE: "median p95" of the microsecond lines in FILE (nearest rank)
stats() { sort -n "$1" | awk '{v[NR] = $1} END {m = v[int((NR + 1) / 2)]; p = v[int(NR * 0.95 + 0.999)]; print m, p}'; }
# op TOOL OP N FILE: one result line
op() {
	set -- "$1" "$2" "$3" "$(stats "$4")"
	r "{\"kind\":\"scale\",\"tool\":\"$1\",\"op\":\"$2\",\"n\":$3,\"median_us\":${4% *},\"p95_us\":${4#* },\"rounds\":$REPEAT}"
}
# tm FILE CMD...: run CMD, its time appended to FILE; a failure is reported
tm() { f=$1; shift; timeit "$f" "$@" >/dev/null 2>$T/err || { say "FAILED: $* ($(head -c 300 $T/err))"; failed=$((failed + 1)); }; }
failed=0
# inactive PATTERN: no dm device's name matches PATTERN (an activation to
# be timed starts from nothing active); a failure otherwise
inactive() {
	dmsetup ls >$T/ls && [ -s $T/ls ] || { say "dmsetup ls failed"; failed=$((failed + 1)); return; }
	if grep -E -q -- "$1" $T/ls; then
		say "active before its activation: $(grep -E -- "$1" $T/ls | head -3 | tr '\n' ' ')"
		failed=$((failed + 1))
	fi
}

# --- the competitor's layout ------------------------------------------
# gen_vg BACKUP N: the volume group of BACKUP (the template VM 1 made by
# lvm2) with VMs 2..N added after it, each a copy of VM 1's pool (8 MiB of
# data, 4 MiB of metadata), disk and snapshot
gen_vg() {
	perl -e '
	my ($file, $n) = @ARGV;
	local $/; open(my $f, "<", $file) or die; my $t = <$f>;
	my ($pool) = $t =~ /(\t\tpool1 \{.*?\n\t\t\}\n)/s or die "no pool1";
	my ($disk) = $t =~ /(\t\tvm-1-disk-0 \{.*?\n\t\t\}\n)/s or die "no disk";
	my ($snap) = $t =~ /(\t\tsnap_vm-1-disk-0_s1 \{.*?\n\t\t\}\n)/s or die "no snap";
	my ($meta) = $t =~ /(\t\tpool1_tmeta \{.*?\n\t\t\}\n)/s or die "no tmeta";
	my ($data) = $t =~ /(\t\tpool1_tdata \{.*?\n\t\t\}\n)/s or die "no tdata";
	my $add = "";
	for my $i (2 .. $n) {
		my $next = 4 + 3 * ($i - 2); # after the spare (0) and VM 1 (1-3)
		for my $lv ([$pool, "p"], [$disk, "d"], [$snap, "s"], [$meta, "m"], [$data, "t"]) {
			my $s = $lv->[0];
			$s =~ s/pool1/pool$i/g; $s =~ s/vm-1-disk-0/vm-$i-disk-0/g;
			my $raw = sprintf("%s%09d", $lv->[1], $i) . ("a" x 22);
			my $id = join("-", unpack("A6 A4 A4 A4 A4 A4 A6", $raw));
			$s =~ s/id = "[^"]*"/id = "$id"/;
			$s =~ s/"pv0", \d+/"pv0", $next/ if $lv->[1] eq "t";
			$s =~ s/"pv0", \d+/"pv0", @{[$next + 2]}/ if $lv->[1] eq "m";
			$add .= $s;
		}
	}
	$t =~ s/(\tlogical_volumes \{\n)/$1$add/ or die "no logical_volumes";
	print $t;' "$1" "$2"
}
# copy_tmeta PEDEV N: VM 1's pool metadata (its first MiB: all that a pool
# with two thin devices uses) onto the metadata extent of VMs 2..N
copy_tmeta() {
	perl -e '
	my ($dev, $n, $pe_start) = @ARGV; my $ext = 4 << 20;
	open(my $f, "+<:raw", $dev) or die "$dev: $!";
	sysseek($f, $pe_start + 3 * $ext, 0); sysread($f, my $m, 1 << 20) == 1 << 20 or die;
	for my $i (2 .. $n) {
		sysseek($f, $pe_start + (4 + 3 * ($i - 2) + 2) * $ext, 0);
		syswrite($f, $m) == length($m) or die "write: $!";
	}
	close($f) or die;' "$1" "$2" "$3"
}
# lvm_layout N MDA: the competitor's layout of N VMs in a fresh VG whose
# PV has a metadata area of MDA (lvm2's default when empty): 0 made, 1 the
# metadata does not fit
lvm_layout() {
	wipefs -qa $LUN >/dev/null 2>&1
	pvcreate -q ${2:+--metadatasize $2} $LUN >/dev/null && vgcreate -q vgc $LUN >/dev/null &&
		lvcreate -q -T vgc/pool1 -L 8M --chunksize 64k >/dev/null &&
		lvcreate -q -V 8M -T vgc/pool1 -n vm-1-disk-0 >/dev/null &&
		lvcreate -q -s -n snap_vm-1-disk-0_s1 vgc/vm-1-disk-0 >/dev/null &&
		vgchange -q -an vgc >/dev/null && vgcfgbackup -q -f $T/vg1 vgc >/dev/null || { say "lvm template failed"; return 2; }
	gen_vg $T/vg1 "$1" >$T/vgN || return 2
	pe_start=$(($(pvs --noheadings --units b --nosuffix -o pe_start $LUN | tr -d ' ')))
	copy_tmeta "$(readlink -f $LUN)" "$1" "$pe_start" || return 2
	mda_size=$(pvs --noheadings --units k --nosuffix -o pv_mda_size $LUN | tr -d ' ')
	text=$(wc -c <$T/vgN)
	vgcfgrestore -q --force -f $T/vgN vgc >$T/restore.err 2>&1 || return 1
}
lvm_down() {
	vgchange -q -an vgc >/dev/null 2>&1
	vgremove -q -ff vgc >/dev/null 2>&1
	pvremove -q -ff -y $LUN >/dev/null 2>&1
	wipefs -qa $LUN >/dev/null 2>&1
}

# running N: the disks of every tenth VM of the first N
running() { i=10; while [ $i -le "$1" ]; do echo "$i"; i=$((i + 10)); done; }

for n in $NS; do
	lvm_down
	lvm_layout "$n" ""
	rc=$?
	[ $rc = 2 ] && { failed=$((failed + 1)); continue; }
	r "{\"kind\":\"lvm-mda\",\"n\":$n,\"mda_kib\":${mda_size%.*},\"text_bytes\":$text,\"fits_default\":$([ $rc = 0 ] && echo true || echo false)}"
	if [ $rc = 1 ]; then
		say "N=$n: the VG's metadata ($text bytes) does not fit lvm2's default metadata area (${mda_size} KiB): $(grep -m1 -i 'error\|too\|fail' $T/restore.err)"
		lvm_down
		lvm_layout "$n" 64m || { say "N=$n: not even with a 64 MiB metadata area"; failed=$((failed + 1)); continue; }
	fi
	lvchange -q -ay $(running "$n" | sed 's|.*|vgc/vm-&-disk-0|') >/dev/null 2>&1 || say "N=$n: lvm2 could not start the running VMs"
	say "N=$n lvm2: $(lvs --noheadings vgc 2>/dev/null | wc -l) LVs, $(dmsetup ls | wc -l) dm devices, metadata $text bytes"
	rm -f $T/l.*
	i=0
	while [ $i -lt "$REPEAT" ]; do
		i=$((i + 1)) v=$((n + i))
		tm $T/l.create sh -c "lvcreate -q -T vgc/pool$v -L 8M --chunksize 64k && lvcreate -q -V 8M -T vgc/pool$v -n vm-$v-disk-0"
		# lvcreate leaves the disk and its pool active (stardm create does
		# not): the activation below starts from both inactive, as at a
		# VM's start on another node
		{ lvchange -q -an vgc/vm-$v-disk-0 && lvchange -q -an vgc/pool$v; } >/dev/null 2>&1 || say "N=$n: lvm2 could not deactivate vm-$v"
		inactive "^vgc-pool$v[-_[:space:]]"
		tm $T/l.activate lvchange -q -ay vgc/vm-$v-disk-0
		tm $T/l.snapshot lvcreate -q -s -n snap_vm-$v-disk-0_s vgc/vm-$v-disk-0
		tm $T/l.deactivate sh -c "lvchange -q -an vgc/vm-$v-disk-0 && lvchange -q -an vgc/pool$v"
		tm $T/l.rollback sh -c "lvremove -q -f vgc/vm-$v-disk-0 && lvcreate -q -s -n vm-$v-disk-0 vgc/snap_vm-$v-disk-0_s"
		tm $T/l.remove lvremove -q -f vgc/pool$v
	done
	for o in create activate snapshot deactivate rollback remove; do op lvm2 $o "$n" $T/l.$o; done
	# a node starting: the VMs it runs in one command, and every pool of the
	# VG as lvm2's event-based activation does at boot (each node sees all)
	vgchange -q -an vgc >/dev/null 2>&1
	rm -f $T/lb.*
	tm $T/lb.owned lvchange -q -ay $(running "$n" | sed 's|.*|vgc/vm-&-disk-0|')
	vgchange -q -an vgc >/dev/null 2>&1
	# every pool: about a second each under emulation, so up to EVENT_MAX VMs
	pools=0
	echo 0 >$T/lb.all
	if [ "$n" -le "$EVENT_MAX" ]; then
		rm -f $T/lb.all
		tm $T/lb.all vgchange -q -aay --autoactivation event vgc
		pools=$(dmsetup ls | grep -c -- '-tpool')
	fi
	vgchange -q -an vgc >/dev/null 2>&1
	r "{\"kind\":\"boot\",\"tool\":\"lvm2\",\"n\":$n,\"owned\":$(running "$n" | wc -l),\"owned_us\":$(cat $T/lb.owned),\"all_us\":$(cat $T/lb.all),\"all_pools\":$pools}"
done
lvm_down

# --- stardm's layout ----------------------------------------------------
stardm init $LUN --name scale --force >/dev/null || { say "stardm init failed"; echo "0 passed, 1 failed"; exit 1; }
have=0
for n in $NS; do
	while [ $have -lt "$n" ]; do
		have=$((have + 1))
		stardm create scale vm-$have-disk-0 --size 8M >/dev/null &&
			stardm snapshot scale vm-$have-disk-0 s1 >/dev/null || { say "stardm layout failed at $have"; break; }
	done
	for v in $(running "$n"); do
		[ -e /dev/stardm/scale/vm-$v-disk-0 ] || stardm activate scale vm-$v-disk-0 >/dev/null || say "N=$n: stardm could not start vm-$v"
	done
	say "N=$n stardm: $(stardm list scale | wc -l) lines listed, $(dmsetup ls | wc -l) dm devices"
	rm -f $T/s.*
	i=0
	while [ $i -lt "$REPEAT" ]; do
		i=$((i + 1)) v=$((n + i))
		tm $T/s.create stardm create scale vm-$v-disk-0 --size 8M
		inactive "^stardm-scale-vm-$v-disk-0[[:space:]]"
		# the first activation also makes the disk's thin device in its
		# pool (create left it to the pool's first start); lvm2 made its
		# thin at create, so its activation compares with stardm's next
		tm $T/s.activate-new stardm activate scale vm-$v-disk-0
		stardm deactivate scale vm-$v-disk-0 >/dev/null || say "N=$n: stardm could not deactivate vm-$v"
		inactive "^stardm-scale-vm(-$v-disk-0|$v-)"
		tm $T/s.activate stardm activate scale vm-$v-disk-0
		tm $T/s.snapshot stardm snapshot scale vm-$v-disk-0 s
		tm $T/s.deactivate stardm deactivate scale vm-$v-disk-0
		tm $T/s.rollback stardm rollback scale vm-$v-disk-0 s
		tm $T/s.remove stardm remove scale vm-$v-disk-0
	done
	for o in create activate-new activate snapshot deactivate rollback remove; do op stardm $o "$n" $T/s.$o; done
	# a node starting: its VMs' disks (marked for auto-activation), in one run
	for v in $(running "$n"); do
		stardm set-autoactivate scale vm-$v-disk-0 on && stardm deactivate scale vm-$v-disk-0
	done
	rm -f $T/sb.*
	tm $T/sb.owned stardm autoactivate scale
	up=$(dmsetup ls | grep -c -- '-pool\b')
	r "{\"kind\":\"boot\",\"tool\":\"stardm\",\"n\":$n,\"owned\":$(running "$n" | wc -l),\"owned_us\":$(cat $T/sb.owned),\"pools_up\":$up}"
	# where a command's time goes at this N: one traced round
	v=$((n + REPEAT + 1))
	# (activate twice: the second, like lvm2's, starts a disk whose thin
	# device exists, and its trace is the one kept)
	for c in "create scale vm-$v-disk-0 --size 8M" "activate scale vm-$v-disk-0" \
		"deactivate scale vm-$v-disk-0" "activate scale vm-$v-disk-0" "snapshot scale vm-$v-disk-0 s" \
		"deactivate scale vm-$v-disk-0" "rollback scale vm-$v-disk-0 s" "remove scale vm-$v-disk-0"; do
		# shellcheck disable=SC2086
		STARDM_TRACE=1 stardm $c 2>&1 >/dev/null | sed -n "s/^stardm: trace: /@@T $n /p"
	done
done
echo "$((6 * 2 * REPEAT * $(echo $NS | wc -w) - failed)) passed, $failed failed"
[ "$failed" = 0 ] # a failed command or check fails the benchmark
