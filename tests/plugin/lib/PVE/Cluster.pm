package PVE::Cluster;

# TEST STAND-IN, not Proxmox code: the one function of PVE::Cluster
# (pve-cluster, src/PVE/Cluster.pm) the stardm plugin calls.  The real
# get_members() returns pmxcfs's view of corosync membership,
# { NODENAME => { online => 0|1, ... }, ... }; here it is read from
# $ENV{STANDIN_MEMBERS} ("a:1,b:0": node a online, b offline) so tests can
# say which nodes the cluster sees.

use strict;
use warnings;

sub get_members {
    my $spec = $ENV{STANDIN_MEMBERS} // return undef;
    my %members;
    for my $m (split(/,/, $spec)) {
        my ($node, $online) = split(/:/, $m);
        $members{$node} = { online => $online ? 1 : 0 };
    }
    return \%members;
}

1;
