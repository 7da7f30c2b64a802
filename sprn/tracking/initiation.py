"""Track initiation: a state and covariance from the first few position fixes.

Two fixes give a velocity by differencing; more fixes, over a longer span, give a
weighted least-squares fit of a ballistic arc. Early-warning radars measure angles to a
few milliradians at thousands of kilometres, so a two-point velocity over one revisit is
off by kilometres per second: far outside what an extended Kalman filter can linearise
about. The tracker therefore waits for a span of fixes (``init_min_dt_s``) and fits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from sprn import dynamics
from sprn.radar.measurement import Detection, position_from_measurement
from sprn.radar.site import Site

FloatArray = NDArray[np.float64]


def position_covariance(site: Site, z: FloatArray, r: FloatArray) -> FloatArray:
    """ECEF position covariance (3x3) of a (range, az, el) measurement with covariance r."""
    rng, az, el = z[0], z[1], z[2]
    ce, se, ca, sa = np.cos(el), np.sin(el), np.cos(az), np.sin(az)
    d_enu = np.array(
        [
            [ce * sa, rng * ce * ca, -rng * se * sa],
            [ce * ca, -rng * ce * sa, -rng * se * ca],
            [se, 0.0, rng * ce],
        ]
    )
    jac = site.enu_rotation.T @ d_enu
    return jac @ r[:3, :3] @ jac.T


def two_point_state(
    first: Detection, second: Detection, sites: Mapping[str, Site]
) -> tuple[FloatArray, FloatArray]:
    """State and covariance at ``second.t_s`` from two position fixes.

    ``v2 = (r2 - r1) / dt + a(r2) dt / 2``, the second-order correction for the ballistic
    acceleration over the interval; the covariance is the exact linear propagation of
    the two independent fixes' covariances.
    """
    s1, s2 = sites[first.site], sites[second.site]
    r1 = position_from_measurement(s1, first.z)
    r2 = position_from_measurement(s2, second.z)
    dt = second.t_s - first.t_s
    p1 = position_covariance(s1, first.z, first.covariance)
    p2 = position_covariance(s2, second.z, second.covariance)
    v2 = (r2 - r1) / dt
    accel = dynamics.ballistic_derivative(np.concatenate([r2, v2]))[3:]
    x = np.concatenate([r2, v2 + 0.5 * accel * dt])
    p = np.zeros((6, 6))
    p[:3, :3] = p2
    p[:3, 3:] = p2 / dt
    p[3:, :3] = p2 / dt
    p[3:, 3:] = (p1 + p2) / dt**2
    return x, p


def least_squares_state(
    fixes: Sequence[Detection], sites: Mapping[str, Site], iterations: int = 3
) -> tuple[FloatArray, FloatArray]:
    """State and covariance at the last fix's time from a batch fit of all fixes.

    Gauss-Newton on the ballistic model itself: the state at the last fix is propagated
    back to every fix with its state-transition matrix, and the position residuals,
    weighted by the inverse of each fix's position covariance, are minimised. The first
    guess is a straight line through the first and last fixes. The covariance is the
    inverse of the normal matrix (the Cramer-Rao bound of the batch).
    """
    order = sorted(fixes, key=lambda f: f.t_s, reverse=True)
    pos = np.array([position_from_measurement(sites[f.site], f.z) for f in order])
    weights = [np.linalg.inv(position_covariance(sites[f.site], f.z, f.covariance)) for f in order]
    span = order[0].t_s - order[-1].t_s
    x = np.concatenate([pos[0], (pos[0] - pos[-1]) / span])
    normal = np.eye(6)
    for _ in range(iterations):
        normal = np.zeros((6, 6))
        rhs = np.zeros(6)
        xi, phi, t_prev = x.copy(), np.eye(6), order[0].t_s
        for f, p, w in zip(order, pos, weights):
            xi, step = dynamics.propagate_with_stm(xi, f.t_s - t_prev)
            phi = step @ phi
            t_prev = f.t_s
            h = phi[:3]
            normal += h.T @ w @ h
            rhs += h.T @ w @ (p - xi[:3])
        x = x + np.linalg.solve(normal, rhs)
    cov = np.linalg.inv(normal)
    return x, 0.5 * (cov + cov.T)
