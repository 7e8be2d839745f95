"""`cmake --install` gives copies that load where the README says: the GDB
plugin with the installed core, the LLDB plugin, the header and pkg-config
file for other tools, and (an option) GDB's system-wide init file."""
import os
import subprocess

from harness import BUILD, LLDB, ROOT, require, run_debugger


def test_installed_plugins_load(tmp_path):
    subprocess.run([require("cmake"), "--install", BUILD, "--prefix", str(tmp_path)],
                   check=True, capture_output=True)
    gdb_py = tmp_path / "share" / "writephys" / "gdb" / "writephys.py"
    lldb_so = tmp_path / "lib" / "writephys" / "libwritephys_lldb.so"
    assert os.path.exists(gdb_py) and os.path.exists(lldb_so)
    dap = tmp_path / "bin" / "writephys-dap"
    assert os.access(dap, os.X_OK)
    assert "phys:0xADDRESS" in subprocess.run([str(dap), "--help"], capture_output=True,
                                              text=True, check=True).stdout
    line = "writephys: dry run: would write 1 byte at physical 0x10 (backend auto; no " \
           "target, so no route or memory map was checked); nothing written: 01"
    gdb = run_debugger([require("gdb"), "-nx", "-batch", "-ex", "source %s" % gdb_py,
                        "-ex", "writephys --dry-run 0x10 1"], 60, preload="WP_GDB_PRELOAD")
    assert gdb.stdout.strip() == line, gdb.stdout + gdb.stderr
    lldb = run_debugger([require(LLDB), "--no-lldbinit", "-b", "-o", "plugin load %s" % lldb_so,
                         "-o", "writephys --dry-run 0x10 1"], 60, preload="WP_LLDB_PRELOAD")
    assert lldb.stdout.rstrip().endswith(line), lldb.stdout + lldb.stderr


def test_system_wide_init_file_with_destdir(tmp_path):
    """Configured with -DWP_GDB_SYSTEM_INIT=ON and installed under DESTDIR:
    the init file, loaded as GDB loads its system-wide ones (gdb -ix), gives
    every command; the header and pkg-config file build a tool."""
    build = tmp_path / "build"
    subprocess.run([require("cmake"), "-S", ROOT, "-B", str(build), "-G", "Ninja",
                    "-DWP_BUILD_TESTS=OFF", "-DWP_BUILD_LLDB=OFF", "-DWP_GDB_SYSTEM_INIT=ON",
                    "-DCMAKE_INSTALL_PREFIX=/usr/local"], check=True, capture_output=True)
    subprocess.run([require("cmake"), "--build", str(build)], check=True, capture_output=True)
    dest = tmp_path / "dest"
    subprocess.run([require("cmake"), "--install", str(build)], check=True, capture_output=True,
                   env=dict(os.environ, DESTDIR=str(dest)))
    init = dest / "etc" / "gdb" / "gdbinit.d" / "writephys.py"
    assert init.exists()
    gdb = run_debugger([require("gdb"), "-nx", "-batch", "-ix", str(init),
                        "-ex", "writephys --version", "-ex", "help vtop"], 60,
                       preload="WP_GDB_PRELOAD")
    assert gdb.stdout.startswith("writephys: writephys 0.4.0 (core API 4)"), \
        gdb.stdout + gdb.stderr
    assert "Translate a virtual address" in gdb.stdout
    # Another tool builds against the installed core with pkg-config.
    prefix = dest / "usr" / "local"
    pc_dir = [p for p in prefix.rglob("writephys.pc")][0].parent
    tool = tmp_path / "tool.c"
    tool.write_text('#include <writephys.h>\n#include <stdio.h>\n'
                    'int main(void) { printf("%s %d\\n", wp_version(), wp_api_version()); '
                    'return WP_API_VERSION != wp_api_version(); }\n')
    flags = subprocess.run(["pkg-config", "--define-prefix", "--cflags", "--libs", "writephys"],
                           check=True, capture_output=True, text=True,
                           env=dict(os.environ, PKG_CONFIG_PATH=str(pc_dir))).stdout.split()
    subprocess.run([require("cc"), str(tool), "-o", str(tmp_path / "tool")] + flags,
                   check=True, capture_output=True)
    libdir = [f[2:] for f in flags if f.startswith("-L")][0]
    run = subprocess.run([str(tmp_path / "tool")], capture_output=True, text=True,
                         env=dict(os.environ, LD_LIBRARY_PATH=libdir))
    assert run.returncode == 0 and run.stdout == "0.4.0 4\n", run
