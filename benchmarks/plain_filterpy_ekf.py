"""A plain filterpy EKF over a measurement file, as a user would write it without sprn.

Run: ``python benchmarks/plain_filterpy_ekf.py SITES.csv MEASUREMENTS.csv``. The
baseline of ``benchmarks/bench_track.py``: numpy and filterpy only, the true dynamics of
free flight written out (point mass + J2 gravity, Coriolis and centrifugal terms, RK4 in
steps of at most 5 s), the state-transition matrix by finite differences of the same
propagation, the radar measurement (range, azimuth, elevation) and its Jacobian by
finite differences, filterpy's ``ExtendedKalmanFilter`` for the predict and update
arithmetic, started from the first two fixes with a wide covariance. It prints the
number of updates and the last state.
"""

from __future__ import annotations

import csv
import math
import sys

import numpy as np
from filterpy.kalman import ExtendedKalmanFilter

GM, A, F, J2, W = 3.986004418e14, 6378137.0, 1 / 298.257223563, 1.082626683553e-3, 7.292115e-5
E2 = F * (2 - F)


def lla_to_ecef(lat, lon, h):
    n = A / math.sqrt(1 - E2 * math.sin(lat) ** 2)
    return np.array([(n + h) * math.cos(lat) * math.cos(lon), (n + h) * math.cos(lat) * math.sin(lon),
                     (n * (1 - E2) + h) * math.sin(lat)])


def enu_rotation(lat, lon):
    sl, cl, so, co = math.sin(lat), math.cos(lat), math.sin(lon), math.cos(lon)
    return np.array([[-so, co, 0.0], [-sl * co, -sl * so, cl], [cl * co, cl * so, sl]])


def derivative(x):
    r, v = x[:3], x[3:]
    rn = np.linalg.norm(r)
    k = 1.5 * J2 * (A / rn) ** 2
    s = 5 * (r[2] / rn) ** 2
    g = -GM / rn**3 * r * np.array([1 - k * (s - 1), 1 - k * (s - 1), 1 - k * (s - 3)])
    a = g + np.array([W * W * r[0] + 2 * W * v[1], W * W * r[1] - 2 * W * v[0], 0.0])
    return np.concatenate([v, a])


def propagate(x, dt):
    n = max(1, math.ceil(abs(dt) / 5.0))
    h = dt / n
    for _ in range(n):
        k1 = derivative(x)
        k2 = derivative(x + 0.5 * h * k1)
        k3 = derivative(x + 0.5 * h * k2)
        k4 = derivative(x + h * k3)
        x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return x


def stm(x, dt):
    steps = np.array([1.0, 1.0, 1.0, 1e-3, 1e-3, 1e-3])
    cols = [(propagate(x + np.eye(6)[i] * steps[i], dt) - propagate(x - np.eye(6)[i] * steps[i], dt)) / (2 * steps[i])
            for i in range(6)]
    return np.array(cols).T


def main() -> None:
    sites = {}
    with open(sys.argv[1]) as fh:
        for row in csv.DictReader(fh):
            lat, lon = math.radians(float(row["lat_deg"])), math.radians(float(row["lon_deg"]))
            sites[row["site"]] = (lla_to_ecef(lat, lon, float(row["alt_m"])), enu_rotation(lat, lon),
                                  np.diag([float(row["sigma_range_m"]), math.radians(float(row["sigma_az_deg"])),
                                           math.radians(float(row["sigma_el_deg"]))]) ** 2)
    with open(sys.argv[2]) as fh:
        rows = [(float(r["t_s"]), r["site"], np.array([float(r["range_m"]), math.radians(float(r["azimuth_deg"])),
                                                       math.radians(float(r["elevation_deg"]))]))
                for r in csv.DictReader(fh)]

    def hx(x, site):
        origin, rot, _ = site
        e, n, u = rot @ (x[:3] - origin)
        return np.array([math.sqrt(e * e + n * n + u * u), math.atan2(e, n) % (2 * math.pi), math.atan2(u, math.hypot(e, n))])

    def jac(x, site):
        out = np.zeros((3, 6))
        for i in range(3):
            d = np.zeros(6)
            d[i] = 1.0
            out[:, i] = residual(hx(x + d, site), hx(x - d, site)) / 2.0
        return out

    def residual(a, b):
        y = a - b
        y[1] = (y[1] + math.pi) % (2 * math.pi) - math.pi
        return y

    def fix(t, name, z):
        origin, rot, _ = sites[name]
        rng, az, el = z
        enu = rng * np.array([math.cos(el) * math.sin(az), math.cos(el) * math.cos(az), math.sin(el)])
        return origin + rot.T @ enu

    (t0, s0, z0), (t1, s1, z1) = rows[0], rows[1]
    p0, p1 = fix(t0, s0, z0), fix(t1, s1, z1)
    ekf = ExtendedKalmanFilter(dim_x=6, dim_z=3)
    ekf.x = np.concatenate([p1, (p1 - p0) / (t1 - t0)])
    ekf.P = np.diag([1e8] * 3 + [1e6] * 3)
    t = t1
    q = 1e-6
    for tk, name, z in rows[2:]:
        dt = tk - t
        ekf.F = stm(ekf.x, dt)
        ekf.Q = q * np.block([[dt**3 / 3 * np.eye(3), dt**2 / 2 * np.eye(3)], [dt**2 / 2 * np.eye(3), dt * np.eye(3)]])
        ekf.x = propagate(ekf.x, dt)
        ekf.P = ekf.F @ ekf.P @ ekf.F.T + ekf.Q
        site = sites[name]
        ekf.update(z, lambda x, s=site: jac(x, s), lambda x, s=site: hx(x, s), R=site[2], args=(), hx_args=(),
                   residual=residual)
        t = tk
    print(f"{len(rows) - 2} updates; last state {np.array2string(ekf.x, precision=1)}")


if __name__ == "__main__":
    main()
