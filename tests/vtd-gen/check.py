#!/usr/bin/env python3
"""check.py - sanity checks of the recorded VT-d traces (no QEMU needed).

For each TRACE.qtest with a TRACE.expected next to it:
  * the number of replies equals the number of commands (polls count once);
  * every reply is OK (a FAIL/ERR means the trace misuses the protocol);
  * each '# expect FR=0xN' comment: the next read of the upper half of the
    fault recording register (readq 0xfed90228) shows F=1 and reason N;
  * each '# expect: no new fault recorded': that read shows F=0.
With --summary, also prints which fault reasons the replies contain, over
all traces given (the coverage of the suite), and how many traces there are.

Exit status 0 when every check holds.
"""
import collections
import sys

FRCD_HI = "readq 0xfed90228"

REASONS = {0x1: "root entry not present", 0x2: "context entry not present",
           0x3: "context entry invalid", 0x4: "address beyond MGAW",
           0x5: "write", 0x6: "read", 0x7: "paging entry invalid",
           0x8: "root table invalid", 0x9: "context table invalid",
           0xa: "root entry reserved", 0xb: "context entry reserved",
           0xc: "paging entry reserved", 0xe: "interrupt address",
           0x58: "PASID table invalid", 0x87: "interrupt address (scalable)"}


def commands(path):
    """(command, pending expectation) for each compared reply."""
    out = []
    expect = None
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("#!"):
                w = line[2:].split()
                if w and w[0] == "poll":
                    out.append((" ".join(w[1:w.index("mask")]), None))
                continue
            if line.startswith("#"):
                t = line[1:].strip()
                if t.startswith("expect FR="):
                    expect = int(t.split("=")[1], 16)
                elif t.startswith("expect: no new fault"):
                    expect = "none"
                continue
            if not line:
                continue
            if line == FRCD_HI and expect is not None:
                out.append((line, expect))
                expect = None
            else:
                out.append((line, None))
    return out


def main():
    args = sys.argv[1:]
    summary = "--summary" in args
    paths = [a for a in args if a != "--summary"]
    bad = 0
    seen = collections.Counter()
    traces_with = collections.defaultdict(set)
    for path in paths:
        exp_path = path[:-len(".qtest")] + ".expected"
        try:
            replies = [l.rstrip("\n") for l in open(exp_path)]
        except OSError:
            print("%s: no .expected" % path)
            bad += 1
            continue
        cmds = commands(path)
        if len(cmds) != len(replies):
            print("%s: %d commands, %d replies" % (path, len(cmds), len(replies)))
            bad += 1
            continue
        for i, ((cmd, exp), rep) in enumerate(zip(cmds, replies)):
            if not rep.startswith("OK"):
                print("%s: command %d (%s): %s" % (path, i + 1, cmd, rep))
                bad += 1
            if cmd == FRCD_HI:
                v = int(rep.split()[1], 16)
                f, fr = v >> 63, (v >> 32) & 0xff
                if f:
                    seen[fr] += 1
                    traces_with[fr].add(path)
                if exp == "none" and f:
                    print("%s: command %d: expected no fault, FRCD.hi %s" % (path, i + 1, rep))
                    bad += 1
                elif isinstance(exp, int) and (not f or fr != exp):
                    print("%s: command %d: expected reason %#x, FRCD.hi %s" % (path, i + 1, exp, rep))
                    bad += 1
    if summary:
        print("%d traces; fault reasons seen in FRCD reads (reads, traces):" % len(paths))
        for fr in sorted(set(REASONS) | set(seen)):
            print("  %#04x %-32s %5d %4d" % (fr, REASONS.get(fr, "?"), seen[fr],
                                          len(traces_with[fr])))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
