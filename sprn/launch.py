"""Launch-point estimate: where did the missile come from, and when?

The early track is flown back through free flight to the ground, which gives the
*ballistic origin*: where a body on the observed arc would have left the ground. A
powered boost does not follow that arc: the missile rises steeply and turns over, so
the real pad lies short of the ballistic origin by a distance that depends on the
missile and the shot. That offset is taken from the threat library: the catalogue
missile is flown (``sprn.trajectory``) on a shot with the track's own apogee and range,
and its pad's offset from its own ballistic origin, along and across the ground track,
is applied to the track's ballistic origin. The ellipse is the spread of the ballistic
origins of the track's sigma points; the offset's own error (a boost unlike the
catalogue's) is not in it, which the docs state.

What limits the estimate is the track, not this model. The origin is a deterministic
function of the free-flight state, so the filtered state and covariance at the estimate
time carry all the reports' information about it (with the filter's process noise near
zero, smoothing the earlier states adds none). On the 2017 Kusong scenario a batch
least-squares fit of all the reports up to +180 s gives the same origin spread as the
tracker (17-33 km along the track, 1 sigma, when the Mishelevka radar picks the missile
up before 300 s; its 5-20 mrad angles at 2,000-3,000 km are 10-60 km across the line of
sight), and over 55 seeds the origin errors have no common direction and fall inside the
95 % ellipse in 96 % of runs. The pad offset varies by about 1 km over the lofted shots
the track could be (3.0-4.8 km for apogees 1,000-2,130 km at 700-950 km range for the
Hwasong-12), well below that noise.

When the noise puts the track's apogee and range outside what the catalogue missile can
fly (above its full-burn apogee at that range, or beyond its reach), the reference is
the nearest flight it can fly: its full burn lofted to the track's range (or its longest
flight). The offset changes slowly along that edge, so the estimate stays as good as the
track instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sprn import geo
from sprn.errors import ShotError
from sprn.impact import (
    K95,
    _ellipse,
    _mean_latlon,
    predict_impact,
    propagate_to_ground,
    sigma_points,
)
from sprn.missiles import load_missile
from sprn.territory import nearest_launch_area
from sprn.trajectory import Shot, Trajectory, fly
from sprn.trajectory.solver import FastModel, Grid

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True)
class LaunchEstimate:
    """Estimated launch point (deg), time (s after epoch) and 95 % ellipse; nearest known site."""

    t_s: float
    lat_deg: float
    lon_deg: float
    t_launch_s: float
    semi_major_km: float
    semi_minor_km: float
    orientation_deg: float
    offset_km: float
    nearest_area: str
    nearest_area_km: float


def ballistic_origin(x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Fly states ``(m, 6)`` back in vacuum to the ground: lat, lon (deg) and time offset (s)."""
    tof, xg = propagate_to_ground(np.atleast_2d(x), 0.0, backward=True)
    lat, lon, _ = geo.ecef_to_lla(xg[:, :3])
    return np.degrees(lat), np.degrees(lon), tof


def _pad_offset(truth: Trajectory) -> tuple[float, float, float]:
    """The pad's offset from the ballistic origin of its own flight: (along km, across km, time s).

    Along is measured in the direction of the ground track (negative: the pad lies short).
    """
    t = truth.events["separation"] + 5.0
    lat_b, lon_b, tof = ballistic_origin(truth.state(t)[None, :])
    az_track, _ = geo.geodesic_inverse_deg(lat_b[0], lon_b[0], truth.impact_lat_deg, truth.impact_lon_deg)
    az_pad, dist = geo.geodesic_inverse_deg(lat_b[0], lon_b[0], truth.launch_lat_deg, truth.launch_lon_deg)
    ang = np.radians(az_pad - az_track)
    return float(dist * np.cos(ang) / 1e3), float(dist * np.sin(ang) / 1e3), float(t + tof[0])


def estimate_launch_point(
    x: FloatArray, p: FloatArray, t_s: float, missile: str, inv_beta_m2_kg: float
) -> LaunchEstimate:
    """Estimate the launch point of a ballistic track state ``x`` (6,) with covariance ``p``.

    ``missile`` is the threat library's type for the track (a catalogue key). Raises
    :class:`~sprn.errors.ShotError` when the arc does not come down from the ground or the
    catalogue missile can fly nothing near it (:func:`reference_flight`).
    """
    lat, lon, tof = ballistic_origin(sigma_points(np.asarray(x, dtype=float), np.asarray(p, dtype=float)))
    if np.isnan(tof).any():
        raise ShotError("the track's arc does not come down from the ground within two hours")
    lat_b, lon_b = np.degrees(_mean_latlon(np.radians(lat), np.radians(lon)))
    impact = predict_impact(x, np.diag(np.full(6, 1e-6)), t_s, inv_beta_m2_kg)
    az_track, range_m = geo.geodesic_inverse_deg(lat_b, lon_b, impact.lat_deg, impact.lon_deg)
    reference = reference_flight(missile, float(lat_b), float(lon_b), float(az_track), _apogee_km(x),
                                 float(range_m) / 1e3)
    along, across, t_origin_ref = _pad_offset(reference)
    offset_m = np.hypot(along, across) * 1e3
    az_pad = float(az_track) + np.degrees(np.arctan2(across, along))
    lat_l, lon_l = geo.geodesic_direct_deg(lat_b, lon_b, az_pad, offset_m)
    lat_s, lon_s = geo.geodesic_direct_deg(lat, lon, az_pad, offset_m)
    r_mean = geo.lla_to_ecef(np.radians(lat_l), np.radians(lon_l), 0.0)
    en = ((geo.lla_to_ecef(np.radians(lat_s), np.radians(lon_s), 0.0) - r_mean)
          @ geo.enu_rotation(np.radians(float(lat_l)), np.radians(float(lon_l))).T)[:, :2]
    major, minor, orient = _ellipse(en.T @ en / len(en))
    area, area_km = nearest_launch_area(float(lat_l), float(lon_l))
    return LaunchEstimate(
        t_s=t_s,
        lat_deg=float(lat_l),
        lon_deg=float(lon_l),
        t_launch_s=float(t_s + np.mean(tof) - t_origin_ref),
        semi_major_km=K95 * major / 1e3,
        semi_minor_km=K95 * minor / 1e3,
        orientation_deg=orient,
        offset_km=offset_m / 1e3,
        nearest_area=area,
        nearest_area_km=float(area_km),
    )


def reference_flight(
    missile: str, lat_deg: float, lon_deg: float, azimuth_deg: float, apogee_km: float, range_km: float
) -> Trajectory:
    """The catalogue missile's flight closest to the track's: same apogee and range, or the edge of its envelope.

    The track's apogee and range are estimates: with a single VHF radar their errors are
    tens of km, so for a test flown at nearly the full burn (Kusong, 2017: 151.8 of 152 s)
    2 of 55 runs put them above the missile's full-burn apogee at that range. No flight of the
    catalogue missile then matches; the nearest one it can fly is its full burn lofted to
    the track's range (or, beyond its reach, its longest flight), which is flown instead.

    Raises :class:`~sprn.errors.ShotError` for the other shots the missile cannot fly
    (an apogee below its burnout altitude, a payload it cannot lift).
    """
    try:
        return fly(Shot(missile=missile, launch_lat_deg=lat_deg, launch_lon_deg=lon_deg, azimuth_deg=azimuth_deg,
                        apogee_km=apogee_km, range_km=range_km))
    except ShotError:
        cat = load_missile(missile)
        model = FastModel(cat, cat.payload_kg, lat_deg, lon_deg, 0.0)
        grid = model.grid(azimuth_deg)
        ranges, apogees, kicks = _full_burn_lofted(grid)
        if range_km * 1e3 <= ranges[-1] and apogee_km * 1e3 <= np.interp(range_km * 1e3, ranges, apogees):
            raise
        kick = float(np.interp(range_km * 1e3, ranges, kicks))
        loft = 1.0 - kick / grid.kick_me(model.burn_max_s)
        return fly(Shot(missile=missile, launch_lat_deg=lat_deg, launch_lon_deg=lon_deg, azimuth_deg=azimuth_deg,
                        loft=float(np.clip(loft, 0.0, 1.0))))


def _full_burn_lofted(grid: Grid) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Range (m), apogee (m) and kick (deg) of the full-burn flights from vertical to minimum energy.

    On this lofted branch a larger kick flies farther and lower, so the arrays come out
    in increasing range: the edge of the shots the missile can fly, as the shot solver's
    fast model (:mod:`sprn.trajectory.solver`) tabulates it.
    """
    ranges = grid.range_m[:, -1]
    i_me = int(np.nanargmax(ranges))
    rows = np.flatnonzero(np.isfinite(ranges[: i_me + 1]))
    return ranges[rows], grid.apogee_m[rows, -1], grid.kick_deg[rows]


def _apogee_km(x: FloatArray) -> float:
    """Apogee (km above the ellipsoid) of the free-flight arc through state ``x``."""
    from sprn import dynamics

    state = np.asarray(x, dtype=float)
    best = float(geo.ecef_to_lla(state[:3])[2])
    for _ in range(800):
        state = dynamics.propagate(state, 5.0)
        h = float(geo.ecef_to_lla(state[:3])[2])
        if h < best:
            break
        best = h
    return best / 1e3
