#!/bin/sh
# Re-capture every reference dump in this directory (see README.md).
set -e
cd "$(dirname "$0")"
C=./capture.py
$C pc-128m -- -machine pc -accel tcg -m 128
$C pc-6g -- -machine pc -accel tcg -m 6G
$C pc-pflash -- -machine pc -accel tcg -m 128 \
    -drive if=pflash,format=raw,file=@FLASH@,readonly=on
$C q35-256m -- -machine q35 -accel tcg -m 256
$C q35-5g -- -machine q35 -accel tcg -m 5G
$C q35-vtd -- -machine q35 -accel tcg -m 512 \
    -device intel-iommu,aw-bits=48,caching-mode=on -device edu,addr=04.0 -device e1000
$C --qtest q35-vtd-dmar.qtest q35-vtd-dmar -- -machine q35 -accel tcg -m 512 \
    -device intel-iommu,aw-bits=48,caching-mode=on -device edu,addr=04.0 -device e1000
$C --qtest q35-pci-bars.qtest q35-pci -- -machine q35 -accel tcg -m 256 \
    -device edu,addr=04.0 -device e1000,addr=05.0 -device virtio-net-pci,addr=06.0 \
    -device pci-bridge,id=br1,chassis_nr=1,addr=07.0 \
    -device edu,bus=br1,addr=03.0 -device e1000,bus=br1,addr=04.0
