"""Lift-off-to-impact measurement files that sprn did not make (tests/independent/).

Part 1 checks the independent generator's physics against physics: pyproj for the WGS84
frames, conserved quantities for the equations of motion, energy loss under drag, public
figures for the flights, and the noise statistics of the files.

Part 2 runs ``sprn track`` as a user would (a subprocess, no option but the filter) on each
case and scores the track with ``tests/independent/scoring.py``, against the targets of
issue 14 (the tracker before it gave mean NEES of 1e5-1e8 in boost and reentry on these
files). Run with ``-s`` to see each run's per-phase table.
"""

import csv
import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod, Transformer
from scipy.integrate import solve_ivp
from scipy.stats import chi2, kurtosis

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "independent"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"independent_{name}", ROOT / "tests" / "independent" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load("generate")
scoring = _load("scoring")
CASES = [c.name for c in gen.CASES]
ECEF_TO_LLA = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)
LLA_TO_ECEF = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
GEOD = Geod(ellps="WGS84")


def _meta(case):
    return json.loads((DATA / case / "meta.json").read_text())


def _truth(case):
    return scoring.read_truth(DATA / case / "truth.csv")


def _measurements(case):
    with open(DATA / case / "measurements.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def _sites(case):
    with open(DATA / case / "sites.csv", newline="") as fh:
        return {r["site"]: r for r in csv.DictReader(fh)}


# ---------------------------------------------------------------- WGS84 frames against pyproj


def _random_lla(n, h_max_m, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(-90, 90, n), rng.uniform(-180, 180, n), rng.uniform(-500.0, h_max_m, n)


def test_geodetic_to_ecef_matches_pyproj():
    lat, lon, h = _random_lla(2000, 3.0e6, 1)
    ours = gen.lla_to_ecef(lat, lon, h)
    theirs = np.column_stack(LLA_TO_ECEF.transform(lon, lat, h))
    # Both evaluate the same closed form: agreement to float64 rounding of 1e7 m (~2e-9 m).
    assert np.abs(ours - theirs).max() < 1e-6


def test_ecef_to_geodetic_round_trips_and_matches_pyproj():
    lat, lon, h = _random_lla(2000, 3.0e6, 2)
    r = gen.lla_to_ecef(lat, lon, h)
    la, lo, hh = gen.ecef_to_lla(r)
    # Our inverse is exact to float64 rounding: 1e-12 deg is 0.1 micrometre.
    assert np.abs(la - lat).max() < 1e-12 and np.abs((lo - lon + 180) % 360 - 180).max() < 1e-12
    assert np.abs(hh - h).max() < 1e-6
    lo2, la2, h2 = ECEF_TO_LLA.transform(r[:, 0], r[:, 1], r[:, 2])
    # PROJ's own ECEF->geodetic is approximate far from the ground: its error grows like
    # h^2 and reaches ~4 cm and ~2.3e-7 deg at 3,000 km (DESIGN.md quotes 2.7 cm at 2,000 km,
    # measured here by the exact round trip above). Bounds: twice that.
    assert np.abs(la2 - la).max() < 5e-7 and np.abs(h2 - hh).max() < 0.1
    assert np.abs((lo2 - lo + 180) % 360 - 180).max() < 1e-12
    # Near the ground PROJ is exact too: below 10 km both agree to 1e-10 deg (10 micrometres).
    lat, lon, h = _random_lla(2000, 1.0e4, 3)
    r = gen.lla_to_ecef(lat, lon, h)
    lo2, la2, h2 = ECEF_TO_LLA.transform(r[:, 0], r[:, 1], r[:, 2])
    assert np.abs(la2 - lat).max() < 1e-10 and np.abs(h2 - h).max() < 1e-4


@pytest.mark.parametrize("site", [(37.95, 124.67, 150.0), (-33.9, 18.4, 20.0), (78.2, -15.6, 500.0)])
def test_topocentric_frame_matches_pyproj(site):
    lat, lon, h = _random_lla(1000, 3.0e6, 4)
    r = gen.lla_to_ecef(lat, lon, h)
    topo = Transformer.from_pipeline(f"+proj=pipeline +step +proj=topocentric +ellps=WGS84 "
                                     f"+lat_0={site[0]} +lon_0={site[1]} +h_0={site[2]}")
    enu = np.column_stack(topo.transform(r[:, 0], r[:, 1], r[:, 2]))
    rot = gen.enu_rotation(site[0], site[1])
    pos = gen.lla_to_ecef(*site)
    assert np.abs((r - pos) @ rot.T - enu).max() < 1e-6  # float64 rounding of 1e7 m
    rng, az, el = gen.range_az_el(pos, rot, r)
    assert np.allclose(rng, np.linalg.norm(enu, axis=1), rtol=0, atol=1e-6)
    assert np.all((az >= 0) & (az < 2 * np.pi))
    # Azimuth clockwise from north: east is 90 deg; elevation from the ENU up component.
    assert np.allclose(np.sin(az) * np.cos(el), enu[:, 0] / rng, atol=1e-12)
    assert np.allclose(np.cos(az) * np.cos(el), enu[:, 1] / rng, atol=1e-12)
    assert np.allclose(np.sin(el), enu[:, 2] / rng, atol=1e-12)


def test_lambert_geodesic_matches_pyproj():
    rng = np.random.default_rng(5)
    for _ in range(200):
        la1, la2 = rng.uniform(-70, 70, 2)
        lo1, lo2 = rng.uniform(-180, 180, 2)
        d = GEOD.inv(lo1, la1, lo2, la2)[2] / 1000.0
        if d < 100.0 or d > 15000.0:
            continue
        # Lambert's formula is good to ~10 m per 10,000 km (Lambert 1942); allow 50 m.
        assert abs(gen.geodesic_km(la1, lo1, la2, lo2) - d) < 0.05


# ---------------------------------------------------------------- equations of motion


def _free_flight(state0, t_span, drag=None):
    """Drag-free (or dragged) flight that ends where it meets the ellipsoid."""

    def ground(t, s, *_):
        return gen.radial_height(s[0], s[1], s[2])

    ground.terminal, ground.direction = True, -1.0
    return solve_ivp(gen.rhs, t_span, state0, method="DOP853", rtol=gen.RTOL, atol=gen.ATOL, dense_output=True,
                     args=(None, drag), events=ground)


def _integration_bound(sol):
    """Worst-case drift of the Jacobi integral and of h_z from DOP853's error control.

    Each step's local error is held to ``atol + rtol |y_i|`` per component. A position
    error dr changes C by |g_eff| dr and h_z by |v_inertial| dr; a velocity error dv
    changes C by |v| dv and h_z by |r| dv. Summed over all steps with no cancellation
    (the worst case) this bounds the drift of a correct integration of the right equations.
    """
    y = sol.y
    n_steps = y.shape[1] - 1
    r = np.linalg.norm(y[:3], axis=0).max()
    v = np.linalg.norm(y[3:], axis=0).max()
    dr = math.sqrt(3) * (gen.ATOL + gen.RTOL * np.abs(y[:3]).max())
    dv = math.sqrt(3) * (gen.ATOL + gen.RTOL * np.abs(y[3:]).max())
    g = gen.GM / np.linalg.norm(y[:3], axis=0).min() ** 2 * (1 + 2e-3) + gen.OMEGA ** 2 * r
    v_in = v + gen.OMEGA * r
    return n_steps * (g * dr + v * dv), n_steps * (v_in * dr + r * dv)


@pytest.mark.parametrize("case", ["kusong-lofted", "sunan-hokkaido"])
def test_jacobi_integral_and_polar_angular_momentum_conserved_in_vacuum(case):
    """Drag-free flight from the truth's state 30 s after separation until it meets the ellipsoid."""
    t, x, _ = _truth(case)
    meta = _meta(case)
    k = np.searchsorted(t, meta["separation_s"] + 30.0)
    sol = _free_flight(x[k], (t[k], t[k] + 3000.0))
    states = sol.sol(np.linspace(t[k], sol.t[-1], 2001)).T
    c = gen.jacobi_integral(states)
    hz = gen.inertial_angular_momentum_z(states)
    bound_c, bound_h = _integration_bound(sol)
    assert np.abs(c - c[0]).max() < bound_c
    assert np.abs(hz - hz[0]).max() < bound_h
    # The bound is tight enough to matter: it is far below what a missing or wrong term
    # would change. Leaving J2 out of the potential, or the centrifugal term out of C,
    # changes C along this arc by more than 1,000 times the bound.
    no_j2 = (0.5 * np.sum(states[:, 3:] ** 2, axis=1) - 0.5 * gen.OMEGA ** 2 * np.sum(states[:, :2] ** 2, axis=1)
             - gen.GM / np.linalg.norm(states[:, :3], axis=1))
    no_cf = 0.5 * np.sum(states[:, 3:] ** 2, axis=1) + gen.potential_j2(states[:, :3])
    assert np.ptp(no_j2 - c) > 1e3 * bound_c and np.ptp(no_cf) > 1e3 * bound_c
    # h_z with the Earth-relative instead of the inertial velocity is not conserved either.
    rel = states[:, 0] * states[:, 4] - states[:, 1] * states[:, 3]
    assert np.ptp(rel) > 1e3 * bound_h


@pytest.mark.parametrize("case", CASES)
def test_truth_file_obeys_the_physics(case):
    """truth.csv: Jacobi constant in vacuum, falling under drag, rising under thrust."""
    t, x, phase = _truth(case)
    meta = _meta(case)
    c = gen.jacobi_integral(x)
    h = ECEF_TO_LLA.transform(x[:, 0], x[:, 1], x[:, 2])[2]
    # The file rounds positions to 1 mm and velocities to 1 mm/s: C moves by at most
    # |g| * 0.87 mm + |v| * 0.87 mm/s per sample, under 10 J/kg at 7 km/s.
    rounding = 10.0
    # Above 400 km the exponential air's drag, rho(400 km) ~ 1e-24 kg/m^3, is nil.
    free = (t > meta["separation_s"]) & (h > 400e3)
    assert np.ptp(c[free]) < 2 * rounding
    # Under drag (below 100 km on the way down), dC/dt = v . a_drag < 0: C falls.
    assert np.all(np.diff(c[phase == "reentry"]) < rounding)
    assert c[phase == "reentry"][-1] < c[phase == "reentry"][0] - 1e6  # most of the kinetic energy
    # Under thrust C rises (dC/dt = v . (a_thrust + a_drag) > 0: thrust exceeds drag).
    boost = phase == "boost"
    assert np.all(np.diff(c[boost]) > 0)
    # Velocity is the derivative of position: central differences over 1 s agree to
    # dt^2/6 |jerk| (jerk ~ GM v / r^3 < 0.01 m/s^3 in free flight: < 1e-3 m/s) plus the
    # rounding of positions (1 mm / 1 s): 0.01 m/s leaves a margin of 5.
    mid = free[1:-1]
    fd = (x[2:, :3] - x[:-2, :3]) / (t[2:] - t[:-2])[:, None]
    assert np.abs(fd[mid] - x[1:-1, 3:][mid]).max() < 0.01
    assert set(phase) == {"boost", "midcourse", "reentry"}
    assert list(phase[:3]) == ["boost"] * 3 and phase[-1] == "reentry"


# Targets and public figures. The generator solves the burnout time and pitch for the
# apogee and range to 1e-10 relative; the truth is sampled every 0.5 s (apogee height within
# g dt^2 / 8 ~ 0.2 m) and ends <= 0.5 s before impact (within ~2 km of the impact point).
# Tolerances: 0.5 % on apogee and range, inside the spread of the public figures themselves
# (KCNA 787 km vs Japan "about 800 km"; "over 2,000 km" vs 2,111.5 km). The flight time is
# not fitted: it follows from the physics, and "about 30 min" / "about 14 min" (Japan MoD)
# are rounded to minutes and the real missiles' profiles differ from ours: 2 min.
FIGURES = {
    "kusong-lofted": {"apogee_km": 2100.0, "range_km": 790.0, "flight_min": 30.0},
    "kusong-lofted-t5": {"apogee_km": 2100.0, "range_km": 790.0, "flight_min": 30.0},
    "sunan-hokkaido": {"apogee_km": 550.0, "range_km": 2700.0, "flight_min": 14.0},
}


@pytest.mark.parametrize("case", CASES)
def test_truth_meets_the_targets_and_public_figures(case):
    t, x, _ = _truth(case)
    meta = _meta(case)
    fig = FIGURES[case]
    lon, lat, h = ECEF_TO_LLA.transform(x[:, 0], x[:, 1], x[:, 2])
    assert abs(h.max() / 1000.0 - fig["apogee_km"]) < 0.005 * fig["apogee_km"]
    rng_km = GEOD.inv(meta["launch"]["lon_deg"], meta["launch"]["lat_deg"], lon[-1], lat[-1])[2] / 1000.0
    assert abs(rng_km - fig["range_km"]) < 0.005 * fig["range_km"]
    assert abs(t[-1] / 60.0 - fig["flight_min"]) < 2.0
    assert 100.0 <= meta["burnout_s"] <= 150.0 and 2000.0 <= meta["beta_kg_m2"] <= 10000.0
    assert h[0] == pytest.approx(0.0, abs=1e-3) and h[-1] < 2000.0


@pytest.mark.parametrize("case", CASES)
def test_measurements_are_the_truth_plus_the_stated_noise(case):
    meta = _meta(case)
    sites = _sites(case)
    rows = _measurements(case)
    tt, xt, _ = _truth(case)
    t = np.array([float(r["t_s"]) for r in rows])
    assert np.all(np.diff(t) >= 0) and t[-1] <= meta["impact_s"] - 2.0
    # A radar sees the missile within a minute of lift-off, in boost.
    assert t[0] < 60.0 and t[0] < meta["burnout_s"]
    truth = scoring.truth_at(tt, xt, t)
    res, sat = [], 0
    for k, r in enumerate(rows):
        s = sites[r["site"]]
        pos = gen.lla_to_ecef(float(s["lat_deg"]), float(s["lon_deg"]), float(s["alt_m"]))
        rot = gen.enu_rotation(float(s["lat_deg"]), float(s["lon_deg"]))
        rng, az, el = gen.range_az_el(pos, rot, truth[k, :3])
        assert 0.0 <= float(r["azimuth_deg"]) < 360.0
        assert math.degrees(el) >= float(s["min_el_deg"]) and rng <= float(s["max_range_km"]) * 1e3
        daz = (float(r["azimuth_deg"]) - math.degrees(az) + 180.0) % 360.0 - 180.0
        res += [(float(r["range_m"]) - rng) / float(s["sigma_range_m"]), daz / float(s["sigma_az_deg"]),
                (float(r["elevation_deg"]) - math.degrees(el)) / float(s["sigma_el_deg"])]
        if r["range_rate_mps"]:
            sat += 1
            rr = (truth[k, :3] - pos) @ truth[k, 3:] / rng
            res.append((float(r["range_rate_mps"]) - rr) / float(s["sigma_range_rate_mps"]))
    res = np.array(res)
    n = res.size
    assert sat > 50  # one site gives range rate
    # Unit-variance noise: mean within 4 / sqrt(n); sample std within 4 standard errors
    # (for the Student-t, the std of s^2 is sqrt((kurtosis - 1) / n) with kurtosis 9).
    assert abs(res.mean()) < 4 / math.sqrt(n)
    kurt = kurtosis(res, fisher=False)
    if meta["noise"] == "gaussian":
        # Gaussian: std error of s is 1 / sqrt(2 n), of the kurtosis sqrt(24 / n).
        assert abs(res.std() - 1) < 4 / math.sqrt(2 * n) and abs(kurt - 3) < 4 * math.sqrt(24 / n)
    else:
        assert abs(res.std() ** 2 - 1) < 4 * math.sqrt(8 / n) and kurt > 4.0  # t5: kurtosis 9


# ---------------------------------------------------------------- sprn track on the files

FILTERS = ("default", "ekf", "ukf")


def _sprn():
    script = Path(sys.executable).with_name("sprn")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sprn.cli"]


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    """``sprn track`` on a case with a filter (``default``: no option), run once per module."""
    done = {}

    def run(case, filt):
        if (case, filt) not in done:
            out = tmp_path_factory.mktemp(f"{case}-{filt}")
            cmd = _sprn() + ["track", "--sites", str(DATA / case / "sites.csv"),
                             "--measurements", str(DATA / case / "measurements.csv"), "--out", str(out)]
            if filt != "default":
                cmd += ["--filter", filt]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
            assert proc.returncode == 0, proc.stderr
            done[case, filt] = scoring.score(out / "track.csv", DATA / case)
            print(f"\n{case}, filter {filt}:\n{done[case, filt].table()}")
        return done[case, filt]

    return run


# Default filter: issue 14 asks for each phase's mean NEES inside its chi-square 95 % band.
# The per-phase mean of N NEES values would be chi2(6 N) / N if they were independent, but
# consecutive states share most of their data: with the ballistic model's process noise
# (1e-6 m^2/s^3) a midcourse track's memory is hundreds of seconds, and boost and reentry
# last tens of seconds to a few minutes. So we take k = N (the whole phase is one draw):
# the mean must lie in chi2(6)'s 95 % interval, [1.24, 14.45]. Generous, but 10-100 times
# below what an overconfident filter gives (issue 14: 1e5-1e7 in reentry).
NEES_BAND = (chi2.ppf(0.025, 6), chi2.ppf(0.975, 6))
MAX_START_DELAY_S = 15.0  # issue 14: first track state within 15 s of the first report


@pytest.mark.parametrize("case", CASES)
def test_default_tracker_is_consistent_in_every_phase_and_starts_early(tracked, case):
    score = tracked(case, "default")
    for name in scoring.PHASES:
        s = score.phases[name]
        assert s.n > 0, f"{case}: no track state in {name}"
        assert NEES_BAND[0] <= s.mean_nees <= NEES_BAND[1], f"{case} {name}: mean NEES {s.mean_nees:.3g}"
    assert score.delay_s is not None and score.delay_s <= MAX_START_DELAY_S


@pytest.mark.parametrize("filt", ["ekf", "ukf"])
@pytest.mark.parametrize("case", CASES)
def test_single_model_filters_stay_honest(tracked, case, filt):
    # Issue 14: mean NEES at most 20 in every phase for every --filter choice.
    score = tracked(case, filt)
    for name in scoring.PHASES:
        s = score.phases[name]
        assert s.n > 0, f"{case}: no track state in {name}"
        assert s.mean_nees <= 20.0, f"{case} {name}: mean NEES {s.mean_nees:.3g}"


# ---------------------------------------------------------------- the multi-object case (data only)

SCENE = DATA / "kusong-scene"


def test_scene_case_files_hold_the_stated_objects_and_clutter():
    """The stage leaves the reentry vehicle at the stated 3 m/s (the files round velocities to
    1 mm/s: 5e-3 m/s allowed); the debris carry their stated kicks; the clutter count per site
    is Poisson with mean (scans) * 1: within 5 standard deviations, the scans known to one
    (the scan phase is not written)."""
    meta = json.loads((SCENE / "meta.json").read_text())
    objects = {o["id"]: o for o in meta["objects"]}
    assert set(objects) == {"RV", "stage", "debris-1", "debris-2"}
    t_rv, x_rv, _ = scoring.read_truth(SCENE / "truth-RV.csv")
    for name, o in objects.items():
        if name == "RV":
            continue
        t, x, _ = scoring.read_truth(SCENE / o["truth"])
        assert o["release_s"] < t[0] <= o["release_s"] + gen.TRUTH_STEP_S
        k = int(np.flatnonzero(np.isclose(t_rv, t[0]))[0])
        dv = x[0, 3:] - x_rv[k, 3:]
        assert dv == pytest.approx(o["dv_mps"], abs=5e-3)
        if name == "stage":
            assert np.linalg.norm(dv) == pytest.approx(gen.STAGE_PUSH_MPS, abs=5e-3)
    end = meta["measurement_end_s"]
    for site in meta["sites"]:
        scans = end / site["revisit_s"]
        n = meta["clutter"]["reports_per_site"][site["name"]]
        assert abs(n - scans) < 5 * math.sqrt(scans) + 1
    rows = _measurements("kusong-scene")
    assert len(rows) == meta["n_reports"] and "object" not in rows[0]


# --- a cluttered scene: sprn track on unlabelled reports of four objects and clutter -----------
SCENE_FROM_S = 300.0
"""The scene is scored from 150 s after separation: until then the four objects are one
return (they separate at 1-7 m/s; the sites' range cells are 150 m)."""
FOLLOWED_SHARE = 0.8
"""The share of each object's time (2-s grid from SCENE_FROM_S to its impact) a track must
be within 20 km of it (GOSPA's cut-off, sprn.scenescore). The known gaps: a light object's
track is lost where its drag grows (the reentry mode assumes a reentry vehicle's 1/beta,
sprn.tracking.config) and restarted some seconds later; 80 % is our requirement for that."""
RESOLVED_S = (800.0, 1600.0)
"""When every pair of objects is kilometres apart and all are above the air: the tracks'
covariances must be honest there (mean NEES at most 20, issue 14's bound for any filter).
Earlier the objects are closer than the sites' cross-range errors (1-3 km at 1,000 km) and
GNN assigns their reports by chance (docs/tracking.md, limitations)."""


@pytest.fixture(scope="module")
def scene_tracked(tmp_path_factory):
    out = tmp_path_factory.mktemp("kusong-scene")
    case = DATA / "kusong-scene"
    proc = subprocess.run(_sprn() + ["track", "--sites", str(case / "sites.csv"), "--measurements",
                                     str(case / "measurements.csv"), "--out", str(out)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    score = scoring.score_scene(out / "track.csv", case, SCENE_FROM_S, nees_span_s=RESOLVED_S)
    print(f"\nkusong-scene:\n{score.table()}")
    return score


def test_sprn_track_follows_every_object_of_a_cluttered_scene(scene_tracked):
    """About 2,350 of the file's 7,042 reports are clutter (Poisson, one a scan): a tentative
    track of clutter is confirmed with probability at most 1e-6 by its score (Wald's bound)
    and about C(5,3) q^3 by M of N, q < 0.01 the chance of a clutter report in its gate, so
    with the few tens of tentative tracks started no confirmed track may follow nothing."""
    score = scene_tracked
    assert score.false_tracks == ()
    for o in score.objects.values():
        assert o.followed >= FOLLOWED_SHARE, (o.object, o.followed)


@pytest.mark.parametrize("obj", ["stage", "debris-1", "debris-2"])
def test_scene_tracks_are_honest_once_the_objects_are_resolved(scene_tracked, obj):
    o = scene_tracked.objects[obj]
    assert o.mean_nees <= 20.0, (obj, o.mean_nees)


@pytest.mark.xfail(strict=True, reason="known limitation (docs/tracking.md): the track that followed the "
                   "unresolved cluster from boost keeps a covariance of hundreds of metres while it drifts "
                   "kilometres off the reentry vehicle, until it is dropped at 981 s (mean NEES ~4e3 over 800-1600 s)")
def test_every_track_of_the_reentry_vehicle_is_honest_once_resolved(scene_tracked):
    assert scene_tracked.objects["RV"].mean_nees <= 20.0


# --- a salvo: sprn track on unlabelled reports of four missiles, their stages and clutter ------
SALVO = DATA / "tongchang-salvo"
NOTO_TIP = (37.50, 137.35)
SALVO_FROM_S = 200.0
"""The salvo is scored from about 100 s after the last separation (117 s): the stages then
fall back 300 m from their reentry vehicles, two of the sites' 150 m range cells."""


def test_salvo_case_files_hold_the_stated_missiles():
    """Four missiles meet the reported flight (260 km apogee, 1,000 km: the solver's
    tolerance, well under 1 km) and land 200-450 km from the Noto Peninsula as Japan's
    Ministry of Defense reported (10 km allowed: the published figures are given to tens
    of km); each stage leaves its reentry vehicle at 3 m/s. These stages separate inside the
    air (about 90-120 s after launch, tens of km up), so by the first truth sample after
    release (at most 0.5 s later) drag has already changed the relative velocity by up to
    ``rho v^2 / (2 beta_stage) * dt``, ``rho`` the generator's own atmosphere at the lowest
    height the stage can have had since release (its height less ``v dt``); that plus the
    files' 5e-3 m/s rounding is the tolerance."""
    meta = json.loads((SALVO / "meta.json").read_text())
    assert len(meta["missiles"]) == 4 and len(meta["objects"]) == 8
    for m in meta["missiles"]:
        assert m["apogee_km"] == pytest.approx(260.0, abs=1.0)
        assert m["range_km"] == pytest.approx(1000.0, abs=1.0)
        _, _, d_m = GEOD.inv(NOTO_TIP[1], NOTO_TIP[0], m["impact"]["lon_deg"], m["impact"]["lat_deg"])
        assert 190.0 <= d_m / 1000.0 <= 460.0
    launches = sorted(m["launch_s"] for m in meta["missiles"])
    assert launches[-1] - launches[0] <= 60.0  # "almost simultaneously"
    for i in range(1, 5):
        t_rv, x_rv, _ = scoring.read_truth(SALVO / f"truth-M{i}-RV.csv")
        t, x, _ = scoring.read_truth(SALVO / f"truth-M{i}-stage.csv")
        k = int(np.flatnonzero(np.isclose(t_rv, t[0]))[0])
        stage = next(o for o in meta["objects"] if o["id"] == f"M{i}-stage")
        assert np.linalg.norm(stage["dv_mps"]) == pytest.approx(gen.STAGE_PUSH_MPS, rel=1e-12)
        dt = t[0] - stage["release_s"]
        speed = float(np.linalg.norm(x[0, 3:]))
        low = float(gen.ecef_to_lla(x[:1, :3])[2][0]) - speed * dt  # no lower than this since release
        drag = gen.density(low) * speed**2 / (2.0 * stage["beta_kg_m2"])
        assert np.linalg.norm(x[0, 3:] - x_rv[k, 3:]) == pytest.approx(gen.STAGE_PUSH_MPS, abs=drag * dt + 5e-3)
    rows = _measurements("tongchang-salvo")
    assert len(rows) == meta["n_reports"] and "object" not in rows[0]


@pytest.fixture(scope="module")
def salvo_tracked(tmp_path_factory):
    out = tmp_path_factory.mktemp("tongchang-salvo")
    proc = subprocess.run(_sprn() + ["track", "--sites", str(SALVO / "sites.csv"), "--measurements",
                                     str(SALVO / "measurements.csv"), "--out", str(out)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    spans = {"boost": (0.0, 80.0), "close": (300.0, 480.0), "late": (510.0, 600.0)}
    scores = {k: scoring.score_scene(out / "track.csv", SALVO, SALVO_FROM_S, nees_span_s=v) for k, v in spans.items()}
    print(f"\ntongchang-salvo (NEES 300-480 s):\n{scores['close'].table()}")
    return scores


def test_sprn_track_follows_every_reentry_vehicle_of_a_salvo(salvo_tracked):
    """Each of the four reentry vehicles has tracks of its own (none shared with another
    object) that follow it most of the time from SALVO_FROM_S (FOLLOWED_SHARE, as on
    kusong-scene); no confirmed track follows nothing (about 890 clutter reports: the bound
    of the kusong-scene test)."""
    score = salvo_tracked["close"]
    assert score.false_tracks == ()
    rv_tracks = [set(score.objects[f"M{i}-RV"].tracks) for i in range(1, 5)]
    for i, tracks in enumerate(rv_tracks, start=1):
        assert tracks and score.objects[f"M{i}-RV"].followed >= FOLLOWED_SHARE
        assert all(not tracks & other for j, other in enumerate(rv_tracks, start=1) if j != i)


def test_salvo_tracks_are_honest_in_boost(salvo_tracked):
    """Before separation each missile is one body: the tracks that followed a reentry vehicle
    in boost are honest (mean NEES at most 20, issue 14's bound for any filter)."""
    boost = salvo_tracked["boost"]
    seen = [o for name, o in boost.objects.items() if name.endswith("RV") and np.isfinite(o.mean_nees)]
    assert len(seen) >= 3
    assert all(o.mean_nees <= 20.0 for o in seen), [(o.object, o.mean_nees) for o in seen]


@pytest.mark.xfail(strict=True, reason=(
    "known limitation (docs/tracking.md, closely spaced objects): each stage stays within 0.3-1.5 km of its "
    "reentry vehicle from separation to reentry, inside the sites' 0.7-1.7 km cross-range errors; the "
    "reentry vehicles' tracks are overconfident there (mean NEES 75-1,900 over 300-480 s with GNN, 120-1,600 "
    "with JPDA), and one stays so after its stage falls behind (66 over 510 s to impact)"))
def test_salvo_reentry_vehicle_tracks_are_honest_after_separation(salvo_tracked):
    for span in ("close", "late"):
        for i in range(1, 5):
            assert salvo_tracked[span].objects[f"M{i}-RV"].mean_nees <= 20.0
