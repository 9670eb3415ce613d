# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by tools/test, tools/demo and the test tiers' shell drivers.
# Result lines follow automake's format: "PASS: name", "FAIL: name", "SKIP: name".

fo_topdir=$(cd "$(dirname "$0")/.." && pwd)
FO_BUILD=${FO_BUILD:-$fo_topdir/build}
FO_CACHE=${FO_CACHE:-/var/cache/failoverd-test}

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

need_root() {
	[ "$(id -u)" = 0 ] || die "run as root (it installs packages and creates network namespaces)"
}

# Configure (once) and build the tree out of source in $FO_BUILD.
fo_build() {
	cd "$fo_topdir" || exit 1
	if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
		autoreconf -fi >/dev/null 2>&1 || autoreconf -fi || die "autoreconf failed"
	fi
	mkdir -p "$FO_BUILD"
	if [ ! -f "$FO_BUILD/Makefile" ] || [ configure -nt "$FO_BUILD/Makefile" ]; then
		(cd "$FO_BUILD" && "$fo_topdir/configure" --enable-werror --enable-fault-injection \
			--prefix=/usr --sysconfdir=/etc --localstatedir=/var \
			--with-systemdsystemunitdir=/lib/systemd/system >configure.log 2>&1) ||
			{ tail -30 "$FO_BUILD/configure.log" >&2; die "configure failed"; }
	fi
	make -C "$FO_BUILD" -j"$(nproc)" >"$FO_BUILD/make.log" 2>&1 ||
		{ tail -40 "$FO_BUILD/make.log" >&2; die "build failed"; }
}
