"""sprn/engagement.py's view of the reentry vehicle's tracks among every track of a scene."""

from types import SimpleNamespace

import numpy as np

from sprn import engagement, sim
from sprn.radar import Detection
from sprn.tracking.track import TrackEstimate


def test_rv_history_is_the_estimates_of_the_tracks_that_followed_the_reentry_vehicle_in_time_order():
    """A track follows the reentry vehicle when more than half its reports are the
    vehicle's (a merged report counts): track 2's are; track 1's (the stage's, one merged
    with the vehicle) and track 3's (one the vehicle's, one a false alarm) are not."""
    def rep(t):
        return Detection(t_s=t, site="a", z=np.array([1e6, 0.0, 0.1]), sigma=np.ones(3))

    def est(t, tid):
        return TrackEstimate(t_s=t, x=np.zeros(6), p=np.eye(6), site="a", track_id=tid)

    stage = [rep(1.0), rep(3.0)]
    rv_a, rv_b = [rep(2.0), rep(6.0)], [rep(4.0), rep(5.0)]
    labels = {id(stage[0]): ("M1-stage1",), id(stage[1]): ("M1-stage1", sim.RV_ID),
              id(rv_a[0]): (sim.RV_ID,), id(rv_a[1]): (sim.RV_ID,), id(rv_b[0]): (sim.RV_ID,), id(rv_b[1]): ()}
    tracks = [SimpleNamespace(id=k, reports=r, history=[est(d.t_s, k) for d in r])
              for k, r in ((1, stage), (2, rv_a), (3, rv_b))]
    out = SimpleNamespace(tracker=SimpleNamespace(tracks=tracks), label_map=lambda: labels)
    hist = engagement.rv_history(out)  # type: ignore[arg-type]
    assert [(e.track_id, e.t_s) for e in hist] == [(2, 2.0), (2, 6.0)]
