"""The flight model: truth trajectories, the shot solver, and their physics."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sprn import dynamics, geo
from sprn.errors import ShotError
from sprn.missiles import load_missile, missile_keys
from sprn.trajectory import (
    Guidance,
    Shot,
    Trajectory,
    boost,
    flight,
    fly,
    fly_guided,
    kepler,
    plan_shot,
    solve,
)

KUSONG = {"launch_lat_deg": 40.0659, "launch_lon_deg": 125.2099}
G0 = 9.80665


@pytest.fixture(scope="module")
def kusong() -> Trajectory:
    """14 May 2017: Hwasong-12 from Kusong, KCNA's apogee and range, towards the Sea of Japan."""
    return fly(Shot(missile="hwasong-12", apogee_km=2111.5, range_km=787.0, azimuth_deg=75.0, **KUSONG))


@pytest.fixture(scope="module")
def hwasong12_min_energy() -> Trajectory:
    return fly(Shot(missile="hwasong-12", azimuth_deg=90.0, shape="min-energy", **KUSONG))


# --- published flights ------------------------------------------------------------------

def test_kusong_apogee_range_and_flight_time(kusong: Trajectory) -> None:
    # The solver stops when the truth is within 50 m; the brief asks for 1 km.
    assert kusong.apogee_m == pytest.approx(2111.5e3, abs=1e3)
    assert kusong.range_m == pytest.approx(787.0e3, abs=1e3)
    # Japan's Ministry of Defense: "about 30 minutes"; +-1.5 min covers its rounding.
    assert kusong.flight_time_s / 60.0 == pytest.approx(30.0, abs=1.5)
    assert 128.0 < kusong.impact_lon_deg < 140.0 and 38.0 < kusong.impact_lat_deg < 45.0  # Sea of Japan


@pytest.mark.parametrize(
    ("missile", "lat", "lon", "apogee_km", "range_km", "time_s"),
    [
        ("hwasong-14", 40.6, 126.4, 3724.9, 998.0, 2832.0),  # 28 Jul 2017, 47 min 12 s
        ("hwasong-15", 39.25, 125.87, 4475.0, 950.0, 3180.0),  # 29 Nov 2017, 53 min
        ("hwasong-17", 39.2, 125.67, 6040.9, 999.2, 4135.0),  # 18 Nov 2022
        ("hwasong-18", 39.0, 125.75, 6648.4, 1001.2, 4491.0),  # 12 Jul 2023
        ("hwasong-19", 39.0, 125.75, 7687.5, 1001.2, 5156.0),  # 31 Oct 2024
    ],
)
def test_published_icbm_tests_take_the_published_time(
    missile: str, lat: float, lon: float, apogee_km: float, range_km: float, time_s: float
) -> None:
    """Given KCNA's apogee and range, the flight time follows from the physics (the coast is
    almost all of it); the published times are rounded to the minute and the boost profiles
    are assumptions, which together allow +-4 %."""
    traj = fly(Shot(missile=missile, launch_lat_deg=lat, launch_lon_deg=lon, apogee_km=apogee_km,
                    range_km=range_km, azimuth_deg=95.0))
    assert traj.apogee_m == pytest.approx(apogee_km * 1e3, abs=100.0)
    assert traj.flight_time_s == pytest.approx(time_s, rel=0.04)
    assert traj.impact_lon_deg > lon + 5.0  # downrange, east: the Sea of Japan, not a westward drift


def test_hwasong12_minimum_energy_range(hwasong12_min_energy: Trajectory) -> None:
    """Public estimates: about 4,500 km (Wright, 2017); the brief's band is 4,000-5,500 km."""
    assert 4000e3 < hwasong12_min_energy.range_m < 5500e3


def test_scud_b_range_is_in_the_public_ballpark() -> None:
    """Scud-B: 300 km with its 985 kg warhead; +-20 % for the assumed Isp and drag."""
    traj = fly(Shot(missile="scud-b", azimuth_deg=90.0, shape="min-energy", **KUSONG))
    assert 240e3 < traj.range_m < 360e3
    assert traj.apogee_m < 150e3  # a short-range missile stays low (about range / 3.5)


# --- conservation and integration accuracy ------------------------------------------------

def test_jacobi_integral_is_conserved_in_vacuum_free_flight(kusong: Trajectory) -> None:
    x0 = kusong.state(kusong.events["separation"])
    _, _, xs, impact = flight.coast(kusong.events["separation"], x0[None, :], [0.0])
    jacobi = dynamics.jacobi_integral(xs[0])
    assert np.ptp(jacobi) / abs(jacobi[0]) < 1e-9
    assert impact[0] > kusong.events["apogee"]


def test_a_100_times_tighter_tolerance_moves_the_impact_less_than_a_metre(kusong: Trajectory) -> None:
    g = kusong.guidance
    fine = fly_guided(kusong.missile, g, kusong.launch_lat_deg, kusong.launch_lon_deg, rtol=1e-10)
    miss = np.linalg.norm(fine.state(fine.t_impact_s)[:3] - kusong.state(kusong.t_impact_s)[:3])
    assert miss < 1.0


def test_dense_output_matches_the_nodes(kusong: Trajectory) -> None:
    """state() at the integration nodes returns the node states (the interpolant is exact there)."""
    np.testing.assert_allclose(kusong.state(kusong.t_s), kusong.x, rtol=0.0, atol=1e-6)


def test_no_thrust_after_burnout(kusong: Trajectory) -> None:
    """After burnout the energy in the rotating frame (Jacobi integral) can only fall (drag);
    during the boost the thrust raises it by tens of MJ/kg."""
    t, jacobi = kusong.t_s, dynamics.jacobi_integral(kusong.x)
    after = t >= kusong.events["burnout"]
    rise = np.diff(jacobi[after])
    # 1e-9 relative: the integrator's noise on a conserved quantity (test above).
    assert np.all(rise < 1e-9 * abs(jacobi[0]))
    assert jacobi[after][0] - jacobi[0] > 1e7
    plan = boost.boost_plan(kusong.missile, kusong.guidance.payload_kg, kusong.guidance.burn_s)
    assert all(not iv.burning for iv in plan.intervals if iv.t0_s >= plan.cutoff_s)


@settings(max_examples=30, deadline=None)
@given(key=st.sampled_from(sorted(missile_keys())), fraction=st.floats(0.05, 1.0))
def test_mass_never_negative(key: str, fraction: float) -> None:
    """At every interval's end the stack weighs at least its payload plus the dry masses
    still attached, whatever the cut-off."""
    missile = load_missile(key)
    plan = boost.boost_plan(missile, missile.payload_kg, fraction * missile.total_burn_s)
    for iv in plan.intervals:
        end_mass = iv.mass0_kg - iv.mdot_kgps * (iv.t1_s - iv.t0_s)
        assert end_mass >= missile.payload_kg + missile.stages[-1].dry_kg - 1e-9


def test_eastward_launch_flies_farther_than_westward() -> None:
    """Same missile, same guidance: launched east it starts with the ground's 355 m/s
    (cos 40 deg * 465 m/s) of inertial speed, launched west it must first cancel it."""
    missile = load_missile("hwasong-12")
    kwargs = {"kick_deg": 10.0, "burn_s": missile.total_burn_s, "payload_kg": missile.payload_kg}
    east = fly_guided(missile, Guidance(azimuth_deg=90.0, **kwargs), **KUSONG)
    west = fly_guided(missile, Guidance(azimuth_deg=270.0, **kwargs), **KUSONG)
    assert east.range_m > west.range_m + 200e3  # ~ 2 * 355 m/s over a 1,400 s flight, a few hundred km


def test_free_flight_closed_form_agrees_with_the_integration(kusong: Trajectory) -> None:
    """The solver's two-body conic differs from the truth by J2 (1e-3 of gravity) and drag:
    apogee within 0.2 %, impact within 1 % of the range."""
    t = kusong.events["separation"]
    out = kepler.free_flight(np.array([t]), kusong.state(t)[None, :], kusong.launch_lat_deg, kusong.launch_lon_deg)
    assert out.apogee_m[0] == pytest.approx(kusong.apogee_m, rel=2e-3)
    assert out.range_m[0] == pytest.approx(kusong.range_m, rel=1e-2)


# --- the record -------------------------------------------------------------------------

def test_events_are_in_order(kusong: Trajectory) -> None:
    ev = kusong.events
    assert 0.0 < ev["burnout"] <= ev["separation"] < ev["apogee"] < ev["reentry_100km"] < ev["impact"]
    assert geo.ecef_to_lla(kusong.state(ev["reentry_100km"])[:3])[2] == pytest.approx(100e3, abs=1.0)
    assert geo.ecef_to_lla(kusong.state(ev["impact"])[:3])[2] == pytest.approx(0.0, abs=1.0)
    assert kusong.t_impact_s == kusong.flight_time_s == ev["impact"]


def test_state_is_vectorised_and_read_only(kusong: Trajectory) -> None:
    t = np.linspace(0.0, kusong.t_impact_s, 12).reshape(3, 4)
    assert kusong.state(t).shape == (3, 4, 6)
    assert kusong.state(5.0).shape == (6,)
    np.testing.assert_allclose(kusong.state(0.0)[:3], geo.lla_to_ecef(*np.radians([40.0659, 125.2099]), 0.0),
                               atol=1e-6)
    assert not kusong.x.flags.writeable and not kusong.t_s.flags.writeable
    phases = kusong.phase(np.array([10.0, kusong.events["apogee"], kusong.t_impact_s]))
    assert list(phases) == ["boost", "midcourse", "reentry"]


def test_summary_is_json_ready(kusong: Trajectory) -> None:
    summary = kusong.summary()
    keys = {"apogee_km", "range_km", "flight_time_s", "burnout_s", "separation_s", "apogee_s", "reentry_100km_s",
            "impact_s", "impact_lat_deg", "impact_lon_deg", "launch_lat_deg", "launch_lon_deg", "max_speed_mps",
            "max_decel_g", "azimuth_deg", "loft"}
    assert keys <= set(summary)
    assert json.loads(json.dumps(summary)) == summary
    assert 0.0 < summary["loft"] < 1.0  # Kusong was lofted


def test_peaks_are_physical(kusong: Trajectory) -> None:
    """The fastest point is on the way down, between the burnout speed and the speed the
    Jacobi integral allows at the ground in vacuum (drag only takes energy away); the peak
    deceleration of a steep entry is close to v^2 sin(gamma) / (2 e H) (Allen & Eggers,
    NACA TR-1381)."""
    x_sep = kusong.state(kusong.events["separation"])
    x_imp = kusong.state(kusong.t_impact_s)
    jacobi = dynamics.jacobi_integral(x_sep)
    potential = dynamics.jacobi_integral(np.concatenate([x_imp[:3], np.zeros(3)]))
    vacuum_speed = math.sqrt(2.0 * (jacobi - potential))
    assert np.linalg.norm(kusong.state(kusong.events["burnout"])[3:]) < kusong.max_speed_mps < vacuum_speed
    x_entry = kusong.state(kusong.events["reentry_100km"])
    v = np.linalg.norm(x_entry[3:])
    sin_gamma = -np.dot(x_entry[:3] / np.linalg.norm(x_entry[:3]), x_entry[3:]) / v
    allen_eggers = v**2 * sin_gamma / (2.0 * math.e * 7.2e3)
    assert kusong.max_decel_mps2 == pytest.approx(allen_eggers, rel=0.15)  # H = 7.2 km: exponential fit


def test_booster_follows_the_rv_in_vacuum_and_lands_later(kusong: Trajectory) -> None:
    booster = kusong.booster
    assert booster is not None and booster.booster is None
    t = np.linspace(kusong.events["separation"], kusong.events["apogee"], 7)
    np.testing.assert_allclose(booster.state(t), kusong.state(t), atol=1e-3)
    # beta 120 kg/m^2 against 4,000: the tumbling stage brakes high up and falls slowly...
    assert booster.t_impact_s > kusong.t_impact_s
    # ...but a steep entry's peak deceleration, v^2 sin(gamma) / (2 e H), does not depend on
    # beta (Allen & Eggers): the two agree to the 15 % of the exponential-atmosphere model.
    assert booster.max_decel_mps2 == pytest.approx(kusong.max_decel_mps2, rel=0.15)
    assert booster.inv_beta_m2_kg > kusong.inv_beta_m2_kg


# --- the solver -------------------------------------------------------------------------

def test_aimed_shot_lands_on_the_aim_point() -> None:
    guam = {"aim_lat_deg": 13.4443, "aim_lon_deg": 144.7937}
    traj = fly(Shot(missile="hwasong-12", **guam, **KUSONG))
    miss = geo.geodesic_distance_m(traj.impact_lat_deg, traj.impact_lon_deg, guam["aim_lat_deg"],
                                   guam["aim_lon_deg"])
    assert miss < 100.0  # the solver's 50 m along and across range
    assert traj.loft == pytest.approx(0.0, abs=1e-9)


def test_shapes_order_apogees_and_the_minimum_energy_flies_farthest(hwasong12_min_energy: Trajectory) -> None:
    lofted = fly(Shot(missile="hwasong-12", azimuth_deg=90.0, loft=0.5, **KUSONG))
    depressed = fly(Shot(missile="hwasong-12", azimuth_deg=90.0, loft=-0.3, **KUSONG))
    assert lofted.apogee_m > hwasong12_min_energy.apogee_m > depressed.apogee_m
    assert hwasong12_min_energy.range_m > max(lofted.range_m, depressed.range_m)


def test_aimed_lofted_shot_with_an_apogee() -> None:
    shot = Shot(missile="hwasong-12", aim_lat_deg=41.0, aim_lon_deg=134.0, shape="lofted", apogee_km=1500.0,
                **KUSONG)
    traj = fly(shot)
    assert traj.apogee_m == pytest.approx(1500e3, abs=100.0)
    assert geo.geodesic_distance_m(traj.impact_lat_deg, traj.impact_lon_deg, 41.0, 134.0) < 100.0
    assert traj.loft > 0.0


def test_solve_returns_guidance_that_flies_the_shot(kusong: Trajectory) -> None:
    shot = Shot(missile="hwasong-12", apogee_km=2111.5, range_km=787.0, azimuth_deg=75.0, **KUSONG)
    guidance = solve(shot)
    assert guidance.burn_s <= load_missile("hwasong-12").total_burn_s
    assert guidance.kick_deg == pytest.approx(kusong.guidance.kick_deg, abs=1e-9)


def test_lighter_payload_flies_farther() -> None:
    light = plan_shot(Shot(missile="hwasong-12", azimuth_deg=90.0, shape="min-energy", payload_kg=500.0,
                           **KUSONG))[0]
    assert light.payload_kg == 500.0
    traj = fly_guided(load_missile("hwasong-12"), light, **KUSONG)
    nominal = fly(Shot(missile="hwasong-12", azimuth_deg=90.0, shape="min-energy", **KUSONG))
    assert traj.range_m > nominal.range_m


# --- bad shots --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"missile": "taepodong-9", "azimuth_deg": 90.0, "shape": "min-energy"},
         "missile = 'taepodong-9': expected a catalogue key: one of hwasong-12, hwasong-14"),
        ({"missile": "hwasong-12", "apogee_km": 2111.5}, "range_km"),
        ({"missile": "hwasong-12", "azimuth_deg": 90.0}, "loft = None"),
        ({"missile": "hwasong-12", "azimuth_deg": 90.0, "loft": 1.5}, r"loft = 1\.5: expected"),
        ({"missile": "hwasong-12", "aim_lat_deg": 41.0}, "aim_lon_deg"),
        ({"missile": "hwasong-12", "aim_lat_deg": 41.0, "aim_lon_deg": 134.0, "shape": "lofted"},
         "exactly one of apogee_km or loft"),
        ({"missile": "hwasong-12", "aim_lat_deg": 41.0, "aim_lon_deg": 134.0, "shape": "arched"}, "shape = 'arched'"),
        ({"missile": "hwasong-12", "azimuth_deg": 90.0, "loft": 0.1, "payload_kg": -3.0}, "payload_kg = -3.0"),
        ({"missile": "hwasong-12", "apogee_km": 2111.5, "range_km": 787.0, "launch_lat_deg": 95.0},
         "launch_lat_deg = 95.0"),
    ],
)
def test_bad_requests_are_shot_errors(kwargs: dict, message: str) -> None:
    fields = {**KUSONG, **kwargs}
    with pytest.raises(ShotError, match=message):
        Shot(**fields)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"apogee_km": 20.0, "range_km": 787.0}, "apogee_km = 20: below the burnout altitude"),
        ({"apogee_km": 3000.0, "range_km": 787.0}, "apogee_km = 3000: higher than the hwasong-12 can loft"),
        ({"apogee_km": 1500.0, "range_km": 9000.0}, r"range_km = 9000: beyond the hwasong-12's reach"),
    ],
)
def test_impossible_shots_are_shot_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ShotError, match=message):
        fly(Shot(missile="hwasong-12", azimuth_deg=75.0, **kwargs, **KUSONG))


def test_unreachable_aim_point_and_overweight_payload() -> None:
    with pytest.raises(ShotError, match=r"aim_lat_deg, aim_lon_deg = 21.3, -157.9: expected a point within the "
                       r"hwasong-12's reach as a min-energy shot \(it is 7\d\d\d km away"):
        fly(Shot(missile="hwasong-12", aim_lat_deg=21.3, aim_lon_deg=-157.9, **KUSONG))  # Honolulu
    with pytest.raises(ShotError, match="payload_kg = 20000.0: too heavy"):
        fly(Shot(missile="hwasong-12", azimuth_deg=90.0, loft=0.2, payload_kg=20000.0, **KUSONG))


def test_longest_range_of_an_orbit_capable_icbm_is_a_shot_error() -> None:
    """A Hwasong-17 at full burn can fly past the antipode: 'maximum range' has no meaning."""
    with pytest.raises(ShotError, match="shape = 'min-energy': the hwasong-17 flies past the antipode"):
        fly(Shot(missile="hwasong-17", azimuth_deg=90.0, shape="min-energy", **KUSONG))


def test_shot_error_is_one_line() -> None:
    with pytest.raises(ShotError) as err:
        fly(Shot(missile="hwasong-12", azimuth_deg=75.0, apogee_km=20.0, range_km=787.0, **KUSONG))
    assert "\n" not in str(err.value)
