"""The returns of one dwell on a scene: detections, unresolved objects merged, false alarms.

A pure function of one dwell of one site at one time (no clock): :func:`scan` takes the
states of the objects in coverage, their mean SNRs and Swerling cases, and the regions
the dwell searched, and returns the reports, each with the ids of the objects that made
it (the truth label, kept apart from the :class:`Detection`, which carries none).

* **Detection.** Each object is detected with the probability of its own SNR
  (:func:`sprn.radar.detection.dwell_at`: a Swerling draw of its RCS, then the steady
  target's probability at the drawn SNR).
* **Resolution.** Two objects closer in slant range than the range resolution
  ``c / (2 B)`` *and* inside one beam (angular separations below the beamwidths,
  broadened by ``1 / cos(scan)`` off the face normal, in azimuth and in elevation) are
  one return. Objects are grouped by single linkage (a chain of such pairs is one
  return). The merged return's SNR is the sum of the members' drawn SNRs (unresolved
  echoes add in power on average); it is detected against the steady-target probability
  at that sum; it is measured at the power-weighted centroid of the members' states (the
  centroid a monopulse and range discriminator see), with the sigmas of the summed SNR;
  its label lists every member, strongest first.
* **False alarms.** Noise alone crosses the threshold in each resolution cell searched
  with probability ``pfa`` (the radar type's), so a dwell gives a Poisson number of false
  alarms of mean ``pfa * cells`` (:class:`Region`), each uniform in its region, with the
  power of a noise crossing (threshold plus an exponential excess: square-law exponential
  noise is memoryless) and the sigmas of that SNR.

* **Alert and confirmation.** An early-warning phased array does not report a search
  detection at once: it sends a confirmation dwell along the same beam a few
  milliseconds later, and reports only what that dwell sees again (the alert-confirm
  sequence of multifunction radars; Billetter, *Multifunction Array Radar*, 1989, ch. 4;
  Skolnik, *Radar Handbook*, 3rd ed., 2008, ch. 13). With ``confirm``, a search dwell's
  object report is kept with the steady-target probability at the SNR it was seen
  with (the RCS does not decorrelate in milliseconds), and a false alarm only if noise
  crosses the threshold again in one of the :data:`CONFIRM_CELLS` range cells the
  confirmation looks at (probability ``1 - (1 - pfa)^3``, about 3e-6 at ``pfa = 1e-6``;
  the survivors are drawn directly, a thinned Poisson number).
  Track dwells need no confirmation: they look where a track already is.

Random numbers come from the generator passed in; with one object, no region and no
confirmation the draws are exactly those of :func:`dwell_at` then
:func:`sprn.radar.measurement.noisy_measurement`; the confirmation's draws come after
all the others.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sprn.radar.detection import (
    C_MPS,
    MIN_SCAN_COSINE,
    dwell_at,
    measurement_sigma,
    pd_swerling0,
    rcs_fluctuation,
    scan_cosine,
)
from sprn.radar.measurement import Detection, measure, noisy_measurement
from sprn.radar.site import Site

FloatArray = NDArray[np.float64]
Report = tuple[Detection, tuple[str, ...]]
"""A report and the ids of the objects that made it (empty: a false alarm)."""

TRACK_WINDOW_M = 20.0e3
"""Slant-range window (m) a track dwell searches around each predicted object, in one beam.
Assumed: the stage and the reentry vehicle drift apart by a few km in ten minutes and a
track's prediction over a revisit is good to a few km, so a 20 km gate holds both."""

CONFIRM_CELLS = 3
"""Range cells a confirmation dwell examines: the alert's cell and one either side (a
target moves less than a cell in the few milliseconds between the dwells)."""

FALSE_ALARM_RANGE_RATE_MPS = 7000.0
"""A false alarm's range rate is uniform in +- this (m/s): the Doppler span searched for
ballistic targets (burnout speeds up to about 7 km/s for an ICBM)."""


def range_resolution_m(site: Site) -> float:
    """Slant-range resolution ``c / (2 B)`` (m) of the site's radar (0 without a radar type)."""
    return 0.0 if site.radar is None else C_MPS / (2.0 * site.radar.bandwidth_hz)


@dataclass(frozen=True, slots=True, kw_only=True)
class Region:
    """A volume a dwell searched: slant range, azimuth and elevation intervals (m, rad).

    Azimuths run from ``az_lo_rad`` over ``az_width_rad`` clockwise (through north if
    need be); ``cells`` is the number of resolution cells in it: range cells times beam
    positions; ``search``: a search volume, whose detections need a confirmation dwell
    (a track window's do not).
    """

    range_lo_m: float
    range_hi_m: float
    az_lo_rad: float
    az_width_rad: float
    el_lo_rad: float
    el_hi_rad: float
    cells: float
    search: bool = False
    alarms: int | None = None
    """The number of false alarms a dwell reports from it, when drawn in advance (the
    simulation draws every search frame's at once, :func:`false_alarm_mean`); None:
    drawn at the dwell."""


def search_fence(site: Site) -> Region:
    """What a search frame searches: a fence of one row of beams at the bottom of coverage.

    A ballistic target rises into an early-warning radar's coverage over the horizon, so
    the search raster is a fence across the sector at the lowest elevation (one beam
    high), over the instrumented range; the volume above it is searched by track dwells
    once something has crossed it. Cells: ``(sector / az beamwidth) * (range span /
    range resolution)``. For the Voronezh-M at Mishelevka (240 deg, 3.6 deg beams, 250 to
    6,000 km at 300 m) that is 67 * 19,167 = 1.3e6 cells and, at ``pfa = 1e-6``, 1.3
    false alarms per search frame (one frame every 10 s).
    """
    rt = site.radar
    if rt is None:
        return Region(range_lo_m=site.min_range_m, range_hi_m=site.max_range_m, az_lo_rad=0.0, az_width_rad=0.0,
                      el_lo_rad=site.min_el_rad, el_hi_rad=site.min_el_rad, cells=0.0)
    beams = site.sector_width_rad / rt.beamwidth_az_rad
    cells = beams * (site.max_range_m - site.min_range_m) / range_resolution_m(site)
    return Region(range_lo_m=site.min_range_m, range_hi_m=site.max_range_m,
                  az_lo_rad=site.boresight_az_rad - 0.5 * site.sector_width_rad, az_width_rad=site.sector_width_rad,
                  el_lo_rad=site.min_el_rad, el_hi_rad=site.min_el_rad + rt.beamwidth_el_rad, cells=cells,
                  search=True)


def track_window(site: Site, z: ArrayLike) -> Region:
    """What a track dwell searches around an object seen at ``z`` (range, az, el): one beam
    and :data:`TRACK_WINDOW_M` of range centred on it."""
    z = np.asarray(z, dtype=float)
    rt = site.radar
    if rt is None:
        return Region(range_lo_m=float(z[0]), range_hi_m=float(z[0]), az_lo_rad=float(z[1]), az_width_rad=0.0,
                      el_lo_rad=float(z[2]), el_hi_rad=float(z[2]), cells=0.0)
    half = 0.5 * TRACK_WINDOW_M
    return Region(range_lo_m=float(z[0]) - half, range_hi_m=float(z[0]) + half,
                  az_lo_rad=float(z[1]) - 0.5 * rt.beamwidth_az_rad, az_width_rad=rt.beamwidth_az_rad,
                  el_lo_rad=float(z[2]) - 0.5 * rt.beamwidth_el_rad, el_hi_rad=float(z[2]) + 0.5 * rt.beamwidth_el_rad,
                  cells=TRACK_WINDOW_M / range_resolution_m(site))


def aspect_rad(site: Site, states: ArrayLike) -> FloatArray:
    """Aspect angle (rad) of bodies flying along their velocity: the angle between the
    velocity and the direction from the body to the radar (0 nose-on, pi tail-on)."""
    x = np.asarray(states, dtype=float)
    to_radar = site.r_ecef_m - x[..., :3]
    v = x[..., 3:6]
    cross = np.linalg.norm(np.cross(to_radar, v), axis=-1)
    return np.asarray(np.arctan2(cross, np.sum(to_radar * v, axis=-1)), dtype=float)


def unresolved(site: Site, za: Sequence[float], zb: Sequence[float], wide: float = 1.0) -> bool:
    """Whether ``site``'s radar merges the returns of two objects measured at ``za`` and
    ``zb`` (range m, azimuth rad, elevation rad): slant ranges closer than the range
    resolution, and azimuths (as cross-range angles, times ``cos(el)``) and elevations
    closer than the beamwidths broadened by ``wide`` (``1 / cos(scan)``). A site without
    a radar type resolves everything."""
    rt = site.radar
    if rt is None or abs(za[0] - zb[0]) >= range_resolution_m(site):
        return False
    d_az = abs((za[1] - zb[1] + math.pi) % (2.0 * math.pi) - math.pi) * math.cos(0.5 * (za[2] + zb[2]))
    return d_az < rt.beamwidth_az_rad * wide and abs(za[2] - zb[2]) < rt.beamwidth_el_rad * wide


def resolved_groups(site: Site, states: FloatArray, cos_scan: FloatArray) -> list[list[int]]:
    """Groups of objects the radar cannot resolve (single linkage), in order of their first member.

    A pair is :func:`unresolved` at the wider of its two beams (``1 / cos(scan)``).
    A site without a radar type resolves everything.
    """
    n = len(states)
    parent = list(range(n))
    if site.radar is None or n < 2:
        return [[i] for i in range(n)]
    z = measure(site, states).tolist()  # plain floats: the pair loop below is most of a dwell's cost otherwise
    broaden = (1.0 / np.clip(cos_scan, MIN_SCAN_COSINE, 1.0)).tolist()

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if unresolved(site, z[i], z[j], max(broaden[i], broaden[j])):
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def scan(
    site: Site,
    t_s: float,
    states: FloatArray,
    mean_snr: FloatArray,
    swerling: Sequence[int],
    labels: Sequence[str],
    cos_scan: FloatArray,
    rng: np.random.Generator,
    *,
    tracking: bool = False,
    regions: Sequence[Region] = (),
    confirm: bool = False,
) -> list[Report]:
    """The reports of one dwell of ``site`` at ``t_s`` on objects in its coverage.

    Parameters
    ----------
    states : (n, 6) ECEF states of the objects in coverage (m, m/s).
    mean_snr : (n,) their mean single-dwell SNRs (linear, :func:`radar_snr` times the mean RCS).
    swerling : their Swerling cases.
    labels : their ids.
    cos_scan : (n,) their scan cosines (:func:`dwell_geometry`).
    rng : the dwell's random stream.
    tracking : a track dwell (sigmas use the track dwell time).
    regions : the volumes searched for false alarms (:func:`search_fence`, :func:`track_window`).
    confirm : reports of a search must survive a confirmation dwell (see the module notes):
        a search dwell's object reports and the false alarms of search regions.

    Returns
    -------
    list of (Detection, ids)
        Object reports first (in order of their first object), then false alarms (ids
        ``()``); ``t_arrival_s`` is left NaN for the link to set.
    """
    out: list[Report] = []
    states = np.asarray(states, dtype=float).reshape(-1, 6)
    groups = [[0]] if len(states) == 1 else resolved_groups(site, states, np.asarray(cos_scan, dtype=float))
    for group in groups:
        if len(group) == 1:
            i = group[0]
            res = dwell_at(site, float(mean_snr[i]), float(cos_scan[i]), rng, tracking, swerling=swerling[i])
            if res.detected:
                z = noisy_measurement(site, states[i], res.sigma, rng, res.bias)
                out.append((Detection(t_s=t_s, site=site.name, z=z, sigma=res.sigma, snr_db=res.snr_db),
                            (labels[i],)))
            continue
        report = _merged(site, t_s, states[group], np.asarray(mean_snr)[group], [swerling[i] for i in group],
                         [labels[i] for i in group], np.asarray(cos_scan)[group], rng, tracking)
        if report is not None:
            out.append(report)
    seen = len(out)
    confirmed = confirm and site.radar is not None
    for region in regions:  # a search region's alarms are drawn as the survivors of its confirmation
        out.extend(false_alarms(site, t_s, region, rng, tracking=tracking, confirm=confirmed))
    if confirmed and not tracking:  # the objects' confirmation draws come after all the others
        out = [rep for rep in out[:seen] if float(rng.random()) < confirmation_probability(site, rep)] + out[seen:]
    return out


def confirmation_probability(site: Site, report: Report) -> float:
    """The probability that a confirmation dwell sees an object's search report again (see
    the module notes): the steady target's at the SNR it was seen with."""
    assert site.radar is not None
    return float(pd_swerling0(10.0 ** (report[0].snr_db / 10.0), site.radar.pfa))


def false_alarm_mean(site: Site, region: Region, confirm: bool) -> float:
    """The mean number of false alarms a dwell reports from ``region``: ``pfa * cells``,
    times :func:`false_alarm_confirmation` for a search region whose alarms must survive
    a confirmation dwell (``confirm``)."""
    rt = site.radar
    if rt is None or region.cells <= 0.0:
        return 0.0
    kept = false_alarm_confirmation(rt.pfa) if confirm and region.search else 1.0
    return kept * rt.pfa * region.cells


def false_alarm_confirmation(pfa: float) -> float:
    """The probability that noise crosses the threshold again in one of the
    :data:`CONFIRM_CELLS` range cells a confirmation dwell examines."""
    return 1.0 - (1.0 - pfa) ** CONFIRM_CELLS


def _merged(site: Site, t_s: float, states: FloatArray, mean_snr: FloatArray, swerling: Sequence[int],
            labels: Sequence[str], cos_scan: FloatArray, rng: np.random.Generator, tracking: bool) -> Report | None:
    """One return of unresolved objects (see the module's merge rule), or None if missed."""
    rt = site.radar
    assert rt is not None  # only a radar type has a resolution cell
    power = np.array([m * rcs_fluctuation(s, rng) for m, s in zip(mean_snr, swerling)])
    total = float(np.sum(power))
    if not float(rng.random()) < float(pd_swerling0(total, rt.pfa)):
        return None
    weights = power / total if total > 0.0 else np.full(len(power), 1.0 / len(power))
    centroid = weights @ states
    with_rr = site.sigma_range_rate_mps is not None
    cos_s = float(np.clip(scan_cosine(site, centroid[None, :3])[0], MIN_SCAN_COSINE, 1.0))
    dwell_s = rt.track_dwell_s if tracking else rt.search_dwell_s
    sigma = measurement_sigma(rt, total, cos_s, dwell_s=dwell_s, range_rate=with_rr)
    z = noisy_measurement(site, centroid, sigma, rng, site.report_bias)
    order = np.argsort(-power, kind="stable")
    snr_db = 10.0 * math.log10(total) if total > 0.0 else -math.inf
    det = Detection(t_s=t_s, site=site.name, z=z, sigma=sigma, snr_db=snr_db)
    return det, tuple(labels[i] for i in order)


def false_alarms(site: Site, t_s: float, region: Region, rng: np.random.Generator, *,
                 tracking: bool = False, confirm: bool = False) -> list[Report]:
    """The false alarms of one dwell in ``region``: Poisson, of mean
    :func:`false_alarm_mean` (with ``confirm``, a search region's are the survivors of
    its confirmation dwell: a thinned Poisson process is Poisson, so they are drawn
    directly), or the region's ``alarms`` when drawn in advance.

    Each is uniform in the region's slant range, azimuth and elevation (range rate uniform
    in +-:data:`FALSE_ALARM_RANGE_RATE_MPS` when the site measures it), with the SNR of a
    noise crossing, ``-ln(pfa)`` plus an exponential excess, and that SNR's sigmas.
    """
    rt = site.radar
    if rt is None or region.cells <= 0.0:
        return []
    n = region.alarms if region.alarms is not None else int(rng.poisson(false_alarm_mean(site, region, confirm)))
    if n == 0:
        return []
    with_rr = site.sigma_range_rate_mps is not None
    rng_m = rng.uniform(region.range_lo_m, region.range_hi_m, n)
    az = (region.az_lo_rad + region.az_width_rad * rng.random(n)) % (2.0 * math.pi)
    el = rng.uniform(region.el_lo_rad, region.el_hi_rad, n)
    snr = -math.log(rt.pfa) + rng.exponential(1.0, n)
    rr = rng.uniform(-FALSE_ALARM_RANGE_RATE_MPS, FALSE_ALARM_RANGE_RATE_MPS, n) if with_rr else None
    dwell_s = rt.track_dwell_s if tracking else rt.search_dwell_s
    enu = np.stack([rng_m * np.cos(el) * np.sin(az), rng_m * np.cos(el) * np.cos(az), rng_m * np.sin(el)], axis=-1)
    cos_s = scan_cosine(site, site.r_ecef_m + enu @ site.enu_rotation)
    out: list[Report] = []
    for k in range(n):
        z = [rng_m[k], az[k], el[k]] + ([float(rr[k])] if rr is not None else [])
        sigma = measurement_sigma(rt, float(snr[k]), float(cos_s[k]), dwell_s=dwell_s, range_rate=with_rr)
        out.append((Detection(t_s=t_s, site=site.name, z=np.array(z), sigma=sigma,
                              snr_db=10.0 * math.log10(float(snr[k]))), ()))
    return out
