"""Motion models for the filters, built on :mod:`sprn.dynamics` (one physics).

The ballistic model propagates the state with the full J2 and rotating-frame
acceleration and its covariance with the state-transition matrix; unmodelled
accelerations enter as continuous white noise of spectral density ``q`` (m^2/s^3),
the discretised form of Bar-Shalom, Li & Kirubarajan, *Estimation with Applications to
Tracking and Navigation* (2001), sec. 6.2.2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sprn import dynamics

FloatArray = NDArray[np.float64]


def white_acceleration_q(dt_s: float, q_m2_s3: float) -> FloatArray:
    """Process noise (6x6) of continuous white acceleration noise over ``dt_s``."""
    dt = abs(dt_s)
    eye = np.eye(3)
    return q_m2_s3 * np.block(
        [[dt**3 / 3.0 * eye, dt**2 / 2.0 * eye], [dt**2 / 2.0 * eye, dt * eye]]
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class BallisticModel:
    """Unpowered flight in vacuum with J2 and Earth rotation.

    ``q_m2_s3`` is the spectral density of the white acceleration noise that covers
    what the model leaves out; ``max_step_s`` the RK4 substep.
    """

    q_m2_s3: float = 1.0e-6
    max_step_s: float = 5.0

    def predict(self, x: FloatArray, p: FloatArray, dt_s: float) -> tuple[FloatArray, FloatArray]:
        """Mean and covariance propagated by ``dt_s`` (s)."""
        x_new, phi = dynamics.propagate_with_stm(x, dt_s, self.max_step_s)
        p_new = phi @ p @ phi.T + white_acceleration_q(dt_s, self.q_m2_s3)
        return x_new, 0.5 * (p_new + p_new.T)
