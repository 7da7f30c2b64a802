"""Filter consistency: normalised estimation error and innovation squared (NEES, NIS).

For a consistent filter the NEES of an n-state estimate is chi-square with n degrees of
freedom; averaged over N independent runs, N times the mean is chi-square with n N
(Bar-Shalom, Li & Kirubarajan 2001, sec. 5.4.2).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special


def nees(error: NDArray[np.float64], p: NDArray[np.float64]) -> NDArray[np.float64]:
    """``e' P^-1 e`` for errors ``(..., n)`` and covariances ``(..., n, n)``."""
    e = np.asarray(error, dtype=float)
    sol = np.linalg.solve(p, e[..., None])[..., 0]
    return np.asarray(np.sum(e * sol, axis=-1), dtype=np.float64)


def chi2_quantile(probability: float, dof: float) -> float:
    """The ``probability`` quantile of chi-square with ``dof`` degrees of freedom.

    ``2 P^-1(dof / 2, probability)``, the inverse of the regularised lower incomplete
    gamma function: what ``scipy.stats.chi2.ppf`` computes, without importing
    ``scipy.stats`` (about a second of start-up).
    """
    return float(2.0 * special.gammaincinv(0.5 * dof, probability))


def chi2_band(dof: int, runs: int, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided band for the mean of ``runs`` chi-square(``dof``) values."""
    lo = chi2_quantile(0.5 * (1.0 - confidence), dof * runs) / runs
    hi = chi2_quantile(0.5 * (1.0 + confidence), dof * runs) / runs
    return lo, hi
