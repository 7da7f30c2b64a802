"""Real flights against their public figures: what ``sprn validate`` prints and writes.

Each real-flight scenario (a file with a ``[reported]`` table) is run once with its own
seed; its truth (apogee, range, flight time, impact point) is set beside each cited figure
with its source, and the detections of its network's radars give which radars saw the
flight, from when to when (its spans of detections: a gap of more than :data:`GAP_S`
between two reports ends a span), at what heights of the missile and at what elevations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sprn import geo
from sprn.engagement import RunResult, run_scenario
from sprn.errors import ScenarioError
from sprn.scenario import Reported, Scenario, load

GAP_S = 60.0
"""A gap between two reports that ends a span of detections: six of the 10 s search revisits
the catalogue assumes (``sprn/data/sites.toml``), more than a few missed dwells."""

DOC_HEADER = """# Validation: the real flights against their public figures

Written by `sprn validate` (which prints the same tables); do not edit by hand. Each
scenario with a `[reported]` table is run once with its seed. *Simulated* is sprn's truth,
flown to the file's shot; *reported* is the figure the file cites, with its source. Apogee
and range are inputs of the shot, so they agree by construction; the flight time and the
impact point are not, and test the physics and the file's choices (launch point, azimuth).
`tests/test_flights_2017.py` holds the tolerances and their reasons. The 2017 network is
the `sprn-2017` preset (`sprn/data/sites.toml`; its radar performance figures are
assumptions, `docs/radar-network.md`).
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteView:
    """One radar's view of a flight: detections of any of its objects, their spans (s after
    launch), the missile's height at the first and last (km) and the reports' elevations (deg)."""

    site: str
    detections: int
    spans: tuple[tuple[float, float], ...]
    first_s: float
    last_s: float
    first_alt_km: float
    last_alt_km: float
    min_el_deg: float
    max_el_deg: float


@dataclass(frozen=True, slots=True, kw_only=True)
class FlightCheck:
    """A real flight's simulated figures beside its reported ones."""

    path: str
    name: str
    reported: Reported
    apogee_km: float
    range_km: float
    flight_time_s: float
    impact_lat_deg: float
    impact_lon_deg: float
    area_lat_deg: float | None
    area_lon_deg: float | None
    area_miss_km: float | None
    views: tuple[SiteView, ...]


def real_flights(directory: str | Path = "scenarios") -> list[Path]:
    """The scenario files of ``directory`` with a ``[reported]`` table, in order of launch."""
    flights = [(scen.epoch, p) for p in Path(directory).glob("*.toml") if (scen := load(p)).reported is not None]
    return [p for _, p in sorted(flights)]


def reported_impact_deg(rep: Reported) -> tuple[float, float] | None:
    """The published impact area's point (lat, lon in deg): the given distance from the
    landmark along the geodesic of the given bearing; None if no area was published."""
    lat0, lon0, bearing, dist = rep.impact_from_lat_deg, rep.impact_from_lon_deg, rep.impact_bearing_deg, rep.impact_distance_km
    if lat0 is None or lon0 is None or bearing is None or dist is None:
        return None
    lat, lon = geo.geodesic_direct_deg(lat0, lon0, bearing, dist * 1e3)
    return float(lat), float(lon)


def spans(t_s: np.ndarray) -> tuple[tuple[float, float], ...]:
    """Sorted report times (s) as spans ``(first, last)``, split where a gap exceeds :data:`GAP_S`."""
    cuts = np.flatnonzero(np.diff(t_s) > GAP_S)
    starts = np.concatenate([[0], cuts + 1])
    ends = np.concatenate([cuts, [len(t_s) - 1]])
    return tuple((float(t_s[a]), float(t_s[b])) for a, b in zip(starts, ends))


def _views(result: RunResult) -> tuple[SiteView, ...]:
    truth = result.truth
    views = []
    for site in result.scenario.sites:
        dets = [d for d in result.output.detections if d.site == site.name]
        if not dets:
            continue
        t = np.sort([d.t_s for d in dets])
        el = np.degrees([float(d.z[2]) for d in dets])
        first, last = float(t.min()), float(t.max())
        _, _, alt = geo.ecef_to_lla(np.stack([truth.state(first)[:3], truth.state(last)[:3]]))
        views.append(SiteView(site=site.name, detections=len(dets), spans=spans(t), first_s=first, last_s=last,
                              first_alt_km=float(alt[0]) / 1e3, last_alt_km=float(alt[1]) / 1e3,
                              min_el_deg=float(el.min()), max_el_deg=float(el.max())))
    return tuple(views)


def check_flight(scen: Scenario) -> FlightCheck:
    """Run a real-flight scenario once and set its truth beside its ``[reported]`` figures."""
    if scen.reported is None:
        raise ScenarioError(f"{scen.path}: no [reported] table: expected a real flight's cited figures (see the README)")
    result = run_scenario(scen)
    truth = result.truth
    area = reported_impact_deg(scen.reported)
    miss = None
    if area is not None:
        miss = float(geo.geodesic_distance_m(area[0], area[1], truth.impact_lat_deg, truth.impact_lon_deg)) / 1e3
    return FlightCheck(
        path=scen.path, name=scen.name, reported=scen.reported,
        apogee_km=truth.apogee_m / 1e3, range_km=truth.range_m / 1e3, flight_time_s=truth.flight_time_s,
        impact_lat_deg=truth.impact_lat_deg, impact_lon_deg=truth.impact_lon_deg,
        area_lat_deg=None if area is None else area[0], area_lon_deg=None if area is None else area[1],
        area_miss_km=miss, views=_views(result),
    )


def check_files(paths: Iterable[str | Path]) -> list[FlightCheck]:
    """:func:`check_flight` for each file, in the order given."""
    return [check_flight(load(p)) for p in paths]


def _point(lat: float, lon: float) -> str:
    return f"{abs(lat):.2f} {'N' if lat >= 0 else 'S'} {abs(lon):.2f} {'E' if lon >= 0 else 'W'}"


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def _spans(spans: Sequence[tuple[float, float]]) -> str:
    return ", ".join(f"{a:.0f}" if a == b else f"{a:.0f}-{b:.0f}" for a, b in spans)


def _pct(sim: float, rep: float) -> str:
    pct = round(100.0 * (sim - rep) / rep, 1) + 0.0  # + 0.0: no "-0.0" from a difference in the last bits
    return f"{pct:+.1f} %"


def figures_table(checks: Sequence[FlightCheck]) -> str:
    """Markdown: per flight, apogee, range, flight time and impact, simulated beside reported."""
    rows = ["| flight | figure | simulated | reported | difference | source |", "| --- | --- | --- | --- | --- | --- |"]
    for c in checks:
        rep = c.reported
        flight = f"`{Path(c.path).name}`"
        rows.append(f"| {flight} | apogee | {c.apogee_km:,.1f} km | {rep.apogee_km:,.1f} km | "
                    f"{_pct(c.apogee_km, rep.apogee_km)} | {_cell(rep.apogee_source)} |")
        rows.append(f"| | range | {c.range_km:,.1f} km | {rep.range_km:,.1f} km | "
                    f"{_pct(c.range_km, rep.range_km)} | {_cell(rep.range_source)} |")
        rows.append(f"| | flight time | {c.flight_time_s / 60:.1f} min | {rep.flight_time_s / 60:.1f} min | "
                    f"{_pct(c.flight_time_s, rep.flight_time_s)} | {_cell(rep.flight_time_source)} |")
        if c.area_lat_deg is None or c.area_lon_deg is None or c.area_miss_km is None:
            rows.append(f"| | impact | {_point(c.impact_lat_deg, c.impact_lon_deg)} | not published | | |")
        else:
            area = f"{rep.impact_distance_km:,.0f} km at {rep.impact_bearing_deg:.0f} deg from {rep.impact_from}"
            rows.append(f"| | impact | {_point(c.impact_lat_deg, c.impact_lon_deg)} | {_cell(area)} "
                        f"({_point(c.area_lat_deg, c.area_lon_deg)}) | {c.area_miss_km:.0f} km away | "
                        f"{_cell(rep.impact_source or '')} |")
    return "\n".join(rows) + "\n"


def radars_table(checks: Sequence[FlightCheck]) -> str:
    """Markdown: per flight, the radars that detected any of its objects, from when to when."""
    rows = ["| flight | radar | detections | seen (s after launch) | missile height at first - last (km) "
            "| elevation of the reports (deg) |", "| --- | --- | --- | --- | --- | --- |"]
    for c in checks:
        flight = f"`{Path(c.path).name}` ({c.flight_time_s:.0f} s)"
        if not c.views:
            rows.append(f"| {flight} | none | 0 | | | |")
        for i, v in enumerate(c.views):
            rows.append(f"| {flight if i == 0 else ''} | {v.site} | {v.detections} | {_spans(v.spans)} | "
                        f"{v.first_alt_km:,.0f} - {v.last_alt_km:,.0f} | {v.min_el_deg:.1f} - {v.max_el_deg:.1f} |")
    return "\n".join(rows) + "\n"


def notes(checks: Sequence[FlightCheck]) -> str:
    """Markdown list of each flight's ``note`` (where its sources disagree)."""
    lines = [f"* `{Path(c.path).name}`: {c.reported.note}" for c in checks if c.reported.note]
    return "\n".join(lines) + "\n" if lines else ""


def document(checks: Sequence[FlightCheck]) -> str:
    """The whole of ``docs/validation.md``."""
    parts = [DOC_HEADER, "## Apogee, range, flight time and impact", figures_table(checks),
             "## Which 2017 radars saw each flight",
             "Detections of any of the flight's objects (reentry vehicle, spent stage), in spans split "
             f"where no report came for more than {GAP_S:.0f} s; heights are the reentry vehicle's (before "
             "separation, the missile's).", radars_table(checks)]
    text = notes(checks)
    if text:
        parts += ["## Where the sources disagree", text]
    return "\n".join(p.rstrip("\n") + "\n" for p in parts)

