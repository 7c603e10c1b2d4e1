# QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)
# hlt.bin: 65536 bytes of 0xf4 (hlt)
qemu-system-x86_64 -machine pc -accel tcg -m 128 -S -nodefaults -display none -bios hlt.bin -qmp stdio
pc-128m.tree.txt: info mtree -D
pc-128m.plain.txt: info mtree
pc-128m.flat.txt: info mtree -f
pc-128m.owner.txt: info mtree -o -D
