# SPDX-License-Identifier: LGPL-2.1-or-later
"""The pkg boot group: failoverd as a cloud image gets it (issue 8).

One QEMU guest, two boots of the same disk:

  boot 1  a Debian 12 image with cloud-init and no failoverd, a NoCloud seed
          (examples/cloud-init/make-seed --deb: the shipped #cloud-config
          with failoverd's .deb embedded, no network needed) on a second
          drive, DHCP from dnsmasq in the rig's namespace.  cloud-init
          installs the package and reboots (power_state); -no-reboot turns
          the reboot into QEMU's exit.
  boot 2  a new QEMU on the same disk and NICs (as a cloud's reboot):
          failoverd builds the pair before networking.service, and ifupdown's
          "iface enp1s0 inet dhcp" runs dhclient on the aggregate.

Scenarios (in this order, on boot 2):
  nocloud       the pair is up with the DHCP address and answers pings;
                cloud-init finished, installed the .deb; what cloud-init's
                log says about the same-MAC pair ("duplicate mac found").
  udev-sandbox  tests/pkg/guest-check in the guest (udev properties on both
                members, systemd-analyze security <= 3.0, the unit active);
                the daemon, under the real unit, walked the capability lists
                past the 64-byte header of both members' config spaces; then
                the VF is replaced by a hot-added one and the checks repeat.
  dhcp          no member ever sent a DHCP request (see scenario_dhcp()).
"""
import os
import re
import signal
import struct
import subprocess
import time

from rig import HERE, Nic, RigError, Vm, _child_setup, fmt, now

TOP = os.path.dirname(os.path.dirname(HERE))
SCENARIOS = ["nocloud", "udev-sandbox", "dhcp"]
LEASE = "2m"          # dnsmasq's minimum: the guest renews within the run


class SeededVm(Vm):
    """A Vm with the NoCloud seed as a second, read-only virtio disk."""

    def __init__(self, *args, seed=None, **kw):
        super().__init__(*args, **kw)
        self.seed = seed

    def argv(self):
        a = super().argv()
        i = a.index("-chardev")
        return a[:i] + ["-drive", "file=%s,if=virtio,format=raw,readonly=on" % self.seed] + a[i:]


# ---------------------------------------------------------------------------
# Host side: dnsmasq and one capture per tap
# ---------------------------------------------------------------------------
class Dhcp:
    """dnsmasq on br0 (addresses from 192.0.2.0/24 only; the pair's MAC gets
    192.0.2.2, the address the rig pings) and tcpdump on each tap, frames the
    guest sent only (-Q in), written as pcap and parsed at the end."""

    def __init__(self, rig, mac, addr, taps):
        self.rig = rig
        self.dir = os.path.join(rig.workdir, "dhcp")
        os.makedirs(self.dir, exist_ok=True)
        ns = rig.net.name
        # pcap time stamps are wall clock; the harness works in monotonic.
        self.wall_off = time.time() - now()
        self.procs = []
        self.log = os.path.join(self.dir, "dnsmasq.log")
        self.dnsmasq = subprocess.Popen(
            ["ip", "netns", "exec", ns, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
             "--user=root", "--port=0", "--no-resolv", "--no-hosts", "--interface=br0",
             "--bind-interfaces", "--dhcp-authoritative", "--pid-file=",
             "--dhcp-range=192.0.2.100,192.0.2.199,255.255.255.0,%s" % LEASE,
             "--dhcp-host=%s,%s,%s" % (mac, addr, LEASE),
             "--dhcp-leasefile=%s" % os.path.join(self.dir, "leases"),
             "--log-dhcp", "--log-facility=%s" % self.log],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            preexec_fn=_child_setup, start_new_session=True)
        self.procs.append(self.dnsmasq)
        self.pcaps = {}
        for tap in taps:
            path = os.path.join(self.dir, tap + ".pcap")
            p = subprocess.Popen(
                ["ip", "netns", "exec", ns, "tcpdump", "-i", tap, "-Q", "in", "-U", "-n", "-s", "0",
                 "-w", path, "udp and (port 67 or port 68)"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=open(os.path.join(self.dir, tap + ".tcpdump.log"), "w"),
                preexec_fn=_child_setup, start_new_session=True)
            self.procs.append(p)
            self.pcaps[tap] = path
        # tcpdump writes the pcap header once it listens.
        end = now() + 10
        while now() < end and not all(os.path.getsize(p) >= 24 if os.path.exists(p) else False
                                      for p in self.pcaps.values()):
            time.sleep(0.05)
        if self.dnsmasq.poll() is not None:
            raise RigError("dnsmasq exited: %s" % self.tail())

    def tail(self):
        try:
            with open(self.log) as f:
                return " | ".join(f.read().splitlines()[-5:])
        except OSError:
            return "(no log)"

    def requests(self):
        """Every DHCPDISCOVER/DHCPREQUEST the guest sent so far:
        [(monotonic time, tap, xid, type, chaddr, client-id or None)]."""
        out = []
        for tap, path in self.pcaps.items():
            for ts, frame in read_pcap(path):
                r = parse_dhcp(frame)
                if r and r[1] in (1, 3):   # DISCOVER, REQUEST
                    out.append((ts - self.wall_off, tap) + r)
        return sorted(out)

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []


def read_pcap(path):
    """(wall time, frame) of each record of a classic pcap file (tcpdump -w);
    a record cut short by the capture's end is dropped."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return []
    if len(data) < 24:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    nano = struct.unpack(end + "I", data[:4])[0] == 0xa1b23c4d
    res, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        if off + incl > len(data):
            break
        res.append((sec + frac / (1e9 if nano else 1e6), data[off:off + incl]))
        off += incl
    return res


def parse_dhcp(frame):
    """(xid, message type, chaddr, client-id hex or None) of a BOOTREQUEST in
    an Ethernet/IPv4/UDP frame, else None."""
    if len(frame) < 14 + 20 + 8 + 240 or frame[12:14] != b"\x08\x00":
        return None
    ihl = (frame[14] & 0x0f) * 4
    if frame[14 + 9] != 17:
        return None
    udp = 14 + ihl
    dport = struct.unpack(">H", frame[udp + 2:udp + 4])[0]
    b = frame[udp + 8:]
    if dport != 67 or len(b) < 240 or b[0] != 1 or b[236:240] != b"\x63\x82\x53\x63":
        return None
    xid = struct.unpack(">I", b[4:8])[0]
    chaddr = ":".join("%02x" % x for x in b[28:34])
    mtype, cid, i = None, None, 240
    while i < len(b) and b[i] != 255:
        if b[i] == 0:
            i += 1
            continue
        if i + 1 >= len(b):
            break
        code, ln = b[i], b[i + 1]
        val = b[i + 2:i + 2 + ln]
        if code == 53 and ln == 1:
            mtype = val[0]
        elif code == 61:
            cid = val.hex()
        i += 2 + ln
    return xid, mtype, chaddr, cid


DHCP_TYPE = {1: "DISCOVER", 3: "REQUEST"}


# ---------------------------------------------------------------------------
# The group
# ---------------------------------------------------------------------------
def cloud_image(run, h):
    """The cloud variant of the guest image (cloud-init, isc-dhcp-client,
    DHCP on enp1s0), without failoverd: cloud-init installs it."""
    t0 = now()
    env = dict(os.environ, FO_VM_VARIANT="cloud", FO_VM_NO_FAILOVERD="1")
    p = subprocess.run([os.path.join(HERE, "mkimage"), run.guest], stdout=subprocess.PIPE,
                       text=True, env=env)
    if p.returncode != 0:
        raise RigError("FO_VM_VARIANT=cloud tests/vm/mkimage %s failed (exit %d)"
                       % (run.guest, p.returncode))
    img = {}
    for line in p.stdout.splitlines():
        k, _, v = line.partition("=")
        img[k] = v.strip("'")
    h.info("cloud image for %s ready in %.0f s: %s" % (run.guest, now() - t0, img["IMAGE"]))
    return img


def find_deb():
    """The .deb the pkg tier built from this build tree (tests/pkg/test-deb
    leaves it in $FO_BUILD/deb/), not older than the daemon it packages."""
    build = os.environ.get("FO_BUILD", os.path.join(TOP, "build"))
    d = os.path.join(build, "deb")
    debs = sorted((os.path.join(d, f) for f in os.listdir(d) if f.endswith(".deb")
                   and f.startswith("failoverd_")), key=os.path.getmtime) \
        if os.path.isdir(d) else []
    if not debs:
        raise RigError("no failoverd .deb in %s (tests/pkg/run test-deb builds it)" % d)
    daemon = os.path.join(build, "src", "failoverd")
    if os.path.exists(daemon) and os.path.getmtime(daemon) > os.path.getmtime(debs[-1]):
        raise RigError("%s is older than %s: rebuild it (tests/pkg/run test-deb)"
                       % (debs[-1], daemon))
    return debs[-1]


def make_seed(rig, deb, h):
    """examples/cloud-init/make-seed: the shipped #cloud-config, the .deb
    embedded (the guest has no route to a mirror), the rig's failoverd.conf
    (the example's plus pair_by_mac = all: QEMU has no group-ID capability,
    so the pair can only be keyed by its MAC)."""
    out = os.path.join(rig.workdir, "seed")
    img = os.path.join(rig.workdir, "seed.img")
    conf = os.path.join(rig.workdir, "failoverd.conf")
    with open(os.path.join(TOP, "examples", "cloud-init", "failoverd.yaml")) as f:
        m = re.search(r"content: \|\n((?:      .*\n|\s*\n)+)", f.read())
    if not m:
        raise RigError("cannot find /etc/failoverd.conf's content in failoverd.yaml")
    text = "".join(l[6:] + "\n" for l in m.group(1).splitlines())
    if not re.search(r"^pair_by_mac = off$", text, re.M):
        raise RigError("the example's failoverd.conf no longer says pair_by_mac = off")
    text = re.sub(r"^pair_by_mac = off$", "pair_by_mac = all", text, flags=re.M)
    text += "log_level = info\n"
    with open(conf, "w") as f:
        f.write(text)
    p = subprocess.run([os.path.join(TOP, "examples", "cloud-init", "make-seed"), "--deb", deb,
                        "--config", conf, "--instance-id", "fo-pkg-%d" % os.getpid(),
                        "--vfat", img, out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if p.returncode != 0:
        raise RigError("make-seed failed: %s" % p.stdout.strip()[-400:])
    return img


def dump_more(g, h):
    """What the generic dump leaves out and a cloud image's boot needs:
    altnames, udev's view, the files that rename or configure NICs."""
    if g.vm is None or not g.vm.alive():
        return
    for title, cmd in (("ip -d link (altnames)", "ip -d link show | grep -v '^ *link/\\|numtxq'"),
                       ("udev and network files", "ls -l /etc/udev/rules.d /run/udev/rules.d "
                        "/etc/systemd/network /run/systemd/network 2>&1"),
                       ("cloud-init and failoverd journal", "journalctl -b --no-pager -o "
                        "short-monotonic -u cloud-init-local -u failoverd -u networking | "
                        "tail -n 60"),
                       ("udev properties", "for d in /sys/class/net/*; do echo \"== $d\"; "
                        "udevadm info -q property $d | grep -E 'FAILOVER|NM_UNM|MANAGED|"
                        "ID_NET_NAME|INTERFACE|ID_NET_LINK'; done")):
        try:
            rc, out, _ = g.vm.shell.run(cmd, timeout=30)
        except RigError as e:
            out = "(guest shell: %s)" % e
        h.say("    ---- %s" % title)
        for line in out.splitlines()[-80:]:
            h.say("    | " + line)


def group_pkg(run, g, want, h):
    """h: run.py's module (Result, Fail, say, info, wait_pair_up, ...)."""
    M = h
    nics = [Nic("sb0", "virtio-net-pci", M.MAC1, "tapsb0", "rp1"),
            Nic("vf0", "e1000e", M.MAC1, "tapvf0", "rp2")]
    g.vf = nics[1]
    dhcp = None
    ctx = {}
    try:
        img = cloud_image(run, h)
        deb = find_deb()
        g.rig.image = img
        seed = make_seed(g.rig, deb, h)
        dhcp = Dhcp(g.rig, M.MAC1, M.GUEST_ADDR, ["tapsb0", "tapvf0"])
        ctx["dhcp"] = dhcp
        disk = g.rig.overlay("pkg")
        # Boot 1: no failoverd yet; a learning bridge (the VF is down and
        # unconfigured, the standby alone talks).
        t1 = now()
        vm1 = SeededVm(g.rig, "boot1", nics, taps=["tapvf1"], disk=disk, seed=seed)
        g.vm = vm1
        vm1.start()
        vm1.shell.wait_ready(240)
        t_sh1 = now()
        # cloud-init's power_state reboot ends this QEMU (-no-reboot).
        t_down, ev = vm1.qmp.wait_event("SHUTDOWN", t1, 600)
        if t_down is None:
            raise M.Fail("boot 1: the guest did not reboot within 600 s (cloud-init's "
                         "power_state); cloud-init status: %s"
                         % vm1.shell.run("cloud-init status --long", timeout=60)[1].strip())
        reason = ev["data"].get("reason")
        try:
            vm1.proc.wait(30)
        except subprocess.TimeoutExpired:
            raise M.Fail("boot 1: QEMU did not exit after the guest's %s" % reason)
        ctx["boot1"] = (t_sh1 - t1, t_down - t1, reason)
        ctx["t_boot2"] = now()
        # Boot 2: eswitch model from here on (the VF owns the MAC's port).
        g.pin("tapvf0")
        vm2 = SeededVm(g.rig, "boot2", nics, taps=["tapvf1"], disk=disk, seed=seed)
        g.vm = vm2
        g.t_boot = now()
        vm2.start()
        t_sh = vm2.shell.wait_ready(240)
        # cloud-init runs its config and final stages on every boot; under
        # TCG on a loaded machine that alone took minutes.
        rc, out, t_run = vm2.shell.run("systemctl is-system-running --wait", timeout=600)
        g.boot_figs = {"shell": t_sh - g.t_boot, "running": t_run - g.t_boot,
                       "state": out.strip()}
        h.info("pkg: boot 1 (cloud-init) %.1f s to %s, boot 2 systemd %s at %.1f s"
               % (t_down - t1, reason, out.strip(), t_run - g.t_boot))
        g.ping = g.rig.ping(M.GUEST_ADDR)
    except (M.Fail, RigError, OSError) as e:
        for s in want:
            M.say(M.Result(run.guest, s).line(False, "boot failed: %s" % e))
        g.dump()
        dump_more(g, h)
        if dhcp:
            dhcp.close()
        return False
    ok = True
    fns = {"nocloud": scenario_nocloud, "udev-sandbox": scenario_udev_sandbox,
           "dhcp": scenario_dhcp}
    try:
        for s in want:
            res = M.Result(run.guest, s)
            try:
                if not g.vm.alive():
                    raise M.Fail("the guest is gone")
                fns[s](run, g, res, h, ctx)
                M.say(res.line(True))
            except (M.Fail, RigError, OSError) as e:
                ok = False
                M.say(res.line(False, str(e)))
                g.dump()
                dump_more(g, h)
    finally:
        dhcp.close()
    return ok


def scenario_nocloud(run, g, res, h, ctx):
    M = h
    s1, d1, why = ctx["boot1"]
    res.fig("boot 1 (cloud-init, .deb from the seed) shell %s, %s %s"
            % (fmt(s1), why, fmt(d1)))
    M.check_failoverd(g)
    t_up = M.wait_pair_up(g, "bond", 90)
    mem = g.check_members_bare(M.AGG)
    if len(mem) != 2:
        raise M.Fail("%s has members %s, want the standby and the VF" % (M.AGG, mem))
    start_agg_capture(g, M.AGG)
    ctx["agg_capture"] = now()
    # The address came from dnsmasq, not from a static file.
    if "dynamic" not in g.sh("ip -o -4 addr show dev %s" % M.AGG):
        raise M.Fail("%s's address is not a DHCP lease: %s"
                     % (M.AGG, g.sh("ip -o -4 addr show dev %s" % M.AGG)))
    if not g.ping.wait_replies(0, 50, 30):
        raise M.Fail("no ping replies from %s" % M.GUEST_ADDR)
    st = g.sh("cloud-init status --long 2>&1 | head -5; true", timeout=60)
    if "status: done" not in st:
        why = g.sh("cloud-init status --long 2>&1 | sed -n '/errors:/,$p' | head -20; "
                   "journalctl -b --no-pager -o cat -u cloud-init-network.service "
                   "-u cloud-init.service | tail -n 20; "
                   "grep -E 'ERROR|WARNING|Traceback' /var/log/cloud-init.log | tail -n 20; true",
                   timeout=60)
        raise M.Fail("cloud-init did not finish: %s\n%s" % (st.replace("\n", " | "), why))
    how = g.sh("cat /etc/fo-test-installed; dpkg-query -W -f='${Status} ${Version}' failoverd")
    if "install ok installed" not in how:
        raise M.Fail("failoverd is not installed by dpkg: %s" % how)
    if not how.startswith("none"):
        raise M.Fail("the image was not built without failoverd: %s" % how)
    inst = g.sh("grep -c 'Setting up failoverd' /var/log/cloud-init-output.log; true")
    if inst in ("", "0"):
        raise M.Fail("cloud-init-output.log does not show dpkg setting up failoverd")
    dup = g.sh("grep -h 'duplicate mac found' /var/log/cloud-init.log | head -3; true")
    ndup = g.sh("grep -c 'duplicate mac found' /var/log/cloud-init.log; true")
    h.info("cloud-init.log, 'duplicate mac found': %s line(s)%s"
           % (ndup, (":\n    " + dup.replace("\n", "\n    ")) if dup else ""))
    ctx["dup"] = (ndup, dup)
    res.fig("boot 2 %s, %s up %s (DHCP lease), first reply %s, cloud-init done, "
            "'duplicate mac found' in cloud-init.log %s time(s)"
            % (fmt(g.boot_figs["running"]), M.AGG, fmt(t_up - g.t_boot),
               fmt(min(g.ping.recv.values()) - g.t_boot) if g.ping.recv else "n/a", ndup))


GUEST_CHECK = os.path.join(TOP, "tests", "pkg", "guest-check")


def run_guest_check(g, h):
    with open(GUEST_CHECK) as f:
        script = f.read()
    if "FO_GUEST_CHECK_EOF" in script:
        raise RigError("guest-check contains the heredoc marker")
    g.vm.shell.run("cat >/root/guest-check <<'FO_GUEST_CHECK_EOF'\n%sFO_GUEST_CHECK_EOF\n"
                   "chmod +x /root/guest-check" % script, timeout=30, check=True)
    rc, out, _ = g.vm.shell.run("/root/guest-check", timeout=120)
    lines = [l for l in out.splitlines() if l.startswith(("ok:", "FAIL:"))]
    for l in lines:
        h.info("guest-check: " + l)
    bad = [l for l in lines if l.startswith("FAIL:")]
    if rc != 0 or bad or not lines:
        raise h.Fail("guest-check (exit %d): %s" % (rc, "; ".join(bad) or out.strip()[-300:]))
    score = re.search(r"security failoverd.service: ([0-9.]+)", out)
    return score.group(1) if score else "?"


def config_space_proof(g, h, members):
    """Both members' config spaces as the daemon read them, under the unit:
    a capability walk (status absent or found) needs bytes past the 64-byte
    header; a reader without CAP_SYS_ADMIN gets exactly 64 (no-privilege)."""
    st = h.ctl_json(g)
    seen = {}
    for n in st.get("nics", []):
        if n.get("name") in members:
            seen[n["name"]] = (n.get("group_id_status"), n.get("group_id_reason", ""))
    for m in members:
        if m not in seen:
            raise h.Fail("failoverctl status --json does not list member %s" % m)
        stt, why = seen[m]
        if stt not in ("absent", "found"):
            raise h.Fail("the daemon's config-space read of %s: %s (%s)" % (m, stt, why))
    return seen


def daemon_caps(g):
    pid = g.sh("systemctl show -P MainPID failoverd.service")
    caps = g.sh("sed -n 's/^CapEff:\\t*//p' /proc/%s/status" % pid)
    return pid, caps


UDEV_PROPS = ("FAILOVER_ROLE", "FAILOVER_KEY_SOURCE", "NM_UNMANAGED", "ID_NET_MANAGED_BY",
              "FAILOVERD_MEMBER")


def udev_props(g, dev):
    out = g.sh("udevadm info -q property /sys/class/net/%s" % dev)
    return {k: v for k, _, v in (l.partition("=") for l in out.splitlines()) if k in UDEV_PROPS}


def scenario_udev_sandbox(run, g, res, h, ctx):
    M = h
    M.check_failoverd(g)
    M.wait_pair_up(g, "bond", 60)
    members = g.members(M.AGG)
    score = run_guest_check(g, h)
    pid, caps = daemon_caps(g)
    # CAP_SYS_ADMIN is bit 21 of the effective set.
    if not int(caps or "0", 16) & (1 << 21):
        raise M.Fail("failoverd (pid %s) runs without CAP_SYS_ADMIN (CapEff %s)" % (pid, caps))
    seen = config_space_proof(g, h, members)
    for m in members:
        p = udev_props(g, m)
        h.info("udevadm info %s: %s" % (m, " ".join("%s=%s" % kv for kv in sorted(p.items()))))
    res.fig("systemd-analyze security %s, CapEff %s, config space: %s"
            % (score, caps, "; ".join("%s %s (%s)" % (m, s, w) for m, (s, w) in sorted(seen.items()))))
    # A hot-added VF gets the same treatment: udev's rule on its add event,
    # the daemon's read of the root port above it.
    t_c = now()
    M.hotplug_cycle(run, g, res, "vf1", 3)
    # From before the unplug to the new VF's activation: the one time the
    # standby may carry the aggregate's traffic (scenario dhcp).
    ctx["unplug_window"] = (t_c, now())
    new = "enp3s0"
    p = udev_props(g, new)
    want = {"FAILOVER_ROLE": "primary", "NM_UNMANAGED": "1", "ID_NET_MANAGED_BY": "org.failoverd",
            "FAILOVERD_MEMBER": "1"}
    bad = ["%s=%s (want %s)" % (k, p.get(k, ""), v) for k, v in want.items() if p.get(k) != v]
    if bad:
        raise M.Fail("hot-added VF %s: udev properties %s" % (new, ", ".join(bad)))
    h.info("udevadm info %s (hot-added): %s"
           % (new, " ".join("%s=%s" % kv for kv in sorted(p.items()))))
    run_guest_check(g, h)
    members = g.members(M.AGG)
    if new not in members:
        raise M.Fail("the hot-added VF %s is not a member of %s: %s" % (new, M.AGG, members))
    seen = config_space_proof(g, h, members)
    res.fig("hot-added %s: %s, config space %s (%s)"
            % (new, " ".join("%s=%s" % kv for kv in sorted(p.items())), seen[new][0], seen[new][1]))


def guest_dhclients(g):
    """[(pid, ifindexes of its packet sockets, cmdline)] of every dhclient."""
    out = g.sh(
        "for p in $(pidof dhclient); do "
        "ino=$(ls -l /proc/$p/fd 2>/dev/null | sed -n 's/.*socket:\\[\\([0-9]*\\)\\]/\\1/p' | "
        "tr '\\n' ' '); "
        "ifs=$(for i in $ino; do awk -v i=$i '$9 == i { print $5 }' /proc/net/packet; done | "
        "tr '\\n' ,); "
        "echo \"$p|$ifs|$(tr '\\0' ' ' </proc/$p/cmdline)\"; done; true")
    res = []
    for line in out.splitlines():
        f = line.split("|", 2)
        if len(f) == 3:
            res.append((f[0], [x for x in f[1].split(",") if x], f[2].strip()))
    return res


AGG_PCAP = "/run/fo-agg.pcap"


def start_agg_capture(g, agg):
    """What the aggregate itself sends to port 67, captured in the guest
    (tcpdump -Q out on the bond: a member's own frames never pass it)."""
    g.sh("(setsid tcpdump -i %s -Q out -U -n -s 0 -w %s 'udp and dst port 67' "
         "</dev/null >/run/fo-agg.tcpdump.log 2>&1 &) ; sleep 1; pidof tcpdump" % (agg, AGG_PCAP))


def agg_capture_xids(g, h):
    """{xid} of every request the aggregate sent since start_agg_capture()."""
    g.sh("pkill -INT -x tcpdump; sleep 1; true")
    out = g.sh("base64 -w0 %s 2>/dev/null; true" % AGG_PCAP, timeout=60)
    import base64
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".pcap") as f:
        f.write(base64.b64decode(out or b""))
        f.flush()
        frames = read_pcap(f.name)
    xids = set()
    for _, frame in frames:
        r = parse_dhcp(frame)
        if r:
            xids.add(r[0])
    return xids, len(frames)


def scenario_dhcp(run, g, res, h, ctx):
    """Members never send a DHCP request.  A member's request and the
    aggregate's carry the same MAC (chaddr and source); they differ in
      1. the tap: an active-backup bond transmits on its active slave only,
         so with the VF active every request of the aggregate arrives on the
         VF's tap; one on the standby's tap then comes from the standby;
      2. the xid: a capture in the guest on the aggregate (tcpdump -Q out on
         the bond) sees only what the aggregate sends; every request on a
         tap must carry an xid seen there (Debian's dhclient 4.4.3 does not
         log xids); and every dhclient in the guest has its packet socket
         bound to the aggregate's ifindex (/proc/net/packet).
    Requests of boot 1 (before failoverd existed) are counted, not judged."""
    M = h
    dhcp = ctx["dhcp"]
    # Let at least one renewal (T1 = half the 2 min lease) pass through
    # the hot-added VF when the run was quick.
    M.wait_pair_up(g, "bond", 60)
    agg_ifindex = g.sh("cat /sys/class/net/%s/ifindex" % M.AGG)
    clients = guest_dhclients(g)
    # ISC dhclient keeps its xid for the renewals of a lease, so a capture
    # on the aggregate started after boot still learns the boot's xid once
    # a renewal (T1 = 55 s) went out.
    if "agg_capture" in ctx:
        time.sleep(max(0, ctx["agg_capture"] + 70 - now()))
        axids, nframes = agg_capture_xids(g, h)
    else:
        axids, nframes = set(), 0
    reqs = dhcp.requests()
    t2 = ctx["t_boot2"]
    boot1 = [r for r in reqs if r[0] < t2]
    boot2 = [r for r in reqs if r[0] >= t2]
    problems = []
    if not clients:
        problems.append("no dhclient runs in the guest")
    for pid, ifs, cmd in clients:
        if ifs != [agg_ifindex]:
            problems.append("dhclient %s (%s) has packet sockets on ifindex %s, the aggregate is %s"
                            % (pid, cmd, ",".join(ifs) or "none", agg_ifindex))
    # The VF-active windows: every state change the scenarios made is in
    # the pinger's timeline only indirectly, so judge by the guest's own
    # bond: with the VF active the aggregate sends on tapvf*; the hotplug
    # cycle's unplug window (standby active) is the only time tapsb0 may
    # carry the aggregate's requests.
    unplug = ctx.get("unplug_window")
    on_tap = {}
    for t, tap, xid, mt, chaddr, cid in boot2:
        on_tap[tap] = on_tap.get(tap, 0) + 1
        if xid not in axids:
            problems.append("%s xid 0x%08x on %s at +%.1f s: never sent through the aggregate "
                            "(guest capture)" % (DHCP_TYPE.get(mt, mt), xid, tap, t - t2))
        if tap.startswith("tapsb") and not (unplug and unplug[0] <= t <= unplug[1]):
            problems.append("%s xid 0x%08x on the standby's tap %s at +%.1f s while the VF was "
                            "active" % (DHCP_TYPE.get(mt, mt), xid, tap, t - t2))
    res.fig("boot 1 (no failoverd): %d request(s) on %s; boot 2: %d request(s) (%s), "
            "%d request(s) captured on the aggregate (xids %s), dhclient(s) %s on ifindex %s"
            % (len(boot1), ",".join(sorted({r[1] for r in boot1})) or "-", len(boot2),
               ", ".join("%s %d" % kv for kv in sorted(on_tap.items())) or "none", nframes,
               ",".join("0x%08x" % x for x in sorted(axids)) or "none",
               ",".join(c[0] for c in clients) or "none", agg_ifindex))
    if not boot2:
        problems.append("no DHCP request of boot 2 seen on the host (the aggregate's lease "
                        "came from where?)")
    if problems:
        raise M.Fail("; ".join(problems[:6]))

