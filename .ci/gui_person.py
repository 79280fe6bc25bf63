#!/usr/bin/env python3
"""Drives the real trainer window with synthetic keyboard input (xdotool, XTEST), as a
person would:

1. create a trainee, start onboarding, skip the first-run walkthrough (Esc), open ticket 1,
   run a diagnostic step;
2. the app is killed (SIGKILL) and started again: it lists the interrupted session, and R
   resumes it where it stopped;
3. escalate ticket 1 with a typed five-part note, end the shift, reach the debrief, save a
   screenshot with F12;
4. as the coach, open the dashboard, override ticket 1's grade with a reason (the session
   and the ticket come from the form's lists, the newest preselected) and export the HTML
   report (keyboard shortcuts O and H); quit with Ctrl+Q.

Then checks what the app wrote: the session result replays headless and grades the
escalation with the note as typed; the history holds the one finished session and the
override; the report holds the reason.

Run under Xvfb: xvfb-run -a -s "-screen 0 1280x800x24" python3 .ci/gui_person.py BIN OUT
Progress is observed through the files the app writes (the session log is appended per
action), not by timing guesses.
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
from gui_keys import App, key, type_note, typed  # noqa: E402

BIN, OUT = sys.argv[1], sys.argv[2]
DATA = os.path.join(OUT, "person-data")
shutil.rmtree(DATA, ignore_errors=True)
os.makedirs(DATA)
app = App(BIN, DATA, os.path.join(OUT, "person-app.log"))

REASON = "Escalating was right here, the note was thin: reviewed with Pat"

NOTE = [
    "Ran the first diagnostic check on the account; outcome recorded in the ticket.",
    "User still cannot sign in; exact error as reported in the ticket.",
    "One dental nurse affected, clinic front desk waiting on her.",
    "Likely an account problem that needs L2 to look at the directory.",
    "Plenty of SLA time left; the client expects a call back within the hour.",
]


def dojo(*args):
    return subprocess.run([BIN, "--data-dir", DATA, *args], capture_output=True, text=True).stdout


app.launch()

print("start screen: typing a new trainee")
typed("Pat Person")
key("Return")
app.wait_for(lambda: "Pat Person" in dojo("trainee", "list"), "the trainee to be saved in the history")

print("mode screen: 1 starts onboarding")
time.sleep(0.5)
key("1")
app.wait_for(lambda: glob.glob(os.path.join(DATA, "sessions", "*.log")), "the session log")

print("shift: the first-run walkthrough opens (the clock stopped); Esc skips it")
time.sleep(1.5)
key("Escape")
time.sleep(0.5)
print("shift: open ticket 1, run the next diagnostic step (S)")
key("1")
app.wait_for(lambda: "Open(ticket:1)" in app.session_log(), "ticket 1 to open")
key("s")
step = app.wait_for(
    lambda: re.search(
        r"\(at:(\d+),action:RunStep\(ticket:1,[^)]*\),outcome:Done\(busy_until:(\d+)\)\)", app.session_log()
    ),
    "the step to run",
)
busy_minutes = int(step.group(2)) - int(step.group(1))

print("crash: SIGKILL the app mid-shift (ticket 1 open, a step run), then start it again")
time.sleep(1.0)
app.proc.kill()
app.proc.wait()
before = app.session_log()
app.launch()
print("start screen: the interrupted session is listed; F12 to photograph it, R resumes it")
app.screenshot(os.path.join(OUT, "person-interrupted.png"))
key("r")
app.wait_for(lambda: "resumed session" in app.app_log(), "the session to resume")
if not app.session_log().startswith(before):
    app.fail("the resumed log does not start with what was logged before the crash")
if "Open(ticket:1)" not in app.session_log() or "RunStep(ticket:1" not in app.session_log():
    app.fail("the actions before the crash are not in the resumed log")
# Onboarding runs 0.25 sim min per second, 4x while busy: 1 sim minute a second.
time.sleep(busy_minutes * 1.0 + 1.5)

print("escalate (E): typing the five-part note, Ctrl+Enter to send")
key("e")
type_note(NOTE)
app.wait_for(
    lambda: re.search(r"action:Escalate\(ticket:1,.*outcome:Done", app.session_log()),
    "the escalation",
)
if "Refused" in app.session_log():
    app.fail("an action was refused:\n" + app.session_log())

print("end the shift (End, then Enter)")
time.sleep(1.5)  # single keys wait a moment after typing; a person reads first
key("End")
time.sleep(0.4)
key("Return")
result = app.wait_for(
    lambda: glob.glob(os.path.join(DATA, "sessions", "*.result.ron")), "the session result"
)[0]

print("debrief: F12 screenshot")
time.sleep(2.0)  # the debrief's first frames
app.screenshot(os.path.join(OUT, "person-debrief.png"))

print("coach: M (mode), D (dashboard), O (override form: the newest session and its first ticket")
print("       are picked from the lists): new score 70, the coach, a reason; H (HTML)")
key("m")
time.sleep(0.8)
key("d")
time.sleep(2.0)  # the dashboard reads the history and lays out its charts
key("o")
time.sleep(0.6)
typed("70")
time.sleep(0.3)
key("Tab")
time.sleep(0.4)
typed("Casey Coach")
time.sleep(0.3)
key("Tab")
time.sleep(0.4)
typed(REASON)
time.sleep(0.8)
key("Return")


def override_stored():
    shown = dojo("history", "show", "1", "--format", "json")
    return REASON in shown and shown


shown = json.loads(app.wait_for(override_stored, "the coach's override in the history"))
got = [(o["session"], o["ticket"], o["new_score"], o["coach"]) for o in shown["overrides"]]
if got != [(1, 1, 70, "Casey Coach")]:
    app.fail(f"the override was stored as {got}")
time.sleep(0.8)
key("h")
report_html = os.path.join(DATA, "reports", "pat-person.html")
app.wait_for(lambda: os.path.exists(report_html), "the exported HTML report")
html = open(report_html).read()
for needle in ["<svg", REASON, "Casey Coach", "Pat Person"]:
    if needle not in html:
        app.fail(f"the exported report lacks {needle!r}")
shutil.copy(report_html, os.path.join(OUT, "person-report.html"))
time.sleep(1.0)
app.screenshot(os.path.join(OUT, "person-dashboard.png"))
app.quit()

replay = subprocess.run([BIN, "replay", result], capture_output=True, text=True)
print(replay.stdout.strip())
if replay.returncode != 0:
    app.fail("the result does not replay: " + replay.stderr)
grade = json.loads(
    subprocess.run([BIN, "grade", result, "--format", "json"], capture_output=True, text=True, check=True).stdout
)
ticket = next(t for t in grade["tickets"] if t["number"] == 1)
if ticket["call"] != "EscalateToL2":
    app.fail(f"ticket 1's call is {ticket['call']}, expected EscalateToL2")
if ticket["note"] is None:
    app.fail("ticket 1 has no graded note")
with open(result) as f:
    text = f.read()
for line in NOTE:
    if line not in text:
        app.fail(f"the note line was not recorded as typed: {line}")
interrupted = dojo("history", "interrupted")
if not interrupted.strip().startswith("0 interrupted"):
    app.fail("the resumed session is still listed as interrupted:\n" + interrupted)
sessions = json.loads(dojo("history", "list", "--format", "json"))
if [(x["trainee"], x["state"]) for x in sessions] != [("Pat Person", "Finished")]:
    app.fail(f"the history should hold exactly the resumed session, finished: {sessions}")
print(f"ok: trainee {grade['trainee']}, ticket 1 escalated with a note scored {ticket['note']['total']}/100; session score {grade['score']}")
