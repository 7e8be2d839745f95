#!/usr/bin/env python3
"""How fast writephys moves bytes, next to the debuggers' own commands and
a plain memcpy, on guests this script starts itself (TCG, and KVM where
/dev/kvm is usable).  Cases run side by side in one run, alternating, and
the table gives medians of several runs, ratios first.  Every byte written
is checked through QMP.

    python3 bench/bench.py             8 and 64 MiB, the direct rows at 512 MiB,
                                       16 MiB of scattered pages; 5 runs
    python3 bench/bench.py --short     1 MiB, 1 run: what CI runs, so it cannot rot

It also times searchphys over all RAM of a 4 GiB guest (direct) and over
64 MiB through the stub next to GDB's `dump binary memory`, and ptdump of
Debian's own x86-64 kernel (the Linux-guest test's), both routes.

Public tools only: QEMU, GDB, LLDB and the plugins built in build/."""
import argparse
import base64
import ctypes
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from harness import BUILD, LLDB, LLDB_PLUGIN, Qemu, require, run_gdb  # noqa: E402

ADDR = 0x1000000  # real mode at reset: the debuggers' own addresses are physical
KVM = os.access("/dev/kvm", os.R_OK | os.W_OK)
# Each session first pays the one-time costs of a stop (route probes,
# QEMU's map) with a 1-byte write and read, not timed.
WARM = ["writephys 0x1000 0", "readphys 0x1000 --length 1"]


def gdb_times(guest, commands):
    """Seconds per command, timed inside GDB."""
    r = run_gdb(commands, port=guest.port, timeout=1800)
    for x in r:
        assert x["error"] is None, x
    return [x["seconds"] for x in r]


def lldb_times(guest, commands):
    """LLDB prints no timings: each command's time runs from its echo to the
    next command's, on LLDB's output read as it comes."""
    lines = commands + ["process detach"]
    args = [require(LLDB), "--no-lldbinit", "-b", "-o", "plugin load " + LLDB_PLUGIN,
            "-o", "gdb-remote 127.0.0.1:%d" % guest.port]
    for c in lines:
        args += ["-o", c]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True)
    seen = [(time.monotonic(), line) for line in proc.stdout]
    proc.wait()
    text = "".join(line for _, line in seen)
    # Debian's LLDB 14 prints a Python traceback at start-up; only our
    # commands' failures count.
    assert "error:" not in text.split("gdb-remote", 1)[1], text
    stamps = [next(t for t, line in seen if line.startswith("(lldb) " + c)) for c in lines]
    return [b - a for a, b in zip(stamps, stamps[1:])]


def memcpy_seconds(size):
    src = ctypes.create_string_buffer(os.urandom(size), size)
    dst = ctypes.create_string_buffer(size)
    ctypes.memmove(dst, src, size)  # touch the pages first
    start = time.perf_counter()
    ctypes.memmove(dst, src, size)
    return time.perf_counter() - start


class _Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def vm_write_seconds(guest, data, addr):
    """The floor: process_vm_writev of the same bytes into QEMU's RAM, at
    the host address QEMU's monitor gives (gpa2hva), from a warm buffer."""
    hva = int(re.search(r"is (0x[0-9a-f]+)", guest.monitor("gpa2hva %#x" % addr)).group(1), 16)
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    buf = ctypes.create_string_buffer(data, len(data))
    local, remote = _Iovec(ctypes.addressof(buf), len(data)), _Iovec(hva, len(data))
    best = None
    for _ in range(3):
        start = time.perf_counter()
        n = libc.process_vm_writev(guest.proc.pid, ctypes.byref(local), 1, ctypes.byref(remote),
                                   1, 0)
        took = time.perf_counter() - start
        assert n == len(data), ctypes.get_errno()
        best = took if best is None else min(best, took)
    return best


def pread_to_file_seconds(guest, size, addr, path):
    """A raw read of QEMU's memory (/proc/PID/mem) into a file, 1 MiB at a time."""
    hva = int(re.search(r"is (0x[0-9a-f]+)", guest.monitor("gpa2hva %#x" % addr)).group(1), 16)
    start = time.perf_counter()
    with open("/proc/%d/mem" % guest.proc.pid, "rb", buffering=0) as mem, \
            open(path, "wb", buffering=0) as out:
        for off in range(0, size, 1 << 20):
            out.write(os.pread(mem.fileno(), min(1 << 20, size - off), hva + off))
    return time.perf_counter() - start


def stop_cost_ms(debugger, iterations=50, kvm=False):
    """A 4-byte write right after each stop: stepi alone, then stepi and each
    form of the write, in one session.  The guest loops at
    physical 0x7000 (real mode; nop, then a jump back to it): a step always
    ends, and moves the pc (LLDB steps on until it moves)."""
    forms = ["", "set {int}0x2000 = 5" if debugger == "gdb" else
             "memory write -s 4 0x2000 5", "writephys -d 0x2000 5"]
    if not kvm:  # under KVM auto is the direct route
        forms += ["writephys --backend qemu -d 0x2000 5", "writephys --backend direct -d 0x2000 5"]
    accel = ["-accel", "kvm"] if kvm else []
    step = "stepi" if debugger == "gdb" else "thread step-inst"
    setup = ["writephys 0x7000 0x90 0xeb 0xfd"] + (
        ["set $cs = 0x700", "set $eip = 0", step] if debugger == "gdb" else
        ["register write cs 0x700", "register write rip 0", step])
    out = {}
    if debugger == "gdb":
        lines = list(setup)
        for form in forms:
            for _ in range(iterations):
                lines += [step, form] if form else [step]
        with Qemu("x86_64", accel) as guest:
            times = gdb_times(guest, lines)[len(setup):]
            assert guest.pmemsave(0x2000, 4) == (5).to_bytes(4, "little")
        at = 0
        for form in forms:
            n = iterations * (2 if form else 1)
            out[form or step] = sum(times[at:at + n]) / iterations * 1000
            at += n
    else:
        # LLDB's batch output comes in one piece and its Python is broken in
        # Debian 12: whole runs, each form's against the steps alone, the
        # median of three.
        for form in forms:
            runs = []
            for _ in range(3):
                with Qemu("x86_64", accel) as guest:
                    lines = setup + ([step, form] if form else [step]) * iterations
                    start = time.perf_counter()
                    lldb_times(guest, lines)
                    runs.append(time.perf_counter() - start)
            out[form or step] = statistics.median(runs) / iterations * 1000
    base = out.pop(step)
    if debugger == "lldb":
        return {k: v - base for k, v in out.items()}, float("nan")
    return {k: v - base for k, v in out.items()}, base


def pci_seconds():
    """`pci` on q35 with ten devices, after the setup its firmware would do."""
    sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
    from test_pci import MACHINES, firmware  # noqa: E402
    more = []
    for i in range(6):
        more += ["-device", "virtio-rng-pci,addr=%#x" % (0x6 + i)]
    with Qemu("x86_64", machine=MACHINES["q35"][0] + more) as guest:
        return gdb_times(guest, firmware("q35") + ["pci --backend qemu"])[-1]


def dap_read_ms(backend, reads):
    """A 64 KiB readMemory through writephys-dap over lldb-vscode-14, timed
    at the client (request to response), median of `reads`; the route set
    in the console (`writephys-settings set backend`)."""
    from dap import DapClient  # noqa: E402
    with Qemu("x86_64", ram_mb=128) as guest, DapClient(layer=True) as client:
        client.attach_and_pause(guest.port, LLDB_PLUGIN)
        r = client.request("evaluate", expression="`writephys-settings set backend " + backend,
                           context="repl")
        assert "error" not in r["body"]["result"], r
        times = []
        for i in range(reads + 1):
            start = time.perf_counter()
            r = client.request("readMemory", memoryReference="phys:%#x" % (ADDR + i * 0x10000),
                               count=0x10000)
            times.append(time.perf_counter() - start)
            assert r["success"] and "unreadableBytes" not in r["body"], r
        got = base64.b64decode(r["body"]["data"])
        assert got == guest.pmemsave(ADDR + reads * 0x10000, 0x10000)
    return statistics.median(times[1:]) * 1000  # the first pays the stop's probes


def packets_per_small_write(options):
    """From GDB's own packet log: what the 3rd of three 4-byte writes sends."""
    gdb_plugin = os.path.join(os.path.dirname(LLDB_PLUGIN), "..", "plugin-gdb", "writephys.py")
    with Qemu("x86_64") as guest:
        args = [require("gdb"), "-nx", "-batch", "-ex", "source " + gdb_plugin,
                "-ex", "target remote 127.0.0.1:%d" % guest.port,
                "-ex", "writephys %s -d 0x2000 1" % options,
                "-ex", "writephys %s -d 0x2000 2" % options,
                "-ex", "set debug remote 1", "-ex", "writephys %s -d 0x2000 3" % options,
                "-ex", "set debug remote 0"]
        proc = subprocess.run(args, capture_output=True, text=True)
        assert guest.pmemsave(0x2000, 4) == (3).to_bytes(4, "little")
    log = proc.stderr.split("set debug remote 0")[0]
    return len(re.findall(r"Sending packet: \$", log))


def ram_regions(guest):
    """The guest's RAM as QEMU's own flat view of system memory lists it:
    (first, last) pairs, inclusive."""
    text = guest.monitor("info mtree -f").split('AS "memory"', 1)[1].split("FlatView", 1)[0]
    return [(int(a, 16), int(b, 16)) for a, b in
            re.findall(r"^\s*([0-9a-f]{16})-([0-9a-f]{16}) \(prio \d+, ram\)", text, re.M)]


def fill_random(guest, first, last, block_path, block_size):
    """Random bytes over [first, last], one block file written again and
    again through the direct route (untimed): the search reads real pages."""
    lines = []
    for at in range(first, last + 1, block_size):
        n = min(block_size, last + 1 - at)
        lines.append("writephys --backend direct --no-verify --file %s%s %#x"
                     % (block_path, "" if n == block_size else " --length %d" % n, at))
    return lines


def pread_seconds(guest, regions):
    """The floor: /proc/PID/mem read 1 MiB at a time into one buffer, over
    the same RAM, at the host addresses QEMU's monitor gives (gpa2hva)."""
    buf = bytearray(1 << 20)
    start = time.perf_counter()
    with open("/proc/%d/mem" % guest.proc.pid, "rb", buffering=0) as mem:
        for first, last in regions:
            hva = int(re.search(r"is (0x[0-9a-f]+)",
                                guest.monitor("gpa2hva %#x" % first)).group(1), 16)
            for off in range(0, last + 1 - first, 1 << 20):
                n = min(1 << 20, last + 1 - first - off)
                os.preadv(mem.fileno(), [memoryview(buf)[:n]], hva + off)
    return time.perf_counter() - start


NEEDLE = "WP-BENCH-NEEDLE!"   # 16 bytes; random data holds it with odds 2^-128


def search_hit(output, at):
    """The one hit searchphys must report: the needle planted at `at`."""
    hits = re.findall(r"^0x([0-9a-f]+): ", output, re.M)
    assert hits == ["%x" % at] and "searchphys: 1 hit in " in output, output[-500:]
    return int(re.search(r"\((\d+) bytes searched\)", output).group(1))


def search_rows(ram_mib, stub_mib, runs):
    """searchphys of all RAM through direct, against the /proc/PID/mem floor;
    and of [1 MiB, 1 MiB + stub_mib) through the stub, against GDB's own
    `dump binary memory` of the same range.  Random data, one planted hit."""
    rows, searched = {}, {}
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(dir=shm) as d:
        block, dump = os.path.join(d, "block"), os.path.join(d, "dump")
        block_size = min(64 << 20, max(ram_mib, stub_mib) << 20)
        with open(block, "wb") as f:
            f.write(os.urandom(block_size))
        with Qemu("x86_64", ram_mb=ram_mib) as g:
            regions = ram_regions(g)
            fill = []
            for first, last in regions:
                if last >= 0x1000000:   # above 16 MiB: the low ranges stay as QEMU made them
                    fill += fill_random(g, max(first, 0x1000000), last, block, block_size)
            plant = regions[-1][1] + 1 - 0x1000 + 3
            lines = fill + ['writephys --backend direct --string "%s" %#x' % (NEEDLE, plant)]
            lines += ["searchphys --backend direct --string %s" % NEEDLE] * runs
            r = run_gdb(lines, port=g.port, timeout=3600)
            for x in r:
                assert x["error"] is None, x
            assert g.pmemsave(plant, len(NEEDLE)) == NEEDLE.encode()
            searched["direct"] = search_hit(r[-1]["output"], plant)
            rows["searchphys direct"] = [x["seconds"] for x in r[len(lines) - runs:]]
            rows["pread floor"] = [pread_seconds(g, regions) for _ in range(runs)]
        stub_len = stub_mib << 20
        with Qemu("x86_64", ram_mb=stub_mib + 32) as g:
            lo = 0x100000
            plant = lo + stub_len - 0x1000 + 3
            lines = fill_random(g, lo, lo + stub_len - 1, block, block_size) + [
                'writephys --backend direct --string "%s" %#x' % (NEEDLE, plant),
                "writephys 0x1000 0", "readphys 0x1000 --length 1"]   # the stop's one-time costs
            search = "searchphys --backend qemu --start %#x --length %d --string %s" % (
                lo, stub_len, NEEDLE)
            for _ in range(runs):
                lines += [search, "dump binary memory %s %#x %#x" % (dump, lo, lo + stub_len)]
            r = run_gdb(lines, port=g.port, timeout=3600)
            for x in r:
                assert x["error"] is None, x
            timed = r[len(lines) - 2 * runs:]
            searched["stub"] = search_hit(timed[0]["output"], plant)
            rows["searchphys stub"] = [x["seconds"] for x in timed[0::2]]
            rows["gdb dump binary memory"] = [x["seconds"] for x in timed[1::2]]
            assert os.path.getsize(dump) == stub_len
            assert g.pmemsave(plant, len(NEEDLE)) == NEEDLE.encode()
    return {k: statistics.median(v) for k, v in rows.items()}, searched


def report_search(ram_mib, stub_mib, m, searched):
    gib = 1 << 30
    print("searchphys --string, random data, one hit (GDB, TCG):")
    print("    %-48s %8.3f s %8.2f GiB/s" % ("direct, all RAM of a %d MiB guest" % ram_mib,
                                            m["searchphys direct"],
                                            searched["direct"] / gib / m["searchphys direct"]))
    print("    %-48s %8.3f s %8.2f GiB/s" % ("/proc/PID/mem read of the same RAM (floor)",
                                            m["pread floor"],
                                            searched["direct"] / gib / m["pread floor"]))
    mib = searched["stub"] / (1 << 20)
    print("    %-48s %8.3f s %8.1f MiB/s" % ("stub, %d MiB from 1 MiB up" % stub_mib,
                                            m["searchphys stub"], mib / m["searchphys stub"]))
    print("    %-48s %8.3f s %8.1f MiB/s" % ("gdb dump binary memory, the same range",
                                            m["gdb dump binary memory"],
                                            mib / m["gdb dump binary memory"]))
    print("  %-55s %8.2fx" % ("searchphys stub / dump binary memory", m["searchphys stub"] /
                              m["gdb dump binary memory"]))


def ptdump_rows(modes, runs):
    """ptdump of Debian's own x86-64 kernel's tables (the Linux-guest test's
    kernel, KASLR on), through direct and through the stub, alternating."""
    sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
    import linux_guest  # noqa: E402
    from test_linux import boot  # noqa: E402
    files = linux_guest.build(os.path.join(BUILD, "linux-guest"))
    out = []
    for paging in modes:
        qemu, _ = boot(files, "no5lvl" if paging == "4-level" else "")
        with qemu:
            lines = ["ptdump --backend direct", "ptdump --backend qemu"] * runs
            r = run_gdb(lines, port=qemu.port, timeout=1800)
        for x in r:
            assert x["error"] is None and x["output"] == r[0]["output"], x["command"]
        m = re.search(r"^ptdump: (\d+) ranges .*, (\d+) table pages read \((.*)\)$",
                      r[0]["output"], re.M)
        assert m and m.group(3) == "x86-64 " + paging, r[0]["output"][-300:]
        out.append((paging, int(m.group(1)), int(m.group(2)),
                    statistics.median(x["seconds"] for x in r[0::2]),
                    statistics.median(x["seconds"] for x in r[1::2])))
    return out


def report_ptdump(rows):
    print("ptdump of Debian's x86-64 kernel (512 MiB guest, TCG; GDB):")
    for paging, ranges, pages, direct, stub in rows:
        print("    %-8s %6d ranges, %5d table pages read: direct %7.3f s, stub %7.3f s"
              % (paging, ranges, pages, direct, stub))


def direct_rows(size, blob, back, dump, data, ram, add):
    """The direct route named, under TCG, against the memory's floor.
    QEMU's pages are touched first (untimed), as process_vm_writev's are."""
    with Qemu("x86_64", ram_mb=ram) as g:
        t = gdb_times(g, WARM + [
            "writephys --backend direct --no-verify --fill --length %d %#x 0" % (size, ADDR),
            "writephys --backend direct --file %s %#x" % (blob, ADDR),
            "writephys --backend direct --no-verify --file %s %#x" % (blob, ADDR),
            "writephys --backend direct --fill --length %d %#x 0x5a" % (size, ADDR),
            "readphys --backend direct %#x --length %d --output %s" % (ADDR, size, back)])[3:]
        assert g.pmemsave(ADDR, size) == b"\x5a" * size
        add("process_vm_writev", vm_write_seconds(g, data, ADDR))
        add("pread to file", pread_to_file_seconds(g, size, ADDR, dump))
    for name, s in zip(["direct writephys --file (verified)", "direct writephys --file --no-verify",
                        "direct writephys --fill (verified)", "direct readphys --output"], t):
        add(name, s)


# A 4-level x86-64 map the bench builds: virtual SCATTERED.. onto frames
# chosen at random from a pool twice the size, virtual CONTIGUOUS.. onto
# consecutive frames, both in 4 KiB pages (so both walks read as many
# entries).  Tables from 0x10000; PTs for the scattered range at 0x20000.
SCATTERED, CONTIGUOUS = 0x40000000, 0x80000000
POOL, LINEAR = 0x2000000, 0x6000000


def page_tables(size, frames):
    """The tables (one blob at 0x10000) mapping size bytes at SCATTERED onto
    frames and at CONTIGUOUS onto LINEAR.."""
    npt = (size + (1 << 21) - 1) >> 21  # one PT maps 2 MiB
    pt_scattered, pt_linear = 0x20000, 0x20000 + npt * 0x1000
    blob = bytearray(pt_linear + npt * 0x1000 - 0x10000)

    def entry(at, value):
        blob[at - 0x10000:at - 0x10000 + 8] = (value | 3).to_bytes(8, "little")  # P | RW
    entry(0x10000, 0x11000)                               # PML4[0] -> PDPT
    entry(0x11000 + 8 * (SCATTERED >> 30), 0x12000)       # PDPT -> PD of each range
    entry(0x11000 + 8 * (CONTIGUOUS >> 30), 0x13000)
    for i in range(npt):
        entry(0x12000 + 8 * i, pt_scattered + i * 0x1000)
        entry(0x13000 + 8 * i, pt_linear + i * 0x1000)
    for i, frame in enumerate(frames):
        entry(pt_scattered + 8 * i, frame)
        entry(pt_linear + 8 * i, LINEAR + i * 0x1000)
    return bytes(blob)


def long_mode():
    """CR3, CR4.PAE and EFER.LME, then CR0.PG (raw P packets: GDB cannot
    assign these registers), as tests/integration/test_vtop.py does."""
    regs = [(0x1d, 0x10000), (0x1e, 0x20), (0x20, 0x900), (0x1b, 0x80000011)]
    return ["maint packet P%x=%s" % (n, v.to_bytes(8, "little").hex()) for n, v in regs] + \
        ["maint flush register-cache"]


def virtual_rows(size_mib, runs):
    """readphys --virtual over size_mib of scattered 4 KiB pages: through
    direct against the same bytes contiguous (virtually, and physically),
    and through the stub against GDB's dump binary memory of the range."""
    import random
    size = size_mib << 20
    rows = {}
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(dir=shm) as d:
        tables, pool, dump = (os.path.join(d, n) for n in ("tables", "pool", "dump"))
        out = [os.path.join(d, "out%d" % i) for i in range(3)]
        for _ in range(runs):
            pages = size >> 12
            frames = [POOL + (n << 12) for n in random.sample(range(2 * pages), pages)]
            memory = os.urandom(2 * size)
            with open(tables, "wb") as f:
                f.write(page_tables(size, frames))
            with open(pool, "wb") as f:
                f.write(memory)
            want = b"".join(memory[fr - POOL:fr - POOL + 4096] for fr in frames)
            with Qemu("x86_64", ["-cpu", "max"], ram_mb=256) as g:
                setup = ["writephys --file %s 0x10000" % tables,
                         "writephys --backend direct --file %s %#x" % (pool, POOL),
                         "writephys --backend direct --no-verify --fill --length %d %#x 0"
                         % (size, LINEAR)] + long_mode() + WARM
                t = gdb_times(g, setup + [
                    "readphys --backend direct --virtual %#x --length %d --output %s"
                    % (SCATTERED, size, out[0]),
                    "readphys --backend direct --virtual %#x --length %d --output %s"
                    % (CONTIGUOUS, size, out[1]),
                    "readphys --backend direct %#x --length %d --output %s"
                    % (LINEAR, size, out[1]),
                    "readphys --backend qemu --virtual %#x --length %d --output %s"
                    % (SCATTERED, size, out[2]),
                    "dump binary memory %s %#x %#x" % (dump, SCATTERED, SCATTERED + size)])
                t = t[len(setup):]
            for path in (out[0], out[2], dump):
                with open(path, "rb") as f:
                    assert f.read() == want, path
            for name, s in zip(["direct --virtual scattered", "direct --virtual contiguous",
                                "direct physical contiguous", "stub --virtual scattered",
                                "gdb dump binary memory (virtual)"], t):
                rows.setdefault(name, []).append(s)
    return {k: statistics.median(v) for k, v in rows.items()}


def debugger_rows(size, blob, back, dump, data, ram, add):
    """GDB's and LLDB's own commands beside writephys' forms, through the
    stub and (where /dev/kvm is) under KVM; and memcpy, the floor."""
    end = ADDR + size
    # GDB on TCG: alternating its own command and writephys' forms.
    with Qemu("x86_64", ram_mb=ram) as g:
        t = gdb_times(g, WARM + ["restore %s binary %#x" % (blob, ADDR),
                          "writephys --no-verify --file %s %#x" % (blob, ADDR),
                          "writephys --file %s %#x" % (blob, ADDR),
                          "dump binary memory %s %#x %#x" % (dump, ADDR, end),
                          "readphys %#x --length %d --output %s" % (ADDR, size, back),
                          "readphys --backend qemu %#x --length %d --output %s"
                          % (ADDR, size, back),
                          "writephys --fill --length %d %#x 0x5a" % (size, ADDR)])[2:]
        assert g.pmemsave(ADDR, size) == b"\x5a" * size
    for name, s in zip(["gdb restore", "gdb writephys --no-verify",
                        "gdb writephys (verified)", "gdb dump binary memory",
                        "gdb readphys --output", "gdb readphys --output (stub)",
                        "gdb writephys --fill"], t):
        add(name, s)
    with open(dump, "rb") as f1, open(back, "rb") as f2:
        assert f1.read() == data and f2.read() == data
    # LLDB on TCG.
    with Qemu("x86_64", ram_mb=ram) as g:
        t = lldb_times(g, WARM + ["memory write -i %s %#x" % (blob, ADDR),
                                  "writephys --no-verify --file %s %#x" % (blob, ADDR),
                                  "writephys --file %s %#x" % (blob, ADDR)])[2:]
        assert g.pmemsave(ADDR, size) == data
    for name, s in zip(["lldb memory write -i", "lldb writephys --no-verify",
                        "lldb writephys (verified)"], t):
        add(name, s)
    if KVM:
        with Qemu("x86_64", ["-accel", "kvm"], ram_mb=ram) as g:
            t = gdb_times(g, WARM + ["restore %s binary %#x" % (blob, ADDR),
                                     "writephys --file %s %#x" % (blob, ADDR),
                                     "readphys %#x --length %d --output %s"
                                     % (ADDR, size, back)])[2:]
            assert g.pmemsave(ADDR, size) == data
        for name, s in zip(["kvm gdb restore", "kvm gdb writephys direct (verified)",
                            "kvm gdb readphys --output direct"], t):
            add(name, s)
    add("memcpy", memcpy_seconds(size))


def run(size_mib, runs, tables=(debugger_rows, direct_rows)):
    """Medians of runs of each table's rows for size_mib of random bytes
    (the large sizes take the direct rows alone: the stub would take
    minutes)."""
    size = size_mib << 20
    rows = {}

    def add(name, seconds):
        rows.setdefault(name, []).append(seconds)

    # Files in memory (tmpfs) where there is one: the figures are about
    # moving guest memory, and every tool reads or writes the same files.
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(dir=shm) as d:
        blob, back, dump = (os.path.join(d, n) for n in ("blob", "back", "dump"))
        for _ in range(runs):
            data = os.urandom(size)
            with open(blob, "wb") as f:
                f.write(data)
            for table in tables:
                table(size, blob, back, dump, data, max(256, 2 * size_mib + 32), add)
    return {k: statistics.median(v) for k, v in rows.items()}


def report(size_mib, m):
    ratios = [
        ("writephys --no-verify / restore (GDB, TCG)", "gdb writephys --no-verify",
         "gdb restore"),
        ("writephys verified / restore (GDB, TCG)", "gdb writephys (verified)", "gdb restore"),
        ("writephys --no-verify / memory write -i (LLDB, TCG)", "lldb writephys --no-verify",
         "lldb memory write -i"),
        ("writephys verified / memory write -i (LLDB, TCG)", "lldb writephys (verified)",
         "lldb memory write -i"),
        ("readphys --output direct / dump binary memory (TCG)", "gdb readphys --output",
         "gdb dump binary memory"),
        ("readphys --output stub / dump binary memory (TCG)", "gdb readphys --output (stub)",
         "gdb dump binary memory"),
        ("direct --file verified / process_vm_writev (TCG)", "direct writephys --file (verified)",
         "process_vm_writev"),
        ("direct --file --no-verify / process_vm_writev (TCG)",
         "direct writephys --file --no-verify", "process_vm_writev"),
        ("direct --fill verified / process_vm_writev (TCG)", "direct writephys --fill (verified)",
         "process_vm_writev"),
        ("restore / direct --file verified (TCG)", "gdb restore",
         "direct writephys --file (verified)"),
        ("direct readphys --output / pread to file (TCG)", "direct readphys --output",
         "pread to file"),
        ("restore / writephys direct verified (KVM)", "kvm gdb restore",
         "kvm gdb writephys direct (verified)"),
        ("writephys direct verified / memcpy (KVM)", "kvm gdb writephys direct (verified)",
         "memcpy"),
    ]
    print("%d MiB, medians (%s)" % (size_mib, "TCG and KVM" if KVM else "TCG; no usable /dev/kvm"))
    for label, a, b in ratios:
        if a in m and b in m and m[b] > 0:
            print("  %-55s %8.2fx" % (label, m[a] / m[b]))
    for name in sorted(m):
        rate = size_mib / m[name] if m[name] > 0 else float("inf")
        print("    %-40s %9.4f s %10.1f MiB/s" % (name, m[name], rate))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--short", action="store_true", help="1 MiB, 1 run (CI)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="8,64", help="MiB, comma-separated")
    parser.add_argument("--search-ram", type=int, default=4096,
                        help="MiB of RAM in the guest searched through direct")
    parser.add_argument("--search-stub", type=int, default=64,
                        help="MiB searched through the stub (and dumped by GDB)")
    parser.add_argument("--direct-sizes", default="512",
                        help="MiB, comma-separated: the direct rows alone (not in --short)")
    args = parser.parse_args()
    sizes = [1] if args.short else [int(x) for x in args.sizes.split(",")]
    direct_sizes = [] if args.short else [int(x) for x in args.direct_sizes.split(",") if x]
    virtual_mib = 1 if args.short else 16
    runs = 1 if args.short else args.runs
    print("machine: %d cores, %s; files in %s" % (os.cpu_count(), os.uname().release,
                                                 "/dev/shm" if os.path.isdir("/dev/shm")
                                                 else "the temporary directory"))
    for size in sizes:
        report(size, run(size, runs))
    for size in direct_sizes:
        report(size, run(size, runs, (direct_rows,)))
    v = virtual_rows(virtual_mib, runs)
    print("readphys --virtual --output, %d MiB in 4 KiB pages (TCG), medians:" % virtual_mib)
    for label, a, b in (("direct, scattered / contiguous virtual", "direct --virtual scattered",
                         "direct --virtual contiguous"),
                        ("direct, scattered / contiguous physical", "direct --virtual scattered",
                         "direct physical contiguous"),
                        ("stub (qemu), scattered / GDB dump binary memory",
                         "stub --virtual scattered", "gdb dump binary memory (virtual)")):
        print("  %-55s %8.2fx" % (label, v[a] / v[b]))
    for name in sorted(v):
        print("    %-40s %9.4f s" % (name, v[name]))
    print("pci on q35 with 14 functions, through the stub (GDB): %.3f s" % pci_seconds())
    ram, stub = (256, 1) if args.short else (args.search_ram, args.search_stub)
    report_search(ram, stub, *search_rows(ram, stub, runs))
    report_ptdump(ptdump_rows(["5-level"] if args.short else ["5-level", "4-level"], runs))
    reads = 3 if args.short else 20
    print("readMemory of 64 KiB through writephys-dap (lldb-vscode-14, TCG), median of %d: "
          "direct %.1f ms (target < 50 ms), stub %.1f ms (target < 500 ms)"
          % (reads, dap_read_ms("direct", reads), dap_read_ms("qemu", reads)))
    # Under KVM, LLDB 14's `thread step-inst` of this real-mode loop does
    # not return: GDB only.
    for debugger, kvm in [("gdb", False), ("lldb", False)] + ([("gdb", True)] if KVM else []):
        extra, base = stop_cost_ms(debugger, 5 if args.short else 50, kvm)
        print("after each stop (%s, %s%s), added per 4-byte write:"
              % (debugger, "KVM" if kvm else "TCG",
                 "; a step alone %.2f ms" % base if base == base else ""))
        for form, ms in extra.items():
            print("    %-45s %+8.2f ms" % (form, ms))
    for options, what in (("--backend qemu", "qemu route, verified"),
                          ("--backend qemu --no-verify", "qemu route, --no-verify"),
                          ("", "auto under TCG, a 4-byte read-back through the stub")):
        print("packets per repeated 4-byte write (GDB's log), %s: %d and the map query "
              "(GDB logs its qRcmd inside the monitor output the plugin captures)"
              % (what, packets_per_small_write(options)))


if __name__ == "__main__":
    main()
