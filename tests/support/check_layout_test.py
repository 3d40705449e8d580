#!/usr/bin/env python3
"""Tests scripts/check_layout.py on small synthetic trees: a clean one passes, and each
kind of violation makes it fail and name the culprit.

Usage: check_layout_test.py REPO_ROOT [CHECK_SCRIPT]
(CHECK_SCRIPT defaults to REPO_ROOT/scripts/check_layout.py)."""
import pathlib
import subprocess
import sys
import tempfile

root = pathlib.Path(sys.argv[1]).resolve()
script = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else root / "scripts" / "check_layout.py"

README = """# t

## Architecture

```
layers (bottom to top):
detail/
ops/
dstream.hpp
```
"""

# A clean tree: every include points down or stays in its layer.
CLEAN = {
    "detail/traits.hpp": "#pragma once\n",
    "detail/fusion.hpp": "#pragma once\n#include <dstream/detail/traits.hpp>\n",
    "ops/map.hpp": "#pragma once\n#include <vector>\n#include <dstream/detail/fusion.hpp>\n",
    "dstream.hpp": "#pragma once\n#include <dstream/ops/map.hpp>\n",
}


def run(readme, headers):
    """Builds a repository from README text and {path: text}, runs the check on it."""
    with tempfile.TemporaryDirectory() as tmp:
        repo = pathlib.Path(tmp)
        if readme is not None:
            (repo / "README.md").write_text(readme)
        for rel, text in headers.items():
            path = repo / "include" / "dstream" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        r = subprocess.run([sys.executable, str(script), str(repo)], capture_output=True, text=True)
        return r.returncode, r.stdout + r.stderr


failures = 0


def case(what, readme, headers, status, *words):
    global failures
    rc, out = run(readme, headers)
    missing = [w for w in words if w not in out]
    ok = rc == status and not missing
    print(f"{'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures += 1
        print(f"     expected exit {status} naming {list(words)}; got exit {rc}:\n{out}")


case("a clean tree passes", README, CLEAN, 0, "layout ok: 4 headers, 3 layers")
case("an upward include fails and names the file", README,
     {**CLEAN, "detail/traits.hpp": "#pragma once\n#include <dstream/ops/map.hpp>\n"},
     1, "include/dstream/detail/traits.hpp:2", "upward")
case("a 451-line header fails and names it", README,
     {**CLEAN, "ops/big.hpp": "#pragma once\n" + "//\n" * 450},
     1, "include/dstream/ops/big.hpp: 451 lines")
case("a 450-line header passes", README,
     {**CLEAN, "ops/big.hpp": "#pragma once\n" + "//\n" * 449}, 0)
case("an include of a missing header fails", README,
     {**CLEAN, "ops/map.hpp": "#pragma once\n#include <dstream/ops/nothing.hpp>\n"},
     1, "include/dstream/ops/map.hpp:2", "does not exist")
case("a header in an unlisted folder fails", README,
     {**CLEAN, "extra/x.hpp": "#pragma once\n"}, 1, "include/dstream/extra/x.hpp")
# The repository's own README must hold a block the check can read.
case("the repository's README gives the layers", (root / "README.md").read_text(encoding="utf-8"),
     {"detail/traits.hpp": "#pragma once\n"}, 0, "layout ok: 1 headers")
case("a README without the block fails", "# t\n\nNo layers here.\n", CLEAN, 1, "Architecture")
case("a missing README fails", None, CLEAN, 1, "Architecture")

print(f"{'all layout-check cases pass' if not failures else f'{failures} case(s) failed'}")
sys.exit(1 if failures else 0)
