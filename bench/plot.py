# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ping timelines around unplug and replug, one PNG per configuration.

Each PNG has one row per cycle kind (eswitch, learn) of the first boot that
has it, and two columns: the unplug (time 0 = device_del sent) and the replug
(time 0 = device_add sent); then, when the run migrated, a row with the first
boot's live migration (time 0 = the move began: device_del of failoverd's VF,
QEMU's `migrate` for net_failover).  A dot is a request at its send time, its height
the round-trip time; a red mark on the floor is a request never answered.
Late replies (queued in a tap) stand out as tall dots.

python3-matplotlib (tools/deps bench) draws them; without it a small
pure-Python PNG writer draws the same dots without axis labels, so the bench
still leaves a picture behind.
"""
import math
import os
import struct
import zlib

KIND_TITLE = {"eswitch": "eswitch, host→guest", "learn": "learning bridge, host→guest",
              "migration": "live migration, eswitch, host→guest"}


def _panels(results, config):
    rows = []
    seen = set()
    for c in results["cycles"]:
        if c["config"] != config or c["kind"] in seen or not c.get("timeline"):
            continue
        seen.add(c["kind"])
        rows.append(c)
    for m in results.get("migration", []):
        if m["config"] == config and m.get("timeline"):
            rows.append({"kind": "migration", "config": config,
                         "timeline": {"migration": m["timeline"]},
                         "migration": {"gap": m["gap"], "lost": m["lost"]}})
            break
    return rows


def _phases(c):
    return ("migration",) if c["kind"] == "migration" else ("unplug", "replug")


def timelines(results, outdir):
    """Write timeline-CONFIG.png for each configuration; returns the paths."""
    paths = []
    for config in results["meta"]["configs"]:
        rows = _panels(results, config)
        if not rows:
            continue
        path = os.path.join(outdir, "timeline-%s.png" % config)
        try:
            _matplotlib(config, rows, path)
        except ImportError:
            _raw(rows, path)
        paths.append(path)
    return paths


def _matplotlib(config, rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(rows), 2, figsize=(12, 3.2 * len(rows)), squeeze=False)
    for r, c in enumerate(rows):
        if c["kind"] == "migration":
            axes[r][1].axis("off")
        for col, phase in enumerate(_phases(c)):
            ax = axes[r][col]
            tl = c["timeline"][phase]
            ok = [(t, rtt * 1000) for t, rtt in tl if rtt is not None]
            lost = [t for t, rtt in tl if rtt is None]
            if ok:
                ax.scatter([p[0] for p in ok], [p[1] for p in ok], s=3, color="tab:blue",
                           label="reply (RTT)")
            if lost:
                ax.scatter(lost, [0] * len(lost), s=8, marker="|", color="tab:red",
                           label="never answered")
            ax.axvline(0, color="grey", lw=0.8)
            fig_ = c[phase]
            ax.set_title("%s, %s: %s gap %.2f s, lost %s"
                         % (config, KIND_TITLE.get(c["kind"], c["kind"]), phase, fig_["gap"],
                            fig_["lost"]), fontsize=9)
            ax.set_xlabel({"unplug": "s since device_del", "replug": "s since device_add",
                           "migration": "s since the move began"}[phase])
            ax.set_ylabel("RTT ms")
            ax.set_yscale("symlog", linthresh=10)
            ax.set_ylim(bottom=-0.5)
            ax.grid(True, lw=0.3)
            if r == 0 and col == 0:
                ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# --- fallback: an 8-bit RGB PNG, dots only ---------------------------------------
def _png(path, w, h, pixels):
    raw = b"".join(b"\0" + bytes(pixels[y * w * 3:(y + 1) * w * 3]) for y in range(h))

    def chunk(tag, data):
        c = struct.pack("!I", len(data)) + tag + data
        return c + struct.pack("!I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack("!IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 6)))
        f.write(chunk(b"IEND", b""))


def _raw(rows, path):
    pw, ph, pad = 480, 200, 10
    w, h = 2 * pw + 3 * pad, len(rows) * (ph + pad) + pad
    px = bytearray([255] * (w * h * 3))

    def put(x, y, rgb):
        if 0 <= x < w and 0 <= y < h:
            i = (y * w + x) * 3
            px[i:i + 3] = bytes(rgb)

    for r, c in enumerate(rows):
        for col, phase in enumerate(_phases(c)):
            x0, y0 = pad + col * (pw + pad), pad + r * (ph + pad)
            tl = c["timeline"][phase]
            if not tl:
                continue
            t_lo, t_hi = min(t for t, _ in tl), max(t for t, _ in tl)
            span = max(t_hi - t_lo, 1e-3)
            for x in range(pw):
                put(x0 + x, y0 + ph - 1, (0, 0, 0))
            zero = x0 + int((0 - t_lo) / span * (pw - 1))
            for y in range(ph):
                put(zero, y0 + y, (160, 160, 160))
            for t, rtt in tl:
                x = x0 + int((t - t_lo) / span * (pw - 1))
                if rtt is None:
                    for dy in range(6):
                        put(x, y0 + ph - 2 - dy, (220, 0, 0))
                else:
                    # log-ish height: 0.1 ms .. 10 s over the panel
                    v = min(max(math.log10(max(rtt, 1e-4)) + 4, 0), 5) / 5
                    y = y0 + ph - 2 - int(v * (ph - 4))
                    put(x, y, (0, 70, 200))
                    put(x + 1, y, (0, 70, 200))
    _png(path, w, h, px)
