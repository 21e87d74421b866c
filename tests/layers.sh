#!/bin/sh
# The layers know only what is below them: tools -> core -> dm -> metadata
# -> base, where base/ (errors, vectors, crc32c, endian helpers, clocks) is
# shared by all and knows nothing of the others.  Every #include "..."
# of every C file is checked against the folder's allowed layers.
# Ends with "layers: N passed, N failed".
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
pass=0 fail=0

# Includes a layer still makes that it should not (none today): the CLI is
# to see only core's headers.  Shrink this list; never add to it.
KNOWN_DEBT=""

allowed() { # allowed LAYER HEADER
	case "$1:$2" in
	tools:core/group_impl.h | tools:core/dm_ops.h) return 1 ;; # core's insides
	base:base/*) return 0 ;;
	metadata:base/* | dm:base/* | core:base/* | tools:base/*) return 0 ;;
	metadata:metadata/*) return 0 ;;
	dm:dm/*) return 0 ;;
	core:core/* | core:dm/* | core:metadata/*) return 0 ;;
	tools:tools/* | tools:core/*) return 0 ;;
	esac
	return 1
}

for f in base/*.[ch] metadata/*.[ch] dm/*.[ch] core/*.[ch] tools/*.[ch]; do
	layer=${f%%/*}
	for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		case $inc in */*) h=$inc ;; *) h=$layer/$inc ;; esac  # "x.h": its own folder
		if allowed "$layer" "$h"; then
			pass=$((pass + 1))
		elif echo "$KNOWN_DEBT" | grep -qxF "$f:$h"; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "FAIL $f includes $h: $layer/ must not know that layer"
		fi
	done
done
# one header per core file, included first: what a file offers is where
# its name says
for f in core/*.c; do
	h=${f%.c}.h
	first=$(sed -n 's/^#include "\([^"]*\)".*/\1/p;/^#include </q' "$f" | head -n 1)
	if [ -f "$h" ] && [ "$first" = "$h" ]; then pass=$((pass + 1))
	else fail=$((fail + 1)); echo "FAIL $f: its own header $h must exist and come first"; fi
done
# the debt list names only includes that still exist (so it can only shrink)
for d in $KNOWN_DEBT; do
	if grep -q "^#include \"${d#*:}\"" "${d%%:*}" 2>/dev/null; then pass=$((pass + 1))
	else fail=$((fail + 1)); echo "FAIL the debt $d is paid: remove it from KNOWN_DEBT"; fi
done
echo "layers: $pass passed, $fail failed"
[ "$fail" = 0 ]
