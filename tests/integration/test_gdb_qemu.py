"""writephys in the real GDB against a real QEMU, checked through QMP."""
import os
import re
import struct

import pytest

from harness import Qemu, run_gdb

MODE = "packet:qqemu.PhyMemMode"


def ok(result):
    assert result["error"] is None, result
    return result["output"]


def test_every_write_form_lands(qemu, tmp_path):
    blob = bytes((i * 37 + 11) & 0xff for i in range(1000))
    blob_path = tmp_path / "blob.bin"
    blob_path.write_bytes(blob)
    r = run_gdb([
        "writephys 0x1000 0xde 0xad 0xbe 0xef",
        "writephys -w 0x1010 0x1234 -2",
        "writephys -d 0x1020 0xdeadbeef",
        "writephys -q 0x1030 0x0102030405060708",
        "writephys -d --big-endian 0x1040 0x11223344",
        "writephys --string \"hi there\" --zero 0x1050",
        "writephys --string \"Hé\" --utf16 0x1060",
        "writephys --file %s --skip 100 --length 500 0x2000" % blob_path,
        "writephys --fill --length 4K -d 0x3000 0xcafef00d",
        "writephys 0x1000+0x70 (1<<4)+1",
        "value:$_writephys_written",
        MODE,
    ], port=qemu.port)
    for item in r[:10]:
        assert re.fullmatch(r"writephys: wrote \d+ bytes? at physical 0x[0-9a-f]+ via qemu, "
                            r"verified\n", ok(item)), item
    assert ok(r[10]) == "1"
    assert ok(r[11]) == "0"
    mem = qemu.pmemsave(0x1000, 0x80)
    assert mem[0:4] == b"\xde\xad\xbe\xef"
    assert mem[0x10:0x14] == struct.pack("<Hh", 0x1234, -2)
    assert mem[0x20:0x24] == struct.pack("<I", 0xdeadbeef)
    assert mem[0x30:0x38] == struct.pack("<Q", 0x0102030405060708)
    assert mem[0x40:0x44] == b"\x11\x22\x33\x44"
    assert mem[0x50:0x59] == b"hi there\0"
    assert mem[0x60:0x64] == "Hé".encode("utf-16-le")
    assert mem[0x70] == 17
    assert qemu.pmemsave(0x2000, 500) == blob[100:600]
    assert qemu.pmemsave(0x3000, 4096) == struct.pack("<I", 0xcafef00d) * 1024


def test_expressions_are_gdb_expressions(qemu):
    r = run_gdb(["set $base = 0x5000", "writephys -d $base+8 $base>>4", MODE], port=qemu.port)
    ok(r[1])
    assert qemu.pmemsave(0x5008, 4) == struct.pack("<I", 0x500)


def test_readphys_matches_qemu(qemu, tmp_path):
    qemu.monitor("")  # QMP is up
    run = run_gdb(["writephys --fill --length 256 0x6000 0x41 0x42 0x0",
                   "readphys 0x6000 --length 20",
                   "readphys 0x6000 --length 256 --output %s" % (tmp_path / "out.bin"),
                   MODE], port=qemu.port)
    ok(run[0])
    assert ok(run[1]) == (
        "00006000  41 42 00 41 42 00 41 42  00 41 42 00 41 42 00 41  |AB.AB.AB.AB.AB.A|\n"
        "00006010  42 00 41 42                                       |B.AB|\n")
    assert "saved 256 bytes" in ok(run[2])
    assert (tmp_path / "out.bin").read_bytes() == qemu.pmemsave(0x6000, 256)
    assert ok(run[3]) == "0"


def test_mode_restored_and_kept(qemu):
    # Already physical: left physical.  Virtual: back to virtual, also after errors.
    r = run_gdb(["packet:Qqemu.PhyMemMode:1", "writephys 0x7000 1", MODE,
                 "packet:Qqemu.PhyMemMode:0", "writephys 0x7000 2", MODE,
                 "writephys 0x7000 0x1ff", MODE,
                 "writephys 0x4000000 1", MODE], port=qemu.port)
    ok(r[1])
    assert ok(r[2]) == "1"
    ok(r[4])
    assert ok(r[5]) == "0"
    assert r[6]["error"] and ok(r[7]) == "0"
    assert r[8]["error"] and ok(r[9]) == "0"
    assert qemu.pmemsave(0x7000, 1) == b"\x02"


def test_past_end_of_ram_is_refused_whole(qemu):
    end = qemu.ram_size
    before = qemu.pmemsave(end - 4, 4)
    r = run_gdb(["writephys -d %#x 0x11111111 0x22222222" % (end - 4),  # straddles
                 "writephys %#x 1" % end,                                  # just past
                 "writephys --fill --length 1M %#x 0x55" % (end - 0x1000),
                 "value:$_writephys_written", MODE], port=qemu.port)
    for item in r[:3]:
        assert item["error"].startswith("writephys: 0x4000000-0xfebfffff is unassigned"), item
        assert "unassigned" in item["error"] and "nothing was written" in item["error"]
    assert ok(r[3]) == "0"
    assert ok(r[4]) == "0"
    assert qemu.pmemsave(end - 4, 4) == before
    assert qemu.pmemsave(end - 0x1000, 4) == b"\0\0\0\0"


def test_rom_needs_force_and_is_verified(qemu):
    r = run_gdb(["writephys 0xf0000 0x90",
                 "writephys --force 0xf0000 0x90", MODE], port=qemu.port)
    assert "is ROM (pc.bios)" in r[0]["error"]
    # QEMU drops the write to ROM; the read-back says so instead of "OK".
    assert "read-back differs at 0xf0000" in r[1]["error"]
    assert ok(r[2]) == "0"


def test_cached_disassembly_shows_new_bytes(qemu):
    # GDB's code cache holds 0x1000 after the first x/i; the write must drop it.
    r = run_gdb(["x/2i 0x1000", "writephys 0x1000 0xcc 0x90", "x/2i 0x1000"], port=qemu.port)
    assert "int3" not in ok(r[0])
    ok(r[1])
    assert "int3" in ok(r[2]) and "nop" in ok(r[2])


def test_large_file_write(qemu, tmp_path):
    data = os.urandom(8 << 20)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    r = run_gdb(["writephys --file %s 0x1000000" % path, "value:$_writephys_written", MODE],
                port=qemu.port)
    assert ok(r[0]) == "writephys: wrote 8388608 bytes at physical 0x1000000 via qemu, verified\n"
    assert ok(r[1]) == "8388608"
    assert qemu.pmemsave(0x1000000, 8 << 20) == data


BAD_INPUTS = [
    ("writephys", "writephys: missing ADDRESS"),
    ("writephys 0x1000", "writephys: no VALUE to write"),
    ("writephys 0x1000 256", "does not fit in 1 byte"),
    ("writephys -w 0x1000 0x10000", "does not fit in 2 bytes"),
    ("writephys --bogus 0x1000 1", "unknown option '--bogus'"),
    ("writephys -b -d 0x1000 1", "choose one width"),
    ("writephys 0x1000 no_such_symbol", "cannot evaluate VALUE 'no_such_symbol'"),
    ("writephys 0x1000 1.5", "not an integer"),
    ("writephys -1 1", "ADDRESS '-1' is negative"),
    ("writephys 0xffffffffffffffff 1 2", "past the end of the 64-bit address space"),
    ("writephys --string \"\" 0x1000", "empty --string"),
    ("writephys --file /nonexistent 0x1000", "cannot open --file '/nonexistent'"),
    ("writephys --fill 0x1000 1", "--fill needs --length"),
    ("writephys --length 12Q --fill 0x1000 1", "bad number '12Q' for --length"),
    ("writephys --backend nope 0x1000 1", "unknown backend 'nope'"),
    ("writephys --backend openocd 0x1000 1", "so it is not OpenOCD"),
    ("writephys --backend vmware 0x1000 1", "so it is not VMware's"),
    ("writephys --backend kgdb 0x1000 1", "does not answer as kgdb"),
    ("writephys --direct-map 0xffff888000000000 0x1000 1", "does not answer as kgdb"),
    ("writephys --backend qemu --direct-map 0 0x1000 1", "applies to the kgdb route only"),
    ("readphys", "readphys: missing ADDRESS"),
    ("readphys 0x1000 --length 0", "at least 1"),
    ("readphys 0xfec00000", "is a device (ioapic)"),
    ("readphys 0x4000000", "unassigned"),
]


def test_bad_inputs_one_line_nothing_sent(qemu):
    before = qemu.pmemsave(0x1000, 16)
    r = run_gdb([cmd for cmd, _ in BAD_INPUTS] + ["echo alive\\n", MODE], port=qemu.port)
    for (cmd, want), item in zip(BAD_INPUTS, r):
        err = item["error"]
        assert err is not None, item
        assert err.startswith(cmd.split()[0] + ": ") and "\n" not in err, item
        assert want in err, item
    assert ok(r[-2]) == "alive\n"
    assert ok(r[-1]) == "0"
    assert qemu.pmemsave(0x1000, 16) == before


def test_no_target_help_and_completion():
    r = run_gdb(["writephys 0x1000 1", "readphys 0x1000", "help writephys",
                 "writephys --dry-run -d 0x1000 7", "complete writephys --dr",
                 "complete readphys --o", "complete writephys --backend q"])
    assert r[0]["error"].startswith("writephys: no target")
    assert r[1]["error"].startswith("readphys: no target")
    assert "Usage: writephys [OPTIONS] ADDRESS VALUE..." in ok(r[2])
    assert ok(r[3]) == ("writephys: dry run: would write 4 bytes at physical 0x1000 "
                        "(backend auto; no target, so no route or memory map was checked); "
                        "nothing written: 07 00 00 00\n")
    assert ok(r[4]) == "writephys --dry-run\n"
    assert ok(r[5]) == "readphys --output\n"
    assert ok(r[6]) == "writephys --backend qemu\n"


@pytest.mark.parametrize("arch", ["aarch64", "riscv64"])
def test_other_architectures(arch):
    with Qemu(arch) as guest:
        base = guest.ram_base
        r = run_gdb(["writephys -q %#x 0x1122334455667788" % (base + 0x100),
                     "writephys --string riscv-or-arm %#x" % (base + 0x200),
                     "writephys %#x 1" % (base + guest.ram_size), MODE],
                    port=guest.port, gdb=guest.gdb)
        ok(r[0])
        ok(r[1])
        assert "unassigned" in r[2]["error"]
        assert ok(r[3]) == "0"
        assert guest.pmemsave(base + 0x100, 8) == struct.pack("<Q", 0x1122334455667788)
        assert guest.pmemsave(base + 0x200, 12) == b"riscv-or-arm"
