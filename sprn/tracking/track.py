"""One track: its filter, its gate, its mismatch monitor and its history (stateful).

The track manager (:class:`sprn.tracking.tracker.Tracker`) decides which report a track
is offered; a :class:`Track` decides whether to take it and how:

* **Gating**: a report whose normalised innovation squared exceeds the chi-square
  quantile ``gate_probability`` (3 or 4 degrees of freedom) is not used.
* **Fusion**: every site's report updates the track with that report's own noise
  (its ``sigma``, which a radar derives from its SNR) and its own geometry; range rate is
  used where the report has it and the track is tight enough (:meth:`Track._usable`).
* **Honesty**: the mismatch monitor and the phase models of single-model filters (see
  :class:`Track`).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sprn import dynamics, kernels
from sprn.radar.measurement import Detection
from sprn.radar.site import Site
from sprn.tracking.config import FILTERS, MODELS, TrackerConfig  # noqa: F401 (FILTERS: re-exported)
from sprn.tracking.consistency import chi2_quantile
from sprn.tracking.detectability import Detectability
from sprn.tracking.filters import EkfAdapter, Innovation, UkfAdapter
from sprn.tracking.imm import ImmAdapter, ImmInnovation, switching_generator
from sprn.tracking.initiation import Initiation
from sprn.tracking.mixture import GaussianSumAdapter, MixtureInnovation
from sprn.tracking.models import (
    AIR_TOP_M,
    COMMON_DIM,
    INV_BETA,
    THRUST,
    MotionModel,
)

FloatArray = NDArray[np.float64]
Filter = EkfAdapter | UkfAdapter | ImmAdapter | GaussianSumAdapter
AnyInnovation = Innovation | MixtureInnovation | ImmInnovation


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackEstimate:
    """The track's state after an update: time (s), state ``[r, v]`` (6,) and covariance (6x6).

    ``nis`` and ``dof``: the update's normalised innovation squared and its degrees of
    freedom (NaN at initiation); ``mode_probabilities``: the IMM's, in the order of
    ``MODELS``; ``thrust_mps2`` (the magnitude of the thrust acceleration) and
    ``inv_beta_m2_kg`` (and its standard deviation ``sigma_inv_beta_m2_kg``): the estimates of
    the extra states (NaN when the filter has none);
    ``widened_q_m2_s3``: the white acceleration noise density the mismatch monitor added
    to the prediction before this update (0: none; see :class:`Track`); ``track_id``: the
    track's number.
    """

    t_s: float
    x: FloatArray
    p: FloatArray
    site: str
    nis: float = float("nan")
    dof: int = 3
    mode_probabilities: tuple[float, ...] = ()
    thrust_mps2: float = float("nan")
    inv_beta_m2_kg: float = float("nan")
    widened_q_m2_s3: float = 0.0
    sigma_inv_beta_m2_kg: float = float("nan")
    track_id: int = 0

    def __post_init__(self) -> None:
        for name in ("x", "p"):
            given = getattr(self, name)
            if isinstance(given, np.ndarray) and given.dtype == np.float64 and not given.flags.writeable \
                    and not isinstance(given.base, np.ndarray):
                continue  # already a frozen array of its own (an IMM's combined moments)
            arr = np.array(given, dtype=float)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)


MISMATCH_PROBABILITY = 0.99
"""An update's NIS above this chi-square quantile counts as a surprise."""
MISMATCH_WINDOW = 3
"""The mismatch monitor looks at this many latest updates ..."""
MISMATCH_SURPRISES = 2
"""... and widens the prediction when this many of them, the latest included, are surprises."""
MISMATCH_EASING = 0.7
"""The added noise is kept for the following predictions, and multiplied by this after each
update whose NIS is below its mean: a model that failed once (a thrusting missile under a
ballistic model) is likely to fail again at the next report, so the widening is held, and
eased off as the innovations show it is no longer needed (a factor 1e6 in about 40 updates)."""
MAX_UNMODELLED_MPS2 = 100.0
"""The largest acceleration the monitor will believe a model left out (m/s^2): about 10 g, above
the thrust of a ballistic missile's stage near burnout (60-80 m/s^2 for a liquid IRBM). A
report that only more could explain is another object, or an outlier, and is gated."""


def widening_q(y: FloatArray, s: FloatArray, h: FloatArray, q_unit: FloatArray, q_max: float, gate: float) -> float:
    """The white acceleration density ``q`` that makes an innovation's NIS equal its dimension.

    ``y``, ``s``: the innovation and its covariance; ``h``: the measurement's Jacobian
    (m x 6) at the prediction; ``q_unit``: the process noise (6x6) of unit density over the
    prediction interval. With ``S(q) = S + q H Q1 H'``, ``y' S(q)^-1 y`` falls monotonically
    in ``q``; whitened by ``S = L L'`` and diagonalised (``L^-1 H Q1 H' L^-T = U diag(l) U'``)
    it is ``sum_i u_i^2 / (1 + q l_i)`` with ``u = U' L^-1 y``, solved by bisection on
    ``log q``. Returns 0 if the NIS is already at most the dimension; ``q_max`` if that
    is not enough but brings the NIS inside the ``gate``; and 0 if not even that (then the
    report is no evidence of a mismatch the monitor could mend: another object, an outlier).
    """
    m = y.size
    chol = np.linalg.cholesky(s)
    a = np.linalg.solve(chol, h @ q_unit @ h.T)
    a = np.linalg.solve(chol, a.T).T
    lam, vecs = np.linalg.eigh(0.5 * (a + a.T))
    u2 = (vecs.T @ np.linalg.solve(chol, y)) ** 2
    lam = np.clip(lam, 0.0, None)

    def nis(q: float) -> float:
        return float(np.sum(u2 / (1.0 + q * lam)))

    if nis(0.0) <= m:
        return 0.0
    lo, hi = -12.0, math.log10(q_max)
    if nis(q_max) > m:
        return q_max if nis(q_max) <= gate else 0.0
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        if nis(10.0**mid) > m:
            lo = mid
        else:
            hi = mid
    return float(10.0**hi)


@functools.lru_cache(maxsize=64)
def gate_threshold(probability: float, dof: int) -> float:
    """The chi-square quantile of the gate (cached: asked for at every update)."""
    return chi2_quantile(probability, dof)


def single_filter(config: TrackerConfig, model: MotionModel, x: FloatArray, p: FloatArray) -> EkfAdapter | UkfAdapter:
    """The configuration's single-model filter (EKF or UKF, with its settings) on ``model`` from ``x``, ``p``."""
    if config.filter == "ukf":
        return UkfAdapter(x, p, model, config.ukf_alpha, config.ukf_beta, config.ukf_kappa)
    return EkfAdapter(x, p, model, config.ekf_iterations)


def build_filter(config: TrackerConfig, inits: Mapping[str, Initiation]) -> Filter:
    """The configured filter, started from the initiation of each of its models."""
    if config.filter != "imm":
        init = inits[config.model]
        model = config.motion_model()
        if len(init.components) > 1:
            return GaussianSumAdapter([single_filter(config, model, x, p) for _, x, p in init.components],
                                      [w for w, _, _ in init.components])
        return single_filter(config, model, init.x, init.p)
    models = [config.motion_model(name) for name in MODELS]
    log_ev = np.array([inits[name].log_evidence for name in MODELS])
    mu0 = np.exp(log_ev - np.max(log_ev))
    carry_x, carry_p = np.zeros(COMMON_DIM), np.zeros((COMMON_DIM, COMMON_DIM))
    carry_x[:6], carry_p[:6, :6] = inits["ballistic"].x, inits["ballistic"].p
    carry_p[list(THRUST), list(THRUST)] = config.sigma_thrust_mps2**2
    carry_x[INV_BETA], carry_p[INV_BETA, INV_BETA] = config.inv_beta_m2_kg, config.sigma_inv_beta_m2_kg**2
    times = (config.imm_boost_s, config.imm_ballistic_s, config.imm_reentry_s)
    return ImmAdapter(models, [(inits[name].x, inits[name].p) for name in MODELS], mu0,
                      switching_generator(MODELS, *times), carry_x, carry_p,
                      switching_generator(MODELS, *times, in_air=True), config.ukf_alpha, config.ukf_beta,
                      config.ukf_kappa)


def switch_model(f: Filter, name: str, config: TrackerConfig) -> Filter:
    """A single-model filter continued on the motion model ``name`` (same family and settings).

    ``[r, v]`` and their covariance carry over; a component the new model adds (thrust,
    ``1/beta``) starts from the configuration's prior, uncorrelated with ``[r, v]``; a
    component it drops is marginalised out.
    """
    model = config.motion_model(name)
    extra_x, extra_p = config.prior(model)

    def one(a: EkfAdapter | UkfAdapter) -> EkfAdapter | UkfAdapter:
        x = np.concatenate([a.x[:6], extra_x])
        p = np.zeros((model.dim, model.dim))
        p[:6, :6] = a.P[:6, :6]
        p[6:, 6:] = extra_p
        return single_filter(config, model, x, p)

    if isinstance(f, GaussianSumAdapter):
        return GaussianSumAdapter([one(c) for c in f.filters], [float(w) for w in f.weights])
    assert isinstance(f, EkfAdapter | UkfAdapter)
    return one(f)


def phase_model(f: EkfAdapter | UkfAdapter | GaussianSumAdapter) -> str | None:
    """The model a single-model filter on the ballistic model should be on, by what physics
    tells of its estimate, or None to stay: in the air and climbing, a missile is under
    power (boost); in the air and falling, it meets drag (reentry); a boost-model estimate
    above the air whose thrust is indistinguishable from none, at two sigma in each
    axis, has burnt out (ballistic)."""
    x = f.x
    in_air = float(dynamics.altitude_m(x[:3])) < AIR_TOP_M
    climbing = float(x[:3] @ x[3:6]) > 0.0
    name = f.model.name
    if name == "ballistic" and in_air:
        return "boost" if climbing else "reentry"
    if name == "boost" and not in_air:
        sigma = np.sqrt(np.diag(f.P)[6:9])
        if np.all(np.abs(x[6:9]) < 2.0 * sigma):
            return "ballistic"
    return None


STATUSES = ("tentative", "confirmed", "deleted")
"""A track's life: tentative until confirmed (M of N), then confirmed, until deleted."""


@dataclass(slots=True)
class Track:
    """One target's track: a filter fed with the reports the track manager offers it (stateful).

    ``id``: the manager's number for it; ``status``: one of :data:`STATUSES`;
    ``history``: every estimate (the initiation and each update); ``reports``: the reports
    it used, in order; ``rejected``: reports it was offered and gated out; ``hits``: for
    each chance it had since initiation (a scan from a site that sees it), whether it
    took a report; ``score``: the sequential log-likelihood ratio of a target against
    clutter, kept by the manager; ``misses`` and ``miss_log`` the latest run of missed
    chances and its summed ``ln(1 - pd)``; ``detect`` what the manager has learnt of its
    detectability (:mod:`sprn.tracking.detectability`); ``parent``: the track it was born
    beside, if it was initiated close to one (a separation); ``switches``: the model
    switches ``(t_s, from, to)``.

    **Mismatch monitor.** A filter whose motion model does not fit the phase (the
    ballistic model in boost or reentry) becomes sure of a wrong answer: its innovations
    grow while its covariance shrinks. The monitor keeps the NIS of the latest
    :data:`MISMATCH_WINDOW` updates; when :data:`MISMATCH_SURPRISES` of them, the latest
    included, exceed their :data:`MISMATCH_PROBABILITY` chi-square quantile (by chance one
    update in about 3,000 for a consistent filter), it adds white acceleration noise to the
    prediction, of the density that brings the latest NIS to its expected value
    (:func:`widening_q`; the adaptive noise level of Bar-Shalom, Li & Kirubarajan 2001,
    sec. 11.2.2, solved for each update) if an acceleration of at most
    :data:`MAX_UNMODELLED_MPS2` can explain it, keeps adding it to the following predictions,
    easing it off by :data:`MISMATCH_EASING` while the innovations are small, and records it in the estimates
    (``widened_q_m2_s3``; :attr:`widened` lists them). A lone outlier, one surprise,
    is gated as before. It runs for every filter; the IMM, whose modes cover every
    phase, rarely needs it.

    **Phases.** Innovations are slow to show a wrong model: the first metres per second
    of drag on a track whose velocity is known to millimetres per second after a long
    free flight, or thrust seen by a radar whose cross-range noise is hundreds of metres.
    So a single-model filter configured on the ballistic model (the default ``model``) is
    not left to find out what physics already tells: while its estimate is in the air
    (below :data:`~sprn.tracking.models.AIR_TOP_M`) and climbing it continues on the boost
    model, falling on the reentry model, and back on the ballistic model once above the
    air with no significant thrust (:func:`phase_model`, :func:`switch_model`).
    """

    id: int
    config: TrackerConfig
    filter: Filter
    t_s: float
    initiations: dict[str, Initiation] = field(default_factory=dict)
    status: str = "tentative"
    parent: int | None = None
    history: list[TrackEstimate] = field(default_factory=list)
    reports: list[Detection] = field(default_factory=list)
    rejected: list[Detection] = field(default_factory=list)
    hits: list[bool] = field(default_factory=list)
    score: float = 0.0
    switches: list[tuple[float, str, str]] = field(default_factory=list)
    t_confirmed_s: float | None = None
    t_deleted_s: float | None = None
    misses: int = 0
    miss_log: float = 0.0
    detect: Detectability = field(default_factory=Detectability)
    t_used_s: float = float("-inf")
    merge_var: FloatArray | None = None
    """Variances (range, azimuth, elevation, range rate) added to this scan's reports: the
    spread of another track's return merged with this one's (set by the track manager
    for the scan: :meth:`sprn.tracking.tracker.Tracker._merge_spread`)."""
    _surprises: list[bool] = field(default_factory=list)
    _q_extra: float = 0.0
    reading: Any = field(default=None, repr=False, compare=False)
    """What the classifier has read of the track so far (:mod:`sprn.tracking.classify`
    keeps it here, so that it lives and dies with the track)."""

    @classmethod
    def start(cls, track_id: int, config: TrackerConfig, inits: Mapping[str, Initiation],
              fixes: Sequence[Detection], parent: int | None = None) -> Track:
        """A tentative track from the initiation of each of the configuration's models on ``fixes``."""
        t_s = max(d.t_s for d in fixes)
        tr = cls(id=track_id, config=config, filter=build_filter(config, inits), t_s=t_s, initiations=dict(inits),
                 parent=parent, reports=list(fixes), t_used_s=t_s)
        last = max(fixes, key=lambda d: d.t_s)
        tr.history.append(tr._estimate(last, float("nan"), None))
        return tr

    @property
    def alive(self) -> bool:
        return self.status != "deleted"

    @property
    def widened(self) -> list[TrackEstimate]:
        """The estimates whose prediction the mismatch monitor widened."""
        return [e for e in self.history if e.widened_q_m2_s3 > 0.0]

    def predict_to(self, t_s: float) -> float:
        """Move the filter to ``t_s`` (after its phase model is chosen); the span predicted (s)."""
        if t_s < self.t_s:
            raise ValueError(f"report at {t_s} s is older than track {self.id} ({self.t_s} s)")
        self._follow_phase()
        dt_s = t_s - self.t_s
        if dt_s > 0.0:
            self.filter.predict(dt_s)
        self.t_s = t_s
        return dt_s

    def innovation(self, det: Detection, site: Site) -> AnyInnovation:
        """The report's innovation against the prediction at its time (no change to the track)."""
        used = self._usable(det, site)
        return self.filter.innovation(used.z, site, used.covariance)

    def update(self, det: Detection, site: Site, dt_s: float, inn: AnyInnovation | None = None) -> TrackEstimate | None:
        """Offer the report (already predicted to its time; ``dt_s`` the prediction's span;
        ``inn`` its innovation if already computed by :meth:`innovation`): the new estimate,
        or None if the report falls outside the gate."""
        used = self._usable(det, site)
        inn, widened = self._monitored_innovation(used, site, dt_s, inn)
        nis = inn.nis
        if nis > gate_threshold(self.config.gate_probability, int(inn.y.size)):
            self.rejected.append(det)
            return None
        self.filter.correct(inn)  # type: ignore[arg-type]
        return self.took(det, nis, inn, widened)

    def took(self, det: Detection, nis: float, inn: Innovation | MixtureInnovation | ImmInnovation | None,
             widened: float = 0.0) -> TrackEstimate:
        """Record that the filter was corrected with ``det``; the estimate made."""
        self.t_used_s = det.t_s
        self.reports.append(det)
        est = self._estimate(det, nis, inn, widened)
        self.history.append(est)
        return est

    def _monitored_innovation(self, det: Detection, site: Site, dt_s: float,
                              inn: AnyInnovation | None = None) -> tuple[AnyInnovation, float]:
        """The report's innovation after the mismatch monitor's widening (see the class
        notes), and the white acceleration density added to this prediction (0: none)."""
        widened = self._q_extra
        if inn is None or widened > 0.0:
            inn = self.filter.innovation(det.z, site, det.covariance)
        if widened > 0.0:  # the widening held from earlier updates
            self.filter.widen(widened, dt_s)
            inn = self.filter.innovation(det.z, site, det.covariance)
            if inn.nis < inn.y.size:  # below its mean: evidence that the added noise is more than needed
                self._q_extra *= MISMATCH_EASING
                if self._q_extra < self.config.q_m2_s3:  # below the model's own noise: done
                    self._q_extra = 0.0
        if self._surprised(inn.nis, int(inn.y.size)):
            more = self._widen(inn, det, site, dt_s)
            if more > 0.0:
                inn = self.filter.innovation(det.z, site, det.covariance)
                widened = self._q_extra = widened + more
        return inn, widened

    def _follow_phase(self) -> None:
        """Move a single-model filter configured on the ballistic model to the phase's model
        (see the class notes)."""
        f = self.filter
        if isinstance(f, ImmAdapter) or self.config.model != "ballistic":
            return
        name = phase_model(f)
        if name is not None:
            self.filter = switch_model(f, name, self.config)
            self.switches.append((self.t_s, f.model.name, name))

    def _surprised(self, nis: float, dof: int) -> bool:
        """Record an update's NIS; whether the monitor's window now shows a mismatch."""
        surprise = nis > gate_threshold(MISMATCH_PROBABILITY, dof)
        self._surprises = [*self._surprises[1 - MISMATCH_WINDOW:], surprise]
        return surprise and sum(self._surprises) >= MISMATCH_SURPRISES

    def _widen(self, inn: Innovation | MixtureInnovation | ImmInnovation, det: Detection, site: Site,
               dt_s: float) -> float:
        """Widen the filter's prediction to fit the innovation (see the class notes); the density added."""
        if dt_s <= 0.0:
            return 0.0
        x = np.ascontiguousarray(self.filter.x[:6], dtype=float)
        _, h = kernels.measure_jacobian(site.enu_rotation, site.r_ecef_m, x, det.z.size == 4)
        # A constant acceleration a over dt moves the state as white noise of density 3 a^2 dt / 4
        # does (the same position variance, a^2 dt^4 / 4 = q dt^3 / 3).
        q_max = 0.75 * MAX_UNMODELLED_MPS2**2 * dt_s
        q = widening_q(inn.y, inn.s, h, kernels.white_acceleration_q(dt_s, 1.0), q_max,
                       gate_threshold(self.config.gate_probability, int(inn.y.size)))
        if q > 0.0:
            self.filter.widen(q, dt_s)
        return q

    def _estimate(self, det: Detection, nis: float, inn: Innovation | MixtureInnovation | ImmInnovation | None,
                  widened: float = 0.0) -> TrackEstimate:
        f = self.filter
        dof = 3 if inn is None else int(inn.y.size)
        if isinstance(f, ImmAdapter):
            x, p = f.combined()
            thrust, inv_beta, sigma_inv_beta = f.extras()
            return TrackEstimate(
                t_s=det.t_s, x=x, p=p, site=det.site, nis=nis, dof=dof, mode_probabilities=tuple(f.mu.tolist()),
                thrust_mps2=thrust, inv_beta_m2_kg=inv_beta, widened_q_m2_s3=widened, track_id=self.id,
                sigma_inv_beta_m2_kg=sigma_inv_beta,
            )
        slots = f.model.slots
        x, p = f.x, f.P
        return TrackEstimate(
            t_s=det.t_s, x=x[:6], p=p[:6, :6], site=det.site, nis=nis, dof=dof,
            thrust_mps2=float(np.linalg.norm(x[6:9])) if THRUST[0] in slots else float("nan"),
            inv_beta_m2_kg=float(x[6]) if INV_BETA in slots else float("nan"),
            sigma_inv_beta_m2_kg=float(np.sqrt(p[6, 6])) if INV_BETA in slots else float("nan"),
            widened_q_m2_s3=widened, track_id=self.id,
        )

    def _usable(self, det: Detection, site: Site) -> Detection:
        """The detection, without its range rate while the track is too uncertain for it.

        Range rate is bilinear in position and velocity: an estimate off by ``dr`` and
        ``dv`` predicts it wrong by about ``|dr| |dv| / range``, a term that makes the
        posterior non-Gaussian (a ring in velocity space). Range rate is used only once
        that term, with ``dr`` and ``dv`` at ``range_rate_guard_sigmas`` sigmas (traces of
        the covariance blocks), is below the measurement's own sigma: at one sigma (the
        first guard), a track whose initiation was 3 sigma off took range rate when the
        term was 12 m/s and locked onto the wrong solution.
        """
        if self.merge_var is not None:
            return self._spread(self._usable_rate(det, site))
        return self._usable_rate(det, site)

    def _spread(self, det: Detection) -> Detection:
        """The report with :attr:`merge_var` added to its variances."""
        assert self.merge_var is not None
        sigma = np.sqrt(np.asarray(det.sigma) ** 2 + self.merge_var[:det.sigma.size])
        return dataclasses.replace(det, sigma=sigma)

    def _usable_rate(self, det: Detection, site: Site) -> Detection:
        """The detection, without its range rate while the track is too uncertain for it (:meth:`_usable`)."""
        if det.z.size < 4:
            return det
        x, p = self.filter.x, self.filter.P
        rx, ry, rz = x[:3].tolist()  # plain floats: asked for at every report a track is offered
        ox, oy, oz = site.r_ecef_m.tolist()
        rng = math.sqrt((rx - ox) ** 2 + (ry - oy) ** 2 + (rz - oz) ** 2)
        k = self.config.range_rate_guard_sigmas
        var = np.diagonal(p).tolist()
        second_order = k * k * math.sqrt((var[0] + var[1] + var[2]) * (var[3] + var[4] + var[5])) / rng
        if second_order < det.sigma[3]:
            return det
        return Detection(t_s=det.t_s, site=det.site, z=det.z[:3], sigma=det.sigma[:3], snr_db=det.snr_db,
                         t_arrival_s=det.t_arrival_s, rcs_dbsm=det.rcs_dbsm)

    def predicted(self, t_s: float) -> tuple[FloatArray, FloatArray]:
        """The track's ``[r, v]`` state and covariance predicted to ``t_s`` (no update)."""
        if self.alive:
            x, p = self.filter.peek(t_s - self.t_s)
            return np.asarray(x)[:6], np.asarray(p)[:6, :6]
        last = self.history[-1]
        return self.config.motion_model("ballistic").predict(np.array(last.x), np.array(last.p), t_s - last.t_s)

    def update_mixture(self, dets: Sequence[Detection], weights: Sequence[float], miss: float,
                       site: Site) -> TrackEstimate | None:
        """The JPDA update: the track's posterior under each hypothesis (report ``k`` with
        probability ``weights[k]``, none with ``miss``), moment matched into one (for an
        IMM, mode by mode; :func:`blend`). Hypotheses below :data:`NEGLIGIBLE_WEIGHT` are
        left out. Returns the estimate, or None when the miss is the only hypothesis."""
        keep = [(d, w) for d, w in zip(dets, weights) if w >= NEGLIGIBLE_WEIGHT]
        if not keep:
            return None
        parts: list[Filter] = [copy.deepcopy(self.filter)] if miss >= NEGLIGIBLE_WEIGHT else []
        probs = [miss] if parts else []
        best, nis_best = keep[0][0], float("nan")
        for d, w in keep:
            f = copy.deepcopy(self.filter)
            used = self._usable(d, site)
            inn = f.innovation(used.z, site, used.covariance)
            f.correct(inn)  # type: ignore[arg-type]
            parts.append(f)
            probs.append(w)
            if w == max(wk for _, wk in keep):
                best, nis_best = d, inn.nis
        self.filter = blend(parts, np.asarray(probs) / float(np.sum(probs)))
        return self.took(best, nis_best, None)


NEGLIGIBLE_WEIGHT = 1e-4
"""JPDA hypotheses less probable than this are left out of a track's update."""


def blend(parts: Sequence[Filter], w: FloatArray) -> Filter:
    """One filter whose estimate is the moment-matched mixture of ``parts`` (copies of one
    filter, each updated under another hypothesis) with weights ``w``.

    Single-model filters match ``x`` and ``P``; an IMM matches each mode's mean and
    covariance under the joint weights ``w_h mu_m^h`` and sets the mode probabilities to
    their sums; a Gaussian sum does the same per component.
    """
    out = parts[0]
    if isinstance(out, ImmAdapter):
        imms = [p for p in parts if isinstance(p, ImmAdapter)]
        joint = np.array([wh * f.mu for wh, f in zip(w, imms)])  # (hyp, mode)
        mu = joint.sum(axis=0)
        for k in range(len(out.models)):
            a = joint[:, k] / mu[k]
            xs = np.array([f.xs[k] for f in imms])
            mean = a @ xs
            d = xs - mean
            out.ps[k] = np.einsum("h,hij->ij", a, np.array([f.ps[k] for f in imms])) + np.einsum("h,hi,hj->ij", a, d, d)
            out.xs[k] = mean
        out.mu = mu / mu.sum()
        out.has_moved[:] = False
        return out
    if isinstance(out, GaussianSumAdapter):
        sums = [p for p in parts if isinstance(p, GaussianSumAdapter)]
        if len({len(s.filters) for s in sums}) > 1:  # pruned differently: collapse each to one Gaussian
            moments = [s.combined() for s in sums]
            x, p = _matched(w, np.array([m[0] for m in moments]), np.array([m[1] for m in moments]))
            out.filters = out.filters[:1]
            out.filters[0].set_state(x, p)
            out.weights = np.ones(1)
            return out
        joint = np.array([wh * s.weights for wh, s in zip(w, sums)])
        weights = joint.sum(axis=0)
        for k, comp in enumerate(out.filters):
            x, p = _matched(joint[:, k] / weights[k], np.array([s.filters[k].x for s in sums]),
                            np.array([s.filters[k].P for s in sums]))
            comp.set_state(x, p)
        out.weights = weights / weights.sum()
        return out
    x, p = _matched(w, np.array([f.x for f in parts]), np.array([f.P for f in parts]))
    out.set_state(x, p)
    return out


def _matched(w: FloatArray, xs: FloatArray, ps: FloatArray) -> tuple[FloatArray, FloatArray]:
    mean = w @ xs
    d = xs - mean
    return mean, np.einsum("h,hij->ij", w, ps) + np.einsum("h,hi,hj->ij", w, d, d)
