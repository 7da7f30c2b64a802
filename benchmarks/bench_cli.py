"""Start-up time of the light commands, whole processes (issue 14: each under 0.5 s).

Run: ``python benchmarks/bench_cli.py``. Times ``sprn --help``, ``sprn sites`` and a
``sprn run`` of a file with a bad field (which must fail with exit status 2), best of five
each, with the venv's ``sprn`` script. ``tests/test_cli.py`` checks the cause (none of
them loads numba, scipy.stats, filterpy or SimPy) without a clock.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEATS = 5
TARGET_S = 0.5


def best_s(cmd: list[str], status: int) -> float:
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True)
        times.append(time.perf_counter() - t0)
        if done.returncode != status:
            raise SystemExit(f"{' '.join(cmd)}: exit status {done.returncode}, expected {status}")
    return min(times)


def main() -> None:
    sprn = str(Path(sys.executable).with_name("sprn"))
    with tempfile.TemporaryDirectory() as tmp:
        bad = Path(tmp) / "bad.toml"
        bad.write_text('name = "x"\nepoch = 2017-05-13T20:28:00Z\n[missile]\nmissile = "nope"\n')
        cases = [("sprn --help", [sprn, "--help"], 0), ("sprn sites", [sprn, "sites"], 0),
                 ("sprn run bad.toml", [sprn, "run", str(bad)], 2)]
        for name, cmd, status in cases:
            t = best_s(cmd, status)
            print(f"  {name:<20} {t:6.3f} s (target under {TARGET_S} s){'' if t < TARGET_S else '  MISSED'}")


if __name__ == "__main__":
    main()
