"""The engagement map: land, radar coverage, ground tracks, predicted impacts, distances.

The map is a plate carrée (longitude/latitude) projection whose aspect is set to
``1 / cos(mid-latitude)``, so that distances are true in both directions at the map's
middle latitude; lines are Natural Earth coastlines and borders shipped with sprn
(``sprn.territory``), so no download is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import shapely
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sprn import geo, territory
from sprn.engagement import RunResult
from sprn.impact import ImpactPrediction
from sprn.plot.common import (
    BOOSTER_COLOUR,
    TRUTH_COLOUR,
    FloatArray,
    Sampled,
    new_figure,
    sample_booster,
    sample_truth,
    site_colours,
    site_label,
)
from sprn.radar.coverage import horizon_range_m, mean_radius_m
from sprn.radar.site import Site

BBox = tuple[float, float, float, float]
MAX_PREDICTION_KM = 2500.0
"""Predicted impacts farther than this from the true impact do not stretch the map."""
LAND, DEFENDED_LAND, SEA = "#ecebe4", "#f5d9c0", "#d9e7f2"
CMAP = "viridis"
DEFAULT_PLACES = ("Vladivostok",)


def _bbox(lon: Sequence[float], lat: Sequence[float], margin_deg: float) -> BBox:
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    lat_min = max(float(lat_a.min()) - margin_deg, -89.0)
    lat_max = min(float(lat_a.max()) + margin_deg, 89.0)
    mid = np.radians(0.5 * (lat_min + lat_max))
    lon_margin = margin_deg / max(np.cos(mid), 0.2)
    return float(lon_a.min()) - lon_margin, lat_min, float(lon_a.max()) + lon_margin, lat_max


class GroundEllipse(Protocol):
    """A point with a 95 % ground ellipse (an impact prediction, a launch-point estimate)."""

    @property
    def lat_deg(self) -> float: ...
    @property
    def lon_deg(self) -> float: ...
    @property
    def semi_major_km(self) -> float: ...
    @property
    def semi_minor_km(self) -> float: ...
    @property
    def orientation_deg(self) -> float: ...


def ellipse_lonlat(pred: GroundEllipse, n: int = 73, semi_major_km: float | None = None,
                   semi_minor_km: float | None = None) -> tuple[FloatArray, FloatArray]:
    """A 95 % ground ellipse as ``n`` (lon, lat) points (deg), the offsets along geodesics.

    The axes default to the estimate's 95 % semi-axes; the major axis points along
    ``orientation_deg`` (clockwise from north).
    """
    a_km = pred.semi_major_km if semi_major_km is None else semi_major_km
    b_km = pred.semi_minor_km if semi_minor_km is None else semi_minor_km
    theta = np.linspace(0.0, 2.0 * np.pi, n)
    alpha = np.radians(pred.orientation_deg)
    u, v = a_km * np.cos(theta), b_km * np.sin(theta)
    east = u * np.sin(alpha) + v * np.cos(alpha)
    north = u * np.cos(alpha) - v * np.sin(alpha)
    az = np.degrees(np.arctan2(east, north))
    lat, lon = geo.geodesic_direct_deg(pred.lat_deg, pred.lon_deg, az, np.hypot(east, north) * 1000.0)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def nearest_point_deg(terr: territory.Territory, lat_deg: float, lon_deg: float) -> tuple[float, float]:
    """The point (lat, lon deg) of the territory's boundary nearest a point (to ~3 km).

    Boundaries within 30 degrees are densified to 0.03-degree steps and searched by
    geodesic distance; the distance itself is ``sprn.territory.distance_to_territory_km``.
    """
    box = shapely.box(lon_deg - 30.0, max(lat_deg - 30.0, -90.0), lon_deg + 30.0, min(lat_deg + 30.0, 90.0))
    near = shapely.segmentize(shapely.intersection(terr.geometry.boundary, box), 0.03)
    xy = shapely.get_coordinates(near)
    if len(xy) == 0:
        xy = shapely.get_coordinates(terr.geometry.boundary)
    d = geo.geodesic_distance_m(lat_deg, lon_deg, xy[:, 1], xy[:, 0])
    k = int(np.argmin(d))
    return float(xy[k, 1]), float(xy[k, 0])


def _draw_land(ax: Axes, bbox: BBox, defended: territory.Territory | None) -> None:
    """Land filled (the defended territory tinted), coastlines and borders."""
    ax.set_facecolor(SEA)
    polys: list[FloatArray] = []
    colours: list[str] = []
    for terr in territory.territories():
        parts = shapely.get_parts(shapely.clip_by_rect(terr.geometry, *bbox))
        for part in parts:
            if isinstance(part, shapely.Polygon) and not part.is_empty:
                polys.append(np.asarray(part.exterior.coords))
                colours.append(DEFENDED_LAND if defended is not None and terr.iso_a3 == defended.iso_a3 else LAND)
    ax.add_collection(PolyCollection(polys, facecolors=colours, edgecolors="none", zorder=0))
    ax.add_collection(LineCollection(territory.coastlines(bbox), colors="0.35", linewidths=0.6, zorder=1))
    ax.add_collection(LineCollection(territory.borders(bbox), colors="0.45", linewidths=0.6, linestyles=(0, (4, 2)),
                                     zorder=1))


def coverage_wedge(site: Site, altitude_m: float, n: int = 61) -> tuple[FloatArray, FloatArray]:
    """The outer edge of a site's coverage of targets at ``altitude_m``, as (lon, lat) deg.

    For each azimuth of the sector, the ground distance to the sub-point of the farthest
    visible target: slant range ``min(horizon_range_m, max_range_m)`` (horizon at the
    minimum apparent elevation, with refraction, on the site's mean sphere) turned into a
    central angle by the law of cosines. A sector narrower than 360 degrees closes at the
    site. The inner limits (maximum elevation, minimum range) are left out.
    """
    radius = mean_radius_m(site.lat_rad)
    slant = min(float(horizon_range_m(site, altitude_m)), site.max_range_m)
    r0, rt = radius + site.alt_m, radius + altitude_m
    cos_phi = np.clip((r0**2 + rt**2 - slant**2) / (2.0 * r0 * rt), -1.0, 1.0)
    ground_m = float(np.arccos(cos_phi)) * radius
    full = site.sector_width_rad >= 2.0 * np.pi - 1e-9
    half = np.pi if full else 0.5 * site.sector_width_rad
    az = np.degrees(site.boresight_az_rad + np.linspace(-half, half, n))
    lat, lon = geo.geodesic_direct_deg(site.lat_deg, site.lon_deg, az, ground_m)
    lon = np.unwrap(np.asarray(lon, dtype=float), period=360.0)
    if not full:
        lon = np.concatenate([[site.lon_deg], lon, [site.lon_deg]])
        lat = np.concatenate([[site.lat_deg], lat, [site.lat_deg]])
    return lon, np.asarray(lat, dtype=float)


def _draw_coverage(ax: Axes, result: RunResult, bbox: BBox, altitude_m: float) -> list[Line2D]:
    """Coverage edges of the sites that reach into the map (bold for sites that detected)."""
    colours = site_colours(result)
    seen = {d.site for d in result.output.detections}
    box = shapely.box(*bbox)
    handles = []
    for site in result.scenario.sites:
        lon, lat = coverage_wedge(site, altitude_m)
        if not shapely.intersects(shapely.Polygon(np.column_stack([lon, lat])), box):
            continue
        c = colours[site.name]
        filled = site.name in seen
        ax.plot(lon, lat, color=c, lw=2.0 if filled else 1.0, ls="-" if filled else (0, (5, 3)), zorder=2)
        what = "saw the target" if filled else "did not see it"
        handles.append(Line2D([], [], color=c, lw=2.0 if filled else 1.0, ls="-" if filled else "--",
                              label=f"{site_label(result, site.name)} ({what})"))
    return handles


def _draw_sites(ax: Axes, result: RunResult, bbox: BBox) -> int:
    """Site markers and names inside the map; returns how many sites are off it."""
    colours = site_colours(result)
    seen = {d.site for d in result.output.detections}
    off = 0
    for site in result.scenario.sites:
        if not (bbox[0] <= site.lon_deg <= bbox[2] and bbox[1] <= site.lat_deg <= bbox[3]):
            off += 1
            continue
        c = colours[site.name] if site.name in seen else "0.4"
        ax.plot(site.lon_deg, site.lat_deg, marker="^", ms=10, mfc=c, mec="black", ls="none", zorder=9)
        ax.annotate(site_label(result, site.name), (site.lon_deg, site.lat_deg), xytext=(7, -3),
                    textcoords="offset points", fontsize=8, zorder=6,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.7})
    return off


def _draw_tracks(ax: Axes, result: RunResult, rv: Sampled, booster: Sampled | None) -> list[Line2D]:
    tr = result.truth
    ax.plot(rv.lon_deg, rv.lat_deg, color=TRUTH_COLOUR, lw=1.6, zorder=4)
    handles = [Line2D([], [], color=TRUTH_COLOUR, lw=1.6, label=f"{tr.missile.name} ground track (truth)")]
    if booster is not None:
        ax.plot(booster.lon_deg, booster.lat_deg, color=BOOSTER_COLOUR, lw=1.2, ls="--", zorder=4)
        ax.plot(booster.lon_deg[-1], booster.lat_deg[-1], marker="x", ms=7, color=BOOSTER_COLOUR, mew=2, zorder=5)
        handles.append(Line2D([], [], color=BOOSTER_COLOUR, lw=1.2, ls="--", marker="x",
                              label="spent booster (truth)"))
    dets = result.output.detections
    if dets:
        colours = site_colours(result)
        x = tr.state(np.array([d.t_s for d in dets]))
        lat, lon, _ = geo.ecef_to_lla(x[:, :3])
        ax.scatter(np.degrees(lon), np.degrees(lat), s=9, c=[colours[d.site] for d in dets], zorder=5,
                   edgecolors="none")
        handles.append(Line2D([], [], marker="o", ms=4, ls="none", color="0.3",
                              label="sub-points of the target when detected"))
    ax.plot(tr.launch_lon_deg, tr.launch_lat_deg, marker="*", ms=16, mfc="gold", mec="black", zorder=7)
    ax.plot(tr.impact_lon_deg, tr.impact_lat_deg, marker="X", ms=12, mfc="red", mec="black", zorder=8)
    handles += [Line2D([], [], marker="*", ms=12, mfc="gold", mec="black", ls="none", label="launch point"),
                Line2D([], [], marker="X", ms=10, mfc="red", mec="black", ls="none", label="true impact")]
    return handles


def _draw_launch_estimate(ax: Axes, result: RunResult) -> list[Line2D]:
    """The launch-point estimate with its 95 % ellipse, if the run made one."""
    est = result.launch
    if est is None:
        return []
    lon, lat = ellipse_lonlat(est)
    ax.plot(lon, lat, color="darkorange", lw=1.2, zorder=6)
    ax.plot(est.lon_deg, est.lat_deg, marker="*", ms=12, mfc="none", mec="darkorange", mew=1.5, ls="none", zorder=7)
    err = "" if result.launch_error_km is None else f", {result.launch_error_km:.0f} km off"
    return [Line2D([], [], color="darkorange", marker="*", ms=10, mfc="none", mew=1.5,
                   label=f"estimated launch point, 95 % ellipse (t = {est.t_s:.0f} s{err})")]


def _draw_predictions(ax: Axes, preds: Sequence[ImpactPrediction], norm: Normalize, cmap: str) -> None:
    if not preds:
        return
    colours = colormaps[cmap](norm([p.t_s for p in preds]))
    rings = [np.column_stack(ellipse_lonlat(p)) for p in preds]
    ax.add_collection(LineCollection(rings, colors=colours, linewidths=1.0, alpha=0.9, zorder=5))
    ax.scatter([p.lon_deg for p in preds], [p.lat_deg for p in preds], c=colours, s=22, marker="o",
               edgecolors="black", linewidths=0.4, zorder=6)


def _draw_distances(ax: Axes, result: RunResult, places: Sequence[str], fontsize: float = 8.0) -> list[Line2D]:
    """Lines and labels from the true impact to named places and to the defended territory."""
    tr = result.truth
    lat0, lon0 = tr.impact_lat_deg, tr.impact_lon_deg
    handles = []
    dist = territory.distance_to_cities_km(lat0, lon0, places) if places else {}
    for name, km in dist.items():
        place = territory.city(name)
        lat, lon = geo.geodesic_line_deg(lat0, lon0, place.lat_deg, place.lon_deg, 30)
        ax.plot(lon, lat, color="darkred", lw=1.0, ls=":", zorder=6)
        ax.plot(place.lon_deg, place.lat_deg, marker="s", ms=6, mfc="darkred", mec="white", zorder=7)
        ax.annotate(f"{place.name}\n{km:.0f} km from impact", (place.lon_deg, place.lat_deg), xytext=(6, 4),
                    textcoords="offset points", fontsize=fontsize, color="darkred", zorder=7,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.75})
    if dist:
        handles.append(Line2D([], [], color="darkred", ls=":", marker="s", ms=5, label="distance from the true impact"))
    terr = result.scenario.sim.threat.territory
    if terr is not None:
        km = float(territory.distance_to_territory_km(terr, lat0, lon0))
        if km > 0.0:
            lat1, lon1 = nearest_point_deg(terr, lat0, lon0)
            lat, lon = geo.geodesic_line_deg(lat0, lon0, lat1, lon1, 30)
            ax.plot(lon, lat, color="saddlebrown", lw=1.2, ls="--", zorder=6)
            ax.annotate(f"{km:.0f} km to {terr.name}", (0.5 * (lon0 + lon1), 0.5 * (lat0 + lat1)), xytext=(6, -10),
                        textcoords="offset points", fontsize=fontsize, color="saddlebrown", zorder=7,
                        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.75})
            handles.append(Line2D([], [], color="saddlebrown", ls="--", label=f"nearest {terr.name} territory"))
    return handles


def _set_extent(ax: Axes, bbox: BBox) -> None:
    ax.set_xlim(bbox[0], bbox[2])
    ax.set_ylim(bbox[1], bbox[3])
    ax.set_aspect(1.0 / np.cos(np.radians(0.5 * (bbox[1] + bbox[3]))))


def _degree_labels(ax: Axes) -> None:
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:g}°E" if v >= 0 else f"{-v:g}°W")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:g}°N" if v >= 0 else f"{-v:g}°S")
    ax.tick_params(labelsize=8)
    ax.grid(True, color="white", lw=0.5, alpha=0.8, zorder=1)


def _main_bbox(result: RunResult, rv: Sampled, booster: Sampled | None) -> BBox:
    tr = result.truth
    lon = [*rv.lon_deg, tr.launch_lon_deg]
    lat = [*rv.lat_deg, tr.launch_lat_deg]
    if booster is not None:
        lon.append(booster.lon_deg[-1])
        lat.append(booster.lat_deg[-1])
    preds = result.output.predictions
    if preds:
        p_lat, p_lon = np.array([p.lat_deg for p in preds]), np.array([p.lon_deg for p in preds])
        near = geo.geodesic_distance_m(p_lat, p_lon, tr.impact_lat_deg, tr.impact_lon_deg) < MAX_PREDICTION_KM * 1e3
        lon += list(p_lon[near])
        lat += list(p_lat[near])
    seen = {d.site for d in result.output.detections}
    for site in result.scenario.sites:
        if site.name in seen:
            lon.append(site.lon_deg)
            lat.append(site.lat_deg)
    return _bbox(lon, lat, margin_deg=2.0)


def _inset_bbox(result: RunResult, main: BBox, places: Sequence[str]) -> BBox | None:
    """A zoom on the impact area (true impact, last prediction, named places within
    1,000 km) when it is much smaller than the main map, else None."""
    tr = result.truth
    lon, lat = [tr.impact_lon_deg], [tr.impact_lat_deg]
    for name, km in territory.distance_to_cities_km(tr.impact_lat_deg, tr.impact_lon_deg, places).items():
        if km < 1000.0:
            lon.append(territory.city(name).lon_deg)
            lat.append(territory.city(name).lat_deg)
    late = [p for p in result.output.predictions if p.t_s >= 0.5 * tr.t_impact_s]
    if late:
        ring_lon, ring_lat = ellipse_lonlat(late[-1])
        lon += [*ring_lon, late[-1].lon_deg]
        lat += [*ring_lat, late[-1].lat_deg]
    box = _bbox(lon, lat, margin_deg=1.5)
    span = max(box[2] - box[0], box[3] - box[1])
    return box if span < 0.4 * max(main[2] - main[0], main[3] - main[1]) else None


def _inset_corner(rv: Sampled, result: RunResult, bbox: BBox) -> tuple[float, float]:
    """Lower-left corner (axes fraction) of the inset: the emptiest corner of the map."""
    size = 0.42
    pts_lon = np.concatenate([rv.lon_deg, [p.lon_deg for p in result.output.predictions],
                              [s.lon_deg for s in result.scenario.sites]])
    pts_lat = np.concatenate([rv.lat_deg, [p.lat_deg for p in result.output.predictions],
                              [s.lat_deg for s in result.scenario.sites]])
    fx = (pts_lon - bbox[0]) / (bbox[2] - bbox[0])
    fy = (pts_lat - bbox[1]) / (bbox[3] - bbox[1])
    corners = [(1 - size - 0.02, 0.05), (0.05, 0.05), (1 - size - 0.02, 1 - size - 0.04), (0.05, 1 - size - 0.04)]
    counts = [np.sum((fx >= x0) & (fx <= x0 + size) & (fy >= y0) & (fy <= y0 + size)) for x0, y0 in corners]
    return corners[int(np.argmin(counts))]


def _draw_inset(ax: Axes, result: RunResult, rv: Sampled, booster: Sampled | None, bbox: BBox, main: BBox,
                norm: Normalize, places: Sequence[str]) -> list[Line2D]:
    """The zoom on the impact area, with the distances; returns their legend entries."""
    x0, y0 = _inset_corner(rv, result, main)
    inset = ax.inset_axes((x0, y0, 0.42, 0.42))
    defended = result.scenario.sim.threat.territory
    _draw_land(inset, bbox, defended)
    _draw_tracks(inset, result, rv, booster)
    _draw_predictions(inset, result.output.predictions, norm, CMAP)
    handles = _draw_distances(inset, result, places, fontsize=7.0)
    _set_extent(inset, bbox)
    _degree_labels(inset)
    inset.tick_params(labelsize=6)
    inset.set_title("impact area", fontsize=8, pad=2)
    ax.indicate_inset_zoom(inset, edgecolor="0.2", alpha=0.8)
    return handles


def engagement_map(
    result: RunResult,
    ax: Axes | None = None,
    *,
    coverage_alt_km: float | None = None,
    places: Sequence[str] = DEFAULT_PLACES,
    extent: BBox | None = None,
    inset: bool = True,
) -> Figure:
    """A map of the engagement.

    Land and the defended territory, the radar sites inside the map with their coverage
    at ``coverage_alt_km`` (default: the target's altitude at the first detection,
    rounded to 100 km, else 1000 km), the ground tracks of the reentry vehicle and the
    spent booster, the target's sub-points at each detection, the impact predictions
    with their 95 % ellipses coloured by the time they were made, the true impact and
    its distances to ``places`` (city names of ``sprn/data/cities.toml``) and to the
    defended territory. ``extent`` is ``(lon_min, lat_min, lon_max, lat_max)`` in
    degrees (default: launch, impact, tracks, the detecting sites and predictions within
    2,500 km of the impact). With ``inset``, a zoom on the impact area is added when it
    is small on the main map.

    Returns the figure (``ax.figure`` when ``ax`` is given).
    """
    own_figure = ax is None
    if ax is None:
        fig = new_figure(11.0, 8.5, layout="compressed")
        ax = fig.add_subplot()
    else:
        root = ax.get_figure(root=True)
        if root is None:
            raise ValueError("engagement_map: ax belongs to no figure")
        fig = root
    tr = result.truth
    rv, booster = sample_truth(result), sample_booster(result)
    bbox = extent or _main_bbox(result, rv, booster)
    alt_m = coverage_altitude_m(result, coverage_alt_km)
    defended = result.scenario.sim.threat.territory
    _draw_land(ax, bbox, defended)
    handles: list[Line2D | Patch] = []
    handles += _draw_coverage(ax, result, bbox, alt_m)
    off_map = _draw_sites(ax, result, bbox)
    handles += _draw_tracks(ax, result, rv, booster)
    handles += _draw_launch_estimate(ax, result)
    norm = Normalize(0.0, tr.t_impact_s)
    preds = result.output.predictions
    _draw_predictions(ax, preds, norm, CMAP)
    if preds:
        handles.append(Line2D([], [], marker="o", color="tab:green", ms=5, mec="black", mew=0.4,
                              label="predicted impact, 95 % ellipse"))
    zoom = _inset_bbox(result, bbox, places) if inset else None
    if zoom is None:
        handles += _draw_distances(ax, result, places)
    else:
        handles += _draw_inset(ax, result, rv, booster, zoom, bbox, norm, places)
    if defended is not None:
        handles.append(Patch(facecolor=DEFENDED_LAND, edgecolor="0.5", label=f"{defended.name} (defended territory)"))
    handles.append(Line2D([], [], marker="^", ms=8, mfc="0.4", mec="black", ls="none", label="radar site"))
    _set_extent(ax, bbox)
    _degree_labels(ax)
    legend_title = f"radar coverage of targets at {alt_m / 1000:.0f} km altitude (outer limit)"
    if own_figure:
        fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False,
                   title=legend_title, title_fontsize=8)
    else:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.05), ncols=2, fontsize=7,
                  frameon=False, title=legend_title, title_fontsize=7)
    if preds:
        fig.colorbar(ScalarMappable(norm=norm, cmap=CMAP), ax=ax, shrink=0.7, pad=0.01,
                     label="time the prediction was made (s after launch)")
    s = tr.summary()
    note = f"; {off_map} more sites off the map" if off_map else ""
    title = (f"{result.scenario.name}\n{tr.missile.name}: apogee {s['apogee_km']:.0f} km, range "
             f"{s['range_km']:.0f} km, flight {s['flight_time_s'] / 60:.1f} min{note}")
    if own_figure:
        fig.suptitle(title, fontsize=10)
    else:
        ax.set_title(title, fontsize=10)
    return fig


def coverage_altitude_m(result: RunResult, coverage_alt_km: float | None) -> float:
    """The altitude (m) of the coverage drawn: as asked, else the target's at first detection."""
    if coverage_alt_km is not None:
        return coverage_alt_km * 1000.0
    first = result.output.first_detection_s
    if first is None:
        return 1.0e6
    alt = float(geo.ecef_to_lla(result.truth.state(first)[:3])[2])
    return max(100.0, round(alt / 1.0e5) * 100.0) * 1000.0
