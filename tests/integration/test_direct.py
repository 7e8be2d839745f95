"""The direct route into a local QEMU's memory (/proc/PID/mem at gpa2hva's
host addresses), under TCG and KVM, checked through QMP: reads whenever it
is available, writes by `auto` under KVM only, ROM and devices through the
stub in the same command, a unix-socket gdbstub, and the fallback (said
once) when the debugger may not open QEMU's memory."""
import os

import pytest

from harness import Qemu, run_gdb, run_text

KVM = os.access("/dev/kvm", os.R_OK | os.W_OK)


def test_tcg_reads_direct_writes_through_the_stub(tmp_path):
    data = os.urandom(3 << 20)
    (tmp_path / "blob").write_bytes(data)
    with Qemu("x86_64") as qemu:
        r = run_gdb(["writephys --file %s 0x100000" % (tmp_path / "blob"),
                     "readphys 0x100000 --length 3M --output %s" % (tmp_path / "back"),
                     "writephys --backend direct -d 0x2000 0xcafef00d",
                     "readphys --backend direct -d 0x2000 --length 4",
                     "packet:qqemu.PhyMemMode"], port=qemu.port)
        assert qemu.pmemsave(0x100000, len(data)) == data
        assert qemu.pmemsave(0x2000, 4) == (0xcafef00d).to_bytes(4, "little")
    # Under TCG auto writes through the stub (QEMU keeps its translated code
    # fresh), and reads through QEMU's memory.
    assert r[0]["output"] == "writephys: wrote 3145728 bytes at physical 0x100000 via qemu, " \
                             "verified\n", r[0]
    assert r[1]["output"].endswith("to %s via direct\n" % (tmp_path / "back")), r[1]
    assert (tmp_path / "back").read_bytes() == data
    # Named, it writes directly, and says what that means under TCG.
    assert r[2]["output"].startswith("writephys: wrote 4 bytes at physical 0x2000 via direct "
                                     "(under TCG: code QEMU translated"), r[2]
    assert r[3]["output"].startswith("00002000  cafef00d"), r[3]
    assert r[4]["output"] == "0"      # the stub's mode was never touched


@pytest.mark.skipif(not KVM, reason="/dev/kvm is not usable here")
@pytest.mark.parametrize("debugger", ["gdb", "lldb"])
def test_kvm_writes_direct(debugger, tmp_path):
    data = os.urandom(1 << 20)
    (tmp_path / "blob").write_bytes(data)
    with Qemu("x86_64", ["-accel", "kvm"]) as qemu:
        out = run_text(debugger, ["writephys --file %s 0x200000" % (tmp_path / "blob"),
                                  "writephys -q 0x3000 0x1122334455667788",
                                  "readphys -q 0x3000 --length 8"], port=qemu.port)
        assert qemu.pmemsave(0x200000, len(data)) == data
        assert qemu.pmemsave(0x3000, 8) == (0x1122334455667788).to_bytes(8, "little")
    assert out[0] == "writephys: wrote 1048576 bytes at physical 0x200000 via direct, " \
                     "verified\n", out
    assert out[1] == "writephys: wrote 8 bytes at physical 0x3000 via direct, verified\n", out


def test_ram_and_a_device_in_one_write_and_ram_above_4g():
    """aarch64 virt: PCIe ECAM (a device) ends where RAM starts; x86 with
    5 GiB: RAM above 4 GiB is a region of its own."""
    with Qemu("aarch64") as qemu:
        r = run_gdb(["writephys --backend direct --force -d 0x3ffffffc 0x11111111 0x22222222",
                     "readphys --backend direct 0x40000000 --length 4"],
                    port=qemu.port, gdb=qemu.gdb)
        assert qemu.pmemsave(0x40000000, 4) == (0x22222222).to_bytes(4, "little")
    assert r[0]["output"].startswith("writephys: wrote 8 bytes at physical 0x3ffffffc via "
                                     "direct for RAM and qemu for the rest"), r[0]
    assert r[1]["output"].startswith("40000000  22 22 22 22"), r[1]
    with Qemu("x86_64", ram_mb=5 << 10) as qemu:
        r = run_gdb(["writephys --backend direct -q 0x13ffffff8 0x0123456789abcdef",
                     "writephys --backend direct -q 0xbffffff8 0x0fedcba987654321",
                     "readphys 0x100000000 --length 8"], port=qemu.port)
        assert qemu.pmemsave(0x13ffffff8, 8) == (0x0123456789abcdef).to_bytes(8, "little")
        assert qemu.pmemsave(0xbffffff8, 8) == (0x0fedcba987654321).to_bytes(8, "little")
    assert all(x["error"] is None for x in r), r
    assert "via direct" in r[0]["output"] and "via direct" in r[1]["output"], r


def test_unix_socket_gdbstub_is_found():
    with Qemu("x86_64", gdb_unix=True) as qemu:
        r = run_gdb(["writephys -d 0x5000 0x600dcafe",
                     "readphys 0x5000 --length 4 --output /dev/null"], port=qemu.port)
    assert r[0]["output"].endswith("via qemu, verified\n"), r
    assert r[1]["error"] == "readphys: --output '/dev/null' is not a regular file", r
    with Qemu("x86_64", gdb_unix=True) as qemu:
        r = run_gdb(["readphys 0x5000 --length 4 --output %s" % os.path.join(qemu.dir, "o")],
                    port=qemu.port)
    assert r[0]["output"].endswith("via direct\n"), r


def test_fallback_when_qemu_memory_is_refused(tmp_path):
    """QEMU started by root with -runas nobody, the debugger as nobody: the
    same user, but QEMU is non-dumpable, so its memory (and its sockets)
    are closed to the debugger.  It says why once, then uses the stub."""
    if os.geteuid() != 0:
        pytest.fail("run as root: QEMU drops to 'nobody' with -runas")
    out = os.path.join(tmp_path, "o")
    os.chmod(tmp_path, 0o777)
    for parent in (tmp_path.parent, tmp_path.parent.parent):
        os.chmod(parent, os.stat(parent).st_mode | 0o711)   # nobody reaches tmp_path
    with Qemu("x86_64", ["-runas", "nobody"]) as qemu:
        r = run_gdb(["readphys 0x1000 --length 4", "readphys 0x1000 --length 4",
                     "readphys 0x1000 --length 4 --output %s" % out], port=qemu.port,
                    user=65534)
    assert r[0]["output"].startswith("readphys: note: the direct route is not used: the "
                                     "stub's process on this host cannot be inspected by this "
                                     "user (QEMU runs as another user, or with -runas"), r
    assert r[0]["output"].count("\n") == 2, r          # the note, then the dump
    assert "note" not in r[1]["output"], r            # said once
    assert r[2]["output"].endswith("via qemu\n"), r


@pytest.mark.parametrize("backend", ["qemu", "direct"])
def test_streamed_sources_across_stages(backend, tmp_path):
    """Files and patterns go a 1 MiB stage at a time (issue 18): a --skip
    that is not aligned, a length past two stage boundaries, a 3-byte fill
    pattern whose stages start mid-pattern, all read back and compared."""
    data = os.urandom((5 << 20) // 2 + 7)
    (tmp_path / "blob").write_bytes(data)
    with Qemu("x86_64") as qemu:
        out = run_text("gdb", [
            "writephys --backend %s --file %s --skip 3 --length 2621441 0x100001"
            % (backend, tmp_path / "blob"),
            "writephys --backend %s --fill --length 2621443 0x500003 1 2 3" % backend,
            "writephys --backend %s --dry-run --file %s --skip 1 0x100000"
            % (backend, tmp_path / "blob")], port=qemu.port)
        assert qemu.pmemsave(0x100001, 2621441) == data[3:3 + 2621441]
        assert qemu.pmemsave(0x500003, 2621443) == (b"\x01\x02\x03" * 873815)[:2621443]
    assert out[0].startswith("writephys: wrote 2621441 bytes at physical 0x100001 via %s"
                             % backend) and out[0].endswith(", verified\n"), out
    assert out[1].startswith("writephys: wrote 2621443 bytes at physical 0x500003 via %s"
                             % backend) and out[1].endswith(", verified\n"), out
    assert out[2].endswith("nothing written: %s ... (%d more)\n"
                           % (" ".join("%02x" % b for b in data[1:33]), len(data) - 33)), out
