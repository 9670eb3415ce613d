# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the tests/pkg/test-* scripts (sourced).  Exit 0 = pass,
# 77 = skip (the last line printed says why), anything else = fail.

set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
FO_BUILD=${FO_BUILD:-$top_srcdir/build}
FO_CACHE=${FO_CACHE:-/var/cache/failoverd-test}

say() { printf '%s\n' "$*"; }
skip() { say "SKIP: $*"; exit 77; }
fail() { say "FAIL: $*"; exit 1; }
need() { for c; do command -v "$c" >/dev/null 2>&1 || skip "$c not installed (tools/deps pkg)"; done; }
need_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }

# A scratch directory removed on exit (also on failure).
fo_tmp=$(mktemp -d "${TMPDIR:-/tmp}/fo-pkg.XXXXXX")
cleanup_hooks=()
fo_cleanup() {
	local h
	for h in "${cleanup_hooks[@]}"; do eval "$h" || true; done
	rm -rf "$fo_tmp"
}
trap fo_cleanup EXIT

# A generated file from the build tree (made by "make all").
built() {
	local f=$FO_BUILD/$1
	[ -f "$f" ] || make -C "$FO_BUILD" "$1" >/dev/null 2>&1 || true
	[ -f "$f" ] || skip "$1 not built (run make in $FO_BUILD)"
	printf '%s\n' "$f"
}

# The value of a make variable of the configured build tree.
make_var() {
	make -s -C "$FO_BUILD" --no-print-directory -f Makefile -f - fo-print-var VAR="$1" <<'MK'
fo-print-var:
	@echo '$($(VAR))'
MK
}

# Path of a program in the build tree ("" when it is not built yet).
prog_path() {
	local c
	for c in "$FO_BUILD/$1" "$FO_BUILD/src/$1"; do
		[ -x "$c" ] && { printf '%s\n' "$c"; return 0; }
	done
	return 1
}

# The three programs the packages ship, if the build tree has them yet.
programs_built() {
	prog_path failoverd >/dev/null && prog_path failoverctl >/dev/null &&
		prog_path failoverd-id >/dev/null
}

# Assert that "$2" equals "$3", printing both sides.
assert_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$3', got '$2'"
}
