"""Compiled inner loops (numba): the one implementation of the physics and filter steps.

* :mod:`sprn.kernels.flight`: unpowered flight (derivative, RK4, transition matrix, the
  fall to the ground), the radar measurement and its Jacobian, and the Kalman covariance
  steps of the EKF and UKF; the same physics as :mod:`sprn.dynamics` (J2 gravity,
  Coriolis and centrifugal terms, drag in the US 1976 atmosphere table of
  :mod:`sprn.atmosphere`).
* :mod:`sprn.kernels.imm`: the cycle of the IMM estimator over the boost, ballistic and
  reentry models with unscented mode filters.

They are written as plain loops and compiled: they are the innermost loops of every
filter prediction, sigma-point propagation and impact prediction, called thousands of
times per run on a handful of states each: in numpy every call pays for some thirty
array operations of a few microseconds, here the whole step is one call. The tests check
each kernel against the numpy formulas or filterpy functions it replaces.

Arrays in and out are C-contiguous float64: states ``(n, 6)`` and inverse ballistic
coefficients ``(n,)`` (m^2/kg, zero for vacuum). Callers use the wrappers in
:mod:`sprn.dynamics`, :mod:`sprn.impact` and :mod:`sprn.tracking`, which shape their
arguments.

Compiled code is cached on disk next to the source (``cache=True``), so a process pays
for compilation (a few seconds) only the first time after installation or a change, and
a command that never calls a kernel never imports this package (the command line imports
lazily).
"""

from sprn.kernels import imm
from sprn.kernels.flight import (
    acceleration,
    ballistic_predict,
    density,
    derivative,
    gravity,
    height,
    innovation_covariance,
    jacobian,
    joseph_update,
    linearised_measurement,
    lloyd,
    measure,
    measure_jacobian,
    measurement_moments,
    propagate_covariance,
    rk4,
    sigma_points,
    step_for_height,
    to_ground,
    transition,
    white_acceleration_q,
)

__all__ = [
    "acceleration", "ballistic_predict", "density", "derivative", "gravity", "height", "imm",
    "innovation_covariance", "jacobian", "joseph_update", "linearised_measurement", "lloyd", "measure",
    "measure_jacobian", "measurement_moments", "propagate_covariance", "rk4", "sigma_points", "step_for_height",
    "to_ground", "transition", "white_acceleration_q",
]
