"""The measurement function: its inverse, its Jacobian, angle wrapping, the Detection record."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sprn import geo
from sprn.radar import (
    Detection,
    Site,
    measure,
    measurement_jacobian,
    position_from_measurement,
    residual,
)

SITE = Site.from_degrees(
    name="Mishelevka", lat_deg=52.8555, lon_deg=103.2317, alt_m=500.0, sigma_range_m=100.0,
    sigma_az_deg=0.1, sigma_el_deg=0.1, revisit_s=10.0, min_el_deg=2.0, max_range_km=6000.0,
)


def _target(lat, lon, alt_m, v=(1000.0, -2000.0, 3000.0)):
    r = geo.lla_to_ecef(np.radians(lat), np.radians(lon), alt_m)
    return np.concatenate([r, np.asarray(v, dtype=float)])


@given(st.floats(30.0, 70.0), st.floats(80.0, 140.0), st.floats(10e3, 3000e3))
@settings(max_examples=200, deadline=None)  # the first example may compile the numba kernels
def test_inverse_recovers_position(lat, lon, alt):
    x = _target(lat, lon, alt)
    z = measure(SITE, x)
    assert np.allclose(position_from_measurement(SITE, z), x[:3], atol=1e-5)
    assert 0.0 <= z[1] < 2 * np.pi and -np.pi / 2 <= z[2] <= np.pi / 2


@given(st.floats(30.0, 70.0), st.floats(80.0, 140.0), st.floats(50e3, 3000e3))
@settings(max_examples=100, deadline=None)  # the first example may compile the numba kernels
def test_jacobian_matches_finite_differences(lat, lon, alt):
    x = _target(lat, lon, alt)
    jac = measurement_jacobian(SITE, x, with_range_rate=True)
    num = np.zeros_like(jac)
    for i in range(6):
        d = np.zeros(6)
        d[i] = 1.0 if i < 3 else 0.01
        num[:, i] = residual(measure(SITE, x + d, True), measure(SITE, x - d, True)) / (2 * d[i])
    # Central differences: truncation ~ (1 m / range)^2 relative; compare against the row's scale.
    scale = np.abs(jac).max(axis=1, keepdims=True)
    assert np.all(np.abs(jac - num) <= 1e-6 * scale)


def test_range_rate_sign():
    x = _target(40.0, 125.0, 500e3)
    los = x[:3] - SITE.r_ecef_m
    away = np.concatenate([x[:3], los / np.linalg.norm(los) * 100.0])
    assert abs(measure(SITE, away, True)[3] - 100.0) < 1e-9


def test_azimuth_residual_wraps_across_north():
    a = np.array([1000.0, np.radians(359.9), 0.1])
    b = np.array([1000.0, np.radians(0.1), 0.1])
    assert np.isclose(residual(a, b)[1], np.radians(-0.2))
    assert np.isclose(residual(b, a)[1], np.radians(0.2))


def test_detection_arrays_are_read_only():
    det = Detection(t_s=1.0, site="a", z=[1.0, 2.0, 3.0], sigma=[1.0, 0.1, 0.1])
    assert not det.z.flags.writeable
    assert np.allclose(det.covariance, np.diag([1.0, 0.01, 0.01]))
