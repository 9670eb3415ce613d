# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by tests/netns/test-ctl-* and test-daemon-*: run the real failoverd
# in a fresh network namespace (unshare -n: only lo, so the engine has
# nothing to change) with a temporary runtime directory, and clean up on exit.
# Source it; it sets FOD_BIN, FOD_CTL, FOD_TMP and defines fod_start/fod_stop.

set -u
: "${FO_BUILD:?FO_BUILD must point at the build tree}"
: "${top_srcdir:?top_srcdir must point at the source tree}"
FOD_BIN=$FO_BUILD/src/failoverd
FOD_CTL=$FO_BUILD/src/failoverctl
FOD_PY="python3 $top_srcdir/tests/netns/ctl-client.py"
FOD_PID=

fod_skip() { echo "SKIP: $*"; exit 77; }
fod_fail() { echo "FAIL: $*"; [ -n "${FOD_LOG:-}" ] && [ -f "$FOD_LOG" ] && sed 's/^/    daemon: /' "$FOD_LOG"; exit 1; }
fod_ok() { echo "ok: $*"; }

[ "$(id -u)" = 0 ] || fod_skip "needs root (namespaces, setpriv, root-owned runtime dir)"
[ -x "$FOD_BIN" ] && [ -x "$FOD_CTL" ] || fod_skip "failoverd/failoverctl not built in $FO_BUILD"
command -v unshare >/dev/null && command -v setpriv >/dev/null || fod_skip "util-linux unshare/setpriv missing"
unshare -n true 2>/dev/null || fod_skip "cannot create a network namespace here"

FOD_TMP=$(mktemp -d /tmp/fod-test.XXXXXX) || exit 1
chmod 0755 "$FOD_TMP"
FOD_RT=$FOD_TMP/run
FOD_LOG=$FOD_TMP/daemon.log
FOD_CONF=$FOD_TMP/failoverd.conf
printf "metrics_file = %s/metrics.prom\n" "$FOD_TMP" >"$FOD_CONF"

fod_cleanup() {
	fod_stop
	rm -rf "$FOD_TMP"
}
trap fod_cleanup EXIT
trap 'exit 1' INT TERM

# fod_start [extra failoverd args...]: start and wait (10 s max) until it answers status.
fod_start() {
	: >"$FOD_LOG"
	unshare -n -- "$FOD_BIN" --config "$FOD_CONF" --runtime-dir "$FOD_RT" --log-level debug "$@" \
		2>>"$FOD_LOG" &
	FOD_PID=$!
	for _ in $(seq 100); do
		if ! kill -0 "$FOD_PID" 2>/dev/null; then
			wait "$FOD_PID"
			FOD_RC=$?
			FOD_PID=
			return 1
		fi
		grep -q 'ready: initial plan applied' "$FOD_LOG" && return 0
		sleep 0.1
	done
	fod_fail "failoverd did not become ready within 10 s"
}

fod_stop() {
	[ -n "${FOD_PID:-}" ] || return 0
	kill -TERM "$FOD_PID" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$FOD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$FOD_PID" 2>/dev/null
	wait "$FOD_PID" 2>/dev/null
	FOD_PID=
}

fod_switches() {
	awk '/^voluntary_ctxt_switches|^nonvoluntary_ctxt_switches/ { s += $2 } END { print s }' \
		"/proc/$1/status"
}

fod_fds() { ls "/proc/$1/fd" | wc -l; }
fod_rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
