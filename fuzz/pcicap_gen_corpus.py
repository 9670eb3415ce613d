#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write the seed corpus of fuzz/pcicap_parse_fuzz.c into fuzz/corpus/pcicap_parse/.

Each seed: byte 0 = layout (0 virtio, 1 bridge), byte 1 = bridge cap type,
then config space.  Run from anywhere; the output is deterministic, so the
committed corpus can be regenerated and compared.
"""
import os
import struct
import sys

GID = 0x0123456789ABCDEF
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "pcicap_parse")


def header(vendor, device, htype):
    cfg = bytearray(256)
    struct.pack_into("<HH", cfg, 0, vendor, device)
    cfg[0x06] = 0x10
    cfg[0x0E] = htype
    return cfg


def cap(cfg, pos, cid, length=0):
    """Append a capability at pos to the end of the list."""
    link = 0x34
    while cfg[link]:
        link = cfg[link] + 1
    cfg[link] = pos
    cfg[pos] = cid
    cfg[pos + 1] = 0
    cfg[pos + 2] = length


def vcap(cfg, pos, ctype, length=16, bar=0, offset=0, size=0, gid=None):
    cap(cfg, pos, 0x09, length)
    cfg[pos + 3] = ctype
    cfg[pos + 4] = bar
    struct.pack_into("<II", cfg, pos + 8, offset, size)
    if gid is not None:
        struct.pack_into("<Q", cfg, pos + 16, gid)


def virtio(gid=GID):
    cfg = header(0x1AF4, 0x1041, 0)
    cap(cfg, 0x98, 0x11)
    vcap(cfg, 0x84, 5, 20)
    vcap(cfg, 0x70, 2, 20, 4, 0x3000, 0x1000)
    vcap(cfg, 0x60, 4, 16, 4, 0x2000, 0x1000)
    vcap(cfg, 0x50, 3, 16, 4, 0x1000, 0x1000)
    vcap(cfg, 0x40, 1, 16, 4, 0, 0x1000)
    if gid is not None:
        vcap(cfg, 0xB0, 6, 24, gid=gid)
    return cfg


def bridge(gid=GID, ctype=6, reserve=True):
    cfg = header(0x1B36, 0x000C, 1)
    cap(cfg, 0x40, 0x10)
    if reserve:
        cap(cfg, 0x48, 0x09, 32)
        cfg[0x4B] = 1
        struct.pack_into("<IQI", cfg, 0x4C, 1, 0x1000, 0x200000)
    cap(cfg, 0x68, 0x05)
    if gid is not None:
        vcap(cfg, 0x70, ctype, 24, gid=gid)
    return cfg


# A real virtio-net function's config (first 163 bytes, rest zero), read on
# the build machine (itself a VM); tests/unit/test-pcicap.c has the same bytes.
REAL_VIRTIO_NET = bytes.fromhex(
    "f41a411006041000010000020000000004001000400000000000000000000000"
    "000000000000000000000000f41a411000000000400000000000000000000000"
    "0950100100000000000000003800000009601003000000000020000001000000"
    "0970100400000000004000000010000009841402000000000060000000100000"
    "0400000009981405000000000000000000000000000000001100028000800000"
    "008004"
)


def seeds():
    v = lambda cfg: b"\x00\x06" + bytes(cfg)
    b = lambda cfg, t=6: b"\x01" + bytes([t]) + bytes(cfg)

    yield "virtio-found", v(virtio())
    yield "virtio-real-host", v(REAL_VIRTIO_NET + bytes(256 - len(REAL_VIRTIO_NET)))
    yield "virtio-absent", v(virtio(None))
    yield "virtio-64-bytes", v(virtio()[:64])
    yield "virtio-all-ones", v(b"\xff" * 256)
    yield "virtio-4096", v(virtio() + bytes(4096 - 256))
    cfg = virtio()
    vcap(cfg, 0xC8, 6, 24, gid=0xFEDCBA9876543210)
    yield "virtio-conflict", v(cfg)
    cfg = virtio(None)
    vcap(cfg, 0xB0, 6, 24, gid=0)
    yield "virtio-id-zero", v(cfg)
    cfg = virtio(None)
    vcap(cfg, 0xB0, 6, 24, bar=2, gid=GID)
    yield "virtio-bar-set", v(cfg)
    cfg = virtio()
    cfg[0xB1] = 0x40  # the group cap points back to the first cap
    yield "virtio-loop", v(cfg)
    cfg = header(0x1AF4, 0x1041, 0)
    vcap(cfg, 0xEC, 6, 24)  # 24 bytes from 0xec run past 256
    yield "virtio-cap-past-end", v(cfg)
    cfg = header(0x1AF4, 0x1041, 2)
    cfg[0x14] = 0x40
    yield "cardbus", v(cfg)
    yield "bridge-reserve-and-group", b(bridge())
    yield "bridge-reserve-only", b(bridge(None))
    yield "bridge-type-0x42", b(bridge(ctype=0x42), 0x42)
    cfg = header(0x1B36, 0x000C, 1)
    for pos in range(0x40, 0x100, 4):
        cap(cfg, pos, 0x05)
    yield "bridge-48-caps", b(cfg)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
