"""The tracker: initiation from one or several sites, gating, range-rate use, deletion, the
posterior Cramer-Rao bound; initiation's importance sampling against known posteriors."""

import dataclasses

import numpy as np
import pytest

from sprn import dynamics, geo, metrics
from sprn.radar import Detection, Site, measure
from sprn.tracking import Tracker, TrackerConfig, chi2_band, initiation, nees
from sprn.tracking.initiation import (
    batch_map,
    initiate,
    least_squares_state,
    posterior_sample,
)
from sprn.tracking.models import BallisticModel, ReentryModel

SITES = {
    "a": Site.from_degrees(name="a", lat_deg=43.0, lon_deg=132.0, alt_m=50.0, sigma_range_m=50.0,
                           sigma_az_deg=0.05, sigma_el_deg=0.05, revisit_s=2.0, min_el_deg=0.0, max_range_km=5000.0,
                           sigma_range_rate_mps=1.0),
    "b": Site.from_degrees(name="b", lat_deg=35.0, lon_deg=136.0, alt_m=50.0, sigma_range_m=50.0,
                           sigma_az_deg=0.05, sigma_el_deg=0.05, revisit_s=2.0, min_el_deg=0.0, max_range_km=5000.0),
}


def _start():
    lat, lon = np.radians(40.0), np.radians(128.0)
    r = geo.lla_to_ecef(lat, lon, 400e3)
    return np.concatenate([r, geo.enu_rotation(lat, lon).T @ np.array([2500.0, 800.0, 1500.0])])


def _reports(rng, t_end=200.0, step=2.0, sites=("a", "b"), rr=True):
    """Noisy reports of a vacuum ballistic arc, alternating between ``sites``."""
    x = _start()
    out = []
    for k, t in enumerate(np.arange(0.0, t_end, step)):
        name = sites[k % len(sites)]
        site = SITES[name]
        with_rr = rr and site.sigma_range_rate_mps is not None
        sigma = np.concatenate([site.noise_std, [1.0] if with_rr else []])
        xt = dynamics.propagate(x, t) if t > 0 else x
        z = measure(site, xt, with_rr) + rng.standard_normal(sigma.size) * sigma
        out.append((Detection(t_s=float(t), site=name, z=z, sigma=sigma), xt))
    return out


def test_initiates_from_two_sites_and_tracks_consistently():
    rng = np.random.default_rng(1)
    cfg = TrackerConfig(filter="ukf", init_min_dt_s=10.0)
    nees_all = []
    for _ in range(10):
        tk = Tracker(sites=SITES, config=cfg)
        truth = {}
        for det, xt in _reports(rng):
            tk.update(det)
            truth[det.t_s] = xt
        assert tk.initiated and not tk.rejected and not tk.deleted_s
        assert {tk.initiations[0].method} == {"laplace"}  # 0.05 deg at ~1,000 km: nearly linear
        nees_all.append(np.mean([nees(e.x - truth[e.t_s], e.p) for e in tk.history]))
    lo, hi = chi2_band(6, len(nees_all))
    # Each run's time-averaged NEES taken as one chi-square(6) draw: a wider band than the
    # truth (a time average varies less), so a consistent filter passes it.
    assert lo < np.mean(nees_all) < hi


def test_gate_rejects_a_report_from_elsewhere_and_keeps_tracking():
    rng = np.random.default_rng(2)
    tk = Tracker(sites=SITES, config=TrackerConfig(init_min_dt_s=10.0))
    reports = _reports(rng)
    for det, _ in reports[:40]:
        tk.update(det)
    n = len(tk.history)
    far = Detection(t_s=reports[40][0].t_s, site="a", z=reports[40][0].z + np.array([20e3, 0.0, 0.0, 0.0]),
                    sigma=reports[40][0].sigma)
    assert tk.update(far) is None and tk.rejected == [far]
    for det, _ in reports[41:]:
        assert tk.update(det) is not None
    assert len(tk.history) == n + len(reports) - 41
    # The accepted reports' NIS averages its degrees of freedom (within 3 sigma of ~80 draws).
    nis = np.array([e.nis / e.dof for e in tk.history[n:]])
    assert abs(nis.mean() - 1.0) < 3.0 * np.sqrt(2.0 / 3.0 / len(nis))


def test_track_is_deleted_after_consecutive_misses_and_starts_again():
    rng = np.random.default_rng(3)
    cfg = TrackerConfig(init_min_dt_s=10.0, delete_after_misses=3)
    tk = Tracker(sites=SITES, config=cfg)
    reports = _reports(rng)
    for det, _ in reports[:30]:
        tk.update(det)
    # A second object 50 km away: its reports miss the gate until the track gives up on the first.
    offset = np.array([50e3, 0.0, 0.0, 0.0])
    for det, _ in reports[30:34]:
        moved = Detection(t_s=det.t_s, site=det.site, z=det.z + offset[: det.z.size], sigma=det.sigma)
        tk.update(moved)
    assert tk.deleted_s == [reports[32][0].t_s] and not tk.initiated
    # The missed reports seed the new initiation; the last estimate still predicts.
    x, p = tk.predicted(reports[35][0].t_s)
    assert x.shape == (6,) and p.shape == (6, 6)


def test_a_long_coast_deletes_the_track():
    rng = np.random.default_rng(4)
    tk = Tracker(sites=SITES, config=TrackerConfig(init_min_dt_s=10.0, delete_after_s=60.0))
    reports = _reports(rng)
    for det, _ in reports[:20]:
        tk.update(det)
    assert tk.initiated
    tk.update(reports[60][0])  # 80 s later
    assert tk.deleted_s == [reports[60][0].t_s] and not tk.initiated


def test_range_rate_is_used_only_once_the_track_is_tight():
    rng = np.random.default_rng(5)
    coarse = dataclasses.replace(SITES["a"], sigma_az_rad=np.radians(0.5), sigma_el_rad=np.radians(0.5))
    sites = {"a": coarse}
    tk = Tracker(sites=sites, config=TrackerConfig(init_min_dt_s=6.0))
    dofs = []
    x = _start()
    for t in np.arange(0.0, 300.0, 2.0):
        xt = dynamics.propagate(x, t) if t > 0 else x
        sigma = np.concatenate([coarse.noise_std, [1.0]])
        det = Detection(t_s=float(t), site="a", z=measure(coarse, xt, True) + rng.standard_normal(4) * sigma,
                        sigma=sigma)
        est = tk.update(det)
        if est is not None and np.isfinite(est.nis):
            dofs.append(est.dof)
    # Range rate is held back while |dr| |dv| / R (at 3 sigma) exceeds its 1 m/s noise,
    # as it does with 0.5 deg angles early on, then used for the rest of the track.
    assert dofs[0] == 3 and dofs[-1] == 4 and dofs == sorted(dofs)


def test_bad_input_to_the_tracker():
    tk = Tracker(sites=SITES)
    det = Detection(t_s=10.0, site="zeya", z=np.array([1e6, 1.0, 0.1]), sigma=np.array([50.0, 1e-3, 1e-3]))
    with pytest.raises(KeyError, match="zeya"):
        tk.update(det)
    with pytest.raises(RuntimeError):
        tk.predicted(10.0)
    with pytest.raises(ValueError, match="filter"):
        TrackerConfig(filter="kalman")
    with pytest.raises(ValueError, match="model"):
        TrackerConfig(model="glide")


def test_predicted_matches_the_filter_and_the_motion_model():
    rng = np.random.default_rng(6)
    tk = Tracker(sites=SITES, config=TrackerConfig(filter="ekf", init_min_dt_s=10.0))
    for det, _ in _reports(rng, t_end=60.0):
        tk.update(det)
    last = tk.history[-1]
    x, p = tk.predicted(last.t_s + 30.0)
    x_ref, p_ref = BallisticModel().predict(np.array(last.x), np.array(last.p), 30.0)
    assert np.allclose(x, x_ref, atol=1e-6)
    assert np.allclose(p, p_ref, rtol=1e-6)


def test_batch_map_reaches_the_likelihood_maximum_from_a_poor_start():
    rng = np.random.default_rng(7)
    reports = _reports(rng, t_end=40.0)
    fixes = [d for d, _ in reports]
    start, _ = least_squares_state(fixes, SITES)
    x, p, cost = batch_map(fixes, SITES, BallisticModel(), start + np.array([5e3, -5e3, 5e3, 50, -50, 50]),
                           np.zeros(0), np.zeros((0, 0)))
    truth = reports[-1][1]
    assert nees(x - truth, p) < 20.0  # chi-square(6): P(> 20) = 0.3 %
    # chi2 of 20 fixes x 3 components minus 6 parameters: 54 +/- 10 (5 sigma: 105).
    assert cost < 105.0


def test_importance_sampling_reproduces_a_linear_gaussian_posterior():
    # Where the problem is linear, the posterior is the Laplace approximation exactly:
    # the sample's moments must agree with it (to its Monte Carlo error).
    rng = np.random.default_rng(8)
    fixes = [d for d, _ in _reports(rng, t_end=40.0)]
    start, _ = least_squares_state(fixes, SITES)
    model = BallisticModel()
    x, p, _ = batch_map(fixes, SITES, model, start, np.zeros(0), np.zeros((0, 0)))
    sample = posterior_sample(fixes, SITES, model, x, p, np.zeros(0), np.zeros((0, 0)), samples=4096)
    xm, pm = sample.moments()
    sig = np.sqrt(np.diag(p))
    assert sample.ess > 1000
    # Mean within 4 / sqrt(ESS) sigma; variances within 4 sqrt(2 / ESS) of their value.
    assert np.all(np.abs(xm - x) < 4.0 / np.sqrt(sample.ess) * sig)
    assert np.allclose(np.diag(pm), np.diag(p), rtol=4.0 * np.sqrt(2.0 / sample.ess))


def test_adaptive_sampling_stops_once_its_sample_is_enough_or_its_proposal_stops_moving(monkeypatch):
    # The linear case above: the Laplace fit is the posterior, so the first round's ESS is
    # already past (d + 2) / MONTE_CARLO_NEES and, that rule aside, the proposal is at the
    # adaptation's fixed point from the first update on. Either stop must give the
    # moments the four rounds give, to their Monte Carlo error.
    rng = np.random.default_rng(8)
    fixes = [d for d, _ in _reports(rng, t_end=40.0)]
    start, _ = least_squares_state(fixes, SITES)
    model = BallisticModel()
    x, p, _ = batch_map(fixes, SITES, model, start, np.zeros(0), np.zeros((0, 0)))
    calls = []
    counted = initiation.log_likelihood

    def counting(*args, **kwargs):
        calls.append(1)
        return counted(*args, **kwargs)

    def run():
        calls.clear()
        sample = posterior_sample(fixes, SITES, model, x, p, np.zeros(0), np.zeros((0, 0)), samples=4096)
        return sample, len(calls)

    monkeypatch.setattr(initiation, "log_likelihood", counting)
    enough, n_enough = run()
    monkeypatch.setattr(initiation, "MONTE_CARLO_NEES", 0.0)  # no sample is enough
    converged, n_converged = run()
    monkeypatch.setattr(initiation, "MIN_COMPONENT_ESS", np.inf)  # convergence never judged either
    full, n_full = run()
    # Here the Laplace proposal is already at the fixed point: the second rule alone stops
    # after the first round or the first update.
    assert n_enough == 1 and n_converged <= 2 and n_full == 4
    xf, pf = full.moments()
    sig = np.sqrt(np.diag(pf))
    for early in (enough, converged):
        xe, pe = early.moments()
        ess = min(early.ess, full.ess)
        assert ess > 1000
        # As above: 4 Monte Carlo sigmas of a mean and of a variance from ``ess`` points.
        assert np.all(np.abs(xe - xf) < 4.0 / np.sqrt(ess) * sig)
        assert np.allclose(np.diag(pe), np.diag(pf), rtol=4.0 * np.sqrt(2.0 / ess))


@pytest.fixture(scope="module")
def vhf_starts():
    """A VHF-like radar: 150 m in range, 15 mrad in angle, at ~3,000 km (the flagship's case):
    five fixes 10 s apart, 480 noise draws; for each, the NEES of the sampled initiation
    (nonlinearity index ~2.5: always sampled), of the Laplace fit, and how it was made."""
    site = Site.from_degrees(name="v", lat_deg=52.86, lon_deg=103.23, alt_m=430.0, sigma_range_m=150.0,
                             sigma_az_deg=0.86, sigma_el_deg=0.86, revisit_s=10.0, min_el_deg=0.0,
                             max_range_km=6000.0)
    sites = {"v": site}
    lat, lon = np.radians(41.0), np.radians(130.0)
    x0 = np.concatenate([geo.lla_to_ecef(lat, lon, 900e3), geo.enu_rotation(lat, lon).T @ np.array([2000., 500., 3000.])])
    truth = [dynamics.propagate(x0, t) if t > 0 else x0 for t in np.arange(0.0, 50.0, 10.0)]
    rng = np.random.default_rng(9)
    model = BallisticModel()
    laplace, sampled, index, methods = [], [], [], []
    for _ in range(480):
        fixes = [Detection(t_s=10.0 * k, site="v", z=measure(site, xt) + rng.standard_normal(3) * site.noise_std,
                           sigma=site.noise_std) for k, xt in enumerate(truth)]
        init = initiate(fixes, sites, model, np.zeros(0), np.zeros((0, 0)), samples=4096, threshold=0.1)
        start, _ = least_squares_state(fixes, sites)
        x, p, _ = batch_map(fixes, sites, model, start, np.zeros(0), np.zeros((0, 0)))
        laplace.append(nees(x - truth[-1], p))
        sampled.append(nees(init.x - truth[-1], init.p))
        index.append(init.index)
        methods.append(init.method)
    return np.array(laplace), np.array(sampled), np.array(index), methods


def test_importance_sampled_initiation_is_far_less_overconfident_than_laplace(vhf_starts):
    """The reason the tracker samples when the nonlinearity index is large: over 480 noise
    draws the Laplace fit's NEES (dimension 6) is far larger than the sampled posterior's.
    Bound: the paired difference's mean is positive by more than 3.29 of its standard
    errors (99.9 %, normal approximation of the mean of 480 draws)."""
    laplace, sampled, index, methods = vhf_starts
    assert index.min() > 0.1  # every case is past the threshold: sampled, not Laplace
    assert methods.count("importance") >= 0.95 * len(methods)  # ESS >= 50: few fall back to Laplace
    diff = laplace - sampled
    assert diff.mean() > 3.29 * diff.std(ddof=1) / np.sqrt(diff.size)


def test_importance_sampled_initiation_stays_honest_on_a_vhf_banana(vhf_starts):
    """Posterior moments give E[NEES] = 6 whatever the posterior's shape, but the NEES of a
    curved posterior is heavy-tailed (here a few draws reach 100-300), so the bound is the
    mean's own 99.9 % normal interval from the draws' sample deviation, not the chi-square
    band of Gaussian NEES.

    Known limit (docs/tracking.md, "Initiation"): on this banana (index ~2.5) the sampled
    start is overconfident on average, mean NEES ~10 (9.7 +- 1.0 over eight other 60-draw
    streams): draws whose ESS stays under 50 fall back to Laplace, and Gaussian moments of a
    curved posterior put a truth in its arms far out. The test holds the start to the
    project's honesty bar for a filter outside its model's phase (issue 14: mean NEES at most
    20): the upper end of that interval must be below 20."""
    _, sampled, _, _ = vhf_starts
    se = sampled.std(ddof=1) / np.sqrt(sampled.size)
    assert sampled.mean() + 3.29 * se < 20.0


def _far_fixes(rng, sigma_angle_deg=0.86, count=3, step_s=10.0):
    """A radar with 150 m in range (and VHF's 15 mrad in angle unless told) and ``count``
    noisy fixes of a vacuum arc ~3,000 km off."""
    site = Site.from_degrees(name="v", lat_deg=52.86, lon_deg=103.23, alt_m=430.0, sigma_range_m=150.0,
                             sigma_az_deg=sigma_angle_deg, sigma_el_deg=sigma_angle_deg, revisit_s=10.0,
                             min_el_deg=0.0,
                             max_range_km=6000.0)
    lat, lon = np.radians(41.0), np.radians(130.0)
    x0 = np.concatenate([geo.lla_to_ecef(lat, lon, 900e3),
                         geo.enu_rotation(lat, lon).T @ np.array([2000., 500., 3000.])])
    fixes, states = [], []
    for t in np.arange(0.0, count * step_s, step_s):
        xt = dynamics.propagate(x0, t) if t > 0 else x0
        z = measure(site, xt) + rng.standard_normal(3) * site.noise_std
        fixes.append(Detection(t_s=float(t), site="v", z=z, sigma=site.noise_std))
        states.append(xt)
    return {"v": site}, fixes, states


PRIOR_1_OVER_BETA = (np.array([2e-4]), np.array([[1e-8]]))


@pytest.fixture(scope="module")
def starts_above_the_air():
    """Three VHF-like fixes 20 s apart at 0.25 deg of a vacuum arc ~3,000 km off, and the
    ballistic and reentry models' initiations on them (the reentry model under the 1/beta
    prior :data:`PRIOR_1_OVER_BETA`)."""
    sites, fixes, _ = _far_fixes(np.random.default_rng(11), sigma_angle_deg=0.25, step_s=20.0)
    ballistic = initiate(fixes, sites, BallisticModel(), np.zeros(0), np.zeros((0, 0)))
    reentry = initiate(fixes, sites, ReentryModel(), *PRIOR_1_OVER_BETA)
    return sites, fixes, ballistic, reentry


def test_a_tight_prior_on_an_extra_component_keeps_the_weak_directions_of_the_fit(starts_above_the_air):
    # Above the air the reentry model is the ballistic model with 1/beta riding along under
    # its prior: its fit of [r, v] must be the ballistic fit. Three fixes 20 s apart at
    # 0.25 deg leave the cross-range directions an information of ~1e-8 beside the prior's
    # 1e8 on 1/beta (a nonlinearity index ~0.3, as the Kusong scene's starts); an unscaled
    # pseudo-inverse dropped them (a cross-range sigma 10x too small, a log evidence ~40
    # below the ballistic model's, an importance sample whose ESS collapsed to ~2).
    sites, fixes, ballistic, reentry = starts_above_the_air
    prior_mean, prior_cov = PRIOR_1_OVER_BETA
    x6, _ = least_squares_state(fixes, sites)
    xb, pb, _ = batch_map(fixes, sites, BallisticModel(), x6, np.zeros(0), np.zeros((0, 0)))
    xr, pr, _ = batch_map(fixes, sites, ReentryModel(), np.concatenate([x6, prior_mean]), prior_mean, prior_cov)
    # The two models differ only by the finite-difference 1/beta column of the reentry
    # model's transition matrix (~1e-5 m per m^2/kg, nil in vacuum: the fits agree to
    # ~1e-11): 1e-6 of a sigma, of a variance and of a nat is rounding, not a difference.
    sig = np.sqrt(np.diag(pb))
    assert np.all(np.abs(xr[:6] - xb) < 1e-6 * sig)
    assert np.allclose(pr[:6, :6], pb, rtol=1e-6, atol=1e-6 * np.outer(sig, sig))
    assert np.all(np.linalg.eigvalsh(pr) > 0.0)
    assert np.isclose(np.sqrt(pr[6, 6]), 1e-4, rtol=1e-6)  # the data say nothing of 1/beta in vacuum
    assert abs(reentry.log_evidence - ballistic.log_evidence) < 1e-6  # the prior's normaliser cancels
    assert 0.1 < ballistic.index == pytest.approx(reentry.index, rel=1e-6)
    assert reentry.method == ballistic.method == "importance"
    # One dimension more, sampled from its prior: a smaller ESS, but of the same order
    # (~0.9 of the ballistic model's here; ~1e-3 of it with the unscaled solve).
    assert reentry.ess > 0.5 * ballistic.ess


def test_above_the_air_the_reentry_start_is_the_ballistic_one_with_the_prior_on_1_over_beta(starts_above_the_air):
    # What the tracker uses instead of fitting and sampling the reentry model on a chain
    # above the air (initiation.with_independent_prior): the full reentry initiation
    # must agree with it to the Monte Carlo error of the two importance samples.
    _, _, ballistic, full = starts_above_the_air
    short = initiation.with_independent_prior(ballistic, *PRIOR_1_OVER_BETA)
    assert short.x.shape == (7,) and short.p.shape == (7, 7) and len(short.components) == len(ballistic.components)
    assert short.log_evidence == ballistic.log_evidence
    assert full.log_evidence == pytest.approx(short.log_evidence, abs=1e-6)  # the prior's normaliser cancels
    # Two independent estimates of one posterior mean from ESS-sized samples differ by
    # N(0, P (1/ESS_1 + 1/ESS_2)): their squared Mahalanobis distance, so scaled, is
    # chi-square with 7 dof; 24.3 is its 0.999 quantile.
    d = full.x - short.x
    scale = 1.0 / (1.0 / full.ess + 1.0 / ballistic.ess)
    assert scale * float(d @ np.linalg.solve(short.p, d)) < 24.3
    # Variances from ESS points: within 4 sqrt(2 / ESS) of each other.
    ess = min(full.ess, ballistic.ess)
    assert np.allclose(np.diag(full.p), np.diag(short.p), rtol=4.0 * np.sqrt(2.0 / ess))


def test_pcrlb_of_one_detection_is_its_information_and_shrinks_with_more():
    rng = np.random.default_rng(10)
    reports = _reports(rng, t_end=60.0, rr=False)
    dets = [d for d, _ in reports]
    states = {d.t_s: x for d, x in reports}

    def truth(t):
        return np.array([states[float(v)] for v in np.atleast_1d(t)])

    model = BallisticModel(q_m2_s3=0.0)
    p0 = metrics.diffuse_prior(6)
    b1 = metrics.pcrlb(truth, dets[:1], SITES, model, p0)
    from sprn.radar import measurement_jacobian
    h = measurement_jacobian(SITES[dets[0].site], states[0.0])
    expect = np.linalg.inv(np.linalg.inv(p0) + h.T @ np.diag(1.0 / dets[0].sigma**2) @ h)
    assert np.allclose(b1.p[0], expect, rtol=1e-9)
    every = metrics.pcrlb(truth, dets, SITES, model, p0)
    half = metrics.pcrlb(truth, dets[::2], SITES, model, p0)
    # More detections, more information: at a common time the bound with all of them is
    # below (in the matrix order) the bound with every other one.
    t_last = dets[-2].t_s
    gap = half.at(t_last) - every.at(t_last)
    assert np.min(np.linalg.eigvalsh(gap)) > -1e-9 * np.max(np.abs(gap))
    assert every.position_m[-1] < every.position_m[4]


def test_the_ekf_reaches_the_bound_where_the_problem_is_linear():
    # Good radars, long track: the EKF is efficient, so its RMSE meets the PCRLB (the
    # bound of a linear-Gaussian problem is the Kalman filter's own covariance).
    rng = np.random.default_rng(11)
    sq_err, sq_bound = 0.0, 0.0
    cfg = TrackerConfig(init_min_dt_s=10.0)
    for _ in range(20):
        reports = _reports(rng, rr=False)
        states = {d.t_s: x for d, x in reports}
        tk = Tracker(sites=SITES, config=cfg)
        for det, _ in reports:
            tk.update(det)

        def truth(t, states=states):
            return np.array([states[float(v)] for v in np.atleast_1d(t)])

        bound = metrics.pcrlb(truth, [d for d, _ in reports], SITES, cfg.motion_model())
        for e in tk.history[20:]:
            sq_err += float(np.sum((e.x[:3] - states[e.t_s][:3]) ** 2))
            sq_bound += float(np.trace(bound.at(e.t_s)[:3, :3]))
    ratio = np.sqrt(sq_err / sq_bound)
    # 20 runs x 60 correlated updates: the RMS ratio's sampling error is ~10 %.
    assert 0.8 < ratio < 1.2


def test_impact_bound_scales_with_the_state_bound():
    x = _start()
    p = np.diag([1e4, 1e4, 1e4, 1.0, 1.0, 1.0])
    b1 = metrics.impact_bound_m(x, p)
    assert metrics.impact_bound_m(x, 4.0 * p) == pytest.approx(2.0 * b1, rel=1e-9)
    assert metrics.impact_bound_m(x, np.zeros((6, 6))) == 0.0
    # A 1 km position uncertainty moves a ballistic impact by kilometres, not metres or 1000s of km.
    assert 300.0 < metrics.impact_bound_m(x, np.diag([1e6] * 3 + [0.0] * 3)) < 2e4


def test_phase_rmse_splits_by_phase():
    t = np.arange(10.0)
    err = np.zeros((10, 6))
    err[:5, 0] = 3.0
    err[5:, 3] = 4.0
    out = metrics.phase_rmse(t, err, lambda tt: np.where(tt < 5, "boost", "midcourse"))
    assert out == {"boost": (3.0, 0.0, 5), "midcourse": (0.0, 4.0, 5)}


def test_config_fields_are_scalars_for_scenario_files():
    # scenario.py and the Monte Carlo override tables read [tracker] keys as bool, int,
    # float or str; every field must be one of those.
    for f in dataclasses.fields(TrackerConfig):
        assert str(f.type) in {"str", "int", "float", "bool"}, f.name


# --- the mismatch monitor and the phases of single-model filters (issue 14) ---------------


@pytest.mark.parametrize("seed", range(5))
def test_widening_q_brings_the_nis_to_its_dimension(seed):
    from sprn import kernels
    from sprn.tracking.track import widening_q

    rng = np.random.default_rng(seed)
    h = rng.standard_normal((3, 6))
    a = rng.standard_normal((3, 3))
    s = a @ a.T + 3.0 * np.eye(3)
    q_unit = kernels.white_acceleration_q(2.0, 1.0)
    y = rng.standard_normal(3) * 30.0  # far outside S: NIS of order 300
    q = widening_q(y, s, h, q_unit, q_max=1e12, gate=1e9)
    widened = s + q * h @ q_unit @ h.T
    assert float(y @ np.linalg.solve(widened, y)) == pytest.approx(3.0, rel=1e-6)
    small = np.linalg.cholesky(s) @ np.full(3, 0.5)  # NIS 0.75: nothing to widen
    assert widening_q(small, s, h, q_unit, q_max=1e12, gate=1e9) == 0.0
    # Too big for q_max: widened to q_max if that brings it inside the gate, else not at all.
    assert widening_q(y, s, h, q_unit, q_max=q / 10.0, gate=1e9) == q / 10.0
    assert widening_q(y, s, h, q_unit, q_max=q / 10.0, gate=3.5) == 0.0


def test_a_lone_outlier_is_gated_not_absorbed():
    rng = np.random.default_rng(11)
    tk = Tracker(sites=SITES, config=TrackerConfig(filter="ekf", init_min_dt_s=10.0))
    reports = _reports(rng)
    for det, _ in reports[:40]:
        tk.update(det)
    det = reports[40][0]
    far = Detection(t_s=det.t_s, site=det.site, z=det.z + np.array([5e3, 0.0, 0.0, 0.0])[: det.z.size],
                    sigma=det.sigma)
    assert tk.update(far) is None and tk.rejected == [far]
    for det, _ in reports[41:]:
        tk.update(det)
    assert not tk.widened and not tk.deleted_s


def test_phase_model_follows_height_and_climb():
    from sprn.tracking.filters import EkfAdapter
    from sprn.tracking.track import phase_model

    cfg = TrackerConfig(filter="ekf")
    lat, lon = np.radians(40.0), np.radians(125.0)
    up = geo.enu_rotation(lat, lon).T @ np.array([0.0, 0.0, 1.0])
    low, high = geo.lla_to_ecef(lat, lon, 50e3), geo.lla_to_ecef(lat, lon, 400e3)
    p6 = np.eye(6)
    climbing = EkfAdapter(np.concatenate([low, 2000.0 * up]), p6, cfg.motion_model("ballistic"))
    falling = EkfAdapter(np.concatenate([low, -2000.0 * up]), p6, cfg.motion_model("ballistic"))
    coasting = EkfAdapter(np.concatenate([high, 2000.0 * up]), p6, cfg.motion_model("ballistic"))
    assert phase_model(climbing) == "boost" and phase_model(falling) == "reentry"
    assert phase_model(coasting) is None
    p9 = np.diag([1.0] * 6 + [4.0] * 3)  # thrust sigma 2 m/s^2 per axis
    burnt_out = EkfAdapter(np.concatenate([high, 2000.0 * up, [0.5, -0.5, 1.0]]), p9, cfg.motion_model("boost"))
    thrusting = EkfAdapter(np.concatenate([high, 2000.0 * up, [30.0, 0.0, 0.0]]), p9, cfg.motion_model("boost"))
    assert phase_model(burnt_out) == "ballistic" and phase_model(thrusting) is None
