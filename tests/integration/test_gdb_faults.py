"""Faults a real QEMU won't produce on demand, against the real GDB."""
from fakestub import FakeStub
from harness import run_gdb


def writes_in(log):
    return [p for p in log if p[:1] in ("M", "X")]


def test_no_physical_mode_sends_no_write():
    with FakeStub(phys=False) as stub:
        r = run_gdb(["writephys 0x1000 1 2 3", "writephys --backend qemu 0x1000 1",
                     "readphys 0x1000", "echo alive\\n"], port=stub.port)
    assert r[0]["error"].startswith("writephys: no route to physical memory")
    assert "--backend flat" in r[0]["error"]
    assert "PhyMemMode" in r[1]["error"]
    assert r[2]["error"].startswith("readphys: ")
    assert r[3]["output"] == "alive\n"
    assert writes_in(stub.log) == []
    assert stub.virtual_writes == 0


def test_error_mid_write_reports_exact_count():
    with FakeStub(fail_m_at=3) as stub:
        r = run_gdb(["writephys --fill --length 20000 0x1000 0xab",
                     "value:$_writephys_written", "echo alive\\n"], port=stub.port)
    err = r[0]["error"]
    assert stub.accepted > 0
    assert err.startswith("writephys: %d of 20000 bytes written; the write failed at %#x"
                          % (stub.accepted, 0x1000 + stub.accepted)), err
    assert "E14" in err
    assert r[1]["output"] == str(stub.accepted)
    assert stub.ram[0x1000:0x1000 + stub.accepted] == b"\xab" * stub.accepted
    assert stub.ram[0x1000 + stub.accepted] == 0
    last_write = max(i for i, p in enumerate(stub.log) if p.startswith("M"))
    assert "Qqemu.PhyMemMode:0" in stub.log[last_write:]
    assert stub.mode == 0
    assert r[2]["output"] == "alive\n"


def test_garbage_reply_mid_write():
    with FakeStub(fail_m_at=2, fail_reply="zz") as stub:
        r = run_gdb(["writephys --fill --length 5000 0x1000 1", "value:$_writephys_written"],
                    port=stub.port)
    assert "unexpected reply to the write: 'zz'" in r[0]["error"]
    assert r[1]["output"] == str(stub.accepted)
    assert stub.mode == 0


def test_dropped_connection_is_one_clear_line():
    with FakeStub(drop_at_m=2) as stub:
        r = run_gdb(["writephys --fill --length 5000 0x1000 1", "value:$_writephys_written",
                     "echo alive\\n", "writephys 0x1000 1"], port=stub.port)
    err = r[0]["error"]
    assert err.startswith("writephys: %d of 5000 bytes written" % stub.accepted), err
    assert "\n" not in err
    assert "may still be in physical mode" in err
    assert r[1]["output"] == str(stub.accepted)
    assert r[2]["output"] == "alive\n"
    assert r[3]["error"].startswith("writephys: no target")
