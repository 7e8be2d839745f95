"""How fast an 8 MiB file reaches guest memory: writephys next to the
debuggers' own commands (GDB's `restore`, LLDB's `memory write -i`), on the
same QEMU guest.  The bytes are checked through QMP after every run.

Usage: python3 scripts/bench.py [--size MiB] [--runs N]"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
from harness import LLDB, LLDB_PLUGIN, Qemu, require, run_gdb  # noqa: E402

ADDR = 0x1000000   # real mode at reset: GDB's and LLDB's addresses are physical


def gdb_seconds(guest, command):
    r = run_gdb([command], port=guest.port)[0]
    assert r["error"] is None, r
    return r["seconds"]


def lldb_run(guest, extra):
    args = [require(LLDB), "--no-lldbinit", "-b", "-o", "plugin load " + LLDB_PLUGIN,
            "-o", "gdb-remote 127.0.0.1:%d" % guest.port]
    for c in extra + ["process detach"]:
        args += ["-o", c]
    start = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = time.monotonic() - start
    assert "error" not in proc.stdout.split("process detach")[0].lower(), proc.stdout
    return elapsed


def lldb_seconds(guest, command):
    """LLDB prints no timings: the run with the command minus one without,
    each on a fresh guest (see README, Troubleshooting: LLDB and a guest that
    a debugger has detached from)."""
    with Qemu("x86_64") as baseline_guest:
        baseline = lldb_run(baseline_guest, [])
    return max(0.0, lldb_run(guest, [command]) - baseline)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=8, help="MiB (default 8)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    size = args.size << 20
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "blob.bin")
        cases = [
            ("gdb   writephys --file (verified)", gdb_seconds, "writephys --file %s %#x"),
            ("gdb   writephys --file --no-verify", gdb_seconds,
             "writephys --no-verify --file %s %#x"),
            ("gdb   restore FILE binary ADDR", gdb_seconds, "restore %s binary %#x"),
            ("lldb  writephys --file (verified)", lldb_seconds, "writephys --file %s %#x"),
            ("lldb  writephys --file --no-verify", lldb_seconds,
             "writephys --no-verify --file %s %#x"),
            ("lldb  memory write -i FILE ADDR", lldb_seconds, "memory write -i %s %#x"),
        ]
        print("%d MiB to physical %#x, best of %d runs" % (args.size, ADDR, args.runs))
        for label, measure, template in cases:
            best = None
            for _ in range(args.runs):
                data = os.urandom(size)
                with open(path, "wb") as f:
                    f.write(data)
                with Qemu("x86_64") as guest:
                    seconds = measure(guest, template % (path, ADDR))
                    assert guest.pmemsave(ADDR, size) == data, label
                best = seconds if best is None else min(best, seconds)
            print("  %-38s %6.2f s  %6.1f MiB/s" % (label, best, args.size / best))


if __name__ == "__main__":
    main()
