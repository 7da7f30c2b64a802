"""The multi-target track manager on scenes with known truth (tests/scenes.py): objects that
separate, false alarms only, a salvo; GNN and JPDA; the association's and GOSPA's parts."""

import math
from collections import Counter

import numpy as np
import pytest
from scipy import stats

from scenes import FA_BOX, SITE, SITES, Obj, fa_volume, scans, start
from sprn.radar import measurement_jacobian
from sprn.tracking import EkfAdapter, Tracker, TrackerConfig
from sprn.tracking.association import Hypotheses, gnn, jpda, log_likelihood_ratio
from sprn.tracking.models import BallisticModel
from sprn.tracking.track import blend, gate_threshold


def run(objects, seed, t_end_s, association="gnn", false_per_scan=0.0, pd=TrackerConfig().pd):
    """The manager on ``scans``; it is told the false alarms' density (one scan's per unit
    of measurement space), as a centre knows its radars' false-alarm rate."""
    rng = np.random.default_rng(seed)
    density = false_per_scan / fa_volume() if false_per_scan else TrackerConfig().clutter_density
    tk = Tracker(sites=SITES, config=TrackerConfig(association=association, clutter_density=density, pd=pd))
    labels = {}
    for dets, labs in scans(objects, rng, t_end_s, false_per_scan=false_per_scan):
        labels.update({id(d): lab for d, lab in zip(dets, labs)})
        tk.scan(dets)
    return tk, labels


def owner(track, labels, after_s=-math.inf):
    """The object most of a track's resolved reports (one object's, or a false alarm's) after
    ``after_s`` came from, and their share."""
    labs = [labels[id(d)] for d in track.reports if d.t_s >= after_s and len(labels[id(d)]) <= 1]
    counts = Counter(lab for lab in labs if lab)
    if not counts:
        return None, 0.0
    name, n = counts.most_common(1)[0]
    return name[0], n / len(labs)


def separating_pair(dv_mps=3.0):
    """A reentry vehicle and its stage drifting apart at ``dv_mps`` along the velocity (a
    separation's push): their range difference at the radar grows to 200 m in 150 s and
    500 m in 250 s, and keeps growing for the 500 s of the test."""
    a = start()
    dv = dv_mps * a[3:] / np.linalg.norm(a[3:])
    return [Obj("rv", a), Obj("stage", a + np.concatenate([[0.0, 0.0, 0.0], dv]))]


@pytest.mark.parametrize("association", ["gnn", "jpda"])
def test_two_close_objects_become_two_tracks_once_the_radar_resolves_them(association):
    """The pair is inside one 150 m range cell for about 120 s: one report, one track. From
    then on each object has its own report; once they are 10 range sigmas (500 m) apart the chance that GNN swaps them in a scan is below 1e-6 (a 5-sigma gap between two
    3-sigma gates), so every track's later reports come from one object: purity 1 less at
    most one report in 50 (the allowance for the few scans where a report of one object is
    missing and the other's drifts near a gate's edge)."""
    for seed in range(3):
        tk, labels = run(separating_pair(), seed, 500.0, association)
        alive = [tr for tr in tk.tracks if tr.alive and tr.status == "confirmed"]
        assert len(alive) == 2, [(tr.id, tr.status, len(tr.reports)) for tr in tk.tracks]
        owners = [owner(tr, labels) for tr in alive]
        assert {o for o, _ in owners} == {"rv", "stage"}
        assert all(purity >= 0.98 for _, purity in owners), owners


def test_false_alarms_alone_confirm_no_track_within_a_poisson_bound():
    """Ten false alarms per scan for 20 minutes (6,000 reports), the tracker told that its
    targets are seen with pd = 0.3, so that its chains span gaps of up to 42 s (at the
    default 0.9, 8 s, and false alarms never line up). A tentative track of false
    alarms is confirmed in two ways. By M of N: 3 of its next 5 scans put a false alarm in
    its gate, with probability q per scan (the gate's volume over the search volume times
    the false alarms per scan), about C(5,3) q^3. By its score: a sequential likelihood
    ratio against clutter of the true density reaches ln(1 / alpha) with probability at
    most alpha (Wald's bound; alpha = ``false_confirm_probability``). The number confirmed
    must not exceed the 99.9 % Poisson quantile of the sum of both over the tentative
    tracks started."""
    per_scan = 10.0
    tk, _ = run([], 7, 1200.0, false_per_scan=per_scan, pd=0.3)
    assert tk.tracks, "false alarms never lined up: the test says nothing"
    gate = gate_threshold(TrackerConfig().gate_probability, 3)
    unit_ball = 4.0 / 3.0 * math.pi * gate**1.5
    expected = 0.0
    for tr in tk.tracks:
        x, p = tr.history[0].x, tr.history[0].p
        h = measurement_jacobian(SITE, np.asarray(x))[:3]
        s = h @ p @ h.T + np.diag(SITE.noise_std**2)
        q = min(1.0, per_scan * unit_ball * math.sqrt(np.linalg.det(s)) / fa_volume())
        expected += math.comb(5, 3) * q**3 + TrackerConfig().false_confirm_probability
    confirmed = [tr for tr in tk.tracks if tr.t_confirmed_s is not None]
    bound = stats.poisson.ppf(0.999, expected)
    print(f"{len(tk.tracks)} tentative tracks of false alarms, {len(confirmed)} confirmed "
          f"(expected {expected:.2g}, bound {bound:.0f})")
    assert len(confirmed) <= bound


@pytest.mark.parametrize("association", ["gnn", "jpda"])
def test_a_salvo_of_four_gives_four_tracks(association):
    """Four missiles launched 40 s apart from pads 30 km apart, with false alarms: four
    confirmed tracks, one per missile, each at least 98 % pure (the same allowance as above)."""
    objects = [Obj(f"m{k + 1}", start(lat_deg=40.0 + 0.27 * k, lon_deg=128.0), t0_s=40.0 * k) for k in range(4)]
    tk, labels = run(objects, 3, 500.0, association, false_per_scan=1.0)
    confirmed = [tr for tr in tk.tracks if tr.t_confirmed_s is not None]
    owners = [owner(tr, labels) for tr in confirmed]
    assert sorted(o for o, _ in owners) == ["m1", "m2", "m3", "m4"], owners
    assert all(p >= 0.98 for _, p in owners), owners


def test_gnn_takes_the_likeliest_assignment_and_misses_outside_the_gates():
    """Two tracks, three reports: track 0 likes report 1 best, track 1 likes report 1 too but
    report 2 nearly as well; the joint optimum gives 1 to track 0 and 2 to track 1; report 0
    is in no gate."""
    ratio = np.array([[-np.inf, 10.0, 2.0], [-np.inf, 9.0, 8.5]])
    w = gnn(Hypotheses(log_ratio=ratio, log_miss=math.log(0.1)))
    assert w.tolist() == [[0, 1, 0, 0], [0, 0, 1, 0]]
    alone = gnn(Hypotheses(log_ratio=np.array([[-np.inf]]), log_miss=math.log(0.1)))
    assert alone.tolist() == [[0, 1]]


def test_gnn_is_the_best_joint_assignment_by_enumeration():
    """Against every feasible joint assignment (each report to one track at most), on random
    gated problems of up to three tracks and four reports: those with shared reports go to
    the solver, those without are split per track; both must give the best total."""
    import itertools

    rng = np.random.default_rng(8)
    split = 0
    for _ in range(300):
        n_t, n_r = int(rng.integers(1, 4)), int(rng.integers(0, 5))
        ratio = np.where(rng.random((n_t, n_r)) < 0.4, rng.normal(0.0, 5.0, (n_t, n_r)), -np.inf)
        log_miss = np.log(rng.uniform(0.01, 0.9, n_t))
        split += int(n_r == 0 or np.max(np.sum(np.isfinite(ratio), axis=0)) <= 1)
        w = gnn(Hypotheses(log_ratio=ratio, log_miss=log_miss))
        got = sum(log_miss[i] if w[i, -1] else ratio[i, int(np.argmax(w[i, :-1]))] for i in range(n_t))
        best = -np.inf
        for event in itertools.product(*[[-1, *range(n_r)] for _ in range(n_t)]):
            used = [j for j in event if j >= 0]
            if len(used) == len(set(used)):
                best = max(best, sum(log_miss[i] if j < 0 else ratio[i, j] for i, j in enumerate(event)))
        assert np.all(w.sum(axis=1) == 1.0) and got == pytest.approx(best, abs=1e-9)
    assert 50 < split < 250  # both paths were exercised


def test_jpda_of_one_track_is_the_pda_and_of_two_shares_a_report():
    """One track: beta_j proportional to each report's likelihood ratio, beta_0 to 1 - pd
    (Bar-Shalom et al. 2011, eq. 6.2.4-6). Two tracks with one report between them: the
    events are {none, 0 takes it, 1 takes it}, and the probabilities follow."""
    lr = np.array([[1.0, 2.0]])
    beta = jpda(Hypotheses(log_ratio=np.log(lr), log_miss=math.log(0.1)))
    total = 0.1 + 1.0 + 2.0
    np.testing.assert_allclose(beta, [[1.0 / total, 2.0 / total, 0.1 / total]])
    two = jpda(Hypotheses(log_ratio=np.log(np.array([[3.0], [1.0]])), log_miss=math.log(0.5)))
    z = 0.5 * 0.5 + 3.0 * 0.5 + 0.5 * 1.0  # none, track 0 alone, track 1 alone
    np.testing.assert_allclose(two, [[1.5 / z, 1.0 - 1.5 / z], [0.5 / z, 1.0 - 0.5 / z]])
    assert log_likelihood_ratio(0.0, 0.0, 1.0, 1.0) == 0.0


def test_blend_is_the_moment_matched_mixture():
    model = BallisticModel()
    a = EkfAdapter(np.arange(6.0), np.eye(6), model)
    b = EkfAdapter(np.arange(6.0) + 2.0, 4.0 * np.eye(6), model)
    out = blend([a, b], np.array([0.25, 0.75]))
    np.testing.assert_allclose(out.x, np.arange(6.0) + 1.5)
    spread = 0.25 * 0.75 * 4.0  # w1 w2 (x1 - x2)^2 per component
    np.testing.assert_allclose(np.diag(out.P), 0.25 + 3.0 + spread)


def test_a_track_beside_an_unresolved_neighbour_allows_for_merged_returns():
    """Two tracks inside one resolution cell of a radar (the sim's merge rule,
    ``sprn.radar.scan.unresolved``): each report may be their merged return, so each track
    adds ``d^2 / 3`` of their measurement difference ``d`` to its reports' variances (the
    centroid's place between the two is unknown: uniform, variance d^2 / 3 about its own).
    Resolved in range, or a site without a radar model: nothing added."""
    from sprn.radar import network as nw
    from sprn.radar.detection import scan_cosine
    from sprn.radar.measurement import measure
    from sprn.radar.scan import range_resolution_m
    from sprn.tracking.tracker import View

    site = nw.site("mishelevka")
    tk = Tracker(sites={site.name: site})
    x = np.array([-3.3e6, 3.0e6, 4.6e6, 2000.0, -3000.0, -3500.0])
    dr = 0.4 * range_resolution_m(site)
    los = (x[:3] - site.r_ecef_m) / np.linalg.norm(x[:3] - site.r_ecef_m)
    near = x + np.concatenate([dr * los, [0.0, 0.0, 0.0]])
    far = x + np.concatenate([3.0 * range_resolution_m(site) * los, [0.0, 0.0, 0.0]])

    def view(s):
        return View(seen=True, pd=0.9, snr_per_m2=1.0, z=measure(site, s, True),
                    cos_scan=float(scan_cosine(site, s[:3])))

    spread = tk._merge_spread(site, [view(x), view(near), view(far)])
    d = measure(site, near, True) - measure(site, x, True)
    np.testing.assert_allclose(spread[0], d * d / 3.0, rtol=1e-9, atol=1e-30)
    np.testing.assert_allclose(spread[1], d * d / 3.0, rtol=1e-9, atol=1e-30)
    assert spread[0][0] == pytest.approx(dr * dr / 3.0, rel=1e-6)
    assert spread[2] is None  # three range cells away: resolved
    plain = SITE  # a site of a measurement file: no radar model, no resolution cell
    assert tk._merge_spread(plain, [view(x), view(near)]) == [None, None]
