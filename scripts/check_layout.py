#!/usr/bin/env python3
"""Checks that the headers under include/dstream keep the layering README.md describes.

Usage: check_layout.py [REPO_ROOT]   (default: the parent of this script's folder)

README.md's Architecture section holds a fenced block whose first line is
`layers (bottom to top):`, then one line per layer listing its folders (`ops/`) and
top-level files (`dstream.hpp`). A header may include headers of its own layer or of the
layers below; the check reports an upward include, an include of a dstream header that
does not exist, a header in no listed layer, and a header over MAX_LINES lines.
Exit status 1 when anything is reported.
"""
import pathlib
import re
import sys

MAX_LINES = 450
BLOCK_TITLE = "layers (bottom to top):"
INCLUDE = re.compile(r"^\s*#\s*include\s*<dstream/([^>]+)>")


def read_layers(readme):
    """Returns [[entry, ...], ...] bottom to top, or None when the block is missing."""
    lines = readme.read_text(encoding="utf-8").splitlines() if readme.is_file() else []
    for i, line in enumerate(lines):
        if line.strip() == BLOCK_TITLE and i > 0 and lines[i - 1].strip().startswith("```"):
            layers = []
            for row in lines[i + 1:]:
                if row.strip().startswith("```"):
                    return layers
                if row.strip():
                    layers.append(row.split())
            return None  # an unclosed fence is no block
    return None


def entry_of(rel):
    """The layer entry a path under include/dstream belongs to: `top/` or the file name."""
    parts = rel.split("/")
    return parts[0] + "/" if len(parts) > 1 else parts[0]


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
    base = root / "include" / "dstream"
    layers = read_layers(root / "README.md")
    if not layers:
        print(f"{root / 'README.md'}: no Architecture block starting with `{BLOCK_TITLE}`")
        print("layout check failed: cannot read the layers")
        return 1

    problems = []
    level = {}  # entry -> index of its layer, 0 at the bottom
    for n, layer in enumerate(layers):
        for entry in layer:
            if entry in level:
                problems.append(f"README.md: '{entry}' is listed in two layers")
            level[entry] = n

    headers = sorted(p.relative_to(base).as_posix() for p in base.rglob("*.hpp"))
    for rel in headers:
        name = f"include/dstream/{rel}"
        text = (base / rel).read_text(encoding="utf-8").splitlines()
        if len(text) > MAX_LINES:
            problems.append(f"{name}: {len(text)} lines, more than {MAX_LINES}: split it by concern")
        own = entry_of(rel)
        if own not in level:
            problems.append(f"{name}: in no layer of README.md's Architecture block ('{own}')")
            continue
        for number, line in enumerate(text, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1)
            if not (base / target).is_file():
                problems.append(f"{name}:{number}: includes <dstream/{target}>, which does not exist")
                continue
            other = entry_of(target)
            # A target in no layer is reported once, as a header of its own.
            if other in level and level[other] > level[own]:
                problems.append(
                    f"{name}:{number}: includes <dstream/{target}> (layer {level[other] + 1} "
                    f"'{other}') from layer {level[own] + 1} '{own}': an upward include")

    for p in problems:
        print(p)
    if problems:
        print(f"layout check failed: {len(problems)} problems in {len(headers)} headers, {len(layers)} layers")
        return 1
    print(f"layout ok: {len(headers)} headers, {len(layers)} layers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
