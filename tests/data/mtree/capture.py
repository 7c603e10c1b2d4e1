#!/usr/bin/env python3
"""Capture `info mtree` reference dumps from a real QEMU 7.2.

Usage: capture.py [--qtest FILE] NAME -- QEMU-ARGS...

Starts qemu-system-x86_64 with QEMU-ARGS plus
  -S -nodefaults -display none -bios hlt.bin -qmp stdio
and asks, through QMP's human-monitor-command, for
  info mtree -D   -> NAME.tree.txt
  info mtree      -> NAME.plain.txt
  info mtree -f   -> NAME.flat.txt
  info mtree -o -D -> NAME.owner.txt
The returned strings are written verbatim: no prompt, no banner.
With --qtest FILE, QEMU also gets -qtest unix:SOCKET and the qtest commands
of FILE (one a line, '#' comments) are sent first, e.g. to program PCI
BARs and bridge windows as firmware would; each must answer "OK".
NAME.cmd records the exact command line and the monitor commands.
"""
import json
import os
import shlex
import subprocess
import sys

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    args = sys.argv[1:]
    qtest_file = None
    if len(args) >= 2 and args[0] == "--qtest":
        qtest_file = args[1]
        args = args[2:]
    if len(args) < 2 or args[1] != "--":
        sys.exit(__doc__)
    name = args[0]
    extra = args[2:]
    hlt = os.path.join("/tmp", "iommusim-hlt.bin")
    with open(hlt, "wb") as f:
        f.write(b"\xf4" * 65536)
    # "@FLASH@" in an argument stands for a 256 KiB flash image of hlt
    flash = os.path.join("/tmp", "iommusim-flash.bin")
    if any("@FLASH@" in a for a in extra):
        with open(flash, "wb") as f:
            f.write(b"\xf4" * 262144)
        extra = [a.replace("@FLASH@", flash) for a in extra]
    argv = [QEMU] + extra + ["-S", "-nodefaults", "-display", "none",
                             "-bios", hlt, "-qmp", "stdio"]
    qsock = None
    if qtest_file:
        import socket
        import tempfile
        path = os.path.join(tempfile.mkdtemp(), "qtest.sock")
        lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lsock.bind(path)
        lsock.listen(1)
        argv += ["-qtest-log", "/dev/null", "-qtest", "unix:" + path]
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    if qtest_file:
        conn, _ = lsock.accept()
        qsock = conn.makefile("rw")
        for line in open(qtest_file):
            line = line.split("#")[0].strip()
            if not line:
                continue
            qsock.write(line + "\n")
            qsock.flush()
            while True:
                ans = qsock.readline()
                if not ans:
                    sys.exit("qtest connection closed at: " + line)
                if ans.startswith(("OK", "FAIL", "ERR")):
                    break
            if not ans.startswith("OK"):
                sys.exit("qtest: %s -> %s" % (line, ans.strip()))

    def reply():
        while True:
            line = p.stdout.readline()
            if not line:
                sys.exit("qemu exited early: " + shlex.join(argv))
            msg = json.loads(line)
            if "return" in msg or "error" in msg:
                return msg

    def execute(cmd, **args):
        req = {"execute": cmd}
        if args:
            req["arguments"] = args
        p.stdin.write(json.dumps(req) + "\n")
        p.stdin.flush()
        msg = reply()
        if "error" in msg:
            sys.exit("%s: %s" % (cmd, msg["error"]))
        return msg["return"]

    p.stdout.readline()  # greeting
    execute("qmp_capabilities")
    monitor = [("tree", "info mtree -D"), ("plain", "info mtree"),
               ("flat", "info mtree -f"), ("owner", "info mtree -o -D")]
    for suffix, hmp in monitor:
        text = execute("human-monitor-command", **{"command-line": hmp})
        # The monitor turns each "\n" of mtree_info's output into "\r\n";
        # store the text as mtree_info printed it.
        text = text.replace("\r\n", "\n")
        with open(os.path.join(HERE, "%s.%s.txt" % (name, suffix)), "w") as f:
            f.write(text)
    execute("quit")
    p.wait()
    shown = [a.replace(hlt, "hlt.bin").replace(flash, "flash.bin")
             for a in argv]
    if qtest_file:
        shown[-1] = "unix:SOCKET"
    with open(os.path.join(HERE, name + ".cmd"), "w") as f:
        f.write("# %s\n" % subprocess.run([QEMU, "--version"],
                capture_output=True, text=True).stdout.splitlines()[0])
        f.write("# hlt.bin: 65536 bytes of 0xf4 (hlt)\n")
        if any("flash.bin" in a for a in shown):
            f.write("# flash.bin: 262144 bytes of 0xf4 (hlt)\n")
        f.write(shlex.join(shown) + "\n")
        if qtest_file:
            f.write("# qtest commands sent first: %s\n"
                    % os.path.basename(qtest_file))
        for suffix, hmp in monitor:
            f.write("%s.%s.txt: %s\n" % (name, suffix, hmp))


if __name__ == "__main__":
    main()
