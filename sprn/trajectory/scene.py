"""Scenes: every object the missiles of a scenario put in the sky, as truth.

A missile's scene is its reentry vehicle (before separation: the whole missile), each
spent stage after it is dropped and any debris released at separation. A salvo is the
scenes of several missiles, each launched at its own time after the scenario's epoch.

Times: a :class:`SceneObject`'s ``trajectory`` keeps the times of its missile (seconds
after that missile's launch); everything else here (``state``, ``exists``, ``phase``,
``t_start_s``, ``t_impact_s``, :attr:`Scene.t_end_s`) is in seconds after the scenario's
epoch.

The physics of the spent stages and debris is the flight model's (:func:`flight.coast`:
J2 gravity, drag below the drag ceiling with each body's ballistic coefficient); what is
added here are the separation impulses and the draws, stated as constants below.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:  # the integrators load only when a scene is flown
    from sprn.trajectory.flight import Trajectory
    from sprn.trajectory.shot import Shot

FloatArray = NDArray[np.float64]

KINDS = ("reentry-vehicle", "stage", "debris")
"""Object kinds; each is also the default RCS model key of ``sprn/data/sites.toml``."""

RCS_OF_KIND = {"reentry-vehicle": "reentry-vehicle", "stage": "spent-stage", "debris": "debris"}
"""RCS model (``[rcs.*]`` of ``sprn/data/sites.toml``) of each kind of object."""

BOOST_RCS = "booster-boost"
"""RCS model of the reentry-vehicle object while the missile thrusts (it is the whole missile)."""

STAGE_SEPARATION_MPS = 3.0
"""Speed (m/s) at which a dropped stage falls back from the rest of the missile, along the
missile's velocity. Assumed (no figure is public for North Korean missiles): spring and
pneumatic separation systems push bodies apart at about 1-3 m/s, small retro-rockets at a few
to tens of m/s; 3 m/s is the "few m/s" of the brief's closely spaced pair. The reentry
vehicle keeps the velocity its guidance gave it, so the whole relative velocity is the
stage's."""

DEBRIS_SPREAD_MPS = 5.0
"""Default standard deviation (m/s) of each Cartesian component of a debris piece's velocity
relative to the missile at separation (isotropic Gaussian: the rms speed is sqrt(3) times
it). Assumed: of the order of the separation impulses (a few m/s), as for covers, clamps
and fragments released by the separation system."""

DEBRIS_BETA_KG_M2 = (20.0, 500.0)
"""Range of debris ballistic coefficients (kg/m^2), drawn log-uniformly. Assumed: from light
thermal covers and insulation (~20 kg/m^2) to compact metal fittings (~500 kg/m^2), below
the reentry vehicle's thousands and around the tumbling stage's ~100-150."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SceneConfig:
    """The ``[scene]`` table of a scenario: which objects are flown and seen.

    ``stages``: spent stages are flown (and the radars see them); ``debris``: pieces
    released at separation per missile; ``debris_spread_mps``: their velocity spread (see
    :data:`DEBRIS_SPREAD_MPS`); ``false_alarms``: radar dwells produce false alarms, and
    search detections are confirmed by a second dwell before they are reported
    (``confirm``, on by default: :mod:`sprn.radar.scan`; off, every threshold crossing
    reaches the command centre);
    ``aspect``: radar cross sections depend on the aspect angle (else each model's
    aspect-averaged mean, as before scenes existed). The defaults keep a run what it was
    with a single reentry vehicle.
    """

    stages: bool = False
    debris: int = 0
    debris_spread_mps: float = DEBRIS_SPREAD_MPS
    false_alarms: bool = False
    confirm: bool = True
    aspect: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SceneObject:
    """One body of a scene: a reentry vehicle, a spent stage or a debris piece.

    ``id`` is ``M<missile>-RV``, ``M<missile>-stage<i>`` or ``M<missile>-debris-<jj>``;
    ``missile`` the 1-based index of its missile in the scenario; ``t_launch_s`` that
    missile's launch (s after the epoch); ``trajectory`` its flight (times after that
    launch); ``t_start_s`` the first time (after the epoch) it exists as a separate body
    (the launch for the reentry vehicle, which is the whole missile until separation);
    ``rcs`` the key of its RCS model in ``sprn/data/sites.toml``.
    """

    id: str
    missile: int
    kind: str
    t_launch_s: float
    trajectory: Trajectory
    t_start_s: float
    rcs: str

    @property
    def t_impact_s(self) -> float:
        """Impact time (s after the epoch)."""
        return self.t_launch_s + self.trajectory.t_impact_s

    def exists(self, t_s: ArrayLike) -> NDArray[np.bool_]:
        """Whether the object flies as a separate body at times ``t_s`` (after the epoch)."""
        t = np.asarray(t_s, dtype=float)
        return np.asarray((t >= self.t_start_s) & (t <= self.t_impact_s))

    def state(self, t_s: ArrayLike) -> FloatArray:
        """ECEF states ``[r_m, v_mps]`` at times ``t_s`` (after the epoch), NaN where it does not exist."""
        t = np.asarray(t_s, dtype=float)
        x = self.trajectory.state(t - self.t_launch_s)
        return np.where(self.exists(t)[..., None], x, np.nan)

    def phase(self, t_s: ArrayLike) -> NDArray[np.str_]:
        """``"boost"``, ``"midcourse"``, ``"reentry"`` or ``""`` (not existing) at times ``t_s``.

        Only the reentry vehicle (the whole missile until separation) is ever in boost; a
        dropped stage or a debris piece coasts from the moment it exists.
        """
        t = np.asarray(t_s, dtype=float)
        ph = self.trajectory.phase(t - self.t_launch_s)
        if self.kind != "reentry-vehicle":
            ph = np.where(ph == "boost", "midcourse", ph)
        return np.asarray(np.where(self.exists(t), ph, ""))

    def rcs_keys(self, t_s: ArrayLike) -> NDArray[np.str_]:
        """The RCS model key at times ``t_s``: :data:`BOOST_RCS` while the missile thrusts, else ``rcs``."""
        return np.asarray(np.where(self.phase(t_s) == "boost", BOOST_RCS, self.rcs))


@dataclass(frozen=True, slots=True, kw_only=True)
class Scene:
    """Every object of a scenario's missiles (reentry vehicles first within each missile)."""

    objects: tuple[SceneObject, ...]

    def __post_init__(self) -> None:
        if not self.objects:
            raise ValueError("a scene needs at least one object")
        ids = [o.id for o in self.objects]
        if len(set(ids)) != len(ids):
            raise ValueError(f"object ids must be unique: {ids}")

    @property
    def t_end_s(self) -> float:
        """The last impact of any object (s after the epoch)."""
        return max(o.t_impact_s for o in self.objects)

    @property
    def ids(self) -> tuple[str, ...]:
        """The objects' ids, in order."""
        return tuple(o.id for o in self.objects)

    def reentry_vehicles(self) -> tuple[SceneObject, ...]:
        """The reentry vehicles, in missile order."""
        return tuple(o for o in self.objects if o.kind == "reentry-vehicle")

    def states(self, t_s: ArrayLike) -> FloatArray:
        """Every object's states at times ``t_s``: shape ``(objects,) + t_s.shape + (6,)``, NaN where absent."""
        return np.stack([o.state(t_s) for o in self.objects])

    @classmethod
    def of(cls, trajectory: Trajectory) -> Scene:
        """The scene of one reentry vehicle launched at the epoch (no stage, no debris)."""
        return cls(objects=(_rv(trajectory, 1, 0.0),))


def _rv(trajectory: Trajectory, missile: int, t_launch_s: float) -> SceneObject:
    return SceneObject(id=f"M{missile}-RV", missile=missile, kind="reentry-vehicle", t_launch_s=t_launch_s,
                       trajectory=trajectory, t_start_s=t_launch_s, rcs=RCS_OF_KIND["reentry-vehicle"])


def isotropic_kicks(n: int, spread_mps: float, rng: np.random.Generator) -> FloatArray:
    """``n`` velocity changes (m/s), each Cartesian component normal with std ``spread_mps``."""
    return np.asarray(rng.standard_normal((n, 3)) * spread_mps, dtype=float)


def debris_betas(n: int, rng: np.random.Generator, limits: tuple[float, float] = DEBRIS_BETA_KG_M2) -> FloatArray:
    """``n`` ballistic coefficients (kg/m^2) drawn log-uniformly between ``limits``."""
    lo, hi = math.log(limits[0]), math.log(limits[1])
    return np.asarray(np.exp(rng.uniform(lo, hi, n)), dtype=float)


def drop_times(trajectory: Trajectory) -> list[tuple[int, float]]:
    """``(stage number, time after launch)`` at which each stage leaves the missile.

    Lower stages at their ``staging_i`` events; the last stage at separation (missiles
    that reenter whole, ``separates = False``, drop no last stage).
    """
    ev = trajectory.events
    n = len(trajectory.missile.stages)
    out = [(i, ev[f"staging_{i}"]) for i in range(1, n) if f"staging_{i}" in ev]
    if trajectory.missile.separates:
        out.append((n, ev["separation"]))
    return out


def missile_objects(rv: Trajectory, missile: int, t_launch_s: float, config: SceneConfig,
                    rng: np.random.Generator) -> list[SceneObject]:
    """The objects of one missile: its reentry vehicle ``rv`` and, as ``config`` asks, its
    spent stages (each pushed back by :data:`STAGE_SEPARATION_MPS` along the velocity) and
    ``config.debris`` pieces released at separation (velocity spread and ballistic
    coefficients drawn from ``rng``), all flown together by :func:`flight.coast`."""
    objects = [_rv(rv, missile, t_launch_s)]
    drops = drop_times(rv) if config.stages else []
    t_sep = rv.events["separation"]
    n_debris = config.debris if rv.missile.separates else 0
    x0: list[FloatArray] = []
    t0: list[float] = []
    inv_beta: list[float] = []
    names: list[tuple[str, str]] = []
    for i, t_drop in drops:
        x = rv.state(t_drop).copy()
        x[3:6] -= STAGE_SEPARATION_MPS * x[3:6] / np.linalg.norm(x[3:6])
        x0.append(x)
        t0.append(t_drop)
        inv_beta.append(1.0 / rv.missile.booster_beta_kg_m2)
        names.append((f"M{missile}-stage{i}", "stage"))
    if n_debris:
        x_sep = rv.state(t_sep)
        kicks = isotropic_kicks(n_debris, config.debris_spread_mps, rng)
        betas = debris_betas(n_debris, rng)
        for j in range(n_debris):
            x0.append(np.concatenate([x_sep[:3], x_sep[3:6] + kicks[j]]))
            t0.append(t_sep)
            inv_beta.append(1.0 / float(betas[j]))
            names.append((f"M{missile}-debris-{j + 1:02d}", "debris"))
    for t_drop in sorted(set(t0)):
        group = [k for k in range(len(t0)) if t0[k] == t_drop]
        flights = fly_released(rv, t_drop, np.array([x0[k] for k in group]), np.array([inv_beta[k] for k in group]))
        for k, traj in zip(group, flights):
            name, kind = names[k]
            objects.append(SceneObject(id=name, missile=missile, kind=kind, t_launch_s=t_launch_s, trajectory=traj,
                                       t_start_s=t_launch_s + t_drop, rcs=RCS_OF_KIND[kind]))
    order = {name: k for k, (name, _) in enumerate(names)}
    return [objects[0], *sorted(objects[1:], key=lambda o: order[o.id])]


def fly_released(rv: Trajectory, t_release_s: float, x0: FloatArray, inv_beta_m2_kg: FloatArray) -> list[Trajectory]:
    """Bodies released from the missile ``rv`` at ``t_release_s`` (after launch) with states
    ``x0`` (K, 6) and ``1 / beta`` each, flown to the ground by :func:`flight.coast`.

    Each body's trajectory is the missile's up to the release, then its own free flight
    (with its events located by the flight model as for the reentry vehicle).
    """
    from sprn.trajectory import flight

    pieces, ts, xs, impact = flight.coast(t_release_s, x0, inv_beta_m2_kg)
    before = [p for p in rv.pieces if p.t1_s <= t_release_s + 1e-9]
    keep = rv.t_s < t_release_s
    launch = (rv.launch_lat_deg, rv.launch_lon_deg, rv.launch_alt_m)
    base = {k: v for k, v in rv.events.items() if k not in ("apogee", "reentry_100km", "impact")}
    out = []
    for k in range(len(x0)):
        ev = dict(base, impact=float(impact[k]))
        out.append(flight.body(rv.missile, rv.guidance, launch, before + pieces[k],
                               np.concatenate([rv.t_s[keep], ts[k]]), np.concatenate([rv.x[keep], xs[k]]),
                               ev, float(inv_beta_m2_kg[k]), None))
    return out


def fly_scene(shots: Sequence[Shot], launch_times_s: Sequence[float], config: SceneConfig,
              rng: np.random.Generator, flights: Sequence[Trajectory] = ()) -> Scene:
    """Fly every missile of a scenario and what it releases: the scene.

    ``shots[i]`` is launched ``launch_times_s[i]`` after the epoch; ``flights`` are
    reentry-vehicle trajectories already flown for the first shots (e.g. by a Monte Carlo
    loop that flies its base shot once); the others are flown here (:func:`solver.fly`).
    The draws (debris velocities and ballistic coefficients) come from ``rng``, missile by
    missile in order.

    Raises
    ------
    sprn.errors.ShotError
        For a shot its missile cannot fly.
    """
    from sprn.trajectory import solver

    if len(shots) != len(launch_times_s):
        raise ValueError(f"{len(shots)} shots but {len(launch_times_s)} launch times")
    objects: list[SceneObject] = []
    for i, (shot, t_launch) in enumerate(zip(shots, launch_times_s)):
        rv = flights[i] if i < len(flights) else solver.fly(shot)
        objects.extend(missile_objects(rv, i + 1, float(t_launch), config, rng))
    return Scene(objects=tuple(objects))


# --- where the objects cannot be -----------------------------------------------------------

REACH_STEP_S = 4.0
"""Spacing (s) of the coarse positions :func:`may_be_within` bounds the objects by."""

_PATHS: dict[int, tuple[Scene, FloatArray, FloatArray, FloatArray, NDArray[np.bool_]]] = {}
_PATHS_KEPT = 8


def _coarse_path(scene: Scene) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_]]:
    """Grid times ``(n,)``; the objects' positions there ``(objects, n, 3)`` (NaN where
    absent); how far each can move within a step ``(objects,)`` (m: the step times its
    flight's peak speed, :attr:`Trajectory.max_speed_mps`); and whether it exists at any
    time of each step ``(objects, n - 1)``. Kept per scene (by identity): the runs of a
    Monte Carlo share their scene."""
    hit = _PATHS.get(id(scene))
    if hit is not None and hit[0] is scene:
        return hit[1:]
    n = max(2, math.ceil(scene.t_end_s / REACH_STEP_S) + 1)
    t = REACH_STEP_S * np.arange(n, dtype=np.float64)
    r = np.stack([o.state(t)[:, :3] for o in scene.objects])
    move = REACH_STEP_S * np.array([o.trajectory.max_speed_mps for o in scene.objects])
    lives = np.stack([(t[:-1] <= o.t_impact_s) & (t[1:] >= o.t_start_s) for o in scene.objects])
    if len(_PATHS) >= _PATHS_KEPT:
        _PATHS.clear()
    _PATHS[id(scene)] = (scene, t, r, move, lives)
    return t, r, move, lives


def may_be_within(scene: Scene, centre_m: FloatArray, radius_m: float, t_s: FloatArray) -> NDArray[np.bool_]:
    """Whether any object of the scene may be within ``radius_m`` of the ECEF point
    ``centre_m`` at each time ``t_s``: False only where none can be.

    The bound: an object at distances ``a`` and ``b`` from the centre at grid times ``t_j``
    and ``t_j + h``, never faster than its flight's peak speed ``v``, is at least
    ``max(a - v u, b - v (h - u)) >= (a + b) / 2 - v h / 2`` from it at ``t_j + u``. A step
    in which an object appears or comes down (an end without a position) counts as within.
    """
    grid, r, move, lives = _coarse_path(scene)
    a = np.linalg.norm(r - np.asarray(centre_m, dtype=float), axis=-1)
    lower = 0.5 * (a[:, :-1] + a[:, 1:] - move[:, None])
    near = lives & ~(lower > radius_m)  # NaN (an end without a position) counts as near
    step = np.clip((np.asarray(t_s, dtype=float) // REACH_STEP_S).astype(int), 0, grid.size - 2)
    return np.asarray(near.any(axis=0)[step], dtype=bool)
