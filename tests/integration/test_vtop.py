"""vtop and --virtual against real QEMU guests whose page tables the test
builds with writephys itself; every translation is compared with QEMU's own
`gva2gpa` (through QMP, the oracle), and every virtual write is checked
through QMP at the physical address."""
import re

import pytest

from harness import Qemu, run_gdb, run_text

P, RW, US, PS = 1, 2, 4, 0x80
NX = 1 << 63


def q(addr, value):
    return "writephys -q %#x %#x" % (addr, value)


def oracle(debugger, va):
    """QEMU's own translation (HMP gva2gpa, through the debugger's monitor
    command while the CPU is stopped with the test's registers)."""
    cmd = "monitor" if debugger == "gdb" else "process plugin packet monitor"
    return "%s gva2gpa %#x" % (cmd, va)


def gpa(text):
    m = re.search(r"gpa: (0x[0-9a-f]+)", text)
    return int(m.group(1), 16) if m else None


def vtop_phys(line):
    m = re.match(r"vtop: 0x[0-9a-f]+ -> physical (0x[0-9a-f]+) \((.*)\)\n", line)
    assert m, line
    return int(m.group(1), 16), m.group(2)


def x86_regs(debugger, cr3, cr4, efer, cr0=0x80000011):
    """CR3, CR4 and EFER first, then CR0.PG: QEMU enters long mode."""
    if debugger == "gdb":   # GDB cannot assign flags registers: raw P packets
        packets = [(0x1d, cr3), (0x1e, cr4), (0x20, efer), (0x1b, cr0)]
        return ["maint packet P%x=%s" % (n, v.to_bytes(8, "little").hex()) for n, v in packets] \
            + ["maint flush register-cache"]
    return ["register write cr3 %#x" % cr3, "register write cr4 %#x" % cr4,
            "register write efer %#x" % efer, "register write cr0 %#x" % cr0]


# x86-64 4-level: PML4 0x10000, PDPT 0x11000, PD 0x12000, PT 0x13000; the
# upper half through PML4[511] -> PDPT 0x14000 -> PD 0x15000.
X86_TABLES = [
    q(0x10000, 0x11000 | P | RW | US), q(0x11000, 0x12000 | P | RW | US),
    q(0x12000 + 2 * 8, 0x13000 | P | RW | US), q(0x13000 + 1 * 8, 0x300000 | P | RW | US),
    q(0x13000 + 2 * 8, 0x7ff000 | P | NX), q(0x12000 + 3 * 8, 0x800000 | P | RW | PS),
    q(0x11000 + 1 * 8, 0x0 | P | RW | PS),
    q(0x10000 + 511 * 8, 0x14000 | P | RW), q(0x14000 + 510 * 8, 0x15000 | P | RW),
    q(0x15000, 0x1000000 | P | RW | PS | NX),
]
X86_CASES = [   # virtual, page size
    (0x401234, 0x1000), (0x402ff8, 0x1000), (0x600000 + 0x12345, 0x200000),
    (0x40000000 + 0x2345678, 0x40000000), (0xffffffff80001234, 0x200000),
]


@pytest.mark.parametrize("debugger", ["gdb", "lldb"])
@pytest.mark.parametrize("levels", [4, 5])
def test_x86_64_translations_match_qemu(debugger, levels):
    with Qemu("x86_64", ["-cpu", "max"]) as qemu:
        setup = list(X86_TABLES)
        cr3, cr4 = 0x10000, 0x20
        if levels == 5:
            setup.append(q(0x16000, 0x10000 | P | RW | US))
            setup.append(q(0x16000 + 511 * 8, 0x10000 | P | RW))  # the upper half too
            cr3, cr4 = 0x16000, 0x20 | 0x1000
        lines = [("vtop %#x" % va) for va, _ in X86_CASES] + \
            [oracle(debugger, va) for va, _ in X86_CASES] + [
            "vtop --walk 0x401234", "vtop 0x403000", "vtop 0x0000800000000000",
            "writephys --virtual -q 0x401ffc 0x1122334455667788",
            "readphys --virtual 0x401ffc --length 8",
            "writephys --virtual --string \"ro page\" 0x402100"]
        out = run_text(debugger, setup + x86_regs(debugger, cr3, cr4, 0x900) + lines,
                       port=qemu.port)[len(setup) + len(x86_regs(debugger, 0, 0, 0)):]
        n = len(X86_CASES)
        for (va, size), line, truth in zip(X86_CASES, out, out[n:]):
            phys, desc = vtop_phys(line)
            assert phys == gpa(truth), (hex(va), line, truth)
            assert desc.startswith({0x1000: "4 KiB", 0x200000: "2 MiB",
                                    0x40000000: "1 GiB"}[size]), line
        assert "kernel, nx" in out[4] and "user, x" in out[0], out
        out = out[:n] + out[2 * n:]
        walk = out[len(X86_CASES)]
        assert walk.startswith("vtop: x86-64 %d-level walk of 0x401234\n" % levels), walk
        assert "PT   table 0x13000 index 1: entry at physical 0x13008 = 0x0000000000300007" \
            in walk, walk
        assert out[len(X86_CASES) + 1].startswith(
            "vtop: 0x403000 is not mapped: the walk stopped at PT entry 3"), out
        if levels == 4:
            assert "is not canonical" in out[len(X86_CASES) + 2], out
        # A write across two pages far apart, and onto a read-only page.
        assert out[-3].startswith("writephys: wrote 8 bytes at virtual 0x401ffc (physical "
                                  "0x300ffc-0x300fff, 0x7ff000-0x7ff003) via qemu, verified")
        assert qemu.pmemsave(0x300ffc, 4) + qemu.pmemsave(0x7ff000, 4) == \
            (0x1122334455667788).to_bytes(8, "little")
        assert out[-2].startswith("00401ffc  88 77 66 55 44 33 22 11"), out[-2]
        assert out[-1].startswith("writephys: wrote 7 bytes at virtual 0x402100 (physical "
                                  "0x7ff100)"), out[-1]
        assert qemu.pmemsave(0x7ff100, 7) == b"ro page"


def test_x86_vtop_same_text_in_both_debuggers():
    texts = []
    for debugger in ("gdb", "lldb"):
        with Qemu("x86_64", ["-cpu", "max"]) as qemu:
            setup = X86_TABLES + x86_regs(debugger, 0x10000, 0x20, 0x900)
            lines = ["vtop 0x401234", "vtop --walk 0xffffffff80001234", "vtop 0x403000",
                     "vtop --root 0x11000 0x401234", "writephys --virtual -d 0x600000 7"]
            texts.append(run_text(debugger, setup + lines, port=qemu.port)[len(setup):])
    assert texts[0] == texts[1]


def test_aarch64_4k_and_64k_match_qemu():
    """The test sets TTBR0/TCR/SCTLR by running three MSRs in the guest
    (QEMU's stub does not write system registers)."""
    base = 0x40000000
    code = [0xd5182000, 0xd5182041, 0xd5033fdf, 0xd5181003]  # msr ttbr0, tcr; isb; msr sctlr
    prog = ["writephys -d %#x %s" % (base, " ".join("%#x" % c for c in code))]
    for granule in ("4K", "64K"):
        with Qemu("aarch64") as qemu:
            if granule == "4K":   # L0 0x..10000, L1 ..11000, L2 ..12000, L3 ..13000
                t = base + 0x10000
                tables = [q(t, (t + 0x1000) | 3), q(t + 0x1000, (t + 0x2000) | 3),
                          q(t + 0x2000, (t + 0x3000) | 3),
                          q(t + 0x3000 + 1 * 8, (base + 0x200000) | 3 | 0x400 | 0x40),
                          q(t + 0x2000 + 1 * 8, (base + 0x400000) | 1 | 0x400)]
                tcr = 16 | (16 << 16) | (2 << 30) | (5 << 32)
                cases = [(0x1234, 0x1000), (0x200000 + 0x4321, 0x200000)]
            else:                 # L1 0x..10000 (6 bits), L2 ..20000, L3 ..30000
                t = base + 0x10000
                tables = [q(t, (t + 0x10000) | 3), q(t + 0x10000, (t + 0x20000) | 3),
                          q(t + 0x20000 + 1 * 8, (base + 0x400000) | 3 | 0x400),
                          q(t + 0x10000 + 1 * 8, (base + 0x20000000) | 1 | 0x400)]
                tcr = 16 | (1 << 14) | (16 << 16) | (3 << 30) | (5 << 32)
                cases = [(0x12345, 0x10000), (0x20000000 + 0x1234567, 0x20000000)]
            regs = ["set $x0 = %#x" % t, "set $x1 = %#x" % tcr, "set $x3 = $SCTLR | 1",
                    "set $pc = %#x" % base, "stepi 4"]
            lines = ["vtop %#x" % va for va, _ in cases] + \
                [oracle("gdb", va) for va, _ in cases] + ["vtop 0x7000000",
                     "writephys --virtual -d %#x 0xfeedf00d" % (cases[0][0] + 4)]
            r = run_gdb(prog + tables + regs + lines, port=qemu.port, gdb=qemu.gdb)
            out = r[len(prog + tables + regs):]
            for (va, size), res, truth in zip(cases, out, out[len(cases):]):
                phys, desc = vtop_phys(res["output"])
                assert phys == gpa(truth["output"]), (granule, hex(va), res, truth)
                assert desc.startswith({0x1000: "4 KiB", 0x10000: "64 KiB", 0x200000: "2 MiB",
                                        0x20000000: "512 MiB"}[size]), res
            assert "is not mapped" in out[-2]["error"], out[-2]
            assert out[-1]["error"] is None, out[-1]
            phys0, _ = vtop_phys(out[0]["output"])
            assert qemu.pmemsave(phys0 + 4, 4) == (0xfeedf00d).to_bytes(4, "little")


@pytest.mark.parametrize("mode", ["Sv39", "Sv48"])
def test_riscv_sv39_and_sv48_match_qemu(mode):
    base = 0x80000000
    root = base + 0x10000
    V, R, W, X = 1, 2, 4, 8
    AD = 0x40 | 0x80   # accessed, dirty: QEMU's own walk wants them on leaves

    def pte(addr, flags):
        return ((addr >> 12) << 10) | flags
    if mode == "Sv39":   # L2 root, L1 +0x1000, L0 +0x2000
        tables = [q(root + 2 * 8, pte(root + 0x1000, V)), q(root + 0x1000, pte(root + 0x2000, V)),
                  q(root + 0x2000 + 3 * 8, pte(base + 0x300000, V | R | W | AD)),
                  q(root + 0x1000 + 1 * 8, pte(base + 0x400000, V | R | X | AD))]
        va_base, satp = 0x80000000, (8 << 60) | (root >> 12)
    else:                # L3 root, L2 +0x3000, then as above
        tables = [q(root, pte(root + 0x3000, V)), q(root + 0x3000 + 2 * 8, pte(root + 0x1000, V)),
                  q(root + 0x1000, pte(root + 0x2000, V)),
                  q(root + 0x2000 + 3 * 8, pte(base + 0x300000, V | R | W | AD)),
                  q(root + 0x1000 + 1 * 8, pte(base + 0x400000, V | R | X | AD))]
        va_base, satp = 0x80000000, (9 << 60) | (root >> 12)
    cases = [(va_base + 0x3abc, 0x1000), (va_base + 0x200000 + 0x1234, 0x200000)]
    with Qemu("riscv64") as qemu:
        regs = ["set $satp = %#x" % satp, "set $priv = 1"]
        # QEMU 7.2's gva2gpa answers "Unmapped" for a hart whose privilege
        # the stub changed; its own page-table dump (`info mem`, walk_pte in
        # target/riscv/monitor.c) is the oracle here.
        lines = ["vtop %#x" % va for va, _ in cases] + ["monitor info mem"] + \
            ["writephys --virtual -d %#x 0xabad1dea" % cases[0][0]]
        r = run_gdb(tables + regs + lines, port=qemu.port, gdb=qemu.gdb)
        out = r[len(tables + regs):]
        ranges = [tuple(int(x, 16) for x in line.split()[:3])
                  for line in out[len(cases)]["output"].splitlines()
                  if re.match(r"[0-9a-f]{16} ", line)]
        for (va, size), res in zip(cases, out):
            phys, desc = vtop_phys(res["output"])
            truth = [p + va - v for v, p, n in ranges if v <= va < v + n]
            assert truth and phys == truth[0], (mode, hex(va), res, ranges)
            assert desc.startswith({0x1000: "4 KiB", 0x200000: "2 MiB"}[size]), res
        assert out[-1]["error"] is None, out[-1]
        assert qemu.pmemsave(base + 0x300abc, 4) == (0xabad1dea).to_bytes(4, "little")


@pytest.mark.parametrize("debugger", ["gdb", "lldb"])
def test_aliased_frames_read_back_as_the_whole_command_leaves_them(debugger, tmp_path):
    """Issue 17 item 2: VA 0x400000 and 0x402000 map one frame (0x300000),
    0x401000 maps 0x7ff000; a 12 KiB file of 'A', 'B', 'C' pages lands as
    writing through the virtual addresses leaves it: later bytes win."""
    blob = tmp_path / "abc"
    blob.write_bytes(b"A" * 4096 + b"B" * 4096 + b"C" * 4096)
    tables = [q(0x10000, 0x11000 | P | RW | US), q(0x11000, 0x12000 | P | RW | US),
              q(0x12000 + 2 * 8, 0x13000 | P | RW | US), q(0x13000, 0x300000 | P | RW),
              q(0x13000 + 8, 0x7ff000 | P | RW), q(0x13000 + 16, 0x300000 | P | RW)]
    with Qemu("x86_64", ["-cpu", "max"]) as qemu:
        setup = tables + x86_regs(debugger, 0x10000, 0x20, 0x900)
        lines = ["writephys --virtual --file %s 0x400000" % blob,
                 "writephys --backend direct --virtual --file %s 0x400000" % blob]
        if debugger == "gdb":
            lines.append("output $_writephys_written")
        out = run_text(debugger, setup + lines, port=qemu.port)[len(setup):]
        assert qemu.pmemsave(0x300000, 4096) == b"C" * 4096
        assert qemu.pmemsave(0x7ff000, 4096) == b"B" * 4096
    for line in out[:2]:
        assert line.startswith("writephys: wrote 12288 bytes at virtual 0x400000 (physical "
                               "0x300000-0x300fff, 0x7ff000-0x7ff fff, 0x300000-0x300fff)"
                               .replace("7ff fff", "7fffff")), out
        assert line.endswith(", verified\n"), out
    if debugger == "gdb":
        assert out[2] == "12288", out


@pytest.mark.parametrize("debugger", ["gdb", "lldb"])
def test_walker_follows_the_cpu_rules(debugger):
    """Issue 17 item 3.  32-bit paging with CR4.PSE=0: the CPU ignores PS in
    a PDE, which then points to a page table (QEMU's gva2gpa agrees).  And
    a 2 MiB entry with bit 13 set, which a CPU faults on (reserved) while
    QEMU's debug walk translates it: the manual is the oracle there."""
    with Qemu("x86_64", ["-cpu", "max"]) as qemu:
        setup = [q(0x10000 + 4, 0x11000 | P | RW | PS), q(0x11000, 0x305000 | P | RW)]
        out = run_text(debugger, setup + x86_regs(debugger, 0x10000, 0, 0, cr0=0x80000011) + [
            "vtop 0x400010", oracle(debugger, 0x400010),
            "writephys --virtual -d 0x400010 0x12345678"], port=qemu.port)[-3:]
        assert vtop_phys(out[0])[0] == gpa(out[1]) == 0x305010, out
        assert out[2].startswith("writephys: wrote 4 bytes at virtual 0x400010 (physical "
                                 "0x305010)"), out
        assert qemu.pmemsave(0x305010, 4) == (0x12345678).to_bytes(4, "little")
    with Qemu("x86_64", ["-cpu", "max"]) as qemu:
        tables = [q(0x10000, 0x11000 | P | RW | US), q(0x11000, 0x12000 | P | RW | US),
                  q(0x12000 + 8, 0x600000 | (1 << 13) | P | RW | PS)]
        out = run_text(debugger, tables + x86_regs(debugger, 0x10000, 0x20, 0x900) + [
            "vtop 0x200010", "writephys --virtual -d 0x200010 0x12345678"],
            port=qemu.port)[-2:]
        assert qemu.pmemsave(0x600010, 4) == bytes(4)
    assert out[0] == "vtop: 0x200010 is not mapped: the walk stopped at PD entry 1 at " \
                     "physical 0x12008 = 0x0000000000602083 (reserved bit 13 set (a 2 MiB " \
                     "page keeps bits 20:13 zero): the CPU takes a page fault)\n", out
    assert out[1].startswith("writephys: 0x200010 is not mapped: the walk stopped at PD"), out


@pytest.mark.parametrize("debugger", ["gdb", "lldb"])
def test_vtop_offers_only_what_works_and_readphys_names_both_addresses(debugger, tmp_path):
    """Issue 17 items 4 and 7: a table read refused as a device offers
    --force, which vtop takes; readphys --virtual --output names the virtual
    address and the physical ranges, as writephys --virtual does."""
    out_file = tmp_path / "virt.bin"
    with Qemu("x86_64", ["-cpu", "max"]) as qemu:
        setup = X86_TABLES + x86_regs(debugger, 0x10000, 0x20, 0x900)
        out = run_text(debugger, setup + [
            "vtop --root 0xfed00000 0x401000", "vtop --force --root 0xfed00000 0x401000",
            "readphys --virtual 0x401000 --length 8K --output %s" % out_file],
            port=qemu.port)[len(setup):]
        truth = qemu.pmemsave(0x300000, 4096) + qemu.pmemsave(0x7ff000, 4096)
    assert out[0].startswith("vtop: cannot read the level-0 table entry at physical "
                             "0xfed00000: 0xfed00000-0xfed003ff is a device (hpet)"), out
    assert out[0].endswith("(--force to read anyway)\n"), out
    assert "does not apply" not in out[1] and "is a device" not in out[1], out
    assert out[1].startswith("vtop: 0x401000 "), out
    assert out[2] == "readphys: saved 8192 bytes from virtual 0x401000 (physical " \
                     "0x300000-0x300fff, 0x7ff000-0x7fffff) to %s via direct\n" % out_file, out
    assert out_file.read_bytes() == truth


# Issue 23: aarch64's formats decided per half, 5 levels, TxSZ out of range,
# HPD, and a level-0 block that the architecture reserves but QEMU 7.2 maps.
# The guest runs five MSRs (TTBR0, TTBR1, TCR, ISB, SCTLR) under -cpu max
# (FEAT_LPA, FEAT_LPA2, FEAT_LVA, FEAT_HPDS); QEMU's gva2gpa is the oracle
# for every address, the Arm ARM for what QEMU does not follow (the block).
A64 = 0x40000000
MSRS = [0xd5182000, 0xd5182021, 0xd5182042, 0xd5033fdf, 0xd5181003]


def a64_setup(debugger, ttbr0, ttbr1, tcr):
    sctlr = 0x30d00801   # M, with the RES1 bits
    prog = ["writephys -d %#x %s" % (A64, " ".join("%#x" % c for c in MSRS))]
    if debugger == "gdb":
        regs = ["set $x0 = %#x" % ttbr0, "set $x1 = %#x" % ttbr1, "set $x2 = %#x" % tcr,
                "set $x3 = %#x" % sctlr, "set $pc = %#x" % A64, "stepi 5"]
    else:
        regs = ["register write x0 %#x" % ttbr0, "register write x1 %#x" % ttbr1,
                "register write x2 %#x" % tcr, "register write x3 %#x" % sctlr,
                "register write pc %#x" % A64] + ["thread step-inst"] * 5
    return prog + regs


A64_SCENARIOS = {
    # TG0=4K (T0SZ=16, HPD0), TG1=64K with IPS=52 and T1SZ=12: TTBR1's pages
    # keep PA[51:48] in bits 15:12; TTBR0 is 48-bit (DS=0), and its level-0
    # block is reserved.
    "4K+64K": (A64 + 0x10000, A64 + 0x20000,
               16 | (12 << 16) | (3 << 30) | (6 << 32) | (1 << 41),
               [(A64 + 0x10000, (A64 + 0x11000) | 3 | (1 << 62)),   # APTable[1]: no write
                (A64 + 0x11000 + 1 * 8, (A64 + 0x12000) | 3), (A64 + 0x12000, (A64 + 0x13000) | 3),
                (A64 + 0x13000 + 2 * 8, (A64 + 0x300000) | 3 | 0x400 | 0x40),
                (A64 + 0x10000 + 1 * 8, 0x0000000000000401),          # L0 block, DS=0
                (A64 + 0x20000, (A64 + 0x30000) | 3), (A64 + 0x30000, (A64 + 0x40000) | 3),
                (A64 + 0x40000 + 1 * 8, 0x4020f403)],
               [0x40002345, 0x8000001234, 0xfff0000000011234]),
    # TG0=64K with IPS=52 and T0SZ=48 (out of range), TG1=4K (T1SZ=16): its
    # descriptors' SH=0b11 are not address bits.
    "64K+4K": (A64 + 0x10000, A64 + 0x20000,
               48 | (1 << 14) | (16 << 16) | (2 << 30) | (6 << 32),
               [(A64 + 0x20000, (A64 + 0x21000) | 3), (A64 + 0x21000, (A64 + 0x22000) | 3),
                (A64 + 0x22000, (A64 + 0x23000) | 3),
                (A64 + 0x23000 + 1 * 8, (A64 + 0x201000) | 0x300 | 0x400 | 3)],
               [0xffff000000001234, 0x1234]),
    # 4K with DS=1 and T0SZ=12: five levels; a level-0 block is legal, and
    # OA[51:50] sits in bits 9:8.
    "4K DS=1": (A64 + 0x10000, A64 + 0x20000,
                12 | (16 << 16) | (2 << 30) | (6 << 32) | (1 << 59),
                [(A64 + 0x10000 + 1 * 8, (A64 + 0x11000) | 3),
                 (A64 + 0x11000, (A64 + 0x12000) | 3), (A64 + 0x12000 + 1 * 8, (A64 + 0x13000) | 3),
                 (A64 + 0x13000, (A64 + 0x14000) | 3),
                 (A64 + 0x14000 + 3 * 8, (A64 + 0x400000) | 0x400 | 3),
                 (A64 + 0x11000 + 1 * 8, 0x8000000000 | 0x100 | 0x401)],
                [0x1000040003abc, 0x1008000001234]),
}


def a64_run(debugger, name):
    ttbr0, ttbr1, tcr, tables, vas = A64_SCENARIOS[name]
    with Qemu("aarch64", machine=["-M", "virt", "-cpu", "max"]) as qemu:
        setup = [q(a, v) for a, v in tables] + a64_setup(debugger, ttbr0, ttbr1, tcr)
        lines = ["vtop %#x" % va for va in vas] + [oracle(debugger, va) for va in vas]
        if name == "4K+64K":
            lines += ["vtop --walk 0x40002345",
                      "writephys --virtual -d 0xfff0000000011230 0x5eadbeef"]
            before = qemu.pmemsave(0x40201230, 4)
        if name == "64K+4K":
            lines += ["writephys --virtual -d 0xffff000000001230 0x5eadbeef"]
        kw = {"gdb": qemu.gdb} if debugger == "gdb" else {}
        out = run_text(debugger, setup + lines, port=qemu.port, **kw)[len(setup):]
        if name == "4K+64K":
            assert qemu.pmemsave(0x40201230, 4) == before   # not this address's frame
        if name == "64K+4K":
            assert qemu.pmemsave(0x40201230, 4) == (0x5eadbeef).to_bytes(4, "little")
    return out


@pytest.mark.parametrize("debugger", ["gdb", "lldb"])
@pytest.mark.parametrize("name", list(A64_SCENARIOS))
def test_aarch64_formats_per_half_match_qemu(debugger, name):
    vas = A64_SCENARIOS[name][4]
    out = a64_run(debugger, name)
    n = len(vas)
    for va, line, truth in zip(vas, out, out[n:n + n]):
        if va == 0x8000001234:   # reserved by the architecture; QEMU maps it
            assert line.startswith("vtop: 0x8000001234 is not mapped: the walk stopped at L0 "
                                   "entry 1 at physical 0x40010008 = 0x0000000000000401"), line
            assert "(reserved descriptor: the architecture allows a block at this level only " \
                "with TCR_EL1.DS=1 (FEAT_LPA2); QEMU 7.2 maps it anyway, as a 512 GiB block " \
                "to physical 0x%x)" % gpa(truth) in line, (line, truth)
        elif va == 0x1234 and name == "64K+4K":   # T0SZ=48 with 64K: QEMU faults
            assert line == "vtop: TCR_EL1.T0SZ=48 is out of range for a 64K granule (12 to " \
                "47): the CPU faults every address of TTBR0\n", line
            assert "Unmapped" in truth, truth
        else:
            phys, desc = vtop_phys(line)
            assert phys == gpa(truth), (name, hex(va), line, truth)
    if name == "4K+64K":
        # HPD0: APTable off, so writable; writable at EL0, so never EL1-executable
        assert vtop_phys(out[0])[1] == "4 KiB page, rw, user, pxn", out[0]
        assert vtop_phys(out[2])[0] == 0xf000040201234, out[2]
        assert "L0   table 0x40010000 index 0: entry at physical 0x40010000 = " \
            "0x4000000040011003 [V T APT2]" in out[2 * n], out[2 * n]
        # Refused: the hole above RAM (named whole, from its start) holds it.
        assert out[-1].startswith("writephys: 0x10000000000-0xffffffffffffffff is "
                                  "unassigned"), out[-1]
    if name == "64K+4K":
        assert vtop_phys(out[0])[0] == 0x40201234, out[0]
        assert out[-1].startswith("writephys: wrote 4 bytes at virtual 0xffff000000001230 "
                                  "(physical 0x40201230) via qemu, verified"), out[-1]
    if name == "4K DS=1":
        assert vtop_phys(out[0])[0] == 0x40400abc and vtop_phys(out[1])[0] == 0x4008000001234


def test_aarch64_formats_same_text_in_both_debuggers():
    for name in A64_SCENARIOS:
        gdb, lldb = (a64_run(d, name) for d in ("gdb", "lldb"))
        n = len(A64_SCENARIOS[name][4])
        assert gdb[:n] + gdb[2 * n:] == lldb[:n] + lldb[2 * n:], name
