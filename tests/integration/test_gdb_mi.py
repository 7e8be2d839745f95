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
        "-writephys --version",
    ])
    assert out[6] == '^done,version="0.4.0",api="5",route="qemu"', out[6]
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


def run_mi_raw(port, commands):
    lines = ['-interpreter-exec console "source %s"' % GDB_PLUGIN,
             "-target-select remote 127.0.0.1:%d" % port] + commands + ["-gdb-exit"]
    return run_debugger([require("gdb"), "-nx", "-q", "-i=mi3"], 300,
                        preload="WP_GDB_PRELOAD", stdin="\n".join(lines) + "\n").stdout


def test_mi_progress_records(tmp_path):
    """A multi-MiB write shows progress as console stream records, which an
    IDE shows; a 4-byte write shows none."""
    from harness import Qemu
    with Qemu("x86_64", ram_mb=128) as qemu:
        out = run_mi_raw(qemu.port, ["-writephys --fill --length 48M 0x1000000 0x5a",
                                     "-writephys 0x1000 1"])
        assert qemu.pmemsave(0x1000000, 16) == b"\x5a" * 16
    first, second = out.split('^done,address="0x1000000"')[0], \
        out.split('^done,address="0x1000000"')[1]
    records = [line for line in first.splitlines() if line.startswith('~"writephys: ')]
    assert records and "of 48.0 MiB" in records[0] and "MiB/s" in records[0], out
    assert "MiB/s" not in second, out


def test_mi_settings_change_behaviour():
    """verify off sends no read-back; the backend setting is the route used;
    both checked in the stub's own packet log."""
    from fakestub import FakeStub
    with FakeStub() as stub:
        run_mi_raw(stub.port, ['-interpreter-exec console "set writephys verify off"',
                               '-interpreter-exec console "maint packet qMark1"',
                               "-writephys 0x1000 1 2 3",
                               '-interpreter-exec console "maint packet qMark2"',
                               '-interpreter-exec console "set writephys verify auto"',
                               "-writephys 0x1000 4",
                               '-interpreter-exec console "maint packet qMark3"',
                               '-interpreter-exec console "set writephys backend flat"',
                               "-readphys 0x1000 --length 2"])
        log = stub.log
    first = log[log.index("qMark1") + 1:log.index("qMark2")]
    second = log[log.index("qMark2") + 1:log.index("qMark3")]
    third = log[log.index("qMark3") + 1:]
    assert any(p.startswith("M1000,3:") for p in first) and \
        not any(p.startswith("m") for p in first), first
    assert any(p.startswith("m1000,1") for p in second), second      # read back again
    assert not any("PhyMemMode" in p for p in third), third          # flat: no switch


def test_mi_quoting(qemu):
    """MI quotes with c-strings ("x y", MI's escapes undone first, so the
    core's own are doubled); single quotes are CLI quoting, which MI splits
    at spaces or keeps as characters: refused, naming the word, nothing
    sent.  QEMU's own view checks every byte."""
    out = run_mi(qemu.port, [
        '-writephys --string "x y" 0x2010',
        '-writephys --string "a\\\\x41\\tb\\101\\"" 0x2020',
        '-writephys "--string=p q" 0x2030',
        "-writephys --string 'x y' 0x2040",
        "-writephys --string 'xy' 0x2040",
        "-writephys --string='x y' 0x2040",
        "-writephys --string 'x 0x2040",
        "-readphys --output '/tmp/a b' 0x2040",
        "-writephys 0x2040 'x'",          # a character literal: GDB's own expression
    ])
    assert out[0] == ('^done,address="0x2010",length="3",backend="qemu",bytes-written="3",'
                      'verified="yes",dry-run="no"')
    assert qemu.pmemsave(0x2010, 4) == b"x y\0"
    assert out[1].startswith('^done,address="0x2020",length="6"'), out[1]
    assert qemu.pmemsave(0x2020, 7) == b'aA\tbA"\0'
    assert out[2].startswith('^done,address="0x2030",length="3"'), out[2]
    assert qemu.pmemsave(0x2030, 4) == b"p q\0"
    assert out[3] == ('^error,msg="writephys: under GDB/MI \'x y\' is 2 words (\'x | y\'): MI '
                      'splits at spaces and quotes only with \\"...\\" around a whole word; '
                      'write \\"x y\\""')
    assert out[4] == ('^error,msg="writephys: under GDB/MI the quotes of \'xy\' would be taken '
                      'as characters: MI quotes only with \\"...\\" around a whole word; '
                      'write --string \\"xy\\""')
    assert out[5].startswith('^error,msg="writephys: under GDB/MI --string=\'x y\' is 2 words')
    assert out[5].endswith('write --string \\"x y\\""')
    assert out[6].startswith('^error,msg="writephys: under GDB/MI the quote that opens \'x is '
                             'never closed')
    assert out[7].startswith('^error,msg="readphys: under GDB/MI \'/tmp/a b\' is 2 words')
    assert out[8].startswith('^done,address="0x2040",length="1"'), out[8]
    assert qemu.pmemsave(0x2040, 2) == b"x\0"       # the refused lines wrote nothing
