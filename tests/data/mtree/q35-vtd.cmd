# QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)
# hlt.bin: 65536 bytes of 0xf4 (hlt)
qemu-system-x86_64 -machine q35 -accel tcg -m 512 -device intel-iommu,aw-bits=48,caching-mode=on -device edu,addr=04.0 -device e1000 -S -nodefaults -display none -bios hlt.bin -qmp stdio
q35-vtd.tree.txt: info mtree -D
q35-vtd.plain.txt: info mtree
q35-vtd.flat.txt: info mtree -f
q35-vtd.owner.txt: info mtree -o -D
