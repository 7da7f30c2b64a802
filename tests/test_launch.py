"""Launch-point estimate from the early track."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sprn import engagement, geo, launch, scenario
from sprn.errors import ShotError
from sprn.trajectory import Shot, fly

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def own_radars():
    scen = scenario.load(ROOT / "scenarios" / "kusong-2017-05-14-own-radars.toml")
    return scen, fly(scen.shot)


def test_noise_free_state_points_back_to_the_pad(own_radars):
    _, truth = own_radars
    t = 400.0
    est = launch.estimate_launch_point(truth.state(t), np.eye(6) * 1e-2, t, "hwasong-12", truth.inv_beta_m2_kg)
    # The threat library's missile is the truth's, so only integration error is left: metres.
    err_km = geo.geodesic_distance_m(est.lat_deg, est.lon_deg, truth.launch_lat_deg, truth.launch_lon_deg) / 1e3
    assert err_km < 0.1
    assert abs(est.t_launch_s) < 1.0
    assert est.nearest_area == "Kusong"


def test_kusong_launch_point_within_20_km_at_180_s(own_radars):
    # Issue 8: recovered within 20 km at +180 s after first detection.
    scen, truth = own_radars
    for seed in range(3):
        result = engagement.run_scenario(dataclasses.replace(scen, seed=seed), truth=truth, launch_point=True)
        assert result.launch is not None
        print(f"seed {seed}: launch error {result.launch_error_km:.2f} km, ellipse {result.launch.semi_major_km:.2f} km")
        assert result.launch_error_km < 20.0


def test_arc_beyond_the_catalogue_envelope_still_points_back_to_the_pad():
    # A Hwasong-12 with a 500 kg instead of the catalogue's 650 kg reentry vehicle flies an
    # arc (2,300 km apogee at 787 km) above the catalogue missile's full-burn envelope: the
    # threat library's boost differs from the real one, as it does when track noise pushes
    # the apogee past the edge. The reference is then the catalogue's full burn lofted to
    # the same range.
    with pytest.raises(ShotError):
        fly(Shot(missile="hwasong-12", launch_lat_deg=40.0659, launch_lon_deg=125.2099, azimuth_deg=75.0,
                 apogee_km=2300.0, range_km=787.0))
    truth = fly(Shot(missile="hwasong-12", launch_lat_deg=40.0659, launch_lon_deg=125.2099, azimuth_deg=75.0,
                     apogee_km=2300.0, range_km=787.0, payload_kg=500.0))
    t = 464.0
    est = launch.estimate_launch_point(truth.state(t), np.eye(6) * 1e-2, t, "hwasong-12", truth.inv_beta_m2_kg)
    err_km = geo.geodesic_distance_m(est.lat_deg, est.lon_deg, truth.launch_lat_deg, truth.launch_lon_deg) / 1e3
    # The pad lies about 3.3 km from the ballistic origin; 150 kg less in a ~25 t missile
    # changes the boost, hence that offset, by a few per cent: a tenth of a km, well under 1.
    assert err_km < 1.0
    # The ballistic origin is reached about 110 s after lift-off for both payloads (same
    # burn, same loft within 1 %): the launch time is recovered within 2 s.
    assert abs(est.t_launch_s) < 2.0


def _mahalanobis2(est, lat_deg, lon_deg):
    """Squared Mahalanobis distance of a point from the estimate under its 95 % ellipse."""
    lat0, lon0 = np.radians(est.lat_deg), np.radians(est.lon_deg)
    d = geo.lla_to_ecef(np.radians(lat_deg), np.radians(lon_deg), 0.0) - geo.lla_to_ecef(lat0, lon0, 0.0)
    east, north = (d @ geo.enu_rotation(lat0, lon0).T)[:2]
    a = np.radians(est.orientation_deg)
    major = east * np.sin(a) + north * np.cos(a)
    minor = east * np.cos(a) - north * np.sin(a)
    k = launch.K95 / 1e3
    return (major * k / est.semi_major_km) ** 2 + (minor * k / est.semi_minor_km) ** 2


def test_flagship_launch_ellipse_contains_the_pad():
    # Issue 8 asks for 20 km at +180 s. With only the Mishelevka VHF radar (5-20 mrad at
    # 2,000-3,000 km) the track itself does not hold that: the origin's 1-sigma spread at
    # +180 s is 17-33 km along the track for detections before 300 s and grows to 100-200
    # km for later ones, and a batch fit of the same reports does no better (see the
    # module docstring). What the estimate owes is an honest ellipse. Seeds 0-4 are the
    # first five, not chosen: seed 0's noisy apogee is above the catalogue's envelope.
    scen = scenario.load(ROOT / "scenarios" / "kusong-2017-05-14.toml")
    truth = fly(scen.shot)
    for seed in range(5):
        result = engagement.run_scenario(dataclasses.replace(scen, seed=seed), truth=truth, launch_point=True)
        if result.output.first_detection_s is None:
            continue
        assert result.launch is not None
        m2 = _mahalanobis2(result.launch, truth.launch_lat_deg, truth.launch_lon_deg)
        print(f"seed {seed}: error {result.launch_error_km:.1f} km, 95 % ellipse "
              f"{result.launch.semi_major_km:.1f} x {result.launch.semi_minor_km:.1f} km, m2 {m2:.2f}")
        # chi-square with 2 degrees of freedom: m2 > 13.8 has probability 0.1 % for an honest
        # ellipse, so five seeds fail together by chance 0.5 % of the time; an ellipse too
        # small by half (m2 four times larger) fails about one seed in five.
        assert m2 < 13.8
