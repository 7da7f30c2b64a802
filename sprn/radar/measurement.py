"""The radar measurement function h(x), its inverse and its analytic Jacobian.

A measurement is ``z = [range_m, azimuth_rad, elevation_rad]`` of a target seen from a
site: slant range, azimuth clockwise from geodetic north in [0, 2 pi), and elevation
above the local geodetic horizontal (no refraction correction; refraction bends the
ray, which coverage accounts for, but a radar's reported angles are taken as corrected).
With range rate, ``z`` has a fourth element ``range_rate_mps`` (positive when opening).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sprn import kernels
from sprn.radar.site import Site

FloatArray = NDArray[np.float64]
TWO_PI = 2.0 * np.pi


def enu_of(site: Site, r_ecef_m: FloatArray) -> FloatArray:
    """Target positions ``(..., 3)`` in the site's east-north-up frame (m)."""
    d = np.asarray(r_ecef_m, dtype=float) - site.r_ecef_m
    return d @ site.enu_rotation.T


def measure(site: Site, x: FloatArray, with_range_rate: bool = False) -> FloatArray:
    """Noise-free measurement ``h(x)`` of states (or positions) with shape ``(..., 6|3)``.

    Evaluated by the compiled loop :func:`sprn.kernels.measure` (the inner call of every
    UKF update); range rate needs states, not positions.
    """
    x = np.asarray(x, dtype=float)
    rows = np.ascontiguousarray(x.reshape(-1, x.shape[-1]))
    if rows.shape[1] < 6:
        if with_range_rate:
            raise ValueError("range rate needs states (..., 6), not positions")
        rows = np.ascontiguousarray(np.pad(rows, ((0, 0), (0, 6 - rows.shape[1]))))
    z = kernels.measure(site.enu_rotation, site.r_ecef_m, rows, with_range_rate)
    return np.asarray(z.reshape(x.shape[:-1] + (z.shape[1],)), dtype=float)


def position_from_measurement(site: Site, z: FloatArray) -> FloatArray:
    """ECEF position (m) of measurements ``z = (range, az, el, ...)``; inverse of ``measure``."""
    z = np.asarray(z, dtype=float)
    if z.ndim == 1:  # one report (the tracker's every scan): scalar arithmetic, no temporaries
        r1, a1, e1 = float(z[0]), float(z[1]), float(z[2])
        horiz = r1 * math.cos(e1)
        return site.r_ecef_m + np.array([horiz * math.sin(a1), horiz * math.cos(a1), r1 * math.sin(e1)]) @ site.enu_rotation
    rng, az, el = z[..., 0], z[..., 1], z[..., 2]
    enu = np.stack(
        [rng * np.cos(el) * np.sin(az), rng * np.cos(el) * np.cos(az), rng * np.sin(el)], axis=-1
    )
    return site.r_ecef_m + enu @ site.enu_rotation


def measurement_jacobian(site: Site, x: FloatArray, with_range_rate: bool = False) -> FloatArray:
    """Analytic Jacobian ``dh/dx`` (3x6 or 4x6) of ``measure`` at one state ``x`` (6,)."""
    x = np.asarray(x, dtype=float)
    rot = site.enu_rotation
    e, n, u = enu_of(site, x[:3])
    horiz2 = e * e + n * n
    horiz = np.sqrt(horiz2)
    rng2 = horiz2 + u * u
    rng = np.sqrt(rng2)
    d_range = np.array([e, n, u]) / rng
    d_az = np.array([n, -e, 0.0]) / horiz2
    d_el = np.array([-e * u, -n * u, horiz2]) / (rng2 * horiz)
    rows = 4 if with_range_rate else 3
    jac = np.zeros((rows, 6))
    jac[0, :3] = d_range @ rot
    jac[1, :3] = d_az @ rot
    jac[2, :3] = d_el @ rot
    if with_range_rate:
        los = (x[:3] - site.r_ecef_m) / rng
        v = x[3:6]
        jac[3, :3] = (v - los * (los @ v)) / rng
        jac[3, 3:6] = los
    return jac


def residual(z_a: FloatArray, z_b: FloatArray) -> FloatArray:
    """``z_a - z_b`` with the azimuth difference wrapped into [-pi, pi)."""
    d = np.subtract(z_a, z_b, dtype=float)
    if d.ndim == 1:  # one measurement (every filter update): scalar arithmetic, the same wrap
        d[1] = (float(d[1]) + math.pi) % TWO_PI - math.pi
    else:
        d[..., 1] = (d[..., 1] + np.pi) % TWO_PI - np.pi
    return d


@dataclass(frozen=True, slots=True)
class Dwell:
    """A dwell's header: which site looked, when (s after the epoch), and whether with its
    track waveform (``tracking``: the longer track dwell) or its search one.

    A radar sends it with every dwell's reports, and alone for a dwell that gave none:
    the command centre counts a dwell on a track's position that gave no report as a
    miss (:class:`sprn.tracking.tracker.Tracker`)."""

    t_s: float
    site: str
    tracking: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Detection:
    """One radar report: a noisy measurement of the target by a site at a time.

    ``z`` is ``(range_m, azimuth_rad, elevation_rad[, range_rate_mps])`` and ``sigma`` the
    standard deviations the radar reports with it (same units); ``t_s`` is the time of
    the measurement (s after the scenario epoch), ``t_arrival_s`` when the report reached
    the command centre; ``rcs_dbsm`` the radar cross-section the radar estimates from the
    echo's power (dB relative to 1 m^2; NaN when not reported).
    """

    t_s: float
    site: str
    z: FloatArray
    sigma: FloatArray
    snr_db: float = float("nan")
    t_arrival_s: float = float("nan")
    rcs_dbsm: float = float("nan")
    _covariance: FloatArray | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("z", "sigma"):
            arr = np.array(getattr(self, name), dtype=float)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    @property
    def covariance(self) -> FloatArray:
        """Measurement noise covariance R (diagonal), read-only (worked out once: a report's
        every innovation asks for it)."""
        if self._covariance is None:
            cov = np.diag(self.sigma**2)
            cov.setflags(write=False)
            object.__setattr__(self, "_covariance", cov)
        assert self._covariance is not None
        return self._covariance


def noisy_measurement(
    site: Site,
    x: FloatArray,
    sigma: FloatArray,
    rng: np.random.Generator,
    bias: FloatArray | None = None,
) -> FloatArray:
    """A measurement of state ``x`` with Gaussian noise of std ``sigma`` (and a fixed bias).

    Range rate is included when ``sigma`` has four elements. Azimuth wraps to [0, 2 pi).
    """
    sigma = np.asarray(sigma, dtype=float)
    z = measure(site, x, with_range_rate=sigma.size == 4)
    z = z + rng.standard_normal(sigma.size) * sigma
    if bias is not None:
        z = z + np.asarray(bias, dtype=float)
    z[1] %= TWO_PI
    return z
