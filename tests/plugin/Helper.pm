package Helper;

# Shared setup for the plugin tests: the plugin loaded against the PVE
# stand-in (lib/), and a stardm wrapper that logs every call (with whether
# the storage lock was held) and then runs the real stardm with the group
# name replaced by a file-backed LUN, since on the host the group cannot be
# found by name (no block device to scan).

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);

my $here = dirname(abs_path(__FILE__));
our $TOP = abs_path("$here/../..");

sub setup {
    my (%o) = @_;
    my $dir = tempdir(CLEANUP => 1);
    $ENV{STANDIN_LOCK_DIR} = $dir;
    my $stardm = abs_path($ENV{STARDM} // "$TOP/build/stardm");
    my $lun = "$dir/lun.img";
    my $log = "$dir/calls.log";
    open(my $w, '>', "$dir/stardm") or die;
    print $w <<"SH";
#!/bin/sh
echo "\${STANDIN_LOCK_HELD:-0} \$*" >>'$log'
cmd=\$1; shift
if [ \$# -gt 0 ]; then shift; exec '$stardm' "\$cmd" '$lun' "\$@"; fi
exec '$stardm' "\$cmd"
SH
    close($w);
    chmod(0755, "$dir/stardm");
    if ($o{lun}) {
        system('truncate', '-s', $o{lun}, $lun) == 0 or die "truncate failed\n";
        system($stardm, 'init', $lun, '--name', 'g1') == 0 or die "stardm init failed\n";
    }
    require PVE::Storage;
    PVE::Storage::load_custom_plugin('PVE::Storage::Custom::StarDMPlugin');
    $PVE::Storage::Custom::StarDMPlugin::STARDM = "$dir/stardm";
    return { dir => $dir, log => $log, lun => $lun, stardm => $stardm };
}

# The calls logged since the last call: [ [lock_held, args...], ... ]
sub calls {
    my ($t) = @_;
    my @calls;
    if (open(my $fh, '<', $t->{log})) {
        @calls = map { chomp; [split / /] } <$fh>;
        close($fh);
    }
    unlink($t->{log});
    return @calls;
}

1;
