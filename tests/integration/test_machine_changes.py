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


@pytest.mark.parametrize("backend", ["direct", "qemu"])
def test_a_write_that_remaps_within_the_command(backend, tmp_path):
    """One --virtual write whose first page is the q35 host bridge's ECAM
    page (its PAM1 byte set to 0: pc.rom over the shadow RAM at 0xc0000)
    and whose second page is 0xc0000: after the device write the rest of
    the command is checked against the map as it is then, and refused as
    ROM, instead of going into RAM the guest no longer sees (found by
    review)."""
    from test_vtop import P, RW, US, q, x86_regs
    pre = ["writepci -d 0:0.0 0x60 0xb0000001", "writepci -d 0:0.0 0x64 0",
           "writepci -b 0:0.0 0x91 0x33", "writephys -q 0xc0000 0x1111111111111111"]
    tables = [q(0x10000, 0x11000 | P | RW | US), q(0x11000, 0x12000 | P | RW | US),
              q(0x12000 + 2 * 8, 0x13000 | P | RW | US), q(0x13000, 0xb0000000 | P | RW),
              q(0x13008, 0xc0000 | P | RW)]
    machine = ["-M", "q35", "-bios", "@HLT_BIOS@", "-cpu", "max"]
    with Qemu("x86_64", machine=machine) as qemu:
        run_text("gdb", pre, port=qemu.port)
        ecam = bytearray(qemu.pmemsave(0xb0000000, 4096))
    ecam[0x91] = 0x00
    blob = tmp_path / "blob"
    blob.write_bytes(bytes(ecam[0x91:]) + b"\x22" * 16)
    with Qemu("x86_64", machine=machine) as qemu:
        out = run_text("gdb", pre + tables + x86_regs("gdb", 0x10000, 0x20, 0x900) + [
            "writephys --backend %s --force --verify --virtual --file %s 0x400091"
            % (backend, blob)], port=qemu.port)[-1]
        assert qemu.pmemsave(0xc0000, 8) == bytes(8)        # the guest sees pc.rom
        qemu.monitor("o /w 0xcf8 0x80000090")
        qemu.monitor("o /b 0xcfd 0x33")
        # The shadow RAM kept its bytes: nothing went where the guest cannot see.
        assert qemu.pmemsave(0xc0000, 8) == b"\x11" * 8
    # --force lets the ROM be written (QEMU drops it); the read-back, through
    # the map as it is after the device write, says so, with the count.
    assert out == "writephys: read-back differs at 0xc0000 (wrote 0x22, read 0x00): the " \
                  "stub acknowledged all 3967 bytes but rom memory did not keep them; 3951 " \
                  "bytes before it read back as written\n", out
