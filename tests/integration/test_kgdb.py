"""The kgdb route against a real kernel's kgdb: a 6.1 kernel built from
Debian's linux-source-6.1 (scripts/kgdb_kernel.py) boots under QEMU with
kgdboc on its second serial port; sysrq-g drops it into kgdb, and GDB and
LLDB attach to kgdb's stub on that port (not to QEMU's).  Every byte is
checked through QEMU's QMP, which knows nothing of kgdb.  With KASLR (the
kernel image and its direct map randomised) and without it (nokaslr: the
5-level base 0xff11000000000000), and with a 4 GiB guest with a hole in
its RAM that the kernel does not map."""
import os
import re
import subprocess
import sys

import pytest

from harness import BUILD, ROOT, Qemu, run_gdb, run_lldb, run_text

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import kgdb_kernel  # noqa: E402

L5_BASE = 0xff11000000000000   # page_offset_base without KASLR, 5-level paging


@pytest.fixture(scope="module")
def kernel():
    return kgdb_kernel.build(os.path.join(BUILD, "kgdb-kernel"))


class KgdbGuest:
    """A booted kernel; enter() stops it in kgdb, and the debugger's detach
    lets it run on (the guest then says WP-BACK)."""

    def __init__(self, kernel, append, ram_mb):
        self.bzimage, self.vmlinux, initrd = kernel
        self.qemu = Qemu("x86_64", ram_mb=ram_mb, serial=True, kgdb_serial=True, machine=[
            "-M", "pc", "-cpu", "max", "-kernel", self.bzimage, "-initrd", initrd,
            "-append", "console=ttyS0 kgdboc=ttyS1 panic=-1 " + append])
        try:
            self.qemu.execute("cont")
            text = self.qemu.read_serial_until("WP-SYMS-END")
            text_va = int(re.search(r"([0-9a-f]{16}) T _text", text).group(1), 16)
            nm = subprocess.run(["nm", self.vmlinux], check=True, capture_output=True,
                                text=True).stdout
            linked = int(re.search(r"^([0-9a-f]{16}) T _text$", nm, re.M).group(1), 16)
            self.slide = text_va - linked   # the KASLR offset of the kernel image
            self.entered = False
        except BaseException:
            self.qemu.close()
            raise

    def enter(self):
        if self.entered:   # the last debugger detached: wait until the kernel runs
            self.qemu.read_serial_until("WP-BACK")
        self.qemu.serial.sendall(b"kgdb\n")
        # sysrq-g prints this a few instructions before the kernel traps
        # into kgdb, and a debugger takes far longer to start.
        self.qemu.read_serial_until("Entering KGDB")
        self.entered = True

    def gdb(self, commands, symbols=True):
        """GDB on kgdb: set the architecture (kgdb sends no target
        description), place the symbols at the KASLR offset, attach."""
        self.enter()
        pre = ["set architecture i386:x86-64"]
        if symbols:
            pre.append("symbol-file -o %#x %s" % (self.slide, self.vmlinux))
        pre.append("target remote 127.0.0.1:%d" % self.qemu.kgdb_port)
        out = run_text("gdb", pre + list(commands) + ["detach"])
        return out[len(pre):-1]

    def lldb(self, commands, symbols=True):
        self.enter()
        pre = ["settings set target.default-arch x86_64"]
        if symbols:
            pre += ["target create %s" % self.vmlinux,
                    "target modules load --file vmlinux --slide %d" % self.slide]
        pre.append("gdb-remote 127.0.0.1:%d" % self.qemu.kgdb_port)
        out = run_text("lldb", pre + list(commands) + ["process detach"])
        return out[len(pre):-1]

    def close(self):
        self.qemu.close()


# A hole the kernel does not map, inside RAM: memmap=nn$ss takes it out of
# the kernel's RAM.  The page below it lies in ZONE_DMA32 of a 4 GiB guest,
# which a busybox shell never needs (ZONE_NORMAL, above 4 GiB, serves first),
# so the test may write it.
HOLE = 0x7000000


@pytest.fixture(scope="module", params=["kaslr", "nokaslr"])
def guest(request, kernel):
    g = KgdbGuest(kernel, "" if request.param == "kaslr" else "nokaslr", 512)
    g.kind = request.param
    yield g
    g.close()


@pytest.fixture(scope="module")
def holed_guest(kernel):
    g = KgdbGuest(kernel, "nokaslr memmap=64K$%#x" % HOLE, 4096)
    yield g
    g.close()


LINES = [
    "writephys --fill --length 0x3000 0x10000 0",           # a clean slate, by the route itself
    "writephys -d 0x10000 0xdeadbeef -0x12345678",
    'writephys --string "kgdb\\tphys" 0x10ffc',               # crosses a page
    "writephys --fill --length 0x1000 -w 0x11800 0xa55a",   # crosses a page
    "readphys 0x10000 --length 16",
    "writephys 0x7fffffffffff 1",                            # past the RAM the kernel maps
    "writephys --direct-map 0xffff888000000000 0x10000 1",  # a base the check refuses
    "writephys --backend qemu 0x10000 1",
    "readphys -d 0x10ffc --length 8 --backend kgdb",
]


def expected_bytes():
    want = bytearray(0x3000)
    want[0:8] = (0xdeadbeef).to_bytes(4, "little") + (-0x12345678 & 0xffffffff).to_bytes(4,
                                                                                         "little")
    want[0xffc:0xffc + 9] = b"kgdb\tphys"
    want[0x1800:0x2800] = b"\x5a\xa5" * 0x800
    return bytes(want)


def test_kgdb_writes_physical_memory_in_gdb_and_lldb(guest):
    texts = {}
    for debugger in ("gdb", "lldb"):
        out = getattr(guest, debugger)(LINES)
        texts[debugger] = out
        # The oracle: QEMU's own view of physical memory.
        assert guest.qemu.pmemsave(0x10000, 0x3000) == expected_bytes(), (debugger, out)
    out = texts["gdb"]
    assert texts["lldb"] == out
    m = re.match(r"writephys: wrote 8 bytes at physical 0x10000 via kgdb \(the kernel's direct "
                 r"map at (0x[0-9a-f]+), from page_offset_base\), verified\n$", out[1])
    assert m, out[1]
    base = int(m.group(1), 16)
    if guest.kind == "kaslr":
        assert base != L5_BASE and base >> 56 == 0xff, hex(base)   # randomised
    else:
        assert base == L5_BASE, hex(base)
    assert out[2].startswith("writephys: wrote 9 bytes at physical 0x10ffc via kgdb"), out[2]
    assert out[4].startswith("00010000  ef be ad de 88 a9 cb ed  00 00 00 00 00 00 00 00"), out[4]
    assert "past the end of the RAM the kernel maps" in out[5], out[5]
    assert out[5].startswith("writephys: 0 of 1 byte written"), out[5]
    assert "does not map the kernel's own image" in out[6], out[6]
    assert "PhyMemMode" in out[7], out[7]
    assert out[8].startswith("00010ffc  6264676b 79687009"), out[8]


@pytest.mark.parametrize("debugger", ["gdb", "lldb"])
def test_kgdb_hole_refused_with_exact_count(holed_guest, debugger):
    guest = holed_guest
    last = HOLE - 0x1000
    guest.gdb(["writephys --fill --length 0x1000 %#x 0" % last])   # a clean slate
    out = getattr(guest, debugger)(["writephys --fill --length 0x2000 %#x 0x77" % last,
                                    "readphys %#x --length 4" % (last + 0x1000)])
    # The last page of RAM lands; the first page past it faults, and no byte of it is written.
    assert out[0].startswith("writephys: 4096 of 8192 bytes written; the write failed at "
                             "%#x: the kernel faulted at physical %#x (no RAM mapped there); "
                             "nothing there was written (" % (last + 0x1000, last + 0x1000)), out
    assert out[1].startswith("readphys: the read failed at %#x: the kernel faulted at physical "
                             "%#x" % (last + 0x1000, last + 0x1000)), out[1]
    assert guest.qemu.pmemsave(last, 0x1000) == b"\x77" * 0x1000


def test_kgdb_without_symbols_takes_a_given_base(holed_guest):
    guest = holed_guest   # nokaslr: its base is known without symbols
    lines = ["writephys 0x12000 1",
             "writephys --direct-map %#x -d 0x12000 0x600dcafe" % L5_BASE,
             "writephys-settings set direct-map %#x" % L5_BASE,
             "readphys 0x12000 --length 4"]
    for debugger in ("gdb", "lldb"):
        out = getattr(guest, debugger)(lines, symbols=False)
        assert "kgdb needs the kernel's direct-map base" in out[0], (debugger, out[0])
        assert "--direct-map BASE" in out[0], out[0]
        assert out[1] == ("writephys: wrote 4 bytes at 0x12000 (the direct map's address; not "
                          "shown to be physical: no kernel symbols to check the base against) "
                          "via kgdb (the kernel's direct map at %#x, from --direct-map), "
                          "verified\n" % L5_BASE), (debugger, out[1])
        assert out[3].startswith("00012000  fe ca 0d 60"), out[3]
        assert ("readphys: via kgdb (the kernel's direct map at %#x, from the direct-map "
                "setting), at the direct map's address; not shown to be physical: no kernel "
                "symbols to check the base against; it has no memory map" % L5_BASE in out[3]), \
            out[3]
        assert guest.qemu.pmemsave(0x12000, 4) == bytes.fromhex("feca0d60")
        guest.gdb(["writephys -d 0x12000 0"])   # zero it for the other debugger
