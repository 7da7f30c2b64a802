"""Small multi-object scenes in vacuum for the track manager's tests: objects on ballistic
arcs (``sprn.dynamics.propagate``), one radar that resolves objects in range and angle,
Poisson false alarms; each report labelled with the objects it came from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sprn import dynamics, geo
from sprn.radar import Detection, Site, measure

SITE = Site.from_degrees(name="a", lat_deg=43.0, lon_deg=132.0, alt_m=50.0, sigma_range_m=50.0,
                         sigma_az_deg=0.05, sigma_el_deg=0.05, revisit_s=2.0, min_el_deg=0.0, max_range_km=5000.0)
SITES = {SITE.name: SITE}
RANGE_RESOLUTION_M = 150.0
"""Two objects closer than this in range ..."""
BEAM_RAD = np.radians(1.0)
"""... and this in angle give one report (at their centroid)."""
FA_BOX = ((300e3, 3000e3), (np.radians(180.0), np.radians(300.0)), (np.radians(1.0), np.radians(60.0)))
"""Where false alarms fall: range (m), azimuth and elevation (rad) bounds of the radar's search volume."""


def start(lat_deg: float = 40.0, lon_deg: float = 128.0, alt_m: float = 400e3,
          v_enu: tuple[float, float, float] = (2500.0, 800.0, 1500.0)) -> np.ndarray:
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.concatenate([geo.lla_to_ecef(lat, lon, alt_m), geo.enu_rotation(lat, lon).T @ np.array(v_enu)])


@dataclass(frozen=True)
class Obj:
    """An object on a vacuum arc from ``x0`` at ``t0_s``, existing from ``t0_s`` on."""

    name: str
    x0: np.ndarray
    t0_s: float = 0.0

    def state(self, t_s: float | np.ndarray) -> np.ndarray:
        """The state at ``t_s``; at each of an array of times, ``(n, 6)`` (scoring asks for both)."""
        if np.ndim(t_s):
            return np.array([self.state(float(t)) for t in np.ravel(t_s)])
        return dynamics.propagate(self.x0, t_s - self.t0_s) if t_s > self.t0_s else self.x0


def fa_volume() -> float:
    (r0, r1), (a0, a1), (e0, e1) = FA_BOX
    return (r1 - r0) * (a1 - a0) * (e1 - e0)


def scans(objects: list[Obj], rng: np.random.Generator, t_end_s: float, step_s: float = 2.0,
          false_per_scan: float = 0.0, pd: float = 1.0) -> list[tuple[list[Detection], list[tuple[str, ...]]]]:
    """Scans of ``SITE`` every ``step_s``: each object detected with ``pd``, unresolved
    objects merged, a Poisson number of false alarms in :data:`FA_BOX`."""
    out = []
    sigma = SITE.noise_std
    for t in np.arange(0.0, t_end_s, step_s):
        seen = [(o.name, measure(SITE, o.state(t))) for o in objects if t >= o.t0_s and rng.random() < pd]
        groups: list[list[tuple[str, np.ndarray]]] = []
        for name, z in seen:
            for g in groups:
                zg = g[0][1]
                if abs(z[0] - zg[0]) < RANGE_RESOLUTION_M and np.hypot(z[1] - zg[1], z[2] - zg[2]) < BEAM_RAD:
                    g.append((name, z))
                    break
            else:
                groups.append([(name, z)])
        dets, labels = [], []
        for g in groups:
            z = np.mean([zz for _, zz in g], axis=0)
            dets.append(Detection(t_s=float(t), site=SITE.name, z=z + rng.standard_normal(3) * sigma, sigma=sigma))
            labels.append(tuple(n for n, _ in g))
        for _ in range(rng.poisson(false_per_scan)):
            z = np.array([rng.uniform(*b) for b in FA_BOX])
            dets.append(Detection(t_s=float(t), site=SITE.name, z=z, sigma=sigma))
            labels.append(())
        order = rng.permutation(len(dets))
        out.append(([dets[k] for k in order], [labels[k] for k in order]))
    return out
