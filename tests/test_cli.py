"""The command line: a run writes its files; bad input gives one line, status 2, no files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KUSONG = ROOT / "scenarios" / "kusong-2017-05-14.toml"
OWN_RADARS = ROOT / "scenarios" / "kusong-2017-05-14-own-radars.toml"


def sprn(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "sprn.cli", *map(str, args)],
        capture_output=True, text=True, cwd=cwd or ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_run_writes_results(tmp_path):
    out = tmp_path / "out"
    proc = sprn("run", KUSONG, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "Impact prediction" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == ["detections.csv", "events.jsonl", "results.json", "track.csv", "truth.csv"]
    res = json.loads((out / "results.json").read_text())
    for key in ("apogee_km", "range_km", "flight_time_s"):
        assert key in res["truth"]
    assert {"name", "detections", "first_detection_s", "last_detection_s"} <= set(res["sites"][0])
    header = (out / "track.csv").read_text().splitlines()[0].split(",")
    assert header[:7] == ["t_s", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps"] and len(header) == 7 + 21


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("revisit_s = 10.0", "revisit_s = -10.0"),
        ("seed = 20170514", "seed = 20170514\nunknown_key = 1"),
        ("[tracker]", "[tracker"),
    ],
)
def test_bad_scenario_one_line_status_2_nothing_written(tmp_path, old, new):
    bad = tmp_path / "bad.toml"
    bad.write_text(OWN_RADARS.read_text().replace(old, new, 1))
    out = tmp_path / "out"
    proc = sprn("run", bad, "--out", out)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and str(bad) in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_missing_file(tmp_path):
    proc = sprn("run", tmp_path / "missing.toml", "--out", tmp_path / "out")
    assert proc.returncode == 2 and "no such scenario file" in proc.stderr
    assert not (tmp_path / "out").exists()
