"""Radar catalogue records: radar types, target RCS models and network presets.

The lowest layer of :mod:`sprn.radar`: plain frozen records with no physics and no file
reading. Sites (:mod:`sprn.radar.site`) carry a :class:`RadarType`; detection
(:mod:`sprn.radar.detection`) evaluates it; the catalogue loader
(:mod:`sprn.radar.network`) builds these records from ``sprn/data/sites.toml``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

BANDS = ("VHF", "UHF", "L", "S", "C", "X")
"""Radar bands a type may declare; RCS models give VHF and UHF values (UHF used above UHF)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RadarType:
    """Parameters of a radar design, in SI units (see ``sites.toml`` for their sources).

    Powers are average transmitted power; apertures are effective areas; ``losses_db``
    excludes the scan loss, which is ``cos(scan) ** scan_loss_exponent`` in SNR.
    """

    key: str
    name: str
    index: str
    band: str
    frequency_hz: float
    p_avg_w: float
    tx_aperture_m2: float
    rx_aperture_m2: float
    noise_temp_k: float
    losses_db: float
    scan_loss_exponent: float
    face_tilt_rad: float
    search_dwell_s: float
    track_dwell_s: float
    bandwidth_hz: float
    beamwidth_az_rad: float
    beamwidth_el_rad: float
    monopulse_slope: float
    pfa: float
    search_revisit_s: float
    track_revisit_s: float
    range_floor_m: float
    az_floor_rad: float
    el_floor_rad: float
    measures_range_rate: bool
    range_rate_floor_mps: float
    source: str
    assumed: tuple[str, ...]

    @property
    def wavelength_m(self) -> float:
        """Wavelength (m)."""
        return 299792458.0 / self.frequency_hz


@dataclass(frozen=True, slots=True, kw_only=True)
class RcsModel:
    """Mean radar cross section of an object class by band (and aspect), and its Swerling case.

    ``vhf_m2`` and ``uhf_m2`` are the means over all aspects: what a radar sees of a
    tumbling body, or of any body when the aspect is not modelled. A stabilised body may
    also give its mean by aspect: ``aspect_deg`` (ascending, from 0 = nose-on, the line
    of sight from the radar along the body axis against the direction of flight, to 180
    = tail-on) with ``vhf_aspect_m2`` and ``uhf_aspect_m2`` at those angles,
    interpolated linearly in decibels.
    """

    key: str
    description: str
    vhf_m2: float
    uhf_m2: float
    swerling: int
    source: str
    assumed: tuple[str, ...]
    aspect_deg: tuple[float, ...] = ()
    vhf_aspect_m2: tuple[float, ...] = ()
    uhf_aspect_m2: tuple[float, ...] = ()

    @property
    def by_aspect(self) -> bool:
        """Whether the model gives its RCS by aspect angle."""
        return bool(self.aspect_deg)

    def mean_m2(self, band: str) -> float:
        """Mean RCS (m^2) over all aspects in ``band`` (``"VHF"``; any other band uses the UHF value)."""
        return self.vhf_m2 if band == "VHF" else self.uhf_m2

    def mean_m2_at(self, band: str, aspect_rad: ArrayLike) -> NDArray[np.float64]:
        """Mean RCS (m^2) in ``band`` at aspect angles ``aspect_rad`` (the all-aspect mean
        for a model without an aspect table)."""
        a = np.degrees(np.asarray(aspect_rad, dtype=float))
        if not self.by_aspect:
            return np.full(a.shape, self.mean_m2(band))
        table = self.vhf_aspect_m2 if band == "VHF" else self.uhf_aspect_m2
        return np.asarray(np.exp(np.interp(a, self.aspect_deg, np.log(table))), dtype=float)


@dataclass(frozen=True, slots=True, kw_only=True)
class Preset:
    """A named network: the sites on duty on ``date``."""

    key: str
    date: dt.date
    description: str
    source: str
