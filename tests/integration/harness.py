"""Real parts for the integration tests: QEMU guests with QMP as the oracle,
GDB (and LLDB) driven in batch mode, and free ports chosen by the kernel.

QEMU gets its gdbstub and QMP sockets already bound and listening (passed as
file descriptors), so there is no port race and nothing to wait for: a
connection made right after the spawn is queued by the kernel."""
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("WP_BUILD_DIR", os.path.join(ROOT, "build"))
# A sanitized run points each debugger at its own build and preloads the
# sanitizer runtime into that debugger only (never into QEMU).
GDB_PLUGIN = os.path.join(os.environ.get("WP_GDB_BUILD_DIR", BUILD), "plugin-gdb",
                          "writephys.py")
LLDB_PLUGIN = os.path.join(os.environ.get("WP_LLDB_BUILD_DIR", BUILD), "plugin-lldb",
                           "libwritephys_lldb.so")
LLDB = os.environ.get("WP_LLDB", "lldb")     # lldb-16, for a plugin built against it
HERE = os.path.dirname(os.path.abspath(__file__))

# (qemu binary, machine options, RAM base, gdb binary).  The guests run no
# firmware that touches RAM: after GDB detaches QEMU resumes the VM, and a
# BIOS would scribble over the bytes the oracle is about to check.
ARCHES = {
    "x86_64": ("qemu-system-x86_64", ["-M", "pc", "-bios", "@HLT_BIOS@"], 0x0, "gdb"),
    "aarch64": ("qemu-system-aarch64", ["-M", "virt", "-cpu", "cortex-a57"], 0x40000000,
                "gdb-multiarch"),
    "riscv64": ("qemu-system-riscv64", ["-M", "virt", "-bios", "none"], 0x80000000,
                "gdb-multiarch"),
}
RAM_MB = 64


def require(tool):
    """A missing tool fails the test: a skipped integration test proves nothing."""
    path = shutil.which(tool)
    assert path, "%s is not installed (run ./run-tests as root to install it)" % tool
    return path


def _die_with_parent():
    # QEMU must not outlive a test runner that was killed.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def hlt_bios(directory):
    """A 64 KiB x86 firmware of HLT instructions: the reset vector halts."""
    path = os.path.join(directory, "hlt-bios.bin")
    with open(path, "wb") as f:
        f.write(b"\xf4" * 0x10000)
    return path


class Qemu:
    def __init__(self, arch="x86_64", extra=(), machine=None, ram_mb=RAM_MB, serial=False,
                 gdb_unix=False, kgdb_serial=False):
        """extra: more QEMU options; machine: instead of the arch's own (no
        firmware of HLT); serial: the guest's serial port as self.serial, a
        connected socket; kgdb_serial: a second serial port (ttyS1) listening
        on TCP port self.kgdb_port, for a guest kernel's kgdb."""
        binary, default_machine, self.ram_base, self.gdb = ARCHES[arch]
        machine = list(machine or default_machine) + list(extra)
        self.arch = arch
        self.ram_size = ram_mb << 20
        self.dir = tempfile.mkdtemp(prefix="wp-qemu-")
        machine = [hlt_bios(self.dir) if m == "@HLT_BIOS@" else m for m in machine]
        if gdb_unix:   # the gdbstub on a unix socket: self.port is its path
            self.port = os.path.join(self.dir, "gdb.sock")
            gdb_sock = socket.socket(socket.AF_UNIX)
            gdb_sock.bind(self.port)
        else:
            gdb_sock = socket.socket()
            gdb_sock.bind(("127.0.0.1", 0))
            self.port = gdb_sock.getsockname()[1]
        gdb_sock.listen(4)
        qmp_path = os.path.join(self.dir, "qmp.sock")
        qmp_sock = socket.socket(socket.AF_UNIX)
        qmp_sock.bind(qmp_path)
        qmp_sock.listen(1)
        fds = [gdb_sock.fileno(), qmp_sock.fileno()]
        if serial:
            serial_path = os.path.join(self.dir, "serial.sock")
            serial_sock = socket.socket(socket.AF_UNIX)
            serial_sock.bind(serial_path)
            serial_sock.listen(1)
            fds.append(serial_sock.fileno())
            machine += ["-chardev", "socket,id=ser0,fd=%d,server=on,wait=off" %
                        serial_sock.fileno(), "-serial", "chardev:ser0"]
        if kgdb_serial:
            kgdb_sock = socket.socket()
            kgdb_sock.bind(("127.0.0.1", 0))
            kgdb_sock.listen(1)
            self.kgdb_port = kgdb_sock.getsockname()[1]
            fds.append(kgdb_sock.fileno())
            machine += ["-chardev", "socket,id=ser1,fd=%d,server=on,wait=off,nodelay=on" %
                        kgdb_sock.fileno(), "-serial", "chardev:ser1"]
        cmd = [require(binary), "-S", "-nodefaults", "-display", "none", "-m",
               "%dM" % ram_mb, *machine,
               "-chardev", "socket,id=gdb0,fd=%d,server=on,wait=off,nodelay=on" % gdb_sock.fileno(),
               "-gdb", "chardev:gdb0",
               "-chardev", "socket,id=qmp0,fd=%d,server=on,wait=off" % qmp_sock.fileno(),
               "-mon", "chardev=qmp0,mode=control"]
        self.proc = subprocess.Popen(cmd, pass_fds=fds,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, preexec_fn=_die_with_parent)
        gdb_sock.close()
        qmp_sock.close()
        if kgdb_serial:
            kgdb_sock.close()
        self.serial = None
        if serial:
            serial_sock.close()
            self.serial = socket.socket(socket.AF_UNIX)
            self.serial.settimeout(int(os.environ.get("WP_SERIAL_TIMEOUT", "300")))
            self.serial.connect(serial_path)
            self._serial_text = b""
        self.qmp = socket.socket(socket.AF_UNIX)
        self.qmp.settimeout(30)
        self.qmp.connect(qmp_path)
        self.qmp_file = self.qmp.makefile("rw")
        greeting = json.loads(self.qmp_file.readline())
        assert "QMP" in greeting, greeting
        self.execute("qmp_capabilities")

    def execute(self, command, **arguments):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.qmp_file.write(json.dumps(msg) + "\n")
        self.qmp_file.flush()
        while True:
            reply = json.loads(self.qmp_file.readline())
            if "event" in reply:
                continue
            assert "error" not in reply, reply
            return reply["return"]

    def read_serial_until(self, marker):
        """The guest's console output up to and including the line holding
        marker (the guest says when it is ready; no sleeps)."""
        while marker.encode() not in self._serial_text:
            chunk = self.serial.recv(65536)
            assert chunk, "the guest's console closed: %r" % self._serial_text[-2000:]
            self._serial_text += chunk
        head, _, rest = self._serial_text.partition(marker.encode())
        line_end = rest.find(b"\n")
        while line_end < 0:
            chunk = self.serial.recv(65536)
            assert chunk, "the guest's console closed"
            rest += chunk
            line_end = rest.find(b"\n")
        self._serial_text = rest[line_end + 1:]
        return (head + marker.encode() + rest[:line_end + 1]).decode("utf-8", "replace")

    def pmemsave(self, addr, size):
        """The oracle: QEMU's own view of physical memory."""
        path = os.path.join(self.dir, "pmem.bin")
        self.execute("pmemsave", val=addr, size=size, filename=path)
        with open(path, "rb") as f:
            return f.read()

    def monitor(self, line):
        return self.execute("human-monitor-command", **{"command-line": line})

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        try:
            self.qmp.close()
        except OSError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run_debugger(args, timeout, started=None, env=None, preload=None, stdin=None,
                 merge_stderr=False):
    """subprocess.run, but `started(pid)` is told the child's pid first;
    `preload` names the variable holding this debugger's LD_PRELOAD."""
    env = dict(env or os.environ)
    if preload and os.environ.get(preload):
        env["LD_PRELOAD"] = os.environ[preload]
    # merge_stderr: one stream, so that a debugger's errors stay in order
    # with its output (LLDB prints a failed command's error on stderr).
    with subprocess.Popen(args, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
                          stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                          text=True) as proc:
        if started:
            started(proc.pid)
        try:
            out, err = proc.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        return subprocess.CompletedProcess(args, proc.returncode, out, err)


def run_gdb(commands, port=None, gdb="gdb", timeout=300, plugin=True, started=None, env=None,
            user=None):
    """Runs GDB in batch mode over a list of commands; returns one dict per
    command: command, output, error (the one line GDB printed, or None)."""
    prefix = []
    if plugin:
        prefix.append("source " + GDB_PLUGIN)
    if port is not None:
        prefix.append("target remote " + (port if isinstance(port, str)
                                          else "127.0.0.1:%d" % port))
    with tempfile.TemporaryDirectory(prefix="wp-gdb-") as d:
        cmd_path = os.path.join(d, "commands.json")
        out_path = os.path.join(d, "results.json")
        with open(cmd_path, "w") as f:
            json.dump(prefix + list(commands), f)
        env = dict(env or os.environ, WP_COMMANDS=cmd_path, WP_RESULTS=out_path)
        if user is not None:   # the debugger as another user (setpriv drops root)
            os.chmod(d, 0o777)
        prog = [require(gdb), "-nx", "-batch", "-x", os.path.join(HERE, "gdb_driver.py")]
        if user is not None:
            prog = [require("setpriv"), "--reuid=%d" % user, "--regid=%d" % user,
                    "--clear-groups"] + prog
        proc = run_debugger(prog,
                            timeout, started, env=env, preload="WP_GDB_PRELOAD")
        assert os.path.exists(out_path), "GDB died: %s\n%s" % (proc.returncode, proc.stderr)
        assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr + proc.stdout
        with open(out_path) as f:
            results = json.load(f)
    for r in results[:len(prefix)]:
        assert r["error"] is None and "Traceback" not in r["output"], r
    return results[len(prefix):]


def run_lldb(commands, port=None, timeout=300, plugin=True, started=None, env=None):
    """Runs LLDB in batch mode over a list of commands (errors do not stop
    the list); returns one dict per command: command and output, as LLDB
    printed it.  "packet:P" sends P raw and gives the stub's reply."""
    prefix = []
    if plugin:
        prefix.append("plugin load " + LLDB_PLUGIN)
    if port is not None:
        prefix.append("gdb-remote 127.0.0.1:%d" % port)
    lines = [("process plugin packet send " + c[len("packet:"):]) if c.startswith("packet:")
             else c for c in commands]
    # Detach, so that LLDB leaves the guest alive for the oracle to read.
    suffix = ["process detach"] if port is not None else []
    with tempfile.TemporaryDirectory(prefix="wp-lldb-") as d:
        script = os.path.join(d, "commands.lldb")
        with open(script, "w", encoding="utf-8") as f:
            f.write("\n".join(prefix + lines + suffix) + "\n")
        proc = run_debugger([require(LLDB), "--no-lldbinit", "-b", "-o",
                     "command source -e false " + script], timeout, started,
                    env=env, preload="WP_LLDB_PRELOAD", merge_stderr=True)
    outputs = _split_lldb_transcript(proc.stdout, prefix + lines + suffix)
    assert len(outputs) == len(prefix + lines + suffix), proc.stdout + proc.stderr
    for line, out in zip(prefix, outputs):
        assert "error" not in out, (line, out)
    results = []
    for command, out in zip(commands, outputs[len(prefix):]):
        if command.startswith("packet:"):
            out = out.split("response: ", 1)[1].split("\n", 1)[0] if "response: " in out else ""
        results.append({"command": command, "output": out})
    return results


def _split_lldb_transcript(text, lines):
    """Cuts LLDB's transcript at the echo of each command it ran."""
    outputs = []
    pos = text.find("Executing commands in")
    for i, line in enumerate(lines):
        echo = "(lldb) " + line + "\n"
        start = text.find(echo, pos)
        if start < 0:
            break
        start += len(echo)
        nxt = text.find("(lldb) " + lines[i + 1] + "\n", start) if i + 1 < len(lines) else -1
        outputs.append(text[start:nxt if nxt >= 0 else len(text)])
        pos = start
    return outputs


def core_commands():
    """The commands of the core's registry: the table both plugins register,
    read from the built core rather than listed here."""
    lib = ctypes.CDLL(os.path.join(BUILD, "plugin-gdb", "libwritephys.so.0"))
    lib.wp_command_count.restype = ctypes.c_size_t
    lib.wp_command_name.restype = ctypes.c_char_p
    lib.wp_command_name.argtypes = [ctypes.c_size_t]
    return [lib.wp_command_name(i).decode() for i in range(lib.wp_command_count())]


def run_text(debugger, commands, port=None, **kw):
    """What the user sees for each command, in GDB or LLDB: the output, or
    the one-line error with its newline."""
    if debugger == "gdb":
        return [r["error"] + "\n" if r["error"] is not None else r["output"]
                for r in run_gdb(commands, port=port, **kw)]
    # LLDB marks a failure as its own "error: " line; the text after the
    # prefix is what GDB prints.
    ours = tuple("error: %s:" % c for c in core_commands())
    return [r["output"][len("error: "):] if r["output"].startswith(ours)
            else r["output"] for r in run_lldb(commands, port=port, **kw)]
