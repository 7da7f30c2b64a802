"""Scenario files: every example loads; bad input is refused with a clear message."""

from pathlib import Path

import pytest

from sprn import scenario
from sprn.errors import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
KUSONG = ROOT / "scenarios" / "kusong-2017-05-14.toml"
OWN_RADARS = ROOT / "scenarios" / "kusong-2017-05-14-own-radars.toml"


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda p: p.name)
def test_every_scenario_file_loads(path):
    scen = scenario.load(path)
    assert scen.sites and scen.name


def _edited(tmp_path, old, new):
    text = OWN_RADARS.read_text()
    assert old in text, old
    path = tmp_path / "edited.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("revisit_s = 10.0", "revisit_s = -10.0", "revisit_s = -10.0: expected a number > 0"),
        ("seed = 20170514", "seed = 20170514\ncolour = 'red'", "unknown key 'colour'"),
        ("[tracker]", "[tracker]\nfliter = 'ekf'", "unknown key tracker.'fliter'"),
        ('filter = "ekf"', 'filter = "kalman"', "tracker.filter = 'kalman': expected one of"),
        ("lat_deg = 52.8555", "lat_deg = 152.8555", "lat_deg = 152.8555: expected a number <= 90"),
        ("latency_s = 2.0", 'latency_s = "fast"', "links.latency_s = 'fast': expected a finite number"),
        ("epoch = 2017-05-13T20:28:00Z", "epoch = 2017-05-13", "epoch = datetime.date(2017, 5, 13)"),
        ("apogee_km = 2111.5", "apogee_km = nan", "missile.apogee_km = nan: expected a finite number"),
        ('missile = "hwasong-12"', 'missile = "hwasong-99"', "hwasong-99"),
    ],
)
def test_bad_values_name_file_field_and_expectation(tmp_path, old, new, needle):
    path = _edited(tmp_path, old, new)
    with pytest.raises(ScenarioError) as err:
        scenario.load(path)
    message = str(err.value)
    assert str(path) in message and needle in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ('preset = "sprn-2017"', 'preset = "sprn-1985"', "network.preset = 'sprn-1985': expected one of"),
        ('preset = "sprn-2017"', 'preset = "sprn-2017"\nremove = ["gabala"]', "network.remove = 'gabala'"),
        ('territory = "Russia"', 'territory = "Rusia"', "territory = 'Rusia'"),
        ("confirm_m = 3", "confirm_m = 7", "command_centre.confirm_m = 7: expected 1 <= confirm_m <= confirm_n"),
        ("loss = 0.0", "loss = 1.5", "links.loss = 1.5: expected a number <= 0.999"),
    ],
)
def test_bad_network_and_centre_settings(tmp_path, old, new, needle):
    text = KUSONG.read_text()
    assert old in text, old
    path = tmp_path / "edited.toml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ScenarioError) as err:
        scenario.load(path)
    assert str(path) in str(err.value) and needle in str(err.value)


def test_preset_add_and_remove(tmp_path):
    text = KUSONG.read_text().replace('preset = "sprn-2017"', 'preset = "sprn-2017"\nadd = ["zeya"]\nremove = ["balkhash"]')
    path = tmp_path / "s.toml"
    path.write_text(text)
    names = {s.name for s in scenario.load(path).sites}
    assert "zeya" in names and "balkhash" not in names and "mishelevka" in names


def test_missing_file_and_malformed_toml(tmp_path):
    with pytest.raises(ScenarioError, match="no such scenario file"):
        scenario.load(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\n[missile\n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        scenario.load(bad)


def test_missing_table(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('name = "x"\nepoch = 2017-05-13T20:28:00Z\n')
    with pytest.raises(ScenarioError, match=r"missing table \[missile\]"):
        scenario.load(path)
