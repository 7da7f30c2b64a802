"""Where a site can see: refracted horizon, elevation limits, range limits, azimuth sector.

Refraction model
----------------
Rays are traced through a spherically stratified exponential atmosphere, the CRPL
Exponential Reference Atmosphere ``N(h) = 313 exp(-h / 7 km)`` N-units, ``n = 1 + 1e-6 N``
(B. R. Bean and E. J. Dutton, *Radio Meteorology*, NBS Monograph 92, 1966; ITU-R P.453
gives the same form with N0 = 315, H = 7.35 km). We use it rather than the 4/3-Earth
model because early-warning targets are hundreds to thousands of kilometres up: the
4/3 model keeps bending the ray at the surface gradient all the way to the target and so
overstates the horizon gain for high targets, while in the exponential atmosphere the
bending stops above ~50 km (total bending of a horizontal ray ~0.7 deg). Near the ground
the two agree (the exponential profile's surface gradient gives k = 1.40).

The ray obeys Bouguer's law ``n r cos(theta) = const`` (Snell's law in spherical
layers). Its central angle is integrated after the substitution ``n r = c cosh(w)``, which
removes the turning-point singularity, up to 150 km (where N < 1e-6); beyond, the ray is
a straight line. The geometry of the ray is that of the sphere osculating the WGS84
ellipsoid at the site (Gaussian mean radius); the resulting refraction correction of the
elevation is added to the exact ellipsoidal geometric elevation from
:func:`sprn.radar.measurement.measure`. Targets at or below the site's height get no
correction. Elevation limits are apparent (refracted) elevations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sprn import geo
from sprn.radar.measurement import TWO_PI, enu_of
from sprn.radar.site import Site

FloatArray = NDArray[np.float64]

N0_UNITS = 313.0
"""Surface refractivity of the CRPL exponential reference atmosphere (N-units)."""
SCALE_HEIGHT_M = 7000.0
"""Refractivity scale height (m)."""
TOP_M = 150e3
"""Height above which the atmosphere is taken as vacuum (N < 2e-7)."""
_RAY_POINTS = 4001
MAX_BENDING_RAD = 0.05
"""Bound on the refraction correction (total bending of a horizontal ray is 0.0135 rad;
a ray dipping from a mountain site to sea level and back bends about twice that)."""


@overload
def in_sector(site: Site, az_rad: float) -> bool: ...
@overload
def in_sector(site: Site, az_rad: NDArray[np.float64]) -> NDArray[np.bool_]: ...
def in_sector(site: Site, az_rad: float | NDArray[np.float64]) -> bool | NDArray[np.bool_]:
    """Whether azimuths (rad) lie inside the site's sector; wraps across north. A float
    gives a bool (the tracker asks for one track at a time)."""
    half = 0.5 * site.sector_width_rad
    if isinstance(az_rad, float):
        return site.sector_width_rad >= TWO_PI or bool(_off_boresight(site, az_rad) <= half)
    if site.sector_width_rad >= TWO_PI:
        return np.ones(np.shape(az_rad), dtype=bool)
    return np.asarray(_off_boresight(site, np.asarray(az_rad)) <= half)


def _off_boresight(site: Site, az_rad: Any) -> Any:
    """``|az - boresight|`` wrapped into [0, pi] (rad), of a float or an array."""
    return abs((az_rad - site.boresight_az_rad + math.pi) % TWO_PI - math.pi)


def principal_radii_m(lat_rad: float) -> tuple[float, float]:
    """Meridian (M) and prime-vertical (N) radii of curvature of WGS84 at ``lat_rad`` (m)."""
    w2 = 1.0 - geo.E2 * math.sin(lat_rad) ** 2
    n = geo.A_M / math.sqrt(w2)
    return n * (1.0 - geo.E2) / w2, n


def mean_radius_m(lat_rad: float) -> float:
    """Gaussian mean radius of curvature ``sqrt(M N)`` of the WGS84 ellipsoid (m)."""
    m, n = principal_radii_m(lat_rad)
    return math.sqrt(m * n)


def azimuth_radius_m(lat_rad: float, az_rad: ArrayLike) -> FloatArray:
    """Radius of curvature of the normal section in azimuth ``az`` (Euler's theorem, m)."""
    m, n = principal_radii_m(lat_rad)
    s2 = np.sin(np.asarray(az_rad, dtype=float)) ** 2
    return np.asarray(1.0 / ((1.0 - s2) / m + s2 / n), dtype=float)


def refractive_index(h_m: ArrayLike, n0_units: float = N0_UNITS) -> FloatArray:
    """Refractive index ``1 + 1e-6 N0 exp(-h / H)`` at height ``h_m``."""
    return np.asarray(1.0 + 1e-6 * n0_units * np.exp(-np.asarray(h_m, dtype=float) / SCALE_HEIGHT_M), dtype=float)


def _dn_dr(h_m: FloatArray, n0_units: float) -> FloatArray:
    return np.asarray(-1e-6 * n0_units / SCALE_HEIGHT_M * np.exp(-h_m / SCALE_HEIGHT_M), dtype=float)


def _radius_of_modified(x: FloatArray, radius_m: float, n0_units: float) -> FloatArray:
    """Solve ``n(r) r = x`` for ``r`` by Newton's method (``n r`` grows with ``r``)."""
    r = x / refractive_index(np.maximum(x - radius_m, 0.0), n0_units)
    for _ in range(5):
        h = r - radius_m
        n = refractive_index(h, n0_units)
        r = r - (n * r - x) / (n + r * _dn_dr(h, n0_units))
    return r


def _dphi_dw(w: FloatArray, c: float, radius_m: float, n0_units: float) -> FloatArray:
    """``dphi/dw`` along a ray with Bouguer constant ``c``, where ``n r = c cosh w``."""
    r = _radius_of_modified(c * np.cosh(w), radius_m, n0_units)
    h = r - radius_m
    return np.asarray((c / r) / (refractive_index(h, n0_units) + r * _dn_dr(h, n0_units)), dtype=float)


@lru_cache(maxsize=512)
def _limit_ray(
    theta0: float, r0: float, radius_m: float, n0_units: float
) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    """Central angle along the ray leaving radius ``r0`` at apparent elevation ``theta0``.

    Returns ``(w, phi, dphi_dw, c)``: the ray's hyperbolic variable ``w`` (``n r = c cosh
    w``) on a grid of its ascending branch from ``r0`` up to ``TOP_M``, the central angle
    and its derivative there (Simpson's rule per interval), and the Bouguer constant
    ``c = n0 r0 cos(theta0)``. A ray leaving below the horizontal first descends to its
    perigee (``w = 0``) and then ascends; its table starts where it climbs back through
    ``r0``.
    """
    n_site = float(refractive_index(r0 - radius_m, n0_units))
    c = n_site * r0 * math.cos(theta0)
    x_top = float(refractive_index(TOP_M, n0_units)) * (radius_m + TOP_M)
    w0 = math.acosh(max(n_site * r0 / c, 1.0))
    w = np.linspace(0.0 if theta0 < 0.0 else w0, math.acosh(x_top / c), _RAY_POINTS)
    if theta0 < 0.0:
        w = np.union1d(w, [w0])
    f = _dphi_dw(w, c, radius_m, n0_units)
    f_mid = _dphi_dw(0.5 * (w[1:] + w[:-1]), c, radius_m, n0_units)
    step = np.diff(w) / 6.0 * (f[:-1] + 4.0 * f_mid + f[1:])
    phi = np.concatenate([[0.0], np.cumsum(step)])
    if theta0 < 0.0:
        i0 = int(np.searchsorted(w, w0))
        w, f, phi = w[i0:], f[i0:], phi[i0:] + phi[i0]
    for a in (w, phi, f):
        a.setflags(write=False)
    return w, phi, f, c


def _hermite(x: FloatArray, xs: FloatArray, ys: FloatArray, ds: FloatArray) -> FloatArray:
    """Cubic Hermite interpolation of ``y(x)`` from values ``ys`` and slopes ``ds``."""
    i = np.clip(np.searchsorted(xs, x) - 1, 0, xs.size - 2)
    h = xs[i + 1] - xs[i]
    t = (x - xs[i]) / h
    t2, t3 = t * t, t * t * t
    return np.asarray(
        (2 * t3 - 3 * t2 + 1) * ys[i]
        + (t3 - 2 * t2 + t) * h * ds[i]
        + (3 * t2 - 2 * t3) * ys[i + 1]
        + (t3 - t2) * h * ds[i + 1],
        dtype=float,
    )


def ray_central_angle(
    theta0_rad: float, r0_m: float, radius_m: float, r_target_m: ArrayLike, n0_units: float = N0_UNITS
) -> FloatArray:
    """Central angle (rad) at which the ray of apparent elevation ``theta0`` reaches ``r``.

    ``r0_m`` is the site's distance from the centre of a sphere of radius ``radius_m``;
    targets must be at ``r >= r0``. With ``n0_units = 0`` the ray is a straight line.
    """
    w_tab, phi_tab, f_tab, c = _limit_ray(float(theta0_rad), float(r0_m), float(radius_m), float(n0_units))
    r_t = np.asarray(r_target_m, dtype=float)
    r_top = radius_m + TOP_M
    x_t = refractive_index(r_t - radius_m, n0_units) * r_t
    w_t = np.clip(np.arccosh(np.maximum(x_t / c, 1.0)), w_tab[0], w_tab[-1])
    inside = _hermite(w_t, w_tab, phi_tab, f_tab)
    above = (
        float(phi_tab[-1]) + np.arccos(np.clip(c / np.maximum(r_t, r_top), -1.0, 1.0)) - math.acos(min(c / r_top, 1.0))
    )
    return np.asarray(np.where(r_t <= r_top, inside, above), dtype=float)


def elevation_correction(
    theta0_rad: float, r0_m: float, radius_m: float, r_target_m: ArrayLike, n0_units: float = N0_UNITS
) -> FloatArray:
    """Refraction correction ``theta0 - eps`` (rad) at target radius ``r``.

    ``eps`` is the geometric (straight-line) elevation, seen from the site, of the point
    where the ray of apparent elevation ``theta0`` reaches radius ``r``. A target at that
    radius has apparent elevation >= ``theta0`` exactly when its geometric elevation is
    >= ``eps``. Zero for targets at or below the site.
    """
    r_t = np.asarray(r_target_m, dtype=float)
    phi = ray_central_angle(theta0_rad, r0_m, radius_m, r_t, n0_units)
    eps = np.arctan2(r_t * np.cos(phi) - r0_m, r_t * np.sin(phi))
    return np.asarray(np.where(r_t > r0_m + 1.0, theta0_rad - eps, 0.0), dtype=float)


def site_refraction_correction(site: Site, theta0_rad: float, height_m: ArrayLike, az_rad: ArrayLike) -> FloatArray:
    """Refraction correction (rad) for targets at ellipsoidal ``height_m`` in azimuth ``az``.

    The correction is computed on the spheres of the two principal radii of curvature at
    the site and blended with the weight ``sin(az)^2`` of Euler's theorem, i.e. on the
    sphere osculating the ellipsoid's normal section towards the target (to first order in
    the curvature difference).
    """
    h = np.asarray(height_m, dtype=float)
    m, n = principal_radii_m(site.lat_rad)
    corr_m = elevation_correction(theta0_rad, m + site.alt_m, m, m + h)
    corr_n = elevation_correction(theta0_rad, n + site.alt_m, n, n + h)
    s2 = np.sin(np.asarray(az_rad, dtype=float)) ** 2
    return np.asarray(corr_m + (corr_n - corr_m) * s2, dtype=float)


def horizon_range_m(
    site: Site, altitude_m: ArrayLike, refraction: bool = True, az_rad: float | None = None
) -> FloatArray:
    """Slant range (m) to the farthest visible point at ``altitude_m`` above the ellipsoid.

    The point where the ray at the site's minimum (apparent) elevation reaches that
    altitude, on the sphere osculating the ellipsoid towards azimuth ``az_rad`` (the
    Gaussian mean sphere when ``az_rad`` is None); sector and range limits are ignored.
    """
    radius = mean_radius_m(site.lat_rad) if az_rad is None else float(azimuth_radius_m(site.lat_rad, az_rad))
    r0 = radius + site.alt_m
    r_t = radius + np.asarray(altitude_m, dtype=float)
    phi = ray_central_angle(site.min_el_rad, r0, radius, r_t, N0_UNITS if refraction else 0.0)
    return np.asarray(np.sqrt(r0**2 + r_t**2 - 2.0 * r0 * r_t * np.cos(phi)), dtype=float)


def _apparent_within(
    site: Site, theta0: float, el: FloatArray, az: FloatArray, height: FloatArray, r: FloatArray | None, above: bool
) -> NDArray[np.bool_]:
    """Whether apparent elevations are ``>= theta0`` (``above``) or ``<= theta0``.

    The refraction correction is >= 0 and below ``MAX_BENDING_RAD``, so it is computed
    only for the points within that margin of the limit (heights from ``r`` if needed).
    """
    ok = np.array(el >= theta0 if above else el <= theta0)
    near = (
        (el < theta0) & (el >= theta0 - MAX_BENDING_RAD) if above else (el <= theta0) & (el > theta0 - MAX_BENDING_RAD)
    )
    if near.any():
        h = geo.ecef_to_lla(r[near])[2] if r is not None else np.broadcast_to(height, el.shape)[near]
        apparent = el[near] + site_refraction_correction(site, theta0, h, az[near])
        ok[near] = apparent >= theta0 if above else apparent <= theta0
    return np.asarray(ok, dtype=bool)


def _visible_at_height(site: Site, r_ecef_m: FloatArray, height_m: float | None, refraction: bool) -> NDArray[np.bool_]:
    """Coverage test; ``height_m`` is the targets' common height (None: from ``r_ecef_m``)."""
    e, n, u = np.moveaxis(enu_of(site, r_ecef_m), -1, 0)
    horiz = np.hypot(e, n)
    rng = np.sqrt(horiz**2 + u**2)
    el = np.asarray(np.arctan2(u, horiz), dtype=float)
    az = np.asarray(np.arctan2(e, n) % TWO_PI, dtype=float)
    inside = (rng <= site.max_range_m) & (rng >= site.min_range_m) & in_sector(site, az)
    if not refraction:
        return np.asarray(inside & (el >= site.min_el_rad) & (el <= site.max_el_rad), dtype=bool)
    r = np.asarray(r_ecef_m, dtype=float) if height_m is None else None
    h = np.asarray(0.0 if height_m is None else height_m, dtype=float)
    low = _apparent_within(site, site.min_el_rad, el, az, h, r, above=True)
    high = el <= site.max_el_rad
    if site.max_el_rad < 0.5 * np.pi:
        high = _apparent_within(site, site.max_el_rad, el, az, h, r, above=False)
    return np.asarray(inside & low & high, dtype=bool)


def visible(site: Site, r_ecef_m: NDArray[np.float64], refraction: bool = True) -> NDArray[np.bool_]:
    """Whether positions ``(..., 3)`` (m, ECEF) are inside the site's coverage.

    Coverage: apparent elevation within ``[min_el, max_el]`` (with standard-atmosphere
    refraction unless ``refraction=False``), slant range within ``[min_range, max_range]``
    and azimuth inside the sector. Vectorised over the leading axes.
    """
    return _visible_at_height(site, np.asarray(r_ecef_m, dtype=float)[..., :3], None, refraction)


def grid_axes(step_deg: float) -> tuple[FloatArray, FloatArray]:
    """Latitudes ``-90..90`` and longitudes ``-180..180-step`` (deg) of a global grid."""
    if not 0.0 < step_deg <= 90.0:
        raise ValueError(f"step_deg = {step_deg!r}: expected a number in (0, 90]")
    n_lat = round(180.0 / step_deg) + 1
    n_lon = round(360.0 / step_deg)
    lat = np.asarray(np.linspace(-90.0, 90.0, n_lat), dtype=float)
    return lat, np.asarray(-180.0 + step_deg * np.arange(n_lon), dtype=float)


def coverage_grid(
    sites: Sequence[Site], altitude_m: float, step_deg: float = 1.0, refraction: bool = True
) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """Visibility of a global latitude-longitude grid at one altitude, per site.

    Returns ``(lat_deg (n_lat,), lon_deg (n_lon,), mask (n_sites, n_lat, n_lon))``;
    ``mask.any(axis=0)`` is the network's coverage.
    """
    lat, lon = grid_axes(step_deg)
    r = geo.lla_to_ecef(np.radians(lat)[:, None], np.radians(lon)[None, :], float(altitude_m))
    mask = np.zeros((len(sites), lat.size, lon.size), dtype=bool)
    for i, s in enumerate(sites):
        mask[i] = _visible_at_height(s, r, float(altitude_m), refraction)
    return lat, lon, mask
