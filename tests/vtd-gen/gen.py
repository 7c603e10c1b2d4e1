#!/usr/bin/env python3
"""gen.py - write the VT-d qtest traces of tests/qtest/vtd/.

Usage:
  gen.py [--out DIR] [--count N] [--first-seed S] [random|hand|reset|all]...

  random   N random scenarios, NNN.qtest for seeds S .. S+N-1 (default 240
           from seed 1); deterministic per seed (randomgen.py)
  hand     the hand-written scenarios (hand.py): fault-*, qi-*, inv-*, regs-*
  reset    register reset values for every combination of aw-bits (39, 48),
           caching-mode, device-iotlb, pt, x-scalable-mode and snoop-control
           (64 traces reset-*.qtest) and a few more properties
  all      all of these (default)

The replies are QEMU 7.2's, recorded next to each trace by
  tests/oracle/qtest-oracle.py --record tests/qtest/vtd/*.qtest
(record.sh does it for the whole directory, several at a time). Generating
is deterministic: the same command writes the same files.
"""
import argparse
import itertools
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from vtdlib import Trace, VTD_BASE, REG_SIZE, intel_iommu_arg   # noqa: E402
from scenario import props_list                                  # noqa: E402
import hand                                                      # noqa: E402
import randomgen                                                 # noqa: E402

DEFAULT_OUT = os.path.join(HERE, "..", "qtest", "vtd")


def reset_trace(name, props, note=""):
    t = Trace("register reset values: -device %s%s\n"
              "Every 32-bit register offset of the 0x230-byte file with readl,\n"
              "every 64-bit one with readq, a few past the end." %
              (intel_iommu_arg(props), "\n" + note if note else ""),
              ["-device", intel_iommu_arg(props), "-device", "edu,addr=04.0"])
    for off in range(0, REG_SIZE, 4):
        t.readl(VTD_BASE + off)
    for off in range(0, REG_SIZE, 8):
        t.readq(VTD_BASE + off)
    for off in (0x230, 0x234, 0xff8, 0xffc):
        t.readl(VTD_BASE + off)
    return name, t


def reset_traces():
    onoff = lambda b: "on" if b else "off"
    for aw, cm, dt, pt, sm, sc in itertools.product(
            (39, 48), (False, True), (False, True), (False, True),
            (False, True), (False, True)):
        name = "reset-aw%d-cm%d-dt%d-pt%d-sm%d-sc%d" % (aw, cm, dt, pt, sm, sc)
        yield reset_trace(name, props_list(aw, cm, dt, pt, sm, sc))
    yield reset_trace("reset-default", [], "(no properties: aw-bits 39, pt on, intremap on with TCG)")
    yield reset_trace("reset-intremap-off", [("intremap", "off")])
    yield reset_trace("reset-pasid", props_list(48, False, False, True, True, False, True))
    yield reset_trace("reset-pasid-cm", props_list(39, True, False, False, True, True, True))
    yield reset_trace("reset-dma-drain-off", [("dma-drain", "off")])
    yield reset_trace("reset-dma-translation-off", [("dma-translation", "off")],
                      "(dma-translation=off: no SAGAW bits)")
    yield reset_trace("reset-buggy-eim", [("x-buggy-eim", "on"), ("eim", "on")])
    yield reset_trace("reset-version", [("version", "3"), ("aw-bits", "48")])


def write(outdir, name, text, written):
    path = os.path.join(outdir, name + ".qtest")
    with open(path, "w") as f:
        f.write(text)
    written.append(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", nargs="*", default=["all"])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--count", type=int, default=240)
    ap.add_argument("--first-seed", type=int, default=1)
    opts = ap.parse_args()
    what = set(opts.what)
    if "all" in what:
        what = {"random", "hand", "reset"}
    os.makedirs(opts.out, exist_ok=True)
    written = []
    if "random" in what:
        for i in range(opts.count):
            seed = opts.first_seed + i
            s = randomgen.generate(seed)
            write(opts.out, "%03d" % seed, s.text(), written)
    if "hand" in what:
        for name, s in hand.all_scenarios():
            write(opts.out, name, s.text(), written)
    if "reset" in what:
        for name, t in reset_traces():
            write(opts.out, name, t.text(), written)
    print("wrote %d traces to %s" % (len(written), os.path.relpath(opts.out)))


if __name__ == "__main__":
    main()
