"""`cmake --install` gives copies that load where the README says: the GDB
plugin with the installed core, the LLDB plugin, the header and pkg-config
file for other tools, and (an option) GDB's system-wide init file."""
import os
import subprocess

from harness import BUILD, LLDB, ROOT, Qemu, require, run_debugger


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
                        "-ex", "writephys --version", "-ex", "help vtop",
                        "-ex", "python import writephys; print(writephys.fill_physical.__doc__)"],
                       60, preload="WP_GDB_PRELOAD")
    assert gdb.stdout.startswith("writephys: writephys 0.4.0 (core API 5)"), \
        gdb.stdout + gdb.stderr
    assert "Translate a virtual address" in gdb.stdout
    assert "Repeats the bytes of pattern" in gdb.stdout, gdb.stdout   # the Python module
    # Another tool builds against the installed core with pkg-config, whose
    # file points where it lies (${pcfiledir}), not at the configured prefix.
    prefix = dest / "usr" / "local"
    pc_dir = [p for p in prefix.rglob("writephys.pc")][0].parent
    tool = tmp_path / "tool.c"
    tool.write_text('#include <writephys.h>\n#include <stdio.h>\n'
                    'int main(void) { printf("%s %d\\n", wp_version(), wp_api_version()); '
                    'return WP_API_VERSION != wp_api_version(); }\n')
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "writephys"],
                           check=True, capture_output=True, text=True,
                           env=dict(os.environ, PKG_CONFIG_PATH=str(pc_dir))).stdout.split()
    subprocess.run([require("cc"), str(tool), "-o", str(tmp_path / "tool")] + flags,
                   check=True, capture_output=True)
    libdir = [f[2:] for f in flags if f.startswith("-L")][0]
    assert os.path.samefile(libdir, prefix / "lib"), flags
    run = subprocess.run([str(tmp_path / "tool")], capture_output=True, text=True,
                         env=dict(os.environ, LD_LIBRARY_PATH=libdir))
    assert run.returncode == 0 and run.stdout == "0.4.0 5\n", run


def test_c_example_writes_a_guest_through_the_installed_core(tmp_path):
    """examples/c/qemu_physwrite.c, built with pkg-config alone against a
    `cmake --install --prefix DIR` copy, is its own host: it speaks the
    remote protocol to QEMU's gdbstub and writes through a route handle."""
    prefix = tmp_path / "prefix"
    subprocess.run([require("cmake"), "--install", BUILD, "--prefix", str(prefix)],
                   check=True, capture_output=True)
    env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "writephys"], check=True,
                           capture_output=True, text=True, env=env).stdout.split()
    assert "-I%s/lib/pkgconfig/../../include" % prefix in flags, flags
    tool = str(tmp_path / "qemu_physwrite")
    subprocess.run([require("cc"), "-std=c11", "-Wall", "-Wextra", "-Werror",
                    os.path.join(ROOT, "examples", "c", "qemu_physwrite.c"), "-o", tool, *flags],
                   check=True, capture_output=True)
    env["LD_LIBRARY_PATH"] = str(prefix / "lib")
    with Qemu("x86_64") as qemu:
        run = subprocess.run([tool, "127.0.0.1:%d" % qemu.port, "0x1000", "deadbeef01"],
                             capture_output=True, text=True, env=env, timeout=60)
        assert run.stdout == "qemu_physwrite: wrote 5 bytes at physical 0x1000 via qemu, " \
                             "read back equal\n", run
        assert qemu.pmemsave(0x1000, 5) == bytes.fromhex("deadbeef01")
    # QEMU's map refuses a hole: nothing is written, the tool says why.
    with Qemu("x86_64") as qemu:
        before = qemu.pmemsave(0x4000000 - 1, 1)
        run = subprocess.run([tool, "127.0.0.1:%d" % qemu.port, "0x3ffffff", "aabb"],
                             capture_output=True, text=True, env=env, timeout=60)
        assert run.returncode == 1 and "is unassigned in qemu's physical map" in run.stderr \
            and "(the stub acknowledged 0 bytes)" in run.stderr, run
        assert qemu.pmemsave(0x4000000 - 1, 1) == before
        # --force goes on; QEMU drops the byte in the hole, the read-back says so.
        run = subprocess.run([tool, "--force", "127.0.0.1:%d" % qemu.port, "0x3ffffff", "aabb"],
                             capture_output=True, text=True, env=env, timeout=60)
        assert run.returncode == 1 and "the bytes read back differ from those written " \
            "(the stub acknowledged 2 bytes)" in run.stderr, run
        assert qemu.pmemsave(0x4000000 - 1, 1) == b"\xaa"
    # A bad argument is refused before anything is sent.
    run = subprocess.run([tool, "127.0.0.1:1", "0x1000", "abc"], capture_output=True, text=True,
                         env=env)
    assert run.returncode == 2 and run.stderr.startswith("usage: "), run
