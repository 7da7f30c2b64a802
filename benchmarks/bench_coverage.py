"""Benchmark: visibility of a 1-degree global grid at one altitude for every site of a preset.

Target: under 2 s per preset (refraction on). Run as
``python benchmarks/bench_coverage.py [preset] [altitude_km] [step_deg]``.
The first call includes building the refracted ray tables (cached afterwards).
"""

from __future__ import annotations

import sys
import time

from sprn.radar.coverage import coverage_grid
from sprn.radar.network import preset

TARGET_S = 2.0


def main(argv: list[str]) -> int:
    name = argv[1] if len(argv) > 1 else "sprn-2017"
    altitude_km = float(argv[2]) if len(argv) > 2 else 1000.0
    step_deg = float(argv[3]) if len(argv) > 3 else 1.0
    sites = preset(name)
    for label in ("cold", "warm"):
        t0 = time.perf_counter()
        lat, lon, mask = coverage_grid(sites, altitude_km * 1e3, step_deg)
        elapsed = time.perf_counter() - t0
        covered = mask.any(axis=0).mean()
        print(
            f"{name}: {len(sites)} sites x {lat.size} x {lon.size} grid at {altitude_km:g} km, "
            f"{label}: {elapsed:.3f} s (target < {TARGET_S:g} s); grid points seen: {covered:.1%}"
        )
    return 0 if elapsed < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
