"""Tests of sprn.territory: countries, the threat test, distances, places and map lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from sprn import territory as T
from sprn.errors import DataError, ScenarioError
from sprn.geo import geodesic_direct_deg, geodesic_distance_m

# A point in the Sea of Japan 60 km from Vladivostok's centre on azimuth 160 deg: south of
# Peter the Great Gulf, about 30 km off the nearest Russian shore.
OFFSHORE = geodesic_direct_deg(43.1155, 131.8855, 160.0, 60e3)
SEA_POINTS = [  # (lat, lon) deg, all in the Sea of Japan or the Sea of Okhotsk
    (float(OFFSHORE[0]), float(OFFSHORE[1])),
    (41.5, 132.0),
    (40.0, 134.0),
    (38.0, 135.0),
    (41.0, 129.9),
    (45.0, 137.5),
    (42.1, 131.0),
    (55.0, 150.0),
]


def brute_force_distance_km(where: T.Territory, lat: float, lon: float, window_deg: float = 12.0) -> float:
    """Least WGS84 geodesic from the point to the country's polygon vertices, densified.

    Independent of sprn's method (no projection, no candidate search): the country's
    edges are cut to <= 0.002 deg (<= 223 m) and every vertex within a lat/lon window
    is measured.
    """
    window = shapely.box(lon - 2 * window_deg, lat - window_deg, lon + 2 * window_deg, lat + window_deg)
    part = shapely.segmentize(shapely.boundary(shapely.intersection(where.geometry, window)), 0.002)
    xy = shapely.get_coordinates(part)
    d = geodesic_distance_m(np.full(len(xy), lat), np.full(len(xy), lon), xy[:, 1], xy[:, 0])
    best = float(d.min()) / 1000.0
    # The window's own cut edges are vertices too; the nearest must lie well inside it.
    assert best < window_deg * 111.0 * np.cos(np.radians(abs(lat) + window_deg)) - 50.0
    return best


# --- lookup ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Russia", "RUS"),
        ("Japan", "JPN"),
        ("North Korea", "PRK"),
        ("South Korea", "KOR"),
        ("China", "CHN"),
        ("United States", "USA"),
        ("Russian Federation", "RUS"),
        ("Democratic People's Republic of Korea", "PRK"),
        ("Republic of Korea", "KOR"),
        ("united states of america", "USA"),
        ("Guam", "GUM"),
    ],
)
def test_territory_found_by_name_and_code(name: str, code: str) -> None:
    by_name = T.territory(name)
    assert by_name.iso_a3 == code
    assert T.territory(code) is by_name
    assert T.territory(code.lower()) is by_name


def test_shared_iso_code_goes_to_the_sovereign_part() -> None:
    # Natural Earth gives Ashmore and Cartier Islands and others the ISO code AUS.
    assert T.territory("AUS").name == "Australia"
    assert T.territory("AU").name == "Australia"


@pytest.mark.parametrize("bad", ["Atlantis", "Rusia", "", "XYZ"])
def test_unknown_territory_is_a_scenario_error_naming_the_field(bad: str) -> None:
    with pytest.raises(ScenarioError, match=r"territory = '.*': expected"):
        T.territory(bad, source="scenarios/x.toml")
    with pytest.raises(ScenarioError, match="scenarios/x.toml"):
        T.territory(bad, source="scenarios/x.toml")


def test_unknown_territory_error_suggests_the_close_name() -> None:
    with pytest.raises(ScenarioError, match="russia"):
        T.territory("Rusia")


def test_territory_record_is_frozen() -> None:
    russia = T.territory("Russia")
    with pytest.raises(AttributeError):
        russia.name = "x"  # type: ignore[misc]


# --- on land or at sea -------------------------------------------------------------------


@pytest.mark.parametrize("place", T.cities(), ids=lambda p: p.name)
def test_every_city_lies_on_its_own_country(place: T.Place) -> None:
    assert bool(T.on_territory(place.country, place.lat_deg, place.lon_deg))


@pytest.mark.parametrize("place", T.launch_areas(), ids=lambda p: p.name)
def test_every_launch_area_lies_on_its_own_country(place: T.Place) -> None:
    assert bool(T.on_territory(place.country, place.lat_deg, place.lon_deg))


@pytest.mark.parametrize(
    ("city", "country", "other"),
    [("Vladivostok", "RUS", "CHN"), ("Tokyo", "JPN", "KOR"), ("Pyongyang", "PRK", "KOR"), ("Seoul", "KOR", "PRK")],
)
def test_city_is_on_its_country_and_not_its_neighbour(city: str, country: str, other: str) -> None:
    place = T.city(city)
    assert bool(T.on_territory(country, place.lat_deg, place.lon_deg))
    assert not bool(T.on_territory(other, place.lat_deg, place.lon_deg))


@pytest.mark.parametrize(("lat", "lon"), SEA_POINTS)
def test_sea_points_are_on_no_country(lat: float, lon: float) -> None:
    assert not any(bool(T.on_territory(t, lat, lon)) for t in T.territories())


def test_longitude_is_wrapped() -> None:
    tokyo = T.city("Tokyo")
    assert bool(T.on_territory("JPN", tokyo.lat_deg, tokyo.lon_deg - 360.0))
    assert bool(T.on_territory("USA", 21.3069, -157.8583 + 360.0))  # Honolulu


def test_non_finite_points_are_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        T.on_territory("RUS", [43.0, np.nan], [131.0, 132.0])


# --- p_on_territory ------------------------------------------------------------------------


def test_p_on_territory_is_one_for_samples_all_on_land() -> None:
    rng = np.random.default_rng(7)
    # 0.3 deg (about 30 km) around Novosibirsk: 500 km from any border of Russia.
    lat = 55.04 + 0.3 * rng.standard_normal(2000)
    lon = 82.93 + 0.3 * rng.standard_normal(2000)
    assert T.p_on_territory("Russia", lat, lon) == 1.0


def test_p_on_territory_is_zero_for_samples_all_at_sea() -> None:
    rng = np.random.default_rng(8)
    # 0.5 deg around 40 N 134 E, the middle of the Sea of Japan, about 300 km from any coast.
    lat = 40.0 + 0.5 * rng.standard_normal(2000)
    lon = 134.0 + 0.5 * rng.standard_normal(2000)
    for country in ("RUS", "JPN", "PRK", "KOR"):
        assert T.p_on_territory(country, lat, lon) == 0.0


def test_p_on_territory_weights_count_land_samples_only() -> None:
    moscow, sea = T.city("Moscow"), (40.0, 134.0)
    lat = np.array([moscow.lat_deg, sea[0], moscow.lat_deg, sea[0]])
    lon = np.array([moscow.lon_deg, sea[1], moscow.lon_deg, sea[1]])
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    assert T.p_on_territory("RUS", lat, lon) == 0.5
    assert T.p_on_territory("RUS", lat, lon, weights) == pytest.approx(4.0 / 10.0, abs=1e-15)


@pytest.mark.parametrize("weights", [[1.0, -1.0], [0.0, 0.0], [1.0], [np.inf, 1.0]])
def test_p_on_territory_refuses_bad_weights(weights: list[float]) -> None:
    with pytest.raises(ValueError, match="weights"):
        T.p_on_territory("RUS", [43.0, 40.0], [132.0, 134.0], weights)


# --- distances ---------------------------------------------------------------------------


def test_distance_to_city_is_the_wgs84_geodesic() -> None:
    lat, lon = OFFSHORE
    vladivostok = T.city("Vladivostok")
    got = T.distance_to_cities_km(float(lat), float(lon), ["Vladivostok"])["Vladivostok"]
    want = float(geodesic_distance_m(lat, lon, vladivostok.lat_deg, vladivostok.lon_deg)) / 1000.0
    assert got == pytest.approx(want, abs=1e-3)  # 1 m: both are pyproj's geodesic
    # OFFSHORE was built 60 km from Vladivostok by the direct geodesic problem; the inverse
    # must return it to Karney's accuracy (nanometres), so 1 m is loose.
    assert got == pytest.approx(60.0, abs=1e-3)


def test_distance_to_all_cities_lists_every_city() -> None:
    distances = T.distance_to_cities_km(40.0, 134.0)
    assert list(distances) == [c.name for c in T.cities()]
    assert all(d > 0.0 for d in distances.values())


@pytest.mark.parametrize(("lat", "lon"), SEA_POINTS)
def test_distance_to_russia_matches_brute_force(lat: float, lon: float) -> None:
    got = T.distance_to_territory_km("RUS", lat, lon)
    want = brute_force_distance_km(T.territory("RUS"), lat, lon)
    # Tolerance 10 m: the brute force measures only vertices <= 223 m apart, which
    # overestimates by at most (0.112 km)^2 / (2 d) < 1 m for d > 6 km; sprn measures to
    # edges straight in lon/lat, which bulge < 5 m from the geodesic (5.6 km edges).
    assert got == pytest.approx(want, abs=0.010)


def test_distance_offshore_is_bounded_by_russian_land_points() -> None:
    lat, lon = OFFSHORE
    d = T.distance_to_territory_km("RUS", lat, lon)
    # Vladivostok and Nakhodka are Russian land: the nearest land can be no farther.
    for name in ("Vladivostok", "Nakhodka"):
        assert d <= T.distance_to_cities_km(float(lat), float(lon), [name])[name]
    # Nor can it be nearer than the radius of a disc of sea around the point: a polar grid
    # of the 20 km disc (every 0.5 km out, every 2 deg round: gaps < 0.7 km) is all sea.
    radius_m, azimuth = np.meshgrid(np.arange(0.5e3, 20.01e3, 0.5e3), np.arange(0.0, 360.0, 2.0))
    disc_lat, disc_lon = geodesic_direct_deg(
        np.full(radius_m.size, lat), np.full(radius_m.size, lon), azimuth.ravel(), radius_m.ravel()
    )
    assert not T.on_territory("RUS", disc_lat, disc_lon).any()
    assert d > 20.0 - 0.7


def test_distance_is_zero_on_land_and_shaped_like_the_input() -> None:
    tokyo = T.city("Tokyo")
    assert T.distance_to_territory_km("JPN", tokyo.lat_deg, tokyo.lon_deg) == 0.0
    out = T.distance_to_territory_km("JPN", [[tokyo.lat_deg, 40.0]], [[tokyo.lon_deg, 134.0]])
    assert isinstance(out, np.ndarray) and out.shape == (1, 2)
    assert out[0, 0] == 0.0 and out[0, 1] > 100.0


@settings(max_examples=25, deadline=None)
@given(
    lat=st.floats(33.0, 46.0),
    lon=st.floats(127.0, 142.0),
    azimuth=st.floats(0.0, 360.0),
    step_km=st.floats(0.01, 50.0),
)
def test_distance_is_one_lipschitz(lat: float, lon: float, azimuth: float, step_km: float) -> None:
    # A distance function to a fixed set changes no faster than the point moves.
    lat2, lon2 = geodesic_direct_deg(lat, lon, azimuth, step_km * 1000.0)
    d1 = T.distance_to_territory_km("JPN", lat, lon)
    d2 = T.distance_to_territory_km("JPN", float(lat2), float(lon2))
    assert abs(d1 - d2) <= step_km + 0.010  # + the 10 m accuracy above


@settings(max_examples=15, deadline=None)
@given(lat=st.floats(33.0, 40.0), lon=st.floats(124.0, 132.0))
def test_distance_to_south_korea_matches_brute_force(lat: float, lon: float) -> None:
    got = T.distance_to_territory_km("KOR", lat, lon)
    if got == 0.0:
        assert bool(T.on_territory("KOR", lat, lon))
        return
    want = brute_force_distance_km(T.territory("KOR"), lat, lon)
    # As in test_distance_to_russia_matches_brute_force, plus the brute force's vertex
    # overestimate near the coast, (0.112 km)^2 / (2 d) + 0.112 km at worst.
    assert got == pytest.approx(want, abs=0.010 + min(0.112, 0.0063 / got))


# --- places ------------------------------------------------------------------------------


def test_city_lookup_ignores_case_and_accents() -> None:
    assert T.city("hagåtña") is T.city("Hagatna") is T.city("GUAM")


def test_unknown_city_and_launch_area_are_scenario_errors() -> None:
    with pytest.raises(ScenarioError, match=r"city = 'Gotham'"):
        T.city("Gotham")
    with pytest.raises(ScenarioError, match=r"launch_area = 'Nowhere'"):
        T.launch_area("Nowhere")
    with pytest.raises(ScenarioError, match="city"):
        T.distance_to_cities_km(40.0, 134.0, ["Gotham"])


def test_nearest_launch_area_at_kusong_is_kusong() -> None:
    name, distance = T.nearest_launch_area(40.0659, 125.2099)
    assert name == "Kusong" and distance < 1e-6


def test_nearest_launch_area_distance_is_the_geodesic() -> None:
    sohae = T.launch_area("Tongchang-ri")
    lat, lon = geodesic_direct_deg(sohae.lat_deg, sohae.lon_deg, 270.0, 5e3)
    name, distance = T.nearest_launch_area(float(lat), float(lon))
    assert name == "Sohae Satellite Launching Station"
    assert distance == pytest.approx(5.0, abs=1e-6)  # direct then inverse geodesic: nm-exact


def test_every_place_names_a_source() -> None:
    for place in T.cities() + T.launch_areas():
        assert place.source.strip()
        assert T.territory(place.country).iso_a3 == place.country


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[city]]\nname = "A"\ncountry = "RUS"\nlat_deg = 95.0\nlon_deg = 1.0\nsource = "s"\n',
            r"city\[0\]\.lat_deg = 95\.0",
        ),
        ('[[city]]\nname = "A"\ncountry = "RUS"\nlat_deg = 1.0\nsource = "s"\n', r"city\[0\]\.lon_deg = None"),
        (
            '[[city]]\nname = "A"\ncountry = "RUS"\nlat_deg = 1.0\nlon_deg = 1.0\nsource = "s"\npop = 3\n',
            r"city\[0\]\.pop",
        ),
        ('[[town]]\nname = "A"\n', "town"),
        ('[[city]]\nname = "A"\ncountry = "R"\nlat_deg = 1.0\nlon_deg = 1.0\nsource = "s"\n' * 2, "unique"),
        ("[[city]\n", "cannot read TOML"),
    ],
)
def test_malformed_place_files_are_data_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "places.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        T.load_places(path, "city")


# --- map lines ---------------------------------------------------------------------------

SEA_OF_JAPAN_BOX = (127.0, 33.0, 143.0, 47.0)


def test_coastlines_are_clipped_to_the_box() -> None:
    lines = T.coastlines(SEA_OF_JAPAN_BOX)
    assert lines and all(line.ndim == 2 and line.shape[1] == 2 and len(line) >= 2 for line in lines)
    xy = np.concatenate(lines)
    lon_min, lat_min, lon_max, lat_max = SEA_OF_JAPAN_BOX
    assert xy[:, 0].min() >= lon_min and xy[:, 0].max() <= lon_max
    assert xy[:, 1].min() >= lat_min and xy[:, 1].max() <= lat_max


def test_coastline_runs_along_the_country_edges() -> None:
    xy = np.concatenate(T.coastlines(SEA_OF_JAPAN_BOX))[::20]
    near = [np.asarray(T.distance_to_territory_km(c, xy[:, 1], xy[:, 0])) for c in ("RUS", "JPN", "KOR", "PRK", "CHN")]
    # Each coastline vertex is on land or within the rounding of both files (lines to
    # 1e-3 deg: <= 0.07 km; polygons to 1e-4 deg) of it.
    assert np.min(near, axis=0).max() < 0.08


def test_borders_include_the_korean_demarcation() -> None:
    lines = T.borders((124.0, 37.0, 130.0, 39.5))
    xy = np.concatenate(lines)
    # The land border between the two Koreas crosses the peninsula near 38 N.
    assert xy[:, 0].min() < 126.7 and xy[:, 0].max() > 128.3


def test_map_box_across_the_antimeridian_gets_shifted_lines() -> None:
    lines = T.coastlines((160.0, 50.0, 200.0, 70.0))
    xy = np.concatenate(lines)
    assert xy[:, 0].min() >= 160.0 and xy[:, 0].max() <= 200.0
    assert (xy[:, 0] > 180.0).any()  # Chukotka and Alaska east of 180 E, as 180..200


@pytest.mark.parametrize("bbox", [(10.0, 0.0, 5.0, 1.0), (0.0, 0.0, 1.0), (0.0, 80.0, 1.0, 95.0)])
def test_bad_map_box_is_refused(bbox: tuple[float, ...]) -> None:
    with pytest.raises(ScenarioError, match="bbox"):
        T.coastlines(bbox)
