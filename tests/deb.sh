#!/bin/sh
# The Debian packages make deb built (in make check, before this runs):
# names, versions and architectures, what each holds (the udev rules and
# units byte for byte as in udev/), the packaged binary's version, and
# lintian.  Installing, upgrading and purging them on a real node is
# tests/vm/package.sh.  Usage: tests/deb.sh [DEBDIR]
# Ends with "deb: N passed, N failed".
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
D=${1:-$TOP/build/deb}
V=$(make -s -C "$TOP" --no-print-directory version)
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
S=$D/stardm_${V}_$ARCH.deb
P=$D/libpve-storage-stardm-perl_${V}_all.deb
T=$(mktemp -d "${TMPDIR:-/var/tmp}/stardm-deb.XXXXXX")
pass=0 fail=0
check() { d=$1; shift; "$@" >"$T/out" 2>&1 && { pass=$((pass + 1)); echo "ok   $d"; } ||
	{ fail=$((fail + 1)); echo "FAIL $d"; sed 's/^/     /' "$T/out" | tail -30; }; }
field() { dpkg-deb -f "$1" "$2"; }
holds() { dpkg-deb -c "$1" | awk '{ print $6 }' | grep -qx "$2"; }
# same DEB PATH FILE: the package's PATH has FILE's bytes
same() { dpkg-deb --fsys-tarfile "$1" | tar -xOf - ".$2" >"$T/file" && cmp "$T/file" "$3"; }

check "the version is the tree's ($V)" [ -n "$V" ]
check "stardm_${V}_$ARCH.deb was built" [ -f "$S" ]
check "libpve-storage-stardm-perl_${V}_all.deb was built" [ -f "$P" ]
check "stardm: version and architecture" \
	[ "$(field "$S" Version) $(field "$S" Architecture)" = "$V $ARCH" ]
check "the plugin: version and architecture all" \
	[ "$(field "$P" Version) $(field "$P" Architecture)" = "$V all" ]
check "the plugin depends on stardm of its own version" \
	sh -c "dpkg-deb -f '$P' Depends | grep -qF 'stardm (>= $V)'"
check "stardm depends on the libraries it links (shlibs)" \
	sh -c "dpkg-deb -f '$S' Depends | grep -q libdevmapper && dpkg-deb -f '$S' Depends | grep -q liburing"
for f in /usr/sbin/stardm /usr/share/man/man8/stardm.8.gz /usr/share/doc/stardm/copyright \
	/usr/share/doc/stardm/udev.md.gz /usr/share/doc/stardm/proxmox.md.gz; do
	check "stardm holds $f" holds "$S" ".$f"
done
check "stardm: 09-stardm-flags.rules as in udev/" same "$S" /lib/udev/rules.d/09-stardm-flags.rules "$TOP/udev/09-stardm-flags.rules"
check "stardm: 56-stardm.rules as in udev/" same "$S" /lib/udev/rules.d/56-stardm.rules "$TOP/udev/56-stardm.rules"
check "stardm: 69-stardm-lun.rules as in udev/" same "$S" /lib/udev/rules.d/69-stardm-lun.rules "$TOP/udev/69-stardm-lun.rules"
for u in stardm-monitor@.service stardm-autoactivate@.service; do
	check "stardm: $u as in udev/" same "$S" "/lib/systemd/system/$u" "$TOP/udev/$u"
done
check "the plugin holds StarDMPlugin.pm as in plugin/" same "$P" \
	/usr/share/perl5/PVE/Storage/Custom/StarDMPlugin.pm "$TOP/plugin/PVE/Storage/Custom/StarDMPlugin.pm"
# files() DEB: its files, directories left out, one per line
files() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { print $6 }' | sort | tr '\n' ' '; }
check "the plugin package holds the plugin, its copyright and changelog, nothing else" \
	[ "$(files "$P")" = "./usr/share/doc/libpve-storage-stardm-perl/changelog.gz ./usr/share/doc/libpve-storage-stardm-perl/copyright ./usr/share/perl5/PVE/Storage/Custom/StarDMPlugin.pm " ]
check "the packaged binary reports the version" sh -c \
	"dpkg-deb --fsys-tarfile '$S' | tar -xOf - ./usr/sbin/stardm >'$T/stardm' && chmod +x '$T/stardm' && [ \"\$('$T/stardm' --version)\" = 'stardm $V' ]"
check "lintian: no error, no warning" lintian --fail-on error,warning "$D"/*.changes
rm -rf "$T"
echo "deb: $pass passed, $fail failed"
[ "$fail" = 0 ]
