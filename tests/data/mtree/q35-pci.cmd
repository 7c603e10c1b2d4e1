# QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)
# hlt.bin: 65536 bytes of 0xf4 (hlt)
qemu-system-x86_64 -machine q35 -accel tcg -m 256 -device edu,addr=04.0 -device e1000,addr=05.0 -device virtio-net-pci,addr=06.0 -device pci-bridge,id=br1,chassis_nr=1,addr=07.0 -device edu,bus=br1,addr=03.0 -device e1000,bus=br1,addr=04.0 -S -nodefaults -display none -bios hlt.bin -qmp stdio -qtest-log /dev/null -qtest unix:SOCKET
# qtest commands sent first: q35-pci-bars.qtest
q35-pci.tree.txt: info mtree -D
q35-pci.plain.txt: info mtree
q35-pci.flat.txt: info mtree -f
q35-pci.owner.txt: info mtree -o -D
