#!/usr/bin/env python3
"""Compile time and peak memory (the compiler's maximum resident set) of dstream programs
beside the same jobs written without the library, at -O2 with g++ (or $CXX):
`<dstream/dstream.hpp>` with an empty main, examples/quick_start.cpp,
examples/network_word_count.cpp, bench/compile/twelve_pipelines.cpp and
examples/status_page.cpp (the status page, compiled once for a program), and the floor
under any file that includes the library (bench/compile/header_floor.cpp: the standard
and Boost headers its templates need, alone). The rows marked
"separate compilation" compile the same files with -DDSTREAM_SEPARATE_COMPILATION (the
runtime's non-template code then comes from include/dstream/impl/src.cpp, compiled once: its own row).
The rows marked "precompiled header" add a precompiled <dstream/dstream.hpp> (built by its own
row, once a target, as Meson's cpp_pch would) to the separately compiled form.

Usage: bench/compile_time.py [REPEATS=1] [--only TEXT]   (run from anywhere; prints a
Markdown table; --only: the rows whose name contains TEXT)"""
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

root = pathlib.Path(__file__).resolve().parent.parent
cxx = os.environ.get("CXX", "g++")
args = sys.argv[1:]
only = None
if "--only" in args:
    i = args.index("--only")
    only = args[i + 1]
    del args[i:i + 2]
repeats = int(args[0]) if args and args[0] != "--one" else 1
flags = ["-std=c++20", "-O2", "-pthread", f"-I{root / 'include'}", f"-I{root / 'examples'}"]
separate = ["-DDSTREAM_SEPARATE_COMPILATION"]


def compile_once(src, obj, extra):
    """In a fresh process (so that the children's peak RSS is this compile's): prints
    wall seconds, CPU seconds and peak MB."""
    t0 = time.monotonic()
    subprocess.run([cxx, *flags, *extra, "-c", src, "-o", obj], check=True)
    wall = time.monotonic() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024)


def measure(src, extra=(), output=None):
    """Best of `repeats` compiles of src (into `output` when given, else a scratch file)."""
    best = None
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run([sys.executable, __file__, "--one", str(src), str(output or f"{tmp}/x.o"), *extra],
                                 capture_output=True, text=True, check=True).stdout.split()
        wall, cpu, rss = map(float, out)
        if best is None or wall < best[0]:
            best = (wall, cpu, rss)
    return best


if sys.argv[1:2] == ["--one"]:
    compile_once(sys.argv[2], sys.argv[3], sys.argv[4:])
    sys.exit(0)


with tempfile.TemporaryDirectory() as tmp:
    empty = pathlib.Path(tmp) / "include_only.cpp"
    empty.write_text("#include <dstream/dstream.hpp>\nint main() {}\n")
    plain_empty = pathlib.Path(tmp) / "include_only_plain.cpp"
    plain_empty.write_text("#include <iostream>\n#include <string>\n#include <vector>\nint main() {}\n")
    nwc_plain = root / "bench/compile/network_word_count_plain.cpp"
    # A precompiled header of the whole library, as Meson's cpp_pch or CMake's
    # target_precompile_headers make one for a target: built by its own row (once a target),
    # then used with -include by the rows marked "precompiled header"; g++ must accept it
    # (-Werror=invalid-pch), or those rows fail instead of measuring the header parsed again.
    pch_header = pathlib.Path(tmp) / "pch" / "dstream_pch.hpp"
    pch_header.parent.mkdir()
    pch_header.write_text("#include <dstream/dstream.hpp>\n")
    pch_build = [*separate, "-x", "c++-header"]
    pch_gch = pathlib.Path(f"{pch_header}.gch")
    pch = [*separate, "-Winvalid-pch", "-Werror=invalid-pch", "-include", str(pch_header)]
    # GCC's collector runs when its heap has grown by ggc-min-expand % over what the last
    # collection left, and not below ggc-min-heapsize kB: lower values trade time for memory.
    gc_often = ["--param", "ggc-min-expand=10", "--param", "ggc-min-heapsize=16384"]
    rows = [
        ("include <dstream/dstream.hpp>, empty main", empty, plain_empty, []),
        ("include <dstream/dstream.hpp>, empty main (separate compilation)", empty, None, separate),
        ("the standard and Boost headers the library's templates need, alone (the floor)",
         root / "bench/compile/header_floor.cpp", None, []),
        ("precompiled header of <dstream/dstream.hpp> (separate compilation; once a target)", pch_header, None,
         pch_build, pch_gch),
        ("include <dstream/dstream.hpp>, empty main (separate compilation, precompiled header)", empty, None, pch),
        ("quick_start", root / "examples/quick_start.cpp", root / "bench/compile/quick_start_plain.cpp", []),
        ("network_word_count", root / "examples/network_word_count.cpp", nwc_plain, []),
        ("network_word_count (separate compilation)", root / "examples/network_word_count.cpp", None, separate),
        ("network_word_count (separate compilation, precompiled header)", root / "examples/network_word_count.cpp",
         None, pch),
        ("network_word_count (separate compilation, precompiled header, g++ collecting garbage often)",
         root / "examples/network_word_count.cpp", None, pch + gc_often),
        ("include/dstream/impl/src.cpp (separate compilation; once a program)", root / "include/dstream/impl/src.cpp", None, separate),
        ("12 pipelines", root / "bench/compile/twelve_pipelines.cpp", root / "bench/compile/twelve_pipelines_plain.cpp",
         []),
        ("12 pipelines (separate compilation)", root / "bench/compile/twelve_pipelines.cpp", None, separate),
        ("examples/status_page.cpp (<dstream/ui.hpp>, Beast; once a program)", root / "examples/status_page.cpp", None,
         []),
    ]
    print(f"{cxx} -O2, best of {repeats} (wall time); MB: the compiler's peak resident memory\n")
    print("| program | dstream: wall s (cpu s), MB | without the library: wall s (cpu s), MB |")
    print("|---|---|---|")
    for name, lib, plain, extra, *output in rows:
        if only is not None and only not in name:
            continue
        if "-include" in extra and not pch_gch.exists():
            measure(pch_header, pch_build, pch_gch)  # its row was left out
        a = measure(lib, extra, *output)
        b = measure(plain) if plain else None
        other = f"{b[0]:.1f} ({b[1]:.1f}), {b[2]:.0f}" if b else ""
        print(f"| {name} | {a[0]:.1f} ({a[1]:.1f}), {a[2]:.0f} | {other} |", flush=True)
