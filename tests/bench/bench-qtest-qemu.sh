#!/bin/sh
# bench-qtest-qemu.sh IOMMUSIM
#
# qtest lines per second through the whole `iommusim qtest` program (q35
# machine, 1,000,000 lines of RAM reads and writes from a file, replies to
# /dev/null, start-up included), beside reading the same file with cat as
# the baseline. Target: 500,000 lines/s. (The comparison with QEMU 7.2 as
# whole processes is bench-qtest-process.)
set -e
iommusim=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

python3 - "$tmp/lines.qtest" <<'PY'
import random, sys
random.seed(1)
with open(sys.argv[1], "w") as f:
    for i in range(1000000):
        a = random.randrange(0, 0x8000000 // 64) * 64
        k = i % 4
        if k == 0:
            f.write(f"writeq {a:#x} {random.getrandbits(64):#x}\n")
        elif k == 1:
            f.write(f"readq {a:#x}\n")
        elif k == 2:
            f.write(f"writel {a:#x} {random.getrandbits(32):#x}\n")
        else:
            f.write(f"readl {a:#x}\n")
PY
now() { date +%s.%N; }
t0=$(now); cat "$tmp/lines.qtest" > /dev/null; t1=$(now)
"$iommusim" qtest -m 256 < "$tmp/lines.qtest" > "$tmp/out.txt"
t2=$(now)
replies=$(wc -l < "$tmp/out.txt")
python3 - "$t0" "$t1" "$t2" "$replies" <<'PY'
import sys
t0, t1, t2, n = map(float, sys.argv[1:5])
lps = n / (t2 - t1)
base = n / max(t1 - t0, 1e-9)
print(f"{'iommusim qtest process, lines/s':44s} {lps/1e6:10.2f} Mln/s  | "
      f"baseline {'cat of the same file':28s} {base/1e6:10.2f} Mln/s  | "
      f"ratio {lps/base:6.2f} | target >= 0.5 Mlines/s: "
      f"{'met' if lps >= 500000 else 'MISSED'}")
PY
