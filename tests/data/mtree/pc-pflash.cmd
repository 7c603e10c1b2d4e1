# QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)
# hlt.bin: 65536 bytes of 0xf4 (hlt)
# flash.bin: 262144 bytes of 0xf4 (hlt)
qemu-system-x86_64 -machine pc -accel tcg -m 128 -drive if=pflash,format=raw,file=flash.bin,readonly=on -S -nodefaults -display none -bios hlt.bin -qmp stdio
pc-pflash.tree.txt: info mtree -D
pc-pflash.plain.txt: info mtree
pc-pflash.flat.txt: info mtree -f
pc-pflash.owner.txt: info mtree -o -D
