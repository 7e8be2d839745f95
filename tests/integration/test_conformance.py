"""The generated walker conformance tables (issue 23 item 11; see
conformance.py): each register setting in a real guest, every row's address
through `vtop` and through QEMU's own gva2gpa.  The walker must say what the
manual says on every row; QEMU must agree on the rows where it follows the
manual, and do what the row says where it does not."""
import re

import pytest

import conformance as c
from harness import Qemu, run_text

MSRS = [0xd5182000, 0xd5182021, 0xd5182042, 0xd5033fdf, 0xd5181003]


def a64_lines(debugger, cfg):
    lines = ["writephys -q %#x %#x" % (a, v) for a, v in sorted(cfg.writes.items())]
    lines.append("writephys -d %#x %s" % (c.A64_RAM, " ".join("%#x" % m for m in MSRS)))
    regs = [cfg.roots.get(0, {"addr": 0})["addr"], cfg.roots.get(1, {"addr": 0})["addr"],
            cfg.tcr, 0x30d00801]
    if debugger == "gdb":
        lines += ["set $x%d = %#x" % (i, v) for i, v in enumerate(regs)]
        lines += ["set $pc = %#x" % c.A64_RAM, "stepi 5"]
    else:
        lines += ["register write x%d %#x" % (i, v) for i, v in enumerate(regs)]
        lines += ["register write pc %#x" % c.A64_RAM] + ["thread step-inst"] * 5
    return lines


def gva2gpa(debugger, va):
    return ("monitor" if debugger == "gdb" else "process plugin packet monitor") + \
        " gva2gpa %#x" % va


def check_row(cfg, row, ours, qemu):
    where = "%s / %s %s at %#x" % (cfg.name(), "TTBR1" if row.half else "TTBR0", row.name,
                                   row.va)
    m = re.search(r"gpa: (0x[0-9a-f]+)", qemu)
    truth = int(m.group(1), 16) if m else None
    assert truth is not None or "Unmapped" in qemu, (where, qemu)
    if isinstance(row.expect, int):
        want = row.expect + (row.va & (row.size - 1))
        m = re.match(r"vtop: 0x[0-9a-f]+ -> physical (0x[0-9a-f]+) \((.*)\)\n", ours)
        assert m, (where, ours)
        assert int(m.group(1), 16) == want, (where, ours, hex(want))
        size, _, flags = m.group(2).partition(" page, ")
        if row.flags:
            assert flags == row.flags, (where, ours, row.flags)
        assert truth == want, (where, "QEMU", qemu, hex(want))
    else:
        assert row.expect in ours, (where, ours, row.expect)
        if row.follows:
            assert truth is None, (where, "QEMU maps it", qemu)
        else:   # QEMU 7.2 maps it: to where the row (and our message) says
            want = row.qemu_oa + (row.va & (row.size - 1))
            assert truth == want, (where, "QEMU", qemu, hex(want))
            if "QEMU 7.2 maps it anyway" in ours:
                assert "to physical %#x)" % want in ours, (where, ours)


def run_a64(debugger, cfg):
    with Qemu("aarch64", machine=["-M", "virt", "-cpu", "max"]) as qemu:
        setup = a64_lines(debugger, cfg)
        probes = []
        for row in cfg.rows:
            probes += ["vtop %#x" % row.va, gva2gpa(debugger, row.va)]
        kw = {"gdb": qemu.gdb} if debugger == "gdb" else {}
        out = run_text(debugger, setup + probes, port=qemu.port, **kw)[len(setup):]
    for k, row in enumerate(cfg.rows):
        check_row(cfg, row, out[2 * k], out[2 * k + 1])
    return len(cfg.rows)


CONFIGS = c.a64_configs()


@pytest.mark.parametrize("debugger", ["gdb", "lldb"])
@pytest.mark.parametrize("cfg", CONFIGS, ids=[cfg.name() for cfg in CONFIGS])
def test_aarch64_conformance(debugger, cfg):
    assert run_a64(debugger, cfg) > 0


def x86_regs(debugger, cr3, cr4, efer=0xd00, cr0=0x80000011):
    """CR3, CR4 and EFER first, then CR0.PG: QEMU enters long mode."""
    if debugger == "gdb":   # GDB cannot assign flags registers: raw P packets
        packets = [(0x1d, cr3), (0x1e, cr4), (0x20, efer), (0x1b, cr0)]
        return ["maint packet P%x=%s" % (n, v.to_bytes(8, "little").hex()) for n, v in packets] \
            + ["maint flush register-cache"]
    return ["register write cr3 %#x" % cr3, "register write cr4 %#x" % cr4,
            "register write efer %#x" % efer, "register write cr0 %#x" % cr0]


def check_simple(mode, row, ours, truth):
    """truth: QEMU's physical address, or None where it faults."""
    where = "%s %s at %#x" % (mode, row.name, row.va)
    if isinstance(row.expect, int):
        want = row.expect + (row.va & (row.size - 1))
        m = re.match(r"vtop: 0x[0-9a-f]+ -> physical (0x[0-9a-f]+) \((.*)\)\n", ours)
        assert m, (where, ours)
        assert int(m.group(1), 16) == want, (where, ours, hex(want))
        size, _, flags = m.group(2).partition(" page, ")
        if row.flags:
            assert flags == row.flags, (where, ours, row.flags)
        assert truth == want, (where, "QEMU", truth, hex(want))
    else:
        assert row.expect in ours, (where, ours, row.expect)
        assert truth is None, (where, "QEMU maps it", hex(truth))


@pytest.mark.parametrize("debugger", ["gdb", "lldb"])
@pytest.mark.parametrize("levels", [4, 5])
def test_x86_conformance(debugger, levels):
    tables, rows = c.x86_rows(levels)
    with Qemu("x86_64", ["-cpu", "max"]) as qemu:
        setup = ["writephys -q %#x %#x" % (a, v) for a, v in sorted(tables.writes.items())]
        setup += x86_regs(debugger, tables.root["addr"], 0x20 | (0x1000 if levels == 5 else 0))
        probes = []
        for row in rows:
            probes += ["vtop %#x" % row.va, gva2gpa(debugger, row.va)]
        out = run_text(debugger, setup + probes, port=qemu.port)[len(setup):]
    for k, row in enumerate(rows):
        m = re.search(r"gpa: (0x[0-9a-f]+)", out[2 * k + 1])
        assert m or "Unmapped" in out[2 * k + 1], out[2 * k + 1]
        check_simple("x86-64 %d-level" % levels, row, out[2 * k], int(m.group(1), 16) if m
                     else None)


@pytest.mark.parametrize("mode", ["Sv39", "Sv48", "Sv57"])
def test_riscv_conformance(mode):
    """GDB only: LLDB 14 has no registers for riscv guests.  QEMU 7.2's
    gva2gpa answers Unmapped for a hart whose privilege the stub set, so its
    own page-table dump (`info mem`, walk_pte in target/riscv/monitor.c) is
    the oracle: it lists misaligned superpages and W-without-R leaves, which
    its translation (get_physical_address) faults, as the manual says."""
    levels = {"Sv39": 3, "Sv48": 4, "Sv57": 5}[mode]
    tables, rows = c.rv_rows(levels)
    with Qemu("riscv64", ["-cpu", "rv64"]) as qemu:
        setup = ["writephys -q %#x %#x" % (a, v) for a, v in sorted(tables.writes.items())]
        setup += ["set $satp = %#x" % (((levels + 5) << 60) | (tables.root["addr"] >> 12)),
                  "set $priv = 1"]
        probes = ["vtop %#x" % row.va for row in rows] + ["monitor info mem"]
        out = run_text("gdb", setup + probes, port=qemu.port, gdb=qemu.gdb)[len(setup):]
    assert len(out) == len(rows) + 1 and len(rows) >= 40, out
    listed = [tuple(int(x, 16) for x in line.split()[:3]) + (line.split()[3],)
              for line in out[-1].splitlines() if re.match(r"[0-9a-f]{16} ", line)]
    assert len(listed) >= 30, out[-1]
    for row, ours in zip(rows, out):
        hits = [(p + row.va - v, attr) for v, p, n, attr in listed if v <= row.va < v + n]
        truth = hits[0][0] if hits else None
        if row.follows:
            check_simple("riscv " + mode, row, ours, truth)
            if hits:   # R W X U A D as the entry has them
                want = "".join(ch if row.pte & bit else "-" for ch, bit in
                               (("r", c.R), ("w", c.W), ("x", c.X), ("u", c.U), ("g", c.G),
                                ("a", c.A), ("d", c.D)))
                assert hits[0][1] == want, (row.name, hits, want)
        else:
            assert row.expect in ours, (row.name, ours)
            assert truth == row.qemu_oa + (row.va & (row.size - 1)), (row.name, hits)
