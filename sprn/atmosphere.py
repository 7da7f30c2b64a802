"""U.S. Standard Atmosphere 1976: density and speed of sound against geometric altitude.

Below 86 km the model is evaluated in closed form from its defining layers (temperature
lapse rates over geopotential altitude, hydrostatic pressure). Above 86 km, where the 1976
model is defined by a kinetic-theory integration we do not reproduce, density is
log-linearly interpolated in the published table (U.S. Standard Atmosphere 1976,
NOAA-S/T 76-1562, Table I), up to 1,000 km; above that it is zero.

Why a hand-written model rather than ``ambiance`` (ICAO 1993, which stops at 81 km) or
``pymsis`` (NRLMSIS 2.x, which needs solar and geomagnetic indices a scenario does not
have): a reentry vehicle feels drag from about 120 km down, and a ballistic tracker needs
one smooth, deterministic density function it can evaluate thousands of times per second.
The 1976 standard is the usual reference for that. This module defines the model and
tabulates it (:func:`density_log_table`); the density the physics uses is the compiled
interpolation in that table, :func:`sprn.kernels.density` (on arrays,
:func:`sprn.dynamics.air_density`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

R0_M = 6356766.0
"""Effective Earth radius of the 1976 standard for geopotential altitude, m."""
G0_MPS2 = 9.80665
R_AIR = 287.05287
"""Specific gas constant of dry air, J/(kg K) (R* / M0 of the 1976 standard)."""
GAMMA_AIR = 1.4

# Base geopotential altitude (m), base temperature (K), lapse rate (K/m) of each layer.
_H_BASE_M = np.array([0.0, 11000.0, 20000.0, 32000.0, 47000.0, 51000.0, 71000.0, 84852.0])
_LAPSE_K_M = np.array([-0.0065, 0.0, 0.0010, 0.0028, 0.0, -0.0028, -0.0020, 0.0])


def _layer_bases() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    t = np.empty(len(_H_BASE_M))
    p = np.empty(len(_H_BASE_M))
    t[0], p[0] = 288.15, 101325.0
    for i in range(1, len(_H_BASE_M)):
        dh = _H_BASE_M[i] - _H_BASE_M[i - 1]
        lapse = _LAPSE_K_M[i - 1]
        t[i] = t[i - 1] + lapse * dh
        if lapse == 0.0:
            p[i] = p[i - 1] * np.exp(-G0_MPS2 * dh / (R_AIR * t[i - 1]))
        else:
            p[i] = p[i - 1] * (t[i] / t[i - 1]) ** (-G0_MPS2 / (R_AIR * lapse))
    return t, p


_T_BASE_K, _P_BASE_PA = _layer_bases()

# Table I of the 1976 standard above 86 km: geometric altitude (km), density (kg/m^3).
_UPPER_ALT_KM = np.array(
    [86, 90, 100, 110, 120, 130, 140, 150, 160, 180, 200, 250, 300, 400, 500, 600, 700, 800, 900, 1000],
    dtype=float,
)
_UPPER_RHO = np.array(
    [
        6.958e-6, 3.416e-6, 5.604e-7, 9.708e-8, 2.222e-8, 8.152e-9, 3.831e-9, 2.076e-9,
        1.233e-9, 5.194e-10, 2.541e-10, 6.073e-11, 1.916e-11, 2.803e-12, 5.215e-13,
        1.137e-13, 3.070e-14, 1.136e-14, 5.759e-15, 3.561e-15,
    ]
)
_LOG_UPPER_RHO = np.log(_UPPER_RHO)
TOP_OF_ATMOSPHERE_M = 1.0e6


def temperature_pressure(alt_m: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Temperature (K) and pressure (Pa) at geometric altitude, clipped to 0-86 km."""
    z = np.clip(np.asarray(alt_m, dtype=float), 0.0, 86000.0)
    h = R0_M * z / (R0_M + z)  # geopotential altitude
    i = np.clip(np.searchsorted(_H_BASE_M, h, side="right") - 1, 0, len(_H_BASE_M) - 1)
    lapse = _LAPSE_K_M[i]
    dh = h - _H_BASE_M[i]
    t = _T_BASE_K[i] + lapse * dh
    iso = lapse == 0.0
    safe_lapse = np.where(iso, 1.0, lapse)
    p_grad = _P_BASE_PA[i] * (t / _T_BASE_K[i]) ** (-G0_MPS2 / (R_AIR * safe_lapse))
    p_iso = _P_BASE_PA[i] * np.exp(-G0_MPS2 * dh / (R_AIR * _T_BASE_K[i]))
    return t, np.where(iso, p_iso, p_grad)


def density_exact(alt_m: ArrayLike) -> NDArray[np.float64]:
    """Air density (kg/m^3) evaluated from the model's definition (slow, exact).

    Below 0 m the sea-level value is used; above 1,000 km the density is zero.
    """
    z = np.asarray(alt_m, dtype=float)
    t, p = temperature_pressure(z)
    rho_low = p / (R_AIR * t)
    rho_high = np.exp(np.interp(z / 1000.0, _UPPER_ALT_KM, _LOG_UPPER_RHO))
    rho = np.where(z < 86000.0, rho_low, rho_high)
    return np.where(z > TOP_OF_ATMOSPHERE_M, 0.0, rho)


DENSITY_TABLE_STEP_M = 100.0
"""Altitude step (m) of the density table that :func:`sprn.kernels.density` interpolates."""
_TABLE_LOG_RHO = np.log(density_exact(np.arange(0.0, TOP_OF_ATMOSPHERE_M + DENSITY_TABLE_STEP_M,
                                                 DENSITY_TABLE_STEP_M)))


def density_log_table() -> NDArray[np.float64]:
    """Natural log of density (kg/m^3) every :data:`DENSITY_TABLE_STEP_M` from 0 m to the top (a copy).

    The fast density of the physics is the compiled log-linear interpolation in this
    table (:func:`sprn.kernels.density`, on arrays :func:`sprn.dynamics.air_density`).
    """
    return _TABLE_LOG_RHO.copy()


def speed_of_sound(alt_m: ArrayLike) -> NDArray[np.float64]:
    """Speed of sound (m/s); above 86 km the 86 km value is held."""
    t, _ = temperature_pressure(alt_m)
    return np.sqrt(GAMMA_AIR * R_AIR * t)
