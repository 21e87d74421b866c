package PVE::Storage;

# STAND-IN for tests only: pve-storage is not packaged in Debian.  This is
# the smallest faithful copy of what StarDMPlugin touches in the real
# PVE::Storage (pve-storage src/PVE/Storage.pm): the API version constants
# and the custom-plugin load check.  The version comes from the environment
# so the tests can play PVE 8 (APIVER 10/11, APIAGE 1/2) and PVE 9 (12-15).

use strict;
use warnings;

use constant APIVER => $ENV{STANDIN_PVE_APIVER} // 15;
use constant APIAGE => $ENV{STANDIN_PVE_APIAGE} // 6;

# What pve-storage does for each file under PVE/Storage/Custom: require it,
# check it derives from PVE::Storage::Plugin and that
# APIVER - APIAGE <= api() <= APIVER, then register it.  Dies with the
# message pve-storage would log.
sub load_custom_plugin {
    my ($modname) = @_;
    (my $file = "$modname.pm") =~ s!::!/!g;
    require $file;
    die "not derived from PVE::Storage::Plugin\n" if !$modname->isa('PVE::Storage::Plugin');
    die "does not provide an api() method\n" if !$modname->can('api');
    my $version = $modname->api();
    die "implements an API version newer than current ($version > " . APIVER . ")\n"
        if $version > APIVER;
    my $min_version = APIVER - APIAGE;
    die "API version too old, please update the plugin ($version < $min_version)\n"
        if $version < $min_version;
    $modname->register();
    return $version;
}

1;
