#!/bin/sh
# replay-log against a log written here in the kernel's dm-log-writes
# layout (its super block, entry headers, data, a mark, a discard, a
# flush, a FUA write): the listing, and replays of two ranges onto a file.
# Usage: tests/powercut/selftest.sh REPLAY_LOG   Ends with "N passed, N failed".
set -u
R=${1:?usage: selftest.sh REPLAY_LOG}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
pass=0 fail=0
t() { if "$@"; then pass=$((pass + 1)); echo "ok   $d"; else fail=$((fail + 1)); echo "FAIL $d"; fi; }
python3 - "$W/log" <<'PY'
import struct, sys
S = 512
def entry(sector, count, flags, data=b"", mark=b""):
    head = struct.pack("<QQQQ", sector, count, flags, len(mark) if mark else len(data)) + mark
    return head.ljust(S, b"\0") + data
log = [entry(8, 2, 0, b"A" * 1024), entry(0, 0, 1), entry(8, 1, 4), entry(0, 0, 8, mark=b"hello"),
       entry(1, 1, 2, b"B" * 512)]
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<QQQI", 0x6a736677736872, 1, len(log), S).ljust(S, b"\0"))
    for e in log:
        f.write(e)
PY
printf '0 w 8 2\n1 f 0 0\n2 d 8 1\n3 m 0 0 hello\n4 u 1 1\n' >"$W/want"
"$R" "$W/log" --list >"$W/list"
d="the listing names each entry, its kind, place and mark"; t cmp -s "$W/list" "$W/want"
truncate -s 8K "$W/dev"
# holds SECTOR COUNT BYTE: the file's sectors hold BYTE only (\000 for zeros)
holds() {
	dd if="$W/dev" bs=512 skip="$1" count="$2" 2>/dev/null >"$W/got"
	head -c $(($2 * 512)) /dev/zero | tr '\000' "$3" >"$W/exp"
	cmp -s "$W/got" "$W/exp"
}
"$R" "$W/log" "$W/dev" 0 2
d="the first two entries: the write is there"; t holds 8 2 A
d="  and the FUA write is not yet"; t holds 0 8 '\000'
"$R" "$W/log" "$W/dev" 2 5
d="the rest: the discarded sector reads zeros"; t holds 8 1 '\000'
d="  the sector after it keeps the write"; t holds 9 1 A
d="  the FUA write is there"; t holds 1 1 B
d="  nothing else was written"; t holds 0 1 '\000'
printf 'v=vm-1 s=0000000007\n' | dd of="$W/dev" bs=4096 seek=1 conv=sync,notrunc 2>/dev/null
d="--tags: an untagged block, a tagged one, a zero one"
truncate -s 12K "$W/dev"
t [ "$("$R" --tags "$W/dev" 3 2>&1 | tr '\n' '|')" = "0 other|1 v=vm-1 s=0000000007|2 zero|" ]
printf 'XXXXXXXX' | dd of="$W/log" bs=1 conv=notrunc 2>/dev/null
d="a file that is no log is refused"
t sh -c '! "$0" "$1" --list 2>/dev/null' "$R" "$W/log"
echo "powercut-selftest: $pass passed, $fail failed"
[ "$fail" = 0 ]
