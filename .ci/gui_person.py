#!/usr/bin/env python3
"""Drives the real trainer window with synthetic keyboard input (xdotool, XTEST), as a
person would: create a trainee, start onboarding, open ticket 1, run a diagnostic step;
then the app is killed (SIGKILL), started again, lists the interrupted session and resumes
it (R) where it stopped; escalate ticket 1 with a typed five-part note, end the shift, reach the debrief, save a
screenshot with F12; then, as the coach, open the dashboard, override ticket 1's grade with a
reason and export the HTML report (keyboard shortcuts O and H); quit with Ctrl+Q. Then checks what the app wrote: the session
result replays headless and grades the escalation with the note as typed.

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

BIN, OUT = sys.argv[1], sys.argv[2]
DATA = os.path.join(OUT, "person-data")
shutil.rmtree(DATA, ignore_errors=True)
os.makedirs(DATA)
LOG = open(os.path.join(OUT, "person-app.log"), "w")

REASON = "Escalating was right here, the note was thin: reviewed with Pat"

NOTE = [
    "Ran the first diagnostic check on the account; outcome recorded in the ticket.",
    "User still cannot sign in; exact error as reported in the ticket.",
    "One dental nurse affected, clinic front desk waiting on her.",
    "Likely an account problem that needs L2 to look at the directory.",
    "Plenty of SLA time left; the client expects a call back within the hour.",
]


def fail(message):
    print(f"FAIL: {message}")
    try:
        proc.kill()
    except NameError:
        pass
    sys.exit(1)


def wait_for(condition, what, timeout=90.0):
    """Polls `condition` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc.poll() is not None:
            fail(f"the app exited ({proc.returncode}) while waiting for {what}")
        time.sleep(0.1)
    fail(f"timed out waiting for {what}")


def xdo(*args):
    subprocess.run(["xdotool", *args], check=True)


def key(*keys):
    for k in keys:
        xdo("key", "--delay", "60", k)
        time.sleep(0.15)  # one key per app frame or so


def chord(modifier, k):
    """A held modifier, as fingers do (an instant ctrl+key can land inside one frame,
    where the app sees the modifier already released)."""
    xdo("keydown", modifier)
    time.sleep(0.4)
    xdo("keydown", k)
    time.sleep(0.2)
    xdo("keyup", k)
    time.sleep(0.2)
    xdo("keyup", modifier)
    time.sleep(0.2)


def typed(text):
    xdo("type", "--delay", "15", text)


def session_log():
    logs = glob.glob(os.path.join(DATA, "sessions", "*.log"))
    return open(logs[0]).read() if logs else ""


def launch():
    """Starts the app; retries when the fresh Xvfb server was not ready to accept it
    (seen here once in a while as XOpenDisplayFailed)."""
    for attempt in range(5):
        p = subprocess.Popen(
            [BIN, "--data-dir", DATA, "--seed", "7"],
            stdout=LOG,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, RUST_BACKTRACE="0"),
        )
        time.sleep(2)
        if p.poll() is None or "XOpenDisplayFailed" not in open(LOG.name).read():
            return p
        print(f"the display was not ready (attempt {attempt + 1}); retrying")
        time.sleep(1)
    return p


def app_log():
    return open(LOG.name).read()


def show_window(launches):
    """Finds the app's window, focuses it and waits for the start screen's first frames."""
    window = wait_for(
        lambda: subprocess.run(
            ["xdotool", "search", "--name", "Escalation Dojo"], capture_output=True, text=True
        ).stdout.split(),
        "the window",
    )[0]
    xdo("mousemove", "--window", window, "900", "700")
    xdo("windowfocus", "--sync", window)
    wait_for(lambda: app_log().count("Creating new window") >= launches, "the first frame")
    time.sleep(1.5)  # the start screen's first frames (fonts, layout)


def complete_png():
    """A screenshot once it is fully written (ends with its IEND chunk)."""
    for path in glob.glob(os.path.join(DATA, "screenshots", "*.png")):
        with open(path, "rb") as f:
            if f.read().endswith(b"IEND\xaeB`\x82"):
                return path
    return None


proc = launch()
show_window(1)

print("start screen: typing a new trainee")
typed("Pat Person")
key("Return")
wait_for(
    lambda: "Pat Person"
    in subprocess.run([BIN, "--data-dir", DATA, "trainee", "list"], capture_output=True, text=True).stdout,
    "the trainee to be saved in the history",
)

print("mode screen: 1 starts onboarding")
time.sleep(0.5)
key("1")
wait_for(lambda: glob.glob(os.path.join(DATA, "sessions", "*.log")), "the session log")

print("shift: open ticket 1, run the next diagnostic step (S)")
time.sleep(0.5)
key("1")
wait_for(lambda: "Open(ticket:1)" in session_log(), "ticket 1 to open")
key("s")
step = wait_for(
    lambda: re.search(r"\(at:(\d+),action:RunStep\(ticket:1,[^)]*\),outcome:Done\(busy_until:(\d+)\)\)", session_log()),
    "the step to run",
)
busy_minutes = int(step.group(2)) - int(step.group(1))

print("crash: SIGKILL the app mid-shift (ticket 1 open, a step run), then start it again")
time.sleep(1.0)
proc.kill()
proc.wait()
before = session_log()
proc = launch()
show_window(2)
print("start screen: the interrupted session is listed; F12 to photograph it, R resumes it")
key("F12")
shot = wait_for(complete_png, "the start screen's screenshot")
shutil.move(shot, os.path.join(OUT, "person-interrupted.png"))
key("r")
wait_for(lambda: "resumed session" in app_log(), "the session to resume")
if not session_log().startswith(before):
    fail("the resumed log does not start with what was logged before the crash")
if "Open(ticket:1)" not in session_log() or "RunStep(ticket:1" not in session_log():
    fail("the actions before the crash are not in the resumed log")
# Onboarding runs 0.25 sim min per second, 4x while busy: 1 sim minute a second.
time.sleep(busy_minutes * 1.0 + 1.5)

print("escalate (E): typing the five-part note, Ctrl+Enter to send")
key("e")
time.sleep(0.6)
for i, text in enumerate(NOTE):
    typed(text)
    time.sleep(0.3)
    if i < len(NOTE) - 1:
        key("Tab")
        time.sleep(0.5)  # focus moves at the end of a frame; a person pauses too
# bevy_egui reads the modifiers once per frame: typing still queued when Ctrl goes
# down would be dropped as a Ctrl-shortcut. Let the app catch up, as a person rereads.
time.sleep(2.0)
chord("ctrl", "Return")
wait_for(
    lambda: re.search(r"action:Escalate\(ticket:1,.*outcome:Done", session_log()),
    "the escalation",
)
if "Refused" in session_log():
    fail("an action was refused:\n" + session_log())

print("end the shift (End, then Enter)")
key("End")
time.sleep(0.4)
key("Return")
result = wait_for(
    lambda: glob.glob(os.path.join(DATA, "sessions", "*.result.ron")), "the session result"
)[0]

print("debrief: F12 screenshot, then Ctrl+Q")
time.sleep(2.0)  # the debrief's first frames
key("F12")


shot = wait_for(complete_png, "the screenshot")
shutil.move(shot, os.path.join(OUT, "person-debrief.png"))

print("coach: M (mode), D (dashboard), O (override form): ticket 1 to 70 with a reason, H (HTML)")
key("m")
time.sleep(0.8)
key("d")
time.sleep(2.0)  # the dashboard reads the history and lays out its charts
key("o")
time.sleep(0.6)
for field in ["1", "70", "Casey Coach"]:
    key("Tab")
    time.sleep(0.4)
    typed(field)
    time.sleep(0.3)
key("Tab")
time.sleep(0.4)
typed(REASON)
time.sleep(0.8)
key("Return")


def override_stored():
    shown = subprocess.run(
        [BIN, "--data-dir", DATA, "history", "show", "1", "--format", "json"], capture_output=True, text=True
    ).stdout
    return REASON in shown and shown


shown = json.loads(wait_for(override_stored, "the coach's override in the history"))
got = [(o["session"], o["ticket"], o["new_score"], o["coach"]) for o in shown["overrides"]]
if got != [(1, 1, 70, "Casey Coach")]:
    fail(f"the override was stored as {got}")
time.sleep(0.8)
key("h")
report_html = os.path.join(DATA, "reports", "pat-person.html")
wait_for(lambda: os.path.exists(report_html), "the exported HTML report")
html = open(report_html).read()
for needle in ["<svg", REASON, "Casey Coach", "Pat Person"]:
    if needle not in html:
        fail(f"the exported report lacks {needle!r}")
shutil.copy(report_html, os.path.join(OUT, "person-report.html"))
time.sleep(1.0)
key("F12")
shot = wait_for(complete_png, "the dashboard's screenshot")
shutil.move(shot, os.path.join(OUT, "person-dashboard.png"))
chord("ctrl", "q")
try:
    code = proc.wait(timeout=30)
except subprocess.TimeoutExpired:
    fail("the app did not quit on Ctrl+Q")
if code != 0:
    fail(f"the app exited with {code}")

replay = subprocess.run([BIN, "replay", result], capture_output=True, text=True)
print(replay.stdout.strip())
if replay.returncode != 0:
    fail("the result does not replay: " + replay.stderr)
grade = json.loads(
    subprocess.run([BIN, "grade", result, "--format", "json"], capture_output=True, text=True, check=True).stdout
)
ticket = next(t for t in grade["tickets"] if t["number"] == 1)
if ticket["call"] != "EscalateToL2":
    fail(f"ticket 1's call is {ticket['call']}, expected EscalateToL2")
if ticket["note"] is None:
    fail("ticket 1 has no graded note")
with open(result) as f:
    text = f.read()
for line in NOTE:
    if line not in text:
        fail(f"the note line was not recorded as typed: {line}")
interrupted = subprocess.run(
    [BIN, "--data-dir", DATA, "history", "interrupted"], capture_output=True, text=True
).stdout
if not interrupted.strip().startswith("0 interrupted"):
    fail("the resumed session is still listed as interrupted:\n" + interrupted)
listed = subprocess.run(
    [BIN, "--data-dir", DATA, "history", "list", "--format", "json"], capture_output=True, text=True
)
sessions = json.loads(listed.stdout)
if [(x["trainee"], x["state"]) for x in sessions] != [("Pat Person", "Finished")]:
    fail("the history should hold exactly the resumed session, finished: " + listed.stdout[:400])
print(f"ok: trainee {grade['trainee']}, ticket 1 escalated with a note scored {ticket['note']['total']}/100; session score {grade['score']}")
