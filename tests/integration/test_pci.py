"""I/O ports and PCI configuration space against real QEMU guests: readio and
writeio on the RTC/CMOS ports, readpci of every function against
mechanism #1 read through HMP by the test itself, writepci of the interrupt
line seen by HMP, pci against QMP's query-pci (every BDF, ID and BAR), and
lspci decoding our dump.  The guests run no firmware, so the tests do its
job with writepci: ECAM on (q35's PCIEXBAR), the root port's bus numbers,
the e1000's BARs."""
import re
import subprocess

import pytest

from harness import GDB_PLUGIN, Qemu, require, run_gdb, run_text
from test_gdb_mi import run_mi

DEVICES = ["-device", "e1000,addr=0x3", "-device", "virtio-rng-pci,addr=0x4"]
ROOT_PORT = ["-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x5",
             "-device", "virtio-net-pci,bus=rp1"]
MACHINES = {   # machine options, the functions QEMU has, the access path
    "pc": (["-M", "pc", "-bios", "@HLT_BIOS@"] + DEVICES,
           ["00:00.0", "00:01.0", "00:01.1", "00:01.3", "00:03.0", "00:04.0"],
           "ports 0xcf8/0xcfc"),
    "q35": (["-M", "q35", "-bios", "@HLT_BIOS@"] + DEVICES + ROOT_PORT,
            ["00:00.0", "00:03.0", "00:04.0", "00:05.0", "00:1f.0", "00:1f.2", "00:1f.3",
             "01:00.0"],
            "ECAM at 0xb0000000"),
}
E1000_BAR0, E1000_BAR1 = 0xfebc0000, 0xc000


def firmware(machine):
    """What firmware would have done: ECAM on, bus numbers, a device's BARs."""
    lines = []
    if machine == "q35":
        lines += ["writepci -d 00:00.0 0x60 0xb0000001", "writepci 00:05.0 0x19 1 1"]
    return lines + ["writepci -d 00:03.0 0x10 %#x %#x" % (E1000_BAR0, E1000_BAR1),
                    "writepci -w 00:03.0 0x04 0x0003"]


def bdf_tuple(bdf):
    bus, rest = bdf.split(":")
    dev, fn = rest.split(".")
    return int(bus, 16), int(dev, 16), int(fn, 16)


def hmp_config(qemu, bdf, length=256):
    """Configuration space through mechanism #1, by HMP `o`/`i`: the oracle."""
    bus, dev, fn = bdf_tuple(bdf)
    out = b""
    for off in range(0, length, 4):
        qemu.monitor("o /w 0xcf8 %#x" % (0x80000000 | bus << 16 | dev << 11 | fn << 8 | off))
        m = re.match(r"portl\[0x0cfc\] = (0x[0-9a-f]+)", qemu.monitor("i /w 0xcfc"))
        out += int(m.group(1), 16).to_bytes(4, "little")
    return out


def dump_bytes(text):
    """The bytes of readpci's hex dump (after its first line)."""
    out = b""
    for line in text.splitlines()[1:]:
        out += bytes.fromhex(line[10:59].replace(" ", ""))
    return out


def query_pci(qemu):
    """Every function QMP's query-pci lists, bridges followed."""
    found = {}

    def walk(devices):
        for d in devices:
            found["%02x:%02x.%x" % (d["bus"], d["slot"], d["function"])] = d
            walk(d.get("pci_bridge", {}).get("devices", []))
    for bus in qemu.execute("query-pci"):
        walk(bus["devices"])
    return found


def parse_pci(text):
    """Our pci listing: per BDF the line, the BARs and the capability offsets."""
    funcs, cur = {}, None
    for line in text.splitlines()[1:]:
        m = re.match(r"0000:(\S+) ([0-9a-f]{4}):([0-9a-f]{4}) (.*)$", line)
        if m:
            cur = funcs[m.group(1)] = {"vendor": int(m.group(2), 16),
                                       "device": int(m.group(3), 16), "rest": m.group(4),
                                       "bars": {}, "caps": set()}
            continue
        m = re.match(r"  BAR(\d) (I/O|memory 32-bit|memory 64-bit) at (0x[0-9a-f]+) size "
                     r"(0x[0-9a-f]+)( prefetchable)?$", line)
        if m:
            cur["bars"][int(m.group(1))] = (m.group(2), int(m.group(3), 16),
                                            int(m.group(4), 16), bool(m.group(5)))
            continue
        assert line.startswith("  capabilities:"), line
        cur["caps"] = {int(x, 16) for x in re.findall(r" (0x[0-9a-f]+) ", line)}
    return funcs


def check_against_query_pci(ours, qmp, expected):
    assert sorted(qmp) == sorted(expected) == sorted(ours), (sorted(qmp), sorted(ours))
    for bdf, d in qmp.items():
        f = ours[bdf]
        assert (f["vendor"], f["device"]) == (d["id"]["vendor"], d["id"]["device"]), bdf
        assert "[%04x]" % d["class_info"]["class"] in f["rest"], (bdf, f["rest"])
        bars = {r["bar"]: r for r in d["regions"] if r["bar"] < 6}
        assert sorted(bars) == sorted(f["bars"]), (bdf, bars, f["bars"])
        for n, r in bars.items():
            kind, addr, size, prefetch = f["bars"][n]
            assert size == r["size"], (bdf, n, r, f["bars"][n])
            assert (kind == "I/O") == (r["type"] == "io"), (bdf, n)
            if r["type"] == "memory":
                assert (kind == "memory 64-bit") == r["mem_type_64"], (bdf, n)
                assert prefetch == r["prefetch"], (bdf, n)
            if r["address"] != -1:   # mapped: QEMU decodes it there
                assert addr == r["address"], (bdf, n, hex(addr), r)


@pytest.mark.parametrize("debugger", ["gdb", "lldb"])
def test_ports_on_the_cmos(debugger):
    with Qemu("x86_64") as qemu:
        out = run_text(debugger, [
            "writeio 0x70 0x40", "writeio 0x71 0x5a", "readio 0x71",
            "writeio 0x70 0x41", "writeio -b 0x71 0xa5 --verify", "readio -w 0x70",
            "readio 0x10000", "readio -w 0xffff", "readio -q 0x70", "writeio 0x70 0x100",
            "writeio 0x70", "readio 0x70 0x71", "readio --backend flat 0x70",
            "readio -d 0x70 --verify", "writeio 0x70 0x41 --verify",
        ], port=qemu.port)
        assert out[0] == "writeio: wrote 0x40 to port 0x70 (1 byte) via qemu, not verified " \
                         "(a device; --verify reads it back)\n", out[0]
        assert re.match(r"readio: port 0x71 = 0x5a \(1 byte\) via (direct|qemu)\n$", out[2]), out
        assert out[4] == "writeio: wrote 0xa5 to port 0x71 (1 byte) via qemu, verified\n", out[4]
        assert re.match(r"readio: port 0x70 = 0x[0-9a-f]{4} \(2 bytes\) via", out[5]), out[5]
        assert out[6:] == [
            "readio: port 0x10000 is past the I/O space (0 to 0xffff, 1 byte wide)\n",
            "readio: port 0xffff is past the I/O space (0 to 0xffff, 2 bytes wide)\n",
            "readio: option '-q' does not apply to readio\n",
            "writeio: value '0x100' does not fit in 1 byte (-b); use a wider -w or -d\n",
            "writeio: missing VALUE; usage: writeio [-b|-w|-d] PORT VALUE [--verify]\n",
            "readio: unexpected argument '0x71'; usage: readio [-b|-w|-d] PORT\n",
            "readio: the flat route has no I/O ports: it reaches the debugger's memory only\n",
            "readio: option '--verify' does not apply to readio\n",
            # the RTC's index port reads 0xff, whatever was written
            "writeio: wrote 0x41 to port 0x70, but it reads back 0xff (a port need not read "
            "back what was written)\n"], out[6:]
        # QEMU's own view (HMP through QMP): CMOS bytes 0x40 and 0x41.  The
        # refused `writeio 0x70 0x100` sent nothing: the index is still 0x41.
        assert qemu.monitor("i /b 0x71") == "portb[0x0071] = 0xa5\r\n"
        qemu.monitor("o /b 0x70 0x40")
        assert qemu.monitor("i /b 0x71") == "portb[0x0071] = 0x5a\r\n"


@pytest.mark.parametrize("debugger", ["gdb", "lldb"])
@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_config_space_against_qemu(machine, debugger, tmp_path):
    options, functions, path = MACHINES[machine]
    dump = tmp_path / "pci.txt"
    with Qemu("x86_64", machine=options) as qemu:
        qemu.monitor("o /w 0xcf8 0x80001810")     # the guest's CF8, to be kept
        setup = firmware(machine)
        lines = setup + ["pci", "pci --dump %s" % dump] + \
            ["readpci %s" % f for f in functions] + [
            "writepci 00:03.0 0x3c 0x5a", "writepci 00:04.0 0x3c 0x33 --verify",
            "writepci -w 00:03.0 0 0x1234 --verify", "readpci -w 00:03.0 0x3d",
            "readpci 00:03.0 0x100", "readpci -d 00:03.0 0xffc --length 8", "readpci 00:07.0",
            "readpci 00:20.0", "readpci 1:00:03.0", "readpci 00:03", "writepci 00:03.0 0x3c",
            "readpci -q 00:03.0 0", "pci --bus 1 00:03.0", "readpci 00:03.0 0x3c --backend flat"]
        out = run_text(debugger, lines, port=qemu.port)[len(setup):]
        n = len(functions)
        # CF8 as the guest left it, after every mechanism #1 access.
        assert qemu.monitor("i /w 0xcf8") == "portl[0x0cf8] = 0x80001810\r\n"

        assert out[0].startswith("pci: %d functions through %s via " % (n, path)), out[0]
        ours = parse_pci(out[0])
        qmp = query_pci(qemu)
        check_against_query_pci(ours, qmp, functions)
        assert ours["00:03.0"]["rest"].startswith(
            "Ethernet controller [0200]: Intel Corporation 82540EM Gigabit Ethernet Controller")
        assert ours["00:03.0"]["bars"][0] == ("memory 32-bit", E1000_BAR0, 0x20000, False)
        assert ours["00:03.0"]["bars"][1] == ("I/O", E1000_BAR1, 0x40, False)

        for f, text in zip(functions, out[2:2 + n]):
            space = 4096 if machine == "q35" else 256
            assert text.startswith("readpci: 0000:%s offsets 0x0-%#x through %s via "
                                   % (f, space - 1, path)), text
            data = dump_bytes(text)
            assert len(data) == space
            hmp = hmp_config(qemu, f)   # 0x3c: changed by writepci afterwards
            assert data[:0x3c] + data[0x3d:256] == hmp[:0x3c] + hmp[0x3d:], f
        if machine == "q35":   # extended space: QEMU's xp reads ECAM too
            m = re.match(r"\S+: (0x[0-9a-f]+)", qemu.monitor("xp /1wx 0xb0028100"))
            assert dump_bytes(out[2 + functions.index("00:05.0")])[0x100:0x104] == \
                int(m.group(1), 16).to_bytes(4, "little")

        rest = out[2 + n:]
        assert rest[0] == ("writepci: wrote 1 byte at 0000:00:03.0 offset 0x3c through %s via "
                           "qemu, not verified (a device write; --verify reads it back)\n" % path)
        assert rest[1].endswith("via qemu, verified\n"), rest[1]
        assert rest[2] == ("writepci: offset 0x0 reads back 0x8086, not 0x1234\n"), rest[2]
        assert rest[3] == "readpci: OFFSET 0x3d is not a multiple of the width (2 bytes)\n"
        if machine == "pc":
            assert rest[4].startswith("readpci: offsets from 0x100 are extended configuration "
                                      "space, reachable only through ECAM"), rest[4]
        else:
            assert rest[4].startswith("readpci: 0000:00:03.0 offsets 0x100-0x100 through ECAM")
        assert rest[5:] == [
            "readpci: 0xffc + 8 bytes is past configuration space (4096 bytes)\n",
            "readpci: no device at 0000:00:07.0 (its vendor ID reads 0xffff); 'pci' lists "
            "the devices\n",
            "readpci: BDF '00:20.0' is out of range: bus 0-ff, device 0-1f, function 0-7\n",
            "readpci: PCI domain 0001 is out of reach: writephys knows one domain, 0000\n",
            "readpci: bad BDF '00:03': use bb:dd.f or dddd:bb:dd.f (hex)\n",
            "writepci: missing VALUE; usage: writepci [-b|-w|-d] BDF OFFSET VALUE... "
            "[--verify]\n",
            "readpci: option '-q' does not apply to readpci\n",
            "pci: give --bus or a BDF, not both; usage: pci [--bus N] [BDF] [--dump FILE]\n",
            "readpci: PCI configuration space needs I/O ports: the flat route has no I/O "
            "ports: it reaches the debugger's memory only\n"], rest[5:]
        # The writes as QEMU sees them, through mechanism #1 (q35: the other path).
        assert hmp_config(qemu, "00:03.0")[0x3c] == 0x5a
        assert hmp_config(qemu, "00:04.0")[0x3c] == 0x33
        # Sizing left the BARs and the command register as they were.
        e1000 = hmp_config(qemu, "00:03.0")
        assert int.from_bytes(e1000[0x10:0x14], "little") == E1000_BAR0
        assert int.from_bytes(e1000[0x04:0x06], "little") & 3 == 3

        # lspci decodes our dump: the same IDs, classes, names and capabilities.
        assert out[1].startswith("pci: %d functions through %s" % (n, path)), out[1]
        lspci = subprocess.run([require("lspci"), "-F", str(dump), "-vv", "-nn"],
                               capture_output=True, text=True, check=True).stdout
        blocks = {b.split(" ", 1)[0]: b for b in lspci.strip().split("\n\n")}
        assert sorted(blocks) == sorted(functions), sorted(blocks)
        for f, block in blocks.items():
            head = block.splitlines()[0]
            d = qmp[f]
            assert "[%04x:%04x]" % (d["id"]["vendor"], d["id"]["device"]) in head, head
            assert "[%04x]" % d["class_info"]["class"] in head, head
            name = re.sub(r" \(prog-if .*\)$| \(rev [0-9a-f]+\)| \[[0-9a-f]{4}:[0-9a-f]{4}\]",
                          "", head.split(" ", 1)[1])
            assert re.sub(r" \(rev [0-9a-f]+\)", "", ours[f]["rest"]).startswith(name), \
                (name, ours[f]["rest"])
            caps = {int(x, 16) for x in re.findall(r"Capabilities: \[([0-9a-f]+)", block)}
            assert caps == ours[f]["caps"], (f, caps, ours[f]["caps"])


def test_same_text_in_gdb_and_lldb():
    lines = firmware("q35") + ["pci", "readpci 00:05.0", "readpci -d 00:03.0 0x10 --length 8",
                               "writepci 00:03.0 0x3c 0x5a", "writeio 0x70 0x40", "writeio 0x71 0x5a",
                               "readio 0x71", "readpci 00:07.0"]
    texts = []
    for debugger in ("gdb", "lldb"):
        with Qemu("x86_64", machine=MACHINES["q35"][0]) as qemu:
            texts.append(run_text(debugger, lines, port=qemu.port))
    assert texts[0] == texts[1]
    assert texts[0][len(firmware("q35"))].startswith("pci: 8 functions through ECAM")


def test_mi_fields():
    with Qemu("x86_64", machine=MACHINES["q35"][0]) as qemu:
        out = run_mi(qemu.port, ["-writepci -d 00:00.0 0x60 0xb0000001",
                                 "-readpci 00:03.0 0x3c", "-writepci 00:03.0 0x3c 0x5a",
                                 "-readpci -w 00:03.0 0x0", "-pci --bus 0",
                                 "-writeio 0x70 0x0a", "-readio 0x71", "-readio 0x10000"])
    assert out[0] == ('^done,bdf="0000:00:00.0",path="ports 0xcf8/0xcfc",offset="0x60",'
                      'bytes-written="4",backend="qemu",verified="no"'), out[0]
    assert re.match(r'\^done,bdf="0000:00:03.0",path="ECAM at 0xb0000000",offset="0x3c",'
                    r'length="1",backend="(direct|qemu)",contents="[0-9a-f]{2}"$', out[1]), out[1]
    assert out[2].startswith('^done,bdf="0000:00:03.0",path="ECAM at 0xb0000000",'), out[2]
    assert out[3].endswith('contents="8680"'), out[3]
    assert re.match(r'\^done,path="ECAM at 0xb0000000",functions="0000:00:00.0 8086:29c0,'
                    r'0000:00:03.0 8086:100e,.*",count="7",backend="qemu"$', out[4]), out[4]
    assert out[5] == '^done,port="0x70",width="1",value="0xa",backend="qemu",verified="no"'
    assert re.match(r'\^done,port="0x71",width="1",value="0x26",backend="(direct|qemu)"$',
                    out[6]), out[6]
    assert out[7] == ('^error,msg="readio: port 0x10000 is past the I/O space (0 to 0xffff, '
                      '1 byte wide)"')


def test_pci_with_ten_devices():
    """pci on a q35 guest with 10 devices (its time is bench/bench.py's, not
    a test's: a timed assertion would fail on a slower machine)."""
    more = []
    for i in range(6):
        more += ["-device", "virtio-rng-pci,addr=%#x" % (0x6 + i)]
    with Qemu("x86_64", machine=MACHINES["q35"][0] + more) as qemu:
        r = run_gdb(firmware("q35") + ["pci"], port=qemu.port)[-1]
    assert r["error"] is None, r
    assert r["output"].startswith("pci: 14 functions through ECAM"), r["output"]


def test_without_the_id_database_numbers_only_said_once():
    """pci.ids hidden (a private mount namespace over /usr/share/misc): the
    first listing says so once, and every line has its numbers."""
    with Qemu("x86_64", machine=MACHINES["pc"][0]) as qemu:
        script = ("mount -t tmpfs none /usr/share/misc && exec %s -nx -batch -ex 'source %s' "
                  "-ex 'target remote 127.0.0.1:%d' -ex pci -ex pci"
                  % (require("gdb"), GDB_PLUGIN, qemu.port))
        out = subprocess.run([require("unshare"), "-m", "sh", "-c", script],
                             capture_output=True, text=True, timeout=120).stdout
    note = "pci: numbers only: no PCI ID database at /usr/share/misc/pci.ids (Debian: pci.ids)\n"
    assert out.count(note) == 1, out
    assert out.count("pci: 6 functions through ports 0xcf8/0xcfc") == 2, out
    assert "0000:00:03.0 8086:100e Class [0200]: Device (rev 03)\n" in out, out
