"""Independent lift-off-to-impact measurement files for ``sprn track``.

Nothing here comes from sprn (no import of it, no copied code): the WGS84 frames, the
equations of motion, the atmosphere, the boost model, the radars and the noise are written
again from textbook formulas, so a tracker that passes on these files passes on a flight
that sprn did not make. ``tests/data/independent/README.md`` describes the cases.

Physics (SI units, Earth-fixed rotating frame, WGS84 constants of NIMA TR8350.2):

* gravity: point mass + J2 (Vallado, *Fundamentals of Astrodynamics*, 4th ed., eq. 8-30);
* frame: Coriolis ``-2 w x v`` and centrifugal ``-w x (w x r)`` with ``w = (0, 0, OMEGA)``;
* atmosphere: one exponential, ``rho = 1.225 exp(-h / 7,250 m)`` (deliberately not the
  US 1976 table that sprn uses), ``h`` the height above the ellipsoid along the
  geocentric radial;
* boost: one stage, constant thrust ``mdot * ve`` and constant mass flow, a vertical rise
  along the launch point's ellipsoid normal for ``T_VERTICAL_S``, then a pitch programme
  whose flight-path elevation (in the launch point's east-north-up frame, at the launch
  azimuth) falls linearly from 90 deg to ``gamma_b`` at burnout ``t_b``; airframe drag
  ``Cd * A / m(t)``. Burnout time and final pitch are solved so the flight meets the
  case's apogee and range;
* the reentry vehicle separates ``SEPARATION_S`` after burnout and flies with drag
  ``-rho |v| v / (2 beta)`` (Earth-relative velocity; the air turns with the Earth);
* integration: ``scipy.integrate.solve_ivp(method="DOP853", rtol=1e-10)``, in segments
  that end at each discontinuity of the forces (pitch start, burnout, separation) and at
  impact (height 0 on the way down).

Radars: slant range, azimuth (clockwise from geodetic north, [0, 360)) and elevation above
the ellipsoid-normal horizontal from the site; range rate ``(r - s) . v / |r - s|`` at the
one site that gives it. A report is made at each scan time ``phase + k * revisit`` when the
target is above the site's elevation mask and inside its maximum range (no refraction, no
misses, no false alarms: the file tests tracking, not detection). Noise is Gaussian, or
Student-t with 5 degrees of freedom scaled to the same standard deviation.

A scene case (:class:`SceneCase`) flies the same missile's spent stage (pushed back at
``STAGE_PUSH_MPS``) and debris pieces from separation, merges the reports of objects a radar
cannot resolve and adds Poisson clutter; its reports are unlabelled, and each object has
its own truth file.

Run ``python tests/independent/generate.py`` from the repository root to rewrite every case
(deterministic from the seeds below; about 2 s).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import least_squares

# WGS84 and EGM96 constants (NIMA TR8350.2, 3rd ed.).
A_M = 6378137.0
F = 1.0 / 298.257223563
E2 = F * (2.0 - F)
B_M = A_M * (1.0 - F)
GM = 3.986004418e14
J2 = 1.082626683553e-3
OMEGA = 7.292115e-5
G0 = 9.80665

RHO0_KG_M3 = 1.225
SCALE_HEIGHT_M = 7250.0

T_VERTICAL_S = 10.0
SEPARATION_S = 10.0
RTOL = 1e-10
ATOL = 1e-6  # m and m/s: far below every other error of these files
TRUTH_STEP_S = 0.5
CUTOFF_BEFORE_IMPACT_S = 3.0

OUT = Path(__file__).resolve().parents[1] / "data" / "independent"


# ---------------------------------------------------------------- WGS84 frames


def lla_to_ecef(lat_deg, lon_deg, h_m):
    """ECEF position (m) of geodetic latitude, longitude (deg) and height (m); vectorised."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    n = A_M / np.sqrt(1.0 - E2 * np.sin(lat) ** 2)
    return np.stack([(n + h_m) * np.cos(lat) * np.cos(lon),
                     (n + h_m) * np.cos(lat) * np.sin(lon),
                     (n * (1.0 - E2) + h_m) * np.sin(lat)], axis=-1)


def ecef_to_lla(r):
    """Geodetic latitude, longitude (deg) and height (m) of ECEF positions ``(..., 3)``.

    Fixed-point iteration on the latitude (Hofmann-Wellenhof et al., *GNSS*, 2008,
    sec. 5.6.2) with the height written ``p cos(lat) + z sin(lat) - a sqrt(1 - e2 sin^2)``,
    which has no 1/cos at the poles. Each pass gains a factor ~e2 (~7e-3): 8 passes reach
    1e-17 rad from the geocentric start.
    """
    r = np.asarray(r, dtype=float)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    p = np.hypot(x, y)
    lat = np.arctan2(z, p * (1.0 - E2))
    for _ in range(8):
        s = np.sin(lat)
        n = A_M / np.sqrt(1.0 - E2 * s * s)
        h = p * np.cos(lat) + z * s - A_M * np.sqrt(1.0 - E2 * s * s)
        lat = np.arctan2(z, p * (1.0 - E2 * n / (n + h)))
    s = np.sin(lat)
    h = p * np.cos(lat) + z * s - A_M * np.sqrt(1.0 - E2 * s * s)
    return np.degrees(lat), np.degrees(np.arctan2(y, x)), h


def enu_rotation(lat_deg, lon_deg):
    """Rows: the east, north and up unit vectors (ECEF) at a geodetic latitude and longitude."""
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    sl, cl, so, co = math.sin(lat), math.cos(lat), math.sin(lon), math.cos(lon)
    return np.array([[-so, co, 0.0],
                     [-sl * co, -sl * so, cl],
                     [cl * co, cl * so, sl]])


def range_az_el(site_ecef, rot_enu, r):
    """Slant range (m), azimuth in [0, 2 pi) clockwise from north and elevation (rad)."""
    d = (np.asarray(r) - site_ecef) @ rot_enu.T
    rng = np.linalg.norm(d, axis=-1)
    az = np.mod(np.arctan2(d[..., 0], d[..., 1]), 2.0 * np.pi)
    el = np.arctan2(d[..., 2], np.hypot(d[..., 0], d[..., 1]))
    return rng, az, el


def radial_height(x, y, z):
    """Height (m) above the ellipsoid along the geocentric radial (the atmosphere's altitude).

    The ellipsoid's radius at geocentric latitude ``phi`` is ``b / sqrt(1 - e2 cos^2 phi)``;
    it is exactly 0 on the surface and within metres of the geodetic height below 200 km.
    """
    r2 = x * x + y * y + z * z
    r = math.sqrt(r2)
    cos2 = (x * x + y * y) / r2
    return r - B_M / math.sqrt(1.0 - E2 * cos2)


def geodesic_km(lat1, lon1, lat2, lon2):
    """Distance (km) on the ellipsoid by Lambert's formula (within ~10 m over 10,000 km).

    Reduced latitudes, the central angle between them, and Lambert's flattening terms
    (Lambert 1942, J. Wash. Acad. Sci. 32, 125).
    """
    b1 = math.atan((1.0 - F) * math.tan(math.radians(lat1)))
    b2 = math.atan((1.0 - F) * math.tan(math.radians(lat2)))
    dl = math.radians(lon2 - lon1)
    h = math.sin((b2 - b1) / 2) ** 2 + math.cos(b1) * math.cos(b2) * math.sin(dl / 2) ** 2
    sig = 2.0 * math.asin(math.sqrt(h))
    p, q = (b1 + b2) / 2, (b2 - b1) / 2
    x = (sig - math.sin(sig)) * math.sin(p) ** 2 * math.cos(q) ** 2 / math.cos(sig / 2) ** 2
    y = (sig + math.sin(sig)) * math.cos(p) ** 2 * math.sin(q) ** 2 / math.sin(sig / 2) ** 2
    return A_M * (sig - F / 2 * (x + y)) / 1000.0


# ---------------------------------------------------------------- equations of motion


def gravity_j2(x, y, z):
    """Point-mass + J2 gravitational acceleration (m/s^2) at an ECEF position (Vallado eq. 8-30)."""
    r2 = x * x + y * y + z * z
    r = math.sqrt(r2)
    k = -GM / (r2 * r)
    c = 1.5 * J2 * A_M * A_M / r2
    zz = 5.0 * z * z / r2
    return k * x * (1.0 + c * (1.0 - zz)), k * y * (1.0 + c * (1.0 - zz)), k * z * (1.0 + c * (3.0 - zz))


def potential_j2(r):
    """Gravitational potential energy per unit mass (J/kg, negative) of :func:`gravity_j2`."""
    r = np.asarray(r, dtype=float)
    rn = np.linalg.norm(r, axis=-1)
    s2 = (r[..., 2] / rn) ** 2
    return -GM / rn * (1.0 - J2 * (A_M / rn) ** 2 * (3.0 * s2 - 1.0) / 2.0)


def jacobi_integral(state):
    """Jacobi integral (J/kg) of Earth-fixed states ``(..., 6)``: conserved in drag-free flight.

    ``C = |v|^2 / 2 - OMEGA^2 (x^2 + y^2) / 2 + U(r)``: Coriolis does no work and the J2
    field is steady in the rotating frame (Vallado sec. 2.3 for the circular restricted
    problem; the same argument holds for any potential fixed in the rotating frame).
    """
    s = np.asarray(state, dtype=float)
    return (0.5 * np.sum(s[..., 3:] ** 2, axis=-1)
            - 0.5 * OMEGA ** 2 * (s[..., 0] ** 2 + s[..., 1] ** 2) + potential_j2(s[..., :3]))


def inertial_angular_momentum_z(state):
    """z component (m^2/s) of the inertial specific angular momentum ``r x (v + w x r)``.

    Conserved in drag-free flight in an axisymmetric field (J2): a check of the Coriolis term,
    which the Jacobi integral cannot see since Coriolis does no work.
    """
    s = np.asarray(state, dtype=float)
    x, y, vx, vy = s[..., 0], s[..., 1], s[..., 3], s[..., 4]
    return x * (vy + OMEGA * x) - y * (vx - OMEGA * y)


def density(h_m):
    """Exponential atmosphere (kg/m^3)."""
    return RHO0_KG_M3 * math.exp(-max(h_m, -1000.0) / SCALE_HEIGHT_M)


def rhs(t, s, thrust=None, drag_per_kg=None):
    """Time derivative of an Earth-fixed state under gravity, the frame's fictitious forces,
    an optional thrust acceleration ``thrust(t, s) -> (ax, ay, az)`` and drag.

    ``drag_per_kg(t)`` is ``Cd * A / m`` (m^2/kg) at time ``t``, or None in vacuum.
    """
    x, y, z, vx, vy, vz = s
    ax, ay, az = gravity_j2(x, y, z)
    ax += OMEGA * OMEGA * x + 2.0 * OMEGA * vy
    ay += OMEGA * OMEGA * y - 2.0 * OMEGA * vx
    if thrust is not None:
        tx, ty, tz = thrust(t, s)
        ax, ay, az = ax + tx, ay + ty, az + tz
    if drag_per_kg is not None:
        v = math.sqrt(vx * vx + vy * vy + vz * vz)
        k = -0.5 * density(radial_height(x, y, z)) * v * drag_per_kg(t)
        ax, ay, az = ax + k * vx, ay + k * vy, az + k * vz
    return [vx, vy, vz, ax, ay, az]


# ---------------------------------------------------------------- the missile


@dataclass(frozen=True)
class Vehicle:
    """A single-stage liquid IRBM stand-in (assumed, not a model of a real missile).

    Burn times of 100-150 s, lift-off thrust-to-weight ~1.9 and a burnout speed of
    5-5.5 km/s are those of open-source descriptions of the Hwasong-12; the split of mass
    is an assumption chosen to reach them with one stage.
    """

    m0_kg: float = 25000.0
    mdot_kg_s: float = 160.0
    ve_mps: float = 2950.0
    cd: float = 0.3
    diameter_m: float = 1.65

    @property
    def area_m2(self) -> float:
        return math.pi * self.diameter_m ** 2 / 4.0

    def mass(self, t):
        return self.m0_kg - self.mdot_kg_s * t


@dataclass(frozen=True)
class Site:
    name: str
    lat_deg: float
    lon_deg: float
    alt_m: float
    sigma_range_m: float
    sigma_az_deg: float
    sigma_el_deg: float
    revisit_s: float
    min_el_deg: float
    max_range_km: float
    sigma_range_rate_mps: float | None = None
    source: str = ""


@dataclass(frozen=True)
class Case:
    name: str
    what: str
    seed: int
    lat_deg: float
    lon_deg: float
    azimuth_deg: float
    apogee_km: float
    range_km: float
    guess: tuple[float, float]  # burnout time (s), final pitch (deg)
    sites: tuple[Site, ...]
    noise: str = "gaussian"
    sources: dict = field(default_factory=dict)
    vehicle: Vehicle = Vehicle()
    burn_bounds_s: tuple[float, float] = (95.0, 150.0)  # the solver's range for the burnout time


@dataclass
class Flight:
    """A solved flight: its segments' dense outputs and events."""

    segments: list
    t_burnout: float
    t_separation: float
    t_impact: float
    t_apogee: float
    apogee_km: float
    impact_lat_deg: float
    impact_lon_deg: float
    range_km: float

    def state(self, t):
        t = np.atleast_1d(np.asarray(t, dtype=float))
        out = np.empty((t.size, 6))
        for k, (t0, t1, sol) in enumerate(self.segments):
            last = k == len(self.segments) - 1
            sel = (t >= t0) & ((t <= t1) if last else (t < t1))
            if np.any(sel):
                out[sel] = sol(t[sel]).T
        return out


def fly(case: Case, t_b: float, gamma_b_deg: float, beta: float, vehicle: Vehicle | None = None,
        rtol: float = RTOL) -> Flight:
    """Fly the case's missile (``vehicle``: the case's) from lift-off to impact: burnout at
    ``t_b``, final pitch ``gamma_b_deg``."""
    vehicle = case.vehicle if vehicle is None else vehicle
    r0 = lla_to_ecef(case.lat_deg, case.lon_deg, 0.0)
    rot = enu_rotation(case.lat_deg, case.lon_deg)
    up = rot[2]
    az = math.radians(case.azimuth_deg)
    horiz = math.sin(az) * rot[0] + math.cos(az) * rot[1]
    gb = math.radians(gamma_b_deg)
    thrust_n = vehicle.mdot_kg_s * vehicle.ve_mps

    def vertical(t, s):
        return up * (thrust_n / vehicle.mass(t))

    def pitched(t, s):
        g = math.pi / 2 + (gb - math.pi / 2) * (t - T_VERTICAL_S) / (t_b - T_VERTICAL_S)
        return (math.cos(g) * horiz + math.sin(g) * up) * (thrust_n / vehicle.mass(t))

    def body(t):
        return vehicle.cd * vehicle.area_m2 / vehicle.mass(min(t, t_b))

    def rv(t):
        return 1.0 / beta

    def impact(t, s, *_):
        return radial_height(s[0], s[1], s[2])

    impact.terminal, impact.direction = True, -1.0

    def apogee(t, s, *_):
        return s[0] * s[3] + s[1] * s[4] + s[2] * s[5]

    apogee.direction = -1.0

    t_sep = t_b + SEPARATION_S
    plan = [(0.0, T_VERTICAL_S, vertical, body), (T_VERTICAL_S, t_b, pitched, body),
            (t_b, t_sep, None, body), (t_sep, 7200.0, None, rv)]
    s = np.concatenate([r0, np.zeros(3)])
    segments, t_apo = [], None
    for t0, t1, thr, drag in plan:
        last = drag is rv
        sol = solve_ivp(rhs, (t0, t1), s, method="DOP853", rtol=rtol, atol=ATOL, dense_output=True,
                        args=(thr, drag), events=[impact, apogee] if last else [apogee])
        if sol.t_events[-1].size:
            t_apo = float(sol.t_events[-1][0])
        segments.append((t0, float(sol.t[-1]), sol.sol))
        s = sol.y[:, -1]
    if not (segments[-1][2] is not None and sol.t_events[0].size):
        raise RuntimeError(f"{case.name}: no impact within two hours")
    t_imp = float(sol.t_events[0][0])
    flight = Flight(segments=segments, t_burnout=t_b, t_separation=t_sep, t_impact=t_imp, t_apogee=t_apo,
                    apogee_km=0.0, impact_lat_deg=0.0, impact_lon_deg=0.0, range_km=0.0)
    flight.apogee_km = float(ecef_to_lla(flight.state(t_apo)[0, :3])[2]) / 1000.0
    lat, lon, _ = ecef_to_lla(flight.state(t_imp)[0, :3])
    flight.impact_lat_deg, flight.impact_lon_deg = float(lat), float(lon)
    flight.range_km = geodesic_km(case.lat_deg, case.lon_deg, flight.impact_lat_deg, flight.impact_lon_deg)
    return flight


def solve_shot(case: Case, beta: float) -> tuple[float, float]:
    """Burnout time (s) and final pitch (deg) that give the case's apogee and range.

    Solved at rtol 1e-8 for speed; the truth is then flown at 1e-10 (the two differ by
    metres, far inside the targets' tolerance).
    """

    def residual(p):
        f = fly(case, p[0], p[1], beta, rtol=1e-8)
        return [(f.apogee_km - case.apogee_km) / case.apogee_km, (f.range_km - case.range_km) / case.range_km]

    res = least_squares(residual, case.guess, x_scale=[10.0, 5.0], diff_step=[1e-5, 1e-5],
                        bounds=([case.burn_bounds_s[0], 5.0], [case.burn_bounds_s[1], 89.0]), xtol=1e-10, ftol=1e-10)
    return float(res.x[0]), float(res.x[1])


# ---------------------------------------------------------------- radars


def measure(case: Case, flight: Flight, rng: np.random.Generator):
    """Reports of every site, sorted by time, and each site's first report time."""
    phase_rng, noise_rng = rng.spawn(2)
    rows, first = [], {}
    t_end = flight.t_impact - CUTOFF_BEFORE_IMPACT_S
    for site in case.sites:
        phase = float(phase_rng.uniform(0.0, site.revisit_s))
        t = phase + site.revisit_s * np.arange(int((t_end - phase) // site.revisit_s) + 1)
        s = flight.state(t)
        pos = lla_to_ecef(site.lat_deg, site.lon_deg, site.alt_m)
        rot = enu_rotation(site.lat_deg, site.lon_deg)
        rng_m, az, el = range_az_el(pos, rot, s[:, :3])
        seen = (el >= math.radians(site.min_el_deg)) & (rng_m <= site.max_range_km * 1000.0)
        t, s, rng_m, az, el = t[seen], s[seen], rng_m[seen], az[seen], el[seen]
        rr = np.sum((s[:, :3] - pos) * s[:, 3:], axis=1) / rng_m
        sig = np.array([site.sigma_range_m, math.radians(site.sigma_az_deg), math.radians(site.sigma_el_deg),
                        site.sigma_range_rate_mps or 0.0])
        if case.noise == "gaussian":
            w = noise_rng.standard_normal((t.size, 4))
        else:  # Student-t, 5 dof, scaled to unit variance (variance of t_nu is nu / (nu - 2))
            w = noise_rng.standard_t(5.0, (t.size, 4)) * math.sqrt(3.0 / 5.0)
        z = np.column_stack([rng_m, az, el, rr]) + w * sig
        z[:, 1] = np.mod(z[:, 1], 2.0 * math.pi)
        first[site.name] = float(t[0]) if t.size else None
        for k in range(t.size):
            rows.append((float(t[k]), site.name, z[k, 0], math.degrees(z[k, 1]), math.degrees(z[k, 2]),
                         z[k, 3] if site.sigma_range_rate_mps else None))
    rows.sort(key=lambda row: (row[0], row[1]))
    return rows, first


def phases(flight: Flight, t, state):
    """``boost`` up to burnout, ``reentry`` below 100 km after apogee, ``midcourse`` between."""
    h = ecef_to_lla(state[:, :3])[2]
    return np.where(t <= flight.t_burnout, "boost",
                    np.where((t > flight.t_apogee) & (h < 100e3), "reentry", "midcourse"))


# ---------------------------------------------------------------- files


def _f(v, nd):
    return "" if v is None else f"{v:.{nd}f}"


def write_case(case: Case, out: Path = OUT) -> dict:
    """Solve, fly, measure and write one case; returns its metadata."""
    ss = np.random.SeedSequence(case.seed)
    beta_rng, meas_rng = (np.random.default_rng(s) for s in ss.spawn(2))
    beta = float(beta_rng.uniform(2000.0, 10000.0))
    t_b, gamma_b = solve_shot(case, beta)
    flight = fly(case, t_b, gamma_b, beta)
    rows, first = measure(case, flight, meas_rng)

    d = out / case.name
    d.mkdir(parents=True, exist_ok=True)
    with open(d / "sites.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["site", "lat_deg", "lon_deg", "alt_m", "sigma_range_m", "sigma_az_deg", "sigma_el_deg",
                    "revisit_s", "min_el_deg", "max_range_km", "sigma_range_rate_mps"])
        for s in case.sites:
            w.writerow([s.name, s.lat_deg, s.lon_deg, s.alt_m, s.sigma_range_m, s.sigma_az_deg, s.sigma_el_deg,
                        s.revisit_s, s.min_el_deg, s.max_range_km, _f(s.sigma_range_rate_mps, 3)])
    with open(d / "measurements.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["t_s", "site", "range_m", "azimuth_deg", "elevation_deg", "range_rate_mps"])
        for t, name, r, a, e, rr in rows:
            w.writerow([_f(t, 3), name, _f(r, 2), _f(a, 6), _f(e, 6), _f(rr, 3)])
    t = np.arange(0.0, flight.t_impact, TRUTH_STEP_S)
    s = flight.state(t)
    ph = phases(flight, t, s)
    with open(d / "truth.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["t_s", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps", "phase"])
        for k in range(t.size):
            w.writerow([_f(t[k], 1), *(_f(v, 3) for v in s[k]), ph[k]])
    t_reentry = float(t[ph == "reentry"][0]) if np.any(ph == "reentry") else None
    meta = {
        "case": case.name,
        "what": case.what,
        "generator": "tests/independent/generate.py (no sprn code)",
        "seed": case.seed,
        "seeds": "numpy SeedSequence(seed).spawn(2): [beta draw, measurements]; measurements spawn "
                 "[site scan phases, noise]",
        "noise": case.noise,
        "beta_kg_m2": beta,
        "beta_draw": "uniform 2,000-10,000 kg/m^2",
        "launch": {"lat_deg": case.lat_deg, "lon_deg": case.lon_deg, "alt_m": 0.0, "azimuth_deg": case.azimuth_deg},
        "targets": {"apogee_km": case.apogee_km, "range_km": case.range_km},
        "vehicle": asdict(case.vehicle),
        "pitch_programme": {"vertical_s": T_VERTICAL_S, "burnout_s": t_b, "final_pitch_deg": gamma_b,
                            "law": "elevation falls linearly from 90 deg at vertical_s to final_pitch_deg at "
                                   "burnout, at the launch azimuth in the launch point's ENU frame"},
        "burnout_s": t_b,
        "separation_s": flight.t_separation,
        "apogee_s": flight.t_apogee,
        "apogee_km": flight.apogee_km,
        "reentry_s": t_reentry,
        "impact_s": flight.t_impact,
        "impact": {"lat_deg": flight.impact_lat_deg, "lon_deg": flight.impact_lon_deg},
        "range_km": flight.range_km,
        "atmosphere": f"exponential, rho = {RHO0_KG_M3} exp(-h / {SCALE_HEIGHT_M:g} m)",
        "first_report_s": first,
        "n_reports": len(rows),
        "measurement_end_s": flight.t_impact - CUTOFF_BEFORE_IMPACT_S,
        "sites": [asdict(s) for s in case.sites],
        "sources": case.sources,
    }
    (d / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


# ---------------------------------------------------------------- the cases

_KUSONG_SOURCES = {
    "launch point": "about 40.07 N, 125.21 E: open-source analyses of the Kusong site (exact pad not published)",
    "apogee, range": "KCNA: apogee 2,111.5 km, range 787 km; Japan Ministry of Defense: apogee over 2,000 km, "
                     "about 30 min, about 800 km (14 May 2017). Targets used: 2,100 km and 790 km",
    "azimuth": "about 75 deg: assumed, the bearing from Kusong to the Sea of Japan impact area",
}
_KUSONG_SITES = (
    Site(name="baengnyeong", lat_deg=37.95, lon_deg=124.67, alt_m=150.0, sigma_range_m=60.0, sigma_az_deg=0.12,
         sigma_el_deg=0.15, revisit_s=3.0, min_el_deg=1.0, max_range_km=2500.0,
         source="assumed radar on Baengnyeong Island (South Korea), ~240 km south of the launch point"),
    Site(name="kyogamisaki", lat_deg=35.77, lon_deg=135.20, alt_m=150.0, sigma_range_m=25.0, sigma_az_deg=0.04,
         sigma_el_deg=0.05, revisit_s=5.0, min_el_deg=2.0, max_range_km=3000.0, sigma_range_rate_mps=2.0,
         source="position of the AN/TPY-2 at Kyogamisaki, Japan (public); accuracy and revisit assumed"),
    Site(name="ship_east_sea", lat_deg=40.20, lon_deg=132.50, alt_m=25.0, sigma_range_m=120.0, sigma_az_deg=0.18,
         sigma_el_deg=0.2, revisit_s=2.0, min_el_deg=1.5, max_range_km=1500.0,
         source="assumed sea-based radar in the Sea of Japan, ~300 km south-west of the impact area"),
)
CASES = (
    Case(name="kusong-lofted", seed=20170514,
         what="Kusong-like lofted shot (14 May 2017), Gaussian noise",
         lat_deg=40.07, lon_deg=125.21, azimuth_deg=75.0, apogee_km=2100.0, range_km=790.0, guess=(130.0, 75.0),
         sites=_KUSONG_SITES, sources=_KUSONG_SOURCES),
    Case(name="kusong-lofted-t5", seed=514,
         what="the same lofted shot with another beta and scan phases, Student-t (5 dof) noise scaled to the "
              "sites' sigmas: a robustness probe",
         lat_deg=40.07, lon_deg=125.21, azimuth_deg=75.0, apogee_km=2100.0, range_km=790.0, guess=(130.0, 75.0),
         sites=_KUSONG_SITES, noise="student-t5", sources=_KUSONG_SOURCES),
    Case(name="sunan-hokkaido", seed=20170829,
         what="Sunan-like shot over Hokkaido (29 Aug 2017): near minimum-energy, slightly depressed, "
              "2,700 km range, 550 km apogee; Gaussian noise",
         lat_deg=39.20, lon_deg=125.67, azimuth_deg=72.8, apogee_km=550.0, range_km=2700.0, guess=(125.0, 25.0),
         sites=(
             Site(name="pyeongtaek", lat_deg=36.96, lon_deg=127.03, alt_m=60.0, sigma_range_m=40.0,
                  sigma_az_deg=0.08, sigma_el_deg=0.1, revisit_s=2.0, min_el_deg=1.0, max_range_km=2000.0,
                  source="assumed radar near Pyeongtaek (South Korea), ~270 km south-east of the launch point"),
             Site(name="shariki", lat_deg=40.89, lon_deg=140.31, alt_m=60.0, sigma_range_m=20.0, sigma_az_deg=0.03,
                  sigma_el_deg=0.04, revisit_s=4.0, min_el_deg=2.0, max_range_km=3000.0,
                  sigma_range_rate_mps=1.5,
                  source="position of the AN/TPY-2 at Shariki, Japan (public); accuracy and revisit assumed"),
             Site(name="ship_pacific", lat_deg=41.20, lon_deg=155.00, alt_m=25.0, sigma_range_m=150.0,
                  sigma_az_deg=0.2, sigma_el_deg=0.2, revisit_s=1.5, min_el_deg=1.5, max_range_km=1500.0,
                  source="assumed sea-based radar in the Pacific, ~240 km west-south-west of the impact area"),
         ),
         sources={
             "launch point": "Sunan (Pyongyang airport), about 39.20 N, 125.67 E: Japan Ministry of Defense and "
                             "open-source reports of the 29 Aug 2017 launch",
             "apogee, range": "Japan Ministry of Defense: about 2,700 km, apogee about 550 km, over Hokkaido "
                              "(Cape Erimo), impact about 1,180 km east of Cape Erimo, about 14 min",
             "azimuth": "72.8 deg: the geodesic bearing from Sunan to Cape Erimo (41.93 N, 143.25 E)",
         }),
)


# ---------------------------------------------------------------- a multi-object scene

STAGE_BETA_KG_M2 = 120.0
"""The spent stage tumbles: a light, draggy body (assumed, as for a 1.65 m x 15 m tank)."""
STAGE_PUSH_MPS = 3.0
"""The stage falls back from the reentry vehicle at this speed, against the velocity (assumed)."""
DEBRIS_SIGMA_MPS = 5.0
"""Each Cartesian component of a debris piece's velocity change (Gaussian, assumed)."""
DEBRIS_BETA_RANGE = (20.0, 500.0)
"""Debris ballistic coefficients (kg/m^2), log-uniform (assumed)."""


@dataclass(frozen=True)
class SceneCase:
    """A case of several objects: the flight of ``base``, its stage and ``debris`` pieces
    released at separation, and clutter: a Poisson number of false reports per scan of
    mean ``clutter_per_scan``, uniform in slant range (``clutter_range_km``), azimuth
    (all round) and elevation (``clutter_el_deg``). Reports of objects closer than
    ``resolution_m`` in slant range and ``beam_deg`` in both angles merge into one at
    their mean position (the radar cannot tell them apart)."""

    name: str
    what: str
    seed: int
    base: Case
    debris: int = 2
    clutter_per_scan: float = 1.0
    clutter_range_km: tuple[float, float] = (100.0, 2500.0)
    clutter_el_deg: tuple[float, float] = (1.0, 60.0)
    resolution_m: float = 150.0
    beam_deg: float = 1.0

    @property
    def sites(self) -> tuple[Site, ...]:
        return self.base.sites

    @property
    def sources(self) -> dict:
        return self.base.sources


def fly_released(flight: Flight, x0, beta: float, t0: float):
    """A body released at ``t0`` in state ``x0``, flown with drag ``1 / beta`` to the ground;
    returns ``(t_impact, dense output)``."""

    def impact(t, s, *_):
        return radial_height(s[0], s[1], s[2])

    impact.terminal, impact.direction = True, -1.0
    sol = solve_ivp(rhs, (t0, t0 + 7200.0), x0, method="DOP853", rtol=RTOL, atol=ATOL, dense_output=True,
                    args=(None, lambda t: 1.0 / beta), events=[impact])
    if not sol.t_events[0].size:
        raise RuntimeError("a released body did not come down within two hours")
    return float(sol.t_events[0][0]), sol.sol


@dataclass
class Body:
    """One object of a scene: its id, kind, ballistic coefficient, release and impact times
    (seconds from the scene's first launch) and its states at any time (the missile's before
    its release); ``t_launch`` is its missile's launch, ``sol`` its flight after release in
    that missile's own time."""

    id: str
    kind: str
    beta_kg_m2: float
    t_release: float
    t_impact: float
    sol: object
    flight: Flight
    dv_mps: tuple = ()
    t_launch: float = 0.0

    def state(self, t):
        t = np.atleast_1d(np.asarray(t, dtype=float)) - self.t_launch
        if self.sol is None:
            return self.flight.state(t)
        out = self.flight.state(np.minimum(t, self.t_release - self.t_launch))
        after = t > self.t_release - self.t_launch
        if np.any(after):
            out[after] = self.sol(t[after]).T
        return out

    def phase(self, t, state):
        """The truth file's ``phase`` column: the flight's phases for the reentry vehicle; a
        released body coasts (``reentry`` below 100 km after its missile's apogee)."""
        local = np.asarray(t, dtype=float) - self.t_launch
        if self.kind == "reentry-vehicle":
            return phases(self.flight, local, state)
        return np.where((local > self.flight.t_apogee) & (ecef_to_lla(state[:, :3])[2] < 100e3), "reentry",
                        "midcourse")


def scene_bodies(case: SceneCase, flight: Flight, beta: float, rng: np.random.Generator, prefix: str = "",
                 t_launch: float = 0.0, debris: int | None = None):
    """The reentry vehicle, the stage and the debris of ``case``'s flight (ids prefixed with
    ``prefix``; the missile launched ``t_launch`` after the scene's first)."""
    debris = case.debris if debris is None else debris
    t_sep = flight.t_separation
    x_sep = flight.state(t_sep)[0]
    bodies = [Body(id=f"{prefix}RV", kind="reentry-vehicle", beta_kg_m2=beta, t_release=t_launch,
                   t_impact=t_launch + flight.t_impact, sol=None, flight=flight, t_launch=t_launch)]
    v = x_sep[3:]
    push = -STAGE_PUSH_MPS * v / np.linalg.norm(v)
    t_imp, sol = fly_released(flight, np.concatenate([x_sep[:3], v + push]), STAGE_BETA_KG_M2, t_sep)
    bodies.append(Body(id=f"{prefix}stage", kind="stage", beta_kg_m2=STAGE_BETA_KG_M2, t_release=t_launch + t_sep,
                       t_impact=t_launch + t_imp, sol=sol, flight=flight, dv_mps=tuple(push), t_launch=t_launch))
    kicks = rng.standard_normal((debris, 3)) * DEBRIS_SIGMA_MPS
    lo, hi = np.log(DEBRIS_BETA_RANGE)
    betas = np.exp(rng.uniform(lo, hi, debris))
    for j in range(debris):
        t_imp, sol = fly_released(flight, np.concatenate([x_sep[:3], v + kicks[j]]), float(betas[j]), t_sep)
        bodies.append(Body(id=f"{prefix}debris-{j + 1}", kind="debris", beta_kg_m2=float(betas[j]),
                           t_release=t_launch + t_sep, t_impact=t_launch + t_imp, sol=sol, flight=flight,
                           dv_mps=tuple(kicks[j]), t_launch=t_launch))
    return bodies


def measure_scene(case: SceneCase, bodies, rng: np.random.Generator):
    """Unlabelled reports of every site: each object in coverage (merged when unresolved),
    then the scan's clutter; sorted by time. Also each site's count of clutter reports."""
    phase_rng, noise_rng, clutter_rng = rng.spawn(3)
    rows, clutter = [], {}
    t_end = max(b.t_impact for b in bodies) - CUTOFF_BEFORE_IMPACT_S
    for site in case.sites:
        phase = float(phase_rng.uniform(0.0, site.revisit_s))
        times = phase + site.revisit_s * np.arange(int((t_end - phase) // site.revisit_s) + 1)
        pos = lla_to_ecef(site.lat_deg, site.lon_deg, site.alt_m)
        rot = enu_rotation(site.lat_deg, site.lon_deg)
        sig = np.array([site.sigma_range_m, math.radians(site.sigma_az_deg), math.radians(site.sigma_el_deg),
                        site.sigma_range_rate_mps or 0.0])
        clutter[site.name] = 0
        for t in times:
            here = [b for b in bodies if b.t_release < t < b.t_impact - CUTOFF_BEFORE_IMPACT_S]
            s = np.array([b.state(t)[0] for b in here])
            rng_m, az, el = range_az_el(pos, rot, s[:, :3])
            seen = (el >= math.radians(site.min_el_deg)) & (rng_m <= site.max_range_km * 1000.0)
            for group in _unresolved(case, rng_m[seen], az[seen], el[seen]):
                x = np.mean(s[seen][group], axis=0)
                r, a, e = range_az_el(pos, rot, x[:3])
                rr = float(np.dot(x[:3] - pos, x[3:]) / r)
                z = np.array([r, a, e, rr]) + noise_rng.standard_normal(4) * sig
                rows.append((float(t), site.name, z[0], math.degrees(z[1] % (2.0 * math.pi)), math.degrees(z[2]),
                             z[3] if site.sigma_range_rate_mps else None))
            n = int(clutter_rng.poisson(case.clutter_per_scan))
            clutter[site.name] += n
            for _ in range(n):
                r = clutter_rng.uniform(*case.clutter_range_km) * 1000.0
                a = clutter_rng.uniform(0.0, 360.0)
                e = clutter_rng.uniform(*case.clutter_el_deg)
                rr = clutter_rng.uniform(-7000.0, 7000.0)
                rows.append((float(t), site.name, r, a, e, rr if site.sigma_range_rate_mps else None))
    rows.sort(key=lambda row: (row[0], row[1], row[2]))
    return rows, clutter


def _unresolved(case: SceneCase, rng_m, az, el):
    """Groups (lists of indices) of objects one radar cannot resolve: a chain of pairs closer than
    the resolution in range and the beam in both angles."""
    n = len(rng_m)
    group = list(range(n))
    beam = math.radians(case.beam_deg)
    for i in range(n):
        for j in range(i + 1, n):
            d_az = abs((az[i] - az[j] + math.pi) % (2.0 * math.pi) - math.pi)
            if abs(rng_m[i] - rng_m[j]) < case.resolution_m and d_az < beam and abs(el[i] - el[j]) < beam:
                old, new = group[j], group[i]
                group = [new if g == old else g for g in group]
    return [[i for i in range(n) if group[i] == g] for g in sorted(set(group))]


def write_scene_files(d: Path, sites, rows, bodies) -> None:
    """A scene's ``sites.csv``, ``measurements.csv`` and one ``truth-<id>.csv`` per body."""
    d.mkdir(parents=True, exist_ok=True)
    with open(d / "sites.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["site", "lat_deg", "lon_deg", "alt_m", "sigma_range_m", "sigma_az_deg", "sigma_el_deg",
                    "revisit_s", "min_el_deg", "max_range_km", "sigma_range_rate_mps"])
        for s in sites:
            w.writerow([s.name, s.lat_deg, s.lon_deg, s.alt_m, s.sigma_range_m, s.sigma_az_deg, s.sigma_el_deg,
                        s.revisit_s, s.min_el_deg, s.max_range_km, _f(s.sigma_range_rate_mps, 3)])
    with open(d / "measurements.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["t_s", "site", "range_m", "azimuth_deg", "elevation_deg", "range_rate_mps"])
        for t, name, r, a, e, rr in rows:
            w.writerow([_f(t, 3), name, _f(r, 2), _f(a, 6), _f(e, 6), _f(rr, 3)])
    for b in bodies:
        first = (math.floor(b.t_release / TRUTH_STEP_S) + 1) * TRUTH_STEP_S if b.sol is not None else b.t_launch
        t = np.arange(first, b.t_impact, TRUTH_STEP_S)
        s = b.state(t)
        ph = b.phase(t, s)
        with open(d / f"truth-{b.id}.csv", "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["t_s", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps", "phase"])
            for k in range(t.size):
                w.writerow([_f(t[k], 1), *(_f(v, 3) for v in s[k]), ph[k]])


def _scene_meta(case, bodies, rows, clutter, debris=None) -> dict:
    """The part of a scene's or a salvo's ``meta.json`` they share: the objects, the stage
    (and ``debris``, if any), the clutter, the merging rule, the reports, the sites and the
    sources."""
    return {
        "objects": [{"id": b.id, "kind": b.kind, "truth": f"truth-{b.id}.csv", "beta_kg_m2": b.beta_kg_m2,
                     "release_s": b.t_release, "impact_s": b.t_impact, "dv_mps": list(b.dv_mps)} for b in bodies],
        "stage": {"push_mps": STAGE_PUSH_MPS, "direction": "against the velocity at separation",
                  "beta_kg_m2": STAGE_BETA_KG_M2},
        **({"debris": debris} if debris is not None else {}),
        "clutter": {"per_scan_mean": case.clutter_per_scan, "distribution": "Poisson per scan, uniform in slant "
                    "range, azimuth (0-360 deg) and elevation", "range_km": list(case.clutter_range_km),
                    "elevation_deg": list(case.clutter_el_deg), "range_rate_mps": [-7000.0, 7000.0],
                    "reports_per_site": clutter},
        "merging": {"resolution_m": case.resolution_m, "beam_deg": case.beam_deg,
                    "rule": "objects closer than resolution_m in slant range and beam_deg in azimuth and elevation "
                            "give one report at their mean state (chains of such pairs too)"},
        "n_reports": len(rows),
        "measurement_end_s": max(b.t_impact for b in bodies) - CUTOFF_BEFORE_IMPACT_S,
        "sites": [asdict(s) for s in case.sites],
        "sources": case.sources,
    }


def write_scene_case(case: SceneCase, out: Path = OUT) -> dict:
    """Solve, fly, measure and write a multi-object case; returns its metadata."""
    ss = np.random.SeedSequence(case.seed)
    beta_rng, scene_rng, meas_rng = (np.random.default_rng(s) for s in ss.spawn(3))
    beta = float(beta_rng.uniform(2000.0, 10000.0))
    t_b, gamma_b = solve_shot(case.base, beta)
    flight = fly(case.base, t_b, gamma_b, beta)
    bodies = scene_bodies(case, flight, beta, scene_rng)
    rows, clutter = measure_scene(case, bodies, meas_rng)
    d = out / case.name
    write_scene_files(d, case.sites, rows, bodies)
    meta = {
        "case": case.name,
        "what": case.what,
        "generator": "tests/independent/generate.py (no sprn code)",
        "seed": case.seed,
        "seeds": "numpy SeedSequence(seed).spawn(3): [beta draw, scene draws (debris kicks, then their beta), "
                 "measurements]; measurements spawn [site scan phases, noise, clutter]",
        "base_case": case.base.name,
        "beta_kg_m2": beta,
        "burnout_s": t_b,
        "separation_s": flight.t_separation,
        **_scene_meta(case, bodies, rows, clutter,
                      debris={"n": case.debris, "sigma_mps_per_axis": DEBRIS_SIGMA_MPS,
                              "beta_kg_m2": "log-uniform in " + str(list(DEBRIS_BETA_RANGE))}),
    }
    (d / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


SCENE_CASES = (
    SceneCase(name="kusong-scene", seed=16,
              what="the Kusong-like lofted shot as a scene: the reentry vehicle, its spent stage falling back at "
                   "3 m/s, two debris pieces, and clutter (one false report per scan on average); unlabelled",
              base=CASES[0]),
)


# ---------------------------------------------------------------- a salvo

SCUD_ER_LIKE = Vehicle(m0_kg=7000.0, mdot_kg_s=65.0, ve_mps=2600.0, cd=0.3, diameter_m=0.88)
"""A single-stage stand-in for an extended-range Scud (assumed numbers, not a model of it: a
0.88 m body, lift-off thrust-to-weight 2.5; the solver cuts the engine off between 40 and
95 s to meet the reported apogee and range)."""


@dataclass(frozen=True)
class SalvoCase:
    """Several missiles launched seconds apart, each with its stage (no debris), seen by
    ``sites`` with clutter and merging as in :class:`SceneCase`. ``shots`` holds each missile's
    case (pad, azimuth, apogee, range, vehicle) and its launch time after the first (s)."""

    name: str
    what: str
    seed: int
    shots: tuple
    sites: tuple
    sources: dict = field(default_factory=dict)
    clutter_per_scan: float = 1.0
    clutter_range_km: tuple[float, float] = (100.0, 2500.0)
    clutter_el_deg: tuple[float, float] = (1.0, 60.0)
    resolution_m: float = 150.0
    beam_deg: float = 1.0


def write_salvo_case(case: SalvoCase, out: Path = OUT) -> dict:
    """Solve, fly, measure and write a salvo; returns its metadata."""
    ss = np.random.SeedSequence(case.seed)
    beta_rng, scene_rng, meas_rng = (np.random.default_rng(s) for s in ss.spawn(3))
    bodies, missiles = [], []
    for i, (shot, t_launch) in enumerate(case.shots, start=1):
        beta = float(beta_rng.uniform(2000.0, 10000.0))
        t_b, gamma_b = solve_shot(shot, beta)
        flight = fly(shot, t_b, gamma_b, beta)
        bodies.extend(scene_bodies(case, flight, beta, scene_rng, prefix=f"M{i}-", t_launch=t_launch, debris=0))
        missiles.append({"missile": i, "launch_s": t_launch, "launch": {"lat_deg": shot.lat_deg,
                         "lon_deg": shot.lon_deg, "azimuth_deg": shot.azimuth_deg},
                         "targets": {"apogee_km": shot.apogee_km, "range_km": shot.range_km},
                         "beta_kg_m2": beta, "burnout_s": t_b, "final_pitch_deg": gamma_b,
                         "apogee_km": flight.apogee_km, "range_km": flight.range_km,
                         "impact_s": t_launch + flight.t_impact,
                         "impact": {"lat_deg": flight.impact_lat_deg, "lon_deg": flight.impact_lon_deg}})
    rows, clutter = measure_scene(case, bodies, meas_rng)
    write_scene_files(out / case.name, case.sites, rows, bodies)
    meta = {
        "case": case.name,
        "what": case.what,
        "generator": "tests/independent/generate.py (no sprn code)",
        "seed": case.seed,
        "seeds": "numpy SeedSequence(seed).spawn(3): [each missile's beta draw, scene draws (none: no debris), "
                 "measurements]; measurements spawn [site scan phases, noise, clutter]",
        "missiles": missiles,
        "vehicle": asdict(case.shots[0][0].vehicle),
        **_scene_meta(case, bodies, rows, clutter),
    }
    (out / case.name / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


_SALVO_SOURCES = {
    "event": "6 March 2017 (07:34-07:36 KST): four ballistic missiles fired almost simultaneously from near "
             "Tongchang-ri, north-west North Korea (Kyodo, 6 Mar 2017; South Korea's Joint Chiefs of Staff via "
             "Yonhap)",
    "apogee, range": "about 1,000 km of flight (JCS; Japan's Chief Cabinet Secretary: range about 1,000 km, "
                     "presumably Scud-ER); apogee about 260 km as reported in the press (no primary text found). "
                     "Targets used: 260 km and 1,000 km",
    "impacts": "three of the four in Japan's EEZ, 200-450 km north of the Noto Peninsula (Japan Ministry of "
               "Defense, 9 Mar 2017); the azimuths here are assumed to spread the four across that area",
    "pads, launch times": "assumed: four launchers a few km apart in the Tongchang-ri area, launched over 25 s",
}
_SALVO_SITES = (
    dataclasses.replace(_KUSONG_SITES[0], source="assumed radar on Baengnyeong Island (South Korea), ~190 km "
                                                 "south of the pads"),
    _KUSONG_SITES[1],  # kyogamisaki
    Site(name="ship_noto", lat_deg=38.60, lon_deg=134.80, alt_m=25.0, sigma_range_m=120.0, sigma_az_deg=0.18,
         sigma_el_deg=0.2, revisit_s=2.0, min_el_deg=1.5, max_range_km=1500.0,
         source="assumed sea-based radar north of the Noto Peninsula, near the impact area"),
)


def _salvo_shot(i: int, lat: float, lon: float, azimuth: float) -> Case:
    return Case(name=f"salvo-{i}", what="", seed=0, lat_deg=lat, lon_deg=lon, azimuth_deg=azimuth, apogee_km=260.0,
                range_km=1000.0, guess=(70.0, 35.0), sites=_SALVO_SITES, vehicle=SCUD_ER_LIKE,
                burn_bounds_s=(40.0, 95.0))


SALVO_CASES = (
    SalvoCase(name="tongchang-salvo", seed=20170306,
              what="a salvo like 6 March 2017: four Scud-ER-like missiles from four pads near Tongchang-ri, "
                   "launched over 25 s, each with its spent stage, 260 km apogee, 1,000 km into the Sea of Japan, "
                   "and clutter (one false report per scan on average); unlabelled",
              shots=((_salvo_shot(1, 39.660, 124.710, 75.5), 0.0), (_salvo_shot(2, 39.680, 124.745, 80.0), 7.0),
                     (_salvo_shot(3, 39.645, 124.690, 84.5), 16.0), (_salvo_shot(4, 39.700, 124.725, 89.0), 25.0)),
              sites=_SALVO_SITES, sources=_SALVO_SOURCES),
)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="*", help="case names (default: all)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    for salvo in SALVO_CASES:
        if args.cases and salvo.name not in args.cases:
            continue
        m = write_salvo_case(salvo, args.out)
        print(f"{m['case']}: " + ", ".join(f"M{x['missile']} apogee {x['apogee_km']:.1f} km range {x['range_km']:.1f} km "
                                           f"impact {x['impact_s']:.1f} s at {x['impact']['lat_deg']:.2f} N "
                                           f"{x['impact']['lon_deg']:.2f} E" for x in m["missiles"])
              + f"; {m['n_reports']} reports, clutter {m['clutter']['reports_per_site']}")
    for scene_case in SCENE_CASES:
        if args.cases and scene_case.name not in args.cases:
            continue
        m = write_scene_case(scene_case, args.out)
        print(f"{m['case']}: " + ", ".join(f"{o['id']} impact {o['impact_s']:.1f} s" for o in m["objects"])
              + f", {m['n_reports']} reports, clutter {m['clutter']['reports_per_site']}")
    for case in CASES:
        if args.cases and case.name not in args.cases:
            continue
        m = write_case(case, args.out)
        print(f"{m['case']}: beta {m['beta_kg_m2']:.0f} kg/m^2, burnout {m['burnout_s']:.1f} s "
              f"(pitch {m['pitch_programme']['final_pitch_deg']:.2f} deg), apogee {m['apogee_km']:.1f} km at "
              f"{m['apogee_s']:.0f} s, range {m['range_km']:.1f} km, impact {m['impact_s']:.1f} s at "
              f"{m['impact']['lat_deg']:.3f} N {m['impact']['lon_deg']:.3f} E, {m['n_reports']} reports, first "
              + ", ".join(f"{k} {v:.1f} s" if v is not None else f"{k} never" for k, v in
                          m["first_report_s"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
