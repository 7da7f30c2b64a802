"""The launch area and azimuth from one satellite's boost-phase lines of sight.

One satellite measures directions, not ranges. The centre puts the plume at an assumed
height ``h`` (the plume is first seen just above the cloud tops; ``h`` is the cloud top
plus a margin, with a standard deviation that covers the climb during the first reports)
and intersects each line of sight with that height, raised for each later report by an
assumed climb rate (``climb_mps``: sprn's Hwasong-12 climbs at 0.6 to 1.0 km/s 60 to 80 s into its
burn; without it, the climb between two reports moves the second point away from the
satellite and biases the azimuth by tens of degrees) (:func:`sprn.space.measurement.ray_at_height`).
The launch area is the mean of the first points; its covariance adds, linearised:

* the height's uncertainty, along the ground projection of the line of sight
  (``d point / d h``, by central differences);
* the angular noise, across both directions of the line of sight (each report's own
  ``sigma``, divided by the number of reports averaged);
* the missile's own travel from the pad by the time it is seen (``sigma_downrange_m``, in
  every direction, since the azimuth is not known yet).

The azimuth is the bearing from the first to the last point, with the standard deviation
of a bearing between two points each known to the noise above, plus the climb rate's
uncertainty (``sigma_climb_mps``) over the time between them, along ``d point / d h``. A missile that climbs
while it is seen moves its points away from the satellite's sub-point as well as
downrange, so the azimuth is biased when the satellite looks obliquely: the result says
from how far apart the points are, and the docs measure the error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sprn import geo
from sprn.space.measurement import AnglesDetection, ray_at_height

FloatArray = NDArray[np.float64]
CHI2_2_95 = 5.991464547107979
"""The 95 % quantile of chi-square with 2 degrees of freedom (an ellipse's scale squared)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LaunchArea:
    """The launch area (95 % ellipse) and azimuth (deg) estimated at ``t_s`` from ``reports`` lines of sight."""

    t_s: float
    lat_deg: float
    lon_deg: float
    semi_major_km: float
    semi_minor_km: float
    orientation_deg: float
    azimuth_deg: float | None
    sigma_azimuth_deg: float | None
    reports: int
    azimuth_from: str = "one satellite"


def azimuth_from_positions(t_s: FloatArray, points: FloatArray, covs: FloatArray) -> tuple[float, float] | None:
    """The launch azimuth (deg) from triangulated boost positions, and its standard deviation.

    A straight ground track ``h(t) = a + b t`` is fitted by generalised least squares to the
    positions' horizontal components (east, north at the first position; each weighted by
    the inverse of its horizontal covariance); the azimuth is the direction of ``b`` and its
    variance ``g' Cov(b) g`` with ``g`` the gradient of ``atan2(b_e, b_n)``. A boost
    accelerates along its azimuth, so the fit's velocity keeps the direction though not the
    speed. Two satellites see the climb, so the height no longer biases it. None with fewer
    than three positions, or a singular fit.
    """
    if len(points) < 3:
        return None
    lat0, lon0, _ = geo.ecef_to_lla(points[0])
    rot = geo.enu_rotation(float(lat0), float(lon0))[:2]
    t = np.asarray(t_s, dtype=float) - float(t_s[0])
    normal = np.zeros((4, 4))
    rhs = np.zeros(4)
    for ti, x, c in zip(t, points, covs):
        h = rot @ (x - points[0])
        w = np.linalg.inv(rot @ c @ rot.T)
        a = np.hstack([np.eye(2), ti * np.eye(2)])
        normal += a.T @ w @ a
        rhs += a.T @ w @ h
    try:
        cov = np.linalg.inv(normal)
    except np.linalg.LinAlgError:
        return None
    b = (cov @ rhs)[2:]
    speed2 = float(b @ b)
    if not speed2 > 0.0:
        return None
    g = np.array([b[1], -b[0]]) / speed2
    sigma = math.sqrt(max(float(g @ cov[2:, 2:] @ g), 0.0))
    return math.degrees(math.atan2(float(b[0]), float(b[1]))) % 360.0, math.degrees(sigma)


def _enu_cov(points: FloatArray, lat: float, lon: float) -> FloatArray:
    rot = geo.enu_rotation(lat, lon)[:2]
    return np.asarray(points @ rot.T, dtype=float)


def estimate_launch_area(
    reports: Sequence[AnglesDetection], h_m: float, sigma_h_m: float, sigma_downrange_m: float,
    climb_mps: float = 700.0, sigma_climb_mps: float = 300.0,
) -> LaunchArea | None:
    """The launch area and azimuth from angles-only reports of one boost (module notes).

    None when no line of sight reaches the assumed height.
    """
    pts: list[FloatArray] = []
    derivs: list[FloatArray] = []
    cross: list[float] = []
    t0 = reports[0].t_s if reports else 0.0
    for rep in reports:
        u = rep.los_ecef
        h = h_m + climb_mps * (rep.t_s - t0)
        p = ray_at_height(rep.observer.r_ecef_m, u, h)
        lo = ray_at_height(rep.observer.r_ecef_m, u, h - 1000.0)
        hi = ray_at_height(rep.observer.r_ecef_m, u, h + 1000.0)
        if p is None or lo is None or hi is None:
            continue
        pts.append(p)
        derivs.append((hi - lo) / 2000.0)
        rho = float(np.linalg.norm(p - rep.observer.r_ecef_m))
        cross.append(float(np.mean(rep.sigma)) * rho)
    if not pts:
        return None
    points = np.array(pts)
    centre = points.mean(axis=0)
    lat, lon, _ = geo.ecef_to_lla(centre)
    lat_f, lon_f = float(lat), float(lon)
    d_h = _enu_cov(np.mean(derivs, axis=0), lat_f, lon_f)
    # Angular noise moves the point across the line of sight; on the ground it is stretched
    # along the line of sight's projection by 1 / sin(elevation), which d_h carries: use the
    # cross-range noise in both ground axes, stretched by |d_h| along it.
    n = len(pts)
    sigma_cross = float(np.sqrt(np.mean(np.square(cross)) / n))
    along = d_h / max(float(np.linalg.norm(d_h)), 1e-12)
    stretch = math.hypot(1.0, float(np.linalg.norm(d_h)))
    cov = (sigma_h_m**2) * np.outer(d_h, d_h) + sigma_cross**2 * (
        np.eye(2) + (stretch**2 - 1.0) * np.outer(along, along)) + sigma_downrange_m**2 * np.eye(2)
    vals, vecs = np.linalg.eigh(cov)
    major = vecs[:, 1]
    az = sigma_az = None
    if n >= 2:
        lat0, lon0, _ = geo.ecef_to_lla(points[0])
        lat1, lon1, _ = geo.ecef_to_lla(points[-1])
        bearing, dist = geo.geodesic_inverse_deg(math.degrees(float(lat0)), math.degrees(float(lon0)),
                                                 math.degrees(float(lat1)), math.degrees(float(lon1)))
        # The last point's error from the climb rate's: sigma_climb * dt along d point / d h.
        climb_err = sigma_climb_mps * (reports[-1].t_s - t0) * float(np.linalg.norm(d_h))
        point_sigma = math.sqrt(sigma_cross**2 * n * stretch**2 + 0.5 * climb_err**2)
        if float(dist) > 0.0:
            az = float(bearing)
            sigma_az = math.degrees(math.atan2(math.sqrt(2.0) * point_sigma, float(dist)))
    k = math.sqrt(CHI2_2_95)
    return LaunchArea(
        t_s=float(reports[-1].t_s), lat_deg=math.degrees(lat_f), lon_deg=math.degrees(lon_f),
        semi_major_km=k * math.sqrt(max(float(vals[1]), 0.0)) / 1e3,
        semi_minor_km=k * math.sqrt(max(float(vals[0]), 0.0)) / 1e3,
        orientation_deg=math.degrees(math.atan2(float(major[0]), float(major[1]))) % 180.0,
        azimuth_deg=az, sigma_azimuth_deg=sigma_az, reports=n,
    )
