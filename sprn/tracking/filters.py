"""Adapters between sprn's motion and measurement models and filterpy's filters (stateful).

Every adapter has the same calls, so the tracker and the IMM need not know which
filter they drive:

* ``predict(dt_s)``: propagate the estimate;
* ``innovation(z, site, r)``: the predicted measurement's residual ``y`` and covariance
  ``S`` (for gating), with what the update needs to finish;
* ``correct(innovation)``: the measurement update;
* ``peek(dt_s)``: the estimate propagated without changing the filter;
* ``x``, ``P``: the model's state (``model.dim``) and covariance.

The measurement is ``z = (range, azimuth, elevation[, range rate])`` from
:func:`sprn.radar.measurement.measure`, which sees only ``[r, v]``; azimuth residuals
wrap into [-pi, pi). A two-element ``z`` is an angles-only report ``(az, el)`` of an
infrared satellite (:mod:`sprn.space.measurement`), whose ``site`` is then the report's
:class:`~sprn.space.measurement.Observer`: the same call, through the bearing rows of the
same kernels (:func:`sprn.kernels.angles_jacobian`, :func:`sprn.kernels.angles_moments`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sprn import kernels
from sprn.radar.measurement import measurement_jacobian, residual
from sprn.radar.site import Site
from sprn.space.measurement import Observer, angles_residual
from sprn.tracking.models import MotionModel

FloatArray = NDArray[np.float64]
TWO_PI = 2.0 * np.pi
NEGLIGIBLE_Q = kernels.imm.NEGLIGIBLE_Q
"""Process noise below this share of every predicted variance leaves the moved sigma points
valid: the compiled IMM's rule, one number for every unscented filter."""


@dataclass(frozen=True, slots=True)
class Innovation:
    """A measurement's residual against the prediction, and its covariance.

    ``y`` (m,) and ``s`` (m x m) serve the gate; ``z``, ``z_pred``, ``r``, ``h`` (the
    Jacobian, EKF) and ``pxz`` (the state-measurement cross-covariance, UKF) serve the
    update.
    """

    y: FloatArray
    s: FloatArray
    z: FloatArray
    z_pred: FloatArray
    r: FloatArray
    site: Site | Observer
    h: FloatArray | None = None
    pxz: FloatArray | None = None
    s_inv: FloatArray | None = None
    nis: float = field(init=False, compare=False)
    """Normalised innovation squared ``y' S^-1 y`` (computed once)."""

    def __post_init__(self) -> None:
        y = self.y
        nis = y @ self.s_inv @ y if self.s_inv is not None else y @ np.linalg.solve(self.s, y)
        object.__setattr__(self, "nis", float(nis))

    @property
    def log_det_2pi_s(self) -> float:
        """``ln det(2 pi S)``, the Gaussian likelihood's normalisation."""
        return float(np.linalg.slogdet(2.0 * np.pi * self.s)[1])


def measure_with_jacobian(site: Site, x: FloatArray, with_rr: bool) -> tuple[FloatArray, FloatArray]:
    """``h(x)`` and ``dh/dx`` ((3|4) x ``x.size``) at one state, in one pass.

    The same functions as :func:`sprn.radar.measurement.measure` and
    :func:`~sprn.radar.measurement.measurement_jacobian` (the tests check they agree),
    compiled for the EKF's inner loop (:func:`sprn.kernels.measure_jacobian`).
    """
    z, jac = kernels.measure_jacobian(site.enu_rotation, site.r_ecef_m, np.ascontiguousarray(x, dtype=float), with_rr)
    return z, jac


def observation_jacobian(site: Site | Observer, x: FloatArray, size: int) -> tuple[FloatArray, FloatArray]:
    """``h(x)`` and ``dh/dx`` of a measurement of ``size`` elements: angles-only (2) from an
    observer, else the radar's (3 or 4) from a site; one dispatch for every caller."""
    state = np.ascontiguousarray(x, dtype=float)
    if size == 2:
        z, jac = kernels.angles_jacobian(site.enu_rotation, site.r_ecef_m, state)
        return z, jac
    return kernels.measure_jacobian(site.enu_rotation, site.r_ecef_m, state, size == 4)


def observation_residual(z: FloatArray, z_pred: FloatArray) -> FloatArray:
    """``z - z_pred`` with the azimuth wrapped: an angles-only pair's (index 0) or a radar's (index 1)."""
    return angles_residual(z, z_pred) if np.shape(z)[-1] == 2 else residual(z, z_pred)


def measurement_jacobian_full(site: Site, x: FloatArray, with_rr: bool) -> FloatArray:
    """``dh/dx`` for a state of any model: the (3|4)x6 Jacobian padded with zero columns."""
    jac = measurement_jacobian(site, x[:6], with_rr)
    if x.size == 6:
        return jac
    out = np.zeros((jac.shape[0], x.size))
    out[:, :6] = jac
    return out


class _Estimate:
    """The state ``x`` and covariance ``P`` an adapter holds, and their replacement (stateful)."""

    _x: FloatArray
    _p: FloatArray

    @property
    def x(self) -> FloatArray:
        return self._x

    @property
    def P(self) -> FloatArray:
        return self._p

    def set_state(self, x: FloatArray, p: FloatArray) -> None:
        """Replace the estimate (IMM mixing)."""
        self._x, self._p = np.array(x, dtype=float), np.array(p, dtype=float)

    def widen(self, q_m2_s3: float, dt_s: float) -> None:
        """Add white acceleration noise of density ``q_m2_s3`` over ``dt_s`` to the predicted
        covariance (the tracker's answer to a model that does not fit)."""
        p = self._p.copy()
        p[:6, :6] += kernels.white_acceleration_q(dt_s, q_m2_s3)
        self.set_state(self._x, p)


class EkfAdapter(_Estimate):
    """Extended Kalman filter on any motion model (stateful).

    Prediction linearises the model (:meth:`MotionModel.predict`: the mean by RK4, the
    covariance by the state-transition matrix). The update is the Kalman update in
    Joseph form (:func:`joseph_update`, the arithmetic of filterpy's ``update``, which
    the tests check it against) on the measurement linearised at the prediction, with
    Jacobian ``H`` and residual ``y = z - h(x)`` (azimuth wrapped). With
    ``iterations > 1`` it is the iterated EKF: Gauss-Newton on the maximum a posteriori
    state, relinearising the measurement about each new estimate (Bell & Cathey, "The
    iterated Kalman filter update as a Gauss-Newton method", IEEE TAC 38(2), 1993).
    """

    def __init__(self, x0: FloatArray, p0: FloatArray, model: MotionModel, iterations: int = 1) -> None:
        self.model = model
        self.iterations = max(1, int(iterations))
        self._x = np.array(x0, dtype=float)
        self._p = np.array(p0, dtype=float)

    def predict(self, dt_s: float) -> None:
        """Propagate the estimate by ``dt_s`` seconds."""
        self._x, self._p = self.model.predict(self._x, self._p, dt_s)

    def peek(self, dt_s: float) -> tuple[FloatArray, FloatArray]:
        """The estimate propagated by ``dt_s`` (s), leaving the filter as it is."""
        return self.model.predict(self._x, self._p, dt_s)

    def innovation(self, z: FloatArray, site: Site | Observer, r: FloatArray) -> Innovation:
        """Residual and covariance of measurement ``z`` (noise ``r``) from ``site`` (or an observer's angles)."""
        z = np.asarray(z, dtype=float)
        r_c = np.ascontiguousarray(r, dtype=float)
        if z.size == 2:
            z_pred, h, pht, s, s_inv = kernels.linearised_angles(site.enu_rotation, site.r_ecef_m, self._x, self._p, r_c)
        else:
            z_pred, h, pht, s, s_inv = kernels.linearised_measurement(
                site.enu_rotation, site.r_ecef_m, self._x, self._p, r_c, z.size == 4)
        y = observation_residual(z, z_pred)
        return Innovation(y=y, s=s, z=z, z_pred=z_pred, r=r, site=site, h=h, pxz=pht, s_inv=s_inv)

    def correct(self, inn: Innovation) -> None:
        """Update with the measurement of ``inn`` (from :meth:`innovation` at this prediction)."""
        if self.iterations > 1:
            self._iterated(inn)
            return
        assert inn.h is not None and inn.pxz is not None and inn.s_inv is not None
        # The arrays are the filter's own and the kernels' (contiguous float64): no wrapper needed.
        self._x, self._p = kernels.joseph_update(self._x, self._p, inn.y, inn.h, inn.r, inn.pxz @ inn.s_inv)

    def _iterated(self, inn: Innovation) -> None:
        """Iterated update: ``x_{i+1} = x + K_i (z - h(x_i) - H_i (x - x_i))``, ``K_i`` from ``H_i``."""
        x0, p0 = self._x, self._p
        xi = x0
        for _ in range(self.iterations):
            z_i, h = observation_jacobian(inn.site, xi, inn.z.size)
            pht = p0 @ h.T
            gain = pht @ np.linalg.inv(h @ pht + inn.r)
            x_next, p = joseph_update(x0, p0, observation_residual(inn.z, z_i) - h @ (x0 - xi), h, inn.r, gain)
            done = float(np.max(np.abs(x_next - xi))) < 1e-6 * max(1.0, float(np.max(np.abs(xi))))
            xi = x_next
            if done:
                break
        self._x, self._p = xi, p


def joseph_update(
    x: FloatArray, p: FloatArray, y: FloatArray, h: FloatArray, r: FloatArray, gain: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Kalman update of ``x``, ``p`` by residual ``y`` with gain ``K = P H' S^-1``, Joseph form.

    ``P+ = (I - K H) P (I - K H)' + K R K'``, which stays symmetric and positive definite
    under round-off (Bucy & Joseph 1968; Bar-Shalom et al. 2001, eq. 5.2.3-18); the result
    is symmetrised against the last bits. Compiled (:func:`sprn.kernels.joseph_update`).
    """
    x_new, p_new = kernels.joseph_update(*(np.ascontiguousarray(a, dtype=float) for a in (x, p, y, h, r, gain)))
    return np.asarray(x_new, dtype=float), np.asarray(p_new, dtype=float)


def matrix_root(a: FloatArray) -> FloatArray:
    """``U`` with ``U' U = a`` (its rows are sigma-point offsets): the transposed Cholesky
    factor, or, when round-off has made ``a`` indefinite, the eigen-decomposition with the
    negative eigenvalues clipped to zero (:func:`sprn.kernels.matrix_root`)."""
    return np.asarray(kernels.matrix_root(np.ascontiguousarray(a, dtype=float)), dtype=np.float64)


class UkfAdapter(_Estimate):
    """Unscented Kalman filter on any motion model, sigma points propagated at once (stateful).

    Scaled sigma points and weights from filterpy's ``MerweScaledSigmaPoints`` (Van der
    Merwe 2004), the predicted moments from its ``unscented_transform``; the ``2n + 1``
    sigma points go through the motion model in one vectorised integration, and through
    the radar measurement, with the same transform's sums, in one compiled call
    (:func:`sprn.kernels.measurement_moments`, tested against filterpy's). Sigma points are drawn afresh for
    the update from the predicted mean and covariance, so they carry the process noise,
    unless that noise is negligible (free flight), when the moved points themselves are
    used, as filterpy's own ``UnscentedKalmanFilter`` does.

    Defaults ``alpha = 1, beta = 2, kappa = 0``: the points sit at ``sqrt(n)`` standard
    deviations with mean weights ``1 / 2n`` (the spherical cubature rule, Arasaratnam &
    Haykin, IEEE TAC 54(6), 2009), spread wide enough to feel the curvature of range
    over a cross-range uncertainty of tens of kilometres; ``beta = 2`` adds the centre
    point's term that is exact for the fourth moment of a Gaussian. A small ``alpha``
    would sample only the immediate neighbourhood of the mean, where the measurement
    is nearly linear, and so repeat the EKF's error.
    """

    def __init__(
        self,
        x0: FloatArray,
        p0: FloatArray,
        model: MotionModel,
        alpha: float = 1.0,
        beta: float = 2.0,
        kappa: float = 0.0,
    ) -> None:
        self.model = model
        # filterpy here, not at the top: its package imports scipy.stats (about half a second),
        # which the default IMM, the EKF and the light commands never need.
        from filterpy.kalman import MerweScaledSigmaPoints, unscented_transform

        self._unscented_transform = unscented_transform
        self.points = MerweScaledSigmaPoints(model.dim, alpha=alpha, beta=beta, kappa=kappa, sqrt_method=matrix_root)
        self._spread = alpha**2 * (model.dim + kappa)  # n + lambda, filterpy's scaling of P
        self._x = np.array(x0, dtype=float)
        self._p = np.array(p0, dtype=float)
        self._moved: FloatArray | None = None

    def set_state(self, x: FloatArray, p: FloatArray) -> None:
        """Replace the estimate (IMM mixing); the moved sigma points no longer stand for it."""
        super().set_state(x, p)
        self._moved = None

    def sigma_points(self, x: FloatArray, p: FloatArray) -> FloatArray:
        """filterpy's ``MerweScaledSigmaPoints.sigma_points`` in one compiled call.

        ``[x, x + U_k, x - U_k]`` with ``U' U = (n + lambda) P`` (:func:`matrix_root`):
        the same points in the same order (:func:`sprn.kernels.sigma_points`, tested equal
        to filterpy's), without filterpy's loop over the rows.
        """
        return np.asarray(kernels.sigma_points(np.ascontiguousarray(x, dtype=float),
                                               np.ascontiguousarray(p, dtype=float), self._spread), dtype=float)

    def _moments_after(self, dt_s: float) -> tuple[FloatArray, FloatArray, FloatArray | None]:
        """Predicted mean, covariance and, if they still represent it, the moved sigma points.

        The moved points stand for the prediction when the process noise adds less than
        :data:`NEGLIGIBLE_Q` to every variance (free flight); otherwise the update draws
        new ones from the predicted mean and covariance, so that they carry the noise.
        """
        moved = self.model.propagate(self.sigma_points(self._x, self._p), dt_s)
        q = self.model.process_noise(self._x, dt_s)
        x, p = self._unscented_transform(moved, self.points.Wm, self.points.Wc, q)
        p = 0.5 * (p + p.T)
        keep = bool(np.all(q.diagonal() <= NEGLIGIBLE_Q * p.diagonal()))
        return x, p, moved if keep else None

    def predict(self, dt_s: float) -> None:
        """Propagate the estimate by ``dt_s`` seconds."""
        self._x, self._p, self._moved = self._moments_after(dt_s)

    def peek(self, dt_s: float) -> tuple[FloatArray, FloatArray]:
        """The estimate propagated by ``dt_s`` (s), leaving the filter as it is."""
        x, p, _ = self._moments_after(dt_s)
        return x, p

    def innovation(self, z: FloatArray, site: Site | Observer, r: FloatArray) -> Innovation:
        """Residual and covariance of measurement ``z`` (noise ``r``) from ``site`` (or an observer's angles)."""
        z = np.asarray(z, dtype=float)
        sig = self._moved if self._moved is not None else self.sigma_points(self._x, self._p)
        r_c = np.ascontiguousarray(r, dtype=float)
        # The unscented transform through h, azimuths unwrapped around the central point's (compiled).
        if z.size == 2:
            z_pred, s, pxz, s_inv = kernels.angles_moments(site.enu_rotation, site.r_ecef_m, sig, self._x,
                                                           self.points.Wm, self.points.Wc, r_c)
        else:
            z_pred, s, pxz, s_inv = kernels.measurement_moments(
                site.enu_rotation, site.r_ecef_m, sig, self._x, self.points.Wm, self.points.Wc, r_c, z.size == 4)
        y = observation_residual(z, z_pred)
        return Innovation(y=y, s=s, z=z, z_pred=z_pred, r=r, site=site, pxz=pxz, s_inv=s_inv)

    def correct(self, inn: Innovation) -> None:
        """Update with the measurement of ``inn`` (from :meth:`innovation` at this prediction)."""
        assert inn.pxz is not None and inn.s_inv is not None
        k = inn.pxz @ inn.s_inv
        self._x = self._x + k @ inn.y
        p = self._p - k @ inn.s @ k.T
        self._p = 0.5 * (p + p.T)
        self._moved = None
