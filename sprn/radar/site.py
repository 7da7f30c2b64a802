"""The radar site record: where a radar is, where it looks and how well it measures."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sprn import geo
from sprn.radar.types import RadarType


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    """A ground radar site.

    Angles are radians and distances metres (SI inside); ``from_degrees`` builds one
    from the units of data files. The sector is centred on ``boresight_az_rad`` and spans
    ``sector_width_rad`` in azimuth (``2 pi`` for all-round coverage); ``faces`` array
    faces share it equally (a two-face Voronezh covering 240 degrees has ``faces = 2``).

    ``sigma_*`` are nominal measurement standard deviations. A site built from the radar
    catalogue (``sprn.radar.network``) carries its ``radar`` type, and
    ``sprn.radar.detection.dwell`` then derives each dwell's sigmas from its SNR; the
    nominal values are those at 20 dB SNR on boresight. ``min_el_rad`` is an apparent
    (refracted) elevation. ``service_start`` is the first day the radar reported to the
    warning system (including experimental combat duty), ``combat_duty`` the formal
    acceptance, ``service_end`` the last day (``None`` while in service).
    """

    name: str
    lat_rad: float
    lon_rad: float
    alt_m: float
    sigma_range_m: float
    sigma_az_rad: float
    sigma_el_rad: float
    revisit_s: float
    min_el_rad: float
    max_el_rad: float = math.radians(90.0)
    max_range_m: float
    boresight_az_rad: float = 0.0
    sector_width_rad: float = 2.0 * math.pi
    track_revisit_s: float | None = None
    sigma_range_rate_mps: float | None = None
    radar_type: str = "generic"
    min_range_m: float = 0.0
    faces: int = 1
    label: str = ""
    country: str = ""
    band: str = ""
    radar: RadarType | None = None
    service_start: dt.date | None = None
    combat_duty: dt.date | None = None
    service_end: dt.date | None = None
    bias_range_m: float = 0.0
    bias_az_rad: float = 0.0
    bias_el_rad: float = 0.0
    source: str = ""
    assumed: tuple[str, ...] = ()
    note: str = ""
    r_ecef_m: NDArray[np.float64] = field(init=False, repr=False, compare=False)
    enu_rotation: NDArray[np.float64] = field(init=False, repr=False, compare=False)
    report_bias: NDArray[np.float64] = field(init=False, repr=False, compare=False)
    """:attr:`bias` of every element of a report: (range, azimuth, elevation[, range rate
    when the site measures it, unbiased]), read-only."""

    def __post_init__(self) -> None:
        r = geo.lla_to_ecef(self.lat_rad, self.lon_rad, self.alt_m)
        rot = geo.enu_rotation(self.lat_rad, self.lon_rad)
        bias = np.concatenate([self.bias, [0.0]]) if self.sigma_range_rate_mps is not None else self.bias
        for name, value in (("r_ecef_m", r), ("enu_rotation", rot), ("report_bias", bias)):
            value.setflags(write=False)
            object.__setattr__(self, name, value)

    @classmethod
    def from_degrees(
        cls,
        *,
        name: str,
        lat_deg: float,
        lon_deg: float,
        alt_m: float,
        sigma_range_m: float,
        sigma_az_deg: float,
        sigma_el_deg: float,
        revisit_s: float,
        min_el_deg: float,
        max_range_km: float,
        max_el_deg: float = 90.0,
        boresight_az_deg: float = 0.0,
        sector_width_deg: float = 360.0,
        track_revisit_s: float | None = None,
        sigma_range_rate_mps: float | None = None,
        radar_type: str = "generic",
        min_range_km: float = 0.0,
    ) -> Site:
        """A site from data-file units (degrees, km)."""
        return cls(
            name=name,
            lat_rad=math.radians(lat_deg),
            lon_rad=math.radians(lon_deg),
            alt_m=alt_m,
            sigma_range_m=sigma_range_m,
            sigma_az_rad=math.radians(sigma_az_deg),
            sigma_el_rad=math.radians(sigma_el_deg),
            revisit_s=revisit_s,
            min_el_rad=math.radians(min_el_deg),
            max_el_rad=math.radians(max_el_deg),
            max_range_m=max_range_km * 1000.0,
            boresight_az_rad=math.radians(boresight_az_deg) % (2.0 * math.pi),
            sector_width_rad=math.radians(sector_width_deg),
            track_revisit_s=track_revisit_s,
            sigma_range_rate_mps=sigma_range_rate_mps,
            radar_type=radar_type,
            min_range_m=min_range_km * 1000.0,
        )

    @property
    def lat_deg(self) -> float:
        return math.degrees(self.lat_rad)

    @property
    def lon_deg(self) -> float:
        return math.degrees(self.lon_rad)

    @property
    def years(self) -> tuple[int | None, int | None]:
        """First and last year of service (``None`` when unknown or still in service)."""
        start = self.service_start.year if self.service_start else None
        end = self.service_end.year if self.service_end else None
        return start, end

    @property
    def noise_std(self) -> NDArray[np.float64]:
        """Standard deviations of (range m, azimuth rad, elevation rad)."""
        return np.array([self.sigma_range_m, self.sigma_az_rad, self.sigma_el_rad])

    @property
    def bias(self) -> NDArray[np.float64]:
        """Fixed measurement bias of (range m, azimuth rad, elevation rad)."""
        return np.array([self.bias_range_m, self.bias_az_rad, self.bias_el_rad])

    def on_duty(self, day: dt.date, *, formal: bool = False) -> bool:
        """Whether the site reported to the warning system on ``day``.

        With ``formal``, only from its ``combat_duty`` date (from ``service_start`` when
        no separate acceptance date is recorded).
        """
        start = self.service_start
        if formal and self.combat_duty is not None:
            start = self.combat_duty
        if start is None or day < start:
            return False
        return self.service_end is None or day <= self.service_end
