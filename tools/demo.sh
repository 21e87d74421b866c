#!/bin/sh
# make demo: a stardm group on a file-backed 16 GiB sparse LUN.  If the VM
# rig is present and can boot, the demo also runs the volume lifecycle on a
# real kernel (tests/vm/demo.sh); otherwise it shows the metadata side.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
STARDM=$TOP/build/stardm
LUN=${TMPDIR:-/var/tmp}/stardm-demo-lun.img
rm -f "$LUN"
truncate -s 16G "$LUN"
echo "\$ stardm init $LUN --name san1"
"$STARDM" init "$LUN" --name san1
echo "\$ stardm status $LUN"
"$STARDM" status "$LUN"
echo "\$ stardm inspect $LUN"
"$STARDM" inspect "$LUN"
echo "\$ dd if=/dev/zero of=$LUN bs=1M count=1 conv=notrunc   # a stray wipe of the first MiB"
dd if=/dev/zero of="$LUN" bs=1M count=1 conv=notrunc status=none
echo "\$ stardm inspect $LUN   # still readable from copy B, label A named as damaged"
"$STARDM" inspect "$LUN" | head -12
if [ -x "$TOP/tests/vm/demo.sh" ]; then
	"$TOP/tests/vm/demo.sh"
fi
rm -f "$LUN"
