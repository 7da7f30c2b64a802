"""Equations of motion: gravity against its potential, energy conservation, the STM."""

import numpy as np
import pytest

from sprn import dynamics, geo, kernels


def _state(lat_deg=40.0, lon_deg=125.0, alt_m=300e3, v_enu=(2000.0, 1000.0, 3000.0)):
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    r = geo.lla_to_ecef(lat, lon, alt_m)
    return np.concatenate([r, geo.enu_rotation(lat, lon).T @ np.asarray(v_enu)])


def test_gravity_is_minus_gradient_of_potential():
    r = _state()[:3]
    h = 1.0
    grad = np.array(
        [(dynamics.gravity_potential(r + h * e) - dynamics.gravity_potential(r - h * e)) / (2 * h) for e in np.eye(3)]
    )
    # Central differences of a 6e7 J/kg potential at 1 m: round-off ~1e-8 m/s^2.
    assert np.allclose(kernels.gravity(*r), -grad, atol=1e-6)


def test_surface_gravity_textbook():
    # Normal gravity (Somigliana): 9.7803 at the equator, 9.8322 m/s^2 at the poles, including centrifugal;
    # our J2 field reproduces them to about 0.01 % (the rest is J4 and beyond).
    x_eq = np.array([geo.A_M, 0.0, 0.0, 0.0, 0.0, 0.0])
    x_pole = np.array([0.0, 0.0, geo.B_M, 0.0, 0.0, 0.0])
    g_eq = np.linalg.norm(dynamics.ballistic_derivative(x_eq)[3:])
    g_pole = np.linalg.norm(dynamics.ballistic_derivative(x_pole)[3:])
    assert g_eq == pytest.approx(9.7803253, rel=2e-4)
    assert g_pole == pytest.approx(9.8321849, rel=2e-4)


def test_jacobi_integral_conserved_in_vacuum():
    x0 = _state(v_enu=(1500.0, 800.0, 5000.0))
    c0 = dynamics.jacobi_integral(x0)
    x = dynamics.propagate(x0, 1500.0, max_step_s=1.0)
    # RK4 with 1 s steps: local error ~h^5, the integral drifts < 1e-9 relative over 25 min.
    assert abs(dynamics.jacobi_integral(x) / c0 - 1.0) < 1e-9


def test_drag_always_removes_energy():
    x0 = _state(alt_m=60e3, v_enu=(3000.0, 0.0, -2000.0))
    c0 = dynamics.jacobi_integral(x0)
    x = dynamics.propagate(x0, 5.0, inv_beta_m2_kg=1 / 3000.0, max_step_s=0.05)
    assert dynamics.jacobi_integral(x) < c0


def test_propagation_is_vectorised_and_reversible():
    rng = np.random.default_rng(4)
    states = _state() + rng.normal(scale=[1e3, 1e3, 1e3, 10, 10, 10], size=(1000, 6))
    fwd = dynamics.propagate(states, 60.0)
    back = dynamics.propagate(fwd, -60.0)
    assert fwd.shape == (1000, 6)
    assert np.abs(back - states).max() < 1e-5
    assert np.allclose(fwd[17], dynamics.propagate(states[17], 60.0))


def test_stm_matches_finite_differences():
    x0 = _state()
    dt = 60.0
    _, phi = dynamics.propagate_with_stm(x0, dt)
    num = np.zeros((6, 6))
    for i, step in enumerate([10.0, 10.0, 10.0, 0.01, 0.01, 0.01]):
        d = np.zeros(6)
        d[i] = step
        num[:, i] = (dynamics.propagate(x0 + d, dt) - dynamics.propagate(x0 - d, dt)) / (2 * step)
    # The variational equations on RK4's stages are the derivative of the RK4 map itself:
    # only the central differences on both sides remain (relative 1e-8).
    assert np.all(np.abs(phi - num) <= 1e-7 * (np.abs(num) + 1.0))
