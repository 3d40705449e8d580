#!/usr/bin/env python3
"""Builds tests/consumer, a separate project, against dstream each way a user can: with
Meson as a subproject (`dependency('dstream')` resolved through the subproject's
override, from a `[wrap-git]` wrap as the README shows it), through the installed
`dstream.pc`; with CMake through the installed package (`find_package(dstream CONFIG)`)
and through `add_subdirectory` of the sources. Each time builds and runs the program
header-only and linked with the runtime compiled once (`dstream_compiled`,
`dstream::compiled`), and checks what both print."""
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


def check(build, how):
    """Runs both programs of a consumer build and checks what they print."""
    for program in ("consumer", "consumer_compiled"):
        out = subprocess.run([str(build / program)], capture_output=True, text=True, check=True).stdout
        assert out == expected, f"{how}: {program} printed {out!r}"


with tempfile.TemporaryDirectory() as tmp:
    tmp = pathlib.Path(tmp)
    # 1. As a subproject.
    proj = tmp / "consumer"
    shutil.copytree(consumer, proj)
    (proj / "subprojects").mkdir()
    (proj / "subprojects" / "dstream").symlink_to(root)
    (proj / "subprojects" / "dstream.wrap").write_text(
        "[wrap-file]\ndirectory = dstream\n\n[provide]\ndependency_names = dstream, dstream_compiled\n")
    run(["meson", "setup", str(tmp / "b1"), str(proj)])
    run(["meson", "compile", "-C", str(tmp / "b1")])
    check(tmp / "b1", "subproject build")
    # 2. Installed, found by pkg-config.
    run(["meson", "setup", str(tmp / "lib"), str(root), f"--prefix={tmp / 'prefix'}",
         "-Dtests=false", "-Dexamples=false", "-Dbenchmarks=false"])
    run(["meson", "install", "-C", str(tmp / "lib")], stdout=subprocess.DEVNULL)
    proj2 = tmp / "consumer2"
    shutil.copytree(consumer, proj2)
    env = dict(os.environ, PKG_CONFIG_PATH=str(tmp / "prefix" / "share" / "pkgconfig"))
    run(["meson", "setup", str(tmp / "b2"), str(proj2)], env=env)
    run(["meson", "compile", "-C", str(tmp / "b2")], env=env)
    check(tmp / "b2", "installed build")
    # 3. Installed, found by CMake's find_package(dstream CONFIG).
    run(["cmake", "-S", str(consumer), "-B", str(tmp / "b3"), f"-DCMAKE_PREFIX_PATH={tmp / 'prefix'}",
         "-DCMAKE_BUILD_TYPE=Release"])
    run(["cmake", "--build", str(tmp / "b3")])
    check(tmp / "b3", "CMake find_package build")
    # 4. The sources added to a CMake project (add_subdirectory; FetchContent does the same).
    run(["cmake", "-S", str(consumer), "-B", str(tmp / "b4"), f"-DDSTREAM_SOURCE_DIR={root}",
         "-DCMAKE_BUILD_TYPE=Release"])
    run(["cmake", "--build", str(tmp / "b4")])
    check(tmp / "b4", "CMake add_subdirectory build")
    # 5. The README's wrap, as written there, pointing at this repository's committed HEAD.
    if (root / ".git").exists():
        proj5 = tmp / "consumer5"
        shutil.copytree(consumer, proj5)
        (proj5 / "subprojects").mkdir()
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        (proj5 / "subprojects" / "dstream.wrap").write_text(
            f"[wrap-git]\nurl = {root}\nrevision = {head}\n\n[provide]\ndependency_names = dstream, dstream_compiled\n")
        run(["meson", "setup", str(tmp / "b5"), str(proj5)])
        run(["meson", "compile", "-C", str(tmp / "b5")])
        check(tmp / "b5", "wrap-git build")
print("consumer builds, header-only and compiled once, with Meson (subproject, wrap-git, installed "
      "dstream.pc and dstream_compiled.pc) and CMake (installed package, add_subdirectory)")
