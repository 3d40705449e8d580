#!/usr/bin/env python3
"""Multi-process Kafka tests on librdkafka's mock cluster, hosted by `kafka_worker cluster`.

usage: kafka_processes.py <kafka_worker> kills|sqlkills|group

kills: a stateful word total (update_state_by_key, checkpoints, get_or_create) is killed
       with SIGKILL at random moments (6 times) while records keep arriving, and restarted
       each time; its final totals must be exact: nothing lost, nothing counted twice.
sqlkills: the same into SQLite through ds::sql::upsert: each batch's counts added
       (ds::sql::add) and the update_state_by_key totals set; after 6 SIGKILLs both tables
       hold the exact totals (a batch replayed after a kill adds nothing twice).
group: two processes of one consumer group split 4 partitions 2/2; SIGKILL one, and the
       other takes over all 4; every record is processed at least once.
"""
import collections
import pathlib
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

worker, scenario = sys.argv[1], sys.argv[2]
rng = random.Random(20261202)
PARTITIONS = 4
procs = []


def fail(why):
    print(f"FAIL {scenario}: {why}")
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    print("0 passed, 1 failed")
    sys.exit(1)


class Cluster:
    def __init__(self, topic):
        self.p = subprocess.Popen([worker, "cluster", topic, str(PARTITIONS)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        procs.append(self.p)
        self.servers = self.p.stdout.readline().strip()
        if not self.servers:
            fail("the mock cluster did not start")

    def produce(self, first, last):
        self.p.stdin.write(f"produce {first} {last}\n")
        self.p.stdin.flush()
        if self.p.stdout.readline().strip() != "ok":
            fail(f"producing records {first}..{last} failed")

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)


def start(mode, cluster, group, ckpt, result, err):
    p = subprocess.Popen([worker, mode, cluster.servers, "t", group, str(ckpt), str(result)],
                         stdout=subprocess.DEVNULL, stderr=err)
    procs.append(p)
    return p


def wait_for(what, pred, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.1)
    fail(f"timed out waiting for {what}")


def read_totals(path):
    try:
        return {w: int(n) for w, n in (line.split(" ") for line in path.read_text().splitlines())}
    except (FileNotFoundError, ValueError):
        return {}


def read_table(path, table):
    """{word: n} of a table of the worker's database ({} while it cannot be read)."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return dict(db.execute(f"SELECT word, n FROM {table}").fetchall())
    except sqlite3.Error:
        return {}


def stop(p):
    p.send_signal(signal.SIGTERM)
    if p.wait(timeout=60) != 0:
        fail(f"a worker exited with {p.returncode}")


def kills(tmp, mode="totals", reads=None, result=None):
    cluster = Cluster("t")
    ckpt, result = tmp / "ckpt", result or tmp / "totals.txt"
    if reads is None:
        reads = [read_totals]
    read = reads[0]
    err = open(tmp / "worker.err", "w")
    expected = collections.Counter()
    produced = 0

    def produce(n):
        nonlocal produced
        cluster.produce(produced, produced + n)
        expected.update(f"w{i % 37}" for i in range(produced, produced + n))
        produced += n

    produce(5000)
    p = start(mode, cluster, "g-kills", ckpt, result, err)
    for k in range(6):
        # New records, the (restarted) worker counting them, then a kill at a random moment.
        before = sum(read(result).values())
        produce(2000)
        wait_for("progress", lambda: sum(read(result).values()) > before, 40)
        time.sleep(rng.uniform(0.0, 1.5))
        p.kill()
        p.wait()
        p = start(mode, cluster, "g-kills", ckpt, result, err)
    for r in reads:
        wait_for("exact totals", lambda: sum(r(result).values()) >= produced, 60)
    time.sleep(0.5)  # a record counted twice would show by now
    stop(p)
    cluster.close()
    for r in reads:
        got = r(result)
        if got != dict(expected):
            diff = {w: (got.get(w), expected[w]) for w in set(got) | set(expected) if got.get(w) != expected[w]}
            fail(f"totals differ (got, expected): {dict(list(diff.items())[:10])}")
    print(f"{scenario}: 6 SIGKILLs, {produced} records, exact totals")


def sqlkills(tmp):
    db = tmp / "words.db"
    with sqlite3.connect(db) as c:
        for table in ("added", "totals"):
            c.execute(f"CREATE TABLE {table} (word TEXT PRIMARY KEY, n INTEGER NOT NULL)")
    kills(tmp, "sql", [lambda _: read_table(db, "added"), lambda _: read_table(db, "totals")], db)


def assignment(path):
    """The partitions of the newest `assigned` line of a worker's stderr."""
    lines = [l for l in path.read_text().splitlines() if ": assigned " in l or ": revoked " in l]
    if not lines or ": revoked " in lines[-1]:
        return set()
    return set(re.findall(r"\bt-(\d+)", lines[-1].split(": assigned ", 1)[1]))


def group(tmp):
    cluster = Cluster("t")
    cluster.produce(0, 8000)
    errs = [tmp / "a.err", tmp / "b.err"]
    results = [tmp / "a.txt", tmp / "b.txt"]
    ps = [start("log", cluster, "g-split", tmp / f"ckpt{i}", results[i], open(errs[i], "w")) for i in range(2)]
    wait_for("a 2/2 split", lambda: len(assignment(errs[0])) == 2 and len(assignment(errs[1])) == 2, 60)
    if assignment(errs[0]) & assignment(errs[1]):
        fail("both processes were assigned the same partition")
    ps[0].kill()
    ps[0].wait()
    cluster.produce(8000, 12000)
    wait_for("the survivor to take all 4 partitions", lambda: len(assignment(errs[1])) == 4, 60)

    def keys():
        seen = set()
        for r in results:
            if r.exists():
                seen.update(line.split(" ")[0] for line in r.read_text().splitlines() if line)
        return seen

    wait_for("every record processed", lambda: len(keys()) >= 12000, 60)
    stop(ps[1])
    cluster.close()
    missing = {f"k{i}" for i in range(12000)} - keys()
    if missing:
        fail(f"{len(missing)} records never processed, e.g. {sorted(missing)[:5]}")
    print("group: split 2/2, the survivor took all 4 partitions, 12000 records processed at least once")


with tempfile.TemporaryDirectory() as d:
    try:
        {"kills": kills, "sqlkills": sqlkills, "group": group}[scenario](pathlib.Path(d))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
print("1 passed, 0 failed")
