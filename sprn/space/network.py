"""The space echelon of a scenario: its satellites (orbit and sensor) and the centre's settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sprn.space.catalogue import Catalogue, Satellite, SensorSpec
from sprn.space.orbit import Orbit, from_nominal

DEFAULT_PHASE_DEG = 180.0
"""The constellation's reference mean anomaly at the epoch when a scenario gives none: an
assumption (the reference satellite at its apogee), never a fact; docs/space-echelon.md
sweeps it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SpaceSensor:
    """One infrared satellite of a run: its name, SGP4 orbit, sensor and recorded status."""

    name: str
    orbit: Orbit
    sensor: SensorSpec
    system: str = ""
    status: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SpaceNetwork:
    """A scenario's ``[space]`` table, validated.

    ``cloud_top_m``: below it no plume is seen; ``phase_deg``: the constellation's reference
    mean anomaly at the epoch (assumed); ``note``: the preset's note, naming disputed
    satellites; ``plume_height_m`` and ``sigma_plume_height_m``: the height the centre puts
    the first seen plume at, and its uncertainty; ``sigma_downrange_m``: the missile's
    travel from the pad by then (the launch area's extra spread); ``launch_reports``: the
    reports the centre waits for before declaring a launch and estimating its azimuth;
    ``cueing``: whether the launch cues the radars.
    """

    satellites: tuple[SpaceSensor, ...]
    cloud_top_m: float = 10_000.0
    phase_deg: float = DEFAULT_PHASE_DEG
    note: str = ""
    plume_height_m: float = 20_000.0
    sigma_plume_height_m: float = 10_000.0
    sigma_downrange_m: float = 10_000.0
    launch_reports: int = 3
    cueing: bool = True


def catalogue_sensor(cat: Catalogue, sat: Satellite, epoch: dt.datetime, phase_rad: float,
                     revisit_s: float | None = None) -> SpaceSensor:
    """A catalogued satellite on its nominal orbit at the constellation's phase, with its system's sensor."""
    spec = cat.sensors[sat.sensor]
    if revisit_s is not None:
        spec = dataclasses.replace(spec, revisit_s=revisit_s)
    return SpaceSensor(name=sat.name, orbit=from_nominal(sat.name, sat.orbit, epoch, phase_rad), sensor=spec,
                       system=sat.system, status=sat.status)
