# VM suite: the Proxmox plugin's methods drive the real stardm on the real
# kernel (tests/plugin/vm-e2e.pl).  Needs the initramfs built with
# STARDM_VM_PERL=1 (tests/vm/suite does that for this suite).
. /usr/local/bin/lib.sh
check "init" stardm init /dev/vda --name san1
check "perl runs" perl -e 1
STARDM_BIN=$(command -v stardm) STANDIN_LOCK_DIR=/tmp \
	perl -I/usr/local/lib/stardm-perl /usr/local/bin/vm-e2e.pl >/tmp/e2e.out 2>&1
rc=$?
grep -v '^vm: ' /tmp/e2e.out
line=$(grep '^vm: ' /tmp/e2e.out)
VM_PASS=$((VM_PASS + $(echo "$line" | sed -n 's/^vm: \([0-9]*\) passed.*/\1/p')))
VM_FAIL=$((VM_FAIL + $(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')))
check "the plugin test ran to its end (exit $rc)" sh -c "[ -n '$line' ] && [ $rc = 0 ]"
vm_done
