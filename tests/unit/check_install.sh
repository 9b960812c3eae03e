#!/bin/sh
# Tests 'install' and 'systemd-unit': `meson install` into a temporary
# DESTDIR puts there everything a node needs (programs, libcpg.so.4, headers,
# pc file, every man page of docs/man, the example configuration, the
# systemd unit); the installed ringcastd accepts the installed example
# (--test-config); `systemd-analyze verify` finds nothing wrong with the
# installed unit (its paths resolved under DESTDIR; its man pages looked up
# in DESTDIR). systemd-unit skips (77) where systemd-analyze is missing.
# Usage: check_install.sh install|systemd-unit BUILD_ROOT SOURCE_ROOT
# SPDX-License-Identifier: BSD-3-Clause
set -u
mode=$1 build=$2 src=$3
fail=0
bad() { echo "check_install: $*" >&2; fail=1; }

if [ "$mode" = systemd-unit ] && [ ! -x "$build/control/ringcastd" ]; then
	echo "SKIP: ringcastd is not built here (no DPDK or libqb): no unit is installed"
	exit 77
fi
if [ "$mode" = systemd-unit ] && ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze is not installed (Debian package systemd); the unit is not verified"
	exit 77
fi

dest=$(mktemp -d /tmp/rc-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT
if ! out=$(meson install -C "$build" --destdir "$dest" --no-rebuild 2>&1); then
	echo "$out" >&2
	echo "check_install: meson install failed" >&2
	exit 1
fi

# one installed file whose path ends in $1, or nothing
find_one() {
	find "$dest" -path "*/$1" 2>/dev/null | head -n 1
}
need() {
	f=$(find_one "$1")
	[ -n "$f" ] || bad "not installed: */$1"
}

if [ "$mode" = install ]; then
	need bin/ringcastctl
	need bin/ringcast-gen
	[ ! -x "$build/tools/ringcast-keygen" ] || need sbin/ringcast-keygen
	[ ! -x "$build/control/ringcastd" ] || need sbin/ringcastd
	need libcpg.so.4
	need libcpg.so
	need pkgconfig/libcpg.pc
	need include/corosync/cpg.h
	need include/corosync/corotypes.h
	need include/ringcast/cpg_ext.h
	if [ -x "$build/control/ringcastd" ]; then
		need etc/ringcast/ringcast.conf
		need systemd/system/ringcastd.service
	fi
	n=0
	for p in "$src"/docs/man/*.[1-8]; do
		n=$((n + 1))
		sec=${p##*.}
		need "share/man/man$sec/$(basename "$p")"
	done
	[ "$n" -ge 25 ] || bad "only $n man pages in docs/man"
	d=$(find_one sbin/ringcastd)
	c=$(find_one etc/ringcast/ringcast.conf)
	if [ -n "$d" ] && [ -n "$c" ]; then
		"$d" --test-config -c "$c" || bad "the installed ringcastd rejects the installed example"
	fi
	[ "$fail" -eq 0 ] && echo "check_install: everything a node needs is installed ($n man pages)"
	exit $fail
fi

unit=$(find_one systemd/system/ringcastd.service)
[ -n "$unit" ] || { echo "check_install: no ringcastd.service installed" >&2; exit 1; }
exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
[ -x "$dest$exe" ] || { echo "check_install: ExecStart $exe is not installed" >&2; exit 1; }
mandir=$(dirname "$(dirname "$(find_one man8/ringcastd.8)")")
# the unit as installed, its program looked up in DESTDIR
mkdir -p "$dest/verify"
sed "s|^ExecStart=$exe|ExecStart=$dest$exe|" "$unit" >"$dest/verify/ringcastd.service"
if ! out=$(MANPATH=$mandir systemd-analyze verify "$dest/verify/ringcastd.service" 2>&1) ||
   [ -n "$out" ]; then
	echo "$out" >&2
	bad "systemd-analyze verify complains about ringcastd.service"
fi
grep -q '^Type=notify$' "$unit" || bad "the unit is not Type=notify"
[ "$fail" -eq 0 ] && echo "check_install: systemd-analyze verify: ringcastd.service clean"
exit $fail
