"""Interacting multiple model (IMM) estimator over the boost, ballistic and reentry models.

Blom & Bar-Shalom, "The interacting multiple model algorithm for systems with Markovian
switching coefficients", IEEE TAC 33(8), 1988; Bar-Shalom, Li & Kirubarajan 2001, sec.
11.6.6. Each cycle: mix the mode-conditioned estimates with the Markov transition
probabilities, let each mode's filter predict and update, weigh the modes by their
measurement likelihoods, and combine.

**Models of different dimension.** The modes estimate different states (``[r, v]``,
``[r, v, a]``, ``[r, v, 1/beta]``), so mixing happens in the 10-component common state
``[r, v, a, 1/beta]`` (:mod:`sprn.tracking.models`). A mode's estimate is extended to it
without inventing information: a component the mode's hypothesis fixes takes that value
with zero variance (no thrust outside the boost: ``a = 0``), and a component the mode
neither uses nor fixes (``1/beta`` above the air) carries the mixed estimate it was
handed at the last cycle, mean and variance, so nothing is lost while it is not
observed. Zero-padding both kinds with zero variance, the naive choice, would pull the
reentry mode's ``1/beta`` to zero whenever it mixes with the ballistic mode
(Granström, Willett & Bar-Shalom, "Systematic approach to IMM mixing for unequal
dimension states", IEEE TAES 51(4), 2015, analyse such mixing).

The mode switches follow a continuous-time Markov chain (boost -> ballistic -> reentry,
with slow returns), so the transition matrix over an update interval is ``expm(L dt)``
and does not depend on the revisit rate.

**Compiled.** The mode filters are unscented (:class:`~sprn.tracking.filters.UkfAdapter`'s
algorithm), and the whole cycle (mixing, the modes' predictions, innovations and
updates, the likelihoods) runs in :mod:`sprn.kernels.imm`; this module holds the state
and the parameters. ``tests/test_imm_kernel.py`` checks the compiled cycle against the
Python IMM over :class:`~sprn.tracking.filters.UkfAdapter` modes it replaced.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sprn import kernels
from sprn.kernels import imm as kimm
from sprn.radar.site import Site
from sprn.space.measurement import Observer
from sprn.tracking.mixture import CombinedEstimate
from sprn.tracking.models import AIR_TOP_M, COMMON_DIM, INV_BETA, THRUST, MotionModel

FloatArray = NDArray[np.float64]
MIN_PROBABILITY = kimm.MIN_PROBABILITY
RETURN_TO_BOOST = 1e-6
"""Free flight's rate back to boost, as a share of boost's rate to free flight (see below):
about once in four years of free flight with the default 120 s boost."""
AIR_HANDOVER_S = 5.0
"""Mean time (s) in which free flight hands over to reentry once the track is in the air."""
KINDS = {"boost": kimm.BOOST, "ballistic": kimm.BALLISTIC, "reentry": kimm.REENTRY}


def switching_generator(
    names: Sequence[str], boost_s: float, ballistic_s: float, reentry_s: float, in_air: bool = False
) -> FloatArray:
    """Generator ``L`` (1/s) of the mode chain, rows and columns in the order of ``names``.

    ``*_s`` are the mean sojourn times (s) of the modes (``inf``: never leaves). Above the
    air: boost leaves only for free flight; free flight returns to boost
    :data:`RETURN_TO_BOOST` times as often as boost leaves (a later stage or a manoeuvre:
    rare, and a mode kept alive by a large rate would leak its spread into free flight at
    every mixing; a small one still reseeds it from free flight, so that it cannot diverge
    unseen); free flight and reentry exchange at the rates ``1 / ballistic_s`` and
    ``1 / reentry_s``, by default within seconds: above the air they are the same motion. In
    the air (``in_air``), free flight in vacuum is no longer a hypothesis: it hands over
    to reentry within :data:`AIR_HANDOVER_S` and nothing returns to it.
    """
    rates = {("boost", "ballistic"): 1.0 / boost_s}
    if in_air:
        rates[("ballistic", "reentry")] = 1.0 / AIR_HANDOVER_S
    else:
        rates[("ballistic", "reentry")] = 1.0 / ballistic_s
        rates[("ballistic", "boost")] = RETURN_TO_BOOST / boost_s
        rates[("reentry", "ballistic")] = 1.0 / reentry_s
    out = np.array([[rates.get((a, b), 0.0) for b in names] for a in names])
    out -= np.diag(out.sum(axis=1))
    return out


def markov_transition(generator: FloatArray, dt_s: float) -> FloatArray:
    """``expm(L dt)`` by scaling and squaring of the Taylor series (Moler & Van Loan,
    "Nineteen dubious ways to compute the exponential of a matrix", SIAM Review 20(4),
    1978, method 3). Halving until ``|L dt| <= 1/4`` leaves the 8-term series exact to
    1e-12; for the small 3x3 chain it is much faster than ``scipy.linalg.expm``.
    Compiled (:func:`sprn.kernels.imm.markov_transition`).
    """
    return np.asarray(kimm.markov_transition(np.ascontiguousarray(generator, dtype=float), float(dt_s)))


def merwe_weights(n: int, alpha: float, beta: float, kappa: float) -> tuple[FloatArray, FloatArray]:
    """Mean and covariance weights of the ``2n + 1`` scaled sigma points (Van der Merwe 2004):
    ``lambda = alpha^2 (n + kappa) - n``; ``Wm0 = lambda / (n + lambda)``,
    ``Wc0 = Wm0 + 1 - alpha^2 + beta``, the others ``1 / 2(n + lambda)``. The weights of
    filterpy's ``MerweScaledSigmaPoints`` (the tests check they are equal), without
    importing filterpy, whose package loads scipy.stats (half a second of start-up).
    """
    lam = alpha**2 * (n + kappa) - n
    wm = np.full(2 * n + 1, 0.5 / (n + lam))
    wc = wm.copy()
    wm[0] = lam / (n + lam)
    wc[0] = lam / (n + lam) + (1.0 - alpha**2 + beta)
    return wm, wc


def model_parameters(models: Sequence[MotionModel]) -> FloatArray:
    """The kernels' ``params`` vector (:mod:`sprn.kernels.imm`) from the modes' motion models."""
    params = np.zeros(kimm.N_PARAMS)
    params[kimm.AIR_TOP] = AIR_TOP_M
    for m in models:
        if m.name == "boost":
            params[kimm.Q_BOOST], params[kimm.Q_THRUST] = m.q_m2_s3, m.q_thrust_m2_s5  # type: ignore[attr-defined]
            params[kimm.STEP_BOOST] = m.max_step_s  # type: ignore[attr-defined]
        elif m.name == "ballistic":
            params[kimm.Q_BALLISTIC], params[kimm.STEP_BALLISTIC] = m.q_m2_s3, m.max_step_s  # type: ignore[attr-defined]
        else:
            params[kimm.Q_REENTRY], params[kimm.Q_INV_BETA] = m.q_m2_s3, m.q_inv_beta_m4_kg2_s  # type: ignore[attr-defined]
            params[kimm.Q_REENTRY_VACUUM] = m.q_vacuum_m2_s3  # type: ignore[attr-defined]
            params[kimm.STEP_REENTRY], params[kimm.STEP_AIR] = m.max_step_s, m.air_step_s  # type: ignore[attr-defined]
    return params


@dataclass(frozen=True, slots=True)
class ImmInnovation:
    """A measurement's innovation under every mode (``ys``, ``s``, ``pxz``, ``s_inv``) and
    the mixture's residual ``y`` and covariance ``s`` (for the gate), with the mixture's
    normalised innovation squared ``nis`` and ``log_det_2pi_s = ln det(2 pi s)`` (the
    gate, the likelihood ratio and the update each ask for them)."""

    y: FloatArray
    s: FloatArray
    ys: FloatArray
    s_modes: FloatArray
    pxz: FloatArray
    s_inv: FloatArray
    nis: float
    log_det_2pi_s: float


class ImmAdapter(CombinedEstimate):
    """IMM estimator over unscented mode filters of different state dimension (stateful).

    ``models`` are the modes' motion models (at most one of each kind; their ``slots``
    place them in the common state), ``states`` each mode's initial mean and covariance,
    ``mu0`` the initial mode probabilities, ``generator`` and ``generator_air`` the mode
    chain's generators (1/s) above and below :data:`~sprn.tracking.models.AIR_TOP_M` (the
    combined estimate's height decides), and ``carry_x``, ``carry_p`` the common-state
    estimate that fills the components a mode does not estimate until the first mixing
    (the priors of thrust and ``1/beta``). ``alpha``, ``beta``, ``kappa``: the sigma
    points' parameters (filterpy's ``MerweScaledSigmaPoints``). ``x`` and ``P`` are the
    combined ``[r, v]`` estimate.
    """

    def __init__(
        self,
        models: Sequence[MotionModel],
        states: Sequence[tuple[FloatArray, FloatArray]],
        mu0: Sequence[float],
        generator: FloatArray,
        carry_x: FloatArray,
        carry_p: FloatArray,
        generator_air: FloatArray | None = None,
        alpha: float = 1.0,
        beta: float = 2.0,
        kappa: float = 0.0,
    ) -> None:
        if np.shape(carry_x) != (COMMON_DIM,):
            raise ValueError(f"carry_x has shape {np.shape(carry_x)}: expected ({COMMON_DIM},)")
        n = len(models)
        self.models = tuple(models)
        self.kinds = np.array([KINDS[m.name] for m in models], dtype=np.int64)
        self.dims = np.array([m.dim for m in models], dtype=np.int64)
        self.slots = np.zeros((n, kimm.MAX_DIM), dtype=np.int64)
        self.xs = np.zeros((n, kimm.MAX_DIM))
        self.ps = np.zeros((n, kimm.MAX_DIM, kimm.MAX_DIM))
        self.wm = np.zeros((n, 2 * kimm.MAX_DIM + 1))
        self.wc = np.zeros((n, 2 * kimm.MAX_DIM + 1))
        self.spread = np.zeros(n)
        for k, (m, (x, p)) in enumerate(zip(models, states)):
            d = m.dim
            self.slots[k, :d] = m.slots
            self.xs[k, :d] = x
            self.ps[k, :d, :d] = p
            self.wm[k, : 2 * d + 1], self.wc[k, : 2 * d + 1] = merwe_weights(d, alpha, beta, kappa)
            self.spread[k] = alpha**2 * (d + kappa)  # n + lambda, filterpy's scaling of P
        self.moved = np.zeros((n, 2 * kimm.MAX_DIM + 1, kimm.MAX_DIM))
        self.has_moved = np.zeros(n, dtype=np.bool_)
        mu = np.maximum(np.asarray(mu0, dtype=float) / np.sum(mu0), MIN_PROBABILITY)  # no mode starts dead
        self.mu = mu / np.sum(mu)
        self.generator = np.ascontiguousarray(generator, dtype=float)
        self.generator_air = self.generator if generator_air is None else np.ascontiguousarray(generator_air,
                                                                                                  dtype=float)
        self.carry_x = np.tile(np.asarray(carry_x, dtype=float), (n, 1))
        self.carry_p = np.tile(np.asarray(carry_p, dtype=float), (n, 1, 1))
        self.params = model_parameters(models)
        self._inv_beta_at = [(k, m.slots.index(INV_BETA)) for k, m in enumerate(models) if INV_BETA in m.slots]
        """Modes that estimate ``1/beta``, and where in their state."""
        # Where each mode's own components sit in the common state, and which carried ones it
        # keeps (kernels.imm.extended's rule: no thrust outside the boost mode).
        self._own = (np.array([k for k, m in enumerate(models) for _ in m.slots], dtype=np.int64),
                     np.array([a for m in models for a in range(m.dim)], dtype=np.int64),
                     np.array([c for m in models for c in m.slots], dtype=np.int64))
        self._thrust_at = [(k, m.slots.index(THRUST[0])) for k, m in enumerate(models) if THRUST[0] in m.slots]
        """Modes that estimate thrust, and where its three components start in their state."""
        self._carried = np.ones((n, COMMON_DIM))
        self._carried[[k for k, m in enumerate(models) if m.name != "boost"], THRUST[0]:THRUST[-1] + 1] = 0.0
        self._moments: tuple[FloatArray, FloatArray] | None = None
        self._moments_mu: FloatArray | None = None

    @property
    def model_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.models)

    def mode_state(self, k: int) -> tuple[FloatArray, FloatArray]:
        """Mode ``k``'s own mean and covariance (copies)."""
        d = int(self.dims[k])
        return self.xs[k, :d].copy(), self.ps[k, :d, :d].copy()

    def predict(self, dt_s: float) -> None:
        """Mix the modes and propagate each by ``dt_s`` seconds."""
        mu, x, p = kimm.imm_predict(self.xs, self.ps, self.kinds, self.dims, self.slots, self.carry_x, self.carry_p,
                                    self.moved, self.has_moved, self.mu, self.generator, self.generator_air,
                                    float(dt_s), self.params, self.wm, self.wc, self.spread)
        self._keep_moments(mu, x, p)

    def widen(self, q_m2_s3: float, dt_s: float) -> None:
        """Add white acceleration noise of density ``q_m2_s3`` over ``dt_s`` to every mode's
        predicted covariance (the tracker's answer to modes that do not fit)."""
        self.ps[:, :6, :6] += kernels.white_acceleration_q(dt_s, q_m2_s3)
        self.has_moved[:] = False
        self._moments = None

    def peek(self, dt_s: float) -> tuple[FloatArray, FloatArray]:
        """The combined ``[r, v]`` estimate propagated by ``dt_s``, leaving the filter as it is."""
        return kimm.imm_peek(self.xs, self.ps, self.kinds, self.dims, self.mu, self.generator, self.generator_air,
                             float(dt_s), self.params, self.wm, self.wc, self.spread)

    def innovation(self, z: FloatArray, site: Site | Observer, r: FloatArray) -> ImmInnovation:
        """Each mode's innovation and their mixture under the predicted mode probabilities
        (a two-element ``z``: an angles-only report from an observer)."""
        z = np.ascontiguousarray(z, dtype=float)
        ys, s, pxz, s_inv, y, s_mix, nis, logdet = kimm.imm_innovation(
            self.xs, self.ps, self.dims, self.moved, self.has_moved, self.mu, site.enu_rotation, site.r_ecef_m, z,
            np.ascontiguousarray(r, dtype=float), z.size == 4, self.wm, self.wc, self.spread)
        return ImmInnovation(y=y, s=s_mix, ys=ys, s_modes=s, pxz=pxz, s_inv=s_inv, nis=nis, log_det_2pi_s=logdet)

    def correct(self, inn: ImmInnovation) -> None:
        """Update every mode and the mode probabilities with the measurement likelihoods."""
        mu, x, p = kimm.imm_correct(self.xs, self.ps, self.dims, self.has_moved, self.mu, inn.ys, inn.s_modes,
                                    inn.pxz, inn.s_inv)
        self._keep_moments(mu, x, p)

    def _keep_moments(self, mu: FloatArray, x: FloatArray, p: FloatArray) -> None:
        """Take new mode probabilities and the combined moments the kernel computed with them."""
        x.setflags(write=False)
        p.setflags(write=False)
        self.mu, self._moments, self._moments_mu = mu, (x, p), mu

    def combined(self) -> tuple[FloatArray, FloatArray]:
        """The mixture's ``[r, v]`` mean and covariance (moment matched), read-only.

        Kept until the modes change: every change (:meth:`predict`, :meth:`correct`, a
        blend) replaces ``mu`` with a new array, and :meth:`widen` forgets them; a track
        asks for them several times a scan."""
        if self._moments is None or self._moments_mu is not self.mu:
            self._keep_moments(self.mu, *kimm.combine(self.mu, self.xs[:, :6].copy(), self.ps[:, :6, :6].copy()))
        assert self._moments is not None
        return self._moments

    def inv_beta_sigma(self) -> float:
        """The standard deviation of ``1/beta`` over the modes that estimate it (moment matched)."""
        if not self._inv_beta_at:
            return float("nan")
        return self._inv_beta_sigma(self.common_mean_inv_beta())

    def _inv_beta_sigma(self, mean: float) -> float:
        w_sum = second = 0.0
        for k, i in self._inv_beta_at:
            w, m = float(self.mu[k]), float(self.xs[k, i])
            w_sum += w
            second += w * (float(self.ps[k, i, i]) + (m - mean) ** 2)
        return math.sqrt(second / w_sum)

    def extras(self) -> tuple[float, float, float]:
        """The magnitude of the mixture's mean thrust acceleration (m/s^2), and the mean and
        standard deviation of ``1/beta`` (m^2/kg): :meth:`common_mean`'s thrust and ``1/beta``
        and :meth:`inv_beta_sigma`, from the few modes that estimate them (every track
        estimate carries them)."""
        tx = ty = tz = 0.0
        for k, a in self._thrust_at:  # the other modes' thrust is zero
            w, row = float(self.mu[k]), self.xs[k]
            tx, ty, tz = tx + w * float(row[a]), ty + w * float(row[a + 1]), tz + w * float(row[a + 2])
        thrust = math.sqrt(tx * tx + ty * ty + tz * tz)
        if not self._inv_beta_at:
            return thrust, float(self.common_mean()[INV_BETA]), float("nan")
        mean = self.common_mean_inv_beta()
        return thrust, mean, self._inv_beta_sigma(mean)

    def common_mean_inv_beta(self) -> float:
        """The mixture's mean ``1/beta`` over the modes that estimate it."""
        w_sum = total = 0.0
        for k, i in self._inv_beta_at:
            w = float(self.mu[k])
            w_sum += w
            total += w * float(self.xs[k, i])
        return total / w_sum

    def common_mean(self) -> FloatArray:
        """The mixture's mean in the common state ``[r, v, a, 1/beta]``.

        Thrust is zero under the modes without it, so its mean is weighted by all modes;
        ``1/beta`` is weighted over the modes that estimate it only.
        """
        ext = self.carry_x * self._carried  # each mode's mean in the common state (kernels.imm.extended)
        modes, own, common = self._own
        ext[modes, common] = self.xs[modes, own]
        mean = np.asarray(self.mu @ ext)
        if self._inv_beta_at:
            mean[INV_BETA] = self.common_mean_inv_beta()
        return np.asarray(mean)
