"""searchphys against a real QEMU guest with two adjacent RAM regions (two
NUMA nodes: m0 up to 0x1ffffff, m1 from 0x2000000): the test puts the
bytes there with writephys, QMP's pmemsave confirms them, and every hit
must be exactly where they are, including a match across a 1 MiB stage
(0x300000, two stages into m0) and one across the two regions."""
import re

import pytest

from harness import Qemu, run_text
from test_gdb_mi import run_mi
from test_ptdump import gpa
from test_vtop import X86_TABLES, oracle, x86_regs

NUMA = ["-object", "memory-backend-ram,id=m0,size=32M", "-object",
        "memory-backend-ram,id=m1,size=32M", "-numa", "node,memdev=m0", "-numa",
        "node,memdev=m1"]
NEEDLE = b"needle-A1"
PLACES = [0x1234, 0x300000 - 4, 0x2000000 - 4]   # low RAM, a stage, two regions
Q = 0x1122334455667788
HIT = re.compile(r"^0x([0-9a-f]+): ((?:[0-9a-f]{2} |   ){15}(?:[0-9a-f]{2}|  ))  \|", re.M)


def hits(text):
    return [int(m.group(1), 16) for m in HIT.finditer(text)]


def plant():
    lines = ["writephys --string %s %#x" % (NEEDLE.decode(), a) for a in PLACES]
    lines += ["writephys -q 0x500000 %#x" % Q, "writephys -q 0x1ff8 %#x" % Q,
              "writephys -q 0x600000 0xffffffff81000800",
              "writephys -q 0x600010 0xffffffff80ffefff"]
    return lines


@pytest.mark.parametrize("debugger", ["gdb", "lldb"])
def test_search_finds_what_the_guest_holds(debugger):
    with Qemu("x86_64", NUMA) as qemu:
        setup = plant()
        out = run_text(debugger, setup + [
            "searchphys --string %s" % NEEDLE.decode(),
            "searchphys -q %#x" % Q,
            "searchphys --pointer 0xffffffff81000000 --delta 0x1000",
            "searchphys --string %s --start 0x2ff000 --length 0x2000" % NEEDLE.decode(),
            "searchphys --string %s --start 0x2ff000 --length 0x1004" % NEEDLE.decode(),
            "searchphys --string %s --max 2" % NEEDLE.decode(),
        ], port=qemu.port)
        for line in out[:len(setup)]:
            assert line.startswith("writephys: wrote"), line
        for a in PLACES:   # QMP: the bytes are there
            assert qemu.pmemsave(a, len(NEEDLE)) == NEEDLE
        res = out[len(setup):]
        assert hits(res[0]) == PLACES, res[0]
        closing = res[0].splitlines()[-1]
        assert closing.startswith("searchphys: 3 hits in 0x0-0x3ffffff (") and \
            "skipped 0xc0000-0xdffff (ROM pc.rom)" in closing, closing
        assert hits(res[1]) == [0x1ff8, 0x500000], res[1]
        assert qemu.pmemsave(0x500000, 8) == Q.to_bytes(8, "little")
        assert hits(res[2]) == [0x600000], res[2]   # 0x600010 is 0x1000 + 1 away
        assert hits(res[3]) == [0x300000 - 4], res[3]
        assert res[3].endswith("searchphys: 1 hit in 0x2ff000-0x300fff (8192 bytes "
                               "searched)\n"), res[3]
        assert hits(res[4]) == [] and "0 hits" in res[4], res[4]   # one byte short
        assert hits(res[5]) == PLACES[:2] and "(stopped at --max 2)" in res[5], res[5]


def test_search_virtual_same_text_in_both_debuggers_and_mi():
    texts = []
    lines = ["writephys --string virtual-hit 0x300100",
             "searchphys --string virtual-hit --virtual",
             "searchphys --string virtual-hit --start 0x300000 --length 4K --virtual --root 0x11000",
             "searchphys --mask 0xff00 -w 0x1200", "searchphys 0x100",
             "searchphys --string x --pointer 1 --delta 2"]
    for debugger in ("gdb", "lldb"):
        with Qemu("x86_64", ["-cpu", "max"] + NUMA) as qemu:
            setup = X86_TABLES + x86_regs(debugger, 0x10000, 0x20, 0x900)
            out = run_text(debugger, setup + lines, port=qemu.port)[len(setup):]
            if debugger == "gdb":
                m = re.search(r"^0x300100: .*\|  virtual (.*)\n", out[1], re.M)
                assert m, out[1]
                vas = [int(v, 16) for v in m.group(1).split(", ")]
                assert 0x401100 in vas and len(vas) >= 2, out[1]
                # every virtual address named, through QEMU's own walk
                setup2 = X86_TABLES + x86_regs(debugger, 0x10000, 0x20, 0x900)
            texts.append(out)
        if debugger == "gdb":
            with Qemu("x86_64", ["-cpu", "max"] + NUMA) as qemu:
                truths = run_text("gdb", setup2 + [oracle("gdb", va) for va in vas],
                                  port=qemu.port)[len(setup2):]
            assert [gpa(t) for t in truths] == [0x300100] * len(vas), truths
    assert texts[0] == texts[1]
    assert "no virtual address" in texts[0][2], texts[0][2]
    assert texts[0][4].startswith("searchphys: value '0x100' does not fit in 1 byte"), texts[0]
    assert texts[0][5].startswith("searchphys: search for one thing"), texts[0][5]
    with Qemu("x86_64", NUMA) as qemu:
        out = run_mi(qemu.port, ['-interpreter-exec console "%s"' % c for c in plant()] +
                     ["-searchphys --string %s" % NEEDLE.decode(), "-searchphys --max 0 1"])
    assert re.match(r'\^done,hits="3",first="0x1234",searched="\d+"$', out[-2]), out[-2]
    assert out[-1] == '^error,msg="searchphys: --max 0: no hit would be shown"', out[-1]
