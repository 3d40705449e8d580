#!/usr/bin/env python3
"""Compiles every public header alone (a one-line .cpp including it), -Wall -Wextra
-Wpedantic -Werror: header-only with g++ and clang++, and with DSTREAM_SEPARATE_COMPILATION
(where the headers only declare what dstream/impl/src.cpp defines) with g++. Exit status
1 names each header that fails."""
import concurrent.futures
import pathlib
import shutil
import subprocess
import sys
import tempfile

include = pathlib.Path(sys.argv[1]).resolve()
headers = sorted(p.relative_to(include).as_posix() for p in (include / "dstream").rglob("*.hpp"))
compilers = [c for c in ("g++", "clang++-14", "clang++") if shutil.which(c)]
if "clang++-14" in compilers and "clang++" in compilers:
    compilers.remove("clang++")
flags = ["-std=c++20", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-fsyntax-only", f"-I{include}"]
optional = {"dstream/kafka.hpp": "rdkafka", "dstream/sql.hpp": "sql"}


forms = {"header-only": [], "separate compilation": ["-DDSTREAM_SEPARATE_COMPILATION"]}


def check(job):
    compiler, form, header = job
    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp) / "alone.cpp"
        src.write_text(f"#include <{header}>\n#include <{header}>\nint main() {{}}\n")
        r = subprocess.run([compiler, *flags, *forms[form], str(src)], capture_output=True, text=True)
        return compiler, form, header, r.returncode, r.stderr


# The header-only form with every compiler; the separately compiled form, which differs
# only in what the headers declare, with the first (g++): 264 compilations, not 352.
jobs = [(c, f, h) for c in compilers for f in forms for h in headers if f == "header-only" or c == compilers[0]]
failed = 0
with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    for compiler, form, header, rc, err in pool.map(check, jobs):
        if rc != 0:
            failed += 1
            print(f"FAIL {compiler} ({form}) <{header}>:\n{err[:4000]}")
print(f"{len(jobs) - failed} of {len(jobs)} header compilations clean ({', '.join(compilers)}; {', '.join(forms)})")
sys.exit(1 if failed else 0)
