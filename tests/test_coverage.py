"""Coverage: refracted horizon, elevation and range limits, sectors, the 2017 network."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from sprn import geo
from sprn.radar import coverage as cv
from sprn.radar import network as nw
from sprn.radar.site import Site

N0 = 313e-6
H = 7000.0


def make_site(**kw: float) -> Site:
    args: dict[str, float | str] = {
        "name": "test",
        "lat_deg": 0.0,
        "lon_deg": 0.0,
        "alt_m": 0.0,
        "sigma_range_m": 10.0,
        "sigma_az_deg": 0.1,
        "sigma_el_deg": 0.1,
        "revisit_s": 1.0,
        "min_el_deg": 0.0,
        "max_range_km": 1e5,
    }
    args.update(kw)
    return Site.from_degrees(**args)  # type: ignore[arg-type]


def ray_trace_central_angle(radius: float, h_site: float, theta0: float, h_target: float) -> float:
    """Independent ray trace: the Cartesian ray equation d/ds(n dr/ds) = grad n.

    A different formulation from sprn's (Bouguer's invariant integrated in a hyperbolic
    variable), so agreement checks the physics and the numerics of both.
    """

    def rhs(_s: float, st: list[float]) -> list[float]:
        x, y, px, py = st
        r = math.hypot(x, y)
        n = 1.0 + N0 * math.exp(-(r - radius) / H)
        dn = -N0 / H * math.exp(-(r - radius) / H)
        return [px / n, py / n, dn * x / r, dn * y / r]

    def reach(_s: float, st: list[float]) -> float:
        return math.hypot(st[0], st[1]) - radius - h_target

    reach.terminal = True  # type: ignore[attr-defined]
    reach.direction = 1  # type: ignore[attr-defined]
    n0 = 1.0 + N0 * math.exp(-h_site / H)
    start = [0.0, radius + h_site, n0 * math.cos(theta0), n0 * math.sin(theta0)]
    sol = solve_ivp(rhs, [0.0, 3e7], start, events=reach, rtol=1e-11, atol=1e-6, max_step=2000.0)
    x, y = sol.y_events[0][0][:2]
    return math.atan2(x, y)


@pytest.mark.parametrize("theta0_deg", [-0.5, 0.0, 2.0])
@pytest.mark.parametrize("h_target", [5e3, 1e4, 1e5, 1e6])
def test_ray_matches_independent_ray_trace(theta0_deg: float, h_target: float) -> None:
    radius, h_site = 6371e3, 3000.0  # a mountain site, so a ray can leave downwards
    theta0 = math.radians(theta0_deg)
    expected = ray_trace_central_angle(radius, h_site, theta0, h_target)
    got = float(cv.ray_central_angle(theta0, radius + h_site, radius, radius + h_target))
    # 1e-7 rad = 0.6 m on the ground: both integrations are converged to ~0.1 m.
    assert got == pytest.approx(expected, abs=1e-7)


@pytest.mark.parametrize("theta0_deg", [-1.0, 0.0, 2.0, 30.0, 70.0])
def test_no_atmosphere_rays_are_straight(theta0_deg: float) -> None:
    heights = np.array([10.0, 1e3, 1e5, 1e6, 4e7])
    radius = 6371e3
    corr = cv.elevation_correction(math.radians(theta0_deg), radius + 5.0, radius, radius + heights, n0_units=0.0)
    # A straight ray keeps its elevation: the correction is zero up to rounding
    # (1e-9 rad is 4 mm at 4,000 km).
    assert np.all(np.abs(corr) < 1e-9)


def test_low_target_horizon_matches_effective_earth_radius() -> None:
    # Near the ground the exponential profile has the constant gradient -N0/H, i.e. an
    # effective Earth radius k R with k = 1 / (1 - R N0 / H) = 1.40, and the horizon
    # distance to height h is sqrt(2 k R h) (Skolnik 2001, ch. 8; Bean & Dutton 1966).
    site = make_site(lat_deg=45.0)
    radius = cv.mean_radius_m(site.lat_rad)
    k = 1.0 / (1.0 - radius * N0 / H)
    assert k == pytest.approx(1.40, abs=0.01)
    h = 100.0
    # 0.2 %: over 100 m the gradient itself falls by 1.4 %, so the constant-k model is
    # only good to a few tenths of a percent.
    assert float(cv.horizon_range_m(site, h)) == pytest.approx(math.sqrt(2 * k * radius * h), rel=2e-3)
    # Without refraction the horizon is the geometric sqrt(2 R h) (to h/R).
    assert float(cv.horizon_range_m(site, h, refraction=False)) == pytest.approx(math.sqrt(2 * radius * h), rel=1e-4)


@pytest.mark.parametrize("h_target", [1e4, 1e5, 1e6])
def test_horizon_on_the_ellipsoid_along_the_equator(h_target: float) -> None:
    # Along the equator the WGS84 surface is exactly a circle of radius a, and the
    # ellipsoidal height of a point in the equatorial plane is r - a: the independent
    # ray trace on that circle is the exact horizon. visible() must switch there.
    site = make_site(lat_deg=0.0, lon_deg=0.0, min_el_deg=0.0)
    phi = ray_trace_central_angle(geo.A_M, 0.0, 0.0, h_target)
    inside = geo.lla_to_ecef(0.0, phi - 2.0 / geo.A_M, h_target)
    outside = geo.lla_to_ecef(0.0, phi + 2.0 / geo.A_M, h_target)
    # 2 m either side of the exact horizon: the blend of principal-curvature spheres is
    # exact for this normal section, and the ray integrations agree to ~0.1 m.
    assert cv.visible(site, inside)
    assert not cv.visible(site, outside)
    # The geometric horizon lies well short of the refracted one.
    assert not cv.visible(site, inside, refraction=False)


def test_target_beyond_geometric_horizon_seen_only_with_refraction() -> None:
    site = nw.site("armavir-se")
    az = site.boresight_az_rad
    h = 1000e3
    d_geo = float(cv.horizon_range_m(site, h, refraction=False, az_rad=az))
    d_ref = float(cv.horizon_range_m(site, h, refraction=True, az_rad=az))
    # Refraction lengthens the 2-deg-elevation horizon to a 1,000 km target by tens of km.
    assert 10e3 < d_ref - d_geo < 100e3
    targets = targets_at_height(site, az, h, np.array([d_geo - 5e3, 0.5 * (d_geo + d_ref), d_ref + 5e3]))
    assert list(cv.visible(site, targets, refraction=False)) == [True, False, False]
    assert list(cv.visible(site, targets, refraction=True)) == [True, True, False]


def targets_at_height(site: Site, az: float, h: float, slant: np.ndarray) -> np.ndarray:
    """Points at ellipsoidal height ``h`` and slant range ``slant`` in azimuth ``az``."""
    out = []
    for d in slant:
        lo, hi = -math.pi / 2, math.pi / 2
        for _ in range(80):
            el = 0.5 * (lo + hi)
            enu = d * np.array([math.cos(el) * math.sin(az), math.cos(el) * math.cos(az), math.sin(el)])
            r = site.r_ecef_m + enu @ site.enu_rotation
            if geo.ecef_to_lla(r)[2] < h:
                lo = el
            else:
                hi = el
        out.append(r)
    return np.array(out)


def test_sector_wraps_across_north() -> None:
    site = nw.site("yeniseysk")  # azimuth 330-90 deg (KT)
    assert math.degrees(site.boresight_az_rad) == pytest.approx(30.0)
    az = np.radians([329.0, 331.0, 359.9, 0.0, 45.0, 89.0, 91.0, 180.0])
    assert list(cv.in_sector(site, az)) == [False, True, True, True, True, True, False, False]
    narrow = make_site(boresight_az_deg=0.0, sector_width_deg=20.0)
    assert list(cv.in_sector(narrow, np.radians([350.5, 355.0, 5.0, 9.5, 10.5, 349.5]))) == [
        True,
        True,
        True,
        True,
        False,
        False,
    ]


def test_range_and_elevation_limits() -> None:
    site = make_site(min_el_deg=5.0, max_el_deg=60.0, max_range_km=3000.0, min_range_km=250.0)
    up = site.enu_rotation[2]
    north = site.enu_rotation[1]

    def at(el_deg: float, rng_m: float) -> np.ndarray:
        el = math.radians(el_deg)
        return np.asarray(site.r_ecef_m + rng_m * (math.cos(el) * north + math.sin(el) * up))

    pts = np.array([at(30, 1000e3), at(30, 2999e3), at(30, 3001e3), at(30, 200e3), at(61, 1000e3), at(89, 1000e3)])
    assert list(cv.visible(site, pts, refraction=False)) == [True, True, False, False, False, False]
    # Refraction raises apparent elevation by under 0.1 deg at 30-60 deg: nothing changes.
    assert list(cv.visible(site, pts)) == [True, True, False, False, False, False]


def test_visible_is_vectorised_over_leading_axes() -> None:
    site = nw.site("mishelevka")
    lat = np.radians(np.linspace(20, 70, 12)).reshape(3, 4)
    lon = np.radians(np.linspace(90, 150, 12)).reshape(3, 4)
    r = geo.lla_to_ecef(lat, lon, 800e3)
    mask = cv.visible(site, r)
    assert mask.shape == (3, 4)
    single = np.array([[bool(cv.visible(site, r[i, j])) for j in range(4)] for i in range(3)])
    assert np.array_equal(mask, single)


def seen_by(sites: tuple[Site, ...], lat_deg: float, lon_deg: float, alt_m: float) -> set[str]:
    r = geo.lla_to_ecef(math.radians(lat_deg), math.radians(lon_deg), alt_m)
    return {s.name for s in sites if cv.visible(s, r)}


def test_sprn_2017_coverage_at_1000_km() -> None:
    sites = nw.preset("sprn-2017")
    # Sea of Japan off Vladivostok (~2,500 km from Mishelevka, ~6 deg elevation):
    # inside Mishelevka's 240-deg sector and range; no other 2017 radar looks east.
    assert seen_by(sites, 40.5, 132.0, 1000e3) == {"mishelevka"}
    # Over North Korea (Kusong): Mishelevka only.
    assert seen_by(sites, 40.07, 125.21, 1000e3) == {"mishelevka"}
    # Central Pacific, far beyond every horizon.
    assert seen_by(sites, 20.0, -170.0, 1000e3) == set()
    # Over the North Pole at 1,000 km: Pechora (faces north, sector across north).
    assert "pechora" in seen_by(sites, 89.0, 0.0, 1000e3)
    # Over Iran: the south-east Armavir radar.
    assert "armavir-se" in seen_by(sites, 33.0, 53.0, 1000e3)
    # Behind every face: south of Kamchatka, beyond Mishelevka's range.
    assert seen_by(sites, 45.0, 165.0, 300e3) == set()


def test_far_east_gap_closed_by_2026() -> None:
    # East of Kamchatka at 1,000 km: outside Mishelevka's 6,000 km range in 2017;
    # Zeya (assumed to face the Pacific) sees it in 2026.
    assert seen_by(nw.preset("sprn-2017"), 52.0, 170.0, 1000e3) == set()
    assert "zeya" in seen_by(nw.preset("sprn-2026"), 52.0, 170.0, 1000e3)


def test_coverage_grid_agrees_with_visible() -> None:
    sites = nw.preset("sprn-2017")
    lat, lon, mask = cv.coverage_grid(sites, 1000e3, step_deg=5.0)
    assert lat.shape == (37,) and lon.shape == (72,) and mask.shape == (len(sites), 37, 72)
    assert lat[0] == -90.0 and lat[-1] == 90.0 and lon[0] == -180.0 and lon[-1] == 175.0
    r = geo.lla_to_ecef(np.radians(lat)[:, None], np.radians(lon)[None, :], 1000e3)
    for i, s in enumerate(sites):
        # visible() recomputes the height from ECEF (sub-mm): same answer off the edges.
        assert np.array_equal(mask[i], cv.visible(s, r))
    assert mask.any(axis=0).sum() > 0


def test_in_sector_of_one_azimuth_is_that_of_the_array():
    # The tracker asks for one azimuth at a time (a float, a bool back): the same rule.
    narrow = nw.site("mishelevka")
    az = np.radians(np.arange(0.0, 360.0, 0.5))
    assert [cv.in_sector(narrow, float(a)) for a in az] == list(cv.in_sector(narrow, az))
    assert any(cv.in_sector(narrow, az)) and not all(cv.in_sector(narrow, az))
