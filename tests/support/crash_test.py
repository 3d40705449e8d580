#!/usr/bin/env python3
"""Kills the word_totals program with SIGKILL at varied moments while files keep arriving,
restarts it each time (it recovers with get_or_create), and checks at the end that its
state equals the exact word totals of all files: nothing lost, nothing counted twice."""
import collections
import os
import pathlib
import random
import signal
import subprocess
import sys
import tempfile
import time

app = sys.argv[1]
kills_wanted = int(sys.argv[2]) if len(sys.argv) > 2 else 6
rng = random.Random(20261125)
vocab = [f"w{i:03d}" for i in range(300)]


def read_result(path):
    totals = {}
    try:
        for line in path.read_text().splitlines():
            w, n = line.split(" ")
            totals[w] = int(n)
    except (FileNotFoundError, ValueError):
        return None
    return totals


with tempfile.TemporaryDirectory() as tmp:
    tmp = pathlib.Path(tmp)
    ckpt, inbox, staging, result = tmp / "ckpt", tmp / "in", tmp / "staging", tmp / "result.txt"
    for d in (inbox, staging):
        d.mkdir()
    expected = collections.Counter()
    files = []
    for i in range(60):
        words = [rng.choice(vocab) for _ in range(rng.randint(50, 400))]
        expected.update(words)
        lines = [" ".join(words[j:j + 10]) for j in range(0, len(words), 10)]
        f = staging / f"part-{i:04d}.txt"
        f.write_text("\n".join(lines) + "\n")
        files.append(f)

    def launch():
        return subprocess.Popen([app, str(ckpt), str(inbox), str(result), "100"],
                                stdout=subprocess.DEVNULL, stderr=log)

    log = open(tmp / "program.log", "a")
    proc = launch()
    # Files present before the first start are not new to a text_file_stream: move files in
    # only once the program has started (its first checkpoint exists).
    deadline = time.monotonic() + 30
    while not any(ckpt.glob("checkpoint-*")):
        if time.monotonic() > deadline or proc.poll() is not None:
            print("the program did not start:", (tmp / "program.log").read_text())
            sys.exit(1)
        time.sleep(0.02)
    kills = 0
    next_kill = time.monotonic() + rng.uniform(0.3, 1.2)
    pending = list(files)
    try:
        while pending or kills < kills_wanted:
            if pending:
                f = pending.pop(0)
                os.rename(f, inbox / f.name)  # atomically moved in
            time.sleep(rng.uniform(0.02, 0.12))
            if time.monotonic() >= next_kill and kills < kills_wanted:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
                print(f"killed the program ({kills}), {len(files) - len(pending)} files moved in", flush=True)
                proc = launch()
                next_kill = time.monotonic() + rng.uniform(0.2, 1.5)
        # Everything is in: wait for the totals (a deadline, not a fixed sleep).
        deadline = time.monotonic() + 60
        got = None
        while time.monotonic() < deadline:
            got = read_result(result)
            if got == dict(expected):
                break
            if proc.poll() is not None:
                print("the program exited:", (tmp / "program.log").read_text(), file=sys.stderr)
                sys.exit(1)
            time.sleep(0.1)
        # Stable: later batches must not count anything again.
        time.sleep(0.5)
        got = read_result(result)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    want = dict(expected)
    if got != want:
        got = got or {}
        diff = {w: (got.get(w), want.get(w)) for w in set(got) | set(want) if got.get(w) != want.get(w)}
        print(f"FAIL after {kills} kills: {len(diff)} words differ (got, want): {dict(list(diff.items())[:10])}")
        print((tmp / "program.log").read_text()[-3000:])
        sys.exit(1)
    print(f"ok: {kills} kills, {len(files)} files, {sum(want.values())} words, totals exact")
