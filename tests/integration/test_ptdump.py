"""ptdump and ptov against real QEMU guests whose page tables the test
builds with writephys (the tables of test_vtop.py); QEMU is the oracle:
`info mem` for the ranges and their permissions (x86-64 4-level, riscv),
`gva2gpa` at every range's first and last byte and at every alias ptov
names."""
import re

import pytest

from harness import Qemu, run_gdb, run_text
from test_gdb_mi import run_mi
from test_vtop import X86_TABLES, P, RW, US, NX, oracle, q, x86_regs

RANGE = re.compile(r"0x([0-9a-f]+)-0x([0-9a-f]+) -> 0x([0-9a-f]+)-0x([0-9a-f]+)  "
                   r"(\d+ [KMG]iB)  (r[ow]) (user|kernel) (n?x)\n")
ALIAS = re.compile(r"ptov: 0x([0-9a-f]+)(?:-0x([0-9a-f]+))? -> physical 0x([0-9a-f]+)")


def gpa(text):
    """QEMU's gva2gpa answer ("gpa: 0x1000", "gpa: 0"), None when unmapped."""
    m = re.search(r"gpa: (0x[0-9a-f]+|0)\b", text)
    return int(m.group(1), 16) if m else None


def ranges_of(text):
    return [(int(m.group(1), 16), int(m.group(2), 16), int(m.group(3), 16), m.group(6),
             m.group(7), m.group(8)) for m in RANGE.finditer(text)]


def info_mem_x86(text):
    """QEMU's x86 `info mem`: START-END SIZE PROT, merged by u/r/w alone."""
    out = []
    for line in text.splitlines():
        m = re.match(r"([0-9a-f]{16})-([0-9a-f]{16}) [0-9a-f]{16} ([u-])r([w-])$", line)
        if m:
            out.append((int(m.group(1), 16), int(m.group(2), 16) - 1,
                        m.group(3) == "u", m.group(4) == "w"))
    return out


def merged_like_qemu(ranges):
    """Our ranges merged as QEMU merges: contiguous, same user and rw."""
    out = []
    for va, last, _, rw, who, _ in ranges:
        key = (who == "user", rw == "rw")
        if out and out[-1][1] + 1 == va and out[-1][2:] == key:
            out[-1] = (out[-1][0], last) + key
        else:
            out.append((va, last) + key)
    return out


# More of the space than test_vtop's tables: 16 pages of contiguous frames
# (one range), one that breaks the run, and a 4K alias of a 2 MiB page.
EXTRA = [q(0x13000 + (16 + i) * 8, (0x500000 + i * 0x1000) | P | RW | NX) for i in range(16)] + \
    [q(0x13000 + 32 * 8, 0x600000 | P | RW | NX), q(0x13000 + 33 * 8, 0x801000 | P | US)]


def boundaries(ranges):
    return [va for r in ranges for va in (r[0], r[1])]


def x86_session(debugger, lines, levels=4):
    """A fresh guest for each session: QEMU 7.2 resumes the guest when a
    debugger detaches, and the guest then runs whatever the test left."""
    setup = X86_TABLES + EXTRA
    cr3, cr4 = 0x10000, 0x20
    if levels == 5:
        setup = setup + [q(0x16000, 0x10000 | P | RW | US), q(0x16000 + 511 * 8, 0x10000 | P | RW)]
        cr3, cr4 = 0x16000, 0x20 | 0x1000
    regs = x86_regs(debugger, cr3, cr4, 0x900)
    with Qemu("x86_64", ["-cpu", "max"]) as qemu:
        return run_text(debugger, setup + regs + lines, port=qemu.port)[len(setup) + len(regs):]


@pytest.mark.parametrize("debugger", ["gdb", "lldb"])
@pytest.mark.parametrize("levels", [4, 5])
def test_x86_64_ptdump_and_ptov_match_qemu(debugger, levels):
    mon = "monitor" if debugger == "gdb" else "process plugin packet monitor"
    # Under 5-level paging QEMU 7.2's `info mem` prints nothing (and LLDB
    # then takes the empty reply for a lost one): vtop stands in its place.
    info_line = mon + " info mem" if levels == 4 else "vtop 0x401000"
    dump, info, ptov = x86_session(debugger, ["ptdump", info_line,
                                              "ptov 0x801000 --length 0x1000"], levels)
    ranges = ranges_of(dump)
    assert dump.count("\n") == len(ranges) + 1, dump
    assert re.search(r"ptdump: %d ranges \(0x[0-9a-f]+ bytes mapped\), \d+ table pages "
                     r"read \(x86-64 %d-level\)\n$" % (len(ranges), levels), dump), dump
    # The contiguous run is one range; the page after it another.
    assert (0x410000, 0x41ffff, 0x500000, "rw", "kernel", "nx") in ranges, dump
    assert (0x420000, 0x420fff, 0x600000, "rw", "kernel", "nx") in ranges, dump
    if levels == 4:   # QEMU 7.2's info mem prints nothing under 5-level paging
        assert merged_like_qemu(ranges) == info_mem_x86(info), (dump, info)
    # ptov: every alias of [0x801000, 0x802000), exactly the ones the ranges hold.
    aliases = [(int(m.group(1), 16), int(m.group(3), 16)) for m in ALIAS.finditer(ptov)]
    want = sorted(va + (max(phys, 0x801000) - phys) for va, last, phys, *_ in ranges
                  if phys <= 0x801fff and phys + (last - va) >= 0x801000)
    assert [va for va, _ in aliases] == want and len(want) >= 3, ptov
    assert "ptov: %d virtual addresses map physical 0x801000-0x801fff;" % len(want) in ptov
    # Every range's first and last byte, and every alias, through QEMU's own
    # walk, in a second guest built the same way (which dumps the same).
    points = boundaries(ranges)
    out = x86_session(debugger, ["ptdump"] + [oracle(debugger, va) for va in points] +
                      [oracle(debugger, va) for va, _ in aliases], levels)
    assert out[0] == dump
    truths = out[1:1 + len(points)]
    for (va, last, phys, *_), t0, t1 in zip(ranges, truths[0::2], truths[1::2]):
        assert gpa(t0) == phys and gpa(t1) == phys + (last - va), (hex(va), t0, t1)
    for (va, phys), truth in zip(aliases, out[1 + len(points):]):
        assert gpa(truth) == phys, (hex(va), truth)


def test_x86_ptdump_filter_and_range():
    out = x86_session("gdb", ["ptdump", "ptdump --filter wx,kernel", "ptdump --filter user",
                              "ptdump --filter !x", "ptdump --range 0x400000-0x41ffff"])
    every = ranges_of(out[0])
    assert ranges_of(out[1]) == [r for r in every if r[3] == "rw" and r[4] == "kernel"
                                 and r[5] == "x"] != []
    assert ranges_of(out[2]) == [r for r in every if r[4] == "user"] != []
    assert ranges_of(out[3]) == [r for r in every if r[5] == "nx"] != []
    assert ranges_of(out[4]) == [r for r in every if r[1] >= 0x400000 and r[0] <= 0x41ffff]
    assert "ptdump: 3 ranges" in out[4], out[4]


def test_ptdump_ptov_same_text_in_both_debuggers_and_mi():
    texts = []
    lines = ["ptdump", "ptdump --range 0x400000-0x7fffffff --filter w", "ptov 0x801000",
             "ptov --all 0x300000 --length 8K", "ptdump --filter rwx", "ptov", "ptdump 0x1000",
             "ptov --root 0x11000 0x300000"]
    for debugger in ("gdb", "lldb"):
        texts.append(x86_session(debugger, lines))
    assert texts[0] == texts[1]
    assert texts[0][4].startswith("ptdump: bad --filter word 'rwx'"), texts[0][4]
    assert texts[0][5].startswith("ptov: missing PHYS"), texts[0][5]
    assert texts[0][6].startswith("ptdump: unexpected argument '0x1000'"), texts[0][6]
    assert "0 virtual addresses" in texts[0][7] or "is not" in texts[0][7], texts[0][7]
    with Qemu("x86_64", ["-cpu", "max"]) as qemu:
        setup = ['-interpreter-exec console "%s"' % c for c in
                 X86_TABLES + EXTRA + x86_regs("gdb", 0x10000, 0x20, 0x900)]
        out = run_mi(qemu.port, setup + ["-ptdump --range 0x400000-0x41ffff",
                                         "-ptov 0x801000", "-ptdump --filter x,w,nox"])
    assert re.match(r'\^done,ranges="3",table-pages="\d+",mode="x86-64 4-level"$',
                    out[-3]), out[-3]
    assert re.match(r'\^done,physical="0x801000",length="1",mappings="\d+",'
                    r'first-virtual="0x[0-9a-f]+",table-pages="\d+"$', out[-2]), out[-2]
    assert out[-1].startswith('^error,msg="ptdump: --filter'), out[-1]


def test_riscv_sv39_ptdump_matches_info_mem():
    base = 0x80000000
    root = base + 0x10000
    V, R, W, X, U = 1, 2, 4, 8, 16
    AD = 0x40 | 0x80

    def pte(addr, flags):
        return ((addr >> 12) << 10) | flags
    tables = [q(root + 2 * 8, pte(root + 0x1000, V)), q(root + 0x1000, pte(root + 0x2000, V)),
              q(root + 0x2000 + 3 * 8, pte(base + 0x300000, V | R | W | AD)),
              q(root + 0x2000 + 4 * 8, pte(base + 0x301000, V | R | W | AD)),
              q(root + 0x2000 + 5 * 8, pte(base + 0x305000, V | R | U | AD)),
              q(root + 0x1000 + 1 * 8, pte(base + 0x400000, V | R | X | AD)),
              q(root + 511 * 8, pte(base, V | R | W | X | AD))]   # 1 GiB, upper half
    with Qemu("riscv64") as qemu:
        regs = ["set $satp = %#x" % ((8 << 60) | (root >> 12)), "set $priv = 1"]
        r = run_gdb(tables + regs + ["ptdump", "monitor info mem", "ptov %#x" % (base + 0x301008)],
                    port=qemu.port, gdb=qemu.gdb)
        dump, info, ptov = (x["output"] for x in r[len(tables + regs):])
    ranges = ranges_of(dump)
    # QEMU's riscv info mem: VADDR PADDR SIZE ATTR (rwxugad), one line per
    # run of contiguous frames with the same attributes.
    theirs = []
    for line in info.splitlines():
        m = re.match(r"([0-9a-f]{16}) ([0-9a-f]{16}) ([0-9a-f]{16}) ([r-])([w-])([x-])([u-])", line)
        if m:
            va, pa, size = (int(m.group(i), 16) for i in (1, 2, 3))
            theirs.append((va, va + size - 1, pa, "rw" if m.group(5) == "w" else "ro",
                           "user" if m.group(7) == "u" else "kernel",
                           "x" if m.group(6) == "x" else "nx"))
    assert ranges == theirs and len(ranges) == 4, (dump, info)
    assert "riscv Sv39" in dump
    assert [m.group(1) for m in ALIAS.finditer(ptov)] == ["80004008", "ffffffffc0301008"], ptov


def arm_session(lines):
    """aarch64 4K, TTBR0 and TTBR1, set by three MSRs the guest runs (as in
    test_vtop.py); a fresh guest for each session."""
    base = 0x40000000
    code = [0xd5182000, 0xd5182041, 0xd5182022, 0xd5033fdf, 0xd5181003]
    # msr ttbr0_el1, x0; msr tcr_el1, x1; msr ttbr1_el1, x2; isb; msr sctlr_el1, x3
    prog = ["writephys -d %#x %s" % (base, " ".join("%#x" % c for c in code))]
    t0, t1 = base + 0x10000, base + 0x20000
    AF, TBL, PAGE, BLK, EL0, RO, UXN, PXN = 0x400, 3, 3, 1, 0x40, 0x80, 1 << 54, 1 << 53
    tables = [q(t0, (t0 + 0x1000) | TBL), q(t0 + 0x1000, (t0 + 0x2000) | TBL),
              q(t0 + 0x2000, (t0 + 0x3000) | TBL),
              q(t0 + 0x3000 + 1 * 8, (base + 0x200000) | PAGE | AF | EL0),
              q(t0 + 0x3000 + 2 * 8, (base + 0x201000) | PAGE | AF | EL0),
              q(t0 + 0x3000 + 3 * 8, (base + 0x300000) | PAGE | AF | RO | UXN),
              q(t0 + 0x2000 + 1 * 8, (base + 0x400000) | BLK | AF),
              # TTBR1: L0[511] -> L1[510] 1 GiB block at base, PXN
              q(t1 + 511 * 8, (t1 + 0x1000) | TBL),
              q(t1 + 0x1000 + 510 * 8, base | BLK | AF | PXN)]
    tcr = 16 | (16 << 16) | (2 << 30) | (5 << 32)
    regs = ["set $x0 = %#x" % t0, "set $x1 = %#x" % tcr, "set $x2 = %#x" % t1,
            "set $x3 = $SCTLR | 1", "set $pc = %#x" % base, "stepi 5"]
    with Qemu("aarch64") as qemu:
        r = run_gdb(prog + tables + regs + lines, port=qemu.port, gdb=qemu.gdb)
    return [x["error"] + "\n" if x["error"] is not None else x["output"]
            for x in r[len(prog + tables + regs):]]


def test_aarch64_ptdump_and_ptov_match_gva2gpa():
    dump, ptov = arm_session(["ptdump", "ptov 0x40201008"])
    ranges = ranges_of(dump.replace(" uxn", " nx").replace(" pxn", " x"))
    assert dump.endswith("ptdump: 4 ranges (0x40203000 bytes mapped), 6 table pages read "
                         "(aarch64 4K TTBR0+TTBR1)\n"), dump
    assert "0x1000-0x2fff -> 0x40200000-0x40201fff  4 KiB  rw user pxn\n" in dump, dump
    assert "0xffffffff80000000-0xffffffffbfffffff -> 0x40000000-0x7fffffff  1 GiB  rw " \
        "kernel pxn\n" in dump, dump
    aliases = [int(m.group(1), 16) for m in ALIAS.finditer(ptov)]
    assert aliases == [0x2008, 0xffffffff80201008], ptov
    points = boundaries(ranges)
    out = arm_session(["ptdump"] + [oracle("gdb", va) for va in points + aliases])
    assert out[0] == dump
    truths = out[1:]
    for (va, last, phys, *_), t0, t1 in zip(ranges, truths[0::2], truths[1::2]):
        assert gpa(t0) == phys and gpa(t1) == phys + (last - va), (hex(va), t0, t1)
    assert [gpa(t) for t in truths[len(points):]] == [0x40201008] * 2, truths
