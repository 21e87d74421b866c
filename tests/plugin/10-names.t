#!/usr/bin/perl
# Names are checked before stardm runs: shell metacharacters, "..", a
# foreign VM id, bad snapshot names never reach it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../../plugin", "$FindBin::Bin/lib", $FindBin::Bin;
use Test::More;
use Helper;

my $t = Helper::setup();
my $P = 'PVE::Storage::Custom::StarDMPlugin';
my $scfg = { type => 'stardm', group => 'g1', shared => 1 };

is_deeply([$P->parse_volname('vm-100-disk-0')], ['images', 'vm-100-disk-0', 100, undef, undef, 0, 'raw'],
    'parse vm-100-disk-0');
is_deeply([$P->parse_volname('base-7-disk-2')], ['images', 'base-7-disk-2', 7, undef, undef, 1, 'raw'],
    'parse base-7-disk-2 (template)');
is(($P->parse_volname('vm-100-cloudinit'))[1], 'vm-100-cloudinit', 'parse vm-100-cloudinit');
is_deeply([$P->parse_volname('base-100-disk-0/vm-101-disk-1')],
    ['images', 'vm-101-disk-1', 101, 'base-100-disk-0', 100, 0, 'raw'],
    'parse a linked clone: its base and the base\'s VM');
$PVE::Storage::Custom::StarDMPlugin::UDEV_NAMES = 0; # a node without udev: dm's node
is(scalar $P->path($scfg, 'vm-100-disk-0', 'san1'), '/dev/mapper/stardm-g1-vm-100-disk-0', 'path');
is(scalar $P->path($scfg, 'vm-100-disk-0', 'san1', 'snap1'),
    '/dev/mapper/stardm-g1-vm-100-disk-0--snap1', 'path of a snapshot');
is_deeply($P->qemu_blockdev_options($scfg, 'san1', 'vm-100-disk-0', 'pc-q35-9.2', {}),
    { driver => 'host_device', filename => '/dev/mapper/stardm-g1-vm-100-disk-0' },
    'qemu_blockdev_options: host_device');
$PVE::Storage::Custom::StarDMPlugin::UDEV_NAMES = 1; # udev with stardm's rule: its link
is(scalar $P->path($scfg, 'vm-100-disk-0', 'san1'), '/dev/stardm/g1/vm-100-disk-0', 'path (udev)');
is(scalar $P->path($scfg, 'vm-100-disk-0', 'san1', 'snap1'), '/dev/stardm/g1/vm-100-disk-0--snap1',
    'path of a snapshot (udev)');
is_deeply($P->qemu_blockdev_options($scfg, 'san1', 'vm-100-disk-0', 'pc-q35-9.2', {}),
    { driver => 'host_device', filename => '/dev/stardm/g1/vm-100-disk-0' },
    'qemu_blockdev_options (udev)');
$PVE::Storage::Custom::StarDMPlugin::UDEV_NAMES = 0;
is($P->volume_qemu_snapshot_method('san1', $scfg, 'vm-100-disk-0'), 'storage', 'snapshots by the storage');

# a pinned uuid is what stardm is told; the name still builds the paths
my $U = '420815a5-c460-4abf-a76f-fe45187dce0e';
is(PVE::Storage::Custom::StarDMPlugin::group_arg({ group => 'g1', 'group-uuid' => $U }), $U,
    'group-uuid: stardm finds the group by its uuid');
is(PVE::Storage::Custom::StarDMPlugin::group_arg($scfg), 'g1', 'no group-uuid: by its name');
ok(!eval { PVE::Storage::Custom::StarDMPlugin::group_arg({ group => 'g1', 'group-uuid' => 'x;rm' }); 1 },
    'a malformed group-uuid is refused');
is(scalar $P->path({ %$scfg, 'group-uuid' => $U }, 'vm-100-disk-0', 'san1'),
    '/dev/mapper/stardm-g1-vm-100-disk-0', 'path with a pinned uuid: from the name');

my @bad = ('vm-100-disk-0;rm -rf /', 'vm-100-disk-0 x', 'vm-100-$(id)', 'vm-100-`id`',
    '../vm-100-disk-0', 'vm-100-disk..0', 'vm-100-disk-0/../x', 'vm-0100-disk-0', 'vm-100--x',
    'vm-100-', 'disk-0', '', "vm-100-disk-0\n", 'vm-100-a|b', 'vm-100-a&b', "vm-100-a'b",
    'vm-100-disk-0/vm-101-disk-0', 'base-100-disk-0/', 'base-100-disk-0//vm-101-disk-0',
    '/vm-101-disk-0', 'base-100-disk-0/vm-101-disk-0/vm-102-disk-0');
for my $name (@bad) {
    eval { $P->parse_volname($name) };
    like($@, qr/invalid volume name/, "parse_volname refuses '" . quotemeta($name) . "'");
}
my @refusals = (
    [alloc_image => sub { $P->alloc_image('san1', $scfg, 100, 'raw', 'vm-100-disk-0;reboot', 1024) }],
    [alloc_foreign => sub { $P->alloc_image('san1', $scfg, 100, 'raw', 'vm-101-disk-0', 1024) }],
    [alloc_bad_vmid => sub { $P->alloc_image('san1', $scfg, '100;id', 'raw', undef, 1024) }],
    [alloc_qcow2 => sub { $P->alloc_image('san1', $scfg, 100, 'qcow2', 'vm-100-disk-0', 1024) }],
    [free_image => sub { $P->free_image('san1', $scfg, '../../etc/passwd', 0) }],
    [activate => sub { $P->activate_volume('san1', $scfg, 'vm-100-disk-0 --force', undef, {}) }],
    [snapshot => sub { $P->volume_snapshot($scfg, 'san1', 'vm-100-disk-0', 'a;b') }],
    [snapshot_dots => sub { $P->volume_snapshot($scfg, 'san1', 'vm-100-disk-0', '..') }],
    [rollback => sub { $P->volume_snapshot_rollback($scfg, 'san1', 'vm-100-disk-0', '$(id)') }],
    [delete => sub { $P->volume_snapshot_delete($scfg, 'san1', 'vm-100-disk-0', '-x') }],
    [vmid_newline => sub { $P->alloc_image('san1', $scfg, "100\n", 'raw', undef, 1024) }],
    [size_newline => sub { $P->alloc_image('san1', $scfg, 100, 'raw', undef, "1024\n") }],
    [snap_newline => sub { $P->volume_snapshot($scfg, 'san1', 'vm-100-disk-0', "s1\n") }],
    [resize => sub { $P->volume_resize($scfg, 'san1', 'vm-100-disk-0', '1G;id', 0) }],
    [rename_foreign => sub { $P->rename_volume($scfg, 'san1', 'vm-100-disk-0', 200, 'vm-201-disk-0') }],
    [rename_bad => sub { $P->rename_volume($scfg, 'san1', 'vm-100-disk-0', 100, 'vm-100-x y') }],
    [bad_group => sub { $P->status('san1', { group => 'g1;reboot' }, {}) // die "undef\n" }],
);
for my $r (@refusals) {
    my ($what, $fn) = @$r;
    local $SIG{__WARN__} = sub { };
    eval { $fn->() };
    ok($@, "$what is refused: " . ($@ =~ s/\n.*//sr));
}
my @ran = Helper::calls($t);
is(scalar(@ran), 0, 'stardm never ran for any of them') or diag(join("\n", map { "@$_" } @ran));

done_testing();
