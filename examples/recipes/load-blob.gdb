# Load a blob (a kernel, an initrd, a firmware image) at a physical address,
# check it through the read-back, and look at its first bytes.
#   gdb -x load-blob.gdb   (connected to the guest, with BLOB a file path)
writephys --file /tmp/writephys-recipe-blob.bin 0x100000
readphys 0x100000 --length 32
