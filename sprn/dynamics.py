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
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from sprn import atmosphere, kernels
from sprn.geo import A_M, B_M, GM_M3_S2, J2, OMEGA_EARTH_RAD_S

FloatArray = NDArray[np.float64]
OMEGA_VEC = np.array([0.0, 0.0, OMEGA_EARTH_RAD_S])


def gravity_j2(r_ecef_m: FloatArray) -> FloatArray:
    """Gravitational acceleration (m/s^2) of the point mass plus J2, shape ``(..., 3)``."""
    r = np.asarray(r_ecef_m, dtype=float)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    r2 = x * x + y * y + z * z
    rn = np.sqrt(r2)
    mu_r3 = GM_M3_S2 / (r2 * rn)
    k = 1.5 * J2 * A_M**2 / r2
    s = 5.0 * z * z / r2
    fxy = -mu_r3 * (1.0 - k * (s - 1.0))
    fz = -mu_r3 * (1.0 - k * (s - 3.0))
    return np.stack([fxy * x, fxy * y, fz * z], axis=-1)


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
    """Fast approximate height above the WGS84 ellipsoid (m), for the atmosphere.

    Distance from the centre minus the ellipsoid radius at the same geocentric latitude:
    within a few metres of the geodetic height below 200 km, where drag matters.
    """
    r = np.asarray(r_ecef_m, dtype=float)
    rn = np.linalg.norm(r, axis=-1)
    sin2 = (r[..., 2] / rn) ** 2
    r_surface = A_M * B_M / np.sqrt(B_M**2 * (1.0 - sin2) + A_M**2 * sin2)
    return np.asarray(rn - r_surface, dtype=float)


def drag_acceleration(x: FloatArray, inv_beta_m2_kg: FloatArray | float) -> FloatArray:
    """Drag acceleration (m/s^2) for ballistic coefficient ``1 / inv_beta`` (kg/m^2).

    ``inv_beta_m2_kg`` broadcasts against the states' leading shape; zero means vacuum.
    """
    x = np.asarray(x, dtype=float)
    v = x[..., 3:6]
    rho = atmosphere.density(altitude_m(x[..., :3]))
    speed = np.linalg.norm(v, axis=-1)
    k = -0.5 * rho * speed * np.asarray(inv_beta_m2_kg, dtype=float)
    return np.asarray(k[..., None] * v, dtype=float)


def frame_acceleration(x: FloatArray) -> FloatArray:
    """Coriolis plus centrifugal acceleration (m/s^2) of the rotating frame."""
    x = np.asarray(x, dtype=float)
    r, v = x[..., :3], x[..., 3:6]
    w = OMEGA_EARTH_RAD_S
    coriolis = np.stack([2.0 * w * v[..., 1], -2.0 * w * v[..., 0], np.zeros_like(v[..., 0])], axis=-1)
    centrifugal = np.stack([w * w * r[..., 0], w * w * r[..., 1], np.zeros_like(r[..., 0])], axis=-1)
    return coriolis + centrifugal


def ballistic_derivative(x: FloatArray, inv_beta_m2_kg: FloatArray | float = 0.0) -> FloatArray:
    """Time derivative ``[v, a]`` of states ``(..., 6)`` in unpowered flight.

    The same sum as ``gravity_j2 + frame_acceleration + drag_acceleration``, evaluated
    by the compiled loop :func:`sprn.kernels.derivative` because it is the innermost
    call of every propagation. ``inv_beta_m2_kg`` broadcasts against the leading shape.
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


Derivative = Callable[[FloatArray], FloatArray]


def rk4_step(f: Derivative, x: FloatArray, h: float | FloatArray) -> FloatArray:
    """One classical Runge-Kutta step of size ``h`` (s) for all states at once.

    ``h`` may be an array broadcasting against the leading shape (per-state step).
    """
    hh = np.asarray(h, dtype=float)[..., None] if np.ndim(h) else h
    k1 = f(x)
    k2 = f(x + 0.5 * hh * k1)
    k3 = f(x + 0.5 * hh * k2)
    k4 = f(x + hh * k3)
    return x + hh / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


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


def gravity_gradient(r_ecef_m: FloatArray) -> FloatArray:
    """Gradient ``d g / d r`` (1/s^2) of the point-mass + J2 gravity, shape ``(..., 3, 3)``.

    Central differences of :func:`gravity_j2` with 1 m steps: truncation error is
    ``(1 m / r)^2 ~ 1e-13`` and round-off ~1e-15 m/s^2 / 1 m, both far below the J2
    part of the gradient (~1e-9 /s^2) that a point-mass formula would leave out.
    """
    r = np.asarray(r_ecef_m, dtype=float)
    steps = np.eye(3)
    plus = gravity_j2(r[..., None, :] + steps)
    minus = gravity_j2(r[..., None, :] - steps)
    return np.swapaxes((plus - minus) / 2.0, -1, -2)


def ballistic_jacobian(x: FloatArray) -> FloatArray:
    """Jacobian ``F = d f / d x`` (6x6) of the vacuum ballistic derivative at states ``x``."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        return np.asarray(kernels.jacobian(np.ascontiguousarray(x[:6])), dtype=float)
    w = OMEGA_EARTH_RAD_S
    shape = x.shape[:-1] + (6, 6)
    jac = np.zeros(shape)
    jac[..., 0:3, 3:6] = np.eye(3)
    jac[..., 3:6, 0:3] = gravity_gradient(x[..., :3]) + np.diag([w * w, w * w, 0.0])
    jac[..., 3:6, 3:6] = np.array([[0.0, 2.0 * w, 0.0], [-2.0 * w, 0.0, 0.0], [0.0, 0.0, 0.0]])
    return jac


def propagate_with_stm(
    x: FloatArray, dt_s: float, max_step_s: float = 5.0
) -> tuple[FloatArray, FloatArray]:
    """Propagate one vacuum ballistic state and its state-transition matrix by ``dt_s``.

    The STM is the product over RK4 substeps of ``exp(F h)``, with ``F`` the Jacobian at
    the substep's midpoint (:func:`sprn.kernels.transition`).
    """
    x = np.ascontiguousarray(x, dtype=float)
    if dt_s == 0.0:
        return x.copy(), np.eye(6)
    n = max(1, math.ceil(abs(dt_s) / max_step_s))
    x_new, phi = kernels.transition(x, dt_s / n, n)
    return x_new, phi
