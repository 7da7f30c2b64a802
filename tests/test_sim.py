"""The discrete-event simulation: coverage, links, reordering, cueing, warning time.

The Kusong flight is flown once; runs use the 2026 network (Zeya and Mishelevka both see
the flight), so that cueing and multi-site fusion are exercised.
"""

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sprn import engagement, scenario, sim
from sprn.radar import preset, visible
from sprn.tracking import Tracker
from sprn.trajectory import fly

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def base():
    scen = scenario.load(ROOT / "scenarios" / "kusong-2017-05-14.toml")
    scen = dataclasses.replace(scen, sites=preset("sprn-2026"))
    return scen, fly(scen.shot)


def _with(scen, **sim_changes):
    return dataclasses.replace(scen, sim=dataclasses.replace(scen.sim, **sim_changes))


def _run(scen, truth, seed=1):
    return engagement.run_scenario(scen, seed=seed, truth=truth)


def test_no_detection_outside_coverage_and_events_in_time_order(base):
    scen, truth = base
    result = _run(scen, truth)
    sites = {s.name: s for s in scen.sites}
    assert len(result.output.detections) > 100
    for det in result.output.detections:
        assert visible(sites[det.site], truth.state(det.t_s)[:3])
    times = [e.t_s for e in result.output.events]
    assert times == sorted(times)
    kinds = {e.type for e in result.output.events}
    assert {"launch", "detection", "report_received", "track_initiated", "track_confirmed", "cue",
            "impact_predicted", "warning", "impact"} <= kinds


def test_link_latency_delays_every_report_by_at_least_its_minimum(base):
    scen, truth = base
    link = sim.Link(latency_s=7.0, jitter_s=3.0)
    result = _run(_with(scen, link=link), truth)
    delays = [e.t_s - e.details["t_meas_s"] for e in result.output.events if e.type == "report_received"]
    assert delays and min(delays) >= 7.0 - 1e-9 and max(delays) <= 10.0 + 1e-9


def test_lossy_link_loses_its_share(base):
    scen, truth = base
    result = _run(_with(scen, link=sim.Link(latency_s=2.0, loss=0.3)), truth)
    lost = sum(e.type == "report_lost" for e in result.output.events)
    n = len(result.output.detections)
    # Binomial(n, 0.3): the lost count lies within its central 99.9 % interval.
    lo, hi = stats.binom.interval(0.999, n, 0.3)
    assert lo <= lost <= hi


def test_reordered_reports_give_the_time_ordered_track(base):
    scen, truth = base
    # Jitter of 20 s over 2 s revisits: reports arrive far out of measurement order.
    result = _run(_with(scen, link=sim.Link(latency_s=1.0, jitter_s=20.0)), truth)
    arrivals = [d.t_arrival_s for d in result.output.detections]
    assert any(b < a for a, b in zip(arrivals, arrivals[1:]))
    tracker = Tracker(sites={s.name: s for s in scen.sites}, config=scen.tracker)
    for det in sorted(result.output.detections, key=lambda d: d.t_s):
        tracker.update(det)
    ours = result.output.tracker.history
    assert len(ours) == len(tracker.history)
    for a, b in zip(ours, tracker.history):
        assert a.t_s == b.t_s and np.allclose(a.x, b.x, rtol=0, atol=1e-6)


def test_cueing_never_delays_a_cued_radars_first_detection(base):
    scen, truth = base
    for seed in range(3):
        cued = _run(_with(scen, cueing=True), truth, seed)
        uncued = _run(_with(scen, cueing=False), truth, seed)
        assert cued.output.first_cue_s  # some radar was cued
        for name in cued.output.first_cue_s:
            t_cued = min(d.t_s for d in cued.output.detections if d.site == name)
            t_uncued = min((d.t_s for d in uncued.output.detections if d.site == name), default=np.inf)
            assert t_cued <= t_uncued


def test_warning_time_falls_as_latency_grows(base):
    scen, truth = base
    warning = []
    for latency in (0.0, 5.0, 30.0):
        result = _run(_with(scen, link=sim.Link(latency_s=latency)), truth)
        warning.append(truth.t_impact_s - result.output.first_event_s("warning"))
    print("warning time at link latency 0, 5, 30 s:", [f"{w:.1f} s" for w in warning])
    assert warning[0] > warning[1] > warning[2]
