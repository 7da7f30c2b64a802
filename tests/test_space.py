"""The space echelon: catalogue, SGP4 orbits, TEME to ECEF, the infrared sensor, angles-only
measurements, triangulation and the satellites in the simulation.

Tolerances and why:

* SGP4 against the library's own verification vectors (``tcppver.out`` of Vallado's
  "Revisiting Spacetrack Report #3", shipped with ``sgp4``): the library's test passes at
  2e-7 km; our path adds the conversion of the element epoch to a Python date-time, which
  rounds to the microsecond (0.5 us at up to 10 km/s: 5 mm), so 1 cm.
* A nominal Molniya orbit passes its apogee at the catalogue's longitude and at the
  inclination's latitude within 1 deg and its height within 100 km: SGP4's mean elements
  differ from osculating ones by the J2 short-period terms, tens of km at these radii.
* A geostationary satellite keeps its ECEF longitude within 0.1 deg over 6 hours and moves
  at under 5 m/s: a wrong sidereal rotation (or a forgotten omega x r) would move it by
  degrees and km/s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
import sgp4
from scipy import stats
from sgp4.api import Satrec

from sprn import engagement, geo, scenario
from sprn.errors import DataError, ScenarioError
from sprn.space import catalogue, infrared, orbit
from sprn.space.measurement import (
    AnglesDetection,
    Observer,
    angles_jacobian,
    line_of_sight,
    measure_angles,
    triangulate,
)
from sprn.tracking.filters import EkfAdapter, UkfAdapter
from sprn.trajectory import fly

ROOT = Path(__file__).resolve().parents[1]
KUSONG = ROOT / "scenarios" / "kusong-2017-05-14.toml"
SGP4_DIR = Path(sgp4.__file__).parent


def _vectors() -> dict[str, list[list[float]]]:
    out: dict[str, list[list[float]]] = {}
    key = None
    for line in (SGP4_DIR / "tcppver.out").read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1] == "xx":
            key = parts[0]
            out[key] = []
        elif key is not None and len(parts) >= 7:
            out[key].append([float(p) for p in parts[:7]])
    return out


def _tles() -> dict[str, tuple[str, str]]:
    lines = [ln for ln in (SGP4_DIR / "SGP4-VER.TLE").read_text().splitlines() if ln[:2] in ("1 ", "2 ")]
    return {l1[2:7].strip(): (l1[:69], l2[:69]) for l1, l2 in zip(lines[::2], lines[1::2])}


@pytest.mark.parametrize("satnum", ["00005", "06251", "28057", "28350", "29238", "88888"])
def test_sgp4_positions_match_the_library_verification_vectors(satnum):
    vectors, tles = _vectors(), _tles()
    key = satnum.lstrip("0")
    rows = vectors[key if key in vectors else satnum]
    l1, l2 = tles[key if key in tles else satnum]
    orb = orbit.from_tle(satnum, l1, l2)
    sat = Satrec.twoline2rv(l1, l2)
    days = (sat.jdsatepoch - 2451544.5) + sat.jdsatepochF  # whole part first: no 40-us rounding of a 2.4e6 JD
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=days)
    shift_days = (epoch - dt.datetime(2000, 1, 1, tzinfo=dt.UTC)).total_seconds() / 86400.0 - days
    t = np.array([r[0] for r in rows]) * 60.0 - shift_days * 86400.0
    r, v = orb.teme(epoch, t)
    want = np.array([r[1:4] for r in rows]) * 1e3
    assert np.max(np.abs(r - want)) < 0.01
    assert np.max(np.abs(v - np.array([r[4:7] for r in rows]) * 1e3)) < 1e-5


def test_a_geostationary_satellite_stands_still_in_ecef():
    cat = catalogue.load_catalogue()
    sat = cat.satellites["kosmos-2479"]
    epoch = dt.datetime(2013, 6, 1, tzinfo=dt.UTC)
    x = orbit.from_nominal(sat.name, sat.orbit, epoch, 0.0).ecef(epoch, np.linspace(0.0, 6 * 3600.0, 7))
    lat, lon, h = geo.ecef_to_lla(x[:, :3])
    assert np.all(np.abs(np.degrees(lon) - 24.0) < 0.1) and np.all(np.abs(np.degrees(lat)) < 0.1)
    assert np.all(np.linalg.norm(x[:, 3:], axis=1) < 5.0)


@pytest.mark.parametrize("key", ["kosmos-2510", "kosmos-2552"])
def test_a_nominal_molniya_orbit_passes_its_apogee_where_the_catalogue_says(key):
    sat = catalogue.load_catalogue().satellites[key]
    epoch = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    orb = orbit.from_nominal(sat.name, sat.orbit, epoch, math.pi - sat.orbit.slot_rad)  # at apogee at the epoch
    lat, lon, h = geo.ecef_to_lla(orb.ecef(epoch, [0.0])[0, :3])
    assert abs(math.degrees(lat) - math.degrees(sat.orbit.inclination_rad)) < 1.0
    assert abs(math.degrees(lon) - math.degrees(sat.orbit.apogee_lon_rad)) < 1.0
    assert abs(float(h) - sat.orbit.apogee_m) < 100e3
    period = 2 * math.pi / orbit.mean_motion_rad_s(sat.orbit.perigee_m, sat.orbit.apogee_m)
    assert abs(period / 3600.0 - 12.0) < 0.25  # a 12-hour orbit, as published


def test_presets_take_the_satellites_in_service_on_the_date_and_name_the_disputed():
    cat = catalogue.load_catalogue()
    assert [s.name for s in cat.preset("sprn-2017", dt.date(2017, 5, 14))] == ["Kosmos-2510"]
    assert "Kosmos-2510" in cat.preset_note("sprn-2017", dt.date(2017, 5, 14))
    in_2026 = {s.name for s in cat.preset("sprn-2026", dt.date(2026, 5, 14))}
    assert in_2026 == {"Kosmos-2541", "Kosmos-2546", "Kosmos-2552", "Kosmos-2563"}
    for s in cat.satellites.values():
        assert s.source and s.launch <= s.service_start


def test_a_bad_catalogue_entry_names_file_and_field():
    doc = tomllib.loads(catalogue.SATELLITES_FILE.read_text())
    doc["satellites"]["kosmos-2510"]["status"] = "retired"
    with pytest.raises(DataError, match=r"x.toml: satellites.kosmos-2510.status = 'retired': expected one of"):
        catalogue.parse_catalogue(doc, "x.toml")


def test_the_earth_and_its_limb_block_the_line_of_sight():
    far = np.array([42_164e3, 0.0, 0.0])
    assert not infrared.earth_blocks(far, np.array([geo.A_M + 10e3, 0.0, 0.0]), 50e3)
    assert infrared.earth_blocks(far, np.array([-(geo.A_M + 100e3), 0.0, 0.0]), 50e3)
    # A target beyond the limb: the line grazes at about 30 km (blocked) or 70 km (clear).
    for tangent_km, blocked in ((30.0, True), (70.0, False)):
        y = geo.A_M + tangent_km * 1e3
        assert infrared.earth_blocks(np.array([42_164e3, y, 0.0]), np.array([-42_164e3, y, 0.0]), 50e3) == blocked


def test_the_plume_is_seen_only_while_burning_and_above_the_cloud_tops():
    assert list(infrared.plume_visible([True, True, False], [5e3, 15e3, 15e3], 10e3)) == [False, True, False]
    intervals = infrared.burn_intervals((60.0, 40.0), (5.0, 0.0), 200.0)
    assert intervals == [(0.0, 60.0), (65.0, 105.0)]
    assert list(infrared.burning_stage([10.0, 62.0, 70.0, 110.0], intervals)) == [0, -1, 1, -1]


@pytest.fixture(scope="module")
def flagship():
    data = tomllib.loads(KUSONG.read_text())
    return data, fly(scenario.from_dict(data, str(KUSONG)).shot)


def _with_space(data, **space):
    d = dict(data)
    d["space"] = {"preset": "sprn-2017", **space}
    return scenario.from_dict(d, "space-test.toml")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_satellite_above_the_launch_sees_it_within_one_revisit_after_the_cloud_tops(flagship, seed):
    data, truth = flagship
    scen = _with_space(data, phase_deg=180.0)  # Kosmos-2510 at its apogee, 63.8 N 60 E: NK in plain view
    sat = scen.space.satellites[0]
    t = np.linspace(0.0, 100.0, 10001)
    above = np.flatnonzero(geo.ecef_to_lla(truth.state(t)[:, :3])[2] > scen.space.cloud_top_m)[0]
    result = engagement.run_scenario(scen, seed=seed, truth=truth)
    first = result.output.space_detections[0].t_s
    assert t[above] <= first <= t[above] + sat.sensor.revisit_s
    assert all(d.t_s < truth.events["burnout"] for d in result.output.space_detections)


def test_a_satellite_with_the_earth_in_the_way_never_sees_it(flagship):
    data, truth = flagship
    scen = _with_space(data, phase_deg=0.0)  # at perigee, over the southern hemisphere
    sat = scen.space.satellites[0]
    t = np.linspace(0.0, truth.events["burnout"], 200)
    assert np.all(infrared.earth_blocks(sat.orbit.ecef(scen.epoch, t)[:, :3], truth.state(t)[:, :3],
                                        sat.sensor.grazing_m))
    result = engagement.run_scenario(scen, truth=truth)
    assert result.output.space_detections == ()
    assert result.output.first_event_s("launch_detected") is None


def test_satellites_that_see_nothing_leave_the_radar_run_as_it_was(flagship):
    """The flagship without satellites, and with a satellite whose view the Earth blocks:
    the same radar detections and the same events, to the last bit. The echelon's processes
    and draws (its own streams) must not move anything of the radars'. (The flagship's
    results.json was also compared with the commit before the space echelon: identical but
    for the added keys.)"""
    data, truth = flagship
    plain = engagement.run_scenario(scenario.from_dict(data, str(KUSONG)), truth=truth)
    blind = engagement.run_scenario(_with_space(data, phase_deg=0.0), truth=truth)
    assert blind.output.space_detections == () and plain.output.space_detections == ()
    assert [(d.t_s, d.site, tuple(d.z)) for d in plain.output.detections] == [
        (d.t_s, d.site, tuple(d.z)) for d in blind.output.detections]
    assert [e.to_json() for e in plain.output.events] == [e.to_json() for e in blind.output.events]
    assert [e.t_s for e in plain.output.tracker.history] == [e.t_s for e in blind.output.tracker.history]


def test_unknown_space_keys_and_satellites_are_refused(flagship):
    data, _ = flagship
    with pytest.raises(ScenarioError, match=r"unknown key space.'colour'"):
        _with_space(data, colour="red")
    with pytest.raises(ScenarioError, match=r"space.add = 'kosmos-9999': expected satellite keys"):
        _with_space(data, add=["kosmos-9999"])


# --- angles-only measurement, filters, triangulation ------------------------------------------

def _observer(lat_deg=60.0, lon_deg=60.0, alt_m=38_000e3):
    return Observer(name="sat", r_ecef_m=geo.lla_to_ecef(math.radians(lat_deg), math.radians(lon_deg), alt_m))


def test_the_angles_jacobian_matches_finite_differences():
    """Central differences with 1 m and 1 mm/s steps: truncation error ~ h^2 |h'''| ~ 1e-14 rad
    per metre at 40,000 km, far below the 1e-9 tolerance; velocity columns must be zero."""
    obs = _observer()
    x = np.concatenate([geo.lla_to_ecef(math.radians(40.5), math.radians(125.5), 50e3), [500.0, 1500.0, 900.0]])
    _, jac = angles_jacobian(obs, x)
    num = np.zeros((2, 6))
    for j in range(6):
        dx = np.zeros(6)
        dx[j] = 1.0 if j < 3 else 1e-3
        num[:, j] = (measure_angles(obs, x + dx) - measure_angles(obs, x - dx)) / (2 * dx[j])
    assert np.allclose(jac, num, atol=1e-12, rtol=1e-6)
    z = measure_angles(obs, x)
    u = line_of_sight(obs, z)
    assert np.allclose(u, (x[:3] - obs.r_ecef_m) / np.linalg.norm(x[:3] - obs.r_ecef_m), atol=1e-12)
    assert abs(z[0] - math.pi) < 0.5 * math.pi  # in front of the Earth: far from the wrap at 0


@pytest.mark.parametrize("adapter", ["ekf", "ukf"])
def test_an_angles_only_update_is_the_linear_update_of_its_jacobian(adapter):
    """With a tight prior the measurement is linear over the prior's spread: the filters'
    gain must be ``P H' (H P H' + R)^-1`` with ``H`` the kernel's Jacobian."""
    from sprn.tracking.config import TrackerConfig

    model = TrackerConfig().motion_model("ballistic")
    obs = _observer()
    x = np.concatenate([geo.lla_to_ecef(math.radians(40.5), math.radians(125.5), 80e3), [500.0, 1500.0, 900.0]])
    p = np.diag([100.0**2] * 3 + [10.0**2] * 3)
    r = np.diag([5e-6**2, 5e-6**2])
    f = EkfAdapter(x, p, model) if adapter == "ekf" else UkfAdapter(x, p, model)
    z = measure_angles(obs, x) + np.array([3e-6, -2e-6])
    inn = f.innovation(z, obs, r)
    _, h = angles_jacobian(obs, x)
    s = h @ p @ h.T + r
    assert np.allclose(inn.s, s, rtol=1e-4)
    f.correct(inn)
    want = x + p @ h.T @ np.linalg.solve(s, z - measure_angles(obs, x))
    assert np.allclose(f.x[:6], want, atol=1e-3 * 100.0)


def test_angles_only_tracking_of_a_boost_is_consistent_by_nees(flagship):
    """A boost simulated by the filter's own boost model (thrust as a state, process noise
    drawn from its Q), started at the Hwasong-12's state 60 s after launch, watched every 10 s
    for 90 s by two satellites with 20 urad noise; a UKF on that model follows. Over 40 seeded
    runs the mean NEES of [r, v] at the last update lies in the two-sided 99 % interval of
    chi-square(6 x 40) / 40, [4.4, 8.0]: what is tested is the angles-only update, not the
    model (on the flight model's own boost, whose acceleration grows as propellant burns,
    the same filter reads 7.9, docs/space-echelon.md)."""
    from sprn.tracking.config import TrackerConfig

    _, truth = flagship
    cfg = TrackerConfig()
    model = cfg.motion_model("boost")
    obs = [_observer(60.0, 60.0, 38_500e3), _observer(63.0, 120.0, 20_000e3)]
    times = np.arange(60.0, 150.0, 10.0)
    sigma = 20e-6
    runs = 40
    values = []
    extra_x, extra_p = cfg.prior(model)
    p0 = np.zeros((model.dim, model.dim))
    p0[:6, :6] = np.diag([3e3**2] * 3 + [300.0**2] * 3)
    p0[6:, 6:] = extra_p
    for seed in range(runs):
        rng = np.random.default_rng(seed)
        # The truth starts at the flight's state with a thrust drawn from the prior; the
        # filter at the truth's position and velocity plus an error drawn from P0.
        x_true = np.concatenate([truth.state(times[0]), rng.multivariate_normal(extra_x, extra_p)])
        x0 = np.concatenate([x_true[:6] + rng.multivariate_normal(np.zeros(6), p0[:6, :6]), extra_x])
        f = UkfAdapter(x0, p0, model)
        t_prev = times[0]
        for t in times:
            dt_s = t - t_prev
            if dt_s > 0.0:
                q = model.process_noise(x_true, dt_s)
                x_true = model.propagate(x_true[None, :], dt_s)[0] + rng.multivariate_normal(np.zeros(model.dim), q)
                f.predict(dt_s)
            t_prev = t
            for o in obs:
                z = measure_angles(o, x_true) + rng.standard_normal(2) * sigma
                f.correct(f.innovation(z, o, np.diag([sigma**2, sigma**2])))
        err = f.x[:6] - x_true[:6]
        values.append(float(err @ np.linalg.solve(f.P[:6, :6], err)))
    lo, hi = stats.chi2.ppf([0.005, 0.995], 6 * runs) / runs
    assert lo <= np.mean(values) <= hi


def test_triangulation_falls_inside_its_95_percent_ellipsoid_95_percent_of_the_time():
    """400 seeded runs; the count inside is binomial(400, 0.95): mean 380, sd 4.4; we accept
    3 sd either side, [367, 393] (a wrong covariance by 20 % falls outside)."""
    target = geo.lla_to_ecef(math.radians(40.1), math.radians(125.3), 30e3)
    obs = [_observer(63.8, 60.0, 38_500e3), _observer(55.0, 170.0, 30_000e3)]
    sigma = np.array([15e-6, 25e-6])
    rng = np.random.default_rng(2017)
    quantile = stats.chi2.ppf(0.95, 3)
    inside = 0
    for _ in range(400):
        u = []
        for o, s in zip(obs, sigma):
            z = measure_angles(o, target) + rng.standard_normal(2) * s
            u.append(line_of_sight(o, z))
        x, p = triangulate(np.array([o.r_ecef_m for o in obs]), np.array(u), sigma)
        e = x - target
        inside += float(e @ np.linalg.solve(p, e)) <= quantile
    assert 367 <= inside <= 393


def test_an_angles_detection_is_read_only_and_has_its_covariance():
    det = AnglesDetection(t_s=1.0, site="sat", z=np.array([3.0, 0.1]), sigma=np.array([1e-5, 2e-5]),
                          observer=_observer())
    assert np.allclose(det.covariance, np.diag([1e-10, 4e-10]))
    with pytest.raises(ValueError):
        det.z[0] = 1.0


def test_the_default_tracker_takes_an_angles_only_report_into_a_live_track(flagship):
    """The default IMM (compiled) through the dispatch helper: a noise-free bearing of the
    truth must pull the track's predicted bearing towards it, and a bearing never starts a track."""
    import copy

    from sprn.tracking import Tracker

    data, truth = flagship
    result = engagement.run_scenario(scenario.from_dict(data, str(KUSONG)), truth=truth)
    tracker = copy.deepcopy(result.output.tracker)
    assert tracker.initiated
    t = tracker.history[-1].t_s + 5.0
    obs = _observer(63.8, 60.0, 38_500e3)
    z = measure_angles(obs, truth.state(t))
    before = measure_angles(obs, tracker.predicted(t)[0])
    est = tracker.update(AnglesDetection(t_s=t, site="sat", z=z, sigma=np.array([20e-6, 20e-6]), observer=obs))
    assert est is not None and est.dof == 2
    after = measure_angles(obs, est.x)
    assert np.linalg.norm(after - z) < np.linalg.norm(before - z)
    fresh = Tracker(sites={})
    assert fresh.update(AnglesDetection(t_s=1.0, site="sat", z=z, sigma=np.array([1e-5, 1e-5]), observer=obs)) is None
    assert not fresh.initiated


@pytest.mark.parametrize("name", ["kusong-2017-05-14-eks.toml", "kusong-2026-eks.toml"])
def test_the_space_scenarios_run_end_to_end_and_report_each_echelon(name):
    from sprn import report

    scen = scenario.load(ROOT / "scenarios" / name)
    result = engagement.run_scenario(scen)
    data = report.results_dict(result)
    sats = [row for row in data["sites"] if row["kind"] == "satellite"]
    assert {row["name"] for row in sats} == {s.name for s in scen.space.satellites}
    assert any(row["detections"] > 0 for row in sats)
    assert data["echelons"]["first"] == "space"
    assert data["echelons"]["space_first_detection_s"] < data["echelons"]["radar_first_detection_s"]
    kinds = [e.type for e in result.output.events]
    assert "launch_detected" in kinds and kinds.index("launch_detected") < kinds.index("track_initiated")
    launch = data["space"]["launch_detected"]
    assert launch["error_km"] < launch["semi_major_km"]  # the truth inside the stated 95 % ellipse's long axis
    text = report.summary_text(result)
    assert "Satellites (angles-only, infrared)" in text and "first seen by: the space echelon" in text
    if len(scen.space.satellites) > 1:  # two satellites triangulate the ground track: a usable azimuth
        assert "launch_azimuth" in kinds and "boost_triangulated" in kinds
        assert abs(launch["azimuth_error_deg"]) < 3.0 * launch["sigma_azimuth_deg"] < 30.0


def test_sprn_coverage_draws_the_space_echelon_of_a_scenario(tmp_path, capsys):
    import json

    from sprn.cli import main

    out = tmp_path / "space.json"
    assert main(["coverage", "--scenario", str(ROOT / "scenarios" / "kusong-2017-05-14-eks.toml"),
                 "--step-deg", "5", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    seen = np.array(data["satellites"]["Kosmos-2510"])
    lat, lon = np.array(data["lat_deg"]), np.array(data["lon_deg"])
    sub_lat, sub_lon = data["sub_points"]["Kosmos-2510"]
    i, j = np.argmin(abs(lat - sub_lat)), np.argmin(abs(((lon - sub_lon + 180) % 360) - 180))
    assert seen[i, j] == 1  # the point under the satellite is in sight
    assert seen[len(lat) - 1 - i, (j + len(lon) // 2) % len(lon)] == 0  # its antipode is not
    assert "1 satellite;" in capsys.readouterr().out


def test_the_triangulated_ground_track_gives_the_azimuth_and_an_honest_sigma():
    """Positions on a straight accelerating ground track (azimuth 75 deg) with Gaussian
    errors of their stated covariance: noise-free, the fit returns the azimuth exactly;
    noisy, the truth lies within two stated sigmas in a binomial(300, 0.954) share, accepted
    within 3 sd (1.2 %) of it: [0.917, 0.991]."""
    from sprn.space.launch_area import azimuth_from_positions

    t = np.arange(0.0, 60.0, 10.0)
    d = 0.5 * 20.0 * t**2 + 200.0 * t  # along-track distance (m), accelerating
    lat, lon = geo.geodesic_direct_deg(np.full(t.size, 40.0), np.full(t.size, 125.0), np.full(t.size, 75.0), d)
    pts = geo.lla_to_ecef(np.radians(lat), np.radians(lon), 20e3 + 700.0 * t)
    cov = np.array([np.diag([800.0**2, 500.0**2, 1500.0**2])] * t.size)
    az, _ = azimuth_from_positions(t, pts, cov)
    assert abs(az - 75.0) < 0.2  # the geodesic's bearing turns by about 0.1 deg over 30 km
    rng = np.random.default_rng(26)
    inside = 0
    for _ in range(300):
        noisy = pts + rng.multivariate_normal(np.zeros(3), cov[0], size=t.size)
        az_n, sigma = azimuth_from_positions(t, noisy, cov)
        inside += abs((az_n - az + 180.0) % 360.0 - 180.0) <= 2.0 * sigma
    assert 0.917 <= inside / 300 <= 0.991


def test_a_scenario_satellite_from_a_tle_or_from_nominal_elements(flagship):
    """A TLE exported (sgp4's exporter) from a nominal orbit flies where the nominal orbit does,
    within the TLE's rounding (8 digits of mean motion and eccentricity, 4 of angles: about
    1e-4 deg, 70 m at 40,000 km; we allow 1 km over 10 minutes); a bad TLE names its field."""
    from sgp4.exporter import export_tle

    data, _ = flagship
    epoch = scenario.from_dict(data, str(KUSONG)).epoch
    sat = catalogue.load_catalogue().satellites["kosmos-2510"]
    nominal = orbit.from_nominal("x", sat.orbit, epoch, math.radians(150.0))
    line1, line2 = export_tle(nominal.satrec)
    elements = {"name": "nominal", "perigee_km": 1650.0, "apogee_km": 38500.0, "inclination_deg": 63.8,
                "apogee_lon_deg": 60.0, "mean_anomaly_deg": 150.0}
    d = dict(data)
    d["space"] = {"satellites": [{"name": "from-tle", "tle_line1": line1, "tle_line2": line2}, elements]}
    scen = scenario.from_dict(d, "tle.toml")
    t = np.linspace(0.0, 600.0, 5)
    a, b = (s.orbit.ecef(scen.epoch, t)[:, :3] for s in scen.space.satellites)
    assert np.max(np.linalg.norm(a - b, axis=1)) < 1e3
    d["space"] = {"satellites": [{"name": "bad", "tle_line1": line1[:30], "tle_line2": line2}]}
    with pytest.raises(ScenarioError, match=r"space.satellites\[0\].tle_line1 = .*: expected a valid two-line"):
        scenario.from_dict(d, "tle.toml")
