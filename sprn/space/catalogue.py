"""The satellite catalogue (``sprn/data/satellites.toml``): satellites, presets, sensors, plumes.

Records only; the orbit and the sensor physics are in :mod:`sprn.space.orbit` and
:mod:`sprn.space.infrared`. Dates and statuses are data (most are disputed): a preset is
the catalogue's satellites whose service dates contain the scenario's date, and its notes
name the disputed ones.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sprn.errors import DataError, field_error

SATELLITES_FILE = Path(__file__).resolve().parents[1] / "data" / "satellites.toml"
STATUSES = ("in service", "failed", "disputed")


@dataclass(frozen=True, slots=True, kw_only=True)
class SensorSpec:
    """An infrared early-warning sensor (every figure an assumption; see the data file).

    ``nei_w_m2``: noise-equivalent irradiance of one frame of ``frame_s``; ``revisit_s``:
    time between looks at one area; ``snr_threshold``: detection threshold on the frame's
    SNR; ``ifov_rad``: pixel size; ``sigma_floor_rad``: floor of the line of sight's noise;
    ``grazing_m``: lowest tangent height of a line of sight through the limb;
    ``cloud_top_m``: default cloud-top height.
    """

    nei_w_m2: float
    frame_s: float
    revisit_s: float
    snr_threshold: float
    ifov_rad: float
    sigma_floor_rad: float
    grazing_m: float
    cloud_top_m: float


@dataclass(frozen=True, slots=True, kw_only=True)
class PlumeSpec:
    """Radiant intensity per newton of vacuum thrust (W/sr/N) at sea level and in vacuum."""

    w_sr_per_n_sl: float
    w_sr_per_n_vac: float


@dataclass(frozen=True, slots=True, kw_only=True)
class NominalOrbit:
    """Nominal Molniya (or geostationary) elements (SI inside).

    ``apogee_lon_rad``: the longitude under the apogee (for a geostationary orbit: the
    station); ``slot_rad``: the satellite's mean anomaly ahead of the constellation's
    reference phase. The argument of perigee is 270 deg for a Molniya orbit (apogee at
    the northernmost point).
    """

    kind: str
    perigee_m: float
    apogee_m: float
    inclination_rad: float
    apogee_lon_rad: float
    slot_rad: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Satellite:
    """A catalogued early-warning satellite and its (often disputed) service record."""

    key: str
    name: str
    system: str
    kosmos: int
    norad_id: int
    cospar_id: str
    launch: dt.date
    service_start: dt.date
    service_end: dt.date | None
    status: str
    status_note: str
    orbit: NominalOrbit
    sensor: str
    source: str
    assumed: tuple[str, ...] = ()

    def in_service(self, day: dt.date) -> bool:
        """Whether ``day`` lies in the recorded service dates (the status may still be disputed)."""
        return self.service_start <= day and (self.service_end is None or day <= self.service_end)


@dataclass(frozen=True, slots=True, kw_only=True)
class Catalogue:
    """The whole file: satellites by key, preset notes, sensors and plumes by name."""

    satellites: dict[str, Satellite]
    preset_notes: dict[str, str]
    sensors: dict[str, SensorSpec]
    plumes: dict[str, PlumeSpec]

    def preset(self, name: str, day: dt.date) -> tuple[Satellite, ...]:
        """The satellites in service on ``day`` (``name`` must be a preset of the file)."""
        if name not in self.preset_notes:
            raise KeyError(name)
        return tuple(s for s in self.satellites.values() if s.in_service(day))

    def preset_note(self, name: str, day: dt.date) -> str:
        """The preset's note, with the disputed satellites it includes on ``day`` named."""
        disputed = [s.name for s in self.preset(name, day) if s.status == "disputed"]
        tail = f" Disputed and included: {', '.join(disputed)}." if disputed else ""
        return self.preset_notes[name] + tail


def _num(path: str, where: str, table: dict[str, Any], key: str, lo: float = -math.inf) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < lo:
        raise field_error(DataError, path, f"{where}.{key}", value, f"a finite number >= {lo:g}")
    return float(value)


def _date(path: str, where: str, table: dict[str, Any], key: str, required: bool = True) -> dt.date | None:
    value = table.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise field_error(DataError, path, f"{where}.{key}", value, "a TOML date, e.g. 2015-11-17")
    return value


def _text(path: str, where: str, table: dict[str, Any], key: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value:
        raise field_error(DataError, path, f"{where}.{key}", value, "a non-empty string")
    return value


def _satellite(path: str, key: str, t: Any) -> Satellite:
    where = f"satellites.{key}"
    if not isinstance(t, dict):
        raise field_error(DataError, path, where, t, "a table")
    status = _text(path, where, t, "status")
    if status not in STATUSES:
        raise field_error(DataError, path, f"{where}.status", status, "one of " + ", ".join(STATUSES))
    kind = _text(path, where, t, "orbit")
    if kind not in ("molniya", "geostationary"):
        raise field_error(DataError, path, f"{where}.orbit", kind, "'molniya' or 'geostationary'")
    perigee = _num(path, where, t, "perigee_km", 100.0) * 1e3
    apogee = _num(path, where, t, "apogee_km", 100.0) * 1e3
    if apogee < perigee:
        raise field_error(DataError, path, f"{where}.apogee_km", apogee / 1e3, "at least perigee_km")
    assumed = t.get("assumed", [])
    if not isinstance(assumed, list) or not all(isinstance(a, str) for a in assumed):
        raise field_error(DataError, path, f"{where}.assumed", assumed, "a list of field names")
    start = _date(path, where, t, "service_start")
    launch = _date(path, where, t, "launch")
    assert start is not None and launch is not None
    return Satellite(
        key=key, name=_text(path, where, t, "name"), system=_text(path, where, t, "system"),
        kosmos=int(_num(path, where, t, "kosmos", 1.0)), norad_id=int(_num(path, where, t, "norad_id", 1.0)),
        cospar_id=_text(path, where, t, "cospar_id"), launch=launch, service_start=start,
        service_end=_date(path, where, t, "service_end", required=False), status=status,
        status_note=_text(path, where, t, "status_note"),
        orbit=NominalOrbit(
            kind=kind, perigee_m=perigee, apogee_m=apogee,
            inclination_rad=math.radians(_num(path, where, t, "inclination_deg", 0.0)),
            apogee_lon_rad=math.radians(_num(path, where, t, "apogee_lon_deg")),
            slot_rad=math.radians(_num(path, where, t, "slot_deg")),
        ),
        sensor="eks" if t.get("system", "").startswith("EKS") else "oko",
        source=_text(path, where, t, "source"), assumed=tuple(assumed),
    )


def parse_catalogue(doc: dict[str, Any], path: str) -> Catalogue:
    """Validate a parsed satellites file into a :class:`Catalogue` (errors name file and field)."""
    sats = doc.get("satellites", {})
    sensors, plumes, presets = doc.get("sensors", {}), doc.get("plume", {}), doc.get("presets", {})
    return Catalogue(
        satellites={k: _satellite(path, k, v) for k, v in sats.items()},
        preset_notes={k: _text(path, f"presets.{k}", v, "note") for k, v in presets.items()},
        sensors={
            k: SensorSpec(
                nei_w_m2=_num(path, f"sensors.{k}", v, "nei_w_m2", 0.0),
                frame_s=_num(path, f"sensors.{k}", v, "frame_s", 0.0),
                revisit_s=_num(path, f"sensors.{k}", v, "revisit_s", 0.0),
                snr_threshold=_num(path, f"sensors.{k}", v, "snr_threshold", 0.0),
                ifov_rad=_num(path, f"sensors.{k}", v, "ifov_urad", 0.0) * 1e-6,
                sigma_floor_rad=_num(path, f"sensors.{k}", v, "sigma_floor_urad", 0.0) * 1e-6,
                grazing_m=_num(path, f"sensors.{k}", v, "grazing_km", 0.0) * 1e3,
                cloud_top_m=_num(path, f"sensors.{k}", v, "cloud_top_km", 0.0) * 1e3,
            )
            for k, v in sensors.items()
        },
        plumes={
            k: PlumeSpec(w_sr_per_n_sl=_num(path, f"plume.{k}", v, "w_sr_per_n_sl", 0.0),
                         w_sr_per_n_vac=_num(path, f"plume.{k}", v, "w_sr_per_n_vac", 0.0))
            for k, v in plumes.items()
        },
    )


@cache
def load_catalogue(path: Path = SATELLITES_FILE) -> Catalogue:
    """The satellite catalogue (read once)."""
    with open(path, "rb") as fh:
        return parse_catalogue(tomllib.load(fh), str(path))


def preset_names() -> tuple[str, ...]:
    """The presets of the satellites file."""
    return tuple(load_catalogue().preset_notes)
