#!/bin/sh
# The VM part of make demo: boots Debian's kernel and runs the lifecycle.
HERE=$(cd "$(dirname "$0")" && pwd)
echo
echo "=== booting Debian's stock kernel under qemu (software emulation, ~15 s) ==="
"$HERE/run-script" "$HERE/demo-guest.sh" 2>&1 | grep -vE '^\[ *[0-9]+\.[0-9]+\]|SeaBIOS|Booting from' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
