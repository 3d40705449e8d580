#!/usr/bin/env python3
"""Each tests/fail/*.cpp must fail to compile, and the compiler's output must contain the
text on its `// expected-error: ...` line (the static_assert message the user will see)."""
import pathlib
import subprocess
import sys

include, fail_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
failed = 0
cases = sorted(fail_dir.glob("*.cpp"))
for case in cases:
    expected = [l.split("expected-error:", 1)[1].strip()
                for l in case.read_text().splitlines() if "expected-error:" in l]
    if not expected:
        print(f"FAIL {case.name}: no '// expected-error:' line")
        failed += 1
        continue
    r = subprocess.run(["g++", "-std=c++20", "-fsyntax-only", f"-I{include}", str(case)],
                       capture_output=True, text=True)
    missing = [e for e in expected if e not in r.stderr]
    if r.returncode == 0:
        print(f"FAIL {case.name}: compiled, but must not")
        failed += 1
    elif missing:
        print(f"FAIL {case.name}: the errors do not contain {missing!r}:\n{r.stderr[:3000]}")
        failed += 1
    else:
        print(f"ok   {case.name}")
print(f"{len(cases) - failed} of {len(cases)} compile-fail cases behave")
sys.exit(1 if failed or not cases else 0)
