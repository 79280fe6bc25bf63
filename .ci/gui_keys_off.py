"""A speech-input trainee in the real window (#18, WCAG 2.1.4): their coach turned
single-key shortcuts off and put "resolve" on Ctrl+R (`dojo trainee keys`). Letters and
digits typed into the window do nothing; the mouse opens the ticket; Ctrl+R asks to
resolve; the key list (the Keys button) shows their map, and moving "escalate" to F2
there is kept in the history and acts at once. Screenshots:
keys-off-confirm.png, keys-off-list.png.

    python3 .ci/gui_keys_off.py target/debug/dojo OUT_DIR
"""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gui_keys import App, chord, key, xdo  # noqa: E402

BIN, OUT = sys.argv[1], sys.argv[2]
DATA = os.path.join(OUT, "keys-off-data")
MAP = os.path.join(OUT, "keys-off-ui-map.tsv")
shutil.rmtree(DATA, ignore_errors=True)
os.makedirs(DATA)
os.environ["DOJO_UI_MAP"] = MAP
TRAINEE = "Sam Speech"


def dojo(*args):
    r = subprocess.run([BIN, "--data-dir", DATA, *args], capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        raise SystemExit(f"FAIL: dojo {' '.join(args)} exited {r.returncode}")
    return r.stdout


def ui_map():
    try:
        lines = open(MAP, encoding="utf-8").read().splitlines()
    except FileNotFoundError:
        return {}
    out = {}
    for line in lines:
        parts = line.split("\t")
        if len(parts) >= 5:
            out[parts[0]] = tuple(map(float, parts[1:5]))
    return out


def click(name):
    x, y, w, h = app.wait_for(lambda: ui_map().get(name), f"the control {name!r} on screen")
    window = subprocess.run(
        ["xdotool", "search", "--name", "Escalation Dojo"], capture_output=True, text=True
    ).stdout.split()[0]
    xdo("mousemove", "--window", window, str(int(x + w / 2)), str(int(y + h / 2)))
    time.sleep(0.3)
    xdo("click", "1")
    time.sleep(0.3)


def nothing_happens(what, check, seconds=2.0):
    """Gives the app `seconds` (several frames) and fails if `check` became true."""
    time.sleep(seconds)
    if check():
        app.fail(what)


dojo("trainee", "add", TRAINEE)
print(dojo("trainee", "keys", TRAINEE, "--single-keys", "off", "--bind", "resolve=Ctrl+R"))

app = App(BIN, DATA, os.path.join(OUT, "keys-off-app.log"), ["--trainee", TRAINEE])
app.launch()
print("mode screen: 1 starts onboarding (the mode screen's own keys)")
key("1")
app.wait_for(lambda: app.session_log(), "the session log")
time.sleep(1.5)
key("Escape")  # the first-run walkthrough
time.sleep(0.5)

print("shift: the digit 1 and the letter s are typed, as speech input would: nothing happens")
key("1", "s")
nothing_happens("a single key opened a ticket", lambda: "Open(ticket:1)" in app.session_log())

print("shift: the mouse opens ticket 1")
click("sla:1")
app.wait_for(lambda: "Open(ticket:1)" in app.session_log(), "ticket 1 to open on a click")

print("shift: r does nothing; Ctrl+R asks to resolve")
key("r")
nothing_happens("the letter r asked to resolve", lambda: "confirm-yes" in ui_map())
chord("ctrl", "r")
app.wait_for(lambda: "confirm-yes" in ui_map(), "Ctrl+R to ask to resolve")
app.screenshot(os.path.join(OUT, "keys-off-confirm.png"))
key("Escape")
app.wait_for(lambda: "confirm-yes" not in ui_map(), "Esc to cancel the confirmation")
if "action:Resolve" in app.session_log():
    app.fail("the cancelled confirmation resolved the ticket")

print("shift: the Keys button shows the trainee's map")
click("keys")
time.sleep(1.0)
app.screenshot(os.path.join(OUT, "keys-off-list.png"))

print("key list: escalate moves to F2 in the window, and the history keeps it")
click("key-change:escalate")
time.sleep(0.5)
key("F2")
app.wait_for(
    lambda: any(line.split()[:2] == ["F2", "escalate"] for line in dojo("trainee", "keys", TRAINEE).splitlines()),
    "the new key in the history",
)
key("F2")
app.wait_for(lambda: "note-send" in ui_map(), "F2 to open the escalation note")
key("Escape")
app.quit()
print("keys off: ok")
