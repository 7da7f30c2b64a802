"""Scenes: the reentry vehicle, its spent stage and debris, salvos; physics against physics.

The Kusong flight (apogee 2,111.5 km) is flown once with its stage and four debris pieces.
Tolerances and why:

* relative speed right after separation: 1e-6 m/s over 1 ms, where the two bodies are
  metres apart (differential gravity ~1e-6 m/s^2) and above the drag ceiling;
* Jacobi integral (energy in the rotating frame, conserved in vacuum free flight with
  J2) and the inertial angular momentum about the polar axis (J2 gravity is axisymmetric)
  to 1e-9 relative: the vacuum coast is integrated with rtol 1e-10 (flight.VACUUM_RTOL_FACTOR);
* debris spread: the sample standard deviation of n normal values has a relative
  standard error 1 / sqrt(2 n); we allow 5 of them (a false failure about once in 1.7
  million runs); the sum of squares over 3 n components is chi-square(3 n), bounded at
  its 1e-6 and 1 - 1e-6 quantiles.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sprn import dynamics, engagement, geo, scenario, sim
from sprn.geo import OMEGA_EARTH_RAD_S
from sprn.tracking import TrackerConfig
from sprn.trajectory import boost, fly
from sprn.trajectory.scene import (
    DEBRIS_BETA_KG_M2,
    REACH_STEP_S,
    STAGE_SEPARATION_MPS,
    Scene,
    SceneConfig,
    debris_betas,
    fly_scene,
    isotropic_kicks,
    may_be_within,
    missile_objects,
)

ROOT = Path(__file__).resolve().parents[1]
KUSONG = ROOT / "scenarios" / "kusong-2017-05-14.toml"
SALVO = ROOT / "scenarios" / "salvo-2017-03-06.toml"
QUIET = TrackerConfig(init_min_fixes=10**9)  # the single-target tracker stays idle: these tests are about truth and reports


@pytest.fixture(scope="module")
def kusong():
    scen = scenario.load(KUSONG)
    rv = fly(scen.shot)
    objects = missile_objects(rv, 1, 0.0, SceneConfig(stages=True, debris=4), np.random.default_rng(7))
    return scen, rv, Scene(objects=tuple(objects))


def test_objects_are_named_and_exist_from_their_release(kusong):
    _, rv, scene = kusong
    assert scene.ids == ("M1-RV", "M1-stage1", "M1-debris-01", "M1-debris-02", "M1-debris-03", "M1-debris-04")
    t_sep = rv.events["separation"]
    stage = scene.objects[1]
    assert stage.kind == "stage" and stage.rcs == "spent-stage" and stage.t_start_s == t_sep
    t = np.array([0.5 * t_sep, t_sep + 1.0, stage.t_impact_s + 1.0])
    assert stage.exists(t).tolist() == [False, True, False]
    x = stage.state(t)
    assert np.isnan(x[0]).all() and np.isfinite(x[1]).all() and np.isnan(x[2]).all()
    assert stage.phase(t).tolist() == ["", "midcourse", ""]
    assert scene.objects[0].rcs_keys(np.array([10.0, t_sep + 1.0])).tolist() == ["booster-boost", "reentry-vehicle"]
    assert scene.t_end_s == max(o.t_impact_s for o in scene.objects)
    assert scene.reentry_vehicles() == (scene.objects[0],)


def test_the_stage_leaves_the_reentry_vehicle_at_the_stated_impulse(kusong):
    _, rv, scene = kusong
    t = rv.events["separation"] + 1e-3
    x_rv, x_stage = scene.objects[0].state(t), scene.objects[1].state(t)
    dv = x_stage[3:] - x_rv[3:]
    assert np.linalg.norm(dv) == pytest.approx(STAGE_SEPARATION_MPS, abs=1e-6)
    assert float(dv @ x_rv[3:]) / (np.linalg.norm(dv) * np.linalg.norm(x_rv[3:])) == pytest.approx(-1.0, abs=1e-9)
    # The reentry vehicle is today's: the scene does not change its flight.
    assert np.array_equal(scene.objects[0].state(np.array([100.0, 900.0])), rv.state(np.array([100.0, 900.0])))


def _vacuum_states(obj):
    """The body's states every second while it coasts above the drag ceiling (dense output)."""
    traj = obj.trajectory
    t = np.arange(traj.events["separation"] + 1.0, traj.t_impact_s, 1.0)
    x = traj.state(t)
    high = dynamics.altitude_m(x[:, :3]) > boost.DRAG_CEILING_M + 5e3
    first_low = int(np.argmin(high)) if not high.all() else len(high)
    return t[:first_low], x[:first_low]


@pytest.mark.parametrize("index", [1, 2, 3])
def test_coasting_pieces_keep_energy_and_polar_angular_momentum_above_the_air(kusong, index):
    _, _, scene = kusong
    t, x = _vacuum_states(scene.objects[index])
    assert t[-1] - t[0] > 1000.0
    jacobi = dynamics.jacobi_integral(x)
    assert np.ptp(jacobi) < 1e-9 * abs(jacobi[0])
    r, v = x[:, :3], x[:, 3:]
    v_inertial = v + np.cross([0.0, 0.0, OMEGA_EARTH_RAD_S], r)
    h_z = np.cross(r, v_inertial)[:, 2]
    assert np.ptp(h_z) < 1e-9 * np.max(np.abs(h_z))
    # and lose energy in the air: drag only takes
    traj = scene.objects[index].trajectory
    assert dynamics.jacobi_integral(traj.state(traj.t_impact_s)) < jacobi[-1]


def test_debris_leave_with_the_drawn_kicks_and_fall_with_drawn_ballistic_coefficients(kusong):
    _, rv, scene = kusong
    rng = np.random.default_rng(7)  # the fixture's stream: kicks first, then ballistic coefficients
    kicks = isotropic_kicks(4, SceneConfig().debris_spread_mps, rng)
    betas = debris_betas(4, rng)
    t = rv.events["separation"] + 1e-3
    x_rv = rv.state(t)
    for j, obj in enumerate(scene.objects[2:]):
        assert obj.kind == "debris" and obj.rcs == "debris"
        assert obj.state(t)[3:] - x_rv[3:] == pytest.approx(kicks[j], abs=1e-6)
        assert obj.trajectory.inv_beta_m2_kg == pytest.approx(1.0 / betas[j], rel=1e-12)
        assert DEBRIS_BETA_KG_M2[0] <= betas[j] <= DEBRIS_BETA_KG_M2[1]


def test_debris_spread_statistics_match_the_stated_spread():
    n, spread = 20000, 5.0
    kicks = isotropic_kicks(n, spread, np.random.default_rng(11))
    rel_se = 1.0 / math.sqrt(2 * n)
    for axis in range(3):
        assert np.std(kicks[:, axis], ddof=1) == pytest.approx(spread, rel=5 * rel_se)
        assert abs(np.mean(kicks[:, axis])) < 5 * spread / math.sqrt(n)
    ss = float(np.sum(kicks**2)) / spread**2
    assert stats.chi2.ppf(1e-6, 3 * n) < ss < stats.chi2.ppf(1 - 1e-6, 3 * n)
    # isotropic: directions uniform on the sphere, so each unit-vector component is uniform in [-1, 1]
    u = kicks / np.linalg.norm(kicks, axis=1, keepdims=True)
    for axis in range(3):
        assert stats.kstest(u[:, axis], stats.uniform(loc=-1.0, scale=2.0).cdf).pvalue > 1e-4


def test_debris_ballistic_coefficients_are_log_uniform_in_the_stated_range():
    n = 20000
    b = debris_betas(n, np.random.default_rng(3))
    lo, hi = np.log(DEBRIS_BETA_KG_M2)
    assert lo <= np.log(b).min() and np.log(b).max() <= hi
    assert stats.kstest(np.log(b), stats.uniform(loc=lo, scale=hi - lo).cdf).pvalue > 1e-4


def test_a_later_launch_is_the_same_flight_shifted_in_time(kusong):
    scen, rv, _ = kusong
    scene = fly_scene([scen.shot, scen.shot], [0.0, 30.0], SceneConfig(stages=True), np.random.default_rng(0),
                      flights=[rv, rv])
    assert scene.ids == ("M1-RV", "M1-stage1", "M2-RV", "M2-stage1")
    m1, m2 = scene.objects[0], scene.objects[2]
    assert m2.missile == 2 and m2.t_launch_s == 30.0 and m2.t_impact_s == pytest.approx(m1.t_impact_s + 30.0)
    t = np.array([100.0, 500.0, 1500.0])
    assert np.array_equal(m2.state(t + 30.0), m1.state(t))
    assert np.isnan(m2.state(10.0)).all()
    states = scene.states(t)
    assert states.shape == (4, 3, 6) and np.array_equal(states[2], m2.state(t))
    assert scene.t_end_s == pytest.approx(scene.objects[3].t_impact_s)


def test_the_single_reentry_vehicle_scene_is_todays_truth(kusong):
    _, rv, _ = kusong
    scene = Scene.of(rv)
    assert scene.ids == ("M1-RV",) and scene.t_end_s == rv.t_impact_s
    assert scene.objects[0].trajectory is rv


def test_mishelevka_sees_the_spent_stage_more_often_than_the_reentry_vehicle(kusong):
    """The flagship as a scene: at VHF the 20 m^2 stage is the radar's main target (issue 16)."""
    scen, rv, _ = kusong
    scen = dataclasses.replace(scen, scene=SceneConfig(stages=True))
    scene = engagement.fly_scenario(scen, rv)
    out = sim.run(scene, scen.sites, scen.seed, QUIET, scen.sim, scen.scene)
    seen = [ids for d, ids in zip(out.detections, out.detection_objects) if d.site == "mishelevka"]
    stage = sum("M1-stage1" in ids for ids in seen)
    warhead = sum("M1-RV" in ids for ids in seen)
    assert stage > 2 * warhead > 0
    assert all(ids for ids in out.detection_objects)  # false alarms are off


def test_no_object_is_ever_faster_than_its_flights_peak_speed(kusong):
    """may_be_within's bound rests on Trajectory.max_speed_mps being the peak over the whole
    flight: checked at every integration node and every 0.1 s (1e-6 m/s: round-off)."""
    _, _, scene = kusong
    for obj in scene.objects:
        traj = obj.trajectory
        t = np.union1d(traj.t_s, np.arange(0.0, traj.t_impact_s, 0.1))
        speed = np.linalg.norm(traj.state(t)[:, 3:], axis=1)
        assert speed.max() <= traj.max_speed_mps + 1e-6, obj.id


def test_may_be_within_never_rules_out_an_object_that_is_within(kusong):
    """The sites' coverage shortcut (sim._site_states): checked every 0.25 s against the
    objects' exact distances from centres at the launch, under the flight, at a radar and
    far away, at radii around each centre's closest approach. It must also rule out most
    of the times where every object is far beyond the radius, or it would save nothing."""
    _, _, scene = kusong
    t = np.arange(0.0, scene.t_end_s, 0.25)
    x = scene.states(t)[..., :3]  # (objects, times, 3), NaN where absent
    centres = [geo.lla_to_ecef(math.radians(lat), math.radians(lon), 0.0)
               for lat, lon in ((40.07, 125.21), (41.5, 131.0), (52.88, 103.27), (-40.0, -55.0))]
    for centre in centres:
        dist = np.linalg.norm(x - centre, axis=-1)
        closest = np.nanmin(dist, axis=0)  # NaN where no object exists
        for radius in (0.5 * np.nanmin(closest), np.nanmin(closest) + 1e5, 3e6, 6e6):
            maybe = may_be_within(scene, centre, radius, t)
            within = closest <= radius  # False where no object exists
            assert not np.any(within & ~maybe)
            far = ~(closest <= radius + 2.0 * REACH_STEP_S * 8000.0)  # farther than two steps at 8 km/s
            assert np.count_nonzero(maybe & far) <= 0.05 * max(np.count_nonzero(far), 1)


# --- the salvo of 6 March 2017 ---------------------------------------------------------------

NOTO_TIP = (37.50, 137.35)
"""Cape Rokkozaki, the tip of the Noto Peninsula (approximate): Japan's 200-450 km are measured from the peninsula."""


@pytest.fixture(scope="module")
def salvo():
    scen = scenario.load(SALVO)
    return scen, engagement.fly_scenario(scen)


def test_salvo_truth_matches_the_published_figures(salvo):
    """Four missiles; apogee 260 km within 1 % (the shot is flown to it); ranges about 1,000 km
    (JCS: "about 1,000 km", CSIS: "over 1,000 km"): within 10 %; impacts 200-450 km from the
    Noto Peninsula (Japan MoD), +-50 km for the rounding and the peninsula's extent."""
    scen, scene = salvo
    rvs = scene.reentry_vehicles()
    assert len(rvs) == 4 and len(scene.objects) == 8
    assert [o.t_launch_s for o in rvs] == list(scen.launch_times_s)
    for o in rvs:
        tr = o.trajectory
        assert tr.apogee_m / 1e3 == pytest.approx(260.0, rel=0.01)
        assert 900.0 < tr.range_m / 1e3 < 1100.0 * 1.01
        d_km = float(geo.geodesic_distance_m(*NOTO_TIP, tr.impact_lat_deg, tr.impact_lon_deg)) / 1e3
        assert 150.0 < d_km < 500.0


def test_salvo_is_seen_object_by_object_with_false_alarms(salvo):
    """With the tracker idle: every reentry vehicle and stage is reported by Sado's radar,
    and false alarms arrive when the radars' confirmation dwells are off (with them on,
    the salvo's own test in tests/test_track_manager.py runs the whole chain)."""
    scen, scene = salvo
    out = sim.run(scene, scen.sites, scen.seed, QUIET, scen.sim, dataclasses.replace(scen.scene, confirm=False))
    labels = {i for ids in out.detection_objects for i in ids}
    assert labels == set(scene.ids)
    sado = [ids for d, ids in zip(out.detections, out.detection_objects) if d.site == "Sado (J/FPS-5)"]
    assert {i for ids in sado for i in ids} == set(scene.ids)
    n_false = sum(1 for ids in out.detection_objects if not ids)
    assert n_false > 0
    assert out.first_detection_s is not None and out.first_detection_s > 0.0
    assert len(out.detections) == len(out.detection_objects)


def test_the_salvo_gives_four_reentry_vehicle_tracks(salvo):
    """The whole chain on the salvo (8 objects, false alarms and confirmation dwells on):
    each reentry vehicle is followed by a confirmed track that the centre classifies
    ``reentry-vehicle`` (P above 0.5), at least 95 % pure (Sado's radar resolves the
    missiles, launched seconds and kilometres apart, and each from its stage within a
    minute: only the first reports are merged ones), and no confirmed track follows
    nothing (a false track: Wald's bound, 1e-6 per tentative track).

    Each stage's track is classified ``stage``. No object has two confirmed tracks. Zeya (UHF, 1,600 km away) resolves a reentry
    vehicle from its stage in range while Sado sometimes sees them merged; before the
    tracker allowed for merged returns (``Tracker._merge_spread``) Sado's merged reports
    pulled the reentry vehicle's track 5 sigma off Zeya's, which started a second
    confirmed track on it (145 identity switches)."""
    scen, scene = salvo
    res = engagement.run_scenario(scen, truth=scene)
    sc = res.scene_score
    rv_tracks = {f.object: f for f in sc.confirmed if f.cls == "reentry-vehicle" and f.probabilities[f.cls] > 0.5
                 and f.object is not None and f.object.endswith("-RV") and f.purity >= 0.95}
    assert set(rv_tracks) == {o.id for o in scene.reentry_vehicles()}, [(f.id, f.object, f.cls) for f in sc.confirmed]
    # Every stage's track ends a stage: a light stage decelerating in reentry makes the
    # IMM's boost mode likeliest, which is drag, not thrust (classify._thrusting); it once
    # discarded two stages' RCS reports and left them a third reentry vehicle each.
    stages = [f for f in sc.confirmed if f.object is not None and "-stage" in f.object]
    assert len(stages) == 4 and all(f.cls == "stage" and f.probabilities["stage"] > 0.5 for f in stages), \
        [(f.id, f.object, f.cls, f.probabilities) for f in stages]
    assert sc.false_tracks == 0
    followed = [f.object for f in sc.confirmed]
    assert len(followed) == len(set(followed)), [(f.id, f.object) for f in sc.confirmed]


def test_the_principal_threat_track_is_the_one_called_a_reentry_vehicle():
    """At seed 5 of the flagship scene the stage's track (the first, from the unresolved
    return on) is assessed before it is told apart and has the most reports (696 against
    the reentry vehicle's tracks' 41 and 19). The principal threat track, whose predictions
    the summary, results.json and Monte Carlo score, must still be the one the centre calls
    a reentry vehicle, and its predictions are scored against the warhead's impact."""
    scen = scenario.load(ROOT / "scenarios" / "kusong-2017-05-14-scene.toml")
    res = engagement.run_scenario(scen, seed=5)
    out = res.output
    labels = out.label_map()
    principal = next(tr for tr in out.tracker.tracks if tr.id == out.threat_track_id)
    assessed = {a.track_id for a in out.all_assessments}
    most = max((tr for tr in out.tracker.tracks if tr.id in assessed), key=lambda tr: len(tr.reports))
    assert most is not principal  # the case this test is about: by reports alone the stage wins
    assert sum("M1-RV" in labels.get(id(d), ()) for d in principal.reports) > len(principal.reports) / 2
    assert max(out.classes[principal.id], key=out.classes[principal.id].get) == "reentry-vehicle"
    truth = res.truth
    for p, err in zip(out.predictions, res.prediction_errors_km):
        d = geo.geodesic_distance_m(p.lat_deg, p.lon_deg, truth.impact_lat_deg, truth.impact_lon_deg) / 1000.0
        assert err == pytest.approx(float(d), rel=1e-12)


def test_a_salvo_tracks_predictions_are_scored_against_its_own_missiles_warhead(salvo):
    """In a salvo the principal threat track may follow any missile's reentry vehicle: its
    predictions are scored against that missile's impact, not the first missile's (the
    four land 65-255 km apart; scored against the first, the Monte Carlo's median impact
    error at +180 s was 99 km, against 0.8 km now)."""
    scen, scene = salvo
    res = engagement.run_scenario(scen, truth=scene)
    out = res.output
    labels = out.label_map()
    principal = next(tr for tr in out.tracker.tracks if tr.id == out.threat_track_id)
    votes = {}
    for d in principal.reports:
        for obj in labels.get(id(d), ()):
            votes[obj] = votes.get(obj, 0) + 1
    followed = max(votes, key=votes.get)
    assert followed.endswith("-RV")
    aim = next(o.trajectory for o in scene.objects if o.id == followed)
    assert out.predictions
    for p, err in zip(out.predictions, res.prediction_errors_km):
        d = geo.geodesic_distance_m(p.lat_deg, p.lon_deg, aim.impact_lat_deg, aim.impact_lon_deg) / 1000.0
        assert err == pytest.approx(float(d), rel=1e-12)
    assert min(res.prediction_errors_km) < 20.0  # a converged track predicts its own warhead's impact


def test_false_alarms_arrive_at_every_search_frame_at_the_fence_rate(kusong):
    """With false alarms on, Mishelevka searches its fence every 10 s from the epoch, seen
    object or not: its false alarms number about (search frames) * pfa * (fence cells), a
    Poisson count (5 standard deviations, plus one frame for the clock's phase; the track
    windows add about 1e-4 a dwell). False alarms carry no label, do not count as first
    detections and leave the labels parallel to the reports."""
    from sprn.radar import network as nw
    from sprn.radar.scan import search_fence

    scen, rv, _ = kusong
    scen = dataclasses.replace(scen, scene=SceneConfig(stages=True, false_alarms=True, confirm=False))
    scene = engagement.fly_scenario(scen, rv)
    out = sim.run(scene, scen.sites, scen.seed, QUIET, scen.sim, scen.scene)
    site = nw.site("mishelevka")
    mu = site.radar.pfa * search_fence(site).cells
    frames = scene.t_end_s / site.revisit_s
    n_false = sum(1 for d, ids in zip(out.detections, out.detection_objects) if d.site == "mishelevka" and not ids)
    assert abs(n_false - frames * mu) < 5 * math.sqrt(frames * mu) + mu + 1
    # With the confirmation dwells (the default), a fence alarm survives with probability
    # 1 - (1 - pfa)^3 = 3e-6: of these ~230, none is expected (P(any) ~ 7e-4), and the
    # track windows add about 1e-4 a dwell (1,000 dwells: at most 2 at 99.5 %, Poisson).
    on = sim.run(scene, scen.sites, scen.seed, QUIET, scen.sim, dataclasses.replace(scen.scene, confirm=True))
    assert sum(1 for d, ids in zip(on.detections, on.detection_objects) if d.site == "mishelevka" and not ids) <= 2
    dwells = out.dwells["mishelevka"]
    assert dwells[0] < site.revisit_s and len(dwells) >= frames - 1
    first_object = min(d.t_s for d, ids in zip(out.detections, out.detection_objects) if ids)
    assert out.first_detection_s == first_object
    assert [d.t_s for d in out.detections] == sorted(d.t_s for d in out.detections)
