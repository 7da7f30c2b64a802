"""Equations of motion of a point mass in the rotating Earth-fixed (ECEF) frame.

One physics for truth and filters. The state is ``x = [r_ecef_m, v_ecef_mps]`` with the
velocity relative to the rotating Earth. The acceleration is

    a = g_J2(r) - 2 w x v - w x (w x r) + a_drag + a_thrust

with ``w = (0, 0, OMEGA_EARTH)``, gravity from the point mass plus the J2 zonal term,
and drag against air that co-rotates with the Earth (so the air-relative velocity is
``v`` itself): ``a_drag = -rho(h) |v| v / (2 beta)`` with ``beta = m / (C_D A)`` the
ballistic coefficient in kg/m^2.

Every function takes arrays of states with shape ``(..., 6)`` (or positions ``(..., 3)``)
so that many states (sigma points, Monte Carlo samples) propagate in one call.

References: Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed., sec. 8.6
(J2 acceleration); Zarchan, *Tactical and Strategic Missile Guidance*, ch. 11 (drag).
"""

from __future__ import annotations

import math
import numpy as np
from numpy.typing import NDArray

from sprn import kernels
from sprn.geo import A_M, GM_M3_S2, J2, OMEGA_EARTH_RAD_S

FloatArray = NDArray[np.float64]
OMEGA_VEC = np.array([0.0, 0.0, OMEGA_EARTH_RAD_S])


def gravity_potential(r_ecef_m: FloatArray) -> FloatArray:
    """Gravitational potential energy per unit mass (J/kg, negative), point mass plus J2."""
    r = np.asarray(r_ecef_m, dtype=float)
    rn = np.linalg.norm(r, axis=-1)
    sin_phi = r[..., 2] / rn
    p2 = 0.5 * (3.0 * sin_phi**2 - 1.0)
    return np.asarray(-GM_M3_S2 / rn * (1.0 - J2 * (A_M / rn) ** 2 * p2), dtype=float)


def jacobi_integral(x: FloatArray) -> FloatArray:
    """Energy per unit mass in the rotating frame (J/kg), conserved in vacuum free flight.

    ``C = |v|^2 / 2 + U(r) - |w x r|^2 / 2``: kinetic energy relative to the Earth plus
    the gravitational and centrifugal potentials.
    """
    x = np.asarray(x, dtype=float)
    r, v = x[..., :3], x[..., 3:6]
    rho2 = r[..., 0] ** 2 + r[..., 1] ** 2
    return np.asarray(0.5 * np.sum(v * v, axis=-1) + gravity_potential(r) - 0.5 * OMEGA_EARTH_RAD_S**2 * rho2, dtype=float)


def altitude_m(r_ecef_m: FloatArray) -> FloatArray:
    """Fast approximate height above the WGS84 ellipsoid (m) of positions ``(..., 3)``, for the atmosphere.

    :func:`sprn.kernels.height`: distance from the centre minus the ellipsoid radius at
    the same geocentric latitude, within a few metres of the geodetic height below
    200 km, where drag matters.
    """
    r = np.asarray(r_ecef_m, dtype=float)
    out = kernels.heights(np.ascontiguousarray(r.reshape(-1, 3)))
    return np.asarray(out.reshape(r.shape[:-1]), dtype=float)


def air_density(alt_m: FloatArray | float) -> FloatArray:
    """Air density (kg/m^3) of the US 1976 atmosphere at geometric altitudes ``alt_m`` (m).

    :func:`sprn.kernels.density`: log-linear interpolation in the 100 m table of
    :func:`sprn.atmosphere.density_exact` (relative error below 5e-4); the sea-level value
    below 0 m, zero above 1,000 km.
    """
    z = np.asarray(alt_m, dtype=float)
    return np.asarray(kernels.densities(np.ascontiguousarray(z.reshape(-1))).reshape(z.shape), dtype=float)


def drag_acceleration(x: FloatArray, inv_beta_m2_kg: FloatArray | float) -> FloatArray:
    """Drag acceleration (m/s^2) of states ``(..., 6)`` for ballistic coefficient ``1 / inv_beta`` (kg/m^2).

    ``-rho(h) |v| v / (2 beta)`` (:func:`sprn.kernels.drag_one`); ``inv_beta_m2_kg``
    broadcasts against the states' leading shape; zero means vacuum.
    """
    x = np.asarray(x, dtype=float)
    rows, beta = state_rows(x, inv_beta_m2_kg)
    return np.asarray(kernels.drag(rows, beta).reshape(x.shape[:-1] + (3,)), dtype=float)


def ballistic_derivative(x: FloatArray, inv_beta_m2_kg: FloatArray | float = 0.0) -> FloatArray:
    """Time derivative ``[v, a]`` of states ``(..., 6)`` in unpowered flight.

    Gravity (point mass plus J2), the frame's Coriolis and centrifugal terms and drag,
    evaluated by the compiled loop :func:`sprn.kernels.derivative`, the innermost call of
    every propagation. ``inv_beta_m2_kg`` broadcasts against the leading shape.
    """
    x = np.asarray(x, dtype=float)
    rows, beta = state_rows(x, inv_beta_m2_kg)
    return np.asarray(kernels.derivative(rows, beta).reshape(x.shape), dtype=float)


def state_rows(x: FloatArray, inv_beta_m2_kg: FloatArray | float) -> tuple[FloatArray, FloatArray]:
    """States ``(..., 6)`` as C-contiguous rows ``(n, 6)`` and their inverse ballistic coefficients ``(n,)``."""
    rows = np.ascontiguousarray(x.reshape(-1, 6), dtype=float)
    if np.ndim(inv_beta_m2_kg) == 0:
        return rows, np.full(len(rows), float(inv_beta_m2_kg))  # type: ignore[arg-type,unused-ignore]
    beta = np.ascontiguousarray(np.broadcast_to(np.asarray(inv_beta_m2_kg, dtype=float), x.shape[:-1]).reshape(-1))
    return rows, beta


def propagate(
    x: FloatArray,
    dt_s: float,
    inv_beta_m2_kg: FloatArray | float = 0.0,
    max_step_s: float = 5.0,
) -> FloatArray:
    """Propagate unpowered states ``(..., 6)`` by ``dt_s`` (may be negative) with RK4.

    The step is the largest not above ``max_step_s`` that divides ``dt_s`` evenly. With
    drag, keep ``max_step_s`` near 1 s in the lower atmosphere.
    """
    x = np.array(x, dtype=float)
    if dt_s == 0.0:
        return x
    n = max(1, int(np.ceil(abs(dt_s) / max_step_s)))
    rows, beta = state_rows(x, inv_beta_m2_kg)
    return np.asarray(kernels.rk4(rows, beta, dt_s / n, n).reshape(x.shape), dtype=float)


def propagate_with_stm(
    x: FloatArray, dt_s: float, max_step_s: float = 5.0, kind: int = kernels.BALLISTIC, param_step: float = 1e-6
) -> tuple[FloatArray, FloatArray]:
    """Propagate one state and its state-transition matrix by ``dt_s`` (s), in RK4 steps of at most ``max_step_s``.

    ``kind`` is the state's layout (:data:`sprn.kernels.BALLISTIC` ``[r, v]``,
    :data:`~sprn.kernels.REENTRY` ``[r, v, 1/beta]``, :data:`~sprn.kernels.BOOST`
    ``[r, v, a]``); ``param_step`` the difference step of the components beyond
    ``[r, v]``. The matrix integrates the variational equations on RK4's stages
    (:func:`sprn.kernels.transition`).
    """
    x = np.ascontiguousarray(x, dtype=float)
    if dt_s == 0.0:
        return x.copy(), np.eye(x.size)
    n = max(1, math.ceil(abs(dt_s) / max_step_s))
    x_new, phi = kernels.transition(kind, x, dt_s / n, n, param_step)
    return x_new, phi


def propagate_model(kind: int, x: FloatArray, dt_s: float, max_step_s: float) -> FloatArray:
    """States ``(..., d)`` of layout ``kind`` (see :func:`propagate_with_stm`) propagated by ``dt_s`` with RK4.

    Equal steps of at most ``max_step_s``; thrust and ``1/beta`` are constant
    (:func:`sprn.kernels.rk4_model`).
    """
    x = np.array(x, dtype=float)
    if dt_s == 0.0:
        return x
    n = max(1, math.ceil(abs(dt_s) / max_step_s))
    rows = np.ascontiguousarray(x.reshape(-1, x.shape[-1]))
    return np.asarray(kernels.rk4_model(kind, rows, dt_s / n, n).reshape(x.shape), dtype=float)
