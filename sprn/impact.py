"""Impact-point prediction with uncertainty from a track state and covariance.

The state's distribution is represented by symmetric sigma points (Julier & Uhlmann
2004, the 2n-point set), each propagated through free flight and reentry with drag to
0 m geodetic altitude in one vectorised integration. The impact points' spread in the
local horizontal plane gives the ground ellipse; the semi-axes for probability ``p`` are
``sqrt(chi2_2(p))`` times the standard deviations (2.448 for 95 %, 1.177 for 50 %).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sprn import dynamics, geo, kernels

if TYPE_CHECKING:
    from sprn.territory import Territory

FloatArray = NDArray[np.float64]
MAX_FLIGHT_S = 7200.0
TERRITORY_SAMPLES = 400
K95 = float(np.sqrt(-2.0 * np.log(0.05)))
K50 = float(np.sqrt(-2.0 * np.log(0.50)))


@dataclass(frozen=True, slots=True, kw_only=True)
class ImpactPrediction:
    """A predicted impact: point, time and ground uncertainty.

    ``t_s`` is the time of the state the prediction was made from; the ellipse is the
    95 % one (``*_50_km`` the 50 % one); ``orientation_deg`` is the major axis's
    azimuth, clockwise from north, in [0, 180).
    """

    t_s: float
    lat_deg: float
    lon_deg: float
    t_impact_s: float
    sigma_t_impact_s: float
    semi_major_km: float
    semi_minor_km: float
    orientation_deg: float
    semi_major_50_km: float
    semi_minor_50_km: float
    sample_lat_deg: FloatArray
    sample_lon_deg: FloatArray

    def __post_init__(self) -> None:
        for name in ("sample_lat_deg", "sample_lon_deg"):
            arr = np.array(getattr(self, name), dtype=float)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)


def propagate_to_ground(
    x: FloatArray, inv_beta_m2_kg: FloatArray | float = 0.0, backward: bool = False
) -> tuple[FloatArray, FloatArray]:
    """Fly unpowered states ``(m, 6)`` to 0 m geodetic height (back in time if ``backward``).

    Returns the time of flight (s, negative when ``backward``; NaN if the ground is not
    reached within two hours) and the states there ``(m, 6)``. RK4 with steps by height
    (60 s above 500 km, 20 s above 200 km, 5 s above 80 km, 1 s below: within 0.2 m of
    the truth integrator's impact from any state of the Kusong flight); the crossing is
    found by the secant method on the last step, to well under a metre. The loop is the
    compiled :func:`sprn.kernels.to_ground`.
    """
    rows, beta = dynamics.state_rows(np.atleast_2d(np.asarray(x, dtype=float)), inv_beta_m2_kg)
    t, xg = kernels.to_ground(rows, beta, -1.0 if backward else 1.0, MAX_FLIGHT_S)
    return np.asarray(t, dtype=float), np.asarray(xg, dtype=float)


def sigma_points(x: FloatArray, p: FloatArray) -> FloatArray:
    """The 2n symmetric sigma points ``x +/- sqrt(n) L_i`` (equal weights 1/2n).

    The spherical cubature rule: the scaled points of :func:`sprn.kernels.sigma_points`
    with ``alpha = 1, kappa = 0`` (spread ``n``) but for the centre point, whose weight
    is zero there.
    """
    x = np.ascontiguousarray(x, dtype=float)
    sym = np.ascontiguousarray(0.5 * (p + p.T), dtype=float)
    return np.asarray(kernels.sigma_points(x, sym, float(x.size))[1:], dtype=float)


def predict_impact(
    x: FloatArray,
    p: FloatArray,
    t_s: float,
    inv_beta_m2_kg: float,
    sigma_inv_beta_m2_kg: float = 0.0,
) -> ImpactPrediction:
    """Predict the impact of a track state ``x`` (6,) with covariance ``p`` at ``t_s``.

    The inverse ballistic coefficient is an uncertain parameter of standard deviation
    ``sigma_inv_beta_m2_kg``, augmented to the sigma points.
    """
    xa = np.concatenate([np.asarray(x, dtype=float), [inv_beta_m2_kg]])
    pa = np.zeros((7, 7))
    pa[:6, :6] = p
    pa[6, 6] = max(sigma_inv_beta_m2_kg, 1e-12 * max(inv_beta_m2_kg, 1e-9)) ** 2
    pts = sigma_points(xa, pa)
    tof, xi = propagate_to_ground(pts[:, :6], np.maximum(pts[:, 6], 0.0))
    if np.isnan(tof).any():
        raise ValueError("a sigma point of the track state does not come down within two hours")
    lat, lon, _ = geo.ecef_to_lla(xi[:, :3])
    r_mean = geo.lla_to_ecef(*_mean_latlon(lat, lon), 0.0)
    lat_m, lon_m, _ = geo.ecef_to_lla(r_mean)
    rot = geo.enu_rotation(float(lat_m), float(lon_m))
    en = ((xi[:, :3] - r_mean) @ rot.T)[:, :2]
    cov = en.T @ en / len(en)
    major, minor, orient = _ellipse(cov)
    return ImpactPrediction(
        t_s=t_s,
        lat_deg=float(np.degrees(lat_m)),
        lon_deg=float(np.degrees(lon_m)),
        t_impact_s=float(t_s + tof.mean()),
        sigma_t_impact_s=float(tof.std()),
        semi_major_km=K95 * major / 1000.0,
        semi_minor_km=K95 * minor / 1000.0,
        orientation_deg=orient,
        semi_major_50_km=K50 * major / 1000.0,
        semi_minor_50_km=K50 * minor / 1000.0,
        sample_lat_deg=np.degrees(lat),
        sample_lon_deg=np.degrees(lon),
    )


def _mean_latlon(lat: FloatArray, lon: FloatArray) -> tuple[float, float]:
    """Mean of points on the ellipsoid, through the mean of their unit vectors."""
    u = geo.lla_to_ecef(lat, lon, 0.0).mean(axis=0)
    lat_m, lon_m, _ = geo.ecef_to_lla(u)
    return float(lat_m), float(lon_m)


def _ellipse(cov: FloatArray) -> tuple[float, float, float]:
    """Standard deviations along the principal axes (m) and the major axis azimuth (deg)."""
    vals, vecs = np.linalg.eigh(cov)
    major_vec = vecs[:, 1]
    orient = float(np.degrees(np.arctan2(major_vec[0], major_vec[1])) % 180.0)
    return float(np.sqrt(max(vals[1], 0.0))), float(np.sqrt(max(vals[0], 0.0))), orient


def ground_samples(pred: ImpactPrediction, rng: np.random.Generator, n: int = TERRITORY_SAMPLES) -> tuple[FloatArray, FloatArray]:
    """``n`` impact points (lat, lon deg) drawn from the prediction's ground Gaussian."""
    a = np.radians(pred.orientation_deg)
    axes = np.array([[np.sin(a), np.cos(a)], [np.cos(a), -np.sin(a)]])  # major, minor unit vectors (E, N)
    sig = np.array([pred.semi_major_km, pred.semi_minor_km]) * 1000.0 / K95
    en = (rng.standard_normal((n, 2)) * sig) @ axes
    lat0, lon0 = np.radians(pred.lat_deg), np.radians(pred.lon_deg)
    r = geo.lla_to_ecef(lat0, lon0, 0.0) + en @ geo.enu_rotation(lat0, lon0)[:2]
    lat, lon, _ = geo.ecef_to_lla(r)
    return np.degrees(lat), np.degrees(lon)


def territory_probabilities(
    pred: ImpactPrediction, territories: Sequence[Territory], rng: np.random.Generator
) -> tuple[float, ...]:
    """Probabilities that the impact is on each territory's land, from one sample.

    Each integrates the prediction's ground Gaussian (mean and 95 % ellipse) by sampling it
    with ``rng`` (:data:`TERRITORY_SAMPLES` draws: a standard error of at most 2.5 %, far
    less near 0 or 1); the same draws serve every territory.
    """
    from sprn.territory import p_on_territory  # here: shapely and the borders, which predictions alone do not need

    lat, lon = ground_samples(pred, rng)
    return tuple(float(p_on_territory(t, lat, lon)) for t in territories)
