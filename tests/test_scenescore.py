"""Scoring a scene (sprn/scenescore.py): GOSPA's parts against its formula, identity
switches and purity from the reports' truth labels, on hand-made tracks and reports."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from sprn.radar import Detection
from sprn.scenescore import gospa, score_scene
from sprn.tracking.track import TrackEstimate


def test_gospa_splits_into_localisation_misses_and_false_tracks():
    c = 20e3
    truth = np.array([[0.0, 0.0, 0.0], [1e6, 0.0, 0.0]])
    assert gospa(truth, truth, c).distance_m == 0.0
    one = gospa(truth, truth[:1] + [300.0, 400.0, 0.0], c)
    assert (one.missed, one.false) == (1, 0)
    assert one.distance_m == pytest.approx(math.sqrt(500.0**2 + c**2 / 2))
    far = gospa(truth[:1], truth[:1] + [30e3, 0.0, 0.0], c)
    assert (far.missed, far.false, far.distance_m) == (1, 1, pytest.approx(c))


class Still:
    """A truth object at rest at ``r`` (scoring asks only for its state)."""

    def __init__(self, name, r):
        self.id, self.kind, self.r = name, "reentry-vehicle", np.asarray(r, dtype=float)

    def state(self, t_s):
        one = np.concatenate([self.r, np.zeros(3)])
        return np.tile(one, (np.size(t_s), 1)) if np.ndim(t_s) else one


def report(t_s):
    return Detection(t_s=t_s, site="a", z=np.array([1e6, 0.0, 0.1]), sigma=np.ones(3))


def track(tid, reports, r):
    est = [TrackEstimate(t_s=d.t_s, x=np.concatenate([r, np.zeros(3)]), p=np.eye(6), site="a") for d in reports]
    return SimpleNamespace(id=tid, reports=reports, history=est, t_confirmed_s=reports[0].t_s, t_deleted_s=None)


def scored(objects, tracks, labelled):
    dets = sorted((d for d, _ in labelled), key=lambda d: d.t_s)
    labels = {id(d): lab for d, lab in labelled}
    out = SimpleNamespace(detections=dets, tracker=SimpleNamespace(tracks=tracks), classes={},
                          label_map=lambda: labels)
    return score_scene(objects, out, 40.0)  # type: ignore[arg-type]


def test_identity_switches_count_changes_of_the_track_taking_an_objects_own_reports():
    """Two objects 1 km apart (far inside the 20 km cut-off). Track 1 takes a's reports until
    20 s, then b's; track 2 the other way round: each object changed tracks once (2 switches),
    and each track is half pure. A merged report (both labels) counts for no switch."""
    a, b = Still("a", [6.4e6, 0.0, 0.0]), Still("b", [6.4e6, 1e3, 0.0])
    first = [report(float(t)) for t in range(0, 40, 2)]
    second = [report(float(t) + 0.5) for t in range(0, 40, 2)]
    merged = report(41.0)
    labelled = ([(d, ("a",) if d.t_s < 20 else ("b",)) for d in first]
                + [(d, ("b",) if d.t_s < 20 else ("a",)) for d in second] + [(merged, ("a", "b"))])
    sc = scored([a, b], [track(1, [*first, merged], a.r), track(2, second, b.r)], labelled)
    assert sc.identity_switches == 2
    assert [round(f.purity, 2) for f in sc.tracks] == [round(11 / 21, 2), 0.5]
    steady = scored([a, b], [track(1, first, a.r), track(2, second, b.r)],
                    [(d, ("a",)) for d in first] + [(d, ("b",)) for d in second])
    assert steady.identity_switches == 0 and all(f.purity == 1.0 for f in steady.tracks)


def test_a_run_that_saw_nothing_scores_without_error():
    """No report of any object: no GOSPA time before the end (the Monte Carlo run of a
    flight no radar saw)."""
    objects = [Still("rv", [7e6, 0.0, 0.0])]
    out = SimpleNamespace(label_map=lambda: {}, tracker=SimpleNamespace(tracks=[]), classes={}, detections=[])
    score = score_scene(objects, out, 40.0)  # type: ignore[arg-type]
    assert score.times_s.size == 0 and score.objects[0].first_detection_s is None
