# Helpers for scripts run inside the test VM: . /usr/local/bin/lib.sh
# Counts checks and prints "N passed, N failed" from vm_done.
VM_PASS=0
VM_FAIL=0
check() { # check DESCRIPTION COMMAND...: passes when COMMAND succeeds
	_d=$1; shift
	if "$@" >/tmp/check.out 2>&1; then VM_PASS=$((VM_PASS + 1)); echo "ok   $_d"
	else VM_FAIL=$((VM_FAIL + 1)); echo "FAIL $_d"; sed 's/^/     /' /tmp/check.out | tail -5; fi
}
failure_status() { # a documented failure exit status (stardm(8)): 1, or 3 to 12
	case $1 in 1|3|4|5|6|7|8|9|10|11|12) return 0;; *) return 1;; esac
}
check_fails() { # check_fails DESCRIPTION COMMAND...: passes when COMMAND fails with one stardm: line
	_d=$1; shift
	"$@" >/tmp/check.out 2>/tmp/check.err; rc=$?
	if failure_status $rc && [ "$(wc -l </tmp/check.err)" = 1 ] && grep -q '^stardm: ' /tmp/check.err; then
		VM_PASS=$((VM_PASS + 1)); echo "ok   $_d: $(cat /tmp/check.err)"
	else VM_FAIL=$((VM_FAIL + 1)); echo "FAIL $_d (exit $rc)"; cat /tmp/check.err; fi
}
same() { # same A B: both non-empty and equal (an empty value never matches)
	[ -n "$1" ] && [ -n "$2" ] && [ "$1" = "$2" ] || { echo "got '$1', want '$2'"; return 1; }
}
differ() { # differ A B: both non-empty and different
	[ -n "$1" ] && [ -n "$2" ] && [ "$1" != "$2" ] || { echo "got '$1' and '$2'"; return 1; }
}
dm_running() { # dm_running NAME: the device exists and is not suspended
	dmsetup info "$1" >/tmp/dm_info.out 2>&1 || { cat /tmp/dm_info.out; return 1; }
	grep -qE '^State: +ACTIVE$' /tmp/dm_info.out || { cat /tmp/dm_info.out; return 1; }
}
vm_done() { echo "vm: $VM_PASS passed, $VM_FAIL failed"; [ $VM_FAIL = 0 ]; }
