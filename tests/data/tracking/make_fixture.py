"""Generate tests/data/tracking/{sites,measurements}.csv (see the README there).

Run from the repository root: ``python tests/data/tracking/make_fixture.py``.
"""

import csv
import math
from pathlib import Path

from sprn import scenario, sim
from sprn.radar import Site
from sprn.tracking import TrackerConfig
from sprn.trajectory import fly

ROOT = Path("tests/data/tracking")
SITE_COLUMNS = ["site", "lat_deg", "lon_deg", "alt_m", "sigma_range_m", "sigma_az_deg", "sigma_el_deg", "revisit_s",
                "min_el_deg", "max_range_km", "sigma_range_rate_mps"]
# The own-radars scenario's two sites; range rate at Mishelevka is an assumption added here.
SITE_ROWS = [
    ("mishelevka", 52.8555, 103.2317, 430.0, 100.0, 0.1, 0.1, 10.0, 2.0, 6000.0, 1.0),
    ("balkhash", 46.6031, 74.531, 400.0, 100.0, 0.1, 0.1, 10.0, 2.0, 6000.0, None),
]


def main() -> None:
    scen = scenario.load("scenarios/kusong-2017-05-14-own-radars.toml")
    truth = fly(scen.shot)
    sites = [Site.from_degrees(**{k: v for k, v in zip(["name", *SITE_COLUMNS[1:]], row)}) for row in SITE_ROWS]
    quiet = TrackerConfig(init_min_fixes=10**9)  # the simulation's own tracker stays idle
    out = sim.run(truth, sites, 7, quiet, sim.SimConfig(predict_every_s=1e9, checkpoints_s=()))
    with open(ROOT / "sites.csv", "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(SITE_COLUMNS)
        writer.writerows(["" if v is None else v for v in row] for row in SITE_ROWS)
    with open(ROOT / "measurements.csv", "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["t_s", "site", "range_m", "azimuth_deg", "elevation_deg", "range_rate_mps", "t_arrival_s",
                         "snr_db"])
        for d in out.detections:
            rr = f"{d.z[3]:.6f}" if d.z.size == 4 else ""
            writer.writerow([f"{d.t_s:.6f}", d.site, f"{d.z[0]:.6f}", f"{math.degrees(d.z[1]):.9f}",
                             f"{math.degrees(d.z[2]):.9f}", rr, f"{d.t_arrival_s:.6f}", "inf"])


if __name__ == "__main__":
    main()
