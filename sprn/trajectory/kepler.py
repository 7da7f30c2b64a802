"""Two-body free flight in closed form: the solver's fast stand-in for the coast.

From a burnout state the conic through it (point-mass gravity, no drag) gives the apogee
and, with the Earth turning underneath during the time of flight from Kepler's equation,
the impact point on the ellipsoid. J2 and drag move the true impact by kilometres on long
flights; the solver removes that difference with the truth (:mod:`solver`).

Reference: Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed., algorithms
9 (RV2COE) and 5 (Kepler's equation, elliptic case).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sprn import geo
from sprn.geo import A_M, B_M, GM_M3_S2, OMEGA_EARTH_RAD_S

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """Where free flights from a batch of states end: arrays of shape (B,).

    ``apogee_m`` is the geodetic height of the conic's apogee if it is still ahead, else
    NaN; the impact fields are NaN for a conic that does not come down.
    """

    apogee_m: FloatArray
    impact_lat_deg: FloatArray
    impact_lon_deg: FloatArray
    range_m: FloatArray
    azimuth_deg: FloatArray
    t_impact_s: FloatArray


def _rotate_z(v: FloatArray, angle: FloatArray) -> FloatArray:
    c, s = np.cos(angle), np.sin(angle)
    return np.stack([c * v[..., 0] - s * v[..., 1], s * v[..., 0] + c * v[..., 1], v[..., 2]], axis=-1)


def _eccentric_anomaly(nu: FloatArray, e: FloatArray) -> FloatArray:
    """Eccentric anomaly in [0, 2 pi) for true anomaly ``nu`` in [0, 2 pi)."""
    ecc = 2.0 * np.arctan2(np.sqrt(1.0 - e) * np.sin(nu / 2.0), np.sqrt(1.0 + e) * np.cos(nu / 2.0))
    return np.asarray(np.mod(ecc, 2.0 * np.pi), dtype=float)


def _surface_radius(sin_lat_c: FloatArray) -> FloatArray:
    """Distance from the centre to the ellipsoid at geocentric latitude asin(sin_lat_c)."""
    s2 = sin_lat_c**2
    return A_M * B_M / np.sqrt(B_M**2 * (1.0 - s2) + A_M**2 * s2)


def free_flight(t_s: FloatArray, x: FloatArray, launch_lat_deg: float, launch_lon_deg: float) -> Outcome:
    """Apogee and impact of vacuum two-body flights from ECEF states ``x`` (B, 6) at ``t_s`` (B,)."""
    t = np.asarray(t_s, dtype=float)
    w = OMEGA_EARTH_RAD_S
    r_e, v_e = x[:, :3], x[:, 3:6]
    v_in = v_e + np.stack([-w * r_e[:, 1], w * r_e[:, 0], np.zeros(len(t))], axis=-1)
    r, v = _rotate_z(r_e, w * t), _rotate_z(v_in, w * t)
    rn = np.linalg.norm(r, axis=-1)
    energy = 0.5 * np.sum(v * v, axis=-1) - GM_M3_S2 / rn
    with np.errstate(invalid="ignore", divide="ignore"):
        a = -GM_M3_S2 / (2.0 * energy)
        h = np.cross(r, v)
        e_vec = np.cross(v, h) / GM_M3_S2 - r / rn[:, None]
        e = np.linalg.norm(e_vec, axis=-1)
        p_axis = e_vec / e[:, None]
        q_axis = np.cross(h / np.linalg.norm(h, axis=-1)[:, None], p_axis)
        nu0 = np.mod(np.arctan2(np.sum(r * q_axis, -1), np.sum(r * p_axis, -1)), 2.0 * np.pi)
        semi_latus = np.sum(h * h, axis=-1) / GM_M3_S2
        ascending = nu0 < np.pi
        r_apo = -(a * (1.0 + e))[:, None] * p_axis
        apogee = np.where(ascending & (energy < 0.0), geo.ecef_to_lla(r_apo)[2], np.nan)
        radius = np.full(len(t), A_M)
        for _ in range(4):
            cos_nu = (semi_latus / radius - 1.0) / e
            nu_i = 2.0 * np.pi - np.arccos(np.clip(cos_nu, -1.0, 1.0))
            pos = radius[:, None] * (np.cos(nu_i)[:, None] * p_axis + np.sin(nu_i)[:, None] * q_axis)
            radius = _surface_radius(pos[:, 2] / radius)
        comes_down = (energy < 0.0) & (np.abs(cos_nu) <= 1.0) & (nu_i > nu0)
        mean_motion = np.sqrt(GM_M3_S2 / a**3)
        ecc0 = _eccentric_anomaly(nu0, e)
        ecc1 = _eccentric_anomaly(nu_i, e)
        dt = ((ecc1 - e * np.sin(ecc1)) - (ecc0 - e * np.sin(ecc0))) / mean_motion
        t_imp = np.where(comes_down, t + dt, np.nan)
        lat, lon, _ = geo.ecef_to_lla(_rotate_z(pos, -w * t_imp))
    lat_deg, lon_deg = np.degrees(lat), np.degrees(lon)
    az, dist = geo.geodesic_inverse_deg(np.full(len(t), launch_lat_deg), np.full(len(t), launch_lon_deg),
                                        np.nan_to_num(lat_deg), np.nan_to_num(lon_deg))
    bad = ~comes_down
    return Outcome(apogee_m=apogee, impact_lat_deg=np.where(bad, np.nan, lat_deg),
                   impact_lon_deg=np.where(bad, np.nan, lon_deg), range_m=np.where(bad, np.nan, dist),
                   azimuth_deg=np.where(bad, np.nan, az), t_impact_s=t_imp)
