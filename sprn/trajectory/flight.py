"""The truth flight: boost, separation, free flight and reentry to the ground.

Every phase is integrated with scipy's ``solve_ivp`` with dense output and ``rtol = 1e-8``
by default: RK45 in the atmosphere, whose density has kinks (the US 1976 layers and
table) at which an eighth-order method rejects many steps (there the fifth-order pair
needs about a third of the derivative evaluations for the same accuracy), and DOP853,
100 times tighter, for the smooth free flight above the drag ceiling. A 100 times tighter
``rtol`` moves the Kusong impact by 0.2 m. After separation the reentry vehicle and the
spent booster are integrated together as one 12-component system (they share the free
flight above the atmosphere) until the first of them reaches the ground.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.integrate import solve_ivp
from scipy.optimize import brentq, minimize_scalar

from sprn import dynamics, geo
from sprn.errors import ShotError
from sprn.missiles import G0_MPS2, Missile
from sprn.trajectory import boost
from sprn.trajectory.shot import Guidance

FloatArray = NDArray[np.float64]
DEFAULT_RTOL = 1e-8
REENTRY_ALT_M = 100.0e3
MAX_FLIGHT_S = 20000.0
VACUUM_RTOL_FACTOR = 0.01
"""Free flight above the atmosphere is smooth and cheap: it is integrated 100 times tighter."""
AIR_RTOL_FACTOR = 10.0
"""Reentry lasts a minute and ends at the impact: 10 times looser moves the impact by about
a millimetre, while the boost's velocity error, carried through the whole flight, sets the
accuracy of the impact point."""
DEBRIS_RTOL = 1e-5
"""Tolerance for the spent booster once the reentry vehicle (body 0) has landed."""


@dataclass(frozen=True, slots=True)
class Piece:
    """Dense output of one integration: valid on [t0_s, t1_s]; columns ``col:col + 6``."""

    t0_s: float
    t1_s: float
    sol: Callable[[FloatArray], FloatArray]
    col: int

    def __call__(self, t: FloatArray) -> FloatArray:
        return np.asarray(self.sol(t))[self.col:self.col + 6].T


@dataclass(frozen=True, slots=True, kw_only=True)
class Trajectory:
    """A flown trajectory (truth): dense states, nodes and events of one body.

    ``state(t)`` gives ECEF position (m) and Earth-relative velocity (m/s) at times ``t``
    (s after launch), valid on ``[0, t_impact_s]`` (times outside are clipped). Before
    separation the body is the whole missile. ``events`` holds ``burnout``, ``separation``,
    ``apogee``, ``reentry_100km`` (the first time after apogee at or below 100 km: the
    apogee itself for a missile that never climbs above 100 km), ``impact`` and
    ``staging_i`` (drop of stage ``i``), in s after launch. ``t_s`` and ``x`` are the
    integration nodes and states (read-only); ``apogee_m`` is the highest geodetic height,
    ``range_m`` the geodesic launch-to-impact distance, ``max_decel_mps2`` the peak drag
    deceleration, ``inv_beta_m2_kg`` the body's ``1 / beta`` (the truth's hidden parameter)
    and ``booster`` the spent last stage after separation (``None`` on the booster itself
    and for missiles that do not separate).
    """

    missile: Missile
    guidance: Guidance
    launch_lat_deg: float
    launch_lon_deg: float
    launch_alt_m: float
    t_s: FloatArray = field(compare=False)
    x: FloatArray = field(compare=False)
    events: dict[str, float]
    inv_beta_m2_kg: float
    apogee_m: float
    range_m: float
    impact_lat_deg: float
    impact_lon_deg: float
    max_speed_mps: float
    max_decel_mps2: float
    booster: Trajectory | None = None
    pieces: tuple[Piece, ...] = field(default=(), repr=False, compare=False)

    @property
    def t_impact_s(self) -> float:
        """Time of impact (s after launch)."""
        return self.events["impact"]

    @property
    def flight_time_s(self) -> float:
        """Launch to impact (s)."""
        return self.events["impact"]

    @property
    def azimuth_deg(self) -> float:
        """Launch azimuth (deg)."""
        return self.guidance.azimuth_deg

    @property
    def loft(self) -> float:
        """The guidance's loft setting (0 = minimum energy)."""
        return self.guidance.loft

    def state(self, t_s: ArrayLike) -> FloatArray:
        """ECEF states ``[r_m, v_mps]`` at times ``t_s``; shape ``t_s.shape + (6,)``."""
        t = np.clip(np.asarray(t_s, dtype=float), 0.0, self.t_impact_s)
        flat = t.ravel()
        out = np.empty((flat.size, 6))
        done = np.zeros(flat.size, dtype=bool)
        for piece in self.pieces:
            mask = ~done & (flat <= piece.t1_s)
            if mask.any():
                out[mask] = piece(flat[mask])
                done |= mask
        return out.reshape(t.shape + (6,))

    def phase(self, t_s: ArrayLike) -> NDArray[np.str_]:
        """``"boost"``, ``"midcourse"`` or ``"reentry"`` at times ``t_s``."""
        t = np.asarray(t_s, dtype=float)
        return np.where(t < self.events["burnout"], "boost",
                        np.where(t >= self.events["reentry_100km"], "reentry", "midcourse"))

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures of the flight (km, s, deg, m/s, g)."""
        ev = self.events
        return {
            "missile": self.missile.key,
            "apogee_km": self.apogee_m / 1000.0,
            "range_km": self.range_m / 1000.0,
            "flight_time_s": self.flight_time_s,
            "burnout_s": ev["burnout"],
            "separation_s": ev["separation"],
            "apogee_s": ev["apogee"],
            "reentry_100km_s": ev["reentry_100km"],
            "impact_s": ev["impact"],
            "launch_lat_deg": self.launch_lat_deg,
            "launch_lon_deg": self.launch_lon_deg,
            "impact_lat_deg": self.impact_lat_deg,
            "impact_lon_deg": self.impact_lon_deg,
            "max_speed_mps": self.max_speed_mps,
            "max_decel_g": self.max_decel_mps2 / G0_MPS2,
            "azimuth_deg": self.guidance.azimuth_deg,
            "kick_deg": self.guidance.kick_deg,
            "burn_s": self.guidance.burn_s,
            "payload_kg": self.guidance.payload_kg,
            "loft": self.guidance.loft,
        }


def geodetic_height_m(x: FloatArray) -> FloatArray:
    """Exact ellipsoidal height (m) of states or positions (..., >=3)."""
    return geo.ecef_to_lla(np.asarray(x)[..., :3])[2]


def climb_rate_mps(x: FloatArray) -> FloatArray:
    """Rate of change of the geodetic height (m/s): velocity along the ellipsoid normal."""
    lat, lon, _ = geo.ecef_to_lla(np.asarray(x)[..., :3])
    normal = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
    return np.asarray(np.sum(normal * np.asarray(x)[..., 3:6], axis=-1), dtype=float)


def _tolerances(rtol: float) -> dict[str, float]:
    return {"rtol": rtol, "atol": rtol}


def _fly_boost(missile: Missile, guidance: Guidance, x0: FloatArray, lat: float, lon: float,
               rtol: float) -> tuple[list[Piece], list[FloatArray], list[FloatArray], dict[str, float], FloatArray]:
    """Integrate the powered flight interval by interval up to separation."""
    if not missile.vertical_rise_s < guidance.burn_s <= missile.total_burn_s + 1e-9:
        raise ShotError(f"burn_s = {guidance.burn_s!r}: expected more than the vertical rise "
                        f"({missile.vertical_rise_s} s) and at most the {missile.key}'s {missile.total_burn_s} s")
    plan = boost.boost_plan(missile, guidance.payload_kg, guidance.burn_s)
    guide = boost.steering(lat, lon, np.radians(guidance.azimuth_deg), np.radians(guidance.kick_deg), missile)
    pieces, ts, xs = [], [], []
    x = x0
    for iv in plan.intervals:
        def rhs(t: float, y: FloatArray, iv: boost.Interval = iv) -> FloatArray:
            return np.asarray(boost.powered_derivative(t, y[None, :], iv, guide, missile.area_m2)[0])

        sol = solve_ivp(rhs, (iv.t0_s, iv.t1_s), x, method="RK45", dense_output=True, **_tolerances(rtol))
        pieces.append(Piece(iv.t0_s, iv.t1_s, sol.sol, 0))
        ts.append(sol.t)
        xs.append(sol.y.T)
        x = sol.y[:, -1]
        if geodetic_height_m(x) < -1.0:
            raise ShotError(f"kick_deg = {guidance.kick_deg!r}: the missile hits the ground during boost")
    return pieces, ts, xs, dict(plan.events), x


def _impact_event(k: int) -> Callable[[float, FloatArray], float]:
    def event(t: float, y: FloatArray) -> float:
        return float(dynamics.altitude_m(y[6 * k:6 * k + 3]))

    event.terminal = True  # type: ignore[attr-defined]
    event.direction = -1  # type: ignore[attr-defined]
    return event


def _ceiling_event(direction: int) -> Callable[[float, FloatArray], float]:
    """Lowest body crossing the drag ceiling (down: one enters the air; up: all have left it)."""
    def event(t: float, y: FloatArray) -> float:
        return float(np.min(dynamics.altitude_m(y.reshape(-1, 6)[:, :3]))) - boost.DRAG_CEILING_M

    event.terminal = True  # type: ignore[attr-defined]
    event.direction = direction  # type: ignore[attr-defined]
    return event


def _above_ceiling(x: FloatArray) -> bool:
    return bool(np.min(dynamics.altitude_m(x[:, :3])) > boost.DRAG_CEILING_M + 1.0)


def coast(t0_s: float, x0: FloatArray, inv_beta_m2_kg: ArrayLike, rtol: float = DEFAULT_RTOL,
          t_max_s: float = MAX_FLIGHT_S) -> tuple[list[list[Piece]], list[FloatArray], list[FloatArray], FloatArray]:
    """Unpowered flight of K bodies (``x0`` of shape (K, 6)) to the ground (0 m geodetic).

    Drag applies below :data:`boost.DRAG_CEILING_M` with each body's ``1 / beta``. While no
    body feels drag the flight is smooth and DOP853 integrates it (with ``rtol`` times
    :data:`VACUUM_RTOL_FACTOR`); in the air, where the atmosphere's kinks are, RK45 (with
    ``rtol`` times :data:`AIR_RTOL_FACTOR`). Body 0 is the reentry vehicle; once it has
    landed the others (debris) are finished with at least :data:`DEBRIS_RTOL`. Returns,
    per body, its dense pieces, node times and node states, and the impact times.

    Raises
    ------
    ShotError
        If a body is still flying at ``t_max_s`` (it went into orbit).
    """
    inv_beta = np.atleast_1d(np.asarray(inv_beta_m2_kg, dtype=float))
    k_all = len(inv_beta)
    x = np.array(x0, dtype=float).reshape(k_all, 6)
    pieces: list[list[Piece]] = [[] for _ in range(k_all)]
    ts: list[list[FloatArray]] = [[] for _ in range(k_all)]
    xs: list[list[FloatArray]] = [[] for _ in range(k_all)]
    impact = np.full(k_all, math.nan)
    active = list(range(k_all))
    t = t0_s
    in_air = not _above_ceiling(x)
    while active:
        ib = inv_beta[active]
        drag = bool(np.any(ib))
        smooth = not (drag and in_air)

        def rhs(_t: float, y: FloatArray, ib: FloatArray = ib, smooth: bool = smooth) -> FloatArray:
            s = y.reshape(-1, 6)
            if smooth:
                return dynamics.ballistic_derivative(s).ravel()
            low = dynamics.altitude_m(s[:, :3]) < boost.DRAG_CEILING_M
            return dynamics.ballistic_derivative(s, np.where(low, ib, 0.0)).ravel()

        events = [_impact_event(j) for j in range(len(active))]
        if drag:
            events.append(_ceiling_event(+1 if in_air else -1))
        tol = rtol * (VACUUM_RTOL_FACTOR if smooth else AIR_RTOL_FACTOR)
        if 0 not in active:
            tol = max(tol, DEBRIS_RTOL)
        sol = solve_ivp(rhs, (t, t_max_s), x[active].ravel(), method="DOP853" if smooth else "RK45",
                        events=events, dense_output=True, **_tolerances(tol))
        if sol.status != 1:
            raise ShotError(f"t = {t_max_s} s: expected the missile to be back on the ground (is it in orbit?)")
        y = sol.y.T.reshape(len(sol.t), -1, 6)
        for j, k in enumerate(active):
            pieces[k].append(Piece(t, sol.t[-1], sol.sol, 6 * j))
            ts[k].append(sol.t)
            xs[k].append(y[:, j])
            x[k] = y[-1, j]
        t = sol.t[-1]
        landed = [active[j] for j in range(len(active)) if len(sol.t_events[j])]
        for k in landed:
            impact[k] = t
        active = [k for k in active if k not in landed]
        in_air = (not in_air) if not landed else bool(active) and not _above_ceiling(x[active])
    return pieces, [np.concatenate(v) for v in ts], [np.concatenate(v) for v in xs], impact


def _crossing(t: FloatArray, values: FloatArray, fun: Callable[[float], float], falling: bool) -> float | None:
    """First time between nodes ``t`` where ``fun`` (sampled as ``values``) crosses zero."""
    sign = values > 0.0 if falling else values < 0.0
    idx = np.nonzero(sign[:-1] & ~sign[1:])[0]
    if not len(idx):
        return None
    i = int(idx[0])
    if t[i + 1] <= t[i]:
        return float(t[i])
    return float(brentq(fun, t[i], t[i + 1], xtol=1e-9))


def _peak(fun: Callable[[FloatArray], FloatArray], traj: Trajectory, t0: float, t1: float) -> float:
    """Maximum over [t0, t1] of ``fun`` of the states: the best integration node (or end),
    refined by a bounded scalar search between its neighbours."""
    inside = (traj.t_s > t0) & (traj.t_s < t1)
    grid = np.concatenate([[t0], traj.t_s[inside], [t1]])
    values = fun(np.concatenate([traj.state(t0)[None, :], traj.x[inside], traj.state(t1)[None, :]]))
    i = int(np.argmax(values))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    if hi <= lo:
        return float(values[i])
    res = minimize_scalar(lambda s: -float(fun(traj.state(s))), bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-3})
    return max(float(values[i]), -float(res.fun))


def body(missile: Missile, guidance: Guidance, launch: tuple[float, float, float], pieces: list[Piece],
          t: FloatArray, x: FloatArray, events: dict[str, float], inv_beta: float,
          booster: Trajectory | None) -> Trajectory:
    """Locate a body's apogee and reentry, measure its peaks and build its record."""
    events = dict(events)
    order = np.argsort(t, kind="stable")
    t, x = t[order], x[order]
    keep = np.concatenate([[True], np.diff(t) > 0.0])
    t, x = t[keep], x[keep]
    proto = Trajectory(missile=missile, guidance=guidance, launch_lat_deg=launch[0], launch_lon_deg=launch[1],
                       launch_alt_m=launch[2], t_s=t, x=x, events=events, inv_beta_m2_kg=inv_beta,
                       apogee_m=0.0, range_m=0.0, impact_lat_deg=0.0, impact_lon_deg=0.0, max_speed_mps=0.0,
                       max_decel_mps2=0.0, booster=booster, pieces=tuple(pieces))

    def climb(s: float) -> float:
        return float(climb_rate_mps(proto.state(s)))

    t_apogee = _crossing(t, climb_rate_mps(x), climb, falling=True)
    if t_apogee is None:
        t_apogee = float(t[int(np.argmax(geodetic_height_m(x)))])
    events["apogee"] = t_apogee
    apogee_m = float(geodetic_height_m(proto.state(t_apogee)))
    after = t >= t_apogee
    if apogee_m <= REENTRY_ALT_M:
        events["reentry_100km"] = t_apogee
    else:
        t_re = _crossing(t[after], geodetic_height_m(x[after]) - REENTRY_ALT_M,
                         lambda s: float(geodetic_height_m(proto.state(s))) - REENTRY_ALT_M, falling=True)
        events["reentry_100km"] = t_re if t_re is not None else events["impact"]
    lat, lon, _ = geo.ecef_to_lla(proto.state(events["impact"])[:3])
    lat_deg, lon_deg = math.degrees(float(lat)), math.degrees(float(lon))
    range_m = float(geo.geodesic_distance_m(launch[0], launch[1], lat_deg, lon_deg))

    def speed(states: FloatArray) -> FloatArray:
        return np.asarray(np.linalg.norm(states[..., 3:6], axis=-1), dtype=float)

    def decel(states: FloatArray) -> FloatArray:
        return np.asarray(np.linalg.norm(dynamics.drag_acceleration(states, inv_beta), axis=-1), dtype=float)

    max_speed = _peak(speed, proto, 0.0, events["impact"])
    start = min(events["reentry_100km"], events["impact"])
    max_decel = _peak(decel, proto, start, events["impact"]) if inv_beta > 0.0 else 0.0
    t.setflags(write=False)
    x.setflags(write=False)
    return Trajectory(missile=missile, guidance=guidance, launch_lat_deg=launch[0], launch_lon_deg=launch[1],
                      launch_alt_m=launch[2], t_s=t, x=x, events=events, inv_beta_m2_kg=inv_beta,
                      apogee_m=apogee_m, range_m=range_m, impact_lat_deg=lat_deg, impact_lon_deg=lon_deg,
                      max_speed_mps=max_speed, max_decel_mps2=max_decel, booster=booster, pieces=tuple(pieces))


def rv_inv_beta(missile: Missile, payload_kg: float) -> float:
    """1 / beta (m^2/kg) of the reentry vehicle: the same shell, so beta scales with mass."""
    return 1.0 / (missile.rv_beta_kg_m2 * payload_kg / missile.payload_kg)


def fly_guided(missile: Missile, guidance: Guidance, launch_lat_deg: float, launch_lon_deg: float,
               launch_alt_m: float = 0.0, rtol: float = DEFAULT_RTOL) -> Trajectory:
    """Fly ``missile`` from the launch point with ``guidance``: the truth trajectory.

    Raises
    ------
    ShotError
        If the missile hits the ground while thrusting or does not come down.
    """
    lat, lon = math.radians(launch_lat_deg), math.radians(launch_lon_deg)
    x0 = boost.launch_state(lat, lon, launch_alt_m, 1)[0]
    b_pieces, b_ts, b_xs, events, x_sep = _fly_boost(missile, guidance, x0, lat, lon, rtol)
    t_sep = events["separation"]
    ib_rv = rv_inv_beta(missile, guidance.payload_kg)
    betas = [ib_rv, 1.0 / missile.booster_beta_kg_m2] if missile.separates else [ib_rv]
    c_pieces, c_ts, c_xs, impact = coast(t_sep, np.tile(x_sep, (len(betas), 1)), betas, rtol)
    launch = (launch_lat_deg, launch_lon_deg, launch_alt_m)
    bodies: list[Trajectory] = []
    for k in reversed(range(len(betas))):
        ev = dict(events, impact=float(impact[k]))
        bodies.append(body(missile, guidance, launch, b_pieces + c_pieces[k], np.concatenate(b_ts + [c_ts[k]]),
                            np.concatenate(b_xs + [c_xs[k]]), ev, betas[k], bodies[0] if k == 0 and bodies else None))
    return bodies[-1]
