# QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)
# hlt.bin: 65536 bytes of 0xf4 (hlt)
qemu-system-x86_64 -machine q35 -accel tcg -m 256 -S -nodefaults -display none -bios hlt.bin -qmp stdio
q35-256m.tree.txt: info mtree -D
q35-256m.plain.txt: info mtree
q35-256m.flat.txt: info mtree -f
q35-256m.owner.txt: info mtree -o -D
