"""Every claim true while the machine changes under a stopped target
(issue 17, SPEC rule 8): the chipset maps ROM back over shadow RAM (i440FX
PAM through ports 0xcf8/0xcfc) and a DIMM is hot-plugged, all through the
stub's own monitor while the guest stays halted.  Each command acts on the
map QEMU has at that moment, in every route; QMP is the oracle."""
import pytest

from harness import Qemu, run_text

DEBUGGERS = ["gdb", "lldb"]


def monitor(debugger, line):
    return "monitor " + line if debugger == "gdb" else "process plugin packet monitor " + line


def pam1(debugger, value):
    """PAM1 (config offset 0x5a of the host bridge) covers 0xc0000-0xc7fff:
    0x33 maps RAM there, 0x00 hands reads and writes back to pc.rom."""
    return [monitor(debugger, "o /w 0xcf8 0x80000058"),
            monitor(debugger, "o /b 0xcfe 0x%02x" % value)]


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_rom_mapped_back_over_shadow_ram_within_a_stop(debugger):
    with Qemu("x86_64") as qemu:
        out = run_text(debugger, pam1(debugger, 0x33) + [
            "writephys --backend direct -d 0xc0000 0x11111111",
            "writephys -d 0xc0010 0x11111111"] + pam1(debugger, 0x00) + [
            "writephys --backend direct -d 0xc0000 0x22222222",
            "writephys --backend qemu -d 0xc0010 0x22222222",
            "readphys --backend direct 0xc0000 --length 4"], port=qemu.port)
        assert qemu.pmemsave(0xc0000, 4) == bytes(4)          # the guest sees pc.rom
        qemu.monitor("o /w 0xcf8 0x80000058")
        qemu.monitor("o /b 0xcfe 0x33")
        # The shadow RAM under it kept the first bytes: nothing went there.
        assert qemu.pmemsave(0xc0000, 4) == (0x11111111).to_bytes(4, "little")
        assert qemu.pmemsave(0xc0010, 4) == (0x11111111).to_bytes(4, "little")
    assert out[2].startswith("writephys: wrote 4 bytes at physical 0xc0000 via direct"), out
    assert out[2].endswith(", verified\n"), out
    assert out[3] == "writephys: wrote 4 bytes at physical 0xc0010 via qemu, verified\n", out
    refused = "writephys: 0xc0000-0xdffff is ROM (pc.rom); nothing was written " \
              "(--force to write anyway)\n"
    assert out[6] == refused and out[7] == refused, out
    # What readphys shows is what the guest sees there now.
    assert out[8].startswith("000c0000  00 00 00 00"), out


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_dimm_hot_plugged_within_a_stop(debugger):
    with Qemu("x86_64", extra=["-m", "64M,slots=2,maxmem=1G"]) as qemu:
        out = run_text(debugger, [
            "writephys -d 0x2000 1",             # the map is learnt before the DIMM
            monitor(debugger, "object_add memory-backend-ram,id=mem1,size=128M"),
            monitor(debugger, "device_add pc-dimm,id=dimm1,memdev=mem1"),
            "writephys -d 0x100000000 0x33333333",
            "writephys --backend direct -d 0x100000010 0x44444444",
            "readphys 0x100000000 --length 4"], port=qemu.port)
        back = qemu.pmemsave(0x100000000, 0x14)
    assert back[:4] == (0x33333333).to_bytes(4, "little"), back
    assert back[0x10:] == (0x44444444).to_bytes(4, "little"), back
    assert out[3] == "writephys: wrote 4 bytes at physical 0x100000000 via qemu, verified\n", out
    assert out[4].startswith("writephys: wrote 4 bytes at physical 0x100000010 via direct"), out
    assert out[4].endswith(", verified\n"), out
    assert out[5].startswith("0000000100000000  33 33 33 33"), out


def test_dimm_replaced_at_the_same_address_within_a_stop():
    """A DIMM ejected (ACPI slot 0, as a guest ejects it), its backend
    deleted, and a new one plugged at the same address: QEMU's map text can
    be the same as before while the RAM is elsewhere in QEMU.  The direct
    route confirms each region's host address once per command (gpa2hva),
    so every write lands where the guest sees it (the stub's own view).
    QEMU lists the flat views in a varying order, so the map's text repeats
    only in some cycles (where the stale address would be used): 16 cycles."""
    wait_gone = "python exec(%r)" % (
        "while 'd1' in gdb.execute('monitor info memory-devices', to_string=True): pass")
    with Qemu("x86_64", extra=["-m", "64M,slots=2,maxmem=1G"]) as qemu:
        qemu.monitor("object_add memory-backend-ram,id=m1,size=128M")
        qemu.monitor("device_add pc-dimm,id=d1,memdev=m1")
        lines = ["writephys --backend direct -q 0x100000000 0x0606060606060606"]
        for i in range(16):
            lines += ["monitor o /w 0xa00 0", "monitor o /b 0xa14 8", wait_gone,
                      "monitor object_del m1",
                      "monitor object_add memory-backend-ram,id=filler%d,size=128M" % i,
                      "monitor object_add memory-backend-ram,id=m1,size=128M",
                      "monitor device_add pc-dimm,id=d1,memdev=m1",
                      "writephys --backend direct -q 0x100000000 0x%016x" % (0x0707070707070700 + i),
                      "readphys --backend qemu -q 0x100000000 --length 8"]
        out = run_text("gdb", lines, port=qemu.port)
        assert qemu.pmemsave(0x100000000, 8) == (0x070707070707070f).to_bytes(8, "little")
    for i in range(16):
        wrote, seen = out[9 * i + 8], out[9 * i + 9]
        assert wrote.startswith("writephys: wrote 8 bytes at physical 0x100000000 via direct"), out
        assert seen.startswith("0000000100000000  07070707070707%02x" % i), (i, seen)
