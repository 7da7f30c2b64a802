"""Timings of the flight model's hot paths, against the targets of the design.

Run: ``python benchmarks/bench_fly.py``. Prints the median of several runs of

* one full truth trajectory (Hwasong-12 from Kusong, solved guidance; RV and booster to
  the ground), target < 0.2 s;
* one solver call for the Kusong shot (apogee 2,111.5 km, range 787 km), target < 2 s;
* propagating 10,000 free-flight states 60 s ahead in one vectorised call of
  ``dynamics.propagate``, target < 0.2 s.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from sprn import dynamics
from sprn.missiles import load_missile
from sprn.trajectory import Shot, fly_guided, solve

KUSONG = Shot(missile="hwasong-12", launch_lat_deg=40.0659, launch_lon_deg=125.2099, apogee_km=2111.5,
              range_km=787.0, azimuth_deg=75.0)


def median_time_s(fun: Callable[[], object], runs: int) -> float:
    """Median wall time (s) of ``runs`` calls after one warm-up call."""
    fun()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fun()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    missile = load_missile(KUSONG.missile)
    guidance = solve(KUSONG)
    truth = fly_guided(missile, guidance, KUSONG.launch_lat_deg, KUSONG.launch_lon_deg)
    states = truth.state(np.linspace(truth.events["separation"], truth.events["reentry_100km"], 10_000))

    rows = [
        ("truth trajectory (fly_guided, RV + booster)", 0.2,
         median_time_s(lambda: fly_guided(missile, guidance, KUSONG.launch_lat_deg, KUSONG.launch_lon_deg), 5)),
        ("solver call (solve, Kusong apogee + range)", 2.0, median_time_s(lambda: solve(KUSONG), 3)),
        ("dynamics.propagate 10,000 states by 60 s", 0.2,
         median_time_s(lambda: dynamics.propagate(states, 60.0), 5)),
    ]
    for name, target, seconds in rows:
        verdict = "ok" if seconds < target else "OVER"
        print(f"{name:48s} {seconds:7.3f} s   target < {target:g} s   {verdict}")


if __name__ == "__main__":
    main()
