"""Figures of a run: files written, axes that contain what they show, elements present, and
the geometry behind them (coverage wedges, ellipses, RIC frames) checked against sprn's own
models and against invariants."""

import dataclasses
import html.parser
import math
import struct
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import LineCollection

from sprn import engagement, geo, htmlreport, plot, radar, scenario
from sprn.launch import LaunchEstimate
from sprn.radar.coverage import visible
from sprn.trajectory import fly

ROOT = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def kusong():
    scen = scenario.load(ROOT / "scenarios" / "kusong-2017-05-14.toml")
    truth = fly(scen.shot)
    return engagement.run_scenario(scen, truth=truth)


@pytest.fixture(scope="module")
def blind(kusong):
    """The same flight watched only by Pionersky (Kaliningrad): nothing is ever seen."""
    scen = dataclasses.replace(kusong.scenario, sites=(radar.site("pionersky"),))
    return engagement.run_scenario(scen, truth=kusong.truth)


def png_size(data):
    assert data[:8] == PNG_SIGNATURE
    return struct.unpack(">II", data[16:24])


def test_write_plots_writes_every_figure_as_png(kusong, tmp_path):
    files = plot.write_plots(kusong, tmp_path)
    assert set(files) == set(plot.FIGURES)
    for name, data in files.items():
        assert (tmp_path / name).read_bytes() == data
        width, height = png_size(data)
        # Every figure is 10-12 inches wide at 110 dpi; constrained layout keeps the size.
        assert 1000 <= width <= 1400 and 300 <= height <= 1200, (name, width, height)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_figures_do_not_touch_pyplot(kusong):
    before = plt.get_fignums()
    plot.altitude_profile(kusong)
    plot.nees_plot(kusong)
    assert plt.get_fignums() == before


def test_map_extent_contains_launch_impact_and_detecting_site(kusong):
    fig = plot.engagement_map(kusong)
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    tr = kusong.truth
    mishelevka = next(s for s in kusong.scenario.sites if s.name == "mishelevka")
    for lon, lat in ((tr.launch_lon_deg, tr.launch_lat_deg), (tr.impact_lon_deg, tr.impact_lat_deg),
                     (mishelevka.lon_deg, mishelevka.lat_deg)):
        assert x0 < lon < x1 and y0 < lat < y1
    # Equal distances look equal at the map's middle latitude: aspect = 1 / cos(lat_mid).
    assert ax.get_aspect() == pytest.approx(1.0 / math.cos(math.radians(0.5 * (y0 + y1))))
    site_markers = [ln for ln in ax.lines if ln.get_marker() == "^"]
    assert any(np.allclose(ln.get_xydata(), [[mishelevka.lon_deg, mishelevka.lat_deg]]) for ln in site_markers)


def test_map_draws_one_ellipse_per_prediction_with_the_stated_axes(kusong):
    preds = kusong.output.predictions
    assert preds, "the flagship run makes impact predictions"
    fig = plot.engagement_map(kusong)
    rings = [c for c in fig.axes[0].collections if isinstance(c, LineCollection) and len(c.get_segments()) == len(preds)]
    assert rings, "a collection with one ring per prediction"
    for pred, ring in zip(preds, rings[0].get_segments()):
        az, dist = geo.geodesic_inverse_deg(pred.lat_deg, pred.lon_deg, ring[:, 1], ring[:, 0])
        # Each ring point is a geodesic offset from the centre, so its distance lies between
        # the semi-axes (1e-6 relative: the offsets' own round-off).
        assert np.all(dist / 1e3 <= pred.semi_major_km * (1 + 1e-6))
        assert np.all(dist / 1e3 >= pred.semi_minor_km * (1 - 1e-6))
        along = np.argmin(np.abs((az - pred.orientation_deg + 90.0) % 180.0 - 90.0))
        assert dist[along] / 1e3 == pytest.approx(pred.semi_major_km, rel=1e-3)


@pytest.mark.parametrize("name", ["mishelevka", "zeya", "armavir-se"])
@pytest.mark.parametrize("altitude_m", [150e3, 800e3, 2000e3])
def test_coverage_wedge_is_the_edge_of_visibility(name, altitude_m):
    site = radar.site(name)
    lon, lat = plot.coverage_wedge(site, altitude_m)
    lon, lat = lon[2:-2], lat[2:-2]  # azimuths inside the sector (its edges are the sector test's)
    az, dist = geo.geodesic_inverse_deg(site.lat_deg, site.lon_deg, lat, lon)
    # The wedge is drawn on the site's Gaussian mean sphere; the ellipsoid's normal sections
    # differ from it by less than e'^2/2 = 0.34 %, so 1 % inside is visible and 1 % outside is not.
    for factor, expected in ((0.99, True), (1.01, False)):
        la, lo = geo.geodesic_direct_deg(site.lat_deg, site.lon_deg, az, dist * factor)
        seen = visible(site, geo.lla_to_ecef(np.radians(la), np.radians(lo), altitude_m))
        assert np.all(seen == expected), (factor, np.flatnonzero(seen != expected))


def test_altitude_axis_tops_just_above_the_apogee(kusong):
    ax = plot.altitude_profile(kusong).axes[0]
    apogee_km = kusong.truth.apogee_m / 1e3
    assert apogee_km < ax.get_ylim()[1] <= 1.1 * apogee_km
    assert ax.get_ylim()[0] == 0.0
    assert ax.get_xlim()[1] > kusong.truth.range_m / 1e3
    assert "km" in ax.get_xlabel() and "km" in ax.get_ylabel()


def test_detections_fall_inside_the_visibility_intervals(kusong):
    spans = plot.visibility_intervals(kusong, step_s=1.0)
    assert kusong.output.detections
    for det in kusong.output.detections:
        # A radar detects only what is in its coverage; the intervals are sampled every 1 s.
        assert any(a - 1.0 <= det.t_s <= b + 1.0 for a, b in spans[det.site]), det


def test_site_timeline_shows_the_sites_that_looked(kusong):
    fig = plot.site_timeline(kusong)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert any("Mishelevka" in label for label in labels)
    assert fig.axes[1].get_xlim()[1] >= kusong.truth.t_impact_s
    assert "dB" in fig.axes[1].get_ylabel()


def test_ric_errors_rotate_without_changing_lengths(kusong):
    _, err, sig, rot = plot.ric_errors(kusong)
    assert np.allclose(np.einsum("mij,mkj->mik", rot, rot), np.eye(3), atol=1e-12)
    ecef = kusong.score.error
    assert np.allclose(np.linalg.norm(err[:, :3], axis=1), np.linalg.norm(ecef[:, :3], axis=1), rtol=1e-9)
    assert np.allclose(np.linalg.norm(err[:, 3:], axis=1), np.linalg.norm(ecef[:, 3:], axis=1), rtol=1e-9)
    p = np.array([e.p for e in kusong.output.tracker.history])
    # The trace of a covariance block is invariant under rotation.
    assert np.allclose(np.sum(sig[:, :3] ** 2, axis=1), np.trace(p[:, :3, :3], axis1=1, axis2=2), rtol=1e-9)


def test_track_errors_draws_a_bound_when_given(kusong):
    hist = kusong.output.tracker.history
    bound = (np.array([e.t_s for e in hist]), np.array([e.p for e in hist]))
    without = plot.track_errors(kusong)
    with_bound = plot.track_errors(kusong, pcrlb=bound)
    label = "±2σ PCRLB"
    assert not any(ln.get_label() == label for ax in without.axes for ln in ax.lines)
    lines = [ln for ax in with_bound.axes for ln in ax.lines if ln.get_label() == label]
    assert len(lines) == 6
    _, _, sig, _ = plot.ric_errors(kusong)
    # Given the filter's own covariance as the "bound", the bound is the filter's envelope.
    assert np.allclose(lines[0].get_ydata(), 2 * sig[:, 0] / 1e3)


def test_nees_plot_shows_every_update_on_a_log_axis(kusong):
    fig = plot.nees_plot(kusong)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    nees = kusong.score.nees
    assert any(len(ln.get_ydata()) == len(nees) and np.allclose(ln.get_ydata(), nees) for ln in ax.lines)


def test_launch_estimate_is_drawn_when_present(kusong):
    est = LaunchEstimate(t_s=464.0, lat_deg=40.2, lon_deg=125.5, t_launch_s=2.0, semi_major_km=40.0,
                         semi_minor_km=10.0, orientation_deg=70.0, offset_km=0.0, nearest_area="Kusong",
                         nearest_area_km=25.0)
    fig = plot.engagement_map(dataclasses.replace(kusong, launch=est, launch_error_km=30.0))
    stars = [ln for ln in fig.axes[0].lines if ln.get_marker() == "*" and ln.get_markerfacecolor() == "none"]
    assert any(np.allclose(ln.get_xydata(), [[est.lon_deg, est.lat_deg]]) for ln in stars)


def test_figures_of_a_run_that_saw_nothing(blind):
    assert not blind.output.detections
    files = plot.plot_files(blind)
    assert all(data[:8] == PNG_SIGNATURE for data in files.values())


class _Collector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.links, self.title = [], [], ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        for key in ("href", "src"):
            if key in attrs:
                self.links.append(attrs[key])
        self._in_title = tag == "title"

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag):
        self._in_title = False


def test_html_report_is_self_contained(kusong):
    page = htmlreport.html_report(kusong)
    parsed = _Collector()
    parsed.feed(page)
    assert len(parsed.images) == len(plot.FIGURES)
    assert all(src.startswith("data:image/png;base64,") for src in parsed.images)
    assert not [link for link in parsed.links if not link.startswith("data:")], "no external resources"
    assert kusong.scenario.name in parsed.title
    assert "WARNING issued" in page and "mishelevka" in page


def test_map_on_a_given_axes_keeps_its_legend_there(kusong):
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5))
    try:
        assert plot.engagement_map(kusong, ax=right, inset=False) is fig
        assert right.get_legend() is not None and not fig.legends
        assert not left.has_data()
    finally:
        plt.close(fig)
