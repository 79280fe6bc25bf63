#!/usr/bin/env python3
"""A whole onboarding shift played at the keyboard, in real time, as a new hire would:
pick the trainee, start module 1 (key 1), and for each of its five tickets as it arrives:
open it (its number), run the next diagnostic step (S), wait for it, escalate (E) with a
typed five-part note (Tab between fields, Ctrl+Enter); then end the shift (End, Enter),
reach the debrief, screenshot it (F12) and quit (Ctrl+Q). Checks that every ticket was
decided in the app, that the result replays headless, and the debrief screenshot.

Takes about seven minutes: module 1 runs at 0.25 sim minutes a second (1 while the agent
is busy) and its last ticket arrives at minute 100. Not part of `.ci/gui-smoke` unless
GUI_SMOKE_FULL_SHIFT=1.

Run under Xvfb: xvfb-run -a -s "-screen 0 1280x800x24" python3 .ci/gui_full_shift.py BIN OUT
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gui_keys import App, key, type_note  # noqa: E402

BIN, OUT = sys.argv[1], sys.argv[2]
DATA = os.path.join(OUT, "full-shift-data")
shutil.rmtree(DATA, ignore_errors=True)
os.makedirs(DATA)
app = App(BIN, DATA, os.path.join(OUT, "full-shift-app.log"), ["--trainee", "Nia New"])

SHIFT_FILE = "scenarios/builtin/shifts/onboarding-1-l1-scope.ron"
ARRIVALS = [int(m) for m in re.search(r"arrivals: Fixed\(\[([\d, ]+)\]\)", open(SHIFT_FILE).read()).group(1).split(",")]
IDLE_RATE, BUSY_RATE = 0.25, 1.0  # sim minutes per real second


def note(n):
    return [
        f"Ticket {n}: ran the first diagnostic step and recorded its outcome in the ticket.",
        "The problem is still there after that check; the exact error is in the ticket.",
        "One user affected; the client is waiting and calm.",
        "Needs L2 to look further: the first check did not settle it.",
        "SLA time is left on this ticket; the client was told to expect a call.",
    ]


def entry(action, ticket):
    """(minute, busy_until or None, refused) of the last log line for `action` on `ticket`."""
    found = None
    for line in app.session_log().splitlines():
        if f"action:{action}(ticket:{ticket}," in line or f"action:{action}(ticket:{ticket})" in line:
            at = int(re.match(r"\(at:(\d+)", line).group(1))
            busy = re.search(r"outcome:Done\(busy_until:(\d+)\)\)$", line)
            found = (at, int(busy.group(1)) if busy else None, "Refused" in line)
    return found


app.launch()
print(f"module 1's tickets arrive at minutes {ARRIVALS}")
key("1")  # the mode screen: the onboarding path's next module
app.wait_for(lambda: glob.glob(os.path.join(DATA, "sessions", "*.log")), "the session log")
time.sleep(0.5)

for n, arrives in enumerate(ARRIVALS, start=1):
    print(f"ticket {n}: open it when it arrives (minute {arrives})")
    while True:
        key(str(n))
        opened = app.wait_for(lambda: entry("Open", n), f"ticket {n}'s open to be logged", timeout=30)
        if not opened[2]:
            break
        # Not there yet: a person looks at the queue again a little later.
        time.sleep(3)
    key("s")
    step = app.wait_for(lambda: (e := entry("RunStep", n)) and e[1] is not None and e, f"ticket {n}'s step")
    time.sleep((step[1] - step[0]) / BUSY_RATE + 1.5)
    key("e")
    type_note(note(n))
    decided = app.wait_for(lambda: (e := entry("Escalate", n)) and e[1] is not None and e, f"ticket {n}'s escalation")
    print(f"ticket {n}: escalated at minute {decided[0]}")
    if n < len(ARRIVALS):
        busy_end = decided[1]
        nxt = ARRIVALS[n]
        wait = max(0, min(nxt, busy_end) - decided[0]) / BUSY_RATE + max(0, nxt - busy_end) / IDLE_RATE
        time.sleep(wait + 1.0)

print("end the shift (End, then Enter)")
time.sleep(1.5)  # single keys wait a moment after typing; a person reads first
key("End")
time.sleep(0.4)
key("Return")
result = app.wait_for(lambda: glob.glob(os.path.join(DATA, "sessions", "*.result.ron")), "the session result")[0]
time.sleep(2.0)
app.screenshot(os.path.join(OUT, "full-shift-debrief.png"))
app.quit()

replay = subprocess.run([BIN, "replay", result], capture_output=True, text=True)
print(replay.stdout.strip().splitlines()[-1])
if replay.returncode != 0:
    app.fail("the result does not replay: " + replay.stderr)
grade = json.loads(subprocess.run([BIN, "grade", result, "--format", "json"], capture_output=True, text=True, check=True).stdout)
calls = {t["number"]: t["call"] for t in grade["tickets"]}
if sorted(calls) != list(range(1, len(ARRIVALS) + 1)) or any(c is None for c in calls.values()):
    app.fail(f"not every ticket was decided: {calls}")
print(f"ok: a whole onboarding shift at the keyboard: {len(calls)} tickets decided, session score {grade['score']}")
