"""The default tracker from lift-off to impact (issue 14), over fixed seeds.

Each run: the Kusong shot with its reentry vehicle's ballistic coefficient drawn from
2,000-10,000 kg/m^2 (never told to the tracker), seen by three radars of fixed accuracy
from about 50 s after lift-off to 3 s before impact (tests/accuracy/liftoff.py), tracked
with ``TrackerConfig()`` as ``sprn track`` does with no option, and with ``--filter ekf``
and ``--filter ukf``. Tolerances and their reasons:

* **Never overconfident:** each phase's mean NEES over N runs at most the upper end of the
  two-sided 95 % band of chi-square(6 N) / N (Bar-Shalom, Li & Kirubarajan 2001, sec.
  5.4.2), each run's time-averaged NEES taken as one draw (a time average varies less than
  one draw, so the band is wider than the truth's).
* **Conservative by design, within a factor of two:** the default's process noise allows
  for what the world adds to sprn's simulation and the simulation leaves out (gravity
  beyond J2: J3, J4 and the tesseral C22 each give 1-3e-5 m/s^2; the air's departures from
  US 1976 and lift in reentry). On the simulation the covariance is therefore larger than
  the errors; each phase's mean NEES must be at least half the band's lower end.
  :func:`test_consistent_with_the_simulations_physics` sets the noise to what the
  simulation leaves out and holds the filter closer to the band.
* ``--filter ekf`` and ``--filter ukf``: mean NEES at most 20 in every phase (issue 14).
* First track state at most 15 s after the first report (issue 14).
* Free-flight position RMSE within 1.3 times the posterior Cramer-Rao bound of the
  free-flight reports (the filters are Gaussian approximations; ~10 % sampling error of
  an RMS ratio over 20 runs).
* Impact prediction at first report + 180 s: RMS miss within twice the RMS bound (the
  PCRLB of the state mapped to the ground, with the ballistic coefficient's prior).
* Impact time 60 s before impact: error under 3 s in every run (issue 14).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from accuracy.liftoff import PHASES, case, phase_scores, track
from sprn import geo, metrics
from sprn.tracking import TrackerConfig, chi2_band
from sprn.tracking.files import impact_predictions, track_table

SEEDS = range(20)


@pytest.fixture(scope="module")
def cases():
    return [case(s) for s in SEEDS]


@pytest.fixture(scope="module")
def default_runs(cases):
    return [track(c, TrackerConfig()) for c in cases]


def _phase_means(cases, runs):
    scores = [phase_scores(c, tk) for c, tk in zip(cases, runs)]
    return {ph: np.array([s[ph].nees for s in scores if ph in s]) for ph in PHASES}, scores


def test_default_is_never_overconfident_and_at_most_twice_conservative(cases, default_runs):
    means, _ = _phase_means(cases, default_runs)
    for ph, values in means.items():
        lo, hi = chi2_band(6, len(values))
        print(f"default, {ph}: mean NEES {values.mean():.2f} over {len(values)} runs (band {lo:.2f}-{hi:.2f})")
        assert lo / 2.0 <= values.mean() <= hi, ph


def test_consistent_with_the_simulations_physics(cases):
    """The same tracker with its noise set to what sprn's simulation leaves out: the
    integrators' differences (free flight, 1e-8 m^2/s^3) and the reentry vehicle's unknown
    drag only (no lift, no departure from US 1976: 1e-5). Never overconfident (the band's
    upper end), and conservative by at most a third below the band's lower end: the IMM's
    output covariance is its mixture's, which adds the spread of the modes to each (20
    runs: 4.4 in midcourse, 3.8 in reentry against a lower end of 4.6)."""
    cfg = TrackerConfig(q_m2_s3=1e-8, q_reentry_m2_s3=1e-5)
    means, _ = _phase_means(cases, [track(c, cfg) for c in cases])
    for ph, values in means.items():
        lo, hi = chi2_band(6, len(values))
        print(f"simulation's noise, {ph}: mean NEES {values.mean():.2f} (band {lo:.2f}-{hi:.2f})")
        assert lo / 1.5 <= values.mean() <= hi, ph


@pytest.mark.parametrize("name", ["ekf", "ukf"])
def test_single_model_filters_stay_honest_in_every_phase(cases, name):
    runs = [track(c, TrackerConfig(filter=name)) for c in cases]
    means, _ = _phase_means(cases, runs)
    switches = sum(len(tk.switches) for tk in runs)
    widened = sum(len(tk.widened) for tk in runs)
    print(f"{name}: " + ", ".join(f"{ph} {v.mean():.2f}" for ph, v in means.items())
          + f"; {switches} model switches, {widened} widened updates")
    for ph, values in means.items():
        assert values.mean() <= 20.0, ph


def test_track_starts_within_15_s_of_the_first_report(cases, default_runs):
    delays = np.array([tk.history[0].t_s - c.detections[0].t_s for c, tk in zip(cases, default_runs)])
    print(f"first track state after the first report: {delays.min():.1f}-{delays.max():.1f} s")
    assert delays.max() <= 15.0


def test_free_flight_rmse_within_1_3_pcrlb(cases, default_runs):
    cfg = TrackerConfig()
    sq_err = sq_bound = 0.0
    for c, tk in zip(cases, default_runs):
        free = [d for d in c.detections if c.truth.phase(d.t_s) == "midcourse"]
        bound = metrics.pcrlb(c.truth.state, free, c.sites, cfg.motion_model("ballistic"))
        for e in tk.history:
            if c.truth.phase(e.t_s) != "midcourse" or e.t_s < free[0].t_s:
                continue
            sq_err += float(np.sum((e.x[:3] - c.truth.state(e.t_s)[:3]) ** 2))
            sq_bound += float(np.trace(bound.at(e.t_s)[:3, :3]))
    ratio = float(np.sqrt(sq_err / sq_bound))
    print(f"free-flight position RMSE / PCRLB = {ratio:.3f}")
    assert ratio <= 1.3


def _boost_thrust(c):
    """The truth's non-gravitational acceleration at mid-boost (m/s^2): the boost model's
    thrust for the bound's Jacobians (which depend on it only through the position it adds)."""
    from sprn import dynamics

    boost = [d.t_s for d in c.detections if c.truth.phase(d.t_s) == "boost"]
    tm, h = 0.5 * (boost[0] + boost[-1]), 0.5
    x = c.truth.state(np.array([tm - h, tm, tm + h]))
    return (x[2, 3:] - x[0, 3:]) / (2 * h) - dynamics.ballistic_derivative(x[1], 0.0)[3:]


def test_boost_rmse_against_its_bounds(cases, default_runs):
    """The boost phase, from the first track state + 30 s (issue 14 asked for a position
    RMSE at most twice the free-flight one). Two posterior Cramer-Rao bounds over the boost
    reports (diffuse prior on ``[r, v]``):

    * with the boost model's own thrust random walk and the tracker's thrust prior: the
      tracker's RMSE within 1.3 times it (as in free flight: Gaussian approximations, ~10 %
      sampling error of an RMS ratio over 20 runs);
    * with the thrust *known* (no thrust uncertainty at all, no process noise): what no
      estimator can beat on these reports. It is above twice the tracker's free-flight RMSE,
      so issue 14's boost target cannot be met with these radars (one sees the boost at
      300-600 km, 0.05 deg: 260-520 m across the line of sight per fix) by any tracker.
    """
    from sprn.tracking.models import BoostModel

    cfg = TrackerConfig()
    err = own = known = free_err = 0.0
    n_boost = n_free = 0
    for c, tk in zip(cases, default_runs):
        t_from = tk.history[0].t_s + 30.0
        boost = [d for d in c.detections if c.truth.phase(d.t_s) == "boost"]
        thrust = list(_boost_thrust(c))
        p0 = np.diag([1e10] * 6 + [cfg.sigma_thrust_mps2**2] * 3)
        b_own = metrics.pcrlb(c.truth.state, boost, c.sites, cfg.motion_model("boost"), p0=p0, parameters=thrust)
        b_known = metrics.pcrlb(c.truth.state, boost, c.sites, BoostModel(q_m2_s3=1e-12, q_thrust_m2_s5=1e-12),
                                p0=np.diag([1e10] * 6 + [1e-12] * 3), parameters=thrust)
        for e in tk.history:
            phase = c.truth.phase(e.t_s)
            sq = float(np.sum((e.x[:3] - c.truth.state(e.t_s)[:3]) ** 2))
            if phase == "boost" and e.t_s >= t_from:
                err += sq
                own += float(np.trace(b_own.at(e.t_s)[:3, :3]))
                known += float(np.trace(b_known.at(e.t_s)[:3, :3]))
                n_boost += 1
            elif phase == "midcourse":
                free_err += sq
                n_free += 1
    rmse, rms_own, rms_known = (float(np.sqrt(v / n_boost)) for v in (err, own, known))
    free_rmse = float(np.sqrt(free_err / n_free))
    print(f"boost RMSE {rmse:.0f} m; PCRLB with the model's thrust noise {rms_own:.0f} m, with the thrust known "
          f"{rms_known:.0f} m; free-flight RMSE {free_rmse:.0f} m")
    assert rmse <= 1.3 * rms_own
    assert rms_known > 2.0 * free_rmse


def _miss_m(prediction, truth):
    lat, lon = truth.impact_lat_deg, truth.impact_lon_deg
    return float(geo.geodesic_distance_m(prediction.lat_deg, prediction.lon_deg, lat, lon))


def test_impact_at_first_report_plus_180_s_within_twice_the_bound(cases, default_runs):
    cfg = TrackerConfig()
    misses, bounds = [], []
    for c, tk in zip(cases, default_runs):
        t_eval = c.detections[0].t_s + 180.0
        table = track_table(tk)
        k = int(np.searchsorted(table.t_s, t_eval))
        one = dataclasses.replace(table, t_s=table.t_s[k:k + 1], x=table.x[k:k + 1], p=table.p[k:k + 1])
        (pred,) = impact_predictions(one, cfg.inv_beta_m2_kg, cfg.sigma_inv_beta_m2_kg)
        misses.append(_miss_m(pred, c.truth))
        t_k = float(table.t_s[k])
        free = [d for d in c.detections if c.truth.phase(d.t_s) == "midcourse" and d.t_s <= t_k]
        p6 = metrics.pcrlb(c.truth.state, free, c.sites, cfg.motion_model("ballistic")).at(t_k)
        p7 = np.zeros((7, 7))
        p7[:6, :6] = p6
        p7[6, 6] = cfg.sigma_inv_beta_m2_kg**2
        x7 = np.concatenate([c.truth.state(t_k), [1.0 / c.beta_kg_m2]])
        bounds.append(metrics.impact_bound_m(x7, p7))
    rms_miss, rms_bound = metrics.rms(misses), metrics.rms(bounds)
    print(f"impact at first report + 180 s: RMS miss {rms_miss / 1e3:.2f} km, RMS bound {rms_bound / 1e3:.2f} km")
    assert rms_miss <= 2.0 * rms_bound


def test_impact_time_60_s_before_impact_within_3_s(cases, default_runs):
    cfg = TrackerConfig()
    errors = []
    for c, tk in zip(cases, default_runs):
        table = track_table(tk)
        k = int(np.searchsorted(table.t_s, c.truth.t_impact_s - 60.0))
        one = dataclasses.replace(table, t_s=table.t_s[k:k + 1], x=table.x[k:k + 1], p=table.p[k:k + 1])
        (pred,) = impact_predictions(one, cfg.inv_beta_m2_kg, cfg.sigma_inv_beta_m2_kg)
        errors.append(pred.t_impact_s - c.truth.t_impact_s)
    errors = np.array(errors)
    print(f"impact-time error 60 s before impact: {np.abs(errors).max():.2f} s at most, RMS {metrics.rms(errors):.2f} s")
    assert np.abs(errors).max() < 3.0
