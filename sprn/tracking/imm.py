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
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from sprn import dynamics
from sprn.radar.site import Site
from sprn.tracking.filters import EkfAdapter, UkfAdapter
from sprn.tracking.mixture import (
    CombinedEstimate,
    MixtureInnovation,
    combine,
    correct_all,
    mixture_innovation,
)
from sprn.tracking.models import AIR_TOP_M, COMMON_DIM, INV_BETA, THRUST

FloatArray = NDArray[np.float64]
Adapter = EkfAdapter | UkfAdapter
MIN_PROBABILITY = 1e-9
"""Floor on a mode's probability, so that no mode dies out for good."""
AIR_HANDOVER_S = 5.0
"""Mean time (s) in which free flight hands over to reentry once the track is in the air."""


def switching_generator(
    names: Sequence[str], boost_s: float, ballistic_s: float, reentry_s: float, in_air: bool = False
) -> FloatArray:
    """Generator ``L`` (1/s) of the mode chain, rows and columns in the order of ``names``.

    ``*_s`` are the mean sojourn times (s) of the modes. Above the air: boost leaves only
    for free flight; free flight leaves for reentry and, a hundred times less often, back
    to boost (a later stage or a manoeuvre); reentry returns to free flight as often as
    it is entered, since there the two are the same. In the air (``in_air``), free flight
    in vacuum is no longer a hypothesis: it hands over to reentry within
    :data:`AIR_HANDOVER_S` and nothing returns to it.
    """
    rates = {("boost", "ballistic"): 1.0 / boost_s}
    if in_air:
        rates[("ballistic", "reentry")] = 1.0 / AIR_HANDOVER_S
    else:
        rates[("ballistic", "reentry")] = 1.0 / ballistic_s
        rates[("ballistic", "boost")] = 0.01 / ballistic_s
        rates[("reentry", "ballistic")] = 1.0 / reentry_s
    out = np.array([[rates.get((a, b), 0.0) for b in names] for a in names])
    out -= np.diag(out.sum(axis=1))
    return out


def markov_transition(generator: FloatArray, dt_s: float) -> FloatArray:
    """``expm(L dt)`` by scaling and squaring of the Taylor series (Moler & Van Loan,
    "Nineteen dubious ways to compute the exponential of a matrix", SIAM Review 20(4),
    1978, method 3). Halving until ``|L dt| <= 1/4`` leaves the 8-term series exact to
    1e-12; for the small 3x3 chain it is much faster than ``scipy.linalg.expm``.
    """
    a = np.asarray(generator, dtype=float) * dt_s
    norm = float(np.max(np.sum(np.abs(a), axis=1)))
    squarings = max(0, int(np.ceil(np.log2(norm / 0.25)))) if norm > 0.25 else 0
    a = a / 2.0**squarings
    term = np.eye(len(a))
    out = term.copy()
    for k in range(1, 9):
        term = term @ a / k
        out = out + term
    for _ in range(squarings):
        out = out @ out
    return out


class ImmAdapter(CombinedEstimate):
    """IMM estimator over mode filters of different state dimension (stateful).

    ``filters`` are the mode filters (their ``model.slots`` place them in the common
    state), ``mu0`` the initial mode probabilities, ``generator`` and ``generator_air``
    the mode chain's generators (1/s) above and below :data:`~sprn.tracking.models.AIR_TOP_M`
    (the combined estimate's height decides), and ``carry_x``, ``carry_p`` the common-state estimate that fills the
    components a mode does not estimate until the first mixing (the priors of thrust and
    ``1/beta``). ``x`` and ``P`` are the combined ``[r, v]`` estimate.
    """

    def __init__(
        self,
        filters: Sequence[Adapter],
        mu0: Sequence[float],
        generator: FloatArray,
        carry_x: FloatArray,
        carry_p: FloatArray,
        generator_air: FloatArray | None = None,
    ) -> None:
        self.filters = list(filters)
        self.mu = np.asarray(mu0, dtype=float) / np.sum(mu0)
        self.generator = np.asarray(generator, dtype=float)
        self.generator_air = self.generator if generator_air is None else np.asarray(generator_air, dtype=float)
        if np.shape(carry_x) != (COMMON_DIM,):
            raise ValueError(f"carry_x has shape {np.shape(carry_x)}: expected ({COMMON_DIM},)")
        self._carry = [(np.array(carry_x, dtype=float), np.array(carry_p, dtype=float)) for _ in self.filters]

    @property
    def model_names(self) -> tuple[str, ...]:
        return tuple(f.model.name for f in self.filters)

    def _extended(self, k: int, carry_x: FloatArray, carry_p: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Mode ``k``'s estimate in the common state (see the module notes)."""
        f = self.filters[k]
        slots = list(f.model.slots)
        x, p = carry_x.copy(), carry_p.copy()
        p[slots, :] = 0.0
        p[:, slots] = 0.0
        x[slots] = f.x
        p[np.ix_(slots, slots)] = f.P
        if THRUST[0] not in slots:
            thrust = list(THRUST)
            x[thrust] = 0.0
            p[thrust, :] = 0.0
            p[:, thrust] = 0.0
        return x, p

    def _common(self) -> list[tuple[FloatArray, FloatArray]]:
        return [self._extended(k, *self._carry[k]) for k in range(len(self.filters))]

    def _transition(self, dt_s: float) -> FloatArray:
        in_air = float(dynamics.altitude_m(self.combined()[0][:3])) < AIR_TOP_M
        return markov_transition(self.generator_air if in_air else self.generator, abs(dt_s))

    def predict(self, dt_s: float) -> None:
        """Mix the modes and propagate each by ``dt_s`` seconds."""
        trans = self._transition(dt_s)
        c = self.mu @ trans
        mix = trans * self.mu[:, None] / np.maximum(c, 1e-300)[None, :]
        states = self._common()
        for j, f in enumerate(self.filters):
            xj = sum(mix[i, j] * states[i][0] for i in range(len(states)))
            pj = sum(mix[i, j] * (states[i][1] + np.outer(states[i][0] - xj, states[i][0] - xj))
                     for i in range(len(states)))
            self._carry[j] = (xj, pj)
            slots = list(f.model.slots)
            f.set_state(xj[slots], pj[np.ix_(slots, slots)])
            f.predict(dt_s)
        c = np.maximum(c, MIN_PROBABILITY)
        self.mu = c / np.sum(c)

    def peek(self, dt_s: float) -> tuple[FloatArray, FloatArray]:
        """The combined ``[r, v]`` estimate propagated by ``dt_s``, leaving the filter as it is."""
        c = self.mu @ self._transition(dt_s)
        preds = [f.peek(dt_s) for f in self.filters]
        return combine(c / c.sum(), [(x[:6], p[:6, :6]) for x, p in preds])

    def innovation(self, z: FloatArray, site: Site, r: FloatArray) -> MixtureInnovation:
        """Each mode's innovation and their mixture under the predicted mode probabilities."""
        return mixture_innovation(self.mu, [f.innovation(z, site, r) for f in self.filters], z)

    def correct(self, inn: MixtureInnovation) -> None:
        """Update every mode and the mode probabilities with the measurement likelihoods."""
        w = np.maximum(correct_all(self.mu, self.filters, inn), MIN_PROBABILITY)
        self.mu = w / np.sum(w)

    def combined(self) -> tuple[FloatArray, FloatArray]:
        """The mixture's ``[r, v]`` mean and covariance (moment matched)."""
        return combine(self.mu, [(f.x[:6], f.P[:6, :6]) for f in self.filters])

    def common_mean(self) -> FloatArray:
        """The mixture's mean in the common state ``[r, v, a, 1/beta]``.

        Thrust is zero under the modes without it, so its mean is weighted by all modes;
        ``1/beta`` is weighted over the modes that estimate it only.
        """
        states = self._common()
        mean = sum(m * x for m, (x, _) in zip(self.mu, states))
        have = [(m, f) for m, f in zip(self.mu, self.filters) if INV_BETA in f.model.slots]
        if have:
            w = sum(m for m, _ in have)
            mean[INV_BETA] = sum(m * f.x[f.model.slots.index(INV_BETA)] for m, f in have) / w
        return np.asarray(mean)
