#!/usr/bin/env python3
"""Builds tests/consumer, a separate meson project, against dstream twice: as a subproject
(`dependency('dstream')` resolved through the subproject's override) and through the
installed `dstream.pc`; runs its program each time and checks its output."""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

root, consumer = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2]).resolve()
expected = "(a,2)\n(b,1)\n"


def run(cmd, **kw):
    print("+", " ".join(map(str, cmd)), flush=True)
    subprocess.run(cmd, check=True, **kw)


with tempfile.TemporaryDirectory() as tmp:
    tmp = pathlib.Path(tmp)
    # 1. As a subproject.
    proj = tmp / "consumer"
    shutil.copytree(consumer, proj)
    (proj / "subprojects").mkdir()
    (proj / "subprojects" / "dstream").symlink_to(root)
    (proj / "subprojects" / "dstream.wrap").write_text(
        "[wrap-file]\ndirectory = dstream\n\n[provide]\ndependency_names = dstream\n")
    run(["meson", "setup", str(tmp / "b1"), str(proj)])
    run(["meson", "compile", "-C", str(tmp / "b1")])
    out = subprocess.run([str(tmp / "b1" / "consumer")], capture_output=True, text=True, check=True).stdout
    assert out == expected, f"subproject build printed {out!r}"
    # 2. Installed, found by pkg-config.
    run(["meson", "setup", str(tmp / "lib"), str(root), f"--prefix={tmp / 'prefix'}",
         "-Dtests=false", "-Dexamples=false", "-Dbenchmarks=false"])
    run(["meson", "install", "-C", str(tmp / "lib")], stdout=subprocess.DEVNULL)
    proj2 = tmp / "consumer2"
    shutil.copytree(consumer, proj2)
    env = dict(os.environ, PKG_CONFIG_PATH=str(tmp / "prefix" / "share" / "pkgconfig"))
    run(["meson", "setup", str(tmp / "b2"), str(proj2)], env=env)
    run(["meson", "compile", "-C", str(tmp / "b2")], env=env)
    out = subprocess.run([str(tmp / "b2" / "consumer")], capture_output=True, text=True, check=True).stdout
    assert out == expected, f"installed build printed {out!r}"
print("consumer builds against the subproject and the installed dstream.pc")
