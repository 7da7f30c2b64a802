"""One run of a scenario: fly the scene, simulate the network, score the track.

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
from sprn.scenescore import SceneScore, score_scene
from sprn.tracking.consistency import nees
from sprn.tracking.models import BallisticModel
from sprn.tracking.track import Track, TrackEstimate
from sprn.trajectory import Trajectory, fly
from sprn.trajectory.scene import Scene, fly_scene

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackScore:
    """Track errors against the truth at each update of the reentry vehicle's tracks (state
    order x, y, z, vx, vy, vz), with each update's NEES, NIS and its degrees of freedom."""

    t_s: FloatArray
    error: FloatArray
    nees: FloatArray
    nis: FloatArray
    dof: NDArray[np.int_]

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
    """Everything one run produced, and its scores against the truth.

    ``scene`` is every object flown; ``truth`` its first missile's reentry vehicle (the
    track is scored against it).
    """

    scenario: Scenario
    seed: int
    truth: Trajectory
    output: sim.SimOutput
    score: TrackScore
    prediction_errors_km: tuple[float, ...]
    scene_score: SceneScore
    launch: LaunchEstimate | None = None
    launch_error_km: float | None = None
    scene: Scene | None = None

    @property
    def rv_history(self) -> list[TrackEstimate]:
        """The estimates of the tracks that followed the reentry vehicle, in time order (what
        :attr:`score` scores; for one object, every estimate)."""
        return rv_history(self.output)

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


def rv_tracks(output: sim.SimOutput, rv_id: str = sim.RV_ID) -> list[Track]:
    """The tracks that followed the reentry vehicle ``rv_id`` (most of their reports were its)."""
    labels = output.label_map()
    out = []
    for tr in output.tracker.tracks:
        mine = sum(rv_id in labels.get(id(d), ()) for d in tr.reports)
        if tr.reports and mine > len(tr.reports) / 2:
            out.append(tr)
    return out


def rv_history(output: sim.SimOutput) -> list[TrackEstimate]:
    """The estimates of the reentry vehicle's tracks (:func:`rv_tracks`) in time order."""
    return sorted((e for tr in rv_tracks(output) for e in tr.history), key=lambda e: e.t_s)


def score_track(truth: Trajectory, output: sim.SimOutput) -> TrackScore:
    """Errors, NEES and NIS of every update of the reentry vehicle's tracks against its truth."""
    hist = rv_history(output)
    if not hist:
        empty = np.zeros((0, 6))
        return TrackScore(t_s=np.zeros(0), error=empty, nees=np.zeros(0), nis=np.zeros(0), dof=np.zeros(0, dtype=int))
    t = np.array([e.t_s for e in hist])
    x = np.array([e.x for e in hist])
    p = np.array([e.p for e in hist])
    err = x - truth.state(t)
    return TrackScore(t_s=t, error=err, nees=_nees_or_nan(err, p), nis=np.array([e.nis for e in hist]),
                      dof=np.array([e.dof for e in hist], dtype=int))


def _nees_or_nan(err: FloatArray, p: FloatArray) -> FloatArray:
    """NEES of each update; NaN where the covariance is not a usable one (a track started on
    false alarms can reach singular or non-finite covariances)."""
    try:
        return nees(err, p)
    except np.linalg.LinAlgError:
        out = np.full(len(err), np.nan)
        for i in range(len(err)):
            try:
                out[i] = float(nees(err[i], p[i]))
            except np.linalg.LinAlgError:
                continue
        return out


LAUNCH_ESTIMATE_AFTER_S = 180.0
SCENE_STREAM = 4
"""Key of the scene's draws (debris) beside the scenario's seed: the scene is the scenario's
truth, the same in every run of it (a run's seed varies the radars' luck, not the sky)."""


def fly_scenario(scenario: Scenario, first: Trajectory | None = None) -> Scene:
    """Every object of the scenario's missiles (:func:`~sprn.trajectory.scene.fly_scene`).

    ``first``: the first missile's reentry vehicle, if already flown. Debris draws come
    from the scenario's seed.

    Raises
    ------
    ScenarioError
        Naming the missile's table, for a shot its missile cannot fly.
    """
    flights = [] if first is None else [first]
    for i in range(len(flights), len(scenario.shots)):
        try:
            flights.append(fly(scenario.shots[i]))
        except ShotError as exc:  # a shot the missile cannot fly: the scenario's table asked for it
            raise missile_error(scenario.path, exc, scenario.missile_table(i)) from None
    rng = np.random.default_rng(np.random.SeedSequence([scenario.seed, SCENE_STREAM]))
    return fly_scene(scenario.shots, scenario.launch_times_s, scenario.scene, rng, flights)


def run_scenario(
    scenario: Scenario, seed: int | None = None, truth: Trajectory | Scene | None = None, launch_point: bool = False
) -> RunResult:
    """Fly (unless ``truth`` is given), simulate and score one run of ``scenario``.

    ``seed`` overrides the scenario's seed; passing the truth (the scene, or the first
    missile's reentry vehicle, from which the scene is completed) lets Monte Carlo loops
    that vary only the noise fly the missile once. With ``launch_point``, the launch point
    is estimated from the track 180 s after the first detection (about a second more: it
    flies the threat library's missile once).
    """
    seed = scenario.seed if seed is None else seed
    scene = truth if isinstance(truth, Scene) else fly_scenario(scenario, truth)
    truth = scene.reentry_vehicles()[0].trajectory
    sim_config = scenario.sim
    output = sim.run(scene, scenario.sites, seed, scenario.tracker, sim_config, scenario.scene, scenario.space,
                     scenario.epoch)
    scene_score = score_scene(scene.objects, output, scene.t_end_s, output.class_history)
    aim = _predicted_warhead(scene, scene_score, output.threat_track_id) or truth
    errors = tuple(
        float(geo.geodesic_distance_m(p.lat_deg, p.lon_deg, aim.impact_lat_deg, aim.impact_lon_deg)) / 1000.0
        for p in output.predictions
    )
    launch = _launch_estimate(scenario, truth, output, sim_config) if launch_point else None
    return RunResult(
        scenario=scenario,
        seed=seed,
        truth=truth,
        output=output,
        score=score_track(truth, output),
        scene_score=scene_score,
        prediction_errors_km=errors,
        launch=launch,
        launch_error_km=None if launch is None else float(
            geo.geodesic_distance_m(launch.lat_deg, launch.lon_deg, truth.launch_lat_deg, truth.launch_lon_deg)
        ) / 1000.0,
        scene=scene,
    )


def _predicted_warhead(scene: Scene, scene_score: SceneScore, track_id: int | None) -> Trajectory | None:
    """The reentry vehicle whose impact the principal threat track's predictions are scored
    against: that of the missile whose object the track followed (the scene score's
    :attr:`~sprn.scenescore.TrackFigures.object`), so that in a salvo a track of the third
    missile is not scored against the first one's impact; None (the first missile's) for a
    track of false alarms or none."""
    followed = next((t.object for t in scene_score.tracks if t.id == track_id), None)
    if followed is None:
        return None
    missile = next(o.missile for o in scene.objects if o.id == followed)
    return next((o.trajectory for o in scene.reentry_vehicles() if o.missile == missile), None)


def _launch_estimate(
    scenario: Scenario, truth: Trajectory, output: sim.SimOutput, config: sim.SimConfig
) -> LaunchEstimate | None:
    """The launch point from the track at first detection + 180 s (None without a track then)."""
    first = output.first_detection_s
    tid = output.threat_track_id
    hist = next((tr.history for tr in output.tracker.tracks if tr.id == tid), output.tracker.history)
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
    """Per site, radars then satellites (``kind``): reports, false alarms among them, first and
    last detection of an object (s after the epoch)."""
    rows = []
    out = result.output
    for site in result.scenario.sites:
        mine = [(d, ids) for d, ids in zip(out.detections, out.detection_objects) if d.site == site.name]
        times = [d.t_s for d, ids in mine if ids]
        snrs = [d.snr_db for d, ids in mine if ids]
        rows.append(
            {
                "name": site.name,
                "detections": len(mine),
                "false_alarms": sum(1 for _, ids in mine if not ids),
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
