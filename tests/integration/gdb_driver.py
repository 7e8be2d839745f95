# Runs inside GDB (gdb -nx -batch -x gdb_driver.py): executes the commands
# listed in $WP_COMMANDS (a JSON list) one by one and writes, for each, what
# it printed and the one-line error it raised to $WP_RESULTS.
#   "packet:PAYLOAD"  sends a raw packet and records the reply
#   "value:EXPR"      records str(gdb.parse_and_eval(EXPR))
import json
import os
import time

import gdb

results = []
for command in json.load(open(os.environ["WP_COMMANDS"], encoding="utf-8")):
    entry = {"command": command, "output": "", "error": None}
    started = time.monotonic()
    try:
        if command.startswith("packet:"):
            conn = gdb.selected_inferior().connection
            reply = conn.send_packet(command[len("packet:"):])
            entry["output"] = (reply or b"").decode("latin-1")
        elif command.startswith("value:"):
            entry["output"] = str(gdb.parse_and_eval(command[len("value:"):]))
        else:
            entry["output"] = gdb.execute(command, to_string=True) or ""
    except gdb.error as exc:
        entry["error"] = str(exc)
    except Exception as exc:  # a Python error from our plugin is a test failure
        entry["error"] = "PYTHON %s: %s" % (type(exc).__name__, exc)
    entry["seconds"] = time.monotonic() - started
    entry["ended"] = time.time()   # wall clock, to compare with events outside GDB
    results.append(entry)
with open(os.environ["WP_RESULTS"], "w") as out:
    json.dump(results, out)
