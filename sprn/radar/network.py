"""The early-warning radar catalogue: radar types, sites, target RCS and network presets.

``sprn/data/sites.toml`` is read and validated once: a bad value raises
:class:`sprn.errors.DataError` with a one-line message naming the file, the table (site,
type, preset) and the field. Scenarios build radars of their own, of any country, from a
table with the same field names (:func:`site_from_table`).
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sprn.errors import DataError, field_error
from sprn.radar.detection import measurement_sigma
from sprn.radar.site import Site
from sprn.radar.types import BANDS, Preset, RadarType, RcsModel

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "sites.toml"
"""The catalogue shipped with sprn."""

NOMINAL_SNR_DB = 20.0
"""SNR (dB) at which a catalogue site's nominal ``sigma_*`` fields are evaluated."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Network:
    """A validated catalogue: types, sites, RCS models and presets, keyed by name."""

    path: str
    types: Mapping[str, RadarType]
    sites: Mapping[str, Site]
    rcs: Mapping[str, RcsModel]
    presets: Mapping[str, Preset]

    def on_duty(self, day: dt.date, *, formal: bool = False) -> tuple[Site, ...]:
        """Sites reporting on ``day``; with ``formal``, only those past combat duty."""
        return tuple(s for s in self.sites.values() if s.on_duty(day, formal=formal))

    def preset(self, name: str) -> tuple[Site, ...]:
        """The sites of preset ``name``."""
        return self.on_duty(_lookup(self.presets, name, "preset", self.path).date)


# --- field specifications -------------------------------------------------------------

Check = Callable[[Any], bool]


@dataclass(frozen=True, slots=True)
class Spec:
    """One allowed field: its kind, whether it is required, and a value check."""

    kind: str
    required: bool = True
    check: Check | None = None
    expected: str = ""


def _rng(lo: float, hi: float, lo_open: bool = False, hi_open: bool = False) -> tuple[Check, str]:
    def check(v: float) -> bool:
        above = v > lo if lo_open else v >= lo
        below = v < hi if hi_open else v <= hi
        return above and below

    left = "(" if lo_open else "["
    right = ")" if hi_open else "]"
    return check, f"a number in {left}{lo:g}, {hi:g}{right}"


def _num(lo: float, hi: float, *, required: bool = True, lo_open: bool = False, hi_open: bool = False) -> Spec:
    check, expected = _rng(lo, hi, lo_open, hi_open)
    return Spec("number", required, check, expected)


POS = math.inf

TYPE_FIELDS: dict[str, Spec] = {
    "name": Spec("str"),
    "index": Spec("str", required=False),
    "band": Spec("str", check=lambda v: v in BANDS, expected=f"one of {', '.join(BANDS)}"),
    "frequency_mhz": _num(1.0, 1e5),
    "p_avg_kw": _num(0.0, POS, lo_open=True),
    "tx_aperture_m2": _num(0.0, POS, lo_open=True),
    "rx_aperture_m2": _num(0.0, POS, lo_open=True),
    "noise_temp_k": _num(0.0, POS, lo_open=True),
    "losses_db": _num(0.0, 60.0),
    "scan_loss_exponent": _num(0.0, 10.0),
    "face_tilt_deg": _num(0.0, 90.0),
    "search_dwell_ms": _num(0.0, 1e5, lo_open=True),
    "track_dwell_ms": _num(0.0, 1e5, lo_open=True),
    "bandwidth_mhz": _num(0.0, 1e4, lo_open=True),
    "beamwidth_az_deg": _num(0.0, 90.0, lo_open=True),
    "beamwidth_el_deg": _num(0.0, 90.0, lo_open=True),
    "monopulse_slope": _num(0.0, 10.0, lo_open=True),
    "pfa": _num(0.0, 0.5, lo_open=True, hi_open=True),
    "search_revisit_s": _num(0.0, 3600.0, lo_open=True),
    "track_revisit_s": _num(0.0, 3600.0, lo_open=True),
    "range_floor_m": _num(0.0, 1e5),
    "az_floor_mrad": _num(0.0, 1e3),
    "el_floor_mrad": _num(0.0, 1e3),
    "range_rate": Spec("bool"),
    "range_rate_floor_mps": _num(0.0, 1e4),
    "source": Spec("str"),
    "assumed": Spec("str_list"),
}

SITE_FIELDS: dict[str, Spec] = {
    "name": Spec("str", required=False),
    "country": Spec("str", required=False),
    "type": Spec("type_ref"),
    "lat_deg": _num(-90.0, 90.0),
    "lon_deg": _num(-180.0, 360.0),
    "alt_m": _num(-500.0, 9000.0),
    "boresight_az_deg": _num(0.0, 360.0, hi_open=True),
    "sector_width_deg": _num(0.0, 360.0, lo_open=True),
    "faces": Spec("int", False, lambda v: 1 <= v <= 8, "an integer in [1, 8]"),
    "min_el_deg": _num(-5.0, 90.0, hi_open=True),
    "max_el_deg": _num(-5.0, 90.0, lo_open=True),
    "min_range_km": _num(0.0, 1e5, required=False),
    "max_range_km": _num(0.0, 1e5, lo_open=True),
    "service_start": Spec("date", required=False),
    "combat_duty": Spec("date", required=False),
    "service_end": Spec("date", required=False),
    "bias_range_m": _num(-1e4, 1e4, required=False),
    "bias_az_deg": _num(-10.0, 10.0, required=False),
    "bias_el_deg": _num(-10.0, 10.0, required=False),
    "note": Spec("str", required=False),
    "source": Spec("str"),
    "assumed": Spec("str_list", required=False),
}

RCS_FIELDS: dict[str, Spec] = {
    "description": Spec("str"),
    "vhf_m2": _num(0.0, 1e6, lo_open=True),
    "uhf_m2": _num(0.0, 1e6, lo_open=True),
    "swerling": Spec("int", True, lambda v: v in (0, 1, 2, 3, 4), "0, 1, 2, 3 or 4"),
    "aspect_deg": Spec("number_list", False, lambda v: len(v) >= 2 and v[0] == 0 and v[-1] == 180
                       and all(a < b for a, b in zip(v, v[1:])), "ascending angles from 0 to 180"),
    "vhf_aspect_m2": Spec("number_list", False, lambda v: all(x > 0 for x in v), "positive numbers"),
    "uhf_aspect_m2": Spec("number_list", False, lambda v: all(x > 0 for x in v), "positive numbers"),
    "source": Spec("str"),
    "assumed": Spec("str_list"),
}

PRESET_FIELDS: dict[str, Spec] = {
    "date": Spec("date"),
    "description": Spec("str"),
    "source": Spec("str"),
}

SECTIONS = ("presets", "types", "sites", "rcs")


def _kind_ok(kind: str, v: object) -> bool:
    if kind == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    if kind == "int":
        return isinstance(v, int) and not isinstance(v, bool)
    if kind == "str":
        return isinstance(v, str) and v.strip() != ""
    if kind == "bool":
        return isinstance(v, bool)
    if kind == "date":
        return _as_date(v) is not None
    if kind == "str_list":
        return isinstance(v, list) and all(isinstance(x, str) for x in v)
    if kind == "number_list":
        return isinstance(v, list) and all(_kind_ok("number", x) for x in v)
    if kind == "type_ref":
        return (isinstance(v, str) and v != "") or isinstance(v, dict)
    raise AssertionError(kind)


def _as_date(v: object) -> dt.date | None:
    """A date from a TOML date, an ISO ``YYYY-MM-DD`` string or a year; else None."""
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v
    if isinstance(v, int) and not isinstance(v, bool) and 1900 <= v <= 2200:
        return dt.date(v, 1, 1)
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return None
    return None


_KIND_WORDS = {
    "number": "a finite number",
    "int": "an integer",
    "str": "a non-empty string",
    "bool": "true or false",
    "date": "a date (YYYY-MM-DD) or a year",
    "str_list": "a list of strings",
    "number_list": "a list of finite numbers",
    "type_ref": "a radar type name or a table defining one",
}


def validate_table(table: object, specs: Mapping[str, Spec], source: str) -> dict[str, Any]:
    """Check ``table`` against ``specs``: unknown keys, missing keys, kinds and ranges."""
    if not isinstance(table, dict):
        raise DataError(f"{source}: expected a table, got {table!r}")
    for key in table:
        if key not in specs:
            raise field_error(DataError, source, key, table[key], f"no such field (known: {', '.join(specs)})")
    out: dict[str, Any] = {}
    for key, spec in specs.items():
        if key not in table:
            if spec.required:
                raise field_error(DataError, source, key, None, f"{_KIND_WORDS[spec.kind]} (field is required)")
            continue
        v = table[key]
        if not _kind_ok(spec.kind, v):
            raise field_error(DataError, source, key, v, _KIND_WORDS[spec.kind])
        if spec.check is not None and not spec.check(v):
            raise field_error(DataError, source, key, v, spec.expected)
        out[key] = _as_date(v) if spec.kind == "date" else v
    return out


# --- building records -----------------------------------------------------------------


def radar_type_from_table(key: str, table: object, source: str) -> RadarType:
    """A :class:`RadarType` from a table with the ``[types.*]`` field names."""
    f = validate_table(table, TYPE_FIELDS, source)
    return RadarType(
        key=key,
        name=f["name"],
        index=f.get("index", ""),
        band=f["band"],
        frequency_hz=f["frequency_mhz"] * 1e6,
        p_avg_w=f["p_avg_kw"] * 1e3,
        tx_aperture_m2=float(f["tx_aperture_m2"]),
        rx_aperture_m2=float(f["rx_aperture_m2"]),
        noise_temp_k=float(f["noise_temp_k"]),
        losses_db=float(f["losses_db"]),
        scan_loss_exponent=float(f["scan_loss_exponent"]),
        face_tilt_rad=math.radians(f["face_tilt_deg"]),
        search_dwell_s=f["search_dwell_ms"] * 1e-3,
        track_dwell_s=f["track_dwell_ms"] * 1e-3,
        bandwidth_hz=f["bandwidth_mhz"] * 1e6,
        beamwidth_az_rad=math.radians(f["beamwidth_az_deg"]),
        beamwidth_el_rad=math.radians(f["beamwidth_el_deg"]),
        monopulse_slope=float(f["monopulse_slope"]),
        pfa=float(f["pfa"]),
        search_revisit_s=float(f["search_revisit_s"]),
        track_revisit_s=float(f["track_revisit_s"]),
        range_floor_m=float(f["range_floor_m"]),
        az_floor_rad=f["az_floor_mrad"] * 1e-3,
        el_floor_rad=f["el_floor_mrad"] * 1e-3,
        measures_range_rate=f["range_rate"],
        range_rate_floor_mps=float(f["range_rate_floor_mps"]),
        source=f["source"],
        assumed=tuple(f["assumed"]),
    )


def _check_site_consistency(f: Mapping[str, Any], source: str) -> None:
    if f["max_el_deg"] <= f["min_el_deg"]:
        raise field_error(DataError, source, "max_el_deg", f["max_el_deg"], f"more than min_el_deg = {f['min_el_deg']}")
    if f["max_range_km"] <= f.get("min_range_km", 0.0):
        raise field_error(DataError, source, "max_range_km", f["max_range_km"], "more than min_range_km")
    faces = f.get("faces", 1)
    if f["sector_width_deg"] / faces > 180.0:
        raise field_error(
            DataError, source, "sector_width_deg", f["sector_width_deg"], f"at most 180 deg per face ({faces} faces)"
        )
    start, duty, end = f.get("service_start"), f.get("combat_duty"), f.get("service_end")
    if end is not None and (start is None or end < start):
        raise field_error(DataError, source, "service_end", end, "on or after service_start")
    if duty is not None and (start is None or duty < start):
        raise field_error(DataError, source, "combat_duty", duty, "on or after service_start")


def site_from_table(
    table: Mapping[str, Any],
    source: str,
    *,
    key: str | None = None,
    types: Mapping[str, RadarType] | None = None,
) -> Site:
    """A :class:`Site` from a table with the ``[sites.*]`` field names of ``sites.toml``.

    ``type`` names a radar type of ``types`` (default: the shipped catalogue) or is a
    table with the ``[types.*]`` fields, so a scenario can define a radar of any country.
    The site's name is ``key``, else the table's ``name``. Errors name ``source`` and the
    field.
    """
    if types is None:
        types = default_network().types
    f = validate_table(dict(table), SITE_FIELDS, source)
    ref = f["type"]
    if isinstance(ref, dict):
        rtype = radar_type_from_table(str(ref.get("name", "custom")), ref, f"{source}: type")
    elif ref in types:
        rtype = types[ref]
    else:
        raise field_error(DataError, source, "type", ref, f"one of {', '.join(types)} or a type table")
    _check_site_consistency(f, source)
    name = key if key is not None else f.get("name")
    if not name:
        raise field_error(DataError, source, "name", None, "a non-empty string (field is required)")
    return _build_site(name, f, rtype)


def _build_site(name: str, f: Mapping[str, Any], rtype: RadarType) -> Site:
    sigma = measurement_sigma(rtype, 10.0 ** (NOMINAL_SNR_DB / 10.0), dwell_s=rtype.track_dwell_s, range_rate=True)
    return Site(
        name=name,
        label=f.get("name", name),
        country=f.get("country", ""),
        radar_type=rtype.key,
        radar=rtype,
        band=rtype.band,
        lat_rad=math.radians(f["lat_deg"]),
        lon_rad=math.radians(f["lon_deg"]),
        alt_m=float(f["alt_m"]),
        sigma_range_m=float(sigma[0]),
        sigma_az_rad=float(sigma[1]),
        sigma_el_rad=float(sigma[2]),
        sigma_range_rate_mps=float(sigma[3]) if rtype.measures_range_rate else None,
        revisit_s=rtype.search_revisit_s,
        track_revisit_s=rtype.track_revisit_s,
        min_el_rad=math.radians(f["min_el_deg"]),
        max_el_rad=math.radians(f["max_el_deg"]),
        min_range_m=f.get("min_range_km", 0.0) * 1e3,
        max_range_m=f["max_range_km"] * 1e3,
        boresight_az_rad=math.radians(f["boresight_az_deg"]),
        sector_width_rad=math.radians(f["sector_width_deg"]),
        faces=f.get("faces", 1),
        service_start=f.get("service_start"),
        combat_duty=f.get("combat_duty"),
        service_end=f.get("service_end"),
        bias_range_m=float(f.get("bias_range_m", 0.0)),
        bias_az_rad=math.radians(f.get("bias_az_deg", 0.0)),
        bias_el_rad=math.radians(f.get("bias_el_deg", 0.0)),
        source=f["source"],
        assumed=tuple(f.get("assumed", ())),
        note=f.get("note", ""),
    )


def _rcs_from_table(key: str, table: object, source: str) -> RcsModel:
    f = validate_table(table, RCS_FIELDS, source)
    aspect = tuple(float(a) for a in f.get("aspect_deg", ()))
    for name in ("vhf_aspect_m2", "uhf_aspect_m2"):
        if len(f.get(name, ())) != len(aspect):
            raise field_error(DataError, source, name, f.get(name), f"one value per aspect_deg ({len(aspect)})")
    return RcsModel(
        aspect_deg=aspect,
        vhf_aspect_m2=tuple(float(v) for v in f.get("vhf_aspect_m2", ())),
        uhf_aspect_m2=tuple(float(v) for v in f.get("uhf_aspect_m2", ())),
        key=key,
        description=f["description"],
        vhf_m2=float(f["vhf_m2"]),
        uhf_m2=float(f["uhf_m2"]),
        swerling=f["swerling"],
        source=f["source"],
        assumed=tuple(f["assumed"]),
    )


def _preset_from_table(key: str, table: object, source: str) -> Preset:
    f = validate_table(table, PRESET_FIELDS, source)
    return Preset(key=key, date=f["date"], description=f["description"], source=f["source"])


def _section(doc: Mapping[str, Any], name: str, path: str) -> dict[str, Any]:
    sec = doc.get(name)
    if not isinstance(sec, dict) or not sec:
        raise DataError(f"{path}: [{name}]: expected a non-empty table of tables")
    return sec


def load_network(path: str | Path | None = None) -> Network:
    """Read and validate a catalogue (default: the shipped ``sites.toml``).

    Raises
    ------
    sprn.errors.DataError
        On unreadable or invalid TOML, unknown or missing fields, values out of range,
        unknown radar types, or inconsistent limits and dates.
    """
    p = Path(path) if path is not None else DEFAULT_PATH
    where = str(p)
    try:
        with p.open("rb") as fh:
            doc = tomllib.load(fh)
    except OSError as exc:
        raise DataError(f"{where}: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{where}: not valid TOML: {exc}") from exc
    for key in doc:
        if key not in SECTIONS:
            raise DataError(f"{where}: [{key}]: unknown section (expected {', '.join(SECTIONS)})")
    types = {k: radar_type_from_table(k, v, f"{where}: types.{k}") for k, v in _section(doc, "types", where).items()}
    sites = {
        k: site_from_table(_as_table(v, f"{where}: sites.{k}"), f"{where}: sites.{k}", key=k, types=types)
        for k, v in _section(doc, "sites", where).items()
    }
    rcs = {k: _rcs_from_table(k, v, f"{where}: rcs.{k}") for k, v in _section(doc, "rcs", where).items()}
    presets = {k: _preset_from_table(k, v, f"{where}: presets.{k}") for k, v in _section(doc, "presets", where).items()}
    return Network(
        path=where,
        types=MappingProxyType(types),
        sites=MappingProxyType(sites),
        rcs=MappingProxyType(rcs),
        presets=MappingProxyType(presets),
    )


def _as_table(v: object, source: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise DataError(f"{source}: expected a table, got {v!r}")
    return v


def _lookup(table: Mapping[str, Any], name: str, what: str, path: str) -> Any:
    try:
        return table[name]
    except KeyError:
        raise DataError(f"{path}: unknown {what} {name!r}: expected one of {', '.join(table)}") from None


# --- the shipped catalogue --------------------------------------------------------------


@lru_cache(maxsize=1)
def default_network() -> Network:
    """The shipped catalogue, read once."""
    return load_network()


def preset(name: str) -> tuple[Site, ...]:
    """Sites of a preset of the shipped catalogue (``"sprn-2017"``, ``"sprn-2026"``)."""
    return default_network().preset(name)


def preset_names() -> tuple[str, ...]:
    """Names of the shipped presets."""
    return tuple(default_network().presets)


def sites_on_duty(day: dt.date, *, formal: bool = False) -> tuple[Site, ...]:
    """Sites of the shipped catalogue reporting on ``day`` (``formal``: combat duty only)."""
    return default_network().on_duty(day, formal=formal)


def site(name: str) -> Site:
    """A site of the shipped catalogue by key (e.g. ``"mishelevka"``)."""
    net = default_network()
    return _lookup(net.sites, name, "site", net.path)  # type: ignore[no-any-return]


def radar_type(name: str) -> RadarType:
    """A radar type of the shipped catalogue by key (e.g. ``"voronezh-dm"``)."""
    net = default_network()
    return _lookup(net.types, name, "radar type", net.path)  # type: ignore[no-any-return]


def rcs_model(name: str) -> RcsModel:
    """A target RCS model of the shipped catalogue (e.g. ``"reentry-vehicle"``)."""
    net = default_network()
    return _lookup(net.rcs, name, "RCS model", net.path)  # type: ignore[no-any-return]


def site_record(s: Site) -> dict[str, Any]:
    """A site as a plain dict in edge units (degrees, km), e.g. for ``sprn sites --json``."""
    return {
        "name": s.name,
        "label": s.label or s.name,
        "country": s.country,
        "type": s.radar_type,
        "band": s.band,
        "lat_deg": round(s.lat_deg, 6),
        "lon_deg": round(s.lon_deg, 6),
        "alt_m": s.alt_m,
        "boresight_az_deg": round(math.degrees(s.boresight_az_rad), 3),
        "sector_width_deg": round(math.degrees(s.sector_width_rad), 3),
        "faces": s.faces,
        "min_el_deg": round(math.degrees(s.min_el_rad), 3),
        "max_el_deg": round(math.degrees(s.max_el_rad), 3),
        "min_range_km": s.min_range_m / 1e3,
        "max_range_km": s.max_range_m / 1e3,
        "service_start": s.service_start.isoformat() if s.service_start else None,
        "combat_duty": s.combat_duty.isoformat() if s.combat_duty else None,
        "service_end": s.service_end.isoformat() if s.service_end else None,
        "revisit_s": s.revisit_s,
        "track_revisit_s": s.track_revisit_s,
        "sigma_range_m": s.sigma_range_m,
        "sigma_az_deg": math.degrees(s.sigma_az_rad),
        "sigma_el_deg": math.degrees(s.sigma_el_rad),
        "sigma_range_rate_mps": s.sigma_range_rate_mps,
        "note": s.note,
        "source": s.source,
        "assumed": list(s.assumed),
    }


def sites_table(sites: tuple[Site, ...] | None = None) -> list[dict[str, Any]]:
    """Site records (:func:`site_record`) of ``sites`` (default: the whole catalogue)."""
    chosen = tuple(default_network().sites.values()) if sites is None else sites
    return [site_record(s) for s in chosen]
