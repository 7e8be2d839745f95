"""The GDB plugin declares the core's structs in ctypes; a core whose
structs differ from them (same API version, changed sources) is refused
at load with one line, by real GDB, and no command is registered."""
import glob
import os
import re
import shutil
import subprocess

import pytest

from harness import GDB_PLUGIN, ROOT, require, run_debugger

DRIFT_FIELD = "    uint64_t drift; /* a field the plugin does not know */\n"


def _core_with(tmp_path, header_edit, layout_edit=None):
    """A core compiled from the tree's sources with its header (and its
    layout table) changed, beside a copy of the built writephys.py."""
    include = tmp_path / "include"
    src = tmp_path / "src"
    include.mkdir()
    shutil.copytree(os.path.join(ROOT, "common", "src"), src)
    header = open(os.path.join(ROOT, "common", "include", "writephys.h")).read()
    changed = header_edit(header)
    assert changed != header
    (include / "writephys.h").write_text(changed)
    if layout_edit:
        layout = (src / "layout.c").read_text()
        (src / "layout.c").write_text(layout_edit(layout))
    plugin = open(GDB_PLUGIN).read()
    soname = re.search(r'CORE_SONAME = "([^"]+)"', plugin).group(1)
    subprocess.run([require("cc"), "-shared", "-fPIC", "-O0", "-fvisibility=hidden",
                    "-D_FILE_OFFSET_BITS=64", "-D_POSIX_C_SOURCE=200809L",
                    "-I", str(include), "-I", str(src)] + sorted(glob.glob(str(src / "*.c"))) +
                   ["-o", str(tmp_path / soname), "-ldl"], check=True, capture_output=True)
    (tmp_path / "writephys.py").write_text(plugin)
    return tmp_path / soname


def _load(plugin_dir):
    return run_debugger([require("gdb"), "-nx", "-batch", "-ex",
                         "source %s" % (plugin_dir / "writephys.py"),
                         "-ex", "writephys --dry-run 0x10 1"], 60, preload="WP_GDB_PRELOAD")


def _insert_before_bytes_done(text):
    return text.replace("    uint64_t bytes_done;", DRIFT_FIELD + "    uint64_t bytes_done;", 1)


@pytest.mark.parametrize("listed", [False, True], ids=["header-only", "with-layout-row"])
def test_a_changed_result_struct_is_refused(tmp_path, listed):
    """The bug this guards: a field added to wp_result passed every suite
    while GDB read $_writephys_written from the wrong slot.  Whether or not
    the new field got its layout row, the plugin sees the difference."""
    row = lambda t: t.replace("    WP_FIELD(wp_result, bytes_done),",
                              "    WP_FIELD(wp_result, drift),\n"
                              "    WP_FIELD(wp_result, bytes_done),")
    core = _core_with(tmp_path, _insert_before_bytes_done, row if listed else None)
    gdb = _load(tmp_path)
    lines = gdb.stderr.strip().splitlines()
    found = "wp_result.drift is offset" if listed else "wp_result.bytes_done is offset"
    assert len(lines) == 2, gdb.stderr     # ours, and GDB's for the unknown command
    assert lines[0].startswith("writephys: %s (writephys " % core), lines
    assert "was built from other sources than this writephys.py: " + found in lines[0], lines
    assert lines[0].endswith("; load the writephys.py built with that core"), lines
    assert 'Undefined command: "writephys"' in lines[1], lines
    assert gdb.stdout == "", gdb.stdout


def test_a_changed_host_struct_is_refused(tmp_path):
    """A callback table with one more slot: the core's wp_host is larger."""
    core = _core_with(tmp_path, lambda t: t.replace(
        "    void (*progress)(void *ctx, uint64_t done, uint64_t total);\n",
        "    void (*progress)(void *ctx, uint64_t done, uint64_t total);\n"
        "    void (*another)(void *ctx);\n", 1))
    lines = _load(tmp_path).stderr.strip().splitlines()
    assert lines[0] == ("writephys: %s (writephys 0.4.0) was built from other sources than "
                        "this writephys.py: wp_host (its size) is offset 0 size %d in the "
                        "core, offset 0 size %d here; load the writephys.py built with that "
                        "core" % (core, 136, 128)), lines


def test_the_tree_core_loads(tmp_path):
    """The same build with an edit that changes no layout loads: the check
    refuses differences, not rebuilt cores."""
    _core_with(tmp_path, lambda t: t.replace("/* writephys core:", "/* writephys core (copy):"))
    gdb = _load(tmp_path)
    assert gdb.stderr == "" and gdb.stdout.startswith("writephys: dry run:"), gdb


def test_another_api_version_is_refused(tmp_path):
    """The older guard, kept: a writephys.py for another API."""
    plugin = open(GDB_PLUGIN).read()
    ours = int(re.search(r'API_VERSION = int\("(\d+)"\)', plugin).group(1))
    (tmp_path / "writephys.py").write_text(
        plugin.replace('API_VERSION = int("%d")' % ours, 'API_VERSION = int("%d")' % (ours - 1)))
    soname = re.search(r'CORE_SONAME = "([^"]+)"', plugin).group(1)
    os.symlink(os.path.join(os.path.dirname(os.path.abspath(GDB_PLUGIN)), soname),
               tmp_path / soname)
    lines = _load(tmp_path).stderr.strip().splitlines()
    assert lines[0] == ("writephys: %s is writephys 0.4.0 (API %d), but this writephys.py "
                        "speaks API %d; load the writephys.py built with that core"
                        % (tmp_path / soname, ours, ours - 1)), lines
