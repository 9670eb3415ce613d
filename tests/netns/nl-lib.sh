# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by tests/netns/test-nl-*: a private network namespace, the driver,
# and a comparison of the driver's view with `ip -j -d link` (the truth).
# Every namespace and interface is named fon-* and removed on exit.

set -u

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*"; }

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
command -v ip >/dev/null || skip "no iproute2"
command -v python3 >/dev/null || skip "no python3"
command -v jq >/dev/null || skip "no jq"
: "${FO_BUILD:?FO_BUILD (the build tree) must be set}"
DRIVER=$FO_BUILD/tests/netns/nl-driver
FORGE=$FO_BUILD/tests/netns/nl-forge
[ -x "$DRIVER" ] || fail "$DRIVER not built (run make)"

NS=fon-$(basename "$0" | sed 's/^test-nl-//')-$$
WORK=$(mktemp -d /tmp/fon-test.XXXXXX)
BG_PIDS=

cleanup() {
	local p
	for p in $BG_PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NS" || fail "cannot create netns $NS"
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip link set lo up

# wait_for FILE REGEX [SECONDS]: until a line of FILE matches (bounded).
wait_for() {
	local file=$1 re=$2 secs=${3:-10} i
	for ((i = 0; i < secs * 20; i++)); do
		grep -qE "$re" "$file" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "--- $file:" >&2
	tail -20 "$file" >&2
	fail "timed out after ${secs} s waiting for /$re/ in $(basename "$file")"
}

# compare_links FILE PREFIX: the driver's "PREFIX {json}" lines must describe
# exactly the links `ip -j -d link` shows in the namespace, field by field.
compare_links() {
	local file=$1 prefix=$2
	in_ns ip -j -d link show >"$WORK/ip.json" || fail "ip -j link failed"
	in_ns ip -j addr show >"$WORK/addr.json" || fail "ip -j addr failed"
	python3 - "$file" "$prefix" "$WORK/ip.json" "$WORK/addr.json" <<'EOF'
import json, sys
drv_file, prefix, ip_file, addr_file = sys.argv[1:]
drv = {}
for line in open(drv_file):
    if line.startswith(prefix + " "):
        o = json.loads(line[len(prefix) + 1:])
        drv[o["ifindex"]] = o
ip = {o["ifindex"]: o for o in json.load(open(ip_file))}
addrs = {o["ifindex"]: o.get("addr_info", []) for o in json.load(open(addr_file))}
errors = []
if set(drv) != set(ip):
    errors.append("ifindexes differ: driver %s, ip %s" % (sorted(drv), sorted(ip)))
def has_global(infos):
    for a in infos:
        if a.get("scope") in ("link", "host"):
            continue
        if a["family"] == "inet" and a["local"].startswith("169.254."):
            continue
        if a["family"] == "inet6" and a["local"].lower().startswith("fe80"):
            continue
        return True
    return False
for i in sorted(set(drv) & set(ip)):
    d, t = drv[i], ip[i]
    li = t.get("linkinfo", {})
    want = {
        "name": t["ifname"],
        "mtu": t["mtu"],
        "master": ip[[k for k in ip if ip[k]["ifname"] == t["master"]][0]]["ifindex"] if "master" in t else 0,
        "mac": t.get("address", "00:00:00:00:00:00") if len(t.get("address", "")) == 17 else "00:00:00:00:00:00",
        "up": "UP" in t["flags"],
        "kind": li.get("info_kind", ""),
        "slave_kind": li.get("info_slave_kind", ""),
        "alias": t.get("ifalias", ""),
        "min_mtu": t.get("min_mtu", 0),
        "max_mtu": t.get("max_mtu", 0),
        "has_addresses": has_global(addrs.get(i, [])),
        "perm_mac": t.get("permaddr"),
    }
    if "UP" in t["flags"]:
        want["carrier"] = "LOWER_UP" in t["flags"]
    got = dict(d)
    got["up"] = bool(d["flags"] & 1)
    for k, v in want.items():
        if got.get(k) != v:
            errors.append("%s (ifindex %d): %s is %r, ip says %r" % (t["ifname"], i, k, got.get(k), v))
for e in errors:
    print("MISMATCH: " + e)
print("# compared %d links" % len(ip))
sys.exit(1 if errors else 0)
EOF
}

# json_field FILE PREFIX FIELD: FIELD of the last "PREFIX {json}" line.
# (jq, not python: these run often and python's start-up dominates on a busy host)
json_field() {
	grep "^$2 " "$1" | tail -1 | cut -d' ' -f2- | jq -r ".$3"
}

# start_in_ns CMD...: run CMD in the namespace in the background (the
# caller redirects); its pid is in $BG_PID and is killed on exit.
start_in_ns() {
	ip netns exec "$NS" "$@" &
	BG_PID=$!
	BG_PIDS="$BG_PIDS $BG_PID"
}

# stop_bg PID: SIGTERM and wait; returns the exit status.
stop_bg() {
	local rc
	kill -TERM "$1"
	wait "$1"
	rc=$?
	BG_PIDS=$(echo "$BG_PIDS" | sed "s/\b$1\b//")
	return $rc
}
