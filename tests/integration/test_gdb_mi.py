"""GDB/MI commands for IDEs: -writephys, -readphys and -vtop, with fields."""
from harness import GDB_PLUGIN, require, run_debugger
from test_vtop import X86_TABLES, x86_regs


def run_mi(port, commands):
    lines = ['-interpreter-exec console "source %s"' % GDB_PLUGIN,
             "-target-select remote 127.0.0.1:%d" % port] + commands + ["-gdb-exit"]
    proc = run_debugger([require("gdb"), "-nx", "-q", "-i=mi3"], 120,
                        preload="WP_GDB_PRELOAD", stdin="\n".join(lines) + "\n")
    records = [line for line in proc.stdout.splitlines() if line.startswith(("^done", "^error"))]
    assert len(records) == len(commands) + 1, proc.stdout   # the source's ^done first
    assert "Traceback" not in proc.stdout, proc.stdout
    return records[1:]


def test_mi_commands(qemu, tmp_path):
    out = run_mi(qemu.port, [
        "-writephys -d 0x1000 0xdeadbeef",
        "-readphys 0x1000 --length 8",
        "-writephys 0x1000 0x100",
        "-writephys --dry-run 0x2000 1 2",
        "-readphys 0x4000000",
        "-readphys 0x1000 --length 4 --output %s" % (tmp_path / "out.bin"),
    ])
    assert out[0] == ('^done,address="0x1000",length="4",backend="qemu",bytes-written="4",'
                      'verified="yes",dry-run="no"')
    # Reads of a local QEMU's RAM go through its process memory (direct).
    assert out[1] == ('^done,address="0x1000",length="8",backend="direct",bytes-read="8",'
                      'contents="efbeadde00000000"')
    assert out[2] == ('^error,msg="writephys: value \'0x100\' does not fit in 1 byte (-b); '
                      'use a wider -w, -d or -q"')
    assert out[3] == ('^done,address="0x2000",length="2",backend="qemu",bytes-written="0",'
                      'verified="no",dry-run="yes"')
    assert out[4].startswith('^error,msg="readphys: 0x4000000-0xfebfffff is unassigned')
    assert out[5] == '^done,address="0x1000",length="4",backend="direct",bytes-read="4"'
    assert (tmp_path / "out.bin").read_bytes() == qemu.pmemsave(0x1000, 4)


def test_mi_vtop(qemu):
    """-vtop: paging off in real mode, then long mode over tables the test builds."""
    setup = ['-interpreter-exec console "%s"' % c for c in X86_TABLES] + \
        ['-interpreter-exec console "%s"' % c for c in x86_regs("gdb", 0x10000, 0x20, 0x900)]
    out = run_mi(qemu.port, ["-vtop 0x1000"] + setup + ["-vtop 0x401234", "-vtop 0x403000"])
    assert out[0] == '^error,msg="vtop: paging is off (CR0.PG=0): physical equals virtual"'
    assert out[-2] == ('^done,virtual="0x401234",physical="0x300234",page-size="4096",'
                       'writable="yes",user="yes",executable="yes",mode="x86-64 4-level"')
    assert out[-1].startswith('^error,msg="vtop: 0x403000 is not mapped: the walk stopped at '
                              'PT entry 3')
