"""Impact prediction: exactness on noise-free states, ellipse geometry and coverage."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from sprn import dynamics, geo
from sprn.impact import K95, predict_impact, propagate_to_ground

INV_BETA = 1.0 / 4000.0


def _state(alt_m=600e3, v_enu=(3000.0, 1500.0, -1500.0), lat=41.0, lon=131.0):
    la, lo = np.radians(lat), np.radians(lon)
    r = geo.lla_to_ecef(la, lo, alt_m)
    return np.concatenate([r, geo.enu_rotation(la, lo).T @ np.asarray(v_enu)])


def _reference_impact(x0, inv_beta):
    """DOP853 at rtol 1e-12 with an exact geodetic-height event: an independent integrator."""

    def ground(t, x):
        return geo.ecef_to_lla(x[:3])[2]

    ground.terminal = True
    ground.direction = -1
    sol = solve_ivp(
        lambda t, x: dynamics.ballistic_derivative(x, inv_beta), (0.0, 5000.0), x0,
        method="DOP853", rtol=1e-12, atol=1e-6, events=ground,
    )
    return sol.t_events[0][0], sol.y_events[0][0]


@pytest.mark.parametrize("inv_beta", [0.0, INV_BETA, 1.0 / 1000.0])
def test_noise_free_state_lands_on_the_reference_within_10_m(inv_beta):
    x0 = _state()
    t_ref, x_ref = _reference_impact(x0, inv_beta)
    tof, xi = propagate_to_ground(x0[None, :], inv_beta)
    assert abs(tof[0] - t_ref) < 0.01
    assert np.linalg.norm(xi[0, :3] - x_ref[:3]) < 10.0


def test_zero_covariance_gives_a_point_and_the_truth():
    x0 = _state()
    t_ref, x_ref = _reference_impact(x0, INV_BETA)
    pred = predict_impact(x0, np.eye(6) * 1e-12, 100.0, INV_BETA)
    lat, lon, _ = geo.ecef_to_lla(x_ref[:3])
    assert geo.geodesic_distance_m(pred.lat_deg, pred.lon_deg, np.degrees(lat), np.degrees(lon)) < 10.0
    assert pred.t_impact_s == pytest.approx(100.0 + t_ref, abs=0.01)
    assert pred.semi_major_km < 1e-3


def test_ellipse_follows_downrange_uncertainty():
    # Speed uncertainty along the (eastward) velocity spreads impacts downrange, east-west.
    x0 = _state(v_enu=(3000.0, 0.0, -1500.0))
    u = x0[3:] / np.linalg.norm(x0[3:])
    p = np.eye(6) * 1e-6
    p[3:, 3:] += 25.0 * np.outer(u, u)
    pred = predict_impact(x0, p, 0.0, INV_BETA)
    _, xi = propagate_to_ground(x0[None, :], INV_BETA)
    lat, lon, _ = geo.ecef_to_lla(xi[0, :3])
    v_enu = geo.enu_rotation(float(lat), float(lon)) @ xi[0, 3:]
    heading = np.degrees(np.arctan2(v_enu[0], v_enu[1])) % 180.0  # ground track turns on the way
    assert pred.semi_major_km > 20 * pred.semi_minor_km
    # The locus of impacts for different speeds is close to, not exactly, the final heading
    # (longer flights turn more under Coriolis and on the curved Earth): within 2 degrees.
    assert abs(pred.orientation_deg - heading) < 2.0
    assert pred.semi_major_50_km == pytest.approx(pred.semi_major_km * np.sqrt(-2 * np.log(0.5)) / K95)


def test_95_percent_ellipse_covers_95_percent_of_sampled_impacts():
    # Linear regime (small covariance): the fraction of Monte Carlo impacts inside the 95 % ellipse
    # must be 0.95 within 3 binomial standard errors (n = 2000: 3 x 0.0049).
    x0 = _state()
    p = np.diag([200.0, 200.0, 200.0, 0.5, 0.5, 0.5]) ** 2
    pred = predict_impact(x0, p, 0.0, INV_BETA)
    rng = np.random.default_rng(7)
    samples = rng.multivariate_normal(x0, p, size=2000)
    _, xi = propagate_to_ground(samples, INV_BETA)
    lat0, lon0 = np.radians(pred.lat_deg), np.radians(pred.lon_deg)
    en = ((xi[:, :3] - geo.lla_to_ecef(lat0, lon0, 0.0)) @ geo.enu_rotation(lat0, lon0).T)[:, :2]
    a = np.radians(pred.orientation_deg)
    major = en @ np.array([np.sin(a), np.cos(a)])
    minor = en @ np.array([np.cos(a), -np.sin(a)])
    inside = (major / (pred.semi_major_km * 1e3)) ** 2 + (minor / (pred.semi_minor_km * 1e3)) ** 2 <= 1.0
    assert abs(inside.mean() - 0.95) < 3 * np.sqrt(0.95 * 0.05 / 2000)


def test_truth_states_of_the_kusong_flight_land_on_its_impact():
    # Issue 8: a noise-free state propagates to the true impact within 10 m. The truth is an
    # independent adaptive integration (scipy RK45/DOP853, rtol 1e-8) of the same equations.
    from pathlib import Path

    from sprn import scenario
    from sprn.trajectory import fly

    scen = scenario.load(Path(__file__).resolve().parents[1] / "scenarios" / "kusong-2017-05-14.toml")
    truth = fly(scen.shot)
    x_impact = truth.state(truth.t_impact_s)
    for t in (300.0, 956.0, 1500.0, 1790.0):
        tof, xi = propagate_to_ground(truth.state(t)[None, :], truth.inv_beta_m2_kg)
        assert np.linalg.norm(xi[0, :3] - x_impact[:3]) < 10.0
        assert abs(t + tof[0] - truth.t_impact_s) < 0.05
