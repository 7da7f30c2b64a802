"""The infrared early-warning sensor: line of sight, plume, SNR, detection and noise.

Pure functions of positions, times and the catalogue's records (no clock). The chain:

* **Line of sight** (:func:`earth_blocks`): the Earth and its limb are in the way when
  the segment from the satellite to the target passes, between its ends, below the
  grazing height (the thick atmosphere of the limb absorbs the band). A target in front
  of the Earth is seen against it (look-down): the segment's lowest point is then the
  target itself. The Earth is the WGS84 ellipsoid, made a sphere of radius ``a`` by
  scaling ``z`` by ``a / b``, where heights are those along the scaled radius (within
  0.2 % of the geodetic height, i.e. 0.1 km at the 50 km grazing height).
* **Plume** (:func:`plume_visible`, :func:`plume_intensity_w_sr`): it radiates only while
  an engine burns, and is seen only above the cloud tops (below them the clouds absorb the
  band; the atmosphere above is taken as transparent, an assumption of the data file's
  ``grazing_km`` rule). Its radiant intensity is the burning stage's vacuum thrust times
  the catalogue's intensity per newton, from its sea-level to its vacuum value as the air
  density falls (US 1976 atmosphere).
* **Detection** (:func:`snr`, :func:`detection_probability`): the irradiance ``I / R^2`` at
  the aperture against the noise-equivalent irradiance of one frame, scaled as
  ``1 / sqrt(frame time)``; a constant signal in Gaussian noise crosses the threshold
  ``T`` with probability ``Phi(SNR - T)``.
* **Angles** (:func:`los_sigma_rad`): the centroid's noise ``ifov / SNR`` (a pixel's
  width over the amplitude SNR), with a floor for pointing knowledge.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from sprn import geo
from sprn.atmosphere import density_exact
from sprn.space.catalogue import PlumeSpec, SensorSpec

FloatArray = NDArray[np.float64]
RHO0_KG_M3 = float(density_exact(0.0))
"""Sea-level density of the US 1976 atmosphere."""


def _scaled(r: FloatArray) -> FloatArray:
    return np.asarray(np.asarray(r, dtype=float) * np.array([1.0, 1.0, geo.A_M / geo.B_M]), dtype=float)


def tangent_height_m(r_obs_m: ArrayLike, r_tgt_m: ArrayLike) -> tuple[FloatArray, NDArray[np.bool_]]:
    """The lowest height along the segment from observer to target, and whether it lies between the ends.

    Shapes broadcast over ``(..., 3)``; heights on the scaled sphere (see the module notes).
    """
    o, t = _scaled(np.asarray(r_obs_m, dtype=float)), _scaled(np.asarray(r_tgt_m, dtype=float))
    d = t - o
    s = -np.sum(o * d, axis=-1) / np.sum(d * d, axis=-1)
    interior = (s > 0.0) & (s < 1.0)
    closest = o + np.clip(s, 0.0, 1.0)[..., None] * d
    return np.linalg.norm(closest, axis=-1) - geo.A_M, interior


def earth_blocks(r_obs_m: ArrayLike, r_tgt_m: ArrayLike, grazing_m: float) -> NDArray[np.bool_]:
    """Whether the Earth or its limb (below ``grazing_m``) hides the target from the observer."""
    h, interior = tangent_height_m(r_obs_m, r_tgt_m)
    return np.asarray(interior & (h < grazing_m), dtype=bool)


def seen_from(r_sats_m: FloatArray, lat_deg: FloatArray, lon_deg: FloatArray, height_m: float,
              grazing_m: float) -> NDArray[np.bool_]:
    """Which satellites (rows of ``r_sats_m``, (k, 3)) see a point at ``height_m`` over each grid
    point (a plume just above the cloud tops: the space echelon's view); (k, lat, lon)."""
    la, lo = np.meshgrid(np.radians(lat_deg), np.radians(lon_deg), indexing="ij")
    pts = geo.lla_to_ecef(la, lo, np.full(la.shape, height_m))
    return np.array([~earth_blocks(r, pts, grazing_m) for r in np.asarray(r_sats_m, dtype=float)], dtype=bool)


def burn_intervals(stage_burns_s: tuple[float, ...], stage_coasts_s: tuple[float, ...],
                   burnout_s: float) -> list[tuple[float, float]]:
    """The times (s after launch) each stage burns: its nominal burn after the previous
    stage's and coast, the last one ending at the flight's ``burnout`` (a liquid engine may
    be shut off early)."""
    out, t = [], 0.0
    for burn, coast in zip(stage_burns_s, stage_coasts_s):
        end = min(t + burn, burnout_s)
        if end > t:
            out.append((t, end))
        t += burn + coast
    return out


def burning_stage(t_s: ArrayLike, intervals: list[tuple[float, float]]) -> NDArray[np.int64]:
    """The index of the stage burning at each time, or -1 when no engine burns."""
    t = np.asarray(t_s, dtype=float)
    out = np.full(t.shape, -1, dtype=np.int64)
    for i, (a, b) in enumerate(intervals):
        out[(t >= a) & (t < b)] = i
    return out


def plume_intensity_w_sr(thrust_vac_n: ArrayLike, alt_m: ArrayLike, plume: PlumeSpec) -> FloatArray:
    """Radiant intensity (W/sr) of a plume of that vacuum thrust at that height (module notes)."""
    frac = np.clip(density_exact(np.clip(np.asarray(alt_m, dtype=float), 0.0, None)) / RHO0_KG_M3, 0.0, 1.0)
    per_n = plume.w_sr_per_n_vac + (plume.w_sr_per_n_sl - plume.w_sr_per_n_vac) * frac
    return np.asarray(np.asarray(thrust_vac_n, dtype=float) * per_n, dtype=float)


def plume_visible(burning: ArrayLike, alt_m: ArrayLike, cloud_top_m: float) -> NDArray[np.bool_]:
    """Whether a plume is there to see: an engine burns and the missile is above the cloud tops."""
    return np.asarray(np.asarray(burning, dtype=bool) & (np.asarray(alt_m, dtype=float) > cloud_top_m), dtype=bool)


def snr(intensity_w_sr: ArrayLike, range_m: ArrayLike, sensor: SensorSpec, frame_s: float | None = None) -> FloatArray:
    """Amplitude SNR of one frame: ``(I / R^2) / NEI``, with the NEI of ``frame_s`` (default the sensor's)."""
    nei = sensor.nei_w_m2 * np.sqrt(sensor.frame_s / (frame_s or sensor.frame_s))
    return np.asarray(np.asarray(intensity_w_sr, dtype=float) / np.asarray(range_m, dtype=float) ** 2 / nei,
                      dtype=float)


def detection_probability(snr_value: ArrayLike, threshold: float) -> FloatArray:
    """``Phi(SNR - T)``: a constant signal in unit Gaussian noise crossing the threshold ``T``."""
    return np.asarray(ndtr(np.asarray(snr_value, dtype=float) - threshold), dtype=float)


def los_sigma_rad(snr_value: ArrayLike, sensor: SensorSpec) -> FloatArray:
    """Standard deviation (rad) of each reported angle: ``hypot(floor, ifov / SNR)``."""
    s = np.maximum(np.asarray(snr_value, dtype=float), 1e-9)
    return np.asarray(np.hypot(sensor.sigma_floor_rad, sensor.ifov_rad / s), dtype=float)
