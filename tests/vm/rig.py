# SPDX-License-Identifier: LGPL-2.1-or-later
"""The vm tier's rig: a private network namespace with a bridge and taps, QEMU
guests driven over QMP and a serial shell, a fixed-rate ping and tap counters.

Everything a Rig starts is ended by Rig.close(), which run.py calls from a
finally block, atexit and signal handlers; children also get SIGKILL from the
kernel if this process dies (PR_SET_PDEATHSIG), and tests/vm/run deletes the
namespace if it is still there.
"""
import ctypes
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HOST_ADDR = "192.0.2.1"
_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


class RigError(Exception):
    """A scenario cannot go on; the message says why."""


def _child_setup():
    # Die with the harness, whatever kills it.
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def now():
    return time.monotonic()


def sh(*args, check=True, ns=None, quiet=False):
    """Run a host command (optionally in the namespace); return stdout."""
    cmd = list(args)
    if ns:
        cmd = ["ip", "netns", "exec", ns] + cmd
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and p.returncode != 0:
        raise RigError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    return p.stdout


class Net:
    """The namespace fov-PID with bridge br0 (192.0.2.1/24) and taps."""

    def __init__(self, name):
        self.name = name
        self.taps = []
        self.anchor = None

    def setup(self):
        sh("ip", "netns", "add", self.name)
        n = self.name
        sh("ip", "-n", n, "link", "set", "lo", "up")
        # IPv6 off: nothing here needs it and it only adds chatter (DAD, RS).
        sh("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", ns=n)
        sh("sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1", ns=n)
        sh("ip", "-n", n, "link", "add", "br0", "type", "bridge",
           "stp_state", "0", "forward_delay", "0")
        sh("ip", "-n", n, "addr", "add", HOST_ADDR + "/24", "dev", "br0")
        sh("ip", "-n", n, "link", "set", "br0", "up")
        # A process that lives in the namespace for as long as the rig, so
        # that /proc/PID/net/dev shows the namespace's counters without an
        # `ip netns exec` per sample.
        self.anchor = subprocess.Popen(["ip", "netns", "exec", n, "sleep", "86400"],
                                       preexec_fn=_child_setup, start_new_session=True)

    def add_tap(self, tap):
        sh("ip", "-n", self.name, "tuntap", "add", "dev", tap, "mode", "tap")
        sh("ip", "-n", self.name, "link", "set", tap, "master", "br0", "up")
        self.taps.append(tap)

    def pin(self, mac, tap):
        """eswitch model: the guest MAC belongs to this port, whatever the
        bridge sees as source addresses."""
        sh("bridge", "fdb", "replace", mac, "dev", tap, "master", "static", "sticky", ns=self.name)

    def unpin(self, mac, tap):
        sh("bridge", "fdb", "del", mac, "dev", tap, "master", check=False, ns=self.name)

    def fdb(self):
        return sh("bridge", "fdb", "show", "br", "br0", ns=self.name, check=False)

    def counters(self):
        """{ifname: (rx_packets, tx_packets)} as the namespace sees them."""
        res = {}
        with open("/proc/%d/net/dev" % self.anchor.pid) as f:
            for line in f.readlines()[2:]:
                name, rest = line.split(":", 1)
                v = rest.split()
                res[name.strip()] = (int(v[1]), int(v[9]))
        return res

    def close(self):
        if self.anchor:
            self.anchor.kill()
            self.anchor.wait()
            self.anchor = None
        if os.path.exists("/run/netns/" + self.name):
            subprocess.run(["ip", "netns", "del", self.name], stderr=subprocess.DEVNULL)


class Sampler(threading.Thread):
    """Tap rx counters every 5 ms (rx on a tap = frames the guest sent)."""

    def __init__(self, net):
        super().__init__(daemon=True)
        self.net = net
        self.hist = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                c = self.net.counters()
            except (OSError, ValueError):
                c = None
            if c is not None:
                self.hist.append((now(), {k: v[0] for k, v in c.items()}))
            self.stop.wait(0.005)

    def rx(self, dev, at=None):
        h = self.hist
        if not h:
            return 0
        if at is None:
            return h[-1][1].get(dev, 0)
        for t, c in reversed(h):
            if t <= at:
                return c.get(dev, 0)
        return h[0][1].get(dev, 0)

    def stream_on(self, dev, since, frames=10, window=0.25):
        """First time >= since at which `dev` received >= frames within the
        preceding `window` s: the guest is sending the stream through it
        (one frame is not enough: QEMU announces itself on a new NIC)."""
        h = self.hist
        j = 0
        for i, (t, c) in enumerate(h):
            if t < since:
                continue
            while h[j][0] < t - window:
                j += 1
            if c.get(dev, 0) - h[j][1].get(dev, 0) >= frames:
                return t
        return None

    def wait_stream(self, dev, since, timeout, frames=10, window=0.25):
        end = now() + timeout
        while now() < end:
            t = self.stream_on(dev, since, frames, window)
            if t is not None:
                return t
            time.sleep(0.05)
        return None


class Pinger:
    """pinger.py in the namespace; keeps every send and reply."""

    def __init__(self, net, addr, interval=0.01):
        self.addr = addr
        self.interval = interval
        self.sent = {}
        self.recv = {}
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", net.name, "python3", "-u", os.path.join(HERE, "pinger.py"),
             addr, str(interval)],
            stdout=subprocess.PIPE, text=True, preexec_fn=_child_setup, start_new_session=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            f = line.split()
            with self.lock:
                if f[0] == "S":
                    self.sent[int(f[1])] = float(f[2])
                elif f[0] == "R" and int(f[1]) not in self.recv:
                    self.recv[int(f[1])] = float(f[3])

    def replies_since(self, t0):
        with self.lock:
            return sum(1 for t in self.recv.values() if t >= t0)

    def wait_replies(self, t0, n, timeout):
        end = now() + timeout
        while now() < end:
            if self.replies_since(t0) >= n:
                return True
            time.sleep(0.05)
        return False

    def stats(self, t0, t1, from_t0=False):
        """Figures for the window [t0, t1]:
        gap  the longest silence: time between two consecutive reply
             arrivals, counting the last reply before t0 (with from_t0,
             from t0 itself: only silence inside the window counts; late
             replies count as arrivals: a frame queued in a tap is not
             lost, but the guest was not reachable while it waited);
        lost requests sent in the window (at least 1 s before its end) that
             never got a reply."""
        with self.lock:
            arrivals = sorted(self.recv.values())
            sent = [(s, t) for s, t in self.sent.items() if t0 <= t <= t1 - 1.0]
            lost = sum(1 for s, _ in sent if s not in self.recv)
        before = [t for t in arrivals if t < t0]
        inside = [t for t in arrivals if t0 <= t <= t1]
        seq = ([t0] if from_t0 else before[-1:]) + inside
        gap = None
        if seq:
            gap = max([b - a for a, b in zip(seq, seq[1:])] + [0.0])
            # Silence that has not ended by t1 counts up to t1.
            gap = max(gap, t1 - seq[-1])
        return {"gap": gap, "lost": lost, "sent": len(sent)}

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class Qmp:
    """QMP over the unix socket: commands with ids, events kept with their
    arrival times."""

    def __init__(self, path, timeout=20):
        end = now() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if now() > end:
                    raise RigError("QMP socket %s did not come up" % path)
                time.sleep(0.05)
        self.file = self.sock.makefile("rb")
        self.cond = threading.Condition()
        self.events = []
        self.replies = {}
        self.closed = False
        self.seq = 0
        json.loads(self.file.readline())  # greeting
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        self.cmd("qmp_capabilities")

    def _read(self):
        try:
            for line in self.file:
                msg = json.loads(line)
                with self.cond:
                    if "event" in msg:
                        self.events.append((now(), msg))
                    elif "id" in msg:
                        self.replies[msg["id"]] = msg
                    self.cond.notify_all()
        except (OSError, ValueError):
            # ECONNRESET when QEMU quits is the normal end.
            pass
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def cmd(self, execute, timeout=30, **args):
        with self.cond:
            self.seq += 1
            mid = "fo%d" % self.seq
        msg = {"execute": execute, "id": mid}
        if args:
            msg["arguments"] = args
        try:
            self.sock.sendall(json.dumps(msg).encode() + b"\n")
        except OSError as e:
            raise RigError("QMP %s: %s" % (execute, e))
        end = now() + timeout
        with self.cond:
            while mid not in self.replies:
                if self.closed:
                    if execute == "quit":
                        return {}
                    raise RigError("QMP %s: connection closed" % execute)
                left = end - now()
                if left <= 0:
                    raise RigError("QMP %s: no reply in %d s" % (execute, timeout))
                self.cond.wait(left)
            rep = self.replies.pop(mid)
        if "error" in rep:
            raise RigError("QMP %s %s: %s" % (execute, json.dumps(args), rep["error"].get("desc")))
        return rep.get("return")

    def wait_event(self, name, since, timeout, pred=None):
        end = now() + timeout
        with self.cond:
            while True:
                for t, ev in self.events:
                    if t >= since and ev["event"] == name and (pred is None or pred(ev)):
                        return t, ev
                left = end - now()
                if left <= 0 or self.closed:
                    return None, None
                self.cond.wait(left)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Shell:
    """The guest's root shell on ttyS1 (guest/fo-shell), through QEMU's
    socket chardev.  Each command is wrapped in markers; the output between
    them is the command's."""

    def __init__(self, path, log):
        self.path = path
        self.log = log
        self.buf = ""
        self.cond = threading.Condition()
        self.n = 0
        self.tag = "%06x" % random.randrange(1 << 24)
        self.sock = None
        self.closed = False

    def connect(self, timeout=20):
        end = now() + timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.path)
                break
            except OSError:
                s.close()
                if now() > end:
                    raise RigError("serial socket %s did not come up" % self.path)
                time.sleep(0.05)
        self.sock = s
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            text = data.decode("utf-8", "replace").replace("\r", "")
            self.log.write(text)
            self.log.flush()
            with self.cond:
                self.buf += text
                self.cond.notify_all()
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def _send(self, text):
        try:
            self.sock.sendall(text.encode())
        except OSError as e:
            raise RigError("guest shell: %s" % e)

    def wait_ready(self, timeout, banner=True):
        """Wait until the shell can take commands; returns the time it could.
        With banner, wait for guest/fo-shell's start line first and send
        nothing before it: bytes that reach the UART before the shell runs
        could leave its parser inside a half-line.  Without (the shell has
        been running, e.g. on a migration target), poke it until it answers."""
        end = now() + timeout
        if banner:
            with self.cond:
                while "@@FO-SHELL-READY" not in self.buf and now() < end and not self.closed:
                    self.cond.wait(end - now())
                if "@@FO-SHELL-READY" not in self.buf:
                    raise RigError("the guest shell on ttyS1 did not start within %d s" % timeout)
        while now() < end:
            self.n += 1
            # The backslash keeps an echoed command line from matching.
            tok = "%s_%d" % (self.tag, self.n)
            self._send('\necho @@FOR\\DY%s\n' % tok)
            with self.cond:
                stop = min(end, now() + 2.0)
                while "@@FORDY" + tok not in self.buf and now() < stop and not self.closed:
                    self.cond.wait(stop - now())
                if "@@FORDY" + tok in self.buf:
                    self.buf = ""
                    return now()
                if self.closed:
                    break
        raise RigError("the guest shell on ttyS1 did not answer within %d s" % timeout)

    def run(self, cmd, timeout=30, check=False):
        """Run CMD in the guest; returns (rc, output, arrival time)."""
        self.n += 1
        tok = "%s_%d" % (self.tag, self.n)
        begin, done = "@@FOB" + tok + "\n", re.compile(r"@@FOE%s (\d+)\n" % tok)
        self._send('echo @@FO\\B%s; {\n%s\n} </dev/null 2>&1; echo @@FO\\E%s $?\n'
                   % (tok, cmd, tok))
        end = now() + timeout
        with self.cond:
            m = done.search(self.buf)
            while not m and not self.closed and now() < end:
                self.cond.wait(end - now())
                m = done.search(self.buf)
            if m:
                t = now()
                i = self.buf.find(begin)
                out = self.buf[i + len(begin):m.start()] if 0 <= i < m.start() else ""
                self.buf = self.buf[m.end():]
            closed = self.closed
        if not m:
            if not closed:
                self.recover()
            raise RigError("guest command %s after %d s: %s"
                           % ("lost its shell" if closed else "timed out", timeout, cmd))
        rc = int(m.group(1))
        if check and rc != 0:
            raise RigError("guest command failed (exit %d): %s\n%s" % (rc, cmd, out.rstrip()))
        return rc, out, t

    def out(self, cmd, timeout=30):
        return self.run(cmd, timeout, check=True)[1].strip()

    def wait_true(self, cond, timeout, poll=0.02):
        """Loop in the guest until the shell condition COND holds; returns
        the host time its answer arrived, or None on timeout.  The loop runs
        in the guest so that the figure is not the harness's poll period;
        it is bounded by the guest's clock (an iteration costs far more than
        `poll` under TCG).  Never `exit` here: this is the session's shell."""
        rc, _, t = self.run("fo_end=$((SECONDS + %d)); fo_rc=0; until %s; do "
                            "if [ $SECONDS -ge $fo_end ]; then fo_rc=1; break; fi; sleep %s; "
                            "done; (exit $fo_rc)" % (int(timeout + 0.999), cond, poll),
                            timeout=timeout + 30)
        return t if rc == 0 else None

    def recover(self):
        """After a timeout: interrupt whatever runs (interactive bash drops
        the command on SIGINT) and wait until the shell answers again."""
        try:
            self._send("\x03")
            self.wait_ready(20, banner=False)
            return True
        except RigError:
            return False

    def close(self):
        if self.sock:
            try:
                self.sock.close()
            except OSError:
                pass


class Nic:
    def __init__(self, dev_id, driver, mac, tap, bus, failover=False, pair=None):
        self.id, self.driver, self.mac, self.tap, self.bus = dev_id, driver, mac, tap, bus
        self.failover = failover
        self.pair = pair  # failover_pair_id (hidden primary, kernel-owned)

    @property
    def netdev(self):
        return "n" + self.tap

    def device_props(self):
        p = {"driver": self.driver, "id": self.id, "netdev": self.netdev, "mac": self.mac,
             "bus": self.bus, "romfile": ""}
        if self.failover:
            p["failover"] = "on"
        if self.pair:
            p["failover_pair_id"] = self.pair
        return p


class Vm:
    """One QEMU process.  NICs are given as Nic objects: those with .pair
    are added over QMP while the CPU is still stopped (a failover primary on
    the command line can never be re-added, vm-rig-facts finding 1)."""

    ROOT_PORTS = 6

    def __init__(self, rig, name, nics, taps=(), append="", incoming=None, disk=None,
                 memory=1024):
        self.rig, self.name, self.nics = rig, name, list(nics)
        # Every tap gets a netdev at start, so that a VF can be hot-added on
        # one later (device_add needs an existing netdev).
        self.taps = []
        for t in [n.tap for n in nics] + list(taps):
            if t not in self.taps:
                self.taps.append(t)
        self.dir = os.path.join(rig.workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.console = os.path.join(self.dir, "console.log")
        self.qmp_path = os.path.join(self.dir, "qmp.sock")
        self.shell_path = os.path.join(self.dir, "shell.sock")
        self.disk = disk
        self.append = append
        self.incoming = incoming
        self.memory = memory
        self.proc = None
        self.qmp = None
        self.shell = None
        self.started = None

    def argv(self):
        img = self.rig.image
        a = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-m", str(self.memory),
             "-smp", "1", "-nodefaults", "-nographic", "-no-reboot",
             "-kernel", img["KERNEL"], "-initrd", img["INITRD"],
             "-append", "console=ttyS0 root=/dev/vda rw panic=-1 " + self.append,
             "-drive", "file=%s,if=virtio,format=qcow2" % self.disk,
             "-chardev", "file,id=con0,path=%s" % self.console, "-serial", "chardev:con0",
             "-chardev", "socket,id=sh0,path=%s,server=on,wait=off" % self.shell_path,
             "-serial", "chardev:sh0",
             "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        for i in range(1, self.ROOT_PORTS + 1):
            a += ["-device", "pcie-root-port,id=rp%d,chassis=%d,slot=%d" % (i, i, i)]
        for tap in self.taps:
            a += ["-netdev", "tap,id=n%s,ifname=%s,script=no,downscript=no" % (tap, tap)]
        for nic in self.nics:
            # A migration target is fresh: its failover primary may sit on
            # the command line (QEMU plugs it at resume).
            if nic.pair and not self.incoming:
                continue
            a += ["-device", ",".join("%s=%s" % (k, v) if k != "driver" else v
                                      for k, v in nic.device_props().items())]
        if self.incoming:
            a += ["-incoming", self.incoming]
        else:
            a += ["-S"]
        return a

    def start(self):
        self.log = open(os.path.join(self.dir, "qemu.log"), "w")
        self.started = now()
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.rig.net.name] + self.argv(),
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, preexec_fn=_child_setup,
                                     start_new_session=True)
        self.rig.vms.append(self)
        self.qmp = Qmp(self.qmp_path)
        self.shell = Shell(self.shell_path, open(os.path.join(self.dir, "shell.log"), "w"))
        self.shell.connect()
        if not self.incoming:
            for nic in self.nics:
                if nic.pair:
                    self.qmp.cmd("device_add", **nic.device_props())
            self.qmp.cmd("cont")

    def migrate_to(self, target, uri, timeout=180):
        """Live-migrate this VM into `target` (started with -incoming uri).
        Returns (sent, completed, target RESUME, query-migrate's answer)."""
        for vm in (self, target):
            vm.qmp.cmd("migrate-set-capabilities",
                       capabilities=[{"capability": "events", "state": True}])
        t0 = now()
        self.qmp.cmd("migrate", uri=uri)
        t_done, _ = self.qmp.wait_event("MIGRATION", t0, timeout,
                                        lambda ev: ev["data"]["status"] in ("completed", "failed"))
        info = self.qmp.cmd("query-migrate")
        if t_done is None or info.get("status") != "completed":
            raise RigError("migration did not complete: %s" % info.get("status"))
        t_res, _ = target.qmp.wait_event("RESUME", t0, 30)
        if t_res is None:
            raise RigError("the migration target never resumed")
        return t0, t_done, t_res, info

    def device_add(self, nic):
        self.qmp.cmd("device_add", **nic.device_props())
        self.nics.append(nic)
        return now()

    def device_del(self, dev_id, timeout=30):
        """Unplug; returns (sent, DEVICE_DELETED arrival or None)."""
        t0 = now()
        self.qmp.cmd("device_del", id=dev_id)
        t, _ = self.qmp.wait_event("DEVICE_DELETED", t0, timeout,
                                   lambda ev: ev["data"].get("device") == dev_id)
        self.nics = [n for n in self.nics if n.id != dev_id]
        return t0, t

    def set_link(self, name, up):
        """QMP set_link on a NIC (device id) or netdev: the guest sees its
        carrier go or come.  Returns the time the command was sent."""
        t0 = now()
        self.qmp.cmd("set_link", name=name, up=bool(up))
        return t0

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def console_tail(self, lines=80):
        try:
            with open(self.console, errors="replace") as f:
                return f.read().splitlines()[-lines:]
        except OSError:
            return []

    def quit(self):
        if self.proc is None:
            return
        if self.proc.poll() is None and self.qmp:
            try:
                self.qmp.cmd("quit", timeout=5)
            except RigError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.qmp:
            self.qmp.close()
        if self.shell:
            self.shell.close()
        self.log.close()


class Rig:
    def __init__(self, image, workdir, ns_name):
        self.image = image
        self.workdir = workdir
        self.net = Net(ns_name)
        self.vms = []
        self.pingers = []
        self.sampler = None

    def setup(self, taps):
        self.net.setup()
        for t in taps:
            self.net.add_tap(t)
        self.sampler = Sampler(self.net)
        self.sampler.start()

    def overlay(self, name):
        """A qcow2 overlay of the cached image: the cache stays pristine, and a
        migration target opens the same file (shared storage)."""
        path = os.path.join(self.workdir, name + ".qcow2")
        sh("qemu-img", "create", "-q", "-f", "qcow2", "-b", self.image["IMAGE"], "-F", "raw", path)
        return path

    def ping(self, addr, interval=0.01):
        p = Pinger(self.net, addr, interval)
        self.pingers.append(p)
        return p

    def close(self):
        for vm in self.vms:
            try:
                vm.quit()
            except Exception:  # noqa: BLE001 -- teardown must go on
                if vm.proc and vm.proc.poll() is None:
                    vm.proc.kill()
        self.vms = []
        for p in self.pingers:
            p.close()
        self.pingers = []
        if self.sampler:
            self.sampler.stop.set()
            self.sampler.join()
            self.sampler = None
        self.net.close()


def fmt(x, unit="s"):
    if x is None:
        return "n/a"
    return "%.2f %s" % (x, unit)


def rmtree(path):
    shutil.rmtree(path, ignore_errors=True)

