#!/usr/bin/env python3
"""The trainer's startup time and idle CPU, for docs/performance.md.

Run under Xvfb (software Vulkan), after building the binaries of one profile:
    cargo build --release --features dev --bin dojo --example bare_egui
    xvfb-run -a -s "-screen 0 1280x800x24" python3 benches/gui_measure.py --profile release

1. Startup: launch → the 2nd drawn frame, then exit (DOJO_EXIT_AFTER_FRAMES=2), for the
   trainer (its start screen) and for examples/bare_egui.rs (Bevy + egui, the same
   features, one label). Runs alternate between the two; medians and their ratio.
2. Idle CPU: the trainer on a paused onboarding shift, on the debrief, and on a
   running shift, each over 10 s: CPU seconds used per wall second (1.0 = one core),
   read from /proc/<pid>/stat.
"""
import argparse
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time

parser = argparse.ArgumentParser()
parser.add_argument("--profile", default="release")
parser.add_argument("--runs", type=int, default=11)
parser.add_argument("--idle-seconds", type=float, default=10.0)
parser.add_argument("--pointer", default="1279,790", help="where the mouse rests (x,y on the screen)")
parser.add_argument("--skip-startup", action="store_true")
args = parser.parse_args()

target = os.path.join("target", args.profile)
dojo = os.path.join(target, "dojo")
bare = os.path.join(target, "examples", "bare_egui")
for path in (dojo, bare):
    if not os.path.exists(path):
        sys.exit(f"{path} missing: cargo build --{args.profile} --features dev --bin dojo --example bare_egui")
env = dict(os.environ, RUST_BACKTRACE="0", WGPU_BACKEND="vulkan")
env.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp())
TICK = os.sysconf("SC_CLK_TCK")


def launch_to_frames(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, env=dict(env, DOJO_EXIT_AFTER_FRAMES="2"), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


data = tempfile.mkdtemp()
ours, base = [], []
for _ in range(0 if args.skip_startup else args.runs):
    base.append(launch_to_frames([bare]))
    ours.append(launch_to_frames([dojo, "--data-dir", data]))
m_ours, m_base = (statistics.median(ours), statistics.median(base)) if ours else (1, 1)
if ours:
    print(f"startup (launch to 2nd frame, median of {args.runs}, {args.profile}):")
    print(f"  bare Bevy + egui  {m_base * 1000:7.0f} ms  (min {min(base) * 1000:.0f})")
    print(f"  trainer           {m_ours * 1000:7.0f} ms  (min {min(ours) * 1000:.0f})")
    print(f"  ratio             {m_ours / m_base:7.2f}x")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def usage(pid, seconds):
    c0, t0 = cpu_seconds(pid), time.perf_counter()
    time.sleep(seconds)
    return (cpu_seconds(pid) - c0) / (time.perf_counter() - t0)


def xdo(*a):
    subprocess.run(["xdotool", *a], check=True)


app_log = open(os.environ.get("GUI_MEASURE_APP_LOG", os.devnull), "w")
proc = subprocess.Popen([dojo, "--data-dir", data, "--trainee", "Idle Bench", "--seed", "7"],
                        env=env, stdout=app_log, stderr=app_log)
try:
    for _ in range(600):
        found = subprocess.run(["xdotool", "search", "--name", "Escalation Dojo"],
                               capture_output=True, text=True).stdout.split()
        if found:
            break
        time.sleep(0.1)
    if not found:
        sys.exit(f"the trainer's window did not appear in 60 s (exit code {proc.poll()})")
    window = found[0]
    xdo("windowfocus", "--sync", window)
    xdo("mousemove", *args.pointer.split(","))
    time.sleep(3)
    mode_screen = usage(proc.pid, args.idle_seconds)
    xdo("key", "1")  # onboarding
    time.sleep(2)
    xdo("key", "Escape")  # the first-run walkthrough (it holds the clock)
    time.sleep(2)
    xdo("key", "1")  # a ticket open: the clock runs
    time.sleep(2)
    running = usage(proc.pid, args.idle_seconds)
    xdo("key", "space")  # pause
    time.sleep(3)
    paused = usage(proc.pid, args.idle_seconds)
    xdo("key", "End")
    time.sleep(0.5)
    xdo("key", "Return")
    for _ in range(100):
        if glob.glob(os.path.join(data, "sessions", "*.result.ron")):
            break
        time.sleep(0.1)
    time.sleep(3)
    debrief = usage(proc.pid, args.idle_seconds)
finally:
    proc.kill()
# The baseline in the same run: the bare Bevy + egui app (the trainer's features, one
# label), idle in the same window size.
bare_proc = subprocess.Popen([bare], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    time.sleep(4)
    bare_idle = usage(bare_proc.pid, args.idle_seconds)
finally:
    bare_proc.kill()
print(f"CPU use over {args.idle_seconds:.0f} s (cores busy; 1.0 = one core):")
print(f"  mode screen, idle        {mode_screen:.3f}")
print(f"  shift running            {running:.3f}")
print(f"  shift paused             {paused:.3f}")
print(f"  debrief, idle            {debrief:.3f}")
print(f"  bare Bevy + egui, idle   {bare_idle:.3f}  (baseline, same run)")
print(f"  running shift / bare     {running / max(bare_idle, 1e-9):.2f}x  (target: the running shift <= 0.15 cores)")
