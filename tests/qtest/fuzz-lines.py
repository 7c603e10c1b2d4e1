#!/usr/bin/env python3
"""fuzz-lines.py IOMMUSIM [SEED] [LINES]: random qtest lines against the q35
machine with two edu devices (one with a 64-bit DMA mask), the BAR mapped
and bus mastering on, so that random writes reach edu's registers and start
DMA anywhere. Every line must get exactly one reply and the program must
exit 0 at the end of its input (no crash, hang or sanitizer report)."""
import random
import subprocess
import sys

exe = sys.argv[1]
seed = int(sys.argv[2]) if len(sys.argv) > 2 else random.randrange(1 << 30)
count = int(sys.argv[3]) if len(sys.argv) > 3 else 4000
rnd = random.Random(seed)
CMDS = ["outb", "outw", "outl", "inb", "inw", "inl", "readb", "readw",
        "readl", "readq", "writeb", "writew", "writel", "writeq", "read",
        "write", "b64read", "b64write", "memset", "clock_step", "clock_set",
        "endianness", "irq_intercept_in", "set_irq_in", "module_load", "",
        "bogus"]
ADDRS = [0xfe000000, 0xfe000004, 0xfe000008, 0xfe000020, 0xfe000024,
         0xfe000060, 0xfe000064, 0xfe000080, 0xfe000088, 0xfe000090,
         0xfe000098, 0xfe100098, 0xcf8, 0xcfc, 0xcfe, 0x40000, 0x41000,
         0xfec00000, 0xfec00010, 0xfed00000, 0xfed00100, 0xfee00000,
         0xe0000000, 0xb0000000, 0x100000, 0, 0xffffffffffffffff,
         0xfffffffffffffff8, 0x10000000, 0xffff0000]


def number():
    k = rnd.randrange(10)
    if k < 4:
        return hex(max(0, rnd.choice(ADDRS) + rnd.randrange(-8, 9)))
    if k < 6:
        return str(rnd.randrange(0, 5000))
    if k == 6:
        return hex(rnd.getrandbits(64))
    if k == 7:
        return rnd.choice(["-1", "0x", "08", "", "1e", "0x1g", "+3", " 7",
                           "99999999999999999999999", "0X10", "AAAA"])
    if k == 8:
        return "0x" + "".join(rnd.choice("0123456789abcdefxz")
                              for _ in range(rnd.randrange(0, 20)))
    return str(rnd.randrange(0, 1 << 32))


def line():
    cmd = rnd.choice(CMDS)
    words = [cmd] + [number() for _ in range(rnd.randrange(0, 5))]
    # bulk commands: mostly small sizes (a size of 4 GiB sweeps every MMIO
    # region below 4 GiB access by access: correct, but slow)
    if cmd in ("read", "write", "b64read", "b64write", "memset") and \
            len(words) > 2 and rnd.randrange(8):
        words[2] = str(rnd.randrange(0, 9000))
    if rnd.randrange(20) == 0:
        words.append("".join(chr(rnd.randrange(1, 256)) for _ in
                             range(rnd.randrange(0, 10))).replace("\n", " "))
    return " ".join(words)


setup = ["outl 0xcf8 0x80002010", "outl 0xcfc 0xfe000000",
         "outl 0xcf8 0x80002004", "outw 0xcfc 0x0006",
         "outl 0xcf8 0x80002810", "outl 0xcfc 0xfe100000",
         "outl 0xcf8 0x80002804", "outw 0xcfc 0x0006"]
lines = setup + [line() for _ in range(count)]
data = "".join(l + "\n" for l in lines).encode("utf-8", "surrogateescape")
for accel in (["-accel", "qtest"], ["-icount", "shift=0,sleep=off"]):
    p = subprocess.run([exe, "qtest", "-m", "512", "-device", "edu,addr=04.0",
                        "-device", "edu,addr=05.0,dma_mask=-1"] + accel,
                       input=data, capture_output=True, timeout=600)
    replies = [l for l in p.stdout.split(b"\n")
               if l.startswith((b"OK", b"FAIL", b"ERR"))]
    if p.returncode != 0 or len(replies) != len(lines):
        print(f"FAIL seed {seed} {accel}: exit {p.returncode}, "
              f"{len(replies)} replies for {len(lines)} lines")
        print(p.stderr.decode("utf-8", "replace")[-3000:])
        sys.exit(1)
    print(f"ok seed {seed} {' '.join(accel)}: {len(lines)} lines, "
          f"{sum(r.startswith(b'ERR') for r in replies)} ERR replies")
