"""The missile catalogue: stages, masses, engines and reentry vehicles.

Figures come from ``sprn/data/missiles.toml``, where every missile names its sources
and lists the figures that are assumptions (``assumed = [...]``). Each stage burns its
propellant at a constant mass flow; its engine is described by the specific impulse in
vacuum and at sea level, from which the thrust, the mass flow and the nozzle exit area
(the back-pressure loss ``p(h) A_e``) follow:

    mdot = m_prop / t_burn,   F_vac = mdot g0 Isp_vac,   A_e = mdot g0 (Isp_vac - Isp_sl) / p0

so that ``F(h) = F_vac - p(h) A_e`` (Sutton & Biblarz, *Rocket Propulsion Elements*,
9th ed., eq. 3-35).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sprn.errors import DataError, ShotError, field_error

G0_MPS2 = 9.80665
"""Standard gravity, m/s^2 (defines the specific impulse in seconds)."""
P0_PA = 101325.0
"""Sea-level pressure of the US Standard Atmosphere 1976, Pa."""

MISSILES_FILE = Path(__file__).resolve().parent / "data" / "missiles.toml"

PROPULSION = ("liquid", "solid")


@dataclass(frozen=True, slots=True, kw_only=True)
class Stage:
    """One rocket stage burning at constant mass flow.

    ``coast_s`` is the unpowered time between this stage's burnout (when it is dropped)
    and the next stage's ignition.
    """

    propellant_kg: float
    dry_kg: float
    isp_vac_s: float
    isp_sl_s: float
    burn_time_s: float
    coast_s: float = 0.0

    @property
    def mass_flow_kgps(self) -> float:
        """Propellant mass flow (kg/s)."""
        return self.propellant_kg / self.burn_time_s

    @property
    def thrust_vac_n(self) -> float:
        """Vacuum thrust (N)."""
        return self.mass_flow_kgps * G0_MPS2 * self.isp_vac_s

    @property
    def thrust_sl_n(self) -> float:
        """Sea-level thrust (N)."""
        return self.mass_flow_kgps * G0_MPS2 * self.isp_sl_s

    @property
    def exit_area_m2(self) -> float:
        """Nozzle exit area (m^2) implied by the two specific impulses."""
        return (self.thrust_vac_n - self.thrust_sl_n) / P0_PA

    @property
    def loaded_kg(self) -> float:
        """Mass of the stage at ignition (kg)."""
        return self.propellant_kg + self.dry_kg


@dataclass(frozen=True, slots=True, kw_only=True)
class Missile:
    """A ballistic missile: its stages (first to last) and its reentry vehicle.

    ``rv_beta_kg_m2`` is the reentry vehicle's ballistic coefficient ``m / (C_D A)`` at
    the nominal payload; ``booster_beta_kg_m2`` that of the spent last stage, tumbling.
    A missile that does not separate (``separates = False``, e.g. Scud-B) reenters whole:
    its "reentry vehicle" is the empty missile with the warhead, ``rv_beta_kg_m2`` is
    that body's ballistic coefficient and there is no booster to follow.
    """

    key: str
    name: str
    propulsion: str
    diameter_m: float
    payload_kg: float
    rv_beta_kg_m2: float
    booster_beta_kg_m2: float
    separates: bool
    separation_delay_s: float
    vertical_rise_s: float
    pitch_over_s: float
    stages: tuple[Stage, ...]
    source: str
    assumed: tuple[str, ...] = ()
    note: str = ""

    @property
    def area_m2(self) -> float:
        """Body cross-section (m^2) used for the drag of the missile in powered flight."""
        return math.pi * self.diameter_m**2 / 4.0

    @property
    def total_burn_s(self) -> float:
        """Sum of the stages' burn times (s)."""
        return sum(s.burn_time_s for s in self.stages)

    def launch_mass_kg(self, payload_kg: float | None = None) -> float:
        """Mass at lift-off (kg) with the given payload (nominal if ``None``)."""
        payload = self.payload_kg if payload_kg is None else payload_kg
        return payload + sum(s.loaded_kg for s in self.stages)


STAGE_FIELDS = {
    "propellant_kg": "a positive mass (kg)",
    "dry_kg": "a positive mass (kg)",
    "isp_vac_s": "a positive specific impulse (s)",
    "isp_sl_s": "a positive specific impulse (s), not above isp_vac_s",
    "burn_time_s": "a positive burn time (s)",
    "coast_s": "a coast time >= 0 (s)",
}
MISSILE_FLOATS = {
    "diameter_m": "a positive diameter (m)",
    "payload_kg": "a positive mass (kg)",
    "rv_beta_kg_m2": "a positive ballistic coefficient (kg/m^2)",
    "booster_beta_kg_m2": "a positive ballistic coefficient (kg/m^2)",
    "separation_delay_s": "a delay >= 0 (s)",
    "vertical_rise_s": "a positive time (s)",
    "pitch_over_s": "a positive time (s)",
}
MISSILE_KEYS = set(MISSILE_FLOATS) | {"name", "propulsion", "separates", "stages", "source", "assumed", "note"}
MAY_BE_ZERO = {"coast_s", "separation_delay_s"}


def _number(path: str, where: str, table: dict[str, Any], key: str, expected: str) -> float:
    if key not in table:
        if key in MAY_BE_ZERO:
            return 0.0
        raise field_error(DataError, path, f"{where}.{key}", None, f"{expected} (required)")
    value = table[key]
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0.0 or (value == 0.0 and key not in MAY_BE_ZERO):
        raise field_error(DataError, path, f"{where}.{key}", value, expected)
    return float(value)


def _stage(path: str, where: str, table: Any) -> Stage:
    if not isinstance(table, dict):
        raise field_error(DataError, path, where, table, "a table of stage figures")
    unknown = sorted(set(table) - set(STAGE_FIELDS))
    if unknown:
        raise field_error(DataError, path, f"{where}.{unknown[0]}", table[unknown[0]], "no such key")
    values = {key: _number(path, where, table, key, expected) for key, expected in STAGE_FIELDS.items()}
    if values["isp_sl_s"] > values["isp_vac_s"]:
        raise field_error(DataError, path, f"{where}.isp_sl_s", values["isp_sl_s"], STAGE_FIELDS["isp_sl_s"])
    return Stage(**values)


def _strings(path: str, where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise field_error(DataError, path, where, value, "a list of strings")
    return tuple(value)


def _missile(path: str, key: str, table: Any) -> Missile:
    if not isinstance(table, dict):
        raise field_error(DataError, path, key, table, "a table describing a missile")
    unknown = sorted(set(table) - MISSILE_KEYS)
    if unknown:
        raise field_error(DataError, path, f"{key}.{unknown[0]}", table[unknown[0]], "no such key")
    for text in ("name", "source"):
        if not isinstance(table.get(text), str) or not table[text].strip():
            raise field_error(DataError, path, f"{key}.{text}", table.get(text), "a non-empty string")
    if table.get("propulsion") not in PROPULSION:
        raise field_error(DataError, path, f"{key}.propulsion", table.get("propulsion"), f"one of {PROPULSION}")
    if not isinstance(table.get("separates"), bool):
        raise field_error(DataError, path, f"{key}.separates", table.get("separates"), "true or false")
    stages = table.get("stages")
    if not isinstance(stages, list) or not stages:
        raise field_error(DataError, path, f"{key}.stages", stages, "at least one [[stages]] table")
    floats = {name: _number(path, key, table, name, expected) for name, expected in MISSILE_FLOATS.items()}
    assumed = _strings(path, f"{key}.assumed", table.get("assumed", []))
    known = set(MISSILE_KEYS) | set(STAGE_FIELDS)
    for item in assumed:
        if item.split(".")[-1].split("[")[0] not in known:
            raise field_error(DataError, path, f"{key}.assumed", item, "names of fields in this file")
    return Missile(
        key=key,
        name=table["name"],
        propulsion=table["propulsion"],
        separates=table["separates"],
        stages=tuple(_stage(path, f"{key}.stages[{i}]", s) for i, s in enumerate(stages)),
        source=table["source"],
        assumed=assumed,
        note=str(table.get("note", "")),
        **floats,
    )


def parse_catalogue(doc: dict[str, Any], path: str) -> dict[str, Missile]:
    """Validate a parsed catalogue document into missiles keyed by name.

    Raises
    ------
    DataError
        Naming the file, the missile and the field that is wrong.
    """
    return {key: _missile(path, key, table) for key, table in doc.items()}


@lru_cache(maxsize=4)
def load_catalogue(path: Path = MISSILES_FILE) -> dict[str, Missile]:
    """All missiles of a catalogue file, keyed by their catalogue key (cached)."""
    try:
        with path.open("rb") as handle:
            doc = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"{path}: cannot read TOML: {exc}") from exc
    return parse_catalogue(doc, str(path))


def missile_keys() -> tuple[str, ...]:
    """The keys of the built-in catalogue, sorted."""
    return tuple(sorted(load_catalogue()))


def load_missile(key: str) -> Missile:
    """The catalogue entry ``key`` (e.g. ``"hwasong-12"``).

    Raises
    ------
    ShotError
        If there is no such missile; the message lists the known keys.
    """
    catalogue = load_catalogue()
    if key not in catalogue:
        raise ShotError(f"unknown missile {key!r}; known: {', '.join(sorted(catalogue))}")
    return catalogue[key]
