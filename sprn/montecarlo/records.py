"""Per-run records: what one Monte Carlo run sends back, and the seeds runs are made from.

A worker turns a full :class:`~sprn.engagement.RunResult` (truth, detections, track
history: megabytes) into a :class:`RunRecord` of a few hundred numbers. A record holds
*sums* (squared errors, NEES, NIS) rather than means, so that every aggregate over many
runs is a function of the records alone, computed the same way however the runs were
split between calls, workers or machines: :func:`sprn.montecarlo.combine` of two results
made with disjoint run indices equals one result over their union, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sprn.engagement import RunResult

FloatArray = NDArray[np.float64]
NAN = float("nan")
STATE_DIM = 6
"""Dimension of the track state (x, y, z, vx, vy, vz): the degrees of freedom of its NEES."""


def run_seed(base_seed: int, run: int) -> int:
    """The seed of run ``run`` of a Monte Carlo over ``base_seed``.

    Derived with numpy's ``SeedSequence([base_seed, run])`` (a hash of both integers), so
    run ``i`` gets the same seed whichever call, worker or machine runs it, and seeds of
    different runs are unrelated streams rather than neighbouring integers. 63 bits, so the
    seed stays a non-negative integer in JSON and CSV.
    """
    if base_seed < 0 or run < 0:
        raise ValueError(f"run_seed: base_seed = {base_seed}, run = {run}: expected non-negative integers")
    word = np.random.SeedSequence([base_seed, run]).generate_state(1, np.uint64)[0]
    return int(word) >> 1


@dataclass(frozen=True, slots=True, kw_only=True)
class McMeta:
    """What the runs of a Monte Carlo share; two results combine only if theirs are equal.

    ``grid_step_s``: spacing of the common time grid (s after launch) the track errors are
    sampled on; ``max_age_s``: a grid time takes the error of the latest track update at or
    before it, if that update is at most this old (else it has no value);
    ``checkpoints_s``: impact-prediction checkpoints (s after the first detection);
    ``sites``: names of the scenario's radar sites, in order; ``territory``: the defended
    territory of the warning rule.
    """

    scenario_name: str
    scenario_path: str
    base_seed: int
    grid_step_s: float
    max_age_s: float
    checkpoints_s: tuple[float, ...]
    sites: tuple[str, ...]
    territory: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario_name": self.scenario_name,
            "scenario_path": self.scenario_path,
            "base_seed": self.base_seed,
            "grid_step_s": self.grid_step_s,
            "max_age_s": self.max_age_s,
            "checkpoints_s": list(self.checkpoints_s),
            "sites": list(self.sites),
            "territory": self.territory,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> McMeta:
        return cls(
            scenario_name=str(data["scenario_name"]),
            scenario_path=str(data["scenario_path"]),
            base_seed=int(data["base_seed"]),
            grid_step_s=float(data["grid_step_s"]),
            max_age_s=float(data["max_age_s"]),
            checkpoints_s=tuple(float(c) for c in data["checkpoints_s"]),
            sites=tuple(str(s) for s in data["sites"]),
            territory=None if data["territory"] is None else str(data["territory"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRecord:
    """The summary of one run: sums over its track updates, its events, its grid samples.

    Times are s after launch, NaN when the event did not happen. ``error`` is empty for a
    run that was simulated, else why it was not (e.g. a shot that cannot be flown).
    ``grid_*`` hold the values on the common grid ``t_k = k * grid_step_s`` from
    ``k = grid_start`` on (NaN where the track had no recent update): squared position
    error (m^2), squared velocity error (m^2/s^2) and NEES. ``impact_error_km`` follows
    the checkpoints of :class:`McMeta`, ``site_first_detection_s`` its sites. The scene's
    figures (:mod:`sprn.scenescore`): mean GOSPA, identity switches, confirmed and false
    tracks, and when the (first) reentry vehicle's track was classified correctly.
    """

    run: int
    seed: int
    error: str = ""
    t_impact_s: float = NAN
    updates: int = 0
    sq_pos_sum_m2: float = 0.0
    sq_vel_sum_m2_s2: float = 0.0
    nees_sum: float = 0.0
    nis_sum: float = 0.0
    nis_count: int = 0
    nis_dof_sum: int = 0
    grid_start: int = 0
    grid_sq_pos_m2: tuple[float, ...] = ()
    grid_sq_vel_m2_s2: tuple[float, ...] = ()
    grid_nees: tuple[float, ...] = ()
    impact_error_km: tuple[float, ...] = ()
    first_detection_s: float = NAN
    track_confirmed_s: float = NAN
    warning_s: float = NAN
    site_first_detection_s: tuple[float, ...] = ()
    gospa_mean_m: float = NAN
    identity_switches: int = 0
    tracks_confirmed: int = 0
    false_tracks: int = 0
    rv_classified_s: float = NAN

    @property
    def pos_rmse_m(self) -> float:
        """Position RMSE over this run's track updates, m."""
        return math.sqrt(self.sq_pos_sum_m2 / self.updates) if self.updates else NAN

    @property
    def vel_rmse_mps(self) -> float:
        """Velocity RMSE over this run's track updates, m/s."""
        return math.sqrt(self.sq_vel_sum_m2_s2 / self.updates) if self.updates else NAN

    @property
    def nees_mean(self) -> float:
        return self.nees_sum / self.updates if self.updates else NAN

    @property
    def nis_mean(self) -> float:
        return self.nis_sum / self.nis_count if self.nis_count else NAN

    @property
    def warning_time_s(self) -> float:
        """Time from the warning to the impact, s (NaN without a warning)."""
        return self.t_impact_s - self.warning_s

    def first_site(self, sites: Sequence[str]) -> str | None:
        """The site that detected the target first (``sites`` as in :class:`McMeta`)."""
        times = np.array(self.site_first_detection_s, dtype=float)
        if not len(times) or not np.isfinite(times).any():
            return None
        return sites[int(np.nanargmin(times))]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN as None); :meth:`from_dict` restores the record exactly."""
        out: dict[str, Any] = {}
        for f in fields(self):
            name, value = f.name, getattr(self, f.name)
            out[name] = [_json_float(v) for v in value] if isinstance(value, tuple) else _json_float(value)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRecord:
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            name, value = f.name, data[f.name]
            if f.type == "int":  # the annotations are strings (postponed evaluation)
                kwargs[name] = int(value)
            elif name == "error":
                kwargs[name] = str(value)
            elif isinstance(value, list):
                kwargs[name] = tuple(NAN if v is None else float(v) for v in value)
            else:
                kwargs[name] = NAN if value is None else float(value)
        return cls(**kwargs)


def _json_float(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def failed_record(run: int, seed: int, error: str, meta: McMeta) -> RunRecord:
    """The record of a run that could not be simulated (e.g. its shot cannot be flown)."""
    return RunRecord(
        run=run,
        seed=seed,
        error=error,
        impact_error_km=(NAN,) * len(meta.checkpoints_s),
        site_first_detection_s=(NAN,) * len(meta.sites),
    )


def sample_on_grid(t_update_s: FloatArray, values: FloatArray, t_grid_s: FloatArray, max_age_s: float) -> FloatArray:
    """Hold the latest update's value at each grid time, if no older than ``max_age_s``.

    ``values`` has one row per update (times ``t_update_s``, increasing); the result has
    one row per grid time, NaN before the first update and where the latest is too old.
    """
    idx = np.searchsorted(t_update_s, t_grid_s, side="right") - 1
    out = np.full((len(t_grid_s), *values.shape[1:]), np.nan)
    ok = idx >= 0
    ok[ok] = t_grid_s[ok] - t_update_s[idx[ok]] <= max_age_s
    out[ok] = values[idx[ok]]
    return out


def _trimmed(rows: FloatArray) -> tuple[int, FloatArray]:
    """The first and last grid rows with a value, and the rows between them."""
    defined = np.flatnonzero(np.isfinite(rows[:, 0]))
    if not len(defined):
        return 0, rows[:0]
    return int(defined[0]), rows[defined[0] : defined[-1] + 1]


def summarise(result: RunResult, run: int, meta: McMeta) -> RunRecord:
    """Reduce a run to its record (see :class:`RunRecord`)."""
    score, out, truth = result.score, result.output, result.truth
    sq_pos = np.sum(score.error[:, :3] ** 2, axis=1)
    sq_vel = np.sum(score.error[:, 3:] ** 2, axis=1)
    nis_ok = np.isfinite(score.nis)
    dofs = score.dof
    t_grid = np.asarray(meta.grid_step_s * np.arange(int(truth.t_impact_s // meta.grid_step_s) + 1), dtype=np.float64)
    grid = sample_on_grid(score.t_s, np.column_stack([sq_pos, sq_vel, score.nees]), t_grid, meta.max_age_s)
    start, grid = _trimmed(grid)
    impact = []
    for after in meta.checkpoints_s:
        found = result.prediction_at(after)
        impact.append(NAN if found is None else float(found[1]))
    first_by_site: dict[str, float] = {}
    for det in out.detections:
        first_by_site[det.site] = min(det.t_s, first_by_site.get(det.site, math.inf))
    return RunRecord(
        run=run,
        seed=result.seed,
        t_impact_s=float(truth.t_impact_s),
        updates=len(score.t_s),
        sq_pos_sum_m2=float(np.sum(sq_pos)),
        sq_vel_sum_m2_s2=float(np.sum(sq_vel)),
        nees_sum=float(np.sum(score.nees)),
        nis_sum=float(np.sum(score.nis[nis_ok])),
        nis_count=int(np.count_nonzero(nis_ok)),
        nis_dof_sum=int(np.sum(dofs[nis_ok])) if len(dofs) else 0,
        grid_start=start,
        grid_sq_pos_m2=tuple(map(float, grid[:, 0])),
        grid_sq_vel_m2_s2=tuple(map(float, grid[:, 1])),
        grid_nees=tuple(map(float, grid[:, 2])),
        impact_error_km=tuple(impact),
        first_detection_s=_or_nan(out.first_detection_s),
        track_confirmed_s=_or_nan(out.first_event_s("track_confirmed")),
        warning_s=_or_nan(out.first_event_s("warning")),
        site_first_detection_s=tuple(first_by_site.get(name, NAN) for name in meta.sites),
        gospa_mean_m=result.scene_score.mean_gospa_m,
        identity_switches=result.scene_score.identity_switches,
        tracks_confirmed=len(result.scene_score.confirmed),
        false_tracks=result.scene_score.false_tracks,
        rv_classified_s=_or_nan(next((o.classified_s for o in result.scene_score.objects
                                      if o.kind == "reentry-vehicle"), None)),
    )


def _or_nan(value: float | None) -> float:
    return NAN if value is None else float(value)
