"""Motion models for the filters, built on :mod:`sprn.dynamics` (one physics).

Three phase models, each a frozen record with the same four calls:

* ``propagate(x, dt_s)``: the mean, for states of shape ``(..., dim)`` at once (sigma
  points, Monte Carlo samples): one vectorised RK4 integration, no loop per state;
* ``transition(x, dt_s)``: one state and its state-transition matrix (for the EKF);
* ``process_noise(x, dt_s)``: the discrete process noise ``Q`` over ``dt_s``;
* ``predict(x, p, dt_s)``: mean and covariance by linearisation (EKF prediction).

The models and their states (the filter never needs the truth's hidden parameters):

* :class:`BallisticModel` ``[r, v]`` (6): free flight in vacuum with J2 and the Earth's
  rotation (Coriolis and centrifugal terms, :func:`sprn.dynamics.ballistic_derivative`).
* :class:`BoostModel` ``[r, v, a]`` (9): the same plus an unknown non-gravitational
  acceleration vector ``a`` (m/s^2: thrust and drag per unit mass), a random walk of
  intensity ``q_thrust_m2_s5`` per axis (the Wiener-sequence acceleration model of
  Bar-Shalom et al. 2001, sec. 6.3.3, on top of gravity; Li & Jilkov, "A survey of
  maneuvering target tracking, part II: motion models of ballistic and space targets",
  IEEE TAES 46(1), 2010, sec. III). Thrust along the velocity alone does not do: a
  rocket holding its flight-path angle leans its thrust off the velocity by as much
  as gravity's normal component, up to 10 m/s^2 for minutes.
* :class:`ReentryModel` ``[r, v, 1/beta]`` (7): free flight plus drag with an unknown
  inverse ballistic coefficient ``1/beta = C_D A / m`` (m^2/kg), a random walk of
  intensity ``q_inv_beta_m4_kg2_s`` (drag coefficient changes with Mach number).

Unmodelled accelerations enter as continuous white noise of spectral density ``q_m2_s3``
(m^2/s^3) on the velocity, discretised exactly for the kinematic chain (Bar-Shalom, Li &
Kirubarajan, *Estimation with Applications to Tracking and Navigation*, 2001, sec.
6.2.2). A random-walk parameter ``p`` whose acceleration is ``s p`` (``s`` the sensitivity
vector: a unit axis for each thrust component, ``-rho |v| v / 2`` for drag) is the third
integral of its white noise along ``s``: the continuous white-jerk blocks of the same
reference, sec. 6.2.3, rotated onto ``s``.

All three share the 10-component *common state* ``[r, v, a, 1/beta]`` through which the
IMM mixes them (``slots``: where a model's components sit in it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy as np
from numpy.typing import NDArray

from sprn import dynamics, kernels

FloatArray = NDArray[np.float64]
COMMON_DIM = 10
THRUST = (6, 7, 8)
"""Indices of the non-gravitational (thrust) acceleration in the common state."""
INV_BETA = 9
"""Index of the inverse ballistic coefficient in the common state."""
AIR_TOP_M = 120.0e3
"""Above this height drag is below 1e-5 m/s^2 for any reentry vehicle (1/beta < 1e-2 m^2/kg
at 7 km/s: rho(120 km) = 2.2e-8 kg/m^3), so the reentry model takes vacuum-sized steps."""


_EYE3 = np.eye(3)


def white_acceleration_q(dt_s: float, q_m2_s3: float) -> FloatArray:
    """Process noise (6x6) of continuous white acceleration noise over ``dt_s``.

    ``q [[dt^3/3 I, dt^2/2 I], [dt^2/2 I, dt I]]`` (Bar-Shalom et al. 2001, eq. 6.2.2-12).
    """
    return np.asarray(kernels.white_acceleration_q(dt_s, q_m2_s3), dtype=np.float64)


def random_walk_parameter_q(dt_s: float, q: float, sens: FloatArray) -> FloatArray:
    """Process noise (7x7) of ``[r, v, p]`` from a random-walk parameter ``p`` of intensity ``q``.

    The parameter adds ``sens * p`` to the acceleration; its white-noise derivative is
    integrated three times along ``sens`` (white-jerk model, Bar-Shalom et al. 2001,
    sec. 6.2.3).
    """
    dt = abs(dt_s)
    s = np.asarray(sens, dtype=float)
    ss = np.outer(s, s)
    out = np.zeros((7, 7))
    out[:3, :3] = dt**5 / 20.0 * ss
    out[:3, 3:6] = out[3:6, :3] = dt**4 / 8.0 * ss
    out[3:6, 3:6] = dt**3 / 3.0 * ss
    out[:3, 6] = out[6, :3] = dt**3 / 6.0 * s
    out[3:6, 6] = out[6, 3:6] = dt**2 / 2.0 * s
    out[6, 6] = dt
    return q * out


def white_jerk_q(dt_s: float, q_m2_s5: float) -> FloatArray:
    """Process noise (9x9) of ``[r, v, a]`` for an acceleration that is a random walk of intensity ``q``.

    Per axis ``q [[dt^5/20, dt^4/8, dt^3/6], [dt^4/8, dt^3/3, dt^2/2], [dt^3/6, dt^2/2, dt]]``
    (Bar-Shalom et al. 2001, eq. 6.2.3-12), the same for the three axes.
    """
    dt = abs(dt_s)
    chain = q_m2_s5 * np.array(
        [[dt**5 / 20.0, dt**4 / 8.0, dt**3 / 6.0], [dt**4 / 8.0, dt**3 / 3.0, dt**2 / 2.0],
         [dt**3 / 6.0, dt**2 / 2.0, dt]]
    )
    return np.asarray(np.kron(chain, _EYE3), dtype=np.float64)


class MotionModel(Protocol):
    """What a filter needs of a motion model."""

    name: ClassVar[str]
    dim: ClassVar[int]
    slots: ClassVar[tuple[int, ...]]

    def propagate(self, x: FloatArray, dt_s: float) -> FloatArray: ...

    def transition(self, x: FloatArray, dt_s: float) -> tuple[FloatArray, FloatArray]: ...

    def process_noise(self, x: FloatArray, dt_s: float) -> FloatArray: ...

    def predict(self, x: FloatArray, p: FloatArray, dt_s: float) -> tuple[FloatArray, FloatArray]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class BallisticModel:
    """Unpowered flight in vacuum with J2 and Earth rotation; state ``[r, v]``.

    ``q_m2_s3`` is the spectral density of the white acceleration noise that covers
    what the model leaves out (higher harmonics, J3 and beyond: about 1e-5 m/s^2);
    ``max_step_s`` the RK4 substep.
    """

    name: ClassVar[str] = "ballistic"
    dim: ClassVar[int] = 6
    slots: ClassVar[tuple[int, ...]] = (0, 1, 2, 3, 4, 5)
    q_m2_s3: float = 1.0e-6
    max_step_s: float = 5.0

    def propagate(self, x: FloatArray, dt_s: float) -> FloatArray:
        """States ``(..., 6)`` propagated by ``dt_s`` (s), all at once (RK4, steps of at most ``max_step_s``)."""
        return dynamics.propagate(x, dt_s, 0.0, self.max_step_s)

    def transition(self, x: FloatArray, dt_s: float) -> tuple[FloatArray, FloatArray]:
        """One state propagated by ``dt_s`` and its state-transition matrix (6x6).

        :func:`sprn.dynamics.propagate_with_stm`: RK4 steps of at most ``max_step_s``,
        the matrix by the variational equations on the same stages.
        """
        return dynamics.propagate_with_stm(x, dt_s, self.max_step_s)

    def process_noise(self, x: FloatArray, dt_s: float) -> FloatArray:
        """Discrete process noise (6x6) over ``dt_s``."""
        return white_acceleration_q(dt_s, self.q_m2_s3)

    def predict(self, x: FloatArray, p: FloatArray, dt_s: float) -> tuple[FloatArray, FloatArray]:
        """Mean and covariance propagated by ``dt_s`` (s), linearised: ``Phi P Phi' + Q`` with
        :meth:`transition` and :meth:`process_noise`, in one compiled call."""
        if dt_s == 0.0:
            return np.array(x, dtype=float), np.array(p, dtype=float)
        n = max(1, math.ceil(abs(dt_s) / self.max_step_s))
        x_new, p_new = kernels.ballistic_predict(np.ascontiguousarray(x, dtype=float),
                                                 np.ascontiguousarray(p, dtype=float), dt_s / n, n, self.q_m2_s3)
        return x_new, p_new


@dataclass(frozen=True, slots=True, kw_only=True)
class BoostModel:
    """Powered flight: gravity, rotation and an estimated non-gravitational acceleration.

    State ``[r, v, a]``. ``q_thrust_m2_s5`` is the intensity of the acceleration's random
    walk: a single stage's thrust acceleration grows from about 15 to 60-80 m/s^2 over
    100-150 s, fastest near burnout (``F mdot / m^2``, up to about 2 m/s^3), and turns
    with the pitch programme. Bar-Shalom et al. (2001, sec. 6.3.3) choose ``sqrt(q T)``
    between half and all of the largest change of acceleration over a revisit ``T``: 2-4
    m/s^2 over 2 s gives ``q`` of 2-8 m^2/s^5; 5 is taken. ``q_m2_s3`` is the white
    acceleration noise on top (buffeting, steering jitter).
    Staging and burnout are jumps the random walk does not follow: the IMM hands them
    to the ballistic mode.
    """

    name: ClassVar[str] = "boost"
    dim: ClassVar[int] = 9
    slots: ClassVar[tuple[int, ...]] = (0, 1, 2, 3, 4, 5, *THRUST)
    q_m2_s3: float = 0.1
    q_thrust_m2_s5: float = 10.0
    max_step_s: float = 2.0

    def propagate(self, x: FloatArray, dt_s: float) -> FloatArray:
        """States ``(..., 9)`` propagated by ``dt_s`` (s), all at once (RK4, ``a`` constant)."""
        return dynamics.propagate_model(kernels.BOOST, x, dt_s, self.max_step_s)

    def transition(self, x: FloatArray, dt_s: float) -> tuple[FloatArray, FloatArray]:
        """One state propagated by ``dt_s`` and its state-transition matrix (9x9)
        (:func:`sprn.dynamics.propagate_with_stm`)."""
        return dynamics.propagate_with_stm(x, dt_s, self.max_step_s, kernels.BOOST, 1e-3)

    def process_noise(self, x: FloatArray, dt_s: float) -> FloatArray:
        """Discrete process noise (9x9): the acceleration's random walk plus white acceleration."""
        q = white_jerk_q(dt_s, self.q_thrust_m2_s5)
        q[:6, :6] += white_acceleration_q(dt_s, self.q_m2_s3)
        return q

    def predict(self, x: FloatArray, p: FloatArray, dt_s: float) -> tuple[FloatArray, FloatArray]:
        """Mean and covariance propagated by ``dt_s`` (s), linearised."""
        return _linear_predict(self, x, p, dt_s)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReentryModel:
    """Free flight with drag of an estimated inverse ballistic coefficient; state ``[r, v, 1/beta]``.

    ``q_m2_s3`` covers lift and the atmosphere's departure from US 1976 (a few per
    cent of the drag) below :data:`AIR_TOP_M`, ``q_vacuum_m2_s3`` what free flight leaves
    out above it (as :class:`BallisticModel`: there the two models are the same, and so
    must their uncertainty be, or an IMM mixing them would be needlessly wide);
    ``q_inv_beta_m4_kg2_s`` the change of ``C_D`` with Mach number (tens of per cent over
    the descent). ``air_step_s`` is the RK4 step below
    :data:`AIR_TOP_M`, where drag changes over seconds.
    """

    name: ClassVar[str] = "reentry"
    dim: ClassVar[int] = 7
    slots: ClassVar[tuple[int, ...]] = (0, 1, 2, 3, 4, 5, INV_BETA)
    q_m2_s3: float = 1.0e-2
    q_vacuum_m2_s3: float = 1.0e-6
    q_inv_beta_m4_kg2_s: float = 1.0e-10
    max_step_s: float = 5.0
    air_step_s: float = 1.0

    def step_s(self, x: FloatArray) -> float:
        """The RK4 step for states ``x``: short once any of them is in the air."""
        low = float(np.min(dynamics.altitude_m(np.asarray(x, dtype=float)[..., :3])))
        return self.air_step_s if low < AIR_TOP_M else self.max_step_s

    def propagate(self, x: FloatArray, dt_s: float) -> FloatArray:
        """States ``(..., 7)`` propagated by ``dt_s`` (s), all at once (``1/beta`` is constant)."""
        x = np.array(x, dtype=float)
        x[..., :6] = dynamics.propagate(x[..., :6], dt_s, x[..., 6], self.step_s(x))
        return x

    def transition(self, x: FloatArray, dt_s: float) -> tuple[FloatArray, FloatArray]:
        """One state propagated by ``dt_s`` and its state-transition matrix (7x7)
        (:func:`sprn.dynamics.propagate_with_stm`)."""
        return dynamics.propagate_with_stm(x, dt_s, self.step_s(x), kernels.REENTRY, 1e-6)

    def process_noise(self, x: FloatArray, dt_s: float) -> FloatArray:
        """Discrete process noise (7x7): white acceleration plus, in the air, the drag
        parameter's random walk (above it ``1/beta`` is constant: ``C_D`` changes with Mach)."""
        x = np.asarray(x, dtype=float)
        v = x[3:6]
        rho = float(dynamics.air_density(dynamics.altitude_m(x[:3])))
        sens = -0.5 * rho * float(np.linalg.norm(v)) * v
        in_air = float(dynamics.altitude_m(x[:3])) < AIR_TOP_M
        q = random_walk_parameter_q(dt_s, self.q_inv_beta_m4_kg2_s if in_air else 0.0, sens)
        q[:6, :6] += white_acceleration_q(dt_s, self.q_m2_s3 if in_air else self.q_vacuum_m2_s3)
        return q

    def predict(self, x: FloatArray, p: FloatArray, dt_s: float) -> tuple[FloatArray, FloatArray]:
        """Mean and covariance propagated by ``dt_s`` (s), linearised."""
        return _linear_predict(self, x, p, dt_s)


def _linear_predict(
    model: MotionModel, x: FloatArray, p: FloatArray, dt_s: float
) -> tuple[FloatArray, FloatArray]:
    x_new, phi = model.transition(np.asarray(x, dtype=float), dt_s)
    q = model.process_noise(x, dt_s)
    return x_new, np.asarray(kernels.propagate_covariance(phi, np.ascontiguousarray(p, dtype=float), q), dtype=float)


MODELS: dict[str, type[BallisticModel | BoostModel | ReentryModel]] = {
    "boost": BoostModel,
    "ballistic": BallisticModel,
    "reentry": ReentryModel,
}
