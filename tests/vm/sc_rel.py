# SPDX-License-Identifier: LGPL-2.1-or-later
"""The reliability matrix's guest cases (issue 10), boot group "rel".

  rel-cycles  H4, C5, C6, X2: 20 unplug/replug cycles of the VF, 1 s between
              the steps, with IPv6 on in the guest: no member ever carries an
              address (`ip monitor address` in the guest for the whole run,
              plus a sample each cycle), the aggregate's link-local is never
              dadfailed, GARPs and unsolicited NAs counted on the host taps
              after each switch (tcpdump in the rig's namespace); failoverd's
              RSS and fd count flat, its log lines per cycle bounded.
  rel-flap    H9, X2: the VF's link flapped over QMP set_link every 200 ms
              (bounded count); converges to the VF active, failovers bounded,
              RSS/fds flat, log bounded.
  rel-fault   R2, H3, E3: the fault-injection build of failoverd
              (FAILOVERD_FAULT, staged by mkimage) fails, loses the ACK of,
              or kills the daemon at every step of the enslave transaction;
              after each the pair is torn down and rebuilt, systemd restarts
              a killed daemon (Restart=on-failure), and the guest must
              converge: one aggregate, both members enslaved and up, the
              address on the aggregate, pings answered.

Scenario functions take run.py's module as `h` (Fail, wait_pair_up, ...), as
sc_replug does, so that exceptions and helpers are the ones run.py catches.
"""

import os
import re
import subprocess
import time

from rig import Nic, _child_setup, fmt, now

CYCLES = 20
STEP_PAUSE = 1.0          # seconds between the steps of a cycle
WAIT_EVERY = 5            # every 5th cycle waits for the VF to be active before the unplug
FLAPS = 50                # set_link toggles in rel-flap (25 down, 25 up)
FLAP_PERIOD = 0.2
RSS_SLACK_KB = 512        # RSS growth allowed from the reference sample to the end
LOG_LINES_PER_CYCLE = 15  # failoverd journal lines one unplug/replug may add
LOG_LINES_FLAP = 40       # for the whole flap run (rate limits: a few a minute)
ADDRMON = "/run/fo-rel-addrmon.log"
SB_NAME = "enp1s0nsby"
# The steps of the enslave transaction (src/pairing.c plan_*), in the order
# a rebuild from the "found up" shape runs them, with the request number of
# that kind they are in that rebuild (FAILOVERD_FAULT=<action>#N).
STEPS = [("set_down", 1, "standby down"), ("rename", 1, "standby renamed"),
         ("create", 1, "aggregate created"), ("set_alias", 1, "ownership marker set"),
         ("enslave", 1, "standby enslaved"), ("set_up", 1, "aggregate up"),
         ("set_down", 2, "VF down"), ("set_mac", 1, "VF gets the pair's MAC"),
         ("enslave", 2, "VF enslaved"), ("set_primary", 1, "VF made primary")]
# The default run kills failoverd before every step (a restart after each,
# ~30-60 s a fault under TCG); FO_LONG=1 adds a failed request (EBUSY: the
# same process rolls back and retries) and a lost ACK (5 s timeout) at
# every step.  The engine tests run 12 errors at every step on the fake kernel.
MODES = ["kill"]
MODES_LONG = MODES + ["fail=-EBUSY", "noack"]
ODD_MAC = "52:54:00:12:34:99"
REBUILD_TIMEOUT = 45      # s for failoverd to rebuild the pair after a fault


# --- guest facts -------------------------------------------------------------
SAMPLE = ("p=$(systemctl show -P MainPID failoverd.service); echo pid $p; "
          "echo up $(cut -d' ' -f1 /proc/uptime); "
          "awk '/^VmRSS/ {print \"rss\", $2}' /proc/$p/status; "
          "echo fds $(ls /proc/$p/fd | wc -l); ")


def daemon_sample(h, g, agg=None, log=True):
    """failoverd's PID, RSS (KiB), open fds, the guest's uptime (s), and
    optionally its journal line count and the stray addresses: anything on
    a link other than lo and `agg`, and a dadfailed address on `agg`."""
    cmd = SAMPLE
    if log:
        cmd += "echo log $(journalctl -b -u failoverd.service -o cat --no-pager | wc -l); "
    if agg:
        cmd += ("ip -o addr show | awk '$2 != \"lo\" && $2 != \"%s\" {print \"stray\", $2, $4}'; "
                "ip -o -6 addr show dev %s | grep dadfailed | sed 's/^/stray AGG /'; " % (agg, agg))
    out = g.sh(cmd + "true")
    d = {"stray": []}
    for line in out.splitlines():
        k, _, v = line.partition(" ")
        if k == "stray":
            d["stray"].append(v)
        elif k == "up":
            d["up"] = float(v)
        elif v.strip().isdigit():
            d[k] = int(v)
    for k in ("pid", "rss", "fds", "up") + (("log",) if log else ()):
        if k not in d:
            raise h.Fail("cannot read failoverd's %s in the guest: %r" % (k, out))
    return d


def log_lines_between(g, stamps):
    """failoverd's own journal lines in each interval between consecutive
    guest uptime stamps (journal on CLOCK_MONOTONIC = uptime)."""
    out = g.sh("journalctl -b -u failoverd.service -o short-monotonic --no-pager | "
               "grep -F ' failoverd[' | sed -n 's/^\\[ *\\([0-9.]*\\)\\].*/\\1/p'")
    ts = [float(x) for x in out.split()]
    return [sum(1 for t in ts if a < t <= b) for a, b in zip(stamps, stamps[1:])]


def pair_facts(h, g, vfname):
    """The convergence checks every scenario ends with."""
    agg = h.AGG
    out = g.sh("ls -d /sys/class/net/*/bonding 2>/dev/null | wc -l; "
               "cat /sys/class/net/%s/ifalias; "
               "for m in %s %s; do echo \"$m $(basename \"$(readlink /sys/class/net/$m/master "
               "2>/dev/null)\") $(ip -o link show dev $m 2>/dev/null | "
               "grep -qE '[<,]UP[,>]' && echo UP || echo DOWN)\"; done"
               % (agg, SB_NAME, vfname))
    lines = out.splitlines()
    if len(lines) < 4:
        raise h.Fail("cannot read the pair's state: %r" % out)
    if lines[0].strip() != "1":
        raise h.Fail("%s aggregates in the guest, want exactly one" % lines[0].strip())
    if not lines[1].startswith("failoverd:"):
        raise h.Fail("%s's alias is '%s', not failoverd's marker" % (agg, lines[1]))
    for line in lines[2:4]:
        m, master, up = (line.split() + ["", "", ""])[:3]
        if master != agg:
            raise h.Fail("member %s is enslaved to '%s', not %s" % (m, master, agg))
        if up != "UP":
            raise h.Fail("member %s is left down" % m)
    g.check_members_bare(agg)


# --- host captures ------------------------------------------------------------
class Capture:
    """tcpdump on one tap of the rig's namespace: ARP and ICMPv6 the guest
    sends (rx on a tap = sent by the guest), wall-clock stamped."""

    def __init__(self, rig, tap, path):
        self.path = path
        self.off = time.time() - now()
        self.out = open(path, "w")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", rig.net.name, "tcpdump", "-i", tap, "-Q", "in", "-n", "-l",
             "-tt", "-e", "arp or icmp6"],
            stdout=self.out, stderr=subprocess.DEVNULL, preexec_fn=_child_setup,
            start_new_session=True)
        rig.pingers.append(self)   # Rig.close() ends it with the pingers

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()

    def announcements(self, t0, t1, addr):
        """(GARPs, unsolicited NAs) in [t0, t1) on the harness clock."""
        garp = na = 0
        try:
            with open(self.path, errors="replace") as f:
                lines = f.readlines()
        except OSError:
            return 0, 0
        for line in lines:
            f = line.split(None, 1)
            try:
                t = float(f[0]) - self.off
            except (ValueError, IndexError):
                continue
            if not t0 <= t < t1:
                continue
            if "ARP" in line and re.search(r"(who-has %s tell %s|Reply %s is-at)"
                                           % ((re.escape(addr),) * 3), line):
                garp += 1
            elif "neighbor advertisement" in line and "ff02::1" in line:
                na += 1
        return garp, na


# --- rel-cycles ---------------------------------------------------------------
def start_addrmon(h, g):
    """`ip monitor address` in the guest for the whole run; proven to record
    by an address added to and removed from lo."""
    g.sh("rm -f %s; (ip -ts -o monitor address >%s 2>&1 </dev/null &); sleep 0.5; "
         "ip addr add 127.0.0.42/32 dev lo; ip addr del 127.0.0.42/32 dev lo" % (ADDRMON, ADDRMON))
    if g.vm.shell.wait_true("grep -q 127.0.0.42 %s" % ADDRMON, 10) is None:
        raise h.Fail("ip monitor address in the guest records nothing (canary on lo unseen)")


def addrmon_violations(g, agg):
    """Address additions on anything but lo and the aggregate, and any
    dadfailed on the aggregate, from the guest's `ip monitor address`."""
    out = g.sh("cat %s; pkill -f 'ip -ts -o monitor address'; true" % ADDRMON)
    bad = []
    n = 0
    for line in out.splitlines():
        m = re.search(r"(Deleted )?\d+: (\S+)\s+inet6? (\S+)", line)
        if not m:
            continue
        n += 1
        dev = m.group(2)
        if dev == agg:
            if "dadfailed" in line:
                bad.append(line.strip())
        elif dev != "lo" and not m.group(1):
            bad.append(line.strip())
    return bad, n


def scenario_rel_cycles(run, g, res, h):
    h.check_failoverd(g)
    h.wait_pair_up(g, "bond", 90)
    ipv6 = g.sh("cat /proc/sys/net/ipv6/conf/all/disable_ipv6 2>/dev/null || echo 1") == "0"
    if ipv6:
        start_addrmon(h, g)
    logdir = g.vm.dir   # saved as test-logs/vm/GUEST/rel/rel-*.log
    caps = {tap: Capture(g.rig, tap, os.path.join(logdir, "rel-%s.tcpdump.log" % tap))
            for tap in (g.sb_tap, g.vf_tap)}
    time.sleep(1)   # tcpdump attached
    ref = daemon_sample(h, g, log=False)
    samples = [ref]
    switches = []   # (kind, tap, window start, window end)
    stray = []
    fast = slow = 0
    t_run = now()
    t_prev_add = None
    for i in range(1, CYCLES + 1):
        t_del, t_gone = g.vm.device_del(g.vf.id)
        if t_gone is None:
            raise h.Fail("cycle %d: no DEVICE_DELETED for %s" % (i, g.vf.id))
        if t_prev_add is not None:
            switches[-1] = switches[-1][:3] + (t_del,)
        g.unpin(g.vf_tap)
        time.sleep(STEP_PAUSE)
        g.pin(g.vf_tap)
        g.slot = 3 if g.slot == 2 else 2
        g.vf = Nic("rc%d" % i, "e1000e", h.MAC1, g.vf_tap, "rp%d" % g.slot)
        t_add = g.vm.device_add(g.vf)
        if i == 1 or t_prev_add is not None:
            # The VF was the active member: the unplug is a switch.
            switches.append(("unplug", g.sb_tap, t_del, t_add))
        t_prev_add = None
        if i % WAIT_EVERY != 0:
            # The storm: out again 1 s later, mostly before udev and
            # failoverd are done with it (H4).
            time.sleep(STEP_PAUSE)
            fast += 1
        else:
            # Every 5th: the VF becomes active, a switch to count (C6).
            h.wait_pair_up(g, "bond", 30)
            slow += 1
            time.sleep(STEP_PAUSE)
            switches.append(("replug", g.vf_tap, t_add, None))
            t_prev_add = t_add
        s = daemon_sample(h, g, agg=h.AGG if ipv6 else None, log=False)
        if s["pid"] != ref["pid"]:
            raise h.Fail("cycle %d: failoverd's PID changed %d -> %d (it died)"
                         % (i, ref["pid"], s["pid"]))
        samples.append(s)
        stray += ["cycle %d: %s" % (i, a) for a in s["stray"]]
    t_end = now()
    if t_prev_add is not None:
        switches[-1] = switches[-1][:3] + (t_end,)
    t_up = h.wait_pair_up(g, "bond", 60)
    pair_facts(h, g, "enp%ds0" % g.slot)
    if not g.ping.wait_replies(now(), 20, 30):
        raise h.Fail("no ping replies after the cycles")
    g.wait_stream(g.vf_tap, t_up, 30, "VF after the cycles")
    time.sleep(1)
    for c in caps.values():
        c.close()
    end = daemon_sample(h, g, log=False)
    per_cycle_log = log_lines_between(g, [s["up"] for s in samples])
    # Announcements per switch on the tap that carries the traffic after it.
    counts = [(kind,) + caps[tap].announcements(t0, t1, h.GUEST_ADDR)
              for kind, tap, t0, t1 in switches]
    un = [c for c in counts if c[0] == "unplug"]
    rp = [c for c in counts if c[0] == "replug"]

    def rng(vals):
        return "%d-%d" % (min(vals), max(vals)) if vals else "n/a"

    def zeros(cs, k):
        return sum(1 for c in cs if c[k] == 0)

    ll = g.sh("ip -o -6 addr show dev %s scope link" % h.AGG) if ipv6 else ""
    mon_bad, mon_lines = addrmon_violations(g, h.AGG) if ipv6 else ([], 0)
    rss_ref = samples[min(5, len(samples) - 1)]["rss"]
    res.fig("%d cycles (%d unplugged 1 s after device_add, %d after the VF was active) in %s"
            % (CYCLES, fast, slow, fmt(t_end - t_run)))
    res.fig("RSS %d -> %d KiB (after cycle 5 %d, max %d), fds %d -> %d, log lines per cycle "
            "%s (total %d)"
            % (ref["rss"], end["rss"], rss_ref, max(s["rss"] for s in samples + [end]),
               ref["fds"], end["fds"], rng(per_cycle_log), sum(per_cycle_log)))
    res.fig("GARP/unsolicited NA per switch (min-max, switches with none): to standby %s/%s "
            "(%d/%d of %d), to VF %s/%s (%d/%d of %d)"
            % (rng([c[1] for c in un]), rng([c[2] for c in un]), zeros(un, 1), zeros(un, 2),
               len(un), rng([c[1] for c in rp]), rng([c[2] for c in rp]), zeros(rp, 1),
               zeros(rp, 2), len(rp)))
    if ipv6:
        res.fig("IPv6 on: %d address events recorded, %d on members, %d stray in %d samples, "
                "aggregate LL %s" % (mon_lines, len(mon_bad), len(stray), len(samples) - 1,
                                     "present" if "fe80:" in ll else "MISSING"))
    else:
        res.fig("IPv6 off in the guest: C5 not checked")
    if end["fds"] != ref["fds"]:
        raise h.Fail("failoverd's fd count changed over the cycles: %d -> %d"
                     % (ref["fds"], end["fds"]))
    if end["rss"] > rss_ref + RSS_SLACK_KB:
        raise h.Fail("failoverd's RSS grew %d -> %d KiB after cycle 5 (bound +%d)"
                     % (rss_ref, end["rss"], RSS_SLACK_KB))
    if max(per_cycle_log) > LOG_LINES_PER_CYCLE:
        raise h.Fail("a cycle added %d log lines (bound %d)"
                     % (max(per_cycle_log), LOG_LINES_PER_CYCLE))
    if ipv6:
        if mon_bad or stray:
            raise h.Fail("addresses outside the aggregate: %s"
                         % "; ".join((mon_bad + stray)[:6]))
        if "fe80:" not in ll or "dadfailed" in ll:
            raise h.Fail("the aggregate's link-local is missing or dadfailed: %r" % ll)


# --- rel-flap ---------------------------------------------------------------------
def link_counts(g, vfname):
    """(carrier changes the VF's driver saw, active-slave changes the bond logged)."""
    out = g.sh("cat /sys/class/net/%s/carrier_changes; dmesg | grep -c 'making interface the "
               "new active one' || true" % vfname)
    a, b = out.split()
    return int(a), int(b)


def scenario_rel_flap(run, g, res, h):
    h.check_failoverd(g)
    h.wait_pair_up(g, "bond", 60)
    vfname = "enp%ds0" % g.slot
    st0 = h.ctl_json(g)
    f0 = sum(p.get("failovers", 0) for p in st0.get("pairs", []))
    c0, a0 = link_counts(g, vfname)
    ref = daemon_sample(h, g)
    t0 = now()
    up = True
    for k in range(FLAPS):
        up = not up
        g.vm.qmp.cmd("set_link", name=g.vf.id, up=up)
        nxt = t0 + (k + 1) * FLAP_PERIOD
        time.sleep(max(0.0, nxt - now()))
    if not up:
        g.vm.qmp.cmd("set_link", name=g.vf.id, up=True)
    t_last = now()
    t_up = h.wait_pair_up(g, "bond", 60)
    pair_facts(h, g, vfname)
    if not g.ping.wait_replies(now(), 20, 30):
        raise h.Fail("no ping replies after the flapping")
    g.wait_stream(g.vf_tap, t_last, 30, "VF after the flapping")
    time.sleep(2)
    end = daemon_sample(h, g)
    st1 = h.ctl_json(g)
    f1 = sum(p.get("failovers", 0) for p in st1.get("pairs", []))
    c1, a1 = link_counts(g, vfname)
    downs = FLAPS // 2
    res.fig("%d set_link toggles every %d ms in %s: VF carrier changes +%d, bond active "
            "changes +%d, failoverd failovers +%d; VF active %s after the last; log +%d lines, "
            "RSS %d -> %d KiB, fds %d -> %d"
            % (FLAPS, FLAP_PERIOD * 1000, fmt(t_last - t0), c1 - c0, a1 - a0, f1 - f0,
               fmt(t_up - t_last), end["log"] - ref["log"], ref["rss"], end["rss"], ref["fds"],
               end["fds"]))
    if c1 - c0 < 2:
        raise h.Fail("the flapping never reached the guest (VF carrier changes +%d)" % (c1 - c0))
    if end["pid"] != ref["pid"]:
        raise h.Fail("failoverd's PID changed during the flapping (it died)")
    if f1 - f0 > 2 * downs or a1 - a0 > 2 * downs:
        raise h.Fail("%d failovers (bond: %d) for %d link losses" % (f1 - f0, a1 - a0, downs))
    if end["fds"] != ref["fds"]:
        raise h.Fail("fd count changed %d -> %d" % (ref["fds"], end["fds"]))
    if end["rss"] > ref["rss"] + RSS_SLACK_KB:
        raise h.Fail("RSS grew %d -> %d KiB" % (ref["rss"], end["rss"]))
    if end["log"] - ref["log"] > LOG_LINES_FLAP:
        raise h.Fail("the flapping added %d log lines (bound %d)"
                     % (end["log"] - ref["log"], LOG_LINES_FLAP))


# --- rel-fault --------------------------------------------------------------------
DROPIN = """[Service]
ExecStart=
ExecStart=/usr/local/sbin/fo-fault-exec
ReadWritePaths=-/run/fo-fault
%s"""


IFCFG = "/etc/network/interfaces.d/50-cloud-init"
IFCFG_AWAY = "/run/fo-rel-50-cloud-init"
LINKMON = "/run/fo-rel-linkmon.log"


def teardown_pair(h, g, vfname):
    """Stop failoverd and take the pair apart into the "found up" shape:
    the standby back under its own name, both NICs up without addresses
    (addrgenmode none), the VF with another MAC, so that every step of the
    transaction has a request to fault.  The image's ifupdown stanza for
    enp1s0 is moved away until the pair is rebuilt: its hotplug ifup would
    raise the new aggregate itself (racing failoverd's set_up), and its
    hotplug ifdown of the deleted one would hit whatever is called enp1s0
    next."""
    agg = h.AGG
    g.sh("systemctl stop failoverd.service; mv %s %s; "
         "ip link del %s; udevadm settle -t 20; systemctl stop ifup@%s.service; "
         "ip link set %s down; ip link property del dev %s altname %s 2>/dev/null; "
         "ip link set %s name %s; ip link set %s down; "
         "ip link set %s addrgenmode none; ip link set %s addrgenmode none; "
         "ip link set %s address %s; ip link set %s up; ip link set %s up"
         % (IFCFG, IFCFG_AWAY, agg, agg, SB_NAME, SB_NAME, agg, SB_NAME, agg, vfname, agg,
            vfname, vfname, ODD_MAC, agg, vfname), timeout=90)


def wait_rebuilt(h, g, vfname, timeout, agg_up=True):
    """failoverd's part of the pair, before any address: one aggregate,
    both members enslaved, the VF primary, and (agg_up) the aggregate up."""
    agg = h.AGG
    return g.vm.shell.wait_true(
        "[ \"$(cat /sys/class/net/%s/bonding/primary 2>/dev/null)\" = %s ] && "
        "[ \"$(basename \"$(readlink /sys/class/net/%s/master)\")\" = %s ] && "
        "[ \"$(basename \"$(readlink /sys/class/net/%s/master)\")\" = %s ]%s"
        % (agg, vfname, SB_NAME, agg, vfname, agg,
           " && ip -o link show dev %s | grep -qE '[<,]UP[,>]'" % agg if agg_up else ""),
        timeout)


def altname_case(h, g, vfname, res):
    """udev's alternative name, set up by hand so that it is there for sure
    (left to udev it races failoverd's create): the standby left renamed
    and up, as after a kill between the rename and the create, holding its
    old name enp1s0 as an alternative name, which udev gives it without
    70-failoverd-members.link.  failoverd (no fault) must remove that
    altname of its own standby and build the pair, aggregate up."""
    teardown_pair(h, g, vfname)
    g.sh("ip link set %s down; ip link set %s name %s; "
         "ip link property add dev %s altname %s 2>/dev/null; ip link set %s up"
         % (h.AGG, h.AGG, SB_NAME, SB_NAME, h.AGG, SB_NAME), timeout=60)
    if "altname %s" % h.AGG not in g.sh("ip -d link show dev %s" % SB_NAME):
        raise h.Fail("altname case: could not give %s the altname %s" % (SB_NAME, h.AGG))
    t0 = now()
    g.sh("rm -f /run/fo-fault/once; systemctl reset-failed failoverd.service; "
         "systemctl start failoverd.service; true", timeout=60)
    t_built = wait_rebuilt(h, g, vfname, REBUILD_TIMEOUT)
    if t_built is None:
        raise h.Fail("altname case: no pair, aggregate up, in %d s (standby %s with altname %s)"
                     % (REBUILD_TIMEOUT, SB_NAME, h.AGG))
    left = g.sh("ip -d link show dev %s | grep -c 'altname %s' || true" % (SB_NAME, h.AGG))
    g.sh("mv %s %s; systemctl reset-failed ifup@%s.service; systemctl restart ifup@%s.service"
         % (IFCFG_AWAY, IFCFG, h.AGG, h.AGG), timeout=60)
    if g.vm.shell.wait_true("ip -o -4 addr show dev %s | grep -q 'inet %s/24'"
                            % (h.AGG, h.GUEST_ADDR), 30) is None:
        raise h.Fail("altname case: ifup put no %s/24 on %s" % (h.GUEST_ADDR, h.AGG))
    pair_facts(h, g, vfname)
    res.fig("altname case (standby %s holding %s as an alternative name): pair built, aggregate "
            "up in %s, altname %s" % (SB_NAME, h.AGG, fmt(t_built - t0),
                                      "removed" if left.strip() == "0" else "STILL THERE"))
    if left.strip() != "0":
        raise h.Fail("altname case: %s still holds the altname %s" % (SB_NAME, h.AGG))


def scenario_rel_fault(run, g, res, h):
    h.check_failoverd(g)
    have = g.sh("[ -x /usr/local/lib/fo-test/failoverd-fault ] && echo yes || echo no")
    if have != "yes":
        raise h.Fail("the image has no fault-injection build of failoverd "
                     "(tests/vm/mkimage stages it only from a tree configured with "
                     "--enable-fault-injection: %s)" % run.image.get("INSTALLED"))
    # The first scenario of a boot when run alone: networking.service
    # under load took 2 min after the kernel started (12:40, load ~4).
    h.wait_pair_up(g, "bond", 180)
    g.sh("mkdir -p /run/fo-fault /etc/systemd/system/failoverd.service.d && "
         "printf '%s' >/etc/systemd/system/failoverd.service.d/fo-fault.conf && "
         "systemctl daemon-reload && systemctl restart failoverd.service"
         % (DROPIN % ("Environment=FAILOVERD_NL_DEBUG=1\n" if os.environ.get("FO_REL_NLDEBUG")
                      else "")), timeout=60)
    h.check_failoverd(g)
    vfname = "enp%ds0" % g.slot
    # FO_REL_ALTNAMES=1: udev as without 70-failoverd-members.link (masked),
    # so that every rename of the standby gets it its old name as an
    # alternative name (the refusals of the 12:05 session-2 run): failoverd
    # must remove that altname of its own standby and converge anyway.
    altnames = os.environ.get("FO_REL_ALTNAMES") == "1"
    if altnames:
        g.sh("mkdir -p /etc/systemd/network && "
             "ln -sf /dev/null /etc/systemd/network/70-failoverd-members.link && "
             "udevadm control --reload")
    modes = MODES_LONG if os.environ.get("FO_LONG") == "1" else MODES
    plan = [(m, st) for m in modes for st in STEPS]
    only = os.environ.get("FO_REL_FAULTS")   # e.g. "set_down#1:kill,create#1:kill"
    if only:
        plan = [(m, st) for m in MODES_LONG for st in STEPS
                if "%s#%d:%s" % (st[0], st[1], m) in only.split(",")]
    g.sh("(ip -ts -o monitor link >%s 2>&1 </dev/null &); true" % LINKMON)
    built = []
    failed = []
    left_down = []
    from_state = []   # restarts that read "standby was up" from /run/failoverd/state
    saw_altname = []  # faults whose log shows udev's altname enp1s0 (on the standby)
    slow = ("", 0.0)
    t_all = now()
    for mode, (action, nth, what) in plan:
        fault = "%s#%d:%s" % (action, nth, mode)
        teardown_pair(h, g, vfname)
        mark = g.sh("date +%s.%N")
        t0 = now()
        g.sh("echo '%s' >/run/fo-fault/once && systemctl reset-failed failoverd.service; "
             "systemctl start failoverd.service; true" % fault, timeout=60)
        err = None
        try:
            # The standby was up before every fault (teardown_pair), so the
            # aggregate must end up up, by failoverd itself: after a kill the
            # restarted process learns it from /run/failoverd/state
            # (docs/design.md "Adoption"); ifup below comes only after.
            t_built = wait_rebuilt(h, g, vfname, REBUILD_TIMEOUT, agg_up=False)
            if t_built is None:
                raise h.Fail("no aggregate with both members and the VF primary in %d s"
                             % REBUILD_TIMEOUT)
            t_up = g.vm.shell.wait_true("ip -o link show dev %s | grep -qE '[<,]UP[,>]'"
                                        % h.AGG, 10)
            if t_up is None:
                left_down.append(fault)
                raise h.Fail("the standby was up, but failoverd left %s down" % h.AGG)
            t_built = max(t_built, t_up)
            # The manager's configuration follows the aggregate (what
            # ifupdown's hotplug would have done at its creation).
            g.sh("mv %s %s; systemctl reset-failed ifup@%s.service; "
                 "systemctl restart ifup@%s.service" % (IFCFG_AWAY, IFCFG, h.AGG, h.AGG),
                 timeout=60)
            t_addr = g.vm.shell.wait_true("ip -o -4 addr show dev %s | grep -q 'inet %s/24'"
                                          % (h.AGG, h.GUEST_ADDR), 30)
            if t_addr is None:
                raise h.Fail("ifup put no %s/24 on %s" % (h.GUEST_ADDR, h.AGG))
            pair_facts(h, g, vfname)
            if not g.ping.wait_replies(t_addr, 10, 20):
                raise h.Fail("no ping replies")
        except h.Fail as e:
            err = str(e)
            # Whatever state it is in, the next teardown starts from the config in place.
            g.sh("[ -e %s ] && mv %s %s; true" % (IFCFG_AWAY, IFCFG_AWAY, IFCFG))
        log = g.sh("journalctl --since @%s -o short-monotonic --no-pager "
                   "-u failoverd.service; echo '---- ip monitor link'; cat %s; "
                   ": >%s; echo '---- ip -d link (altnames)'; ip -d link show; "
                   "echo '---- udev journal'; journalctl --since @%s -o short-monotonic "
                   "--no-pager -u systemd-udevd.service | tail -n 40"
                   % (mark, LINKMON, LINKMON, mark))
        with open(os.path.join(g.vm.dir, "rel-fault-%s.log"
                               % re.sub(r"[^A-Za-z0-9_]+", "-", fault)), "w") as f:
            f.write(log + "\n")
        if err is None and "fault injection: " not in log:
            err = "the fault never fired"
        if err is None and mode == "kill" and "code=killed" not in log:
            err = "systemd saw no kill"
        if "standby(s) down while up" in log:
            from_state.append(fault)
        if re.search(r"altname enp1s0\b", log) or "alternative name of our standby" in log:
            saw_altname.append(fault)
        if err is not None:
            failed.append("%s (%s): %s" % (fault, what, err))
            continue
        built.append(t_built - t0)
        if t_built - t0 > slow[1]:
            slow = (fault, t_built - t0)
    t_faults = now() - t_all
    res.fig("%d faults (%d steps x %s) in %s, %d converged; failoverd rebuilt the pair in "
            "%s-%s (median %s, slowest %s); aggregate left down after %d fault(s)%s"
            % (len(plan), len(STEPS), "/".join(sorted({m.split("=")[0] for m, _ in plan})),
               fmt(t_faults), len(built),
               fmt(min(built) if built else None), fmt(max(built) if built else None),
               fmt(sorted(built)[len(built) // 2] if built else None), slow[0],
               len(left_down), " (%s)" % " ".join(left_down) if left_down else ""))
    res.fig("restarts that read \"standby was up\" from /run/failoverd/state: %d (%s)"
            % (len(from_state), " ".join(from_state) or "none"))
    res.fig("udev's altname enp1s0 seen (ip monitor, or failoverd removing it) in %d fault(s)%s"
            % (len(saw_altname), " (70-failoverd-members.link masked: udev races the create)"
               if altnames else ""))
    if failed:
        raise h.Fail("%d of %d faults did not converge: %s"
                     % (len(failed), len(plan), "; ".join(failed)))
    altname_case(h, g, vfname, res)
    # Back to the packaged daemon, which must adopt what the test build made.
    g.sh("pkill -f 'ip -ts -o monitor link'; rm -f /etc/systemd/network/70-failoverd-members.link; "
         "udevadm control --reload; "
         "rm -f /etc/systemd/system/failoverd.service.d/fo-fault.conf && "
         "systemctl daemon-reload && systemctl reset-failed failoverd.service; "
         "systemctl restart failoverd.service", timeout=60)
    h.wait_pair_up(g, "bond", 60)
    time.sleep(2)
    reqs = h.netlink_requests(h.ctl_json(g))
    res.fig("the packaged daemon adopts it with %d requests" % reqs)
    if reqs != 0:
        raise h.Fail("the packaged daemon sent %d requests adopting the test build's pair" % reqs)
