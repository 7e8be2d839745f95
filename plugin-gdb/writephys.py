# writephys for GDB: write and read the target's physical memory.
#
# Load with:  source build/plugin-gdb/writephys.py
#
# This file is glue only.  The C core (libwritephys.so, beside this file)
# parses the command line, encodes values, talks to the stub and formats
# every message; GDB supplies the host callbacks: packets, monitor commands,
# expression evaluation, target state and cache flushing.  ctypes rather than
# a C extension, so one build serves whichever Python GDB embeds.

import contextlib
import ctypes
import os
import signal
import sys
import tempfile
import time
import types

import gdb

# Filled in by CMake: the API this file speaks, and where an installed core is.
API_VERSION = int("@WP_API_VERSION@")
CORE_SONAME = "@WP_CORE_SONAME@"
INSTALLED_CORE = "@WP_INSTALLED_CORE@"

WP_OK = 0
WP_ETARGET = -4
WP_EHOST = -6
WP_EINTR = -8
WP_ESTATE = -11
ORDER_LITTLE, ORDER_BIG = 1, 2
WP_PROGRESS_OFF, WP_PROGRESS_IN_PLACE, WP_PROGRESS_LINES = 0, 1, 2


class _Error(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("message", ctypes.c_char * 512)]


class _Buf(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("len", ctypes.c_size_t),
                ("cap", ctypes.c_size_t)]


class _TargetInfo(ctypes.Structure):
    _fields_ = [("connected", ctypes.c_int), ("remote", ctypes.c_int),
                ("stopped", ctypes.c_int), ("byte_order", ctypes.c_int),
                ("generation", ctypes.c_uint64), ("arch", ctypes.c_char * 32)]


_SEND = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                         ctypes.c_void_p, ctypes.c_void_p)
_MONITOR = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
                            ctypes.c_void_p, ctypes.c_void_p)
_MEMORY = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_void_p,
                           ctypes.c_size_t, ctypes.c_void_p)
_EVALUATE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
                             ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_int),
                             ctypes.c_void_p)
_TARGET_INFO = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p,
                                ctypes.POINTER(_TargetInfo), ctypes.c_void_p)
_REGISTER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
                             ctypes.POINTER(ctypes.c_uint64), ctypes.c_void_p)
_INTERRUPTED = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
_FLUSH = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_PROGRESS = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64)


class _Host(ctypes.Structure):
    _fields_ = [("api_version", ctypes.c_uint), ("size", ctypes.c_size_t),
                ("ctx", ctypes.c_void_p), ("packet_command", ctypes.c_char_p),
                ("connect_command", ctypes.c_char_p),
                ("send_packet", _SEND), ("monitor", _MONITOR),
                ("read_memory", _MEMORY), ("write_memory", _MEMORY),
                ("evaluate", _EVALUATE), ("read_register", _REGISTER),
                ("target_info", _TARGET_INFO),
                ("interrupted", _INTERRUPTED), ("flush_caches", _FLUSH),
                ("write_memory_bulk", ctypes.c_void_p), ("progress", _PROGRESS)]


class _Result(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("text", _Buf), ("error", _Error),
                ("fields", _Buf), ("address", ctypes.c_uint64), ("length", ctypes.c_uint64),
                ("bytes_done", ctypes.c_uint64), ("in_doubt", ctypes.c_uint64),
                ("verified", ctypes.c_int), ("dry_run", ctypes.c_int),
                ("backend", ctypes.c_char * 16),
                ("data", _Buf)]


class _RouteOptions(ctypes.Structure):
    _fields_ = [("backend", ctypes.c_char_p), ("force", ctypes.c_int),
                ("verify", ctypes.c_int), ("for_write", ctypes.c_int)]


class _WalkStep(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("table", ctypes.c_uint64),
                ("index", ctypes.c_uint), ("entry_addr", ctypes.c_uint64),
                ("entry", ctypes.c_uint64)]


class _Translation(ctypes.Structure):
    _fields_ = [("virt", ctypes.c_uint64), ("phys", ctypes.c_uint64),
                ("page_size", ctypes.c_uint64), ("flags", ctypes.c_uint),
                ("mode", ctypes.c_char * 32), ("nsteps", ctypes.c_uint),
                ("steps", _WalkStep * 6), ("stopped", ctypes.c_int)]


# Every struct this file declares, by its C name: checked against the
# core's own layout at load (_layout_mismatch).
_STRUCTS = {"wp_error": _Error, "wp_buf": _Buf, "wp_target_info": _TargetInfo,
            "wp_host": _Host, "wp_result": _Result, "wp_route_options": _RouteOptions,
            "wp_walk_step": _WalkStep, "wp_translation": _Translation}


class _LayoutRow(ctypes.Structure):
    _fields_ = [("type", ctypes.c_char_p), ("field", ctypes.c_char_p),
                ("offset", ctypes.c_size_t), ("size", ctypes.c_size_t)]


def _layout_mismatch(lib):
    """The first difference between the structs above and the core's, or
    None.  The same API version with another layout is a core built from
    changed sources: reading its results would take the wrong slots."""
    lib.wp_layout.restype = ctypes.POINTER(_LayoutRow)
    lib.wp_layout.argtypes = [ctypes.POINTER(ctypes.c_size_t)]
    count = ctypes.c_size_t()
    rows = lib.wp_layout(ctypes.byref(count))
    core = {}
    for i in range(count.value):
        row = rows[i]
        fields = core.setdefault(row.type.decode(), {})
        fields[row.field.decode() if row.field else None] = (row.offset, row.size)
    show = lambda v: "offset %d size %d" % v if v else "absent"
    for name, cls in _STRUCTS.items():
        theirs = core.get(name, {})
        ours = {None: (0, ctypes.sizeof(cls))}
        ours.update({f[0]: (getattr(cls, f[0]).offset, getattr(cls, f[0]).size)
                     for f in cls._fields_})
        # Fields in the core's order (the first that moved is the one
        # inserted or changed), the struct's size last.
        where = lambda f: (f is None, (theirs.get(f) or ours.get(f))[0])
        for field in sorted(set(ours) | set(theirs), key=where):
            if ours.get(field) != theirs.get(field):
                what = name + ("." + field if field else " (its size)")
                return "%s is %s in the core, %s here" % (what, show(theirs.get(field)),
                                                          show(ours.get(field)))
    return None


def _top_level_mi():
    """Whether GDB was started as an IDE starts it (-i=mi, --interpreter mi)."""
    try:
        with open("/proc/self/cmdline", "rb") as f:
            args = f.read().decode("utf-8", "replace").split("\0")
    except OSError:
        return False
    for i, arg in enumerate(args):
        for flag in ("-i", "--interpreter", "-interpreter"):
            if arg.startswith(flag + "="):
                return arg[len(flag) + 1:].startswith("mi")
            if arg == flag and i + 1 < len(args):
                return args[i + 1].startswith("mi")
    return False


_TOP_LEVEL_MI = _top_level_mi()


class _LoadError(Exception):
    pass


def _load_core():
    # __file__ is not this file when GDB sources it from another script;
    # the code object always knows where it came from.
    here = os.path.dirname(os.path.abspath(_load_core.__code__.co_filename))
    candidates = [os.path.join(here, CORE_SONAME)]
    if INSTALLED_CORE and not INSTALLED_CORE.startswith("@"):
        candidates.append(os.path.normpath(os.path.join(here, INSTALLED_CORE)))
    path = next((c for c in candidates if os.path.exists(c)), candidates[0])
    try:
        lib = ctypes.CDLL(path)
    except OSError as exc:
        raise _LoadError("cannot load %s (%s); build it with "
                         "'cmake -S . -B build && cmake --build build'" % (path, exc))
    lib.wp_api_version.restype = ctypes.c_int
    lib.wp_version.restype = ctypes.c_char_p
    if lib.wp_api_version() != API_VERSION:
        raise _LoadError("%s is writephys %s (API %d), but this writephys.py speaks API %d; "
                         "load the writephys.py built with that core"
                         % (path, lib.wp_version().decode(), lib.wp_api_version(),
                            API_VERSION))
    mismatch = _layout_mismatch(lib)
    if mismatch:
        raise _LoadError("%s (writephys %s) was built from other sources than this "
                         "writephys.py: %s; load the writephys.py built with that core"
                         % (path, lib.wp_version().decode(), mismatch))
    lib.wp_session_monitor_failures_speak.argtypes = [ctypes.c_void_p]
    lib.wp_session_new.restype = ctypes.c_void_p
    lib.wp_session_new.argtypes = [ctypes.POINTER(_Host), ctypes.c_void_p]
    lib.wp_buf_append.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.wp_error_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p]
    lib.wp_command_run.argtypes = [ctypes.c_void_p, ctypes.c_int,
                                   ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(_Result)]
    lib.wp_command_run_line.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                        ctypes.POINTER(_Result)]
    lib.wp_result_free.argtypes = [ctypes.POINTER(_Result)]
    lib.wp_command_completions.restype = ctypes.c_size_t
    lib.wp_command_completions.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                           ctypes.c_char_p, ctypes.c_size_t]
    lib.wp_command_help.restype = ctypes.c_char_p
    lib.wp_command_help.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.wp_progress_line.restype = ctypes.c_size_t
    lib.wp_progress_line.argtypes = [ctypes.c_uint64, ctypes.c_uint64, ctypes.c_double,
                                     ctypes.c_char_p, ctypes.c_size_t]
    lib.wp_setting_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                   ctypes.c_void_p]
    lib.wp_setting_get.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                   ctypes.c_size_t]
    lib.wp_setting_count.restype = ctypes.c_size_t
    lib.wp_setting_name.restype = ctypes.c_char_p
    lib.wp_setting_name.argtypes = [ctypes.c_size_t]
    lib.wp_setting_doc.restype = ctypes.c_char_p
    lib.wp_setting_doc.argtypes = [ctypes.c_size_t]
    lib.wp_progress_due.argtypes = [ctypes.c_int, ctypes.c_double,
                                    ctypes.POINTER(ctypes.c_double)]
    lib.wp_command_result_variable.restype = ctypes.c_char_p
    lib.wp_command_result_variable.argtypes = [ctypes.c_char_p]
    lib.wp_stub_error_line.restype = ctypes.c_size_t
    lib.wp_stub_error_line.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.wp_option_completes_path.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    lib.wp_virtual_to_physical.argtypes = [ctypes.c_void_p, ctypes.POINTER(_RouteOptions),
                                           ctypes.POINTER(ctypes.c_uint64), ctypes.c_uint64,
                                           ctypes.POINTER(_Translation), ctypes.POINTER(_Error)]
    lib.wp_command_count.restype = ctypes.c_size_t
    lib.wp_command_name.restype = ctypes.c_char_p
    lib.wp_command_name.argtypes = [ctypes.c_size_t]
    return lib


_lib = None


def _stub_error_line(output):
    buf = ctypes.create_string_buffer(512)
    _lib.wp_stub_error_line(output.encode("utf-8", "replace"), buf, 512)
    return buf.value.decode("utf-8", "replace")


def _one_line(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class _GdbHost:
    """The core's host callbacks, on GDB's Python API.

    No exception may cross back into C: each callback turns one into a status
    and a message for the core."""

    def __init__(self):
        self.interrupted = False
        self.events = 0          # stops, resumes and exits seen: the generation
        self.struct = _Host(
            API_VERSION, ctypes.sizeof(_Host), None, b"maint packet %s",
            b"target remote %s", _SEND(self._guard(self._send_packet)),
            _MONITOR(self._guard(self._monitor)),
            _MEMORY(self._guard(self._read_memory)),
            _MEMORY(self._guard(self._write_memory)),
            _EVALUATE(self._guard(self._evaluate)),
            _REGISTER(self._guard(self._read_register)),
            _TARGET_INFO(self._guard(self._target_info)),
            _INTERRUPTED(self._interrupted), _FLUSH(self._flush), None,
            _PROGRESS(self._progress))
        self.mi = False            # the command came through GDB/MI
        self.started = 0.0
        self.shown = 0             # length of the progress line on screen
        self.last_shown = ctypes.c_double(0.0)
        err = _Error()
        self.session = _lib.wp_session_new(ctypes.byref(self.struct), ctypes.byref(err))
        if not self.session:
            raise _LoadError(err.message.decode("utf-8", "replace"))

    def _guard(self, fn):
        def call(*args):
            err = args[-1]
            try:
                return fn(*args[1:-1])
            except KeyboardInterrupt:
                # GDB's own Quit, thrown inside a callback: if that was a packet
                # exchange, whether the stub acted on it cannot be known.
                self.interrupted = True
                _lib.wp_error_set(err, WP_EINTR, b"interrupted inside GDB (a packet in "
                                  b"flight may have been acted on)")
                return WP_EINTR
            except gdb.MemoryError as exc:
                # The stub answered the access with an error ("Cannot access
                # memory at address ..."): the target refused, nothing moved.
                _lib.wp_error_set(err, WP_ETARGET, _one_line(exc).encode("utf-8", "replace"))
                return WP_ETARGET
            except Exception as exc:  # every failure becomes one line for the core
                _lib.wp_error_set(err, WP_EHOST, _one_line(exc).encode("utf-8", "replace"))
                return WP_EHOST
        return call

    @staticmethod
    def _connection():
        conn = gdb.selected_inferior().connection
        if conn is None:
            raise gdb.GdbError("no connection to a stub")
        return conn

    def _send_packet(self, packet, length, reply_buf):
        conn = self._connection()
        if not hasattr(conn, "send_packet"):
            raise gdb.GdbError("this connection cannot send remote packets")
        reply = conn.send_packet(ctypes.string_at(packet, length))
        reply = reply or b""
        _lib.wp_buf_append(reply_buf, reply, len(reply))
        return WP_OK

    def _monitor(self, command, out_buf):
        line = "monitor " + command.decode("utf-8", "surrogateescape")
        # The user's log stays theirs; under MI a log would hold MI records,
        # and every logging switch would notify the IDE.
        # The private log keeps a failure's own text, which only a stub that
        # is not QEMU's has (the core knows); it costs ~0.7 ms a command.
        if _TOP_LEVEL_MI or self.mi or gdb.parameter("logging enabled") or \
                not _lib.wp_session_monitor_failures_speak(self.session):
            try:
                text = gdb.execute(line, to_string=True) or ""
            except gdb.error as exc:
                if "Protocol error with Rcmd" not in str(exc):
                    raise
                raise gdb.GdbError(_stub_error_line("")) from None
        else:
            text = self._monitor_logged(line)
        data = text.encode("utf-8", "replace")
        _lib.wp_buf_append(out_buf, data, len(data))
        return WP_OK

    _LOGGING = ("file", "overwrite", "redirect", "debugredirect")

    def _monitor_logged(self, line):
        """A monitor command whose output is kept also when it fails: a stub
        (OpenOCD) prints why in O packets before its E reply, which GDB
        reports only as "Protocol error with Rcmd" and to_string drops.  So
        the output goes to a private log, and the user's settings come back."""
        saved = {p: gdb.parameter("logging " + p) for p in self._LOGGING}
        fd, path = tempfile.mkstemp(prefix="writephys-monitor-")
        os.close(fd)
        failure = None
        try:
            gdb.execute("set logging file " + path)
            for p in ("overwrite", "redirect", "debugredirect"):
                gdb.execute("set logging %s on" % p)
            gdb.execute("set logging enabled on")
            try:
                gdb.execute(line)
            except gdb.error as exc:
                failure = exc
            finally:
                gdb.execute("set logging enabled off")
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        finally:
            gdb.execute("set logging file " + saved["file"])
            for p in ("overwrite", "redirect", "debugredirect"):
                gdb.execute("set logging %s %s" % (p, "on" if saved[p] else "off"))
            os.unlink(path)
        if failure is not None:
            if "Protocol error with Rcmd" not in str(failure):
                raise failure
            raise gdb.GdbError(_stub_error_line(text))
        return text

    def _read_memory(self, addr, buf, length):
        data = bytes(gdb.selected_inferior().read_memory(addr, length))
        ctypes.memmove(buf, data, length)
        return WP_OK

    def _write_memory(self, addr, buf, length):
        gdb.selected_inferior().write_memory(addr, ctypes.string_at(buf, length))
        return WP_OK

    def _evaluate(self, expr, value, negative):
        try:
            v = gdb.parse_and_eval(expr.decode("utf-8"))
        except gdb.error as exc:
            # GDB's words for the pruned thread of _live_thread.
            if "current thread has terminated" in str(exc) and self._live_thread() is None:
                raise gdb.GdbError("GDB has no live thread on this stub (it lists none), "
                                   "so no register has a value") from None
            raise
        code = v.type.strip_typedefs().code
        # Flags-typed registers ($cr3, $eflags) are integers with named bits.
        if code not in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_PTR, gdb.TYPE_CODE_ENUM,
                        gdb.TYPE_CODE_CHAR, gdb.TYPE_CODE_BOOL, gdb.TYPE_CODE_FLAGS):
            raise gdb.GdbError("not an integer (type %s)" % v.type)
        n = int(v.cast(gdb.lookup_type("unsigned long long"))) \
            if code == gdb.TYPE_CODE_FLAGS else int(v)
        if n < -(1 << 63) or n >= (1 << 64):
            raise gdb.GdbError("%d is outside 64 bits" % n)
        value[0] = n & ((1 << 64) - 1)
        negative[0] = 1 if n < 0 else 0
        return WP_OK

    def _read_register(self, name, value):
        name = name.decode()
        if self._live_thread() is None and self._stub_up():
            value[0] = self._stub_register(name)
            return WP_OK
        v = gdb.selected_frame().read_register(name)
        value[0] = int(v.cast(gdb.lookup_type("unsigned long long"))) & ((1 << 64) - 1)
        return WP_OK

    @staticmethod
    def _live_thread():
        """The selected thread, or None where GDB has no live one.  A stub
        that lists no threads (qfThreadInfo and qL unsupported, `T` not
        answered OK) gets its only thread pruned on GDB's first thread
        update: the thread stays selected, exited, and GDB 13's
        selected_thread() raises SystemError for it, while packets, memory
        and `show endian` still work.  Nothing here may reach GDB's
        inferior_thread() or a frame then."""
        try:
            thread = gdb.selected_thread()
        except SystemError:
            return None
        return thread if thread is not None and thread.is_valid() else None

    @staticmethod
    def _stub_up():
        inferior = gdb.selected_inferior()
        return inferior.connection is not None and inferior.pid != 0

    def _stub_register(self, name):
        """A register read from the stub itself, as LLDB does when GDB has
        no live thread (no frame, no regcache): the `p` packet with the
        stub's number for it from GDB's target description, or its slice
        of the `g` reply where the stub has no `p`."""
        row = None
        for line in gdb.execute("maint print remote-registers", to_string=True).splitlines():
            f = line.split()
            if len(f) >= 8 and f[0] == name and f[-1].isdigit() and f[-2].isdigit():
                row = f
                break
        if row is None:
            raise gdb.GdbError("GDB's description of this target has no register %s" % name)
        size, number, offset = int(row[4]), int(row[-2]), int(row[-1])
        send = self._connection().send_packet
        reply = (send("p%x" % number) or b"").decode("latin-1")
        if not reply:   # no `p`: the register's slice of all of them
            reply = (send("g") or b"").decode("latin-1")[2 * offset:2 * (offset + size)]
        if reply.startswith("E") or len(reply) != 2 * size or \
                not all(c in "0123456789abcdefABCDEF" for c in reply):
            raise gdb.GdbError("the stub gave no value for it (%r)" % reply[:20])
        data = bytes.fromhex(reply)
        big = "big endian" in gdb.execute("show endian", to_string=True)
        return int.from_bytes(data, "big" if big else "little") & ((1 << 64) - 1)

    def _target_info(self, info):
        inferior = gdb.selected_inferior()
        conn = inferior.connection
        info.contents.connected = int(conn is not None and inferior.pid != 0)
        info.contents.remote = int(conn is not None and
                                   conn.type in ("remote", "extended-remote"))
        thread = self._live_thread()
        if gdb.parameter("non-stop"):
            # Other threads may run; listing them costs packets, but only here.
            try:
                stopped = all(not t.is_running() for t in inferior.threads())
            except gdb.error as exc:
                if "running" not in str(exc):
                    raise
                stopped = False  # GDB will not list the threads of a running target
        elif thread is not None:
            # All-stop: one thread tells for all, and asking sends nothing.
            stopped = not thread.is_running()
        else:
            # Connected, and no live thread (see _live_thread): all-stop GDB
            # resumes only threads it has, so nothing of this target runs.
            stopped = bool(info.contents.connected)
        info.contents.stopped = int(stopped)
        endian = gdb.execute("show endian", to_string=True)
        info.contents.byte_order = ORDER_BIG if "big endian" in endian else ORDER_LITTLE
        # A new connection or any stop or resume makes what the core learnt void.
        num = conn.num if conn is not None else 0
        info.contents.generation = ((num & 0xffffffff) << 32) | (self.events & 0xffffffff)
        try:
            arch = inferior.architecture().name()
        except (gdb.error, AttributeError):
            arch = ""
        info.contents.arch = arch.encode()[:31]
        return WP_OK

    def _interrupted(self, _ctx):
        return int(self.interrupted)

    def _flush(self, _ctx):
        # The dcache and code cache hold bytes by virtual address; a physical
        # write may alias any of them, so drop all.
        try:
            gdb.execute("maintenance flush dcache", to_string=True)
        except gdb.error:
            gdb.execute("maintenance flush-dcache", to_string=True)

    def target_changed(self, *_event):
        self.events += 1

    def run(self, name, args):
        """Runs a command through the core: args is a list of words (MI) or
        the CLI's argument string, which the core splits as LLDB would."""
        # surrogateescape gives back the bytes GDB read, even when they are
        # not UTF-8, so both debuggers hand the core the same bytes.
        enc = lambda a: a.encode("utf-8", "surrogateescape")
        result = _Result()
        try:
            with self.core_call():
                if isinstance(args, str):
                    _lib.wp_command_run_line(self.session, name.encode(), enc(args),
                                             ctypes.byref(result))
                else:
                    argv = [name] + list(args)
                    array = (ctypes.c_char_p * len(argv))(*[enc(a) for a in argv])
                    _lib.wp_command_run(self.session, len(argv), array, ctypes.byref(result))
            return _Outcome(result)
        finally:
            _lib.wp_result_free(ctypes.byref(result))

    @contextlib.contextmanager
    def core_call(self):
        """Around every call into the core that may talk to the target."""
        self.interrupted = False
        # Ctrl-C must not tear a packet exchange in two (the stub may have
        # applied a write whose reply we would then drop): while the core
        # runs, it only raises a flag that the core reads between packets.
        previous = signal.signal(signal.SIGINT, self._on_sigint)
        self.started = time.monotonic()
        self.last_shown.value = 0.0
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
            self._clear_progress()

    def _on_sigint(self, _signum, _frame):
        self.interrupted = True

    def _progress(self, _ctx, done, total):
        # Called after every packet; the core says when a line is due.  No
        # exception may escape.
        try:
            # The CLI shows it on a terminal only: a script capturing GDB's
            # output gets the result, not a line rewritten in place.
            style = WP_PROGRESS_LINES if self.mi else \
                WP_PROGRESS_IN_PLACE if os.isatty(1) else WP_PROGRESS_OFF
            seconds = time.monotonic() - self.started
            if not _lib.wp_progress_due(style, seconds, ctypes.byref(self.last_shown)):
                return
            buf = ctypes.create_string_buffer(160)
            _lib.wp_progress_line(done, total, seconds, buf, 160)
            line = buf.value.decode()
            if self.mi:      # a console stream record per update, for IDEs
                gdb.write(line + "\n")
            else:            # one line, rewritten in place
                gdb.write("\r" + line.ljust(self.shown))
                self.shown = max(self.shown, len(line))
            gdb.flush()
        except Exception:  # progress is a courtesy; never break the transfer
            pass

    def _clear_progress(self):
        if self.shown:
            gdb.write("\r" + " " * self.shown + "\r")
            gdb.flush()
        self.shown = 0


_host = None


def _buf_bytes(buf):
    return ctypes.string_at(buf.data, buf.len) if buf.data else b""


class _Outcome:
    """A command's result, copied out of the core's struct."""

    def __init__(self, r):
        self.ok = r.status == WP_OK
        self.status = r.status
        self.text = _buf_bytes(r.text).decode("utf-8", "replace")
        self.error = r.error.message.decode("utf-8", "replace")
        self.address = r.address
        self.length = r.length
        self.done = r.bytes_done
        self.in_doubt = r.in_doubt
        self.verified = bool(r.verified)
        self.dry_run = bool(r.dry_run)
        self.backend = r.backend.decode()
        self.data = _buf_bytes(r.data)
        lines = _buf_bytes(r.fields).decode("utf-8", "replace").splitlines()
        self.fields = dict(line.split("=", 1) for line in lines if "=" in line)

def _completions(command, option=None):
    """Option names, or the choices of an option, as the core knows them."""
    buf = ctypes.create_string_buffer(1024)
    _lib.wp_command_completions(_host.session, command.encode(), option and option.encode(),
                                buf, 1024)
    return buf.value.decode().split()


def _complete_path(token, word):
    """File names that extend token ("~" expanded), relative to word."""
    directory, base = os.path.split(os.path.expanduser(token))
    try:
        names = sorted(n for n in os.listdir(directory or ".") if n.startswith(base))
    except OSError:
        return []
    head = token[:len(token) - len(base)]
    full = [head + n + ("/" if os.path.isdir(os.path.join(directory or ".", n)) else "")
            for n in names]
    cut = len(token) - len(word or "")
    return [f[cut:] for f in full]


class _PhysCommand(gdb.Command):
    def __init__(self, name):
        self.wp_name = name
        super().__init__(name, gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        outcome = _run(self.wp_name, arg)
        gdb.write(outcome.text)

    def _completes_path(self, option):
        return bool(_lib.wp_option_completes_path(self.wp_name.encode(), option.encode()))

    def complete(self, text, word):
        # GDB breaks words at '-', so `word` may be the tail of the token
        # being typed; candidates are returned relative to it.
        tokens = text.split(" ")
        token = tokens[-1]
        previous = tokens[-2] if len(tokens) > 1 else ""
        option, eq, value = token.partition("=")
        if eq and token.startswith("--") and self._completes_path(option):
            previous, token = option, value
            word = word[-len(token):] if token else ""
        if self._completes_path(previous):
            # GDB's own filename completer would complete the whole argument
            # string (options included), so paths are completed here.
            return _complete_path(token, word)
        if previous == "--backend":
            choices = _completions(self.wp_name, previous)
        elif token.startswith("-"):
            choices = _completions(self.wp_name)
        else:
            return gdb.COMPLETE_EXPRESSION
        cut = len(token) - len(word)
        return [c[cut:] for c in choices if c.startswith(token)]


def _run_outcome(name, args):
    """Runs a command, and sets the variable the core says it sets."""
    outcome = _host.run(name, args)
    variable = _lib.wp_command_result_variable(name.encode())
    if variable:
        gdb.set_convenience_variable(variable.decode(), outcome.done)
    return outcome


def _run(name, args):
    """Runs a command; raises the one-line error as gdb.GdbError."""
    outcome = _run_outcome(name, args)
    if not outcome.ok:
        raise gdb.GdbError(outcome.error)
    return outcome


def _mi_result(o):
    """The fields of an MI ^done record, as the core lists them."""
    return dict(o.fields)


# Options whose value is taken as text, not as an expression.
_TEXT_OPTIONS = ("--string", "--file", "--output")


def _mi_c_string(text):
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def _mi_quoting_error(argv):
    """MI's quoting is the c-string, a whole word in "..." with backslash
    escapes, which GDB's MI parser has undone before invoke() sees the
    words; it knows no single quotes and splits all else at spaces.  So a
    word that opens a quote (a single one, or a double one after --OPT=) is
    the CLI's quoting: split into several words, or kept as characters.
    Neither is guessed at: the error names the word and the MI spelling."""
    for i, word in enumerate(argv):
        option, eq, value = word.partition("=") if word.startswith("--") else ("", "", word)
        quote = value[:1]
        if not (quote == "'" or (eq and quote == '"')):
            continue
        if quote not in value[1:]:
            end = next((j for j in range(i + 1, len(argv)) if quote in argv[j]), None)
            if end is None:
                return ("under GDB/MI the quote that opens %s is never closed: MI quotes only "
                        "with \"...\" around a whole word (a quote character itself is "
                        "\\\\x27 or \\\\x22)" % word)
            words = argv[i:end + 1]
            text = " ".join(words)[len(option) + len(eq):]
            close = text.index(quote, 1)       # the CLI's reading, in MI's spelling
            fix = (option + " " if eq else "") + _mi_c_string(text[1:close] + text[close + 1:])
            return ("under GDB/MI %s is %d words (%s): MI splits at spaces and quotes "
                    "only with \"...\" around a whole word; write %s"
                    % (" ".join(words), len(words), " | ".join(words), fix))
        text_option = option if eq else (argv[i - 1] if i else "")
        if text_option in _TEXT_OPTIONS and value.endswith(quote) and len(value) > 1:
            return ("under GDB/MI the quotes of %s would be taken as characters: MI quotes "
                    "only with \"...\" around a whole word; write %s %s"
                    % (value, text_option, _mi_c_string(value[1:-1])))
    return None


if hasattr(gdb, "MICommand"):
    class _PhysMICommand(gdb.MICommand):
        """-writephys and -readphys for IDEs: the same arguments as the CLI
        commands, a ^done record with fields, or ^error with the one line."""

        def __init__(self, name):
            self.command = name      # MICommand.name is GDB's, read-only
            super().__init__("-" + name)

        def invoke(self, argv):
            why = _mi_quoting_error(argv)
            if why:
                raise gdb.GdbError("%s: %s" % (self.command, why))
            _host.mi = True
            try:
                return _mi_result(_run(self.command, argv))
            finally:
                _host.mi = False


class _SettingsPrefix(gdb.Command):
    """Settings of writephys: the defaults of every command.
The same as 'writephys-settings set NAME VALUE', in GDB's own form."""

    def __init__(self, verb):
        self.verb = verb
        super().__init__(verb + " writephys", gdb.COMMAND_DATA, prefix=True)

    def invoke(self, arg, _from_tty):
        # `show writephys` alone lists every setting, as `show print` does;
        # `set writephys` alone says what it takes.
        names = [_lib.wp_setting_name(i).decode() for i in range(_lib.wp_setting_count())]
        if arg.strip():
            raise gdb.GdbError("writephys-settings: unknown setting '%s' (%s)"
                               % (arg.split()[0], ", ".join(names)))
        if self.verb == "set":
            raise gdb.GdbError("writephys-settings: usage: set writephys NAME VALUE (%s)"
                               % ", ".join(names))
        for name in names:
            buf = ctypes.create_string_buffer(64)
            _lib.wp_setting_get(_host.session, name.encode(), buf, 64)
            gdb.write("writephys %s is %s\n" % (name, buf.value.decode()))


class _Setting(gdb.Parameter):
    """Kept in the core, so `writephys-settings` and `set writephys` agree."""

    def __init__(self, name, doc):
        self.__doc__ = doc[0].upper() + doc[1:] + "."
        self.set_doc = "Set " + doc + "."
        self.show_doc = "Show " + doc + "."
        self.wp_name = name
        super().__init__("writephys " + name, gdb.COMMAND_DATA, gdb.PARAM_STRING)
        self.value = self._core_value()

    def _core_value(self):
        buf = ctypes.create_string_buffer(64)
        _lib.wp_setting_get(_host.session, self.wp_name.encode(), buf, 64)
        return buf.value.decode()

    def get_set_string(self):
        err = _Error()
        if _lib.wp_setting_set(_host.session, self.wp_name.encode(),
                               str(self.value).encode(), ctypes.byref(err)):
            message = err.message.decode("utf-8", "replace")
            self.value = self._core_value()
            raise gdb.GdbError("writephys-settings: " + message)
        return ""

    def get_show_string(self, _svalue):
        return "writephys %s is %s" % (self.wp_name, self._core_value())


def _register_settings():
    for verb in ("set", "show"):
        _SettingsPrefix(verb)
    for i in range(_lib.wp_setting_count()):
        _Setting(_lib.wp_setting_name(i).decode(), _lib.wp_setting_doc(i).decode())


def _register(name):
    # The core owns the help text, so GDB and LLDB show the same words.
    doc = _lib.wp_command_help(_host.session, name.encode()).decode()
    cls = type(name.capitalize() + "Command", (_PhysCommand,), {"__doc__": doc})
    cls(name)


# ---- `import writephys`: the data-space calls for GDB's Python ----
# Each call is the command's own argv through wp_command_run, so it does
# exactly what the command does and fails with the line the command prints.

class Error(Exception):
    """A writephys call failed: str(e) is the one line the command prints.
    bytes_written: the bytes that landed from address on; in_doubt: the
    bytes after them whose fate is unknown (a packet in flight when the
    stub stopped answering); status: the core's wp_status."""

    def __init__(self, message, status, address, bytes_written=0, in_doubt=0):
        super().__init__(message)
        self.status = status
        self.address = address
        self.bytes_written = bytes_written
        self.in_doubt = in_doubt

    @property
    def written_range(self):
        """[start, end) of what landed (empty when nothing did)."""
        return (self.address, self.address + self.bytes_written)

    @property
    def doubt_range(self):
        """[start, end) of what may or may not have landed."""
        start = self.address + self.bytes_written
        return (start, start + self.in_doubt)


def _api_int(value, what):
    """An int or a gdb.Value, as the literal the core reads."""
    if isinstance(value, gdb.Value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be an int or a gdb.Value, not %s"
                        % (what, type(value).__name__))
    return str(value)


def _api_bytes(data, what):
    try:
        return bytes(memoryview(data))
    except TypeError:
        raise TypeError("%s must be bytes-like, not %s" % (what, type(data).__name__)) from None


def _api_route(backend, verify=None, force=False):
    argv = ["--backend", str(backend)] if backend is not None else []
    if verify is not None:
        argv.append("--verify" if verify else "--no-verify")
    if force:
        argv.append("--force")
    return argv


def _api_run(argv, address):
    """Runs argv; a failure raises Error at the address the caller gave."""
    if _host is None:
        raise RuntimeError("writephys did not load (see the message GDB printed)")
    outcome = _run_outcome(argv[0], argv[1:])
    if not outcome.ok:
        raise Error(outcome.error, outcome.status, int(address), outcome.done,
                    outcome.in_doubt)
    return outcome


_API_VALUES_MAX = 64 << 10    # bytes passed as VALUEs; more go as a file


def _api_values(data):
    return ["0x%02x" % b for b in data]


def write_physical(address, data, *, backend=None, verify=None, force=False):
    """Writes the bytes of data at physical address; returns the bytes
    written (BytesWritten).  As `writephys -b ADDRESS VALUE...`, or
    `--file` with those bytes when they are many."""
    data = _api_bytes(data, "data")
    where = _api_route(backend, verify, force)
    address = _api_int(address, "address")
    if len(data) <= _API_VALUES_MAX:
        return _api_run(["writephys", "-b"] + where + [address] + _api_values(data),
                        address).done
    # Longer data as a file: one command for any length (up to --file's 1 GiB).
    with tempfile.NamedTemporaryFile(prefix="writephys-data-") as f:
        f.write(data)
        f.flush()
        return _api_run(["writephys"] + where + ["--file", f.name, address], address).done


def fill_physical(address, length, pattern, *, backend=None, verify=None, force=False):
    """Repeats the bytes of pattern over length bytes from physical address;
    returns the bytes written.  As `writephys --fill --length N`."""
    pattern = _api_bytes(pattern, "pattern")
    address = _api_int(address, "address")
    return _api_run(["writephys", "--fill", "--length", _api_int(length, "length")] +
                    _api_route(backend, verify, force) + [address] + _api_values(pattern),
                    address).done


def read_physical(address, length, *, backend=None, force=False):
    """The bytes at [address, address + length) of physical memory (at
    most 1 MiB a call, as readphys prints)."""
    address = _api_int(address, "address")
    return _api_run(["readphys", "--length", _api_int(length, "length")] +
                    _api_route(backend, force=force) + [address], address).data


def virtual_to_physical(address, *, root=None, backend=None):
    """The physical address of a virtual one, as `vtop` finds it."""
    argv = ["vtop"] + _api_route(backend)
    if root is not None:
        argv += ["--root", _api_int(root, "root")]
    address = _api_int(address, "address")
    return int(_api_run(argv + [address], address).fields["physical"], 16)


class Walk:
    """A translation with every level read: physical, page_size, mode,
    writable, user, executable, and steps, one (name, table, index,
    entry_address, entry) per level, the last where the walk stopped."""

    def __init__(self, t):
        self.virtual = t.virt
        self.physical = t.phys
        self.page_size = t.page_size
        self.mode = t.mode.decode()
        self.writable = bool(t.flags & 1)
        self.user = bool(t.flags & 2)
        self.executable = bool(t.flags & 4)
        self.steps = [(s.name.decode() if s.name else "", s.table, s.index, s.entry_addr,
                       s.entry) for s in t.steps[:t.nsteps]]


def walk(address, *, root=None, backend=None, force=False):
    """The walk of `vtop --walk` as a Walk; raises Error as vtop fails.  The
    core's wp_virtual_to_physical, which vtop itself calls."""
    if _host is None:
        raise RuntimeError("writephys did not load (see the message GDB printed)")
    virt = int(_api_int(address, "address"))
    root = None if root is None else int(_api_int(root, "root"))
    if virt < 0 or (root or 0) < 0:
        # Out of uint64's range: vtop refuses it with its own words.
        virtual_to_physical(virt, root=root, backend=backend)
    root_value = None if root is None else ctypes.c_uint64(root)
    opt = _RouteOptions(backend.encode() if backend is not None else None, int(force), 0, 0)
    t = _Translation()
    err = _Error()
    with _host.core_call():
        rc = _lib.wp_virtual_to_physical(_host.session, ctypes.byref(opt),
                                         ctypes.byref(root_value) if root_value is not None
                                         else None, virt, ctypes.byref(t), ctypes.byref(err))
    if rc:
        raise Error("vtop: " + err.message.decode("utf-8", "replace"), rc, virt)
    return Walk(t)


def read_port(port, size=1, *, backend=None):
    """An x86 I/O port of size 1, 2 or 4 bytes, as `readio`."""
    port = _api_int(port, "port")
    outcome = _api_run(["readio", _api_width(size)] + _api_route(backend) + [port], port)
    return int(outcome.fields["value"], 16)


def write_port(port, value, size=1, *, backend=None, verify=None):
    """Writes an x86 I/O port, as `writeio`."""
    port = _api_int(port, "port")
    _api_run(["writeio", _api_width(size)] + _api_route(backend, verify) +
             [port, _api_int(value, "value")], port)


def read_pci_config(bdf, offset=0, length=4, *, backend=None):
    """Bytes of a PCI function's configuration space, as `readpci`; bdf is
    the text readpci takes ("00:02.0")."""
    offset = _api_int(offset, "offset")
    return _api_run(["readpci"] + _api_route(backend) +
                    [str(bdf), offset, "--length", _api_int(length, "length")], offset).data


def write_pci_config(bdf, offset, data, *, backend=None, verify=None):
    """Writes bytes of a PCI function's configuration space, as `writepci
    -b`; returns the bytes written."""
    data = _api_bytes(data, "data")
    offset = _api_int(offset, "offset")
    return _api_run(["writepci", "-b"] + _api_route(backend, verify) +
                    [str(bdf), offset] + _api_values(data), offset).done


def _api_width(size):
    widths = {1: "-b", 2: "-w", 4: "-d"}
    if size not in widths:
        raise ValueError("size must be 1, 2 or 4, not %r" % (size,))
    return widths[size]


_API = ("Error", "Walk", "write_physical", "fill_physical", "read_physical",
        "virtual_to_physical", "walk", "read_port", "write_port", "read_pci_config",
        "write_pci_config")


def _register_module():
    """`import writephys` gives the calls above.  GDB runs a sourced file
    as __main__, so the module is made here; sourcing again replaces its
    functions and keeps its Error, so `except writephys.Error` in a script
    imported before still catches."""
    global Error
    module = sys.modules.get("writephys")
    if module is None or getattr(module, "_writephys_plugin", False) is not True:
        module = types.ModuleType("writephys", "writephys: physical memory from GDB's Python.")
        module._writephys_plugin = True
        sys.modules["writephys"] = module
    elif hasattr(module, "Error"):
        Error = module.Error
    for name in _API:
        setattr(module, name, globals()[name])
    module.__all__ = list(_API)


def _utf8_arguments():
    """GDB hands a command its arguments decoded with the host charset and
    refuses those that do not decode.  Under LANG=C that charset is ASCII,
    so `--string "Hé"` could not reach the core; UTF-8 contains ASCII, so
    the switch changes nothing for ASCII text."""
    try:
        charset = gdb.host_charset()
    except AttributeError:
        return
    if charset.upper() in ("ANSI_X3.4-1968", "ASCII", "US-ASCII"):
        gdb.execute("set host-charset UTF-8", to_string=True)


def _main():
    global _lib, _host
    if not hasattr(gdb, "RemoteTargetConnection"):
        # send_packet arrived in GDB 12; without it there is no qemu route.
        gdb.write("writephys: this GDB has no RemoteTargetConnection.send_packet "
                  "(GDB 12 or newer needed); not loaded\n", gdb.STDERR)
        return
    try:
        _lib = _load_core()
    except _LoadError as exc:
        gdb.write("writephys: %s\n" % exc, gdb.STDERR)
        return
    _utf8_arguments()
    try:
        _host = _GdbHost()
    except _LoadError as exc:
        gdb.write("writephys: %s\n" % exc, gdb.STDERR)
        return
    for event in ("stop", "cont", "exited", "inferior_call"):
        if hasattr(gdb.events, event):
            getattr(gdb.events, event).connect(_host.target_changed)
    _register_settings()
    _register_module()
    for name in (_lib.wp_command_name(i).decode() for i in range(_lib.wp_command_count())):
        _register(name)
        if hasattr(gdb, "MICommand"):
            _PhysMICommand(name)


_main()
