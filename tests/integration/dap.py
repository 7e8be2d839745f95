"""A small Debug Adapter Protocol client, to drive lldb-vscode as an IDE
does: requests in order, each response matched by its sequence number,
every message kept for the test to look at."""
import json
import os
import queue
import subprocess
import threading
import time

from harness import ROOT, require

DAP_LAYER = os.path.join(ROOT, "dap", "writephys-dap")


class DapClient:
    def __init__(self, adapter="lldb-vscode-14", layer=False):
        """layer: through writephys-dap, which starts the adapter."""
        # A sanitized run preloads the sanitizer runtimes the LLDB plugin
        # was built with, as for lldb itself (and not into writephys-dap's
        # Python).
        command = [require(adapter)]
        if os.environ.get("WP_LLDB_PRELOAD"):
            command = ["env", "LD_PRELOAD=" + os.environ["WP_LLDB_PRELOAD"]] + command
        if layer:
            command = [require("python3"), DAP_LAYER] + command
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.seq = 0
        self.messages = []
        self.incoming = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            line = out.readline()
            if not line:
                self.incoming.put(None)
                return
            if line.startswith(b"Content-Length:"):
                length = int(line.split(b":")[1])
                out.readline()   # the blank line after the header
                message = json.loads(out.read(length))
                self.messages.append(message)
                self.incoming.put(message)

    def send(self, command, **arguments):
        self.seq += 1
        body = json.dumps({"seq": self.seq, "type": "request", "command": command,
                           "arguments": arguments}).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.proc.stdin.flush()
        return self.seq

    def wait_for(self, wanted, timeout=120):
        """The next message for which wanted(message) is true (the adapter's
        own messages mark progress; the timeout is for a dead adapter)."""
        end = time.monotonic() + timeout
        while True:
            message = self.incoming.get(timeout=max(0.1, end - time.monotonic()))
            assert message is not None, "the adapter closed its output"
            if wanted(message):
                return message

    def wait_until(self, condition, timeout=120):
        """Until condition() holds over the messages received so far (a
        message may arrive while the client waits for another one)."""
        end = time.monotonic() + timeout
        while not condition():
            message = self.incoming.get(timeout=max(0.1, end - time.monotonic()))
            assert message is not None, "the adapter closed its output"

    def request(self, command, **arguments):
        seq = self.send(command, **arguments)
        return self.wait_for(lambda m: m.get("type") == "response" and
                             m.get("request_seq") == seq)

    def attach_and_pause(self, port, plugin):
        """initialize, attach to QEMU's gdbstub with the plugin loaded, and
        pause: the target stopped, as a user has it before typing commands."""
        assert self.request("initialize", adapterID="lldb", clientID="writephys-test",
                            supportsProgressReporting=True, supportsMemoryEvent=True)["success"]
        r = self.request("attach", initCommands=["plugin load " + plugin],
                         attachCommands=["gdb-remote 127.0.0.1:%d" % port])
        assert r["success"], r
        assert self.request("configurationDone")["success"]
        # configurationDone resumes the target, and the adapter learns of it
        # a little later; a pause before that is lost.  So: wait until LLDB
        # says the process runs, then pause and wait for the stop.
        deadline = time.monotonic() + 60
        while "running" not in self.request("evaluate", expression="`process status",
                                            context="repl")["body"]["result"]:
            assert time.monotonic() < deadline, "the target never ran"
        sent = len(self.messages)
        assert self.request("pause", threadId=1)["success"]
        self.wait_until(lambda: any(m.get("event") == "stopped" for m in self.messages[sent:]))

    def events(self, name):
        return [m for m in self.messages if m.get("type") == "event" and m.get("event") == name]

    def close(self):
        if self.proc.poll() is None:
            try:
                self.request("disconnect", terminateDebuggee=False)
            except (AssertionError, queue.Empty, BrokenPipeError):
                pass
            self.proc.kill()
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
