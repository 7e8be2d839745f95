#!/usr/bin/env python3
"""How fast writephys moves bytes, next to the debuggers' own commands and
a plain memcpy, on guests this script starts itself (TCG, and KVM where
/dev/kvm is usable).  Cases run side by side in one run, alternating, and
the table gives medians of several runs, ratios first.  Every byte written
is checked through QMP.

    python3 bench/bench.py             8 and 64 MiB, 5 runs (a few minutes)
    python3 bench/bench.py --short     1 MiB, 1 run: what CI runs, so it cannot rot

Public tools only: QEMU, GDB, LLDB and the plugins built in build/."""
import argparse
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
from harness import LLDB, LLDB_PLUGIN, Qemu, require, run_gdb  # noqa: E402

ADDR = 0x1000000  # real mode at reset: the debuggers' own addresses are physical
KVM = os.access("/dev/kvm", os.R_OK | os.W_OK)


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


def run(size_mib, runs):
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
            ram = max(256, 2 * size_mib + 32)
            end = ADDR + size
            # GDB on TCG: alternating its own command and writephys' forms.
            # Each session first pays the one-time costs of a stop (route
            # probes, QEMU's map) with a 1-byte write and read, not timed.
            warm = ["writephys 0x1000 0", "readphys 0x1000 --length 1"]
            with Qemu("x86_64", ram_mb=ram) as g:
                t = gdb_times(g, warm + ["restore %s binary %#x" % (blob, ADDR),
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
                t = lldb_times(g, warm + ["memory write -i %s %#x" % (blob, ADDR),
                                          "writephys --no-verify --file %s %#x" % (blob, ADDR),
                                          "writephys --file %s %#x" % (blob, ADDR)])[2:]
                assert g.pmemsave(ADDR, size) == data
            for name, s in zip(["lldb memory write -i", "lldb writephys --no-verify",
                                "lldb writephys (verified)"], t):
                add(name, s)
            if KVM:
                with Qemu("x86_64", ["-accel", "kvm"], ram_mb=ram) as g:
                    t = gdb_times(g, warm + ["restore %s binary %#x" % (blob, ADDR),
                                             "writephys --file %s %#x" % (blob, ADDR),
                                             "readphys %#x --length %d --output %s"
                                             % (ADDR, size, back)])[2:]
                    assert g.pmemsave(ADDR, size) == data
                for name, s in zip(["kvm gdb restore", "kvm gdb writephys direct (verified)",
                                    "kvm gdb readphys --output direct"], t):
                    add(name, s)
            add("memcpy", memcpy_seconds(size))
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
    args = parser.parse_args()
    sizes = [1] if args.short else [int(x) for x in args.sizes.split(",")]
    runs = 1 if args.short else args.runs
    print("machine: %d cores, %s; files in %s" % (os.cpu_count(), os.uname().release,
                                                 "/dev/shm" if os.path.isdir("/dev/shm")
                                                 else "the temporary directory"))
    for size in sizes:
        report(size, run(size, runs))
    for options, what in (("--backend qemu", "qemu route, verified"),
                          ("--backend qemu --no-verify", "qemu route, --no-verify"),
                          ("", "auto under TCG, verified through direct")):
        print("packets per repeated 4-byte write (GDB's log), %s: %d"
              % (what, packets_per_small_write(options)))


if __name__ == "__main__":
    main()
