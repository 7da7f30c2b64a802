"""Monte Carlo: seeds, per-run records, exact aggregation, Dask execution, sweeps, maps.

The runs are few (6) and use the Kusong scenario; the point is that results are a function
of the run indices alone: the same with 1 or 2 workers, through a scheduler address, or
combined from parts.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sprn import engagement, scenario
from sprn.errors import ScenarioError, SprnError
from sprn.montecarlo import (
    McResult,
    apply_point,
    combine,
    launch_grid,
    mc_files,
    run_monte_carlo,
    run_seed,
    run_sweep,
    warning_map,
)
from sprn.montecarlo.records import sample_on_grid
from sprn.report import json_ready, warning_dict
from sprn.territory import on_territory
from sprn.trajectory import Trajectory, fly

ROOT = Path(__file__).resolve().parents[1]
KUSONG = ROOT / "scenarios" / "kusong-2017-05-14.toml"
RUNS = 6


def as_json(result: McResult) -> Any:
    """A result as plain JSON values (NaN as None), for exact comparison."""
    return json_ready(result.to_dict())


@pytest.fixture(scope="module")
def scen() -> scenario.Scenario:
    return scenario.load(KUSONG)


@pytest.fixture(scope="module")
def truth(scen: scenario.Scenario) -> Trajectory:
    return fly(scen.shot)


@pytest.fixture(scope="module")
def baseline(scen: scenario.Scenario, truth: Trajectory) -> McResult:
    return run_monte_carlo(scen, RUNS, truth=truth)


def test_run_seeds_are_deterministic_distinct_and_json_safe() -> None:
    seeds = [run_seed(20170514, i) for i in range(1000)]
    assert seeds == [run_seed(20170514, i) for i in range(1000)]
    assert len(set(seeds)) == len(seeds)
    assert all(0 <= s < 2**63 for s in seeds)
    assert run_seed(1, 0) != run_seed(2, 0)


def test_records_reduce_the_runs_they_summarise(scen: scenario.Scenario, truth: Trajectory,
                                                 baseline: McResult) -> None:
    for rec in baseline.records[:2]:
        assert rec.seed == run_seed(scen.seed, rec.run)
        full = engagement.run_scenario(scen, seed=rec.seed, truth=truth)
        # sqrt(sum / n) against sqrt(mean): the same sum, rounded differently (a few ulp)
        assert rec.pos_rmse_m == pytest.approx(full.score.pos_rmse_m, rel=1e-12, nan_ok=True)
        assert rec.vel_rmse_mps == pytest.approx(full.score.vel_rmse_mps, rel=1e-12, nan_ok=True)
        assert rec.nees_mean == pytest.approx(full.score.nees_mean, rel=1e-12, nan_ok=True)
        assert rec.nis_mean == pytest.approx(full.score.nis_mean, rel=1e-12, nan_ok=True)
        wt = warning_dict(full)["warning_time_s"]
        assert (wt is None and math.isnan(rec.warning_time_s)) or rec.warning_time_s == pytest.approx(wt, abs=1e-9)
        for after, err in zip(scen.sim.checkpoints_s, rec.impact_error_km):
            found = full.prediction_at(after)
            assert (found is None and math.isnan(err)) or err == found[1]
        first = {}
        for det in full.output.detections:
            first.setdefault(det.site, det.t_s)
        got = {n: t for n, t in zip(baseline.meta.sites, rec.site_first_detection_s) if math.isfinite(t)}
        assert got == first


def test_grid_sampling_holds_the_latest_update_while_recent() -> None:
    t_upd = np.array([10.0, 25.0, 100.0])
    vals = np.array([[1.0], [2.0], [3.0]])
    got = sample_on_grid(t_upd, vals, np.arange(0.0, 140.0, 10.0), max_age_s=30.0)[:, 0]
    want = [np.nan, 1, 1, 2, 2, 2, np.nan, np.nan, np.nan, np.nan, 3, 3, 3, 3]  # 60 s: 35 s old
    np.testing.assert_array_equal(got, want)


def test_summary_counts_add_up(baseline: McResult) -> None:
    s = baseline.summary()
    assert s["runs"] == RUNS and s["failed_runs"] == 0
    assert s["warning"]["runs_warned"] == sum(math.isfinite(r.warning_s) for r in baseline.records)
    assert sum(site["runs_first"] for site in s["sites"]) == s["first_detection_s"]["n"]
    assert s["track"]["updates"] == sum(r.updates for r in baseline.records)
    lo, hi = s["track"]["nees_band"]
    assert lo < 6.0 < hi  # the band of a 6-dof chi-square mean brackets its expectation


def test_results_do_not_depend_on_the_number_of_workers(scen: scenario.Scenario, baseline: McResult) -> None:
    two = run_monte_carlo(scen, RUNS, workers=2)
    assert as_json(two) == as_json(baseline)


def test_combining_parts_equals_one_run_of_the_union(scen: scenario.Scenario, truth: Trajectory,
                                                    baseline: McResult) -> None:
    first = run_monte_carlo(scen, 3, truth=truth)
    second = run_monte_carlo(scen, 3, first_run=3, truth=truth)
    assert as_json(combine(first, second)) == as_json(baseline)
    assert as_json(combine(second, first)) == as_json(baseline)
    with pytest.raises(SprnError, match="run = 0"):
        combine(first, first)
    with pytest.raises(SprnError, match="base_seed"):
        combine(first, run_monte_carlo(scen, 1, first_run=3, base_seed=1, truth=truth))
    other_truth = McResult(meta=second.meta, records=tuple(
        dataclasses.replace(r, t_impact_s=r.t_impact_s + 1.0) for r in second.records))
    with pytest.raises(SprnError, match="t_impact_s"):
        combine(first, other_truth)


def test_mc_combine_command_writes_the_result_of_the_union(tmp_path: Path, scen: scenario.Scenario,
                                                            truth: Trajectory, baseline: McResult,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from sprn import cli, report

    report.write_atomic(tmp_path / "a", mc_files(run_monte_carlo(scen, 3, truth=truth)))
    report.write_atomic(tmp_path / "b", mc_files(run_monte_carlo(scen, 3, first_run=3, truth=truth)))
    # A directory or its mc.json, in any order: the files of one Monte Carlo of runs 0-5.
    assert cli.main(["mc-combine", str(tmp_path / "b" / "mc.json"), str(tmp_path / "a"),
                     "--out", str(tmp_path / "ab")]) == 0
    for name, text in mc_files(baseline).items():
        assert (tmp_path / "ab" / name).read_text() == text
    (tmp_path / "bad.json").write_text('{"meta": 1}')
    assert cli.main(["mc-combine", str(tmp_path / "a"), str(tmp_path / "bad.json"), "--out",
                     str(tmp_path / "none")]) == 2
    assert "bad.json: not a Monte Carlo result" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()


def test_json_round_trip_is_exact(baseline: McResult) -> None:
    files = mc_files(baseline)
    back = McResult.from_dict(json.loads(files["mc.json"]))
    assert as_json(back) == as_json(baseline)
    assert files["runs.csv"].count("\n") == RUNS + 1  # a header and a row per run


def test_progress_is_silent_without_a_terminal(scen: scenario.Scenario, truth: Trajectory,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    run_monte_carlo(scen, 1, truth=truth, progress=True)
    assert capsys.readouterr().err == ""


def test_the_command_line_uses_every_core_for_many_runs_and_this_process_for_few() -> None:
    from sprn.montecarlo.execution import AUTO_CLUSTER_RUNS, auto_workers

    cores = len(os.sched_getaffinity(0))
    assert auto_workers(AUTO_CLUSTER_RUNS - 1) is None  # a cluster's start-up would cost more than it saves
    assert auto_workers(1000) == (cores if cores > 1 else None)


def _wait_for(path: Path, proc: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists() or not path.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"dask scheduler did not start (exit {proc.poll()})")
        time.sleep(0.2)


def test_runs_through_a_scheduler_address(tmp_path: Path, scen: scenario.Scenario, baseline: McResult) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    sched_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "dask"]
    procs = [subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(sched_file)], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        _wait_for(sched_file, procs[0])
        address = json.loads(sched_file.read_text())["address"]
        procs.append(subprocess.Popen([*dask, "worker", address, "--nthreads", "1", "--no-dashboard"], env=env,
                                      cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        result = run_monte_carlo(scen, RUNS, scheduler=address)
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=30)
    assert as_json(result) == as_json(baseline)


def test_apply_point_changes_only_what_it_names(scen: scenario.Scenario) -> None:
    changed = apply_point(scen, {"sites.mishelevka.revisit_s": 20.0, "sites.mishelevka.max_range_km": 4000.0,
                                 "links.latency_s": 7.0, "tracker.q_m2_s3": 1e-5})
    by_name = {s.name: s for s in changed.sites}
    assert by_name["mishelevka"].revisit_s == 20.0 and by_name["mishelevka"].max_range_m == 4000e3
    assert [s for s in changed.sites if s.name != "mishelevka"] == [s for s in scen.sites if s.name != "mishelevka"]
    assert changed.sim.link.latency_s == 7.0 and changed.sim.link.jitter_s == scen.sim.link.jitter_s
    assert changed.tracker.q_m2_s3 == 1e-5 and changed.shot == scen.shot
    later = apply_point(scen, {"network.preset": "sprn-2026"})
    assert {s.name for s in later.sites} != {s.name for s in scen.sites}
    aimed = apply_point(scen, {"missile.aim": "Vladivostok"})
    assert aimed.shot.form == "aim" and aimed.shot.shape == "min-energy" and aimed.shot.range_km is None


@pytest.mark.parametrize(
    ("point", "match"),
    [
        ({"sites.nowhere.revisit_s": 5.0}, "sites.nowhere.revisit_s"),
        ({"sites.mishelevka.revisit_s": "fast"}, "a finite number"),
        ({"network.preset": "sprn-1980"}, "sprn-2017"),
        ({"tracker.filter": "particle"}, "tracker.filter"),
        ({"links.loss": 1.5}, "links.loss"),
        ({"missile.aim": "Atlantis"}, "city"),
        ({"radar.power": 1.0}, "radar.power"),
        ({"tracker.model": "glide"}, "tracker.model = 'glide': expected one of"),
        ({"tracker.gate_probability": 1.5}, r"tracker.gate_probability = 1.5: expected a number in \(0, 1\)"),
        ({"sites.mishelevka.revisit_s": 0}, "sites.mishelevka.revisit_s = 0: expected a number > 0"),
        ({"sites.*.track_revisit_s": -1.0}, r"sites.\*.track_revisit_s = -1.0: expected a number > 0"),
    ],
)
def test_bad_sweep_points_name_key_and_value(scen: scenario.Scenario, point: dict[str, Any], match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        apply_point(scen, point)


def test_sweep_has_one_row_per_point_and_the_same_seeds_at_every_point(scen: scenario.Scenario) -> None:
    grid = {"network.preset": ["sprn-2017", "sprn-2026"], "links.latency_s": [1.0, 6.0]}
    rows = run_sweep(scen, grid, runs_per_point=1)
    assert [(r["network.preset"], r["links.latency_s"]) for r in rows] == [
        ("sprn-2017", 1.0), ("sprn-2017", 6.0), ("sprn-2026", 1.0), ("sprn-2026", 6.0)]
    assert all(r["runs"] == 1 for r in rows)
    # The same seeds at every point: the radars' first detection (before any link or cue
    # matters) is the same whatever the latency. (The warning time is not monotonic in the
    # latency: the first assessment comes at confirmation, and a boost-phase track coasted
    # five seconds longer has a wider impact distribution, which can put more probability
    # on the territory and warn at once, as seed 0 on the 2026 network does.)
    for fast, slow in ((rows[0], rows[1]), (rows[2], rows[3])):
        assert slow["first_detection_s_median"] == fast["first_detection_s_median"]


def test_warning_map_rows_and_unreachable_aims(scen: scenario.Scenario) -> None:
    points = launch_grid((39.5, 40.5), (125.0, 126.0), 0.5)
    assert points and all(on_territory("North Korea", [la], [lo])[0] for la, lo in points)
    kusong = [(40.0, 125.0)]
    rows = warning_map(scen, kusong, presets=("sprn-2017",), aims=("Vladivostok", "Washington"))
    assert [(r["preset"], r["aim"]) for r in rows] == [("sprn-2017", "Vladivostok"), ("sprn-2017", "Washington")]
    vlad = rows[0]
    assert vlad["error"] == "" and vlad["flight_time_s"] > 0
    assert not math.isfinite(vlad["warning_time_s"]) or 0 < vlad["warning_time_s"] < vlad["flight_time_s"]
    assert "reach" in rows[1]["error"] and math.isnan(rows[1]["warning_time_s"])


def test_mc_help_states_the_automatic_worker_threshold(capsys: pytest.CaptureFixture[str]) -> None:
    from sprn import cli
    from sprn.montecarlo.execution import AUTO_CLUSTER_RUNS

    with pytest.raises(SystemExit):
        cli.main(["mc", "--help"])
    assert f"from {AUTO_CLUSTER_RUNS} runs" in " ".join(capsys.readouterr().out.split())


def test_chunks_keep_job_order_and_shrink_to_single_runs_at_the_end(scen: scenario.Scenario) -> None:
    from sprn.montecarlo.execution import TASKS_PER_WORKER, Job, _chunks

    other = dataclasses.replace(scen.shot, azimuth_deg=scen.shot.azimuth_deg + 1.0)
    jobs = [Job(point=(), shot=scen.shot if i < 700 else other, meta=None, run=i, seed=i)  # type: ignore[arg-type]
            for i in range(1000)]
    chunks = _chunks(jobs, 2)
    assert [j for c in chunks for j in c] == jobs  # records come back in job order
    assert all(len({j.shot for j in c}) == 1 for c in chunks)  # a chunk shares one truth
    assert max(len(c) for c in chunks) == math.ceil(1000 / (2 * TASKS_PER_WORKER))
    assert [len(c) for c in chunks[-4:]] == [1, 1, 1, 1]  # no long chunk left for the end
    assert len(chunks) < 100  # scheduling stays cheap
