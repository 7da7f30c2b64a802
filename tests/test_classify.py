"""The classifier (sprn/tracking/classify.py): each piece of evidence moves the class
probabilities the way the physics says, and none moves them without evidence."""

import math

import numpy as np

from sprn.radar import Detection
from sprn.tracking import TrackerConfig
from sprn.tracking.classify import (
    CLASSES,
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


def draws_db(mean_m2, swerling, n, seed):
    """``n`` reports of a Swerling-fluctuating RCS of mean ``mean_m2`` (dB), each with 1 dB of
    estimation error."""
    rng = np.random.default_rng(seed)
    k = 1 if swerling in (1, 2) else 2
    return list(10 * np.log10(mean_m2 * rng.gamma(k, 1.0 / k, n)) + rng.normal(0.0, 1.0, n))


def test_a_stages_rcs_history_makes_a_stage_and_a_reentry_vehicles_makes_a_reentry_vehicle():
    """100 reports (a few minutes of one radar's track). Level: 20 m^2 against 0.3 m^2 is
    18 dB, about 4 nats at a track level's spread of 6.3 dB; 0.3 against 0.05 m^2 (debris)
    0.8 nats. Fluctuation: successive differences of Swerling 1 (5.7 dB with the estimation
    error) against Swerling 3 (3.6 dB) are worth 0.27 nats each for a stage and 0.15 for a
    reentry vehicle (the two Kullback-Leibler divergences), about half of them independent:
    17 and 8 nats in expectation, with a spread of a few. So over 20 seeds the right class
    must be the likeliest every time, and its mean probability above 0.95."""
    stage, rv = [], []
    for seed in range(20):
        p = class_probabilities(track(draws_db(20.0, 1, 100, seed)), BANDS, SIGNATURES)
        q = class_probabilities(track(draws_db(0.3, 3, 100, seed)), BANDS, SIGNATURES)
        assert max(p, key=p.get) == "stage" and max(q, key=q.get) == "reentry-vehicle", (seed, p, q)
        stage.append(p["stage"])
        rv.append(q["reentry-vehicle"])
    assert np.mean(stage) > 0.95 and np.mean(rv) > 0.95


def test_a_reentry_vehicle_seen_nose_on_stays_a_possible_reentry_vehicle():
    """Seen at a tenth of its all-aspect mean (0.03 against 0.3 m^2 at VHF, nose-on), the
    level says debris (0.05 m^2); hundreds of reports must not make that certain, since
    the aspect is common to all of them, and the stable body's small fluctuation says
    reentry vehicle: it stays above the centre's 5 % threat threshold."""
    p = class_probabilities(track(draws_db(0.03, 3, 300, 1)), BANDS, SIGNATURES)
    assert p["reentry-vehicle"] > 0.05


def test_a_learnt_drag_tells_a_light_body_from_a_reentry_vehicle_and_an_unlearnt_one_says_nothing():
    learnt_rv = class_probabilities(track(inv_beta=(2e-4, 2e-5)), BANDS, SIGNATURES)
    learnt_stage = class_probabilities(track(inv_beta=(1 / 150.0, 2e-5)), BANDS, SIGNATURES)
    assert learnt_rv["reentry-vehicle"] > 0.9 and learnt_stage["stage"] > 0.5
    # sigma at the prior's 1e-4: nothing learnt, so no class is favoured by drag
    vague = class_probabilities(track(inv_beta=(2e-4, 1e-4)), BANDS, SIGNATURES)
    assert abs(vague["reentry-vehicle"] - vague["stage"]) < 1e-12


def test_a_descending_track_in_its_boost_mode_keeps_its_rcs_evidence():
    """The boost mode likeliest on a descending track is drag the reentry mode did not expect
    (a light stage in reentry), not thrust: the track's reports still count. The same
    estimate climbing is thrust, and the reports before it are the booster's, not counted
    (without other evidence the three object classes are then equally likely)."""
    reports = draws_db(20.0, 1, 100, 7)
    r = np.array([6.5e6, 0.0, 0.0])
    for climb, counted in ((-1.0, True), (1.0, False)):
        tr = track(reports)
        x = np.concatenate([r, [climb * 2000.0, 3000.0, 0.0]])
        tr.history.append(TrackEstimate(t_s=260.0, x=x, p=np.eye(6), site="a", mode_probabilities=(0.05, 0.9, 0.05)))
        p = class_probabilities(tr, BANDS, SIGNATURES)
        if counted:
            assert p["stage"] > 0.95, p
        else:
            assert abs(p["stage"] - p["reentry-vehicle"]) < 1e-12 and abs(p["stage"] - p["debris"]) < 1e-12, p
