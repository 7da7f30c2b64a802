"""Wall time of the Kusong scenario end to end, split into truth, simulation and tracking.

Run: ``python benchmarks/bench_run.py [SCENARIO]``. Prints the best of five repeats of
each part (after one warm-up run, so imports and data-file loading are excluded).
"""

from __future__ import annotations

import sys
import time

from _timing import KUSONG, best_of

from sprn import engagement, scenario, sim
from sprn.tracking import Tracker
from sprn.trajectory import fly


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else KUSONG
    scen = scenario.load(path)
    truth = fly(scen.shot)
    engagement.run_scenario(scen, truth=truth)  # warm-up: data files, caches

    t_truth, truth = best_of(5, lambda: fly(scen.shot))
    t_run, result = best_of(5, lambda: engagement.run_scenario(scen, truth=truth))
    dets = result.output.detections
    n_assess = len(result.output.assessments)
    spent = {"tracking": 0.0, "assessments": 0.0}

    def timed(fn, key):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - t0

        return wrapper

    # Time the parts inside one more run by wrapping the tracker update and the assessment.
    update, assess = Tracker.update, sim._Network._assess
    Tracker.update = timed(update, "tracking")  # type: ignore[method-assign]
    sim._Network._assess = timed(assess, "assessments")  # type: ignore[method-assign]
    try:
        t0 = time.perf_counter()
        engagement.run_scenario(scen, truth=truth)
        t_once = time.perf_counter() - t0
    finally:
        Tracker.update, sim._Network._assess = update, assess  # type: ignore[method-assign]
    t_track, t_assess = spent["tracking"], spent["assessments"]
    scale = t_run / t_once
    t_track, t_assess = t_track * scale, t_assess * scale
    print(f"scenario: {scen.name}")
    print(f"  truth (solve the shot and fly it)    {t_truth:7.3f} s")
    print(f"  simulation + tracking + assessments  {t_run:7.3f} s   ({len(dets)} detections, {n_assess} assessments)")
    print(f"    of which tracking (filter updates) {t_track:7.3f} s")
    print(f"    of which threat assessments        {t_assess:7.3f} s   ({t_assess / max(n_assess, 1) * 1e3:.1f} ms each)")
    print(f"    of which SimPy, radar dwells, rest {t_run - t_track - t_assess:7.3f} s")
    print(f"  end to end after import              {t_truth + t_run:7.3f} s   (target < 1 s)")


if __name__ == "__main__":
    main()
