"""A small gdb-remote stub for the faults a real QEMU won't produce on
demand: no physical mode, an error reply in the middle of a write, a
dropped connection.  It speaks just enough of the protocol for GDB and LLDB
to attach, and models QEMU's PhyMemMode over a 1 MiB RAM.

One responder method per packet kind (after LLDB's MockGDBServer); a test
sets a fault attribute and then asserts on `log` and `accepted`."""
import socket
import threading

RAM_SIZE = 0x100000

MTREE = ("FlatView #0\n"
         " AS \"memory\", root: system\n"
         " Root memory region: system\n"
         "  0000000000000000-00000000000fffff (prio 0, ram): fake.ram\n\n")


HANGUP = "<hang up>"
SILENT = "<no reply>"
DROP_OK = "<OK, dropped>"
MUTE = "<no reply, to this or anything after>"
LATE = "<act, but reply only after the next packet arrives>"   # a stub stalled past the timeout


PACKET_SIZE = 0x1000        # what the stub offers in qSupported


def m_chunk(addr, remaining, packet_size=PACKET_SIZE):
    """Data bytes in one M packet at addr: what fits in PacketSize-1 payload
    characters after the "Maddr,len:" header (the core's rule, rsp.c)."""
    header = 1 + len("%x" % addr) + 1 + len("%x" % remaining) + 1
    return min((packet_size - 1 - header) // 2, remaining)


LLDB_PACKET = (PACKET_SIZE - 70) // 2   # LLDB's M payload (GetMaxMemorySize)


def debugger_chunk(debugger, addr, remaining):
    """Data bytes in one M packet: writephys' own under GDB; LLDB's under
    LLDB, where the bulk data goes through SBProcess::WriteMemory."""
    if debugger == "lldb":
        return min(LLDB_PACKET, remaining)
    return m_chunk(addr, remaining)


def kind_of(p):
    if p.startswith("M"):
        return "M"
    if p.startswith("m"):
        return "m"
    return {"qqemu.PhyMemMode": "query", "Qqemu.PhyMemMode:1": "switch",
            "Qqemu.PhyMemMode:0": "restore"}.get(p, p.split(":")[0].split(",")[0])


def checksum(payload):
    return "%02x" % (sum(payload.encode("latin-1")) & 0xff)


class FakeStub:
    def __init__(self, phys=True, faults=None, on_packet=None, mtree=True, threads=True):
        """faults maps (kind, n) to what the nth packet of that kind gets: a
        reply, HANGUP, SILENT, MUTE (silent from then on), or DROP_OK (OK,
        but the bytes are dropped).
        Kinds: M and m (in physical mode), query (qqemu.PhyMemMode), switch
        (Qqemu.PhyMemMode:1), restore (Qqemu.PhyMemMode:0).
        threads=False: a stub that lists no threads while `?` and `qC` name
        one (qfThreadInfo and qL unsupported, `T` not answered OK), as some
        bare-metal stubs do: GDB prunes that thread and says "No threads."."""
        self.phys = phys
        self.faults = dict(faults or {})
        self.mtree = mtree         # False: the monitor does not know `info mtree`
        self.threads = threads
        self.late = None           # a reply held back by a LATE fault
        self.unexpected = []       # packets nobody should send; checked on exit
        self.on_packet = on_packet      # called with (kind, count) before replying
        self.counts = {}
        self.mute = False
        self.mode = 0
        self.ram = bytearray(RAM_SIZE)
        self.log = []
        self.m_packets = 0
        self.accepted = 0          # bytes of M packets answered OK
        self.virtual_writes = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    # ---- packet handlers: return the reply payload, or None to hang up ----
    def handle(self, p):
        kind = kind_of(p)
        if kind in ("m", "M") and self.mode == 0:
            kind += "-virtual"        # the debugger's own accesses, not ours
        self.counts[kind] = n = self.counts.get(kind, 0) + 1
        if self.on_packet:
            self.on_packet(kind, n)
        if self.mute:
            return SILENT
        fault = self.faults.get((kind, n))
        if fault == MUTE:
            self.mute = True
            return SILENT
        if fault is None:
            return self.answer(p)
        if fault == HANGUP:
            return None
        if fault == DROP_OK:
            return "OK"
        if fault == LATE:
            self.late = self.answer(p)
            return SILENT
        return fault

    def answer(self, p):
        if p.startswith("qSupported"):
            return "PacketSize=%x;qXfer:features:read-;vContSupported+" % PACKET_SIZE
        if p == "qqemu.Supported":
            return "sstepbits;sstep;PhyMemMode" if self.phys else ""
        if p == "qqemu.PhyMemMode":
            return str(self.mode) if self.phys else ""
        if p.startswith("Qqemu.PhyMemMode:"):
            if not self.phys:
                return ""
            self.mode = int(p[-1])
            return "OK"
        if p.startswith("qRcmd,"):
            return self.monitor(bytes.fromhex(p[6:]).decode())
        if p[0] == "M":
            return self.write_memory(p)
        if p[0] == "m":
            return self.read_memory(p)
        if p[0] == "X":
            return ""              # binary writes unsupported, as in QEMU
        if p.lower().startswith("qqemu") or not (p[0] in "qQvj_" or p in self.CHATTER or
                                                  p[0] in "HZzpPgDkxT"):
            self.unexpected.append(p)
        return self.general(p)

    # The debuggers' own handshake and status packets (answered as below or
    # with "", unsupported); anything else is a packet nobody should send.
    CHATTER = {"?", "g", "D", "k", "vCont?"}

    def general(self, p):
        replies = {"?": "S05", "qfThreadInfo": "m1", "qsThreadInfo": "l", "qAttached": "1",
                   "qC": "QC1", "g": "00" * 312,   # i386 with SSE: GDB's default "vCont?": "vCont;c;C;s;S",
                   "qHostInfo": "ptrsize:8;endian:little;", "qProcessInfo": "pid:1;",
                   "D": "OK", "k": None}
        if not self.threads and p.startswith(("qfThreadInfo", "qsThreadInfo", "qL", "T")):
            return ""
        if p.startswith("T"):
            return "OK"          # thread N is alive
        if p in replies:
            return replies[p]
        if p.startswith(("H", "Z", "z")) or p == "QStartNoAckMode":
            return "OK" if p[0] == "H" else ""
        return ""

    def monitor(self, command):
        if command.strip() == "info mtree -f":
            if not self.mtree:
                return ""   # qRcmd unsupported: GDB says "Target does not support..."
            return "O" + MTREE.encode().hex()
        return "OK"

    def write_memory(self, p):
        try:
            head, data = p[1:].split(":", 1)
            addr, length = (int(x, 16) for x in head.split(","))
            if len(data) != 2 * length:
                raise ValueError(p)
        except ValueError:
            self.unexpected.append(p)
            return "E22"
        if self.mode == 0:
            self.virtual_writes += 1
            return "OK"
        self.m_packets += 1
        self.ram[addr:addr + length] = bytes.fromhex(data)
        self.accepted += length
        return "OK"

    def read_memory(self, p):
        addr, length = (int(x, 16) for x in p[1:].split(","))
        if self.mode == 0:
            return "00" * length
        return bytes(self.ram[addr:addr + length]).hex()

    # ---- the wire ----
    def _serve(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        self.conn = conn
        buf = b""
        pending_output = False
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                buf += data
                while True:
                    buf = buf.lstrip(b"+-\x03")
                    start = buf.find(b"$")
                    end = buf.find(b"#", start)
                    if start < 0 or end < 0 or len(buf) < end + 3:
                        break
                    payload = buf[start + 1:end].decode("latin-1")
                    buf = buf[end + 3:]
                    self.log.append(payload)
                    reply = self.handle(payload)
                    if reply is None:
                        conn.shutdown(socket.SHUT_RDWR)
                        return
                    if reply == SILENT:
                        conn.sendall(b"+")
                        continue
                    # A list is several packets in a row (O output, then the reply).
                    frames = list(reply) if isinstance(reply, list) else [reply]
                    if self.late is not None and reply is not SILENT:
                        frames.insert(0, self.late)   # the stalled reply, at last
                        self.late = None
                    if (isinstance(reply, str) and reply.startswith("O") and reply != "OK" and
                            payload.startswith("qRcmd,")):
                        frames.append("OK")   # output first, then the final OK
                    out = b"+"
                    for f in frames:
                        out += ("$%s#%s" % (f, checksum(f))).encode("latin-1")
                    conn.sendall(out)

    def close(self):
        self.sock.close()
        conn = getattr(self, "conn", None)
        if conn:
            try:
                conn.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        self.close()
        # A test fails on a packet the stub does not know, unless it failed already.
        if exc_type is None:
            assert not self.unexpected, "unexpected packets: %r" % self.unexpected[:5]


class ThreadlessProxy:
    """A real stub (QEMU's) as a stub that lists no threads: every packet
    goes through, except the thread list (qfThreadInfo, qsThreadInfo, qL)
    and `T`, which get "" as from FakeStub(threads=False).  The proxy acks
    each side itself, and keeps both in ack mode (QStartNoAckMode gets "").
    `log` holds what the debugger sent."""

    LOCAL = ("qfThreadInfo", "qsThreadInfo", "qL", "T", "QStartNoAckMode")

    def __init__(self, stub_port):
        self.stub = socket.create_connection(("127.0.0.1", stub_port))
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.log = []
        self.conn = None
        self.lock = threading.Lock()     # one writer at a time towards the debugger
        threading.Thread(target=self._from_debugger, daemon=True).start()

    @staticmethod
    def _frames(sock):
        """Yields b"\\x03" or a packet's payload, as they arrive."""
        buf = b""
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf += data
            while True:
                buf = buf.lstrip(b"+-")
                if buf[:1] == b"\x03":
                    buf = buf[1:]
                    yield b"\x03"
                    continue
                start = buf.find(b"$")
                end = buf.find(b"#", start)
                if start < 0 or end < 0 or len(buf) < end + 3:
                    break
                payload = buf[start + 1:end]
                buf = buf[end + 3:]
                yield payload

    @staticmethod
    def _frame(payload):
        return b"$" + payload + b"#" + ("%02x" % (sum(payload) & 0xff)).encode()

    def _to_debugger(self, data):
        with self.lock:
            self.conn.sendall(data)

    def _from_debugger(self):
        try:
            self.conn, _ = self.sock.accept()
        except OSError:
            return
        threading.Thread(target=self._from_stub, daemon=True).start()
        for payload in self._frames(self.conn):
            if payload == b"\x03":
                self.stub.sendall(payload)
                continue
            text = payload.decode("latin-1")
            self.log.append(text)
            if text.startswith(self.LOCAL):
                self._to_debugger(b"+" + self._frame(b""))
            else:
                self._to_debugger(b"+")
                self.stub.sendall(self._frame(payload))
        self.close()

    def _from_stub(self):
        for payload in self._frames(self.stub):
            if payload == b"\x03":
                continue
            self.stub.sendall(b"+")
            self._to_debugger(self._frame(payload))
        self.close()

    def close(self):
        for s in (self.sock, self.conn, self.stub):
            try:
                if s is not None:
                    s.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
