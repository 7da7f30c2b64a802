"""The discrete-event simulation: radar sites, links and a command centre on a SimPy clock.

The only module with a clock. The chain modelled is the one a warning runs along:

* **Sites.** Each radar is a SimPy process. Its scheduler runs on a frame clock of the
  track revisit from a random phase; in search it dwells every ``revisit_s`` (a whole
  number of frames), and once it has seen the target or been cued it dwells every frame
  with the longer track dwell. A dwell on a target inside coverage detects it with the
  probability of the radar equation (``sprn.radar.detection.dwell_at``); a detection is a
  noisy measurement. Each dwell draws its random numbers from its own stream, keyed by
  site and frame, so cueing a radar changes when it looks, not what luck it has.
* **Links.** A report reaches the command centre after the link's latency plus a
  uniform jitter, or is lost with the link's loss probability.
* **Command centre.** Reports are held in a reorder buffer for the largest latency plus
  jitter of any link, then fed to the tracker in measurement-time order. Out-of-sequence
  reports are thereby used exactly (the track equals that of time-ordered processing)
  at the cost of a fixed delay; retrodiction would save that delay but needs the
  filter's past states, and a bounded hold is what operational centres do with slow
  links. The centre confirms the track (M of N), cues the radars that have not yet seen
  the target, assesses the threat on a schedule (impact prediction and the probability
  that it lands on the defended territory) and issues the warning.

Truth is a value computed before the run; nothing here integrates the missile.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import simpy
from numpy.typing import NDArray

from sprn import geo
from sprn.impact import ImpactPrediction, predict_impact, territory_probabilities
from sprn.radar.coverage import visible
from sprn.radar.detection import dwell_at, dwell_geometry, radar_snr
from sprn.radar.measurement import Detection, noisy_measurement
from sprn.radar.network import rcs_model
from sprn.radar.site import Site
from sprn.space import infrared
from sprn.space.launch_area import LaunchArea, azimuth_from_positions, estimate_launch_area
from sprn.space.measurement import AnglesDetection, Observer, measure_angles, triangulate
from sprn.space.network import SpaceNetwork, SpaceSensor
from sprn.streams import KeyedStreams
from sprn.territory import Territory, distance_to_territory_km
from sprn.tracking.config import (
    RV_INV_BETA_M2_KG,
    RV_SIGMA_INV_BETA_M2_KG,
    TrackerConfig,
)
from sprn.tracking.tracker import Tracker

FloatArray = NDArray[np.float64]
RCS_BY_PHASE = {"boost": "booster-boost", "midcourse": "reentry-vehicle", "reentry": "reentry-vehicle"}


class Truth(Protocol):
    """What the simulation needs of a trajectory."""

    @property
    def t_impact_s(self) -> float: ...

    def state(self, t_s: Any) -> FloatArray: ...

    def phase(self, t_s: Any) -> NDArray[np.str_]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """A report link from a site to the command centre: delay ``latency_s + U(0, jitter_s)``."""

    latency_s: float = 2.0
    jitter_s: float = 0.0
    loss: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Threat:
    """The command centre's warning rule.

    A warning is issued at the first assessment whose impact distribution puts at least
    ``p_threshold`` of its mass on ``territory``'s land, or whose predicted point is
    within ``alert_distance_km`` of it (0 turns the distance rule off).
    ``report_territories`` are assessed too, from the same samples, and reported beside
    it; they never trigger a warning.
    """

    territory: Territory | None = None
    p_threshold: float = 0.05
    alert_distance_km: float = 0.0
    report_territories: tuple[Territory, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SimConfig:
    """Settings of the simulated chain (scenario tables ``[links]``, ``[command_centre]``, ``[threat]``).

    ``links``: per-site link overrides of ``link``; ``confirm_m`` of ``confirm_n``: track
    confirmation; ``cueing``: whether a confirmed track cues the other radars;
    ``predict_every_s``: interval between threat assessments once a track is confirmed;
    ``checkpoints_s``: extra assessments at these times after the first detection;
    ``inv_beta_m2_kg`` and ``sigma_inv_beta_m2_kg``: the inverse ballistic coefficient the
    centre assumes for the reentry vehicle, and its uncertainty (default: unknown, the one
    default of :mod:`sprn.tracking.config`; a scenario's ``ballistic_coefficient_kg_m2``
    tells it).
    """

    link: Link = field(default_factory=Link)
    links: Mapping[str, Link] = field(default_factory=dict)
    confirm_m: int = 3
    confirm_n: int = 5
    cueing: bool = True
    predict_every_s: float = 60.0
    checkpoints_s: tuple[float, ...] = (60.0, 180.0, 600.0)
    inv_beta_m2_kg: float = RV_INV_BETA_M2_KG
    sigma_inv_beta_m2_kg: float = RV_SIGMA_INV_BETA_M2_KG
    threat: Threat = field(default_factory=Threat)

    def link_of(self, site: str) -> Link:
        return self.links.get(site, self.link)

    @property
    def hold_s(self) -> float:
        """The reorder buffer's hold: the slowest possible report."""
        every = [self.link, *self.links.values()]
        return max(lk.latency_s + lk.jitter_s for lk in every)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One entry of the event log: time (s after epoch), type and details."""

    t_s: float
    type: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"t_s": self.t_s, "type": self.type, **self.details}


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    """An impact prediction and what it means for the defended territory; ``p_report``:
    the probabilities of landing on the rule's ``report_territories``, in their order."""

    prediction: ImpactPrediction
    p_territory: float
    dist_to_territory_km: float
    threat: bool
    p_report: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SimOutput:
    """Everything the simulation produced, as values."""

    detections: tuple[Detection, ...]
    tracker: Tracker
    assessments: tuple[Assessment, ...]
    events: tuple[Event, ...]
    first_detection_s: float | None
    first_cue_s: Mapping[str, float]
    dwells: Mapping[str, FloatArray]
    space_detections: tuple[AnglesDetection, ...] = ()
    launch_area: LaunchArea | None = None
    triangulations: tuple[tuple[float, FloatArray, FloatArray], ...] = ()

    @property
    def predictions(self) -> tuple[ImpactPrediction, ...]:
        return tuple(a.prediction for a in self.assessments)

    def first_event_s(self, kind: str) -> float | None:
        return next((e.t_s for e in self.events if e.type == kind), None)


@dataclass(slots=True)
class _SiteState:
    site: Site
    index: int
    frame_s: float
    frames_per_search: int
    phase_s: float
    states: FloatArray
    visible: NDArray[np.bool_]
    cos_scan: FloatArray
    snr_per_m2: tuple[FloatArray, FloatArray]
    rcs_phase: NDArray[np.str_]
    tracking: bool = False
    next_k: int = 0
    process: simpy.Process | None = None
    dwell_times: list[float] = field(default_factory=list)


def _frame_times(site: Site, truth: Truth, phase_rng: np.random.Generator) -> tuple[float, float, FloatArray]:
    """A site's frame period, its random phase (s) and its frame times before impact."""
    frame = site.track_revisit_s or site.revisit_s
    phase = float(phase_rng.uniform(0.0, site.revisit_s))
    t = phase + frame * np.arange(int(max(truth.t_impact_s - phase, 0.0) // frame) + 1)
    return frame, phase, np.asarray(t[t < truth.t_impact_s], dtype=float)


def _site_states(sites: Sequence[Site], truth: Truth, phase_rng: np.random.Generator) -> list[_SiteState]:
    """Every site's frame clock and, at every frame, the target's state, visibility, scan
    cosine, SNR per m^2 of RCS (search and track dwells) and RCS phase, computed at once
    (one evaluation of the truth for all sites)."""
    clocks = [_frame_times(s, truth, phase_rng) for s in sites]
    times = [t for _, _, t in clocks]
    all_states = truth.state(np.concatenate(times)).reshape(-1, 6) if times else np.zeros((0, 6))
    phases = truth.phase(np.concatenate(times)) if times else np.zeros(0, dtype=str)
    out, start = [], 0
    for i, (site, (frame, phase, t)) in enumerate(zip(sites, clocks)):
        states = all_states[start:start + len(t)]
        rcs_phase = phases[start:start + len(t)]
        start += len(t)
        vis = visible(site, states[:, :3]) if len(t) else np.zeros(0, dtype=bool)
        range_m, cos_scan = dwell_geometry(site, states[:, :3])
        snr = tuple(np.zeros_like(range_m) if site.radar is None else
                    radar_snr(site.radar, range_m, 1.0, tracking=track, cos_scan=cos_scan) for track in (False, True))
        out.append(_SiteState(
            site=site, index=i, frame_s=frame, frames_per_search=max(1, round(site.revisit_s / frame)), phase_s=phase,
            states=states, visible=vis, cos_scan=cos_scan, snr_per_m2=(snr[0], snr[1]), rcs_phase=rcs_phase,
        ))
    return out


def _next_frame(st: _SiteState, now: float) -> int | None:
    """The next frame, at or after ``now`` and not yet dwelt in, when the site dwells on a visible target."""
    k0 = max(st.next_k, int(np.ceil((now - st.phase_s) / st.frame_s - 1e-9)))
    cand = np.flatnonzero(st.visible[k0:]) + k0
    if not st.tracking:
        cand = cand[cand % st.frames_per_search == 0]
    return int(cand[0]) if len(cand) else None


class _Network:
    """The SimPy model: site processes, links and the command centre."""

    def __init__(self, truth: Truth, sites: Sequence[Site], seed: int, tracker: Tracker, config: SimConfig) -> None:
        self.env = simpy.Environment()
        self.truth = truth
        self.seed = seed
        self.tracker = tracker
        self.config = config
        self.log: list[Event] = []
        self.detections: list[Detection] = []
        self.assessments: list[Assessment] = []
        self.first_cue: dict[str, float] = {}
        self.detected_by: set[str] = set()
        self._buffer: list[tuple[float, int, Detection | AnglesDetection]] = []
        self._order = itertools.count()
        self._associated: list[bool] = []
        self.confirmed = self.env.event()
        self.first_report = self.env.event()
        root = np.random.SeedSequence(seed)
        self._link_rng = np.random.default_rng(root.spawn(1)[0])
        phase_rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
        self.states = _site_states(sites, truth, phase_rng)
        self._warned = False
        self._streams = KeyedStreams()

    def event(self, kind: str, **details: Any) -> None:
        self.log.append(Event(t_s=float(self.env.now), type=kind, details=details))

    # --- sites -------------------------------------------------------------------------
    def site_process(self, st: _SiteState) -> simpy.events.ProcessGenerator:
        while True:
            k = _next_frame(st, self.env.now)
            if k is None:
                return
            t_k = st.phase_s + k * st.frame_s
            try:
                yield self.env.timeout(max(0.0, t_k - self.env.now))
            except simpy.Interrupt:
                continue  # cued: reschedule on the track clock
            st.next_k = k + 1
            self._dwell(st, k)

    def _dwell(self, st: _SiteState, k: int) -> None:
        site, now = st.site, float(self.env.now)
        st.dwell_times.append(now)
        x = st.states[k]
        model = rcs_model(RCS_BY_PHASE[str(st.rcs_phase[k])])
        rng = self._streams((self.seed, 2, st.index, k))  # default_rng(SeedSequence([...])), made fast
        mean_snr = float(st.snr_per_m2[st.tracking][k]) * model.mean_m2(site.band)
        out = dwell_at(site, mean_snr, float(st.cos_scan[k]), rng, tracking=st.tracking, swerling=model.swerling)
        if not out.detected:
            return
        z = noisy_measurement(site, x, out.sigma, rng, out.bias)
        link = self.config.link_of(site.name)
        delay = link.latency_s + link.jitter_s * float(self._link_rng.random())
        lost = float(self._link_rng.random()) < link.loss
        det = Detection(t_s=now, site=site.name, z=z, sigma=out.sigma, snr_db=out.snr_db, t_arrival_s=now + delay)
        self.detections.append(det)
        self.event("detection", site=site.name, snr_db=round(out.snr_db, 2), cued=site.name in self.first_cue)
        self.detected_by.add(site.name)
        st.tracking = site.track_revisit_s is not None
        if lost:
            self.event("report_lost", site=site.name, t_meas_s=now)
        else:
            self.env.process(self._deliver(det, delay))

    # --- links and command centre ------------------------------------------------------
    def _deliver(self, det: Detection, delay: float) -> simpy.events.ProcessGenerator:
        yield self.env.timeout(delay)
        self.event("report_received", site=det.site, t_meas_s=det.t_s)
        heapq.heappush(self._buffer, (det.t_s, next(self._order), det))
        if not self.first_report.triggered:
            self.first_report.succeed(det.t_s)
        yield self.env.timeout(max(0.0, det.t_s + self.config.hold_s - self.env.now))
        self._release()

    def _release(self) -> None:
        cfg = self.config
        while self._buffer and self._buffer[0][0] <= self.env.now - cfg.hold_s + 1e-9:
            _, _, det = heapq.heappop(self._buffer)
            was_initiated = self.tracker.initiated
            est = self.tracker.update(det)
            if not was_initiated:
                if est is not None:
                    self.event("track_initiated", t_state_s=est.t_s, site=det.site)
                    self._associated = [True, True]
                continue
            self._associated.append(est is not None)
            recent = self._associated[-cfg.confirm_n :]
            if not self.confirmed.triggered and sum(recent) >= cfg.confirm_m:
                self.event("track_confirmed", t_state_s=det.t_s)
                self.confirmed.succeed(self.env.now)
                if cfg.cueing:
                    self._cue_others()

    def _cue_others(self) -> None:
        for st in self.states:
            if st.site.name not in self.detected_by:
                self.env.process(self._cue(st))

    def _cue(self, st: _SiteState) -> simpy.events.ProcessGenerator:
        self.event("cue", site=st.site.name)
        yield self.env.timeout(self.config.link_of(st.site.name).latency_s)
        if st.site.name in self.detected_by or st.process is None or not st.process.is_alive:
            return
        self.first_cue.setdefault(st.site.name, float(self.env.now))
        st.tracking = st.site.track_revisit_s is not None
        st.process.interrupt("cue")

    def assessor(self) -> simpy.events.ProcessGenerator:
        """Threat assessments: at the checkpoints after the first detection (once a track
        exists), on confirmation, and on a schedule after it."""
        t_end = self.truth.t_impact_s
        cfg = self.config
        t_first = yield self.first_report
        checkpoints = sorted(t_first + c for c in cfg.checkpoints_s if t_first + c < t_end)
        self.env.process(self._checkpoints(checkpoints))
        t_conf = yield self.confirmed
        times = [t_conf + cfg.predict_every_s * k for k in range(int((t_end - t_conf) // cfg.predict_every_s) + 1)]
        for t in times:
            if t >= t_end:
                break
            yield self.env.timeout(max(0.0, t - self.env.now))
            self._assess()

    def _checkpoints(self, times: list[float]) -> simpy.events.ProcessGenerator:
        for t in times:
            yield self.env.timeout(max(0.0, t - self.env.now))
            if self.tracker.initiated:
                self._assess()

    def _assess(self) -> None:
        cfg, now = self.config, float(self.env.now)
        x, p = self.tracker.predicted(now)
        try:
            pred = predict_impact(x, p, now, cfg.inv_beta_m2_kg, cfg.sigma_inv_beta_m2_kg)
        except ValueError:
            self.event("assessment_failed", reason="track does not come down within two hours")
            return
        p_terr, dist, p_report = _territory_figures(pred, cfg.threat, self.seed)
        rule = cfg.threat
        threat = rule.territory is not None and (
            p_terr >= rule.p_threshold or (rule.alert_distance_km > 0.0 and dist <= rule.alert_distance_km)
        )
        self.assessments.append(Assessment(prediction=pred, p_territory=p_terr, dist_to_territory_km=dist, threat=threat,
                                           p_report=p_report))
        self.event(
            "impact_predicted",
            lat_deg=round(pred.lat_deg, 5), lon_deg=round(pred.lon_deg, 5), t_impact_s=round(pred.t_impact_s, 2),
            semi_major_km=round(pred.semi_major_km, 3), p_territory=round(p_terr, 4),
        )
        if threat and not self._warned and self.confirmed.triggered:
            self._warned = True
            self.event("warning", territory=rule.territory.name if rule.territory else None,
                       p_territory=round(p_terr, 4), dist_to_territory_km=round(dist, 1))
        elif not threat:
            self.event("no_threat", p_territory=round(p_terr, 4), dist_to_territory_km=round(dist, 1))


def _territory_figures(pred: ImpactPrediction, rule: Threat, seed: int) -> tuple[float, float, tuple[float, ...]]:
    """Probability of landing on the rule's territory, the predicted point's distance to it,
    and the probabilities of landing on its report territories: one sample of the impact
    distribution for all of them."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 3, int(pred.t_s * 1000)]))
    if rule.territory is None:
        return float("nan"), float("nan"), territory_probabilities(pred, rule.report_territories, rng)
    p = territory_probabilities(pred, (rule.territory, *rule.report_territories), rng)
    return p[0], float(distance_to_territory_km(rule.territory, pred.lat_deg, pred.lon_deg)), p[1:]


def run(
    truth: Truth,
    sites: Sequence[Site],
    seed: int,
    tracker_config: TrackerConfig | None = None,
    config: SimConfig | None = None,
    space: SpaceNetwork | None = None,
    epoch: dt.datetime | None = None,
) -> SimOutput:
    """Simulate the network against the truth from launch (t = 0) to impact.

    With ``space`` (and the scenario's ``epoch``, where its orbits start), the infrared
    satellites run too (:class:`_SpaceEchelon`); the truth must then be a
    :class:`~sprn.trajectory.Trajectory`, whose engine burns they see.
    """
    config = config or SimConfig()
    tracker = Tracker(sites={s.name: s for s in sites}, config=tracker_config or TrackerConfig())
    net = _Network(truth, sites, seed, tracker, config)
    net.event("launch")
    for st in net.states:
        st.process = net.env.process(net.site_process(st))
    echelon = None
    if space is not None and space.satellites:
        if epoch is None:
            raise ValueError("satellites need the scenario's epoch")
        echelon = _SpaceEchelon(net, space, epoch)
        echelon.start()
    net.env.process(net.assessor())
    net.env.run(until=truth.t_impact_s)
    net.log.append(Event(t_s=truth.t_impact_s, type="impact"))
    first = min((d.t_s for d in net.detections), default=None)
    return SimOutput(
        detections=tuple(sorted(net.detections, key=lambda d: d.t_s)),
        tracker=tracker,
        assessments=tuple(net.assessments),
        events=tuple(net.log),
        first_detection_s=first,
        first_cue_s=dict(net.first_cue),
        dwells={st.site.name: np.array(st.dwell_times) for st in net.states},
        **(echelon.outputs() if echelon is not None else {}),
    )


# --- the space echelon ----------------------------------------------------------------------
# Additive: infrared satellites on the same clock. Each satellite is a SimPy process that
# looks at the target's area every revisit; the frames of all satellites share one clock
# (a constellation's frames are timed by a common reference: an assumption that lets two
# satellites' reports of one frame be triangulated). A report reaches the centre over the
# default link. The centre declares a launch from the first reports (launch area and
# azimuth, :func:`sprn.space.launch_area.estimate_launch_area`), cues the radars that will
# see the missile first, and triangulates any frame two satellites saw.

CUE_HEIGHTS_M = (100e3, 300e3, 600e3, 1000e3)
"""Heights of the points along the estimated azimuth a radar must see to be cued."""
CUE_DOWNRANGE_M = tuple(float(d) for d in np.arange(0.0, 1500e3 + 1.0, 100e3))
"""Ground distances (from the launch area along its azimuth) of those points."""
AZIMUTH_USABLE_DEG = 10.0
"""An azimuth whose standard deviation is below this is used to cue along it and reported
(``launch_azimuth``); a wider one is reported with the launch but not used."""


@dataclass(slots=True)
class _SatState:
    sat: SpaceSensor
    index: int
    times: FloatArray
    sat_states: FloatArray
    targets: FloatArray
    seen: NDArray[np.bool_]
    snr: FloatArray
    reports: int = 0


class _SpaceEchelon:
    """The satellites' processes and the centre's space processing (launch, cue, triangulation)."""

    def __init__(self, net: _Network, space: SpaceNetwork, epoch: dt.datetime) -> None:
        self.net = net
        self.space = space
        truth: Any = net.truth
        missile = truth.missile
        intervals = infrared.burn_intervals(tuple(st.burn_time_s for st in missile.stages),
                                            tuple(st.coast_s for st in missile.stages), float(truth.events["burnout"]))
        thrusts = np.array([st.thrust_vac_n for st in missile.stages])
        revisit = min(s.sensor.revisit_s for s in space.satellites)
        phase = float(np.random.default_rng(np.random.SeedSequence([net.seed, 4])).uniform(0.0, revisit))
        self.states: list[_SatState] = []
        for i, sat in enumerate(space.satellites):
            t = phase + sat.sensor.revisit_s * np.arange(int(max(truth.t_impact_s - phase, 0.0) // sat.sensor.revisit_s) + 1)
            t = t[t < truth.t_impact_s]
            targets = truth.state(t).reshape(-1, 6)
            sat_x = sat.orbit.ecef(epoch, t) if len(t) else np.zeros((0, 6))
            alt = _heights(targets[:, :3])
            stage = infrared.burning_stage(t, intervals)
            plume = infrared.plume_visible(stage >= 0, alt, space.cloud_top_m)
            clear = ~infrared.earth_blocks(sat_x[:, :3], targets[:, :3], sat.sensor.grazing_m)
            rng_m = np.linalg.norm(sat_x[:, :3] - targets[:, :3], axis=1)
            intensity = infrared.plume_intensity_w_sr(np.where(stage >= 0, thrusts[np.maximum(stage, 0)], 0.0), alt,
                                                      _plume_spec(missile.propulsion))
            self.states.append(_SatState(sat=sat, index=i, times=t, sat_states=sat_x, targets=targets,
                                         seen=plume & clear, snr=infrared.snr(intensity, rng_m, sat.sensor)))
        self.detections: list[AnglesDetection] = []
        self.received: list[AnglesDetection] = []
        self.launch: LaunchArea | None = None
        self.triangulations: list[tuple[float, FloatArray, FloatArray]] = []

    def start(self) -> None:
        for st in self.states:
            self.net.env.process(self.satellite_process(st))

    def satellite_process(self, st: _SatState) -> simpy.events.ProcessGenerator:
        """Look at every frame at which a plume is there to see; detect with the SNR's probability."""
        env, net = self.net.env, self.net
        for k in np.flatnonzero(st.seen):
            yield env.timeout(max(0.0, float(st.times[k]) - env.now))
            rng = net._streams((net.seed, 5, st.index, int(k)))
            snr_k = float(st.snr[k])
            if rng.random() >= float(infrared.detection_probability(snr_k, st.sat.sensor.snr_threshold)):
                continue
            sigma = float(infrared.los_sigma_rad(snr_k, st.sat.sensor))
            obs = Observer(name=st.sat.name, r_ecef_m=st.sat_states[k, :3])
            z = measure_angles(obs, st.targets[k]) + rng.standard_normal(2) * sigma
            link = net.config.link
            delay = link.latency_s + link.jitter_s * float(rng.random())
            det = AnglesDetection(t_s=float(env.now), site=st.sat.name, z=z, sigma=np.array([sigma, sigma]),
                                  observer=obs, snr_db=10.0 * math.log10(max(snr_k, 1e-12)),
                                  t_arrival_s=float(env.now) + delay)
            self.detections.append(det)
            st.reports += 1
            net.event("satellite_detection", site=st.sat.name, snr_db=round(det.snr_db, 2))
            if float(rng.random()) < link.loss:
                net.event("report_lost", site=st.sat.name, t_meas_s=det.t_s)
            else:
                env.process(self._deliver(det, delay))

    def _deliver(self, det: AnglesDetection, delay: float) -> simpy.events.ProcessGenerator:
        """The centre: launch declaration and triangulation at once; the report then joins the
        radars' reorder buffer, so a live track takes it in measurement-time order."""
        net = self.net
        yield net.env.timeout(delay)
        net.event("report_received", site=det.site, t_meas_s=det.t_s)
        self.received.append(det)
        self._triangulate(det)
        if self.launch is None:
            self._declare_launch()
        elif self.launch.azimuth_from != "triangulation, usable":
            self._refine_azimuth()
        heapq.heappush(net._buffer, (det.t_s, next(net._order), det))
        yield net.env.timeout(max(0.0, det.t_s + net.config.hold_s - net.env.now))
        net._release()

    def _declare_launch(self) -> None:
        """A launch once one satellite's ``launch_reports`` reports are in: the area from its
        lines of sight, the azimuth from two satellites' triangulated positions when there
        are two of them, else from its own; then the cue."""
        sp = self.space
        by_sat: dict[str, list[AnglesDetection]] = {}
        for d in self.received:
            by_sat.setdefault(d.site, []).append(d)
        ready = [reports for reports in by_sat.values() if len(reports) >= sp.launch_reports]
        if not ready:
            return
        mine = ready[0]
        first_sat = mine[0].site
        area = estimate_launch_area(mine, sp.plume_height_m, sp.sigma_plume_height_m, sp.sigma_downrange_m)
        if area is None:
            return
        if len(self.triangulations) >= 3:
            found = azimuth_from_positions(np.array([t for t, _, _ in self.triangulations]),
                                           np.array([x for _, x, _ in self.triangulations]),
                                           np.array([p for _, _, p in self.triangulations]))
            if found is not None:
                area = dataclasses.replace(area, azimuth_deg=found[0], sigma_azimuth_deg=found[1],
                                           azimuth_from="triangulation")
        self.launch = area
        cued = self._radars_to_cue(area) if sp.cueing else []
        self.net.event(
            "launch_detected", satellite=first_sat, reports=area.reports, lat_deg=round(area.lat_deg, 4),
            lon_deg=round(area.lon_deg, 4), semi_major_km=round(area.semi_major_km, 1),
            semi_minor_km=round(area.semi_minor_km, 1),
            azimuth_deg=None if area.azimuth_deg is None else round(area.azimuth_deg, 1),
            sigma_azimuth_deg=None if area.sigma_azimuth_deg is None else round(area.sigma_azimuth_deg, 1),
            azimuth_from=area.azimuth_from, cue=cued,
        )
        for st in self.net.states:
            if st.site.name in cued:
                self.net.env.process(self.net._cue(st))

    def _radars_to_cue(self, area: LaunchArea) -> list[str]:
        """The radars that see a point above the launch area or along its azimuth, lowest first.

        Points at :data:`CUE_HEIGHTS_M` over :data:`CUE_DOWNRANGE_M` along the estimated
        azimuth (above the area only when no azimuth is known): a radar that sees a lower
        point sees the missile earlier; radars that see none are left on search.
        """
        usable = area.sigma_azimuth_deg is not None and area.sigma_azimuth_deg < AZIMUTH_USABLE_DEG
        dist = CUE_DOWNRANGE_M if usable else (0.0,)
        lat, lon = geo.geodesic_direct_deg(np.full(len(dist), area.lat_deg), np.full(len(dist), area.lon_deg),
                                           np.full(len(dist), area.azimuth_deg or 0.0), np.array(dist))
        ranked = []
        for st in self.net.states:
            if st.site.name in self.net.detected_by:
                continue
            for h in CUE_HEIGHTS_M:
                pts = geo.lla_to_ecef(np.radians(lat), np.radians(lon), np.full(len(dist), h))
                if np.any(visible(st.site, pts)):
                    ranked.append((h, st.site.name))
                    break
        return [name for _, name in sorted(ranked)]

    def _refine_azimuth(self) -> None:
        """The azimuth again from every triangulated position so far; once usable, reported
        (``launch_azimuth``) and used to cue the radars along it that are not yet cued."""
        if self.launch is None or len(self.triangulations) < 3:
            return
        found = azimuth_from_positions(np.array([t for t, _, _ in self.triangulations]),
                                       np.array([x for _, x, _ in self.triangulations]),
                                       np.array([p for _, _, p in self.triangulations]))
        if found is None or found[1] >= AZIMUTH_USABLE_DEG:
            return
        self.launch = dataclasses.replace(self.launch, azimuth_deg=found[0], sigma_azimuth_deg=found[1],
                                          azimuth_from="triangulation, usable")
        cued = [n for n in self._radars_to_cue(self.launch) if n not in self.net.first_cue] if self.space.cueing else []
        self.net.event("launch_azimuth", azimuth_deg=round(found[0], 1), sigma_azimuth_deg=round(found[1], 1),
                       triangulations=len(self.triangulations), cue=cued)
        for st in self.net.states:
            if st.site.name in cued:
                self.net.env.process(self.net._cue(st))

    def _triangulate(self, det: AnglesDetection) -> None:
        """Two satellites' reports of the same frame: the plume's position and covariance."""
        others = [d for d in self.received if d.site != det.site and abs(d.t_s - det.t_s) < 1e-6]
        if not others or any(abs(t - det.t_s) < 1e-6 for t, _, _ in self.triangulations):
            return  # one position per frame: the first pair that saw it
        pair = [others[0], det]
        x, p = triangulate(np.array([d.observer.r_ecef_m for d in pair]), np.array([d.los_ecef for d in pair]),
                           np.array([float(d.sigma[0]) for d in pair]))
        self.triangulations.append((det.t_s, x, p))
        lat, lon, h = geo.ecef_to_lla(x)
        self.net.event("boost_triangulated", t_meas_s=det.t_s, satellites=[d.site for d in pair],
                       lat_deg=round(math.degrees(float(lat)), 4), lon_deg=round(math.degrees(float(lon)), 4),
                       alt_km=round(float(h) / 1e3, 2), sigma_km=round(math.sqrt(float(np.trace(p))) / 1e3, 2))

    def outputs(self) -> dict[str, Any]:
        return {
            "space_detections": tuple(sorted(self.detections, key=lambda d: d.t_s)),
            "launch_area": self.launch,
            "triangulations": tuple(self.triangulations),
        }


def _heights(r_ecef_m: FloatArray) -> FloatArray:
    """Geodetic heights (m) of positions (n, 3)."""
    return np.asarray(geo.ecef_to_lla(r_ecef_m)[2], dtype=float)


def _plume_spec(propulsion: str) -> Any:
    from sprn.space.catalogue import load_catalogue

    return load_catalogue().plumes[propulsion]
