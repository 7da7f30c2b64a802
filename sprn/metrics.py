"""Track accuracy metrics: errors by flight phase, and the posterior Cramer-Rao lower bound.

The bound is the recursion of Tichavsky, Muravchik & Nehorai, "Posterior Cramer-Rao
bounds for discrete-time nonlinear filtering", IEEE Trans. Signal Processing 46(5), 1998,
for additive Gaussian process and measurement noise, evaluated along the true
trajectory (their expectations replaced by the values on the truth, the usual practice
when the process noise is small: Ristic, Arulampalam & Gordon, *Beyond the Kalman
Filter*, 2004, sec. 4.2). In information form

    J_{k+1} = D22 - D21 (J_k + D11)^-1 D12,   D11 = F' Q^-1 F,  D12 = -F' Q^-1,
    D22 = Q^-1 + H' R^-1 H,

which by the matrix inversion lemma is ``J_{k+1} = (F J_k^-1 F' + Q)^-1 + H' R^-1 H``:
the form used here, since it stays finite as ``Q`` goes to zero (free flight). ``F`` is
the motion model's state-transition matrix from the truth at one detection to the next,
``Q`` the same model's process noise, ``H`` the measurement Jacobian at the truth and
``R`` each detection's own noise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sprn import geo
from sprn.impact import propagate_to_ground
from sprn.radar.measurement import Detection, measurement_jacobian
from sprn.radar.site import Site
from sprn.tracking.models import MotionModel

FloatArray = NDArray[np.float64]
DIFFUSE_POSITION_M = 1.0e6
"""Standard deviation of the default diffuse prior on position (m): far wider than any fix."""
DIFFUSE_VELOCITY_MPS = 1.0e4
"""Standard deviation of the default diffuse prior on velocity (m/s): above orbital speed."""


def rms(values: ArrayLike) -> float:
    """Root mean square of the norms of the rows of ``values`` (NaN if empty)."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return float("nan")
    return float(np.sqrt(np.mean(np.sum(v.reshape(len(v), -1) ** 2, axis=1))))


def phase_rmse(
    t_s: ArrayLike, error: ArrayLike, phase_of: Callable[[FloatArray], NDArray[np.str_]]
) -> dict[str, tuple[float, float, int]]:
    """Position and velocity RMSE (m, m/s) and count of estimates by flight phase.

    ``error`` holds ``[r, v]`` errors ``(N, 6)`` at times ``t_s``; ``phase_of`` maps times to
    phase names (e.g. :meth:`sprn.trajectory.Trajectory.phase`).
    """
    t = np.asarray(t_s, dtype=float)
    err = np.asarray(error, dtype=float).reshape(len(t), -1)
    phases = phase_of(t)
    out = {}
    for name in dict.fromkeys(phases.tolist()):
        sel = phases == name
        out[str(name)] = (rms(err[sel, :3]), rms(err[sel, 3:6]), int(sel.sum()))
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Bound:
    """The posterior Cramer-Rao bound after each detection: times (s) and covariances ``(N, n, n)``."""

    t_s: FloatArray
    p: FloatArray

    @property
    def position_m(self) -> FloatArray:
        """Bound on the position RMSE (m): ``sqrt(trace)`` of the position block."""
        return np.asarray(np.sqrt(np.trace(self.p[:, :3, :3], axis1=1, axis2=2)), dtype=np.float64)

    @property
    def velocity_mps(self) -> FloatArray:
        """Bound on the velocity RMSE (m/s)."""
        return np.asarray(np.sqrt(np.trace(self.p[:, 3:6, 3:6], axis1=1, axis2=2)), dtype=np.float64)

    def at(self, t_s: float) -> FloatArray:
        """The bound after the last detection at or before ``t_s``."""
        k = int(np.searchsorted(self.t_s, t_s, side="right")) - 1
        if k < 0:
            raise ValueError(f"t_s = {t_s}: before the first detection ({self.t_s[0]} s)")
        return np.asarray(self.p[k], dtype=np.float64)


def diffuse_prior(dim: int, extra_sigma: Sequence[float] = ()) -> FloatArray:
    """A diffuse prior covariance: :data:`DIFFUSE_POSITION_M`, :data:`DIFFUSE_VELOCITY_MPS` and ``extra_sigma``."""
    sig = [DIFFUSE_POSITION_M] * 3 + [DIFFUSE_VELOCITY_MPS] * 3 + list(extra_sigma)
    if len(sig) != dim:
        raise ValueError(f"extra_sigma has {len(extra_sigma)} values: expected {dim - 6}")
    return np.diag(np.square(sig))


def pcrlb(
    truth_state: Callable[[FloatArray], FloatArray],
    detections: Sequence[Detection],
    sites: Mapping[str, Site],
    model: MotionModel,
    p0: FloatArray | None = None,
    parameters: Sequence[float] = (),
    with_range_rate: bool = True,
) -> Bound:
    """The posterior Cramer-Rao bound along the truth for a run's detections.

    ``truth_state(t)`` gives the true ``[r, v]`` at times ``t`` (``(N, 6)``, e.g.
    ``Trajectory.state``); ``parameters`` the true values of the model's components
    after the sixth (e.g. ``[1 / beta]`` for the reentry model); ``p0`` the prior
    covariance at the first detection (default :func:`diffuse_prior`, with the extra
    components' prior supplied through ``p0`` when the model has any). Detections are
    used in time order with their own ``sigma``; range rate is left out when
    ``with_range_rate`` is false (to bound a filter that does not use it).
    """
    dets = sorted(detections, key=lambda d: d.t_s)
    if not dets:
        raise ValueError("pcrlb: no detections")
    t = np.array([d.t_s for d in dets])
    truth = np.concatenate([truth_state(t).reshape(len(t), 6), np.tile(np.asarray(parameters, dtype=float), (len(t), 1))],
                           axis=1)
    if truth.shape[1] != model.dim:
        raise ValueError(f"pcrlb: state has {truth.shape[1]} components with the parameters: model needs {model.dim}")
    p_prev = diffuse_prior(model.dim) if p0 is None else np.array(p0, dtype=float)
    out = np.empty((len(t), model.dim, model.dim))
    for k, det in enumerate(dets):
        if k > 0:
            _, phi = model.transition(truth[k - 1], t[k] - t[k - 1])
            p_prev = phi @ p_prev @ phi.T + model.process_noise(truth[k - 1], t[k] - t[k - 1])
        use_rr = with_range_rate and det.z.size == 4
        m = 4 if use_rr else 3
        h = np.zeros((m, model.dim))
        h[:, :6] = measurement_jacobian(sites[det.site], truth[k, :6], use_rr)
        info = np.linalg.inv(p_prev) + h.T @ np.diag(1.0 / det.sigma[:m] ** 2) @ h
        p_prev = np.linalg.inv(info)
        p_prev = 0.5 * (p_prev + p_prev.T)
        out[k] = p_prev
    return Bound(t_s=t, p=out)


def impact_jacobian(x: FloatArray, inv_beta_m2_kg: float = 0.0) -> tuple[FloatArray, FloatArray]:
    """Impact point and its sensitivity to the state.

    For a state ``[r, v]`` (6,) with fixed ``inv_beta_m2_kg``, or ``[r, v, 1/beta]`` (7,):
    returns the impact position (ECEF, m) and the Jacobian ``(2, n)`` of the impact point's
    east and north displacement (m) in the impact's local horizontal plane, by central
    differences (1 m, 1 mm/s, 1e-7 m^2/kg; all perturbed states flown in one call).
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    steps = np.array([1.0, 1.0, 1.0, 1e-3, 1e-3, 1e-3, 1e-7][:n])
    pert = np.concatenate([x[None], x + np.eye(n) * steps, x - np.eye(n) * steps])
    beta = pert[:, 6] if n == 7 else np.full(len(pert), inv_beta_m2_kg)
    _, xi = propagate_to_ground(pert[:, :6], beta)
    r0 = xi[0, :3]
    lat, lon, _ = geo.ecef_to_lla(r0)
    en = (xi[:, :3] - r0) @ geo.enu_rotation(float(lat), float(lon))[:2].T
    jac = (en[1 : n + 1] - en[n + 1 :]).T / (2.0 * steps)
    return r0, jac


def impact_bound_m(x: FloatArray, p: FloatArray, inv_beta_m2_kg: float = 0.0) -> float:
    """RMS miss-distance bound (m) of the impact point from a state bound ``(x, p)``.

    The bound maps linearly to the impact point: ``sqrt(trace(G P G'))`` with ``G`` from
    :func:`impact_jacobian` (the Cramer-Rao bound of a function of the state, Van Trees,
    *Detection, Estimation, and Modulation Theory I*, 1968, sec. 2.4).
    """
    _, g = impact_jacobian(x, inv_beta_m2_kg)
    return float(np.sqrt(np.trace(g @ np.asarray(p, dtype=float) @ g.T)))
