"""ptdump and ptov on Debian's own x86-64 kernel (KASLR on, booted as in
test_linux.py): under 4-level paging (no5lvl) ptdump's ranges, merged the
way QEMU merges them, equal QEMU's `info mem`; under 5-level, where QEMU
7.2's `info mem` prints nothing, the first and last byte of every range
are checked with gva2gpa.  ptov of the frame of _text (its physical
address from gva2gpa) names _text and its direct-map alias."""
import re

import pytest

from harness import run_gdb
from test_linux import boot, guest_files  # noqa: F401  (the fixture)
from test_ptdump import boundaries, gpa, info_mem_x86, merged_like_qemu, ranges_of, ALIAS


def gdb_text(port, lines):
    return [r["error"] + "\n" if r["error"] is not None else r["output"]
            for r in run_gdb(lines, port=port, timeout=300)]


@pytest.mark.parametrize("paging", ["4-level", "5-level"])
def test_linux_ptdump_and_ptov(guest_files, paging):  # noqa: F811
    qemu, syms = boot(guest_files, "no5lvl" if paging == "4-level" else "")
    with qemu:
        text, pob = syms["_text"], syms["page_offset_base"]
        dump, info, truth, base = gdb_text(qemu.port, [
            "ptdump", "monitor info mem", "monitor gva2gpa %#x" % text,
            "output/x *(unsigned long long *)%#x" % pob])
        ranges = ranges_of(dump)
        assert re.search(r"\nptdump: %d ranges \(0x[0-9a-f]+ bytes mapped\), \d+ table pages "
                         r"read \(x86-64 %s\)\n$" % (len(ranges), paging), dump), dump[-300:]
        assert len(ranges) > 20, dump
        assert any(r[0] <= text <= r[1] and r[4] == "kernel" and r[5] == "x" for r in ranges)
        if paging == "4-level":
            assert merged_like_qemu(ranges) == info_mem_x86(info), (dump[:2000], info[:2000])
        else:
            assert info_mem_x86(info) == []   # what this check stands in for
            points = boundaries(ranges)
            # gva2gpa while the guest is stopped in this same session; the
            # kernel's own half does not change between sessions.
            out = gdb_text(qemu.port, ["monitor gva2gpa %#x" % va for va in points])
            wrong = [(hex(va), t) for va, t, want in zip(
                points, out, [v for r in ranges for v in (r[2], r[2] + r[1] - r[0])])
                if gpa(t) != want and va >= 0xff00000000000000]
            assert not wrong, wrong[:10]
        phys = gpa(truth)
        direct = int(base.strip(), 16) + phys
        ptov, found = gdb_text(qemu.port, ["ptov --all %#x" % phys,
                                           "searchphys --string 'Linux version 6.' --max 3 "
                                           "--virtual"])
        aliases = [int(m.group(1), 16) for m in ALIAS.finditer(ptov)]
        assert text in aliases and direct in aliases, (hex(text), hex(direct), ptov)
        # searchphys: the kernel's banner, each hit named at its direct-map
        # address (page_offset_base + physical, the kernel's own rule).
        hits = re.findall(r"^0x([0-9a-f]+): 4c 69 6e 75 78 20 .*\|  virtual (.*)$", found, re.M)
        assert hits and "searchphys: %d hit" % len(hits) in found, found
        for at, vas in hits:
            assert "%#x" % (int(base.strip(), 16) + int(at, 16)) in vas.split(", "), (at, vas)
