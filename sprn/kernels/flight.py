"""Compiled inner loops of unpowered flight, the radar measurement and the Kalman steps (see :mod:`sprn.kernels`)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sprn import atmosphere
from sprn.geo import A_M, B_M, GM_M3_S2, J2, OMEGA_EARTH_RAD_S

_LOG_RHO = atmosphere.density_log_table()
_RHO_STEP_M = atmosphere.DENSITY_TABLE_STEP_M
_TOP_M = atmosphere.TOP_OF_ATMOSPHERE_M
_TOP_R2 = (A_M + _TOP_M) ** 2
_K_J2 = 1.5 * J2 * A_M**2
_W = OMEGA_EARTH_RAD_S

BOOST, BALLISTIC, REENTRY = 0, 1, 2
"""Motion models (:mod:`sprn.tracking.models`) by the layout of their states: ``[r, v, a]``
(9: ``a`` a constant non-gravitational acceleration), ``[r, v]`` (6, vacuum) and
``[r, v, 1/beta]`` (7: drag of inverse ballistic coefficient ``1/beta``)."""


@njit(cache=True)
def density(alt_m: float) -> float:
    """Air density (kg/m^3) of the US 1976 atmosphere at geometric altitude ``alt_m`` (m).

    Log-linear interpolation in the table of :func:`sprn.atmosphere.density_log_table`
    (every 100 m of :func:`sprn.atmosphere.density_exact`: relative error below 5e-4,
    largest at the kinks of the temperature profile). Below 0 m the sea-level value;
    above 1,000 km zero.
    """
    if alt_m > _TOP_M:
        return 0.0
    z = min(max(alt_m, 0.0), _TOP_M)
    i = min(int(z / _RHO_STEP_M), _LOG_RHO.size - 2)
    f = (z - i * _RHO_STEP_M) / _RHO_STEP_M
    return math.exp(_LOG_RHO[i] + f * (_LOG_RHO[i + 1] - _LOG_RHO[i]))


@njit(cache=True)
def height(px: float, py: float, pz: float) -> float:
    """Fast approximate height (m) of one position above the WGS84 ellipsoid, for the atmosphere.

    Distance from the centre minus the ellipsoid radius at the same geocentric latitude:
    within a few metres of the geodetic height below 200 km, where drag matters.
    """
    r2 = px * px + py * py + pz * pz
    sin2 = pz * pz / r2
    return math.sqrt(r2) - A_M * B_M / math.sqrt(B_M * B_M * (1.0 - sin2) + A_M * A_M * sin2)


@njit(cache=True)
def gravity(px: float, py: float, pz: float) -> tuple[float, float, float]:
    """Point-mass plus J2 gravity (m/s^2) at one position (Vallado, 4th ed., sec. 8.6)."""
    r2 = px * px + py * py + pz * pz
    mu_r3 = GM_M3_S2 / (r2 * math.sqrt(r2))
    k = _K_J2 / r2
    s = 5.0 * pz * pz / r2
    fxy = -mu_r3 * (1.0 - k * (s - 1.0))
    return fxy * px, fxy * py, -mu_r3 * (1.0 - k * (s - 3.0)) * pz


@njit(cache=True)
def acceleration(px: float, py: float, pz: float, vx: float, vy: float, vz: float,
                 inv_beta: float) -> tuple[float, float, float]:
    """Acceleration (m/s^2) of one state: gravity, Coriolis, centrifugal and drag."""
    gx, gy, gz = gravity(px, py, pz)
    ax = gx + _W * _W * px + 2.0 * _W * vy
    ay = gy + _W * _W * py - 2.0 * _W * vx
    az = gz
    if inv_beta != 0.0 and px * px + py * py + pz * pz < _TOP_R2:
        dx, dy, dz = drag_one(px, py, pz, vx, vy, vz, inv_beta)
        ax += dx
        ay += dy
        az += dz
    return ax, ay, az


@njit(cache=True)
def drag_one(px: float, py: float, pz: float, vx: float, vy: float, vz: float,
             inv_beta: float) -> tuple[float, float, float]:
    """Drag (m/s^2) of one state against air co-rotating with the Earth: ``-rho(h) |v| v / (2 beta)``."""
    c = -0.5 * density(height(px, py, pz)) * math.sqrt(vx * vx + vy * vy + vz * vz) * inv_beta
    return c * vx, c * vy, c * vz


@njit(cache=True)
def heights(r: np.ndarray) -> np.ndarray:
    """:func:`height` of positions ``r`` (n, 3)."""
    out = np.empty(r.shape[0])
    for i in range(r.shape[0]):
        out[i] = height(r[i, 0], r[i, 1], r[i, 2])
    return out


@njit(cache=True)
def densities(alt_m: np.ndarray) -> np.ndarray:
    """:func:`density` of altitudes ``alt_m`` (n,)."""
    out = np.empty(alt_m.size)
    for i in range(alt_m.size):
        out[i] = density(alt_m[i])
    return out


@njit(cache=True)
def drag(x: np.ndarray, inv_beta: np.ndarray) -> np.ndarray:
    """:func:`drag_one` of states ``x`` (n, 6) with inverse ballistic coefficients ``inv_beta`` (n,)."""
    out = np.empty((x.shape[0], 3))
    for i in range(x.shape[0]):
        out[i, 0], out[i, 1], out[i, 2] = drag_one(x[i, 0], x[i, 1], x[i, 2], x[i, 3], x[i, 4], x[i, 5],
                                                   inv_beta[i])
    return out


@njit(cache=True)
def derivative(x: np.ndarray, inv_beta: np.ndarray) -> np.ndarray:
    """``[v, a]`` of states ``x`` (n, 6) with inverse ballistic coefficients ``inv_beta`` (n,)."""
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i, 0] = x[i, 3]
        out[i, 1] = x[i, 4]
        out[i, 2] = x[i, 5]
        out[i, 3], out[i, 4], out[i, 5] = acceleration(x[i, 0], x[i, 1], x[i, 2], x[i, 3], x[i, 4], x[i, 5],
                                                       inv_beta[i])
    return out


@njit(cache=True)
def _rk4_one(s: np.ndarray, ib: float, h: float, tx: float = 0.0, ty: float = 0.0, tz: float = 0.0) -> None:
    """One classical RK4 step of size ``h`` of one state ``s`` (6,), in place.

    ``(tx, ty, tz)``: a constant extra acceleration over the step (m/s^2: the boost
    model's thrust; zero in unpowered flight, where adding it changes no bit).
    Written in scalars: the four stages allocate nothing (this is the innermost loop of
    every propagation, called millions of times in a track initiation).
    """
    px, py, pz, vx, vy, vz = s[0], s[1], s[2], s[3], s[4], s[5]
    a1x, a1y, a1z = acceleration(px, py, pz, vx, vy, vz, ib)
    a1x, a1y, a1z = a1x + tx, a1y + ty, a1z + tz
    c = 0.5 * h
    v2x, v2y, v2z = vx + c * a1x, vy + c * a1y, vz + c * a1z
    a2x, a2y, a2z = acceleration(px + c * vx, py + c * vy, pz + c * vz, v2x, v2y, v2z, ib)
    a2x, a2y, a2z = a2x + tx, a2y + ty, a2z + tz
    v3x, v3y, v3z = vx + c * a2x, vy + c * a2y, vz + c * a2z
    a3x, a3y, a3z = acceleration(px + c * v2x, py + c * v2y, pz + c * v2z, v3x, v3y, v3z, ib)
    a3x, a3y, a3z = a3x + tx, a3y + ty, a3z + tz
    v4x, v4y, v4z = vx + h * a3x, vy + h * a3y, vz + h * a3z
    a4x, a4y, a4z = acceleration(px + h * v3x, py + h * v3y, pz + h * v3z, v4x, v4y, v4z, ib)
    a4x, a4y, a4z = a4x + tx, a4y + ty, a4z + tz
    k = h / 6.0
    s[0] = px + k * (vx + 2.0 * v2x + 2.0 * v3x + v4x)
    s[1] = py + k * (vy + 2.0 * v2y + 2.0 * v3y + v4y)
    s[2] = pz + k * (vz + 2.0 * v2z + 2.0 * v3z + v4z)
    s[3] = vx + k * (a1x + 2.0 * a2x + 2.0 * a3x + a4x)
    s[4] = vy + k * (a1y + 2.0 * a2y + 2.0 * a3y + a4y)
    s[5] = vz + k * (a1z + 2.0 * a2z + 2.0 * a3z + a4z)


@njit(cache=True)
def rk4(x: np.ndarray, inv_beta: np.ndarray, h: float, steps: int) -> np.ndarray:
    """States ``x`` (n, 6) after ``steps`` RK4 steps of ``h`` seconds (a new array)."""
    out = x.copy()
    for i in range(out.shape[0]):
        for _ in range(steps):
            _rk4_one(out[i], inv_beta[i], h)
    return out


@njit(cache=True)
def rk4_model(kind: int, x: np.ndarray, h: float, steps: int) -> np.ndarray:
    """States ``x`` (n, d) of motion model ``kind`` after ``steps`` RK4 steps of ``h`` s (a new array).

    The boost model's acceleration ``x[:, 6:9]`` and the reentry model's ``1/beta``
    ``x[:, 6]`` are constant over the steps.
    """
    out = x.copy()
    for i in range(out.shape[0]):
        row = out[i]
        ib, tx, ty, tz = 0.0, 0.0, 0.0, 0.0
        if kind == BOOST:
            tx, ty, tz = row[6], row[7], row[8]
        elif kind == REENTRY:
            ib = row[6]
        for _ in range(steps):
            _rk4_one(row, ib, h, tx, ty, tz)
    return out


@njit(cache=True)
def step_for_height(alt_m: float) -> float:
    """RK4 step (s) of the fall to the ground: long in vacuum, short where drag changes fast.

    Checked against the truth integrator (adaptive, rtol 1e-8) on the Kusong flight: the
    impact point agrees within 0.2 m from any state of the flight.
    """
    if alt_m > 500e3:
        return 60.0
    if alt_m > 200e3:
        return 20.0
    if alt_m > 80e3:
        return 5.0
    return 1.0


@njit(cache=True)
def to_ground(x: np.ndarray, inv_beta: np.ndarray, direction: float,
              max_flight_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Fly states ``x`` (n, 6) forward (``direction`` 1) or back (-1) to 0 m height.

    Returns the time of flight (s, signed; NaN if the ground is not reached within
    ``max_flight_s``) and the states there (NaN likewise). The step that crosses the
    ground is cut by four secant iterations on its length, to well under a metre.
    """
    n = x.shape[0]
    t_out = np.full(n, np.nan)
    x_out = np.full((n, 6), np.nan)
    for i in range(n):
        s = x[i].copy()
        t = 0.0
        while abs(t) < max_flight_s:
            a0 = height(s[0], s[1], s[2])
            h = step_for_height(a0) * direction
            s1 = s.copy()
            _rk4_one(s1, inv_beta[i], h)
            a1 = height(s1[0], s1[1], s1[2])
            if a1 <= 0.0:
                lo, hi, a_lo, a_hi = 0.0, h, a0, a1
                tau = h
                for _ in range(4):
                    tau = lo + (hi - lo) * a_lo / (a_lo - a_hi)
                    s1 = s.copy()
                    _rk4_one(s1, inv_beta[i], tau)
                    a_mid = height(s1[0], s1[1], s1[2])
                    if a_mid > 0.0:
                        lo, a_lo = tau, a_mid
                    else:
                        hi, a_hi = tau, a_mid
                t_out[i] = t + tau
                x_out[i] = s1
                break
            s = s1
            t += h
    return t_out, x_out


@njit(cache=True)
def model_derivative(kind: int, y: np.ndarray) -> np.ndarray:
    """``d/dt`` of one state ``y`` of motion model ``kind`` (:data:`BOOST`, :data:`BALLISTIC`, :data:`REENTRY`)."""
    out = np.zeros(y.size)
    ib = y[6] if kind == REENTRY else 0.0
    ax, ay, az = acceleration(y[0], y[1], y[2], y[3], y[4], y[5], ib)
    if kind == BOOST:
        ax += y[6]
        ay += y[7]
        az += y[8]
    out[0], out[1], out[2] = y[3], y[4], y[5]
    out[3], out[4], out[5] = ax, ay, az
    return out


@njit(cache=True)
def model_jacobian(kind: int, y: np.ndarray, param_step: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`model_derivative` at ``y`` and its Jacobian ``(d, d)``, by central differences.

    Steps: 1 m, 1 mm/s and ``param_step`` for the components beyond ``[r, v]``. Gravity
    is smooth on a 1 m scale and the atmosphere's scale height is 6-8 km, so truncation
    is below 1e-8 of each partial; the derivative is linear in the velocity's Coriolis
    term, the thrust and ``1/beta``, so those partials are exact but for round-off.
    """
    n = y.size
    f = model_derivative(kind, y)
    jac = np.empty((n, n))
    for j in range(n):
        step = 1.0 if j < 3 else (1e-3 if j < 6 else param_step)
        yp = y.copy()
        ym = y.copy()
        yp[j] += step
        ym[j] -= step
        jac[:, j] = (model_derivative(kind, yp) - model_derivative(kind, ym)) / (2.0 * step)
    return f, jac


@njit(cache=True)
def transition(kind: int, x: np.ndarray, h: float, steps: int, param_step: float) -> tuple[np.ndarray, np.ndarray]:
    """One state ``x`` (d,) of motion model ``kind`` after ``steps`` RK4 steps of ``h`` s, and its transition matrix.

    The variational equations ``dPhi/dt = F(x(t)) Phi`` integrated with the same four
    stages as the state, so that the matrix is that of the RK4 map itself, to the
    accuracy of :func:`model_jacobian`'s differences: against central differences of
    DOP853 flights (rtol 1e-13) its entries are within 1e-8 of the largest of their
    block over 60-300 s of free flight (``exp(F h)`` with ``F`` at mid-step is 1e-6 to
    1e-5 off there), and the drag parameter's column, whose integrand grows as fast as
    the air thickens on the way down, is right too (a Jacobian held at mid-step is 4 %
    off at 60 km).
    """
    s = x.copy()
    phi = np.eye(x.size)
    for _ in range(steps):
        k1, j1 = model_jacobian(kind, s, param_step)
        m1 = j1 @ phi
        k2, j2 = model_jacobian(kind, s + 0.5 * h * k1, param_step)
        m2 = j2 @ (phi + 0.5 * h * m1)
        k3, j3 = model_jacobian(kind, s + 0.5 * h * k2, param_step)
        m3 = j3 @ (phi + 0.5 * h * m2)
        k4, j4 = model_jacobian(kind, s + h * k3, param_step)
        m4 = j4 @ (phi + h * m3)
        s = s + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        phi = phi + h / 6.0 * (m1 + 2.0 * m2 + 2.0 * m3 + m4)
    return s, phi


@njit(cache=True)
def _local(rot: np.ndarray, origin: np.ndarray, x: np.ndarray) -> tuple[float, float, float, float, float, float]:
    """East, north, up (m) of position ``x[:3]`` from ``origin`` and the ECEF offset (dx, dy, dz)."""
    dx, dy, dz = x[0] - origin[0], x[1] - origin[1], x[2] - origin[2]
    e = rot[0, 0] * dx + rot[0, 1] * dy + rot[0, 2] * dz
    n = rot[1, 0] * dx + rot[1, 1] * dy + rot[1, 2] * dz
    u = rot[2, 0] * dx + rot[2, 1] * dy + rot[2, 2] * dz
    return e, n, u, dx, dy, dz


@njit(cache=True)
def measure(rot: np.ndarray, origin: np.ndarray, x: np.ndarray, with_range_rate: bool) -> np.ndarray:
    """:func:`sprn.radar.measurement.measure` of states ``x`` (n, 6) from a site at ``origin``.

    ``rot`` is the site's ECEF-to-ENU rotation (rows east, north, up). Returns ``(n, 3|4)``:
    range (m), azimuth (rad, [0, 2 pi)), elevation (rad)[, range rate (m/s)].
    """
    cols = 4 if with_range_rate else 3
    z = np.empty((x.shape[0], cols))
    for i in range(x.shape[0]):
        rng, az, el, rr, _, _, _ = _measure_one(rot, origin, x[i])
        z[i, 0], z[i, 1], z[i, 2] = rng, az, el
        if with_range_rate:
            z[i, 3] = rr
    return z


@njit(cache=True)
def _measure_one(rot: np.ndarray, origin: np.ndarray,
                 x: np.ndarray) -> tuple[float, float, float, float, float, float, float]:
    """Range, azimuth, elevation and range rate of one state ``x`` (:func:`measure`), and its
    east, north and up offsets."""
    return _measure_floats(rot, origin, x[0], x[1], x[2], x[3], x[4], x[5])


@njit(cache=True)
def _measure_floats(rot: np.ndarray, origin: np.ndarray, px: float, py: float, pz: float, vx: float, vy: float,
                    vz: float) -> tuple[float, float, float, float, float, float, float]:
    """:func:`_measure_one` of a state given as six numbers."""
    dx, dy, dz = px - origin[0], py - origin[1], pz - origin[2]
    e = rot[0, 0] * dx + rot[0, 1] * dy + rot[0, 2] * dz
    n = rot[1, 0] * dx + rot[1, 1] * dy + rot[1, 2] * dz
    u = rot[2, 0] * dx + rot[2, 1] * dy + rot[2, 2] * dz
    horiz = math.hypot(e, n)
    rng = math.sqrt(horiz * horiz + u * u)
    rr = (dx * vx + dy * vy + dz * vz) / rng if rng > 0.0 else math.nan
    return rng, math.atan2(e, n) % (2.0 * math.pi), math.atan2(u, horiz), rr, e, n, u


@njit(cache=True)
def look(rot: np.ndarray, origin: np.ndarray, normals: np.ndarray, px: float, py: float, pz: float, vx: float,
         vy: float, vz: float) -> tuple[float, float, float, float, float]:
    """Range, azimuth, elevation, range rate (:func:`measure`) and scan cosine of one state
    ``[px, py, pz, vx, vy, vz]`` from a site: what a dwell's view of a track needs, in one call.

    The scan cosine is that of :func:`sprn.radar.detection.scan_cosine`: the largest
    cosine between the line of sight and the faces' unit normals ``normals`` (faces, 3),
    in the site's east-north-up frame."""
    rng, az, el, rr, e, n, u = _measure_floats(rot, origin, px, py, pz, vx, vy, vz)
    cos_scan = -math.inf if rng > 0.0 else math.nan
    for k in range(normals.shape[0] if rng > 0.0 else 0):
        cos_scan = max(cos_scan, (normals[k, 0] * e + normals[k, 1] * n + normals[k, 2] * u) / rng)
    return rng, az, el, rr, cos_scan


@njit(cache=True)
def measure_jacobian(rot: np.ndarray, origin: np.ndarray, x: np.ndarray,
                     with_range_rate: bool) -> tuple[np.ndarray, np.ndarray]:
    """The measurement of one state ``x`` (``x.size >= 6``) and its Jacobian ``(3|4, x.size)``.

    :func:`sprn.radar.measurement.measurement_jacobian`, padded with zero columns for
    the states beyond ``[r, v]``.
    """
    rows = 4 if with_range_rate else 3
    z = np.empty(rows)
    jac = np.zeros((rows, x.size))
    e, n, u, dx, dy, dz = _local(rot, origin, x)
    horiz2 = e * e + n * n
    horiz = math.sqrt(horiz2)
    rng2 = horiz2 + u * u
    rng = math.sqrt(rng2)
    z[0] = rng
    z[1] = math.atan2(e, n) % (2.0 * math.pi)
    z[2] = math.atan2(u, horiz)
    local = np.array([[e / rng, n / rng, u / rng], [n / horiz2, -e / horiz2, 0.0],
                      [-e * u / (rng2 * horiz), -n * u / (rng2 * horiz), horiz / rng2]])
    for i in range(3):
        for j in range(3):
            jac[i, j] = local[i, 0] * rot[0, j] + local[i, 1] * rot[1, j] + local[i, 2] * rot[2, j]
    if with_range_rate:
        los = np.array([dx, dy, dz]) / rng
        rr = los[0] * x[3] + los[1] * x[4] + los[2] * x[5]
        z[3] = rr
        for j in range(3):
            jac[3, j] = (x[3 + j] - los[j] * rr) / rng
            jac[3, 3 + j] = los[j]
    return z, jac


@njit(cache=True)
def angles_jacobian(rot: np.ndarray, origin: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Angles-only measurement ``(az, el)`` of one state and its Jacobian ``(2, x.size)``.

    The azimuth and elevation rows of :func:`measure_jacobian` in the observer's frame
    ``rot`` (:mod:`sprn.space.measurement`): a bearing is a radar measurement without its
    range, so it has no formula of its own.
    """
    z, jac = measure_jacobian(rot, origin, x, False)
    return z[1:3].copy(), jac[1:3].copy()


@njit(cache=True)
def linearised_angles(rot: np.ndarray, origin: np.ndarray, x: np.ndarray, p: np.ndarray,
                      r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``h(x)``, ``H``, ``P H'``, ``S`` and ``S^-1`` of the angles-only measurement at one state (EKF)."""
    z, jac = angles_jacobian(rot, origin, x)
    pht, s, s_inv = innovation_covariance(p, jac, r)
    return z, jac, pht, s, s_inv


@njit(cache=True)
def angles_moments(rot: np.ndarray, origin: np.ndarray, sig: np.ndarray, x: np.ndarray, wm: np.ndarray,
                   wc: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The unscented transform of sigma points through the angles-only measurement.

    :func:`measurement_moments` (azimuths unwrapped around the central point's) restricted
    to its azimuth and elevation rows, with the 2x2 noise ``r``.
    """
    r3 = np.zeros((3, 3))
    r3[0, 0] = 1.0
    r3[1:, 1:] = r
    z3, s3, pxz3, _ = measurement_moments(rot, origin, sig, x, wm, wc, r3, False)
    s = s3[1:, 1:].copy()
    return z3[1:].copy(), s, pxz3[:, 1:].copy(), np.linalg.inv(s)


@njit(cache=True)
def propagate_covariance(phi: np.ndarray, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``Phi P Phi' + Q``, symmetrised: the covariance step of a linearised prediction."""
    out = phi @ p @ phi.T + q
    sym: np.ndarray = 0.5 * (out + out.T)
    return sym


@njit(cache=True)
def innovation_covariance(p: np.ndarray, h: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``P H'``, ``S = H P H' + R`` and ``S^-1`` of a linearised measurement."""
    pht = p @ h.T
    s = h @ pht + r
    s = 0.5 * (s + s.T)
    return pht, s, np.linalg.inv(s)


@njit(cache=True)
def joseph_update(x: np.ndarray, p: np.ndarray, y: np.ndarray, h: np.ndarray, r: np.ndarray,
                  gain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kalman update in Joseph form: ``x + K y`` and ``(I - K H) P (I - K H)' + K R K'``, symmetrised."""
    i_kh = np.eye(x.size) - gain @ h
    p_new = i_kh @ p @ i_kh.T + gain @ r @ gain.T
    return x + gain @ y, 0.5 * (p_new + p_new.T)


@njit(cache=True)
def matrix_root(a: np.ndarray) -> np.ndarray:
    """``U`` with ``U' U = a`` (its rows are sigma-point offsets): the transposed Cholesky
    factor, or, when round-off has made ``a`` indefinite, the eigen-decomposition of its
    symmetric part with the negative eigenvalues clipped to zero."""
    root, ok = _cholesky_upper(a)
    if not ok:
        root[:, :] = 0.0
        vals, vecs = np.linalg.eigh(0.5 * (a + a.T))
        for k in range(a.shape[0]):
            scale = math.sqrt(max(vals[k], 0.0))
            for i in range(a.shape[0]):
                root[k, i] = vecs[i, k] * scale
    return root


@njit(cache=True)
def _cholesky_upper(a: np.ndarray) -> tuple[np.ndarray, bool]:
    """The transposed Cholesky factor ``U`` (upper triangular, ``U' U = a``) from ``a``'s
    lower triangle, as LAPACK's factorisation reads it, and whether ``a`` was positive
    definite (else ``U`` is unfinished). Written as loops: for the few rows of a filter's
    covariance a LAPACK call costs more than the arithmetic."""
    n = a.shape[0]
    root = np.zeros((n, n))
    for j in range(n):
        d = a[j, j]
        for k in range(j):
            d -= root[k, j] * root[k, j]
        if not d > 0.0:
            return root, False
        root[j, j] = math.sqrt(d)
        for i in range(j + 1, n):
            v = a[i, j]
            for k in range(j):
                v -= root[k, j] * root[k, i]
            root[j, i] = v / root[j, j]
    return root, True


@njit(cache=True)
def sigma_points(x: np.ndarray, p: np.ndarray, spread: float) -> np.ndarray:
    """Sigma points ``[x, x + U_k, x - U_k]`` (2n + 1, n) with ``U' U = spread P`` (:func:`matrix_root`).

    filterpy's ``MerweScaledSigmaPoints(n, alpha, beta, kappa).sigma_points`` with
    ``spread = alpha^2 (n + kappa)``, in the same order (the tests check it).
    """
    n = x.size
    root = matrix_root(spread * p)
    out = np.empty((2 * n + 1, n))
    out[0] = x
    for k in range(n):
        out[1 + k] = x + root[k]
        out[1 + n + k] = x - root[k]
    return out


@njit(cache=True)
def measurement_moments(rot: np.ndarray, origin: np.ndarray, sig: np.ndarray, x: np.ndarray, wm: np.ndarray,
                        wc: np.ndarray, r: np.ndarray,
                        with_range_rate: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The unscented transform of sigma points ``sig`` (m, n) through the radar measurement.

    Returns the predicted measurement, its covariance ``S`` (with noise ``r``), the
    state-measurement cross-covariance ``Pxz`` about the state mean ``x`` and ``S^-1``.
    The sigma points' azimuths are unwrapped around the central point's first, so that
    weighted sums are circular means (the moments of filterpy's ``unscented_transform``
    otherwise: ``sum wm z``, ``sum wc dz dz' + R``).
    """
    n_pts, n = sig.shape
    cols = 4 if with_range_rate else 3
    zs = np.empty((n_pts, cols))  # written as loops: a dozen small temporaries cost more than the sums
    for i in range(n_pts):
        rng, az, el, rr, _, _, _ = _measure_one(rot, origin, sig[i])
        zs[i, 0], zs[i, 2] = rng, el
        zs[i, 1] = az if i == 0 else zs[0, 1] + (az - zs[0, 1] + math.pi) % (2.0 * math.pi) - math.pi
        if with_range_rate:
            zs[i, 3] = rr
    z_pred = weighted_mean(zs, wm)
    s = weighted_covariance(zs, z_pred, wc, r)
    pxz = np.zeros((n, cols))
    for i in range(n_pts):
        for a in range(n):
            wa = wc[i] * (sig[i, a] - x[a])
            for b in range(cols):
                pxz[a, b] += wa * (zs[i, b] - z_pred[b])
    return z_pred, s, pxz, spd_inverse(s)[0]


@njit(cache=True)
def weighted_mean(pts: np.ndarray, wm: np.ndarray) -> np.ndarray:
    """``sum_i wm_i pts_i`` of points ``pts`` (m, n): an unscented transform's mean."""
    out = np.zeros(pts.shape[1])
    for i in range(pts.shape[0]):
        for a in range(pts.shape[1]):
            out[a] += wm[i] * pts[i, a]
    return out


@njit(cache=True)
def weighted_covariance(pts: np.ndarray, mean: np.ndarray, wc: np.ndarray, base: np.ndarray) -> np.ndarray:
    """``base + sum_i wc_i (pts_i - mean)(pts_i - mean)'``, its lower triangle summed and
    mirrored (``base``, a noise covariance, is symmetric): an unscented transform's
    covariance. Written as loops: small temporaries cost more than the sums."""
    n = mean.size
    out = base.copy()
    dev = np.empty(n)
    for i in range(pts.shape[0]):
        for a in range(n):
            dev[a] = pts[i, a] - mean[a]
        for a in range(n):
            wa = wc[i] * dev[a]
            for b in range(a + 1):
                out[a, b] += wa * dev[b]
    for a in range(n):
        for b in range(a):
            out[b, a] = out[a, b]
    return out


@njit(cache=True)
def spd_inverse(s: np.ndarray) -> tuple[np.ndarray, float]:
    """The inverse of a small symmetric positive-definite matrix and the log of its
    determinant, by Cholesky factorisation (``L L' = S``, ``S^-1 = L^-T L^-1``,
    ``ln det S = 2 sum ln L_ii``); LAPACK's general inverse and ``slogdet`` when round-off
    has left ``S`` not positive definite. Written out: for the 2-4 rows of an innovation
    covariance a LAPACK call costs more than the arithmetic."""
    m = s.shape[0]
    up, ok = _cholesky_upper(s)  # U = L'
    if not ok:
        return np.linalg.inv(s), np.linalg.slogdet(s)[1]
    logdet = 0.0
    for j in range(m):
        logdet += 2.0 * math.log(up[j, j])
    low = up.T
    inv_low = np.zeros((m, m))  # L^-1, lower triangular
    for i in range(m):
        inv_low[i, i] = 1.0 / low[i, i]
        for j in range(i):
            v = 0.0
            for k in range(j, i):
                v -= low[i, k] * inv_low[k, j]
            inv_low[i, j] = v / low[i, i]
    inv = np.empty((m, m))
    for i in range(m):
        for j in range(i, m):
            v = 0.0
            for k in range(j, m):
                v += inv_low[k, i] * inv_low[k, j]
            inv[i, j] = inv[j, i] = v
    return inv, logdet


@njit(cache=True)
def white_acceleration_q(dt_s: float, q_m2_s3: float) -> np.ndarray:
    """Process noise (6x6) of continuous white acceleration noise of density ``q`` over ``dt_s``.

    ``q [[dt^3/3 I, dt^2/2 I], [dt^2/2 I, dt I]]`` (Bar-Shalom et al. 2001, eq. 6.2.2-12).
    """
    dt = abs(dt_s)
    out = np.zeros((6, 6))
    for i in range(3):
        out[i, i] = q_m2_s3 * dt**3 / 3.0
        out[i, 3 + i] = out[3 + i, i] = q_m2_s3 * dt**2 / 2.0
        out[3 + i, 3 + i] = q_m2_s3 * dt
    return out


@njit(cache=True)
def ballistic_predict(x: np.ndarray, p: np.ndarray, h: float, steps: int,
                      q_m2_s3: float) -> tuple[np.ndarray, np.ndarray]:
    """EKF prediction of a vacuum ballistic state and covariance by ``steps`` RK4 steps of ``h`` s.

    The mean and transition matrix of :func:`transition`, the covariance
    ``Phi P Phi' + Q`` with white acceleration noise of density ``q_m2_s3``.
    """
    x_new, phi = transition(BALLISTIC, x, h, steps, 0.0)
    return x_new, propagate_covariance(phi, p, white_acceleration_q(h * steps, q_m2_s3))


@njit(cache=True)
def linearised_measurement(rot: np.ndarray, origin: np.ndarray, x: np.ndarray, p: np.ndarray, r: np.ndarray,
                           with_range_rate: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``h(x)``, ``H``, ``P H'``, ``S`` and ``S^-1`` of the radar measurement at one state (EKF)."""
    z, jac = measure_jacobian(rot, origin, x, with_range_rate)
    pht, s, s_inv = innovation_covariance(p, jac, r)
    return z, jac, pht, s, s_inv


@njit(cache=True)
def lloyd(z: np.ndarray, w: np.ndarray, centres: np.ndarray, iterations: int) -> np.ndarray:
    """Weighted Lloyd (k-means) iterations on points ``z`` (m, d) with weights ``w`` (m,).

    Starts from ``centres`` (k, d), updated in place; returns the final labels (m,).
    Each point goes to the nearest centre (ties to the first), each centre to its
    points' weighted mean (unchanged if it has no weight); stops once no label changes.
    """
    m, d = z.shape
    k = centres.shape[0]
    labels = np.full(m, -1, dtype=np.int64)
    for _ in range(iterations):
        changed = False
        for i in range(m):
            best, arg = np.inf, 0
            for c in range(k):
                dist = 0.0
                for j in range(d):
                    diff = z[i, j] - centres[c, j]
                    dist += diff * diff
                if dist < best:
                    best, arg = dist, c
            if labels[i] != arg:
                labels[i] = arg
                changed = True
        if not changed:
            break
        sums = np.zeros((k, d))
        weight = np.zeros(k)
        for i in range(m):
            weight[labels[i]] += w[i]
            for j in range(d):
                sums[labels[i], j] += w[i] * z[i, j]
        for c in range(k):
            if weight[c] > 0.0:
                for j in range(d):
                    centres[c, j] = sums[c, j] / weight[c]
    return labels


@njit(cache=True)
def pd_fluctuating(swerling: int, snr: float, threshold: float) -> float:
    """One-look detection probability of a Swerling 1 (``swerling`` 1) or 3 (3) target of
    mean SNR ``snr`` (linear, negative taken as zero) against the normalised square-law
    threshold ``-ln(pfa)``: ``pfa ** (1 / (1 + SNR))`` and
    ``exp(-2 T / (2 + S)) (1 + 2 S T / (2 + S)^2)`` (:func:`sprn.radar.detection.pd_swerling1`,
    :func:`~sprn.radar.detection.pd_swerling3`)."""
    s = max(snr, 0.0)
    if swerling == 1:
        return math.exp(-threshold / (1.0 + s))
    return math.exp(-2.0 * threshold / (2.0 + s)) * (1.0 + 2.0 * s * threshold / (2.0 + s) ** 2)


@njit(cache=True)
def pds_fluctuating(swerling: int, snr: np.ndarray, threshold: float) -> np.ndarray:
    """:func:`pd_fluctuating` of SNRs ``snr`` (n,)."""
    out = np.empty(snr.size)
    for i in range(snr.size):
        out[i] = pd_fluctuating(swerling, snr[i], threshold)
    return out


@njit(cache=True)
def posterior_pd(post: np.ndarray, rcs_m2: np.ndarray, snr_per_m2: float, threshold: float) -> float:
    """The detection probability averaged over a posterior ``post`` (2, n) on mean RCS
    ``rcs_m2`` (n,) and Swerling case (row 0: case 1, row 1: case 3), at 1 m^2 SNR
    ``snr_per_m2`` (:class:`sprn.tracking.detectability.Detectability`)."""
    total = 0.0
    for i in range(rcs_m2.size):
        snr = snr_per_m2 * rcs_m2[i]
        total += post[0, i] * pd_fluctuating(1, snr, threshold) + post[1, i] * pd_fluctuating(3, snr, threshold)
    return total


@njit(cache=True)
def add_miss(log_post: np.ndarray, rcs_m2: np.ndarray, snr_per_m2: float, threshold: float) -> None:
    """Add a missed look's log-likelihood ``ln(1 - Pd)`` at 1 m^2 SNR ``snr_per_m2`` to
    ``log_post`` (2, n) in place (rows and grid of :func:`posterior_pd`; ``1 - Pd`` floored
    at 1e-300)."""
    for i in range(rcs_m2.size):
        snr = snr_per_m2 * rcs_m2[i]
        log_post[0, i] += math.log(max(1.0 - pd_fluctuating(1, snr, threshold), 1e-300))
        log_post[1, i] += math.log(max(1.0 - pd_fluctuating(3, snr, threshold), 1e-300))


@njit(cache=True)
def normalised_exp(log_w: np.ndarray) -> np.ndarray:
    """``exp(log_w - max)`` normalised to sum to one (unnormalised log weights to weights),
    of an array of any shape."""
    flat = log_w.ravel()
    top = flat.max()
    out = np.empty(flat.size)
    total = 0.0
    for i in range(flat.size):
        out[i] = math.exp(flat[i] - top)
        total += out[i]
    return (out / total).reshape(log_w.shape)


@njit(cache=True)
def add_look(log_post: np.ndarray, rcs_m2: np.ndarray, ln_rcs: np.ndarray, r_m2: float) -> None:
    """Add the log density of one look's fluctuating RCS ``r_m2`` to ``log_post`` (2, n) in
    place, for mean RCS ``rcs_m2`` (n,) (``ln_rcs`` their logs): Swerling 1,
    ``exp(-r / s) / s``; Swerling 3, ``4 r / s^2 exp(-2 r / s)`` (rows of :func:`posterior_pd`)."""
    ln_4r = math.log(4.0 * r_m2)
    for i in range(rcs_m2.size):
        log_post[0, i] += -r_m2 / rcs_m2[i] - ln_rcs[i]
        log_post[1, i] += ln_4r - 2.0 * ln_rcs[i] - 2.0 * r_m2 / rcs_m2[i]

