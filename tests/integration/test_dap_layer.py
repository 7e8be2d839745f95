"""writephys-dap, driven by a client that is not ours: Microsoft's DAP test
client (@vscode/debugadapter-testsupport, from tests/dapclient, installed by
scripts/deps.sh with `npm ci`) runs tests/dapclient/writephys_dap_test.js
under Debian's nodejs, over lldb-vscode-14, against QEMU.  The script asks
this test for QEMU's own view of the bytes (QMP pmemsave) line by line."""
import json
import os
import shlex
import subprocess

from dap import DAP_LAYER, DapClient
from harness import LLDB_PLUGIN, ROOT, Qemu, require
from test_vtop import X86_TABLES, x86_regs

CLIENT = os.path.join(ROOT, "tests", "dapclient")


def run_client(qemu, tmp_path):
    assert os.path.isdir(os.path.join(CLIENT, "node_modules", "@vscode",
                                      "debugadapter-testsupport")), \
        "the DAP test client is not installed: run scripts/deps.sh"
    # DebugClient starts RUNTIME EXECUTABLE: a script that gives writephys-dap
    # a whole adapter command line (the sanitizer runtimes go to lldb-vscode
    # alone, never to Python).
    child = [require("lldb-vscode-14")]
    if os.environ.get("WP_LLDB_PRELOAD"):
        child = ["env", "LD_PRELOAD=" + os.environ["WP_LLDB_PRELOAD"]] + child
    wrapper = tmp_path / "adapter.sh"
    wrapper.write_text("exec %s %s\n" % (shlex.quote(require("python3")),
                                          " ".join(map(shlex.quote, [DAP_LAYER] + child))))
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    # The plugin's path absolute: the client runs in tests/dapclient.
    proc = subprocess.Popen([require("node"), "writephys_dap_test.js", "/bin/sh", str(wrapper),
                             str(qemu.port), os.path.abspath(LLDB_PLUGIN),
                             json.dumps(X86_TABLES + x86_regs("lldb", 0x10000, 0x20, 0x900))],
                            cwd=CLIENT,
                            env=env, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    passed = []
    try:
        for line in proc.stdout:
            if line.startswith("ORACLE "):
                ask = json.loads(line[7:])
                proc.stdin.write(qemu.pmemsave(ask["addr"], ask["size"]).hex() + "\n")
                proc.stdin.flush()
            elif line.startswith("ok "):
                passed.append(line[3:].strip())
            else:
                print(line, end="")
                assert not line.startswith("FAIL"), line + "".join(proc.stdout)
    finally:
        if proc.poll() is None:
            proc.stdin.close()
            proc.wait(timeout=120)
    return proc.returncode, passed


def test_vscode_debug_client_reads_and_writes_physical_memory(tmp_path):
    # VGA's legacy window (0xa0000-0xbffff, a device) right after RAM.
    with Qemu("x86_64", ram_mb=128, extra=["-device", "VGA"]) as qemu:
        rc, passed = run_client(qemu, tmp_path)
    names = [p.split(" ")[0] for p in passed]
    assert rc == 0 and names == [
        "initialize", "attach", "console", "readMemory", "writeMemory", "readMemory", "refused",
        "64", "console", "other", "virt:"], passed


def test_bad_requests_get_one_line_and_send_nothing():
    """Without a target: each bad request is answered by one line, and the
    core's own refusals come back as they are."""
    with DapClient(layer=True) as dap:
        assert dap.request("initialize", adapterID="lldb")["success"]
        loaded = dap.request("evaluate", expression="`plugin load " +
                             os.path.abspath(LLDB_PLUGIN), context="repl")
        assert "error" not in loaded["body"]["result"], loaded
        for reference, count, message in [
                ("phys:0x1000", 17 << 20, "readMemory: 17825792 bytes is more than the "
                                          "16777216 one request reads"),
                ("phys:zz", 4, "writephys-dap: memory reference 'phys:zz' is neither "
                               "phys:0xADDRESS nor virt:0xADDRESS, and lldb-vscode-14 has no "
                               "readMemory of its own"),
                ("phys:0x1000", 4, "readphys: no target: connect to a stub first (for QEMU: "
                                   "gdb-remote localhost:1234)")]:
            r = dap.request("readMemory", memoryReference=reference, count=count)
            assert not r["success"] and r["message"] == message, r
        r = dap.request("writeMemory", memoryReference="phys:0x1000", data="AQID")
        assert r["message"] == "writephys: no target: connect to a stub first (for QEMU: " \
                               "gdb-remote localhost:1234)", r
    missing = subprocess.run([require("python3"), DAP_LAYER, "no-such-adapter"],
                             capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert missing.returncode == 1 and missing.stdout == "" and \
        missing.stderr == "writephys-dap: no debug adapter 'no-such-adapter'\n", missing
