#!/usr/bin/env python3
"""run.py - run a batch of the VT-d traces of tests/qtest/vtd/ with
tests/oracle/qtest-oracle.py (what tests/vtd-gen/meson.build calls).

Usage:
  run.py [--iommusim PATH] [--qemu PATH] [--mode expected|live|drift]
         GROUP [PART/PARTS]

GROUP: reset (reset-*), hand (fault-*, qi-*, inv-*, regs-*), random
(NNN.qtest) or all; PART/PARTS takes every PARTS-th trace of the group,
starting at the PART-th (0-based), so that batches stay short.

Modes:
  expected  iommusim's replies against the saved TRACE.expected (QEMU 7.2's
            replies, recorded with record.sh); no QEMU needed (default)
  live      the trace on qemu-system-x86_64 and on iommusim, replies
            compared (exit 77, skipped, without QEMU)
  drift     the trace on qemu-system-x86_64 only, replies compared with
            TRACE.expected: is the installed QEMU the one the replies were
            recorded from? (exit 77 without QEMU)
"""
import argparse
import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TRACES = os.path.normpath(os.path.join(HERE, "..", "qtest", "vtd"))
ORACLE = os.path.normpath(os.path.join(HERE, "..", "oracle", "qtest-oracle.py"))


def select(group, part):
    names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(TRACES, "*.qtest")))
    if group == "reset":
        names = [n for n in names if n.startswith("reset-")]
    elif group == "random":
        names = [n for n in names if re.match(r"^\d+\.qtest$", n)]
    elif group == "hand":
        names = [n for n in names if not n.startswith("reset-") and
                 not re.match(r"^\d+\.qtest$", n)]
    elif group != "all":
        sys.exit("unknown group " + group)
    if part:
        i, n = (int(x) for x in part.split("/"))
        names = names[i::n]
    return [os.path.join(TRACES, n) for n in names]


def drift(opts, paths):
    """QEMU now against the recorded replies."""
    spec = importlib.util.spec_from_file_location("qtest_oracle", ORACLE)
    qo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(qo)
    tmp = tempfile.mkdtemp(prefix="vtd-drift-")
    hlt = os.path.join(tmp, "hlt.bin")
    with open(hlt, "wb") as f:
        f.write(b"\xf4" * 65536)
    bad = 0
    try:
        for p in paths:
            tr = qo.Trace(p)
            with open(p[:-len(".qtest")] + ".expected") as f:
                want = [l.rstrip("\n") for l in f]
            try:
                got = qo.run_trace(qo.qemu_argv(opts, tr, hlt), tr, True)
            except RuntimeError as e:
                print("FAIL %s: %s" % (tr.name, e))
                bad += 1
                continue
            n = qo.compare(tr, "recorded", want, "qemu-now", got)
            print("%s %s: %d replies, %d differences" % ("ok" if not n else "FAIL",
                                                        tr.name, len(got), n))
            bad += n != 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("group")
    ap.add_argument("part", nargs="?")
    ap.add_argument("--iommusim", default=os.environ.get("IOMMUSIM", "iommusim"))
    ap.add_argument("--qemu", default=os.environ.get("QEMU", "qemu-system-x86_64"))
    ap.add_argument("--mode", choices=["expected", "live", "drift"], default="expected")
    opts = ap.parse_args()
    paths = select(opts.group, opts.part)
    if not paths:
        print("no traces in %s for %s %s" % (TRACES, opts.group, opts.part or ""))
        return 1
    if opts.mode != "expected" and not shutil.which(opts.qemu):
        print("SKIP: %s not found" % opts.qemu)
        return 77
    if opts.mode == "drift":
        return drift(opts, paths)
    argv = [sys.executable, ORACLE, "--iommusim", opts.iommusim, "--qemu", opts.qemu]
    if opts.mode == "expected":
        argv.append("--expected")
    r = subprocess.run(argv + paths)
    return r.returncode


if __name__ == "__main__":
    sys.exit(main())
