"""GDB's thread state on stubs that misbehave: a stub that lists no threads,
and a stub that drops the link, never turn into GDB's own assertions or raw
messages.  Real GDB 13 and LLDB against the fake stub."""
import os
import subprocess

import pytest

from fakestub import HANGUP, FakeStub
from harness import GDB_PLUGIN, require

WRITE = "writephys -d 0x1000 0xdeadbeef"


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
