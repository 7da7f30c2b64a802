"""Impact-prediction uncertainty is honest: the 95 % ellipse covers the truth 95 % of the time.

Over N = 100 seeded runs of the own-radars Kusong scenario (noise only, truth flown
once), the ellipse of the prediction made 180 s after the first detection must contain
the true impact in 95 % +/- 3 Monte Carlo standard errors of the runs (3 x sqrt(0.95 x
0.05 / 100) = 6.5 %), the acceptance bound of the impact-prediction issue.
"""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sprn import engagement, geo, scenario
from sprn.trajectory import fly

ROOT = Path(__file__).resolve().parents[2]
RUNS = 100


def _inside_95(pred, lat_deg, lon_deg):
    lat0, lon0 = np.radians(pred.lat_deg), np.radians(pred.lon_deg)
    d = geo.lla_to_ecef(np.radians(lat_deg), np.radians(lon_deg), 0.0) - geo.lla_to_ecef(lat0, lon0, 0.0)
    e, n = (geo.enu_rotation(lat0, lon0) @ d)[:2]
    a = np.radians(pred.orientation_deg)
    major = e * np.sin(a) + n * np.cos(a)
    minor = e * np.cos(a) - n * np.sin(a)
    return (major / (pred.semi_major_km * 1e3)) ** 2 + (minor / (pred.semi_minor_km * 1e3)) ** 2 <= 1.0


@pytest.mark.parametrize("runs", [RUNS])
def test_95_percent_ellipse_contains_the_truth(runs):
    scen = scenario.load(ROOT / "scenarios" / "kusong-2017-05-14-own-radars.toml")
    # Only the +180 s checkpoint is scored; no periodic assessments, no threat sampling.
    scen = dataclasses.replace(
        scen, sim=dataclasses.replace(scen.sim, predict_every_s=1e9, checkpoints_s=(180.0,))
    )
    truth = fly(scen.shot)
    hits = []
    for seed in range(runs):
        result = engagement.run_scenario(scen, seed=1000 + seed, truth=truth)
        pred, _ = result.prediction_at(180.0)
        hits.append(_inside_95(pred, truth.impact_lat_deg, truth.impact_lon_deg))
    share = float(np.mean(hits))
    se = np.sqrt(0.95 * 0.05 / runs)
    print(f"95 % ellipse at +180 s contains the true impact in {share:.0%} of {runs} runs (bound 95 % +/- {3 * se:.1%})")
    assert abs(share - 0.95) <= 3 * se
