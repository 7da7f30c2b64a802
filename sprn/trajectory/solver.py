"""The shot solver: guidance settings that fly a requested apogee, range or aim point.

The unknowns are among the launch azimuth, the pitch-over kick (the trajectory's shape)
and the burn time (how long the engine runs before it is shut off: a lofted test flight
that does not need the full energy is flown by cutting the engine off early, as liquid
missiles can; for solid missiles the same cut-off stands for thrust termination or an
energy-wasting manoeuvre, which leave the reentry vehicle on the same kind of path).

Two models are used:

* the **fast model**: the boost integrated with fixed-step RK4 for a batch of guidance
  settings at once (:func:`boost.fly_boost`), the coast in closed form (two-body conic,
  :mod:`kepler`). One batch gives, for every kick, the burnout state at any cut-off time;
* the **truth** (:func:`flight.fly_guided`): J2, drag and the reentry to the ground.

The solver first tabulates the fast model over a grid of kicks and burn times (which also
gives the minimum-energy kick for every burn time, the reference of the ``loft``
setting), refines with Newton iterations on the fast model, then corrects with the truth:
``u <- u - J^-1 r_truth``, starting from the fast model's Jacobian ``J`` and updating it
from each truth flight (Broyden), until the truth's misses are below :data:`TRUTH_TOL_M`.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sprn import geo
from sprn.errors import ShotError
from sprn.missiles import Missile, load_missile
from sprn.trajectory import boost
from sprn.trajectory.flight import DEFAULT_RTOL, Trajectory, fly_guided
from sprn.trajectory.kepler import Outcome, free_flight
from sprn.trajectory.shot import Guidance, Shot

FloatArray = NDArray[np.float64]

FAST_STEP_S = 2.0
"""RK4 step of the fast model's boost (s): its burnout states are within metres of 1 s steps."""
COARSE_KICKS_DEG = 0.1 + 59.9 * np.linspace(0.0, 1.0, 20) ** 1.6
"""First-pass kicks (deg): dense at small kicks, where lofted ranges are sensitive."""
FINE_KICKS = 32
"""Second-pass kicks, from 0.02 deg to where full-burn flights fall short (:meth:`FastModel.grid`)."""
BURN_SAMPLES = 60
TRUTH_TOL_M = 50.0
"""The truth's apogee, range and aim-point misses the solver accepts (m)."""
MAX_TRUTH_FLIGHTS = 8
MEAN_RADIUS_M = 6371008.8
"""IUGG mean Earth radius (m), for the solver's along-track measure of reach."""
FD_STEP = {"az": 1e-3, "kick": 1e-3, "burn": 1e-2}
"""Finite-difference steps of the Jacobian: deg, deg, s."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Grid:
    """The fast model tabulated over kicks (rows) and burn times (columns) at one azimuth.

    ``range_m`` is the distance along the launch great circle (:func:`along_track_m`):
    negative for impacts behind the launch point, and growing on past the antipode.
    """

    kick_deg: FloatArray
    burn_s: FloatArray
    apogee_m: FloatArray
    range_m: FloatArray
    kick_me_deg: FloatArray

    def kick_me(self, burn_s: float) -> float:
        """Kick of the longest-range (minimum-energy) flight with this burn time (deg)."""
        return float(np.interp(burn_s, self.burn_s, self.kick_me_deg))


class FastModel:
    """Batched boosts of one missile from one launch point, coasted in closed form."""

    def __init__(self, missile: Missile, payload_kg: float, lat_deg: float, lon_deg: float, alt_m: float):
        self.missile = missile
        self.payload_kg = payload_kg
        self.lat_deg, self.lon_deg, self.alt_m = lat_deg, lon_deg, alt_m
        self.plan = boost.boost_plan(missile, payload_kg, missile.total_burn_s)
        self.burn_min_s = missile.vertical_rise_s + missile.pitch_over_s + 2.0 * FAST_STEP_S
        self.burn_max_s = missile.total_burn_s
        self._check_liftoff()

    def _check_liftoff(self) -> None:
        first = self.missile.stages[0]
        weight = self.missile.launch_mass_kg(self.payload_kg) * 9.80665
        if first.thrust_sl_n <= 1.05 * weight:
            raise ShotError(f"payload_kg = {self.payload_kg!r}: too heavy, the {self.missile.key} cannot lift off "
                            f"(sea-level thrust {first.thrust_sl_n / 1e3:.0f} kN, weight {weight / 1e3:.0f} kN)")

    def fly_batch(self, az_deg: FloatArray, kick_deg: FloatArray, step_s: float = FAST_STEP_S) -> boost.BoostHistory:
        """Full-burn boosts of a batch of (azimuth, kick) settings (deg, arrays of one shape)."""
        lat, lon = math.radians(self.lat_deg), math.radians(self.lon_deg)
        guide = boost.steering(lat, lon, np.radians(az_deg), np.radians(kick_deg), self.missile)
        x0 = boost.launch_state(lat, lon, self.alt_m, len(np.atleast_1d(az_deg)))
        return boost.fly_boost(self.plan, guide, x0, self.missile.area_m2, step_s)

    def outcome(self, hist: boost.BoostHistory, burn_s: FloatArray,
                heights: FloatArray | None = None) -> Outcome:
        """Outcome of member ``b`` cut off after ``burn_s[b]``.

        ``heights`` are the history's node heights (N, B), if already computed. A member
        that went below the pad before cut-off has NaN outcomes; one already descending at
        cut-off has the highest point of its boost as apogee.
        """
        t_cut = boost.burn_to_clock_s(self.missile, burn_s)
        x_cut = hist.sample(t_cut)
        out = free_flight(t_cut, x_cut, self.lat_deg, self.lon_deg)
        if heights is None:
            heights = geo.ecef_to_lla(hist.x[..., :3])[2]
        k = np.searchsorted(hist.t_s, t_cut, side="right")
        members = np.arange(len(t_cut))
        climbed = np.maximum.accumulate(heights, axis=0)[np.minimum(k, len(hist.t_s) - 1), members]
        before = np.arange(len(hist.t_s))[:, None] < k[None, :]
        crashed = np.any(before & (heights < self.alt_m - 1.0), axis=0)
        h_cut = geo.ecef_to_lla(x_cut[:, :3])[2]
        apogee = np.where(np.isnan(out.apogee_m), np.maximum(climbed, h_cut), out.apogee_m)
        nan = np.where(crashed, np.nan, 1.0)
        fixed = Outcome(apogee_m=apogee * nan, impact_lat_deg=out.impact_lat_deg * nan,
                        impact_lon_deg=out.impact_lon_deg * nan, range_m=out.range_m * nan,
                        azimuth_deg=out.azimuth_deg * nan, t_impact_s=out.t_impact_s * nan)
        return fixed

    def evaluate(self, az_deg: FloatArray, kick_deg: FloatArray, burn_s: FloatArray) -> Outcome:
        """Outcomes of a batch of guidance settings (deg, deg, s)."""
        return self.outcome(self.fly_batch(az_deg, kick_deg), np.asarray(burn_s, dtype=float))

    def tabulate(self, az_deg: float, kicks: FloatArray, step_s: float = FAST_STEP_S) -> Grid:
        """The fast model over ``kicks`` (rows) and :data:`BURN_SAMPLES` burn times (columns)."""
        burns = np.linspace(self.burn_min_s, self.burn_max_s, BURN_SAMPLES)
        hist = self.fly_batch(np.full(len(kicks), az_deg), kicks, step_s)
        nk, nb = len(kicks), len(burns)
        heights = geo.ecef_to_lla(hist.x[..., :3])[2]
        rows = {name: np.empty((nk, nb)) for name in ("apogee", "range")}
        for j, burn in enumerate(burns):
            out = self.outcome(hist, np.full(nk, burn), heights)
            rows["apogee"][:, j] = out.apogee_m
            rows["range"][:, j] = along_track_m(self.lat_deg, self.lon_deg, az_deg, out.impact_lat_deg,
                                                out.impact_lon_deg)
        return Grid(kick_deg=kicks, burn_s=burns, apogee_m=rows["apogee"], range_m=rows["range"],
                    kick_me_deg=np.array([_argmax_kick(kicks, rows["range"][:, j]) for j in range(nb)]))

    def grid(self, az_deg: float) -> Grid:
        """Tabulate in two passes: a coarse one finds the kicks past which flights fall short
        (crash or go into orbit); the second is fine up to there for the full burn, where
        ranges are most sensitive to the kick, and keeps the coarse kicks beyond, which only
        shorter burns can use."""
        coarse = self.tabulate(az_deg, COARSE_KICKS_DEG, 2.0 * FAST_STEP_S)
        cuts = [_kick_cut(coarse.kick_deg, coarse.range_m[:, j]) for j in range(len(coarse.burn_s))]
        k_full = max(cuts[-1], float(COARSE_KICKS_DEG[1]))
        fine = 0.02 + (k_full - 0.02) * np.linspace(0.0, 1.0, FINE_KICKS) ** 1.5
        beyond = COARSE_KICKS_DEG[(COARSE_KICKS_DEG > k_full) & (COARSE_KICKS_DEG <= max(cuts))]
        return self.tabulate(az_deg, np.concatenate([fine, beyond]))


def _kick_cut(kicks: FloatArray, ranges: FloatArray) -> float:
    """The first tabulated kick past the longest range at which the range has fallen below
    30 % of it (or the flight crashed or went into orbit); 0 if no flight comes down."""
    filled = np.where(np.isnan(ranges), -np.inf, ranges)
    i = int(np.argmax(filled))
    if not filled[i] > 0.0:
        return 0.0
    short = np.nonzero(filled[i:] < 0.3 * filled[i])[0]
    return float(kicks[i + short[0]]) if len(short) else float(kicks[-1])


def _argmax_kick(kicks: FloatArray, ranges: FloatArray) -> float:
    """Kick of the largest range: the tabulated best refined by a parabola through its neighbours."""
    i = int(np.nanargmax(np.where(np.isnan(ranges), -np.inf, ranges)))
    if i == 0 or i == len(kicks) - 1 or np.isnan(ranges[i - 1]) or np.isnan(ranges[i + 1]):
        return float(kicks[i])
    coef = np.polyfit(kicks[i - 1:i + 2], ranges[i - 1:i + 2], 2)
    return float(np.clip(-coef[1] / (2.0 * coef[0]), kicks[i - 1], kicks[i + 1])) if coef[0] < 0 else float(kicks[i])


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """Which guidance settings are free, how the others follow, and what must be hit.

    ``targets`` maps ``"apogee"`` / ``"range"`` (m) and ``"azimuth"`` (deg, of the impact
    point seen from the launch point) to their values.
    """

    unknowns: tuple[str, ...]
    az_deg: float
    targets: dict[str, float]
    kick_of_burn: Callable[[float], float] | None = None

    def guidance(self, u: FloatArray, burn_full_s: float) -> tuple[float, float, float]:
        values = dict(zip(self.unknowns, (float(v) for v in u)))
        burn = values.get("burn", burn_full_s)
        kick = values["kick"] if "kick" in values else self.kick_of_burn(burn)  # type: ignore[misc]
        return values.get("az", self.az_deg), kick, burn

    def residual(self, apogee: FloatArray, range_m: FloatArray, azimuth: FloatArray) -> FloatArray:
        """Misses (m): apogee and downrange errors, cross-range of the impact point.

        The range counts negative for an impact behind the launch point (a near-vertical
        flight drifts west as the Earth turns under it), so that such a flight cannot
        stand in for one of the same distance downrange.
        """
        out = []
        reference = self.targets.get("azimuth", self.az_deg)
        for name, target in self.targets.items():
            if name == "apogee":
                out.append(apogee - target)
            elif name == "range":
                out.append(downrange(range_m, azimuth, reference) - target)
            else:
                out.append(np.radians(_wrap_deg(azimuth - target)) * self.targets["range"])
        return np.stack(out, axis=-1)


def _wrap_deg(angle: FloatArray) -> FloatArray:
    return np.asarray((angle + 180.0) % 360.0 - 180.0, dtype=float)


def along_track_m(lat0_deg: float, lon0_deg: float, az_deg: float, lat_deg: FloatArray,
                  lon_deg: FloatArray) -> FloatArray:
    """Distance (m) of points along the great circle leaving (lat0, lon0) at ``az_deg``.

    On a sphere of the Earth's mean radius, the angle from the launch point to the points'
    projections on that circle, counted forward up to 270 deg (past the antipode) and
    backward up to 90 deg: a measure of reach that, unlike the geodesic distance, keeps
    growing for the longest flights of an ICBM.
    """
    east, north, up = geo.enu_rotation(math.radians(lat0_deg), math.radians(lon0_deg))
    heading = math.sin(math.radians(az_deg)) * east + math.cos(math.radians(az_deg)) * north
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    point = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
    angle = np.arctan2(point @ heading, point @ up)
    return np.asarray(np.where(angle < -0.5 * np.pi, angle + 2.0 * np.pi, angle) * MEAN_RADIUS_M, dtype=float)


def downrange(range_m: FloatArray, azimuth_deg: FloatArray, reference_deg: float) -> FloatArray:
    """Distance (m), negative when the impact lies more than 90 deg off the reference azimuth."""
    behind = np.abs(_wrap_deg(np.asarray(azimuth_deg) - reference_deg)) > 90.0
    return np.asarray(np.where(behind, -range_m, range_m), dtype=float)


def _bounds(problem: Problem, model: FastModel) -> tuple[FloatArray, FloatArray]:
    lo = {"az": -np.inf, "kick": 0.01, "burn": model.burn_min_s}
    hi = {"az": np.inf, "kick": float(COARSE_KICKS_DEG[-1]), "burn": model.burn_max_s}
    return np.array([lo[n] for n in problem.unknowns]), np.array([hi[n] for n in problem.unknowns])


def _fast_residuals(problem: Problem, model: FastModel, us: FloatArray) -> FloatArray:
    params = np.array([problem.guidance(u, model.burn_max_s) for u in us])
    out = model.evaluate(params[:, 0], params[:, 1], params[:, 2])
    return problem.residual(out.apogee_m, out.range_m, out.azimuth_deg)


def newton(problem: Problem, model: FastModel, u0: FloatArray, max_iter: int = 12,
           tol_m: float = 1.0) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Solve the fast model's residual for the unknowns: (u, residual, Jacobian).

    Each iteration flies one batch: the point and its finite-difference neighbours. A step
    that does not reduce the residual is halved from the last good point.
    """
    lo, hi = _bounds(problem, model)
    steps = np.array([FD_STEP[n] for n in problem.unknowns])
    u = np.clip(np.asarray(u0, dtype=float), lo, hi)
    best: tuple[FloatArray, FloatArray, FloatArray] | None = None
    du = np.zeros_like(u)
    for _ in range(max_iter):
        probe = np.vstack([u, u + np.diag(np.where(u + steps > hi, -steps, steps))])
        res = _fast_residuals(problem, model, probe)
        r0 = res[0]
        if best is not None and not (np.all(np.isfinite(r0)) and np.linalg.norm(r0) < np.linalg.norm(best[1])):
            du = du / 2.0
            u = np.clip(best[0] + du, lo, hi)
            continue
        jac = ((res[1:] - r0) / (probe[1:] - u).sum(axis=1)[:, None]).T
        best = (u, r0, jac)
        if np.all(np.abs(r0) < tol_m) or not np.all(np.isfinite(jac)):
            break
        du = np.linalg.lstsq(jac, -r0, rcond=None)[0]
        u_next = np.clip(u + du, lo, hi)
        if np.allclose(u_next, u, rtol=0.0, atol=1e-9):
            break
        u = u_next
    if best is None:
        raise ShotError(f"{model.missile.key}: no flight near the first guess comes down")
    return best


def _truth_residual(problem: Problem, traj: Trajectory) -> FloatArray:
    az, _ = geo.geodesic_inverse_deg(traj.launch_lat_deg, traj.launch_lon_deg,
                                     traj.impact_lat_deg, traj.impact_lon_deg)
    return problem.residual(np.array(traj.apogee_m), np.array(traj.range_m), np.asarray(az))


def refine_with_truth(problem: Problem, model: FastModel, shot: Shot, u0: FloatArray,
                      rtol: float) -> tuple[FloatArray, Trajectory]:
    """Newton on the fast model, then quasi-Newton steps on the truth.

    The truth steps start from the fast model's Jacobian and improve it with Broyden's
    update from each truth flight (drag, which the fast model lacks, changes the
    sensitivities of short, low flights by tens of percent).
    """
    u, r_fast, jac = newton(problem, model, u0)
    if np.any(np.abs(r_fast) > 1e3):
        raise _unreachable(model, shot)
    lo, hi = _bounds(problem, model)
    previous: tuple[FloatArray, FloatArray] | None = None
    for _ in range(MAX_TRUTH_FLIGHTS):
        traj = _fly(problem, model, shot, u, rtol)
        r_truth = _truth_residual(problem, traj)
        if np.all(np.abs(r_truth) < TRUTH_TOL_M):
            return u, traj
        if previous is not None:
            du, dr = u - previous[0], r_truth - previous[1]
            jac = jac + np.outer(dr - jac @ du, du) / float(du @ du)
        previous = (u, r_truth)
        u_new = np.clip(u - np.linalg.lstsq(jac, r_truth, rcond=None)[0], lo, hi)
        if np.allclose(u_new, u, rtol=0.0, atol=1e-9):
            raise _unreachable(model, shot)
        u = u_new
    raise ShotError(f"{shot.missile}: the solver did not converge on this shot within {TRUTH_TOL_M} m")


def _fly(problem: Problem, model: FastModel, shot: Shot, u: FloatArray, rtol: float) -> Trajectory:
    az, kick, burn = problem.guidance(u, model.burn_max_s)
    guidance = Guidance(azimuth_deg=az % 360.0, kick_deg=kick, burn_s=burn, payload_kg=model.payload_kg)
    return fly_guided(model.missile, guidance, shot.launch_lat_deg, shot.launch_lon_deg, shot.launch_alt_m, rtol)


def _unreachable(model: FastModel, shot: Shot) -> ShotError:
    name, payload = model.missile.key, model.payload_kg
    if shot.form == "apogee-range":
        return ShotError(f"apogee_km, range_km = {shot.apogee_km!r}, {shot.range_km!r}: expected a trajectory "
                         f"the {name} can fly with a {payload:.0f} kg payload")
    return ShotError(f"aim_lat_deg, aim_lon_deg = {shot.aim_lat_deg!r}, {shot.aim_lon_deg!r}: expected a point "
                     f"the {name} can reach as a {shot.shape or 'min-energy'} shot with a {payload:.0f} kg payload")


def _full_burn_branch(grid: Grid) -> tuple[FloatArray, FloatArray]:
    """Ranges and apogees of the full-burn flights from vertical up to minimum energy (lofted)."""
    ranges, apogees = grid.range_m[:, -1], grid.apogee_m[:, -1]
    ok = ~np.isnan(ranges)
    i_me = int(np.nanargmax(np.where(ok, ranges, -np.inf)))
    rows = np.arange(i_me + 1)
    rows = rows[ok[: i_me + 1]]
    return ranges[rows], apogees[rows]


def _check_apogee_range(grid: Grid, model: FastModel, apogee_m: float, range_m: float) -> None:
    name, payload = model.missile.key, model.payload_kg
    r_max = float(np.nanmax(grid.range_m[:, -1]))
    if range_m > r_max:
        raise ShotError(f"range_km = {range_m / 1e3:g}: beyond the {name}'s reach "
                        f"(at most about {r_max / 1e3:.0f} km with a {payload:.0f} kg payload)")
    ranges, apogees = _full_burn_branch(grid)
    order = np.argsort(ranges)
    a_hi = float(np.interp(range_m, ranges[order], apogees[order]))
    if apogee_m > a_hi:
        raise ShotError(f"apogee_km = {apogee_m / 1e3:g}: higher than the {name} can loft to "
                        f"range_km = {range_m / 1e3:g} (at most about {a_hi / 1e3:.0f} km)")
    near = np.abs(grid.range_m - range_m) < 0.05 * range_m
    if near.any():
        a_lo = float(np.min(grid.apogee_m[near]))
        if apogee_m < a_lo:
            raise ShotError(f"apogee_km = {apogee_m / 1e3:g}: below the burnout altitude of any {name} flight to "
                            f"range_km = {range_m / 1e3:g} (lowest apogee about {a_lo / 1e3:.0f} km)")


def _min_energy_apogee(grid: Grid, range_m: float) -> float:
    """Apogee (m) of the minimum-energy flight to ``range_m``, along the tabulated burn times."""
    ranges = np.empty(len(grid.burn_s))
    apogees = np.empty(len(grid.burn_s))
    for j, b in enumerate(grid.burn_s):
        k = grid.kick_me(b)
        ranges[j] = np.interp(k, grid.kick_deg, np.nan_to_num(grid.range_m[:, j]))
        apogees[j] = np.interp(k, grid.kick_deg, np.nan_to_num(grid.apogee_m[:, j]))
    order = np.argsort(ranges)
    return float(np.interp(range_m, ranges[order], apogees[order]))


def _grid_guess(grid: Grid, apogee_m: float, range_m: float, branch: str | None = None) -> tuple[float, float]:
    """(kick, burn) where the tabulated flights reach ``apogee_m`` and ``range_m``.

    Along each kick row, the burn time at which the apogee first reaches the request;
    across rows, the kick at which the range there crosses the request (linear
    interpolation); failing that, the nearest tabulated point.
    """
    lofted = grid.kick_deg[:, None] < grid.kick_me_deg[None, :]
    keep = np.ones_like(lofted) if branch is None else lofted if branch == "lofted" else ~lofted
    points = []
    for i, kick in enumerate(grid.kick_deg):
        apo = np.where(keep[i], grid.apogee_m[i], np.nan)
        up = np.nonzero((apo[:-1] < apogee_m) & (apo[1:] >= apogee_m))[0]
        if len(up):
            j = int(up[0])
            f = (apogee_m - apo[j]) / (apo[j + 1] - apo[j])
            points.append((i, kick, grid.burn_s[j] + f * (grid.burn_s[j + 1] - grid.burn_s[j]),
                           grid.range_m[i, j] + f * (grid.range_m[i, j + 1] - grid.range_m[i, j])))
    for (i0, k0, b0, r0), (i1, k1, b1, r1) in itertools.pairwise(points):
        if i1 == i0 + 1 and (r0 - range_m) * (r1 - range_m) <= 0.0 and r1 != r0:
            f = (range_m - r0) / (r1 - r0)
            return k0 + f * (k1 - k0), b0 + f * (b1 - b0)
    miss = ((grid.apogee_m - apogee_m) / apogee_m) ** 2 + ((grid.range_m - range_m) / range_m) ** 2
    miss = np.where(keep & ~np.isnan(miss), miss, np.inf)
    row, col = np.unravel_index(np.argmin(miss), miss.shape)
    return float(grid.kick_deg[row]), float(grid.burn_s[col])


def _range_along(grid: Grid, kick_of_burn: Callable[[float], float]) -> FloatArray:
    """Range (m) at each tabulated burn time with the kick that ``kick_of_burn`` gives."""
    return np.array([np.interp(kick_of_burn(b), grid.kick_deg, np.nan_to_num(grid.range_m[:, j]))
                     for j, b in enumerate(grid.burn_s)])


def _burn_for_range(grid: Grid, ranges: FloatArray, shot: Shot, range_m: float, name: str) -> float:
    """Burn time at which ``ranges`` (per tabulated burn) first reaches ``range_m``."""
    above = np.nonzero(ranges >= range_m)[0]
    if not len(above):
        raise ShotError(f"aim_lat_deg, aim_lon_deg = {shot.aim_lat_deg!r}, {shot.aim_lon_deg!r}: expected a point "
                        f"within the {name}'s reach as a {shot.shape or 'min-energy'} shot "
                        f"(it is {range_m / 1e3:.0f} km away; at most about {np.nanmax(ranges) / 1e3:.0f} km)")
    j = int(above[0])
    if j == 0:
        return float(grid.burn_s[0])
    return float(np.interp(range_m, ranges[j - 1:j + 1], grid.burn_s[j - 1:j + 1]))


def _aim(shot: Shot) -> tuple[float, float]:
    """Azimuth (deg) and geodesic distance (m) from the launch point to the aim point."""
    if shot.aim_lat_deg is None or shot.aim_lon_deg is None:
        raise ShotError("aim_lat_deg, aim_lon_deg = None: expected an aim point")
    az, dist = geo.geodesic_inverse_deg(shot.launch_lat_deg, shot.launch_lon_deg, shot.aim_lat_deg,
                                        shot.aim_lon_deg)
    return float(az), float(dist)


def _aim_problem(shot: Shot, grid: Grid, model: FastModel) -> tuple[Problem, FloatArray]:
    az0, dist = _aim(shot)
    targets = {"range": dist, "azimuth": az0}
    shape = shot.shape or "min-energy"
    name = model.missile.key
    if shape == "min-energy" or shot.loft is not None:
        loft = 0.0 if shot.loft is None else shot.loft

        def kick_of_burn(b: float) -> float:
            return (1.0 - loft) * grid.kick_me(b)

        burn = _burn_for_range(grid, _range_along(grid, kick_of_burn), shot, dist, name)
        problem = Problem(unknowns=("az", "burn"), az_deg=az0, targets=targets, kick_of_burn=kick_of_burn)
        return problem, np.array([az0, burn])
    apogee = float(shot.apogee_km) * 1e3  # type: ignore[arg-type]
    _check_apogee_range(grid, model, apogee, dist)
    a_me = _min_energy_apogee(grid, dist)
    if (apogee > a_me) != (shape == "lofted"):
        side = "above" if shape == "lofted" else "below"
        raise ShotError(f"apogee_km = {apogee / 1e3:g}: expected {side} the minimum-energy apogee to this aim point "
                        f"(about {a_me / 1e3:.0f} km) for a {shape} shot")
    kick, burn = _grid_guess(grid, apogee, dist, branch=shape)
    problem = Problem(unknowns=("az", "kick", "burn"), az_deg=az0, targets={**targets, "apogee": apogee})
    return problem, np.array([az0, kick, burn])


def plan_shot(shot: Shot, rtol: float = DEFAULT_RTOL) -> tuple[Guidance, Trajectory | None]:
    """Guidance for ``shot`` and, when the solver flew it, the truth trajectory it flew.

    Raises
    ------
    ShotError
        For shots the missile cannot fly (out of reach, apogee below burnout altitude,
        payload too heavy to lift off).
    """
    missile = load_missile(shot.missile)
    payload = missile.payload_kg if shot.payload_kg is None else float(shot.payload_kg)
    model = FastModel(missile, payload, shot.launch_lat_deg, shot.launch_lon_deg, shot.launch_alt_m)
    form = shot.form
    if form == "aim":
        grid = model.grid(_aim(shot)[0])
        problem, u0 = _aim_problem(shot, grid, model)
    else:
        az = 90.0 if shot.azimuth_deg is None else float(shot.azimuth_deg) % 360.0
        grid = model.grid(az)
        if form == "azimuth":
            loft = 0.0 if shot.loft is None else float(shot.loft)
            if loft == 0.0 and np.nanmax(grid.range_m[:, -1]) > math.pi * MEAN_RADIUS_M:
                raise ShotError(f"shape = 'min-energy': the {missile.key} flies past the antipode along azimuth "
                                f"{az:g} deg (it reaches any range, its longest flight is nearly an orbit); "
                                "expected an aim point (aim_lat_deg, aim_lon_deg) or a loft setting")
            kick = (1.0 - loft) * grid.kick_me(model.burn_max_s)
            return Guidance(azimuth_deg=az, kick_deg=kick, burn_s=model.burn_max_s, payload_kg=payload,
                            loft=loft), None
        apogee, range_m = float(shot.apogee_km) * 1e3, float(shot.range_km) * 1e3  # type: ignore[arg-type]
        _check_apogee_range(grid, model, apogee, range_m)
        problem = Problem(unknowns=("kick", "burn"), az_deg=az, targets={"apogee": apogee, "range": range_m})
        u0 = np.array(_grid_guess(grid, apogee, range_m))
    u, traj = refine_with_truth(problem, model, shot, u0, rtol)
    az, kick, burn = problem.guidance(u, model.burn_max_s)
    guidance = Guidance(azimuth_deg=az % 360.0, kick_deg=kick, burn_s=burn, payload_kg=payload,
                        loft=1.0 - kick / grid.kick_me(burn))
    return guidance, traj


def solve(shot: Shot) -> Guidance:
    """The guidance settings (azimuth, kick, burn time, payload, loft) that fly ``shot``."""
    return plan_shot(shot)[0]


def fly(shot: Shot, rtol: float = DEFAULT_RTOL) -> Trajectory:
    """Solve ``shot`` and return its truth trajectory (reentry vehicle, with ``booster``)."""
    guidance, traj = plan_shot(shot, rtol)
    if traj is None:
        return fly_guided(load_missile(shot.missile), guidance, shot.launch_lat_deg, shot.launch_lon_deg,
                          shot.launch_alt_m, rtol)
    return _with_guidance(traj, guidance)


def _with_guidance(traj: Trajectory, guidance: Guidance) -> Trajectory:
    """The same flight carrying the solved guidance record (with its loft) on both bodies."""
    booster = None if traj.booster is None else dataclasses.replace(traj.booster, guidance=guidance)
    return dataclasses.replace(traj, guidance=guidance, booster=booster)
