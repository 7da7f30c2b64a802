"""Motion models and filters: transition matrices against the flow they linearise, process
noise against its integral, the UKF against filterpy and against the EKF where both are
exact, the IMM's mode chain and mixing, Gaussian sums and their reduction."""

import numpy as np
import pytest
from filterpy.kalman import ExtendedKalmanFilter, MerweScaledSigmaPoints
from filterpy.kalman import update as filterpy_update
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm

from sprn import dynamics, geo, kernels
from sprn.radar import Site, measure, measurement_jacobian, residual
from sprn.tracking.filters import (
    EkfAdapter,
    UkfAdapter,
    joseph_update,
    measure_with_jacobian,
)
from sprn.tracking.imm import ImmAdapter, markov_transition, switching_generator
from sprn.tracking.initiation import WeightedSample, split_sample
from sprn.tracking.mixture import (
    GaussianSumAdapter,
    combine,
    merge_cost,
    pair_merge_costs,
)
from sprn.tracking.models import (
    COMMON_DIM,
    INV_BETA,
    THRUST,
    BallisticModel,
    BoostModel,
    ReentryModel,
    white_acceleration_q,
    white_jerk_q,
)
from sprn.tracking.config import MODELS

SITE = Site.from_degrees(name="s", lat_deg=43.0, lon_deg=132.0, alt_m=50.0, sigma_range_m=50.0, sigma_az_deg=0.05,
                         sigma_el_deg=0.05, revisit_s=1.0, min_el_deg=0.0, max_range_km=5000.0)


def _state(lat_deg=40.0, lon_deg=128.0, alt_m=300e3, v_enu=(2000.0, 1000.0, -1500.0)):
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    r = geo.lla_to_ecef(lat, lon, alt_m)
    return np.concatenate([r, geo.enu_rotation(lat, lon).T @ np.asarray(v_enu)])


def _flow_jacobian(model, x, dt, steps):
    """Central differences of the model's propagation: the true transition matrix."""
    cols = []
    for k, h in enumerate(steps):
        e = np.zeros(x.size)
        e[k] = h
        cols.append((model.propagate(x + e, dt) - model.propagate(x - e, dt)) / (2 * h))
    return np.array(cols).T


@pytest.mark.parametrize("dt", [2.0, 30.0])
def test_ballistic_transition_is_the_derivative_of_the_flow(dt):
    model = BallisticModel()
    x = _state()
    x1, phi = model.transition(x, dt)
    assert np.allclose(x1, model.propagate(x, dt), rtol=0, atol=1e-6)
    ref = _flow_jacobian(model, x, dt, [1.0] * 3 + [1e-3] * 3)
    # RK4 on the variational equations is the derivative of the RK4 map: only the central
    # differences on both sides remain. Tolerance: 1e-5 absolute (s or 1/s), relative to
    # the position-velocity block (dt).
    assert np.allclose(phi, ref, rtol=0, atol=1e-5 * max(1.0, dt))


def test_ballistic_predict_is_transition_and_process_noise():
    model = BallisticModel(q_m2_s3=1e-4)
    x = _state()
    a = np.random.default_rng(5).normal(size=(6, 6))
    p = a @ a.T + np.eye(6)
    for dt in (2.0, 12.0, -3.0):
        x1, p1 = model.predict(x, p, dt)
        x_ref, phi = model.transition(x, dt)
        p_ref = phi @ p @ phi.T + model.process_noise(x, dt)
        # One compiled call doing the same products: round-off only.
        assert np.allclose(x1, x_ref, rtol=1e-14, atol=1e-6)
        assert np.allclose(p1, p_ref, rtol=1e-10, atol=1e-10)


def test_joseph_update_is_filterpys_update():
    rng = np.random.default_rng(3)
    x = _state()
    a = rng.normal(size=(6, 6))
    p = a @ a.T + np.diag([1e6, 1e6, 1e6, 1e2, 1e2, 1e2])
    _, h = measure_with_jacobian(SITE, x, True)
    r = np.diag([50.0, 1e-3, 1e-3, 1.0]) ** 2
    y = rng.normal(size=4) * np.sqrt(np.diag(r))
    gain = p @ h.T @ np.linalg.inv(h @ p @ h.T + r)
    x_ours, p_ours = joseph_update(x, p, y, h, r, gain)
    # filterpy's update takes z and forms y = z - H x itself: hand it z = H x + y.
    x_ref, p_ref = filterpy_update(x, p, h @ x + y, r, h)
    # The same arithmetic up to the order of floating-point operations: relative 1e-9.
    assert np.allclose(x_ours, x_ref, rtol=0, atol=1e-9 * np.abs(x).max())
    assert np.allclose(p_ours, 0.5 * (p_ref + p_ref.T), rtol=1e-9, atol=1e-9 * np.abs(p_ref).max())


def test_boost_model_without_thrust_is_ballistic_and_thrust_adds_velocity():
    x = _state()
    boost = BoostModel()
    coast = boost.propagate(np.concatenate([x, np.zeros(3)]), 20.0)
    assert np.allclose(coast[:6], BallisticModel().propagate(x, 20.0), atol=1e-6)
    a = np.array([10.0, -5.0, 3.0])
    pushed = boost.propagate(np.concatenate([x, a]), 20.0)
    # A constant extra acceleration adds a t to the velocity and a t^2 / 2 to the position,
    # up to the Coriolis force on the added velocity (~ w |a| t^2 = 0.35 m/s, w |a| t^3 / 3
    # = 2.3 m) and the gravity gradient over the added 2 km (~1e-3 m/s).
    assert np.allclose(pushed[3:6] - coast[3:6], a * 20.0, atol=0.5)
    assert np.allclose(pushed[:3] - coast[:3], a * 200.0, atol=3.0)


def test_boost_and_reentry_transitions_are_derivatives_of_their_flows():
    x = _state(alt_m=60e3, v_enu=(2000.0, 500.0, -1500.0))
    for model, extra, step in ((BoostModel(), [20.0, 5.0, -3.0], 1e-3), (ReentryModel(), [3e-4], 1e-7)):
        xa = np.concatenate([x, extra])
        _, phi = model.transition(xa, 1.0)
        ref = _flow_jacobian(model, xa, 1.0, [1.0] * 3 + [1e-3] * 3 + [step] * len(extra))
        # RK4 on the variational equations is the derivative of the RK4 map, up to the
        # central differences on both sides (relative 1e-6 of the largest column).
        assert np.allclose(phi, ref, rtol=1e-5, atol=1e-6 * np.abs(ref).max(axis=0)), model.name


def test_reentry_model_loses_energy_to_drag_and_not_in_vacuum():
    model = ReentryModel()
    level = (2500.0, 1000.0, 0.0)  # horizontal, so the air density stays put over 1 s
    low = np.concatenate([_state(alt_m=50e3, v_enu=level), [1.0 / 3000.0]])
    high = np.concatenate([_state(alt_m=800e3, v_enu=level), [1.0 / 3000.0]])
    for x, loses in ((low, True), (high, False)):
        x1 = model.propagate(x, 1.0)
        de = float(dynamics.jacobi_integral(x1[:6]) - dynamics.jacobi_integral(x[:6]))
        if loses:
            # Drag power per unit mass -rho v^3 / (2 beta); over 1 s the height changes by
            # ~5 m (density by 0.1 %) and the speed by 0.05 %, so 1 % covers both.
            rho = float(dynamics.air_density(50e3))
            v = np.linalg.norm(x[3:6])
            assert de == pytest.approx(-rho * v**3 / 2 * x[6], rel=0.01)
        else:
            assert abs(de) < 1e-3  # RK4 drift over 1 s; drag at 800 km is ~1e-9 of it


def _van_loan(f, g, qc, dt):
    """Discrete process noise of dx = F x dt + G dw by Van Loan's method (IEEE TAC 23(3), 1978)."""
    n = f.shape[0]
    m = np.zeros((2 * n, 2 * n))
    m[:n, :n] = -f
    m[:n, n:] = g @ qc @ g.T
    m[n:, n:] = f.T
    e = expm(m * dt)
    return e[n:, n:].T @ e[:n, n:]


def test_white_acceleration_and_jerk_q_are_van_loans_integrals():
    eye, zero = np.eye(3), np.zeros((3, 3))
    f6 = np.block([[zero, eye], [zero, zero]])
    g6 = np.vstack([zero, eye])
    assert np.allclose(white_acceleration_q(4.0, 0.3), _van_loan(f6, g6, 0.3 * eye, 4.0), rtol=1e-9)
    f9 = np.block([[zero, eye, zero], [zero, zero, eye], [zero, zero, zero]])
    g9 = np.vstack([zero, zero, eye])
    ours = white_jerk_q(3.0, 2.0)  # state order [r, v, a], three axes
    assert np.allclose(ours, _van_loan(f9, g9, 2.0 * eye, 3.0), rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(35.0, 50.0), lon=st.floats(125.0, 140.0), alt=st.floats(50e3, 2000e3),
    vx=st.floats(-5e3, 5e3), vy=st.floats(-5e3, 5e3), vz=st.floats(-5e3, 5e3),
)
def test_measure_with_jacobian_equals_the_radar_functions(lat, lon, alt, vx, vy, vz):
    x = np.concatenate([geo.lla_to_ecef(np.radians(lat), np.radians(lon), alt), [vx, vy, vz]])
    for rr in (False, True):
        z, h = measure_with_jacobian(SITE, x, rr)
        assert np.allclose(z, measure(SITE, x, rr), rtol=1e-12, atol=1e-9)
        assert np.allclose(h, measurement_jacobian(SITE, x, rr), rtol=1e-9, atol=1e-15)


def test_ukf_sigma_points_are_filterpys():
    x = _state()
    p = np.diag([1e6, 4e6, 9e6, 100.0, 400.0, 900.0]) + 1e3
    for alpha, beta, kappa in ((1.0, 2.0, 0.0), (0.5, 2.0, 1.0)):
        ukf = UkfAdapter(x, p, BallisticModel(), alpha, beta, kappa)
        ref = MerweScaledSigmaPoints(6, alpha, beta, kappa, sqrt_method=lambda a: np.linalg.cholesky(a).T)
        assert np.allclose(ukf.sigma_points(x, p), ref.sigma_points(x, p), rtol=1e-12)


def test_ekf_update_is_filterpys_extended_kalman_filter():
    x = _state()
    p = np.diag([1e6, 1e6, 1e6, 100.0, 100.0, 100.0])
    z = measure(SITE, x + np.array([500.0, -300.0, 200.0, 5.0, -3.0, 2.0]), True)
    r = np.diag([50.0**2, 1e-6, 1e-6, 1.0])
    ours = EkfAdapter(x, p, BallisticModel())
    ours.correct(ours.innovation(z, SITE, r))
    ref = ExtendedKalmanFilter(dim_x=6, dim_z=4)
    ref.x, ref.P = x.copy(), p.copy()
    ref.update(z, HJacobian=lambda s: measurement_jacobian(SITE, s, True), Hx=lambda s: measure(SITE, s, True),
               R=r, residual=residual)
    assert np.allclose(ours.x, ref.x, rtol=0, atol=1e-6)
    assert np.allclose(ours.P, 0.5 * (ref.P + ref.P.T), rtol=1e-9, atol=1e-9)


def test_ukf_agrees_with_ekf_where_the_problem_is_linear():
    # With metre-level uncertainty at 330 km the measurement is linear to 1e-5 of its
    # noise and one second of dynamics is linear: both filters must give the same answer.
    x = _state(lat_deg=42.0, lon_deg=131.0)
    p = np.diag([1.0, 1.0, 1.0, 1e-2, 1e-2, 1e-2])
    ekf, ukf = EkfAdapter(x, p, BallisticModel()), UkfAdapter(x, p, BallisticModel())
    for f in (ekf, ukf):
        f.predict(1.0)
    sig = np.sqrt(np.diag(ekf.P))
    # The EKF's transition matrix truncates its series after (F dt)^2 (~1e-7 here).
    assert np.all(np.abs(ukf.x - ekf.x) < 1e-6 * sig)
    assert np.all(np.abs(ukf.P - ekf.P) < 1e-6 * np.outer(sig, sig))
    z = measure(SITE, ekf.x, True) + np.array([1.0, 1e-6, -1e-6, 0.1])
    r = np.diag([1.0, 1e-12, 1e-12, 1e-2])
    ie, iu = ekf.innovation(z, SITE, r), ukf.innovation(z, SITE, r)
    assert np.allclose(iu.s, ie.s, rtol=1e-4)
    ekf.correct(ie)
    ukf.correct(iu)
    sig = np.sqrt(np.diag(ekf.P))
    # Same estimate to 1e-3 sigma and same covariance to 1e-3 of sigma_i sigma_j: what is
    # left is the curvature of range and angles over a metre at 1,000 km (~1e-6 relative)
    # amplified by the near-singular update of a 1 m-accurate measurement.
    assert np.all(np.abs(ukf.x - ekf.x) < 1e-3 * sig)
    assert np.all(np.abs(ukf.P - ekf.P) < 1e-3 * np.outer(sig, sig))


def test_iterated_ekf_lands_on_the_map_state():
    x0 = _state()
    p0 = np.diag([1e8, 1e8, 1e8, 1e4, 1e4, 1e4])  # 10 km: the first linearisation is poor
    truth = x0 + np.array([8e3, -6e3, 5e3, 0, 0, 0])
    z = measure(SITE, truth)
    r = np.diag([1.0, 1e-10, 1e-10])
    f = EkfAdapter(x0, p0, BallisticModel(), iterations=20)
    f.correct(f.innovation(z, SITE, r))
    # MAP condition: the cost's gradient P0^-1 (x - x0) - H' R^-1 (z - h(x)) vanishes at x.
    h = measurement_jacobian(SITE, f.x)
    grad = np.linalg.solve(p0, f.x - x0) - h.T @ np.linalg.solve(r, residual(z, measure(SITE, f.x)))
    scale = np.abs(h.T @ np.linalg.solve(r, np.array([1.0, 1e-5, 1e-5])))
    assert np.all(np.abs(grad) < 1e-6 * scale.max())


def test_markov_transition_is_the_matrix_exponential_and_stochastic():
    for in_air in (False, True):
        gen = switching_generator(MODELS, 120.0, 600.0, 600.0, in_air)
        for dt in (0.5, 5.0, 300.0):
            t = markov_transition(gen, dt)
            assert np.allclose(t, expm(gen * dt), atol=1e-12)
            assert np.allclose(t.sum(axis=1), 1.0) and np.all(t >= -1e-15)


def test_mode_chain_runs_boost_to_ballistic_to_reentry_in_the_order_of_models():
    gen = switching_generator(MODELS, 120.0, 600.0, 600.0)
    i = {name: MODELS.index(name) for name in MODELS}
    assert gen[i["boost"], i["ballistic"]] == pytest.approx(1 / 120.0)
    assert gen[i["boost"], i["reentry"]] == 0.0
    assert gen[i["ballistic"], i["reentry"]] == pytest.approx(1 / 600.0)
    air = switching_generator(MODELS, 120.0, 600.0, 600.0, in_air=True)
    assert air[i["reentry"], i["ballistic"]] == 0.0 and air[i["ballistic"], i["reentry"]] > 0.1


def _imm(x6, p6):
    states = {"boost": (np.concatenate([x6, np.zeros(BoostModel.dim - 6)]),
                        np.diag(np.concatenate([np.diag(p6), [25.0] * 3]))),
              "reentry": (np.concatenate([x6, [3e-4]]), np.diag(np.concatenate([np.diag(p6), [1e-8]]))),
              "ballistic": (x6, p6)}
    models = [{"boost": BoostModel(), "ballistic": BallisticModel(), "reentry": ReentryModel()}[name]
              for name in MODELS]
    carry_x, carry_p = np.zeros(COMMON_DIM), np.eye(COMMON_DIM)
    carry_x[INV_BETA], carry_p[INV_BETA, INV_BETA] = 3e-4, 1e-8
    return ImmAdapter(models, [states[name] for name in MODELS], [1.0, 1.0, 1.0],
                      switching_generator(MODELS, 120.0, 600.0, 600.0), carry_x, carry_p)


def test_imm_mixing_fills_unused_components_without_inventing_information():
    x6, p6 = _state(), np.diag([1e4, 1e4, 1e4, 1.0, 1.0, 1.0])
    imm = _imm(x6, p6)
    imm.predict(1.0)
    k = MODELS.index("ballistic")
    xe, pe = kernels.imm.extended(imm.xs, imm.ps, imm.dims, imm.slots, imm.kinds, imm.carry_x, imm.carry_p, k)
    thrust = list(THRUST)
    # Outside the boost the hypothesis fixes the thrust at zero, exactly.
    assert np.all(xe[thrust] == 0.0) and np.all(pe[thrust, :] == 0.0)
    # 1/beta, which the ballistic mode does not estimate, carries the mixed value, not zero.
    assert xe[INV_BETA] == pytest.approx(3e-4, rel=1e-6) and pe[INV_BETA, INV_BETA] > 0.0
    assert np.allclose(xe[:6], imm.mode_state(k)[0])
    x, p = imm.combined()
    assert np.allclose(x, sum(m * imm.mode_state(j)[0][:6] for j, m in enumerate(imm.mu)))
    assert np.all(np.linalg.eigvalsh(p) > 0)


def test_gaussian_sum_of_identical_components_is_the_single_filter_and_merges_to_one():
    x, p = _state(), np.diag([1e6, 1e6, 1e6, 100.0, 100.0, 100.0])
    single = UkfAdapter(x, p, BallisticModel())
    gs = GaussianSumAdapter([UkfAdapter(x, p, BallisticModel()) for _ in range(3)], [0.2, 0.3, 0.5])
    z = measure(SITE, x + 300.0, True)
    r = np.diag([50.0**2, 1e-6, 1e-6, 1.0])
    for f in (single, gs):
        f.predict(2.0)
        f.correct(f.innovation(z, SITE, r))
    assert len(gs.filters) == 1  # identical components cost nothing to merge
    assert np.allclose(gs.x, single.x) and np.allclose(gs.P, single.P)


def test_mixture_moments_and_merge_cost():
    rng = np.random.default_rng(0)
    parts = [(rng.normal(size=3), np.diag(rng.uniform(0.5, 2.0, 3))) for _ in range(3)]
    w = np.array([0.2, 0.3, 0.5])
    x, p = combine(w, parts)
    samples = np.concatenate([rng.multivariate_normal(m, c, int(200000 * wi)) for wi, (m, c) in zip(w, parts)])
    # Law of total covariance against 200,000 draws: sampling error ~1e-2.
    assert np.allclose(x, samples.mean(axis=0), atol=2e-2)
    assert np.allclose(p, np.cov(samples.T), atol=3e-2)
    assert merge_cost(0.5, parts[0][0], parts[0][1], 0.5, parts[0][0], parts[0][1]) == pytest.approx(0.0, abs=1e-12)
    assert merge_cost(0.5, parts[0][0], parts[0][1], 0.5, parts[1][0], parts[1][1]) > 0.0
    # All pairs at once: the same costs as merge_cost pair by pair (round-off only).
    costs = pair_merge_costs(w, np.array([m for m, _ in parts]), np.array([c for _, c in parts]))
    for i in range(3):
        for j in range(3):
            ref = merge_cost(w[i], *parts[i], w[j], *parts[j]) if i < j else np.inf
            assert costs[i, j] == pytest.approx(ref, rel=1e-9)


def test_split_sample_keeps_the_sample_mean_and_covariance():
    rng = np.random.default_rng(1)
    # A banana: a Gaussian bent along a parabola, as a range shell seen with poor angles.
    u = rng.normal(size=(6000, 2))
    pts = np.column_stack([3 * u[:, 0], u[:, 1] + 0.4 * (3 * u[:, 0]) ** 2])
    sample = WeightedSample(x=pts, w=np.full(len(pts), 1 / len(pts)), ess=float(len(pts)))
    comps = split_sample(sample, 6)
    mean, cov = sample.moments()
    x, p = combine(np.array([c[0] for c in comps]), [(c[1], c[2]) for c in comps])
    assert len(comps) > 1
    assert np.allclose(x, mean, atol=1e-9) and np.allclose(p, cov, atol=1e-9)
    # The point of splitting: the components' spread explains most of the banana, the
    # spread within them (whitened by the whole) is under half of it (each is ~1/K long).
    within = sum(w * c for w, _, c in comps)
    assert np.trace(np.linalg.solve(cov, within)) < 0.5 * 2


def test_imm_kept_moments_are_always_those_of_its_modes():
    """The IMM keeps its combined [r, v] moments until its modes change (they are asked for
    several times a scan). Whatever changed them (prediction, update, widening, a JPDA
    blend), what it hands out must be the moments of the modes as they are now, and
    read-only (a caller writing into them would corrupt the next caller's)."""
    import copy

    from sprn.tracking.track import blend

    def fresh(imm):
        return kernels.imm.combine(imm.mu, imm.xs[:, :6].copy(), imm.ps[:, :6, :6].copy())

    def same(imm):
        x, p = imm.combined()
        xr, pr = fresh(imm)
        assert np.array_equal(x, xr) and np.array_equal(p, pr)
        assert not x.flags.writeable and not p.flags.writeable
        assert imm.x is x and imm.P is p  # asked again: the kept ones

    x6, p6 = _state(), np.diag([1e4, 1e4, 1e4, 1.0, 1.0, 1.0])
    imm = _imm(x6, p6)
    same(imm)
    imm.predict(2.0)
    same(imm)
    before = imm.P.copy()
    imm.widen(5.0, 2.0)
    same(imm)
    assert np.all(np.diag(imm.P) > np.diag(before))
    site = Site.from_degrees(name="s", lat_deg=40.0, lon_deg=130.0, alt_m=0.0, min_el_deg=0.0, sigma_range_m=50.0,
                             sigma_az_deg=0.05, sigma_el_deg=0.05, revisit_s=2.0, max_range_km=6000.0)
    z = measure(site, imm.x) + np.array([30.0, 1e-4, -1e-4])
    imm.correct(imm.innovation(z, site, np.diag(site.noise_std**2)))
    same(imm)
    other = copy.deepcopy(imm)
    other.predict(1.0)
    imm.predict(1.0)
    merged = blend([imm, other], np.array([0.5, 0.5]))
    same(merged)
    with pytest.raises(ValueError):
        merged.x[0] = 0.0
