"""The Debian packages, installed on this machine as a user installs them
(`apt-get install ./*.deb`): plain gdb, lldb and lldb-vscode have every
command with no init line, the C example builds against the installed core
with pkg-config alone; every write is checked through QEMU's QMP.  Then an
upgrade, a reinstall and a purge, after which no file of theirs is left.

While the packages are installed every GDB (without -nx) and LLDB on the
machine loads them, so ./run-tests runs this file as its own step, never
beside the integration tests; it purges even when a check fails."""
import ctypes
import os
import resource
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import Qemu, require, run_debugger  # noqa: E402
from dap import DapClient  # noqa: E402

resource.setrlimit(resource.RLIMIT_CORE, (0, 0))   # no core files in the tree

PACKAGES = ["libwritephys0", "libwritephys-dev", "writephys-gdb", "writephys-lldb"]
LLDB_PLUGIN = "/usr/lib/writephys/libwritephys_lldb.so"   # a link to the one liblldb loads
LLDB_SYSTEM_PLUGIN = "/usr/lib/lldb/plugins/libwritephys_lldb.so"
GDB_PLUGIN = "/usr/share/writephys/gdb/writephys.py"


def apt(*args):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = subprocess.run(["apt-get", "-y", "-q", "--no-install-recommends", *args],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def known():
    """Our packages dpkg has any record of (installed, or removed with
    files of theirs kept: config-files), with that state."""
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${db:Status-Status}\n",
                        *PACKAGES], capture_output=True, text=True)
    return dict(line.split() for line in r.stdout.splitlines()
                if line.split()[1] != "not-installed")


def installed():
    return [p for p, state in known().items() if state == "installed"]


def contents(deb):
    """Every path the package holds, directories too."""
    out = subprocess.run(["dpkg-deb", "--fsys-tarfile", deb], check=True,
                         capture_output=True).stdout
    listing = subprocess.run(["tar", "t"], input=out, check=True, capture_output=True)
    return ["/" + p.decode().lstrip("./").rstrip("/") for p in listing.stdout.split()
            if p.decode().strip("./")]


@pytest.fixture(scope="module")
def debs():
    built = subprocess.run([os.path.join(ROOT, "scripts", "deb.sh"),
                            os.path.join(ROOT, "build-deb")], capture_output=True, text=True)
    assert built.returncode == 0, built.stdout + built.stderr
    found = sorted(os.path.join(ROOT, "build-deb", f)
                   for f in os.listdir(os.path.join(ROOT, "build-deb")) if f.endswith(".deb"))
    version = subprocess.run(["dpkg-deb", "-f", found[0], "Version"], check=True,
                             capture_output=True, text=True).stdout.strip()
    assert [os.path.basename(f) for f in found] == sorted(
        "%s_%s_amd64.deb" % (p, version) for p in PACKAGES), found
    return found


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A user with no ~/.gdbinit, ~/.lldbinit or ~/.local/share/lldb."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    return tmp_path


def test_lintian_reports_no_errors(debs):
    r = subprocess.run([require("lintian"), "--pedantic", *debs], capture_output=True,
                       text=True)
    # No error and no warning; README says what --display-info adds.
    assert not [line for line in r.stdout.splitlines() if line[:2] in ("E:", "W:")], r.stdout
    # dpkg keeps a removed package with a postrm in its "rc" state: none has one.
    for deb in debs:
        control = subprocess.run(["dpkg-deb", "--ctrl-tarfile", deb], check=True,
                                 capture_output=True).stdout
        names = subprocess.run(["tar", "t"], input=control, check=True,
                               capture_output=True).stdout.decode().split()
        assert not {"./postinst", "./postrm"} & set(names), (deb, names)


def test_control_fields(debs):
    field = {os.path.basename(d).split("_")[0]: d for d in debs}

    def get(pkg, name):
        return subprocess.run(["dpkg-deb", "-f", field[pkg], name], check=True,
                              capture_output=True, text=True).stdout.strip()
    # Depends by dpkg-shlibdeps: the LLDB plugin needs Debian's liblldb.
    assert "liblldb-14" in get("writephys-lldb", "Depends")
    assert get("writephys-gdb", "Enhances") == "gdb, gdb-multiarch"
    assert get("writephys-lldb", "Enhances") == "lldb, lldb-14"
    assert get("writephys-gdb", "Depends") == "libwritephys0 (= %s)" % get(
        "libwritephys0", "Version")


def commands():
    core = ctypes.CDLL("libwritephys.so.0")   # the installed one, by SONAME
    core.wp_command_name.restype = ctypes.c_char_p
    core.wp_command_name.argtypes = [ctypes.c_size_t]
    return [core.wp_command_name(i).decode() for i in range(core.wp_command_count())]


def check_installed(home, tmp_path):
    names = commands()
    assert "writephys" in names and "vtop" in names, names
    # liblldb calls lldb::PluginInitialize(lldb::SBDebugger) of every plugin.
    symbols = subprocess.run(["nm", "-D", "--defined-only", LLDB_SYSTEM_PLUGIN], check=True,
                             capture_output=True, text=True).stdout
    assert "_ZN4lldb16PluginInitializeENS_10SBDebuggerE" in symbols
    # GDB and LLDB as a user runs them: no -nx, no init line; then with a
    # user's own init line that loads the same plugin again, which changes
    # nothing.  A guest each: a stub that a debugger left running may miss
    # the next one's handshake.
    for addr, init in ((0x1000, None), (0x2000, "source " + GDB_PLUGIN)):
        if init:
            (home / ".gdbinit").write_text(init + "\n")
        with Qemu("x86_64") as qemu:
            gdb = run_debugger([require("gdb"), "-batch",
                                "-ex", "target remote 127.0.0.1:%d" % qemu.port,
                                "-ex", "writephys -d 0x%x 0x11223344" % addr,
                                *[a for n in names for a in ("-ex", "help " + n)],
                                "-ex", "detach"], 120)
            assert "writephys: wrote 4 bytes at physical 0x%x via qemu, verified" % addr in \
                gdb.stdout, gdb.stdout + gdb.stderr
            assert "Undefined command" not in gdb.stderr and "Traceback" not in gdb.stderr, \
                gdb.stderr
            assert qemu.pmemsave(addr, 4) == bytes.fromhex("44332211")
    # LLDB: the plugin from /usr/lib/lldb/plugins; then also a user's
    # `plugin load` of it (by its link): no double-registration error.
    # LLDB echoes no init line: an alias made after the load shows it ran.
    for addr, init in ((0x3000, None), (0x4000, "plugin load " + LLDB_PLUGIN)):
        if init:
            (home / ".lldbinit").write_text(init + "\ncommand alias wp-init-ran version\n")
        with Qemu("x86_64") as qemu:
            lldb = run_debugger([require("lldb"), "-b",
                                 "-o", "gdb-remote 127.0.0.1:%d" % qemu.port,
                                 "-o", "writephys -d 0x%x 0xcafef00d" % addr,
                                 *(["-o", "wp-init-ran"] if init else []),
                                 *[a for n in names for a in ("-o", "help " + n)],
                                 "-o", "process detach"], 120, merge_stderr=True)
            assert "error:" not in lldb.stdout, lldb.stdout
            assert "writephys: wrote 4 bytes at physical 0x%x via qemu, verified" % addr in \
                lldb.stdout, lldb.stdout
            assert not init or "lldb version " in lldb.stdout, lldb.stdout
            assert qemu.pmemsave(addr, 4) == bytes.fromhex("0df0feca")
    (home / ".gdbinit").unlink()
    (home / ".lldbinit").unlink()
    with Qemu("x86_64") as qemu:
        # A tool that links the installed core through pkg-config alone.
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "writephys"], check=True,
                               capture_output=True, text=True).stdout.split()
        tool = str(tmp_path / "qemu_physwrite")
        subprocess.run([require("cc"), "-std=c11", "-Wall", "-Wextra", "-Werror",
                        os.path.join(ROOT, "examples", "c", "qemu_physwrite.c"), "-o", tool,
                        *flags], check=True, capture_output=True)
        run = subprocess.run([tool, "127.0.0.1:%d" % qemu.port, "0x3000", "a1b2c3d4e5"],
                             capture_output=True, text=True, timeout=60)
        assert run.stdout == "qemu_physwrite: wrote 5 bytes at physical 0x3000 via qemu, " \
                             "read back equal\n", run
        assert qemu.pmemsave(0x3000, 5) == bytes.fromhex("a1b2c3d4e5")
    # lldb-vscode-14, as an IDE starts it: the commands with no initCommands.
    with DapClient() as dap:
        assert dap.request("initialize", adapterID="lldb", clientID="writephys-test")["success"]
        r = dap.request("evaluate", expression="`writephys --dry-run 0x10 1", context="repl")
        assert "writephys: dry run: would write 1 byte at physical 0x10" in \
            r["body"]["result"], r


def bump(debs, tmp_path):
    """The same packages as version V+1, for an upgrade."""
    out = []
    for deb in debs:
        tree = tmp_path / ("tree-" + os.path.basename(deb))
        subprocess.run(["dpkg-deb", "-R", deb, str(tree)], check=True)
        version = subprocess.run(["dpkg-deb", "-f", deb, "Version"], check=True,
                                 capture_output=True, text=True).stdout.strip()
        for name in ("control", "shlibs"):
            if (tree / "DEBIAN" / name).exists():
                f = tree / "DEBIAN" / name
                f.write_text(f.read_text().replace(version, version + "+1"))
        new = str(tmp_path / os.path.basename(deb).replace(version, version + "+1"))
        subprocess.run(["dpkg-deb", "--root-owner-group", "-b", str(tree), new], check=True,
                       capture_output=True)
        out.append(new)
    return out


def test_install_upgrade_reinstall_purge(debs, home, tmp_path):
    paths = sorted({p for d in debs for p in contents(d)})
    if known():    # left over from an interrupted run
        apt("purge", *known())
    before = {p for p in paths if os.path.lexists(p)}
    try:
        apt("install", *debs)
        assert sorted(installed()) == sorted(PACKAGES)
        assert all(os.path.lexists(p) for p in paths)
        check_installed(home, tmp_path)
        apt("install", "--reinstall", *debs)
        lldb = run_debugger([require("lldb"), "-b", "-o", "writephys --dry-run 0x10 1"], 60,
                            merge_stderr=True)
        assert "dry run: would write 1 byte" in lldb.stdout, lldb.stdout
        apt("install", *bump(debs, tmp_path))
        assert subprocess.run(["dpkg-query", "-W", "-f", "${Version}", *PACKAGES],
                              capture_output=True, text=True).stdout.count("+1") == 4
        assert all(os.path.lexists(p) for p in paths)
        gdb = run_debugger([require("gdb"), "-batch", "-ex", "writephys --dry-run 0x10 1"], 60)
        assert "dry run: would write 1 byte" in gdb.stdout, gdb.stdout + gdb.stderr
    finally:
        if installed():
            apt("remove", *installed())
    # `apt remove` alone leaves no file, and no package dpkg keeps a record of.
    left = sorted(p for p in paths if os.path.lexists(p) and p not in before)
    records = known()
    if records:
        apt("purge", *records)
    assert left == [] and records == {}, (left, records)
    # And the debuggers start clean again.
    gdb = run_debugger([require("gdb"), "-batch", "-ex", "help writephys"], 60)
    assert "Undefined command" in gdb.stderr, gdb.stdout + gdb.stderr
