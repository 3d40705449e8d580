#!/usr/bin/env python3
"""The status page checked by outside tools, against ui_demo (a context with known batches).

Usage: ui_check.py UI_DEMO browser SCREENSHOT.png   headless Chromium loads /: one chart per
                                                     series with a point per batch, the
                                                     app name's <script> shown as text, a
                                                     non-empty PNG screenshot
       ui_check.py UI_DEMO promtool                  `promtool check metrics` accepts /metrics

Exits 77 (Meson's "skipped") only when the tool is not installed.
"""
import html.parser
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request

BATCHES = 7
APP = '<script>document.title="owned"</script> demo'
SERIES = ["input-rate", "scheduling-delay", "processing-time", "total-delay"]


class Dom(html.parser.HTMLParser):
    """Counts elements: scripts, charts (figure.chart) and the points inside each."""

    def __init__(self):
        super().__init__()
        self.scripts = 0
        self.points = {}
        self.chart = None
        self.h1 = ""
        self.in_h1 = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "figure" and a.get("class") == "chart":
            self.chart = a.get("id")
            self.points[self.chart] = 0
        if tag == "circle" and a.get("class") == "point" and self.chart:
            self.points[self.chart] += 1
        if tag == "h1":
            self.in_h1 = True

    def handle_endtag(self, tag):
        if tag == "figure":
            self.chart = None
        if tag == "h1":
            self.in_h1 = False

    def handle_data(self, data):
        if self.in_h1:
            self.h1 += data


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def browser(url, png):
    exe = chromium()
    if not exe:
        print("SKIP: no chromium on PATH (Debian: apt-get install chromium)")
        return 77
    profile = tempfile.mkdtemp(prefix="dstream-chromium-")
    common = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--no-first-run", "--user-data-dir=" + profile]
    try:
        dom = subprocess.run(common + ["--dump-dom", url], capture_output=True, text=True, timeout=120)
        if dom.returncode != 0:
            print("chromium --dump-dom failed:", dom.stderr[-2000:])
            return 1
        d = Dom()
        d.feed(dom.stdout)
        failures = []
        if sorted(d.points) != sorted(SERIES):
            failures.append(f"charts {sorted(d.points)}, expected {sorted(SERIES)}")
        for s, n in d.points.items():
            if n != BATCHES:
                failures.append(f"chart {s} has {n} points, expected {BATCHES}")
        if d.scripts != 0:
            failures.append(f"the DOM holds {d.scripts} <script> element(s): the app name was not escaped")
        if APP not in d.h1:
            failures.append(f"the heading shows {d.h1!r}, not the app name as text")
        if os.path.exists(png):
            os.remove(png)
        shot = subprocess.run(common + ["--window-size=1400,1000", "--hide-scrollbars", "--screenshot=" + png, url],
                              capture_output=True, text=True, timeout=120)
        if shot.returncode != 0 or not os.path.exists(png):
            failures.append("no screenshot: " + shot.stderr[-2000:])
        else:
            with open(png, "rb") as f:
                head = f.read(8)
            if head != b"\x89PNG\r\n\x1a\n" or os.path.getsize(png) < 1000:
                failures.append(f"{png} is not a non-empty PNG")
        for f in failures:
            print("FAIL:", f)
        if not failures:
            print(f"ok: 4 charts of {BATCHES} points, the app name shown as text, screenshot {png} "
                  f"({os.path.getsize(png)} bytes)")
        return 1 if failures else 0
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def promtool(url):
    exe = shutil.which("promtool")
    if not exe:
        print("SKIP: no promtool on PATH (Debian: apt-get install prometheus)")
        return 77
    metrics = urllib.request.urlopen(url + "metrics", timeout=30).read()
    r = subprocess.run([exe, "check", "metrics"], input=metrics, capture_output=True, timeout=60)
    out = (r.stdout + r.stderr).decode()
    if r.returncode != 0 or out.strip():
        print("promtool check metrics failed:", out)
        print(metrics.decode())
        return 1
    print(f"ok: promtool check metrics accepts the {len(metrics)} bytes of /metrics")
    return 0


def main():
    demo, mode = sys.argv[1], sys.argv[2]
    if mode == "browser" and not chromium():
        return browser("", "")
    if mode == "promtool" and not shutil.which("promtool"):
        return promtool("")
    p = subprocess.Popen([demo, APP, str(BATCHES)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = p.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            print("ui_demo printed no URL:", url)
            return 1
        return browser(url, sys.argv[3]) if mode == "browser" else promtool(url)
    finally:
        p.stdin.close()
        p.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
