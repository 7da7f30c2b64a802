"""The classifier (sprn/tracking/classify.py): each piece of evidence moves the class
probabilities the way the physics says, and none moves them without evidence."""

import math

import numpy as np

from sprn.radar import Detection
from sprn.tracking import TrackerConfig
from sprn.tracking.classify import (
    CLASSES,
    SWERLING_LOG_BIAS_DB,
    Signature,
    class_probabilities,
)
from sprn.tracking.track import Track, TrackEstimate

SIGNATURES = {
    "reentry-vehicle": Signature(vhf_m2=0.3, other_m2=0.1, swerling=3),
    "stage": Signature(vhf_m2=20.0, other_m2=20.0, swerling=1),
    "debris": Signature(vhf_m2=0.05, other_m2=0.02, swerling=1),
}
BANDS = {"a": "VHF"}


def track(rcs_dbsm=(), inv_beta=(math.nan, math.nan), score=50.0):
    """A confirmed track after boost: reports of the given RCS, one estimate of 1/beta."""
    reports = [Detection(t_s=100.0 + k, site="a", z=np.array([1e6, 0.0, 0.1]), sigma=np.ones(3), rcs_dbsm=r)
               for k, r in enumerate(rcs_dbsm)]
    est = TrackEstimate(t_s=200.0, x=np.zeros(6), p=np.eye(6), site="a", mode_probabilities=(0.9, 0.0, 0.1),
                        inv_beta_m2_kg=inv_beta[0], sigma_inv_beta_m2_kg=inv_beta[1])
    tr = Track(id=1, config=TrackerConfig(), filter=None, t_s=200.0, reports=reports, history=[est],  # type: ignore[arg-type]
               score=score)
    return tr


def test_without_evidence_the_classes_are_as_likely_as_their_priors_less_the_score_against_false():
    p = class_probabilities(track(score=0.0), BANDS, SIGNATURES)
    assert all(abs(p[c] - 0.25) < 1e-12 for c in CLASSES)
    p = class_probabilities(track(score=20.0), BANDS, SIGNATURES)
    assert p["false"] < 1e-8 and abs(p["stage"] - p["reentry-vehicle"]) < 1e-12


def test_a_stages_rcs_history_makes_a_stage_and_a_reentry_vehicles_makes_a_reentry_vehicle():
    stage_db = 10 * math.log10(20.0) + SWERLING_LOG_BIAS_DB[1]
    rv_db = 10 * math.log10(0.3) + SWERLING_LOG_BIAS_DB[3]
    assert class_probabilities(track([stage_db] * 10), BANDS, SIGNATURES)["stage"] > 0.99
    p = class_probabilities(track([rv_db] * 10), BANDS, SIGNATURES)
    # 0.3 against 0.05 m^2 at VHF is 7.8 dB apart, 1.3 spreads: ten reports tell them apart
    assert p["reentry-vehicle"] > 0.95 > p["debris"]


def test_a_learnt_drag_tells_a_light_body_from_a_reentry_vehicle_and_an_unlearnt_one_says_nothing():
    learnt_rv = class_probabilities(track(inv_beta=(2e-4, 2e-5)), BANDS, SIGNATURES)
    learnt_stage = class_probabilities(track(inv_beta=(1 / 150.0, 2e-5)), BANDS, SIGNATURES)
    assert learnt_rv["reentry-vehicle"] > 0.9 and learnt_stage["stage"] > 0.5
    # sigma at the prior's 1e-4: nothing learnt, so no class is favoured by drag
    vague = class_probabilities(track(inv_beta=(2e-4, 1e-4)), BANDS, SIGNATURES)
    assert abs(vague["reentry-vehicle"] - vague["stage"]) < 1e-12
