"""Powered flight: staging schedule, guidance and the thrusting equations of motion.

The missile flies in the rotating ECEF frame with the same gravity (point mass + J2),
Coriolis, centrifugal and drag terms as every other part of sprn (:mod:`sprn.dynamics`),
plus thrust:

    a = g_J2(r) - 2 w x v - w x (w x r) - rho |v| v C_D(M) A / (2 m) + F(h) u / m

with ``F(h) = F_vac - p(h) A_e`` (back-pressure loss) and the mass falling at each stage's
constant mass flow. Guidance (``u``, the thrust direction): vertical rise, then a linear
pitch-over to ``kick`` from the vertical towards the launch azimuth, then a gravity turn
(thrust along the Earth-relative velocity, which is the air-relative velocity in an
atmosphere that turns with the Earth) to the end of the first stage. Upper stages, above
the atmosphere, hold the flight-path angle they start with: the thrust leans off the
velocity just enough to cancel the turning of gravity (a long, low-thrust upper stage in
a pure gravity turn would bend over into the ground). The kick is the trajectory-shaping
parameter: a small kick lofts, a large one depresses.

The boost is split into intervals on which the stage, the engine and the guidance mode do
not change. The truth integrates :func:`powered_derivative` over each with ``solve_ivp``
(:mod:`sprn.trajectory.flight`); the solver's fast model with :func:`fly_boost`, a
fixed-step classical Runge-Kutta vectorised over a batch of guidance settings, whose
history is a cubic Hermite interpolant of the node states and derivatives.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import PchipInterpolator

from sprn import atmosphere, dynamics, geo
from sprn.missiles import Missile

FloatArray = NDArray[np.float64]

DRAG_CEILING_M = 200.0e3
"""Drag and back pressure are neglected above this height (m): at 200 km the US 1976 density
is 2.5e-10 kg/m^3, so the drag deceleration of a body with beta >= 100 kg/m^2 at 7 km/s is
below 7e-5 m/s^2."""

# Zero-lift drag coefficient of a slender missile body against Mach number: the shape of the
# V-2's measured curve (Sutton & Biblarz, Rocket Propulsion Elements, 9th ed., fig. 4-2),
# values read approximately; an assumption for every missile in the catalogue. Interpolated
# with a monotone cubic (PCHIP) so that the drag has no kinks for the integrator to trip on.
MACH_TABLE = np.array([0.0, 0.6, 0.8, 1.0, 1.2, 1.5, 2.0, 3.0, 4.0, 5.0, 10.0])
CD_TABLE = np.array([0.20, 0.20, 0.22, 0.36, 0.40, 0.37, 0.32, 0.26, 0.23, 0.21, 0.20])
_CD_CURVE = PchipInterpolator(MACH_TABLE, CD_TABLE)


def drag_coefficient(mach: FloatArray) -> FloatArray:
    """Zero-lift drag coefficient of the missile body at Mach number ``mach`` (held above 10)."""
    return np.asarray(_CD_CURVE(np.minimum(mach, MACH_TABLE[-1])), dtype=float)


@dataclass(frozen=True, slots=True, kw_only=True)
class Interval:
    """A piece of powered flight with one stack, one engine state and one guidance mode.

    ``mode`` is ``"vertical"``, ``"pitch"`` (over to the kick), ``"turn"`` (gravity turn,
    first stage) or ``"hold"`` (upper stages: constant flight-path angle); the stack's mass
    at ``t0_s`` is ``mass0_kg`` and falls at ``mdot_kgps`` while ``burning``.
    """

    t0_s: float
    t1_s: float
    mode: str
    burning: bool
    mass0_kg: float
    mdot_kgps: float
    thrust_vac_n: float
    exit_area_m2: float


@dataclass(frozen=True, slots=True, kw_only=True)
class BoostPlan:
    """The schedule of a boost: intervals up to separation and the named events."""

    intervals: tuple[Interval, ...]
    events: dict[str, float]
    cutoff_s: float


def burn_to_clock_s(missile: Missile, burn_s: FloatArray | float) -> FloatArray:
    """Time after launch (s) at which ``burn_s`` seconds of powered flight are done.

    Powered time is summed over the stages; the coasts between stages are added.
    """
    burn = np.asarray(burn_s, dtype=float)
    clock = burn.copy()
    done = 0.0
    for stage in missile.stages[:-1]:
        done += stage.burn_time_s
        clock = clock + np.where(burn > done, stage.coast_s, 0.0)
    return clock


def boost_plan(missile: Missile, payload_kg: float, burn_s: float) -> BoostPlan:
    """Build the intervals of a boost that shuts down after ``burn_s`` s of powered flight.

    Events: ``staging_i`` (stage ``i`` burnt out and dropped), ``burnout`` (engine
    cut-off) and ``separation`` (``separation_delay_s`` later). The intervals run up to
    separation; after cut-off they coast.
    """
    t_vert = missile.vertical_rise_s
    t_pitch_end = t_vert + missile.pitch_over_s
    mass = payload_kg + sum(s.loaded_kg for s in missile.stages)
    pieces: list[tuple[float, float, bool, float, float, float, float]] = []
    events: dict[str, float] = {}
    t, left = 0.0, burn_s
    for i, stage in enumerate(missile.stages):
        if left <= 0.0:
            break
        burn = min(stage.burn_time_s, left)
        pieces.append((t, t + burn, True, mass, stage.mass_flow_kgps, stage.thrust_vac_n, stage.exit_area_m2))
        left -= burn
        t += burn
        if left <= 0.0 or i == len(missile.stages) - 1:
            break
        events[f"staging_{i + 1}"] = t
        mass -= stage.loaded_kg
        if stage.coast_s > 0.0:
            pieces.append((t, t + stage.coast_s, False, mass, 0.0, 0.0, 0.0))
            t += stage.coast_s
    cutoff = t
    burnt = mass - pieces[-1][4] * (pieces[-1][1] - pieces[-1][0])
    if missile.separation_delay_s > 0.0:
        pieces.append((t, t + missile.separation_delay_s, False, burnt, 0.0, 0.0, 0.0))
    events["burnout"] = cutoff
    events["separation"] = cutoff + missile.separation_delay_s
    intervals = []
    t_upper = events.get("staging_1", math.inf)
    for t0, t1, burning, m0, mdot, thrust, area in pieces:
        cuts = sorted({t0, t1, *(c for c in (t_vert, t_pitch_end) if t0 < c < t1)})
        for a, b in itertools.pairwise(cuts):
            mode = "vertical" if b <= t_vert else "pitch" if b <= t_pitch_end else "turn" if a < t_upper else "hold"
            intervals.append(
                Interval(t0_s=a, t1_s=b, mode=mode, burning=burning, mass0_kg=m0 - mdot * (a - t0),
                         mdot_kgps=mdot, thrust_vac_n=thrust, exit_area_m2=area)
            )
    return BoostPlan(intervals=tuple(intervals), events=events, cutoff_s=cutoff)


@dataclass(frozen=True, slots=True, kw_only=True)
class Steering:
    """Guidance of a batch: launch vertical, downrange unit vectors and kicks.

    ``up`` is the launch point's ellipsoid normal (3,), ``downrange`` the horizontal unit
    vectors along each azimuth (B, 3) and ``kick_rad`` the pitch-over angles (B,).
    """

    up: FloatArray
    downrange: FloatArray
    kick_rad: FloatArray
    t_vertical_s: float
    pitch_over_s: float


def steering(lat_rad: float, lon_rad: float, azimuth_rad: FloatArray, kick_rad: FloatArray,
             missile: Missile) -> Steering:
    """Guidance vectors for launches from (lat, lon) along ``azimuth_rad`` with ``kick_rad``."""
    east, north, up = geo.enu_rotation(lat_rad, lon_rad)
    az = np.atleast_1d(np.asarray(azimuth_rad, dtype=float))
    downrange = np.sin(az)[:, None] * east + np.cos(az)[:, None] * north
    return Steering(up=up, downrange=downrange, kick_rad=np.broadcast_to(kick_rad, az.shape).astype(float),
                    t_vertical_s=missile.vertical_rise_s, pitch_over_s=missile.pitch_over_s)


def thrust_direction(t_s: float, x: FloatArray, iv: Interval, guide: Steering, free_acc: FloatArray,
                     thrust_acc: FloatArray) -> FloatArray:
    """Unit thrust vectors (B, 3) at time ``t_s`` for states ``x`` (B, 6).

    ``free_acc`` is the acceleration without thrust (B, 3) and ``thrust_acc`` the thrust's
    magnitude over the mass (B, 1); both serve the upper stages' flight-path-angle hold.
    """
    if iv.mode == "vertical":
        return np.broadcast_to(guide.up, x[..., :3].shape)
    if iv.mode == "pitch":
        theta = guide.kick_rad * min(max((t_s - guide.t_vertical_s) / guide.pitch_over_s, 0.0), 1.0)
        return np.cos(theta)[:, None] * guide.up + np.sin(theta)[:, None] * guide.downrange
    r, v = x[..., :3], x[..., 3:6]
    speed = np.linalg.norm(v, axis=-1, keepdims=True)
    along: FloatArray = v / speed
    if iv.mode == "turn":
        return along
    radius = np.linalg.norm(r, axis=-1, keepdims=True)
    up_perp = r / radius - np.sum(r / radius * along, axis=-1, keepdims=True) * along
    cos_gamma = np.linalg.norm(up_perp, axis=-1, keepdims=True)
    normal = up_perp / np.maximum(cos_gamma, 1e-12)
    # v dgamma/dt = a_n + v^2 cos(gamma) / r: cancel it with the thrust's normal component.
    need = -(np.sum(free_acc * normal, axis=-1, keepdims=True) + speed**2 * cos_gamma / radius)
    sin_alpha = np.clip(need / thrust_acc, -1.0, 1.0)
    direction: FloatArray = np.sqrt(1.0 - sin_alpha**2) * along + sin_alpha * normal
    return direction


def powered_derivative(t_s: float, x: FloatArray, iv: Interval, guide: Steering, area_m2: float) -> FloatArray:
    """Time derivative ``[v, a]`` (B, 6) of the stack's states ``x`` (B, 6) in interval ``iv``.

    Gravity, frame and drag terms are :func:`sprn.dynamics.ballistic_derivative` with the
    stack's ``1 / beta = C_D(M) A / m``; thrust is added along :func:`thrust_direction`.
    """
    mass = iv.mass0_kg - iv.mdot_kgps * (t_s - iv.t0_s)
    h = dynamics.altitude_m(x[..., :3])
    low = h < DRAG_CEILING_M
    pressure: FloatArray | float = 0.0
    inv_beta: FloatArray | float = 0.0
    if np.any(low):
        temp_k, p_pa = atmosphere.temperature_pressure(h)
        mach = np.linalg.norm(x[..., 3:6], axis=-1) / np.sqrt(atmosphere.GAMMA_AIR * atmosphere.R_AIR * temp_k)
        inv_beta = np.where(low, drag_coefficient(mach) * area_m2 / mass, 0.0)
        pressure = np.where(low, p_pa, 0.0)
    out = dynamics.ballistic_derivative(x, inv_beta)
    if iv.burning:
        thrust_acc = np.reshape(iv.thrust_vac_n - pressure * iv.exit_area_m2, (-1, 1)) / mass
        out[..., 3:6] += thrust_acc * thrust_direction(t_s, x, iv, guide, out[..., 3:6], thrust_acc)
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class BoostHistory:
    """Nodes of a batch of boosts: times (N,), states and derivatives (N, B, 6).

    Node ``k`` and ``k + 1`` bound one integration step; ``d_left[k]`` is the derivative at
    node ``k`` seen from the step that starts there, ``d_right[k]`` that at node ``k + 1``
    seen from the step that ends there (they differ where thrust or guidance jump).
    """

    t_s: FloatArray
    x: FloatArray
    d_left: FloatArray
    d_right: FloatArray

    def sample(self, t_s: FloatArray) -> FloatArray:
        """States (B, 6) of member ``b`` at time ``t_s[b]`` by cubic Hermite interpolation."""
        t = np.asarray(t_s, dtype=float)
        k = np.clip(np.searchsorted(self.t_s, t, side="right") - 1, 0, len(self.t_s) - 2)
        b = np.arange(self.x.shape[1])
        h = self.t_s[k + 1] - self.t_s[k]
        s = ((t - self.t_s[k]) / h)[:, None]
        x0, x1 = self.x[k, b], self.x[k + 1, b]
        d0, d1 = self.d_left[k, b] * h[:, None], self.d_right[k, b] * h[:, None]
        h00 = 2 * s**3 - 3 * s**2 + 1
        h10 = s**3 - 2 * s**2 + s
        h01 = -2 * s**3 + 3 * s**2
        h11 = s**3 - s**2
        return h00 * x0 + h10 * d0 + h01 * x1 + h11 * d1


def fly_boost(plan: BoostPlan, guide: Steering, x0: FloatArray, area_m2: float, max_step_s: float) -> BoostHistory:
    """Integrate a batch of boosts (B states ``x0``, shape (B, 6)) through ``plan``.

    Classical RK4 with the largest step not above ``max_step_s`` that divides each
    interval evenly.
    """
    x = np.array(x0, dtype=float)
    ts, xs, dl, dr = [0.0], [x.copy()], [], []
    for iv in plan.intervals:
        n = max(1, math.ceil((iv.t1_s - iv.t0_s) / max_step_s - 1e-9))
        h = (iv.t1_s - iv.t0_s) / n
        t = iv.t0_s
        k1 = powered_derivative(t, x, iv, guide, area_m2)
        for i in range(n):
            k2 = powered_derivative(t + 0.5 * h, x + 0.5 * h * k1, iv, guide, area_m2)
            k3 = powered_derivative(t + 0.5 * h, x + 0.5 * h * k2, iv, guide, area_m2)
            k4 = powered_derivative(t + h, x + h * k3, iv, guide, area_m2)
            x = x + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
            t = iv.t0_s + (i + 1) * h
            dl.append(k1)
            k1 = powered_derivative(t, x, iv, guide, area_m2)
            dr.append(k1)
            ts.append(t)
            xs.append(x.copy())
    d_left = np.array(dl + [dr[-1]])
    d_right = np.array(dr + [dr[-1]])
    return BoostHistory(t_s=np.array(ts), x=np.array(xs), d_left=d_left, d_right=d_right)


def launch_state(lat_rad: float, lon_rad: float, alt_m: float, batch: int) -> FloatArray:
    """States (B, 6) at rest on the pad."""
    r = geo.lla_to_ecef(lat_rad, lon_rad, alt_m)
    return np.tile(np.concatenate([r, np.zeros(3)]), (batch, 1))
