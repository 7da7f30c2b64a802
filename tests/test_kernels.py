"""The compiled loops of sprn.kernels against the numpy formulas of sprn.dynamics they replace."""

import numpy as np

from sprn import dynamics, geo, kernels


def _states(n=50, seed=4):
    """States from the ground to 3,000 km, at reentry speeds, some in the air and some in vacuum."""
    rng = np.random.default_rng(seed)
    lat = np.radians(rng.uniform(-89.0, 89.0, n))
    lon = np.radians(rng.uniform(-180.0, 180.0, n))
    alt = rng.uniform(0.0, 3.0e6, n)
    alt[:10] = rng.uniform(0.0, 120e3, 10)
    r = geo.lla_to_ecef(lat, lon, alt)
    v = rng.normal(0.0, 4000.0, (n, 3))
    return np.ascontiguousarray(np.concatenate([r, v], axis=1)), rng.uniform(0.0, 1e-3, n)


def test_derivative_is_the_sum_of_the_numpy_forces():
    x, inv_beta = _states()
    ref = dynamics.gravity_j2(x[:, :3]) + dynamics.frame_acceleration(x) + dynamics.drag_acceleration(x, inv_beta)
    out = kernels.derivative(x, inv_beta)
    assert np.array_equal(out[:, :3], x[:, 3:])
    # The same formulas summed in another order: round-off, relative 1e-12 of gravity (~10 m/s^2).
    assert np.allclose(out[:, 3:], ref, rtol=1e-12, atol=1e-11)


def test_jacobian_is_the_numpy_jacobian():
    x, _ = _states()
    batch = dynamics.ballistic_jacobian(x)  # the numpy path for arrays of states
    for i in range(len(x)):
        # Same central differences of the same gravity: round-off only.
        assert np.allclose(kernels.jacobian(x[i]), batch[i], rtol=1e-9, atol=1e-15)


def test_rk4_is_the_classical_step_of_the_derivative():
    x, inv_beta = _states()

    def f(s):
        return kernels.derivative(np.ascontiguousarray(s), inv_beta)

    # dynamics.rk4_step (numpy, generic) with the compiled derivative: the same arithmetic.
    ref = dynamics.rk4_step(f, x, 2.0)
    ref = dynamics.rk4_step(f, ref, 2.0)
    assert np.allclose(kernels.rk4(x, inv_beta, 2.0, 2), ref, rtol=1e-13, atol=1e-9)


def test_to_ground_lands_on_the_ellipsoid_forward_and_back():
    x, inv_beta = _states()
    falling = x[10:20].copy()
    falling[:, 3:] = -300.0 * falling[:, :3] / np.linalg.norm(falling[:, :3], axis=1, keepdims=True)
    t, xg = kernels.to_ground(np.ascontiguousarray(falling), inv_beta[10:20], 1.0, 7200.0)
    assert np.all(t > 0.0)
    # The secant iterations put the crossing within a metre of 0 m height.
    assert np.allclose(dynamics.altitude_m(xg[:, :3]), 0.0, atol=1.0)
    back, _ = kernels.to_ground(np.ascontiguousarray(falling), np.zeros(10), -1.0, 7200.0)
    assert np.all(back < 0.0)


def test_measurement_moments_are_filterpys_unscented_transform_away_from_north():
    from filterpy.kalman import MerweScaledSigmaPoints, unscented_transform

    from sprn.radar import Site, measure

    site = Site.from_degrees(name="s", lat_deg=43.0, lon_deg=132.0, alt_m=50.0, sigma_range_m=50.0,
                             sigma_az_deg=0.05, sigma_el_deg=0.05, revisit_s=1.0, min_el_deg=0.0,
                             max_range_km=5000.0)
    x = _states()[0][12].copy()
    x[:3] = geo.lla_to_ecef(np.radians(38.0), np.radians(136.0), 400e3)  # south-east of the site
    p = np.diag([4e6, 4e6, 4e6, 1e2, 1e2, 1e2])
    points = MerweScaledSigmaPoints(6, alpha=1.0, beta=2.0, kappa=0.0)
    sig = kernels.sigma_points(x, p, 6.0)
    assert np.allclose(sig, points.sigma_points(x, p), rtol=0, atol=1e-6)
    r = np.diag([50.0, 1e-3, 1e-3, 1.0]) ** 2
    z_pred, s, pxz, s_inv = kernels.measurement_moments(site.enu_rotation, site.r_ecef_m, sig, x, points.Wm,
                                                        points.Wc, r, True)
    zs = measure(site, sig, True)
    ref_z, ref_s = unscented_transform(zs, points.Wm, points.Wc, r)
    # Azimuths near 130 deg, far from the wrap: the plain sums are filterpy's (round-off only).
    assert np.allclose(z_pred, ref_z, rtol=1e-12, atol=1e-12)
    assert np.allclose(s, ref_s, rtol=1e-9, atol=1e-12)
    assert np.allclose(pxz, (points.Wc[:, None] * (sig - x)).T @ (zs - ref_z), rtol=1e-9, atol=1e-9)
    assert np.allclose(s_inv @ s, np.eye(4), atol=1e-9)


def test_lloyd_converges_to_the_weighted_means_of_its_clusters():
    rng = np.random.default_rng(2)
    z = np.concatenate([rng.normal(c, 0.3, (300, 3)) for c in ((0, 0, 0), (3, 0, 0), (0, 3, 1))])
    w = rng.uniform(0.5, 1.5, len(z))
    centres = np.array([[0.5, 0.5, 0.0], [2.5, 0.0, 0.0], [0.0, 2.5, 0.5]])
    labels = kernels.lloyd(z, w, centres, 50)
    # At the fixed point every point is nearest its own centre and every centre is the
    # weighted mean of its points (exactly, up to summation order).
    d2 = ((z[:, None, :] - centres[None]) ** 2).sum(axis=-1)
    assert np.array_equal(labels, np.argmin(d2, axis=1))
    for k in range(3):
        sel = labels == k
        assert np.allclose(centres[k], w[sel] @ z[sel] / w[sel].sum(), rtol=0, atol=1e-12)
    assert sorted(np.bincount(labels)) == [300, 300, 300]  # well separated: the generating clusters
