# QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)
# hlt.bin: 65536 bytes of 0xf4 (hlt)
qemu-system-x86_64 -machine q35 -accel tcg -m 5G -S -nodefaults -display none -bios hlt.bin -qmp stdio
q35-5g.tree.txt: info mtree -D
q35-5g.plain.txt: info mtree
q35-5g.flat.txt: info mtree -f
q35-5g.owner.txt: info mtree -o -D
