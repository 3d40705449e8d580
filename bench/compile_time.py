#!/usr/bin/env python3
"""Compile time and peak memory (the compiler's maximum resident set) of dstream programs
beside the same jobs written without the library, at -O2 with g++ (or $CXX):
`<dstream/dstream.hpp>` with an empty main, examples/quick_start.cpp,
examples/network_word_count.cpp, bench/compile/twelve_pipelines.cpp and
examples/status_page.cpp (the status page, compiled once for a program).

Usage: bench/compile_time.py [REPEATS=1]   (run from anywhere; prints a Markdown table)"""
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

root = pathlib.Path(__file__).resolve().parent.parent
cxx = os.environ.get("CXX", "g++")
repeats = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "--one" else 1
flags = ["-std=c++20", "-O2", "-pthread", f"-I{root / 'include'}", f"-I{root / 'examples'}"]


def compile_once(src, obj):
    """In a fresh process (so that the children's peak RSS is this compile's): prints
    wall seconds, CPU seconds and peak MB."""
    t0 = time.monotonic()
    subprocess.run([cxx, *flags, "-c", src, "-o", obj], check=True)
    wall = time.monotonic() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024)


def measure(src):
    best = None
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run([sys.executable, __file__, "--one", str(src), f"{tmp}/x.o"],
                                 capture_output=True, text=True, check=True).stdout.split()
        wall, cpu, rss = map(float, out)
        if best is None or wall < best[0]:
            best = (wall, cpu, rss)
    return best


if sys.argv[1:2] == ["--one"]:
    compile_once(sys.argv[2], sys.argv[3])
    sys.exit(0)


with tempfile.TemporaryDirectory() as tmp:
    empty = pathlib.Path(tmp) / "include_only.cpp"
    empty.write_text("#include <dstream/dstream.hpp>\nint main() {}\n")
    plain_empty = pathlib.Path(tmp) / "include_only_plain.cpp"
    plain_empty.write_text("#include <iostream>\n#include <string>\n#include <vector>\nint main() {}\n")
    rows = [
        ("include <dstream/dstream.hpp>, empty main", empty, plain_empty),
        ("quick_start", root / "examples/quick_start.cpp", root / "bench/compile/quick_start_plain.cpp"),
        ("network_word_count", root / "examples/network_word_count.cpp",
         root / "bench/compile/network_word_count_plain.cpp"),
        ("12 pipelines", root / "bench/compile/twelve_pipelines.cpp", root / "bench/compile/twelve_pipelines_plain.cpp"),
        ("examples/status_page.cpp (<dstream/ui.hpp>, Beast; once a program)", root / "examples/status_page.cpp", None),
    ]
    print(f"{cxx} -O2, best of {repeats} (wall time); MB: the compiler's peak resident memory\n")
    print("| program | dstream: wall s (cpu s), MB | without the library: wall s (cpu s), MB |")
    print("|---|---|---|")
    for name, lib, plain in rows:
        a = measure(lib)
        b = measure(plain) if plain else None
        other = f"{b[0]:.1f} ({b[1]:.1f}), {b[2]:.0f}" if b else ""
        print(f"| {name} | {a[0]:.1f} ({a[1]:.1f}), {a[2]:.0f} | {other} |", flush=True)
