# write-protect: clear (or set again) the writable bit of every x86 page
# table entry that maps a virtual range, so that the guest faults on its
# next write there (a watchpoint as wide as the buffer, for any CPU, with no
# debug register).  Uses the writephys module from GDB's Python:
#
#   (gdb) source build/plugin-gdb/writephys.py
#   (gdb) source examples/python/write_protect.py
#   (gdb) write-protect &buffer 0x3000
#   (gdb) write-protect --undo &buffer 0x3000
#
# Each entry is found with writephys.walk (every level of the walk) and
# written back with writephys.write_physical at its physical address.  The
# guest's TLB may still hold the old entry until the guest flushes it (a
# context switch, invlpg, a CR3 reload).
import gdb

import writephys

WRITABLE = 1 << 1     # x86 R/W, in every level's entry


def write_protect(start, length, protect=True, root=None):
    """Patches the last-level entry of every page in [start, start+length);
    returns (entry address, old value, new value) for each."""
    start = int(start)
    end = start + int(length)
    va = start
    patched = []
    while va < end:
        walk = writephys.walk(va, root=root)
        _name, _table, _index, entry_addr, entry = walk.steps[-1]
        new = entry & ~WRITABLE if protect else entry | WRITABLE
        if new != entry:
            writephys.write_physical(entry_addr, new.to_bytes(8, "little"))
        patched.append((entry_addr, entry, new))
        va = (va // walk.page_size + 1) * walk.page_size   # the next page, of any size
    return patched


class WriteProtect(gdb.Command):
    """Write-protect a virtual range: write-protect [--undo] ADDRESS LENGTH."""

    def __init__(self):
        super().__init__("write-protect", gdb.COMMAND_DATA)

    def invoke(self, arg, _from_tty):
        args = gdb.string_to_argv(arg)
        undo = "--undo" in args
        args = [a for a in args if a != "--undo"]
        if len(args) != 2:
            raise gdb.GdbError("usage: write-protect [--undo] ADDRESS LENGTH")
        try:
            patched = write_protect(gdb.parse_and_eval(args[0]), gdb.parse_and_eval(args[1]),
                                    protect=not undo)
        except writephys.Error as exc:
            raise gdb.GdbError(str(exc)) from None
        for entry_addr, old, new in patched:
            gdb.write("entry at physical %#x: %#018x -> %#018x%s\n"
                      % (entry_addr, old, new, "" if old != new else " (as it was)"))


WriteProtect()
