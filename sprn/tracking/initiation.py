"""Track initiation: a state and covariance from the first fixes of a target.

A batch estimate from a span of fixes (one site or several), in three steps:

1. **First guess**: a weighted least-squares fit of the ballistic arc to the fixes
   converted to ECEF positions (:func:`least_squares_state`).
2. **Maximum a posteriori fit in measurement space** (:func:`batch_map`): Gauss-Newton
   with Levenberg-Marquardt damping on the residuals of range, azimuth and elevation
   themselves, with the state-transition matrices of the filter's motion model and a
   Gaussian prior on the model's extra components (thrust acceleration, inverse
   ballistic coefficient). Its covariance is the inverse of the information matrix
   (the Laplace approximation of the posterior).
3. **Posterior by importance sampling** (:func:`posterior_sample`), when the
   Laplace approximation cannot be trusted. An early-warning radar at VHF measures
   range to ~150 m but angles only to 5-20 mrad: at 3,000 km a fix is a curved shell
   ~150 m thick and ~50 km wide. The range curvature across the cross-range
   uncertainty ``sigma_c`` is ``sigma_c^2 / 2R``; when it is comparable with the range
   noise the likelihood is banana-shaped, the MAP state is biased away from the
   posterior mean and the Hessian's covariance is too small in the directions that
   matter (Lerro & Bar-Shalom, "Tracking with debiased consistent converted
   measurements versus EKF", IEEE TAES 29(3), 1993, give the single-fix condition
   ``R sigma_theta^2 / sigma_R < 0.4``). :func:`nonlinearity_index` measures
   ``sigma_c^2 / (R sigma_R)`` of the fit at each fix; above ``threshold`` the posterior
   mean and covariance are computed by importance sampling of the exact likelihood
   (a Student-t proposal around the MAP, Sobol points, up to four adaptive rounds, fewer
   once the sample is large enough or the proposal has stopped moving; Cappé et al.,
   "Population Monte Carlo", J. Comput. Graph. Stat. 13(4), 2004). The posterior
   mean with the posterior covariance has an expected NEES equal to the state
   dimension whatever the posterior's shape, which is what a consistent filter needs
   to start from. The sample is also split into a Gaussian mixture
   (:func:`split_sample`) for a Gaussian-sum filter, whose components are each narrow
   enough across the line of sight for the filter's Gaussian approximations to hold
   (Alspach & Sorenson, "Nonlinear Bayesian estimation using Gaussian sum
   approximations", IEEE TAC 17(4), 1972; Horwood, Aragon & Poore, "Gaussian sum
   filters for space surveillance", J. Guid. Control Dyn. 34(6), 2011).

Range rate is left out of the batch: it is bilinear in position and velocity errors
(``|dr_perp| |dv_perp| / R``), which at initiation makes its likelihood a thin ring in
velocity space. The filter uses it once the track is tight enough
(:meth:`sprn.tracking.tracker.Tracker` applies the guard).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sprn import dynamics, kernels
from sprn.radar.measurement import (
    Detection,
    measure,
    position_from_measurement,
    residual,
)
from sprn.radar.site import Site
from sprn.tracking.consistency import chi2_quantile
from sprn.tracking.filters import matrix_root, measurement_jacobian_full
from sprn.tracking.models import MotionModel

FloatArray = NDArray[np.float64]
PROPOSAL_DOF = 4.0
"""Degrees of freedom of the Student-t proposal: heavy tails cover a banana's arms."""
PROPOSAL_SCALE = 1.5
"""Proposal scale over the Laplace covariance: wider than the target, as IS needs."""
MIN_ESS = 50.0
"""Below this effective sample size the Laplace fit is kept (the sample would be noisier)."""
CONVERGED_STEP = 1e-6
"""The fit has converged when a step's squared length in posterior sigmas is below this."""
MIN_COMPONENT_ESS = 10.0
"""Effective sample size per dimension below which a mixture component is not formed, nor
the adaptive sampler's convergence judged (a covariance needs that many points a dimension)."""
MONTE_CARLO_NEES = 0.01
"""The adaptive sampler stops once its sample's Monte Carlo error raises the expected NEES
of the moments it gives by less than this fraction (:func:`posterior_sample`)."""
CONVERGED_PROBABILITY = 0.99
"""The adaptive sampler stops once its proposal's moments are within this quantile of the
Monte Carlo error of the sample's own (:func:`posterior_sample`)."""
MISFIT_PROBABILITY = 0.999
"""A fit whose chi-square exceeds this quantile of its degrees of freedom does not fit: its
covariance is scaled by the a posteriori variance factor."""
SOBOL_SEED = 20170514
"""Fixed scrambling of the Sobol points: initiation is deterministic, runs reproducible."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Initiation:
    """An initial state and covariance, and how they were obtained.

    ``method`` is ``"laplace"`` (MAP and inverse information), ``"importance"``
    (posterior moments by importance sampling) or ``"misfit"`` (the model does not fit the
    fixes: the Laplace covariance scaled by the fit's chi-square over its degrees of
    freedom); ``index`` the nonlinearity index of the
    fit, ``ess`` the effective sample size (NaN without sampling) and ``log_evidence``
    the Laplace estimate of the log marginal likelihood of the fixes under the model,
    up to a constant common to all models (the IMM's initial mode weights);
    ``components`` the Gaussian mixture ``(weight, x, p)`` the posterior is split into
    (one component, ``(1, x, p)``, unless the posterior was sampled):
    ``-chi2_min / 2 + log det(P) / 2 - log det(P_prior) / 2`` (MacKay, *Information
    Theory, Inference, and Learning Algorithms*, 2003, ch. 28).
    """

    t_s: float
    x: FloatArray
    p: FloatArray
    method: str
    index: float
    log_evidence: float = float("nan")
    ess: float = float("nan")
    components: tuple[tuple[float, FloatArray, FloatArray], ...] = ()


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
    return np.asarray(jac @ r[:3, :3] @ jac.T, dtype=np.float64)


def least_squares_state(
    fixes: Sequence[Detection], sites: Mapping[str, Site], iterations: int = 3
) -> tuple[FloatArray, FloatArray]:
    """First guess: the ballistic arc through the fixes converted to ECEF positions.

    Gauss-Newton on the vacuum ballistic model: the state at the last fix is propagated
    back to every fix with its state-transition matrix, and the position residuals,
    weighted by the inverse of each fix's linearised position covariance, are minimised
    from a straight line through the first and last fixes. Biased when the conversion
    is nonlinear (see the module notes); :func:`batch_map` starts from it.
    """
    order = sorted(fixes, key=lambda f: f.t_s, reverse=True)
    pos = np.array([position_from_measurement(sites[f.site], f.z) for f in order])
    weights = [np.linalg.pinv(position_covariance(sites[f.site], f.z, f.covariance)) for f in order]
    span = order[0].t_s - order[-1].t_s
    x = np.concatenate([pos[0], (pos[0] - pos[-1]) / max(span, 1e-3)])
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
        x = x + np.linalg.lstsq(normal, rhs, rcond=None)[0]
    cov = np.linalg.pinv(normal)
    return x, 0.5 * (cov + cov.T)


def _residuals_and_jacobian(
    x: FloatArray, fixes: Sequence[Detection], sites: Mapping[str, Site], model: MotionModel
) -> tuple[FloatArray, FloatArray, list[FloatArray]]:
    """Whitened residuals, their Jacobian w.r.t. the state at the latest fix, and the STMs."""
    order = sorted(fixes, key=lambda f: f.t_s, reverse=True)
    res, jac, phis = [], [], []
    xi, phi, t_prev = x.copy(), np.eye(x.size), order[0].t_s
    for f in order:
        xi, step = model.transition(xi, f.t_s - t_prev)
        phi = step @ phi
        t_prev = f.t_s
        site = sites[f.site]
        w = 1.0 / f.sigma[:3]
        res.append(w * residual(f.z[:3], measure(site, xi[:6])))
        jac.append(w[:, None] * (measurement_jacobian_full(site, xi, False) @ phi))
        phis.append(phi)
    return np.concatenate(res), np.vstack(jac), phis


def batch_map(
    fixes: Sequence[Detection],
    sites: Mapping[str, Site],
    model: MotionModel,
    x_start: FloatArray,
    prior_mean: FloatArray,
    prior_cov: FloatArray,
    iterations: int = 30,
) -> tuple[FloatArray, FloatArray, float]:
    """MAP state at the latest fix, its Laplace covariance and the cost there (see the module notes).

    ``x_start`` is the first guess of the model's state; ``prior_mean`` and ``prior_cov``
    the Gaussian prior of its components after the sixth (empty for the ballistic
    model). The cost is the chi-square of the whitened residuals plus the prior's
    quadratic form. Levenberg-Marquardt: a step that raises the cost is retried with more
    damping (Nocedal & Wright, *Numerical Optimization*, 2006, sec. 10.3). Steps and
    covariance are solved in the scaling of the information matrix's diagonal
    (:func:`_scaled_solve`): a tight prior on ``1/beta`` (information ~1e8) beside
    cross-range directions the fixes barely inform (~1e-8) spans more than the ~1e15 an
    unscaled solve resolves.
    """
    n_extra = model.dim - 6
    prior_info = np.linalg.inv(prior_cov) if n_extra else np.zeros((0, 0))

    def cost_parts(x: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        r, j, _ = _residuals_and_jacobian(x, fixes, sites, model)
        info = j.T @ j
        grad = j.T @ r
        cost = float(r @ r)
        if n_extra:
            d = x[6:] - prior_mean
            cost += float(d @ prior_info @ d)
            info[6:, 6:] += prior_info
            grad[6:] -= prior_info @ d
        return cost, info, grad

    x = np.array(x_start, dtype=float)
    cost, info, grad = cost_parts(x)
    damping = 0.0
    for _ in range(iterations):
        step = _scaled_solve(info, grad, damping)
        if float(step @ info @ step) < CONVERGED_STEP:
            break
        new_cost, new_info, new_grad = cost_parts(x + step)
        if new_cost <= cost:
            x = x + step
            cost, info, grad = new_cost, new_info, new_grad
            damping = damping / 10.0 if damping > 1e-6 else 0.0
        else:
            damping = 1e-3 if damping == 0.0 else damping * 10.0
    cov = _scaled_solve(info, np.eye(info.shape[0]))
    return x, 0.5 * (cov + cov.T), cost


def _scaled_solve(info: FloatArray, rhs: FloatArray, damping: float = 0.0) -> FloatArray:
    """``(info + damping diag(info))^+ rhs`` solved with the diagonal scaled to one.

    The pseudo-inverse drops singular values below ~1e-15 of the largest. Unscaled, a
    prior's information on ``1/beta`` (1e8 for a sigma of 1e-4 m^2/kg) beside the 1e-8
    of the cross-range directions three VHF fixes leave open put those directions under
    the cutoff: the reentry model's covariance lost them (rank 5 of 7, a cross-range
    sigma of 0.3 km where the ballistic model's is 3 km, a log-determinant ~80 too
    small) and its steps never moved along them. Symmetric diagonal scaling gives the
    matrix a condition number within a factor of the dimension of the best any diagonal
    scaling achieves (van der Sluis, "Condition numbers and equilibration of matrices",
    Numer. Math. 14, 1969): here that of the correlations alone.
    """
    d = np.diag(info)
    s = 1.0 / np.sqrt(np.where(d > 0.0, d, 1.0))
    scaled = s[:, None] * info * s[None, :] + damping * np.diag(np.where(d > 0.0, 1.0, 0.0))
    sol = np.linalg.pinv(scaled) @ (s[:, None] * rhs if rhs.ndim == 2 else s * rhs)
    return np.asarray(s[:, None] * sol if rhs.ndim == 2 else s * sol, dtype=np.float64)


def nonlinearity_index(
    fixes: Sequence[Detection], sites: Mapping[str, Site], model: MotionModel, x: FloatArray, p: FloatArray
) -> float:
    """Largest ``sigma_c^2 / (R sigma_R)`` over the fixes for the fit ``(x, p)``.

    ``sigma_c^2`` is the largest variance of the fit's position across the line of sight
    at the fix (its covariance carried back by the state-transition matrix): twice the
    index is the range curvature over one cross-range sigma in units of the range noise.
    """
    _, _, phis = _residuals_and_jacobian(x, fixes, sites, model)
    order = sorted(fixes, key=lambda f: f.t_s, reverse=True)
    worst = 0.0
    xi, t_prev = x.copy(), order[0].t_s
    for f, phi in zip(order, phis):
        xi = model.propagate(xi, f.t_s - t_prev)
        t_prev = f.t_s
        los = xi[:3] - sites[f.site].r_ecef_m
        rng = float(np.linalg.norm(los))
        u = los / rng
        proj = np.eye(3) - np.outer(u, u)
        pp = phi[:3] @ p @ phi[:3].T
        cross = float(np.linalg.eigvalsh(proj @ pp @ proj)[-1])
        worst = max(worst, cross / (rng * float(f.sigma[0])))
    return worst


@functools.lru_cache(maxsize=8)
def _proposal_draws(dim: int, samples: int) -> tuple[FloatArray, FloatArray]:
    """Standard normal vectors and chi-square(nu)/nu scales from scrambled Sobol points."""
    from scipy import (
        special,  # here, as scipy.stats: few runs sample (special ~0.12 s to import)
    )
    from scipy.stats import (
        qmc,  # here: scipy.stats costs a second to import, and few runs sample
    )

    u = qmc.Sobol(d=dim + 1, scramble=True, seed=SOBOL_SEED).random(samples)
    u = np.clip(u, 1e-12, 1.0 - 1e-12)
    normal = special.ndtri(u[:, :dim])
    scale = 2.0 * special.gammaincinv(0.5 * PROPOSAL_DOF, u[:, dim]) / PROPOSAL_DOF  # chi-square(nu) quantiles
    normal.setflags(write=False)
    scale.setflags(write=False)
    return normal, scale


def log_likelihood(
    states: FloatArray, t_s: float, fixes: Sequence[Detection], sites: Mapping[str, Site], model: MotionModel
) -> FloatArray:
    """Log-likelihood of (range, az, el) fixes for states ``(m, dim)`` at ``t_s``, all at once."""
    x = np.array(states, dtype=float)
    out = np.zeros(x.shape[0])
    t_prev = t_s
    for f in sorted(fixes, key=lambda f: f.t_s, reverse=True):
        x = model.propagate(x, f.t_s - t_prev)
        t_prev = f.t_s
        y = residual(f.z[:3], measure(sites[f.site], x[:, :6])) / f.sigma[:3]
        out -= 0.5 * np.sum(y * y, axis=1)
    return out


@dataclass(frozen=True, slots=True)
class WeightedSample:
    """Points ``(m, dim)`` and their normalised importance weights, with the effective sample size."""

    x: FloatArray
    w: FloatArray
    ess: float

    def moments(self) -> tuple[FloatArray, FloatArray]:
        """Weighted mean and covariance."""
        mean = self.w @ self.x
        dev = self.x - mean
        cov = (self.w[:, None] * dev).T @ dev
        return mean, 0.5 * (cov + cov.T)


def posterior_sample(
    fixes: Sequence[Detection],
    sites: Mapping[str, Site],
    model: MotionModel,
    x_map: FloatArray,
    p_map: FloatArray,
    prior_mean: FloatArray,
    prior_cov: FloatArray,
    samples: int = 4096,
    rounds: int = 4,
) -> WeightedSample:
    """A weighted sample of the posterior by adaptive importance sampling.

    The target is the likelihood of the fixes times the prior on the extra components
    (flat on position and velocity). Each round draws from a Student-t around the
    current mean with :data:`PROPOSAL_SCALE` times the current covariance and moves both
    to the weighted moments (population Monte Carlo). A round whose effective sample
    size is below twice the dimension has too few points to estimate a covariance from:
    the next one keeps the mean it found and quadruples the covariance instead.

    The rounds stop before ``rounds`` once the proposal has reached the adaptation's
    fixed point, where the weighted moments are the ones it was drawn with (Cappé et
    al. 2004): when the Kullback-Leibler divergence of the proposal's Gaussian from the
    sample's, times twice the effective sample size, is below the
    :data:`CONVERGED_PROBABILITY` quantile of chi-square with ``d (d + 3) / 2`` degrees
    of freedom (the mean's and the covariance's parameters: the asymptotic law of that
    statistic between the moments of ``ess`` independent draws and the true ones, Wilks'
    theorem). The move would then be within the moments' own Monte Carlo error, and a
    further round would draw from the same proposal again. The test needs at least
    :data:`MIN_COMPONENT_ESS` effective points a dimension; that round's sample is the
    result. Monitoring the adaptation by a statistic of the weights and stopping when it
    settles is Cappé, Douc, Guillin, Marin & Robert's ("Adaptive importance sampling in
    general mixture classes", Stat. Comput. 18(4), 2008).

    The rounds also stop, the first one included, once the sample is large enough for
    its Monte Carlo error not to matter to a filter: moments of ``n`` independent draws
    raise the expected NEES of the posterior mean with the posterior covariance from
    ``d`` to ``d (1 + 1 / n) n / (n - d - 2) ~ d (1 + (d + 2) / n)`` (the mean's error
    adds ``P / n``; the inverse of an estimated covariance is ``n / (n - d - 2)`` too
    large on average, inverted Wishart), and an effective sample size stands for ``n``
    (Kong, Liu & Wong, "Sequential imputations and Bayesian missing data problems",
    JASA 89, 1994). At ``ESS >= (d + 2) / MONTE_CARLO_NEES`` that is 1 %, against the
    ~15 % half-width of a 60-run chi-square band: a Laplace proposal that already gives that
    many is not adapted.

    If the rounds run out first, the round with the largest effective sample size is the
    result: adapting from a thin sample can move the proposal off the posterior, and the
    ESS then falls round by round (one VHF start: 6, 2, 2, 1).

    On 24 starts of the Kusong scene (three seeds, three models each) the two rules take
    51 rounds instead of 96: one for 13 starts (nonlinearity index 0.17-0.87, an ESS of
    960-1,600 from the Laplace proposal), two to four for the other 11 (index 0.87-3.3),
    each with at least three quarters of the ESS four rounds give.
    """
    t_ref = max(f.t_s for f in fixes)
    dim = x_map.size
    normal, chi = _proposal_draws(dim, samples)
    std = normal / np.sqrt(chi)[:, None]
    log_q = -0.5 * (PROPOSAL_DOF + dim) * np.log1p(np.sum(std * std, axis=1) / PROPOSAL_DOF)
    mean, cov = np.array(x_map, dtype=float), np.array(p_map, dtype=float)
    prior_info = np.linalg.inv(prior_cov) if dim > 6 else None
    sample = best = WeightedSample(x=np.array(x_map, dtype=float)[None], w=np.ones(1), ess=0.0)
    converged = 0.5 * chi2_quantile(CONVERGED_PROBABILITY, dim * (dim + 3) // 2)
    for _ in range(rounds):
        xs = mean + std @ matrix_root(PROPOSAL_SCALE**2 * cov)
        log_w = log_likelihood(xs, t_ref, fixes, sites, model) - log_q
        if prior_info is not None:
            d = xs[:, 6:] - prior_mean
            log_w -= 0.5 * np.einsum("ij,jk,ik->i", d, prior_info, d)
        w = np.exp(log_w - np.max(log_w))
        w /= np.sum(w)
        sample = WeightedSample(x=xs, w=w, ess=float(1.0 / np.sum(w * w)))
        if sample.ess > best.ess:
            best = sample
        if sample.ess * MONTE_CARLO_NEES >= dim + 2.0:
            break
        if sample.ess < 2.0 * dim:
            mean = w @ xs
            cov = 4.0 * cov
            continue
        new_mean, new_cov = sample.moments()
        if (sample.ess >= MIN_COMPONENT_ESS * dim
                and sample.ess * _gaussian_kl(new_mean, new_cov, mean, cov) < converged):
            return sample
        mean, cov = new_mean, new_cov
    return best


def _gaussian_kl(m1: FloatArray, c1: FloatArray, m0: FloatArray, c0: FloatArray) -> float:
    """Kullback-Leibler divergence of ``N(m0, c0)`` from ``N(m1, c1)``: ``KL(N1 || N0)``;
    infinite when round-off has left either covariance not positive definite (then the
    proposal is not taken as converged)."""
    try:
        l0 = np.linalg.cholesky(c0)
        a = np.linalg.solve(l0, np.linalg.cholesky(c1))
    except np.linalg.LinAlgError:
        return math.inf
    dm = np.linalg.solve(l0, m1 - m0)
    return 0.5 * float(np.sum(a * a) - m1.size + dm @ dm - 2.0 * np.sum(np.log(np.abs(np.diag(a)))))


def split_sample(sample: WeightedSample, components: int) -> list[tuple[float, FloatArray, FloatArray]]:
    """A Gaussian mixture ``[(weight, mean, cov), ...]`` with the sample's mean and covariance.

    Weighted k-means (Lloyd's algorithm) in coordinates whitened by the sample
    covariance, started from slices along its principal axis (a banana's length). A
    cluster with less than :data:`MIN_COMPONENT_ESS` times the dimension in effective
    sample size is too thin to estimate a covariance from: its points join the nearest
    other cluster. Each component's moments are its cluster's, so the mixture's mean
    and covariance are exactly the sample's (law of total covariance).
    """
    mean, cov = sample.moments()
    dim = mean.size
    k_max = min(components, int(sample.ess // (MIN_COMPONENT_ESS * dim)))
    if k_max <= 1:
        return [(1.0, mean, cov)]
    z = np.linalg.solve(np.linalg.cholesky(cov), (sample.x - mean).T).T
    w = sample.w
    _, vecs = np.linalg.eigh((w[:, None] * z).T @ z)
    axis = vecs[:, -1]
    proj = z @ axis
    order = np.argsort(proj)
    cdf = np.cumsum(w[order])
    centres = np.outer([proj[order][min(int(np.searchsorted(cdf, (k + 0.5) / k_max)), len(z) - 1)]
                        for k in range(k_max)], axis)
    labels = _lloyd(z, w, centres)
    while True:
        ess = np.array([_ess(w[labels == k]) for k in range(len(centres))])
        thin = int(np.argmin(ess))
        if ess[thin] >= MIN_COMPONENT_ESS * dim or len(centres) == 1:
            break
        centres = np.delete(centres, thin, axis=0)
        labels = _lloyd(z, w, centres)
    out = []
    for k in range(len(centres)):
        sel = labels == k
        wk = float(w[sel].sum())
        part = WeightedSample(x=sample.x[sel], w=w[sel] / wk, ess=0.0)
        out.append((wk, *part.moments()))
    return out


def _ess(w: FloatArray) -> float:
    total = float(np.sum(w))
    return total * total / float(np.sum(w * w)) if total > 0.0 else 0.0


def _lloyd(z: FloatArray, w: FloatArray, centres: FloatArray, iterations: int = 20) -> NDArray[np.int_]:
    """Weighted Lloyd iterations from ``centres`` (updated in place); the final labels.

    The compiled loop :func:`sprn.kernels.lloyd`: it stops early once no label changes
    (the iteration has reached its fixed point).
    """
    out = np.ascontiguousarray(centres, dtype=float)
    labels = kernels.lloyd(np.ascontiguousarray(z, dtype=float), np.ascontiguousarray(w, dtype=float), out,
                           iterations)
    centres[...] = out
    return np.asarray(labels, dtype=int)


def initiate(
    fixes: Sequence[Detection],
    sites: Mapping[str, Site],
    model: MotionModel,
    prior_mean: FloatArray,
    prior_cov: FloatArray,
    samples: int = 4096,
    threshold: float = 0.1,
    components: int = 1,
    first_guess: FloatArray | None = None,
) -> Initiation:
    """A consistent initial state of ``model`` at the latest fix (see the module notes).

    ``samples = 0`` never samples; ``threshold`` is the nonlinearity index above which
    the posterior is sampled rather than taken from the Laplace fit; ``components`` the
    number of Gaussians the sampled posterior is split into for a Gaussian-sum filter
    (``Initiation.components``); ``first_guess`` the fixes' :func:`least_squares_state`
    if already computed (it does not depend on the model).
    """
    x6 = least_squares_state(fixes, sites)[0] if first_guess is None else first_guess
    start = np.concatenate([x6, prior_mean])
    x, p, cost = batch_map(fixes, sites, model, start, prior_mean, prior_cov)
    t_ref = max(f.t_s for f in fixes)
    index = nonlinearity_index(fixes, sites, model, x, p)
    evidence = -0.5 * cost + 0.5 * float(np.linalg.slogdet(p)[1])
    if model.dim > 6:
        evidence -= 0.5 * float(np.linalg.slogdet(prior_cov)[1])
    dof = 3 * len(fixes) - 6  # the prior's pseudo-measurements and the extra states cancel
    if dof > 0 and cost > chi2_quantile(MISFIT_PROBABILITY, dof):
        # The model does not fit the fixes (a ballistic arc through a thrusting boost): the
        # a posteriori variance factor widens the covariance to the scatter of the residuals
        # (Bjorck, Numerical Methods for Least Squares Problems, 1996, sec. 1.1.4), and the
        # exact likelihood of the wrong model is not worth sampling.
        p = p * (cost / dof)
        return Initiation(t_s=t_ref, x=x, p=p, method="misfit", index=index, log_evidence=evidence,
                          components=((1.0, x, p),))
    laplace = Initiation(t_s=t_ref, x=x, p=p, method="laplace", index=index, log_evidence=evidence,
                         components=((1.0, x, p),))
    if samples <= 0 or index <= threshold:
        return laplace
    sample = posterior_sample(fixes, sites, model, x, p, prior_mean, prior_cov, samples)
    if sample.ess < MIN_ESS:
        return dataclasses.replace(laplace, ess=sample.ess)
    xm, pm = sample.moments()
    return Initiation(t_s=t_ref, x=xm, p=pm, method="importance", index=index, log_evidence=evidence,
                      ess=sample.ess, components=tuple(split_sample(sample, components)))


def with_independent_prior(init: Initiation, prior_mean: FloatArray, prior_cov: FloatArray) -> Initiation:
    """``init`` of a model extended by components the fixes say nothing about: their prior,
    independent of the rest (the mean appended, the covariance block-diagonal, every
    mixture component likewise).

    The reentry model's initiation on fixes all above :data:`sprn.tracking.models.AIR_TOP_M`:
    there its drag moves a state by millimetres over a chain's seconds (at 150 km,
    ``rho |v|^2 / 2 beta`` is ~2e-6 m/s^2 for ``beta`` = 5,000 kg/m^2), so the posterior of
    ``[r, v, 1/beta]`` is the ballistic model's times the prior on ``1/beta``. The log
    evidence is the ballistic one: the prior's ``log det`` enters the posterior
    covariance's and the normalisation's with opposite signs (:class:`Initiation`).
    """
    n = init.x.size + prior_mean.size

    def extend(x: FloatArray, p: FloatArray) -> tuple[FloatArray, FloatArray]:
        cov = np.zeros((n, n))
        cov[:x.size, :x.size] = p
        cov[x.size:, x.size:] = prior_cov
        return np.concatenate([x, prior_mean]), cov

    x, p = extend(init.x, init.p)
    parts = tuple((w, *extend(xc, pc)) for w, xc, pc in init.components)
    return dataclasses.replace(init, x=x, p=p, components=parts)

