"""The radar catalogue: contents, presets by service date, validation errors."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest

from sprn.errors import DataError
from sprn.radar import network as nw

SHIPPED = nw.DEFAULT_PATH.read_text(encoding="utf-8")


def names(sites: tuple[object, ...]) -> set[str]:
    return {s.name for s in sites}  # type: ignore[attr-defined]


def test_catalogue_loads_with_sources_for_everything() -> None:
    net = nw.load_network()
    assert len(net.sites) >= 20 and len(net.types) >= 6
    for s in net.sites.values():
        assert s.source and s.radar is not None and s.radar_type in net.types
        assert s.band in ("VHF", "UHF")
    for t in net.types.values():
        assert t.source and t.assumed  # no public figures: every type has guesses
    for r in net.rcs.values():
        assert r.source


def test_sprn_2017_is_the_network_of_14_may_2017() -> None:
    sites = names(nw.preset("sprn-2017"))
    # Public record (PRESS, KT, RF): Voronezh radars at Lekhtusi, Armavir (two),
    # Pionersky and Mishelevka, the Soviet-era Olenegorsk, Pechora and Balkhash, and
    # Baranovichi in Belarus were working; Yeniseysk, Barnaul and Orsk were on
    # experimental duty.
    assert {
        "lekhtusi",
        "armavir-sw",
        "armavir-se",
        "pionersky",
        "mishelevka",
        "olenegorsk",
        "pechora",
        "balkhash",
        "baranovichi",
        "yeniseysk",
        "barnaul",
        "orsk",
    } <= sites
    # Gabala closed in December 2012, Sevastopol and Mukachevo in February 2009, Skrunda
    # in 1998; Zeya and Vorkuta were not yet on duty.
    assert not sites & {"gabala", "sevastopol", "mukachevo", "skrunda", "zeya", "vorkuta", "olenegorsk-voronezh"}
    # Only formal combat duty: the three radars accepted in December 2017 drop out.
    formal = names(nw.sites_on_duty(dt.date(2017, 5, 14), formal=True))
    assert sites - formal == {"yeniseysk", "barnaul", "orsk"}


def test_sprn_2026_adds_the_far_east_and_arctic() -> None:
    sites = names(nw.preset("sprn-2026"))
    assert {"zeya", "vorkuta"} <= sites
    assert "balkhash" not in sites  # removed from alert in 2020 (KT)
    assert "gabala" not in sites
    assert nw.preset_names() == ("sprn-2017", "sprn-2026")


def test_gabala_was_on_duty_in_2010() -> None:
    assert "gabala" in names(nw.sites_on_duty(dt.date(2010, 1, 1)))
    assert "gabala" not in names(nw.sites_on_duty(dt.date(2012, 12, 11)))


def test_site_records_carry_catalogue_values() -> None:
    s = nw.site("yeniseysk")
    assert s.lat_deg == pytest.approx(58.506095) and s.lon_deg == pytest.approx(92.046072)
    assert math.degrees(s.boresight_az_rad) == pytest.approx(30.0)
    assert s.radar_type == "voronezh-dm" and s.band == "UHF"
    assert s.years == (2014, None) and s.on_duty(dt.date(2017, 5, 14))
    assert s.revisit_s == nw.radar_type("voronezh-dm").search_revisit_s
    assert s.min_range_m == 250e3 and s.max_range_m == 6000e3
    assert s.sigma_range_rate_mps is not None and s.sigma_range_m >= nw.radar_type("voronezh-dm").range_floor_m
    assert nw.site("pechora").sigma_range_rate_mps is None  # Daryal: no Doppler assumed


def test_sites_table_is_json() -> None:
    rows = nw.sites_table(nw.preset("sprn-2017"))
    text = json.dumps(rows)
    assert len(rows) == 12 and "mishelevka" in text
    assert {"name", "lat_deg", "lon_deg", "type", "source", "assumed", "service_start"} <= set(rows[0])


def test_unknown_names_are_data_errors() -> None:
    with pytest.raises(DataError, match="unknown site 'nowhere'"):
        nw.site("nowhere")
    with pytest.raises(DataError, match="unknown radar type"):
        nw.radar_type("pave-paws")
    with pytest.raises(DataError, match="unknown preset"):
        nw.preset("sprn-1990")


# --- validation of a broken catalogue ---------------------------------------------------


def broken(tmp_path: Path, old: str, new: str) -> Path:
    assert old in SHIPPED, old
    path = tmp_path / "sites.toml"
    path.write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "where", "field"),
    [
        ("lat_deg = 60.275458", "lat_deg = 95.0", "sites.lekhtusi", "lat_deg"),
        ("sector_width_deg = 110.0", "sector_width_deg = 400.0", "sites.lekhtusi", "sector_width_deg"),
        ("sector_width_deg = 110.0", 'sector_width_deg = "wide"', "sites.lekhtusi", "sector_width_deg"),
        ("boresight_az_deg = 300.0", "boresight_az_deg = true", "sites.lekhtusi", "boresight_az_deg"),
        ('type = "voronezh-m"', 'type = "voronezh-x"', "sites.lekhtusi", "type"),
        ("max_el_deg = 70.0", "max_el_deg = 70.0\nheight_m = 3.0", "sites.lekhtusi", "height_m"),
        ("max_el_deg = 70.0", "max_el_deg = 1.0", "sites.lekhtusi", "max_el_deg"),
        (
            "combat_duty = 2011-12-01",
            "combat_duty = 2011-12-01\nservice_end = 2001-01-01",
            "sites.lekhtusi",
            "service_end",
        ),
        ("p_avg_kw = 150.0", "p_avg_kw = -150.0", "types.voronezh-m", "p_avg_kw"),
        ("pfa = 1e-6", "pfa = 0.7", "types.voronezh-m", "pfa"),
        ('band = "VHF"', 'band = "HF"', "types.voronezh-m", "band"),
        ("swerling = 3", "swerling = 5", "rcs.booster-boost", "swerling"),
        ("date = 2017-05-14", 'date = "yesterday"', "presets.sprn-2017", "date"),
        (
            'name = "Lekhtusi"\ncountry = "Russia"\n',
            'name = "Lekhtusi"\ncountry = "Russia"\nfaces = 0\n',
            "sites.lekhtusi",
            "faces",
        ),
    ],
)
def test_bad_values_name_file_table_and_field(tmp_path: Path, old: str, new: str, where: str, field: str) -> None:
    path = broken(tmp_path, old, new)
    with pytest.raises(DataError) as err:
        nw.load_network(path)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"{path}: {where}: {field} = ")


def test_missing_required_field(tmp_path: Path) -> None:
    path = broken(tmp_path, "lon_deg = 30.546017\n", "")
    with pytest.raises(DataError, match=r"sites\.lekhtusi: lon_deg = None: .*required"):
        nw.load_network(path)


def test_one_face_cannot_cover_more_than_a_half_plane(tmp_path: Path) -> None:
    path = broken(tmp_path, "sector_width_deg = 240.0\nfaces = 2", "sector_width_deg = 240.0\nfaces = 1")
    with pytest.raises(DataError, match=r"sites\.mishelevka: sector_width_deg = 240\.0: .*180"):
        nw.load_network(path)


def test_bad_toml_and_sections(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not valid TOML"):
        nw.load_network(broken(tmp_path, "lat_deg = 60.275458", "lat_deg = = 60"))
    with pytest.raises(DataError, match=r"\[extras\]: unknown section"):
        nw.load_network(broken(tmp_path, "[presets.sprn-2017]", "[extras]\nx = 1\n\n[presets.sprn-2017]"))
    with pytest.raises(DataError, match="cannot read"):
        nw.load_network(tmp_path / "absent.toml")


# --- scenario-defined radars ----------------------------------------------------------------

PAVE_PAWS_TYPE = {
    "name": "PAVE PAWS",
    "band": "UHF",
    "frequency_mhz": 435.0,
    "p_avg_kw": 145.0,
    "tx_aperture_m2": 230.0,
    "rx_aperture_m2": 230.0,
    "noise_temp_k": 450.0,
    "losses_db": 6.0,
    "scan_loss_exponent": 2.5,
    "face_tilt_deg": 20.0,
    "search_dwell_ms": 40.0,
    "track_dwell_ms": 100.0,
    "bandwidth_mhz": 1.0,
    "beamwidth_az_deg": 2.2,
    "beamwidth_el_deg": 2.2,
    "monopulse_slope": 1.6,
    "pfa": 1e-6,
    "search_revisit_s": 10.0,
    "track_revisit_s": 2.0,
    "range_floor_m": 30.0,
    "az_floor_mrad": 1.5,
    "el_floor_mrad": 1.5,
    "range_rate": True,
    "range_rate_floor_mps": 0.3,
    "source": "NRC 1979",
    "assumed": ["most fields"],
}

BEALE = {
    "name": "beale",
    "country": "USA",
    "type": PAVE_PAWS_TYPE,
    "lat_deg": 39.136064,
    "lon_deg": -121.351237,
    "alt_m": 112.0,
    "boresight_az_deg": 246.0,
    "sector_width_deg": 240.0,
    "faces": 2,
    "min_el_deg": 3.0,
    "max_el_deg": 85.0,
    "min_range_km": 200.0,
    "max_range_km": 5556.0,
    "source": "KT",
}


def test_site_from_table_builds_a_foreign_radar() -> None:
    s = nw.site_from_table(BEALE, "scenario.toml: radars.beale")
    assert s.name == "beale" and s.country == "USA" and s.faces == 2
    assert s.radar is not None and s.radar.name == "PAVE PAWS" and s.band == "UHF"
    assert s.max_range_m == 5556e3 and s.lon_deg == pytest.approx(-121.351237)
    assert s.service_start is None and s.bias_range_m == 0.0
    named = nw.site_from_table({**BEALE, "type": "voronezh-dm", "bias_az_deg": 0.05}, "scenario.toml: radars.x")
    assert named.radar_type == "voronezh-dm" and named.bias_az_rad == pytest.approx(math.radians(0.05))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lat_deg": -91.0}, "lat_deg"),
        ({"type": "pave-paws"}, "type"),
        ({"elevation": 3.0}, "elevation"),
        ({"max_range_km": 0.0}, "max_range_km"),
        ({"type": {**PAVE_PAWS_TYPE, "p_avg_kw": 0.0}}, "p_avg_kw"),
    ],
)
def test_site_from_table_errors_name_source_and_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(DataError) as err:
        nw.site_from_table({**BEALE, **change}, "scenario.toml: radars.beale")
    msg = str(err.value)
    assert msg.startswith("scenario.toml: radars.beale") and f"{field} = " in msg and "\n" not in msg
