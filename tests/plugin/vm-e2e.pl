#!/usr/bin/perl
# End-to-end in the VM rig (tests/vm/plugin.sh runs it after stardm init):
# the plugin's methods, called as Proxmox calls them, drive the real stardm
# on the real kernel through a whole VM life.  Prints "ok"/"FAIL" lines and
# "vm: N passed, N failed".  With --list-modules it only prints the Perl
# files it loads (build-initramfs copies those into the VM).
use strict;
use warnings;

use Digest::MD5;
use Fcntl qw(O_RDONLY O_WRONLY SEEK_END SEEK_SET);
use IO::Handle;
use JSON::PP;
use PVE::Storage;

BEGIN {
    if (@ARGV && $ARGV[0] eq '--list-modules') {
        require PVE::Storage::Custom::StarDMPlugin;
        JSON::PP->new->decode('{"a":[1,true]}');
        Digest::MD5->new->add('x')->hexdigest;
        print "$_\n" for values %INC;
        exit 0;
    }
}

my ($pass, $fail) = (0, 0);
sub check {
    my ($ok, $what) = @_;
    if ($ok) { $pass++; print "ok   $what\n"; }
    else { $fail++; print "FAIL $what\n"; }
    return $ok;
}
# check that code runs without dying
sub runs {
    my ($what, $fn) = @_;
    my @r = eval { $fn->() };
    check(!$@, $what . ($@ ? ": $@" : ''));
    return wantarray ? @r : $r[0];
}

my $P = 'PVE::Storage::Custom::StarDMPlugin';
PVE::Storage::load_custom_plugin($P);
{
    no warnings 'once';
    $PVE::Storage::Custom::StarDMPlugin::STARDM = $ENV{STARDM_BIN} if $ENV{STARDM_BIN};
}
my $sid = 'san1';
my $scfg = { type => 'stardm', group => 'san1', shared => 1, content => { images => 1 } };
sub pve_locked { my ($fn) = @_; return $P->cluster_lock_storage($sid, 1, undef, $fn); }

sub dev_size {
    my ($path) = @_;
    sysopen(my $fh, $path, O_RDONLY) or return -1;
    my $size = sysseek($fh, 0, SEEK_END);
    close($fh);
    return $size;
}
sub write_at {
    my ($path, $offset, $data) = @_;
    sysopen(my $fh, $path, O_WRONLY) or die "open $path: $!\n";
    sysseek($fh, $offset, SEEK_SET);
    syswrite($fh, $data) == length($data) or die "write $path: $!\n";
    $fh->sync or die "fsync $path: $!\n";
    close($fh);
}
sub read_at {
    my ($path, $offset, $len) = @_;
    sysopen(my $fh, $path, O_RDONLY) or return '';
    sysseek($fh, $offset, SEEK_SET);
    my $n = sysread($fh, my $buf, $len);
    close($fh);
    return $n ? $buf : '';
}
sub md5_of {
    my ($path, $len) = @_;
    sysopen(my $fh, $path, O_RDONLY) or return "cannot open $path: $!";
    my $md5 = Digest::MD5->new;
    while ($len > 0) {
        my $n = sysread($fh, my $buf, $len < 1048576 ? $len : 1048576);
        last if !$n;
        $md5->add($buf);
        $len -= $n;
    }
    close($fh);
    return $md5->hexdigest;
}
sub random_bytes {
    my ($len) = @_;
    open(my $r, '<:raw', '/dev/urandom') or die;
    read($r, my $buf, $len) == $len or die;
    close($r);
    return $buf;
}
sub stardm_status { return JSON::PP->new->decode(scalar qx{stardm status san1 --json}); }

my $MiB = 1 << 20;
runs('activate_storage', sub { $P->activate_storage($sid, $scfg, {}) });
my ($total, $free) = $P->status($sid, $scfg, {});
my $reserve = stardm_status()->{reserve};
check($total > 15 * 1024 * $MiB && $reserve > 0 && $free == $total - $reserve,
    "status: $total bytes, all free for new disks but the reserve of $reserve");

my $d0 = runs('alloc_image vm-100-disk-0 (256 MiB)',
    sub { pve_locked(sub { $P->alloc_image($sid, $scfg, 100, 'raw', undef, 256 * 1024) }) });
my $d1 = runs('alloc_image vm-100-disk-1 (64 MiB)',
    sub { pve_locked(sub { $P->alloc_image($sid, $scfg, 100, 'raw', undef, 64 * 1024) }) });
check(($d0 // '') eq 'vm-100-disk-0' && ($d1 // '') eq 'vm-100-disk-1', 'the names Proxmox expects');
my @l = @{ $P->list_images($sid, $scfg, 100, undef, {}) };
check(@l == 2, 'list_images shows both');
my (undef, $free2, $used2) = $P->status($sid, $scfg, {});
check($used2 >= 320 * $MiB && $free2 == $total - $used2 - $reserve, "status: $used2 bytes used");

runs("activate_volume $_", sub { $P->activate_volume($sid, $scfg, $_, undef, {}) }) for ($d0, $d1);
my $p0 = $P->path($scfg, $d0, $sid);
check(-b $p0 && dev_size($p0) == 256 * $MiB, "path $p0 is a 256 MiB block device");
runs('activate_volume again is a no-op', sub { $P->activate_volume($sid, $scfg, $d0, undef, {}) });

my $pattern = random_bytes(8 * $MiB);
my $want = Digest::MD5::md5_hex($pattern);
runs('write 8 MiB of known data', sub { write_at($p0, 0, $pattern) });
check(md5_of($p0, 8 * $MiB) eq $want, 'it reads back');

runs('volume_snapshot snap1 (volume live)', sub { $P->volume_snapshot($scfg, $sid, $d0, 'snap1') });
my $info = $P->volume_snapshot_info($scfg, $sid, $d0);
check($info->{snap1} && $info->{snap1}->{timestamp} > 0 && $info->{snap1}->{id}, 'volume_snapshot_info lists snap1');
runs('overwrite after the snapshot', sub { write_at($p0, 0, "\0" x (8 * $MiB)) });
check(md5_of($p0, 8 * $MiB) ne $want, 'the overwrite is visible');
runs('activate the snapshot (read-only)', sub { $P->activate_volume($sid, $scfg, $d0, 'snap1', {}) });
my $snapsum = md5_of(scalar $P->path($scfg, $d0, $sid, 'snap1'), 8 * $MiB);
check($snapsum eq $want, "the snapshot holds the old data ($snapsum)");
runs('deactivate the snapshot alone', sub { $P->deactivate_volume($sid, $scfg, $d0, 'snap1', {}) });
check(-b $p0 && !-e $P->path($scfg, $d0, $sid, 'snap1'), '  ...the volume stays live');
check($P->volume_rollback_is_possible($scfg, $sid, $d0, 'snap1', []), 'rollback is possible');
runs('volume_snapshot_rollback (guest stopped, device still there)',
    sub { $P->volume_snapshot_rollback($scfg, $sid, $d0, 'snap1') });
runs('activate after rollback', sub { $P->activate_volume($sid, $scfg, $d0, undef, {}) });
check(md5_of($p0, 8 * $MiB) eq $want, 'the old data is back bit for bit');

runs('volume_resize to 512 MiB while live', sub { $P->volume_resize($scfg, $sid, $d0, 512 * $MiB, 1) });
check(dev_size($p0) == 512 * $MiB, 'the live device is 512 MiB');
check(scalar($P->volume_size_info($scfg, $sid, $d0)) == 512 * $MiB, 'volume_size_info says 512 MiB');
check(md5_of($p0, 8 * $MiB) eq $want, 'data kept across the resize');

runs('activate the snapshot again', sub { $P->activate_volume($sid, $scfg, $d0, 'snap1', {}) });
runs('volume_snapshot_delete of an active snapshot', sub { $P->volume_snapshot_delete($scfg, $sid, $d0, 'snap1', 0) });
check(!%{ $P->volume_snapshot_info($scfg, $sid, $d0) }, '  ...it is gone');

# export (raw+size) and import into a new volume: identical content, sparse
my $p1 = $P->path($scfg, $d1, $sid);
runs('write data at 0 and 32 MiB of vm-100-disk-1', sub {
    write_at($p1, 0, $pattern);
    write_at($p1, 32 * $MiB, $pattern);
});
runs('deactivate_volume vm-100-disk-1', sub { $P->deactivate_volume($sid, $scfg, $d1, undef, {}) });
check(!-e $p1, '  ...its device is gone');
my @fmts = $P->volume_export_formats($scfg, $sid, $d1, undef, undef, 0);
check("@fmts" eq 'raw+size', 'export formats: raw+size');
runs('volume_export raw+size (activates and deactivates itself)', sub {
    open(my $out, '>', '/tmp/export.raw') or die "$!\n";
    $P->volume_export($scfg, $sid, $out, $d1, 'raw+size', undef, undef, 0);
    close($out) or die "$!\n";
});
check(-s '/tmp/export.raw' == 8 + 64 * $MiB && !-e $p1, 'stream: 8-byte header + 64 MiB; device left inactive');
my $volid = runs('volume_import raw+size as vm-101-disk-0', sub {
    open(my $in, '<', '/tmp/export.raw') or die "$!\n";
    my $r = $P->volume_import($scfg, $sid, $in, 'vm-101-disk-0', 'raw+size', undef, undef, 0, 0);
    close($in);
    return $r;
});
check(($volid // '') eq 'san1:vm-101-disk-0', 'volume_import returns san1:vm-101-disk-0');
runs('activate both', sub {
    $P->activate_volume($sid, $scfg, $_, undef, {}) for ($d1, 'vm-101-disk-0');
});
my $p2 = $P->path($scfg, 'vm-101-disk-0', $sid);
check(dev_size($p2) == 64 * $MiB, 'the imported volume is 64 MiB');
check(md5_of($p2, 64 * $MiB) eq md5_of($p1, 64 * $MiB), 'its content is identical to the source');
my ($pool101) = grep { $_->{vmid} == 101 } @{ stardm_status()->{active_pools} };
check($pool101 && $pool101->{data_used} < 24 * $MiB,
    'import skipped the zeros: ' . int(($pool101 // {})->{data_used} // -1) . ' bytes provisioned of 64 MiB');
eval {
    open(my $in, '<', '/tmp/export.raw') or die;
    $P->volume_import($scfg, $sid, $in, 'vm-101-disk-0', 'raw+size', undef, undef, 0, 0);
};
check($@ =~ /already exists/, 'importing over an existing volume is refused');

# a template and a linked clone, in Proxmox's order: the VM's disk is
# written, the VM becomes a template (create_base), a new VM gets a
# linked clone (clone_image, under the storage lock), starts, writes,
# takes a snapshot; the template cannot go while the clone is there
my $t0 = runs('alloc_image vm-200-disk-0 (32 MiB)',
    sub { pve_locked(sub { $P->alloc_image($sid, $scfg, 200, 'raw', undef, 32 * 1024) }) });
runs("activate_volume $t0", sub { $P->activate_volume($sid, $scfg, $t0, undef, {}) });
write_at(scalar $P->path($scfg, $t0, $sid), 0, random_bytes(32 * $MiB));
my $tsum = md5_of(scalar $P->path($scfg, $t0, $sid), 32 * $MiB);
runs("deactivate_volume $t0", sub { $P->deactivate_volume($sid, $scfg, $t0, undef, {}) });
my $base = runs('create_base', sub { pve_locked(sub { $P->create_base($sid, $scfg, $t0) }) });
check(($base // '') eq 'base-200-disk-0', 'create_base names it base-200-disk-0');
check($P->volume_has_feature($scfg, 'clone', $sid, $base, undef, 0), 'a template can be linked-cloned');
my $clone = runs('clone_image for VM 201',
    sub { pve_locked(sub { $P->clone_image($scfg, $sid, $base, 201, undef) }) });
check(($clone // '') eq 'base-200-disk-0/vm-201-disk-0', "the clone's volume name carries its base");
check((grep { $_->{volid} eq "$sid:base-200-disk-0/vm-201-disk-0" }
    @{ $P->list_images($sid, $scfg, 201, undef, {}) }) == 1, 'list_images shows it so');
runs('activate_volume of the clone', sub { $P->activate_volume($sid, $scfg, $clone, undef, {}) });
my $cpath = $P->path($scfg, $clone, $sid);
check(md5_of($cpath, 32 * $MiB) eq $tsum, 'the clone reads the template\'s disk');
write_at($cpath, 0, 'written by VM 201' x 4096);
runs('a snapshot of the clone', sub { $P->volume_snapshot($scfg, $sid, $clone, 'c1') });
eval { pve_locked(sub { $P->free_image($sid, $scfg, $base, 1) }) };
check($@ =~ /linked clone.*vm-201-disk-0/, 'the template cannot go while its clone is there');
runs('activate_volume of the template (read-only)', sub { $P->activate_volume($sid, $scfg, $base, undef, {}) });
check(md5_of(scalar $P->path($scfg, $base, $sid), 32 * $MiB) eq $tsum, 'the template is as it was');
for my $v ($clone, $base) {
    runs("deactivate_volume $v", sub { $P->deactivate_volume($sid, $scfg, $v, undef, {}) });
}
check(!$P->volume_has_feature($scfg, 'template', $sid, $clone, undef, 0),
    'a linked clone is not offered as a template');
my $moved = runs('rename_volume of the clone to VM 202',
    sub { pve_locked(sub { $P->rename_volume($scfg, $sid, $clone, 202, undef) }) });
check(($moved // '') eq "$sid:base-200-disk-0/vm-202-disk-0", 'a renamed clone keeps its base in its volume id');
$clone = 'base-200-disk-0/vm-202-disk-0';
runs('activate_volume of the renamed clone', sub { $P->activate_volume($sid, $scfg, $clone, undef, {}) });
check(read_at(scalar $P->path($scfg, $clone, $sid), 0, 17) eq 'written by VM 201',
    "  ...and reads the clone's own writes");
runs("deactivate_volume $clone", sub { $P->deactivate_volume($sid, $scfg, $clone, undef, {}) });
runs('delete the clone\'s snapshot', sub { $P->volume_snapshot_delete($scfg, $sid, $clone, 'c1') });
for my $v ($clone, $base) {
    runs("free_image $v", sub { pve_locked(sub { $P->free_image($sid, $scfg, $v, $v eq $base) }) });
}

# the end of the VM's life
for my $v ($d0, $d1, 'vm-101-disk-0') {
    runs("deactivate_volume $v", sub { $P->deactivate_volume($sid, $scfg, $v, undef, {}) });
    runs("free_image $v", sub { pve_locked(sub { $P->free_image($sid, $scfg, $v, 0) }) });
}
check(!@{ $P->list_images($sid, $scfg, undef, undef, {}) }, 'no volumes left');
my (undef, $free3) = $P->status($sid, $scfg, {});
check($free3 == $total - $reserve, 'all space free again');
check(!grep(/stardm/, qx{dmsetup ls}), 'dmsetup ls: no stardm device left');

print "vm: $pass passed, $fail failed\n";
exit($fail ? 1 : 0);
