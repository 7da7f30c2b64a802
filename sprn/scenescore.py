"""Scoring a multi-object run against its truth objects.

* **GOSPA** (generalised optimal sub-pattern assignment; Rahmathullah, Garcia-Fernandez &
  Svensson, "Generalized optimal sub-pattern assignment metric", FUSION 2017) between the
  truth objects the network has seen and the confirmed tracks, at a grid of times: with
  ``p = 2`` and ``alpha = 2`` it splits into the localisation error of the assigned pairs
  and ``c^2 / 2`` for each missed object and each false track. The cut-off
  :data:`GOSPA_CUTOFF_M` is stated beside it.
* **Track to truth.** Each track follows the object most of its reports came from (a
  merged report counts for every object in it); none if most were false alarms (a false
  track). **Purity**: the share of a track's reports that came from its object.
  **Identity switches**: how often the confirmed track that took an object's resolved
  reports (reports of that object alone) changes from one such report to the next. (The
  GOSPA assignment is not used for this: objects closer together than their tracks'
  errors, a reentry vehicle a few km from its stage seen with km-wide VHF errors, swap
  their nearest tracks from one grid time to the next while every report goes to the
  right track; on the flagship as a scene that counted 23 switches where there were none.)
* **Per object**: its first detection, the first time a confirmed track followed it, and
  for a reentry vehicle the time from which its track's class stayed ``reentry-vehicle``.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
from numpy.typing import NDArray

from sprn import dynamics
from sprn.tracking.track import TrackEstimate

if TYPE_CHECKING:
    from sprn.sim import SimOutput

FloatArray = NDArray[np.float64]
GOSPA_CUTOFF_M = 20e3
"""GOSPA's cut-off ``c``: a track farther than 20 km from an object does not follow it. About
four times the cross-range error of a VHF radar's track at 3,000 km (5 km), and well under
the spacing of the objects of a salvo (launched minutes apart: hundreds of km)."""
GOSPA_STEP_S = 10.0
"""The grid of times GOSPA is evaluated at (s)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Gospa:
    """One GOSPA evaluation (m) and its parts; ``pairs``: (truth index, estimate index) assigned."""

    distance_m: float
    localisation_m: float
    missed: int
    false: int
    pairs: tuple[tuple[int, int], ...]


def gospa(truth: FloatArray, est: FloatArray, c_m: float = GOSPA_CUTOFF_M, p: float = 2.0) -> Gospa:
    """GOSPA with ``alpha = 2`` between position sets ``truth`` (n, 3) and ``est`` (m, 3)."""
    n, m = len(truth), len(est)
    if n == 0 or m == 0:
        return Gospa(distance_m=(0.5 * c_m**p * (n + m)) ** (1.0 / p), localisation_m=0.0, missed=n, false=m,
                     pairs=())
    from scipy.optimize import linear_sum_assignment  # here: ~0.13 s to import, only scenes score

    d = np.linalg.norm(truth[:, None, :] - est[None, :, :], axis=2)
    rows, cols = linear_sum_assignment(np.minimum(d, c_m) ** p)
    pairs = tuple((int(i), int(j)) for i, j in zip(rows, cols) if d[i, j] < c_m)
    loc = sum(float(d[i, j]) ** p for i, j in pairs)
    missed, false = n - len(pairs), m - len(pairs)
    total = loc + 0.5 * c_m**p * (missed + false)
    return Gospa(distance_m=total ** (1.0 / p), localisation_m=loc ** (1.0 / p), missed=missed, false=false,
                 pairs=pairs)


class TruthObject(Protocol):
    """What scoring needs of a truth object (``sprn.trajectory.scene.SceneObject`` has it)."""

    @property
    def id(self) -> str: ...

    @property
    def kind(self) -> str: ...

    def state(self, t_s: FloatArray) -> FloatArray:
        """ECEF states ``(len(t_s), 6)`` at times ``t_s`` (NaN where the object does not exist)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackFigures:
    """One track: its object (``None``: a false track), purity, first and last times, class."""

    id: int
    object: str | None
    purity: float
    reports: int
    t_first_s: float
    t_last_s: float
    t_confirmed_s: float | None
    confirmed: bool
    cls: str
    probabilities: Mapping[str, float]


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectFigures:
    """One truth object: its kind, first detection, first confirmed track, correct classification."""

    id: str
    kind: str
    first_detection_s: float | None
    first_confirmed_track_s: float | None
    classified_s: float | None
    tracks: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SceneScore:
    """A run's multi-object figures (see the module notes)."""

    times_s: FloatArray
    gospa_m: FloatArray
    localisation_m: FloatArray
    missed: NDArray[np.int_]
    false: NDArray[np.int_]
    identity_switches: int
    tracks: tuple[TrackFigures, ...]
    objects: tuple[ObjectFigures, ...]
    duration_s: float
    cutoff_m: float = GOSPA_CUTOFF_M

    @property
    def mean_gospa_m(self) -> float:
        return float(np.mean(self.gospa_m)) if len(self.gospa_m) else float("nan")

    @property
    def confirmed(self) -> tuple[TrackFigures, ...]:
        return tuple(t for t in self.tracks if t.confirmed)

    @property
    def false_tracks(self) -> int:
        """Confirmed tracks that followed no object."""
        return sum(t.object is None for t in self.confirmed)

    @property
    def false_tracks_per_hour(self) -> float:
        return self.false_tracks / (self.duration_s / 3600.0) if self.duration_s > 0 else float("nan")

    @property
    def mean_purity(self) -> float:
        real = [t.purity for t in self.confirmed if t.object is not None]
        return float(np.mean(real)) if real else float("nan")


def _position_at(history: Sequence[TrackEstimate], t_s: float) -> FloatArray | None:
    """A track's position at ``t_s`` from its latest estimate at or before it (vacuum arc)."""
    last = None
    for e in history:
        if e.t_s > t_s:
            break
        last = e
    if last is None:
        return None
    dt = t_s - last.t_s
    x = np.array(last.x, dtype=np.float64)
    return np.asarray(dynamics.propagate(x, dt)[:3] if dt > 0 else x[:3], dtype=np.float64)


def score_scene(objects: Sequence[TruthObject], output: SimOutput, t_end_s: float,
                classes_over_time: Sequence[tuple[float, int, str]] = (),
                step_s: float = GOSPA_STEP_S, c_m: float = GOSPA_CUTOFF_M) -> SceneScore:
    """Score a simulation's tracks against ``objects`` (see the module notes);
    ``classes_over_time``: ``(t_s, track_id, class)`` as the centre classified them."""
    labels = output.label_map()
    tracks = output.tracker.tracks
    classes = output.classes
    first_seen: dict[str, float] = {}
    for det in output.detections:
        for seen_id in labels.get(id(det), ()):
            first_seen.setdefault(seen_id, det.t_s)
    figures = []
    took: dict[str, list[tuple[float, int]]] = {}
    for tr in tracks:
        if tr.t_confirmed_s is not None:
            for det in tr.reports:
                lab = labels.get(id(det), ())
                if len(lab) == 1:
                    took.setdefault(lab[0], []).append((det.t_s, tr.id))
        counts: Counter[str | None] = Counter()
        for det in tr.reports:
            lab = labels.get(id(det), ())
            for label in lab or (None,):
                counts[label] += 1
        obj = counts.most_common(1)[0][0] if counts else None
        purity = sum(obj in labels.get(id(d), ()) or (obj is None and not labels.get(id(d))) for d in tr.reports)
        probs = classes.get(tr.id, {})
        figures.append(TrackFigures(
            id=tr.id, object=obj, purity=purity / max(1, len(tr.reports)), reports=len(tr.reports),
            t_first_s=tr.history[0].t_s, t_last_s=tr.history[-1].t_s, t_confirmed_s=tr.t_confirmed_s,
            confirmed=tr.t_confirmed_s is not None, cls=max(probs, key=lambda c: probs[c]) if probs else "",
            probabilities=dict(probs),
        ))
    t0 = min(first_seen.values(), default=t_end_s)
    times = np.arange(t0, t_end_s, step_s)
    g, loc, missed, false = [], [], [], []
    at = {o.id: np.asarray(o.state(times), dtype=np.float64).reshape(len(times), 6) for o in objects}
    for k, t in enumerate(times):
        seen = [o for o in objects if first_seen.get(o.id, math.inf) <= t and np.all(np.isfinite(at[o.id][k]))]
        est_ids, est = [], []
        for tr in tracks:
            if tr.t_confirmed_s is None or tr.t_confirmed_s > t or (tr.t_deleted_s is not None and tr.t_deleted_s <= t):
                continue
            pos = _position_at(tr.history, float(t))
            if pos is not None:
                est_ids.append(tr.id)
                est.append(pos)
        truth = np.array([at[o.id][k, :3] for o in seen]).reshape(-1, 3)
        res = gospa(truth, np.array(est).reshape(-1, 3), c_m)
        g.append(res.distance_m)
        loc.append(res.localisation_m)
        missed.append(res.missed)
        false.append(res.false)
    switches = sum(sum(a[1] != b[1] for a, b in itertools.pairwise(sorted(seq))) for seq in took.values())
    objs = []
    for o in objects:
        mine = [f for f in figures if f.object == o.id]
        confirmed = [f.t_confirmed_s for f in mine if f.t_confirmed_s is not None]
        objs.append(ObjectFigures(
            id=o.id, kind=o.kind, first_detection_s=first_seen.get(o.id),
            first_confirmed_track_s=min(confirmed) if confirmed else None,
            classified_s=_classified_s(o, mine, classes_over_time),
            tracks=tuple(f.id for f in mine),
        ))
    return SceneScore(times_s=times, gospa_m=np.array(g), localisation_m=np.array(loc), missed=np.array(missed),
                      false=np.array(false), identity_switches=switches, tracks=tuple(figures), objects=tuple(objs),
                      duration_s=float(t_end_s - t0), cutoff_m=c_m)


def _classified_s(obj: TruthObject, mine: Sequence[TrackFigures],
                  classes_over_time: Sequence[tuple[float, int, str]]) -> float | None:
    """From when the object's tracks were classified as its kind, and stayed so (None: never, or not at the end)."""
    ids = {f.id for f in mine}
    history = [(t, cls) for t, tid, cls in classes_over_time if tid in ids]
    if not history or history[-1][1] != _CLASS_OF_KIND.get(obj.kind, obj.kind):
        return None
    t = history[-1][0]
    for tk, cls in reversed(history):
        if cls != _CLASS_OF_KIND.get(obj.kind, obj.kind):
            break
        t = tk
    return t


_CLASS_OF_KIND: Mapping[str, str] = {"reentry-vehicle": "reentry-vehicle", "stage": "stage", "debris": "debris"}
