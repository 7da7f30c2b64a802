"""Compiled cycle of the IMM estimator with unscented mode filters (boost, ballistic, reentry).

The same algorithm as :class:`sprn.tracking.imm.ImmAdapter` documents (mixing in the
common state ``[r, v, a, 1/beta]``, unscented prediction and update of each mode,
likelihood reweighting of the modes), written as loops over a few small arrays and
compiled: an IMM update moves three filters of 6 to 9 states, and in Python each of its
some hundred small array operations cost more than the arithmetic.

The modes live in padded arrays: ``xs (M, 9)``, ``ps (M, 9, 9)``, a mode's state in its
first ``dims[k]`` entries, ``slots[k]`` the places of those entries in the common state,
``kinds[k]`` its motion model (:data:`BOOST`, :data:`BALLISTIC`, :data:`REENTRY`), ``wm``
and ``wc (M, 19)`` its sigma-point weights and ``spread[k]`` their scaling ``n + lambda``
(filterpy's ``MerweScaledSigmaPoints``, computed by the caller). ``params`` holds the
models' noise intensities and integration steps (indices ``Q_*`` and ``STEP_*``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sprn.kernels.flight import BALLISTIC as BALLISTIC  # the mode kinds, re-exported
from sprn.kernels.flight import BOOST as BOOST
from sprn.kernels.flight import REENTRY as REENTRY
from sprn.kernels.flight import (
    angles_moments,
    density,
    height,
    measurement_moments,
    rk4_model,
    sigma_points,
    spd_inverse,
    weighted_covariance,
    weighted_mean,
    white_acceleration_q,
)

COMMON_DIM = 10
MAX_DIM = 9
THRUST0 = 6
INV_BETA = 9
MIN_PROBABILITY = 1e-9
"""Floor on a mode's probability, so that no mode dies out for good."""
NEGLIGIBLE_Q = 1e-3
"""Process noise below this share of every predicted variance leaves the moved sigma points valid."""
(Q_BALLISTIC, Q_BOOST, Q_THRUST, Q_REENTRY, Q_REENTRY_VACUUM, Q_INV_BETA, STEP_BOOST, STEP_BALLISTIC,
 STEP_REENTRY, STEP_AIR, AIR_TOP) = range(11)
"""Indices of ``params``: noise intensities (m^2/s^3, m^2/s^5, m^4/kg^2/s), RK4 steps (s), top of the air (m)."""
N_PARAMS = 11


@njit(cache=True)
def markov_transition(generator: np.ndarray, dt_s: float) -> np.ndarray:
    """``expm(L dt)`` by scaling and squaring of the 8-term Taylor series (see :mod:`sprn.tracking.imm`)."""
    a = generator * dt_s
    norm = 0.0
    for i in range(a.shape[0]):
        norm = max(norm, np.sum(np.abs(a[i])))
    squarings = 0
    if norm > 0.25:
        squarings = max(0, math.ceil(math.log2(norm / 0.25)))
    a = a / 2.0**squarings
    term = np.eye(a.shape[0])
    out = term.copy()
    for k in range(1, 9):
        term = _product(term, a) / k
        out += term
    for _ in range(squarings):
        out = _product(out, out)
    return out


@njit(cache=True)
def _product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` of small matrices, as loops (a BLAS call costs more than a 3x3 product)."""
    out = np.zeros((a.shape[0], b.shape[1]))
    for i in range(a.shape[0]):
        for k in range(a.shape[1]):
            aik = a[i, k]
            for j in range(b.shape[1]):
                out[i, j] += aik * b[k, j]
    return out


@njit(cache=True)
def propagate_points(kind: int, pts: np.ndarray, dt_s: float, params: np.ndarray) -> np.ndarray:
    """States ``pts (m, dim)`` of a mode propagated by ``dt_s`` with RK4 (a new array).

    Equal steps of at most the model's step; the reentry model takes the air step once
    any state is below the top of the air. Thrust (boost) and ``1/beta`` (reentry) are
    constant over the prediction (their random walks enter through the process noise).
    """
    if dt_s == 0.0:
        return pts.copy()
    m = pts.shape[0]
    if kind == BOOST:
        step = params[STEP_BOOST]
    elif kind == BALLISTIC:
        step = params[STEP_BALLISTIC]
    else:
        step = params[STEP_REENTRY]
        for i in range(m):
            if height(pts[i, 0], pts[i, 1], pts[i, 2]) < params[AIR_TOP]:
                step = params[STEP_AIR]
                break
    n = max(1, math.ceil(abs(dt_s) / step))
    return rk4_model(kind, pts, dt_s / n, n)


@njit(cache=True)
def process_noise(kind: int, x: np.ndarray, dt_s: float, params: np.ndarray) -> np.ndarray:
    """Discrete process noise of a mode over ``dt_s`` at state ``x`` (:mod:`sprn.tracking.models`).

    Ballistic: white acceleration. Boost: the thrust's random walk (white jerk, per axis
    ``q [[dt^5/20, dt^4/8, dt^3/6], [dt^4/8, dt^3/3, dt^2/2], [dt^3/6, dt^2/2, dt]]``)
    plus white acceleration. Reentry: below the top of the air, the random walk of
    ``1/beta`` integrated along the drag's sensitivity ``-rho |v| v / 2`` and the air's
    white acceleration; above it, the vacuum's white acceleration alone (``1/beta`` is
    constant there: its changes come with the Mach number, in the air).
    """
    d = x.size
    dt = abs(dt_s)
    q = np.zeros((d, d))
    if kind == BOOST:
        chain = np.array([[dt**5 / 20.0, dt**4 / 8.0, dt**3 / 6.0], [dt**4 / 8.0, dt**3 / 3.0, dt**2 / 2.0],
                          [dt**3 / 6.0, dt**2 / 2.0, dt]])
        for i in range(3):
            for j in range(3):
                for axis in range(3):
                    q[3 * i + axis, 3 * j + axis] = params[Q_THRUST] * chain[i, j]
        q[:6, :6] += white_acceleration_q(dt, params[Q_BOOST])
    elif kind == BALLISTIC:
        q[:6, :6] = white_acceleration_q(dt, params[Q_BALLISTIC])
    else:
        speed = math.sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5])
        c = -0.5 * density(height(x[0], x[1], x[2])) * speed
        s = np.array([c * x[3], c * x[4], c * x[5]])
        in_air = height(x[0], x[1], x[2]) < params[AIR_TOP]
        qb = params[Q_INV_BETA] if in_air else 0.0
        for i in range(3):
            for j in range(3):
                ss = s[i] * s[j]
                q[i, j] = qb * dt**5 / 20.0 * ss
                q[i, 3 + j] = q[3 + j, i] = qb * dt**4 / 8.0 * ss
                q[3 + i, 3 + j] = qb * dt**3 / 3.0 * ss
            q[i, 6] = q[6, i] = qb * dt**3 / 6.0 * s[i]
            q[3 + i, 6] = q[6, 3 + i] = qb * dt**2 / 2.0 * s[i]
        q[6, 6] = qb * dt
        q[:6, :6] += white_acceleration_q(dt, params[Q_REENTRY] if in_air else params[Q_REENTRY_VACUUM])
    return q


@njit(cache=True)
def ukf_predict(kind: int, x: np.ndarray, p: np.ndarray, dt_s: float, params: np.ndarray, wm: np.ndarray,
                wc: np.ndarray, spread: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """A mode's unscented prediction: mean, covariance, the moved sigma points and whether
    they still stand for the prediction (the process noise is negligible against every
    predicted variance; :class:`sprn.tracking.filters.UkfAdapter`)."""
    moved = propagate_points(kind, sigma_points(x, p, spread), dt_s, params)
    q = process_noise(kind, x, dt_s, params)
    mean = weighted_mean(moved, wm)
    cov = weighted_covariance(moved, mean, wc, q)
    keep = True
    for i in range(x.size):
        if q[i, i] > NEGLIGIBLE_Q * cov[i, i]:
            keep = False
    return mean, cov, moved, keep


@njit(cache=True)
def _wrap(d: np.ndarray) -> np.ndarray:
    """A measurement difference with its azimuth wrapped into [-pi, pi): index 1 of a radar's
    ``(range, az, el[, rr])``, index 0 of an angles-only ``(az, el)``."""
    k = 0 if d.size == 2 else 1
    d[k] = (d[k] + math.pi) % (2.0 * math.pi) - math.pi
    return d


@njit(cache=True)
def _air_transition(xs: np.ndarray, mu: np.ndarray, generator: np.ndarray, generator_air: np.ndarray,
                    dt_s: float, air_top_m: float) -> np.ndarray:
    """The mode chain's transition over ``dt_s``: the in-air generator when the combined
    position is below the top of the air."""
    px = py = pz = 0.0
    for k in range(mu.size):
        px += mu[k] * xs[k, 0]
        py += mu[k] * xs[k, 1]
        pz += mu[k] * xs[k, 2]
    gen = generator_air if height(px, py, pz) < air_top_m else generator
    return markov_transition(gen, abs(dt_s))


@njit(cache=True)
def extended(xs: np.ndarray, ps: np.ndarray, dims: np.ndarray, slots: np.ndarray, kinds: np.ndarray,
             carry_x: np.ndarray, carry_p: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Mode ``k``'s estimate in the common state: its own components, the carried mixed
    estimate in the others, and no thrust (zero, zero variance) outside the boost mode."""
    x = carry_x[k].copy()
    p = carry_p[k].copy()
    d = dims[k]
    for a in range(d):
        sa = slots[k, a]
        p[sa, :] = 0.0
        p[:, sa] = 0.0
    for a in range(d):
        sa = slots[k, a]
        x[sa] = xs[k, a]
        for b in range(d):
            p[sa, slots[k, b]] = ps[k, a, b]
    if kinds[k] != BOOST:
        for t in range(THRUST0, THRUST0 + 3):
            x[t] = 0.0
            p[t, :] = 0.0
            p[:, t] = 0.0
    return x, p


@njit(cache=True)
def imm_predict(xs: np.ndarray, ps: np.ndarray, kinds: np.ndarray, dims: np.ndarray, slots: np.ndarray,
                carry_x: np.ndarray, carry_p: np.ndarray, moved: np.ndarray, has_moved: np.ndarray,
                mu: np.ndarray, generator: np.ndarray, generator_air: np.ndarray, dt_s: float,
                params: np.ndarray, wm: np.ndarray, wc: np.ndarray, spread: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mix the modes and predict each by ``dt_s``, in place; return the predicted mode
    probabilities and the combined ``[r, v]`` mean and covariance (:func:`combine`)."""
    n_modes = mu.size
    trans = _air_transition(xs, mu, generator, generator_air, dt_s, params[AIR_TOP])
    c = np.zeros(n_modes)
    for i in range(n_modes):
        for j in range(n_modes):
            c[j] += mu[i] * trans[i, j]
    ext_x = np.empty((n_modes, COMMON_DIM))
    ext_p = np.empty((n_modes, COMMON_DIM, COMMON_DIM))
    for i in range(n_modes):
        ext_x[i], ext_p[i] = extended(xs, ps, dims, slots, kinds, carry_x, carry_p, i)
    dev = np.empty(COMMON_DIM)
    for j in range(n_modes):  # the mixed estimates, as loops (small temporaries cost more than the sums)
        xj = carry_x[j]
        pj = carry_p[j]
        xj[:] = 0.0
        pj[:, :] = 0.0
        for i in range(n_modes):
            w = trans[i, j] * mu[i] / max(c[j], 1e-300)
            for a in range(COMMON_DIM):
                xj[a] += w * ext_x[i, a]
        for i in range(n_modes):
            w = trans[i, j] * mu[i] / max(c[j], 1e-300)
            for a in range(COMMON_DIM):
                dev[a] = ext_x[i, a] - xj[a]
            for a in range(COMMON_DIM):
                for b in range(COMMON_DIM):
                    pj[a, b] += w * (ext_p[i, a, b] + dev[a] * dev[b])
        d = dims[j]
        xm = np.empty(d)
        pm = np.empty((d, d))
        for a in range(d):
            xm[a] = xj[slots[j, a]]
            for b in range(d):
                pm[a, b] = pj[slots[j, a], slots[j, b]]
        n_pts = 2 * d + 1
        mean, cov, pts, keep = ukf_predict(kinds[j], xm, pm, dt_s, params, wm[j, :n_pts].copy(),
                                           wc[j, :n_pts].copy(), spread[j])
        xs[j, :d] = mean
        ps[j, :d, :d] = cov
        moved[j, :n_pts, :d] = pts
        has_moved[j] = keep
    c = np.maximum(c, MIN_PROBABILITY)
    out: np.ndarray = c / np.sum(c)
    x6, p6 = combine(out, xs[:, :6].copy(), ps[:, :6, :6].copy())
    return out, x6, p6


@njit(cache=True)
def imm_peek(xs: np.ndarray, ps: np.ndarray, kinds: np.ndarray, dims: np.ndarray, mu: np.ndarray,
             generator: np.ndarray, generator_air: np.ndarray, dt_s: float, params: np.ndarray, wm: np.ndarray,
             wc: np.ndarray, spread: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The combined ``[r, v]`` estimate predicted by ``dt_s`` without mixing, leaving the modes as they are."""
    n_modes = mu.size
    c = mu @ _air_transition(xs, mu, generator, generator_air, dt_s, params[AIR_TOP])
    c = c / np.sum(c)
    means = np.empty((n_modes, 6))
    covs = np.empty((n_modes, 6, 6))
    for k in range(n_modes):
        d = dims[k]
        n_pts = 2 * d + 1
        mean, cov, _, _ = ukf_predict(kinds[k], xs[k, :d].copy(), ps[k, :d, :d].copy(), dt_s, params,
                                      wm[k, :n_pts].copy(), wc[k, :n_pts].copy(), spread[k])
        means[k] = mean[:6]
        covs[k] = cov[:6, :6]
    return combine(c, means, covs)


@njit(cache=True)
def combine(w: np.ndarray, means: np.ndarray, covs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of a Gaussian mixture (law of total covariance), symmetrised."""
    n = means.shape[1]
    x = np.zeros(n)
    for k in range(w.size):
        for a in range(n):
            x[a] += w[k] * means[k, a]
    p = np.zeros((n, n))
    dev = np.empty(n)
    for k in range(w.size):
        for a in range(n):
            dev[a] = means[k, a] - x[a]
        for a in range(n):
            for b in range(a + 1):
                p[a, b] += w[k] * (0.5 * (covs[k, a, b] + covs[k, b, a]) + dev[a] * dev[b])
    for a in range(n):  # the lower triangle, mirrored
        for b in range(a):
            p[b, a] = p[a, b]
    return x, p


@njit(cache=True)
def imm_innovation(xs: np.ndarray, ps: np.ndarray, dims: np.ndarray, moved: np.ndarray, has_moved: np.ndarray,
                   mu: np.ndarray, rot: np.ndarray, origin: np.ndarray, z: np.ndarray, r: np.ndarray,
                   with_range_rate: bool, wm: np.ndarray, wc: np.ndarray, spread: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, float]:
    """Every mode's unscented innovation of ``z`` and their moment-matched mixture.

    ``z`` is a radar's ``(range, az, el[, rr])`` from a site, or, with two elements, an
    angles-only ``(az, el)`` from an observer's frame ``rot`` (:func:`angles_moments`).

    Returns the modes' residuals ``ys (M, m)``, covariances ``s (M, m, m)``, cross
    covariances ``pxz (M, 9, m)`` and inverses ``s_inv``, and the mixture's residual and
    covariance (for the gate), its NIS and ``ln det(2 pi S)`` (for the likelihood ratio).
    """
    n_modes = mu.size
    m = z.size
    z_pred = np.empty((n_modes, m))
    ys = np.empty((n_modes, m))
    s = np.empty((n_modes, m, m))
    s_inv = np.empty((n_modes, m, m))
    pxz = np.zeros((n_modes, MAX_DIM, m))
    for k in range(n_modes):
        d = dims[k]
        n_pts = 2 * d + 1
        if has_moved[k]:
            sig = moved[k, :n_pts, :d].copy()
        else:
            sig = sigma_points(xs[k, :d].copy(), ps[k, :d, :d].copy(), spread[k])
        if m == 2:  # angles-only: the bearing rows of the same transform
            zk, sk, pk, sik = angles_moments(rot, origin, sig, xs[k, :d].copy(), wm[k, :n_pts].copy(),
                                             wc[k, :n_pts].copy(), r)
        else:
            zk, sk, pk, sik = measurement_moments(rot, origin, sig, xs[k, :d].copy(), wm[k, :n_pts].copy(),
                                                  wc[k, :n_pts].copy(), r, with_range_rate)
        z_pred[k] = zk
        s[k] = sk
        s_inv[k] = sik
        pxz[k, :d] = pk
        ys[k] = _wrap(z - zk)
    ref = z_pred[0].copy()
    z_mean = ref.copy()
    for k in range(n_modes):
        z_mean += mu[k] * _wrap(z_pred[k] - ref)
    s_mix = np.zeros((m, m))
    for k in range(n_modes):
        dev = _wrap(z_pred[k] - z_mean)
        s_mix += mu[k] * (s[k] + np.outer(dev, dev))
    y_mix = _wrap(z - z_mean)
    inv_mix, logdet = spd_inverse(s_mix)
    nis = 0.0
    for a in range(m):
        for b in range(m):
            nis += y_mix[a] * inv_mix[a, b] * y_mix[b]
    return ys, s, pxz, s_inv, y_mix, s_mix, nis, logdet + m * math.log(2.0 * math.pi)


@njit(cache=True)
def imm_correct(xs: np.ndarray, ps: np.ndarray, dims: np.ndarray, has_moved: np.ndarray, mu: np.ndarray,
                ys: np.ndarray, s: np.ndarray, pxz: np.ndarray, s_inv: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Update every mode with its innovation, in place; return the posterior mode
    probabilities and the combined ``[r, v]`` mean and covariance (:func:`combine`).

    Each mode: ``x + K y``, ``P - K S K'`` (as ``P - K Pxz'``, which it equals) with
    ``K = Pxz S^-1``; the probabilities are the
    prior ones times each mode's Gaussian likelihood ``N(y; 0, S)``, normalised, floored
    at :data:`MIN_PROBABILITY`.
    """
    n_modes = mu.size
    m = ys.shape[1]
    log_lik = np.empty(n_modes)
    gain = np.empty((MAX_DIM, m))
    for k in range(n_modes):  # written as loops: small temporaries cost more than the sums
        y, sk, sik = ys[k], s[k], s_inv[k]
        nis = 0.0
        for a in range(m):
            for b in range(m):
                nis += y[a] * sik[a, b] * y[b]
        log_lik[k] = -0.5 * (nis + spd_inverse(sk)[1] + m * math.log(2.0 * math.pi))
        d = dims[k]
        for i in range(d):  # K = Pxz S^-1
            for b in range(m):
                v = 0.0
                for a in range(m):
                    v += pxz[k, i, a] * sik[a, b]
                gain[i, b] = v
        for i in range(d):  # x + K y
            v = 0.0
            for b in range(m):
                v += gain[i, b] * y[b]
            xs[k, i] += v
        for i in range(d):  # P - K S K' (= P - K Pxz'), symmetrised
            for j in range(i + 1):
                v = 0.0
                for b in range(m):
                    v += gain[i, b] * pxz[k, j, b]
                ps[k, i, j] = ps[k, j, i] = 0.5 * (ps[k, i, j] + ps[k, j, i]) - v
        has_moved[k] = False
    w = mu * np.exp(log_lik - np.max(log_lik))
    w = np.maximum(w / np.sum(w), MIN_PROBABILITY)
    out: np.ndarray = w / np.sum(w)
    x6, p6 = combine(out, xs[:, :6].copy(), ps[:, :6, :6].copy())
    return out, x6, p6
