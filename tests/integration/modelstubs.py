"""Models of stubs no machine here can run, for the openocd and vmware
routes, built on the fake stub's wire and fault machinery.

OpenOcdStub models OpenOCD 0.12's gdb server and its memory commands, as
its source has them (openocd-org/openocd, tag v0.12.0):
- src/server/gdb_server.c:2750-2823 (gdb_query_packet, qRcmd): the command
  runs in Jim Tcl; on success the reply is the hex of the result plus a
  newline (or OK when empty); on failure the result goes out as an O packet
  and the reply is E followed by the error code.  Anything OpenOCD logs
  while the command runs (LOG_ERROR: "Error: ...") goes out as O packets
  first (output_flag GDB_OUTPUT_ALL).
- src/server/gdb_server.c:2885: qSupported offers PacketSize=4000 (hex) and
  no qqemu features; gdb_server.h:24, GDB_BUFFER_SIZE 16384.
- src/target/target.c:4601-4754 (read_memory) and 4951-5086 (write_memory):
  the argument checks and their messages, 65536 elements at most, 4096-byte
  parts, "read_memory: failed to read memory" / "write_memory: failed to
  write memory" after a LOG_ERROR naming the part that failed.
- The `help` text is the real one, taken from Debian's openocd binary.
- With x86=True, an x86_32 target's I/O port commands
  (src/target/x86_32_common.c, handle_iod_command and handle_iow_command):
  `x86_32 idb|idh|idw PORT` prints "0x%8.8x: " and the value ("%2.2x " for
  a byte), `x86_32 iwb|iwh|iww PORT DATA` prints nothing; a port above
  0xffff is logged as "IA-32 I/O space is 2^16" and the command fails with
  an empty result.  Their help lines are the real binary's, for a
  quark_x10xx target (real_openocd_x86_help).

VmwareStub models VMware's gdbstub as its users describe it (no source is
public): `monitor help` lists `phys` and `virt`, `monitor phys` makes m/M
packets physical and `monitor virt` makes them virtual again; both answer
with a line of text and OK.  Nothing else of VMware is assumed."""
import re
import shutil
import subprocess

from fakestub import FakeStub, RAM_SIZE

OPENOCD_CFG = """adapter driver dummy
transport select jtag
jtag newtap tap cpu -irlen 4 -expected-id 0
target create tap.cpu testee -chain-position tap.cpu
gdb_port disabled
tcl_port disabled
telnet_port disabled
"""


# An x86_32 target (Quark) on the dummy adapter: its commands exist, and
# every access fails (no TAP answers).
OPENOCD_X86_CFG = """adapter driver dummy
adapter speed 1000
transport select jtag
jtag newtap quark cpu -irlen 8 -expected-id 0x18289013
target create quark.cpu quark_x10xx -endian little -chain-position quark.cpu
gdb_port disabled
tcl_port disabled
telnet_port disabled
"""


def run_real_openocd(scripts, tmpdir, config=OPENOCD_CFG):
    """Runs Tcl lines in Debian's openocd (dummy adapter, testee target, which
    refuses every memory access); returns what each printed with echo."""
    binary = shutil.which("openocd")
    assert binary, "openocd is not installed (run ./run-tests as root to install it)"
    cfg = tmpdir + "/dummy.cfg"
    with open(cfg, "w") as f:
        f.write(config)
    args = [binary, "-f", cfg, "-c", "init"]
    for i, script in enumerate(scripts):
        args += ["-c", 'echo "WP-BEGIN-%d"' % i, "-c", script, "-c", 'echo "WP-END-%d"' % i]
    args += ["-c", "shutdown"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60)
    text = out.stdout + out.stderr
    results = []
    for i in range(len(scripts)):
        m = re.search(r"WP-BEGIN-%d\n(.*?)WP-END-%d\n" % (i, i), text, re.S)
        assert m, text[-3000:]
        results.append(m.group(1))
    return results


_HELP = {}


def real_openocd_help(tmpdir):
    if "text" not in _HELP:
        _HELP["text"] = run_real_openocd(["catch {help} wp_h; echo $wp_h"], tmpdir)[0]
    return _HELP["text"]


def real_openocd_x86_help(tmpdir):
    """The x86_32 group's lines of the real help, for a quark_x10xx target."""
    if "x86" not in _HELP:
        text = run_real_openocd(["catch {help x86_32} wp_h; echo $wp_h"], tmpdir,
                                OPENOCD_X86_CFG)[0]
        _HELP["x86"] = "\n".join(line for line in text.splitlines()
                                  if not line.startswith("    quark.cpu"))
    return _HELP["x86"]


class TclError(Exception):
    pass


CATCH = re.compile(r'^if \{\[catch \{(.*)\} wp_e\]\} \{format "wp-error: %s" \$wp_e\} else '
                   r'\{format "wp-ok: %s" \$wp_e\}$', re.S)


class OpenOcdStub(FakeStub):
    """faults: ("write", n) or ("read", n): the nth memory command fails after
    `partial` bytes of it were written (as a MEM-AP that errs mid-block);
    ("rcmd", n): the nth qRcmd gets that reply instead."""

    def __init__(self, help_text, partial=0, x86=None, **kw):
        """x86: the x86_32 help lines, for a target with I/O ports."""
        self.help_text = help_text + ("\n" + x86 if x86 else "")
        self.x86 = bool(x86)
        self.ports = bytearray(0x10000)
        self.partial = partial
        self.commands = []          # every monitor command, as received
        super().__init__(phys=False, **kw)

    def answer(self, p):
        if p.startswith("qSupported"):
            # OpenOCD also offers QStartNoAckMode+; the fake's wire keeps acks.
            return ("PacketSize=4000;qXfer:memory-map:read-;qXfer:features:read-;"
                    "vContSupported+")
        if p.startswith("qRcmd,"):
            return self.rcmd(bytes.fromhex(p[6:]).decode("latin-1"))
        return super().answer(p)

    def count(self, kind):
        self.counts[kind] = n = self.counts.get(kind, 0) + 1
        return self.faults.get((kind, n))

    def rcmd(self, command):
        self.commands.append(command)
        fault = self.count("rcmd")
        if fault is not None:
            return fault
        self.logged = []
        try:
            m = CATCH.match(command)
            if m:
                try:
                    result = "wp-ok: " + self.run(m.group(1))
                except TclError as e:
                    result = "wp-error: %s" % e
            else:
                result = self.run(command)
        except TclError as e:
            return [self.out(line) for line in self.logged] + [self.out(str(e) + "\n"), "E01"]
        reply = (result + "\n").encode("latin-1").hex() if result else "OK"
        return [self.out(line) for line in self.logged] + [reply]

    @staticmethod
    def out(text):
        return "O" + text.encode("latin-1").hex()

    def run(self, command):
        words = command.split()
        if command == "help":
            return self.help_text.rstrip("\n")
        if words and words[0] == "read_memory":
            return self.tcl_read_memory(words[1:])
        m = re.match(r"^write_memory (\S+) (\S+) \{([^}]*)\}(?: (\S+))?$", command)
        if m:
            return self.tcl_write_memory(m.group(1), m.group(2), m.group(3).split(), m.group(4))
        if words[:2] == ["mdb", "phys"]:
            return self.mdb(int(words[2], 0), int(words[3], 0))
        if self.x86 and len(words) >= 2 and words[0] == "x86_32" and \
                re.match(r"^i[dw][bhw]$", words[1]):
            return self.io(words[1], words[2:])
        raise TclError('invalid command name "%s"' % (words[0] if words else ""))

    @staticmethod
    def check(addr, width, count, phys):
        if phys is not None and phys != "phys":
            raise TclError("invalid argument '%s', must be 'phys'" % phys)
        if width not in (8, 16, 32, 64):
            raise TclError("invalid width, must be 8, 16, 32 or 64")
        if count > 65536:
            raise TclError("too large request, exceeds 64K elements")
        if addr + count * width // 8 > RAM_SIZE:
            return False
        return phys == "phys"

    def tcl_read_memory(self, args):
        if len(args) not in (3, 4):
            raise TclError('wrong # args: should be "read_memory address width count '
                           "['phys']\"")
        addr, width, count = int(args[0], 0), int(args[1], 0), int(args[2], 0)
        ok = self.check(addr, width, count, args[3] if len(args) > 3 else None)
        if not ok or self.count("read") is not None:
            self.logged.append("Error: read_memory: read at 0x%08x with width=%d and count=%d "
                               "failed\n" % (addr, width, count))
            raise TclError("read_memory: failed to read memory")
        return " ".join("0x%x" % b for b in self.ram[addr:addr + count])

    def tcl_write_memory(self, addr, width, data, phys):
        addr, width = int(addr, 0), int(width, 0)
        ok = self.check(addr, width, len(data), phys)
        if not ok:
            self.virtual_writes += phys != "phys"
            self.logged.append("Error: write_memory: write at 0x%08x with width=%d and count=%d "
                               "failed\n" % (addr, width, len(data)))
            raise TclError("write_memory: failed to write memory")
        values = [int(v, 0) & 0xff for v in data]
        if self.count("write") is not None:
            self.ram[addr:addr + self.partial] = bytes(values[:self.partial])
            self.accepted += self.partial
            self.logged.append("Error: Failed to write memory at 0x%08x\n" % (addr + self.partial))
            self.logged.append("Error: write_memory: write at 0x%08x with width=%d and count=%d "
                               "failed\n" % (addr, width, len(data)))
            raise TclError("write_memory: failed to write memory")
        self.ram[addr:addr + len(values)] = bytes(values)
        self.accepted += len(values)
        return ""

    def io(self, name, args):
        size = {"b": 1, "h": 2, "w": 4}[name[2]]
        if len(args) != (1 if name[1] == "d" else 2):
            raise TclError("")
        port = int(args[0], 0)
        if name[1] == "d":
            if port > 0xffff:
                self.logged.append("Error: handle_iod_command IA-32 I/O space is 2^16, "
                                   "0x%08x exceeds max\n" % port)
                raise TclError("")
            value = int.from_bytes(self.ports[port:port + size], "little")
            return "0x%08x: %0*x " % (port, 2 * size, value)
        value = int(args[1], 0) & ((1 << (8 * size)) - 1)
        self.ports[port:port + size] = value.to_bytes(size, "little")
        return ""

    def mdb(self, addr, count):
        lines = []
        for at in range(addr, addr + count, 32):
            chunk = self.ram[at:min(at + 32, addr + count)]
            lines.append("0x%08x: %s " % (at, " ".join("%02x" % b for b in chunk)))
        return "\n".join(lines)


class OldOpenOcdStub(OpenOcdStub):
    """An OpenOCD before 0.12: mdb but no read_memory or write_memory."""

    def __init__(self, help_text, **kw):
        help_text = "\n".join(line for line in help_text.splitlines()
                              if "read_memory" not in line and "write_memory" not in line)
        super().__init__(help_text, **kw)


VMWARE_HELP = ("help                Show this help\n"
               "phys                Switch to physical address mode\n"
               "virt                Switch to virtual address mode\n"
               "r <reg>             Read a register\n")


class VmwareStub(FakeStub):
    """faults: ("phys", n) / ("virt", n): the nth switch gets that reply."""

    def __init__(self, **kw):
        super().__init__(phys=False, **kw)

    def answer(self, p):
        if p.startswith("qSupported"):
            return "PacketSize=1000;qXfer:features:read-"
        if p.startswith("qRcmd,"):
            command = bytes.fromhex(p[6:]).decode("latin-1").strip()
            if command in ("phys", "virt"):
                self.counts[command] = n = self.counts.get(command, 0) + 1
                fault = self.faults.get((command, n))
                if fault is not None:
                    return fault
                self.mode = int(command == "phys")
                return ["O" + ("Using %s addresses\n" % ("physical" if self.mode else
                                                         "virtual")).encode().hex(), "OK"]
            if command == "help":
                return ["O" + VMWARE_HELP.encode().hex(), "OK"]
            return "E01"
        if p[:1] in ("m", "M"):   # past the model's RAM: refused
            addr, length = (int(x, 16) for x in p[1:].split(":")[0].split(","))
            if addr + length > RAM_SIZE:
                return "E03"
        return super().answer(p)
