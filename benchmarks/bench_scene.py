"""Wall time of the truth and radar side of a scene: flying it, and the simulation's dwells.

Run: ``python benchmarks/bench_scene.py``. The flagship (Kusong, 2017 network) as a scene,
with the simulation's tracker idle (``init_min_fixes`` out of reach) so that only the
sites, the scans and the links are timed:

1. flying the scene from the reentry vehicle already flown (what a Monte Carlo run adds):
   its spent stage, and its stage and four debris pieces;
2. the simulation with the default scene (one reentry vehicle, as before scenes), with the
   stage, and with the stage and false alarms (about 3,700 false alarms in the run);
3. the scan of one dwell on two unresolved objects with a search fence.

The issue's budget for the whole flagship scene, tracker included, is 1.5 s after import:
the site side should stay a small part of it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from _timing import KUSONG, best_of

from sprn import engagement, scenario, sim
from sprn.radar import network
from sprn.radar.detection import dwell_geometry
from sprn.radar.scan import scan, search_fence
from sprn.tracking import TrackerConfig
from sprn.trajectory import fly
from sprn.trajectory.scene import SceneConfig

REPEATS = 3


def main() -> None:
    base = scenario.load(KUSONG)
    rv = fly(base.shot)
    quiet = TrackerConfig(init_min_fixes=10**9)
    configs = {
        "default scene": SceneConfig(),
        "stage": SceneConfig(stages=True),
        "stage + 4 debris": SceneConfig(stages=True, debris=4),
        "stage + false alarms": SceneConfig(stages=True, false_alarms=True),
    }
    for name, config in configs.items():
        scen = dataclasses.replace(base, scene=config)
        t_fly, scene = best_of(REPEATS, lambda scen=scen: engagement.fly_scenario(scen, rv))
        t_sim, out = best_of(REPEATS, lambda scen=scen, scene=scene: sim.run(scene, scen.sites, scen.seed, quiet,
                                                                            scen.sim, scen.scene))
        n_false = sum(1 for ids in out.detection_objects if not ids)
        print(f"{name:22s} fly {t_fly * 1e3:7.1f} ms   simulate {t_sim * 1e3:7.1f} ms   "
              f"{len(out.detections)} reports ({n_false} false alarms)")
    site = network.site("mishelevka")
    t = rv.events["separation"] + 60.0
    x = np.stack([rv.state(t), rv.state(t) + np.array([50.0, 0.0, 0.0, 3.0, 0.0, 0.0])])
    cos = dwell_geometry(site, x[:, :3])[1]
    fence = search_fence(site)
    rng = np.random.default_rng(1)
    n = 2000
    t_scan, _ = best_of(REPEATS, lambda: [scan(site, t, x, np.array([30.0, 3.0]), [1, 3], ["stage", "rv"], cos, rng,
                                               regions=(fence,)) for _ in range(n)])
    print(f"scan of two unresolved objects and Mishelevka's fence: {t_scan / n * 1e6:.0f} us per dwell")


if __name__ == "__main__":
    main()
