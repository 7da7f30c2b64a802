"""Monte Carlo of one scenario, and sweeps of it over a grid of parameters."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sprn.errors import SprnError
from sprn.montecarlo.execution import Job, execute
from sprn.montecarlo.records import McMeta, run_seed
from sprn.montecarlo.points import check_grid, grid_points
from sprn.montecarlo.results import McResult, make_result
from sprn.scenario import Scenario
from sprn.trajectory import Trajectory

GRID_STEP_S = 10.0
"""Spacing of the common time grid of track errors (s)."""
MAX_AGE_S = 30.0
"""A grid time holds the latest track update's error if it is at most this old (s): longer
than the track revisits of the catalogue's radars, shorter than a search revisit."""


def mc_meta(
    scenario: Scenario, base_seed: int | None = None, grid_step_s: float = GRID_STEP_S, max_age_s: float = MAX_AGE_S
) -> McMeta:
    """The meta of a Monte Carlo of ``scenario`` (base seed: the scenario's by default)."""
    terr = scenario.sim.threat.territory
    return McMeta(
        scenario_name=scenario.name,
        scenario_path=scenario.path,
        base_seed=scenario.seed if base_seed is None else base_seed,
        grid_step_s=grid_step_s,
        max_age_s=max_age_s,
        checkpoints_s=tuple(scenario.sim.checkpoints_s),
        sites=tuple(s.name for s in scenario.sites),
        territory=None if terr is None else terr.name,
    )


def _check_counts(runs: int, first_run: int) -> None:
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise SprnError(f"Monte Carlo: runs = {runs!r}: expected an integer >= 1")
    if isinstance(first_run, bool) or not isinstance(first_run, int) or first_run < 0:
        raise SprnError(f"Monte Carlo: first_run = {first_run!r}: expected an integer >= 0")


def run_monte_carlo(
    scenario: Scenario,
    runs: int,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    base_seed: int | None = None,
    progress: bool = False,
    first_run: int = 0,
    truth: Trajectory | None = None,
    grid_step_s: float = GRID_STEP_S,
    max_age_s: float = MAX_AGE_S,
) -> McResult:
    """``runs`` noise-seeded runs of ``scenario`` against one truth flight.

    Run ``i`` (``first_run <= i < first_run + runs``) has seed
    ``run_seed(base_seed, i)`` (``base_seed``: the scenario's seed by default), so the
    result depends neither on ``workers`` nor on how the runs are split:
    ``combine(run_monte_carlo(s, 500), run_monte_carlo(s, 500, first_run=500))`` equals
    ``run_monte_carlo(s, 1000)``.

    Parameters
    ----------
    scenario : Scenario
        The engagement; only the noise varies between runs.
    runs : int
        Number of runs.
    workers : int, optional
        None or 1: run in this process; more: a local Dask cluster of that many
        single-threaded worker processes.
    scheduler : str or distributed.Client, optional
        Address of a running Dask scheduler (``"tcp://host:8786"``) or a client; overrides
        ``workers``.
    base_seed : int, optional
        Seed the run seeds are derived from (default: ``scenario.seed``).
    progress : bool
        Show a progress bar (tqdm) when stderr is a terminal.
    first_run : int
        Index of the first run.
    truth : Trajectory, optional
        The flight of ``scenario.shot``, if already flown.
    grid_step_s, max_age_s : float
        The common time grid of track errors, s (see :class:`McMeta`).
    """
    _check_counts(runs, first_run)
    meta = mc_meta(scenario, base_seed, grid_step_s, max_age_s)
    jobs = [
        Job(point=(), shot=scenario.shot, meta=meta, run=i, seed=run_seed(meta.base_seed, i))
        for i in range(first_run, first_run + runs)
    ]
    records = execute(scenario, jobs, truth=truth, workers=workers, scheduler=scheduler, progress=progress)
    return make_result(meta, records)


def sweep_results(
    scenario: Scenario,
    grid: Mapping[str, Sequence[Any]],
    runs_per_point: int,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    base_seed: int | None = None,
    progress: bool = False,
) -> list[tuple[dict[str, Any], McResult]]:
    """The Monte Carlo result of every grid point (see :func:`run_sweep`)."""
    _check_counts(runs_per_point, 0)
    points = grid_points(grid)
    scenarios = check_grid(scenario, grid)
    metas = [mc_meta(s, scenario.seed if base_seed is None else base_seed) for s in scenarios]
    jobs = [
        Job(point=tuple(p.items()), shot=s.shot, meta=m, run=i, seed=run_seed(m.base_seed, i))
        for p, s, m in zip(points, scenarios, metas)
        for i in range(runs_per_point)
    ]
    records = execute(scenario, jobs, workers=workers, scheduler=scheduler, progress=progress)
    n = runs_per_point
    return [(p, make_result(m, records[k * n : (k + 1) * n])) for k, (p, m) in enumerate(zip(points, metas))]


def _median(dist: Mapping[str, Any]) -> float:
    value = dist["median"]
    return math.nan if value is None else float(value)


def sweep_row(point: Mapping[str, Any], result: McResult) -> dict[str, Any]:
    """One table row: the point's values and the headline figures of its runs."""
    s = result.summary()
    track, warn = s["track"], s["warning"]
    row: dict[str, Any] = {key: (str(v) if isinstance(v, (list, tuple)) else v) for key, v in point.items()}
    row.update(
        runs=s["runs"],
        failed_runs=s["failed_runs"],
        runs_with_track=track["runs_with_track"],
        pos_rmse_m=math.nan if track["pos_rmse_m"] is None else track["pos_rmse_m"],
        vel_rmse_mps=math.nan if track["vel_rmse_mps"] is None else track["vel_rmse_mps"],
        nees_mean=math.nan if track["nees_mean"] is None else track["nees_mean"],
        first_detection_s_median=_median(s["first_detection_s"]),
        fraction_warned=math.nan if warn["fraction_warned"] is None else warn["fraction_warned"],
        warning_time_s_median=_median(warn["warning_time_s"]),
        warning_time_s_q05=math.nan if warn["warning_time_s"]["q05"] is None else warn["warning_time_s"]["q05"],
    )
    for entry in s["impact_error_km"]:
        row[f"impact_error_km_{entry['after_first_detection_s']:g}s_median"] = _median(entry)
    return row


def run_sweep(
    scenario: Scenario,
    grid: Mapping[str, Sequence[Any]],
    runs_per_point: int,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    base_seed: int | None = None,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Monte Carlo at every point of a parameter grid, as one table (a row per point).

    ``grid`` maps keys of :func:`~sprn.scenario.apply_point` (e.g.
    ``"network.preset"``, ``"links.latency_s"``, ``"sites.mishelevka.revisit_s"``,
    ``"missile.azimuth_deg"``) to the values to try; every combination is a point. Run
    ``i`` of every point has the same seed (common random numbers), so differences between
    points are not masked by different noise. Each distinct shot is flown once.
    """
    return [sweep_row(p, r) for p, r in sweep_results(
        scenario, grid, runs_per_point, workers=workers, scheduler=scheduler, base_seed=base_seed, progress=progress
    )]

