"""Angles-only reports of an infrared satellite: the observer frame, the measurement, triangulation.

A satellite measures the direction of the plume, not its range. sprn writes that direction
as two angles in the **observer frame** of the satellite's position: rows ``(e, n, u)``
with ``n`` the outward radial unit vector, ``e`` the local east (``z x n``, normalised)
and ``u = e x n``. The measurement is then the radar's azimuth and elevation in that frame
(:func:`sprn.kernels.measure` without its range): ``az = atan2(e . d, n . d)`` and
``el = atan2(u . d, |(e . d, n . d)|)`` of the line of sight ``d``. Every target in front
of the Earth has ``n . d < 0``, so its azimuth lies near pi, far from the wrap at 0, and
its elevation near 0, far from the poles of the angles: the two angles are smooth where a
satellite looks. The same kernels compute them and their Jacobian for every filter (one
physics): :func:`sprn.kernels.angles_jacobian`, :func:`sprn.kernels.angles_moments`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sprn import geo, kernels

FloatArray = NDArray[np.float64]


def observer_rotation(r_obs_ecef_m: FloatArray) -> FloatArray:
    """The observer frame's rows ``(e, n, u)`` (3x3, a proper rotation) at ``r_obs_ecef_m``."""
    r = np.asarray(r_obs_ecef_m, dtype=float)
    n = r / np.linalg.norm(r)
    e = np.cross([0.0, 0.0, 1.0], n)
    if np.linalg.norm(e) < 1e-9:  # over a pole: any east will do
        e = np.array([0.0, 1.0, 0.0])
    e = e / np.linalg.norm(e)
    return np.array([e, n, np.cross(e, n)])


@dataclass(frozen=True, slots=True, kw_only=True)
class Observer:
    """Where an angles-only report was taken from: a satellite's name, ECEF position and frame.

    ``enu_rotation`` and ``r_ecef_m`` have the names of a radar :class:`~sprn.radar.site.Site`'s,
    so the filters evaluate both through the same kernels.
    """

    name: str
    r_ecef_m: FloatArray
    enu_rotation: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        r = np.array(self.r_ecef_m, dtype=float)
        rot = observer_rotation(r)
        r.setflags(write=False)
        rot.setflags(write=False)
        object.__setattr__(self, "r_ecef_m", r)
        object.__setattr__(self, "enu_rotation", rot)


def measure_angles(obs: Observer, x: FloatArray) -> FloatArray:
    """Noise-free angles ``(az, el)`` (rad) of states or positions ``(..., 6|3)`` seen by ``obs``."""
    x = np.asarray(x, dtype=float)
    rows = np.ascontiguousarray(x.reshape(-1, x.shape[-1]))
    if rows.shape[1] < 6:
        rows = np.ascontiguousarray(np.pad(rows, ((0, 0), (0, 6 - rows.shape[1]))))
    z = kernels.measure(obs.enu_rotation, obs.r_ecef_m, rows, False)[:, 1:3]
    return np.asarray(z.reshape(x.shape[:-1] + (2,)), dtype=float)


def angles_jacobian(obs: Observer, x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Angles and their Jacobian (2 x ``x.size``) at one state (:func:`sprn.kernels.angles_jacobian`)."""
    z, jac = kernels.angles_jacobian(obs.enu_rotation, obs.r_ecef_m, np.ascontiguousarray(x, dtype=float))
    return np.asarray(z, dtype=float), np.asarray(jac, dtype=float)


def line_of_sight(obs: Observer, z: FloatArray) -> FloatArray:
    """The ECEF unit vector of the direction with angles ``z = (az, el)``; inverse of :func:`measure_angles`."""
    az, el = float(z[0]), float(z[1])
    local = np.array([math.cos(el) * math.sin(az), math.cos(el) * math.cos(az), math.sin(el)])
    return np.asarray(local @ obs.enu_rotation, dtype=float)


def angles_residual(z_a: FloatArray, z_b: FloatArray) -> FloatArray:
    """``z_a - z_b`` of angles-only measurements, the azimuth difference wrapped into [-pi, pi)."""
    d = np.subtract(z_a, z_b, dtype=float)
    d[..., 0] = (d[..., 0] + np.pi) % (2.0 * np.pi) - np.pi
    return d


@dataclass(frozen=True, slots=True, kw_only=True)
class AnglesDetection:
    """One angles-only report: ``z = (az, el)`` (rad) in the observer frame, with std ``sigma``.

    The :class:`~sprn.radar.measurement.Detection` of a satellite: ``site`` is the
    satellite's name and ``observer`` its position and frame when it looked (a satellite
    moves, so each report carries its own).
    """

    t_s: float
    site: str
    z: FloatArray
    sigma: FloatArray
    observer: Observer
    snr_db: float = float("nan")
    t_arrival_s: float = float("nan")

    def __post_init__(self) -> None:
        for name in ("z", "sigma"):
            arr = np.array(getattr(self, name), dtype=float)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    @property
    def covariance(self) -> FloatArray:
        """Measurement noise covariance R (diagonal)."""
        return np.diag(self.sigma**2)

    @property
    def los_ecef(self) -> FloatArray:
        """The reported line of sight as an ECEF unit vector."""
        return line_of_sight(self.observer, self.z)


def triangulate(r_obs_m: FloatArray, u: FloatArray, sigma_rad: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The point nearest to two or more lines of sight, and its covariance.

    Lines from ``r_obs_m[i]`` (k, 3) along unit vectors ``u[i]`` with angular noise
    ``sigma_rad[i]`` (the same in both directions across the line). The weighted least
    squares point ``x = (sum W_i)^-1 sum W_i r_i`` with ``W_i = (I - u_i u_i') / (sigma_i
    rho_i)^2``, the information of a bearing at range ``rho_i`` (Bar-Shalom, Willett &
    Tian, Tracking and Data Fusion, 2011, sec. 9.2); ``rho_i`` from a first, unweighted
    solution, then once more from the weighted one. The covariance is ``(sum W_i)^-1``
    (the Cramer-Rao bound of the linearised problem).
    """
    r = np.asarray(r_obs_m, dtype=float)
    u = np.asarray(u, dtype=float)
    u = u / np.linalg.norm(u, axis=1, keepdims=True)
    proj = np.eye(3)[None, :, :] - u[:, :, None] * u[:, None, :]
    weights = np.ones(len(r))
    x = np.zeros(3)
    info = np.eye(3)
    for _ in range(3):
        info = np.einsum("k,kij->ij", weights, proj)
        x = np.linalg.solve(info, np.einsum("k,kij,kj->i", weights, proj, r))
        rho = np.linalg.norm(x - r, axis=1)
        weights = 1.0 / (np.asarray(sigma_rad, dtype=float) * rho) ** 2
    info = np.einsum("k,kij->ij", weights, proj)
    cov = np.linalg.inv(info)
    return x, 0.5 * (cov + cov.T)


def ray_at_height(r_obs_m: FloatArray, u: FloatArray, h_m: float) -> FloatArray | None:
    """Where the ray from ``r_obs_m`` along ``u`` first meets the height ``h_m`` (ECEF, m).

    The surface at height ``h`` is taken as the ellipsoid of semi-axes ``a + h``, ``b + h``
    (within 0.1 m of the true height surface for ``h`` below 100 km). None if the ray misses it.
    """
    scale = np.array([1.0, 1.0, (geo.A_M + h_m) / (geo.B_M + h_m)])
    o, d = np.asarray(r_obs_m, dtype=float) * scale, np.asarray(u, dtype=float) * scale
    a, b, c = d @ d, 2.0 * (o @ d), o @ o - (geo.A_M + h_m) ** 2
    disc = b * b - 4.0 * a * c
    if disc < 0.0:
        return None
    s = (-b - math.sqrt(disc)) / (2.0 * a)
    if s < 0.0:
        return None
    return np.asarray(np.asarray(r_obs_m, dtype=float) + s * np.asarray(u, dtype=float), dtype=float)
