# SPDX-License-Identifier: LGPL-2.1-or-later
"""The replug path (issue 11): where the time between a new VF's kernel add
and failoverd enslaving it goes, and which path failoverd took.

One unplug/replug cycle with failoverd's debug trace on (log_level = debug
through `failoverctl reload`: one CLOCK_MONOTONIC-stamped line per
observation, request and change of pair state), `udevadm monitor` (kernel
and udev events, same clock) and `ip monitor address` recording in the
guest.  The timeline is merged on the guest's clock, written to the group's
log directory (replug-timeline.log) and summed up in the result line.

Checks beyond the hotplug cycle's own:
 - the path: on a kernel failoverd treats as live-rename capable (>= 6.2
   with live_rename = auto) the enslave request goes out before udev's
   rename (KERNEL move) of the VF; otherwise only after failoverd received
   the udev-processed (initialized) event of the VF;
 - udev's rename succeeded (the VF ends up with its udev name, enslaved);
 - the VF has failoverd's udev properties (FAILOVER_ROLE=primary,
   ID_NET_MANAGED_BY=org.failoverd, NM_UNMANAGED=1) in `udevadm info`;
 - no address other than an IPv6 link-local one was ever put on the VF
   (no network manager configured it in between).
"""

import os
import re

UDEVMON = "/run/fo-udevmon.log"
ADDRMON = "/run/fo-addrmon.log"
WANT_PROPS = ("FAILOVER_ROLE=primary", "ID_NET_MANAGED_BY=org.failoverd", "NM_UNMANAGED=1")


def live_rename_expected(release):
    """failoverd's live_rename = auto rule (src/daemon.c resolve_live_rename)."""
    m = re.match(r"(\d+)\.(\d+)", release)
    if not m:
        return False
    major, minor = int(m.group(1)), int(m.group(2))
    return major > 6 or (major == 6 and minor >= 2)


def parse_timeline(udevmon, journal, vfname):
    """Events of one replug on the guest's monotonic clock.  Returns a dict
    of the milestones and the merged list of (t, source, text)."""
    ev = []
    ms = {}
    # udevadm monitor:  KERNEL[123.456789] add      /devices/.../net/eth0 (net)
    rx = re.compile(r"^(KERNEL|UDEV)\s*\[(\d+\.\d+)\]\s+(\w+)\s+(\S+)\s+\(net\)")
    for line in udevmon.splitlines():
        m = rx.match(line)
        if not m:
            continue
        src, t, action, path = m.group(1), float(m.group(2)), m.group(3), m.group(4)
        name = path.rsplit("/", 1)[-1]
        ev.append((t, src.lower(), "%s %s" % (action, name)))
        if "/virtual/" in path:
            continue
        key = "%s_%s" % (src.lower(), action)
        if action == "add" and key not in ms:
            ms[key] = t
            if src == "KERNEL":
                ms["kernel_name"] = name
        elif action == "move" and name == vfname and key not in ms:
            ms[key] = t
    # journalctl -o short-monotonic:  [   52.912345] fo-guest failoverd[321]: trace 52.9123: ...
    rj = re.compile(r"^\[\s*(\d+\.\d+)\]\s+\S+\s+([^:\[]+)(?:\[\d+\])?:\s(.*)$")
    for line in journal.splitlines():
        m = rj.match(line)
        if not m:
            continue
        t, who, text = float(m.group(1)), m.group(2).strip(), m.group(3)
        if who == "failoverd":
            mt = re.match(r"trace (\d+\.\d+): (.*)$", text)
            if not mt:
                continue
            t, text = float(mt.group(1)), mt.group(2)
            ev.append((t, "failoverd", text))
            kn = ms.get("kernel_name")
            if (text.startswith("udev device %s " % vfname) or
                    (kn and text.startswith("udev device %s " % kn))) and \
                    text.endswith(" initialized") and "fo_udev" not in ms:
                ms["fo_udev"] = t
            if "fo_link" not in ms and any(text.startswith("rtnl link %s (" % n)
                                           for n in (kn, vfname) if n):
                ms["fo_link"] = t
            if text.startswith("sysfs probe of") and "fo_probe" not in ms:
                ms["fo_probe"] = t
            if text.startswith("sending request") and "fo_first_req" not in ms:
                ms["fo_first_req"] = t
            if text.startswith("sending request") and " enslave " in text and \
                    "fo_enslave_req" not in ms:
                ms["fo_enslave_req"] = t
            if text.startswith("sending request") and "primary" in text:
                ms["fo_primary_req"] = t
        elif who == "kernel":
            ev.append((t, "kernel", text))
            if "Enslaving" in text and "enslaved" not in ms:
                ms["enslaved"] = t
    ev.sort(key=lambda e: e[0])
    return ms, ev


def scenario_replug(run, g, res, api):
    """api: tests/vm/run.py's module (Fail, hotplug_cycle, check_failoverd)."""
    Fail = api.Fail
    api.check_failoverd(g)
    # The group's boot waited for udev's coldplug (Group.boot), so the pair
    # gets the same bound as in `boot`.
    api.wait_pair_up(g, "bond", 60 if g.ever_up else 90)
    release = g.sh("uname -r").strip()
    live = live_rename_expected(release)
    # Debug trace on, the recorders started; all of it undone at the end.
    g.sh("cp /etc/failoverd.conf /run/fo-failoverd.conf.orig && "
         "sed -i 's/^log_level.*/log_level = debug/' /etc/failoverd.conf && "
         "failoverctl reload")
    g.sh("systemd-run -q --unit fo-udevmon -p StandardOutput=file:%s "
         "udevadm monitor --kernel --udev --subsystem-match=net && "
         "systemd-run -q --unit fo-addrmon -p StandardOutput=file:%s "
         "ip -ts -o monitor address" % (UDEVMON, ADDRMON))
    # udevadm monitor prints its banner once it listens
    if g.vm.shell.wait_true("grep -q 'UDEV - the event' %s" % UDEVMON, 10) is None:
        raise Fail("udevadm monitor did not start in the guest")
    since = g.sh("cat /proc/uptime").split()[0]
    try:
        api.hotplug_cycle(run, g, res, "vf5", 5)
    finally:
        g.sh("systemctl stop fo-udevmon fo-addrmon; "
             "cp /run/fo-failoverd.conf.orig /etc/failoverd.conf && failoverctl reload; true")
    vfname = "enp5s0"
    udevmon = g.sh("cat %s" % UDEVMON, timeout=30)
    addrmon = g.sh("cat %s" % ADDRMON, timeout=30)
    journal = g.sh("journalctl -b -o short-monotonic --no-pager "
                   "| grep -E ' (kernel|failoverd\\[[0-9]+\\]): ' | grep -v ' kernel: audit'",
                   timeout=60)
    journal = "\n".join(l for l in journal.splitlines()
                         if re.match(r"^\[\s*(\d+\.\d+)\]", l)
                         and float(re.match(r"^\[\s*(\d+\.\d+)\]", l).group(1))
                         >= float(since) - 1)
    ms, ev = parse_timeline(udevmon, journal, vfname)
    t0 = ms.get("kernel_add")
    logdir = os.path.join(run.rig.workdir, "replug")
    os.makedirs(logdir, exist_ok=True)
    logpath = os.path.join(logdir, "timeline.log")   # saved as replug-timeline.log
    with open(logpath, "w") as f:
        f.write("guest kernel %s, failoverd live_rename expected %s\n" % (release, live))
        for t, src, text in ev:
            f.write("%+9.3f %-9s %s\n" % (t - t0 if t0 else t, src, text))
        f.write("\n# milestones\n")
        for k, v in sorted(ms.items(), key=lambda kv: str(kv[1])):
            f.write("%s %s\n" % (k, v))
        f.write("\n# ip monitor address\n" + addrmon)
    if t0 is None:
        raise Fail("no kernel add of the new VF in udevadm monitor's log (%s)" % logpath)

    def rel(k):
        return "%.2f" % (ms[k] - t0) if k in ms else "n/a"

    res.fig("kernel %s, timeline from kernel add: udev rename %s, udev event at failoverd %s, "
            "first request %s, enslave request %s, enslaved %s, primary request %s"
            % (release, rel("kernel_move"), rel("fo_udev"), rel("fo_first_req"),
               rel("fo_enslave_req"), rel("enslaved"), rel("fo_primary_req")))
    # The path taken.
    if "fo_enslave_req" not in ms:
        raise Fail("no enslave request in failoverd's trace (%s)" % logpath)
    if "kernel_move" not in ms:
        raise Fail("udev never renamed the new VF to %s (%s)" % (vfname, logpath))
    before_rename = ms["fo_enslave_req"] < ms["kernel_move"]
    # failoverd's own reaction: from the observation that made the VF
    # actionable (its first link message on the live path, udev's
    # processed event otherwise) to the enslave request, both from its trace.
    start = ms.get("fo_link") if before_rename else ms.get("fo_udev")
    if start is not None:
        res.fig("reaction %.3f s (%s -> enslave request)"
                % (ms["fo_enslave_req"] - start,
                   "first link message" if before_rename else "udev event"))
    res.fig("path %s" % ("live (enslaved before udev's rename)" if before_rename
                         else "udev (after the udev-processed event)"))
    if live and not before_rename:
        raise Fail("kernel %s renames UP devices, yet failoverd waited for udev's rename "
                   "before enslaving (%s)" % (release, logpath))
    if not live:
        if before_rename:
            raise Fail("kernel %s cannot rename UP devices, yet failoverd enslaved the VF "
                       "before udev's rename (%s)" % (release, logpath))
        if "fo_udev" not in ms or ms["fo_udev"] > ms["fo_enslave_req"]:
            raise Fail("failoverd enslaved the VF before the udev-processed event (%s)"
                       % logpath)
    # udev finished with the VF after all: properties and name.
    props = g.sh("udevadm info -q property /sys/class/net/%s" % vfname)
    missing = [p for p in WANT_PROPS if p not in props.splitlines()]
    if missing:
        raise Fail("%s lacks failoverd's udev properties %s" % (vfname, " ".join(missing)))
    if "ID_NET_NAME_PATH=%s" % vfname not in props.splitlines():
        raise Fail("%s: udev's database does not name it by path" % vfname)
    # Nothing configured the VF on the way: addresses on its name, or on
    # the kernel's name before the rename.
    names = {vfname, ms.get("kernel_name", vfname)}
    bad = [l for l in addrmon.splitlines()
           if any(re.search(r"\b%s\b" % re.escape(n), l) for n in names)
           and "inet6 fe80:" not in l]
    if bad:
        raise Fail("an address was put on the VF between add and enslave: %s" % bad[0])
