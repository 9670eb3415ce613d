#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ICMP echo at a fixed rate for the vm tier's gap measurements.

Unlike iputils ping, this never slows down while replies are missing, so the
send schedule is the same before, during and after an outage.  It prints one
line per event on stdout, flushed, with CLOCK_MONOTONIC seconds (the clock is
system-wide, so the harness can compare them with its own time.monotonic()):

    S SEQ T_SENT          a request went out
    R SEQ T_SENT T_RECV   its reply came back (late replies too)

    pinger.py ADDRESS [INTERVAL_S]
"""
import os
import select
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def main():
    addr = sys.argv[1]
    interval = float(sys.argv[2]) if len(sys.argv) > 2 else 0.01
    ident = os.getpid() & 0xFFFF
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    sock.setblocking(False)
    out = sys.stdout
    sent = {}
    seq = 0
    start = time.monotonic()
    next_send = start
    while True:
        now = time.monotonic()
        if now >= next_send:
            s16 = seq & 0xFFFF
            payload = struct.pack("!d", now) + b"failoverd-vm-rig."
            hdr = struct.pack("!BBHHH", 8, 0, 0, ident, s16)
            pkt = struct.pack("!BBHHH", 8, 0, checksum(hdr + payload), ident, s16) + payload
            try:
                sock.sendto(pkt, (addr, 0))
            except OSError:
                # No route or no neighbour yet: the request counts as sent
                # and lost, which is what an outage is.
                pass
            sent[s16] = (seq, now)
            out.write("S %d %.6f\n" % (seq, now))
            out.flush()
            seq += 1
            # A fixed schedule: a late wake-up does not shift later sends.
            next_send = start + seq * interval
            if len(sent) > 60000:
                for k in list(sent)[:10000]:
                    del sent[k]
        timeout = max(0.0, next_send - time.monotonic())
        r, _, _ = select.select([sock], [], [], timeout)
        if not r:
            continue
        while True:
            try:
                data = sock.recv(2048)
            except BlockingIOError:
                break
            t = time.monotonic()
            ihl = (data[0] & 0x0F) * 4
            if len(data) < ihl + 8:
                continue
            typ, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
            if typ != 0 or rid != ident or rseq not in sent:
                continue
            full, t_sent = sent[rseq]
            out.write("R %d %.6f %.6f\n" % (full, t_sent, t))
            out.flush()


if __name__ == "__main__":
    try:
        main()
    except (KeyboardInterrupt, BrokenPipeError):
        pass
