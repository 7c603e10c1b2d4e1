#!/usr/bin/env python3
"""qtest-oracle.py - run qtest traces on QEMU 7.2 and on `iommusim qtest`
and compare the replies line by line.

A trace (tests/qtest/*.qtest) is qtest commands, one a line, sent verbatim,
plus lines starting with '#':

  # text                      a comment, not sent
  #! args: OPTIONS...         extra command-line options for both programs
                              (after the reference line, see BASE_ARGS)
  #! sync                     wait for every reply so far before going on
  #! empty                    send an empty line (QEMU 7.2 aborts on one)
  #! poll CMD mask M value V [max N]
                              send CMD (a read) one at a time until
                              (reply & M) == V, at most N times (default
                              2000); only the last reply is compared. QEMU's
                              timers run in another thread, iommusim's when
                              its input is drained: the loop hides how many
                              reads that takes.

Between '#! sync' / '#! poll' points the commands go out in one write, as a
file piped into QEMU would. Lines that are not replies (OK, FAIL, ERR at the
start) are log lines and are ignored.

Modes:
  (default)         run each trace on QEMU and on iommusim, diff the replies
  --expected        run on iommusim only, compare with TRACE.expected
                    (replies recorded from QEMU 7.2 with --record)
  --record          run on QEMU only and write TRACE.expected
  --time N          run each trace N times on both as whole processes and
                    print the mean wall time of each (a benchmark)

Exit status: 0 all traces agree, 1 a difference or a failure, 77 (skip) when
QEMU is needed and qemu-system-x86_64 is not installed.
"""
import argparse
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time

BASE_ARGS = ["-machine", "q35", "-accel", "tcg", "-icount", "shift=0,sleep=off",
             "-bios", "@HLT@", "-nodefaults", "-display", "none", "-m", "256",
             "-qtest", "stdio"]
REPLY_PREFIXES = ("OK", "FAIL", "ERR")
REPLY_TIMEOUT = 20.0


class Trace:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        self.args = []
        self.steps = []   # ("block", [lines]) | ("poll", cmd, mask, value, max)
        block = []
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            for raw in f:
                line = raw.rstrip("\n")
                if line.startswith("#!"):
                    words = line[2:].split()
                    if not words:
                        continue
                    if words[0] == "args:":
                        self.args += words[1:]
                    elif words[0] == "empty":
                        block.append("")
                    elif words[0] == "sync":
                        if block:
                            self.steps.append(("block", block))
                            block = []
                    elif words[0] == "poll":
                        if block:
                            self.steps.append(("block", block))
                            block = []
                        self.steps.append(self._poll(words[1:], line))
                    else:
                        raise SystemExit(f"{path}: unknown directive: {line}")
                elif line.startswith("#") or line == "":
                    continue
                else:
                    block.append(line)
        if block:
            self.steps.append(("block", block))

    def _poll(self, w, line):
        try:
            i = w.index("mask")
            cmd = " ".join(w[:i])
            mask = int(w[i + 1], 0)
            assert w[i + 2] == "value"
            value = int(w[i + 3], 0)
            mx = int(w[i + 5], 0) if len(w) > i + 5 and w[i + 4] == "max" else 2000
        except (ValueError, IndexError, AssertionError):
            raise SystemExit(f"{self.path}: bad poll directive: {line}")
        return ("poll", cmd, mask, value, mx)

    def commands(self):
        """The command of each compared reply, in order."""
        out = []
        for s in self.steps:
            if s[0] == "block":
                out += s[1]
            else:
                out.append(s[1])
        return out


class Runner:
    """One process speaking qtest on its stdin/stdout."""

    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.q = queue.Queue()
        self.log = []
        self.err = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read(self):
        for raw in self.p.stdout:
            line = raw.decode("utf-8", "surrogateescape").rstrip("\n")
            if line.startswith(REPLY_PREFIXES):
                self.q.put(line)
            else:
                self.log.append(line)
        self.q.put(None)

    def _read_err(self):
        for raw in self.p.stderr:
            if len(self.err) < 200:
                self.err.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def send(self, lines):
        data = "".join(l + "\n" for l in lines)
        self.p.stdin.write(data.encode("utf-8", "surrogateescape"))
        self.p.stdin.flush()

    def reply(self):
        r = self.q.get(timeout=REPLY_TIMEOUT)
        if r is None:
            raise RuntimeError("the program ended before replying")
        return r

    def finish(self, kill):
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        if kill:
            self.p.kill()
        try:
            return self.p.wait(timeout=REPLY_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None


def run_trace(argv, trace, kill_at_end):
    """Replies of @trace from the program @argv (list of strings)."""
    r = Runner(argv)
    replies = []
    try:
        for s in trace.steps:
            if s[0] == "block":
                r.send(s[1])
                for _ in s[1]:
                    replies.append(r.reply())
            else:
                _, cmd, mask, value, mx = s
                last = None
                for i in range(mx):
                    r.send([cmd])
                    last = r.reply()
                    try:
                        v = int(last.split()[1], 0)
                    except (IndexError, ValueError):
                        break
                    if v & mask == value:
                        break
                    time.sleep(0.001)
                replies.append(last)
    except (RuntimeError, queue.Empty, BrokenPipeError) as e:
        status = r.finish(kill=True)
        msg = str(e) or "no reply in time"
        raise RuntimeError(f"{msg} (status {status}); stderr:\n  " +
                           "\n  ".join(r.err[-10:]))
    status = r.finish(kill=kill_at_end)
    if not kill_at_end and status != 0:
        raise RuntimeError(f"exit status {status}; stderr:\n  " +
                           "\n  ".join(r.err[-10:]))
    return replies


def qemu_argv(opts, trace, hlt):
    return [opts.qemu] + [hlt if a == "@HLT@" else a for a in BASE_ARGS] + trace.args


def sim_argv(opts, trace, hlt):
    return [opts.iommusim, "qtest"] + [hlt if a == "@HLT@" else a
                                       for a in BASE_ARGS] + trace.args


def compare(trace, a_name, a, b_name, b):
    cmds = trace.commands()
    bad = 0
    for i, cmd in enumerate(cmds):
        ra = a[i] if i < len(a) else "(none)"
        rb = b[i] if i < len(b) else "(none)"
        if ra != rb:
            bad += 1
            if bad <= 20:
                print(f"  {trace.name}: command {i + 1}: {cmd}\n"
                      f"    {a_name:9s} {ra}\n    {b_name:9s} {rb}")
    if len(a) != len(b):
        bad += 1
        print(f"  {trace.name}: {a_name} gave {len(a)} replies, "
              f"{b_name} {len(b)}")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("traces", nargs="+")
    ap.add_argument("--qemu", default=os.environ.get("QEMU", "qemu-system-x86_64"))
    ap.add_argument("--iommusim", default=os.environ.get("IOMMUSIM", "iommusim"))
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--expected", action="store_true")
    mode.add_argument("--record", action="store_true")
    mode.add_argument("--time", type=int, metavar="N")
    opts = ap.parse_args()

    need_qemu = not opts.expected
    if need_qemu and not shutil.which(opts.qemu):
        print(f"SKIP: {opts.qemu} not found")
        return 77

    tmp = tempfile.mkdtemp(prefix="qtest-oracle-")
    hlt = os.path.join(tmp, "hlt.bin")
    with open(hlt, "wb") as f:
        f.write(b"\xf4" * 65536)

    failures = 0
    try:
        for path in opts.traces:
            trace = Trace(path)
            try:
                if opts.record:
                    rq = run_trace(qemu_argv(opts, trace, hlt), trace, True)
                    with open(path[:-len(".qtest")] + ".expected"
                              if path.endswith(".qtest") else path + ".expected",
                              "w") as f:
                        f.write("".join(r + "\n" for r in rq))
                    print(f"recorded {trace.name}: {len(rq)} replies")
                elif opts.expected:
                    exp_path = (path[:-len(".qtest")] if path.endswith(".qtest")
                                else path) + ".expected"
                    with open(exp_path, encoding="utf-8",
                              errors="surrogateescape") as f:
                        rq = [l.rstrip("\n") for l in f]
                    rs = run_trace(sim_argv(opts, trace, hlt), trace, False)
                    bad = compare(trace, "qemu-7.2", rq, "iommusim", rs)
                    print(f"{'ok' if not bad else 'FAIL'} {trace.name}: "
                          f"{len(rs)} replies, {bad} differences")
                    failures += bad != 0
                elif opts.time:
                    tq = ts = 0.0
                    for _ in range(opts.time):
                        t0 = time.perf_counter()
                        run_trace(qemu_argv(opts, trace, hlt), trace, True)
                        t1 = time.perf_counter()
                        run_trace(sim_argv(opts, trace, hlt), trace, False)
                        t2 = time.perf_counter()
                        tq += t1 - t0
                        ts += t2 - t1
                    tq /= opts.time
                    ts /= opts.time
                    print(f"{trace.name}: {len(trace.commands())} commands, "
                          f"mean of {opts.time} whole-process runs: "
                          f"qemu-7.2 {tq * 1e3:.1f} ms, iommusim "
                          f"{ts * 1e3:.2f} ms, ratio {tq / ts:.1f}x")
                else:
                    rq = run_trace(qemu_argv(opts, trace, hlt), trace, True)
                    rs = run_trace(sim_argv(opts, trace, hlt), trace, False)
                    bad = compare(trace, "qemu-7.2", rq, "iommusim", rs)
                    print(f"{'ok' if not bad else 'FAIL'} {trace.name}: "
                          f"{len(rs)} replies, {bad} differences")
                    failures += bad != 0
            except RuntimeError as e:
                print(f"FAIL {trace.name}: {e}")
                failures += 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
