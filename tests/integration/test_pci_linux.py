"""Debian's kernel as a q35 guest (SeaBIOS enumerates, the kernel uses ECAM
through ACPI's MCFG): the guest's own /sys/bus/pci/devices/*/config, printed
on the serial console by its init, equals readpci of every function."""
import os
import re
import sys

from harness import BUILD, ROOT, Qemu, run_gdb
from test_pci import DEVICES, ROOT_PORT, dump_bytes

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import linux_guest  # noqa: E402

INIT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /sys
mount -t sysfs sysfs /sys
echo WP-PCI-BEGIN
for d in /sys/bus/pci/devices/*; do
  echo "WP-PCI ${d##*/} $(od -An -v -tx1 $d/config | tr -d ' \\n')"
done
echo WP-PCI-END
while read line; do echo WP-ALIVE; done
"""


def test_sysfs_config_equals_readpci():
    vmlinuz, initrd = linux_guest.build_with_init(os.path.join(BUILD, "linux-guest"),
                                                  "initrd-pci.cpio", INIT)
    with Qemu("x86_64", machine=["-M", "q35", "-kernel", vmlinuz, "-initrd", initrd,
                                 "-append", "console=ttyS0 quiet panic=-1"] + DEVICES + ROOT_PORT,
              ram_mb=512, serial=True) as qemu:
        qemu.execute("cont")
        text = qemu.read_serial_until("WP-PCI-END")
        sysfs = {}
        for m in re.finditer(r"WP-PCI 0000:(\S+) ([0-9a-f]+)", text):
            sysfs[m.group(1)] = bytes.fromhex(m.group(2))
        assert len(sysfs) == 8, sorted(sysfs)
        bdfs = sorted(sysfs)
        r = run_gdb(["readpci %s" % b for b in bdfs], port=qemu.port, timeout=300)
    for bdf, res in zip(bdfs, r):
        assert res["error"] is None, res
        assert res["output"].startswith("readpci: 0000:%s offsets 0x0-0xfff through ECAM at "
                                        % bdf), res["output"][:200]
        ours = dump_bytes(res["output"])
        theirs = sysfs[bdf]
        assert len(theirs) in (256, 4096), (bdf, len(theirs))
        assert ours[:len(theirs)] == theirs, bdf
