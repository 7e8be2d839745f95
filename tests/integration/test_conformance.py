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
