"""Adapters between sprn's motion and measurement models and filterpy's filters.

The tracker talks to a filter through three calls: ``predict(dt)``, ``update(z, site, R)``
and the ``x`` / ``P`` attributes. Each adapter owns one filterpy object (stateful).
"""

from __future__ import annotations

import numpy as np
from filterpy.kalman import ExtendedKalmanFilter
from numpy.typing import NDArray

from sprn.radar.measurement import measure, measurement_jacobian, residual
from sprn.radar.site import Site
from sprn.tracking.models import BallisticModel

FloatArray = NDArray[np.float64]


class EkfAdapter:
    """Extended Kalman filter on the ballistic model (stateful).

    Prediction uses :class:`BallisticModel` (nonlinear propagation of the mean, the
    state-transition matrix for the covariance); the update is filterpy's
    ``ExtendedKalmanFilter.update`` with the analytic measurement Jacobian and an
    azimuth-wrapping residual.
    """

    def __init__(self, x0: FloatArray, p0: FloatArray, model: BallisticModel) -> None:
        self.model = model
        self._kf = ExtendedKalmanFilter(dim_x=6, dim_z=3)
        self._kf.x = np.array(x0, dtype=float)
        self._kf.P = np.array(p0, dtype=float)

    @property
    def x(self) -> FloatArray:
        return np.asarray(self._kf.x, dtype=float)

    @property
    def P(self) -> FloatArray:  # noqa: N802 - filter notation
        return np.asarray(self._kf.P, dtype=float)

    def predict(self, dt_s: float) -> None:
        """Propagate the estimate by ``dt_s`` seconds."""
        self._kf.x, self._kf.P = self.model.predict(self.x, self.P, dt_s)

    def innovation(self, z: FloatArray, site: Site, r: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Innovation ``y`` and its covariance ``S`` for a measurement, before updating."""
        with_rr = z.size == 4
        h = measurement_jacobian(site, self.x, with_rr)
        y = residual(z, measure(site, self.x, with_rr))
        return y, h @ self.P @ h.T + r

    def update(self, z: FloatArray, site: Site, r: FloatArray) -> None:
        """Correct the estimate with measurement ``z`` of covariance ``r`` from ``site``."""
        with_rr = z.size == 4
        self._kf.dim_z = z.size
        self._kf.update(
            z,
            HJacobian=lambda x: measurement_jacobian(site, x, with_rr),
            Hx=lambda x: measure(site, x, with_rr),
            R=r,
            residual=residual,
        )
        self._kf.P = 0.5 * (self._kf.P + self._kf.P.T)
