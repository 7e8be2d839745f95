"""vtop, readphys --virtual, ptov and ptdump on Debian's own arm64 kernel
(linux-image-arm64, KASLR on) booted under TCG on `-M virt -cpu max` to a
busybox shell, on the TTBR0 (the shell's) and TTBR1 (the kernel's) tables
as the kernel built them.  QEMU is the oracle, through QMP: HMP's gva2gpa
at both ends of every range ptdump prints and at every alias ptov names
(and at EL0, for the user/kernel flag), pmemsave for the bytes readphys
shows; the same lines give the same text in GDB and LLDB.

The guest is paused through QMP before the first session and stays paused
until the last: GDB leaves by `disconnect` (QEMU 7.2 resumes the guest on
a detach, not on a dropped connection), so every session sees the same
tables, and LLDB finds no stop reply racing its handshake (which it takes
for a broken one) because the guest is already stopped when it connects."""
import os
import re
import sys

import pytest

from harness import BUILD, ROOT, Qemu, run_gdb, run_text
from test_ptdump import ALIAS, boundaries, gpa

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import linux_guest  # noqa: E402

# aarch64's flags as ptdump prints them: rw/ro, user/kernel, then uxn, pxn
# or x (executable at both levels).
RANGE = re.compile(r"^0x([0-9a-f]+)-0x([0-9a-f]+) -> 0x([0-9a-f]+)-0x([0-9a-f]+)  "
                   r"(\d+ [KMG]iB)  (r[ow]) (user|kernel)((?: uxn)?(?: pxn)?(?: x)?)$", re.M)
TTBR1_BASE = 0xffff000000000000   # the kernel's 48-bit upper half


@pytest.fixture(scope="module")
def guest_files():
    return linux_guest.build_arm64(os.path.join(BUILD, "linux-guest-arm64"))


def ranges_of(text):
    return [(int(m.group(1), 16), int(m.group(2), 16), int(m.group(3), 16), m.group(6),
             m.group(7), m.group(8).split()) for m in RANGE.finditer(text)]


def gdb_session(qemu, lines):
    """One GDB session on the paused guest, which it leaves paused."""
    return [r["error"] + "\n" if r["error"] is not None else r["output"]
            for r in run_gdb(lines + ["disconnect"], port=qemu.port, gdb=qemu.gdb)][:-1]


def gva2gpa(qemu, addresses, pstate, el0=False):
    """QEMU's own translations (HMP gva2gpa through QMP) of the addresses,
    as the CPU sees them at EL1 with PSTATE.PAN clear: every valid stage-1
    entry of either half is then readable, where at EL0 (kernel pages) or
    with PAN set (user pages) QEMU's translation refuses some; or at EL0
    (None where EL0 may not read).  A GDB session sets PSTATE and leaves
    the guest paused; PSTATE is put back to `pstate` after."""
    mode = (pstate & ~0x40000f) | (0 if el0 else 5)   # EL0t or EL1h, PAN clear
    gdb_session(qemu, ["set $cpsr = %#x" % mode])
    out = [gpa(qemu.monitor("gva2gpa %#x" % va)) for va in addresses]
    gdb_session(qemu, ["set $cpsr = %#x" % pstate])
    return out


def test_arm64_kernel_vtop_ptdump_ptov_match_qemu(guest_files):
    image, initrd = guest_files
    with Qemu("aarch64", machine=["-M", "virt", "-cpu", "max", "-kernel", image, "-initrd",
                                  initrd, "-append", "console=ttyAMA0 quiet panic=-1"],
              ram_mb=256, serial=True) as qemu:
        qemu.execute("cont")
        text = qemu.read_serial_until("WP-SYMS-END")
        qemu.execute("stop")
        syms = {}
        for line in text.split("WP-SYMS-BEGIN", 1)[1].splitlines():
            parts = line.split()
            if len(parts) == 3:
                syms[parts[2]] = int(parts[0], 16)
        stext, schedule = syms["_stext"], syms["schedule"]
        lines = ["vtop --walk %#x" % stext, "vtop %#x" % schedule,
                 "readphys --virtual %#x --length 64" % schedule, "ptdump",
                 "ptdump --backend qemu", "ptdump --filter wx", "ptdump --filter x,user",
                 "ptdump --range 0x0-0xffffffffffff"]
        gdb_out = gdb_session(qemu, lines + ["p/x $cpsr"])
        pstate = int(gdb_out.pop().split("=")[1], 16)
        walk, vtop, read, dump, dump_stub, wx, user_x, low = gdb_out
        assert walk.startswith("vtop: aarch64 4K TTBR1 walk of %#x\n" % stext), walk
        ranges = ranges_of(dump)
        assert re.search(r"\nptdump: %d ranges \(0x[0-9a-f]+ bytes mapped\), \d+ table pages "
                         r"read \(aarch64 4K TTBR0\+TTBR1\)\n$" % len(ranges), dump), dump[-300:]
        assert dump.count("\n") == len(ranges) + 1, dump
        assert dump_stub == dump
        # Both halves: the shell's own pages (TTBR0) and the kernel's.
        user = [r for r in ranges if r[1] < TTBR1_BASE]
        kernel = [r for r in ranges if r[0] >= TTBR1_BASE]
        assert len(user) > 5 and len(kernel) > 20 and len(user) + len(kernel) == len(ranges)
        assert all(r[4] == "user" for r in user) and all(r[4] == "kernel" for r in kernel)
        assert ranges_of(low) == user, low
        # Kernel text: executable at EL1 only, read-only; the shell's code
        # at EL0 only; nothing writable and executable (the kernel's W^X).
        assert any(r[0] <= stext <= r[1] and r[3] == "ro" and r[5] == ["uxn"] for r in kernel)
        assert ranges_of(user_x) == [r for r in user if "uxn" not in r[5]] != []
        assert all(r[5] == ["pxn"] for r in ranges_of(user_x)), user_x
        assert ranges_of(wx) == [] and "ptdump: 0 ranges" in wx, wx
        # QEMU's own walk at both ends of every range and at the symbols;
        # and at EL0, which reads the user ranges and no kernel one.
        points = boundaries(ranges) + [stext, schedule]
        truth = gva2gpa(qemu, points, pstate)
        el0 = gva2gpa(qemu, [r[0] for r in ranges], pstate, el0=True)
        assert [r[4] for r in ranges] == ["kernel" if t is None else "user" for t in el0]
        wrong = [(hex(va), got, want) for va, got, want in zip(
            points, truth, [v for r in ranges for v in (r[2], r[2] + r[1] - r[0])])
            if got != want]
        assert not wrong, wrong[:10]
        text_phys, sched_phys = truth[-2:]
        m = re.search(r"^vtop: %#x -> physical (0x[0-9a-f]+) \(4 KiB page, ro, kernel, uxn\)$"
                      % schedule, vtop, re.M)
        assert m and int(m.group(1), 16) == sched_phys, (vtop, hex(sched_phys))
        assert walk.endswith("-> physical %#x (4 KiB page, ro, kernel, uxn)\n" % text_phys), walk
        want = qemu.pmemsave(sched_phys, 64)
        shown = bytes.fromhex("".join(re.findall(r"^[0-9a-f]{16}  (.*?)  \|", read, re.M))
                              .replace(" ", ""))
        assert shown == want and read.endswith(
            "readphys: virtual %#x (physical %#x)\n" % (schedule, sched_phys)), read
        # ptov of the frames of the two text symbols: the symbol's own
        # address, and its alias in the linear map; QEMU agrees with each.
        more = ["ptov --all %#x" % text_phys, "ptov %#x --length 16 --backend qemu" % sched_phys]
        ptov_text, ptov_sched = gdb_session(qemu, more)
        aliases = [int(m.group(1), 16) for m in ALIAS.finditer(ptov_text)]
        sched_aliases = [int(m.group(1), 16) for m in ALIAS.finditer(ptov_sched)]
        assert stext in aliases and schedule in sched_aliases, (ptov_text, ptov_sched)
        assert len(aliases) >= 2 and len(sched_aliases) >= 2, (ptov_text, ptov_sched)
        assert "ptov: %d virtual addresses map physical %#x; " % (len(aliases), text_phys) \
            in ptov_text, ptov_text
        assert gva2gpa(qemu, aliases + sched_aliases, pstate) == \
            [text_phys] * len(aliases) + [sched_phys] * len(sched_aliases)
        # The same lines in LLDB, same text (LLDB's detach resumes the guest).
        assert run_text("lldb", lines + more, port=qemu.port) == gdb_out + [ptov_text, ptov_sched]
