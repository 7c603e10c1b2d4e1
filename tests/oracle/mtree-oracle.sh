#!/bin/sh
# mtree-oracle.sh IOMMUSIM CAPTURE.py SETUP.qtest RAM_MIB [DEVICE...]
#
# `info mtree -f` of QEMU 7.2's q35 against scripts/machines/q35.lua: the
# same -m and -device options, the same PCI set-up (outb/outw/outl lines of
# SETUP.qtest, sent to QEMU through qtest by tests/data/mtree/capture.py),
# then the flat views of the address spaces "memory" (system) and "I/O"
# must be identical. Exit 77 (skip) without qemu-system-x86_64.
set -e
iommusim=$1; capture=$2; setup=$3; ram=$4
shift 4
command -v qemu-system-x86_64 > /dev/null 2>&1 || { echo "SKIP: no QEMU"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cp "$capture" "$tmp/capture.py"
devs=""
for d in "$@"; do devs="$devs -device $d"; done
# shellcheck disable=SC2086
python3 "$tmp/capture.py" --qtest "$setup" ref -- -machine q35 -accel tcg \
    -m "$ram" $devs > /dev/null
"$iommusim" run "$here/../qtest/mtree-q35.lua" "$ram" /tmp/iommusim-hlt.bin \
    "$setup" "$@" > "$tmp/ours.txt"
# the lines of the FlatView that address space @1 uses, without AS lines
section() {
    awk -v as=" AS \"$1\"," '
        index($0, as) == 1 { on = 1 }
        on && $0 == "" { exit }
        on && substr($0, 1, 4) != " AS " { print }'
}
status=0
for as in memory 'I/O'; do
    section "$as" < "$tmp/ref.flat.txt" > "$tmp/a"
    section "$as" < "$tmp/ours.txt" > "$tmp/b"
    if diff -u "$tmp/a" "$tmp/b"; then
        echo "ok flat view of \"$as\": $(wc -l < "$tmp/a") lines identical"
    else
        echo "FAIL flat view of \"$as\" differs (- QEMU 7.2, + iommusim)"
        status=1
    fi
done
exit $status
