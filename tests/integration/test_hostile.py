"""Hostile replies, in GDB and LLDB: whatever the stub answers, the bytes it
holds are the bytes the user was told were written, its mode is what it was,
and the debugger keeps working."""
import re

import pytest

from fakestub import DROP_OK, HANGUP, LLDB_PACKET, MUTE, SILENT, FakeStub, m_chunk
from harness import run_text

BASE = 0x1000
LENGTH = 6000          # three M packets at PacketSize 4096
PATTERN = 0x5a
SECOND_M = "%#x" % (BASE + m_chunk(BASE, LENGTH))   # where the 2nd M packet writes

# (name, faults, words the one-line error must hold)
CASES = [
    ("E reply to the 1st M", {("M", 1): "E14"}, "the stub refused the write (E14)"),
    ("E reply to the 3rd M", {("M", 3): "E0e"}, "(E0e)"),
    ("E.text reply", {("M", 2): "E.no such memory"}, "refused the write"),
    ("non-hex garbage to M", {("M", 2): "zz"}, "unexpected reply to the write: 'zz'"),
    ("over-long reply to M", {("M", 2): "OK" * 3000}, "unexpected reply to the write"),
    ("truncated reply to M", {("M", 2): "O"}, "unexpected reply to the write: 'O'"),
    ("reply to the wrong packet (a mode)", {("M", 2): "1"}, "unexpected reply"),
    ("reply to the wrong packet (memory)", {("M", 2): "00ff"}, "unexpected reply"),
    ("empty reply to M", {("M", 2): ""}, "empty reply to the write"),
    ("OK but dropped", {("M", 2): DROP_OK}, "read-back differs at " + SECOND_M),
    ("E reply to the read-back", {("m", 1): "E03"}, "reading them back failed: the read failed at 0x1000"),
    ("odd-length read-back", {("m", 2): "abc"}, "malformed reply to a memory read"),
    ("over-long read-back", {("m", 1): "00" * 5000}, "malformed reply to a memory read"),
    ("non-hex read-back", {("m", 1): "zz" * 100}, "malformed reply to a memory read"),
    ("OK to a read (wrong packet)", {("m", 1): "OK"}, "malformed reply to a memory read"),
    ("mode query says 2", {("query", 1): "2"}, "cannot confirm the stub's memory mode"),
    ("mode query says OK", {("query", 1): "OK"}, "cannot confirm the stub's memory mode"),
    ("mode query errors", {("query", 1): "E01"}, "cannot confirm the stub's memory mode"),
    ("switch refused", {("switch", 1): "E01"}, "refused the switch to physical mode"),
    ("switch answered garbage", {("switch", 1): "??"}, "unexpected reply to the switch"),
    ("switch ignored", {("switch", 1): DROP_OK, ("query", 2): "0"},
     "still reports virtual mode"),
    ("confirmation query fails", {("query", 2): "x"}, "cannot confirm"),
    ("restore refused", {("restore", 1): "E01"}, "may still be in physical mode"),
    ("silent on the 2nd M", {("M", 2): SILENT}, "; the write failed at " + SECOND_M),
    ("hang-up on the 2nd M", {("M", 2): HANGUP}, "; the write failed at " + SECOND_M),
    # Each debugger gives up after its packet timeout, once (the write; the
    # restore is not sent after a packet went unanswered): not a hang.
    ("silent from the 2nd M on", {("M", 2): MUTE}, "; the write failed at " + SECOND_M),
]


# LLDB moves the data with SBProcess::WriteMemory, in packets of its own
# size, and words what the stub answered in its own terms.
LLDB_SECOND_M = "%#x" % (BASE + LLDB_PACKET)
LLDB_WORDS = {
    "E reply to the 1st M": "LLDB: memory write failed for 0x1000",
    "E reply to the 3rd M": "LLDB: memory write failed for",
    "E.text reply": "'E.no such memory'",
    "non-hex garbage to M": "LLDB: unexpected response to GDB server memory write packet",
    "over-long reply to M": "LLDB: unexpected response",
    "truncated reply to M": "LLDB: unexpected response",
    "reply to the wrong packet (a mode)": "LLDB: unexpected response",
    "reply to the wrong packet (memory)": "LLDB: unexpected response",
    "empty reply to M": "LLDB: GDB server does not support writing memory",
    "OK but dropped": "read-back differs at " + LLDB_SECOND_M,
    "silent on the 2nd M": "; the write failed at " + LLDB_SECOND_M,
    "hang-up on the 2nd M": "; the write failed at " + LLDB_SECOND_M,
    "silent from the 2nd M on": "; the write failed at " + LLDB_SECOND_M,
}


def told_written(text):
    """The count the user was told, as (at least, at most): a range where a
    packet was in flight when the stub stopped answering."""
    m = re.match(r"writephys: (\d+) to (\d+) of \d+ bytes written", text)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = re.match(r"writephys: (?:wrote (\d+) bytes?|(\d+) of \d+ bytes written)", text)
    if m:
        n = int(m.group(1) or m.group(2))
        return n, n
    # Refused before any write, or all acknowledged and then a later step failed.
    m = re.search(r"the stub acknowledged all (\d+) bytes|all (\d+) bytes were written",
                  text)
    n = int(m.group(1) or m.group(2)) if m else 0
    return n, n


@pytest.mark.parametrize("debugger", ["gdb", "lldb"])
@pytest.mark.parametrize("name,faults,words", CASES, ids=[c[0] for c in CASES])
def test_hostile_reply(debugger, name, faults, words):
    with FakeStub(faults=faults) as stub:
        out = run_text(debugger, ["writephys --fill --length %d %#x %#x" % (LENGTH, BASE, PATTERN),
                                  "help readphys"], port=stub.port)
    text = out[0]
    assert text.startswith("writephys: ") and text.count("\n") == 1, text
    if debugger == "lldb":
        words = LLDB_WORDS.get(name, words)
    assert words in text, text
    low, high = told_written(text)
    stored = bytes(stub.ram[BASE:BASE + LENGTH])
    first = m_chunk(BASE, LENGTH)
    if faults.get(("M", 2)) == DROP_OK:
        # The stub lied: the read-back caught it, and the message says so.
        first = first if debugger == "gdb" else LLDB_PACKET
        assert stored[:first] == bytes([PATTERN]) * first
    else:
        # What the user was told is what the stub holds: all of the sure part,
        # nothing past the range, and the packet in doubt whole or not at all.
        assert stored[:low] == bytes([PATTERN]) * low, (low, high, text)
        assert stored[high:] == bytes(LENGTH - high), (low, high, text)
        assert stored[low:high] in (bytes([PATTERN]) * (high - low), bytes(high - low)), text
    if "may still be in physical mode" in text:
        # The stub refused to switch back, or the link is gone, or a packet went
        # unanswered (then nothing more that writes is sent): the user is told.
        assert faults.get(("restore", 1)) or {HANGUP, MUTE, SILENT} & set(faults.values())
    else:
        assert stub.mode == 0, stub.log[-5:]
    assert stub.virtual_writes == 0
    assert "Usage: readphys" in out[1]     # the debugger keeps working
