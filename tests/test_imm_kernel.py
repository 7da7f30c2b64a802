"""The compiled IMM cycle (sprn.kernels.imm) against the Python IMM it replaced.

tests/reference_imm.py is that Python IMM, over filterpy-based UkfAdapter modes. Both are
started from the same state and fed the same reports of a flight from boost to reentry;
after every prediction, innovation and update the mode probabilities and the combined
estimate must agree. Tolerance: 1e-9 relative (1e-6 m on 1e3 km, 1e-6 m/s on km/s). The
two differ only in the order of floating-point sums (numba's loops against numpy's
reductions), about 1e-16 relative per operation, which a filter's updates amplify by at
most its condition number over the few dozen updates compared here.
"""

from __future__ import annotations

import numpy as np
import pytest
from reference_imm import ReferenceImm

from sprn import sim
from sprn.radar import Site
from sprn.tracking import TrackerConfig, UkfAdapter
from sprn.tracking.config import MODELS
from sprn.tracking.imm import ImmAdapter, switching_generator
from sprn.tracking.models import COMMON_DIM, INV_BETA, THRUST
from sprn.trajectory import Shot, fly

SHOT = Shot(missile="hwasong-12", launch_lat_deg=40.0659, launch_lon_deg=125.2099, aim_lat_deg=41.7008,
            aim_lon_deg=134.3007, shape="min-energy")


def _site(name: str, lat: float, lon: float) -> Site:
    return Site.from_degrees(name=name, lat_deg=lat, lon_deg=lon, alt_m=50.0, sigma_range_m=50.0, sigma_az_deg=0.05,
                             sigma_el_deg=0.05, revisit_s=2.0, min_el_deg=0.5, max_range_km=3000.0,
                             sigma_range_rate_mps=1.0)


@pytest.fixture(scope="module")
def reports():
    truth = fly(SHOT)
    sites = [_site("launch-watch", 37.5, 127.0), _site("impact-watch", 42.9, 132.0)]
    out = sim.run(truth, sites, 3, TrackerConfig(init_min_fixes=10**9),
                  sim.SimConfig(predict_every_s=1e9, checkpoints_s=()))
    return truth, {s.name: s for s in sites}, out.detections


def _pair(truth, t0):
    """The compiled and the reference IMM, started alike near the truth at ``t0``."""
    cfg = TrackerConfig()
    x6 = truth.state(t0) + np.array([300.0, -200.0, 150.0, 20.0, -10.0, 5.0])
    p6 = np.diag([500.0**2] * 3 + [50.0**2] * 3)
    states = {"boost": (np.concatenate([x6, [5.0, 5.0, 5.0]]), np.diag([*np.diag(p6), 30.0**2, 30.0**2, 30.0**2])),
              "ballistic": (x6, p6),
              "reentry": (np.concatenate([x6, [3e-4]]), np.diag([*np.diag(p6), 2e-4**2]))}
    models = [cfg.motion_model(m) for m in MODELS]
    carry_x, carry_p = np.zeros(COMMON_DIM), np.zeros((COMMON_DIM, COMMON_DIM))
    carry_x[:6], carry_p[:6, :6] = x6, p6
    carry_p[list(THRUST), list(THRUST)] = 30.0**2
    carry_x[INV_BETA], carry_p[INV_BETA, INV_BETA] = 3e-4, 2e-4**2
    gen = switching_generator(MODELS, 120.0, 600.0, 600.0)
    air = switching_generator(MODELS, 120.0, 600.0, 600.0, in_air=True)
    mu0 = [0.2, 0.5, 0.3]
    fast = ImmAdapter(models, [states[m] for m in MODELS], mu0, gen, carry_x, carry_p, air)
    ref = ReferenceImm([UkfAdapter(*states[m], model) for m, model in zip(MODELS, models)], mu0, gen, carry_x,
                       carry_p, air)
    return fast, ref


def _close(a, b, scale=None):
    """Equal to 1e-9 of each element's scale: by default its own size for a vector, and for
    a covariance ``sqrt(P_ii P_jj)`` (an off-diagonal term can cancel to far below that);
    an innovation is scaled by its standard deviations (it is a difference of nearly equal
    angles), a probability by one."""
    a, b = np.asarray(a), np.asarray(b)
    if scale is None:  # an estimate's components (thrust near zero) are scaled by their sigmas by the caller
        scale = np.abs(b) if b.ndim == 1 else np.sqrt(np.outer(np.diag(b), np.diag(b)))
    return bool(np.all(np.abs(a - b) <= 1e-9 * scale))


@pytest.mark.parametrize("phase", ["boost", "midcourse", "reentry"])
def test_compiled_imm_cycle_equals_the_python_imm(reports, phase):
    truth, sites, dets = reports
    chosen = [d for d in dets if truth.phase(d.t_s) == phase]
    if phase == "reentry":  # the last minutes above the air and the descent through it
        chosen = [d for d in dets if d.t_s > truth.events["reentry_100km"] - 60.0]
    chosen = chosen[:40]
    assert len(chosen) >= 10, f"too few {phase} reports to compare"
    fast, ref = _pair(truth, chosen[0].t_s - 1.0)
    t = chosen[0].t_s - 1.0
    for d in chosen:
        fast.predict(d.t_s - t)
        ref.predict(d.t_s - t)
        t = d.t_s
        assert _close(fast.mu, ref.mu, 1.0)
        assert _close(fast.peek(1.5)[0], ref.peek(1.5)[0])
        inn_f = fast.innovation(d.z, sites[d.site], d.covariance)
        inn_r = ref.innovation(d.z, sites[d.site], d.covariance)
        assert _close(inn_f.y, inn_r.y, np.sqrt(np.diag(inn_r.s))) and _close(inn_f.s, inn_r.s)
        assert inn_f.nis == pytest.approx(inn_r.nis, rel=1e-9)
        fast.correct(inn_f)
        ref.correct(inn_r)
        assert _close(fast.mu, ref.mu, 1.0)
        for k in range(len(MODELS)):
            x_f, p_f = fast.mode_state(k)
            x_r, p_r = ref.filters[k].x, ref.filters[k].P
            assert _close(x_f, x_r, np.maximum(np.abs(x_r), np.sqrt(np.diag(p_r)))) and _close(p_f, p_r)
        x_f, p_f = fast.combined()
        x_r, p_r = ref.combined()
        assert _close(x_f, x_r) and _close(p_f, p_r)
        common = ref.common_mean()
        assert _close(fast.common_mean(), common, np.maximum(np.abs(common), 1.0))


@pytest.mark.parametrize("n", [6, 7, 9])
@pytest.mark.parametrize(("alpha", "beta", "kappa"), [(1.0, 2.0, 0.0), (0.5, 2.0, 0.0), (1e-3, 2.0, -3.0)])
def test_merwe_weights_are_filterpys(n, alpha, beta, kappa):
    from filterpy.kalman import MerweScaledSigmaPoints

    from sprn.tracking.imm import merwe_weights

    points = MerweScaledSigmaPoints(n, alpha=alpha, beta=beta, kappa=kappa)
    wm, wc = merwe_weights(n, alpha, beta, kappa)
    assert np.array_equal(wm, points.Wm) and np.array_equal(wc, points.Wc)
