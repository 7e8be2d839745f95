"""The Debug Adapter Protocol, as VS Code or another IDE speaks it, through
Debian's lldb-vscode-14: the plugin loaded by initCommands, QEMU attached by
gdb-remote, commands typed in the debug console (backtick prefix); and the
same through writephys-dap, which must keep all of it working."""
import pytest

from dap import DapClient
from harness import LLDB_PLUGIN, Qemu


@pytest.mark.parametrize("layer", [False, True], ids=["lldb-vscode", "writephys-dap"])
def test_lldb_vscode_console_write_failure_and_progress(layer):
    with Qemu("x86_64", ram_mb=128) as qemu, DapClient(layer=layer) as dap:
        dap.attach_and_pause(qemu.port, LLDB_PLUGIN)

        def console(line):
            r = dap.request("evaluate", expression="`" + line, context="repl")
            assert r["success"], r
            return r["body"]["result"]

        out = console("writephys -d 0x1000 0xfeedf00d")
        assert "writephys: wrote 4 bytes at physical 0x1000 via qemu, verified\n" in out, out
        assert "00001000  feedf00d" in console("readphys -d 0x1000 --length 4")
        # A failure carries LLDB's error marker.
        assert "error: writephys: value '0x100' does not fit in 1 byte (-b)" in \
            console("writephys 0x1000 0x100")
        # A long fill shows progress in the debug console while it runs.
        before = len(dap.events("output"))
        out = console("writephys --fill --length 64M 0x1000000 0x5a")
        assert "writephys: wrote 67108864 bytes at physical 0x1000000" in out, out
        progress = [e["body"]["output"] for e in dap.events("output")[before:]
                    if "MiB/s" in e["body"]["output"]]
        assert progress and progress[0].startswith("writephys: ") and "of 64.0 MiB" in \
            progress[0], dap.events("output")[before:]
        # And a 4-byte write shows none.
        before = len(dap.events("output"))
        console("writephys 0x1000 1")
        assert not [e for e in dap.events("output")[before:] if "MiB/s" in str(e)]
        assert qemu.pmemsave(0x1000, 4) == b"\x01\xf0\xed\xfe"
        assert qemu.pmemsave(0x1000000 + (64 << 20) - 1, 1) == b"\x5a"
