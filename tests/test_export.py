"""CZML and KML of a run: read back through czml3's model classes and as XML, and checked
against the run they came from (positions against the truth, ellipses against the stated
axes, times against the scenario's epoch)."""

import datetime as dt
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import czml3
import numpy as np
import pytest

from sprn import engagement, export, geo, scenario
from sprn.plot.maps import coverage_altitude_m

ROOT = Path(__file__).resolve().parents[1]
KUSONG = ROOT / "scenarios" / "kusong-2017-05-14.toml"
OWN_RADARS = ROOT / "scenarios" / "kusong-2017-05-14-own-radars.toml"
KML_NS = {"k": "http://www.opengis.net/kml/2.2"}


@pytest.fixture(scope="module")
def kusong():
    return engagement.run_scenario(scenario.load(KUSONG), launch_point=True)


@pytest.fixture(scope="module")
def czml(kusong):
    return czml3.Document.model_validate_json(export.czml_text(kusong))


@pytest.fixture(scope="module")
def kml(kusong):
    return ET.fromstring(export.kml_text(kusong).encode("utf-8"))


def utc(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def packets(doc):
    return {p.id: p for p in doc.packets}


def interval(packet):
    a = packet.availability
    return utc(a.start), utc(a.end)


def seconds(result, text):
    return (utc(text) - result.scenario.epoch).total_seconds()


def samples(packet):
    return np.asarray(packet.position.cartesian.values, dtype=float).reshape(-1, 4)


def ring_lonlat(packet):
    xyz = np.asarray(packet.polyline.positions.cartographicDegrees.values, dtype=float).reshape(-1, 3)
    return xyz[:, 0], xyz[:, 1], xyz[:, 2]


def test_czml_has_a_preamble_and_a_clock_from_launch_to_impact(kusong, czml):
    doc = czml.packets[0]
    assert doc.id == "document" and doc.version
    start, end = doc.clock.interval.start, doc.clock.interval.end
    assert seconds(kusong, start) == pytest.approx(0.0, abs=1e-3)
    assert seconds(kusong, end) == pytest.approx(kusong.truth.t_impact_s, abs=1e-3)


def test_czml_truth_positions_are_the_flight_time_tagged_in_the_earth_fixed_frame(kusong, czml):
    rv = packets(czml)["truth/rv"]
    assert rv.position.referenceFrame == "FIXED"
    assert seconds(kusong, rv.position.epoch) == pytest.approx(0.0, abs=1e-3)
    s = samples(rv)
    assert s[0, 0] == 0.0 and s[-1, 0] == pytest.approx(kusong.truth.t_impact_s)
    assert np.all(np.diff(s[:, 0]) > 0) and np.max(np.diff(s[:, 0])) < 5.0
    np.testing.assert_allclose(s[:, 1:], kusong.truth.state(s[:, 0])[:, :3], atol=1e-3)
    # The spent booster is its own object, from separation on.
    booster = samples(packets(czml)["truth/booster"])
    assert booster[0, 0] == pytest.approx(kusong.truth.events["separation"])
    np.testing.assert_allclose(booster[:, 1:], kusong.truth.booster.state(booster[:, 0])[:, :3], atol=1e-3)


def test_czml_track_is_the_command_centres_track(kusong, czml):
    hist = kusong.output.tracker.history
    s = samples(packets(czml)["track/1"])
    np.testing.assert_allclose(s[:, 0], [e.t_s for e in hist])
    np.testing.assert_allclose(s[:, 1:], [e.x[:3] for e in hist])


def test_czml_sites_and_coverage_at_the_targets_altitude(kusong, czml):
    by_id = packets(czml)
    alt_m = coverage_altitude_m(kusong, None)
    for site in kusong.scenario.sites:
        lon, lat, h = by_id[f"site/{site.name}"].position.cartographicDegrees.values
        assert (lat, lon, h) == pytest.approx((site.lat_deg, site.lon_deg, site.alt_m))
        _, _, heights = ring_lonlat(by_id[f"coverage/{site.name}"])
        np.testing.assert_allclose(heights, alt_m)
    # Mishelevka (a 120-degree sector) saw the target: its fan closes at the site.
    lon, lat, _ = ring_lonlat(by_id["coverage/mishelevka"])
    mish = next(s for s in kusong.scenario.sites if s.name == "mishelevka")
    assert (lon[0], lat[0]) == pytest.approx((mish.lon_deg, mish.lat_deg))


def test_czml_impact_ellipses_over_time_with_their_stated_axes(kusong, czml):
    by_id = packets(czml)
    assessments = kusong.output.assessments
    ellipses = [p for p in czml.packets if p.id.startswith("impact/")]
    assert len(ellipses) == len(assessments) > 3
    first = kusong.output.first_detection_s
    for k, assess in enumerate(assessments):
        p = assess.prediction
        packet = by_id[f"impact/{k}"]
        start, end = interval(packet)
        assert (start - kusong.scenario.epoch).total_seconds() == pytest.approx(p.t_s, abs=1e-3)
        if k + 1 < len(assessments):  # shown until the next prediction replaces it
            assert (end - kusong.scenario.epoch).total_seconds() == pytest.approx(assessments[k + 1].prediction.t_s,
                                                                                    abs=1e-3)
        lon, lat, _ = ring_lonlat(packet)
        d_km = geo.geodesic_distance_m(p.lat_deg, p.lon_deg, lat, lon) / 1000.0
        assert d_km.max() == pytest.approx(p.semi_major_km, rel=1e-3)
        assert d_km.min() == pytest.approx(p.semi_minor_km, rel=2e-3)
    # The +180 s prediction exists and is on the globe from that moment.
    plus_180 = [p for p in ellipses if "+180 s after first detection" in p.name]
    assert len(plus_180) == 1
    assert seconds(kusong, plus_180[0].availability.start) == pytest.approx(first + 180.0, abs=1e-3)


def test_czml_launch_estimate_and_events(kusong, czml):
    by_id = packets(czml)
    est = kusong.launch
    launch = by_id["launch/estimate"]
    assert launch.position.cartographicDegrees.values[:2] == pytest.approx([est.lon_deg, est.lat_deg])
    assert seconds(kusong, launch.availability.start) == pytest.approx(est.t_s, abs=1e-3)
    events = [p for p in czml.packets if p.id.startswith("event/")]
    kinds = {e.type for e in kusong.output.events} - export.HIDDEN_EVENTS
    assert len(events) == sum(e.type in kinds for e in kusong.output.events)
    warning = next(p for p in events if p.label.text == "warning")
    assert seconds(kusong, warning.availability.start) == pytest.approx(kusong.output.first_event_s("warning"),
                                                                        abs=1e-3)


def placemarks(root):
    return {pm.findtext("k:name", namespaces=KML_NS): pm for pm in root.iter(f"{{{KML_NS['k']}}}Placemark")}


def coords(element):
    text = element.findtext(".//k:coordinates", namespaces=KML_NS)
    return np.array([[float(v) for v in c.split(",")] for c in text.split()])


def test_kml_trajectory_in_3d_at_absolute_altitude_and_its_ground_track(kusong, kml):
    marks = placemarks(kml)
    name = kusong.truth.missile.name
    flight = marks[f"{name}: 3D trajectory"]
    assert flight.findtext(".//k:altitudeMode", namespaces=KML_NS) == "absolute"
    xyz = coords(flight)
    assert xyz[:, 2].max() == pytest.approx(kusong.truth.apogee_m, abs=500.0)
    assert (xyz[-1, 1], xyz[-1, 0]) == pytest.approx((kusong.truth.impact_lat_deg, kusong.truth.impact_lon_deg),
                                                     abs=1e-3)
    ground = coords(marks[f"{name}: ground track"])
    np.testing.assert_allclose(ground[:, :2], xyz[:, :2])
    assert np.all(ground[:, 2] == 0.0)
    assert f"{name} spent booster: 3D trajectory" in marks


def test_kml_sites_impact_ellipses_and_launch_point(kusong, kml):
    marks = placemarks(kml)
    for site in kusong.scenario.sites:
        label = site.label or site.name
        lon, lat, _ = coords(marks[label])[0]
        assert (lat, lon) == pytest.approx((site.lat_deg, site.lon_deg))
        assert any(n.startswith(f"{label} coverage at") for n in marks)
    ellipses = [pm for n, pm in marks.items() if n.startswith("impact prediction at")]
    assert len(ellipses) == len(kusong.output.assessments)
    for pm, assess in zip(ellipses, kusong.output.assessments):
        begin = pm.findtext("k:TimeSpan/k:begin", namespaces=KML_NS)
        assert seconds(kusong, begin) == pytest.approx(assess.prediction.t_s, abs=1e-3)
        assert pm.find(".//k:Polygon", KML_NS) is not None
    ring = coords(marks["launch-point estimate"])
    est = kusong.launch
    d_km = geo.geodesic_distance_m(est.lat_deg, est.lon_deg, ring[:, 1], ring[:, 0]) / 1000.0
    assert d_km.max() == pytest.approx(est.semi_major_km, rel=1e-3)
    assert "true impact" in marks and "true launch point" in marks


def sprn(*args):
    return subprocess.run([sys.executable, "-m", "sprn.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_cli_run_writes_czml_and_kml(tmp_path):
    out, globe = tmp_path / "out", tmp_path / "globe"
    proc = sprn("run", OWN_RADARS, "--out", out, "--czml", globe / "run.czml", "--kml", globe / "run.kml")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in globe.iterdir()) == ["run.czml", "run.kml"]  # no temporary file left
    doc = czml3.Document.model_validate(json.loads((globe / "run.czml").read_text()))
    assert {"truth/rv", "truth/booster", "track/1"} <= {p.id for p in doc.packets}
    marks = placemarks(ET.parse(globe / "run.kml").getroot())
    assert any(n.endswith("3D trajectory") for n in marks)


def test_cli_bad_scenario_writes_no_czml_or_kml(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(OWN_RADARS.read_text().replace("[tracker]", "[tracker", 1))
    proc = sprn("run", bad, "--out", tmp_path / "out", "--czml", tmp_path / "g" / "run.czml",
                "--kml", tmp_path / "g" / "run.kml")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "g").exists() and not (tmp_path / "out").exists()
