"""The main job, end to end: a small QEMU guest, physical writes and reads
from GDB (and LLDB, when its plugin is built), and QEMU's own view of the
bytes through QMP, which is not our code."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
from harness import LLDB_PLUGIN, Qemu, run_gdb  # noqa: E402

try:
    from harness import run_lldb  # noqa: E402
except ImportError:
    run_lldb = None


def show(prompt, results):
    for r in results:
        print("%s %s" % (prompt, r["command"]))
        text = r["error"] + "\n" if r.get("error") else r["output"]
        sys.stdout.write(text)


def oracle(guest, addr, count):
    print("QEMU monitor (QMP) says:  xp /%dxb %#x" % (count, addr))
    sys.stdout.write(guest.monitor("xp /%dxb %#x" % (count, addr)))


def main():
    with Qemu("x86_64") as guest:
        print("Started a paused x86_64 QEMU guest (64 MiB RAM), gdbstub on port %d\n"
              % guest.port)
        print("-- GDB: source build/plugin-gdb/writephys.py; target remote :%d" % guest.port)
        show("(gdb)", run_gdb([
            "writephys -d 0x1000 0xdeadbeef 0x12345678",
            "writephys --string \"hello from gdb\" --zero 0x1010",
            "writephys --fill --length 64K -q 0x100000 0x0123456789abcdef",
            "readphys 0x1000 --length 32",
            "writephys 0x4000000 1",
            "writephys -b 0x1000 0x1ff",
        ], port=guest.port))
        print()
        oracle(guest, 0x1000, 32)
        if run_lldb and os.path.exists(LLDB_PLUGIN):
            # GDB's detach resumed the guest; QEMU 7.2 would greet the next
            # debugger with a stale stop reply that LLDB cannot parse, unless
            # the guest is paused first.
            guest.execute("stop")
            print("\n-- LLDB: plugin load build/plugin-lldb/libwritephys_lldb.so; "
                  "gdb-remote %d" % guest.port)
            show("(lldb)", run_lldb([
                "writephys -w 0x1020 0xcafe 0xf00d",
                "writephys --string \"hello from lldb\" 0x1030",
                "readphys 0x1020 --length 32",
            ], port=guest.port))
            print()
            oracle(guest, 0x1020, 32)


if __name__ == "__main__":
    main()
