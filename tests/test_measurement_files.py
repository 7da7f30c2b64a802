"""Measurement files: reading with full validation, tracking a file, writing track and impact files."""

import csv
import io
import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from sprn import geo, report, scenario
from sprn.errors import DataError
from sprn.radar import measure
from sprn.tracking import files
from sprn.trajectory import fly

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "tracking"
SITES = DATA / "sites.csv"
MEASUREMENTS = DATA / "measurements.csv"


@pytest.fixture(scope="module")
def truth():
    return fly(scenario.load(ROOT / "scenarios" / "kusong-2017-05-14-own-radars.toml").shot)


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _edit_measurements(tmp_path, line, column, value):
    """The fixture's measurements with one cell replaced (``line`` counts the header as 1)."""
    rows = list(csv.reader(MEASUREMENTS.read_text().splitlines()))
    rows[line - 1][rows[0].index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return _write(tmp_path, "m.csv", buf.getvalue())


def test_reads_the_fixture_and_measurements_agree_with_the_truth(truth):
    sites = files.read_sites(SITES)
    dets = files.read_measurements(MEASUREMENTS, sites)
    assert set(sites) == {"mishelevka", "balkhash"}
    assert sites["mishelevka"].sigma_range_rate_mps == 1.0 and sites["balkhash"].sigma_range_rate_mps is None
    assert len(dets) > 100 and all(a.t_s <= b.t_s for a, b in itertools.pairwise(dets))
    z = np.array([np.pad(d.z, (0, 4 - d.z.size), constant_values=np.nan) for d in dets])
    assert np.all(np.isnan(z[[d.site == "balkhash" for d in dets], 3]))
    # The file holds the truth plus the sites' noise: normalised residuals ~ N(0, 1).
    res = []
    for d in dets:
        site = sites[d.site]
        y = d.z - measure(site, truth.state(d.t_s), d.z.size == 4)
        y[1] = (y[1] + np.pi) % (2 * np.pi) - np.pi
        res.extend(y / d.sigma)
    res = np.array(res)
    # ~600 draws: the mean is within 4 / sqrt(600) = 0.16 and the spread within 15 %.
    assert abs(res.mean()) < 0.16 and 0.85 < res.std() < 1.15


def test_per_report_sigma_columns_override_the_sites(tmp_path):
    text = ("t_s,site,range_m,azimuth_deg,elevation_deg,sigma_range_m,sigma_az_deg\n"
            "1.0,mishelevka,2000000,120,10,30,\n")
    dets = files.read_measurements(_write(tmp_path, "m.csv", text), files.read_sites(SITES))
    assert dets[0].sigma[0] == 30.0  # the row's own
    assert dets[0].sigma[1] == pytest.approx(math.radians(0.1))  # empty cell: the site's
    assert dets[0].z.size == 3


@pytest.mark.parametrize(
    ("line", "column", "value", "expect"),
    [
        (5, "range_m", "nan", "line 5, column range_m: 'nan': expected a finite number"),
        (7, "azimuth_deg", "north", "line 7, column azimuth_deg: 'north': expected a number"),
        (9, "site", "zeya", "line 9, column site: 'zeya': expected a site of the sites file"),
        (12, "t_s", "10.0", "line 12, column t_s: '10.0': expected times sorted in increasing order"),
        (3, "range_m", "-5", "line 3, column range_m: '-5': expected a number > 0"),
        (4, "elevation_deg", "95", "line 4, column elevation_deg: '95': expected a number <= 90"),
        (6, "range_rate_mps", "fast", "line 6, column range_rate_mps: 'fast': expected a number"),
    ],
)
def test_bad_measurement_cells_name_file_line_and_column(tmp_path, line, column, value, expect):
    path = _edit_measurements(tmp_path, line, column, value)
    with pytest.raises(DataError) as err:
        files.read_measurements(path, files.read_sites(SITES))
    assert str(err.value).startswith(str(path)) and expect in str(err.value)


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("t_s,site,range_m,azimuth_deg\n1,mishelevka,1,2\n", "line 1: missing column 'elevation_deg'"),
        ("t_s,site,range_m,azimuth_deg,elevation_deg\n1,mishelevka,1,2\n", "line 2: 4 fields: expected 5"),
        ("t_s,site,range_m,azimuth_deg,elevation_deg\n", "no data lines"),
        ("", "empty file"),
        ("t_s,t_s,site,range_m,azimuth_deg,elevation_deg\n", "column 't_s' appears twice"),
    ],
)
def test_malformed_measurement_files(tmp_path, text, expect):
    path = _write(tmp_path, "m.csv", text)
    with pytest.raises(DataError, match=expect):
        files.read_measurements(path, files.read_sites(SITES))


@pytest.mark.parametrize(
    ("replace", "expect"),
    [
        (("52.8555", "95"), "line 2, column lat_deg: '95': expected a number <= 90"),
        (("100.0,0.1,0.1,10.0,2.0,6000.0,1.0", "0,0.1,0.1,10.0,2.0,6000.0,1.0"),
         "line 2, column sigma_range_m: '0': expected a number > 0"),
        (("balkhash", "mishelevka"), "line 3, column site: 'mishelevka': expected a name not used"),
        (("max_range_km", "range_km"), "line 1: missing column 'max_range_km'"),
        (("sigma_range_rate_mps", "sigma_rr"), "line 1: unknown column 'sigma_rr'"),
    ],
)
def test_bad_sites_files(tmp_path, replace, expect):
    path = _write(tmp_path, "s.csv", SITES.read_text().replace(*replace, 1))
    with pytest.raises(DataError, match=expect):
        files.read_sites(path)


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        files.read_sites(tmp_path / "nowhere.csv")


def test_a_runs_detections_file_can_be_tracked_again(tmp_path, truth):
    """The simulation's detections.csv (extra columns, empty range-rate cells) reads back exactly."""
    sites = files.read_sites(SITES)
    dets = files.read_measurements(MEASUREMENTS, sites)

    class Out:
        detections = dets

    class Run:
        output = Out

    path = _write(tmp_path, "detections.csv", report.detections_csv(Run))  # type: ignore[arg-type]
    again = files.read_measurements(path, sites)
    assert len(again) == len(dets)
    for a, b in zip(again, dets):
        # report.py writes 6 decimals: 1e-6 m, and 1e-6 deg (2e-8 rad) in angle.
        assert a.site == b.site and a.t_s == pytest.approx(b.t_s, abs=1e-6)
        assert np.allclose(a.z, b.z, rtol=0, atol=2e-6)


@pytest.mark.parametrize("filter_name", ["imm", "ekf", "ukf"])
def test_track_files_end_to_end(filter_name, truth):
    run = files.track_files(SITES, MEASUREMENTS, filter_name, inv_beta_m2_kg=truth.inv_beta_m2_kg,
                            sigma_inv_beta_m2_kg=0.0)
    track, impacts = run.track, run.predictions
    assert len(track.t_s) > 100 and np.all(np.diff(track.t_s) > 0)
    err = np.linalg.norm(track.x[:, :3] - truth.state(track.t_s)[:, :3], axis=1)
    # Two radars of 0.1 deg at ~3,000 km: a few km per fix, a few hundred metres of track.
    assert np.median(err) < 2e3
    assert impacts and impacts[-1].t_s == track.t_s[-1]
    assert [p.t_s for p in impacts] == sorted(p.t_s for p in impacts)
    miss = geo.geodesic_distance_m(impacts[-1].lat_deg, impacts[-1].lon_deg, truth.impact_lat_deg,
                                   truth.impact_lon_deg)
    # The last prediction is made seconds before impact with the true beta: within its ellipse.
    assert miss / 1000.0 < max(impacts[-1].semi_major_km, 1.0)


def test_written_files_have_the_documented_columns_and_match_report(truth):
    run = files.track_files(SITES, MEASUREMENTS, "ekf", inv_beta_m2_kg=truth.inv_beta_m2_kg)
    track, impacts = run.track, run.predictions
    out = files.track_outputs(track, impacts, run.prediction_tracks)
    assert set(out) == {"track.csv", "impact.csv"}
    assert out["track.csv"] == files.track_csv(files.track_table(run.tracker))
    rows = list(csv.DictReader(io.StringIO(out["impact.csv"])))
    assert tuple(rows[0]) == files.IMPACT_COLUMNS and len(rows) == len(impacts)
    back = list(csv.DictReader(io.StringIO(out["track.csv"])))
    assert tuple(back[0])[:2] == ("track_id", "t_s") and {r["track_id"] for r in back} == {"1"}  # one object
    k = len(back) // 2
    p = np.zeros((6, 6))
    iu = np.triu_indices(6)
    p[iu] = [float(back[k][f"p{i}{j}"]) for i, j in zip(*iu)]
    p = p + np.triu(p, 1).T
    # The upper triangle round-trips to the symmetric covariance (6 decimals of m^2).
    assert np.allclose(p, track.p[k], rtol=1e-6, atol=1e-6)


def test_unknown_filter_is_a_data_error():
    with pytest.raises(DataError, match="filter = 'kalman'"):
        files.track_files(SITES, MEASUREMENTS, "kalman")
