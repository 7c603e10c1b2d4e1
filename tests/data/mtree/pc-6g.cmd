# QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)
# hlt.bin: 65536 bytes of 0xf4 (hlt)
qemu-system-x86_64 -machine pc -accel tcg -m 6G -S -nodefaults -display none -bios hlt.bin -qmp stdio
pc-6g.tree.txt: info mtree -D
pc-6g.plain.txt: info mtree
pc-6g.flat.txt: info mtree -f
pc-6g.owner.txt: info mtree -o -D
