"""The missile catalogue: its data file, its validation and the physics its figures imply."""

from __future__ import annotations

import copy
import math
import tomllib

import pytest

from sprn import atmosphere
from sprn.errors import DataError, ShotError
from sprn.geo import A_M, GM_M3_S2
from sprn.missiles import (
    G0_MPS2,
    MISSILES_FILE,
    P0_PA,
    load_missile,
    missile_keys,
    parse_catalogue,
)

REQUIRED = ("scud-b", "nodong", "hwasong-12", "hwasong-14", "hwasong-15", "hwasong-17", "hwasong-18", "hwasong-19")


def _doc() -> dict:
    with MISSILES_FILE.open("rb") as handle:
        return tomllib.load(handle)


def ideal_delta_v_mps(key: str) -> float:
    """Tsiolkovsky's ideal velocity gain in vacuum, stage by stage (m/s)."""
    missile = load_missile(key)
    mass = missile.launch_mass_kg()
    dv = 0.0
    for stage in missile.stages:
        dv += G0_MPS2 * stage.isp_vac_s * math.log(mass / (mass - stage.propellant_kg))
        mass -= stage.loaded_kg
    return dv


def test_catalogue_has_the_required_missiles() -> None:
    assert set(REQUIRED) <= set(missile_keys())


@pytest.mark.parametrize("key", REQUIRED)
def test_every_missile_cites_sources_and_names_its_assumptions(key: str) -> None:
    missile = load_missile(key)
    assert len(missile.source) > 40
    assert missile.assumed, "every entry has figures no public source gives"


@pytest.mark.parametrize("key", REQUIRED)
def test_missile_lifts_off(key: str) -> None:
    """Sea-level thrust exceeds the launch weight (else it would sit on the pad)."""
    missile = load_missile(key)
    assert missile.stages[0].thrust_sl_n > missile.launch_mass_kg() * G0_MPS2


@pytest.mark.parametrize("key", REQUIRED)
def test_back_pressure_and_exit_area_are_consistent(key: str) -> None:
    """F_vac - p0 A_e reproduces the sea-level thrust, and the nozzle fits inside the body."""
    missile = load_missile(key)
    for stage in missile.stages:
        assert stage.thrust_vac_n - P0_PA * stage.exit_area_m2 == pytest.approx(stage.thrust_sl_n, rel=1e-12)
        assert 0.0 <= stage.exit_area_m2 < missile.area_m2


def test_hwasong12_has_the_energy_of_the_kusong_flight() -> None:
    """The Kusong apogee of 2,111.5 km needs at least the vis-viva speed from the ground to
    that height; the rocket equation's ideal gain must exceed it plus some gravity loss."""
    r0, r1 = A_M, A_M + 2111.5e3
    needed = math.sqrt(2.0 * GM_M3_S2 * (1.0 / r0 - 1.0 / r1))
    # 1 km/s: a near-vertical boost of 150 s loses about g * t = 1.5 km/s to gravity; any
    # real missile able to fly Kusong has at least 1 km/s of margin over the bare vis-viva.
    assert ideal_delta_v_mps("hwasong-12") > needed + 1000.0


def test_icbms_carry_more_energy_than_the_irbm() -> None:
    """Each Hwasong ICBM's published lofted flight went higher than the Hwasong-12's."""
    irbm = ideal_delta_v_mps("hwasong-12")
    for key in ("hwasong-14", "hwasong-15", "hwasong-17", "hwasong-18", "hwasong-19"):
        assert ideal_delta_v_mps(key) > irbm


def test_unknown_missile_lists_the_known_ones() -> None:
    with pytest.raises(ShotError, match=r"unknown missile 'taepodong-9'; known: .*hwasong-12"):
        load_missile("taepodong-9")


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("stages", 0, "propellant_kg"), -100.0, "hwasong-12.stages[0].propellant_kg"),
        (("stages", 0, "dry_kg"), 0.0, "hwasong-12.stages[0].dry_kg"),
        (("stages", 0, "isp_sl_s"), 400.0, "hwasong-12.stages[0].isp_sl_s"),
        (("payload_kg",), -5.0, "hwasong-12.payload_kg"),
        (("rv_beta_kg_m2",), "big", "hwasong-12.rv_beta_kg_m2"),
        (("propulsion",), "nuclear", "hwasong-12.propulsion"),
        (("separates",), 1, "hwasong-12.separates"),
        (("stages",), [], "hwasong-12.stages"),
    ],
)
def test_bad_data_names_missile_and_field(path: tuple, value: object, field: str) -> None:
    doc = copy.deepcopy(_doc())
    target = doc["hwasong-12"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(DataError, match=r"missiles\.toml: " + field.replace(".", r"\.").replace("[", r"\[")
                       .replace("]", r"\]") + " = "):
        parse_catalogue(doc, str(MISSILES_FILE))


def test_unknown_and_missing_keys_are_errors() -> None:
    doc = copy.deepcopy(_doc())
    doc["nodong"]["thrust_kn"] = 260.0
    with pytest.raises(DataError, match=r"nodong\.thrust_kn = 260\.0: expected no such key"):
        parse_catalogue(doc, "missiles.toml")
    doc = copy.deepcopy(_doc())
    del doc["nodong"]["stages"][0]["burn_time_s"]
    with pytest.raises(DataError, match=r"nodong\.stages\[0\]\.burn_time_s = None"):
        parse_catalogue(doc, "missiles.toml")
    doc = copy.deepcopy(_doc())
    doc["nodong"]["assumed"] = ["thrust_kn"]
    with pytest.raises(DataError, match=r"nodong\.assumed = 'thrust_kn'"):
        parse_catalogue(doc, "missiles.toml")


def test_sea_level_pressure_matches_the_atmosphere() -> None:
    """The exit-area formula uses the same p0 as the US 1976 atmosphere at 0 m."""
    assert atmosphere.temperature_pressure(0.0)[1] == pytest.approx(P0_PA, rel=1e-12)
