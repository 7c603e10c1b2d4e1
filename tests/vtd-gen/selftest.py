#!/usr/bin/env python3
"""selftest.py - the VT-d traces are what the generator writes, and their
recorded replies are consistent (check.py). No QEMU, no iommusim needed.

Regenerates every trace into a temporary directory with gen.py and compares
each with tests/qtest/vtd/ byte for byte (a hand-edited or stale trace, or a
generator that is no longer deterministic, fails), then runs check.py."""
import filecmp
import glob
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TRACES = os.path.normpath(os.path.join(HERE, "..", "qtest", "vtd"))


def main():
    tmp = tempfile.mkdtemp(prefix="vtd-gen-")
    try:
        subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), "--out", tmp],
                       check=True, stdout=subprocess.DEVNULL)
        fresh = sorted(os.path.basename(p) for p in glob.glob(os.path.join(tmp, "*.qtest")))
        kept = sorted(os.path.basename(p) for p in glob.glob(os.path.join(TRACES, "*.qtest")))
        bad = 0
        for n in sorted(set(fresh) ^ set(kept)):
            print("%s: %s" % (n, "not in tests/qtest/vtd" if n in fresh else "not generated"))
            bad += 1
        for n in sorted(set(fresh) & set(kept)):
            if not filecmp.cmp(os.path.join(tmp, n), os.path.join(TRACES, n), shallow=False):
                print("%s: differs from what gen.py writes" % n)
                bad += 1
        print("%d traces generated, %d differences" % (len(fresh), bad))
        r = subprocess.run([sys.executable, os.path.join(HERE, "check.py"), "--summary"] +
                           [os.path.join(TRACES, n) for n in kept])
        return 1 if bad or r.returncode else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
