"""Geodetic conversions: round trips, agreement with pyproj, geodesics."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sprn import geo

lat_deg = st.floats(-90.0, 90.0)
lon_deg = st.floats(-180.0, 180.0)
alt_m = st.floats(-10_000.0, 40_000_000.0)


@given(lat_deg, lon_deg, alt_m)
@settings(max_examples=300)
def test_lla_ecef_round_trip(lat, lon, alt):
    r = geo.lla_to_ecef(np.radians(lat), np.radians(lon), alt)
    lat2, lon2, alt2 = geo.ecef_to_lla(r)
    # 1e-9 rad is 6 mm on the ground; 1 mm in height out to geostationary distance.
    assert abs(np.degrees(lat2) - lat) < 1e-9 * 57.3
    if abs(lat) < 89.999:  # longitude is undefined at the poles
        assert abs((np.degrees(lon2) - lon + 180.0) % 360.0 - 180.0) < 1e-9 * 57.3
    assert abs(alt2 - alt) < 1e-3


@given(lat_deg, lon_deg, st.floats(-1000.0, 3_000_000.0))
@settings(max_examples=100)
def test_closed_form_matches_pyproj(lat, lon, alt):
    ours = geo.lla_to_ecef(np.radians(lat), np.radians(lon), alt)
    theirs = geo.lla_to_ecef_pyproj(lat, lon, alt)
    assert np.allclose(ours, theirs, rtol=0.0, atol=1e-6)


def test_enu_rotation_is_orthonormal_and_up_is_the_normal():
    lat, lon = np.radians(52.8555), np.radians(103.2317)
    rot = geo.enu_rotation(lat, lon)
    assert np.allclose(rot @ rot.T, np.eye(3), atol=1e-15)
    # Up is the ellipsoid normal: a point 1 km along it is 1 km higher.
    r0 = geo.lla_to_ecef(lat, lon, 0.0)
    _, _, h = geo.ecef_to_lla(r0 + 1000.0 * rot[2])
    assert abs(h - 1000.0) < 1e-6


def test_geodesic_quarter_meridian():
    # Equator to pole along a meridian: 10,001,965.729 m on WGS84 (Karney 2013, eq. 14 check value).
    assert abs(geo.geodesic_distance_m(0.0, 0.0, 90.0, 0.0) - 10_001_965.729) < 1e-3


def test_geodesic_direct_inverse_round_trip():
    lat, lon = geo.geodesic_direct_deg(40.0659, 125.2099, 75.0, 787_000.0)
    az, dist = geo.geodesic_inverse_deg(40.0659, 125.2099, lat, lon)
    assert abs(dist - 787_000.0) < 1e-6 and abs(az - 75.0) < 1e-9
