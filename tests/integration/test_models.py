"""The openocd and vmware routes in the real GDB and the real LLDB, against
models of stubs no machine here can run (modelstubs.py says what each is
modelled on).  The command lines the openocd route sends are then run by
Debian's real openocd, whose dummy adapter and testee target accept their
syntax and refuse the access: a syntax error would read otherwise."""
import pytest

from fakestub import RAM_SIZE
from harness import run_text
from modelstubs import OPENOCD_X86_CFG, OldOpenOcdStub, OpenOcdStub, VmwareStub, \
    real_openocd_help, real_openocd_x86_help, run_real_openocd

DEBUGGERS = ["gdb", "lldb"]
@pytest.fixture(scope="module")
def help_text(tmp_path_factory):
    return real_openocd_help(str(tmp_path_factory.mktemp("openocd")))


PARITY_LINES = [
    "writephys -d 0x1000 0xdeadbeef -2",
    'writephys --string "ocd\\t\\x01\\x7f" 0x10ff',
    "writephys --fill --length 5000 -w 0x2000 0xa55a",
    "readphys 0x1000 --length 8",
    "readphys -q 0x2000 --length 16",
    "writephys 0x100000 1",
    "writephys --direct-map 0xffff888000000000 0x1000 1",
    "writephys --backend qemu 0x1000 1",
]


def expected_ram():
    ram = bytearray(RAM_SIZE)
    ram[0x1000:0x1008] = bytes.fromhex("efbeadde") + (-2 & 0xffffffff).to_bytes(4, "little")
    ram[0x10ff:0x10ff + 6] = b"ocd\t\x01\x7f"
    ram[0x2000:0x2000 + 5000] = b"\x5a\xa5" * 2500
    return ram


@pytest.mark.parametrize("model", ["openocd", "vmware"])
def test_route_writes_the_same_in_both_debuggers(help_text, model):
    texts = {}
    for debugger in DEBUGGERS:
        stub = OpenOcdStub(help_text) if model == "openocd" else VmwareStub()
        with stub:
            texts[debugger] = out = run_text(debugger, PARITY_LINES, port=stub.port)
        assert stub.ram == expected_ram(), (debugger, out)
        assert stub.virtual_writes == 0
        if model != "openocd":
            assert stub.mode == 0   # back in virtual mode
    out = texts["gdb"]
    # A refused packet is worded by each debugger (GDB shows the E code, LLDB
    # its own message); all else is the same text.
    refused = "writephys: 0 of 1 byte written; the write failed at 0x100000: "
    if model == "vmware":
        assert out[5].startswith(refused) and texts["lldb"][5].startswith(refused)
        texts["lldb"][5] = out[5]
    assert texts["lldb"] == out
    assert out[0] == "writephys: wrote 8 bytes at physical 0x1000 via %s, verified\n" % model
    assert out[2] == "writephys: wrote 5000 bytes at physical 0x2000 via %s, verified\n" % model
    assert out[3].startswith("00001000  ef be ad de fe ff ff ff"), out[3]
    assert out[3].endswith("readphys: via %s; it has no memory map, so it could not tell RAM "
                           "from a device range\n" % model), out[3]
    assert out[4].startswith("00002000  a55aa55aa55aa55a a55aa55aa55aa55a"), out[4]
    # Past the model's memory: VMware refuses the packet, so nothing landed;
    # OpenOCD only says that its command failed, so the byte is in doubt.
    assert out[5].startswith("writephys: 0 of 1 byte written" if model == "vmware" else
                             "writephys: 0 to 1 of 1 byte written (0x100000-0x100000 were in "
                             "flight"), out[5]
    assert "does not answer as kgdb" in out[6], out[6]   # --direct-map means kgdb
    assert "PhyMemMode" in out[7], out[7]


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_openocd_error_mid_write_is_a_range(help_text, debugger):
    # The second command fails after 100 of its bytes landed: OpenOCD says
    # only that it failed, so the whole command is in doubt.
    with OpenOcdStub(help_text, partial=100, faults={("write", 2): 1, ("read", 1): 1}) as stub:
        out = run_text(debugger, ["writephys --fill --length 5000 0x2000 0xab",
                                  "readphys 0x2000 --length 4"], port=stub.port)
    assert out[0] == ("writephys: 1792 to 3584 of 5000 bytes written (0x2700-0x2dff were in "
                      "flight, their outcome unknown); the write failed at 0x2700: OpenOCD: "
                      "write_memory: failed to write memory (write_memory: write at "
                      "0x00002700 with width=8 and count=1792 failed)\n"), out[0]
    assert stub.ram[0x2000:0x2700 + 100] == b"\xab" * (0x700 + 100)
    assert stub.ram[0x2700 + 100] == 0
    assert out[1].startswith("readphys: 0 of 4 bytes read; the read failed at 0x2000: OpenOCD: "
                             "read_memory: failed to read memory"), out[1]


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_openocd_error_reply_keeps_its_message(help_text, debugger):
    # An error outside the catch: OpenOCD's O packet with the reason, then E.
    error = ["O" + b"Error: target not halted\n".hex(), "E01"]
    with OpenOcdStub(help_text, faults={("rcmd", 2): error}) as stub:
        out = run_text(debugger, ["writephys -d 0x1000 0xdeadbeef", "writephys 0x1000 7"],
                       port=stub.port)
    assert out[0] == ("writephys: 0 to 4 of 4 bytes written (0x1000-0x1003 were in flight, "
                      "their outcome unknown); the write failed at 0x1000: 'monitor "
                      "write_memory ...': the stub answered with an error: Error: target not "
                      "halted\n"), out[0]
    # The debugger's own logging is left as it was, and the next write works.
    assert out[1] == "writephys: wrote 1 byte at physical 0x1000 via openocd, verified\n"


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_old_openocd_reads_with_mdb_and_refuses_writes(help_text, debugger):
    with OldOpenOcdStub(help_text) as stub:
        stub.ram[0x1000:0x1030] = bytes(range(0x30))
        out = run_text(debugger, ["readphys 0x1000 --length 0x30", "writephys 0x1000 1"],
                       port=stub.port)
    assert out[0].startswith("00001000  00 01 02 03 04 05 06 07  08 09 0a 0b"), out[0]
    assert "00001020  20 21 22 23" in out[0], out[0]
    assert "this OpenOCD has no write_memory command" in out[1], out[1]
    assert stub.accepted == 0


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_vmware_mode_restored_on_every_path(debugger):
    # The switch refused; then a write refused mid-way: both leave it virtual.
    with VmwareStub(faults={("phys", 1): "E01", ("M", 2): "E03"}) as stub:
        out = run_text(debugger, ["writephys -d 0x1000 0xdeadbeef",
                                  "writephys --fill --length 8000 0x2000 0xab"], port=stub.port)
        assert stub.mode == 0
        assert stub.counts.get("virt") == 2
    assert out[0].startswith("writephys: the stub refused the switch to physical addresses: "
                             "'monitor phys': the stub answered with an error"), out[0]
    landed = stub.accepted
    assert 0 < landed < 8000
    assert out[1].startswith("writephys: %d of 8000 bytes written; the write failed at %#x"
                             % (landed, 0x2000 + landed)), out[1]
    assert stub.ram[0x2000:0x2000 + landed] == b"\xab" * landed
    assert stub.ram[0x2000 + landed] == 0


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_each_route_only_where_recognised(help_text, debugger):
    with VmwareStub() as stub:
        vm = run_text(debugger, ["writephys --backend openocd 0x1000 1",
                                 "writephys --backend kgdb 0x1000 1"], port=stub.port)
    with OpenOcdStub(help_text) as stub:
        ocd = run_text(debugger, ["writephys --backend vmware 0x1000 1"], port=stub.port)
        assert stub.accepted == 0
    assert "so it is not OpenOCD" in vm[0], vm[0]
    assert "does not answer as kgdb" in vm[1], vm[1]
    assert "so it is not VMware's" in ocd[0], ocd[0]


PORT_LINES = ["readio 0x71", "writeio 0x70 0x40", "writeio -w 0x80 0x1234", "readio -d 0x80",
              "writeio -b 0x71 0x5a --verify", "readpci 00:00.0 0x0 --length 4"]


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_openocd_ports_on_an_x86_32_target(help_text, debugger, tmp_path):
    stub = OpenOcdStub(help_text, x86=real_openocd_x86_help(str(tmp_path)))
    stub.ports[0x71] = 0x26
    with stub:
        out = run_text(debugger, PORT_LINES, port=stub.port)
    assert out[:5] == [
        "readio: port 0x71 = 0x26 (1 byte) via openocd\n",
        "writeio: wrote 0x40 to port 0x70 (1 byte) via openocd, not verified (a device; "
        "--verify reads it back)\n",
        "writeio: wrote 0x1234 to port 0x80 (2 bytes) via openocd, not verified (a device; "
        "--verify reads it back)\n",
        "readio: port 0x80 = 0x00001234 (4 bytes) via openocd\n",
        "writeio: wrote 0x5a to port 0x71 (1 byte) via openocd, verified\n"], out
    # The model has no chipset behind CF8/CFC: configuration space reads as
    # the ports do (zero), which readpci reports as a device.
    assert out[5].startswith("readpci: 0000:00:00.0 offsets 0x0-0x3 through ports "
                             "0xcf8/0xcfc via openocd\n"), out[5]
    assert stub.ports[0x70] == 0x40 and stub.ports[0x80:0x82] == b"\x34\x12"
    assert stub.ports[0x71] == 0x5a


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_openocd_without_x86_32_has_no_ports(help_text, debugger):
    with OpenOcdStub(help_text) as stub:
        out = run_text(debugger, ["readio 0x70"], port=stub.port)
    assert out[0] == ("readio: this OpenOCD's target has no I/O port commands ('monitor help' "
                      "lists no 'x86_32 idb port'; they come with x86_32 targets)\n"), out[0]
    assert not [c for c in stub.commands if "x86_32" in c]


def sent_by_route(help_text, cases, keep):
    """The openocd commands the route sends for each (stub, lines) case, by
    running them here: the checks against the real openocd below do not
    depend on which other tests ran, or in which order."""
    sent = set()
    for make_stub, lines in cases:
        with make_stub() as stub:
            run_text("gdb", lines, port=stub.port)
        sent.update(c for c in stub.commands if keep(c))
    return sorted(sent)


def test_real_openocd_accepts_every_port_command_sent(help_text, tmp_path):
    """The port commands the tests above send, through the real openocd with
    an x86_32 target, whose accesses all fail: a failure, not a syntax error."""
    x86 = real_openocd_x86_help(str(tmp_path))
    sent = sent_by_route(help_text, [(lambda: OpenOcdStub(help_text, x86=x86), PORT_LINES)],
                         lambda c: "x86_32 i" in c)
    assert sent
    results = run_real_openocd(['echo "[%s]"' % c for c in sent], str(tmp_path),
                               OPENOCD_X86_CFG)
    for command, result in zip(sent, results):
        assert "wp-error" in result and "io error" in result, (command, result)
        for bad in ("wrong # args", "invalid command", "syntax", "exceeds max"):
            assert bad not in result, (command, result)


def test_real_openocd_accepts_every_command_sent(help_text, tmp_path):
    """The memory commands the tests above send, through the real openocd."""
    sent = sent_by_route(help_text, [
        (lambda: OpenOcdStub(help_text), PARITY_LINES),
        (lambda: OldOpenOcdStub(help_text), ["readphys 0x1000 --length 0x30"]),
    ], lambda c: "_memory " in c or "mdb " in c)
    assert len({c.split("{")[2].split()[0] for c in sent}) == 3, sent[:3]  # write, read, mdb
    results = run_real_openocd(['echo "[%s]"' % c for c in sent], str(tmp_path))
    for command, result in zip(sent, results):
        # The testee target has no physical access: a refusal, not a syntax error.
        assert "doesn't support" in result, (command, result)
        assert "wp-error" in result, (command, result)
        for bad in ("wrong # args", "invalid", "too large", "wraps", "unknown"):
            assert bad not in result, (command, result)
