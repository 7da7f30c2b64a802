"""Scenario files: TOML into frozen, validated records.

One file, one engagement. Every key is checked: unknown keys, missing fields, wrong types
and out-of-range values raise :class:`~sprn.errors.ScenarioError` whose message names the
file, the field (as a dotted path), the value and what was expected. See
``scenarios/kusong-2017-05-14.toml`` for a commented example and the README for the
table of keys.

This module is the one validator of scenario keys: ``sprn run``, ``sprn mc``, the
notebooks (:func:`load`, :func:`from_dict`) and sweeps (:func:`apply_point`: a grid key
``TABLE.FIELD`` is the scenario's ``[TABLE] FIELD``, validated again by the same code)
all go through it.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import itertools
import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sprn.errors import ScenarioError, SprnError
from sprn.territory import city, territory
from sprn.tracking.config import ASSOCIATIONS, FILTERS, MODELS, TrackerConfig
from sprn.trajectory import Shot
from sprn.trajectory.scene import SceneConfig

if TYPE_CHECKING:  # the radar and simulation records; their modules are imported where they are built
    from sprn.radar.site import Site
    from sprn.sim import Link, SimConfig
    from sprn.space.network import SpaceNetwork
    from sprn.territory import Territory

_MISSING = object()

REPORT_CITIES = ("Vladivostok", "Nakhodka", "Niigata", "Tokyo", "Seoul", "Sapporo")
"""Default of ``[outputs] cities``: the cities whose distance to each predicted impact is reported."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Sweep:
    """A scenario's ``[sweep]`` table: the grid (dotted key to the values to try) and the runs per point."""

    grid: Mapping[str, tuple[Any, ...]]
    runs_per_point: int = 1

    def points(self) -> list[dict[str, Any]]:
        """Every combination of the grid's values (:func:`grid_points`)."""
        return grid_points(self.grid)


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values (the last key varies fastest)."""
    keys = list(grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(grid[k] for k in keys))]


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A validated engagement: the shots, the radar network and the command centre.

    ``shots[i]`` is launched ``launch_times_s[i]`` after the epoch (the first at the
    epoch); ``shot`` is the first; ``scene`` says which objects of each launch are flown
    and seen, and whether radars give false alarms. ``tables`` holds the file's tables as read, from which :func:`apply_point` builds a
    changed scenario (so records replaced in code, e.g. with ``dataclasses.replace``,
    are not carried into a sweep's points).
    """

    path: str
    name: str
    epoch: dt.datetime
    seed: int
    shots: tuple[Shot, ...]
    launch_times_s: tuple[float, ...]
    scene: SceneConfig
    sites: tuple[Site, ...]
    tracker: TrackerConfig
    sim: SimConfig
    out_dir: str
    assumed_beta_kg_m2: float | None
    report_cities: tuple[str, ...] = REPORT_CITIES
    sweep: Sweep | None = None
    reported: Reported | None = None
    space: SpaceNetwork | None = None
    tables: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def shot(self) -> Shot:
        """The first missile's shot."""
        return self.shots[0]

    def missile_table(self, index: int) -> str:
        """The table that gave missile ``index`` (0-based): ``missile`` or ``missiles[index]``."""
        return "missile" if "missile" in self.tables else f"missiles[{index}]"


@dataclass(frozen=True, slots=True, kw_only=True)
class Reported:
    """A real flight's public figures (a scenario's ``[reported]`` table), each with its source.

    ``apogee_km``, ``range_km`` and ``flight_time_s`` are what the cited sources published
    (``*_source`` names each). Where an impact area was published as a distance and bearing
    from a landmark (e.g. Japan's Ministry of Defense: "about 1,180 km east of Cape Erimo"),
    ``impact_from`` names the landmark at ``impact_from_lat_deg``, ``impact_from_lon_deg``
    and the area lies ``impact_distance_km`` away on the geodesic of ``impact_bearing_deg``
    (clockwise from north), as published in ``impact_source``. ``note`` records where
    sources disagree.
    """

    apogee_km: float
    apogee_source: str
    range_km: float
    range_source: str
    flight_time_s: float
    flight_time_source: str
    impact_from: str | None = None
    impact_from_lat_deg: float | None = None
    impact_from_lon_deg: float | None = None
    impact_bearing_deg: float | None = None
    impact_distance_km: float | None = None
    impact_source: str | None = None
    note: str = ""


class _Reader:
    """Typed access to a TOML table with errors that name the file and dotted field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, value: object, expected: str) -> ScenarioError:
        return ScenarioError(f"{self.source}: {field} = {value!r}: expected {expected}")

    def _value(self, data: Mapping[str, Any], key: str, path: str, default: Any) -> tuple[bool, Any]:
        """``(True, value)`` if ``key`` is given, ``(False, default)`` if not; missing and required: an error."""
        if key in data:
            return True, data[key]
        if default is _MISSING:
            raise ScenarioError(f"{self.source}: missing field {path}{key}")
        return False, default

    def table(self, data: Mapping[str, Any], key: str, path: str = "", required: bool = False) -> dict[str, Any]:
        field = f"{path}{key}"
        if key not in data:
            if required:
                raise ScenarioError(f"{self.source}: missing table [{field}]")
            return {}
        value = data[key]
        if not isinstance(value, dict):
            raise self.fail(field, value, "a table")
        return value

    def only(self, data: Mapping[str, Any], allowed: set[str], path: str = "") -> None:
        unknown = sorted(set(data) - allowed)
        if unknown:
            known = ", ".join(sorted(allowed))
            raise ScenarioError(f"{self.source}: unknown key {path}{unknown[0]!r}; known keys here: {known}")

    def number(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str = "",
        default: Any = _MISSING,
        lo: float | None = None,
        hi: float | None = None,
        positive: bool = False,
        below: float | None = None,
    ) -> Any:
        field = f"{path}{key}"
        given, value = self._value(data, key, path, default)
        if not given:
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.fail(field, value, "a finite number")
        low_ok = (value > 0 if positive else True) and (lo is None or value >= lo)
        high_ok = (hi is None or value <= hi) and (below is None or value < below)
        if not (low_ok and high_ok):
            raise self.fail(field, value, _range_text(lo, hi, positive, below))
        return float(value)

    def integer(self, data: Mapping[str, Any], key: str, path: str = "", default: Any = _MISSING) -> Any:
        field = f"{path}{key}"
        given, value = self._value(data, key, path, default)
        if not given:
            return value
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(field, value, "a non-negative integer")
        return value

    def string(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str = "",
        default: Any = _MISSING,
        choices: tuple[str, ...] | None = None,
    ) -> Any:
        field = f"{path}{key}"
        given, value = self._value(data, key, path, default)
        if not given:
            return value
        if not isinstance(value, str) or not value:
            raise self.fail(field, value, "a non-empty string")
        if choices is not None and value not in choices:
            raise self.fail(field, value, "one of " + ", ".join(repr(c) for c in choices))
        return value

    def number_list(self, data: Mapping[str, Any], key: str, path: str, default: tuple[float, ...]) -> tuple[float, ...]:
        field = f"{path}{key}"
        if key not in data:
            return default
        value = data[key]
        ok = isinstance(value, list) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0 for v in value
        )
        if not ok:
            raise self.fail(field, value, "a list of non-negative numbers")
        return tuple(float(v) for v in value)


def _range_text(lo: float | None, hi: float | None, positive: bool, below: float | None) -> str:
    """``a number in (0, 1)``, ``a number >= 0``, ...: the range :meth:`_Reader.number` checks."""
    left = "(0" if positive else (None if lo is None else f"[{lo:g}")
    right = f"{below:g})" if below is not None else (None if hi is None else f"{hi:g}]")
    if left and right:
        return f"a number in {left}, {right}"
    if left:
        return "a number > 0" if positive else f"a number >= {lo:g}"
    if right:
        return f"a number < {below:g}" if below is not None else f"a number <= {hi:g}"
    return "a finite number"


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario file."""
    p = Path(path)
    source = str(p)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{source}: no such scenario file") from None
    except OSError as exc:
        raise ScenarioError(f"{source}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML: {exc}") from None
    return from_dict(data, source)


_TOP_KEYS = {
    "name", "description", "epoch", "seed", "missile", "network", "tracker", "links", "command_centre", "threat",
    "outputs", "sweep", "reported", "missiles", "scene", "space",
}


def from_dict(data: Mapping[str, Any], source: str = "<scenario>", *, label: str | None = None) -> Scenario:
    """Validate a parsed scenario (e.g. built in a notebook) into a :class:`Scenario`.

    ``source`` is the scenario's file (its ``path``); errors name ``label`` instead when
    given (e.g. ``"FILE: sweep.grid"`` for a sweep's point).
    """
    rd = _Reader(source if label is None else label)
    rd.only(data, _TOP_KEYS)
    name = rd.string(data, "name")
    rd.string(data, "description", default="")
    epoch = data.get("epoch", _MISSING)
    if epoch is _MISSING:
        raise ScenarioError(f"{rd.source}: missing field epoch")
    if not isinstance(epoch, dt.datetime) or epoch.tzinfo is None:
        raise rd.fail("epoch", epoch, "a TOML date-time with a UTC offset, e.g. 2017-05-13T20:28:00Z")
    seed = rd.integer(data, "seed", default=0)
    shots, launch_times = _missiles(rd, data)
    scene = _scene(rd, rd.table(data, "scene"))
    sites = _network(rd, rd.table(data, "network", required=True))
    tracker = _tracker(rd, rd.table(data, "tracker"))
    sim_config, beta = _sim(rd, rd.table(data, "links"), rd.table(data, "command_centre"), rd.table(data, "threat"))
    unknown_links = sorted(set(sim_config.links) - {s.name for s in sites})
    if unknown_links:
        raise rd.fail(f"links.sites.{unknown_links[0]}", unknown_links[0], "the name of a site in the network")
    outputs = rd.table(data, "outputs")
    rd.only(outputs, {"dir", "cities"}, "outputs.")
    out_dir = rd.string(outputs, "dir", "outputs.", default=f"out/{Path(source).stem}")
    cities = _cities(rd, outputs)
    reported = _reported(rd, rd.table(data, "reported")) if "reported" in data else None
    space = _space(rd, rd.table(data, "space"), epoch) if "space" in data else None
    scenario = Scenario(
        path=source,
        name=name,
        epoch=epoch.astimezone(dt.UTC),
        seed=seed,
        shots=shots,
        launch_times_s=launch_times,
        scene=scene,
        sites=sites,
        tracker=tracker,
        sim=sim_config,
        out_dir=out_dir,
        assumed_beta_kg_m2=beta,
        report_cities=cities,
        reported=reported,
        space=space,
        tables=copy.deepcopy(dict(data)),
    )
    if "sweep" not in data:
        return scenario
    sweep = _sweep(rd, rd.table(data, "sweep"))
    for key, values in sweep.grid.items():  # each value alone; check_grid tries the combinations
        for value in values:
            apply_point(scenario, {key: value}, f"{rd.source}: sweep.grid")
    return dataclasses.replace(scenario, sweep=sweep)


def _report_territories(rd: _Reader, threat: Mapping[str, Any]) -> tuple[Territory, ...]:
    """``[threat] report_territories``: countries assessed and reported beside the threat territory."""
    value = threat.get("report_territories", [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise rd.fail("threat.report_territories", value, "a list of country names, e.g. [\"Japan\"]")
    if len(set(value)) != len(value) or threat.get("territory") in value:
        raise rd.fail("threat.report_territories", value, "each country once, and not the threat territory itself")
    return tuple(territory(v, source=f"{rd.source}: threat.report_territories") for v in value)


def _cities(rd: _Reader, outputs: Mapping[str, Any]) -> tuple[str, ...]:
    """``[outputs] cities``: cities of ``sprn/data/cities.toml``, by their catalogue names."""
    if "cities" not in outputs:
        return REPORT_CITIES
    value = outputs["cities"]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise rd.fail("outputs.cities", value, "a list of city names (sprn/data/cities.toml)")
    names = tuple(city(v, source=f"{rd.source}: outputs.cities").name for v in value)
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise rd.fail("outputs.cities", value, f"each city once ({dup[0]!r} twice)")
    return names


_IMPACT_KEYS = ("impact_from", "impact_from_lat_deg", "impact_from_lon_deg", "impact_bearing_deg",
                "impact_distance_km", "impact_source")


def _reported(rd: _Reader, table: Mapping[str, Any]) -> Reported:
    """``[reported]``: a real flight's public apogee, range and flight time, each with its source,
    and optionally the published impact area (all six ``impact_*`` keys, or none)."""
    path = "reported."
    rd.only(table, {f.name for f in dataclasses.fields(Reported)}, path)
    impact: dict[str, Any] = {}
    given = [k for k in _IMPACT_KEYS if k in table]
    if given and len(given) != len(_IMPACT_KEYS):
        missing = next(k for k in _IMPACT_KEYS if k not in table)
        raise rd.fail(f"{path}{missing}", None, "all of " + ", ".join(_IMPACT_KEYS) + " with an impact area, or none")
    if given:
        impact = {
            "impact_from": rd.string(table, "impact_from", path),
            "impact_from_lat_deg": rd.number(table, "impact_from_lat_deg", path, lo=-90.0, hi=90.0),
            "impact_from_lon_deg": rd.number(table, "impact_from_lon_deg", path, lo=-180.0, hi=360.0),
            "impact_bearing_deg": rd.number(table, "impact_bearing_deg", path, lo=-360.0, hi=360.0),
            "impact_distance_km": rd.number(table, "impact_distance_km", path, lo=0.0, hi=20037.0),
            "impact_source": rd.string(table, "impact_source", path),
        }
    return Reported(
        apogee_km=rd.number(table, "apogee_km", path, positive=True),
        apogee_source=rd.string(table, "apogee_source", path),
        range_km=rd.number(table, "range_km", path, positive=True, hi=20037.0),
        range_source=rd.string(table, "range_source", path),
        flight_time_s=rd.number(table, "flight_time_s", path, positive=True),
        flight_time_source=rd.string(table, "flight_time_source", path),
        note=rd.string(table, "note", path, default=""),
        **impact,
    )


def _sweep(rd: _Reader, table: Mapping[str, Any]) -> Sweep:
    """``[sweep]``: ``runs_per_point`` (default 1) and ``[sweep.grid]``, quoted dotted keys to lists."""
    rd.only(table, {"runs_per_point", "grid"}, "sweep.")
    runs = table.get("runs_per_point", 1)
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise rd.fail("sweep.runs_per_point", runs, "an integer >= 1")
    grid = table.get("grid")
    if not isinstance(grid, dict) or not grid:
        raise rd.fail("sweep.grid", grid, 'a table of lists, e.g. "links.latency_s" = [1.0, 5.0]')
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise rd.fail(f"sweep.grid.{key!r}", values, "a non-empty list of values")
    return Sweep(grid={k: tuple(v) for k, v in grid.items()}, runs_per_point=runs)


_SPACE_KEYS = {
    "preset", "add", "remove", "satellites", "phase_deg", "cloud_top_km", "revisit_s", "plume_height_km",
    "sigma_plume_height_km", "sigma_downrange_km", "launch_reports", "cueing",
}
_ELEMENT_KEYS = ("perigee_km", "apogee_km", "inclination_deg", "apogee_lon_deg")


def _space(rd: _Reader, table: Mapping[str, Any], epoch: dt.datetime) -> SpaceNetwork:
    """``[space]``: infrared satellites from a preset (those in service on the epoch's date),
    catalogue satellites added or removed, and ``[[space.satellites]]`` with a TLE or
    nominal elements and an assumed phase; the sensor and the centre's settings."""
    from sprn.space import catalogue, network, orbit

    path = "space."
    rd.only(table, _SPACE_KEYS, path)
    cat = catalogue.load_catalogue()
    day = epoch.astimezone(dt.UTC).date()
    phase = rd.number(table, "phase_deg", path, default=network.DEFAULT_PHASE_DEG, lo=-360.0, hi=360.0)
    revisit = rd.number(table, "revisit_s", path, default=None, positive=True)
    chosen: list[catalogue.Satellite] = []
    note = ""
    if "preset" in table:
        name = rd.string(table, "preset", path, choices=catalogue.preset_names())
        chosen.extend(cat.preset(name, day))
        note = cat.preset_note(name, day)
    for key in _names(rd, table, "add", path):
        if key not in cat.satellites:
            raise rd.fail(f"{path}add", key, "satellite keys of sprn/data/satellites.toml, e.g. 'kosmos-2510'")
        chosen.append(cat.satellites[key])
    for key in _names(rd, table, "remove", path):
        if key not in {s.key for s in chosen}:
            raise rd.fail(f"{path}remove", key, "the key of a satellite in the preset or added")
        chosen = [s for s in chosen if s.key != key]
    sensors = [network.catalogue_sensor(cat, s, epoch, math.radians(phase), revisit) for s in chosen]
    raw = table.get("satellites", [])
    if not isinstance(raw, list):
        raise rd.fail(f"{path}satellites", raw, "an array of tables [[space.satellites]]")
    for i, entry in enumerate(raw):
        sub = f"{path}satellites[{i}]."
        if not isinstance(entry, dict):
            raise rd.fail(sub.rstrip("."), entry, "a table with name and tle_line1/tle_line2 or nominal elements")
        rd.only(entry, {"name", "sensor", "tle_line1", "tle_line2", "mean_anomaly_deg", *_ELEMENT_KEYS}, sub)
        name = rd.string(entry, "name", sub)
        spec = cat.sensors[rd.string(entry, "sensor", sub, default="eks", choices=tuple(cat.sensors))]
        if revisit is not None:
            spec = dataclasses.replace(spec, revisit_s=revisit)
        if "tle_line1" in entry or "tle_line2" in entry:
            try:
                orb = orbit.from_tle(name, rd.string(entry, "tle_line1", sub), rd.string(entry, "tle_line2", sub))
            except ValueError as exc:
                raise rd.fail(f"{sub}tle_line1", entry.get("tle_line1"), f"a valid two-line element set ({exc})") from None
        else:
            nominal = catalogue.NominalOrbit(
                kind="molniya",
                perigee_m=rd.number(entry, "perigee_km", sub, lo=150.0, hi=50000.0) * 1e3,
                apogee_m=rd.number(entry, "apogee_km", sub, lo=150.0, hi=50000.0) * 1e3,
                inclination_rad=math.radians(rd.number(entry, "inclination_deg", sub, lo=0.0, hi=180.0)),
                apogee_lon_rad=math.radians(rd.number(entry, "apogee_lon_deg", sub, lo=-180.0, hi=360.0)),
                slot_rad=0.0,
            )
            if nominal.apogee_m < nominal.perigee_m:
                raise rd.fail(f"{sub}apogee_km", nominal.apogee_m / 1e3, "at least perigee_km")
            anomaly = rd.number(entry, "mean_anomaly_deg", sub, lo=-360.0, hi=360.0)
            orb = orbit.from_nominal(name, nominal, epoch, math.radians(anomaly))
        sensors.append(network.SpaceSensor(name=name, orbit=orb, sensor=spec, system="scenario", status="assumed"))
    names = [s.name for s in sensors]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise rd.fail(f"{path}satellites.name", dup[0], "unique satellite names")
    cueing = table.get("cueing", True)
    if not isinstance(cueing, bool):
        raise rd.fail(f"{path}cueing", cueing, "true or false")
    reports = rd.integer(table, "launch_reports", path, default=3)
    if reports < 1:
        raise rd.fail(f"{path}launch_reports", reports, "an integer >= 1")
    default_cloud = cat.sensors["eks"].cloud_top_m / 1e3
    return network.SpaceNetwork(
        satellites=tuple(sensors),
        cloud_top_m=rd.number(table, "cloud_top_km", path, default=default_cloud, lo=0.0, hi=30.0) * 1e3,
        phase_deg=phase,
        note=note,
        plume_height_m=rd.number(table, "plume_height_km", path, default=20.0, lo=0.0, hi=200.0) * 1e3,
        sigma_plume_height_m=rd.number(table, "sigma_plume_height_km", path, default=10.0, positive=True) * 1e3,
        sigma_downrange_m=rd.number(table, "sigma_downrange_km", path, default=10.0, lo=0.0) * 1e3,
        launch_reports=reports,
        cueing=cueing,
    )


def _names(rd: _Reader, table: Mapping[str, Any], key: str, path: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise rd.fail(f"{path}{key}", value, "a list of satellite keys")
    return list(value)


_SHOT_STRINGS = ("missile", "shape")
_SHOT_KEYS = tuple(f.name for f in dataclasses.fields(Shot))
_SHOT_REQUIRED = tuple(f.name for f in dataclasses.fields(Shot) if f.default is dataclasses.MISSING)


def _shot(rd: _Reader, table: dict[str, Any], name: str = "missile", extra: tuple[str, ...] = ()) -> Shot:
    """A ``[missile]`` table (or one of ``[[missiles]]``, ``name`` e.g. ``missiles[1]``), whose
    keys are the fields of :class:`~sprn.trajectory.Shot` (``missile`` and ``shape``
    strings, the others numbers) and the ``extra`` keys read by the caller."""
    path = f"{name}."
    rd.only(table, {*_SHOT_KEYS, *extra}, path)
    for key in _SHOT_REQUIRED:
        if key not in table:
            raise ScenarioError(f"{rd.source}: missing field {path}{key}")
    kwargs = {
        key: rd.string(table, key, path) if key in _SHOT_STRINGS else rd.number(table, key, path)
        for key in table if key not in extra
    }
    try:
        return Shot(**kwargs)
    except SprnError as exc:
        raise missile_error(rd.source, exc, name) from None


def _missiles(rd: _Reader, data: Mapping[str, Any]) -> tuple[tuple[Shot, ...], tuple[float, ...]]:
    """The shots and launch times (s after the epoch) of ``[missile]`` or ``[[missiles]]``.

    ``[[missiles]]`` tables have the keys of ``[missile]`` and ``launch_time_s`` (default
    0); the first is launched at the epoch (the epoch is the first launch).
    """
    if "missile" in data and "missiles" in data:
        raise rd.fail("missiles", "[[missiles]]", "either one [missile] table or a [[missiles]] array, not both")
    if "missiles" not in data:
        return (_shot(rd, rd.table(data, "missile", required=True)),), (0.0,)
    raw = data["missiles"]
    if not isinstance(raw, list) or not raw or not all(isinstance(t, dict) for t in raw):
        raise rd.fail("missiles", raw, "a non-empty array of tables [[missiles]]")
    shots, times = [], []
    for i, table in enumerate(raw):
        name = f"missiles[{i}]"
        shots.append(_shot(rd, table, name, extra=("launch_time_s",)))
        t = rd.number(table, "launch_time_s", f"{name}.", default=0.0, lo=0.0)
        if i == 0 and t != 0.0:
            raise rd.fail(f"{name}.launch_time_s", t, "0 for the first missile (the epoch is its launch)")
        times.append(float(t))
    return tuple(shots), tuple(times)


def _scene(rd: _Reader, table: Mapping[str, Any]) -> SceneConfig:
    """``[scene]``: the fields of :class:`~sprn.trajectory.scene.SceneConfig`, defaults from it."""
    base = SceneConfig()
    rd.only(table, {f.name for f in dataclasses.fields(SceneConfig)}, "scene.")
    flags = {}
    for name in ("stages", "false_alarms", "confirm", "aspect"):
        value = table.get(name, getattr(base, name))
        if not isinstance(value, bool):
            raise rd.fail(f"scene.{name}", value, "true or false")
        flags[name] = value
    return SceneConfig(
        debris=rd.integer(table, "debris", "scene.", default=base.debris),
        debris_spread_mps=rd.number(table, "debris_spread_mps", "scene.", default=base.debris_spread_mps, lo=0.0),
        **flags,
    )


def missile_error(source: str, exc: Exception, table: str = "missile") -> ScenarioError:
    """A shot's error (from :class:`Shot` or from flying it) as its table's (``table``:
    ``missile`` or ``missiles[i]``): ``FILE: missile.range_km = ...`` when it names a key of
    the table, else ``FILE: missile: ...``."""
    text = str(exc)
    first = text.split(" ", 1)[0].rstrip(",:")
    return ScenarioError(f"{source}: {table}.{text}" if first in _SHOT_KEYS else f"{source}: {table}: {text}")


def _radians_mod(deg: float) -> float:
    return math.radians(deg) % (2.0 * math.pi)


def _km(km: float) -> float:
    return km * 1000.0


def _same(value: float) -> float:
    return value


@dataclass(frozen=True, slots=True)
class _SiteField:
    """A site key of scenario files (edge units), the :class:`Site` field it sets, and its check."""

    attr: str
    to_si: Callable[[float], float]
    limits: Mapping[str, Any]
    default: Any = _MISSING


SITE_FIELDS: dict[str, _SiteField] = {
    "lat_deg": _SiteField("lat_rad", math.radians, {"lo": -90.0, "hi": 90.0}),
    "lon_deg": _SiteField("lon_rad", math.radians, {"lo": -180.0, "hi": 360.0}),
    "alt_m": _SiteField("alt_m", _same, {"lo": -500.0, "hi": 10000.0}, 0.0),
    "sigma_range_m": _SiteField("sigma_range_m", _same, {"positive": True}),
    "sigma_az_deg": _SiteField("sigma_az_rad", math.radians, {"positive": True}),
    "sigma_el_deg": _SiteField("sigma_el_rad", math.radians, {"positive": True}),
    "revisit_s": _SiteField("revisit_s", _same, {"positive": True}),
    "track_revisit_s": _SiteField("track_revisit_s", _same, {"positive": True}, None),
    "max_range_km": _SiteField("max_range_m", _km, {"positive": True}),
    "min_el_deg": _SiteField("min_el_rad", math.radians, {"lo": -5.0, "hi": 90.0}, 2.0),
    "max_el_deg": _SiteField("max_el_rad", math.radians, {"lo": -5.0, "hi": 90.0}, 90.0),
    "boresight_az_deg": _SiteField("boresight_az_rad", _radians_mod, {"lo": -360.0, "hi": 360.0}, 0.0),
    "sector_width_deg": _SiteField("sector_width_rad", math.radians, {"positive": True, "hi": 360.0}, 360.0),
}
"""The keys of a ``[[network.sites]]`` table with fixed accuracy (besides ``name``), also
the fields a sweep may set on any site (``sites.NAME.FIELD``)."""


def _site_value(rd: _Reader, table: Mapping[str, Any], key: str, path: str) -> Any:
    """A site key's value in SI units (the spec's default if absent; None stays None)."""
    spec = SITE_FIELDS[key]
    value = rd.number(table, key, path, default=spec.default, **spec.limits)
    return None if value is None else spec.to_si(value)


def _explicit_site(rd: _Reader, table: Any, path: str) -> Site:
    from sprn.radar.site import Site

    if not isinstance(table, dict):
        raise rd.fail(path.rstrip("."), table, "a table describing a radar site")
    rd.only(table, {"name", *SITE_FIELDS}, path)
    name = rd.string(table, "name", path)
    return Site(name=name, **{spec.attr: _site_value(rd, table, key, path) for key, spec in SITE_FIELDS.items()})


def _network(rd: _Reader, table: dict[str, Any]) -> tuple[Site, ...]:
    """``[network]``: a preset, catalogue sites added or removed, and the scenario's own radars."""
    # Imported here: the catalogue's radar physics is not needed to reject a bad file.
    from sprn.radar import network

    rd.only(table, {"preset", "add", "remove", "sites"}, "network.")
    sites: list[Site] = []
    if "preset" in table:
        sites.extend(network.preset(rd.string(table, "preset", "network.", choices=network.preset_names())))
    catalogue = network.default_network().sites
    for key in _string_list(rd, table, "add"):
        if key not in catalogue:
            raise rd.fail("network.add", key, "site names of the catalogue (sprn sites lists them)")
        sites.append(catalogue[key])
    for key in _string_list(rd, table, "remove"):
        if key not in {s.name for s in sites}:
            raise rd.fail("network.remove", key, "the name of a site in the preset or added")
        sites = [s for s in sites if s.name != key]
    raw = table.get("sites", [])
    if not isinstance(raw, list):
        raise rd.fail("network.sites", raw, "an array of tables [[network.sites]]")
    for i, entry in enumerate(raw):
        path = f"network.sites[{i}]."
        if isinstance(entry, dict) and "type" in entry:
            try:
                sites.append(network.site_from_table(entry, f"{rd.source}: {path.rstrip('.')}"))
            except SprnError as exc:
                raise ScenarioError(str(exc)) from None
        else:
            sites.append(_explicit_site(rd, entry, path))
    if not sites:
        raise rd.fail("network", table, "at least one radar site (a preset, add = [...] or [[network.sites]])")
    names = [s.name for s in sites]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise rd.fail("network.sites.name", dup[0], "unique site names")
    return tuple(sites)


def _string_list(rd: _Reader, table: Mapping[str, Any], key: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise rd.fail(f"network.{key}", value, "a list of site names")
    return list(value)


_TRACKER_LIMITS: dict[str, dict[str, Any]] = {
    "ukf_alpha": {"positive": True, "hi": 1.0},
    "ukf_kappa": {"lo": -5.999},
    "gate_probability": {"positive": True, "below": 1.0},
    "sigma_inv_beta_m2_kg": {"positive": True},
    "init_min_dt_s": {"positive": True},
    "delete_after_s": {"positive": True},
    "imm_boost_s": {"positive": True},
    "imm_ballistic_s": {"positive": True},
    "imm_reentry_s": {"positive": True},
    "pd": {"positive": True, "below": 1.0},
    "clutter_density": {"positive": True},
    "max_speed_mps": {"positive": True},
    "init_max_gap_s": {"positive": True},
    "false_confirm_probability": {"positive": True, "below": 1.0},
    "true_drop_probability": {"positive": True, "below": 1.0},
}
_TRACKER_MIN_INT = {"ekf_iterations": 1, "init_min_fixes": 2, "init_components": 1, "delete_after_misses": 1,
                    "merge_scans": 1}
_TRACKER_CHOICES = {"filter": FILTERS, "model": MODELS, "association": ASSOCIATIONS}


def _tracker(rd: _Reader, table: dict[str, Any]) -> TrackerConfig:
    """``[tracker]``: every field of :class:`~sprn.tracking.TrackerConfig`, checked by its type."""
    fields = {f.name: f for f in dataclasses.fields(TrackerConfig)}
    rd.only(table, set(fields), "tracker.")
    base = TrackerConfig()
    kwargs: dict[str, Any] = {}
    for name in table:
        default = getattr(base, name)
        if name in _TRACKER_CHOICES:
            kwargs[name] = rd.string(table, name, "tracker.", choices=_TRACKER_CHOICES[name])
        elif isinstance(default, int) and not isinstance(default, bool):
            value = rd.integer(table, name, "tracker.")
            least = _TRACKER_MIN_INT.get(name, 0)
            if value < least:
                raise rd.fail(f"tracker.{name}", value, f"an integer >= {least}")
            kwargs[name] = value
        else:
            kwargs[name] = rd.number(table, name, "tracker.", **_TRACKER_LIMITS.get(name, {"lo": 0.0}))
    return dataclasses.replace(base, **kwargs)


def _link(rd: _Reader, table: Mapping[str, Any], path: str, base: Link) -> Link:
    from sprn.sim import Link

    return Link(
        latency_s=rd.number(table, "latency_s", path, default=base.latency_s, lo=0.0),
        jitter_s=rd.number(table, "jitter_s", path, default=base.jitter_s, lo=0.0),
        loss=rd.number(table, "loss", path, default=base.loss, lo=0.0, hi=0.999),
    )


def _sim(
    rd: _Reader, links: dict[str, Any], centre: dict[str, Any], threat: dict[str, Any]
) -> tuple[SimConfig, float | None]:
    from sprn.sim import (  # here: SimPy and the tracker are not needed to reject a bad file
        SimConfig,
        Threat,
    )

    rd.only(links, {"latency_s", "jitter_s", "loss", "sites"}, "links.")
    rd.only(
        centre,
        {
            "predict_every_s", "checkpoints_s", "ballistic_coefficient_kg_m2", "sigma_ballistic_coefficient_kg_m2",
            "confirm_m", "confirm_n", "cueing",
        },
        "command_centre.",
    )
    rd.only(threat, {"territory", "p_threshold", "alert_distance_km", "report_territories"}, "threat.")
    base = SimConfig()
    link = _link(rd, links, "links.", base.link)
    per_site = rd.table(links, "sites", "links.")
    overrides = {}
    for name, sub in per_site.items():
        path = f"links.sites.{name}."
        if not isinstance(sub, dict):
            raise rd.fail(path.rstrip("."), sub, "a table of latency_s, jitter_s, loss")
        rd.only(sub, {"latency_s", "jitter_s", "loss"}, path)
        overrides[name] = _link(rd, sub, path, link)
    beta = rd.number(centre, "ballistic_coefficient_kg_m2", "command_centre.", default=None, positive=True)
    sigma_beta = rd.number(centre, "sigma_ballistic_coefficient_kg_m2", "command_centre.", default=0.0, lo=0.0)
    confirm_m = rd.integer(centre, "confirm_m", "command_centre.", default=base.confirm_m)
    confirm_n = rd.integer(centre, "confirm_n", "command_centre.", default=base.confirm_n)
    if not 1 <= confirm_m <= confirm_n:
        raise rd.fail("command_centre.confirm_m", confirm_m, f"1 <= confirm_m <= confirm_n ({confirm_n})")
    cueing = centre.get("cueing", base.cueing)
    if not isinstance(cueing, bool):
        raise rd.fail("command_centre.cueing", cueing, "true or false")
    terr = None
    if "territory" in threat:
        terr = territory(rd.string(threat, "territory", "threat."), source=f"{rd.source}: threat")
    config = SimConfig(
        link=link,
        links=overrides,
        confirm_m=confirm_m,
        confirm_n=confirm_n,
        cueing=cueing,
        predict_every_s=rd.number(centre, "predict_every_s", "command_centre.", default=base.predict_every_s, positive=True),
        checkpoints_s=rd.number_list(centre, "checkpoints_s", "command_centre.", base.checkpoints_s),
        inv_beta_m2_kg=base.inv_beta_m2_kg if beta is None else 1.0 / beta,
        sigma_inv_beta_m2_kg=base.sigma_inv_beta_m2_kg if beta is None else sigma_beta / beta**2,
        threat=Threat(
            territory=terr,
            p_threshold=rd.number(threat, "p_threshold", "threat.", default=0.05, positive=True, hi=1.0),
            alert_distance_km=rd.number(threat, "alert_distance_km", "threat.", default=0.0, lo=0.0),
            report_territories=_report_territories(rd, threat),
        ),
    )
    return config, beta


# --- sweeps: a point's changes, validated as the scenario file's keys -----------------------

SWEEP_TABLES = ("missile", "network", "links", "tracker", "command_centre", "threat", "scene", "space")
_AIM_REPLACES = ("range_km", "azimuth_deg", "apogee_km", "loft", "shape")
_SWEEP_KEYS = (
    "missile.aim, TABLE.FIELD for a key FIELD of the scenario's [TABLE] (" + ", ".join(SWEEP_TABLES)
    + ") or sites.NAME.FIELD"
)


def apply_point(scenario: Scenario, point: Mapping[str, Any], label: str = "sweep") -> Scenario:
    """The scenario with a sweep point's changes, validated by the code that reads scenario files.

    Keys: ``TABLE.FIELD`` sets ``FIELD`` of the scenario's ``[TABLE]`` (one of
    :data:`SWEEP_TABLES`; e.g. ``network.preset``, ``links.latency_s``,
    ``tracker.gate_probability``), and the scenario is read again from its tables;
    ``missile.aim`` is a city of ``sprn/data/cities.toml`` or ``[lat_deg, lon_deg]``, a
    minimum-energy shot at that point (it drops the file's range, azimuth, apogee, loft and
    shape unless the point sets them too); ``sites.NAME.FIELD`` sets a key of
    :data:`SITE_FIELDS` (edge units, e.g. ``revisit_s``, ``max_range_km``) on site
    ``NAME`` (``*``: every site).

    Raises
    ------
    ScenarioError
        Naming ``label`` (e.g. ``"FILE: sweep.grid"``), the key, the value and what was expected.
    """
    if not point:
        return scenario
    rd = _Reader(label)
    data = {k: copy.deepcopy(v) for k, v in scenario.tables.items() if k != "sweep"}
    site_changes: list[tuple[str, str, Any]] = []
    for key, value in point.items():
        parts = str(key).split(".")
        if parts[0] == "sites" and len(parts) == 3:
            site_changes.append((parts[1], parts[2], value))
        elif parts == ["missile", "aim"]:
            missile = data.setdefault("missile", {})
            for name in _AIM_REPLACES:
                if f"missile.{name}" not in point:
                    missile.pop(name, None)
            missile["aim_lat_deg"], missile["aim_lon_deg"] = _aim(rd, value)
            missile.setdefault("shape", "min-energy")
        elif len(parts) == 2 and parts[0] in SWEEP_TABLES:
            table = data.setdefault(parts[0], {})
            table[parts[1]] = value
        else:
            raise rd.fail(str(key), value, _SWEEP_KEYS)
    changed = from_dict(data, scenario.path, label=label)
    return dataclasses.replace(changed, sites=_change_sites(rd, changed.sites, site_changes))


def _aim(rd: _Reader, value: Any) -> tuple[float, float]:
    """``missile.aim``: a city's point, or ``[lat_deg, lon_deg]``."""
    if isinstance(value, str):
        place = city(value, source=f"{rd.source}: missile.aim")
        return place.lat_deg, place.lon_deg
    ok = isinstance(value, (list, tuple)) and len(value) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value
    )
    if not ok:
        raise rd.fail("missile.aim", value, "a city name or [lat_deg, lon_deg]")
    return float(value[0]), float(value[1])


def _change_sites(rd: _Reader, sites: tuple[Site, ...], changes: Sequence[tuple[str, str, Any]]) -> tuple[Site, ...]:
    """``sites.NAME.FIELD`` changes, each checked as that key of a ``[[network.sites]]`` table."""
    names = {s.name for s in sites}
    per_site: dict[str, dict[str, Any]] = {}
    for name, key, value in changes:
        path = f"sites.{name}."
        if name != "*" and name not in names:
            raise rd.fail(f"{path}{key}", value, "a site of the network: " + ", ".join(sorted(names)))
        if key not in SITE_FIELDS:
            raise rd.fail(f"{path}{key}", value, "a site key: " + ", ".join(SITE_FIELDS))
        si = _site_value(rd, {key: value}, key, path)
        for target in sorted(names) if name == "*" else [name]:
            per_site.setdefault(target, {})[SITE_FIELDS[key].attr] = si
    return tuple(dataclasses.replace(s, **per_site[s.name]) if s.name in per_site else s for s in sites)


def check_grid(scenario: Scenario, grid: Mapping[str, Sequence[Any]], label: str = "sweep") -> list[Scenario]:
    """Every point of the grid applied to the scenario (raises on the first bad key or value)."""
    return [apply_point(scenario, p, label) for p in grid_points(grid)]

