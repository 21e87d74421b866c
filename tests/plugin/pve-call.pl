#!/usr/bin/perl
# pve-call METHOD VOLNAME [VMID]: one method of the plugin, called on a node the
# way qemu-server calls it (tests/vm/handover.sh drives live migrations with it).
#   activate    activate_volume (PVE_MIGRATED_FROM is passed through), prints the path
#   deactivate  deactivate_volume
#   create_base create_base (a template's disk), prints its new volume name
#   clone       clone_image of a template's disk for VM VMID, prints the clone's
# A failure prints the plugin's error line and exits 1.
use strict;
use warnings;
use PVE::Storage;

my ($method, $volname, $vmid) = @ARGV;
die "usage: pve-call activate|deactivate|create_base VOLNAME | clone VOLNAME VMID\n" if !$volname;
my $P = 'PVE::Storage::Custom::StarDMPlugin';
PVE::Storage::load_custom_plugin($P);
{
    no warnings 'once';
    $PVE::Storage::Custom::StarDMPlugin::STARDM = $ENV{STARDM_BIN} if $ENV{STARDM_BIN};
}
my $scfg = { type => 'stardm', group => 'san1', shared => 1, content => { images => 1 } };
eval {
    if ($method eq 'activate') {
        $P->activate_volume('san1', $scfg, $volname, undef, {});
        print $P->filesystem_path($scfg, $volname), "\n";
    } elsif ($method eq 'deactivate') {
        $P->deactivate_volume('san1', $scfg, $volname, undef, {});
    } elsif ($method eq 'create_base') {
        print $P->create_base('san1', $scfg, $volname), "\n";
    } elsif ($method eq 'clone') {
        print $P->clone_image($scfg, 'san1', $volname, $vmid), "\n";
    } else {
        die "pve-call: unknown method '$method'\n";
    }
};
if ($@) {
    print STDERR $@;
    exit 1;
}
