"""`import writephys` in GDB's Python: the data-space calls against a real
QEMU (every byte checked through QMP, translations against QEMU's own
walk), the README's write-protect script, and the failures the fake stub
produces on demand: a refused packet mid-write, a lost link, Ctrl-C."""
import json
import os
import signal

from fakestub import HANGUP, FakeStub, debugger_chunk
from harness import GDB_PLUGIN, ROOT, Qemu, run_gdb
from test_vtop import X86_TABLES, gpa, x86_regs

# Runs inside GDB: `calls` is a list of Python expressions over `wp` (the
# module as imported) and `gdb`; each result (or the writephys.Error with
# its fields) goes to the JSON file named by WP_PY_OUT.
SCRIPT = r'''
import json, os
import gdb
import writephys as wp
out = []
for call in json.loads(os.environ["WP_PY_CALLS"]):
    try:
        value = eval(call)
        if isinstance(value, bytes):
            value = {"hex": value.hex()}
        elif isinstance(value, wp.Walk):
            value = {"physical": value.physical, "page_size": value.page_size,
                     "mode": value.mode, "writable": value.writable, "steps": value.steps}
        out.append({"value": value})
    except wp.Error as e:
        out.append({"error": str(e), "status": e.status, "address": e.address,
                    "bytes_written": e.bytes_written, "in_doubt": e.in_doubt,
                    "written_range": e.written_range, "doubt_range": e.doubt_range})
    except Exception as e:
        out.append({"raised": type(e).__name__, "text": str(e)})
json.dump(out, open(os.environ["WP_PY_OUT"], "w"))
'''


def run_python(tmp_path, calls, port, before=(), after=(), **kw):
    """GDB commands before, the calls (their results), GDB commands after."""
    script = tmp_path / "calls.py"
    script.write_text(SCRIPT)
    out = tmp_path / "out.json"
    env = dict(os.environ, WP_PY_CALLS=json.dumps(calls), WP_PY_OUT=str(out))
    r = run_gdb(list(before) + ["source %s" % script] + list(after), port=port, env=env, **kw)
    assert r[len(before)]["error"] is None, r[len(before)]
    return json.load(open(out)), r[:len(before)], r[len(before) + 1:]


def test_calls_write_read_fill_and_translate_in_qemu(tmp_path):
    data = os.urandom(100000)
    (tmp_path / "data.bin").write_bytes(data)
    with Qemu("x86_64", ["-cpu", "max"]) as qemu:
        calls = [
            # address as a gdb.Value, data as any bytes-like object
            "wp.write_physical(gdb.parse_and_eval('0x2000'), bytearray(b'\\x11\\x22\\x33'))",
            "int(gdb.parse_and_eval('$_writephys_written'))",
            "wp.write_physical(0x100000, memoryview(open(%r, 'rb').read()), verify=True)"
            % str(tmp_path / "data.bin"),
            "wp.read_physical(0x100000 + 99990, 10)",
            "wp.fill_physical(0x3000, 4096, b'\\xde\\xad\\xbe\\xef')",
            "wp.virtual_to_physical(0x401234)",
            "wp.virtual_to_physical(gdb.parse_and_eval('(char *)0x600000 + 0x12345'))",
            "wp.walk(0x401234)",
            "wp.read_pci_config('00:00.0', 0, 4)",
            # bad inputs: one line each, nothing sent
            "wp.write_physical('0x2000', b'\\x01')",
            "wp.write_physical(0x2000, 'text')",
            "wp.write_physical(0x2000, b'')",
            "wp.write_physical(-1, b'\\x01')",
            "wp.read_physical(0x2000, 4, backend='nosuch')",
            "wp.walk(0x403000)",
            "wp.read_port(0x80, size=3)",
            # CMOS: index 0x0a (status register A) at port 0x70, its value at 0x71
            "wp.write_port(0x70, 0x0a)",
            "wp.read_port(0x71)",
        ]
        # The commands' own lines for the same mistakes, to compare.
        after = ["writephys -1 1", "readphys 0x2000 --length 4 --backend nosuch",
                 "vtop 0x403000", "monitor gva2gpa 0x401234", "monitor gva2gpa 0x612345",
                 "monitor o 0x70 0x0a", "monitor i 0x71"]
        before = list(X86_TABLES) + x86_regs("gdb", 0x10000, 0x20, 0x900)
        res, _, cmds = run_python(tmp_path, calls, qemu.port, before, after)
        assert qemu.pmemsave(0x2000, 4) == b"\x11\x22\x33\x00"
        assert qemu.pmemsave(0x100000, len(data)) == data
        assert qemu.pmemsave(0x3000, 4096) == b"\xde\xad\xbe\xef" * 1024
    assert [r.get("value") for r in res[:3]] == [3, 3, len(data)], res
    assert res[3]["value"] == {"hex": data[99990:].hex()}
    assert res[4]["value"] == 4096
    # QEMU's own walk, asked while the CPU is stopped with these registers.
    truth = [gpa(c["output"]) for c in cmds[3:5]]
    assert [res[5]["value"], res[6]["value"]] == truth == [0x300234, 0x812345], res
    walk = res[7]["value"]
    assert walk["physical"] == 0x300234 and walk["page_size"] == 0x1000, walk
    assert walk["mode"] == "x86-64 4-level" and walk["writable"], walk
    assert [s[0] for s in walk["steps"]] == ["PML4", "PDPT", "PD", "PT"], walk
    assert walk["steps"][-1] == ["PT", 0x13000, 1, 0x13008, 0x300007], walk
    assert res[8]["value"] == {"hex": "86803712"}      # i440FX: 8086:1237
    assert res[9] == {"raised": "TypeError",
                      "text": "address must be an int or a gdb.Value, not str"}, res[9]
    assert res[10] == {"raised": "TypeError", "text": "data must be bytes-like, not str"}
    assert res[11]["error"] == ("writephys: no VALUE to write after ADDRESS; usage: writephys "
                                "[OPTIONS] ADDRESS VALUE..."), res[11]
    # The same line the command prints, and the fields beside it.
    assert res[12]["error"] == cmds[0]["error"] == "writephys: ADDRESS '-1' is negative"
    assert res[12]["bytes_written"] == 0 and res[12]["status"] == -1
    assert res[12]["address"] == -1 and res[12]["written_range"] == [-1, -1]
    assert res[13]["error"] == cmds[1]["error"] and "nosuch" in res[13]["error"], res[13]
    assert res[14]["error"] == cmds[2]["error"], (res[14], cmds[2])
    assert res[14]["error"].startswith("vtop: 0x403000 is not mapped"), res[14]
    assert res[15] == {"raised": "ValueError", "text": "size must be 1, 2 or 4, not 3"}
    # QEMU's own monitor reads the same register.
    assert res[16] == {"value": None} and cmds[6]["output"].strip() == \
        "portb[0x0071] = 0x%02x" % res[17]["value"], (res[16:], cmds[6])


def test_readme_write_protect_script(tmp_path):
    """examples/python/write_protect.py clears R/W in the entry that maps
    each page; QEMU's own page walk (`info tlb`) shows the page read-only,
    and --undo gives back the very bytes."""
    script = os.path.join(ROOT, "examples", "python", "write_protect.py")
    with Qemu("x86_64", ["-cpu", "max"]) as qemu:
        before = list(X86_TABLES) + x86_regs("gdb", 0x10000, 0x20, 0x900)
        r = run_gdb(before + ["source " + script, "write-protect 0x401000 0x2000",
                              "monitor info tlb"], port=qemu.port)
        protected = qemu.pmemsave(0x13008, 16)
        tlb = r[-1]["output"]
        r2 = run_gdb(before[-5:] + ["source " + script, "write-protect --undo 0x401000 0x1000",
                                    "write-protect 0x403000 1"], port=qemu.port)
        undone = qemu.pmemsave(0x13008, 8)
    assert r[-2]["output"] == ("entry at physical 0x13008: 0x0000000000300007 -> "
                               "0x0000000000300005\n"
                               "entry at physical 0x13010: 0x80000000007ff001 -> "
                               "0x80000000007ff001 (as it was)\n"), r[-2]
    assert protected == (0x300005).to_bytes(8, "little") + (NX_RO).to_bytes(8, "little")
    line = [l for l in tlb.splitlines() if l.startswith("0000000000401000:")]
    # QEMU's flags, X G P D A C T U W: user, and no longer writable.
    assert line and line[0].split()[1:] == ["0000000000300000", "-------U-"], tlb
    assert r2[-2]["output"] == ("entry at physical 0x13008: 0x0000000000300005 -> "
                                "0x0000000000300007\n"), r2
    assert undone == (0x300007).to_bytes(8, "little")
    assert r2[-1]["error"].startswith("vtop: 0x403000 is not mapped"), r2[-1]


NX_RO = (1 << 63) | 0x7ff000 | 1


def test_partial_write_is_on_the_exception(tmp_path):
    with FakeStub(faults={("M", 3): "E14"}) as stub:
        res, _, cmds = run_python(tmp_path, ["wp.write_physical(0x1000, b'\\xab' * 20000)",
                                             "int(gdb.parse_and_eval('$_writephys_written'))"],
                                  stub.port)
        accepted = stub.accepted
        ram = bytes(stub.ram[0x1000:0x1000 + 20000])
    e = res[0]
    assert e["error"] == ("writephys: %d of 20000 bytes written; the write failed at %#x: the "
                          "stub refused the write (E14)" % (accepted, 0x1000 + accepted)), e
    assert e["status"] == -4 and e["address"] == 0x1000
    assert e["bytes_written"] == accepted > 0 and e["in_doubt"] == 0
    assert e["written_range"] == [0x1000, 0x1000 + accepted]
    assert ram == b"\xab" * accepted + bytes(20000 - accepted)
    assert res[1]["value"] == accepted


def test_lost_link_puts_the_range_in_doubt(tmp_path):
    with FakeStub(faults={("M", 2): HANGUP}) as stub:
        res, _, _ = run_python(tmp_path, ["wp.write_physical(0x1000, b'\\x01' * 5000)"],
                               stub.port)
        accepted = stub.accepted
    e = res[0]
    in_flight = debugger_chunk("gdb", 0x1000 + accepted, 5000 - accepted)
    assert e["bytes_written"] == accepted and e["in_doubt"] == in_flight, e
    assert e["doubt_range"] == [0x1000 + accepted, 0x1000 + accepted + in_flight]
    assert e["error"].startswith("writephys: %d to %d of 5000 bytes written (0x%x-0x%x were "
                                 "in flight" % (accepted, accepted + in_flight,
                                                0x1000 + accepted,
                                                0x1000 + accepted + in_flight - 1)), e


def test_ctrl_c_stops_a_call_exactly(tmp_path):
    # The stub presses Ctrl-C while the 3rd write packet is in flight.
    pid = []

    def on_packet(kind, n):
        if kind == "M" and n == 3:
            os.kill(pid[0], signal.SIGINT)
    with FakeStub(on_packet=on_packet) as stub:
        res, _, after = run_python(tmp_path, ["wp.write_physical(0x1000, b'\\x5a' * 100000)",
                                              "wp.read_physical(0x1000, 2)"],
                                   stub.port, after=["readphys 0x1000 --length 2"],
                                   started=pid.append)
        accepted = stub.accepted
        ram = bytes(stub.ram[0x1000:0x1000 + accepted + 1])
    e = res[0]
    assert e["error"] == ("writephys: %d of 100000 bytes written; interrupted by Ctrl-C before "
                          "%#x" % (accepted, 0x1000 + accepted)), e
    assert e["status"] == -8 and e["bytes_written"] == accepted == 3 * 2041
    assert ram == b"\x5a" * accepted + b"\x00"
    assert res[1]["value"] == {"hex": "5a5a"}           # the next call works
    assert after[0]["output"].startswith("00001000  5a 5a"), after


def test_import_after_sourcing_twice(tmp_path):
    """Sourcing the plugin again keeps one module and its Error class."""
    script = tmp_path / "twice.py"
    script.write_text(
        "import gdb, writephys\n"
        "first = writephys.Error\n"
        "gdb.execute('source %s')\n"
        "import writephys as again\n"
        "try:\n"
        "    again.write_physical(0x10, b'\\x01')\n"
        "except first as e:\n"
        "    gdb.write('caught: %%s\\n' %% e)\n" % GDB_PLUGIN)
    r = run_gdb(["source %s" % script, "writephys --dry-run 0x10 1"])
    assert r[0]["output"].startswith("caught: writephys: no target"), r[0]
    assert r[1]["output"].startswith("writephys: dry run: would write 1 byte"), r[1]
