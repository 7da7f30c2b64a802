"""Detection: the radar equation, Swerling detection probabilities and measurement noise.

References
----------
* M. I. Skolnik, *Introduction to Radar Systems*, 3rd ed., McGraw-Hill, 2001: ch. 2 (the
  radar equation, detection of a sine wave in noise, Fig. 2.7; Swerling fluctuation
  models, sec. 2.8) and sec. 6.3 (theoretical accuracy of radar measurements).
* M. A. Richards, *Fundamentals of Radar Signal Processing*, 2nd ed., McGraw-Hill, 2014:
  ch. 2 (radar equation in terms of energy) and ch. 6 (threshold detection; Swerling
  models; Albersheim's and Shnidman's equations).
* D. K. Barton, *Radar System Analysis and Modeling*, Artech House, 2005: ch. 1 (the
  search radar equation in power-aperture form), ch. 4 (angle and range accuracy, fixed
  error floors).
* D. P. Meyer and H. A. Mayer, *Radar Target Detection*, Academic Press, 1973: tables of
  required SNR for the Swerling cases.

Conventions: SNR is a power ratio (linear) unless the name ends in ``_db``. The noise in
one resolution cell after coherent integration over a dwell is complex Gaussian; the
detector is the square-law envelope against the threshold set by ``pfa``. One dwell is
one look: its returns are coherently integrated, so Swerling 1 and 2 (and 3 and 4) are
the same single-look case; fluctuation between dwells is what the Swerling case models.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sprn.radar.site import Site
from sprn.radar.types import RadarType

FloatArray = NDArray[np.float64]

K_BOLTZMANN = 1.380649e-23
"""Boltzmann's constant, J/K (SI 2019 exact)."""
C_MPS = 299792458.0
"""Speed of light, m/s."""
MIN_SCAN_COSINE = 0.05
"""Cosine of the scan angle below which a face is taken as blind (87 deg off normal)."""


def snr_dwell(
    p_avg_w: ArrayLike,
    dwell_s: ArrayLike,
    tx_aperture_m2: ArrayLike,
    rx_aperture_m2: ArrayLike,
    wavelength_m: ArrayLike,
    range_m: ArrayLike,
    rcs_m2: ArrayLike,
    noise_temp_k: ArrayLike,
    losses: ArrayLike = 1.0,
) -> FloatArray:
    """Single-dwell SNR from the energy form of the radar equation.

    ``SNR = P_avg T G_t A_r sigma / ((4 pi)^2 R^4 k T_s L)`` with transmit gain
    ``G_t = 4 pi A_t / lambda^2`` (Skolnik 2001, ch. 2; Richards 2014, ch. 2): the energy
    ``P_avg T`` put on the target in a coherent dwell of ``T`` seconds.

    Parameters are SI (W, s, m^2, m, m, m^2, K); ``losses`` is a linear factor >= 1.
    """
    gain_t = 4.0 * np.pi * np.asarray(tx_aperture_m2, dtype=float) / np.asarray(wavelength_m, dtype=float) ** 2
    num = np.asarray(p_avg_w, dtype=float) * np.asarray(dwell_s, dtype=float) * gain_t
    num = num * np.asarray(rx_aperture_m2, dtype=float) * np.asarray(rcs_m2, dtype=float)
    den = (4.0 * np.pi) ** 2 * np.asarray(range_m, dtype=float) ** 4 * K_BOLTZMANN
    den = den * np.asarray(noise_temp_k, dtype=float) * np.asarray(losses, dtype=float)
    return np.asarray(num / den, dtype=float)


def snr_search(
    p_avg_w: ArrayLike,
    rx_aperture_m2: ArrayLike,
    frame_time_s: ArrayLike,
    solid_angle_sr: ArrayLike,
    range_m: ArrayLike,
    rcs_m2: ArrayLike,
    noise_temp_k: ArrayLike,
    losses: ArrayLike = 1.0,
) -> FloatArray:
    """SNR of a search radar sweeping ``solid_angle_sr`` once every ``frame_time_s``.

    The power-aperture search equation ``SNR = P_avg A_r t_f sigma / (4 pi Omega R^4
    k T_s L)`` (Barton 2005, ch. 1; Skolnik 2001, ch. 2): independent of wavelength and
    of how the frame time is shared among beam positions. It equals :func:`snr_dwell`
    with ``A_t = A_r`` and a dwell ``T = t_f lambda^2 / (A_t Omega)`` per beam position.
    """
    num = np.asarray(p_avg_w, dtype=float) * np.asarray(rx_aperture_m2, dtype=float)
    num = num * np.asarray(frame_time_s, dtype=float) * np.asarray(rcs_m2, dtype=float)
    den = 4.0 * np.pi * np.asarray(solid_angle_sr, dtype=float) * np.asarray(range_m, dtype=float) ** 4
    den = den * K_BOLTZMANN * np.asarray(noise_temp_k, dtype=float) * np.asarray(losses, dtype=float)
    return np.asarray(num / den, dtype=float)


def radar_snr(
    rtype: RadarType, range_m: ArrayLike, rcs_m2: ArrayLike, *, tracking: bool = False, cos_scan: ArrayLike = 1.0
) -> FloatArray:
    """Mean single-dwell SNR of a radar type on a target (search or track dwell).

    Scan loss multiplies the SNR by ``cos(scan) ** scan_loss_exponent`` (projected
    aperture on transmit and receive plus element pattern; Skolnik 2001, ch. 9).
    """
    dwell_s = rtype.track_dwell_s if tracking else rtype.search_dwell_s
    scan = np.clip(np.asarray(cos_scan, dtype=float), MIN_SCAN_COSINE, 1.0) ** rtype.scan_loss_exponent
    snr = snr_dwell(
        rtype.p_avg_w,
        dwell_s,
        rtype.tx_aperture_m2,
        rtype.rx_aperture_m2,
        rtype.wavelength_m,
        range_m,
        rcs_m2,
        rtype.noise_temp_k,
        10.0 ** (rtype.losses_db / 10.0),
    )
    return np.asarray(snr * scan, dtype=float)


def _threshold(pfa: float) -> float:
    """Normalised square-law threshold for exponential noise: ``-ln(pfa)``."""
    if not 0.0 < pfa < 1.0:
        raise ValueError(f"pfa = {pfa!r}: expected a probability in (0, 1)")
    return -math.log(pfa)


def pd_swerling0(snr: ArrayLike, pfa: float) -> FloatArray:
    """Detection probability of a steady target (Swerling 0), one look.

    Marcum's Q function ``Q1(sqrt(2 SNR), sqrt(-2 ln pfa))``, evaluated as one minus the
    noncentral chi-square distribution with 2 degrees of freedom and noncentrality
    ``2 SNR`` at ``-2 ln pfa`` (Richards 2014, ch. 6).
    """
    from scipy import special  # here: ~0.12 s to import; the simulated dwells need it, tracking does not

    t = _threshold(pfa)
    s = np.maximum(np.asarray(snr, dtype=float), 0.0)
    return np.asarray(1.0 - special.chndtr(2.0 * t, 2.0, 2.0 * s), dtype=float)


def pd_swerling1(snr: ArrayLike, pfa: float) -> FloatArray:
    """Swerling 1 (and 2) one look: ``pfa ** (1 / (1 + SNR))`` (Skolnik 2001, sec. 2.8);
    :func:`sprn.kernels.pd_fluctuating`, where the formula lives."""
    return _fluctuating(1, snr, pfa)


def pd_swerling3(snr: ArrayLike, pfa: float) -> FloatArray:
    """Swerling 3 (and 4) one look (chi-square RCS with 4 degrees of freedom).

    ``Pd = exp(-2 T / (2 + S)) (1 + 2 S T / (2 + S)^2)`` with ``T = -ln pfa``
    (Meyer & Mayer 1973; Richards 2014, ch. 6); :func:`sprn.kernels.pd_fluctuating`.
    """
    return _fluctuating(3, snr, pfa)


def _fluctuating(swerling: int, snr: ArrayLike, pfa: float) -> FloatArray:
    from sprn import kernels  # here: the light commands never load numba

    t = _threshold(pfa)
    s = np.asarray(snr, dtype=float)
    return np.asarray(kernels.pds_fluctuating(swerling, np.ascontiguousarray(s.reshape(-1)), t).reshape(s.shape),
                      dtype=float)


def detection_probability(snr: ArrayLike, pfa: float, swerling: int = 1) -> FloatArray:
    """One-look detection probability for mean ``snr`` and Swerling case 0-4."""
    if swerling == 0:
        return pd_swerling0(snr, pfa)
    if swerling in (1, 2):
        return pd_swerling1(snr, pfa)
    if swerling in (3, 4):
        return pd_swerling3(snr, pfa)
    raise ValueError(f"swerling = {swerling!r}: expected 0, 1, 2, 3 or 4")


def required_snr_db(pd: float, pfa: float, swerling: int = 1) -> float:
    """Mean SNR (dB) at which a single look reaches ``pd``, by bisection (Pd grows with SNR)."""
    if not pfa < pd < 1.0:
        raise ValueError(f"pd = {pd!r}: expected pfa < pd < 1")
    lo, hi = -30.0, 80.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if float(detection_probability(10.0 ** (mid / 10.0), pfa, swerling)) < pd:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def rcs_fluctuation(swerling: int, rng: np.random.Generator) -> float:
    """One draw of RCS / mean RCS: 1 (case 0), exponential (1, 2) or chi-square-4 (3, 4)."""
    if swerling == 0:
        return 1.0
    if swerling in (1, 2):
        return float(rng.exponential(1.0))
    if swerling in (3, 4):
        return float(rng.gamma(2.0, 0.5))
    raise ValueError(f"swerling = {swerling!r}: expected 0, 1, 2, 3 or 4")


def measurement_sigma(
    rtype: RadarType,
    snr: float,
    cos_scan: float = 1.0,
    *,
    dwell_s: float | None = None,
    range_rate: bool = False,
) -> FloatArray:
    """Standard deviations of (range m, az rad, el rad[, range rate m/s]) at ``snr``.

    Thermal-noise terms (Skolnik 2001, sec. 6.3; Barton 2005, ch. 4):

    * range ``dR / sqrt(2 SNR)`` with resolution ``dR = c / (2 B)``;
    * angle ``theta / (k_m sqrt(2 SNR))`` with monopulse slope ``k_m`` and the beamwidth
      broadened by ``1 / cos(scan)`` off the face normal;
    * range rate ``lambda / (2 T sqrt(2 SNR))`` (Doppler resolution ``1 / T``).

    Each is combined in quadrature with the type's floor (calibration, propagation).
    """
    s = max(float(snr), 1e-12)
    root = math.sqrt(2.0 * s)
    cos_s = min(max(float(cos_scan), MIN_SCAN_COSINE), 1.0)
    d_range = C_MPS / (2.0 * rtype.bandwidth_hz)
    parts = [
        math.hypot(d_range / root, rtype.range_floor_m),
        math.hypot(rtype.beamwidth_az_rad / cos_s / (rtype.monopulse_slope * root), rtype.az_floor_rad),
        math.hypot(rtype.beamwidth_el_rad / cos_s / (rtype.monopulse_slope * root), rtype.el_floor_rad),
    ]
    if range_rate:
        t = rtype.track_dwell_s if dwell_s is None else dwell_s
        parts.append(math.hypot(rtype.wavelength_m / (2.0 * t * root), rtype.range_rate_floor_mps))
    return np.array(parts)


def face_normals_enu(site: Site, tilt_rad: float) -> FloatArray:
    """Unit normals ``(faces, 3)`` of the site's array faces in its ENU frame.

    The sector is shared equally among ``site.faces`` faces, each pointing at the centre
    of its share and tilted back by ``tilt_rad``.
    """
    return _face_normals(site.boresight_az_rad, site.sector_width_rad, site.faces, tilt_rad)


@functools.lru_cache(maxsize=256)
def _face_normals(boresight_az_rad: float, sector_width_rad: float, faces: int, tilt_rad: float) -> FloatArray:
    """:func:`face_normals_enu` of a geometry (cached: scan cosines are asked for at every dwell)."""
    share = sector_width_rad / faces
    offsets = (np.arange(faces) - 0.5 * (faces - 1)) * share
    az = boresight_az_rad + offsets
    return _readonly(np.stack(
        [np.sin(az) * math.cos(tilt_rad), np.cos(az) * math.cos(tilt_rad), np.full_like(az, math.sin(tilt_rad))],
        axis=-1,
    ))


def scan_cosine(site: Site, r_ecef_m: ArrayLike, tilt_rad: float | None = None) -> FloatArray:
    """Cosine of the angle between the line of sight and the nearest face normal."""
    tilt = (site.radar.face_tilt_rad if site.radar is not None else 0.0) if tilt_rad is None else tilt_rad
    r = np.asarray(r_ecef_m, dtype=float)
    if r.ndim == 1:  # one position (every report's RCS estimate): one kernel call
        from sprn import kernels  # here: the light commands never load numba

        px, py, pz = r[:3].tolist()
        return np.asarray(kernels.look(site.enu_rotation, site.r_ecef_m, face_normals_enu(site, tilt),
                                       px, py, pz, 0.0, 0.0, 0.0)[4])
    enu = (r - site.r_ecef_m) @ site.enu_rotation.T
    los = enu / np.linalg.norm(enu, axis=-1, keepdims=True)
    return np.asarray(np.max(los @ face_normals_enu(site, tilt).T, axis=-1), dtype=float)


def snr_per_m2(site: Site, range_m: float, cos_scan: float, *, tracking: bool = False) -> float:
    """The mean SNR a 1 m^2 target would give ``site``'s radar at slant range ``range_m`` and
    scan cosine ``cos_scan`` (:func:`scan_cosine` of its position), in the track or search
    waveform: what scales a mean RCS to an SNR, and an echo's SNR back to an RCS. The site
    must have a radar model."""
    assert site.radar is not None
    rt = site.radar
    scan = min(max(float(cos_scan), MIN_SCAN_COSINE), 1.0) ** rt.scan_loss_exponent
    return float(_snr_at_one_metre(rt, tracking) * scan / range_m**4)


@functools.lru_cache(maxsize=64)
def _snr_at_one_metre(rtype: RadarType, tracking: bool) -> float:
    """:func:`radar_snr` of a 1 m^2 target at 1 m on the face's normal: the radar
    equation's constant, which :func:`snr_per_m2` scales by range and scan angle."""
    return float(radar_snr(rtype, 1.0, 1.0, tracking=tracking))


def _readonly(a: FloatArray) -> FloatArray:
    a.setflags(write=False)
    return a


@dataclass(frozen=True, slots=True, kw_only=True)
class DwellOutcome:
    """Result of one dwell of a site on one target.

    ``pd`` is the model's detection probability for the mean SNR (worked out when asked
    for: the simulation's dwells never ask); ``snr_db`` is this dwell's SNR after the RCS
    fluctuation draw (``mean_snr_db`` before it); ``sigma`` are the measurement standard
    deviations of (range m, az rad, el rad[, range rate m/s]) at this dwell's SNR;
    ``bias`` the site's fixed bias of the same elements (range rate unbiased), ready for
    ``sprn.radar.measurement.noisy_measurement(site, x, sigma, rng, bias)``; ``swerling``
    and ``pfa`` the target's Swerling case and the radar's false-alarm probability (NaN
    for a site without a radar model, which detects everything in coverage).
    """

    detected: bool
    snr_db: float
    sigma: FloatArray = field(compare=False)
    mean_snr_db: float
    bias: FloatArray = field(compare=False)
    swerling: int = 1
    pfa: float = math.nan

    @property
    def pd(self) -> float:
        if math.isnan(self.pfa):
            return 1.0
        return float(detection_probability(10.0 ** (self.mean_snr_db / 10.0), self.pfa, self.swerling))


def _db(x: float) -> float:
    return 10.0 * math.log10(x) if x > 0.0 else -math.inf


def dwell(
    site: Site,
    r_ecef_m: ArrayLike,
    rcs_m2: float,
    rng: np.random.Generator,
    tracking: bool = False,
    *,
    swerling: int = 1,
) -> DwellOutcome:
    """One dwell of ``site`` on a target at ``r_ecef_m`` (3,) of mean RCS ``rcs_m2``.

    Checks nothing about coverage (call :func:`sprn.radar.coverage.visible` first). The
    RCS is drawn from the Swerling case, detection is then decided against the steady-
    target probability at the drawn SNR (so over many dwells the detection rate is the
    Swerling ``pd``), and the sigmas follow from the drawn SNR. Always consumes two
    random numbers. A site without a radar type (``site.radar is None``, e.g. from a
    measurement file) always detects, with its fixed ``noise_std``.
    """
    r = np.asarray(r_ecef_m, dtype=float)
    range_m, cos_s = dwell_geometry(site, r[None, :])
    mean = 0.0 if site.radar is None else float(radar_snr(site.radar, range_m[0], rcs_m2, tracking=tracking,
                                                          cos_scan=cos_s[0]))
    return dwell_at(site, mean, float(cos_s[0]), rng, tracking, swerling=swerling)


def dwell_geometry(site: Site, r_ecef_m: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Slant range (m) and scan cosine of targets ``(n, 3)``: what a dwell needs of the geometry.

    The simulation computes them for every frame of a site at once; :func:`dwell_at`
    then takes one frame's values.
    """
    r = np.asarray(r_ecef_m, dtype=float)
    range_m = np.linalg.norm(r - site.r_ecef_m, axis=-1)
    if site.radar is None:
        return range_m, np.ones_like(range_m)
    return range_m, scan_cosine(site, r)


def dwell_at(
    site: Site,
    mean_snr: float,
    cos_scan: float,
    rng: np.random.Generator,
    tracking: bool = False,
    *,
    swerling: int = 1,
) -> DwellOutcome:
    """:func:`dwell` on a target of mean single-dwell SNR ``mean_snr`` (linear, from
    :func:`radar_snr`) at scan cosine ``cos_scan`` (from :func:`dwell_geometry`).

    The simulation computes the SNR per unit RCS of every frame at once and scales it by
    the target's mean RCS; ``mean_snr`` is ignored for a site without a radar type."""
    factor = rcs_fluctuation(swerling, rng)
    draw = float(rng.random())
    with_rr = site.sigma_range_rate_mps is not None
    bias = site.report_bias
    if site.radar is None:
        fixed = list(site.noise_std) + ([float(site.sigma_range_rate_mps or 0.0)] if with_rr else [])
        return DwellOutcome(detected=True, snr_db=math.inf, sigma=_readonly(np.array(fixed)), mean_snr_db=math.inf,
                            bias=bias, swerling=swerling)
    rt = site.radar
    mean = float(mean_snr)
    snr = mean * factor
    dwell_s = rt.track_dwell_s if tracking else rt.search_dwell_s
    return DwellOutcome(
        detected=draw < float(pd_swerling0(snr, rt.pfa)),
        snr_db=_db(snr),
        sigma=_readonly(measurement_sigma(rt, snr, cos_scan, dwell_s=dwell_s, range_rate=with_rr)),
        mean_snr_db=_db(mean),
        bias=bias,
        swerling=swerling,
        pfa=rt.pfa,
    )

