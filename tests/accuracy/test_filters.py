"""Filter accuracy over fixed seeds (noise only; each truth flown once): consistency (NEES,
NIS), efficiency against the posterior Cramer-Rao bound, the IMM against single models by
flight phase, and impact prediction with an unknown ballistic coefficient.

Tolerances and their reasons:

* mean NEES over N runs: the two-sided 95 % band of chi-square(6 N) / N (Bar-Shalom, Li &
  Kirubarajan 2001, sec. 5.4.2), each run's time-averaged NEES taken as one draw: wider
  than the truth, since a time average varies less than one draw;
* NIS: innovations of a consistent filter are white, so the sum of all NIS over all runs
  is chi-square with the summed degrees of freedom; its 99.9 % band;
* position RMSE in free flight within 1.3 times the PCRLB (issue 7): the filters are
  Gaussian approximations of a non-Gaussian posterior, and 20 runs leave ~10 % sampling
  error on an RMS ratio;
* IMM against the best single-model filter per phase: no more than 20 % worse (issue 7);
* impact error 60 s before impact within 2 times the bound (issue 7).

The flagship's single VHF radar (angle noise 5-20 mrad, range 150 m, range rate ~2 m/s,
at ~3,000 km) is the case the EKF could not handle. The UKF with importance-sampled
initiation and a Gaussian-sum start (the "flagship" fixture) passes the NIS band and the
PCRLB ratio there; its mean NEES is 10-20 % above 6 (a heavy tail of runs locked onto a
wrong component). The default IMM, which the flagship scenario now uses, meets the band
(see the flagship NEES test).
"""

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sprn import dynamics, engagement, geo, metrics, scenario, sim
from sprn.impact import propagate_to_ground
from sprn.radar import Detection, Site, noisy_measurement
from sprn.tracking import Tracker, TrackerConfig, chi2_band
from sprn.trajectory import Shot, fly

ROOT = Path(__file__).resolve().parents[2]
SEEDS = range(20)


def _runs(path, **tracker_changes):
    scen = scenario.load(ROOT / "scenarios" / path)
    scen = dataclasses.replace(
        scen,
        sim=dataclasses.replace(scen.sim, predict_every_s=1e9, checkpoints_s=()),
        tracker=dataclasses.replace(scen.tracker, **tracker_changes),
    )
    truth = fly(scen.shot)
    runs = [engagement.run_scenario(scen, seed=s, truth=truth) for s in SEEDS]
    return [r for r in runs if len(r.score.t_s) > 5], truth


@pytest.fixture(scope="module")
def flagship():
    return _runs("kusong-2017-05-14.toml", filter="ukf", init_min_dt_s=40.0)  # the UKF's own start: 40 s of fixes


@pytest.fixture(scope="module")
def own_radars():
    return _runs("kusong-2017-05-14-own-radars.toml", filter="ekf")


def test_mean_nees_within_chi2_band(own_radars):
    runs, _ = own_radars
    lo, hi = chi2_band(6, len(runs))
    mean = float(np.mean([r.score.nees_mean for r in runs]))
    print(f"own_radars: mean NEES over {len(runs)} runs {mean:.2f} (95 % band {lo:.2f}-{hi:.2f})")
    assert lo <= mean <= hi


def _flagship_nees(seeds):
    """The flagship with its own (the default) tracker."""
    scen = scenario.load(ROOT / "scenarios" / "kusong-2017-05-14.toml")
    scen = dataclasses.replace(scen, sim=dataclasses.replace(scen.sim, predict_every_s=1e9, checkpoints_s=()))
    truth = fly(scen.shot)
    runs = [engagement.run_scenario(scen, seed=s, truth=truth) for s in seeds]
    return np.array([r.score.nees_mean for r in runs if len(r.score.t_s) > 5])


def _check_flagship_nees(means):
    lo, hi = chi2_band(6, len(means))
    tail = float(np.mean(means > 25.0))
    print(f"flagship, {len(means)} runs: mean NEES {means.mean():.2f} (95 % band {lo:.2f}-{hi:.2f}), "
          f"median {np.median(means):.2f}, runs above 25: {100 * tail:.1f} %")
    # Each run's time-averaged NEES is one chi-square(6) draw for the band (a time average
    # varies less, so the band is wider than the truth's). The default IMM meets it (6.20
    # over 178 runs of 200); the UKF with a Gaussian-sum start that the flagship used
    # before did not (6.3-7.2: 1-2 % of runs locked onto a wrong component early). The
    # median of a consistent filter's per-run NEES is below 6 (skewed right like a gamma
    # variable), and the share of runs above 25, 1.1 % over 178 runs, is bounded at 5 %
    # (binomial standard error 0.8 % over 200 runs).
    assert lo <= means.mean() <= hi
    assert np.median(means) <= 6.0
    assert tail <= 0.05


def test_flagship_nees_median_and_tail():
    """The single-VHF-radar flagship with its default tracker over 200 seeds (~40 s)."""
    _check_flagship_nees(_flagship_nees(range(200)))


@pytest.mark.parametrize("case", ["flagship", "own_radars"])
def test_nis_within_chi2_band(case, request):
    runs, _ = request.getfixturevalue(case)
    nis = np.concatenate([[e.nis for e in r.output.tracker.history[1:]] for r in runs])
    dof = np.concatenate([[e.dof for e in r.output.tracker.history[1:]] for r in runs])
    lo, hi = stats.chi2.ppf([0.0005, 0.9995], dof.sum())
    print(f"{case}: NIS / dof = {nis.sum() / dof.sum():.3f} over {len(nis)} updates "
          f"(99.9 % band {lo / dof.sum():.3f}-{hi / dof.sum():.3f})")
    assert lo <= nis.sum() <= hi


@pytest.mark.parametrize("case", ["flagship", "own_radars"])
def test_free_flight_position_rmse_within_1_3_pcrlb(case, request):
    runs, truth = request.getfixturevalue(case)
    sq_err = sq_bound = 0.0
    for r in runs:
        sites = {s.name: s for s in r.scenario.sites}
        bound = metrics.pcrlb(truth.state, r.output.detections, sites, r.scenario.tracker.motion_model("ballistic"))
        for e in r.output.tracker.history:
            if truth.phase(e.t_s) != "midcourse":
                continue
            sq_err += float(np.sum((e.x[:3] - truth.state(e.t_s)[:3]) ** 2))
            sq_bound += float(np.trace(bound.at(e.t_s)[:3, :3]))
    ratio = float(np.sqrt(sq_err / sq_bound))
    print(f"{case}: free-flight position RMSE / PCRLB = {ratio:.3f}")
    assert ratio <= 1.3


# --- the IMM against single models, by flight phase -------------------------------------

MIN_ENERGY = Shot(missile="hwasong-12", launch_lat_deg=40.0659, launch_lon_deg=125.2099, aim_lat_deg=41.7008,
                  aim_lon_deg=134.3007, shape="min-energy")


def _watch_sites():
    """Two radars of fixed accuracy written for this test: one sees the boost, one the reentry."""
    common = {"alt_m": 50.0, "sigma_range_m": 50.0, "sigma_az_deg": 0.05, "sigma_el_deg": 0.05, "revisit_s": 2.0,
              "min_el_deg": 0.5, "max_range_km": 3000.0}
    return [Site.from_degrees(name="launch-watch", lat_deg=37.5, lon_deg=127.0, **common),
            Site.from_degrees(name="impact-watch", lat_deg=42.9, lon_deg=132.0, **common)]


SEEDS_PHASES = 8
"""Runs of the phase comparison: with 3 the IMM's boost velocity RMSE against the boost
filter's moved by 10 % from seed to seed, as much as the 20 % tolerance allows."""


@pytest.fixture(scope="module")
def phase_errors():
    truth = fly(MIN_ENERGY)
    sites = _watch_sites()
    quiet = TrackerConfig(init_min_fixes=10**9)
    runs = [sim.run(truth, sites, s, quiet, sim.SimConfig(predict_every_s=1e9, checkpoints_s=())).detections
            for s in range(SEEDS_PHASES)]
    configs = {
        "imm": TrackerConfig(filter="imm", init_min_dt_s=10.0),
        **{m: TrackerConfig(filter="ukf", model=m, init_min_dt_s=10.0) for m in ("boost", "ballistic", "reentry")},
    }
    out = {}
    for name, cfg in configs.items():
        sums: dict[str, list[float]] = {}
        for dets in runs:
            tk = Tracker(sites={s.name: s for s in sites}, config=cfg)
            for d in dets:
                tk.update(d)
            t = np.array([e.t_s for e in tk.history])
            err = np.array([e.x for e in tk.history]) - truth.state(t)
            for phase, (rp, rv, n) in metrics.phase_rmse(t, err, truth.phase).items():
                acc = sums.setdefault(phase, [0.0, 0.0, 0])
                acc[0] += rp**2 * n
                acc[1] += rv**2 * n
                acc[2] += n
        out[name] = {ph: (np.sqrt(a[0] / a[2]), np.sqrt(a[1] / a[2])) for ph, a in sums.items()}
    return out


@pytest.mark.parametrize("phase", ["boost", "midcourse", "reentry"])
def test_imm_no_worse_than_the_best_single_model_by_20_percent(phase_errors, phase):
    singles = {m: e[phase] for m, e in phase_errors.items() if m != "imm" and phase in e}
    imm = phase_errors["imm"][phase]
    best_pos = min(v[0] for v in singles.values())
    best_vel = min(v[1] for v in singles.values())
    print(f"{phase}: IMM {imm[0]:.0f} m {imm[1]:.1f} m/s; single models "
          + ", ".join(f"{m} {v[0]:.0f} m {v[1]:.1f} m/s" for m, v in singles.items()))
    assert imm[0] <= 1.2 * best_pos and imm[1] <= 1.2 * best_vel


# --- impact prediction in reentry with an unknown ballistic coefficient ------------------

BETA_RANGE_KG_M2 = (2000.0, 8000.0)
"""Reentry vehicles' ballistic coefficients in sprn's catalogue span 2,000-5,000 kg/m^2; the
draw goes wider. 1/beta is drawn uniformly: the filter's prior is its mean and standard
deviation, nothing about the draw."""


def _fall(x0, inv_beta, t0, step=0.05):
    """Truth from ``x0`` at ``t0`` to the ground with drag of ``inv_beta``: RK4 at 0.05 s."""
    times, states = [t0], [x0]
    x, t = x0, t0
    while dynamics.altitude_m(x[:3]) > 0.0:
        x = dynamics.propagate(x, step, inv_beta, max_step_s=step)
        t += step
        times.append(t)
        states.append(x)
    return np.array(times), np.array(states)


def test_impact_prediction_60_s_before_impact_within_twice_the_bound():
    base = fly(MIN_ENERGY)
    site = _watch_sites()[1]
    site = dataclasses.replace(site, sigma_range_rate_mps=1.0)
    inv_lo, inv_hi = 1.0 / BETA_RANGE_KG_M2[1], 1.0 / BETA_RANGE_KG_M2[0]
    mean_ib, sigma_ib = 0.5 * (inv_lo + inv_hi), (inv_hi - inv_lo) / np.sqrt(12.0)
    cfg = TrackerConfig(filter="ukf", model="reentry", init_min_dt_s=10.0, inv_beta_m2_kg=mean_ib,
                        sigma_inv_beta_m2_kg=sigma_ib)
    rng = np.random.default_rng(2017)
    t0 = base.events["reentry_100km"] - 60.0  # a minute before the air: 1/beta unseen at first
    miss, bound = [], []
    for run in range(8):
        inv_beta = float(rng.uniform(inv_lo, inv_hi))
        times, states = _fall(base.state(t0), inv_beta, t0)
        t_impact = times[-1]
        t_eval = t_impact - 60.0
        sigma = np.concatenate([site.noise_std, [1.0]])
        dets = [Detection(t_s=float(t), site=site.name, z=noisy_measurement(site, x, sigma, rng), sigma=sigma)
                for t, x in zip(times[::20], states[::20]) if t <= t_eval + 1e-9]
        tk = Tracker(sites={site.name: site}, config=cfg)
        for d in dets:
            tk.update(d)
        f = tk.principal.filter if tk.principal is not None and tk.principal.alive else None
        assert f is not None and tk.history[-1].t_s == pytest.approx(t_eval, abs=1.0)
        x7 = np.asarray(f.x)
        _, hit = propagate_to_ground(x7[None, :6], max(float(x7[6]), 0.0))
        lat, lon, _ = geo.ecef_to_lla(hit[0, :3])
        lat_t, lon_t, _ = geo.ecef_to_lla(states[-1, :3])
        miss.append(float(geo.geodesic_distance_m(np.degrees(lat), np.degrees(lon), np.degrees(lat_t),
                                                  np.degrees(lon_t))))

        def truth(t, times=times, states=states):
            idx = np.clip(np.searchsorted(times, np.atleast_1d(t)), 0, len(times) - 1)
            return states[idx]

        p0 = metrics.diffuse_prior(7, [sigma_ib])
        b = metrics.pcrlb(truth, dets, {site.name: site}, cfg.motion_model("reentry"), p0, parameters=[inv_beta])
        x_true = np.concatenate([truth(dets[-1].t_s)[0], [inv_beta]])
        bound.append(metrics.impact_bound_m(x_true, b.p[-1]))
    rms_miss, rms_bound = float(np.sqrt(np.mean(np.square(miss)))), float(np.sqrt(np.mean(np.square(bound))))
    print(f"impact 60 s before impact: RMS miss {rms_miss / 1000:.2f} km, RMS bound {rms_bound / 1000:.2f} km")
    assert rms_miss <= 2.0 * rms_bound


@pytest.mark.slow
def test_flagship_nees_over_1000_seeds():
    """The flagship's NEES test over 1,000 seeds (a few minutes): the 200-seed test's firmer version."""
    _check_flagship_nees(_flagship_nees(range(1000)))