"""Lift-off-to-impact measurement sets from sprn's own simulation, for the default tracker's
accuracy tests (tests/accuracy/test_default_tracker.py) and benchmarks/bench_track.py.

The Kusong shot of 14 May 2017 (the flagship's, from its scenario file), its reentry
vehicle's ballistic coefficient drawn per run, seen by three radars of fixed accuracy
written here: one near Seoul that sees the boost from about 50 s after lift-off, one
near Nakhodka and one near Kyoto. The radars are assumptions for a test, not real sites.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sprn import scenario, sim
from sprn.missiles import load_missile
from sprn.radar import Detection, Site
from sprn.tracking import Tracker, TrackerConfig, nees
from sprn.trajectory import Trajectory
from sprn.trajectory.flight import fly_guided
from sprn.trajectory.solver import plan_shot

ROOT = Path(__file__).resolve().parents[2]
BETA_RANGE_KG_M2 = (2000.0, 10000.0)
"""Reentry vehicles' ballistic coefficients (issue 14): drawn per run, never told to the tracker."""
CUT_BEFORE_IMPACT_S = 3.0
"""The files end this long before impact, as a radar loses a target at the horizon's clutter."""


def sites() -> list[Site]:
    """Three radars of fixed accuracy (50 m, 0.05 deg; revisit 2 s near the launch, 3.5 s elsewhere)."""
    common = {"alt_m": 50.0, "sigma_range_m": 50.0, "sigma_az_deg": 0.05, "sigma_el_deg": 0.05, "min_el_deg": 0.5}
    return [
        Site.from_degrees(name="launch-watch", lat_deg=37.5, lon_deg=127.0, revisit_s=2.0, max_range_km=3000.0,
                          **common),
        Site.from_degrees(name="nakhodka", lat_deg=42.82, lon_deg=132.89, revisit_s=3.5, max_range_km=6000.0,
                          **common),
        Site.from_degrees(name="kyoto", lat_deg=35.01, lon_deg=135.77, revisit_s=3.5, max_range_km=6000.0,
                          **common),
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """One run's truth (its reentry vehicle with ballistic coefficient ``beta_kg_m2``) and reports."""

    truth: Trajectory
    beta_kg_m2: float
    detections: list[Detection]
    sites: dict[str, Site]


def case(seed: int) -> Case:
    """The measurement set of run ``seed``: beta uniform in :data:`BETA_RANGE_KG_M2`, noise of ``seed``."""
    shot = scenario.load(ROOT / "scenarios" / "kusong-2017-05-14.toml").shot
    rng = np.random.default_rng(seed)
    beta = float(rng.uniform(*BETA_RANGE_KG_M2))
    guidance, _ = plan_shot(shot)
    missile = dataclasses.replace(load_missile(shot.missile), rv_beta_kg_m2=beta * load_missile(shot.missile).payload_kg
                                  / guidance.payload_kg)
    truth = fly_guided(missile, guidance, shot.launch_lat_deg, shot.launch_lon_deg, shot.launch_alt_m)
    radars = sites()
    quiet = TrackerConfig(init_min_fixes=10**9)  # the simulation's own tracker stays idle
    out = sim.run(truth, radars, seed, quiet, sim.SimConfig(predict_every_s=1e9, checkpoints_s=()))
    dets = [d for d in out.detections if d.t_s <= truth.t_impact_s - CUT_BEFORE_IMPACT_S]
    return Case(truth=truth, beta_kg_m2=beta, detections=dets, sites={s.name: s for s in radars})


PHASES = ("boost", "midcourse", "reentry")


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseScore:
    """A track's figures in one flight phase: states, mean NEES, position and velocity RMSE."""

    n: int
    nees: float
    rmse_m: float
    rmse_mps: float


def track(c: Case, config: TrackerConfig) -> Tracker:
    """Run the tracker over a case's reports."""
    tk = Tracker(sites=c.sites, config=config)
    for d in c.detections:
        tk.update(d)
    return tk


def phase_scores(c: Case, tk: Tracker, after_s: float = -np.inf) -> dict[str, PhaseScore]:
    """Per flight phase (the truth's), the track's figures over its estimates after ``after_s``."""
    hist = [e for e in tk.history if e.t_s > after_s]
    t = np.array([e.t_s for e in hist])
    err = np.array([e.x for e in hist]) - c.truth.state(t)
    nees_all = nees(err, np.array([e.p for e in hist]))
    phase = c.truth.phase(t)
    out = {}
    for name in PHASES:
        sel = phase == name
        if sel.any():
            out[name] = PhaseScore(n=int(sel.sum()), nees=float(nees_all[sel].mean()),
                                   rmse_m=float(np.sqrt(np.mean(np.sum(err[sel, :3] ** 2, axis=1)))),
                                   rmse_mps=float(np.sqrt(np.mean(np.sum(err[sel, 3:] ** 2, axis=1)))))
    return out
