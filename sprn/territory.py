"""Territory polygons, map lines, cities and launch areas: the threat test.

Countries are Natural Earth admin-0 polygons (public domain) in longitude/latitude degrees,
composed from three scales (``sprn/data/territory/PROVENANCE.md``): 1:10m around the Sea of
Japan (115..150 E, 30..55 N), 1:50m over East Asia, Russia and the North Pacific, 1:110m
elsewhere. Point-in-country tests use shapely's vectorised predicates; distances to a
country are WGS84 geodesics (``sprn.geo``) to the nearest point of its polygons.

Longitudes may be given in any 360-degree range; they are wrapped to [-180, 180).
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, cast, overload

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import shape

from sprn.errors import DataError, ScenarioError, field_error
from sprn.geo import enu_rotation, geodesic_distance_m

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
BBox = tuple[float, float, float, float]

DATA_DIR = Path(__file__).resolve().parent / "data"
TERRITORY_DIR = DATA_DIR / "territory"
COUNTRIES_FILE = TERRITORY_DIR / "countries.geojson"
COASTLINE_FILE = TERRITORY_DIR / "coastline.geojson"
BORDERS_FILE = TERRITORY_DIR / "borders.geojson"
CITIES_FILE = DATA_DIR / "cities.toml"
LAUNCH_AREAS_FILE = DATA_DIR / "launch_areas.toml"

TERRITORY_SOURCE = (
    "Natural Earth admin-0 countries 5.1 (public domain), 1:10m/1:50m/1:110m composite; "
    "see sprn/data/territory/PROVENANCE.md"
)
MEAN_RADIUS_M = 6371008.8
"""IUGG mean Earth radius (m), used only to pick candidate nearest points on a sphere."""
SPHERE_MARGIN = 1.015
"""WGS84 geodesic / spherical distance lies in [0.9944, 1.0045] (meridian radius at the equator
to normal radius at the pole over the mean radius), so a spherical near-minimum within this
factor of the spherical minimum contains the ellipsoidal minimum."""
DENSIFY_DEG = 0.05
"""Boundaries are densified to <= 0.05 deg segments (<= 5.6 km) before distances, so a
segment straight in lon/lat and the geodesic between its ends differ by < 5 m below 80 deg
latitude (about L**2 tan(lat) / 8R)."""
ALIASES = {
    "usa": "USA",
    "us": "USA",
    "united states": "USA",
    "dprk": "PRK",
    "rok": "KOR",
    "prc": "CHN",
    "uk": "GBR",
    "russian federation": "RUS",
}
"""Common names that Natural Earth's attributes do not carry (normalised key -> ADM0_A3)."""
NAME_FIELDS = ("name", "name_long", "admin", "formal_en", "name_en")
CODE_FIELDS = ("adm0_a3", "iso_a3", "iso_a2")


@dataclass(frozen=True, slots=True, kw_only=True)
class Territory:
    """A country's land as polygons in longitude/latitude degrees (WGS84).

    Attributes
    ----------
    name : str
        Natural Earth short name, e.g. ``"Russia"``.
    iso_a3 : str
        ISO 3166-1 alpha-3 code (Natural Earth's ``ISO_A3_EH``, or its ``ADM0_A3`` where the
        entity has no ISO code).
    geometry : shapely.Geometry
        (Multi)polygon, x = longitude, y = latitude, deg; prepared for fast predicates.
    scales : tuple of str
        Natural Earth scales the geometry is composed of (``"10m"``, ``"50m"``, ``"110m"``).
    source : str
        Where the polygons come from.
    """

    name: str
    iso_a3: str
    geometry: shapely.Geometry
    scales: tuple[str, ...] = ()
    source: str = TERRITORY_SOURCE


@dataclass(frozen=True, slots=True, kw_only=True)
class Place:
    """A named point: a city or a launch area.

    Attributes
    ----------
    name : str
        Preferred name.
    lat_deg, lon_deg : float
        Geodetic latitude and longitude (WGS84), deg.
    country : str
        ISO 3166-1 alpha-3 code of the country it lies in.
    source : str
        Where the coordinates come from.
    aliases : tuple of str
        Other names it may be looked up by.
    assumed : tuple of str
        Figures that are assumptions rather than published values.
    note : str
        Free text (what the place is).
    """

    name: str
    lat_deg: float
    lon_deg: float
    country: str
    source: str
    aliases: tuple[str, ...] = ()
    assumed: tuple[str, ...] = ()
    note: str = ""


# --- lookup keys ------------------------------------------------------------------------


def normalise_name(text: str) -> str:
    """Lookup key: accents dropped, case folded, punctuation and spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", " ", plain.casefold()).strip()


def _unknown(field: str, value: str, source: str, choices: Iterable[str]) -> ScenarioError:
    close = difflib.get_close_matches(normalise_name(value), sorted(set(choices)), n=3)
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    expected = {
        "territory": "a Natural Earth admin-0 country name or ISO 3166-1 code, e.g. 'Russia', 'RUS'",
        "city": f"a city of {CITIES_FILE.name}",
        "launch_area": f"a launch area of {LAUNCH_AREAS_FILE.name}",
    }[field]
    return cast(ScenarioError, field_error(ScenarioError, source, field, value, expected + hint))


# --- countries --------------------------------------------------------------------------


def _read_json(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            doc = json.load(handle)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read GeoJSON: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
        raise DataError(f"{path}: features = missing: expected a GeoJSON FeatureCollection")
    return doc


@lru_cache(maxsize=1)
def _country_features() -> tuple[dict[str, Any], ...]:
    """The country features of the shipped GeoJSON (geometry still as nested lists)."""
    features = tuple(_read_json(COUNTRIES_FILE)["features"])
    for i, feature in enumerate(features):
        props = feature.get("properties") or {}
        if not props.get("adm0_a3") or not props.get("name") or "geometry" not in feature:
            raise DataError(f"{COUNTRIES_FILE}: features[{i}] = {props!r}: expected adm0_a3, name, geometry")
    return features


@lru_cache(maxsize=1)
def _country_index() -> dict[str, int]:
    """Normalised name or code -> feature position; ambiguous keys are left out.

    A code shared by several entities (Natural Earth gives Australia's dependencies the
    ISO code ``AUS``) goes to the entity whose ``ADM0_A3`` is that code, or else to the one
    entity among them whose ISO alpha-3 code is its own ``ADM0_A3`` (the sovereign part).
    """
    features = _country_features()
    candidates: dict[str, set[int]] = {}
    for i, feature in enumerate(features):
        props = feature["properties"]
        for field in NAME_FIELDS + CODE_FIELDS:
            if props.get(field):
                candidates.setdefault(normalise_name(str(props[field])), set()).add(i)
    by_adm0 = {normalise_name(f["properties"]["adm0_a3"]): i for i, f in enumerate(features)}
    index = {}
    for key, found in candidates.items():
        primary = {i for i in found if features[i]["properties"].get("iso_a3") == features[i]["properties"]["adm0_a3"]}
        if key in by_adm0:
            index[key] = by_adm0[key]
        elif len(found) == 1 or len(primary) == 1:
            index[key] = next(iter(found if len(found) == 1 else primary))
    for alias, adm0 in ALIASES.items():
        index.setdefault(alias, by_adm0[normalise_name(adm0)])
    return index


@cache
def _territory_at(position: int) -> Territory:
    feature = _country_features()[position]
    props = feature["properties"]
    try:
        geometry = shape(feature["geometry"])
    except (KeyError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
        raise DataError(f"{COUNTRIES_FILE}: {props['adm0_a3']}.geometry: {exc}") from exc
    shapely.prepare(geometry)
    return Territory(
        name=str(props["name"]),
        iso_a3=str(props.get("iso_a3") or props["adm0_a3"]),
        geometry=geometry,
        scales=tuple(props.get("scales", ())),
    )


def territory(name_or_iso: str, *, source: str = "territory lookup") -> Territory:
    """The country called ``name_or_iso`` (name, long or formal name, ISO alpha-3 or alpha-2).

    Raises
    ------
    ScenarioError
        Unknown name; the message names ``source`` and the field ``territory``.
    """
    position = _country_index().get(normalise_name(str(name_or_iso)))
    if position is None:
        raise _unknown("territory", str(name_or_iso), source, _country_index())
    return _territory_at(position)


def territories() -> tuple[Territory, ...]:
    """Every shipped country (about 0.1 s to build the first time)."""
    return tuple(_territory_at(i) for i in range(len(_country_features())))


def _as_territory(value: Territory | str) -> Territory:
    return value if isinstance(value, Territory) else territory(value)


def wrap_lon_deg(lon_deg: ArrayLike) -> FloatArray:
    """Longitude wrapped to [-180, 180) deg."""
    return (np.asarray(lon_deg, dtype=float) + 180.0) % 360.0 - 180.0


def _points(lat_deg: ArrayLike, lon_deg: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lat, lon = np.broadcast_arrays(np.asarray(lat_deg, dtype=float), np.asarray(lon_deg, dtype=float))
    if not (np.all(np.isfinite(lat)) and np.all(np.isfinite(lon))):
        raise ValueError("latitudes and longitudes must be finite")
    if np.any(np.abs(lat) > 90.0):
        raise ValueError("latitudes must lie in [-90, 90] deg")
    return lat, wrap_lon_deg(lon)


def on_territory(territory: Territory | str, lat_deg: ArrayLike, lon_deg: ArrayLike) -> BoolArray:
    """Whether each point (geodetic lat, lon in deg) lies on the country's land.

    Points exactly on the polygon boundary count as outside (``shapely.contains_xy``).
    """
    lat, lon = _points(lat_deg, lon_deg)
    return np.asarray(shapely.contains_xy(_as_territory(territory).geometry, lon, lat), dtype=bool)


def p_on_territory(
    territory: Territory | str,
    lat_deg: ArrayLike,
    lon_deg: ArrayLike,
    weights: ArrayLike | None = None,
) -> float:
    """The (weighted) fraction of impact samples that fall on the country's land.

    Parameters
    ----------
    territory : Territory or str
        The country, or its name or ISO code.
    lat_deg, lon_deg : array_like
        Sample impact points, deg.
    weights : array_like, optional
        Non-negative sample weights (same shape as the samples); equal weights if omitted.
    """
    inside = on_territory(territory, lat_deg, lon_deg).astype(float)
    if inside.size == 0:
        raise ValueError("p_on_territory needs at least one sample")
    if weights is None:
        return float(inside.mean())
    w = np.asarray(weights, dtype=float)
    if w.shape != inside.shape or not np.all(np.isfinite(w)) or np.any(w < 0.0) or w.sum() <= 0.0:
        raise ValueError(f"weights must be finite, >= 0, not all 0, with shape {inside.shape}")
    return float(np.sum(w * inside) / np.sum(w))


# --- distances --------------------------------------------------------------------------


EDGES_PER_CHUNK = 64
"""Edges are grouped in runs of this many, each bounded by a spherical cap, so that a query
projects only the runs that can hold the nearest point."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Boundary:
    """A territory's densified polygon edges, and caps bounding runs of them."""

    unit: FloatArray  # (m, 3) vertices on the unit sphere
    lonlat: FloatArray  # (m, 2) the same vertices, deg
    start: NDArray[np.intp]  # (n,) index of each edge's first vertex; its end is start + 1
    cap_centre: FloatArray  # (k, 3) unit vector at the centre of each run's cap
    cap_radius: FloatArray  # (k,) angular radius of the cap, rad


def unit_vectors(lat_deg: ArrayLike, lon_deg: ArrayLike) -> FloatArray:
    """Points as unit vectors (..., 3), the latitude taken as a spherical one."""
    lat = np.radians(lat_deg)
    lon = np.radians(lon_deg)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def angle_between(u: FloatArray, v: FloatArray) -> FloatArray:
    """Angle (rad) between unit vectors, accurate at all angles (atan2 of |u x v| and u.v)."""
    return np.asarray(np.arctan2(np.linalg.norm(np.cross(u, v), axis=-1), np.sum(u * v, axis=-1)))


_BOUNDARIES: dict[int, tuple[shapely.Geometry, _Boundary]] = {}
_MAX_BOUNDARIES = 32


def _boundary(geometry: shapely.Geometry) -> _Boundary:
    """The densified edges of ``geometry`` (cached by identity: hashing a country's
    geometry means serialising it, which costs more than a distance query)."""
    hit = _BOUNDARIES.get(id(geometry))
    if hit is not None and hit[0] is geometry:
        return hit[1]
    if len(_BOUNDARIES) >= _MAX_BOUNDARIES:
        _BOUNDARIES.pop(next(iter(_BOUNDARIES)))
    built = _build_boundary(geometry)
    _BOUNDARIES[id(geometry)] = (geometry, built)
    return built


def _build_boundary(geometry: shapely.Geometry) -> _Boundary:
    dense = shapely.segmentize(geometry, DENSIFY_DEG)
    rings = shapely.get_rings(shapely.get_parts(dense))
    lonlat, ring = shapely.get_coordinates(rings, return_index=True)
    start = np.flatnonzero(ring[1:] == ring[:-1])
    if start.size == 0:
        raise ValueError("the territory has no polygon edges to measure a distance to")
    unit = unit_vectors(lonlat[:, 1], lonlat[:, 0])
    chunk = np.arange(start.size) // EDGES_PER_CHUNK
    centre = np.zeros((chunk[-1] + 1, 3))
    np.add.at(centre, chunk, unit[start] + unit[start + 1])
    norm = np.linalg.norm(centre, axis=1, keepdims=True)
    # Any centre bounds its run (the radius is measured from it); guard the degenerate sum.
    centre = np.where(norm > 1e-9, centre / np.maximum(norm, 1e-300), np.array([0.0, 0.0, 1.0]))
    radius = np.zeros(centre.shape[0])
    for end in (start, start + 1):
        np.maximum.at(radius, chunk, angle_between(unit[end], centre[chunk]))
    # Edges are straight in lon/lat, not great circles: allow for their < 5 m bulge.
    radius += 10.0 / MEAN_RADIUS_M
    return _Boundary(unit=unit, lonlat=lonlat, start=start, cap_centre=centre, cap_radius=radius)


def azimuthal_equidistant(unit: FloatArray, lat_deg: float, lon_deg: float) -> FloatArray:
    """Spherical azimuthal equidistant projection (x east, y north; unit-sphere radians).

    The distance of a projected point from the origin is its great-circle distance from
    the centre (Snyder 1987, *Map Projections: A Working Manual*, USGS PP 1395, ch. 25).
    """
    enu = unit @ enu_rotation(np.radians(lat_deg), np.radians(lon_deg)).T
    horizontal = np.hypot(enu[:, 0], enu[:, 1])
    arc = np.arctan2(horizontal, enu[:, 2])
    scale = np.divide(arc, horizontal, out=np.ones_like(arc), where=horizontal > 0.0)
    return enu[:, :2] * scale[:, None]


def _nearest_on_edges(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Distance from the origin to each planar edge a-b, and the parameter t in [0, 1] of its foot."""
    d = b - a
    length2 = np.einsum("ij,ij->i", d, d)
    along = -np.einsum("ij,ij->i", a, d)
    t = np.clip(np.divide(along, length2, out=np.zeros_like(along), where=length2 > 0.0), 0.0, 1.0)
    foot = a + t[:, None] * d
    return np.hypot(foot[:, 0], foot[:, 1]), t


def _geodesic_from_m(lat_deg: float, lon_deg: float, lat2_deg: FloatArray, lon2_deg: FloatArray) -> FloatArray:
    """WGS84 geodesic distances (m) from one point to many (pyproj wants equal lengths)."""
    return geodesic_distance_m(np.full(lat2_deg.shape, lat_deg), np.full(lon2_deg.shape, lon_deg), lat2_deg, lon2_deg)


def _candidate_edges(boundary: _Boundary, lat_deg: float, lon_deg: float) -> NDArray[np.intp]:
    """Edges in the runs whose cap may hold a point within SPHERE_MARGIN of the nearest."""
    here = unit_vectors(lat_deg, lon_deg)
    to_centre = angle_between(boundary.cap_centre, here[None, :])
    lower = to_centre - boundary.cap_radius
    upper = to_centre + boundary.cap_radius
    runs = np.flatnonzero(lower <= upper.min() * SPHERE_MARGIN)
    edges = runs[:, None] * EDGES_PER_CHUNK + np.arange(EDGES_PER_CHUNK)
    return edges[edges < boundary.start.size]


def _distance_to_boundary_m(boundary: _Boundary, lat_deg: float, lon_deg: float) -> float:
    """WGS84 geodesic distance (m) from a point to the nearest point of the edges.

    The nearest point is sought on the sphere in the point's own azimuthal equidistant
    projection (exact distances from the centre); every edge whose spherical distance is
    within ``SPHERE_MARGIN`` of the least is then measured on the WGS84 ellipsoid.
    """
    start = boundary.start[_candidate_edges(boundary, lat_deg, lon_deg)]
    a = azimuthal_equidistant(boundary.unit[start], lat_deg, lon_deg)
    b = azimuthal_equidistant(boundary.unit[start + 1], lat_deg, lon_deg)
    dist, t = _nearest_on_edges(a, b)
    near = dist <= dist.min() * SPHERE_MARGIN + 1.0 / MEAN_RADIUS_M
    lonlat_a = boundary.lonlat[start[near]]
    lonlat_b = boundary.lonlat[start[near] + 1]
    foot = lonlat_a + t[near, None] * (lonlat_b - lonlat_a)
    return float(np.min(_geodesic_from_m(lat_deg, lon_deg, foot[:, 1], foot[:, 0])))


@overload
def distance_to_territory_km(territory: Territory | str, lat_deg: float, lon_deg: float) -> float: ...


@overload
def distance_to_territory_km(
    territory: Territory | str, lat_deg: ArrayLike, lon_deg: ArrayLike
) -> float | FloatArray: ...


def distance_to_territory_km(territory: Territory | str, lat_deg: ArrayLike, lon_deg: ArrayLike) -> float | FloatArray:
    """Geodesic distance (km, WGS84) from each point to the country's land; 0 on land.

    Accurate to a few metres with respect to the shipped polygons (the polygons themselves
    are only as good as their Natural Earth scale: about 1 km at 1:10m, a few km at 1:50m,
    about 10 km at 1:110m). Valid for distances up to about 10,000 km.

    Returns a float for scalar input, else an array of the broadcast shape.
    """
    where = _as_territory(territory)
    lat, lon = _points(lat_deg, lon_deg)
    lat_flat, lon_flat = lat.ravel(), lon.ravel()
    inside = np.asarray(shapely.contains_xy(where.geometry, lon_flat, lat_flat), dtype=bool)
    out = np.zeros(lat_flat.shape)
    boundary = _boundary(where.geometry)
    for k in np.flatnonzero(~inside):
        out[k] = _distance_to_boundary_m(boundary, float(lat_flat[k]), float(lon_flat[k])) / 1000.0
    return float(out[0]) if lat.ndim == 0 else out.reshape(lat.shape)


# --- cities and launch areas ------------------------------------------------------------

PLACE_KEYS = {"name", "country", "lat_deg", "lon_deg", "source", "aliases", "assumed", "note"}
PLACE_REQUIRED = ("name", "country", "lat_deg", "lon_deg", "source")


def _place(path: Path, where: str, entry: Any) -> Place:
    if not isinstance(entry, dict):
        raise field_error(DataError, str(path), where, entry, "a table")
    unknown = sorted(set(entry) - PLACE_KEYS)
    if unknown:
        raise field_error(DataError, str(path), f"{where}.{unknown[0]}", entry[unknown[0]], "no such key")
    for key in PLACE_REQUIRED:
        if key not in entry:
            raise field_error(DataError, str(path), f"{where}.{key}", None, "a value (required)")
    for key, bound in (("lat_deg", 90.0), ("lon_deg", 180.0)):
        value = entry[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not -bound <= value <= bound:
            raise field_error(DataError, str(path), f"{where}.{key}", value, f"a number in [-{bound}, {bound}]")
    for key in ("aliases", "assumed"):
        if not all(isinstance(x, str) for x in entry.get(key, [])):
            raise field_error(DataError, str(path), f"{where}.{key}", entry[key], "a list of strings")
    return Place(
        name=str(entry["name"]),
        lat_deg=float(entry["lat_deg"]),
        lon_deg=float(entry["lon_deg"]),
        country=str(entry["country"]),
        source=str(entry["source"]),
        aliases=tuple(entry.get("aliases", ())),
        assumed=tuple(entry.get("assumed", ())),
        note=str(entry.get("note", "")),
    )


def load_places(path: Path, table: str) -> tuple[Place, ...]:
    """Read a TOML file of ``[[table]]`` entries into places, checking every field."""
    try:
        with path.open("rb") as handle:
            doc = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"{path}: cannot read TOML: {exc}") from exc
    extra = sorted(set(doc) - {table})
    if extra or not isinstance(doc.get(table), list):
        raise field_error(
            DataError,
            str(path),
            extra[0] if extra else table,
            doc.get(extra[0]) if extra else None,
            f"only an array of [[{table}]] tables",
        )
    places = tuple(_place(path, f"{table}[{i}]", entry) for i, entry in enumerate(doc[table]))
    keys = [k for p in places for k in {normalise_name(n) for n in (p.name, *p.aliases)}]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise field_error(DataError, str(path), f"{table}.name", duplicates[0], "unique names and aliases")
    return places


@lru_cache(maxsize=1)
def cities() -> tuple[Place, ...]:
    """Every city of ``sprn/data/cities.toml``, in file order."""
    return load_places(CITIES_FILE, "city")


@lru_cache(maxsize=1)
def launch_areas() -> tuple[Place, ...]:
    """Every launch area of ``sprn/data/launch_areas.toml``, in file order."""
    return load_places(LAUNCH_AREAS_FILE, "launch_area")


def _find(places: Sequence[Place], field: str, name: str, source: str) -> Place:
    key = normalise_name(str(name))
    for place in places:
        if key in (normalise_name(n) for n in (place.name, *place.aliases)):
            return place
    raise _unknown(field, str(name), source, (normalise_name(p.name) for p in places))


def city(name: str, *, source: str = "city lookup") -> Place:
    """The city called ``name`` (or one of its aliases); unknown names raise ScenarioError."""
    return _find(cities(), "city", name, source)


def launch_area(name: str, *, source: str = "launch area lookup") -> Place:
    """The launch area called ``name`` (or one of its aliases); unknown names raise ScenarioError."""
    return _find(launch_areas(), "launch_area", name, source)


def _distances_km(places: Sequence[Place], lat_deg: float, lon_deg: float) -> FloatArray:
    lat = np.array([p.lat_deg for p in places])
    lon = np.array([p.lon_deg for p in places])
    return _geodesic_from_m(lat_deg, lon_deg, lat, lon) / 1000.0


def distance_to_cities_km(lat_deg: float, lon_deg: float, names: Iterable[str] | None = None) -> dict[str, float]:
    """Geodesic distance (km, WGS84) from one point to each named city (all if ``names`` is None)."""
    places = cities() if names is None else tuple(city(n) for n in names)
    lat, lon = _points(lat_deg, lon_deg)
    return dict(zip((p.name for p in places), map(float, _distances_km(places, float(lat), float(lon)))))


def nearest_launch_area(lat_deg: float, lon_deg: float) -> tuple[str, float]:
    """The launch area nearest a point, and its geodesic distance (km, WGS84)."""
    lat, lon = _points(lat_deg, lon_deg)
    places = launch_areas()
    dist = _distances_km(places, float(lat), float(lon))
    best = int(np.argmin(dist))
    return places[best].name, float(dist[best])


# --- map lines ----------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _lines(path: Path) -> NDArray[np.object_]:
    """All line strings of a shipped GeoJSON file of (Multi)LineString features."""
    lines: list[list[list[float]]] = []
    for i, feature in enumerate(_read_json(path)["features"]):
        geometry = feature.get("geometry") or {}
        kind, coordinates = geometry.get("type"), geometry.get("coordinates")
        if kind not in ("LineString", "MultiLineString") or not isinstance(coordinates, list):
            raise field_error(DataError, str(path), f"features[{i}].geometry.type", kind, "(Multi)LineString")
        lines.extend([coordinates] if kind == "LineString" else coordinates)
    counts = [len(line) for line in lines]
    flat = np.array([xy for line in lines for xy in line], dtype=np.float64).reshape(-1, 2)
    return np.asarray(shapely.linestrings(flat, indices=np.repeat(np.arange(len(counts)), counts)), dtype=object)


def _check_bbox(bbox: Sequence[float]) -> BBox:
    values = tuple(float(v) for v in bbox)
    if len(values) != 4 or not all(np.isfinite(values)):
        raise field_error(ScenarioError, "map", "bbox", bbox, "(lon_min, lat_min, lon_max, lat_max), deg")
    lon_min, lat_min, lon_max, lat_max = values
    if not (lon_min < lon_max <= lon_min + 360.0 and -90.0 <= lat_min < lat_max <= 90.0):
        raise field_error(
            ScenarioError, "map", "bbox", bbox, "lon_min < lon_max <= lon_min + 360, -90 <= lat_min < lat_max <= 90"
        )
    return lon_min, lat_min, lon_max, lat_max


def _clipped(lines: NDArray[np.object_], bbox: Sequence[float] | None) -> list[FloatArray]:
    """Lines as (n, 2) lon/lat arrays inside bbox; a bbox past +-180 gets shifted copies."""
    if bbox is None:
        return [shapely.get_coordinates(line) for line in lines]
    lon_min, lat_min, lon_max, lat_max = _check_bbox(bbox)
    out = []
    for shift in (-360.0, 0.0, 360.0):
        lo, hi = max(lon_min - shift, -180.0), min(lon_max - shift, 180.0)
        if lo >= hi:
            continue
        clipped = shapely.get_parts(shapely.clip_by_rect(lines, lo, lat_min, hi, lat_max))
        for part in clipped[~shapely.is_empty(clipped)]:
            coords = shapely.get_coordinates(part)
            if len(coords) >= 2:
                out.append(coords + np.array([shift, 0.0]))
    return out


def coastlines(bbox: Sequence[float] | None = None) -> list[FloatArray]:
    """Coastlines as (n, 2) arrays of (lon, lat) deg, clipped to bbox = (lon_min, lat_min,
    lon_max, lat_max); lon_max may pass 180 for maps across the antimeridian."""
    return _clipped(_lines(COASTLINE_FILE), bbox)


def borders(bbox: Sequence[float] | None = None) -> list[FloatArray]:
    """Land borders between countries, as :func:`coastlines`."""
    return _clipped(_lines(BORDERS_FILE), bbox)
