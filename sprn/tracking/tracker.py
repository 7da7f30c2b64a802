"""The command centre's tracker: initiation, gating, fusion, filtering and deletion of one target.

A pure object with state: detections go in (in measurement-time order), estimates come
out. It knows nothing of SimPy, so the same tracker runs inside the simulation, on a
measurement file and inside Monte Carlo loops.

* **Initiation**: fixes from any site are collected until ``init_min_fixes`` of them span
  ``init_min_dt_s``; then :func:`sprn.tracking.initiation.initiate` fits the filter's
  model(s) to them (MAP in measurement space; when the fit is too nonlinear for its
  Laplace covariance, the posterior by importance sampling, split into a Gaussian sum).
* **Gating**: a report whose normalised innovation squared exceeds the chi-square
  quantile ``gate_probability`` (3 or 4 degrees of freedom) is not used (``rejected``).
* **Fusion**: every site's report updates the one track with that report's own noise
  (its ``sigma``, which a radar derives from its SNR) and its own geometry; range rate is
  used where the report has it and the track is tight enough (:meth:`Tracker._usable`).
* **Deletion**: a track is dropped after ``delete_after_misses`` consecutive reports fall
  outside its gate (it has lost the target), or when a report comes more than
  ``delete_after_s`` after the last one it used (it has coasted too long to be trusted);
  the reports that were missed start the next initiation. A ballistic track coasts
  well, so the coast limit is long: the flagship's radar has gaps of up to 150 s.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from sprn.radar.measurement import Detection
from sprn.radar.site import Site
from sprn.tracking.filters import EkfAdapter, Innovation, UkfAdapter
from sprn.tracking.imm import ImmAdapter, switching_generator
from sprn.tracking.initiation import Initiation, initiate
from sprn.tracking.mixture import GaussianSumAdapter, MixtureInnovation
from sprn.tracking.models import (
    COMMON_DIM,
    INV_BETA,
    THRUST,
    BallisticModel,
    BoostModel,
    MotionModel,
    ReentryModel,
)

FloatArray = NDArray[np.float64]
FILTERS = ("ekf", "ukf", "imm")
MODELS = ("ballistic", "boost", "reentry")
Filter = EkfAdapter | UkfAdapter | ImmAdapter | GaussianSumAdapter


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerConfig:
    """Tracker settings (scenario table ``[tracker]``).

    Filter: ``filter`` is ``"ekf"``, ``"ukf"`` or ``"imm"`` (UKF modes over the boost,
    ballistic and reentry models); ``model`` the motion model of the single-model
    filters; ``ekf_iterations`` > 1 makes the EKF update iterated; ``ukf_alpha``,
    ``ukf_beta``, ``ukf_kappa`` the sigma-point parameters (see
    :class:`~sprn.tracking.filters.UkfAdapter`).

    Process noise (spectral densities): ``q_m2_s3`` for the ballistic model (it leaves
    out only gravity harmonics beyond J2, about 1e-5 m/s^2, so 1e-6 m^2/s^3 is generous);
    ``q_boost_m2_s3`` and ``q_thrust_m2_s5`` for the boost model; ``q_reentry_m2_s3`` and
    ``q_inv_beta_m4_kg2_s`` for the reentry model (see :mod:`sprn.tracking.models`).

    Priors of the extra states (the filter never knows the target's true values): each
    component of the thrust acceleration 0 +/- ``sigma_thrust_mps2`` (a liquid IRBM's
    stage accelerates at 10-60 m/s^2, in a direction the prior does not presume),
    ``inv_beta_m2_kg`` +/- ``sigma_inv_beta_m2_kg`` (reentry vehicles have ``beta`` of
    1,000-20,000 kg/m^2, ``1/beta`` of 5e-5 to 1e-3 m^2/kg).

    Initiation: ``init_min_fixes`` fixes spanning ``init_min_dt_s``; ``init_samples``
    importance samples (0: never sample) when the fit's nonlinearity index exceeds
    ``init_nonlinearity``, split into up to ``init_components`` Gaussians for a
    Gaussian-sum EKF or UKF (1: one Gaussian; the IMM's modes always start with one).

    Updates: ``gate_probability``, the chi-square gate; ``range_rate_guard_sigmas``, the
    sigmas at which range rate's second-order term must be below its noise before it is
    used (:meth:`Tracker._usable`). Deletion: ``delete_after_misses`` consecutive misses or
    a coast of ``delete_after_s``. IMM: mean sojourn times (s) of the boost, ballistic and
    reentry modes above the air (:func:`~sprn.tracking.imm.switching_generator`).
    """

    filter: str = "ekf"
    model: str = "ballistic"
    q_m2_s3: float = 1.0e-6
    q_boost_m2_s3: float = 0.1
    q_thrust_m2_s5: float = 5.0
    q_reentry_m2_s3: float = 1.0e-2
    q_inv_beta_m4_kg2_s: float = 1.0e-10
    ekf_iterations: int = 1
    ukf_alpha: float = 1.0
    ukf_beta: float = 2.0
    ukf_kappa: float = 0.0
    sigma_thrust_mps2: float = 30.0
    inv_beta_m2_kg: float = 3.0e-4
    sigma_inv_beta_m2_kg: float = 2.0e-4
    init_min_dt_s: float = 40.0
    init_min_fixes: int = 3
    init_samples: int = 4096
    init_nonlinearity: float = 0.1
    init_components: int = 8
    gate_probability: float = 0.9999
    range_rate_guard_sigmas: float = 3.0
    delete_after_misses: int = 5
    delete_after_s: float = 600.0
    imm_boost_s: float = 120.0
    imm_ballistic_s: float = 600.0
    imm_reentry_s: float = 600.0

    def __post_init__(self) -> None:
        if self.filter not in FILTERS:
            raise ValueError(f"filter = {self.filter!r}: expected one of {', '.join(FILTERS)}")
        if self.model not in MODELS:
            raise ValueError(f"model = {self.model!r}: expected one of {', '.join(MODELS)}")

    def motion_model(self, name: str | None = None) -> MotionModel:
        """The motion model ``name`` (default: ``model``) with this configuration's noise."""
        name = name or self.model
        if name == "boost":
            return BoostModel(q_m2_s3=self.q_boost_m2_s3, q_thrust_m2_s5=self.q_thrust_m2_s5)
        if name == "reentry":
            return ReentryModel(q_m2_s3=self.q_reentry_m2_s3, q_inv_beta_m4_kg2_s=self.q_inv_beta_m4_kg2_s)
        return BallisticModel(q_m2_s3=self.q_m2_s3)

    def prior(self, model: MotionModel) -> tuple[FloatArray, FloatArray]:
        """Prior mean and covariance of the model's components after ``[r, v]``."""
        if model.dim == 6:
            return np.zeros(0), np.zeros((0, 0))
        if THRUST[0] in model.slots:
            return np.zeros(3), self.sigma_thrust_mps2**2 * np.eye(3)
        return np.array([self.inv_beta_m2_kg]), np.array([[self.sigma_inv_beta_m2_kg**2]])


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackEstimate:
    """The track's state after an update: time (s), state ``[r, v]`` (6,) and covariance (6x6).

    ``nis`` and ``dof``: the update's normalised innovation squared and its degrees of
    freedom (NaN at initiation); ``mode_probabilities``: the IMM's, in the order of
    ``MODELS``; ``thrust_mps2`` (the magnitude of the thrust acceleration) and
    ``inv_beta_m2_kg``: the estimates of the extra states (NaN when the filter has none).
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

    def __post_init__(self) -> None:
        for name in ("x", "p"):
            arr = np.array(getattr(self, name), dtype=float)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)


@functools.lru_cache(maxsize=64)
def gate_threshold(probability: float, dof: int) -> float:
    """The chi-square quantile of the gate (cached: scipy's ppf costs more than an update)."""
    return float(stats.chi2.ppf(probability, dof))


def build_filter(config: TrackerConfig, inits: Mapping[str, Initiation]) -> Filter:
    """The configured filter, started from the initiation of each of its models."""
    if config.filter != "imm":
        init = inits[config.model]
        model = config.motion_model()

        def one(x: FloatArray, p: FloatArray) -> EkfAdapter | UkfAdapter:
            if config.filter == "ukf":
                return UkfAdapter(x, p, model, config.ukf_alpha, config.ukf_beta, config.ukf_kappa)
            return EkfAdapter(x, p, model, config.ekf_iterations)

        if len(init.components) > 1:
            return GaussianSumAdapter([one(x, p) for _, x, p in init.components], [w for w, _, _ in init.components])
        return one(init.x, init.p)
    modes = [UkfAdapter(inits[name].x, inits[name].p, config.motion_model(name), config.ukf_alpha, config.ukf_beta,
                        config.ukf_kappa) for name in MODELS]
    log_ev = np.array([inits[name].log_evidence for name in MODELS])
    mu0 = np.exp(log_ev - np.max(log_ev))
    carry_x, carry_p = np.zeros(COMMON_DIM), np.zeros((COMMON_DIM, COMMON_DIM))
    carry_x[:6], carry_p[:6, :6] = inits["ballistic"].x, inits["ballistic"].p
    carry_p[list(THRUST), list(THRUST)] = config.sigma_thrust_mps2**2
    carry_x[INV_BETA], carry_p[INV_BETA, INV_BETA] = config.inv_beta_m2_kg, config.sigma_inv_beta_m2_kg**2
    times = (config.imm_boost_s, config.imm_ballistic_s, config.imm_reentry_s)
    return ImmAdapter(modes, mu0, switching_generator(MODELS, *times), carry_x, carry_p,
                      switching_generator(MODELS, *times, in_air=True))


@dataclass(slots=True)
class Tracker:
    """Single-target tracker fed with detections in time order (stateful).

    ``history``: every estimate made (initiations and updates); ``rejected``: reports
    outside the gate; ``deleted_s``: the times tracks were dropped.
    """

    sites: Mapping[str, Site]
    config: TrackerConfig = field(default_factory=TrackerConfig)
    history: list[TrackEstimate] = field(default_factory=list)
    rejected: list[Detection] = field(default_factory=list)
    deleted_s: list[float] = field(default_factory=list)
    initiations: list[Initiation] = field(default_factory=list)
    _pending: list[Detection] = field(default_factory=list)
    _filter: Filter | None = None
    _t_s: float = float("-inf")
    _t_used_s: float = float("-inf")
    _misses: list[Detection] = field(default_factory=list)

    @property
    def initiated(self) -> bool:
        """Whether a track is alive."""
        return self._filter is not None

    def update(self, det: Detection) -> TrackEstimate | None:
        """Take one detection; return the new estimate, or None if none was made."""
        if det.t_s < self._t_s:
            raise ValueError(f"detection at {det.t_s} s is older than the track ({self._t_s} s)")
        if det.site not in self.sites:
            raise KeyError(f"detection from unknown site {det.site!r}")
        if self._filter is not None and det.t_s - self._t_used_s > self.config.delete_after_s:
            self._delete(det.t_s, [])
        if self._filter is None:
            return self._try_initiate(det)
        site = self.sites[det.site]
        self._filter.predict(det.t_s - self._t_s)
        self._t_s = det.t_s
        used = self._usable(det, site)
        inn = self._filter.innovation(used.z, site, used.covariance)
        nis = inn.nis
        if nis > gate_threshold(self.config.gate_probability, int(inn.y.size)):
            self.rejected.append(det)
            self._misses.append(det)
            if len(self._misses) >= self.config.delete_after_misses:
                self._delete(det.t_s, self._misses)
            return None
        self._filter.correct(inn)  # type: ignore[arg-type]
        self._misses = []
        self._t_used_s = det.t_s
        est = self._estimate(det, nis, inn)
        self.history.append(est)
        return est

    def _estimate(self, det: Detection, nis: float, inn: Innovation | MixtureInnovation | None) -> TrackEstimate:
        f = self._filter
        assert f is not None
        dof = 3 if inn is None else int(inn.y.size)
        if isinstance(f, ImmAdapter):
            x, p = f.combined()
            common = f.common_mean()
            return TrackEstimate(
                t_s=det.t_s, x=x, p=p, site=det.site, nis=nis, dof=dof,
                mode_probabilities=tuple(float(m) for m in f.mu),
                thrust_mps2=float(np.linalg.norm(common[list(THRUST)])), inv_beta_m2_kg=float(common[INV_BETA]),
            )
        slots = f.model.slots
        x, p = f.x, f.P
        return TrackEstimate(
            t_s=det.t_s, x=x[:6], p=p[:6, :6], site=det.site, nis=nis, dof=dof,
            thrust_mps2=float(np.linalg.norm(x[6:9])) if THRUST[0] in slots else float("nan"),
            inv_beta_m2_kg=float(x[6]) if INV_BETA in slots else float("nan"),
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
        if det.z.size < 4 or self._filter is None:
            return det
        x, p = self._filter.x, self._filter.P
        d = x[:3] - site.r_ecef_m
        rng = math.sqrt(float(d @ d))
        k = self.config.range_rate_guard_sigmas
        pos_var = float(p[0, 0]) + float(p[1, 1]) + float(p[2, 2])
        vel_var = float(p[3, 3]) + float(p[4, 4]) + float(p[5, 5])
        second_order = k * k * math.sqrt(pos_var * vel_var) / rng
        if second_order < det.sigma[3]:
            return det
        return Detection(t_s=det.t_s, site=det.site, z=det.z[:3], sigma=det.sigma[:3], snr_db=det.snr_db,
                         t_arrival_s=det.t_arrival_s)

    def _delete(self, t_s: float, seeds: list[Detection]) -> None:
        """Drop the track; the reports it missed seed the next initiation."""
        self._filter = None
        self.deleted_s.append(t_s)
        self._pending = list(seeds)
        self._misses = []

    def _try_initiate(self, det: Detection) -> TrackEstimate | None:
        cfg = self.config
        self._pending.append(det)
        self._pending = [d for d in self._pending if det.t_s - d.t_s <= cfg.delete_after_s]
        span = det.t_s - self._pending[0].t_s
        if span < cfg.init_min_dt_s or len(self._pending) < cfg.init_min_fixes:
            return None
        names = MODELS if cfg.filter == "imm" else (cfg.model,)
        inits = {}
        for name in names:
            model = cfg.motion_model(name)
            mean, cov = cfg.prior(model)
            components = cfg.init_components if cfg.filter != "imm" else 1
            inits[name] = initiate(self._pending, self.sites, model, mean, cov, cfg.init_samples,
                                   cfg.init_nonlinearity, components)
        self.initiations.extend(inits.values())
        self._filter = build_filter(cfg, inits)
        self._pending = []
        self._t_s = self._t_used_s = det.t_s
        est = self._estimate(det, float("nan"), None)
        self.history.append(est)
        return est

    def config_model(self) -> MotionModel:
        """The ballistic motion model of this configuration (for ``[r, v]`` predictions)."""
        return self.config.motion_model("ballistic")

    def predicted(self, t_s: float) -> tuple[FloatArray, FloatArray]:
        """The track's ``[r, v]`` state and covariance predicted to ``t_s`` (no update).

        From the live filter; once a track is deleted, from its last estimate with the
        ballistic model.
        """
        if self._filter is not None:
            x, p = self._filter.peek(t_s - self._t_s)
            return np.asarray(x)[:6], np.asarray(p)[:6, :6]
        if not self.history:
            raise RuntimeError("no track yet")
        last = self.history[-1]
        return self.config_model().predict(np.array(last.x), np.array(last.p), t_s - last.t_s)
