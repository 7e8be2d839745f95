# Fill a DMA buffer with a recognisable pattern before starting a device,
# so that what the device wrote stands out afterwards.
writephys --fill --length 64K -d 0x200000 0xdeadbeef
readphys -d 0x200000 --length 16
