"""`cmake --install` gives copies that load where the README says."""
import os
import subprocess

from harness import BUILD, LLDB, require, run_debugger


def test_installed_plugins_load(tmp_path):
    subprocess.run([require("cmake"), "--install", BUILD, "--prefix", str(tmp_path)],
                   check=True, capture_output=True)
    gdb_py = tmp_path / "share" / "writephys" / "gdb" / "writephys.py"
    lldb_so = tmp_path / "lib" / "writephys" / "libwritephys_lldb.so"
    assert os.path.exists(gdb_py) and os.path.exists(lldb_so)
    line = "writephys: dry run: would write 1 byte at physical 0x10 (backend auto; no " \
           "target, so no route or memory map was checked); nothing written: 01"
    gdb = run_debugger([require("gdb"), "-nx", "-batch", "-ex", "source %s" % gdb_py,
                        "-ex", "writephys --dry-run 0x10 1"], 60, preload="WP_GDB_PRELOAD")
    assert gdb.stdout.strip() == line, gdb.stdout + gdb.stderr
    lldb = run_debugger([require(LLDB), "--no-lldbinit", "-b", "-o", "plugin load %s" % lldb_so,
                         "-o", "writephys --dry-run 0x10 1"], 60, preload="WP_LLDB_PRELOAD")
    assert lldb.stdout.rstrip().endswith(line), lldb.stdout + lldb.stderr
