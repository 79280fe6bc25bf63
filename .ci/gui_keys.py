"""Driving the real trainer window as a person does: synthetic keys (xdotool, XTEST), and
watching the files the app writes instead of guessing at timings. Shared by
.ci/gui_person.py and .ci/gui_person_modules.py.
"""
import glob
import os
import subprocess
import sys
import time


class App:
    """One trainer process (relaunched after a crash on purpose) and its log."""

    def __init__(self, binary, data, log_path, extra_args=()):
        self.binary = binary
        self.data = data
        self.log = open(log_path, "w")
        self.extra_args = list(extra_args)
        self.proc = None
        self.launches = 0

    def fail(self, message):
        print(f"FAIL: {message}")
        if self.proc is not None:
            self.proc.kill()
        sys.exit(1)

    def wait_for(self, condition, what, timeout=90.0):
        """Polls `condition` until it returns something truthy."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            if self.proc.poll() is not None:
                self.fail(f"the app exited ({self.proc.returncode}) while waiting for {what}")
            time.sleep(0.1)
        self.fail(f"timed out waiting for {what}")

    def app_log(self):
        return open(self.log.name).read()

    def launch(self):
        """Starts the app, retrying when the fresh Xvfb server was not ready to accept it
        (seen now and then as XOpenDisplayFailed), then waits for its first frames."""
        for attempt in range(5):
            self.proc = subprocess.Popen(
                [self.binary, "--data-dir", self.data, "--seed", "7", *self.extra_args],
                stdout=self.log,
                stderr=subprocess.STDOUT,
                env=dict(os.environ, RUST_BACKTRACE="0"),
            )
            time.sleep(2)
            if self.proc.poll() is None or "XOpenDisplayFailed" not in self.app_log():
                break
            print(f"the display was not ready (attempt {attempt + 1}); retrying")
            time.sleep(1)
        self.launches += 1
        window = self.wait_for(
            lambda: subprocess.run(
                ["xdotool", "search", "--name", "Escalation Dojo"], capture_output=True, text=True
            ).stdout.split(),
            "the window",
        )[0]
        xdo("mousemove", "--window", window, "900", "700")
        xdo("windowfocus", "--sync", window)
        self.wait_for(
            lambda: self.app_log().count("Creating new window") >= self.launches, "the first frame"
        )
        time.sleep(1.5)  # the start screen's first frames (fonts, layout)

    def session_log(self):
        logs = glob.glob(os.path.join(self.data, "sessions", "*.log"))
        return open(logs[0]).read() if logs else ""

    def screenshot(self, out_path):
        """F12, then moves the finished PNG (it ends with its IEND chunk) to `out_path`."""
        key("F12")

        def complete_png():
            for path in glob.glob(os.path.join(self.data, "screenshots", "*.png")):
                with open(path, "rb") as f:
                    if f.read().endswith(b"IEND\xaeB`\x82"):
                        return path
            return None

        os.replace(self.wait_for(complete_png, f"the screenshot {out_path}"), out_path)

    def quit(self):
        """Ctrl+Q; the app must exit 0."""
        chord("ctrl", "q")
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.fail("the app did not quit on Ctrl+Q")
        if code != 0:
            self.fail(f"the app exited with {code}")


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


def type_note(fields):
    """Types the five note fields (Tab between them), sends them with Ctrl+Enter and
    confirms the escalation with Enter (the app asks once more, naming the ticket).
    bevy_egui reads the modifiers once per frame: typing still queued when Ctrl goes down
    would be dropped as a Ctrl-shortcut, so the app gets time to catch up first, as a
    person rereads."""
    time.sleep(0.6)
    for i, text in enumerate(fields):
        typed(text)
        time.sleep(0.3)
        if i < len(fields) - 1:
            key("Tab")
            time.sleep(0.5)  # focus moves at the end of a frame; a person pauses too
    time.sleep(2.0)
    chord("ctrl", "Return")
    time.sleep(0.8)  # the confirmation opens; a person reads it
    key("Return")
