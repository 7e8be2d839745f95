# Read a device register: the HPET's capabilities and ID (QEMU's pc machine
# puts the HPET at 0xfed00000).  Device reads can have side effects, so
# readphys wants --force for them; this one is a plain register read.
readphys -q 0xfed00000 --length 8 --force
