"""Score a ``track.csv`` of ``sprn track`` against an independent case's ``truth.csv``.

No sprn import: the track file is read as CSV (DESIGN.md, "Formats": ``[track_id,] t_s,
x_m, y_m, z_m, vx_mps, vy_mps, vz_mps, p00, p01, ..., p55``, ECEF with Earth-relative
velocity, the covariance's upper triangle). The truth, sampled every 0.5 s, is interpolated
to each track time by a cubic Hermite spline on position with velocity as its derivative,
and velocity likewise from finite differences of velocity (second-order; its error is far
below any track's). Every state of every track is scored: a measurement file holds one
object, so each track is an estimate of it.

Per phase (``boost``, ``midcourse``, ``reentry``: the truth's ``phase`` column at the track
time): number of states, mean NEES ``e' P^-1 e`` (6-dim, e = estimate - truth), position
and velocity RMSE. Also the delay from the first report of ``measurements.csv`` to the first
track state.

Command line: ``python tests/independent/scoring.py TRACK_CSV CASE_DIR``.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.interpolate import CubicHermiteSpline

PHASES = ("boost", "midcourse", "reentry")
STATE_COLUMNS = ("t_s", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps")


@dataclass(frozen=True)
class PhaseScore:
    phase: str
    n: int
    mean_nees: float
    pos_rmse_m: float
    vel_rmse_mps: float
    max_nees: float


@dataclass(frozen=True)
class Score:
    phases: dict
    first_report_s: float
    first_state_s: float | None
    n_tracks: int

    @property
    def delay_s(self) -> float | None:
        return None if self.first_state_s is None else self.first_state_s - self.first_report_s

    def table(self) -> str:
        lines = [f"{'phase':<10} {'n':>5} {'mean NEES':>12} {'max NEES':>12} {'pos RMSE m':>12} "
                 f"{'vel RMSE m/s':>13}"]
        for p in PHASES:
            s = self.phases[p]
            lines.append(f"{p:<10} {s.n:>5} {s.mean_nees:>12.4g} {s.max_nees:>12.4g} {s.pos_rmse_m:>12.1f} "
                         f"{s.vel_rmse_mps:>13.2f}")
        delay = "no track" if self.delay_s is None else f"{self.delay_s:.1f} s"
        lines.append(f"tracks: {self.n_tracks}; first report {self.first_report_s:.1f} s, first track state "
                     f"delay {delay}")
        return "\n".join(lines)


def read_track(path):
    """Track ids (or None), times ``(N,)``, states ``(N, 6)`` and covariances ``(N, 6, 6)``."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    header = [h.strip() for h in rows[0]]
    body = [r for r in rows[1:] if r]
    iu = np.triu_indices(6)
    pcols = [header.index(f"p{i}{j}") for i, j in zip(*iu)]
    scols = [header.index(c) for c in STATE_COLUMNS]
    ids = [r[header.index("track_id")] for r in body] if "track_id" in header else None
    data = np.array([[float(r[c]) for c in scols] for r in body]).reshape(-1, 7)
    up = np.array([[float(r[c]) for c in pcols] for r in body]).reshape(-1, 21)
    p = np.zeros((len(body), 6, 6))
    p[:, iu[0], iu[1]] = up
    p = p + np.triu(p, 1).transpose(0, 2, 1)
    return ids, data[:, 0], data[:, 1:], p


def read_truth(path):
    """Times ``(M,)``, Earth-fixed states ``(M, 6)`` and phase labels ``(M,)`` of a ``truth.csv``."""
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    t = np.array([float(r["t_s"]) for r in rows])
    x = np.array([[float(r[c]) for c in STATE_COLUMNS[1:]] for r in rows])
    return t, x, np.array([r["phase"] for r in rows])


def truth_at(t_truth, x_truth, t):
    """Truth interpolated to times ``t``: cubic Hermite on position (velocity its derivative);
    velocity by a cubic Hermite with the central-difference acceleration as its derivative."""
    pos = CubicHermiteSpline(t_truth, x_truth[:, :3], x_truth[:, 3:])(t)
    acc = np.gradient(x_truth[:, 3:], t_truth, axis=0)
    vel = CubicHermiteSpline(t_truth, x_truth[:, 3:], acc)(t)
    return np.hstack([pos, vel])


def phase_at(t_truth, phase, t):
    """The truth's phase label at each time (that of the last truth sample at or before it)."""
    k = np.clip(np.searchsorted(t_truth, t, side="right") - 1, 0, len(t_truth) - 1)
    return phase[k]


def first_report_s(measurements_csv) -> float:
    with open(measurements_csv, newline="") as fh:
        return min(float(r["t_s"]) for r in csv.DictReader(fh))


def score(track_csv, case_dir) -> Score:
    """Per-phase scores of a track file against a case directory's truth and measurements."""
    case_dir = Path(case_dir)
    ids, t, x, p = read_track(track_csv)
    tt, xt, ph = read_truth(case_dir / "truth.csv")
    t0 = first_report_s(case_dir / "measurements.csv")
    inside = (t >= tt[0]) & (t <= tt[-1])
    t, x, p = t[inside], x[inside], p[inside]
    e = x - truth_at(tt, xt, t)
    nees = np.einsum("ni,ni->n", e, np.linalg.solve(p, e[..., None])[..., 0]) if t.size else np.zeros(0)
    labels = phase_at(tt, ph, t)
    phases = {}
    for name in PHASES:
        sel = labels == name
        n = int(sel.sum())
        if n == 0:
            phases[name] = PhaseScore(name, 0, float("nan"), float("nan"), float("nan"), float("nan"))
            continue
        phases[name] = PhaseScore(
            phase=name, n=n, mean_nees=float(nees[sel].mean()), max_nees=float(nees[sel].max()),
            pos_rmse_m=float(np.sqrt(np.mean(np.sum(e[sel, :3] ** 2, axis=1)))),
            vel_rmse_mps=float(np.sqrt(np.mean(np.sum(e[sel, 3:] ** 2, axis=1)))))
    n_tracks = len(set(ids)) if ids is not None else (1 if t.size else 0)
    return Score(phases=phases, first_report_s=t0, first_state_s=float(t.min()) if t.size else None,
                 n_tracks=n_tracks)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python tests/independent/scoring.py TRACK_CSV CASE_DIR")
    print(score(sys.argv[1], sys.argv[2]).table())


@dataclass(frozen=True)
class ObjectScore:
    """How a scene's object was followed: ``tracks`` (the ids of the tracks nearest to it),
    ``followed`` (the share of the span scored during which one of them was within the
    cut-off), ``mean_nees`` and ``pos_rmse_m`` of those tracks' states against it."""

    object: str
    tracks: tuple
    followed: float
    mean_nees: float
    pos_rmse_m: float


@dataclass(frozen=True)
class SceneScore:
    objects: dict
    false_tracks: tuple
    n_tracks: int

    def table(self) -> str:
        lines = [f"{'object':<10} {'tracks':<16} {'followed':>9} {'mean NEES':>10} {'pos RMSE m':>11}"]
        for o in self.objects.values():
            lines.append(f"{o.object:<10} {','.join(o.tracks):<16} {o.followed:>9.3f} {o.mean_nees:>10.3g} "
                         f"{o.pos_rmse_m:>11.1f}")
        lines.append(f"tracks: {self.n_tracks}; following no object: {len(self.false_tracks)}")
        return "\n".join(lines)


def score_scene(track_csv, case_dir, t_from_s, cutoff_m=20e3, step_s=2.0, near_s=10.0,
                nees_span_s=(-np.inf, np.inf)) -> SceneScore:
    """Score a multi-track file against a scene case (``meta.json`` ``objects``, one truth
    file each). Each track follows the object its states are nearest to (median distance
    while the object exists); a track whose median distance to every object exceeds
    ``cutoff_m`` follows none (a false track). An object is followed at a time of the grid
    (every ``step_s`` from ``t_from_s`` to its impact or the end of the measurements) if a
    track of it has a state within ``near_s`` of that time and ``cutoff_m`` of the object.
    NEES and RMSE are over the states of the object's tracks inside ``nees_span_s``."""
    import json

    case_dir = Path(case_dir)
    meta = json.loads((case_dir / "meta.json").read_text())
    ids, t, x, p = read_track(track_csv)
    ids = np.array(ids if ids is not None else ["1"] * len(t))
    truths = {o["id"]: read_truth(case_dir / o["truth"])[:2] for o in meta["objects"]}
    owner, false = {}, []
    for tid in dict.fromkeys(ids):
        sel = ids == tid
        best, best_d = None, np.inf
        for name, (tt, xt) in truths.items():
            inside = (t[sel] >= tt[0]) & (t[sel] <= tt[-1])
            if not inside.any():
                continue
            d = np.median(np.linalg.norm(x[sel][inside, :3] - truth_at(tt, xt, t[sel][inside])[:, :3], axis=1))
            if d < best_d:
                best, best_d = name, d
        if best is None or best_d > cutoff_m:
            false.append(tid)
        else:
            owner[tid] = best
    objects = {}
    for name, (tt, xt) in truths.items():
        mine = [tid for tid, o in owner.items() if o == name]
        sel = np.isin(ids, mine) & (t >= tt[0]) & (t <= tt[-1])
        e = x[sel] - truth_at(tt, xt, t[sel]) if sel.any() else np.zeros((0, 6))
        near = np.linalg.norm(e[:, :3], axis=1) <= cutoff_m
        span = (t[sel] >= nees_span_s[0]) & (t[sel] <= nees_span_s[1])
        e_span, p_span = e[span], p[sel][span]
        nees = np.einsum("ni,ni->n", e_span, np.linalg.solve(p_span, e_span[..., None])[..., 0]) if span.any() else np.zeros(0)
        grid = np.arange(max(t_from_s, tt[0]), min(tt[-1], float(meta["measurement_end_s"])), step_s)
        ts = t[sel][near]
        k = np.clip(np.searchsorted(ts, grid), 1, max(len(ts) - 1, 1)) if ts.size else None
        if ts.size:
            gap = np.minimum(np.abs(ts[k - 1] - grid), np.abs(ts[np.minimum(k, len(ts) - 1)] - grid))
            followed = float(np.mean(gap <= near_s)) if grid.size else float("nan")
        else:
            followed = 0.0
        objects[name] = ObjectScore(object=name, tracks=tuple(mine), followed=followed,
                                    mean_nees=float(nees.mean()) if nees.size else float("nan"),
                                    pos_rmse_m=float(np.sqrt(np.mean(np.sum(e_span[:, :3] ** 2, axis=1)))) if span.any()
                                    else float("nan"))
    return SceneScore(objects=objects, false_tracks=tuple(false), n_tracks=len(dict.fromkeys(ids)))
