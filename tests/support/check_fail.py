#!/usr/bin/env python3
"""Each tests/fail/*.cpp must fail to compile under g++ and under clang++; for each compiler
the output must contain the text on the case's `// expected-error: ...` line (the
static_assert message the user will see), the first error must be that message, and the
whole output must stay within MAX_LINES lines: one message, not a cascade.

Usage: check_fail.py INCLUDE_DIR FAIL_DIR [CASE.cpp ...]   (default: every case)
A case may say `// compilers: g++` to be checked by one compiler only (say why beside it).
"""
import pathlib
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

MAX_LINES = 25
COMPILERS = [c for c in ("g++", "clang++") if shutil.which(c)]

include, fail_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
cases = [fail_dir / c for c in sys.argv[3:]] or sorted(fail_dir.glob("*.cpp"))


def check(case, compiler):
    """One compiler on one case: (what went wrong or None, the number of lines of output)."""
    text = case.read_text()
    expected = [l.split("expected-error:", 1)[1].strip() for l in text.splitlines() if "expected-error:" in l]
    r = subprocess.run([compiler, "-std=c++20", "-fsyntax-only", f"-I{include}", str(case)],
                       capture_output=True, text=True)
    out = r.stderr + r.stdout
    lines = out.splitlines()
    first_error = next((l for l in lines if "error:" in l), "")
    if r.returncode == 0:
        return "compiled, but must not", 0
    missing = [e for e in expected if e not in out]
    if missing:
        return f"the errors do not contain {missing!r}:\n" + "\n".join(lines[:60]), len(lines)
    if expected[0] not in first_error:
        return f"the first error is not the expected one:\n  {first_error}\n" + "\n".join(lines[:60]), len(lines)
    if len(lines) > MAX_LINES:
        return f"{len(lines)} lines of errors (at most {MAX_LINES}):\n" + "\n".join(lines[:80]), len(lines)
    return None, len(lines)


def run(case):
    text = case.read_text()
    if "expected-error:" not in text:
        return case, [("-", "no '// expected-error:' line")], ""
    only = [l.split("compilers:", 1)[1].split() for l in text.splitlines() if "// compilers:" in l]
    compilers = [c for c in COMPILERS if not only or c in only[0]]
    problems, counts = [], []
    for c in compilers:
        p, n = check(case, c)
        counts.append(f"{c} {n}")
        if p:
            problems.append((c, p))
    return case, problems, ", ".join(counts)


failed = 0
with ThreadPoolExecutor(max_workers=2) as pool:
    for case, problems, counts in pool.map(run, cases):
        if problems:
            failed += 1
            for compiler, p in problems:
                print(f"FAIL {case.name} ({compiler}): {p}")
        else:
            print(f"ok   {case.name} (lines of errors: {counts})")
print(f"{len(cases) - failed} of {len(cases)} compile-fail cases behave "
      f"(compilers: {', '.join(COMPILERS)}; at most {MAX_LINES} lines of errors each)")
sys.exit(1 if failed or not cases or len(COMPILERS) < 2 else 0)
