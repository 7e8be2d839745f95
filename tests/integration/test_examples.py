"""The examples run: each recipe in examples/recipes against a guest,
checked through QMP, and the VS Code launch.json is valid and names the
build tree's plugins."""
import base64
import json
import os

from dap import DapClient
from harness import LLDB_PLUGIN, ROOT, Qemu, run_gdb
from test_vtop import X86_TABLES, x86_regs

RECIPES = os.path.join(ROOT, "examples", "recipes")


def recipe(name):
    """The recipe's commands, as GDB would read them from the file."""
    with open(os.path.join(RECIPES, name)) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def test_recipes_do_what_they_say():
    blob = os.urandom(4096)
    with open("/tmp/writephys-recipe-blob.bin", "wb") as f:
        f.write(blob)
    with Qemu("x86_64", ["-M", "hpet=on"]) as qemu:
        r = run_gdb(recipe("load-blob.gdb") + recipe("fill-dma-buffer.gdb") +
                    recipe("read-device-register.gdb"), port=qemu.port)
        assert all(x["error"] is None for x in r), r
        assert qemu.pmemsave(0x100000, 4096) == blob
        assert qemu.pmemsave(0x200000, 65536) == (0xdeadbeef).to_bytes(4, "little") * 16384
    assert r[0]["output"].endswith("via qemu, verified\n"), r[0]
    # The HPET's capabilities: vendor 0x8086 in bits 31:16.
    cap = int(r[-1]["output"].split()[1], 16)
    assert (cap >> 16) & 0xffff == 0x8086, r[-1]
    os.remove("/tmp/writephys-recipe-blob.bin")


def test_patch_pte_recipe():
    with Qemu("x86_64", ["-cpu", "max"]) as qemu:
        setup = X86_TABLES + x86_regs("gdb", 0x10000, 0x20, 0x900)
        r = run_gdb(setup + recipe("patch-pte.gdb"), port=qemu.port)[len(setup):]
        assert all(x["error"] is None for x in r), r
        assert "entry at physical 0x13008 = 0x0000000000300007" in r[0]["output"], r[0]
        assert r[2]["output"] == "vtop: 0x401234 -> physical 0x7ff234 (4 KiB page, ro, user, " \
                                 "x)\n", r[2]
        assert qemu.pmemsave(0x13008, 8) == (0x7ff005).to_bytes(8, "little")


def test_vscode_launch_json():
    with open(os.path.join(ROOT, "examples", "vscode", "launch.json")) as f:
        config = json.load(f)["configurations"]
    gdb, lldb, layer = config
    assert gdb["type"] == "cppdbg" and gdb["miDebuggerServerAddress"] == "localhost:1234"
    assert any("build/plugin-gdb/writephys.py" in c["text"] for c in gdb["setupCommands"])
    assert lldb["attachCommands"] == ["gdb-remote localhost:1234"]
    assert "build/plugin-lldb/libwritephys_lldb.so" in lldb["initCommands"][0]
    # writephys-dap's configuration: the LLDB DAP extension starts the
    # adapter it names, with its arguments, and attaches as lldb-vscode does.
    assert layer["debugAdapterExecutable"].endswith("/writephys/dap/writephys-dap")
    assert layer["debugAdapterArgs"] == ["lldb-vscode-14"]
    assert layer["initCommands"] == lldb["initCommands"]
    assert layer["attachCommands"] == lldb["attachCommands"]


def test_vscode_writephys_dap_configuration_attaches():
    """The writephys-dap configuration's attach, as the IDE sends it (the
    workspace and the port filled in), then the hex editor's first read."""
    with open(os.path.join(ROOT, "examples", "vscode", "launch.json")) as f:
        layer = json.load(f)["configurations"][2]
    with Qemu("x86_64") as qemu, DapClient(layer=True) as dap:
        assert dap.request("initialize", adapterID="lldb-dap")["body"][
            "supportsReadMemoryRequest"]
        init = [c.replace("${workspaceFolder}/writephys/build/plugin-lldb/libwritephys_lldb.so",
                          LLDB_PLUGIN) for c in layer["initCommands"]]
        attach = [c.replace("localhost:1234", "127.0.0.1:%d" % qemu.port)
                  for c in layer["attachCommands"]]
        assert dap.request("attach", initCommands=init, attachCommands=attach)["success"]
        r = dap.request("readMemory", memoryReference="phys:0x1000", count=16)
        assert r["success"], r
        assert base64.b64decode(r["body"]["data"]) == qemu.pmemsave(0x1000, 16)
