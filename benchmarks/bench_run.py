"""Wall time of the Kusong scenario end to end, split into truth, simulation and tracking.

Run: ``python benchmarks/bench_run.py [SCENARIO]``. Prints the best of five repeats of
each part (after one warm-up run, so imports and data-file loading are excluded).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sprn import engagement, scenario, sim
from sprn.tracking import Tracker
from sprn.trajectory import fly

ROOT = Path(__file__).resolve().parents[1]


def best_of(n: int, fn):  # type: ignore[no-untyped-def]
    times = []
    out = None
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else ROOT / "scenarios" / "kusong-2017-05-14.toml"
    scen = scenario.load(path)
    truth = fly(scen.shot)
    engagement.run_scenario(scen, truth=truth)  # warm-up: data files, caches

    t_truth, truth = best_of(5, lambda: fly(scen.shot))
    t_run, result = best_of(5, lambda: engagement.run_scenario(scen, truth=truth))
    dets = result.output.detections

    def track_only() -> Tracker:
        tk = Tracker(sites={s.name: s for s in scen.sites}, config=scen.tracker)
        for d in dets:
            tk.update(d)
        return tk

    t_track, _ = best_of(5, track_only)
    cfg = result.scenario.sim
    n_assess = len(result.output.assessments)

    def assess_only() -> None:
        net = sim._Network(truth, scen.sites, scen.seed, track_only(), cfg)  # noqa: SLF001
        for _ in range(n_assess):
            net._assess()  # noqa: SLF001

    t_assess_plus_track, _ = best_of(3, assess_only)
    t_assess = t_assess_plus_track - t_track
    print(f"scenario: {scen.name}")
    print(f"  truth (solve the shot and fly it)    {t_truth:7.3f} s")
    print(f"  simulation + tracking + assessments  {t_run:7.3f} s   ({len(dets)} detections, {n_assess} assessments)")
    print(f"    of which tracking (filter updates) {t_track:7.3f} s")
    print(f"    of which threat assessments        {t_assess:7.3f} s   ({t_assess / max(n_assess, 1) * 1e3:.1f} ms each)")
    print(f"    of which SimPy, radar dwells, rest {t_run - t_track - t_assess:7.3f} s")
    print(f"  end to end after import              {t_truth + t_run:7.3f} s   (target < 1 s)")


if __name__ == "__main__":
    main()
