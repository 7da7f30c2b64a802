"""Scenario files: every example loads; bad input is refused with a clear message."""

import tomllib
from pathlib import Path

import pytest

from sprn import scenario
from sprn.errors import ScenarioError, SprnError
from sprn.trajectory.scene import SceneConfig

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
        ("lat_deg = 52.8555", "lat_deg = 152.8555", "lat_deg = 152.8555: expected a number in [-90, 90]"),
        ("latency_s = 2.0", 'latency_s = "fast"', "links.latency_s = 'fast': expected a finite number"),
        ("epoch = 2017-05-13T20:28:00Z", "epoch = 2017-05-13", "epoch = datetime.date(2017, 5, 13)"),
        ("apogee_km = 2111.5", "apogee_km = nan", "missile.apogee_km = nan: expected a finite number"),
        ('missile = "hwasong-12"', 'missile = "hwasong-99"', "hwasong-99"),
        ("revisit_s = 10.0", "revisit_s = 0", "network.sites[0].revisit_s = 0: expected a number > 0"),
        ("revisit_s = 10.0", "revisit_s = 10.0\ntrack_revisit_s = 0", "track_revisit_s = 0: expected a number > 0"),
        ('filter = "ekf"', 'filter = "ekf"\ngate_probability = 1.0', "tracker.gate_probability = 1.0: expected a number in (0, 1)"),
        ('filter = "ekf"', 'filter = "ekf"\ngate_probability = 1.5', "tracker.gate_probability = 1.5: expected a number in (0, 1)"),
        ('filter = "ekf"', 'filter = "ekf"\ngate_probability = 0', "tracker.gate_probability = 0: expected a number in (0, 1)"),
        ('filter = "ekf"', 'filter = "ekf"\nmodel = "glide"', "tracker.model = 'glide': expected one of"),
    ],
)
def test_bad_values_name_file_field_and_expectation(tmp_path, old, new, needle):
    path = _edited(tmp_path, old, new)
    with pytest.raises(ScenarioError) as err:
        scenario.load(path)
    message = str(err.value)
    assert message.count(str(path)) == 1 and needle in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ('preset = "sprn-2017"', 'preset = "sprn-1985"', "network.preset = 'sprn-1985': expected one of"),
        ('preset = "sprn-2017"', 'preset = "sprn-2017"\nremove = ["gabala"]', "network.remove = 'gabala'"),
        ('preset = "sprn-2017"', 'preset = "sprn-2017"\nadd = ["atlantis"]', "network.add = 'atlantis': expected site names"),
        ('dir = "out/kusong-2017-05-14"', 'cities = ["Atlantis"]', "outputs.cities: city = 'Atlantis'"),
        ('dir = "out/kusong-2017-05-14"', 'cities = ["Tokyo", "tokyo"]', "outputs.cities = ['Tokyo', 'tokyo']: expected each"),
        ('territory = "Russia"', 'territory = "Rusia"', "territory = 'Rusia'"),
        ("confirm_m = 3", "confirm_m = 7", "command_centre.confirm_m = 7: expected 1 <= confirm_m <= confirm_n"),
        ("loss = 0.0", "loss = 1.5", "links.loss = 1.5: expected a number in [0, 0.999]"),
    ],
)
def test_bad_network_and_centre_settings(tmp_path, old, new, needle):
    text = KUSONG.read_text()
    assert old in text, old
    path = tmp_path / "edited.toml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ScenarioError) as err:
        scenario.load(path)
    assert str(err.value).count(str(path)) == 1 and needle in str(err.value)


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


def test_report_cities_default_and_given(tmp_path):
    assert scenario.load(KUSONG).report_cities == scenario.REPORT_CITIES
    path = tmp_path / "s.toml"
    path.write_text(KUSONG.read_text().replace('dir = "out/kusong-2017-05-14"', 'cities = ["niigata", "Seoul"]'))
    assert scenario.load(path).report_cities == ("Niigata", "Seoul")  # catalogue spelling


SWEEP = ROOT / "scenarios" / "kusong-2017-sweep.toml"


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ('"tracker.model"', '["glide"]', "tracker.model = 'glide': expected one of 'ballistic', 'boost', 'reentry'"),
        ('"tracker.gate_probability"', "[0.99, 1.5]", "tracker.gate_probability = 1.5: expected a number in (0, 1)"),
        ('"sites.mishelevka.revisit_s"', "[0]", "sites.mishelevka.revisit_s = 0: expected a number > 0"),
        ('"sites.mishelevka.revisit_m"', "[5]", "sites.mishelevka.revisit_m = 5: expected a site key"),
        ('"tracker.fliter"', '["ekf"]', "unknown key tracker.'fliter'"),
        ('"missile.range_km"', '["far"]', "missile.range_km = 'far': expected a finite number"),
    ],
)
def test_grid_values_are_checked_as_the_scenario_keys_on_load(tmp_path, key, value, needle):
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP.read_text().replace('"links.latency_s" = [1.0, 10.0]', f"{key} = {value}"))
    with pytest.raises(ScenarioError) as err:
        scenario.load(path)
    message = str(err.value)
    assert message.startswith(f"{path}: sweep.grid: ") and needle in message and message.count(str(path)) == 1


def test_sweep_table_is_read_into_a_record(tmp_path):
    sweep = scenario.load(SWEEP).sweep
    assert sweep is not None and sweep.runs_per_point == 2
    assert sweep.points() == [
        {"network.preset": "sprn-2017", "links.latency_s": 1.0}, {"network.preset": "sprn-2017", "links.latency_s": 10.0},
        {"network.preset": "sprn-2026", "links.latency_s": 1.0}, {"network.preset": "sprn-2026", "links.latency_s": 10.0},
    ]
    assert scenario.load(KUSONG).sweep is None
    for old, new, needle in [
        ("runs_per_point = 2", "runs_per_point = 0", "sweep.runs_per_point = 0: expected an integer >= 1"),
        ('"links.latency_s" = [1.0, 10.0]', '"links.latency_s" = []', "sweep.grid.'links.latency_s' = []"),
        ("runs_per_point = 2", "runs = 2", "unknown key sweep.'runs'"),
    ]:
        path = tmp_path / "s.toml"
        path.write_text(SWEEP.read_text().replace(old, new))
        with pytest.raises(ScenarioError, match=needle.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
            scenario.load(path)


def test_grid_combinations_are_checked_together(tmp_path):
    """Each value passes alone (confirm_m 4 of the file's 5; confirm_n 3 with its 3), the pair does not."""
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP.read_text().replace('"links.latency_s" = [1.0, 10.0]',
                                              '"command_centre.confirm_m" = [4]\n"command_centre.confirm_n" = [3]'))
    scen = scenario.load(path)
    with pytest.raises(ScenarioError, match=r"sweep\.grid: command_centre\.confirm_m = 4: expected 1 <= confirm_m"):
        scenario.check_grid(scen, scen.sweep.grid, f"{path}: sweep.grid")


@pytest.mark.parametrize(("value", "expected"), [
    ('["Atlantis"]', "threat.report_territories"),
    ('"Japan"', "a list of country names"),
    ('["Japan", "Japan"]', "each country once"),
    ('["Russia"]', "not the threat territory itself"),
])
def test_bad_report_territories_are_named(value, expected):
    text = (ROOT / "scenarios" / "kusong-2017-05-14.toml").read_text()
    text = text.replace('report_territories = ["Japan"]', f"report_territories = {value}")
    with pytest.raises(SprnError, match=expected):
        scenario.from_dict(tomllib.loads(text), "k.toml")


# --- salvos ([[missiles]]) and scenes ([scene]) --------------------------------------------------

MISSILE_TABLE = """[missile]
missile = "hwasong-12"
launch_lat_deg = 40.0659     # Kusong area (open-source analyses of the launch site)
launch_lon_deg = 125.2099
azimuth_deg = 75.0           # assumption: puts the 787 km impact in the Sea of Japan
apogee_km = 2111.5           # KCNA
range_km = 787.0             # KCNA
"""

TWO_MISSILES = """[[missiles]]
missile = "hwasong-12"
launch_lat_deg = 40.0659
launch_lon_deg = 125.2099
azimuth_deg = 75.0
apogee_km = 2111.5
range_km = 787.0

[[missiles]]
missile = "nodong"
launch_lat_deg = 39.66
launch_lon_deg = 124.71
azimuth_deg = 84.0
apogee_km = 260.0
range_km = 1000.0
launch_time_s = 45.0
"""


def _salvo_file(tmp_path, missiles=TWO_MISSILES, extra=""):
    text = OWN_RADARS.read_text()
    assert MISSILE_TABLE in text
    path = tmp_path / "salvo.toml"
    path.write_text(text.replace(MISSILE_TABLE, missiles + extra))
    return path


def test_missiles_array_gives_shots_and_launch_times(tmp_path):
    scen = scenario.load(_salvo_file(tmp_path))
    assert [s.missile for s in scen.shots] == ["hwasong-12", "nodong"]
    assert scen.launch_times_s == (0.0, 45.0)
    assert scen.shot == scen.shots[0] == scenario.load(OWN_RADARS).shot
    assert scen.missile_table(1) == "missiles[1]" and scenario.load(OWN_RADARS).missile_table(0) == "missile"


def test_a_single_missile_table_is_one_shot_at_the_epoch_with_the_default_scene():
    scen = scenario.load(OWN_RADARS)
    assert len(scen.shots) == 1 and scen.launch_times_s == (0.0,)
    assert scen.scene == SceneConfig()
    assert (scen.scene.stages, scen.scene.debris, scen.scene.false_alarms, scen.scene.aspect) == (False, 0, False, False)


@pytest.mark.parametrize(
    ("missiles", "extra", "needle"),
    [
        (MISSILE_TABLE + "\n" + TWO_MISSILES, "", "missiles = '[[missiles]]': expected either one [missile] table or a "
                                                  "[[missiles]] array, not both"),
        (TWO_MISSILES.replace("launch_time_s = 45.0", "launch_time_s = -1.0"), "",
         "missiles[1].launch_time_s = -1.0: expected a number >= 0"),
        (TWO_MISSILES.replace("range_km = 787.0", "range_km = 787.0\nlaunch_time_s = 5.0"), "",
         "missiles[0].launch_time_s = 5.0: expected 0 for the first missile"),
        (TWO_MISSILES.replace('missile = "nodong"', 'missile = "nodong"\ncolour = "red"'), "",
         "unknown key missiles[1].'colour'"),
        (TWO_MISSILES.replace('missile = "nodong"\n', ""), "", "missing field missiles[1].missile"),
        (TWO_MISSILES.replace("apogee_km = 260.0", 'apogee_km = "high"'), "",
         "missiles[1].apogee_km = 'high': expected a finite number"),
        ("missiles = []\n", "", "missiles = []: expected a non-empty array of tables"),
        (TWO_MISSILES, "\n[scene]\nstages = 1\n", "scene.stages = 1: expected true or false"),
        (TWO_MISSILES, "\n[scene]\ndebris = -2\n", "scene.debris = -2: expected a non-negative integer"),
        (TWO_MISSILES, "\n[scene]\ndebris_spread_mps = -1.0\n", "scene.debris_spread_mps = -1.0: expected a number >= 0"),
        (TWO_MISSILES, "\n[scene]\nclutter = true\n", "unknown key scene.'clutter'"),
    ],
)
def test_bad_missiles_and_scene_name_file_field_and_expectation(tmp_path, missiles, extra, needle):
    path = _salvo_file(tmp_path, missiles, extra)
    with pytest.raises(ScenarioError) as err:
        scenario.load(path)
    message = str(err.value)
    assert message.count(str(path)) == 1 and needle in message and "\n" not in message


def test_scene_table_and_its_sweep_keys(tmp_path):
    path = _salvo_file(tmp_path, extra="\n[scene]\nstages = true\ndebris = 3\nfalse_alarms = true\n")
    scen = scenario.load(path)
    assert scen.scene == SceneConfig(stages=True, debris=3, false_alarms=True)
    assert scenario.apply_point(scen, {"scene.false_alarms": False}).scene.false_alarms is False
    assert scenario.apply_point(scen, {"scene.debris": 0}).scene == SceneConfig(stages=True, false_alarms=True)
    with pytest.raises(ScenarioError, match=r"scene\.debris = 1\.5: expected a non-negative integer"):
        scenario.apply_point(scen, {"scene.debris": 1.5})


def test_a_missile_that_cannot_fly_is_named_by_its_table(tmp_path):
    from sprn import engagement

    scen = scenario.load(_salvo_file(tmp_path, TWO_MISSILES.replace("range_km = 1000.0", "range_km = 9000.0")))
    with pytest.raises(ScenarioError, match=r"salvo\.toml: missiles\[1\]\.range_km = 9000: beyond the nodong.s reach"):
        engagement.fly_scenario(scen)
