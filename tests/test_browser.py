"""The flagship's report in a real browser: Debian's Chromium, headless, driven by Playwright.

``sprn report`` writes the page; Chromium opens it from the file system (no server, no
network); the test checks that it loads with no console error, that the 3D view (a WebGL
canvas) and the time slider are there, then clicks the slider at "+180 s" and checks that
the view now draws the prediction made 180 s after the first detection, and that the
picture changed. Screenshots go to the test's temporary folder (and, with
``SPRN_SCREENSHOT_DIR`` set, there too). ``.ci/run`` installs Chromium when it is missing;
the test skips only when no Chromium is on the machine.
"""

import os
import shutil
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from sprn import engagement, interactive, scenario

ROOT = Path(__file__).resolve().parents[1]
KUSONG = ROOT / "scenarios" / "kusong-2017-05-14.toml"
CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium")
                 if p and Path(p).exists()), None)
# The flags this machine needs (no network: no background connections); software WebGL
# (SwiftShader) stands in for the GPU.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--enable-unsafe-swiftshader"]
VIEW = f"document.getElementById('{interactive.DIV_ID}')"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium: install Debian's package (as root: apt-get install -y chromium); "
                             ".ci/run does this when it can")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    proc = subprocess.run([sys.executable, "-m", "sprn.cli", "report", str(KUSONG), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def kusong():
    # The same run as the report's: the scenario's seed.
    return engagement.run_scenario(scenario.load(KUSONG), launch_point=True)


@pytest.fixture()
def page(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})  # a fresh, empty profile
        pg.problems = []
        pg.on("console", lambda m: pg.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
        pg.on("requestfailed", lambda r: pg.problems.append(f"request failed: {r.url}"))
        yield pg
        browser.close()


def shots_dir(tmp_path):
    where = os.environ.get("SPRN_SCREENSHOT_DIR")
    return Path(where) if where else tmp_path


def view_png(pg, path):
    data = pg.locator(f"#{interactive.DIV_ID}").screenshot(path=str(path), animations="disabled", timeout=60_000)
    return matplotlib.image.imread(BytesIO(data), format="png")


def test_report_opens_with_no_error_and_the_slider_changes_the_view(report, kusong, page, tmp_path):
    pg = page
    pg.goto(report.as_uri())
    pg.wait_for_function(f"{VIEW} && {VIEW}._fullLayout && {VIEW}._fullLayout.scene", timeout=60_000)
    pg.wait_for_timeout(500)
    # The 3D view is a WebGL canvas with a live scene; the slider has one tick per step.
    assert pg.evaluate(f"{VIEW}.querySelectorAll('canvas').length") >= 1
    assert pg.evaluate(f"!!({VIEW}._fullLayout.scene._scene && {VIEW}._fullLayout.scene._scene.glplot)")
    steps = interactive.steps(kusong)
    ticks = pg.locator(f"#{interactive.DIV_ID} rect.slider-tick-rect")
    assert ticks.count() == len(steps)
    assert pg.evaluate(f"{VIEW}._fullLayout.sliders[0].active") == len(steps) - 1
    shots = shots_dir(tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    before = view_png(pg, shots / "view-impact.png")

    # Click the slider at "+180 s" (on the rail, above that step's tick).
    k = [s.label for s in steps].index("+180 s")
    tick = ticks.nth(k).bounding_box()
    rail = pg.locator(f"#{interactive.DIV_ID} rect.slider-rail-touch-rect").bounding_box()
    pg.mouse.click(tick["x"] + tick["width"] / 2, rail["y"] + rail["height"] / 2)
    pg.wait_for_function(f"{VIEW}._fullLayout.sliders[0].active === {k}", timeout=30_000)
    pg.wait_for_function(f"{VIEW}.layout.title.text.includes('+180 s after first detection')", timeout=30_000)

    # What is drawn now: the prediction made at first detection + 180 s, and its ellipse.
    pred, _ = kusong.prediction_at(180.0)
    names = pg.evaluate(f"{VIEW}.data.map(t => t.name)")
    i = next(j for j, n in enumerate(names) if n and n.startswith("impact prediction made at"))
    assert names[i] == f"impact prediction made at t = {pred.t_s:.0f} s (95 % ellipse)"
    drawn = np.array(pg.evaluate(f"['x', 'y', 'z'].map(c => Array.from({VIEW}._fullData[{i}][c]))")).T
    np.testing.assert_allclose(drawn, interactive.ellipse_xyz_km(pred), rtol=1e-6)
    after = view_png(pg, shots / "view-plus-180s.png")
    assert before.shape == after.shape
    changed = np.any(np.abs(before - after) > 0.05, axis=-1).mean()
    assert changed > 0.001, f"only {changed:.4%} of the view's pixels changed"
    assert not pg.problems, pg.problems
