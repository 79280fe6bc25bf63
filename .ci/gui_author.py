#!/usr/bin/env python3
"""`dojo play --scenario FILE` as a scenario author uses it: the scenario opens in the
window; a save that breaks it shows the located error in the window (no crash) while
the last good version keeps playing; the fix reloads and plays. Screenshots (F12) of
each state are checked by png_check.py.

Run under Xvfb: xvfb-run -a -s "-screen 0 1280x800x24" python3 .ci/gui_author.py BIN OUT
"""
import glob
import os
import shutil
import subprocess
import sys
import time

BIN, OUT = sys.argv[1], sys.argv[2]
WORK = os.path.join(OUT, "author")
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
DATA = os.path.join(WORK, "data")
SCENARIO = os.path.join(WORK, "my-printer.ron")
LOG = os.path.join(WORK, "app.log")

good = open("scenarios/builtin/scenarios/printer-stuck-queue-spooler.ron").read()
good = good.replace('id: "printer-stuck-queue-spooler"', 'id: "my-printer"')
assert 'id: "my-printer"' in good
with open(SCENARIO, "w") as f:
    f.write(good)

def launch():
    """Starts the app; retries when the fresh Xvfb server was not ready to accept it
    (seen here once in a while as XOpenDisplayFailed)."""
    for attempt in range(5):
        p = subprocess.Popen(
            [BIN, "--data-dir", DATA, "play", "--scenario", SCENARIO],
            stdout=open(LOG, "w"),
            stderr=subprocess.STDOUT,
            env=dict(os.environ, RUST_BACKTRACE="0"),
        )
        time.sleep(2)
        if p.poll() is None or "XOpenDisplayFailed" not in open(LOG).read():
            return p
        print(f"the display was not ready (attempt {attempt + 1}); retrying")
        time.sleep(1)
    return p


proc = launch()


def fail(message):
    print(f"FAIL: {message}")
    print(open(LOG).read()[-3000:])
    proc.kill()
    sys.exit(1)


def wait_for(condition, what, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc.poll() is not None:
            fail(f"the app exited ({proc.returncode}) while waiting for {what}")
        time.sleep(0.1)
    fail(f"timed out waiting for {what}")


def log_has(text):
    return open(LOG).read().count(text)


def save(text):
    # Write in place (as editors do), so the watcher sees a modification.
    with open(SCENARIO, "w") as f:
        f.write(text)


def screenshot(name):
    before = set(glob.glob(os.path.join(DATA, "screenshots", "*.png")))
    subprocess.run(["xdotool", "key", "F12"], check=True)

    def new_complete():
        for p in set(glob.glob(os.path.join(DATA, "screenshots", "*.png"))) - before:
            with open(p, "rb") as f:
                if f.read().endswith(b"IEND\xaeB`\x82"):
                    return p
        return None

    path = wait_for(new_complete, f"screenshot {name}")
    shutil.copy(path, os.path.join(OUT, name))


window = wait_for(
    lambda: subprocess.run(["xdotool", "search", "--name", "Escalation Dojo"],
                           capture_output=True, text=True).stdout.split(),
    "the window",
)[0]
subprocess.run(["xdotool", "mousemove", "--window", window, "900", "700"], check=True)
subprocess.run(["xdotool", "windowfocus", "--sync", window], check=True)

wait_for(lambda: log_has("version 1 is valid"), "the first version to load")
print("version 1 loaded and playing")
time.sleep(2)
screenshot("author-1-playing.png")

broken = good.replace("    difficulty:", "    dificulty:", 1)
assert broken != good
save(broken)
wait_for(lambda: log_has("version 2 has"), "the broken save to be reported", timeout=30)
print("version 2 (broken) reported, app still running")
time.sleep(1.5)
screenshot("author-2-error.png")

save(good.replace("Delivery notes stuck", "Delivery notes still stuck"))
wait_for(lambda: log_has("version 3 is valid"), "the fixed save to reload", timeout=30)
print("version 3 (fixed) reloaded and playing")
time.sleep(2)
screenshot("author-3-fixed.png")

subprocess.run(["xdotool", "keydown", "ctrl"], check=True)
time.sleep(0.4)
subprocess.run(["xdotool", "key", "q"], check=True)
time.sleep(0.3)
subprocess.run(["xdotool", "keyup", "ctrl"], check=True)
try:
    code = proc.wait(timeout=30)
except subprocess.TimeoutExpired:
    fail("the app did not quit")
if code != 0:
    fail(f"the app exited with {code}")
print("ok: author mode reloads on save and shows errors without crashing")
