"""writephys in the real LLDB against a real QEMU, checked through QMP."""
import os
import struct

import pytest

from harness import LLDB, LLDB_PLUGIN, Qemu, require, run_debugger, run_lldb

MODE = "packet:qqemu.PhyMemMode"


def test_every_write_form_lands(qemu, tmp_path):
    blob = bytes((i * 37 + 11) & 0xff for i in range(1000))
    (tmp_path / "blob.bin").write_bytes(blob)
    r = run_lldb([
        "writephys 0x1000 0xde 0xad 0xbe 0xef",
        "writephys -w 0x1010 0x1234 -2",
        "writephys -q 0x1030 0x0102030405060708",
        "writephys -d --big-endian 0x1040 0x11223344",
        "writephys --string \"hi there\" --zero 0x1050",
        "writephys --string \"Hé\" --utf16 0x1060",
        "writephys --file %s --skip 100 --length 500 0x2000" % (tmp_path / "blob.bin"),
        "writephys --fill --length 4K -d 0x3000 0xcafef00d",
        "writephys -d 0x1070 $rip+1",
        MODE,
    ], port=qemu.port)
    for item in r[:9]:
        assert item["output"].startswith("writephys: wrote "), item
        assert item["output"].endswith(" via qemu, verified\n"), item
    assert r[9]["output"] == "0"
    mem = qemu.pmemsave(0x1000, 0x80)
    assert mem[0:4] == b"\xde\xad\xbe\xef"
    assert mem[0x10:0x14] == struct.pack("<Hh", 0x1234, -2)
    assert mem[0x30:0x38] == struct.pack("<Q", 0x0102030405060708)
    assert mem[0x40:0x44] == b"\x11\x22\x33\x44"
    assert mem[0x50:0x59] == b"hi there\0"
    assert mem[0x60:0x64] == "Hé".encode("utf-16-le")
    assert mem[0x70:0x74] == struct.pack("<I", 0xfff1)   # rip is 0xfff0 at reset
    assert qemu.pmemsave(0x2000, 500) == blob[100:600]
    assert qemu.pmemsave(0x3000, 4096) == struct.pack("<I", 0xcafef00d) * 1024


def test_mode_restored_and_unassigned_refused(qemu):
    end = qemu.ram_size
    r = run_lldb(["packet:Qqemu.PhyMemMode:1", "writephys 0x7000 1", MODE,
                  "packet:Qqemu.PhyMemMode:0", "writephys -d %#x 1 2" % (end - 4), MODE,
                  "writephys 0x7000 0x1ff", MODE], port=qemu.port)
    assert r[1]["output"].startswith("writephys: wrote 1 byte")
    assert r[2]["output"] == "1"
    # A failure is LLDB's own error line, the core's text after the prefix.
    assert r[4]["output"].startswith("error: writephys: 0x4000000-0xfebfffff is unassigned")
    assert r[5]["output"] == "0"
    assert "does not fit" in r[6]["output"] and r[7]["output"] == "0"
    assert qemu.pmemsave(end - 4, 4) == b"\0\0\0\0"
    assert qemu.pmemsave(0x7000, 1) == b"\x01"


def test_cached_memory_read_shows_new_bytes(qemu):
    # The first read fills LLDB's memory cache; without the plugin's care the
    # second would show the old zeros.
    r = run_lldb(["memory read -c 8 0x1000", "writephys 0x1000 0xcc 0xdd",
                  "memory read -c 8 0x1000", "x/2b 0x1008", "writephys 0x1008 0x77",
                  "x/2b 0x1008"], port=qemu.port)
    assert r[0]["output"].startswith("0x00001000: 00 00 00 00")
    assert r[2]["output"].startswith("0x00001000: cc dd 00 00")
    assert r[5]["output"].startswith("0x00001008: 0x77 0x00")


def test_large_file_write(qemu, tmp_path):
    data = os.urandom(8 << 20)
    (tmp_path / "big.bin").write_bytes(data)
    r = run_lldb(["writephys --file %s 0x1000000" % (tmp_path / "big.bin"), MODE],
                 port=qemu.port)
    assert r[0]["output"] == ("writephys: wrote 8388608 bytes at physical 0x1000000 via "
                              "qemu, verified\n")
    assert qemu.pmemsave(0x1000000, 8 << 20) == data


def test_failure_stops_lldb_batch(qemu):
    # A failing writephys marks the command failed, so `lldb -b` stops there.
    proc = run_debugger([require(LLDB), "--no-lldbinit", "-b",
                         "-o", "plugin load " + LLDB_PLUGIN,
                         "-o", "gdb-remote 127.0.0.1:%d" % qemu.port,
                         "-o", "writephys 0x1000 0x100",
                         "-o", "writephys 0x1000 0x42"], 120, preload="WP_LLDB_PRELOAD")
    assert "error: writephys: value '0x100' does not fit in 1 byte (-b)" in \
        proc.stdout + proc.stderr
    assert "(lldb) writephys 0x1000 0x42" not in proc.stdout
    assert proc.returncode != 0 or "Aborting" in proc.stdout + proc.stderr


def test_help():
    r = run_lldb(["help writephys", "help readphys", "writephys 0x1000 1"])
    assert "Usage: writephys [OPTIONS] ADDRESS VALUE..." in r[0]["output"]
    assert "--fill" in r[0]["output"]
    assert "Usage: readphys [OPTIONS] ADDRESS [--length N]" in r[1]["output"]
    assert r[2]["output"].startswith("error: writephys: no target")


@pytest.mark.parametrize("arch", ["aarch64"])
def test_other_architectures(arch):
    with Qemu(arch) as guest:
        base = guest.ram_base
        r = run_lldb(["writephys -q %#x 0x1122334455667788" % (base + 0x100),
                      "writephys %#x 1" % (base + guest.ram_size), MODE], port=guest.port)
        assert r[0]["output"].endswith("via qemu, verified\n"), r
        assert "unassigned" in r[1]["output"]
        assert r[2]["output"] == "0"
        assert guest.pmemsave(base + 0x100, 8) == struct.pack("<Q", 0x1122334455667788)


def test_lldb_written_variable_follows_the_user(qemu):
    """A repeated count is not assigned again (issue 18: the assignment runs
    LLDB's expression parser), unless the variable no longer holds it."""
    r = run_lldb(["writephys -d 0x2000 1", "writephys -d 0x2000 2",
                  "expression $_writephys_written", "expression $_writephys_written = 9",
                  "writephys -d 0x2000 3", "expression $_writephys_written"], port=qemu.port)
    assert r[2]["output"].endswith("$_writephys_written = 4\n"), r[2]
    assert r[5]["output"].endswith("$_writephys_written = 4\n"), r[5]


def test_lldb_written_variable_and_settings(qemu):
    """$_writephys_written is a persistent expression variable in LLDB;
    writephys-settings is the same table as GDB's `set writephys`."""
    r = run_lldb(["writephys -d 0x2000 1 2", "expression $_writephys_written",
                  "writephys -d 0x4000000 1", "expression $_writephys_written",
                  "writephys-settings set verify off", "writephys 0x2000 3",
                  "writephys-settings set read-width 2", "readphys 0x2000 --length 4",
                  "writephys-settings set verify sometimes", "writephys --version"],
                 port=qemu.port)
    assert r[1]["output"].endswith("$_writephys_written = 8\n"), r[1]
    assert r[3]["output"].endswith("$_writephys_written = 0\n"), r[3]
    assert r[5]["output"] == "writephys: wrote 1 byte at physical 0x2000 via qemu, not " \
                             "verified (the verify setting is off)\n", r[5]
    assert r[7]["output"].startswith("00002000  0003 0000"), r[7]
    assert r[8]["output"].startswith("error: writephys-settings: bad value 'sometimes' for "
                                     "verify"), r[8]
    assert r[9]["output"].startswith("writephys: writephys 0.4.0 (core API 5); route for a "
                                     "write now: qemu"), r[9]
