"""GDB's thread state on stubs that misbehave: a stub that lists no threads,
and a stub that drops the link, never turn into GDB's own assertions or raw
messages.  Real GDB 13 and LLDB against the fake stub."""
import os
import subprocess

import pytest

from fakestub import HANGUP, FakeStub, ThreadlessProxy
from harness import GDB_PLUGIN, require, run_gdb, run_text

DEBUGGERS = ["gdb", "lldb"]
WRITE = "writephys -d 0x1000 0xdeadbeef"


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_stub_without_thread_list_writes_and_reads(debugger):
    """qfThreadInfo and qL unsupported, `T` not OK, while `?` and qC name
    thread 1: GDB prunes the thread ("No threads."), LLDB keeps it; both
    write, verify and read the same way."""
    with FakeStub(threads=False) as stub:
        out = run_text(debugger, [WRITE, "readphys 0x1000 --length 4", "writephys --version",
                                  "writephys -d 0x1004 $eax"], port=stub.port)
    assert out[0] == "writephys: wrote 4 bytes at physical 0x1000 via qemu, verified\n"
    assert stub.ram[0x1000:0x1004] == b"\xef\xbe\xad\xde"
    assert out[1].startswith("00001000  ef be ad de  ")
    assert out[2].endswith("; route for a write now: qemu\n"), out[2]
    assert stub.mode == 0
    # A register is an expression only where the debugger has a thread for it.
    if debugger == "gdb":
        assert out[3] == ("writephys: cannot evaluate VALUE '$eax': GDB has no live thread "
                          "on this stub (it lists none), so no register has a value\n")


def test_stub_without_thread_list_is_gdbs_no_threads():
    """The situation the test above is about, as GDB shows it; and the
    register reads vtop needs go to the stub, whose `p` packets GDB's
    description of the target numbers (this stub's i386 has no cr0)."""
    with FakeStub(threads=False) as stub:
        out = run_gdb(["info threads", "vtop 0x1000"], port=stub.port)
    assert out[0]["output"] == "No threads.\n"
    assert out[1]["error"] == ("vtop: the stub does not expose register cr0 (GDB's "
                               "description of this target has no register cr0)")


# Each packet kind of WRITE's exchange, the stub hanging up on it: GDB pops
# the remote target in the middle of the plugin's command.
HANGUPS = [("query", 1), ("switch", 1), ("M", 1), ("m", 1), ("restore", 1)]


@pytest.mark.parametrize("threads", [True, False], ids=["threads", "no-threads"])
@pytest.mark.parametrize("fault", HANGUPS, ids=[k for k, _ in HANGUPS])
def test_link_lost_mid_command_is_one_line(fault, threads):
    with FakeStub(threads=threads, faults={fault: HANGUP}) as stub:
        out = run_gdb([WRITE, "writephys --version", "readphys 0x1000"], port=stub.port)
    assert out[0]["error"].startswith("writephys: ")
    assert "Remote connection closed" in out[0]["error"], out[0]
    assert "\n" not in out[0]["error"]
    assert out[1]["output"].endswith("; route for a write now: no target\n")
    assert out[2]["error"].startswith("readphys: no target: connect to a stub first")


def run_gdb_raw(cwd, plugin, port):
    """GDB as the committed core's command line ran it."""
    args = [require("gdb"), "-nx", "-batch"]
    if plugin:
        args += ["-ex", "source " + GDB_PLUGIN]
    args += ["-ex", "target remote 127.0.0.1:%d" % port, "-ex", WRITE]
    return subprocess.run(args, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)


def test_gdb_abort_at_connect_is_gdbs_own_and_leaves_no_core(tmp_path):
    """The committed core: GDB 13 aborted with thread.c:85 (inferior_thread:
    current_thread_ != nullptr) inside `target remote`, before the writephys
    line ran.  A stub that hangs up on GDB's first memory read (the read of
    the code at the stop PC, for the "0x... in ?? ()" line) does it: GDB
    pops the target while printing the stop and then asks for the thread.
    The plugin changes nothing of that, and the test run leaves no core.
    (Without a core to dump GDB exits instead of aborting, and then its own
    MI command table, which holds the plugin's -writephys, is destroyed
    without Python's lock: GDB 13 aborts on the way out after all.)"""
    said = []
    for plugin in (False, True):
        with FakeStub(faults={("m-virtual", 1): HANGUP}) as stub:
            proc = run_gdb_raw(tmp_path, plugin, stub.port)
        said.append([line for line in proc.stderr.splitlines() if "internal-error" in line][:1])
        # The writephys line never reached the stub: GDB stopped at the connect.
        assert not any(p.startswith("qqemu") for p in stub.log), stub.log
    assert said[0] == said[1]
    if said[0]:     # GDB 13.1
        assert "inferior_thread: Assertion `current_thread_ != nullptr'" in said[0][0]
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_no_thread_list_vtop_and_virtual_write_through_qemu(debugger, qemu):
    """QEMU behind a proxy that hides its threads: GDB has none ("No
    threads."), so writephys reads CR0, CR3, CR4 and EFER from the stub with
    `p` packets, numbered by QEMU's own target description; the translation
    and the bytes are QEMU's (gva2gpa, pmemsave)."""
    from test_vtop import X86_TABLES, oracle, x86_regs
    with ThreadlessProxy(qemu.port) as proxy:
        lines = ["info threads", "vtop 0x401234",
                 "writephys --virtual -d 0x401100 0xcafef00d", "writephys --version",
                 oracle(debugger, 0x401234)]
        out = run_text(debugger, X86_TABLES + x86_regs(debugger, 0x10000, 0x20, 0x900) + lines,
                       port=proxy.port)[-len(lines):]
        sent = list(proxy.log)
    if debugger == "gdb":
        assert out[0] == "No threads.\n"
        assert "p1b" in sent and "p1d" in sent, sent     # CR0 and CR3 from the stub
    assert out[1] == "vtop: 0x401234 -> physical 0x300234 (4 KiB page, rw, user, x)\n"
    assert out[2] == ("writephys: wrote 4 bytes at virtual 0x401100 (physical 0x300100) "
                      "via qemu, verified\n")
    assert qemu.pmemsave(0x300100, 4) == (0xcafef00d).to_bytes(4, "little")
    assert "gpa: 0x300234" in out[4], out[4]     # QEMU's translation, while stopped
    assert out[3].endswith("; route for a write now: qemu\n") or \
        out[3].endswith("; route for a write now: direct\n"), out[3]
