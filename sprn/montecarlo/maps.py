"""Warning-time maps: the warning and the first detecting radar over a grid of launch points.

For each network preset, aim point and launch point of a region, one noise-seeded run of
a minimum-energy shot answers: how long before impact did the defended territory of the
scenario's threat rule get its warning, and which radar saw the missile first? The same
launch point and aim share one seed under every preset (common random numbers), and one
flight.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sprn import geo
from sprn.montecarlo.execution import Job, execute
from sprn.montecarlo.points import apply_point
from sprn.montecarlo.records import run_seed
from sprn.montecarlo.runs import mc_meta
from sprn.scenario import Scenario
from sprn.territory import city, on_territory

DEFAULT_AIMS = ("Vladivostok", "Tokyo", "Hagatna")
"""Vladivostok (Russia's nearest city), Tokyo, and Hagatna on Guam."""


def launch_grid(
    lat_deg: tuple[float, float],
    lon_deg: tuple[float, float],
    step_deg: float,
    on_land_of: str | None = "North Korea",
) -> list[tuple[float, float]]:
    """Grid points (lat, lon) of a region every ``step_deg``, kept only on ``on_land_of``'s land.

    ``lat_deg`` and ``lon_deg`` are inclusive (min, max) bounds, deg.
    """
    lats = np.arange(lat_deg[0], lat_deg[1] + 1e-9, step_deg)
    lons = np.arange(lon_deg[0], lon_deg[1] + 1e-9, step_deg)
    la, lo = (a.ravel() for a in np.meshgrid(lats, lons, indexing="ij"))
    if on_land_of is not None:
        keep = on_territory(on_land_of, la, lo)
        la, lo = la[keep], lo[keep]
    return [(round(float(a), 9), round(float(b), 9)) for a, b in zip(la, lo)]


def _aim_point(aim: str | tuple[float, float]) -> tuple[str, float, float]:
    if isinstance(aim, str):
        place = city(aim, source="warning map: aims")
        return place.name, place.lat_deg, place.lon_deg
    lat, lon = aim
    return f"{lat:g} N {lon:g} E", float(lat), float(lon)


def warning_map(
    scenario: Scenario,
    launch_points: Sequence[tuple[float, float]],
    *,
    presets: Sequence[str] = ("sprn-2017", "sprn-2026"),
    aims: Sequence[str | tuple[float, float]] = DEFAULT_AIMS,
    missile: str | None = None,
    apogee_km: float | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    base_seed: int | None = None,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Warning time and first detecting site for every preset, aim and launch point.

    Each shot is a minimum-energy flight of ``missile`` (default: the scenario's) from the
    launch point to the aim (a city of ``sprn/data/cities.toml`` or (lat, lon) deg), or a
    lofted one to ``apogee_km`` if given; the rest of the scenario (links, tracker,
    command centre, threat rule) is kept. Launch
    point ``k`` of aim ``a`` is run ``a * len(launch_points) + k`` of the base seed under
    every preset. A shot the missile cannot fly (out of reach) gives a row with ``error``.

    Returns
    -------
    list of dict
        One row per (preset, aim, launch point): ``preset, shape, aim, aim_lat_deg, aim_lon_deg,
        launch_lat_deg, launch_lon_deg, range_km, seed, error, flight_time_s,
        first_detection_s, first_site, track_confirmed_s, warning_s, warning_time_s``
        (times in s after launch; NaN when the event did not happen).
    """
    base_seed = scenario.seed if base_seed is None else base_seed
    missile = missile or scenario.shot.missile
    aim_points = [_aim_point(a) for a in aims]
    cells = []
    jobs = []
    for preset in presets:
        for a, (name, alat, alon) in enumerate(aim_points):
            for k, (lat, lon) in enumerate(launch_points):
                point = {
                    "network.preset": preset, "missile.missile": missile, "missile.aim": [alat, alon],
                    "missile.launch_lat_deg": lat, "missile.launch_lon_deg": lon,
                }
                if apogee_km is not None:
                    point.update({"missile.shape": "lofted", "missile.apogee_km": apogee_km})
                scen = apply_point(scenario, point, "warning map")
                run = a * len(launch_points) + k
                meta = mc_meta(scen, base_seed)
                jobs.append(Job(point=tuple(point.items()), shot=scen.shot, meta=meta, run=run,
                                seed=run_seed(base_seed, run)))
                cells.append((preset, name, alat, alon, lat, lon, meta.sites))
    records = execute(scenario, jobs, workers=workers, scheduler=scheduler, progress=progress)
    rows = []
    for (preset, name, alat, alon, lat, lon, sites), rec in zip(cells, records):
        rows.append({
            "preset": preset, "shape": "min-energy" if apogee_km is None else f"lofted to {apogee_km:g} km",
            "aim": name, "aim_lat_deg": alat, "aim_lon_deg": alon,
            "launch_lat_deg": lat, "launch_lon_deg": lon,
            "range_km": float(geo.geodesic_distance_m(lat, lon, alat, alon)) / 1000.0,
            "seed": rec.seed, "error": rec.error, "flight_time_s": rec.t_impact_s,
            "first_detection_s": rec.first_detection_s, "first_site": rec.first_site(sites) or "",
            "track_confirmed_s": rec.track_confirmed_s, "warning_s": rec.warning_s,
            "warning_time_s": rec.warning_time_s,
        })
    return rows
