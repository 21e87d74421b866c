#!/usr/bin/perl
# The plugin loads on every PVE 8 and PVE 9 API level, through the same
# check pve-storage makes (APIVER - APIAGE <= api() <= APIVER), and is
# refused cleanly by an API far in the future.
use strict;
use warnings;
use FindBin;
use Test::More;

my $top = "$FindBin::Bin/../..";
my @inc = ("-I$top/plugin", "-I$FindBin::Bin/lib");

is(system($^X, @inc, '-c', "$top/plugin/PVE/Storage/Custom/StarDMPlugin.pm") >> 8, 0, 'perl -c');

sub load_at {
    my ($ver, $age) = @_;
    local $ENV{STANDIN_PVE_APIVER} = $ver;
    local $ENV{STANDIN_PVE_APIAGE} = $age;
    my $out = qx{$^X @inc -MPVE::Storage -e 'print PVE::Storage::load_custom_plugin("PVE::Storage::Custom::StarDMPlugin")' 2>&1};
    return ($? >> 8, $out);
}

for my $case ([10, 1, 'PVE 8.0-8.3'], [11, 2, 'PVE 8.4'], [12, 3, 'PVE 9.0'], [13, 4, 'PVE 9.1'],
    [15, 6, 'PVE 9 (APIVER 15)'], [17, 8, 'a later PVE 9 (APIVER 17)']) {
    my ($ver, $age, $what) = @$case;
    my ($rc, $out) = load_at($ver, $age);
    my $want = $ver <= 15 ? $ver : 15;
    is("$rc $out", "0 $want", "loads on $what: api() = $want");
}
my ($rc, $out) = load_at(30, 2);
isnt($rc, 0, 'refused by an API whose oldest accepted level is above ours');
like($out, qr/API version too old/, '  ...with pve-storage\'s own message');

done_testing();
