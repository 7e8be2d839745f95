"""Every claim true, in both debuggers (issue 8): each finding of a careful
user, reproduced against real QEMU guests (checked through QMP) or, for
faults QEMU will not produce on demand, the fake stub."""
import os
import pwd
import re
import subprocess

import pytest

from fakestub import LATE, FakeStub, m_chunk
from harness import Qemu, run_gdb, run_text

DEBUGGERS = ["gdb", "lldb"]


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_flat_refuses_when_paging_is_on(debugger):
    """5: with CR0.PG set, flat would write to a virtual address."""
    with Qemu("x86_64") as qemu:
        if debugger == "gdb":   # GDB cannot assign a flags register; a raw P packet can
            setup = ["maint packet P1b=1100008000000000", "maint flush register-cache"]
        else:
            setup = ["register write cr0 0x80000011"]
        out = run_text(debugger, setup + ["writephys --backend flat -d 0x1004 0x11223344",
                                          "writephys -d 0x1004 0x55667788"], port=qemu.port)
        assert out[-2].startswith("writephys: paging is on (CR0.PG=1): the debugger's "
                                  "addresses are virtual"), out
        assert out[-1].startswith("writephys: wrote 4 bytes at physical 0x1004 via qemu")
        assert qemu.pmemsave(0x1004, 4) == (0x55667788).to_bytes(4, "little")


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_stalled_stub_count_is_a_range_and_late_replies_are_not_taken(debugger):
    """6: the stub answers the 2nd M only after the debugger gave up.  The
    count is stated as a range around the packet in doubt (LLDB may instead
    resynchronise and deliver the late OK, which is then the truth), and no
    later command takes a late reply for its own: it is either refused as out
    of step or right."""
    with FakeStub(faults={("M", 2): LATE}) as stub:
        out = run_text(debugger, ["writephys --fill --length 6000 0x1000 0x5a",
                                  "writephys 0x1000 1", "readphys 0x1000 --length 4"],
                       port=stub.port)
        stored = bytes(stub.ram[0x1001:0x1000 + 6000])
    first = m_chunk(0x1000, 6000)
    second = m_chunk(0x1000 + first, 6000 - first)
    if out[0].startswith("writephys: wrote 6000 bytes"):
        low = high = 6000
    else:
        assert out[0].startswith("writephys: %d to %d of 6000 bytes written (0x%x-0x%x were "
                                 "in flight" % (first, first + second, 0x1000 + first,
                                                0x1000 + first + second - 1)), out[0]
        low, high = first, first + second
    # Memory is inside what the user was told (byte 0 is rewritten below).
    assert stored[:low - 1] == b"\x5a" * (low - 1)
    assert stored[low - 1:high - 1] in (b"\x5a" * (high - low), bytes(high - low))
    assert stored[high - 1:] == bytes(6000 - high)
    if "out of step" in out[1]:
        # Refused, and nothing written after; the next command is refused
        # too or, once the replies are in step again, right.
        assert len([p for p in stub.log if p[0] == "M"]) == 2, stub.log
        assert "out of step" in out[2] or out[2].startswith("00001000  5a 5a 5a 5a"), out
    else:
        assert out[1] == "writephys: wrote 1 byte at physical 0x1000 via qemu, verified\n", out
        assert stub.ram[0x1000] == 1 and out[2].startswith("00001000  01 5a 5a 5a"), out


def test_forced_flash_write_drops_the_map():
    """8: flash0 in ID mode is i/o; the next read sees the new map."""
    with Qemu("aarch64") as qemu:
        r = run_gdb(["writephys --force --no-verify 0x10 0x90", "readphys 0 --length 4"],
                    port=qemu.port, gdb=qemu.gdb)
        assert r[0]["error"] is None, r
        assert r[1]["error"].startswith("readphys: 0x0-0x3ffffff is a device (virt.flash0)"), r


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_write_that_ends_the_connection_has_an_unknown_outcome(debugger):
    """9: riscv's test device powers the machine off: the link ends in flight."""
    with Qemu("riscv64") as qemu:
        out = run_text(debugger, ["writephys -d 0x100000 0x5555"], port=qemu.port,
                       **({"gdb": qemu.gdb} if debugger == "gdb" else {}))
        qemu.proc.wait(timeout=30)
    assert out[0].startswith("writephys: 0 to 4 of 4 bytes written (0x100000-0x100003 were "
                             "in flight, their outcome unknown)"), out


def test_bytes_written_is_what_the_read_back_shows():
    """10: RAM then ROM: one byte landed, and $_writephys_written says 1."""
    with Qemu("x86_64") as qemu:
        r = run_gdb(["writephys --force -w 0xbffff 0xabcd", "value:$_writephys_written"],
                    port=qemu.port)
        assert qemu.pmemsave(0xbffff, 1) == b"\xcd"      # RAM kept its byte
    assert "read-back differs at 0xc0000" in r[0]["error"], r
    assert "1 byte before it read back as written" in r[0]["error"], r
    assert r[1]["output"] == "1", r


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_fifos_are_refused_at_once(debugger, tmp_path):
    """12: a FIFO with no writer (or no reader) must not hang the debugger."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    out = run_text(debugger, ["writephys --file %s 0x10" % fifo,
                              "readphys 0x10 --output %s" % fifo], timeout=60)
    assert out[0] == "writephys: --file '%s' is not a regular file\n" % fifo, out
    assert out[1] == ("readphys: --output '%s' is a FIFO, not a regular file\n" % fifo), out


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_non_ascii_arguments_under_lang_c(debugger):
    """13: the README's own --string "Hé" --utf16 under LANG=C, one line."""
    env = dict(os.environ, LANG="C", LC_ALL="C")
    out = run_text(debugger, ['writephys --string "H\u00e9" --utf16 --dry-run 0x10',
                              'writephys --string "\\xff\\xfe" --dry-run 0x10'], env=env)
    assert out[0].endswith("nothing written: 48 00 e9 00\n"), out
    assert out[1].endswith("nothing written: ff fe\n"), out


def test_lldb_no_process_names_lldb_syntax():
    """17: LLDB's own command in the hint."""
    out = run_text("lldb", ["writephys 0x1000 1"])
    assert out[0] == ("writephys: no target: connect to a stub first (for QEMU: gdb-remote "
                      "localhost:1234)\n"), out


def test_gdb_register_without_target_is_no_target():
    """18: $rip with no target is "no target", not a bad expression."""
    r = run_gdb(["writephys $rip 1", "readphys $pc"])
    assert r[0]["error"].startswith("writephys: no target: connect to a stub first"), r
    assert r[1]["error"].startswith("readphys: no target"), r


def test_gdb_completes_file_names():
    """22: Tab after --file, --output and --dump completes paths, where the
    command takes the option (the core says which: wp_option_completes_path)."""
    r = run_gdb(["complete writephys --file /et", "complete readphys 0 --output /tm",
                 "complete writephys --file=/et", "complete pci --dump /tm",
                 "complete readphys --file /et"])
    assert "writephys --file /etc/\n" in r[0]["output"], r
    assert "readphys 0 --output /tmp/\n" in r[1]["output"], r
    assert "writephys --file=/etc/\n" in r[2]["output"], r
    assert "pci --dump /tmp/\n" in r[3]["output"], r
    assert "/etc/" not in r[4]["output"], r


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_map_unavailable_names_the_step(debugger):
    """27: PhyMemMode, but no `info mtree -f`: say which step failed; --force goes on."""
    with FakeStub(mtree=False) as stub:
        out = run_text(debugger, ["writephys 0x1000 1", "writephys --force 0x1000 2"],
                       port=stub.port)
    # GDB reports the unsupported monitor; LLDB shows it as empty output.
    assert out[0].startswith("writephys: cannot read QEMU's memory map"), out
    assert "--force goes on without it" in out[0] and out[0].count("\n") == 1, out
    assert out[1] == "writephys: wrote 1 byte at physical 0x1000 via qemu, verified\n", out
    assert stub.ram[0x1000] == 2


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_output_on_a_full_disk_keeps_the_old_file(debugger, tmp_path):
    """Issue 23 items 2, 10: on a full filesystem (a 1 MiB tmpfs), a 2 MiB
    readphys --output onto a 900 KiB file leaves the file as it was, says
    so, and leaves nothing beside it; a whole result then replaces it."""
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], check=True)
    try:
        old = disk / "old.bin"
        content = bytes(range(256)) * (900 * 4)
        old.write_bytes(content)
        with Qemu("x86_64") as qemu:
            qemu_line = "writephys --fill --length 4K -d 0x100000 0x600dda7a"
            out = run_text(debugger, [qemu_line,
                                      "readphys 0x100000 --length 2M --output %s" % old,
                                      "readphys 0x100000 --length 4K --output %s" % old],
                           port=qemu.port)
        assert out[1] == ("readphys: cannot write '%s': No space left on device; '%s' is "
                          "unchanged (the new file written beside it was removed)\n"
                          % (old, old)), out
        assert out[2].startswith("readphys: saved 4096 bytes from physical 0x100000 to %s"
                                 % old), out
        assert old.read_bytes() == (0x600dda7a).to_bytes(4, "little") * 1024
        assert sorted(os.listdir(disk)) == ["old.bin"]
    finally:
        subprocess.run(["umount", str(disk)], check=True)


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_tilde_user_paths(debugger, tmp_path):
    """Issue 23 item 9: ~user/ is that user's home in --file and --output,
    as in GDB's restore and dump; an unknown user is named."""
    me = pwd.getpwuid(os.getuid())
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"tilde")
    rel = os.path.relpath(tmp_path, me.pw_dir)
    with Qemu("x86_64") as qemu:
        out = run_text(debugger, [
            "writephys --file ~%s/%s/blob.bin 0x2000" % (me.pw_name, rel),
            "readphys 0x2000 --length 5 --output ~%s/%s/back.bin" % (me.pw_name, rel),
            "writephys --file ~no_such_user_wp23/blob.bin 0x2000"], port=qemu.port)
        assert qemu.pmemsave(0x2000, 5) == b"tilde"
    assert out[0].startswith("writephys: wrote 5 bytes at physical 0x2000"), out
    assert (tmp_path / "back.bin").read_bytes() == b"tilde", out
    assert out[2] == ("writephys: --file '~no_such_user_wp23/blob.bin': there is no user "
                      "'no_such_user_wp23' to expand '~no_such_user_wp23' to\n"), out


def test_show_writephys_lists_every_setting_cli_and_mi():
    """Issue 23 item 8: `show writephys` alone lists every setting (CLI and
    MI), and `set writephys` errors are writephys-settings' own."""
    from test_gdb_mi import run_mi_raw
    r = run_gdb(["show writephys", "set writephys read-length 0",
                 "writephys-settings set read-length 0", "set writephys read-width 2",
                 "show writephys"])
    listing = ("writephys verify is auto\nwritephys backend is auto\nwritephys progress is on\n"
               "writephys read-length is 128\nwritephys read-width is 1\n"
               "writephys direct-map is auto\n")
    assert r[0]["output"] == listing, r[0]
    assert r[1]["error"] == "writephys-settings: bad value '0' for read-length (1 to 1M)", r[1]
    assert r[2]["error"] == r[1]["error"], r[2]
    assert r[4]["output"] == listing.replace("read-width is 1", "read-width is 2"), r[4]
    with Qemu("x86_64") as qemu:
        out = run_mi_raw(qemu.port, ['-interpreter-exec console "show writephys"',
                                     '-interpreter-exec console "set writephys read-length 0"'])
        native = run_mi_raw(qemu.port, ["-gdb-show writephys"])
    for line in listing.splitlines():
        assert '~"%s\\n"' % line in out, out
        assert '~"%s\\n"' % line in native, native
    assert '^error,msg="writephys-settings: bad value \'0\' for read-length (1 to 1M)"' in out, out
    lldb = run_text("lldb", ["writephys-settings set read-length 0"])
    assert lldb[0] == "error: writephys-settings: bad value '0' for read-length (1 to 1M)\n" \
        or lldb[0].endswith("writephys-settings: bad value '0' for read-length (1 to 1M)\n"), lldb


@pytest.mark.parametrize("debugger", DEBUGGERS)
def test_explicit_verify_reads_a_device_back(debugger):
    """Issue 23 item 5: --verify (or verify on) on a device range is the
    user's consent to read it back; 1 byte is singular.  The HPET's main
    counter (halted) keeps a 0; its first byte does not keep a 1."""
    with Qemu("x86_64") as qemu:
        out = run_text(debugger, ["writephys -d --verify 0xfed000f0 0",
                                  "writephys --verify 0xfed00000 1",
                                  "writephys 0xfed000f0 0",
                                  "writephys-settings set verify on",
                                  "writephys -d 0xfed000f0 0"], port=qemu.port)
    assert out[0] == "writephys: wrote 4 bytes at physical 0xfed000f0 via qemu, verified\n", out
    assert out[1] == ("writephys: read-back differs at 0xfed00000 (wrote 0x01, read 0x00): the "
                      "stub acknowledged the 1 byte but device memory did not keep it; 0 bytes "
                      "before it read back as written\n"), out
    assert out[2] == ("writephys: wrote 1 byte at physical 0xfed000f0 via qemu, not verified "
                      "(device memory: reads may have side effects; --verify to read back "
                      "anyway)\n"), out
    assert out[4] == "writephys: wrote 4 bytes at physical 0xfed000f0 via qemu, verified\n", out
