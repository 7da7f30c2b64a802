"""What to fly: a shot as scenario files and the command line give it, and guidance settings."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sprn.errors import ShotError
from sprn.missiles import missile_keys

SHAPES = ("min-energy", "lofted", "depressed")


@dataclass(frozen=True, slots=True, kw_only=True)
class Guidance:
    """The settings the boost is flown with (what :func:`solve` finds).

    ``azimuth_deg``: launch heading, clockwise from geodetic north; ``kick_deg``: pitch-over
    angle from the vertical at the end of the pitch-over; ``burn_s``: powered time before
    the engine is shut off (summed over the stages; the full burn is the sum of the burn
    times); ``payload_kg``: reentry-vehicle mass; ``loft``: ``1 - kick / kick_me`` with
    ``kick_me`` the kick of the longest-range (minimum-energy) flight with the same burn, so
    0 is minimum energy, 1 a vertical launch and negative values depressed trajectories.
    """

    azimuth_deg: float
    kick_deg: float
    burn_s: float
    payload_kg: float
    loft: float = math.nan


def _bad(field: str, value: object, expected: str) -> ShotError:
    return ShotError(f"{field} = {value!r}: expected {expected}")


def _check_range(field: str, value: float | None, lo: float, hi: float, what: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _bad(field, value, what)
    if not lo <= value <= hi:
        raise _bad(field, value, what)


@dataclass(frozen=True, slots=True, kw_only=True)
class Shot:
    """A launch request, in the units of scenario files (degrees, km).

    Give the launch point and one of:

    (a) ``apogee_km`` and ``range_km`` (with ``azimuth_deg``, default 90, due east): a test
        flight of known apogee and range, flown by lofting and by shutting the engine off
        early when the full burn would overshoot;
    (b) an aim point ``aim_lat_deg``, ``aim_lon_deg`` with ``shape`` (default
        ``"min-energy"``); ``"lofted"`` and ``"depressed"`` need ``apogee_km`` or ``loft``;
    (c) ``azimuth_deg`` with ``loft`` (a full burn; see :class:`Guidance`) or with
        ``shape = "min-energy"`` for the longest range.

    ``payload_kg`` replaces the catalogue's nominal reentry-vehicle mass.

    Raises
    ------
    ShotError
        Naming the field, its value and what is expected.
    """

    missile: str
    launch_lat_deg: float
    launch_lon_deg: float
    launch_alt_m: float = 0.0
    apogee_km: float | None = None
    range_km: float | None = None
    azimuth_deg: float | None = None
    aim_lat_deg: float | None = None
    aim_lon_deg: float | None = None
    shape: str | None = None
    loft: float | None = None
    payload_kg: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.missile, str) or self.missile not in missile_keys():
            raise _bad("missile", self.missile, f"a catalogue key: one of {', '.join(missile_keys())}")
        _check_range("launch_lat_deg", self.launch_lat_deg, -90.0, 90.0, "a latitude in [-90, 90] deg")
        _check_range("launch_lon_deg", self.launch_lon_deg, -180.0, 360.0, "a longitude in [-180, 360] deg")
        _check_range("launch_alt_m", self.launch_alt_m, -500.0, 9000.0, "a pad height in [-500, 9000] m")
        _check_range("aim_lat_deg", self.aim_lat_deg, -90.0, 90.0, "a latitude in [-90, 90] deg")
        _check_range("aim_lon_deg", self.aim_lon_deg, -180.0, 360.0, "a longitude in [-180, 360] deg")
        _check_range("azimuth_deg", self.azimuth_deg, -360.0, 360.0, "an azimuth in [-360, 360] deg")
        _check_range("apogee_km", self.apogee_km, 1e-3, 1e5, "an apogee height above 0 km")
        _check_range("range_km", self.range_km, 1e-3, 20037.0, "a range in (0, 20037] km")
        _check_range("loft", self.loft, -1.0, 1.0, "a loft setting in [-1, 1] (0 = minimum energy)")
        _check_range("payload_kg", self.payload_kg, 1.0, 1e5, "a payload mass above 1 kg")
        if self.shape is not None and self.shape not in SHAPES:
            raise _bad("shape", self.shape, f"one of {', '.join(SHAPES)}")
        self._check_form()

    @property
    def form(self) -> str:
        """``"apogee-range"``, ``"aim"`` or ``"azimuth"``: which way the shot is given."""
        if self.aim_lat_deg is not None or self.aim_lon_deg is not None:
            return "aim"
        if self.apogee_km is not None and self.range_km is not None:
            return "apogee-range"
        return "azimuth"

    def _check_form(self) -> None:
        form = self.form
        if form == "aim":
            if self.aim_lat_deg is None or self.aim_lon_deg is None:
                missing = "aim_lat_deg" if self.aim_lat_deg is None else "aim_lon_deg"
                raise _bad(missing, None, "both aim_lat_deg and aim_lon_deg for an aimed shot")
            for name in ("range_km", "azimuth_deg"):
                if getattr(self, name) is not None:
                    raise _bad(name, getattr(self, name), "nothing with an aim point (it sets range and azimuth)")
            shape = self.shape or "min-energy"
            given = [n for n in ("apogee_km", "loft") if getattr(self, n) is not None]
            if shape == "min-energy" and given:
                raise _bad(given[0], getattr(self, given[0]), "nothing for a min-energy shot")
            if shape != "min-energy" and len(given) != 1:
                raise _bad("apogee_km" if not given else given[1], None if not given else getattr(self, given[1]),
                           f"exactly one of apogee_km or loft for a {shape} shot")
            if self.loft is not None and (self.loft > 0.0) != (shape == "lofted"):
                raise _bad("loft", self.loft, "> 0 for a lofted shot, < 0 for a depressed one")
        elif form == "apogee-range":
            for name in ("shape", "loft"):
                if getattr(self, name) is not None:
                    raise _bad(name, getattr(self, name), "nothing with apogee_km and range_km")
        else:
            if self.range_km is not None or self.apogee_km is not None:
                name = "range_km" if self.apogee_km is None else "apogee_km"
                raise _bad(name, None, "both apogee_km and range_km (or an aim point, or azimuth_deg with loft)")
            if self.azimuth_deg is None:
                raise _bad("azimuth_deg", None, "a launch azimuth (or apogee_km + range_km, or an aim point)")
            if (self.loft is None) == (self.shape != "min-energy"):
                raise _bad("loft", self.loft, "a loft setting, or shape = 'min-energy' without loft")
            if self.shape not in (None, "min-energy"):
                raise _bad("shape", self.shape, "'min-energy' (or a loft setting) with an azimuth")
