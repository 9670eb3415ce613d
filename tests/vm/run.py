#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The vm tier: failoverd in a real Debian guest under QEMU (TCG).

    tests/vm/run [--guest G]... [--l2 eswitch|learn] [SCENARIO...]

Scenarios share boots where that stays honest (see GROUPS).  Each prints
`PASS: vm/GUEST/SCENARIO (figures)` or `FAIL: vm/GUEST/SCENARIO: reason
(figures)`, a failure followed by the guest's console and failoverd's log.
"""
import argparse
import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rig import HERE, Nic, Rig, RigError, Vm, fmt, now  # noqa: E402
import sc_rel  # noqa: E402
import sc_replug  # noqa: E402
import sc_pkg  # noqa: E402
import sc_learn  # noqa: E402
import sc_team  # noqa: E402

TOP = os.path.dirname(os.path.dirname(HERE))
MAC1 = "52:54:00:12:34:56"   # the pair the image's network config is for
MAC2 = "52:54:00:12:34:57"   # rig-selftest's hand-built bond
GUEST_ADDR = "192.0.2.2"     # from the image's own /etc/network/interfaces.d
BOND_ADDR = "192.0.2.3"      # rig-selftest's hand-built bond
AGG = "enp1s0"               # the standby's name (slot 1), taken over by the aggregate

# Boot groups: the scenarios that share one boot, in the order they run.
GROUPS = [
    ("selftest", ["rig-selftest"]),
    ("bond", ["boot", "restart", "hotplug", "replug", "hotplug-learn", "migration"]),
    ("team", sc_team.SCENARIOS + ["team-learn"]),
    ("kernel", ["kernel-owned"]),
    ("rel", ["rel-cycles", "rel-flap", "rel-fault"]),
    ("pkg", sc_pkg.SCENARIOS),
]
SCENARIOS = [s for _, ss in GROUPS for s in ss]
NEEDS_FAILOVERD = set(SCENARIOS) - {"rig-selftest"}
# Scenarios the default run reports as SKIP with the reason, until fixed;
# naming one on the command line still runs it.
KNOWN_FAILING = {}

# Guests the default run boots, and what it runs on each: everything on
# Debian 12; on Debian 13 the groups whose code paths differ between the
# kernels and fit CI's budget (docs/testing.md "Guests: Debian 12 and
# Debian 13"): the bond group (with `replug`, the live-rename fast path only
# 6.12 takes), the team group and kernel-owned (6.12's net_failover).  Left
# to an explicit run: selftest, rel and pkg.  Naming scenarios runs them on
# every guest.
DEFAULT_GUESTS = "bookworm trixie"
DEFAULT_SUBSET = {"trixie": {s for g, ss in GROUPS if g in ("bond", "team", "kernel") for s in ss}}

# Sanity bounds for verdicts.  The figures themselves are the point (the
# bench tier judges them); these only catch an outage nothing recovers from
# but a host ARP timer (vm-rig-facts findings 2-3: 22-29 s).
MAX_UNPLUG_GAP = 10.0
MAX_REPLUG_GAP = 10.0
# Bound on udev's coldplug after systemd reports the boot done (Group.boot).
SETTLE_MAX = 300


class Fail(Exception):
    pass


class Result:
    def __init__(self, guest, name):
        self.name = "vm/%s/%s" % (guest, name)
        self.figures = []
        self.start = now()

    def fig(self, text):
        self.figures.append(text)

    def line(self, ok, reason=None):
        figs = ", ".join(self.figures + ["%.0f s" % (now() - self.start)])
        if ok:
            return "PASS: %s (%s)" % (self.name, figs)
        return "FAIL: %s: %s (%s)" % (self.name, reason, figs)


def say(msg):
    print(msg, flush=True)


def info(msg):
    print("  " + msg, file=sys.stderr, flush=True)


class Group:
    """One boot and the scenarios that run on it."""

    def __init__(self, run, name):
        self.run = run
        self.rig = run.rig
        self.guest = run.guest
        self.name = name
        self.vm = None
        self.ping = None
        self.vf = None          # the current VF's Nic
        self.vf_tap = "tapvf0"
        self.sb_tap = "tapsb0"
        self.slot = 2           # root port the current VF sits on
        self.ever_up = False    # the pair has been up in this boot
        self.fail_fast = 1e9    # wait_pair_up's bound once it never was

    # --- boot ------------------------------------------------------------
    def boot(self, nics, append):
        disk = self.rig.overlay(self.name)
        self.vm = Vm(self.rig, self.name, nics, taps=["tapvf0"], append=append, disk=disk)
        t0 = now()
        self.vm.start()
        t_shell = self.vm.shell.wait_ready(240)
        rc, out, t_run = self.vm.shell.run("systemctl is-system-running --wait", timeout=240)
        # Nothing in the boot waits for udev's coldplug (no unit pulls in
        # systemd-udev-settle): on Debian 13 under TCG systemd reports
        # "running" while udev is still loading drivers and renaming the
        # NICs (e1000e probed ~50 s later).  Every scenario's pair depends
        # on that coldplug, so its bounds count from the end of it.
        rc_s, _, t_settle = self.vm.shell.run("udevadm settle -t %d" % SETTLE_MAX,
                                              timeout=SETTLE_MAX + 30)
        if rc_s != 0:
            raise Fail("udev's coldplug did not finish within %d s of systemd's \"%s\" "
                       "(udevadm settle exited %d)" % (SETTLE_MAX, out.strip(), rc_s))
        self.boot_figs = {"shell": t_shell - t0, "running": t_run - t0, "state": out.strip(),
                          "settled": t_settle - t0}
        info("%s: guest shell at %.1f s, systemd %s at %.1f s, udev settled at %.1f s"
             % (self.name, t_shell - t0, out.strip(), t_run - t0, t_settle - t0))
        self.t_boot = t0
        return t0

    def migrate(self, target_nics, target_taps=()):
        """Move the guest to a second QEMU on the same overlay disk; the
        target becomes self.vm.  Returns (sent, completed, resumed, info)."""
        src = self.vm
        uri = "unix:" + os.path.join(self.rig.workdir, "migrate.sock")
        tgt = Vm(self.rig, "target", target_nics, taps=target_taps, append=src.append,
                 incoming=uri, disk=src.disk)
        tgt.start()
        r = src.migrate_to(tgt, uri)
        src.quit()
        self.rig.vms.remove(src)
        self.vm = tgt
        tgt.shell.wait_ready(60, banner=False)
        return r

    def sh(self, cmd, timeout=30):
        return self.vm.shell.out(cmd, timeout)

    # --- diagnostics ----------------------------------------------------------
    def dump(self):
        vm = self.vm
        if vm is None:
            return
        say("    ---- guest console (%s, last 60 lines)" % vm.console)
        for line in vm.console_tail(60):
            say("    | " + line)
        if vm.alive():
            for title, cmd in (("failoverd's log", "journalctl -b -u failoverd --no-pager "
                                "-o short-monotonic | tail -n 80"),
                               ("failoverctl status", "cat /etc/fo-test-installed; "
                                "timeout 10 failoverctl status"),
                               ("guest links", "ip -d -br link; ip -br addr; "
                                "grep -H . /sys/class/net/*/bonding/{slaves,primary,active_slave} "
                                "2>/dev/null")):
                try:
                    rc, out, _ = vm.shell.run(cmd, timeout=20)
                except RigError as e:
                    out = "(guest shell: %s)" % e
                say("    ---- %s" % title)
                for line in out.splitlines()[-80:]:
                    say("    | " + line)
        else:
            say("    ---- failoverd's log (from the console; the guest is gone)")
            for line in vm.console_tail(2000):
                if "failoverd" in line:
                    say("    | " + line)
        say("    ---- host bridge fdb")
        for line in self.rig.net.fdb().splitlines():
            if "52:54:00" in line:
                say("    | " + line)

    # --- guest facts ---------------------------------------------------------
    def master_of(self, dev):
        rc, out, _ = self.vm.shell.run("basename \"$(readlink /sys/class/net/%s/master)\"" % dev)
        return out.strip() if rc == 0 else ""

    def members(self, agg):
        out = self.sh("for d in /sys/class/net/%s/lower_*; do [ -e \"$d\" ] && "
                      "basename \"$d\" | sed 's/^lower_//'; done; true" % agg)
        return out.split()

    def addresses(self, dev):
        return [l.split()[3] for l in self.sh("ip -o addr show dev %s" % dev).splitlines()
                if len(l.split()) > 3]

    def check_members_bare(self, agg):
        mem = self.members(agg)
        for m in mem:
            a = self.addresses(m)
            if a:
                raise Fail("member %s of %s carries addresses %s" % (m, agg, " ".join(a)))
        return mem

    # --- traffic ---------------------------------------------------------------
    def pin(self, tap):
        if self.run.l2 == "eswitch":
            self.rig.net.pin(MAC1, tap)

    def unpin(self, tap):
        if self.run.l2 == "eswitch":
            self.rig.net.unpin(MAC1, tap)

    def wait_stream(self, tap, since, timeout, what):
        t = self.rig.sampler.wait_stream(tap, since, timeout)
        if t is None:
            raise Fail("no stream from the guest on %s (%s) within %d s" % (tap, what, timeout))
        return t


# ---------------------------------------------------------------------------
# rig-selftest: the rig without failoverd (the kernel's net_failover and a
# hand-built bond), so a failoverd scenario's failure is failoverd's.
# ---------------------------------------------------------------------------
def group_selftest(run, g, want):
    res = Result(run.guest, "rig-selftest")
    net = run.rig.net
    # eswitch model for both pairs from the start: each MAC belongs to its VF.
    net.pin(MAC1, "tapvf0")
    net.pin(MAC2, "tapvf2")
    nics = [Nic("sb0", "virtio-net-pci", MAC1, "tapsb0", "rp1", failover=True),
            Nic("vf0", "e1000e", MAC1, "tapvf0", "rp2", pair="sb0"),
            Nic("sb1", "virtio-net-pci", MAC2, "tapsb2", "rp3"),
            Nic("vf1", "e1000e", MAC2, "tapvf2", "rp4")]
    try:
        t0 = g.boot(nics, "systemd.mask=failoverd.service")
        res.fig("boot %s" % fmt(g.boot_figs["running"]))
        t, _ = g.vm.qmp.wait_event("FAILOVER_NEGOTIATED", t0, 5)
        if t is None:
            raise Fail("QEMU reported no FAILOVER_NEGOTIATED: the guest did not take STANDBY")
        # 1. net_failover (3-netdev model): the master takes the standby's
        # name, so the image's config for enp1s0 lands on it.
        ok = g.vm.shell.wait_true(
            "[ \"$(cat /sys/class/net/enp1s0nsby/phys_port_name 2>/dev/null)\" = sby ] && "
            "ip -o -4 addr show dev enp1s0 | grep -q 'inet %s/24'" % GUEST_ADDR, 60)
        if ok is None:
            raise Fail("net_failover: enp1s0 (master) never got %s/24 with enp1s0nsby beside it"
                       % GUEST_ADDR)
        for m in ("enp1s0nsby", "enp2s0"):
            if g.master_of(m) != "enp1s0":
                raise Fail("net_failover: %s is not a lower device of enp1s0" % m)
            # net_failover's members are not IFF_SLAVE, so IPv6 gives them
            # link-locals (mission-anchors 5.2); IPv4 must stay on the master.
            v4 = [a for a in g.addresses(m) if ":" not in a]
            if v4:
                raise Fail("net_failover: member %s carries %s" % (m, " ".join(v4)))
        pa = run.rig.ping(GUEST_ADDR)
        if not pa.wait_replies(0, 20, 30):
            raise Fail("net_failover: no ping replies from %s" % GUEST_ADDR)
        res.fig("net_failover ping at %s" % fmt(min(pa.recv.values()) - t0))
        g.wait_stream("tapvf0", t0, 30, "net_failover primary")

        # 2. A hand-built active-backup bond on the second pair, what an
        # ideal agent does, including the hotplug of a new VF.
        g.sh("sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 && "
             "modprobe bonding max_bonds=0 && udevadm settle -t 20 && "
             "ip link add fobond0 address %s type bond mode active-backup miimon 100 "
             "all_slaves_active 1 && "
             "ip link set enp3s0 down && ip link set enp3s0 master fobond0 && "
             "ip link set enp4s0 down && ip link set enp4s0 master fobond0 && "
             "ip link set fobond0 type bond primary enp4s0 && ip link set fobond0 up && "
             "ip addr add %s/24 dev fobond0 && "
             # Two addresses of one subnet on two links: replies leave by the
             # link their address is on.
             "ip rule add from %s table 100 && ip route add 192.0.2.0/24 dev fobond0 table 100 && "
             "ip rule add from %s table 101 && ip route add 192.0.2.0/24 dev enp1s0 table 101"
             % (MAC2, BOND_ADDR, BOND_ADDR, GUEST_ADDR))
        pb = run.rig.ping(BOND_ADDR)
        tb = now()
        if not pb.wait_replies(tb, 20, 30):
            raise Fail("hand bond: no ping replies from %s" % BOND_ADDR)
        g.wait_stream("tapvf2", tb, 30, "hand bond, cold-plugged VF")

        t_del, t_gone = g.vm.device_del("vf1")
        if t_gone is None:
            raise Fail("hand bond: no DEVICE_DELETED for vf1")
        net.unpin(MAC2, "tapvf2")
        t_sb = g.wait_stream("tapsb2", t_del, 30, "hand bond, after unplug")
        time.sleep(1)
        un = pb.stats(t_del, now())
        res.fig("bond unplug gap %s lost %d" % (fmt(un["gap"]), un["lost"]))

        net.pin(MAC2, "tapvf2")
        t_add = g.vm.device_add(Nic("vf1b", "e1000e", MAC2, "tapvf2", "rp5"))
        # udev renames the new VF (eth0 -> enp5s0) and a 6.1 kernel cannot
        # rename it once it is up: wait for the final name, as an agent must.
        if g.vm.shell.wait_true("[ -e /sys/class/net/enp5s0 ]", 30) is None:
            raise Fail("hand bond: the new VF never showed up as enp5s0")
        _, _, t_ens = g.vm.shell.run(
            "udevadm settle -t 10; ip link set enp5s0 down && ip link set enp5s0 master fobond0 "
            "&& ip link set fobond0 type bond primary enp5s0", timeout=30)
        t_vf = g.wait_stream("tapvf2", t_add, 30, "hand bond, new VF")
        time.sleep(2)
        re_ = pb.stats(t_add, now())
        res.fig("replug gap %s lost %d, enslaved %s, VF stream %s"
                % (fmt(re_["gap"]), re_["lost"], fmt(t_ens - t_add), fmt(t_vf - t_add)))
        active = g.sh("cat /sys/class/net/fobond0/bonding/active_slave")
        if active != "enp5s0":
            raise Fail("hand bond: active slave is '%s', not the new VF enp5s0" % active)
        # The bound is on the rig, not on udev: the replug outage is judged
        # from the enslave on.  Until then the hand bond waits for udev, and
        # Debian 13 under TCG renamed the VF 7 s after its add and settled
        # 10 s later (docs/testing.md, "Guests").
        after = pb.stats(t_ens, now(), from_t0=True)
        if un["gap"] > MAX_UNPLUG_GAP or (after["gap"] or 0) > MAX_REPLUG_GAP:
            raise Fail("hand bond: outage beyond %.0f s (unplug gap %s, after the enslave %s)"
                       % (MAX_REPLUG_GAP, fmt(un["gap"]), fmt(after["gap"])))
        if pa.stats(t0, now())["gap"] is None or not pa.wait_replies(now() - 1, 50, 5):
            raise Fail("net_failover pair stopped answering during the bond's hotplug")

        # 3. Live migration of the same guest to a second QEMU (shared
        # overlay, QMP on both ends, the shell moving with the guest).  QEMU
        # unplugs net_failover's primary itself (wait-unplug) and plugs the
        # target's at resume; the hand bond's VF goes first, like any VF
        # without failover_pair_id, and its traffic stays on the standby.
        t_d, t_g = g.vm.device_del("vf1b")
        if t_g is None:
            raise Fail("hand bond: no DEVICE_DELETED for vf1b")
        net.unpin(MAC2, "tapvf2")
        net.unpin(MAC1, "tapvf0")
        g.wait_stream("tapsb2", t_d, 30, "hand bond, before migration")
        t_m, t_done, t_res, minfo = g.migrate(
            [Nic("sb0", "virtio-net-pci", MAC1, "tapsb1", "rp1", failover=True),
             Nic("vf0", "e1000e", MAC1, "tapvf1", "rp2", pair="sb0"),
             Nic("sb1", "virtio-net-pci", MAC2, "tapsb3", "rp3")])
        net.pin(MAC1, "tapvf1")
        t_vf1 = g.wait_stream("tapvf1", t_m, 60, "net_failover, the target's primary")
        g.wait_stream("tapsb3", t_m, 30, "hand bond, the target's standby")
        time.sleep(2)
        ma, mb = pa.stats(t_m, now()), pb.stats(t_m, now())
        res.fig("migration %s (downtime %s ms), net_failover gap %s and target VF stream %s, "
                "bond gap %s" % (fmt(t_done - t_m), minfo.get("downtime", "?"), fmt(ma["gap"]),
                                 fmt(t_vf1 - t_m), fmt(mb["gap"])))
        say(res.line(True))
        return True
    except (Fail, RigError) as e:
        say(res.line(False, str(e)))
        g.dump()
        return False


# ---------------------------------------------------------------------------
# failoverd scenarios
# ---------------------------------------------------------------------------
def ctl_json(g):
    rc, out, _ = g.vm.shell.run("failoverctl status --json", timeout=20)
    if rc != 0:
        raise Fail("failoverctl status --json exited %d: %s" % (rc, out.strip()[-300:]))
    try:
        return json.loads(out)
    except ValueError:
        raise Fail("failoverctl status --json printed no JSON: %s" % out.strip()[-300:])


def netlink_requests(status):
    """The daemon's own count of write requests to the kernel
    (docs/status.schema.json: metrics.netlink_requests_total)."""
    n = status.get("metrics", {}).get("netlink_requests_total")
    if not isinstance(n, int):
        raise Fail("failoverctl status --json has no metrics.netlink_requests_total")
    return n


def wait_pair_up(g, backend, timeout):
    """The aggregate has the standby's name and the image's address, two
    members, and the VF is primary and active.  Once a boot has shown that
    it never gets there, later scenarios of the group do not wait long."""
    if not g.ever_up:
        timeout = min(timeout, g.fail_fast)
    vfname = "enp%ds0" % g.slot
    kind = "bonding" if backend == "bond" else "team"
    cond = ("ip -d -o link show dev %s | grep -qw %s && "
            "ip -o -4 addr show dev %s | grep -q 'inet %s/24' && "
            "[ \"$(basename \"$(readlink /sys/class/net/%s/master)\")\" = %s ]"
            % (AGG, "bond" if backend == "bond" else "team", AGG, GUEST_ADDR, vfname, AGG))
    if backend == "bond":
        cond += " && grep -qx %s /sys/class/net/%s/bonding/active_slave" % (vfname, AGG)
    else:
        cond += (" && [ \"$(teamnl %s getoption activeport 2>/dev/null)\" = "
                 "\"$(cat /sys/class/net/%s/ifindex)\" ]" % (AGG, vfname))
    t = g.vm.shell.wait_true(cond, timeout)
    if t is None:
        g.fail_fast = 10
        raise Fail("no %s %s with %s/24 and %s active within %d s"
                   % (kind, AGG, GUEST_ADDR, vfname, timeout))
    g.ever_up = True
    return t


def check_failoverd(g):
    rc, out, _ = g.vm.shell.run("systemctl is-active failoverd.service")
    if out.strip() != "active":
        raise Fail("failoverd.service is %s in the guest" % out.strip())


def scenario_boot(run, g, res, backend="bond"):
    check_failoverd(g)
    t_up = wait_pair_up(g, backend, 90)
    mem = g.check_members_bare(AGG)
    if len(mem) != 2:
        raise Fail("%s has members %s, want the standby and the VF" % (AGG, mem))
    alias = g.sh("cat /sys/class/net/%s/ifalias" % AGG)
    if not alias.startswith("failoverd:"):
        raise Fail("%s's alias is '%s', not failoverd's ownership marker" % (AGG, alias))
    if not g.ping.wait_replies(0, 50, 30):
        raise Fail("no ping replies from %s" % GUEST_ADDR)
    g.wait_stream(g.vf_tap, g.t_boot, 30, "VF after boot")
    res.fig("boot %s, udev settled %s, %s up %s, first reply %s, members %s"
            % (fmt(g.boot_figs["running"]), fmt(g.boot_figs["settled"]), AGG,
               fmt(t_up - g.t_boot),
               fmt(min(g.ping.recv.values()) - g.t_boot) if g.ping.recv else "n/a",
               "+".join(mem)))


def scenario_restart(run, g, res):
    check_failoverd(g)
    wait_pair_up(g, "bond", 60)
    g.wait_stream(g.vf_tap, now() - 1, 30, "VF before restart")
    before = g.sh("ip -o link show dev %s | cut -d: -f1; cat /sys/class/net/%s/bonding/slaves"
                  % (AGG, AGG))
    pid0 = g.sh("systemctl show -P MainPID failoverd.service")
    t_kill = now()
    g.sh("systemctl kill -s KILL --kill-who=main failoverd.service")
    # Wait for the process to be gone (the unit may restart it by itself).
    g.vm.shell.wait_true("[ \"$(systemctl show -P MainPID failoverd.service)\" != %s ]" % pid0, 20)
    g.sh("systemctl start failoverd.service", timeout=60)
    pid1 = g.sh("systemctl show -P MainPID failoverd.service")
    if pid1 in ("0", pid0):
        raise Fail("failoverd did not come back (MainPID %s)" % pid1)
    # Let it finish its start-up sync and apply its plan (daemon.ready in
    # the status schema), give it a moment to do anything it would do, then
    # ask for its own counter.
    t_st = g.vm.shell.wait_true("failoverctl status --json 2>/dev/null | "
                                "grep -q '\"ready\": *true'", 30)
    if t_st is None:
        raise Fail("failoverctl status does not report ready after the restart")
    time.sleep(3)
    reqs = netlink_requests(ctl_json(g))
    after = g.sh("ip -o link show dev %s | cut -d: -f1; cat /sys/class/net/%s/bonding/slaves"
                 % (AGG, AGG))
    time.sleep(1)
    st = g.ping.stats(t_kill, now())
    res.fig("netlink requests after restart %d, lost %d of %d, gap %s, status after %s"
            % (reqs, st["lost"], st["sent"], fmt(st["gap"]), fmt(t_st - t_kill)))
    if before != after:
        raise Fail("the aggregate changed across the restart: %r -> %r" % (before, after))
    if reqs != 0:
        raise Fail("the restarted daemon sent %d netlink requests (want 0)" % reqs)
    if st["lost"] != 0:
        raise Fail("%d pings lost across the restart (want 0)" % st["lost"])


def plug_vf(g, new_id, slot):
    """device_add a new VF (new id, root port `slot`) and wait until failoverd
    has enslaved it to the aggregate; returns (t_add, t_enslaved, its name)."""
    g.slot = slot
    vfname = "enp%ds0" % slot
    g.vf = Nic(new_id, "e1000e", MAC1, g.vf_tap, "rp%d" % slot)
    t_add = g.vm.device_add(g.vf)
    t_ens = g.vm.shell.wait_true("[ \"$(basename \"$(readlink /sys/class/net/%s/master "
                                 "2>/dev/null)\")\" = %s ]" % (vfname, AGG), 60)
    if t_ens is None:
        raise Fail("failoverd did not enslave the new VF %s to %s within 60 s" % (vfname, AGG))
    return t_add, t_ens, vfname


def hotplug_cycle(run, g, res, new_id, slot, backend="bond", learn=False):
    """Unplug the current VF, check the standby carries the traffic, plug a
    new VF (new id, root port `slot`) and check failoverd makes it primary."""
    eswitch = not learn and run.l2 == "eswitch"
    wait_pair_up(g, backend, 60)
    g.wait_stream(g.vf_tap, now() - 1, 30, "VF before unplug")
    t_del, t_gone = g.vm.device_del(g.vf.id)
    if t_gone is None:
        raise Fail("no DEVICE_DELETED for %s" % g.vf.id)
    if eswitch:
        g.rig.net.unpin(MAC1, g.vf_tap)
    t_sb = g.wait_stream(g.sb_tap, t_del, 30, "standby after unplug")
    if g.vm.shell.wait_true("ip -o -4 addr show dev %s | grep -q 'inet %s/24'"
                            % (AGG, GUEST_ADDR), 10) is None:
        raise Fail("%s lost its address when the VF left" % AGG)
    time.sleep(1)
    un = g.ping.stats(t_del, now())

    if eswitch:
        g.rig.net.pin(MAC1, g.vf_tap)
    t_add, t_ens, _ = plug_vf(g, new_id, slot)
    t_act = wait_pair_up(g, backend, 60)
    t_vf = g.wait_stream(g.vf_tap, t_add, 60, "new VF")
    time.sleep(2)
    rp = g.ping.stats(t_add, now())
    g.check_members_bare(AGG)
    res.fig("%s: unplug gap %s lost %d (standby stream %s), replug gap %s lost %d, "
            "enslaved %s, active %s, VF stream %s"
            % ("learn" if learn or not eswitch else "eswitch", fmt(un["gap"]), un["lost"],
               fmt(t_sb - t_del), fmt(rp["gap"]), rp["lost"], fmt(t_ens - t_add),
               fmt(t_act - t_add), fmt(t_vf - t_add)))
    if un["gap"] > MAX_UNPLUG_GAP:
        raise Fail("unplug outage %.1f s (bound %.0f s)" % (un["gap"], MAX_UNPLUG_GAP))
    if rp["gap"] > MAX_REPLUG_GAP:
        raise Fail("replug outage %.1f s (bound %.0f s)" % (rp["gap"], MAX_REPLUG_GAP))


def scenario_hotplug(run, g, res):
    check_failoverd(g)
    hotplug_cycle(run, g, res, "vf1", 3)


def scenario_hotplug_learn(run, g, res, backend="bond"):
    sc_learn.scenario_hotplug_learn(run, g, res, (Fail, check_failoverd, wait_pair_up, MAC1, AGG,
                                                  GUEST_ADDR, plug_vf), backend=backend)


def scenario_team_learn(run, g, res):
    scenario_hotplug_learn(run, g, res, backend="team")


def scenario_migration(run, g, res):
    check_failoverd(g)
    wait_pair_up(g, "bond", 60)
    t_del, t_gone = g.vm.device_del(g.vf.id)
    if t_gone is None:
        raise Fail("no DEVICE_DELETED for %s on the source" % g.vf.id)
    g.unpin(g.vf_tap)
    g.wait_stream(g.sb_tap, t_del, 30, "source standby after unplug")
    t_mig, t_done, t_res, info_ = g.migrate(
        [Nic("sb0", "virtio-net-pci", MAC1, "tapsb1", "rp1")], target_taps=["tapvf1"])
    g.sb_tap, g.vf_tap = "tapsb1", "tapvf1"
    tgt = g.vm
    g.pin(g.vf_tap)
    g.slot = 2
    g.vf = Nic("vf9", "e1000e", MAC1, g.vf_tap, "rp2")
    t_add = tgt.device_add(g.vf)
    t_up = wait_pair_up(g, "bond", 60)
    t_vf = g.wait_stream(g.vf_tap, t_add, 60, "the target's VF")
    time.sleep(2)
    st = g.ping.stats(t_del, now())
    mg = g.ping.stats(t_mig, t_add)
    res.fig("migrate %s (downtime %s ms), gap around migrate %s, target VF active %s, "
            "VF stream %s after device_add, lost %d over the whole move"
            % (fmt(t_done - t_mig), info_.get("downtime", "?"), fmt(mg["gap"]),
               fmt(t_up - t_add), fmt(t_vf - t_add), st["lost"]))


def scenario_kernel_owned(run, g, res):
    check_failoverd(g)
    ok = g.vm.shell.wait_true(
        "[ \"$(cat /sys/class/net/enp1s0nsby/phys_port_name 2>/dev/null)\" = sby ] && "
        "ip -o -4 addr show dev enp1s0 | grep -q 'inet %s/24'" % GUEST_ADDR, 60)
    if ok is None:
        raise Fail("net_failover did not take the pair (no enp1s0nsby / %s on enp1s0)"
                   % GUEST_ADDR)
    if not g.ping.wait_replies(0, 20, 30):
        raise Fail("no ping replies from the net_failover guest")
    time.sleep(3)
    human = g.sh("failoverctl status")
    st = ctl_json(g)
    reqs = netlink_requests(st)
    bonds = g.sh("ls -d /sys/class/net/*/bonding 2>/dev/null | wc -l")
    why = [n.get("reason", "") for n in st.get("nics", [])
           if re.search(r"net_failover|kernel", n.get("reason", ""), re.I)]
    res.fig("netlink requests %d, bonds %s, reason: %s"
            % (reqs, bonds, why[0][:100] if why else "none"))
    if not why:
        raise Fail("no NIC in failoverctl status --json says it stands down for the kernel")
    if reqs != 0:
        raise Fail("failoverd sent %d netlink requests beside net_failover (want 0)" % reqs)
    if bonds != "0":
        raise Fail("an aggregate was created beside net_failover")
    if not re.search(r"net_failover|kernel", human, re.I):
        raise Fail("failoverctl status does not say why it stands down:\n%s" % human)


def group_demo(run, g, want):
    """tools/demo: boot, show failoverctl status, unplug and replug the VF,
    show the gap.  Until the tree builds failoverd, the rig's own flow (the
    kernel's net_failover and a hand-built bond) stands in."""
    if not run.has_failoverd:
        say("failoverd is not in the guest image (%s); showing the rig with the kernel's "
            "net_failover and a hand-built bond instead" % run.image.get("INSTALLED"))
        return group_selftest(run, g, want)
    g.pin("tapvf0")
    nics = [Nic("sb0", "virtio-net-pci", MAC1, "tapsb0", "rp1"),
            Nic("vf0", "e1000e", MAC1, "tapvf0", "rp2")]
    g.vf = nics[1]
    res = Result(run.guest, "demo")
    try:
        say("booting a Debian %s guest: virtio-net standby enp1s0 + e1000e \"VF\" enp2s0, "
            "both %s, failoverd enabled" % (run.guest, MAC1))
        g.boot(nics, "fo.conf=bond")
        g.ping = run.rig.ping(GUEST_ADDR)
        t_up = wait_pair_up(g, "bond", 90)
        say("guest up after %.0f s; failoverd's aggregate %s is up %.0f s after QEMU started"
            % (g.boot_figs["running"], AGG, t_up - g.t_boot))
        say("\n$ failoverctl status        # in the guest")
        say(g.sh("failoverctl status"))
        say("\nunplugging the VF (QMP device_del), then plugging a new one into another slot "
            "(device_add), while the host pings %s every 10 ms ..." % GUEST_ADDR)
        hotplug_cycle(run, g, res, "vf1", 3)
        for f in res.figures:
            say("  " + f)
        say("\n$ failoverctl status        # in the guest, after the new VF")
        say(g.sh("failoverctl status"))
        say("")
        say(res.line(True))
        return True
    except (Fail, RigError) as e:
        say(res.line(False, str(e)))
        g.dump()
        return False


SCENARIO_FN = {
    "boot": scenario_boot, "restart": scenario_restart, "hotplug": scenario_hotplug,
    "hotplug-learn": scenario_hotplug_learn, "migration": scenario_migration,
    "team-learn": scenario_team_learn,
    "kernel-owned": scenario_kernel_owned,
    "replug": lambda run, g, res: sc_replug.scenario_replug(run, g, res, sys.modules[__name__]),
    "rel-cycles": lambda run, g, res: sc_rel.scenario_rel_cycles(run, g, res, sys.modules[__name__]),
    "rel-flap": lambda run, g, res: sc_rel.scenario_rel_flap(run, g, res, sys.modules[__name__]),
    "rel-fault": lambda run, g, res: sc_rel.scenario_rel_fault(run, g, res, sys.modules[__name__]),
}
# Scenario modules get this module (its Fail, helpers, constants) as `lib`.
for _name, _fn in sc_team.SCENARIO_FN.items():
    SCENARIO_FN[_name] = (lambda f: lambda run, g, res: f(run, g, res, sys.modules[__name__]))(_fn)


def group_failoverd(run, g, want):
    """Boot once, run the wanted scenarios of this group in order."""
    if not run.has_failoverd:
        for s in want:
            say(Result(run.guest, s).line(False, "failoverd is not in the guest image (%s): "
                                          "the tree does not build/install it yet"
                                          % run.image.get("INSTALLED", "?")))
        return False
    if g.name == "kernel":
        run.rig.net.pin(MAC1, "tapvf0")
        nics = [Nic("sb0", "virtio-net-pci", MAC1, "tapsb0", "rp1", failover=True),
                Nic("vf0", "e1000e", MAC1, "tapvf0", "rp2", pair="sb0")]
        conf = "bond"
    else:
        g.pin("tapvf0")
        nics = [Nic("sb0", "virtio-net-pci", MAC1, "tapsb0", "rp1"),
                Nic("vf0", "e1000e", MAC1, "tapvf0", "rp2")]
        conf = "team" if g.name == "team" else "bond"
    g.vf = nics[1]
    ok = True
    try:
        g.boot(nics, ("fo.conf=%s " % conf) + (sc_team.APPEND if g.name in ("team", "rel") else ""))
        g.ping = run.rig.ping(GUEST_ADDR)
    except (Fail, RigError) as e:
        for s in want:
            say(Result(run.guest, s).line(False, "boot failed: %s" % e))
        g.dump()
        return False
    for s in want:
        res = Result(run.guest, s)
        try:
            if not g.vm.alive():
                raise Fail("the guest is gone")
            SCENARIO_FN[s](run, g, res)
            say(res.line(True))
        except (Fail, RigError) as e:
            ok = False
            say(res.line(False, str(e)))
            g.dump()
    return ok


class Run:
    def __init__(self, guest, l2, ns, workdir, logdir):
        self.guest = guest
        self.l2 = l2
        self.ns = ns
        self.workdir = workdir
        self.logdir = logdir
        self.rig = None
        self.image = {}
        self.has_failoverd = False

    def build_image(self):
        t0 = now()
        p = subprocess.run([os.path.join(HERE, "mkimage"), self.guest], stdout=subprocess.PIPE,
                           text=True)
        if p.returncode != 0:
            raise RigError("tests/vm/mkimage %s failed (exit %d)" % (self.guest, p.returncode))
        for line in p.stdout.splitlines():
            k, _, v = line.partition("=")
            self.image[k] = v.strip("'")
        self.has_failoverd = self.image.get("FAILOVERD") == "yes"
        info("image for %s ready in %.0f s: %s (%s)"
             % (self.guest, now() - t0, self.image["IMAGE"], self.image.get("INSTALLED")))
        return now() - t0

    def go(self, wanted):
        ok = True
        groups = [("demo", ["demo"])] if wanted == ["demo"] else GROUPS
        for gname, scen in groups:
            want = [s for s in scen if s in wanted]
            if not want:
                continue
            t0 = now()
            self.rig = Rig(self.image, os.path.join(self.workdir, gname), self.ns)
            os.makedirs(self.rig.workdir)
            try:
                self.rig.setup(["tapsb0", "tapvf0", "tapsb1", "tapvf1", "tapsb2", "tapvf2",
                                "tapsb3"])
                g = Group(self, gname)
                if gname == "demo":
                    ok &= group_demo(self, g, want)
                elif gname == "selftest":
                    ok &= group_selftest(self, g, want)
                elif gname == "pkg":
                    ok &= sc_pkg.group_pkg(self, g, want, sys.modules[__name__])
                else:
                    ok &= group_failoverd(self, g, want)
            finally:
                self.rig.close()
                self.rig = None
                self.save_logs(gname)
            info("group %s: %.0f s" % (gname, now() - t0))
        return ok

    def save_logs(self, gname):
        src = os.path.join(self.workdir, gname)
        dst = os.path.join(self.logdir, gname)
        shutil.rmtree(dst, ignore_errors=True)
        os.makedirs(dst, exist_ok=True)
        for root, _, files in os.walk(src):
            for f in files:
                if f.endswith(".log"):
                    sub = os.path.relpath(root, src).replace(os.sep, "-")
                    shutil.copy(os.path.join(root, f), os.path.join(dst, "%s-%s" % (sub, f)))
        shutil.rmtree(src, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                    help="any of: %s (default: all)" % " ".join(SCENARIOS))
    ap.add_argument("--long", action="store_true",
                    help="the long variants (FO_LONG=1): rel-fault adds EBUSY and lost-ACK "
                         "faults at every step; outside CI")
    ap.add_argument("--guest", action="append",
                    help="guest suite (repeatable; default $FO_VM_GUESTS or \"%s\")"
                    % DEFAULT_GUESTS)
    ap.add_argument("--l2", choices=("eswitch", "learn"), default="eswitch",
                    help="host L2 model for hotplug and migration (hotplug-learn is always learn)")
    ap.add_argument("--list", action="store_true", help="list the scenarios and exit")
    ap.add_argument("--demo", action="store_true", help="tools/demo's walk-through")
    args = ap.parse_args()
    if args.long:
        os.environ["FO_LONG"] = "1"
    if args.list:
        for g, ss in GROUPS:
            print("%-8s %s" % (g, " ".join(ss)))
        return 0
    wanted = ["demo"] if args.demo else args.scenarios
    if not wanted:
        wanted = [s for s in SCENARIOS if s not in KNOWN_FAILING]
        for s, why in sorted(KNOWN_FAILING.items()):
            print("SKIP: vm/%s: known failure: %s" % (s, why), flush=True)
    bad = [s for s in wanted if s not in SCENARIOS + ["demo"]]
    if bad:
        ap.error("unknown scenario(s) %s; known: %s" % (" ".join(bad), " ".join(SCENARIOS)))
    guests = args.guest or os.environ.get("FO_VM_GUESTS", DEFAULT_GUESTS).split()
    ns = os.environ.get("FO_VM_NS") or "fov-%d" % os.getpid()
    build = os.environ.get("FO_BUILD", os.path.join(TOP, "build"))
    logroot = os.environ.get("FO_VM_LOGS", os.path.join(build, "test-logs", "vm"))
    workdir = tempfile.mkdtemp(prefix="fov-")
    runs = []

    def cleanup():
        for r in runs:
            if r.rig:
                r.rig.close()
                r.rig = None
        shutil.rmtree(workdir, ignore_errors=True)

    def on_signal(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)

    atexit.register(cleanup)
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    ok = True
    t0 = now()
    try:
        for guest in guests:
            r = Run(guest, args.l2, ns, os.path.join(workdir, guest), os.path.join(logroot, guest))
            runs.append(r)
            try:
                r.build_image()
            except RigError as e:
                for s in wanted:
                    say(Result(guest, s).line(False, "no guest image: %s" % e))
                ok = False
                continue
            sub = DEFAULT_SUBSET.get(guest) if not args.scenarios and not args.demo else None
            if sub is not None:
                info("%s: the default subset (DEFAULT_SUBSET, docs/testing.md): %s"
                     % (guest, " ".join(s for s in SCENARIOS if s in sub)))
            ok &= r.go([s for s in wanted if sub is None or s in sub])
    except KeyboardInterrupt:
        info("interrupted: tearing down")
        cleanup()
        return 130
    finally:
        cleanup()
    info("vm tier: %.0f s wall, logs in %s" % (now() - t0, logroot))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
