# SPDX-License-Identifier: LGPL-2.1-or-later
"""The team group of the vm tier (imported by run.py).

A team has no link watcher of its own in the kernel (teamd is not running):
failoverd sets activeport from the members' carrier.  And a team port,
unlike a bond slave (IFF_SLAVE), runs addrconf when the team opens it, so
failoverd turns the port's IPv6 link-local generation off before it joins
(docs/design.md, "Netlink backend").  The scenarios:

  team          boot + hotplug on the team backend; after each, neither
                member carries an IPv6 address (`ip -6 addr show dev M`).
  team-carrier  QMP set_link off on the VF: activeport moves to the
                standby; set_link on: back to the VF.  Times and ping gaps.
  team-restart  SIGKILL failoverd and start it again: it adopts the team
                with zero netlink writes and no ping lost.

Every function takes `lib`, the run.py module (its Fail, helpers and
constants), so that this file never imports run.py a second time.
"""
import time

from rig import fmt, now

# QEMU 7.2's e1000e raises no link-change interrupt the guest's driver sees
# in MSI-X mode, so QMP set_link never reaches the guest as a carrier change
# (the same is reported for QEMU 4.1, Red Hat bug 1707646).  With a legacy
# interrupt the driver reads ICR in its one handler and notices LSC.  MSI
# (IntMode=1) works too, but only after the driver's MSI self-test fails at
# every open and falls back to legacy (seconds under load, inside the
# enslave).  One value per board: each hot-added VF is a new board, and the
# driver takes at most 32 (E1000_MAX_NIC).  The team and rel groups (both
# toggle the VF's link) boot with it.
APPEND = "e1000e.IntMode=" + ",".join(["0"] * 32)

# Polling a guest command costs a shell round trip (about 0.05-0.3 s under
# TCG): times taken that way are upper bounds, and scenario figures say so.
ACTIVE_TIMEOUT = 30


def ifindex(lib, g, dev):
    out = g.sh("cat /sys/class/net/%s/ifindex" % dev)
    if not out.isdigit():
        raise lib.Fail("no ifindex for %s: %r" % (dev, out))
    return int(out)


def activeport(g, agg):
    """The team's activeport as an ifindex (teamnl talks generic netlink
    to the kernel; no teamd involved), or None if unreadable."""
    rc, out, _ = g.vm.shell.run("teamnl %s getoption activeport" % agg)
    out = out.strip()
    return int(out) if rc == 0 and out.isdigit() else None


def wait_active(g, agg, want, timeout):
    """Host time at which activeport was seen to be `want`, or None."""
    return g.vm.shell.wait_true("[ \"$(teamnl %s getoption activeport 2>/dev/null)\" = %d ]"
                                % (agg, want), timeout)


LINK_LOCAL_WAIT = 30  # s: the team's own link-local after the pair is up


def check_no_ipv6(lib, g, agg, when):
    """Both members present, neither with any IPv6 address (link-local
    included): a team port with one answers neighbour discovery beside
    the team.  Returns the members."""
    # The check below must be able to fail: the team itself gets its
    # link-local.  addrconf adds it once the team is up with carrier, which
    # on a slow boot (Debian 13 under TCG load) came after the pair was
    # complete: wait for that event rather than look once, and only then
    # look at the ports, which addrconf has had the same time to address.
    if g.vm.shell.wait_true("ip -6 addr show dev %s | grep -q 'inet6 fe80::'" % agg,
                            LINK_LOCAL_WAIT) is None:
        raise lib.Fail("%s: %s itself has no IPv6 link-local within %d s (is IPv6 on in the "
                       "guest?)" % (when, agg, LINK_LOCAL_WAIT))
    mem = g.members(agg)
    if len(mem) != 2:
        raise lib.Fail("%s: %s has members %s, want the standby and the VF" % (when, agg, mem))
    for m in mem:
        out = g.sh("ip -6 addr show dev %s" % m)
        if out.strip():
            mode = g.sh("ip -d link show dev %s | grep -o 'addrgenmode [a-z0-9_]*'" % m)
            raise lib.Fail("%s: team port %s carries IPv6 addresses (%s): %s"
                           % (when, m, mode or "addrgenmode ?", " ".join(out.split())))
    return mem


def diag(lib, g):
    """More than the group's dump shows: every link in detail (kind, alias,
    addrgenmode), the team's options and failoverd's own view."""
    try:
        out = g.sh("ip -d link show; for t in $(ip -o link show type team | cut -d: -f2); do "
                   "echo \"team $t:\"; teamnl $t options; done; "
                   "failoverctl status --json", timeout=30)
    except Exception as e:  # the guest may be gone: the dump says so
        out = "(guest: %s)" % e
    lib.say("    ---- team diagnostics")
    for line in out.splitlines()[-120:]:
        lib.say("    | " + line)


def scenario_team(run, g, res, lib):
    try:
        lib.scenario_boot(run, g, res, backend="team")
    except lib.Fail:
        diag(lib, g)
        raise
    mem = check_no_ipv6(lib, g, lib.AGG, "after boot")
    modes = g.sh("for m in %s; do ip -d link show dev $m | grep -o 'addrgenmode [a-z0-9_]*'; "
                 "done | sort | uniq -c | tr -s ' '" % " ".join(mem))
    res.fig("no IPv6 on %s (%s)" % ("+".join(mem), modes.strip().replace("\n", ",")))
    lib.hotplug_cycle(run, g, res, "vf1", 3, backend="team")
    mem = check_no_ipv6(lib, g, lib.AGG, "after replug")
    res.fig("no IPv6 on %s after replug" % "+".join(mem))


def scenario_team_carrier(run, g, res, lib):
    """failoverd is the team's link watcher: activeport follows carrier."""
    agg = lib.AGG
    lib.check_failoverd(g)
    lib.wait_pair_up(g, "team", 60)
    vf = "enp%ds0" % g.slot
    sby = "%snsby" % agg
    i_vf, i_sby = ifindex(lib, g, vf), ifindex(lib, g, sby)
    if activeport(g, agg) != i_vf:
        raise lib.Fail("activeport is %s before the test, not the VF %s (%d)"
                       % (activeport(g, agg), vf, i_vf))
    g.wait_stream(g.vf_tap, now() - 1, 30, "VF before set_link off")
    t0 = now()
    g.sh("true")
    rtt = now() - t0

    # carrier off on the VF (QEMU's link state, the guest sees NO-CARRIER)
    try:
        carrier_cycle(lib, g, res, agg, vf, sby, i_vf, i_sby, rtt)
    finally:
        # whatever happened, leave the VF's link up and the MAC on its port
        if g.vm.alive():
            g.vm.set_link(g.vf.id, True)
        g.pin(g.vf_tap)


def carrier_cycle(lib, g, res, agg, vf, sby, i_vf, i_sby, rtt):
    t_off = g.vm.set_link(g.vf.id, False)
    # the eswitch model: the host side follows the link, like an unplug
    g.unpin(g.vf_tap)
    t_nc = g.vm.shell.wait_true("[ \"$(cat /sys/class/net/%s/carrier)\" = 0 ]" % vf,
                                ACTIVE_TIMEOUT)
    if t_nc is None:
        raise lib.Fail("the guest's %s never lost carrier after QMP set_link off (a rig "
                       "problem, not failoverd's: see APPEND in sc_team.py)" % vf)
    t_moved = wait_active(g, agg, i_sby, ACTIVE_TIMEOUT)
    if t_moved is None:
        raise lib.Fail("activeport did not move to the standby %s (%d) within %d s of the VF's "
                       "carrier loss (it is %s)" % (sby, i_sby, ACTIVE_TIMEOUT,
                                                    activeport(g, agg)))
    t_sb = g.wait_stream(g.sb_tap, t_off, 30, "standby after the VF's carrier loss")
    time.sleep(1)
    off = g.ping.stats(t_off, now())
    g.check_members_bare(agg)
    if g.master_of(vf) != agg:
        raise lib.Fail("the VF %s left %s on carrier loss (it should stay a port)" % (vf, agg))

    # carrier back: failoverd prefers the VF again
    g.pin(g.vf_tap)
    t_on = g.vm.set_link(g.vf.id, True)
    t_c = g.vm.shell.wait_true("[ \"$(cat /sys/class/net/%s/carrier)\" = 1 ]" % vf,
                               ACTIVE_TIMEOUT)
    if t_c is None:
        raise lib.Fail("the guest's %s never got its carrier back after QMP set_link on" % vf)
    t_back = wait_active(g, agg, i_vf, ACTIVE_TIMEOUT)
    if t_back is None:
        raise lib.Fail("activeport did not return to the VF %s (%d) within %d s of its carrier "
                       "(it is %s)" % (vf, i_vf, ACTIVE_TIMEOUT, activeport(g, agg)))
    t_vf = g.wait_stream(g.vf_tap, t_on, 30, "VF after its carrier came back")
    time.sleep(2)
    on = g.ping.stats(t_on, now())
    res.fig("carrier off: guest carrier 0 at %s, activeport -> standby %s, standby stream %s, "
            "gap %s lost %d; carrier on: guest carrier 1 at %s, activeport -> VF %s, "
            "VF stream %s, gap %s lost %d (times after set_link, polled through the guest "
            "shell, round trip %s)"
            % (fmt(t_nc - t_off), fmt(t_moved - t_off), fmt(t_sb - t_off), fmt(off["gap"]),
               off["lost"], fmt(t_c - t_on), fmt(t_back - t_on), fmt(t_vf - t_on),
               fmt(on["gap"]), on["lost"], fmt(rtt)))
    if off["gap"] is None or off["gap"] > lib.MAX_UNPLUG_GAP:
        raise lib.Fail("carrier-loss outage %s (bound %.0f s)"
                       % (fmt(off["gap"]), lib.MAX_UNPLUG_GAP))
    if on["gap"] is None or on["gap"] > lib.MAX_REPLUG_GAP:
        raise lib.Fail("carrier-return outage %s (bound %.0f s)"
                       % (fmt(on["gap"]), lib.MAX_REPLUG_GAP))


def team_state(g, agg):
    return g.sh("ip -o link show dev %s | cut -d: -f1; ls /sys/class/net/%s | grep ^lower_; "
                "teamnl %s getoption activeport; teamnl %s getoption mode"
                % (agg, agg, agg, agg))


def scenario_team_restart(run, g, res, lib):
    """Adoption: a restarted failoverd finds the team right (ports, activeport,
    the ports' address generation mode) and writes nothing."""
    agg = lib.AGG
    lib.check_failoverd(g)
    lib.wait_pair_up(g, "team", 60)
    g.wait_stream(g.vf_tap, now() - 1, 30, "VF before restart")
    before = team_state(g, agg)
    pid0 = g.sh("systemctl show -P MainPID failoverd.service")
    t_kill = now()
    g.sh("systemctl kill -s KILL --kill-who=main failoverd.service")
    g.vm.shell.wait_true("[ \"$(systemctl show -P MainPID failoverd.service)\" != %s ]" % pid0,
                         20)
    g.sh("systemctl start failoverd.service", timeout=60)
    pid1 = g.sh("systemctl show -P MainPID failoverd.service")
    if pid1 in ("0", pid0):
        raise lib.Fail("failoverd did not come back (MainPID %s)" % pid1)
    t_st = g.vm.shell.wait_true("failoverctl status --json 2>/dev/null | "
                                "grep -q '\"ready\": *true'", 30)
    if t_st is None:
        raise lib.Fail("failoverctl status does not report ready after the restart")
    time.sleep(3)
    reqs = lib.netlink_requests(lib.ctl_json(g))
    after = team_state(g, agg)
    time.sleep(1)
    st = g.ping.stats(t_kill, now())
    res.fig("netlink requests after restart %d, lost %d of %d, gap %s, status after %s"
            % (reqs, st["lost"], st["sent"], fmt(st["gap"]), fmt(t_st - t_kill)))
    if before != after:
        raise lib.Fail("the team changed across the restart: %r -> %r" % (before, after))
    if reqs != 0:
        raise lib.Fail("the restarted daemon sent %d netlink requests (want 0)" % reqs)
    if st["lost"] != 0:
        raise lib.Fail("%d pings lost across the restart (want 0)" % st["lost"])
    check_no_ipv6(lib, g, agg, "after the restart")


SCENARIOS = ["team", "team-carrier", "team-restart"]
SCENARIO_FN = {
    "team": scenario_team,
    "team-carrier": scenario_team_carrier,
    "team-restart": scenario_team_restart,
}
