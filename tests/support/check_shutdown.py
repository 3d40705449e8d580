#!/usr/bin/env python3
"""dstream.streaming.stop_gracefully_on_shutdown: the program (tests/shutdown/graceful_stop)
runs until a signal; SIGTERM and then SIGINT must each stop it gracefully: it exits by
itself with status 0, having output every record its receiver stored (it checks that and
prints `stopped: stored N, processed N`).

Usage: check_shutdown.py PROGRAM"""
import signal
import subprocess
import sys
import time

program = sys.argv[1]
failed = 0
for sig in (signal.SIGTERM, signal.SIGINT):
    p = subprocess.Popen([program], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    # Wait for two batches with records, then signal.
    batches = 0
    deadline = time.monotonic() + 60
    while batches < 2 and time.monotonic() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("batch:") and not line.startswith("batch: 0 "):
            batches += 1
    p.send_signal(sig)
    try:
        rest, _ = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        rest, _ = p.communicate()
        print(f"FAIL {sig.name}: still running 30 s after the signal")
        failed += 1
        continue
    lines += rest.splitlines()
    last = lines[-1] if lines else ""
    if p.returncode != 0 or not last.startswith("stopped: stored"):
        print(f"FAIL {sig.name}: exit status {p.returncode}, output ends:\n  " + "\n  ".join(lines[-8:]))
        failed += 1
    else:
        print(f"ok   {sig.name}: {last}")
sys.exit(1 if failed else 0)
