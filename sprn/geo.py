"""WGS84 geometry: geodetic, ECEF and local ENU frames, and geodesics.

The only module of sprn that imports pyproj, and only in the functions that call it (the
geodesics and :func:`lla_to_ecef_pyproj`): importing pyproj costs about 60 ms of a
process's start-up, and the closed forms here need none of it. Transformers are built
once and cached.
Angles inside sprn are radians; the ``*_deg`` functions here are the edges where degrees
come in from scenario files and go out to reports.

Constants are those of NIMA TR8350.2 (WGS84 / EGM96).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    import pyproj

GM_M3_S2 = 3.986004418e14
"""Earth's gravitational parameter, m^3/s^2 (TR8350.2)."""
A_M = 6378137.0
"""WGS84 semi-major axis, m."""
F = 1.0 / 298.257223563
"""WGS84 flattening."""
B_M = A_M * (1.0 - F)
"""WGS84 semi-minor axis, m."""
E2 = F * (2.0 - F)
"""First eccentricity squared."""
J2 = 1.082626683553e-3
"""Second zonal harmonic (unnormalised)."""
OMEGA_EARTH_RAD_S = 7.292115e-5
"""Earth's rotation rate, rad/s."""

FloatArray = NDArray[np.float64]


@cache
def _lla_to_ecef() -> pyproj.Transformer:
    import pyproj

    return pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)


@cache
def _geod() -> pyproj.Geod:
    import pyproj

    return pyproj.Geod(ellps="WGS84")


def lla_to_ecef(lat_rad: ArrayLike, lon_rad: ArrayLike, alt_m: ArrayLike) -> FloatArray:
    """Geodetic latitude, longitude (rad) and ellipsoidal height (m) to ECEF (m).

    Closed form (exact); returns an array of shape ``(..., 3)``.
    """
    lat = np.asarray(lat_rad, dtype=float)
    lon = np.asarray(lon_rad, dtype=float)
    h = np.asarray(alt_m, dtype=float)
    sin_lat = np.sin(lat)
    n = A_M / np.sqrt(1.0 - E2 * sin_lat**2)
    x = (n + h) * np.cos(lat) * np.cos(lon)
    y = (n + h) * np.cos(lat) * np.sin(lon)
    z = (n * (1.0 - E2) + h) * sin_lat
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def ecef_to_lla(r_ecef_m: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """ECEF (m), shape ``(..., 3)``, to geodetic latitude, longitude (rad) and height (m).

    Uses Bowring's initial guess refined by Newton iterations on the latitude, which is
    accurate to well below a millimetre from the Earth's centre region out past
    geostationary altitude (pyproj's inverse is 2.7 cm off at 2,000 km).
    """
    r = np.asarray(r_ecef_m, dtype=float)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    lon = np.arctan2(y, x)
    p = np.hypot(x, y)
    ep2 = E2 / (1.0 - E2)
    theta = np.arctan2(z * A_M, p * B_M)
    lat = np.arctan2(z + ep2 * B_M * np.sin(theta) ** 3, p - E2 * A_M * np.cos(theta) ** 3)
    for _ in range(4):
        lat = _refine_latitude(lat, p, z)
    sin_lat = np.sin(lat)
    # Height from the projection on the normal: well conditioned at every latitude.
    h = p * np.cos(lat) + z * sin_lat - A_M * np.sqrt(1.0 - E2 * sin_lat**2)
    return lat, lon, h


def _refine_latitude(lat: FloatArray, p: FloatArray, z: FloatArray) -> FloatArray:
    """One fixed-point step of tan(lat) = z / (p (1 - e^2 N / (N + h)))."""
    sin_lat = np.sin(lat)
    root = np.sqrt(1.0 - E2 * sin_lat**2)
    n = A_M / root
    h = p * np.cos(lat) + z * sin_lat - A_M * root
    return np.arctan2(z, p * (1.0 - E2 * n / (n + h)))


def lla_to_ecef_pyproj(lat_deg: ArrayLike, lon_deg: ArrayLike, alt_m: ArrayLike) -> FloatArray:
    """The same conversion through pyproj (degrees in); used at the edges and in tests."""
    x, y, z = _lla_to_ecef().transform(
        np.asarray(lon_deg, dtype=float), np.asarray(lat_deg, dtype=float), np.asarray(alt_m, dtype=float)
    )
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def enu_rotation(lat_rad: float, lon_rad: float) -> FloatArray:
    """Rotation matrix whose rows are the local east, north and up unit vectors in ECEF.

    ``enu = R @ (r_ecef - r_site)``. Up is the ellipsoid normal (geodetic).
    """
    sl, cl = np.sin(lat_rad), np.cos(lat_rad)
    so, co = np.sin(lon_rad), np.cos(lon_rad)
    return np.array(
        [
            [-so, co, 0.0],
            [-sl * co, -sl * so, cl],
            [cl * co, cl * so, sl],
        ]
    )


def geodesic_inverse_deg(
    lat1_deg: ArrayLike, lon1_deg: ArrayLike, lat2_deg: ArrayLike, lon2_deg: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Forward azimuth (deg, clockwise from north) and distance (m) on the WGS84 ellipsoid."""
    lat1, lon1, lat2, lon2 = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (lat1_deg, lon1_deg, lat2_deg, lon2_deg)))
    az, _, dist = _geod().inv(np.ascontiguousarray(lon1), np.ascontiguousarray(lat1), np.ascontiguousarray(lon2), np.ascontiguousarray(lat2))
    shape = lat1.shape
    return np.reshape(np.asarray(az, dtype=float) % 360.0, shape), np.reshape(np.asarray(dist, dtype=float), shape)


def geodesic_distance_m(
    lat1_deg: ArrayLike, lon1_deg: ArrayLike, lat2_deg: ArrayLike, lon2_deg: ArrayLike
) -> FloatArray:
    """Geodesic distance (m) on the WGS84 ellipsoid between points given in degrees."""
    return geodesic_inverse_deg(lat1_deg, lon1_deg, lat2_deg, lon2_deg)[1]


def geodesic_direct_deg(
    lat_deg: ArrayLike, lon_deg: ArrayLike, azimuth_deg: ArrayLike, distance_m: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """The point (lat, lon in deg) reached from a start point along a geodesic."""
    lat, lon, az, dist = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (lat_deg, lon_deg, azimuth_deg, distance_m)))
    lon2, lat2, _ = _geod().fwd(np.ascontiguousarray(lon), np.ascontiguousarray(lat), np.ascontiguousarray(az), np.ascontiguousarray(dist))
    return np.reshape(np.asarray(lat2, dtype=float), lat.shape), np.reshape(np.asarray(lon2, dtype=float), lat.shape)


def geodesic_line_deg(
    lat1_deg: float, lon1_deg: float, lat2_deg: float, lon2_deg: float, n: int
) -> tuple[FloatArray, FloatArray]:
    """``n`` points (lat, lon in deg) evenly spaced along the geodesic, ends included."""
    pts = _geod().npts(lon1_deg, lat1_deg, lon2_deg, lat2_deg, max(n - 2, 0))
    lons = np.array([lon1_deg] + [p[0] for p in pts] + [lon2_deg])
    lats = np.array([lat1_deg] + [p[1] for p in pts] + [lat2_deg])
    return lats, lons
