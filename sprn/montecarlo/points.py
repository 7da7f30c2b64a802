"""Sweep points: named changes applied to a scenario, and the ``[sweep]`` table.

A *point* maps dotted keys to values; :func:`apply_point` returns the scenario with those
changes (with :func:`dataclasses.replace`, so the records stay frozen and validated):

=============================== ==================================================================
key                             value
=============================== ==================================================================
``missile.aim``                 a city of ``sprn/data/cities.toml`` or ``[lat_deg, lon_deg]``: a
                                minimum-energy shot at that point (unless ``missile.shape`` etc.
                                are set too)
``missile.FIELD``               any field of :class:`~sprn.trajectory.Shot` (``azimuth_deg``,
                                ``launch_lat_deg``, ``range_km``, ``missile``, ...)
``network.preset``              a network preset (``sprn-2017``, ``sprn-2026``): replaces the sites
``sites.NAME.FIELD``            a field of site ``NAME`` (``*``: every site), SI units as in
                                :class:`~sprn.radar.Site` (``revisit_s``, ``max_range_m``, ...)
``links.FIELD``                 ``latency_s``, ``jitter_s`` or ``loss`` of the default link (per-site
                                overrides of the scenario are kept)
``tracker.FIELD``               a field of :class:`~sprn.tracking.TrackerConfig` (``filter``, ...)
``command_centre.FIELD``        ``confirm_m``, ``confirm_n``, ``cueing`` or ``predict_every_s``
``threat.FIELD``                ``territory`` (a country), ``p_threshold`` or ``alert_distance_km``
=============================== ==================================================================
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sprn.errors import ScenarioError, SprnError
from sprn.radar import network
from sprn.radar.site import Site
from sprn.scenario import Scenario
from sprn.sim import SimConfig
from sprn.territory import city, territory
from sprn.tracking.tracker import FILTERS, TrackerConfig
from sprn.trajectory import Shot

Point = Mapping[str, Any]
CENTRE_FIELDS = ("confirm_m", "confirm_n", "cueing", "predict_every_s")
THREAT_FIELDS = ("territory", "p_threshold", "alert_distance_km")
LINK_FIELDS = ("latency_s", "jitter_s", "loss")


def _fail(source: str, key: str, value: object, expected: str) -> ScenarioError:
    return ScenarioError(f"{source}: {key} = {value!r}: expected {expected}")


def _field_kinds(cls: type) -> dict[str, str]:
    """Init fields of a dataclass and their annotations (strings under postponed evaluation)."""
    return {f.name: str(f.type) for f in dataclasses.fields(cls) if f.init}


def _coerce(value: Any, kind: str, source: str, key: str) -> Any:
    """Check a value against a field annotation: bool, float, int or str (``None`` if optional)."""
    if value is None and "None" in kind:
        return None
    if "bool" in kind:
        if isinstance(value, bool):
            return value
        raise _fail(source, key, value, "true or false")
    if "float" in kind:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
        raise _fail(source, key, value, "a finite number")
    if "int" in kind:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _fail(source, key, value, "an integer")
    if "str" in kind and isinstance(value, str) and value:
        return value
    raise _fail(source, key, value, "a non-empty string")


def _aim(value: Any, source: str, key: str) -> tuple[float, float]:
    if isinstance(value, str):
        place = city(value, source=f"{source}: {key}")
        return place.lat_deg, place.lon_deg
    ok = isinstance(value, (list, tuple)) and len(value) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value
    )
    if not ok:
        raise _fail(source, key, value, "a city name or [lat_deg, lon_deg]")
    return float(value[0]), float(value[1])


def _shot(shot: Shot, changes: Mapping[str, Any], source: str) -> Shot:
    kinds = _field_kinds(Shot)
    kwargs: dict[str, Any] = {}
    if "aim" in changes:
        lat, lon = _aim(changes["aim"], source, "missile.aim")
        kwargs.update(aim_lat_deg=lat, aim_lon_deg=lon, range_km=None, azimuth_deg=None, apogee_km=None,
                      loft=None, shape="min-energy")
    for name, value in changes.items():
        if name == "aim":
            continue
        if name not in kinds:
            raise _fail(source, f"missile.{name}", value, "aim or a field of Shot: " + ", ".join(kinds))
        kwargs[name] = _coerce(value, kinds[name], source, f"missile.{name}")
    try:
        return dataclasses.replace(shot, **kwargs)
    except SprnError as exc:
        raise ScenarioError(f"{source}: missile: {exc}") from None


def _sites(sites: tuple[Site, ...], changes: Mapping[tuple[str, str], Any], source: str) -> tuple[Site, ...]:
    kinds = _field_kinds(Site)
    names = {s.name for s in sites}
    per_site: dict[str, dict[str, Any]] = {}
    for (name, fld), value in changes.items():
        key = f"sites.{name}.{fld}"
        if name != "*" and name not in names:
            raise _fail(source, key, value, "a site of the network: " + ", ".join(sorted(names)))
        if fld not in kinds or not ("float" in kinds[fld] or "int" in kinds[fld]):
            raise _fail(source, key, value, "a numeric field of Site, e.g. revisit_s, track_revisit_s, max_range_m")
        coerced = _coerce(value, kinds[fld], source, key)
        for target in sorted(names) if name == "*" else [name]:
            per_site.setdefault(target, {})[fld] = coerced
    return tuple(dataclasses.replace(s, **per_site[s.name]) if s.name in per_site else s for s in sites)


def _split(point: Point, source: str) -> dict[str, dict[Any, Any]]:
    """Group a point's keys by table; ``sites`` keys become (site, field) pairs."""
    groups: dict[str, dict[Any, Any]] = {t: {} for t in
                                         ("missile", "network", "sites", "links", "tracker", "command_centre", "threat")}
    for key, value in point.items():
        parts = key.split(".")
        table = parts[0]
        if table == "sites" and len(parts) == 3:
            groups["sites"][(parts[1], parts[2])] = value
        elif table in groups and table != "sites" and len(parts) == 2:
            groups[table][parts[1]] = value
        else:
            raise _fail(source, key, value,
                        "a key missile.FIELD, network.preset, sites.NAME.FIELD, links.FIELD, tracker.FIELD, "
                        "command_centre.FIELD or threat.FIELD")
    return groups


def _sim(config: SimConfig, links: Mapping[str, Any], centre: Mapping[str, Any], threat: Mapping[str, Any],
         source: str) -> SimConfig:
    link_kw = {}
    for name, value in links.items():
        if name not in LINK_FIELDS:
            raise _fail(source, f"links.{name}", value, "one of " + ", ".join(LINK_FIELDS))
        link_kw[name] = _coerce(value, "float", source, f"links.{name}")
        if link_kw[name] < 0.0 or (name == "loss" and link_kw[name] >= 1.0):
            raise _fail(source, f"links.{name}", value, "a number >= 0 (loss < 1)")
    kinds = _field_kinds(SimConfig)
    centre_kw = {}
    for name, value in centre.items():
        if name not in CENTRE_FIELDS:
            raise _fail(source, f"command_centre.{name}", value, "one of " + ", ".join(CENTRE_FIELDS))
        centre_kw[name] = _coerce(value, kinds[name], source, f"command_centre.{name}")
    threat_kw: dict[str, Any] = {}
    for name, value in threat.items():
        if name not in THREAT_FIELDS:
            raise _fail(source, f"threat.{name}", value, "one of " + ", ".join(THREAT_FIELDS))
        if name == "territory":
            threat_kw[name] = territory(_coerce(value, "str", source, "threat.territory"), source=source)
        else:
            threat_kw[name] = _coerce(value, "float", source, f"threat.{name}")
    out = dataclasses.replace(config, **centre_kw)
    if link_kw:
        out = dataclasses.replace(out, link=dataclasses.replace(config.link, **link_kw))
    if threat_kw:
        out = dataclasses.replace(out, threat=dataclasses.replace(config.threat, **threat_kw))
    if not 1 <= out.confirm_m <= out.confirm_n:
        raise _fail(source, "command_centre.confirm_m", out.confirm_m, f"1 <= confirm_m <= confirm_n ({out.confirm_n})")
    return out


def _tracker(config: TrackerConfig, changes: Mapping[str, Any], source: str) -> TrackerConfig:
    kinds = _field_kinds(TrackerConfig)
    kwargs = {}
    for name, value in changes.items():
        if name not in kinds:
            raise _fail(source, f"tracker.{name}", value, "a field of TrackerConfig: " + ", ".join(kinds))
        kwargs[name] = _coerce(value, kinds[name], source, f"tracker.{name}")
    if "filter" in kwargs and kwargs["filter"] not in FILTERS:
        raise _fail(source, "tracker.filter", kwargs["filter"], "one of " + ", ".join(FILTERS))
    return dataclasses.replace(config, **kwargs)


def apply_point(scenario: Scenario, point: Point, source: str = "sweep") -> Scenario:
    """The scenario with the point's changes (keys in the module docstring).

    Raises
    ------
    ScenarioError
        Naming ``source``, the key, the value and what was expected.
    """
    if not point:
        return scenario
    groups = _split(point, source)
    sites = scenario.sites
    for name, value in groups["network"].items():
        if name != "preset":
            raise _fail(source, f"network.{name}", value, "network.preset")
        names = network.preset_names()
        if value not in names:
            raise _fail(source, "network.preset", value, "one of " + ", ".join(names))
        sites = network.preset(value)
    sites = _sites(sites, groups["sites"], source)
    return dataclasses.replace(
        scenario,
        shot=_shot(scenario.shot, groups["missile"], source) if groups["missile"] else scenario.shot,
        sites=sites,
        tracker=_tracker(scenario.tracker, groups["tracker"], source),
        sim=_sim(scenario.sim, groups["links"], groups["command_centre"], groups["threat"], source),
    )


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values (the last key varies fastest)."""
    keys = list(grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(grid[k] for k in keys))]


def parse_sweep(table: Mapping[str, Any], source: str = "<scenario>") -> tuple[dict[str, list[Any]], int]:
    """Read a scenario's ``[sweep]`` table into a grid and the runs per point.

    The table has ``runs_per_point`` (an integer >= 1, default 1) and a sub-table
    ``[sweep.grid]`` whose quoted dotted keys each list the values to sweep, e.g.
    ``"network.preset" = ["sprn-2017", "sprn-2026"]``. The keys are checked against the
    scenario later, by :func:`apply_point` (``sprn.montecarlo.check_grid``).
    """
    unknown = sorted(set(table) - {"runs_per_point", "grid"})
    if unknown:
        raise ScenarioError(f"{source}: unknown key sweep.{unknown[0]}; known keys here: grid, runs_per_point")
    runs = table.get("runs_per_point", 1)
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise _fail(source, "sweep.runs_per_point", runs, "an integer >= 1")
    grid = table.get("grid")
    if not isinstance(grid, dict) or not grid:
        raise _fail(source, "sweep.grid", grid, 'a table of lists, e.g. "links.latency_s" = [1.0, 5.0]')
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise _fail(source, f"sweep.grid.{key!r}", values, "a non-empty list of values")
    return {k: list(v) for k, v in grid.items()}, runs


def check_grid(scenario: Scenario, grid: Mapping[str, Sequence[Any]], source: str = "sweep") -> list[Scenario]:
    """Every point of the grid applied to the scenario (raises on the first bad key or value)."""
    return [apply_point(scenario, p, source) for p in grid_points(grid)]
