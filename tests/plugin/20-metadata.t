#!/usr/bin/perl
# The plugin's metadata operations against the real stardm on a file-backed
# LUN (no device-mapper needed for these; activation, export and import run
# in the VM rig: tests/vm/plugin.sh).  Proxmox takes the storage lock around
# alloc, free, rename and create_base itself; the plugin must take it for
# snapshot, rollback, delete-snapshot and resize.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../../plugin", "$FindBin::Bin/lib", $FindBin::Bin;
use Test::More;
use JSON::PP;
use Helper;

my $t = Helper::setup(lun => '2G');
my $P = 'PVE::Storage::Custom::StarDMPlugin';
my $scfg = { type => 'stardm', group => 'g1', shared => 1 };
my $sid = 'san1';
sub pve_locked { my ($fn) = @_; return $P->cluster_lock_storage($sid, 1, undef, $fn); }
sub all_locked { my @c = Helper::calls($t); return @c && !grep { !$_->[0] } @c; }

ok(eval { $P->activate_storage($sid, $scfg, {}); 1 }, 'activate_storage sees the group') or diag($@);
my ($total, $free, $used, $active) = $P->status($sid, $scfg, {});
my $reserve = JSON::PP::decode_json(scalar `'$t->{stardm}' status '$t->{lun}' --json`)->{reserve};
ok($total > 1.9e9 && $reserve > 0 && $free == $total - $reserve && $used == 0 && $active,
    "status: $total total, $free free for new disks besides the reserve of $reserve");

is(pve_locked(sub { $P->alloc_image($sid, $scfg, 100, 'raw', undef, 64 * 1024) }), 'vm-100-disk-0',
    'alloc_image picks vm-100-disk-0');
is(pve_locked(sub { $P->alloc_image($sid, $scfg, 100, 'raw', undef, 32 * 1024) }), 'vm-100-disk-1',
    'alloc_image picks vm-100-disk-1 next');
is(pve_locked(sub { $P->alloc_image($sid, $scfg, 100, 'raw', 'vm-100-cloudinit', 4096) }),
    'vm-100-cloudinit', 'alloc_image with a given name');
is(pve_locked(sub { $P->alloc_image($sid, $scfg, 200, 'raw', undef, 1024) }), 'vm-200-disk-0',
    'alloc_image for another VM');
# sparse (Proxmox's ZFS property): a new VM's pool is thin, holding a small
# start of the group's space rather than its disks' full size
my $sparse = { %$scfg, sparse => 1 };
is(pve_locked(sub { $P->alloc_image($sid, $sparse, 300, 'raw', undef, 1024 * 1024) }), 'vm-300-disk-0',
    'alloc_image on a sparse storage');
my $pools = JSON::PP::decode_json(scalar `'$t->{stardm}' inspect '$t->{lun}' --json`)->{pools};
my %mode = map { $_->{vmid} => $_->{provisioning} } @$pools;
my ($p300) = grep { $_->{vmid} == 300 } @$pools;
is("$mode{100} $mode{300}", 'full thin', 'VM 100 has a full pool, VM 300 (sparse) a thin one');
ok($p300->{data_extents} * 4 < 1024 && $p300->{data_extents} > 0,
    "the 1 GiB disk's thin pool holds $p300->{data_extents} extents of 4 MiB, not 256");
ok(eval { pve_locked(sub { $P->free_image($sid, $sparse, 'vm-300-disk-0', 0) }); 1 }, 'free_image') or diag($@);
Helper::calls($t);
eval { pve_locked(sub { $P->alloc_image($sid, $scfg, 100, 'raw', 'vm-100-disk-0', 1024) }) };
like($@, qr/^stardm: volume vm-100-disk-0 already exists\n\z/, "a stardm failure dies with stardm's line");

my $list = $P->list_images($sid, $scfg, 100, undef, {});
is_deeply([sort map { $_->{volid} } @$list], ['san1:vm-100-cloudinit', 'san1:vm-100-disk-0', 'san1:vm-100-disk-1'],
    'list_images of VM 100');
my ($d0) = grep { $_->{volid} eq 'san1:vm-100-disk-0' } @$list;
ok($d0->{size} == 64 << 20 && $d0->{format} eq 'raw' && $d0->{vmid} == 100 && $d0->{ctime} > 1.7e9,
    'list_images entry: size, format, vmid, ctime');
is(scalar @{ $P->list_images($sid, $scfg, undef, ['san1:vm-200-disk-0'], {}) }, 1, 'list_images by volid list');
my ($size, $fmt) = $P->volume_size_info($scfg, $sid, 'vm-100-disk-0', 5);
is("$size $fmt", (64 << 20) . ' raw', 'volume_size_info');

Helper::calls($t);
$P->volume_snapshot($scfg, $sid, 'vm-100-disk-0', 'before');
ok(all_locked(), 'volume_snapshot ran stardm under the storage lock');
my $info = $P->volume_snapshot_info($scfg, $sid, 'vm-100-disk-0');
ok($info->{before} && $info->{before}->{id} && $info->{before}->{timestamp} > 1.7e9
    && $info->{before}->{'virtual-size'} == 64 << 20, 'volume_snapshot_info: id, timestamp, virtual-size');
is_deeply($P->volume_snapshot_list($scfg, $sid, 'vm-100-disk-0'), ['before'], 'volume_snapshot_list');
ok($P->volume_rollback_is_possible($scfg, $sid, 'vm-100-disk-0', 'before', []), 'rollback is possible');
eval { $P->volume_rollback_is_possible($scfg, $sid, 'vm-100-disk-0', 'nosuch', []) };
like($@, qr/does not exist/, '  ...but not to a missing snapshot');
Helper::calls($t);
$P->volume_snapshot_rollback($scfg, $sid, 'vm-100-disk-0', 'before');
ok(all_locked(), 'volume_snapshot_rollback under the storage lock');
$P->volume_resize($scfg, $sid, 'vm-100-disk-0', 128 << 20, 0);
ok(all_locked(), 'volume_resize under the storage lock');
is(scalar $P->volume_size_info($scfg, $sid, 'vm-100-disk-0'), 128 << 20, '  ...and the volume grew');
eval { $P->volume_resize($scfg, $sid, 'vm-100-disk-0', 128 << 20, 0, 'before') };
like($@, qr/resizing a snapshot is not supported/, 'resizing a snapshot is refused (API 15 $snapname)');
Helper::calls($t);
$P->volume_snapshot_delete($scfg, $sid, 'vm-100-disk-0', 'before', 0);
ok(all_locked(), 'volume_snapshot_delete under the storage lock');
is_deeply($P->volume_snapshot_info($scfg, $sid, 'vm-100-disk-0'), {}, '  ...and it is gone');

# features: what Proxmox may offer for a volume
my %want = (
    'snapshot current' => 1, 'snapshot base' => undef, 'snapshot snap' => undef,
    'clone base' => 1, 'clone current' => undef, 'clone snap' => undef, 'template current' => 1,
    'copy current' => 1, 'copy base' => 1, 'copy snap' => 1, 'rename current' => 1,
    'sparseinit current' => 1,
    'template linked' => undef, 'clone linked' => undef, 'snapshot linked' => 1, 'copy linked' => 1,
    'rename linked' => 1,
);
my %vol_of = (base => 'base-100-disk-9', linked => 'base-100-disk-9/vm-101-disk-0');
for my $k (sort keys %want) {
    my ($feature, $kind) = split / /, $k;
    my $vol = $vol_of{$kind} // 'vm-100-disk-0';
    is($P->volume_has_feature($scfg, $feature, $sid, $vol, $kind eq 'snap' ? 's' : undef, 0),
        $want{$k}, "volume_has_feature $feature on $kind: " . ($want{$k} ? 'yes' : 'no'));
}
# linked clones run on the real kernel (tests/vm/plugin.sh); here what is
# refused before stardm runs, and stardm's own line for a missing base
for my $c (['vm-100-disk-0', undef, qr/is not a template's disk/],
           ['base-100-disk-9/vm-101-disk-0', undef, qr/is not a template's disk/],
           ['base-100-disk-9/base-101-disk-0', undef, qr/is a linked clone itself/],
           ['base-100-disk-9', 's1', qr/no snapshots to clone from/],
           ['base-100-disk-9', undef, qr/^stardm: volume base-100-disk-9 does not exist/]) {
    my ($vol, $snap, $re) = @$c;
    eval { $P->clone_image($scfg, $sid, $vol, 300, $snap) };
    like($@, $re, "clone_image of $vol" . ($snap ? "\@$snap" : '') . ' refused');
}

# rename: within the VM (auto name), to another VM, template
is(pve_locked(sub { $P->rename_volume($scfg, $sid, 'vm-100-disk-1', 100, undef) }), 'san1:vm-100-disk-2',
    'rename_volume within the VM picks the next free name');
is(pve_locked(sub { $P->rename_volume($scfg, $sid, 'vm-200-disk-0', 300, undef) }), 'san1:vm-300-disk-0',
    "rename_volume moves a VM's only volume to another VM");
eval { pve_locked(sub { $P->rename_volume($scfg, $sid, 'vm-100-disk-2', 300, undef) }) };
like($@, qr/^stardm: .*pool/, "  ...not one that shares its VM's pool");
is(pve_locked(sub { $P->create_base($sid, $scfg, 'vm-100-disk-2') }), 'base-100-disk-2', 'create_base');
my ($b) = grep { $_->{volid} eq 'san1:base-100-disk-2' } @{ $P->list_images($sid, $scfg, 100, undef, {}) };
ok($b, '  ...lists as base-100-disk-2');
$P->volume_snapshot($scfg, $sid, 'vm-100-disk-0', 's1');
eval { pve_locked(sub { $P->create_base($sid, $scfg, 'vm-100-disk-0') }) };
like($@, qr/has snapshots/, 'create_base refuses a volume with snapshots');

# live migration: on the target (PVE_MIGRATED_FROM set, as qemu-server sets
# it around activate_volumes) the plugin asks stardm for an incoming
# activation; elsewhere, and for snapshots, it does not.  (The handover
# itself needs device-mapper: tests/vm/cluster.sh.)
sub activation_args {
    my (@a) = @_;
    Helper::calls($t);
    eval { $P->activate_volume($sid, $scfg, @a, {}) };
    my ($call) = grep { $_->[1] eq 'activate' } Helper::calls($t);
    return join(' ', @$call[1 .. $#$call]);
}
{
    local $ENV{PVE_MIGRATED_FROM} = 'nodeA';
    is(activation_args('vm-100-disk-0', undef), 'activate g1 vm-100-disk-0 --incoming --json',
        'activate_volume on a migration target: --incoming');
    is(activation_args('vm-100-disk-0', 'before'), 'activate g1 vm-100-disk-0 --snapshot before --json',
        '  ...but not for a snapshot');
}
is(activation_args('vm-100-disk-0', undef), 'activate g1 vm-100-disk-0 --json', 'a plain start: no --incoming');

# the plugin decides on stardm's error code, not its message: a failed
# activation leaves the JSON error where activate_volume reads it
eval { $P->activate_volume($sid, $scfg, 'vm-100-disk-77', undef, {}) };
like($@, qr/^stardm: volume vm-100-disk-77 does not exist/, 'activate_volume of a missing volume dies with the line');
my $e = $PVE::Storage::Custom::StarDMPlugin::last_error // {};
is(join(' ', $e->{code} // '', $e->{exit} // ''), 'not-found 3', '  ...and the error code and exit status are there');

# free everything: the space comes back
for my $v (map { $_->{volid} =~ s/^san1://r } @{ $P->list_images($sid, $scfg, undef, undef, {}) }) {
    pve_locked(sub { $P->free_image($sid, $scfg, $v, 0) });
}
is_deeply($P->list_images($sid, $scfg, undef, undef, {}), [], 'free_image removed every volume');
my (undef, $free2) = $P->status($sid, $scfg, {});
is($free2, $free, 'status: all space free again');

# pvestatd's log names a starving pool and a group short of space (from
# stardm status --json's fields; a pool out of space needs the kernel, so
# the VM suites make the real one)
my @warned;
{
    local $SIG{__WARN__} = sub { push @warned, $_[0] };
    PVE::Storage::Custom::StarDMPlugin::space_warnings($sid, { group => 'g1', space => 'reserve',
        active_pools => [{ vmid => 301, out_of_data_space => JSON::PP::true },
                         { vmid => 302, out_of_data_space => JSON::PP::false }] });
    PVE::Storage::Custom::StarDMPlugin::space_warnings($sid, { group => 'g1', space => 'low',
        active_pools => [] });
}
is(scalar(@warned), 2, 'status warnings: one per starving pool, one for the reserve');
like($warned[0] // '', qr/pool of VM 301 is out of data space/, '  ...naming the starving pool');
like($warned[1] // '', qr/group g1: pools grew into the reserve/, '  ...and the reserve in use');

# stardm runs from an argument list: shell syntax in an argument reaches
# it as it is and runs nothing
my $canary = "$t->{dir}/canary";
my $arg = "/nonexistent/x\$(touch $canary)\`touch $canary\`; touch $canary";
Helper::calls($t);
ok(eval { PVE::Storage::Custom::StarDMPlugin::run_stardm('inspect', $arg); 1 }, 'run_stardm') or diag($@);
my @calls = Helper::calls($t);
my $last = @calls ? join(' ', @{ $calls[-1] }[1 .. $#{ $calls[-1] }]) : '';
is($last, "inspect $arg", 'an argument with shell syntax reaches stardm unchanged');
ok(!-e $canary && -d $t->{dir}, 'and no shell ran it');

done_testing();
