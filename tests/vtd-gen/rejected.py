#!/usr/bin/env python3
"""rejected.py - intel-iommu property combinations QEMU 7.2 refuses: the
program must exit with status 1 and the same message.

Usage:
  rejected.py --record [--qemu Q]    run QEMU, write tests/qtest/vtd/rejected.expected
  rejected.py [--iommusim PATH]      run iommusim, compare with rejected.expected
  rejected.py --drift [--qemu Q]     run QEMU, compare with rejected.expected
                                     (exit 77 without QEMU)

rejected.expected has one line per case: the -device string, a tab, the
exit status, a tab, and the message without the program name
("-device intel-iommu,aw-bits=40: Supported values for aw-bits are: 39, 48").
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = os.path.normpath(os.path.join(HERE, "..", "qtest", "vtd", "rejected.expected"))
BASE = ["-machine", "q35", "-accel", "tcg", "-icount", "shift=0,sleep=off",
        "-nodefaults", "-display", "none", "-m", "256", "-qtest", "stdio"]

CASES = [
    "intel-iommu,aw-bits=40",
    "intel-iommu,aw-bits=64",
    "intel-iommu,aw-bits=0",
    "intel-iommu,x-pasid-mode=on",
    "intel-iommu,x-scalable-mode=on,x-pasid-mode=on,device-iotlb=on",
    "intel-iommu,x-scalable-mode=on,dma-drain=off",
    "intel-iommu,eim=on",
    "intel-iommu,intremap=off,eim=on",
    "intel-iommu,bogus=1",
    "intel-iommu,aw-bits=abc",
    "intel-iommu,caching-mode=maybe",
]


def run(prog, sub, dev, hlt):
    argv = [prog] + sub + BASE + ["-bios", hlt, "-device", dev, "-device", "edu,addr=04.0"]
    try:
        p = subprocess.run(argv, input=b"", capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        return None, "timeout (the device was accepted?)"
    # the error line (QEMU's qtest log lines go to stderr too)
    lines = [l for l in p.stderr.decode("utf-8", "replace").splitlines()
             if ": -device " in l]
    msg = lines[0] if lines else ""
    # drop "PROGRAM: " in front
    if ": -device " in msg:
        msg = msg[msg.index(": -device ") + 2:]
    return p.returncode, msg


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--drift", action="store_true")
    ap.add_argument("--qemu", default=os.environ.get("QEMU", "qemu-system-x86_64"))
    ap.add_argument("--iommusim", default=os.environ.get("IOMMUSIM", "iommusim"))
    opts = ap.parse_args()
    use_qemu = opts.record or opts.drift
    if use_qemu and not shutil.which(opts.qemu):
        print("SKIP: %s not found" % opts.qemu)
        return 77
    prog, sub = (opts.qemu, []) if use_qemu else (opts.iommusim, ["qtest"])
    tmp = tempfile.mkdtemp(prefix="vtd-rejected-")
    hlt = os.path.join(tmp, "hlt.bin")
    with open(hlt, "wb") as f:
        f.write(b"\xf4" * 65536)
    try:
        got = [(dev,) + run(prog, sub, dev, hlt) for dev in CASES]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if opts.record:
        with open(EXPECTED, "w") as f:
            for dev, status, msg in got:
                f.write("%s\t%s\t%s\n" % (dev, status, msg))
        print("recorded %d cases in %s" % (len(got), EXPECTED))
        return 0
    want = {}
    with open(EXPECTED) as f:
        for line in f:
            dev, status, msg = line.rstrip("\n").split("\t")
            want[dev] = (status, msg)
    bad = 0
    for dev, status, msg in got:
        ws, wm = want.get(dev, ("?", "?"))
        ok = str(status) == ws and msg == wm
        bad += not ok
        print("%s %s" % ("ok  " if ok else "FAIL", dev))
        if not ok:
            print("    want: %s %s\n    got:  %s %s" % (ws, wm, status, msg))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
