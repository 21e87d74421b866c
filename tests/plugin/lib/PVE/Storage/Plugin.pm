package PVE::Storage::Plugin;

# STAND-IN for tests only: pve-storage is not packaged in Debian.  It keeps
# the real base class's interface (pve-storage src/PVE/Storage/Plugin.pm,
# read at version 9.1.7) for what StarDMPlugin inherits or calls:
#   - register(): the schema checks PVE::SectionConfig makes of a plugin's
#     type, plugindata, properties and options;
#   - cluster_lock_storage($class, $storeid, $shared, $timeout, $func, @param):
#     here an flock on a file in $ENV{STANDIN_LOCK_DIR} (the real one uses
#     pmxcfs for shared storage, a local flock otherwise); it records that
#     the lock was held so tests can check metadata changes happen under it;
#   - write_common_header / read_common_header: the raw+size stream header
#     (8 bytes, little-endian size), byte for byte as the real ones.
# Nothing here stands in for stardm or the kernel.

use strict;
use warnings;

use Fcntl qw(:flock);

our $LOCK_HELD = 0;       # depth of cluster_lock_storage, for the tests
our %REGISTERED;

# properties every storage type has (a subset of the real defaultData)
my %BASE_PROPERTIES = map { $_ => 1 } qw(type storage nodes content disable shared bwlimit format);
# properties of the built-in plugins, which every plugin may list in its
# options (SectionConfig keeps one property list for all types): the ZFS
# plugin's "sparse"
my %BUILTIN_PROPERTIES = map { $_ => 1 } qw(sparse);

sub register {
    my ($class) = @_;
    my $type = $class->type();
    die "plugin $class: no type\n" if !defined($type) || $type !~ /^[a-z][a-z0-9]*$/;
    die "plugin type '$type' already registered\n" if $REGISTERED{$type};
    my $pd = $class->plugindata();
    die "plugin $class: plugindata content must be [ {types}, {defaults} ]\n"
        if ref($pd->{content}) ne 'ARRAY' || @{ $pd->{content} } != 2;
    my $props = $class->properties();
    for my $p (keys %$props) {
        die "property '$p' of $class has no description\n" if !$props->{$p}->{description};
        die "property '$p' of $class has no type\n" if !$props->{$p}->{type};
        die "property '$p' of $class clashes with a base property\n" if $BASE_PROPERTIES{$p};
        die "property '$p' of $class clashes with a built-in plugin's\n"
            if $BUILTIN_PROPERTIES{$p};
    }
    my $opts = $class->options();
    for my $o (keys %$opts) {
        die "option '$o' of $class is not a known property\n"
            if !$BASE_PROPERTIES{$o} && !$BUILTIN_PROPERTIES{$o} && !$props->{$o};
        my $kind = join(',', sort keys %{ $opts->{$o} });
        die "option '$o' of $class must be fixed or optional\n"
            if $kind ne 'fixed' && $kind ne 'optional';
    }
    $REGISTERED{$type} = $class;
    return;
}

sub cluster_lock_storage {
    my ($class, $storeid, $shared, $timeout, $func, @param) = @_;
    my $dir = $ENV{STANDIN_LOCK_DIR} // '/tmp';
    open(my $fh, '>>', "$dir/pve-storage-$storeid.lock") or die "lock file: $!\n";
    flock($fh, LOCK_EX) or die "flock: $!\n";
    local $LOCK_HELD = $LOCK_HELD + 1;
    local $ENV{STANDIN_LOCK_HELD} = $LOCK_HELD;   # seen by the tests' stardm wrapper
    my $res = eval { $func->(@param) };
    my $err = $@;
    close($fh);
    die $err if $err;
    return $res;
}

sub write_common_header($$) {
    my ($fh, $image_size_in_bytes) = @_;
    syswrite($fh, pack("Q<", $image_size_in_bytes), 8);
}

sub read_common_header($) {
    my ($fh) = @_;
    sysread($fh, my $size, 8);
    $size = unpack('Q<', $size);
    die "import: no size found in export header, aborting.\n" if !defined($size);
    return $size;
}

1;
