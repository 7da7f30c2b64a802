"""Data association: which report of a scan goes to which track.

Two associators behind one protocol (:class:`Associator`), both fed by the same
hypotheses (:class:`Hypotheses`: the gated track-report pairs of one scan with their
likelihoods):

* :func:`gnn` — global nearest neighbour: the single most likely assignment of reports to
  tracks, each track taking at most one report and each report going to at most one
  track, a track taking none with the probability of a missed detection; solved as a
  rectangular assignment problem (:func:`scipy.optimize.linear_sum_assignment`).
* :func:`jpda` — joint probabilistic data association (Fortmann, Bar-Shalom & Scheffe,
  "Sonar tracking of multiple targets using joint probabilistic data association", IEEE
  J. Oceanic Eng. 8(3), 1983): the probability ``beta[i, j]`` that report ``j`` is track
  ``i``'s, summed over every feasible joint event of the track's cluster, and ``beta[i, -1]``
  that the track was not detected. Exact enumeration, which is what scenes of a few
  objects need; a cluster with more than :data:`MAX_JPDA_EVENTS` events falls back to GNN.

Likelihood ratio of report ``j`` for track ``i`` against clutter:
``pd N(y_ij; 0, S_ij) / clutter_density``; of a miss: ``1 - pd`` (Bar-Shalom, Willett &
Tian, *Tracking and Data Fusion*, 2011, sec. 6.2).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
MAX_JPDA_EVENTS = 20000
"""Joint events enumerated per cluster before JPDA gives way to GNN for that cluster."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Hypotheses:
    """The gated pairs of one scan: ``log_ratio[i, j]`` is ``ln(pd_i g_ij / clutter)`` for a
    report ``j`` inside track ``i``'s gate and ``-inf`` outside; ``log_miss[i]`` is
    ``ln(1 - pd_i)`` (each track has its own detection probability; a scalar is every track's)."""

    log_ratio: FloatArray
    log_miss: FloatArray | float

    def miss(self, i: int) -> float:
        """``ln(1 - pd)`` of track ``i``."""
        return float(self.log_miss) if np.ndim(self.log_miss) == 0 else float(np.asarray(self.log_miss)[i])

    @property
    def gated(self) -> NDArray[np.bool_]:
        return np.isfinite(self.log_ratio)


class Associator(Protocol):
    """Weights of each track's hypotheses: ``(tracks, reports + 1)``, the last column the miss."""

    def __call__(self, hyp: Hypotheses) -> FloatArray: ...


def log_likelihood_ratio(nis: float, log_det_2pi_s: float, pd: float, clutter_density: float) -> float:
    """``ln(pd N(y; 0, S) / clutter_density)`` from the NIS and ``ln det(2 pi S)``."""
    return math.log(pd) - 0.5 * (nis + log_det_2pi_s) - math.log(clutter_density)


def gnn(hyp: Hypotheses) -> FloatArray:
    """Global nearest neighbour: a 0/1 weight per hypothesis (see the module notes).

    The assignment minimises the summed negative log likelihood ratios, a missed track
    costing ``-ln(1 - pd)``; a report in no gate is nobody's.
    """
    n_t, n_r = hyp.log_ratio.shape
    out = np.zeros((n_t, n_r + 1))
    if n_t == 0:
        return out
    gated = hyp.gated
    if n_t == 1 or not n_r or max(map(sum, zip(*gated.tolist()))) <= 1:  # plain Python: a few cells
        # No report in two gates (one track, the common case, included): the problem splits
        # into one per track, each its likeliest report if likelier than a miss; no solver.
        for i in range(n_t):
            j = int(np.argmax(hyp.log_ratio[i])) if n_r else -1
            out[i, j if j >= 0 and hyp.log_ratio[i, j] > hyp.miss(i) else -1] = 1.0
        return out
    # here, not at the top: scipy.optimize costs ~0.13 s to import, and a run that never
    # holds two tracks in one cluster (a single object's track file) never needs it
    from scipy.optimize import linear_sum_assignment

    big = 1e12
    cost = np.full((n_t, n_r + n_t), big)
    cost[:, :n_r] = np.where(gated, -hyp.log_ratio, big)
    cost[np.arange(n_t), n_r + np.arange(n_t)] = [-hyp.miss(i) for i in range(n_t)]
    rows, cols = linear_sum_assignment(cost)
    for i, j in zip(rows, cols):
        if j < n_r and cost[i, j] < big:
            out[i, j] = 1.0
        else:
            out[i, -1] = 1.0
    return out


def _clusters(gated: NDArray[np.bool_]) -> list[tuple[list[int], list[int]]]:
    """Tracks and reports linked through shared gates (connected components)."""
    n_t = gated.shape[0]
    seen_t: set[int] = set()
    out = []
    for start in range(n_t):
        if start in seen_t:
            continue
        tracks, reports, todo = {start}, set(), [start]
        while todo:
            i = todo.pop()
            for j in np.flatnonzero(gated[i]):
                if int(j) not in reports:
                    reports.add(int(j))
                    for k in np.flatnonzero(gated[:, j]):
                        if int(k) not in tracks:
                            tracks.add(int(k))
                            todo.append(int(k))
        seen_t |= tracks
        out.append((sorted(tracks), sorted(reports)))
    return out


def _events(options: list[list[int]]) -> itertools.product[tuple[int, ...]]:
    return itertools.product(*options)


def jpda(hyp: Hypotheses) -> FloatArray:
    """JPDA association probabilities (see the module notes); rows sum to 1."""
    n_t, n_r = hyp.log_ratio.shape
    beta = np.zeros((n_t, n_r + 1))
    for tracks, reports in _clusters(hyp.gated):
        options = [[-1, *[j for j in reports if hyp.gated[i, j]]] for i in tracks]
        if math.prod(len(o) for o in options) > MAX_JPDA_EVENTS:
            sub = Hypotheses(log_ratio=hyp.log_ratio[np.ix_(tracks, reports)], log_miss=np.array([hyp.miss(i) for i in tracks]))
            w = gnn(sub)
            beta[np.ix_(tracks, reports)] = w[:, :-1]
            beta[tracks, -1] = w[:, -1]
            continue
        logs, events = [], []
        for event in _events(options):
            used = [j for j in event if j >= 0]
            if len(used) != len(set(used)):
                continue  # a report is one object's at most
            logs.append(sum(hyp.miss(i) if j < 0 else float(hyp.log_ratio[i, j]) for i, j in zip(tracks, event)))
            events.append(event)
        w = np.exp(np.array(logs) - max(logs))
        w /= w.sum()
        for p, event in zip(w, events):
            for i, j in zip(tracks, event):
                beta[i, j if j >= 0 else -1] += p
    untouched = beta.sum(axis=1) == 0.0
    beta[untouched, -1] = 1.0
    return beta


ASSOCIATORS: dict[str, Associator] = {"gnn": gnn, "jpda": jpda}
