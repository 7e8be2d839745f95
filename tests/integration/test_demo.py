"""The README's main job (examples/demo.py, run by ./run-demo) works."""
import os
import subprocess
import sys

from harness import ROOT


def test_demo_shows_gdb_lldb_and_qemu_agreeing():
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "demo.py")],
                          capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "Traceback" not in out + proc.stderr
    assert "(gdb) writephys -d 0x1000 0xdeadbeef 0x12345678\n" \
           "writephys: wrote 8 bytes at physical 0x1000 via qemu, verified\n" in out
    assert "(lldb) writephys -w 0x1020 0xcafe 0xf00d\n" \
           "writephys: wrote 4 bytes at physical 0x1020 via qemu, verified\n" in out
    assert "0000000000001000: 0xef 0xbe 0xad 0xde 0x78 0x56 0x34 0x12" in out
    assert "0000000000001020: 0xfe 0xca 0x0d 0xf0" in out
