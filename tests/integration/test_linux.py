"""A real Linux guest: Debian's own kernel with KASLR, booted under TCG with
-cpu max, where it runs 5-level paging, and again with no5lvl.  Kernel
symbols come from /proc/kallsyms over the serial console.  vtop of kernel
text, rodata and the direct map equals QEMU's gva2gpa, and writephys
--virtual on a read-only kernel string is seen by user space."""
import os
import re
import sys

import pytest

from harness import BUILD, ROOT, Qemu, run_gdb

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import linux_guest  # noqa: E402


@pytest.fixture(scope="module")
def guest_files():
    return linux_guest.build(os.path.join(BUILD, "linux-guest"))


def boot(files, append):
    vmlinuz, initrd = files
    qemu = Qemu("x86_64", machine=["-M", "pc", "-cpu", "max", "-kernel", vmlinuz,
                                   "-initrd", initrd, "-append",
                                   "console=ttyS0 quiet panic=-1 " + append],
                ram_mb=512, serial=True)
    qemu.execute("cont")
    text = qemu.read_serial_until("WP-SYMS-END")
    syms = {}
    for line in text.split("WP-SYMS-BEGIN", 1)[1].splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    return qemu, syms


@pytest.mark.parametrize("paging", ["5-level", "4-level"])
def test_linux_kernel_vtop_and_virtual_patch(guest_files, paging):
    qemu, syms = boot(guest_files, "no5lvl" if paging == "4-level" else "")
    with qemu:
        assert {"_text", "linux_proc_banner", "page_offset_base"} <= set(syms), syms
        text, banner, pob = syms["_text"], syms["linux_proc_banner"], syms["page_offset_base"]
        direct = "$pob+0x1000000"
        r = run_gdb([
            "vtop --walk %#x" % text, "vtop %#x" % text, "monitor gva2gpa %#x" % text,
            "vtop %#x" % banner, "monitor gva2gpa %#x" % banner,
            "set $pob = *(unsigned long long *)%#x" % pob,
            "vtop %s" % direct, 'eval "monitor gva2gpa 0x%%llx", %s' % direct,
            "value:$pob",
            'writephys --virtual --string "VERSION" %#x' % (banner + 3),
        ], port=qemu.port, timeout=300)
        for res in r:
            assert res["error"] is None, res
        assert r[0]["output"].startswith("vtop: x86-64 %s walk of %#x" % (paging, text)), r[0]
        for vtop, truth in ((r[1], r[2]), (r[3], r[4]), (r[6], r[7])):
            phys = int(re.search(r"-> physical (0x[0-9a-f]+)", vtop["output"]).group(1), 16)
            assert phys == int(re.search(r"gpa: (0x[0-9a-f]+)", truth["output"]).group(1),
                               16), (vtop, truth)
        assert "kernel" in r[1]["output"] and ", ro," in r[3]["output"], (r[1], r[3])
        # The direct map: page_offset_base + P is physical P.
        assert "-> physical 0x1000000 " in r[6]["output"], r[6]
        # KASLR put the direct map in the 5-level (0xff11...) or 4-level
        # (0xffff888...) region.
        assert (int(r[8]["output"]) < 0xffff000000000000) == (paging == "5-level"), r[8]
        assert r[9]["output"].startswith("writephys: wrote 7 bytes at virtual %#x (physical "
                                         % (banner + 3)), r[9]
        # The guest runs again after the debugger leaves: user space sees it.
        qemu.serial.sendall(b"\n")
        line = qemu.read_serial_until("WP-VERSION:")
        assert "Linux VERSION 6." in line, line
