"""The IMM estimator as sprn wrote it in Python before it was compiled: the reference of
tests/test_imm_kernel.py (sprn.tracking.imm documents the algorithm; this file is kept
only to check that sprn.kernels.imm computes the same thing).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from sprn import dynamics
from sprn.radar.site import Site
from sprn.tracking.filters import UkfAdapter
from sprn.tracking.imm import markov_transition
from sprn.tracking.mixture import (
    CombinedEstimate,
    MixtureInnovation,
    combine,
    correct_all,
    mixture_innovation,
)
from sprn.tracking.models import AIR_TOP_M, COMMON_DIM, INV_BETA, THRUST

FloatArray = NDArray[np.float64]
Adapter = UkfAdapter
MIN_PROBABILITY = 1e-9


class ReferenceImm(CombinedEstimate):
    """The Python IMM over UkfAdapter modes that sprn.kernels.imm replaced (stateful).

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
