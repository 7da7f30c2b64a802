"""The returns of one dwell on a scene: detection per object, merging, false alarms, aspect.

Tolerances and why:

* merged positions: within 5 sigma of the power-weighted centroid, where sigma is the
  report's own range sigma (0.1 m at the test's SNR with the range floor removed), and
  more than 10 sigma from the unweighted midpoint (50 m away);
* false-alarm counts: the total over N dwells is Poisson(N mu); we allow 5 standard
  deviations (sqrt(N mu)); the index of dispersion sum((n - mean)^2) / mean is
  chi-square(N - 1) for Poisson counts, bounded at its 1e-6 and 1 - 1e-6 quantiles;
  positions uniform in the region: Kolmogorov-Smirnov p > 1e-4.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from sprn import geo
from sprn.radar import network as nw
from sprn.radar.detection import dwell_at, dwell_geometry, radar_snr
from sprn.radar.measurement import measure, noisy_measurement, position_from_measurement
from sprn.radar.scan import (
    Region,
    aspect_rad,
    false_alarms,
    range_resolution_m,
    resolved_groups,
    scan,
    search_fence,
    track_window,
)


@pytest.fixture(scope="module")
def site():
    """Mishelevka with its range floor removed, so merged positions can be told apart at 0.1 m."""
    base = nw.site("mishelevka")
    return dataclasses.replace(base, radar=dataclasses.replace(base.radar, range_floor_m=0.0))


def _point(site, range_m, az_deg, el_deg, v=(0.0, 0.0, 0.0)):
    r = position_from_measurement(site, np.array([range_m, math.radians(az_deg), math.radians(el_deg)]))
    return np.concatenate([r, v])


def _pair(site, d_range_m, d_az_deg=0.0):
    """Two objects near the normal of Mishelevka's eastern face (azimuth 70 deg, tilted back 20 deg)."""
    a = _point(site, 3.0e6, 70.0, 20.0, (1000.0, 0.0, 0.0))
    b = _point(site, 3.0e6 + d_range_m, 70.0 + d_az_deg, 20.0, (1000.0, 0.0, 0.0))
    return np.stack([a, b])


def _cos(site, states):
    return dwell_geometry(site, states[:, :3])[1]


def test_one_object_draws_exactly_what_a_single_target_dwell_draws(site):
    x = _pair(site, 0.0)[:1]
    cos = _cos(site, x)
    snr = float(radar_snr(site.radar, dwell_geometry(site, x[:, :3])[0][0], 0.3, cos_scan=cos[0]))
    for seed in range(20):
        got = scan(site, 5.0, x, np.array([snr]), [3], ["A"], cos, np.random.default_rng(seed))
        rng = np.random.default_rng(seed)
        res = dwell_at(site, snr, float(cos[0]), rng, swerling=3)
        if not res.detected:
            assert got == []
            continue
        z = noisy_measurement(site, x[0], res.sigma, rng, res.bias)
        (det, ids), = got
        assert ids == ("A",) and np.array_equal(det.z, z) and det.snr_db == res.snr_db


def test_two_objects_in_one_cell_give_one_report_at_the_power_weighted_centroid(site):
    d_range = range_resolution_m(site)
    assert d_range == pytest.approx(299.792458)
    x = _pair(site, 200.0)
    snr = np.array([3.0e6, 1.0e6])  # steady (Swerling 0): the power split is exactly 3:1
    reports = scan(site, 5.0, x, snr, [0, 0], ["stage", "rv"], _cos(site, x), np.random.default_rng(1))
    assert len(reports) == 1
    det, ids = reports[0]
    assert ids == ("stage", "rv")  # strongest first
    assert det.snr_db == pytest.approx(10 * math.log10(4.0e6))
    centroid = 0.75 * x[0] + 0.25 * x[1]
    sigma = det.sigma[0]
    assert sigma < 0.2
    assert abs(det.z[0] - measure(site, centroid[:3])[0]) < 5 * sigma
    assert abs(det.z[0] - measure(site, 0.5 * (x[0] + x[1]))[0]) > 10 * sigma


@pytest.mark.parametrize(("d_range_m", "d_az_deg"), [(400.0, 0.0), (0.0, 5.0)])
def test_objects_resolved_in_range_or_angle_give_separate_reports(site, d_range_m, d_az_deg):
    """400 m apart in range (resolution 300 m), or 5 deg apart in azimuth (4.7 deg across
    the line of sight at 20 deg elevation; the 3.6 deg beam broadened by 1/cos(scan)):
    two reports, one label each."""
    x = _pair(site, d_range_m, d_az_deg)
    cos = _cos(site, x)
    assert 5.0 * math.cos(math.radians(20.0)) > 3.6 / cos.min()  # the angle case is outside one broadened beam
    reports = scan(site, 5.0, x, np.array([1e6, 1e6]), [0, 0], ["a", "b"], cos, np.random.default_rng(2))
    assert sorted(ids for _, ids in reports) == [("a",), ("b",)]


def test_unresolved_pairs_chain_into_one_group(site):
    """Single linkage: a-b and b-c each within 300 m, a-c 400 m apart: one return."""
    x = np.stack([_point(site, 3.0e6 + dr, 70.0, 20.0) for dr in (0.0, 200.0, 400.0)])
    assert resolved_groups(site, x, _cos(site, x)) == [[0, 1, 2]]
    x = np.stack([_point(site, 3.0e6 + dr, 70.0, 20.0) for dr in (0.0, 400.0, 800.0)])
    assert resolved_groups(site, x, _cos(site, x)) == [[0], [1], [2]]


def test_false_alarm_counts_follow_the_poisson_mean_and_fill_the_region(site):
    mu = 2.5
    region = Region(range_lo_m=1.0e6, range_hi_m=2.0e6, az_lo_rad=math.radians(350.0), az_width_rad=math.radians(20.0),
                    el_lo_rad=math.radians(2.0), el_hi_rad=math.radians(5.6), cells=mu / site.radar.pfa)
    n_dwells = 4000
    counts, ranges, az, el = [], [], [], []
    for k in range(n_dwells):
        reports = false_alarms(site, 1.0, region, np.random.default_rng([5, k]))
        counts.append(len(reports))
        for det, ids in reports:
            assert ids == ()
            ranges.append(det.z[0])
            az.append((det.z[1] - region.az_lo_rad) % (2 * math.pi))
            el.append(det.z[2])
            assert det.sigma.shape == (4,) and np.all(det.sigma > 0)
            assert det.snr_db >= 10 * math.log10(-math.log(site.radar.pfa)) - 1e-9  # a threshold crossing
    counts = np.array(counts)
    total = counts.sum()
    assert abs(total - n_dwells * mu) < 5 * math.sqrt(n_dwells * mu)
    dispersion = float(np.sum((counts - counts.mean()) ** 2) / counts.mean())
    assert stats.chi2.ppf(1e-6, n_dwells - 1) < dispersion < stats.chi2.ppf(1 - 1e-6, n_dwells - 1)
    uniform = stats.uniform
    assert stats.kstest(ranges, uniform(loc=1.0e6, scale=1.0e6).cdf).pvalue > 1e-4
    assert stats.kstest(az, uniform(loc=0.0, scale=region.az_width_rad).cdf).pvalue > 1e-4
    assert stats.kstest(el, uniform(loc=region.el_lo_rad, scale=region.el_hi_rad - region.el_lo_rad).cdf).pvalue > 1e-4


def test_the_search_fence_gives_about_one_false_alarm_per_frame_at_mishelevka():
    """The design target: 0.1 to a few false alarms per search frame, so that a run stays fast.
    Mishelevka's fence: 240 deg / 3.6 deg beams times 5,750 km / 300 m cells, pfa 1e-6."""
    site = nw.site("mishelevka")
    fence = search_fence(site)
    per_frame = site.radar.pfa * fence.cells
    assert per_frame == pytest.approx((240.0 / 3.6) * (5750e3 / range_resolution_m(site)) * 1e-6)
    assert 0.1 < per_frame < 5.0
    window = track_window(site, np.array([3.0e6, 2.0, 0.2]))
    assert site.radar.pfa * window.cells < 1e-3  # a track dwell almost never has one


def test_false_alarms_lie_inside_the_fence_and_the_coverage():
    from sprn.radar.coverage import visible

    site = nw.site("mishelevka")
    fence = search_fence(site)
    rng = np.random.default_rng(4)
    reports = [r for _ in range(200) for r in false_alarms(site, 0.0, fence, rng)]
    assert len(reports) > 100
    z = np.array([det.z for det, _ in reports])
    r = position_from_measurement(site, z)
    assert visible(site, r, refraction=False).all()


def test_reentry_vehicle_rcs_depends_on_aspect_and_averages_to_its_mean():
    """Nose-on smallest, the side flash and the flat base larger; averaged over directions
    (weight sin(aspect)) the table gives the catalogue's all-aspect mean within 5 % (its values
    are rounded to one or two digits)."""
    rv = nw.rcs_model("reentry-vehicle")
    assert rv.by_aspect
    for band in ("VHF", "UHF"):
        nose, side, tail = rv.mean_m2_at(band, np.radians([0.0, 80.0, 180.0]))
        assert nose < side < tail
        a = np.linspace(0.0, math.pi, 20001)
        w = np.sin(a)
        assert np.sum(rv.mean_m2_at(band, a) * w) / np.sum(w) == pytest.approx(rv.mean_m2(band), rel=0.05)
    stage = nw.rcs_model("spent-stage")  # tumbling: one aspect-averaged mean, Swerling 1
    assert not stage.by_aspect and stage.swerling == 1
    assert stage.mean_m2_at("UHF", np.radians([0.0, 90.0])).tolist() == [stage.uhf_m2] * 2


def test_aspect_is_the_angle_between_flight_and_the_line_to_the_radar():
    site = nw.site("mishelevka")
    r = _point(site, 2.0e6, 70.0, 20.0)[:3]
    los = (site.r_ecef_m - r) / np.linalg.norm(site.r_ecef_m - r)
    side = np.cross(los, geo.enu_rotation(site.lat_rad, site.lon_rad)[2])
    states = np.stack([np.concatenate([r, 5000.0 * los]), np.concatenate([r, -5000.0 * los]),
                       np.concatenate([r, 5000.0 * side / np.linalg.norm(side)])])
    assert aspect_rad(site, states) == pytest.approx([0.0, math.pi, 0.5 * math.pi], abs=1e-9)
