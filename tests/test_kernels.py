"""The compiled kernels of sprn.kernels against independent references.

Closed forms (point-mass and J2 gravity on the axes, the frame's terms), the US 1976
table (tests/test_atmosphere.py), scipy's DOP853 at rtol 1e-12 for RK4 and for the
transition matrices (by central differences of DOP853 flights), and filterpy for the
sigma points and the unscented transform. No second copy of a formula is kept for them.
"""

import numpy as np
import pytest
from filterpy.kalman import MerweScaledSigmaPoints, unscented_transform
from scipy.integrate import solve_ivp

from sprn import dynamics, geo, kernels
from sprn.geo import A_M, B_M, GM_M3_S2, J2, OMEGA_EARTH_RAD_S


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


def _state(lat_deg=40.0, lon_deg=125.0, alt_m=300e3, v_enu=(2000.0, 1000.0, 3000.0)):
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    r = geo.lla_to_ecef(lat, lon, alt_m)
    return np.concatenate([r, geo.enu_rotation(lat, lon).T @ np.asarray(v_enu)])


@pytest.mark.parametrize("r", [A_M, A_M + 300e3, A_M + 3.0e6])
def test_gravity_on_the_axes_is_the_closed_form(r):
    # Vallado (4th ed., eq. 8-30) on the axes: at the equator the J2 term adds 3/2 J2 (a/r)^2
    # of the point mass's pull, at the pole it takes away 3 J2 (a/r)^2.
    point = GM_M3_S2 / r**2
    j2 = 1.5 * J2 * (A_M / r) ** 2
    gx, gy, gz = kernels.gravity(r, 0.0, 0.0)
    assert (gx, gy, gz) == pytest.approx((-point * (1.0 + j2), 0.0, 0.0), rel=1e-14, abs=1e-30)
    gx, gy, gz = kernels.gravity(0.0, 0.0, r)
    assert (gx, gy, gz) == pytest.approx((0.0, 0.0, -point * (1.0 - 2.0 * j2)), rel=1e-14, abs=1e-30)


def test_j2_term_at_the_equator_is_its_published_size():
    # WGS84 J2 = 1.08263e-3 and GM / a^2 = 9.7983 m/s^2: the J2 term adds 0.015911 m/s^2 at the equator.
    point = GM_M3_S2 / A_M**2
    assert -kernels.gravity(A_M, 0.0, 0.0)[0] - point == pytest.approx(0.015911, rel=1e-4)


def test_acceleration_is_gravity_plus_the_frame_terms_plus_drag():
    x, inv_beta = _states()
    out = kernels.derivative(x, inv_beta)
    assert np.array_equal(out[:, :3], x[:, 3:])
    w = OMEGA_EARTH_RAD_S
    for i in range(len(x)):
        px, py, pz, vx, vy, vz = x[i]
        g = np.array(kernels.gravity(px, py, pz))
        # -2 w x v - w x (w x r), w along z (closed form of the rotating frame's terms).
        frame = np.array([w * w * px + 2.0 * w * vy, w * w * py - 2.0 * w * vx, 0.0])
        rho = kernels.density(kernels.height(px, py, pz))
        drag = -0.5 * rho * np.linalg.norm(x[i, 3:]) * x[i, 3:] * inv_beta[i]
        assert np.allclose(out[i, 3:], g + frame + drag, rtol=1e-13, atol=1e-12)


def test_height_is_the_ellipsoid_height_on_the_axes_and_close_elsewhere():
    assert kernels.height(A_M + 1234.5, 0.0, 0.0) == pytest.approx(1234.5, abs=1e-6)
    assert kernels.height(0.0, 0.0, -(B_M + 99e3)) == pytest.approx(99e3, abs=1e-6)
    lat, lon = np.radians(37.0), np.radians(128.0)
    r = geo.lla_to_ecef(lat, lon, 150e3)
    # Geocentric, not geodetic, latitude: within a few metres below 200 km (docstring).
    assert dynamics.altitude_m(r) == pytest.approx(150e3, abs=5.0)


def _flow(f, x, dt):
    sol = solve_ivp(lambda t, y: f(y), (0.0, dt), x, method="DOP853", rtol=1e-12, atol=1e-9)
    return sol.y[:, -1]


def _kind_derivative(kind):
    return lambda y: kernels.model_derivative(kind, np.ascontiguousarray(y))


@pytest.mark.parametrize("alt_m, inv_beta, h, steps, tol_m", [
    (300e3, 0.0, 5.0, 60, 1e-3),         # vacuum, the ballistic filter's step
    (60e3, 1.0 / 3000.0, 0.25, 40, 1e-3),  # reentry in the air, short steps
])
def test_rk4_converges_to_dop853_at_fourth_order(alt_m, inv_beta, h, steps, tol_m):
    x = _state(alt_m=alt_m, v_enu=(3000.0, 500.0, -1500.0))
    ref = _flow(lambda y: kernels.derivative(y[None], np.array([inv_beta]))[0], x, h * steps)
    coarse = kernels.rk4(x[None].copy(), np.array([inv_beta]), h, steps)[0]
    fine = kernels.rk4(x[None].copy(), np.array([inv_beta]), h / 2.0, 2 * steps)[0]
    err_coarse = np.linalg.norm(coarse[:3] - ref[:3])
    err_fine = np.linalg.norm(fine[:3] - ref[:3])
    assert err_coarse < tol_m * 30.0
    assert err_fine < tol_m * 2.0
    if inv_beta == 0.0:
        # Classical RK4: halving the step divides the error by about 2^4 (in the air the
        # density table's kinks every 100 m leave a floor of 2e-5 m instead).
        assert 10.0 < err_coarse / err_fine < 24.0


def test_rk4_of_each_model_is_dop853_of_its_derivative():
    x = _state(alt_m=60e3, v_enu=(2000.0, 500.0, -1500.0))
    cases = ((kernels.BOOST, [20.0, 5.0, -3.0]), (kernels.BALLISTIC, []), (kernels.REENTRY, [3e-4]))
    for kind, extra in cases:
        xa = np.concatenate([x, extra])
        ref = _flow(_kind_derivative(kind), xa, 10.0)
        out = kernels.rk4_model(kind, xa[None].copy(), 0.25, 40)[0]
        assert np.allclose(out[:3], ref[:3], rtol=0, atol=1e-3), kind
        assert np.allclose(out[3:6], ref[3:6], rtol=0, atol=1e-5), kind
        assert np.array_equal(out[6:], xa[6:])
    # The 6-column kernel of dynamics.propagate is the same step.
    ib = np.array([3e-4])
    assert np.array_equal(kernels.rk4(x[None].copy(), ib, 0.25, 40)[0],
                          kernels.rk4_model(kernels.REENTRY, np.concatenate([x, ib])[None], 0.25, 40)[0, :6])


def test_jacobi_integral_is_conserved_by_vacuum_rk4():
    x0 = _state(v_enu=(1500.0, 800.0, 5000.0))
    c0 = dynamics.jacobi_integral(x0)
    x = kernels.rk4(x0[None].copy(), np.zeros(1), 1.0, 1500)[0]
    # RK4 with 1 s steps: the integral drifts < 1e-9 relative over 25 min.
    assert abs(dynamics.jacobi_integral(x) / c0 - 1.0) < 1e-9


def _dop853_stm(kind, x, dt, steps):
    """Central differences of DOP853 flights: the transition matrix of the true flow."""
    f = _kind_derivative(kind)
    cols = []
    for k, d in enumerate(steps):
        e = np.zeros(x.size)
        e[k] = d
        cols.append((_flow(f, x + e, dt) - _flow(f, x - e, dt)) / (2.0 * d))
    return np.array(cols).T


@pytest.mark.parametrize("kind, alt_m, extra, h, steps, tol", [
    (kernels.BALLISTIC, 300e3, [], 5.0, 12, 1e-7),
    (kernels.BALLISTIC, 1000e3, [], 5.0, 60, 1e-7),
    (kernels.BOOST, 40e3, [20.0, 5.0, -3.0], 2.0, 5, 1e-6),
    (kernels.REENTRY, 60e3, [3e-4], 1.0, 5, 2e-3),
])
def test_transition_is_the_derivative_of_the_dop853_flow(kind, alt_m, extra, h, steps, tol):
    x = np.concatenate([_state(alt_m=alt_m, v_enu=(3000.0, 500.0, -1500.0 if alt_m < 100e3 else 500.0)), extra])
    x_new, phi = kernels.transition(kind, x, h, steps, 1e-6)
    ref = _dop853_stm(kind, x, h * steps, [10.0] * 3 + [1e-2] * 3 + [1e-6 if kind == kernels.REENTRY else 1e-2]
                      * len(extra))
    assert np.allclose(x_new[:3], _flow(_kind_derivative(kind), x, h * steps)[:3], rtol=0, atol=1e-2)
    # Each 3x3 block (and the parameter columns) within tol of its largest entry. The
    # reentry case is limited by the reference: DOP853 differences across the density
    # table's 100 m cells.
    n = x.size
    for rows in (slice(0, 3), slice(3, 6)):
        for cols in (slice(0, 3), slice(3, 6), slice(6, n)):
            r = ref[rows, cols]
            if r.size:
                assert np.abs(phi[rows, cols] - r).max() <= tol * np.abs(r).max() + 1e-12, (rows, cols)


def test_transition_is_more_accurate_than_a_mid_step_exponential():
    """The choice of algorithm: exp(F h) with F at mid-step is 100x further from DOP853."""
    from scipy.linalg import expm

    x = _state()
    h, steps = 5.0, 12
    _, phi = kernels.transition(kernels.BALLISTIC, x, h, steps, 1e-6)
    mid_exp = np.eye(6)
    s = x.copy()
    for _ in range(steps):
        mid = kernels.rk4(s[None].copy(), np.zeros(1), 0.5 * h, 1)[0]
        _, jac = kernels.model_jacobian(kernels.BALLISTIC, mid, 1e-6)
        mid_exp = expm(jac * h) @ mid_exp
        s = kernels.rk4(s[None].copy(), np.zeros(1), h, 1)[0]
    ref = _dop853_stm(kernels.BALLISTIC, x, h * steps, [10.0] * 3 + [1e-2] * 3)
    err_var = np.abs(phi - ref)[3:, :3].max()
    err_exp = np.abs(mid_exp - ref)[3:, :3].max()
    assert err_var * 100.0 < err_exp


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


@pytest.mark.parametrize("n, alpha, kappa", [(6, 1.0, 0.0), (7, 1.0, 0.0), (9, 0.5, 1.0), (6, 1e-3, 0.0)])
def test_sigma_points_are_filterpys(n, alpha, kappa):
    rng = np.random.default_rng(n)
    a = rng.normal(size=(n, n))
    p = a @ a.T + np.diag(rng.uniform(1.0, 1e4, n))
    x = rng.normal(0.0, 1e6, n)
    ref = MerweScaledSigmaPoints(n, alpha=alpha, beta=2.0, kappa=kappa)  # filterpy's default root: scipy cholesky
    got = kernels.sigma_points(x, p, alpha**2 * (n + kappa))
    assert np.allclose(got, ref.sigma_points(x, p), rtol=1e-12, atol=1e-9 * np.sqrt(np.diag(p)).max())


def test_sigma_points_of_an_indefinite_covariance_span_its_positive_part():
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    vals = np.array([4.0, 3.0, 2.0, 1.0, 0.5, -1e-9])
    p = (q * vals) @ q.T
    sig = kernels.sigma_points(np.zeros(6), p, 6.0)
    off = sig[1:7]
    # U'U is the covariance with its negative eigenvalue clipped to zero; the points are symmetric.
    assert np.allclose(off.T @ off, 6.0 * (q * np.clip(vals, 0.0, None)) @ q.T, atol=1e-9)
    assert np.array_equal(sig[7:], -off)


def test_impact_cubature_points_are_the_scaled_points_without_the_centre():
    from sprn.impact import sigma_points

    rng = np.random.default_rng(5)
    a = rng.normal(size=(7, 7))
    p = a @ a.T + np.eye(7)
    x = rng.normal(size=7)
    ref = MerweScaledSigmaPoints(7, alpha=1.0, beta=2.0, kappa=0.0)
    assert ref.Wm[0] == 0.0 and np.allclose(ref.Wm[1:], 1.0 / 14.0)  # the centre has no weight in the mean
    assert np.allclose(sigma_points(x, p), ref.sigma_points(x, p)[1:], rtol=1e-12, atol=1e-12)


def test_measurement_moments_are_filterpys_unscented_transform_away_from_north():
    from sprn.radar import Site, measure

    site = Site.from_degrees(name="s", lat_deg=43.0, lon_deg=132.0, alt_m=50.0, sigma_range_m=50.0,
                             sigma_az_deg=0.05, sigma_el_deg=0.05, revisit_s=1.0, min_el_deg=0.0,
                             max_range_km=5000.0)
    x = _states()[0][12].copy()
    x[:3] = geo.lla_to_ecef(np.radians(38.0), np.radians(136.0), 400e3)  # south-east of the site
    p = np.diag([4e6, 4e6, 4e6, 1e2, 1e2, 1e2])
    points = MerweScaledSigmaPoints(6, alpha=1.0, beta=2.0, kappa=0.0)
    sig = kernels.sigma_points(x, p, 6.0)
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


def test_cached_kernels_are_dropped_when_any_kernel_source_changes(tmp_path):
    """numba checks only a function's own file: the IMM's kernels, which compile flight.py's
    functions into themselves, would keep running old equations after flight.py changed."""
    from sprn.kernels import _drop_stale_cache

    (tmp_path / "flight.py").write_text("A = 1\n")
    (tmp_path / "imm.py").write_text("B = 2\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    cached = [cache / "imm.imm_predict-1.py311.nbi", cache / "imm.imm_predict-1.py311.1.nbc"]
    for f in cached:
        f.write_bytes(b"old")
    _drop_stale_cache(tmp_path)  # no digest yet: whatever is cached is of unknown sources
    assert not any(f.exists() for f in cached)
    for f in cached:
        f.write_bytes(b"new")
    _drop_stale_cache(tmp_path)  # the same sources: kept
    assert all(f.exists() for f in cached)
    (tmp_path / "flight.py").write_text("A = 3\n")  # imm.py untouched, its cache stale
    _drop_stale_cache(tmp_path)
    assert not any(f.exists() for f in cached)


def test_look_is_the_measurement_and_the_scan_cosine_of_one_state():
    # kernels.look serves the tracker's every view of a track: it must be what the
    # vectorised measurement and the numpy scan cosine (each tested elsewhere) give.
    from sprn.radar import network
    from sprn.radar.detection import face_normals_enu, scan_cosine

    site = network.site("mishelevka")  # two faces, tilted: the max over faces matters
    normals = face_normals_enu(site, site.radar.face_tilt_rad)
    states, _ = _states(40, seed=11)
    z = kernels.measure(site.enu_rotation, site.r_ecef_m, states, True)
    cos = scan_cosine(site, states[:, :3])
    for i, x in enumerate(states):
        got = kernels.look(site.enu_rotation, site.r_ecef_m, normals, *x.tolist())
        # Same operations in a different order: equal to a few ulps.
        assert got[:4] == pytest.approx(tuple(z[i]), rel=1e-13, abs=1e-12)
        assert got[4] == pytest.approx(float(cos[i]), rel=1e-12, abs=1e-15)


def test_posterior_pd_is_the_posterior_mean_of_the_swerling_probabilities():
    # Each grid point's probability is detection.pd_swerling1 / pd_swerling3 (checked
    # against a quadrature of the steady case and a simulated detector in
    # tests/test_detection.py); the kernel must weight them by the right rows.
    from sprn.radar import detection as de

    rcs = 10.0 ** (np.arange(-40.0, 30.5, 1.0) / 10.0)
    post = np.random.default_rng(3).dirichlet(np.ones(2 * rcs.size)).reshape(2, -1)
    pfa, per_m2 = 1e-6, 0.7
    expected = float(np.sum(post[0] * de.pd_swerling1(per_m2 * rcs, pfa) + post[1] * de.pd_swerling3(per_m2 * rcs, pfa)))
    assert kernels.posterior_pd(post, rcs, per_m2, -np.log(pfa)) == pytest.approx(expected, rel=1e-13)
    one_hot = np.zeros_like(post)
    one_hot[1, 50] = 1.0  # Swerling 3, 10 dBsm
    assert kernels.posterior_pd(one_hot, rcs, per_m2, -np.log(pfa)) == float(de.pd_swerling3(per_m2 * rcs[50], pfa))
    log_post = np.log(post)
    kernels.add_miss(log_post, rcs, per_m2, -np.log(pfa))
    missed = np.log(post) + np.log(1.0 - np.stack([de.pd_swerling1(per_m2 * rcs, pfa), de.pd_swerling3(per_m2 * rcs, pfa)]))
    np.testing.assert_allclose(log_post, missed, rtol=1e-14, atol=1e-14)



def test_add_look_adds_the_swerling_densities_of_the_look():
    # Swerling 1: exponential RCS of mean s; Swerling 3: chi-square with 4 dof of mean s,
    # a gamma of shape 2 and scale s / 2 (scipy.stats, an independent reference).
    from scipy import stats

    rcs = 10.0 ** (np.arange(-40.0, 30.5, 1.0) / 10.0)
    grid = np.zeros((2, rcs.size))
    kernels.add_look(grid, rcs, np.log(rcs), 0.37)
    np.testing.assert_allclose(grid[0], stats.expon.logpdf(0.37, scale=rcs), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grid[1], stats.gamma.logpdf(0.37, 2.0, scale=rcs / 2.0), rtol=1e-12, atol=1e-12)
