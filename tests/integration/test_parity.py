"""GDB and LLDB accept the same command lines and print the same text,
because the core parses and formats everything.  Here through the qemu,
direct and flat routes; the same comparison runs for vmware and openocd in
test_models.py and for kgdb in test_kgdb.py."""
import contextlib

from harness import Qemu, core_commands, run_text

COMMANDS = [
    "writephys 0x1000 0xde 0xad 0xbe 0xef",
    "writephys -w 0x1010 0x1234 -2 077",
    "writephys -d --big-endian 0x1020 0x11223344",
    "writephys -q 0x1028 0xfedcba9876543210",
    "writephys --string \"parity check\" --zero 0x1040",
    "writephys --string \"Grüße\" --utf16 0x1060",
    "writephys --fill --length 0x40 -w 0x1080 0xa55a",
    "writephys --no-verify 0x10c0 1 2 3",
    "writephys --backend flat -d 0x10c4 0x600dcafe",
    "writephys --dry-run -d 0x2000 0xcafef00d 7",
    "writephys --dry-run --fill --length 1M 0x100000 0x90",
    "readphys 0x1000 --length 0xd0",
    "readphys -w 0x1000 --length 0x22",
    "readphys -d 0x1000 --length 0x20",
    "readphys -q --big-endian 0x1000 --length 0x18",
    "writephys 0x1000 0x100",
    "writephys -w 0x1000 -32769",
    "writephys",
    "writephys 0x1000",
    "writephys --bogus 0x1000 1",
    "writephys -b -w 0x1000 1",
    "writephys --fill 0x1000 1",
    "writephys --fill --length 6 -d 0x1000 1",
    "writephys --string x --file y 0x1000",
    "writephys --file /nonexistent 0x1000",
    "writephys --length 1X --fill 0x1000 1",
    "writephys --backend nowhere 0x1000 1",
    "writephys --backend openocd 0x1000 1",
    "writephys --backend vmware 0x1000 1",
    "writephys --backend kgdb 0x1000 1",
    "readphys --direct-map 0xffff888000000000 0x1000",
    "writephys --backend qemu --direct-map -1 0x1000 1",
    "writephys 0xffffffffffffffff 1 2",
    "writephys 0x4000000 1",
    "writephys -d 0x3fffffe 1",
    "writephys 0xf0000 0x90",
    "writephys --force 0xf0000 0x90",
    "readphys",
    "readphys 0x1000 --length 0",
    "readphys 0xfec00000",
    "readphys 0x4000000 --length 16",
    "readphys 0x1000 --output /nonexistent/dir/file",
    # Issue 8: a value means the same bytes in both (1, 2), one escape rule
    # (3), flags-typed registers are integers (21), files of /proc (20), help.
    "writephys -q 0x2200 -0xffffffff",
    "writephys -d 0x2210 -0xffffffff",
    "writephys -q 0x2220 -0x8000000000000001",
    "writephys --string \"tab\\there\" 0x2230",
    "writephys --string \"a\\0b\\x41\\\\\\\\z\" 0x2240",
    "writephys --string 'single\\tquoted' 0x2250",
    "writephys --string \"\\xff\\xfe\" 0x2260",
    "writephys -q 0x2270 $cr0",
    "writephys --force 0x4000000 0",
    "writephys --file /proc/sys/kernel/ostype 0x2280",
    "writephys --help",
]


@contextlib.contextmanager
def in_both(lines):
    """The lines in GDB and in LLDB, each against a guest of its own: the
    two texts and the two guests, still running for QMP's checks."""
    with Qemu("x86_64") as for_gdb, Qemu("x86_64") as for_lldb:
        yield (run_text("gdb", lines, port=for_gdb.port),
               run_text("lldb", lines, port=for_lldb.port), for_gdb, for_lldb)


def test_same_text_in_gdb_and_lldb():
    with in_both(COMMANDS) as (gdb, lldb, for_gdb, for_lldb):
        assert for_gdb.pmemsave(0, 0x10000) == for_lldb.pmemsave(0, 0x10000)
        # flat is physical here (real mode, paging off): it landed at 0x10c4.
        assert for_gdb.pmemsave(0x10c4, 4) == (0x600dcafe).to_bytes(4, "little")
        # The bytes each wrote, by QEMU's own account.
        assert for_gdb.pmemsave(0x2200, 8) == bytes([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])
        assert for_gdb.pmemsave(0x2230, 8) == b"tab\there"
        assert for_gdb.pmemsave(0x2240, 6) == b"a\0bA\\z"
        assert for_gdb.pmemsave(0x2250, 13) == b"single\tquoted"
        assert for_gdb.pmemsave(0x2280, 6) == b"Linux\n"
        assert for_gdb.pmemsave(0x2260, 2) == b"\xff\xfe"
        assert for_gdb.pmemsave(0x2270, 8) == (0x60000010).to_bytes(8, "little")
    differences = [(c, g, l) for c, g, l in zip(COMMANDS, gdb, lldb) if g != l]
    assert differences == []
    # The list really exercises both outcomes.
    assert sum(t.startswith("writephys: wrote") for t in gdb) == 17
    assert "via flat, verified" in gdb[8]
    assert sum(t.startswith(("00001000", "readphys: saved")) for t in gdb) == 4
    assert all(t.count("\n") == 1 for t in gdb[15:-1]), gdb[15:]
    assert "not verified (unassigned memory" in gdb[COMMANDS.index("writephys --force "
                                                                   "0x4000000 0")]


# One line at least for every command the registry has (the test below
# checks that a new command brings its own): the same text in both.
EVERY_COMMAND = [
    "vtop 0x1000",
    "ptdump",
    "ptov 0x1000",
    "writephys --string needle 0x5000",
    "searchphys --string needle --start 0x4000 --length 0x2000",
    "searchphys -d 0x12345678",
    "writeio 0x80 0x12",
    "readio 0x80",
    "readpci 00:00.0 0 --length 4",
    "writepci 00:00.0 0x3c 0x0a",
    "pci",
    "writephys-settings show read-width",
    "writephys-settings set read-width 3",
    "readphys 0x5000 --length 6",
]


def test_every_command_has_a_parity_line():
    lines = COMMANDS + EVERY_COMMAND
    missing = [c for c in core_commands() if not any(l.split()[0] == c for l in lines)]
    assert missing == [], missing


def test_every_command_same_text_in_gdb_and_lldb():
    with in_both(EVERY_COMMAND) as (gdb, lldb, for_gdb, for_lldb):
        assert for_gdb.pmemsave(0x5000, 6) == for_lldb.pmemsave(0x5000, 6) == b"needle"
    differences = [(c, g, l) for c, g, l in zip(EVERY_COMMAND, gdb, lldb) if g != l]
    assert differences == []
    assert "0x5000" in gdb[4] and "1 hit" in gdb[4], gdb[4]
    assert gdb[12] == "writephys-settings: bad value '3' for read-width (1, 2, 4 or 8)\n", gdb[12]


# Issue 22: the MI record after the text, and the part of a range the map
# lets a command reach (x86 pc, 64 MiB: RAM 0xe0000-0xeffff, ROM
# 0xf0000-0xfffff, RAM to 0x3ffffff, then a hole).
MI_AND_PARTIAL = [
    "writephys --mi -w 0x2280 0x1234",
    "readphys --mi 0x2280 --length 2",
    "readphys --partial --mi 0x3fffffe --length 0x10",
    "writephys --partial --mi -q 0xefffc 0x1122334455667788",
    "writephys --partial --force 0xefffc 1",
]


def test_mi_record_and_partial_alike_in_gdb_and_lldb():
    with in_both(MI_AND_PARTIAL) as (gdb, lldb, for_gdb, for_lldb):
        assert for_gdb.pmemsave(0xefffc, 4) == for_lldb.pmemsave(0xefffc, 4) == \
            bytes([0x88, 0x77, 0x66, 0x55])
    assert gdb == lldb
    assert gdb[0].endswith('\n^done,address="0x2280",length="2",backend="qemu",'
                           'bytes-written="2",verified="yes",dry-run="no"\n'), gdb[0]
    assert gdb[1].endswith(',bytes-read="2",contents="3412"\n'), gdb[1]
    assert "readphys: read 2 of 16 bytes; the memory map refuses the next 14" in gdb[2], gdb[2]
    assert '^done,refused="14",' in gdb[2], gdb[2]
    assert "writephys: wrote 4 of 8 bytes; the memory map refuses the next 4" in gdb[3], gdb[3]
    assert gdb[4] == "writephys: --partial takes a physical ADDRESS, without --force or " \
                     "--dry-run\n", gdb[4]
