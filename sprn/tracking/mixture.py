"""Gaussian mixtures of filters: the Gaussian-sum filter, and what it shares with the IMM.

A Gaussian-sum filter runs one filter per mixture component and weighs the components
by their measurement likelihoods (Alspach & Sorenson, "Nonlinear Bayesian estimation
using Gaussian sum approximations", IEEE TAC 17(4), 1972). Started from a posterior
split across its long axis (:func:`sprn.tracking.initiation.split_sample`), each
component is narrow enough for its own filter's Gaussian approximation, where one
Gaussian over a banana-shaped posterior is not. Components whose weight falls below
:data:`PRUNE_WEIGHT` are dropped, and pairs that have become alike are merged by moment
matching when Runnalls' bound on the Kullback-Leibler cost of the merge is below
:data:`MERGE_COST` (Runnalls, "Kullback-Leibler approach to Gaussian mixture
reduction", IEEE TAES 43(3), 2007): as the track tightens the mixture collapses to one
filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sprn.radar.site import Site
from sprn.space.measurement import Observer
from sprn.tracking.filters import EkfAdapter, Innovation, UkfAdapter
from sprn.tracking.filters import observation_residual as residual

FloatArray = NDArray[np.float64]
Adapter = EkfAdapter | UkfAdapter
PRUNE_WEIGHT = 1e-6
"""Components lighter than this are dropped (their share of any moment is negligible)."""
MERGE_COST = 1e-3
"""Runnalls' bound (nats) below which two components are merged into one."""


@dataclass(frozen=True, slots=True)
class MixtureInnovation:
    """The components' innovations and their moment-matched mixture (``y``, ``s``) for the gate."""

    y: FloatArray
    s: FloatArray
    modes: tuple[Innovation, ...]

    @property
    def nis(self) -> float:
        return float(self.y @ np.linalg.solve(self.s, self.y))

    @property
    def log_det_2pi_s(self) -> float:
        """``ln det(2 pi S)`` of the mixture's moment-matched covariance."""
        return float(np.linalg.slogdet(2.0 * np.pi * self.s)[1])


def mixture_innovation(
    weights: FloatArray, modes: Sequence[Innovation], z: FloatArray
) -> MixtureInnovation:
    """The predicted measurement's mixture, moment matched, and the residual of ``z`` from it."""
    ref = modes[0].z_pred
    z_mean = ref + sum(w * residual(m.z_pred, ref) for w, m in zip(weights, modes))
    s = sum(w * (m.s + np.outer(residual(m.z_pred, z_mean), residual(m.z_pred, z_mean)))
            for w, m in zip(weights, modes))
    return MixtureInnovation(y=residual(np.asarray(z, dtype=float), z_mean), s=np.asarray(s), modes=tuple(modes))


def log_gauss(y: FloatArray, s: FloatArray) -> float:
    """Log density of ``N(0, s)`` at ``y``."""
    _, logdet = np.linalg.slogdet(s)
    return float(-0.5 * (y @ np.linalg.solve(s, y) + logdet + y.size * np.log(2.0 * np.pi)))


def correct_all(
    weights: FloatArray, filters: Sequence[EkfAdapter | UkfAdapter], inn: MixtureInnovation
) -> FloatArray:
    """Update every member filter with its innovation; return the weights times each
    member's measurement likelihood, normalised (Bayes' rule for the member weights)."""
    log_lik = np.array([log_gauss(m.y, m.s) for m in inn.modes])
    for f, m in zip(filters, inn.modes):
        f.correct(m)
    w = weights * np.exp(log_lik - np.max(log_lik))
    return np.asarray(w / np.sum(w), dtype=float)


def combine(w: FloatArray, parts: Sequence[tuple[FloatArray, FloatArray]]) -> tuple[FloatArray, FloatArray]:
    """Mean and covariance of a mixture (law of total covariance)."""
    x = sum(wi * xi for wi, (xi, _) in zip(w, parts))
    p = sum(wi * (pi + np.outer(xi - x, xi - x)) for wi, (xi, pi) in zip(w, parts))
    p = np.asarray(p)
    return np.asarray(x), 0.5 * (p + p.T)


def merge_cost(wi: float, xi: FloatArray, pi: FloatArray, wj: float, xj: FloatArray, pj: FloatArray) -> float:
    """Runnalls' upper bound on the KL discrepancy of merging two weighted components (nats)."""
    w = wi + wj
    _, p = combine(np.array([wi / w, wj / w]), [(xi, pi), (xj, pj)])
    logdet = [float(np.linalg.slogdet(m)[1]) for m in (p, pi, pj)]
    return 0.5 * (w * logdet[0] - wi * logdet[1] - wj * logdet[2])


def pair_merge_costs(w: FloatArray, xs: FloatArray, ps: FloatArray) -> FloatArray:
    """:func:`merge_cost` of every pair ``i < j`` of components at once (``inf`` elsewhere).

    The merged covariance of two is ``a Pi + b Pj + a b (xi - xj)(xi - xj)'`` with
    ``a, b = wi / w, wj / w`` (the law of total covariance for two components).
    """
    n = len(w)
    i, j = np.triu_indices(n, k=1)
    total = w[i] + w[j]
    a, b = w[i] / total, w[j] / total
    d = xs[i] - xs[j]
    merged = a[:, None, None] * ps[i] + b[:, None, None] * ps[j] + (a * b)[:, None, None] * d[:, :, None] * d[:, None, :]
    logdet_merged = np.linalg.slogdet(merged)[1]
    logdet = np.linalg.slogdet(ps)[1]
    out = np.full((n, n), np.inf)
    out[i, j] = 0.5 * (total * logdet_merged - w[i] * logdet[i] - w[j] * logdet[j])
    return out


class CombinedEstimate:
    """``x`` and ``P`` of a filter made of members: its :meth:`combined` moments."""

    def combined(self) -> tuple[FloatArray, FloatArray]:
        raise NotImplementedError

    @property
    def x(self) -> FloatArray:
        return self.combined()[0]

    @property
    def P(self) -> FloatArray:
        return self.combined()[1]


class GaussianSumAdapter(CombinedEstimate):
    """A Gaussian-sum filter over component filters of one model (stateful).

    ``x`` and ``P`` are the mixture's mean and covariance; ``model`` the components'
    motion model.
    """

    def __init__(self, filters: Sequence[Adapter], weights: Sequence[float]) -> None:
        if not filters:
            raise ValueError("a Gaussian sum needs at least one component")
        self.filters = list(filters)
        self.weights = np.asarray(weights, dtype=float) / float(np.sum(weights))
        self.model = self.filters[0].model

    def combined(self) -> tuple[FloatArray, FloatArray]:
        """The mixture's mean and covariance (moment matched)."""
        if len(self.filters) == 1:
            return self.filters[0].x, self.filters[0].P
        return combine(self.weights, [(f.x, f.P) for f in self.filters])

    def predict(self, dt_s: float) -> None:
        """Propagate every component by ``dt_s`` seconds."""
        for f in self.filters:
            f.predict(dt_s)

    def widen(self, q_m2_s3: float, dt_s: float) -> None:
        """Widen every component's predicted covariance (:meth:`EkfAdapter.widen`)."""
        for f in self.filters:
            f.widen(q_m2_s3, dt_s)

    def peek(self, dt_s: float) -> tuple[FloatArray, FloatArray]:
        """The mixture propagated by ``dt_s``, leaving the filter as it is."""
        return combine(self.weights, [f.peek(dt_s) for f in self.filters])

    def innovation(self, z: FloatArray, site: Site | Observer, r: FloatArray) -> MixtureInnovation:
        """Every component's innovation and their mixture."""
        return mixture_innovation(self.weights, [f.innovation(z, site, r) for f in self.filters], z)

    def correct(self, inn: MixtureInnovation) -> None:
        """Update every component, reweigh by likelihood, prune and merge."""
        self.weights = correct_all(self.weights, self.filters, inn)
        self._prune()
        self._merge()

    def _prune(self) -> None:
        keep = self.weights >= PRUNE_WEIGHT
        self.filters = [f for f, k in zip(self.filters, keep) if k]
        self.weights = self.weights[keep] / np.sum(self.weights[keep])

    def _merge(self) -> None:
        """Merge the cheapest pair while its cost is below :data:`MERGE_COST`."""
        while len(self.filters) > 1:
            xs = np.array([f.x for f in self.filters])
            ps = np.array([f.P for f in self.filters])
            cost = pair_merge_costs(self.weights, xs, ps)
            i, j = np.unravel_index(int(np.argmin(cost)), cost.shape)
            if not cost[i, j] < MERGE_COST:
                return
            w = self.weights[i] + self.weights[j]
            x, p = combine(np.array([self.weights[i] / w, self.weights[j] / w]), [(xs[i], ps[i]), (xs[j], ps[j])])
            self.filters[i].set_state(x, p)
            self.weights[i] = w
            del self.filters[j]
            self.weights = np.delete(self.weights, j)
