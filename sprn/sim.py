"""The discrete-event simulation: radar sites, links and a command centre on a SimPy clock.

The only module with a clock. The chain modelled is the one a warning runs along:

* **Sites.** Each radar is a SimPy process. Its scheduler runs on a frame clock of the
  track revisit from a random phase; in search it dwells every ``revisit_s`` (a whole
  number of frames), and once it has seen an object or been cued it dwells every frame
  with the longer track dwell. The truth is a :class:`~sprn.trajectory.scene.Scene`: a
  dwell returns the reports of the objects in coverage (``sprn.radar.scan.scan``: each
  detected with the probability of its own SNR, unresolved objects merged) and, when the
  scene's ``false_alarms`` is on, the false alarms of the cells it searched (the search
  fence at each search frame, a range window around each object in track dwells). A
  site dwells when any object is in coverage, and with false alarms on at every search
  frame. Each dwell draws its random numbers from its own stream, keyed by site and
  frame, so cueing a radar changes when it looks, not what luck it has. The number of
  false alarms of every search frame's fence is drawn before the run, one Poisson array
  per site from a stream keyed by the site (most dwells of a site that sees nothing
  report nothing, and then draw nothing). Reports carry no
  object label; the labels (the ids of the objects that made each report, empty for a
  false alarm) are kept beside them for scoring.
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
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from sprn import dynamics, geo
from sprn.impact import ImpactPrediction, predict_impact, territory_probabilities
from sprn.radar.coverage import visible
from sprn.radar.detection import dwell_geometry, radar_snr, scan_cosine, snr_per_m2
from sprn.radar.measurement import Detection, Dwell, measure, position_from_measurement
from sprn.radar.network import rcs_model
from sprn.radar.scan import Region, Report, aspect_rad, false_alarm_mean, scan, search_fence, track_window
from sprn.radar.site import Site
from sprn.space import infrared
from sprn.space.launch_area import LaunchArea, azimuth_from_positions, estimate_launch_area
from sprn.space.measurement import AnglesDetection, Observer, measure_angles, triangulate
from sprn.space.network import SpaceNetwork, SpaceSensor
from sprn.streams import KeyedStreams
from sprn.territory import Territory, distance_to_territory_km
from sprn.tracking.config import (
    CONFIRM_M,
    CONFIRM_N,
    RV_INV_BETA_M2_KG,
    RV_SIGMA_INV_BETA_M2_KG,
    TrackerConfig,
)
from sprn.tracking.classify import Signature, class_probabilities, in_boost, most_likely
from sprn.tracking.track import Track
from sprn.tracking.tracker import Tracker
from sprn.trajectory.flight import Trajectory
from sprn.trajectory.scene import Scene, SceneConfig, may_be_within

FloatArray = NDArray[np.float64]
THREAT_CLASS_PROBABILITY = 0.05
"""A confirmed track at least this likely a reentry vehicle is assessed as a threat: a
defender does not dismiss a possible warhead because another class is likelier (a reentry
vehicle seen nose-on at UHF looks like debris by its RCS)."""
RV_ID = "M1-RV"
"""The truth label of the first missile's reentry vehicle."""
CLASS_RCS = {"reentry-vehicle": "reentry-vehicle", "stage": "spent-stage", "debris": "debris"}
"""The catalogue's RCS model of each track class (the centre's knowledge of signatures)."""


def _rcs_dbsm(site: Site, det: Detection, tracking: bool) -> float:
    """The RCS a report's radar estimates from the echo's power: its SNR over the SNR a
    1 m^2 target would give at the report's range and scan angle (the radar's own
    calibration; NaN for a site with no radar model)."""
    if site.radar is None:
        return det.rcs_dbsm
    cos_scan = float(scan_cosine(site, position_from_measurement(site, det.z)))
    per_m2 = snr_per_m2(site, float(det.z[0]), cos_scan, tracking=tracking)
    return det.snr_db - 10.0 * math.log10(per_m2)


def class_signatures() -> dict[str, Signature]:
    """The classifier's signatures, from the RCS catalogue (``sprn/data/sites.toml``)."""
    out = {}
    for cls, key in CLASS_RCS.items():
        m = rcs_model(key)
        out[cls] = Signature(vhf_m2=m.mean_m2("VHF"), other_m2=m.mean_m2("UHF"), swerling=m.swerling)
    return out



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
    confirm_m: int = CONFIRM_M
    confirm_n: int = CONFIRM_N
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
    """An impact prediction of track ``track_id`` and what it means for the defended
    territory; ``p_report``: the probabilities of landing on the rule's
    ``report_territories``, in their order."""

    prediction: ImpactPrediction
    p_territory: float
    dist_to_territory_km: float
    threat: bool
    p_report: tuple[float, ...] = ()
    track_id: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class SimOutput:
    """Everything the simulation produced, as values.

    ``detections`` and ``detection_objects`` (the ids of the scene objects that made each
    report: several for a merged report, none for a false alarm; the truth, for scoring
    only) are in time order; ``first_detection_s`` is the first report of an object (false
    alarms excluded); ``all_assessments`` every threat track's assessments; ``classes``
    each confirmed track's class probabilities at the end, ``class_history``
    ``(t_s, track_id, class)`` at each assessment round.
    """

    detections: tuple[Detection, ...]
    detection_objects: tuple[tuple[str, ...], ...]
    tracker: Tracker
    all_assessments: tuple[Assessment, ...]
    events: tuple[Event, ...]
    first_detection_s: float | None
    first_cue_s: Mapping[str, float]
    dwells: Mapping[str, FloatArray]
    classes: Mapping[int, Mapping[str, float]] = field(default_factory=dict)
    class_history: tuple[tuple[float, int, str], ...] = ()

    @property
    def threat_track_id(self) -> int | None:
        """The principal threat track: of the tracks assessed, those the centre last called a
        reentry vehicle (its likeliest class) first, then the one with the most reports.

        In a scene the spent stage is tracked from the first, unresolved return on and is
        assessed before it is told apart; by reports alone it was the principal in 12 of 20
        runs of the flagship scene, and its predictions were scored against the warhead's
        impact."""
        assessed = {a.track_id for a in self.all_assessments}
        tracks = [tr for tr in self.tracker.tracks if tr.id in assessed]

        def rank(tr: Track) -> tuple[bool, int]:
            cls = self.classes.get(tr.id)
            return (cls is not None and most_likely(cls) == "reentry-vehicle", len(tr.reports))

        return max(tracks, key=rank).id if tracks else None

    @property
    def assessments(self) -> tuple[Assessment, ...]:
        """The principal threat track's assessments (for one object: every assessment)."""
        tid = self.threat_track_id
        return tuple(a for a in self.all_assessments if a.track_id == tid)

    space_detections: tuple[AnglesDetection, ...] = ()
    launch_area: LaunchArea | None = None
    triangulations: tuple[tuple[float, FloatArray, FloatArray], ...] = ()

    @property
    def predictions(self) -> tuple[ImpactPrediction, ...]:
        return tuple(a.prediction for a in self.assessments)

    def label_map(self) -> dict[int, tuple[str, ...]]:
        """The truth objects each report came from, by ``id(report)`` (empty: a false alarm)."""
        return {id(d): lab for d, lab in zip(self.detections, self.detection_objects)}

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
    rcs_m2: FloatArray
    swerling: NDArray[np.int_]
    dwells: tuple[NDArray[np.bool_], NDArray[np.bool_]]
    fence: Region
    """The search frame's volume (:func:`~sprn.radar.scan.search_fence`), the same at every frame."""
    alarms: NDArray[np.int_]
    """For every frame, the false alarms its fence reports if it is a search frame (drawn in advance)."""
    in_view: list[bool]
    """For every frame, whether any object is in coverage."""
    next_dwell: tuple[list[int], list[int]]
    """For every frame, the first frame at or after it with a dwell, in search and in track (-1: none)."""
    tracking: bool = False
    next_k: int = 0
    process: simpy.Process | None = None
    dwell_times: list[float] = field(default_factory=list)


def _frame_times(site: Site, t_end_s: float, phase_rng: np.random.Generator) -> tuple[float, float, FloatArray]:
    """A site's frame period, its random phase (s) and its frame times before ``t_end_s``."""
    frame = site.track_revisit_s or site.revisit_s
    phase = float(phase_rng.uniform(0.0, site.revisit_s))
    t = phase + frame * np.arange(int(max(t_end_s - phase, 0.0) // frame) + 1)
    return frame, phase, np.asarray(t[t < t_end_s], dtype=float)


def _site_states(sites: Sequence[Site], scene: Scene, seed: int, config: SceneConfig) -> list[_SiteState]:
    """Every site's frame clock and, at every frame and for every object, its state,
    visibility, scan cosine, SNR per m^2 of RCS (search and track dwells), mean RCS and
    Swerling case, computed at once (one evaluation of each object for all sites); the
    frames at which the site dwells in search and in track; and, with false alarms on,
    every frame's number of fence false alarms (one Poisson draw per site)."""
    phase_rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    clocks = [_frame_times(s, scene.t_end_s, phase_rng) for s in sites]
    # Objects are evaluated only at the frames where one may be in range: most sites see
    # nothing for most of a run, and the bound (may_be_within) is cheap.
    reach = [may_be_within(scene, s.r_ecef_m, s.max_range_m, t) for s, (_, _, t) in zip(sites, clocks)]
    times = np.concatenate([t[m] for (_, _, t), m in zip(clocks, reach)]) if clocks else np.zeros(0)
    all_states = np.stack([o.state(times) for o in scene.objects], axis=1)
    all_exist = np.stack([o.exists(times) for o in scene.objects], axis=1)
    all_keys = np.stack([o.rcs_keys(times) for o in scene.objects], axis=1)
    n_obj = len(scene.objects)
    out, start = [], 0
    for i, (site, (frame, phase, t), m) in enumerate(zip(sites, clocks, reach)):
        part = slice(start, start + int(np.count_nonzero(m)))
        start = part.stop
        states = np.full((len(t), n_obj, 6), np.nan)
        exist = np.zeros((len(t), n_obj), dtype=bool)
        states[m], exist[m] = all_states[part], all_exist[part]
        keys = all_keys[part]
        x = states[exist]
        vis = np.zeros(exist.shape, dtype=bool)
        cos_scan, rcs = np.zeros(exist.shape), np.zeros(exist.shape)
        snr = (np.zeros(exist.shape), np.zeros(exist.shape))
        if len(x):
            vis[exist] = visible(site, x[:, :3])
            range_m, cos_scan[exist] = dwell_geometry(site, x[:, :3])
            if site.radar is not None:
                for track in (False, True):
                    snr[track][exist] = radar_snr(site.radar, range_m, 1.0, tracking=track, cos_scan=cos_scan[exist])
        swerling = np.zeros(exist.shape, dtype=int)
        for key in sorted(set(keys.ravel().tolist())):  # a set: np.unique's sort of strings is slower
            model = rcs_model(str(key))
            here = np.zeros(exist.shape, dtype=bool)
            here[m] = keys == key
            swerling[here] = model.swerling
            rcs[here] = model.mean_m2(site.band)
            if config.aspect and model.by_aspect:
                rcs[here & exist] = model.mean_m2_at(site.band, aspect_rad(site, states[here & exist]))
        fps = max(1, round(site.revisit_s / frame))
        search_frame = np.arange(len(t)) % fps == 0
        seen = vis.any(axis=1)
        always = search_frame if config.false_alarms else np.zeros(len(t), dtype=bool)
        dwells = ((seen & search_frame) | always, seen | always)
        fence = search_fence(site)
        alarms = np.zeros(len(t), dtype=int)
        if config.false_alarms:
            mean = false_alarm_mean(site, fence, config.confirm)
            alarms = np.random.default_rng(np.random.SeedSequence([seed, 5, i])).poisson(mean, len(t))
        out.append(_SiteState(
            site=site, index=i, frame_s=frame, frames_per_search=fps, phase_s=phase, states=states, visible=vis,
            cos_scan=cos_scan, snr_per_m2=snr, rcs_m2=rcs, swerling=swerling, dwells=dwells, fence=fence,
            alarms=alarms, in_view=[bool(v) for v in np.asarray(seen)], next_dwell=(_next_true(dwells[0]), _next_true(dwells[1])),
        ))
    return out


def _next_frame(st: _SiteState, now: float) -> int | None:
    """The next frame, at or after ``now`` and not yet dwelt in, at which the site dwells:
    one with an object in coverage (in search, only search frames), and with false alarms
    on every search frame."""
    k0 = max(st.next_k, math.ceil((now - st.phase_s) / st.frame_s - 1e-9))
    ahead = st.next_dwell[st.tracking]
    return None if k0 >= len(ahead) or ahead[k0] < 0 else ahead[k0]


_NO_STATES = np.zeros((0, 6))
_NO_VALUES = np.zeros(0)


def _next_true(mask: NDArray[np.bool_]) -> list[int]:
    """For every index, the first index at or after it where ``mask`` is true (-1: none)."""
    where = np.flatnonzero(mask)
    at = np.searchsorted(where, np.arange(len(mask)))
    out = np.full(len(mask), -1)
    ahead = at < len(where)
    out[ahead] = where[at[ahead]]
    return [int(k) for k in out.tolist()]


class _Network:
    """The SimPy model: site processes, links and the command centre."""

    def __init__(self, scene: Scene, sites: Sequence[Site], seed: int, tracker: Tracker, config: SimConfig,
                 scene_config: SceneConfig) -> None:
        self.env = simpy.Environment()
        self.scene = scene
        self.ids = scene.ids
        self.false_alarms = scene_config.false_alarms
        self.confirm = scene_config.confirm
        self.t_end_s = scene.t_end_s
        self.seed = seed
        self.tracker = tracker
        self.config = config
        self.hold_s = config.hold_s  # asked for at every message
        self.log: list[Event] = []
        self.detections: list[Detection] = []
        self.labels: list[tuple[str, ...]] = []
        self.assessments: list[Assessment] = []
        self.first_cue: dict[str, float] = {}
        self.detected_by: set[str] = set()
        self.classes: dict[int, dict[str, float]] = {}
        self.class_history: list[tuple[float, int, str]] = []
        self.bands = {s.name: s.band for s in sites}
        self.signatures = class_signatures()
        self._buffer: list[tuple[float, int, Detection | AnglesDetection | Dwell]] = []
        self._order = itertools.count()
        self.confirmed = self.env.event()
        self.first_report = self.env.event()
        root = np.random.SeedSequence(seed)
        self._link_rng = np.random.default_rng(root.spawn(1)[0])
        self.states = _site_states(sites, scene, seed, scene_config)
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
        tracking = st.tracking
        header = Dwell(now, site.name, tracking)
        alarms = int(st.alarms[k]) if self.false_alarms and k % st.frames_per_search == 0 else 0
        if not st.in_view[k]:  # nothing in coverage (most dwells of most sites): false alarms at most
            if not alarms:
                self._send(st, [], header)
                return
            rng = self._streams((self.seed, 2, st.index, k))  # default_rng(SeedSequence([...])), made fast
            reports = scan(site, now, _NO_STATES, _NO_VALUES, [], [], _NO_VALUES, rng, tracking=tracking,
                           regions=[dataclasses.replace(st.fence, alarms=alarms)], confirm=self.confirm)
        else:
            rng = self._streams((self.seed, 2, st.index, k))
            regions = [dataclasses.replace(st.fence, alarms=alarms)] if alarms else []
            idx = np.flatnonzero(st.visible[k])
            x = st.states[k, idx]
            if self.false_alarms and tracking:  # centred on the truth: a track's prediction errs by far less
                regions.extend(track_window(site, z) for z in measure(site, x))
            reports = scan(site, now, x, st.snr_per_m2[tracking][k, idx] * st.rcs_m2[k, idx],
                           st.swerling[k, idx].tolist(), [self.ids[i] for i in idx], st.cos_scan[k, idx], rng,
                           tracking=tracking, regions=regions, confirm=self.false_alarms and self.confirm)
        self._send(st, reports, header)

    # --- links and command centre ------------------------------------------------------
    def _send(self, st: _SiteState, reports: Sequence[Report], header: Dwell) -> None:
        """Send a dwell's header and reports (with their truth labels, kept for scoring;
        each report carrying the RCS its radar estimates, :func:`_rcs_dbsm`) over the
        site's link: one message, one delay; each report lost with the link's
        loss (the header never: the centre knows its radars' schedules). A dwell that gave
        no report sends its header alone, which tells the centre the tracks in view were
        missed.

        A report of an object (not a false alarm, which the radar's own confirmation dwell
        would drop) puts the site in track mode and counts as its detection for cueing.
        """
        site = st.site
        link = self.config.link_of(site.name)
        delay = link.latency_s + link.jitter_s * float(self._link_rng.random())
        kept = []
        for det, labels in reports:
            lost = float(self._link_rng.random()) < link.loss
            det = dataclasses.replace(det, t_arrival_s=det.t_s + delay, rcs_dbsm=_rcs_dbsm(site, det, header.tracking))
            self.detections.append(det)
            self.labels.append(labels)
            self.event("detection", site=site.name, snr_db=round(det.snr_db, 2), cued=site.name in self.first_cue)
            if labels:
                self.detected_by.add(site.name)
                st.tracking = site.track_revisit_s is not None
            if lost:
                self.event("report_lost", site=site.name, t_meas_s=det.t_s)
            else:
                kept.append(det)
        if kept:
            self.env.process(self._deliver(header, kept, delay))
        else:  # a header alone: nothing happens at its arrival, so it waits for its release at once
            release = self.env.timeout(max(delay, header.t_s + self.hold_s - self.env.now))
            release.callbacks.append(lambda _: self._deliver_header(header))  # lighter than a process

    def _deliver_header(self, header: Dwell) -> None:
        heapq.heappush(self._buffer, (header.t_s, next(self._order), header))
        self._release()

    def _deliver(self, header: Dwell, dets: list[Detection], delay: float) -> simpy.events.ProcessGenerator:
        yield self.env.timeout(delay)
        heapq.heappush(self._buffer, (header.t_s, next(self._order), header))
        for det in dets:
            self.event("report_received", site=det.site, t_meas_s=det.t_s)
            heapq.heappush(self._buffer, (det.t_s, next(self._order), det))
        if dets and not self.first_report.triggered:
            self.first_report.succeed(dets[0].t_s)
        yield self.env.timeout(max(0.0, header.t_s + self.hold_s - self.env.now))
        self._release()

    def _release(self) -> None:
        """Feed the track manager, in measurement-time order, the scans whose hold is over."""
        cfg = self.config
        out: list[Detection | AnglesDetection | Dwell] = []
        while self._buffer and self._buffer[0][0] <= self.env.now - self.hold_s + 1e-9:
            out.append(heapq.heappop(self._buffer)[2])
        scans: dict[tuple[float, str], list[Detection | AnglesDetection]] = {}
        headers: dict[tuple[float, str], Dwell] = {}
        for item in out:
            key = (item.t_s, item.site)
            if isinstance(item, Dwell):
                headers[key] = item
                scans.setdefault(key, [])
            else:
                scans.setdefault(key, []).append(item)
        tracks, changed = self.tracker.tracks, self.tracker.changed
        for key, dets in scans.items():
            name = key[1]
            changed.clear()
            self.tracker.scan(dets, headers.get(key))
            for track_id, was in sorted(changed.items()):
                tr = tracks[track_id - 1]
                if was is None:
                    self.event("track_initiated", track_id=tr.id, t_state_s=tr.t_s, site=name)
                if tr.status == "confirmed" and was != "confirmed":
                    self.event("track_confirmed", track_id=tr.id, t_state_s=tr.t_s)
                    if not self.confirmed.triggered:
                        self.confirmed.succeed(self.env.now)
                        if cfg.cueing:
                            self._cue_others()
                if tr.status == "deleted" and was not in (None, "deleted"):
                    self.event("track_deleted", track_id=tr.id)

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
        t_end = self.t_end_s
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

    def threat_tracks(self) -> list[Track]:
        """The tracks to assess: live confirmed tracks that may be a reentry vehicle (its
        probability at least :data:`THREAT_CLASS_PROBABILITY`; a missile in boost included),
        the one with most reports first; with none confirmed yet, the live track with the
        most reports."""
        live = [tr for tr in self.tracker.tracks if tr.alive]
        confirmed = [tr for tr in live if tr.status == "confirmed"]
        for tr in confirmed:
            self.classes[tr.id] = class_probabilities(tr, self.bands, self.signatures)
            self.class_history.append((float(self.env.now), tr.id, most_likely(self.classes[tr.id])))
        threats = [tr for tr in confirmed
                   if self.classes[tr.id]["reentry-vehicle"] >= THREAT_CLASS_PROBABILITY or in_boost(tr)]
        if not confirmed and live:
            threats = [max(live, key=lambda tr: len(tr.reports))]
        return sorted(threats, key=lambda tr: -len(tr.reports))

    def _assess(self) -> None:
        """Predict the impact of every threat track; warn at the first threatening one."""
        threats = self.threat_tracks()
        found = [a for tr in threats if (a := self._assess_track(tr)) is not None]
        n = sum(a.threat for a in found)
        rule = self.config.threat
        for a in found:
            if a.threat and not self._warned and self.confirmed.triggered:
                self._warned = True
                self.event("warning", track_id=a.track_id, territory=rule.territory.name if rule.territory else None,
                           p_territory=round(a.p_territory, 4), dist_to_territory_km=round(a.dist_to_territory_km, 1),
                           threatening_objects=n)
            elif not a.threat:
                self.event("no_threat", track_id=a.track_id, p_territory=round(a.p_territory, 4),
                           dist_to_territory_km=round(a.dist_to_territory_km, 1))

    def _assess_track(self, tr: Track) -> Assessment | None:
        """Predict the track's impact and weigh the threat; None for a track whose object
        has come down by now (its prediction is under the ground: nothing left to warn
        of, and a coasting track's covariance there means nothing)."""
        cfg, now = self.config, float(self.env.now)
        x, p = tr.predicted(now)
        if float(dynamics.altitude_m(np.asarray(x[:3]))) <= 0.0:
            return None
        try:
            pred = predict_impact(x, p, now, cfg.inv_beta_m2_kg, cfg.sigma_inv_beta_m2_kg)
        except ValueError:
            self.event("assessment_failed", track_id=tr.id, reason="track does not come down within two hours")
            return None
        p_terr, dist, p_report = _territory_figures(pred, cfg.threat, self.seed)
        rule = cfg.threat
        threat = rule.territory is not None and (
            p_terr >= rule.p_threshold or (rule.alert_distance_km > 0.0 and dist <= rule.alert_distance_km)
        )
        assess = Assessment(prediction=pred, p_territory=p_terr, dist_to_territory_km=dist, threat=threat,
                            p_report=p_report, track_id=tr.id)
        self.assessments.append(assess)
        self.event(
            "impact_predicted", track_id=tr.id,
            lat_deg=round(pred.lat_deg, 5), lon_deg=round(pred.lon_deg, 5), t_impact_s=round(pred.t_impact_s, 2),
            semi_major_km=round(pred.semi_major_km, 3), p_territory=round(p_terr, 4),
        )
        return assess


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
    truth: Scene | Trajectory,
    sites: Sequence[Site],
    seed: int,
    tracker_config: TrackerConfig | None = None,
    config: SimConfig | None = None,
    scene_config: SceneConfig | None = None,
    space: SpaceNetwork | None = None,
    epoch: dt.datetime | None = None,
) -> SimOutput:
    """Simulate the network against the truth from the epoch (t = 0) to the last impact.

    ``truth`` is a scene or one reentry vehicle's trajectory (:meth:`Scene.of`);
    ``scene_config`` says whether dwells give false alarms and whether RCS depends on
    aspect (default: neither). With ``space`` (and the scenario's ``epoch``, where its
    orbits start), the infrared satellites run too (:class:`_SpaceEchelon`), watching the
    first missile's engine burns.
    """
    config = config or SimConfig()
    scene = truth if isinstance(truth, Scene) else Scene.of(truth)
    tracker = Tracker(sites={s.name: s for s in sites}, config=tracker_config or TrackerConfig(),
                      confirm_m=config.confirm_m, confirm_n=config.confirm_n)
    net = _Network(scene, sites, seed, tracker, config, scene_config or SceneConfig())
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
    net.env.run(until=net.t_end_s)
    net.log.append(Event(t_s=net.t_end_s, type="impact"))
    first = min((d.t_s for d, ids in zip(net.detections, net.labels) if ids), default=None)
    order = sorted(range(len(net.detections)), key=lambda i: net.detections[i].t_s)
    for tr in tracker.tracks:
        if tr.t_confirmed_s is not None:
            net.classes[tr.id] = class_probabilities(tr, net.bands, net.signatures)
    return SimOutput(
        detections=tuple(net.detections[i] for i in order),
        detection_objects=tuple(net.labels[i] for i in order),
        classes=dict(net.classes),
        class_history=tuple(net.class_history),
        tracker=tracker,
        all_assessments=tuple(net.assessments),
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
        truth: Any = net.scene.reentry_vehicles()[0].trajectory
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
        yield net.env.timeout(max(0.0, det.t_s + net.hold_s - net.env.now))
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
