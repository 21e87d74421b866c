package PVE::Storage::Custom::StarDMPlugin;

# Proxmox VE storage plugin for stardm: every VM disk is a thin volume in the
# VM's own dm-thin pool, carved from a shared SAN LUN.  All the work is done
# by the stardm command (docs/stardm.8); this module maps Proxmox's plugin
# API onto it.  stardm runs with list-form exec, never through a shell, and
# every volume and snapshot name is checked here before it is passed on.
#
#   pvesm add stardm san1 --group GROUP --content images,rootdir --shared 1
#
# See docs/proxmox.md.

use strict;
use warnings;

use Fcntl qw(O_RDONLY O_WRONLY SEEK_CUR);
use IO::Select;
use IPC::Open3 qw(open3);
use JSON::PP ();
use Symbol qw(gensym);

use PVE::Storage;
use PVE::Storage::Plugin;

use base qw(PVE::Storage::Plugin);

# The stardm binary; tests point this elsewhere.
our $STARDM = (grep { -x $_ } qw(/usr/sbin/stardm /usr/local/sbin/stardm))[0] // '/usr/sbin/stardm';

# The newest plugin API whose signatures this module follows (PVE 9:
# activate_volume's $hints (13), volume_resize's $snapname and snapshot
# virtual-size (15)); the oldest it needs is 10 (PVE 8.0: rename_volume,
# volume_snapshot_info).
use constant { API_NEWEST => 15, API_OLDEST => 10 };

my $NAME_RE = qr/[A-Za-z0-9_.+]+(?:-[A-Za-z0-9_.+]+)*/;
# A linked clone's volume name carries its base: base-100-disk-0/vm-101-disk-0.
my $VOLNAME_RE = qr/\A(?:(base-([1-9][0-9]{0,8})-$NAME_RE)\/)?((vm|base)-([1-9][0-9]{0,8})-($NAME_RE))\z/;
my $SNAP_RE = qr/\A[A-Za-z0-9_+][A-Za-z0-9_.+-]{0,62}\z/;

# pve-storage loads a custom plugin when APIVER - APIAGE <= api() <= APIVER.
# Answering with the running PVE's own APIVER (up to the newest we follow)
# loads on PVE 8 (APIVER 10, 11) and PVE 9 (12 and later) alike.
sub api {
    my $ver = PVE::Storage::APIVER();
    return $ver <= API_NEWEST ? $ver : API_NEWEST;
}

sub type { return 'stardm'; }

sub plugindata {
    return {
        content => [{ images => 1, rootdir => 1 }, { images => 1 }],
        format => [{ raw => 1 }, 'raw'],
        'sensitive-properties' => {},
    };
}

sub properties {
    return {
        group => {
            description => "stardm group name (as given to 'stardm init --name').",
            type => 'string',
            pattern => '[A-Za-z0-9_+][A-Za-z0-9_.+-]*',
            maxLength => 63,
        },
        'group-uuid' => {
            description => "The group's uuid (stardm scan): stardm finds the group by it, so "
                . "that no other disk carrying a label of the same name can stand in for it.",
            type => 'string',
            pattern => '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
        },
    };
}

sub options {
    return {
        group => { fixed => 1 },
        'group-uuid' => { optional => 1 },
        # Proxmox's own property (the ZFS plugin's "use sparse volumes"):
        # new VMs get thin-provisioned pools
        sparse => { optional => 1 },
        nodes => { optional => 1 },
        disable => { optional => 1 },
        content => { optional => 1 },
        shared => { optional => 1 },
        bwlimit => { optional => 1 },
    };
}

# --- running stardm ---------------------------------------------------------

# The error of the last stardm call that failed: {code, exit, message, node}
# from its JSON error when it ran with --json, else {exit} alone.  Callers
# decide on code and exit status (stardm(8), EXIT STATUS), never on the
# message text.
our $last_error;

# Run stardm with a list of arguments; returns its stdout.  A failure dies
# with stardm's own one-line message ("stardm: ...") and sets $last_error.
sub run_stardm {
    my (@args) = @_;
    my $err_fh = gensym;
    my $pid = open3(my $in, my $out_fh, $err_fh, $STARDM, @args);
    close($in);
    my %buf = (out => '', err => '');
    my $sel = IO::Select->new($out_fh, $err_fh);
    while (my @ready = $sel->can_read) {
        for my $fh (@ready) {
            my $n = sysread($fh, my $chunk, 65536);
            if (!$n) {
                $sel->remove($fh);
                next;
            }
            $buf{ $fh == $out_fh ? 'out' : 'err' } .= $chunk;
        }
    }
    waitpid($pid, 0);
    my $rc = $? >> 8;
    if ($? != 0) {
        my $doc = grep({ $_ eq '--json' } @args) ? eval { JSON::PP->new->decode($buf{out}) } : undef;
        $last_error = ref($doc) eq 'HASH' && ref($doc->{error}) eq 'HASH' ? $doc->{error} : { exit => $rc };
        my ($line) = grep { length } split(/\n/, $buf{err});
        die(($line // "stardm $args[0] failed (exit status $rc)") . "\n");
    }
    return $buf{out};
}

sub stardm_json {
    my (@args) = @_;
    my $out = run_stardm(@args, '--json');
    my $doc = eval { JSON::PP->new->decode($out) };
    die "stardm $args[0]: unreadable JSON output: $@" if $@;
    return $doc;
}

# --- names --------------------------------------------------------------------

sub group_of {
    my ($scfg) = @_;
    my $g = $scfg->{group} // die "storage has no 'group' property\n";
    die "invalid stardm group name '$g'\n" if $g !~ /\A[A-Za-z0-9_+][A-Za-z0-9_.+-]{0,62}\z/;
    return $g;
}

# What stardm is told to find the group by: its uuid when the storage
# pins one, else its name.
sub group_arg {
    my ($scfg) = @_;
    my $u = $scfg->{'group-uuid'};
    return group_of($scfg) if !defined($u);
    die "invalid stardm group uuid '$u'\n" if $u !~ /\A[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\z/;
    return $u;
}

sub check_snapname {
    my ($snap) = @_;
    die "invalid snapshot name '$snap'\n" if $snap !~ $SNAP_RE;
    return $snap;
}

sub parse_volname {
    my ($class, $volname) = @_;
    die "invalid volume name '" . ($volname // '') . "'\n"
        if !defined($volname) || $volname =~ /\.\./ || $volname !~ $VOLNAME_RE;
    my ($base, $basevmid, $name, $kind, $vmid) = ($1, $2, $3, $4, $5);
    return ('images', $name, $vmid, $base, $basevmid, $kind eq 'base' ? 1 : 0, 'raw');
}

# Whether this node names volumes through stardm's udev rule: udevd runs
# and 56-stardm.rules is installed (as `stardm path` decides it).
our $UDEV_NAMES;
sub udev_names {
    return $UDEV_NAMES if defined($UDEV_NAMES);
    my $rules = grep { -e "$_/56-stardm.rules" }
        qw(/etc/udev/rules.d /run/udev/rules.d /usr/lib/udev/rules.d /lib/udev/rules.d);
    return $UDEV_NAMES = (-e '/run/udev/control' && $rules) ? 1 : 0;
}

# The path stardm gives a volume (docs/stardm.8, DEVICE NAMES): its udev
# link /dev/stardm/GROUP/VOLUME, or without udev its dm node; both from the
# names alone, the same on every node, and known without running stardm,
# as Proxmox asks for paths often.
sub filesystem_path {
    my ($class, $scfg, $volname, $snapname) = @_;
    my ($vtype, $name, $vmid) = $class->parse_volname($volname);
    my $group = group_of($scfg);
    my $path = udev_names() ? "/dev/stardm/$group/$name" : "/dev/mapper/stardm-$group-$name";
    $path .= '--' . check_snapname($snapname) if defined($snapname);
    return wantarray ? ($path, $vmid, $vtype) : $path;
}

sub path {
    my ($class, $scfg, $volname, $storeid, $snapname) = @_;
    return $class->filesystem_path($scfg, $volname, $snapname);
}

sub qemu_blockdev_options {
    my ($class, $scfg, $storeid, $volname, $machine_version, $options) = @_;
    my $path = $class->filesystem_path($scfg, $volname, $options->{'snapshot-name'});
    return { driver => 'host_device', filename => $path };
}

# Snapshots are thin snapshots taken by stardm; QEMU does nothing.
sub volume_qemu_snapshot_method {
    my ($class, $storeid, $scfg, $volname) = @_;
    return 'storage';
}

# --- the group's view -----------------------------------------------------------

sub volumes {
    my ($scfg, $cache, $vmid) = @_;
    my $group = group_arg($scfg);
    return stardm_json('list', $group, defined($vmid) ? ('--vmid', $vmid) : ())->{volumes}
        if !$cache;
    $cache->{stardm}->{$group} //= stardm_json('list', $group)->{volumes};
    return $cache->{stardm}->{$group};
}

sub volume_info {
    my ($class, $scfg, $volname) = @_;
    my (undef, $name, $vmid) = $class->parse_volname($volname);
    my ($v) = grep { $_->{name} eq $name } @{ volumes($scfg, undef, $vmid) };
    die "volume $volname does not exist in stardm group " . group_of($scfg) . "\n" if !$v;
    return $v;
}

sub find_free_diskname {
    my ($class, $storeid, $scfg, $vmid, $fmt, $add_fmt_suffix) = @_;
    my %used;
    for my $v (@{ volumes($scfg, undef, $vmid) }) {
        $used{$1} = 1 if $v->{name} =~ /^(?:vm|base)-\Q$vmid\E-disk-(\d+)$/;
    }
    for my $i (0 .. 9999) {
        return "vm-$vmid-disk-$i" if !$used{$i};
    }
    die "unable to allocate an image name for VM $vmid in storage '$storeid'\n";
}

sub list_images {
    my ($class, $storeid, $scfg, $vmid, $vollist, $cache) = @_;
    my %wanted = map { $_ => 1 } @{ $vollist // [] };
    my $res = [];
    for my $v (@{ volumes($scfg, $cache) }) {
        my $volid = "$storeid:" . ($v->{base} ? "$v->{base}/" : '') . $v->{name};
        if ($vollist) {
            next if !$wanted{$volid};
        } elsif (defined($vmid)) {
            next if $v->{vmid} != $vmid;
        }
        push @$res, {
            volid => $volid, format => 'raw', size => $v->{size}, vmid => $v->{vmid},
            ctime => $v->{created},
        };
    }
    return $res;
}

# Free space as new disks see it: the group's reserve is kept for pools
# that grow.  pvestatd logs what the warnings say, every pass while it holds.
sub status {
    my ($class, $storeid, $scfg, $cache) = @_;
    my $s = eval { stardm_json('status', group_arg($scfg)) };
    if (!$s) {
        warn $@ if $@;
        return undef;
    }
    space_warnings($storeid, $s);
    return ($s->{total}, $s->{available} // $s->{free}, $s->{used}, 1);
}

sub space_warnings {
    my ($storeid, $s) = @_;
    for my $p (@{ $s->{active_pools} // [] }) {
        warn "stardm storage '$storeid': the pool of VM $p->{vmid} is out of data space: its "
            . "writes wait, then fail\n" if $p->{out_of_data_space};
    }
    my %say = (
        reserve => 'pools grew into the reserve; new disks are refused',
        full => 'no free space left; pools that must grow will starve',
    );
    warn "stardm storage '$storeid': group $s->{group}: $say{$s->{space}}: add space "
        . "(stardm grow) or free some\n" if $say{ $s->{space} // '' };
}

# The LUN carries no per-node state to set up: a group is usable once its
# device is visible, which is what stardm status checks.
sub activate_storage {
    my ($class, $storeid, $scfg, $cache) = @_;
    my $group = group_arg($scfg);
    return if $cache && $cache->{stardm_active}->{$group};
    my $s = stardm_json('status', $group);
    # a pinned uuid names the group; the paths are built from its name
    die "stardm group $group is named '" . ($s->{group} // '') . "', not '"
        . group_of($scfg) . "' as the storage says\n"
        if defined($scfg->{'group-uuid'}) && ($s->{group} // '') ne group_of($scfg);
    $cache->{stardm_active}->{$group} = 1 if $cache;
    return;
}

sub deactivate_storage {
    my ($class, $storeid, $scfg, $cache) = @_;
    return;
}

# --- volumes ----------------------------------------------------------------------

sub alloc_image {
    my ($class, $storeid, $scfg, $vmid, $fmt, $name, $size) = @_;
    die "unsupported format '$fmt'\n" if $fmt ne 'raw';
    die "invalid VM id '$vmid'\n" if $vmid !~ /\A[1-9][0-9]{0,8}\z/;
    die "invalid size '$size'\n" if $size !~ /\A[1-9][0-9]*\z/;
    if (defined($name)) {
        die "illegal name '$name' - should be 'vm-$vmid-*'\n" if $name !~ /^vm-\Q$vmid\E-/;
        $class->parse_volname($name);
    } else {
        $name = $class->find_free_diskname($storeid, $scfg, $vmid);
    }
    # a VM's first disk makes its pool: thin with "sparse"; later disks
    # join the pool as it is
    run_stardm('create', group_arg($scfg), $name, '--size', "${size}K",
        '--provisioning', $scfg->{sparse} ? 'thin' : 'full');
    return $name;
}

sub free_image {
    my ($class, $storeid, $scfg, $volname, $isBase, $format) = @_;
    my (undef, $name) = $class->parse_volname($volname);
    my $group = group_arg($scfg);
    run_stardm('deactivate', $group, $name);
    run_stardm('remove', $group, $name);
    return undef;
}

sub activate_volume {
    my ($class, $storeid, $scfg, $volname, $snapname, $cache, $hints) = @_;
    my (undef, $name, undef, undef, undef, $isBase) = $class->parse_volname($volname);
    return if -b $class->filesystem_path($scfg, $volname, $snapname);
    my @opt = defined($snapname) ? ('--snapshot', check_snapname($snapname)) : ();
    push @opt, '--readonly' if $isBase && !defined($snapname);
    # The target of a live migration (qemu-server sets PVE_MIGRATED_FROM while
    # the VM still runs on the source): stardm shows QEMU a placeholder and
    # hands the pool over once the source releases it (docs/ha-migration.md).
    push @opt, '--incoming' if $ENV{PVE_MIGRATED_FROM} && !defined($snapname);
    $last_error = undef;
    eval { run_stardm('activate', group_arg($scfg), $name, @opt, '--json') };
    my $err = $@ or return;
    # HA recovery: the pool's owner has left the cluster (Proxmox HA fences a
    # node before it recovers its VMs here).  stardm still takes the pool
    # over only once the owner's heartbeat has stood still for 15 s.
    my $e = $last_error // {};
    die $err if ($e->{code} // '') ne 'owned-elsewhere' || !node_offline($e->{node} // '');
    run_stardm('activate', group_arg($scfg), $name, @opt, '--force', '--timeout', 15);
    return;
}

# A node corosync knows and reports offline (no cluster: never).
sub node_offline {
    my ($node) = @_;
    my $members = eval { require PVE::Cluster; PVE::Cluster::get_members() };
    return $members && $members->{$node} && !$members->{$node}->{online};
}

# On a live migration's source this also releases the pool to the waiting
# target (if stardm monitor has not done so at the commit point already); on
# a target whose migration failed it ends the handover.
sub deactivate_volume {
    my ($class, $storeid, $scfg, $volname, $snapname, $cache) = @_;
    my (undef, $name) = $class->parse_volname($volname);
    return if !-b $class->filesystem_path($scfg, $volname, $snapname);
    my @opt = defined($snapname) ? ('--snapshot', check_snapname($snapname)) : ();
    run_stardm('deactivate', group_arg($scfg), $name, @opt);
    return;
}

sub volume_size_info {
    my ($class, $scfg, $storeid, $volname, $timeout) = @_;
    my $v = $class->volume_info($scfg, $volname);
    return wantarray ? ($v->{size}, 'raw', 0, undef, $v->{created}) : $v->{size};
}

# Runs fn under the storage's cluster lock: pve-storage takes it itself for
# alloc, free, rename and create_base, not for these.
sub locked {
    my ($class, $storeid, $scfg, $fn) = @_;
    return $class->cluster_lock_storage($storeid, $scfg->{shared}, undef, $fn);
}

sub volume_resize {
    my ($class, $scfg, $storeid, $volname, $size, $running, $snapname) = @_;
    die "resizing a snapshot is not supported by stardm\n" if defined($snapname);
    my (undef, $name) = $class->parse_volname($volname);
    die "invalid size '$size'\n" if $size !~ /\A[1-9][0-9]*\z/;
    # a live volume grows at once; QEMU is told by Proxmox (block_resize)
    $class->locked($storeid, $scfg, sub { run_stardm('resize', group_arg($scfg), $name, '--size', $size) });
    return undef;
}

sub rename_volume {
    my ($class, $scfg, $storeid, $source_volname, $target_vmid, $target_volname) = @_;
    my (undef, $name, undef, $of, undef, $isBase) = $class->parse_volname($source_volname);
    if (!defined($target_volname)) {
        $target_volname = $class->find_free_diskname($storeid, $scfg, $target_vmid);
        $target_volname =~ s/^vm-/base-/ if $isBase;
    }
    my (undef, $target, $vmid) = $class->parse_volname($target_volname);
    die "target volume '$target' does not belong to VM $target_vmid\n" if $vmid ne $target_vmid;
    run_stardm('rename', group_arg($scfg), $name, $target);
    # a linked clone keeps its base in its volume id, as Proxmox names it
    return $of ? "$storeid:$of/$target" : "$storeid:$target";
}

sub create_base {
    my ($class, $storeid, $scfg, $volname) = @_;
    my (undef, $name, undef, $of, undef, $isBase) = $class->parse_volname($volname);
    die "create_base: $volname is already a template\n" if $isBase;
    die "create_base: $volname is a linked clone; make a full clone of it first\n" if $of;
    die "create_base: $volname has snapshots; delete them first\n"
        if @{ $class->volume_info($scfg, $volname)->{snapshots} };
    (my $base = $name) =~ s/^vm-/base-/;
    my $group = group_arg($scfg);
    run_stardm('deactivate', $group, $name);
    run_stardm('rename', $group, $name, $base);
    return $base;
}

# A linked clone: a disk in the new VM's own pool that reads what it has
# not written from the template's base (Proxmox holds the storage lock).
sub clone_image {
    my ($class, $scfg, $storeid, $volname, $vmid, $snap) = @_;
    my (undef, $base, undef, $of, undef, $isBase) = $class->parse_volname($volname);
    die "clone_image: $volname is not a template's disk\n" if !$isBase;
    die "clone_image: $volname is a linked clone itself; make a full clone of it\n" if $of;
    die "clone_image: a template has no snapshots to clone from\n" if defined($snap);
    die "invalid VM id '$vmid'\n" if $vmid !~ /\A[1-9][0-9]{0,8}\z/;
    my $name = $class->find_free_diskname($storeid, $scfg, $vmid);
    run_stardm('clone', group_arg($scfg), $base, $name,
        '--provisioning', $scfg->{sparse} ? 'thin' : 'full');
    return "$base/$name";
}

sub volume_has_feature {
    my ($class, $scfg, $feature, $storeid, $volname, $snapname, $running, $opts) = @_;
    # A linked clone ('linked') is a disk like any other, except that it
    # cannot become a template itself (its blocks live partly in its base).
    my $features = {
        snapshot => { current => 1, linked => 1 },
        clone => { base => 1 },
        template => { current => 1 },
        copy => { base => 1, current => 1, linked => 1, snap => 1 },
        sparseinit => { base => 1, current => 1, linked => 1 },
        rename => { current => 1, base => 1, linked => 1 },
    };
    my (undef, undef, undef, $of, undef, $isBase) = $class->parse_volname($volname);
    my $key = defined($snapname) ? 'snap' : $isBase ? 'base' : $of ? 'linked' : 'current';
    return $features->{$feature}->{$key} ? 1 : undef;
}

# --- snapshots --------------------------------------------------------------------

sub volume_snapshot {
    my ($class, $scfg, $storeid, $volname, $snap) = @_;
    my (undef, $name) = $class->parse_volname($volname);
    check_snapname($snap);
    $class->locked($storeid, $scfg, sub { run_stardm('snapshot', group_arg($scfg), $name, $snap) });
    return undef;
}

sub volume_snapshot_info {
    my ($class, $scfg, $storeid, $volname) = @_;
    my $info = {};
    for my $s (@{ $class->volume_info($scfg, $volname)->{snapshots} }) {
        $info->{ $s->{name} } = {
            id => $s->{id}, timestamp => $s->{created}, 'virtual-size' => $s->{size},
        };
    }
    return $info;
}

# For API levels before 10 (replication's old call).
sub volume_snapshot_list {
    my ($class, $scfg, $storeid, $volname) = @_;
    return [map { $_->{name} } @{ $class->volume_info($scfg, $volname)->{snapshots} }];
}

# Thin snapshots are independent: any of them can be rolled back to, and
# the others stay.
sub volume_rollback_is_possible {
    my ($class, $scfg, $storeid, $volname, $snap, $blockers) = @_;
    check_snapname($snap);
    die "snapshot '$snap' of $volname does not exist\n"
        if !grep { $_->{name} eq $snap } @{ $class->volume_info($scfg, $volname)->{snapshots} };
    return 1;
}

sub volume_snapshot_rollback {
    my ($class, $scfg, $storeid, $volname, $snap) = @_;
    my (undef, $name) = $class->parse_volname($volname);
    check_snapname($snap);
    my $group = group_arg($scfg);
    # the guest is stopped; its device may still be there (Proxmox keeps
    # volumes active), and stardm rolls back only inactive volumes
    $class->locked($storeid, $scfg, sub {
        run_stardm('deactivate', $group, $name);
        run_stardm('rollback', $group, $name, $snap);
    });
    return undef;
}

sub volume_snapshot_delete {
    my ($class, $scfg, $storeid, $volname, $snap, $running) = @_;
    my (undef, $name) = $class->parse_volname($volname);
    check_snapname($snap);
    my $group = group_arg($scfg);
    $class->locked($storeid, $scfg, sub {
        run_stardm('deactivate', $group, $name, '--snapshot', $snap)
            if -b $class->filesystem_path($scfg, $volname, $snap);
        run_stardm('delete-snapshot', $group, $name, $snap);
    });
    return undef;
}

sub rename_snapshot {
    my ($class, $scfg, $storeid, $volname, $source_snap, $target_snap) = @_;
    die "renaming snapshots is not supported by stardm\n";
}

# --- export and import (raw+size) ---------------------------------------------

sub volume_export_formats {
    my ($class, $scfg, $storeid, $volname, $snapshot, $base_snapshot, $with_snapshots) = @_;
    return () if $with_snapshots || defined($base_snapshot);
    return ('raw+size');
}

sub volume_import_formats {
    my ($class, $scfg, $storeid, $volname, $snapshot, $base_snapshot, $with_snapshots) = @_;
    return () if $with_snapshots || defined($base_snapshot);
    return ('raw+size');
}

# Activate for the duration of fn when the volume is not active already.
sub with_active {
    my ($class, $storeid, $scfg, $volname, $snap, $fn) = @_;
    my $path = $class->filesystem_path($scfg, $volname, $snap);
    my $was = -b $path;
    $class->activate_volume($storeid, $scfg, $volname, $snap) if !$was;
    my $res = eval { $fn->($path) };
    my $err = $@;
    eval { $class->deactivate_volume($storeid, $scfg, $volname, $snap) } if !$was;
    die $err if $err;
    return $res;
}

sub volume_export {
    my ($class, $scfg, $storeid, $fh, $volname, $format, $snapshot, $base_snapshot, $with_snapshots)
        = @_;
    die "volume export format $format not available for stardm\n" if $format ne 'raw+size';
    die "cannot export volumes together with their snapshots\n" if $with_snapshots;
    die "cannot export an incremental stream\n" if defined($base_snapshot);
    my $v = $class->volume_info($scfg, $volname);
    my $size = $v->{size};
    if (defined($snapshot)) {
        my ($s) = grep { $_->{name} eq $snapshot } @{ $v->{snapshots} };
        die "snapshot '$snapshot' of $volname does not exist\n" if !$s;
        $size = $s->{size};
    }
    $class->with_active($storeid, $scfg, $volname, $snapshot, sub {
        my ($path) = @_;
        sysopen(my $dev, $path, O_RDONLY) or die "cannot open $path: $!\n";
        PVE::Storage::Plugin::write_common_header($fh, $size);
        copy_stream($dev, $fh, $size, 0);
        close($dev);
    });
    return;
}

sub volume_import {
    my ($class, $scfg, $storeid, $fh, $volname, $format, $snapshot, $base_snapshot,
        $with_snapshots, $allow_rename) = @_;
    die "volume import format $format not available for stardm\n" if $format ne 'raw+size';
    die "cannot import volumes together with their snapshots\n" if $with_snapshots;
    die "cannot import an incremental stream\n" if defined($base_snapshot);
    my (undef, $name, $vmid, undef, undef, $isBase) = $class->parse_volname($volname);
    die "importing a template is not supported; import as vm-$vmid-... and convert it\n" if $isBase;
    my $size = PVE::Storage::Plugin::read_common_header($fh);
    my $kib = int(($size + 1023) / 1024);
    my $new = $class->locked($storeid, $scfg, sub {
        my $exists = grep { $_->{name} eq $name } @{ volumes($scfg, undef, $vmid) };
        if ($exists) {
            die "volume $volname already exists\n" if !$allow_rename;
            warn "volume $volname already exists - importing with a different name\n";
            return $class->alloc_image($storeid, $scfg, $vmid, 'raw', undef, $kib);
        }
        return $class->alloc_image($storeid, $scfg, $vmid, 'raw', $name, $kib);
    });
    eval {
        $class->with_active($storeid, $scfg, $new, undef, sub {
            my ($path) = @_;
            sysopen(my $dev, $path, O_WRONLY) or die "cannot open $path: $!\n";
            copy_stream($fh, $dev, $size, 1);
            close($dev) or die "writing $path failed: $!\n";
        });
    };
    if (my $err = $@) {
        eval { $class->locked($storeid, $scfg, sub { $class->free_image($storeid, $scfg, $new, 0) }) };
        warn $@ if $@;
        die $err;
    }
    return "$storeid:$new";
}

# Copy exactly $size bytes.  With $sparse, all-zero 64 KiB blocks are skipped
# rather than written: a new thin volume reads zeros there already, and
# writing them would provision space for nothing.
sub copy_stream {
    my ($in, $out, $size, $sparse) = @_;
    my $zero = "\0" x 65536;
    my $left = $size;
    while ($left > 0) {
        my $want = $left < 1048576 ? $left : 1048576;
        my $buf = '';
        while (length($buf) < $want) {
            my $n = sysread($in, $buf, $want - length($buf), length($buf));
            die "read failed: $!\n" if !defined($n);
            die "stream ended " . ($left - length($buf)) . " bytes early\n" if $n == 0;
        }
        for (my $off = 0; $off < length($buf); $off += 65536) {
            my $piece = substr($buf, $off, 65536);
            if ($sparse && $piece eq substr($zero, 0, length($piece))) {
                sysseek($out, length($piece), SEEK_CUR) or die "seek failed: $!\n";
                next;
            }
            for (my $done = 0; $done < length($piece);) {
                my $n = syswrite($out, $piece, length($piece) - $done, $done);
                die "write failed: $!\n" if !defined($n);
                $done += $n;
            }
        }
        $left -= $want;
    }
    return;
}

1;
