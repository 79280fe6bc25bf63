#!/usr/bin/env python3
"""The desktop trainer on a machine that joined a team server (#16), driven as a coach
would drive it: a real `dojo-server` on the PostgreSQL `.ci/run` started, two trainees'
machines (data folders) that play and `dojo team sync`, and the coach's machine, whose
window shows the sync state on its start screen and, on the dashboard, switches to
"Team server" (T) to read the overview and a trainee's report the server built.

Checks the app's log for what the dashboard read from the server (two trainees, and a
report); screenshots: team-start.png, team-dashboard.png — look at them.

Run under Xvfb: xvfb-run -a -s "-screen 0 1280x800x24" python3 .ci/gui_team.py BIN SERVER OUT
(DOJO_TEST_DATABASE_URL names the PostgreSQL server; a database dojo_gui_team is made on it).
"""
import glob
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gui_keys import App, key, typed  # noqa: E402

BIN, SERVER, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
url = os.environ.get("DOJO_TEST_DATABASE_URL")
if not url:
    print("FAIL: DOJO_TEST_DATABASE_URL is not set (.ci/run starts PostgreSQL and sets it)")
    sys.exit(1)
psql = shutil.which("psql") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))), None)
if not psql:
    print("FAIL: no psql to make the database with")
    sys.exit(1)
for sql in ["DROP DATABASE IF EXISTS dojo_gui_team WITH (FORCE)", "CREATE DATABASE dojo_gui_team"]:
    subprocess.run([psql, url, "-q", "-c", sql], check=True)
db = url.rsplit("/", 1)[0] + "/dojo_gui_team"


def server(*args):
    out = subprocess.run([SERVER, "admin", *args, "--database-url", db], capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stdout, out.stderr)
        sys.exit(1)
    return out.stdout


def dojo(data, *args):
    out = subprocess.run([BIN, "--data-dir", data, *args], capture_output=True, text=True)
    if out.returncode != 0:
        print(f"FAIL: dojo {' '.join(args)}\n{out.stdout}{out.stderr}")
        sys.exit(1)
    return out.stdout


server("team", "add", "Desk A")
tokens = {}
for name, role in [("Ana", "trainee"), ("Ben", "trainee"), ("Cora", "coach")]:
    tokens[name] = server("invite", "--role", role, "--name", name, "--team", "Desk A").strip().splitlines()[-1]

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
log = open(os.path.join(OUT, "team-server.log"), "w")
proc = subprocess.Popen(
    [SERVER, "serve", "--database-url", db, "--listen", f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT
)
base = f"http://127.0.0.1:{port}"
deadline = time.monotonic() + 60
while True:
    try:
        if urllib.request.urlopen(base + "/healthz", timeout=2).read() == b"ok":
            break
    except OSError:
        pass
    if time.monotonic() > deadline or proc.poll() is not None:
        print("FAIL: the team server did not start")
        sys.exit(1)
    time.sleep(0.2)

try:
    shift = "onboarding-1-l1-scope"
    for name, persona in [("Ana", "ideal"), ("Ben", "over-escalator")]:
        data = os.path.join(OUT, f"team-{name.lower()}-pc")
        shutil.rmtree(data, ignore_errors=True)
        script = os.path.join(OUT, f"team-{name.lower()}.ron")
        dojo(data, "script", "--shift", shift, "--persona", persona, "--seed", "7", "--out", script, "--force")
        dojo(data, "trainee", "add", name, "--team", "Desk A")
        dojo(data, "run", "--shift", shift, "--actions", script, "--seed", "7", "--trainee", name)
        dojo(data, "team", "join", base, "--token", tokens[name])
        synced = dojo(data, "team", "sync")
        if "1 stored" not in synced:
            print(f"FAIL: {name}'s sync: {synced}")
            sys.exit(1)
    coach = os.path.join(OUT, "team-coach-pc")
    shutil.rmtree(coach, ignore_errors=True)
    os.makedirs(coach)
    dojo(coach, "team", "join", base, "--token", tokens["Cora"])

    app = App(BIN, coach, os.path.join(OUT, "team-app.log"))
    app.launch()
    app.screenshot(os.path.join(OUT, "team-start.png"))
    print("start screen: a trainee for this machine, then the dashboard, then the team server (T)")
    typed("Cora")
    key("Return")
    time.sleep(1.0)
    key("d")
    time.sleep(1.5)
    key("t")
    app.wait_for(lambda: "2 trainee(s) from the team server" in app.app_log(), "the server's overview")
    app.wait_for(lambda: "the team server's report on" in app.app_log(), "a trainee's report from the server")
    time.sleep(1.5)
    app.screenshot(os.path.join(OUT, "team-dashboard.png"))
    app.quit()
    print("ok: the dashboard read the overview and a report from the team server")
finally:
    proc.terminate()
    proc.wait(timeout=30)
