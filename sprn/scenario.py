"""Scenario files: TOML into frozen, validated records.

One file, one engagement. Every key is checked: unknown keys, missing fields, wrong types
and out-of-range values raise :class:`~sprn.errors.ScenarioError` whose message names the
file, the field (as a dotted path), the value and what was expected. See
``scenarios/kusong-2017-05-14.toml`` for a commented example and the README for the
table of keys.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sprn.errors import ScenarioError, SprnError
from sprn.radar import network
from sprn.radar.site import Site
from sprn.sim import Link, SimConfig, Threat
from sprn.territory import territory
from sprn.tracking.tracker import FILTERS, MODELS, TrackerConfig
from sprn.trajectory import Shot

_MISSING = object()


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A validated engagement: the shot, the radar network and the command centre."""

    path: str
    name: str
    epoch: dt.datetime
    seed: int
    shot: Shot
    sites: tuple[Site, ...]
    tracker: TrackerConfig
    sim: SimConfig
    out_dir: str
    assumed_beta_kg_m2: float | None
    sweep: Mapping[str, Any] | None = None


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
    ) -> Any:
        field = f"{path}{key}"
        given, value = self._value(data, key, path, default)
        if not given:
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.fail(field, value, "a finite number")
        if positive and value <= 0:
            raise self.fail(field, value, "a number > 0")
        if lo is not None and value < lo:
            raise self.fail(field, value, f"a number >= {lo:g}")
        if hi is not None and value > hi:
            raise self.fail(field, value, f"a number <= {hi:g}")
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
    "outputs", "sweep",
}


def from_dict(data: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a parsed scenario (e.g. built in a notebook) into a :class:`Scenario`."""
    rd = _Reader(source)
    rd.only(data, _TOP_KEYS)
    name = rd.string(data, "name")
    rd.string(data, "description", default="")
    epoch = data.get("epoch", _MISSING)
    if epoch is _MISSING:
        raise ScenarioError(f"{source}: missing field epoch")
    if not isinstance(epoch, dt.datetime) or epoch.tzinfo is None:
        raise rd.fail("epoch", epoch, "a TOML date-time with a UTC offset, e.g. 2017-05-13T20:28:00Z")
    seed = rd.integer(data, "seed", default=0)
    shot = _shot(rd, rd.table(data, "missile", required=True))
    sites = _network(rd, rd.table(data, "network", required=True))
    tracker = _tracker(rd, rd.table(data, "tracker"))
    sim_config, beta = _sim(rd, rd.table(data, "links"), rd.table(data, "command_centre"), rd.table(data, "threat"))
    unknown_links = sorted(set(sim_config.links) - {s.name for s in sites})
    if unknown_links:
        raise rd.fail(f"links.sites.{unknown_links[0]}", unknown_links[0], "the name of a site in the network")
    outputs = rd.table(data, "outputs")
    rd.only(outputs, {"dir"}, "outputs.")
    out_dir = rd.string(outputs, "dir", "outputs.", default=f"out/{Path(source).stem}")
    sweep = rd.table(data, "sweep") or None  # checked by sprn.montecarlo when swept
    return Scenario(
        sweep=sweep,
        path=source,
        name=name,
        epoch=epoch.astimezone(dt.UTC),
        seed=seed,
        shot=shot,
        sites=sites,
        tracker=tracker,
        sim=sim_config,
        out_dir=out_dir,
        assumed_beta_kg_m2=beta,
    )


def _shot(rd: _Reader, table: dict[str, Any]) -> Shot:
    """The ``[missile]`` table, whose keys are the fields of :class:`~sprn.trajectory.Shot`."""
    fields = {f.name: str(f.type) for f in dataclasses.fields(Shot)}
    rd.only(table, set(fields), "missile.")
    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        kind = fields[key]
        if "float" in kind:
            kwargs[key] = rd.number(table, key, "missile.")
        elif "int" in kind:
            kwargs[key] = rd.integer(table, key, "missile.")
        else:
            kwargs[key] = rd.string(table, key, "missile.")
    try:
        return Shot(**kwargs)
    except TypeError as exc:
        raise ScenarioError(f"{rd.source}: [missile]: {exc}") from None
    except SprnError as exc:
        raise ScenarioError(f"{rd.source}: missile.{exc}") from None


_SITE_REQUIRED = (
    "lat_deg", "lon_deg", "sigma_range_m", "sigma_az_deg", "sigma_el_deg", "revisit_s", "max_range_km",
)
_SITE_OPTIONAL: dict[str, float] = {
    "alt_m": 0.0, "min_el_deg": 2.0, "max_el_deg": 90.0, "boresight_az_deg": 0.0, "sector_width_deg": 360.0,
}


def _explicit_site(rd: _Reader, table: Any, path: str) -> Site:
    if not isinstance(table, dict):
        raise rd.fail(path.rstrip("."), table, "a table describing a radar site")
    rd.only(table, {"name", *_SITE_REQUIRED, *_SITE_OPTIONAL}, path)
    limits: dict[str, dict[str, Any]] = {
        "lat_deg": {"lo": -90.0, "hi": 90.0},
        "lon_deg": {"lo": -180.0, "hi": 360.0},
        "min_el_deg": {"lo": -5.0, "hi": 90.0},
        "max_el_deg": {"lo": -5.0, "hi": 90.0},
        "boresight_az_deg": {"lo": -360.0, "hi": 360.0},
        "sector_width_deg": {"positive": True, "hi": 360.0},
        "alt_m": {"lo": -500.0, "hi": 10000.0},
    }
    values = {k: rd.number(table, k, path, **limits.get(k, {"positive": True})) for k in _SITE_REQUIRED}
    for key, default in _SITE_OPTIONAL.items():
        values[key] = rd.number(table, key, path, default=default, **limits[key])
    return Site.from_degrees(name=rd.string(table, "name", path), **values)


def _network(rd: _Reader, table: dict[str, Any]) -> tuple[Site, ...]:
    """``[network]``: a preset, catalogue sites added or removed, and the scenario's own radars."""
    rd.only(table, {"preset", "add", "remove", "sites"}, "network.")
    sites: list[Site] = []
    try:
        if "preset" in table:
            name = rd.string(table, "preset", "network.", choices=network.preset_names())
            sites.extend(network.preset(name))
        for i, key in enumerate(_string_list(rd, table, "add")):
            sites.append(network.site(key))
    except SprnError as exc:
        raise ScenarioError(f"{rd.source}: network: {exc}") from None
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
    "gate_probability": {"positive": True, "hi": 1.0},
    "sigma_inv_beta_m2_kg": {"positive": True},
    "init_min_dt_s": {"positive": True},
    "delete_after_s": {"positive": True},
    "imm_boost_s": {"positive": True},
    "imm_ballistic_s": {"positive": True},
    "imm_reentry_s": {"positive": True},
}
_TRACKER_MIN_INT = {"ekf_iterations": 1, "init_min_fixes": 2, "init_components": 1, "delete_after_misses": 1}


def _tracker(rd: _Reader, table: dict[str, Any]) -> TrackerConfig:
    """``[tracker]``: every field of :class:`~sprn.tracking.TrackerConfig`, checked by its type."""
    fields = {f.name: f for f in dataclasses.fields(TrackerConfig)}
    rd.only(table, set(fields), "tracker.")
    base = TrackerConfig()
    kwargs: dict[str, Any] = {}
    for name in table:
        default = getattr(base, name)
        if name == "filter":
            kwargs[name] = rd.string(table, name, "tracker.", choices=FILTERS)
        elif name == "model":
            kwargs[name] = rd.string(table, name, "tracker.", choices=MODELS)
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
    return Link(
        latency_s=rd.number(table, "latency_s", path, default=base.latency_s, lo=0.0),
        jitter_s=rd.number(table, "jitter_s", path, default=base.jitter_s, lo=0.0),
        loss=rd.number(table, "loss", path, default=base.loss, lo=0.0, hi=0.999),
    )


def _sim(
    rd: _Reader, links: dict[str, Any], centre: dict[str, Any], threat: dict[str, Any]
) -> tuple[SimConfig, float | None]:
    rd.only(links, {"latency_s", "jitter_s", "loss", "sites"}, "links.")
    rd.only(
        centre,
        {
            "predict_every_s", "checkpoints_s", "ballistic_coefficient_kg_m2", "sigma_ballistic_coefficient_kg_m2",
            "confirm_m", "confirm_n", "cueing",
        },
        "command_centre.",
    )
    rd.only(threat, {"territory", "p_threshold", "alert_distance_km"}, "threat.")
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
        sigma_inv_beta_m2_kg=0.0 if beta is None else sigma_beta / beta**2,
        threat=Threat(
            territory=terr,
            p_threshold=rd.number(threat, "p_threshold", "threat.", default=0.05, positive=True, hi=1.0),
            alert_distance_km=rd.number(threat, "alert_distance_km", "threat.", default=0.0, lo=0.0),
        ),
    )
    return config, beta
