"""A track's learnt detectability (sprn/tracking/detectability.py) against targets of known
RCS, seen the way the simulation's radars see them (a Swerling draw of the RCS, then the
steady target's detection probability at the drawn SNR, as sprn.radar.detection.dwell_at)."""

import math

import numpy as np

from sprn.radar.detection import detection_probability, pd_swerling0
from sprn.tracking.detectability import Detectability

PFA = 1e-6


def looks(mean_m2, swerling, snr_per_m2, n, seed):
    """``n`` dwells on a target: (detected, the look's RCS in dBsm)."""
    rng = np.random.default_rng(seed)
    k = 1 if swerling == 1 else 2
    rcs = mean_m2 * rng.gamma(k, 1.0 / k, n)
    hit = rng.random(n) < pd_swerling0(snr_per_m2 * rcs, PFA)
    return hit, 10.0 * np.log10(rcs)


def learnt(hit, rcs_db, snr_per_m2):
    d = Detectability()
    for h, r in zip(hit, rcs_db):
        if h:
            d.report("VHF", float(r))
        else:
            d.miss("VHF", snr_per_m2, PFA)
    return d


def test_a_faint_targets_detection_probability_and_rcs_are_learnt_without_the_thresholds_bias():
    """A reentry vehicle of 0.3 m^2 (Swerling 3) where the radar's Pd is 0.2, over 400
    dwells: the learnt Pd is within 3 binomial sigmas of the truth (0.06), and the learnt
    mean RCS within 1.5 dB (the grid's 1 dB and the mean of ~80 looks' 3.5 dB spread, 0.4
    dB, at 2.5 sigma), where the plain average of the detected looks is biased high by the
    threshold (only the strong looks cross it)."""
    mean_m2 = 0.3
    per_m2 = 1.0
    while float(detection_probability(per_m2 * mean_m2, PFA, 3)) < 0.2:  # the SNR per m^2 giving Pd 0.2
        per_m2 *= 1.01
    truth = float(detection_probability(per_m2 * mean_m2, PFA, 3))
    for seed in range(3):
        hit, rcs_db = looks(mean_m2, 3, per_m2, 400, seed)
        d = learnt(hit, rcs_db, per_m2)
        assert abs(d.pd("VHF", per_m2, PFA) - truth) < 3.0 * math.sqrt(truth * (1 - truth) / 400)
        true_db = 10.0 * math.log10(mean_m2) - 1.18  # the mean of 10 log10 of a Swerling 3 look
        assert abs(d.mean_rcs_dbsm("VHF") - 10.0 * math.log10(mean_m2)) < 1.5
        assert float(np.mean(rcs_db[hit])) - true_db > 2.0  # what the threshold does to a plain average


def test_the_fluctuation_tells_the_swerling_case_and_a_band_learns_alone():
    """A bright tumbling stage (20 m^2, Swerling 1, mean SNR 20 dB: Pd 0.87, a Swerling 1
    target's deep fades) at VHF, 200 dwells: the posterior puts most of its weight on
    Swerling 1 (the looks' 5.6 dB spread against 3.5 dB), the learnt Pd is within 3
    binomial sigmas of the truth, and a UHF grid that saw nothing stays at its prior."""
    per_m2 = 5.0
    hit, rcs_db = looks(20.0, 1, per_m2, 200, 4)
    d = learnt(hit, rcs_db, per_m2)
    w = np.exp(d.log_post["VHF"] - d.log_post["VHF"].max())
    assert w[0].sum() / w.sum() > 0.9
    truth = float(detection_probability(per_m2 * 20.0, PFA, 1))
    assert abs(d.pd("VHF", per_m2, PFA) - truth) < 3.0 * math.sqrt(truth * (1 - truth) / 200)
    prior = Detectability()
    assert d.pd("UHF", per_m2, PFA) == prior.pd("UHF", per_m2, PFA)


def test_kept_posterior_follows_every_report_and_miss():
    """A track's Detectability keeps its normalised posterior until a report or miss
    changes it; after every report and miss what it answers must be what a fresh one fed
    the same sequence answers."""
    kept = Detectability()
    events = [("miss", 5.0), ("report", -3.0), ("miss", 5.0), ("miss", 2.0), ("report", 1.0), ("miss", 5.0)]
    pds = []
    for k, (kind, value) in enumerate(events):
        pds.append(kept.pd("VHF", 5.0, 1e-6))
        if kind == "miss":
            kept.miss("VHF", value, 1e-6)
        else:
            kept.report("VHF", value)
        replay = Detectability()
        for kind2, value2 in events[: k + 1]:
            replay.miss("VHF", value2, 1e-6) if kind2 == "miss" else replay.report("VHF", value2)
        assert kept.pd("VHF", 5.0, 1e-6) == replay.pd("VHF", 5.0, 1e-6)
        assert kept.mean_rcs_dbsm("VHF") == replay.mean_rcs_dbsm("VHF")
    assert pds[1] < pds[0]  # a miss where the radar should have seen it lowers the next pd
