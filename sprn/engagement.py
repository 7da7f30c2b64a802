"""One run of a scenario: fly the truth, simulate the network, score the track.

``run_scenario`` is what the command line, notebooks and Monte Carlo loops call. It
returns a :class:`RunResult`, a value holding the truth, the simulation's output and the
scores against the truth; nothing here prints or writes files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sprn import geo, sim
from sprn.errors import ShotError, SprnError
from sprn.impact import ImpactPrediction
from sprn.launch import LaunchEstimate, estimate_launch_point
from sprn.scenario import Scenario, missile_error
from sprn.tracking.consistency import nees
from sprn.tracking.models import BallisticModel
from sprn.trajectory import Trajectory, fly

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackScore:
    """Track errors against the truth at each update (state order x, y, z, vx, vy, vz)."""

    t_s: FloatArray
    error: FloatArray
    nees: FloatArray
    nis: FloatArray

    @property
    def pos_rmse_m(self) -> float:
        return float(np.sqrt(np.mean(np.sum(self.error[:, :3] ** 2, axis=1)))) if len(self.t_s) else float("nan")

    @property
    def vel_rmse_mps(self) -> float:
        return float(np.sqrt(np.mean(np.sum(self.error[:, 3:] ** 2, axis=1)))) if len(self.t_s) else float("nan")

    @property
    def nees_mean(self) -> float:
        return float(np.mean(self.nees)) if len(self.nees) else float("nan")

    @property
    def nis_mean(self) -> float:
        finite = self.nis[np.isfinite(self.nis)]
        return float(np.mean(finite)) if len(finite) else float("nan")


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResult:
    """Everything one run produced, and its scores against the truth."""

    scenario: Scenario
    seed: int
    truth: Trajectory
    output: sim.SimOutput
    score: TrackScore
    prediction_errors_km: tuple[float, ...]
    launch: LaunchEstimate | None = None
    launch_error_km: float | None = None

    def assessment_at(self, after_first_detection_s: float) -> tuple[sim.Assessment, float] | None:
        """The assessment made ``after_first_detection_s`` after the first detection, and its
        prediction's error (km); None if none was made then."""
        first = self.output.first_detection_s
        if first is None:
            return None
        for assess, err in zip(self.output.assessments, self.prediction_errors_km):
            if abs(assess.prediction.t_s - first - after_first_detection_s) < 1e-6:
                return assess, err
        return None

    def prediction_at(self, after_first_detection_s: float) -> tuple[ImpactPrediction, float] | None:
        """The prediction made ``after_first_detection_s`` after the first detection, and its error (km)."""
        found = self.assessment_at(after_first_detection_s)
        return None if found is None else (found[0].prediction, found[1])


def score_track(truth: Trajectory, output: sim.SimOutput) -> TrackScore:
    """Errors, NEES and NIS of every track update against the truth."""
    hist = output.tracker.history
    if not hist:
        empty = np.zeros((0, 6))
        return TrackScore(t_s=np.zeros(0), error=empty, nees=np.zeros(0), nis=np.zeros(0))
    t = np.array([e.t_s for e in hist])
    x = np.array([e.x for e in hist])
    p = np.array([e.p for e in hist])
    err = x - truth.state(t)
    return TrackScore(t_s=t, error=err, nees=nees(err, p), nis=np.array([e.nis for e in hist]))


LAUNCH_ESTIMATE_AFTER_S = 180.0


def run_scenario(
    scenario: Scenario, seed: int | None = None, truth: Trajectory | None = None, launch_point: bool = False
) -> RunResult:
    """Fly (unless ``truth`` is given), simulate and score one run of ``scenario``.

    ``seed`` overrides the scenario's seed; passing the truth lets Monte Carlo loops that
    vary only the noise fly the missile once. With ``launch_point``, the launch point is
    estimated from the track 180 s after the first detection (about a second more: it
    flies the threat library's missile once).
    """
    seed = scenario.seed if seed is None else seed
    if truth is None:
        try:
            truth = fly(scenario.shot)
        except ShotError as exc:  # a shot the missile cannot fly: the scenario's [missile] asked for it
            raise missile_error(scenario.path, exc) from None
    sim_config = scenario.sim
    output = sim.run(truth, scenario.sites, seed, scenario.tracker, sim_config, scenario.space, scenario.epoch)
    errors = tuple(
        float(geo.geodesic_distance_m(p.lat_deg, p.lon_deg, truth.impact_lat_deg, truth.impact_lon_deg)) / 1000.0
        for p in output.predictions
    )
    launch = _launch_estimate(scenario, truth, output, sim_config) if launch_point else None
    return RunResult(
        scenario=scenario,
        seed=seed,
        truth=truth,
        output=output,
        score=score_track(truth, output),
        prediction_errors_km=errors,
        launch=launch,
        launch_error_km=None if launch is None else float(
            geo.geodesic_distance_m(launch.lat_deg, launch.lon_deg, truth.launch_lat_deg, truth.launch_lon_deg)
        ) / 1000.0,
    )


def _launch_estimate(
    scenario: Scenario, truth: Trajectory, output: sim.SimOutput, config: sim.SimConfig
) -> LaunchEstimate | None:
    """The launch point from the track at first detection + 180 s (None without a track then)."""
    first = output.first_detection_s
    hist = output.tracker.history
    if first is None or not hist:
        return None
    t = first + LAUNCH_ESTIMATE_AFTER_S
    done = [e for e in hist if e.t_s <= t]
    if not done or t >= truth.t_impact_s:
        return None
    last = done[-1]
    model = BallisticModel(q_m2_s3=scenario.tracker.q_m2_s3)
    x, p = model.predict(np.array(last.x), np.array(last.p), t - last.t_s)
    try:
        return estimate_launch_point(x, p, t, scenario.shot.missile, config.inv_beta_m2_kg)
    except SprnError:
        return None


def site_summary(result: RunResult) -> list[dict[str, Any]]:
    """Per site, radars then satellites (``kind``): detections, first and last detection times (s after launch)."""
    rows = []
    for site in result.scenario.sites:
        times = [d.t_s for d in result.output.detections if d.site == site.name]
        snrs = [d.snr_db for d in result.output.detections if d.site == site.name]
        rows.append(
            {
                "name": site.name,
                "detections": len(times),
                "dwells": len(result.output.dwells.get(site.name, ())),
                "first_detection_s": min(times) if times else None,
                "last_detection_s": max(times) if times else None,
                "first_detection_snr_db": snrs[0] if snrs else None,
                "first_cue_s": result.output.first_cue_s.get(site.name),
                "kind": "radar",
            }
        )
    space = result.scenario.space
    for sat in space.satellites if space is not None else ():
        dets = [d for d in result.output.space_detections if d.site == sat.name]
        rows.append(
            {
                "name": sat.name,
                "detections": len(dets),
                "dwells": None,
                "first_detection_s": dets[0].t_s if dets else None,
                "last_detection_s": dets[-1].t_s if dets else None,
                "first_detection_snr_db": dets[0].snr_db if dets else None,
                "first_cue_s": None,
                "kind": "satellite",
                "system": sat.system,
                "status": sat.status,
            }
        )
    return rows


def first_echelon(result: RunResult) -> dict[str, Any]:
    """Which echelon saw the missile first: the first detection by the satellites and by the radars."""
    space = min((d.t_s for d in result.output.space_detections), default=None)
    radar = result.output.first_detection_s
    first = None
    if space is not None or radar is not None:
        first = "space" if radar is None or (space is not None and space < radar) else "radar"
    return {"first": first, "space_first_detection_s": space, "radar_first_detection_s": radar,
            "gain_s": None if space is None or radar is None else radar - space}
