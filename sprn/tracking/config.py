"""Tracker settings: the filter choices, their defaults, and the reentry vehicle's assumed drag.

Kept apart from the tracker so that reading a scenario or building the command line
needs no numerics: this module imports nothing heavier than the standard library, and
loads the motion models only when a model is asked for.

**The default filter is the IMM** over the boost, ballistic and reentry models
(:mod:`sprn.tracking.imm`): it is the one choice that is consistent in every phase of a
flight from lift-off to impact (``docs/tracking.md`` has the figures); the single-model
EKF and UKF are right only in their model's phase, and are kept honest outside it by the
tracker's mismatch monitor (:class:`sprn.tracking.tracker.Tracker`).

**The reentry vehicle's ballistic coefficient** is unknown to a defender. Its one
default, used by the tracker's prior, the command centre's impact predictions and
``sprn track``: ``1/beta = 2.0e-4 +/- 1.0e-4 m^2/kg``, the mean and standard deviation of
``1/beta`` over a population of reentry vehicles with beta uniform between 2,000 and
10,000 kg/m^2 (``ln 5 / 8000`` and ``sqrt(1 / (2000 * 10000) - (ln 5 / 8000)^2)``): the span
of the catalogue's vehicles (2,000-6,000 kg/m^2, ``sprn/data/missiles.toml``) and of
heavier, slimmer modern ones up to about 10,000 (Zarchan, *Tactical and Strategic Missile
Guidance*, ch. 11, uses 500-10,000 kg/m^2 in his examples).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from sprn.tracking.models import MotionModel

    FloatArray = NDArray[np.float64]

FILTERS = ("imm", "ekf", "ukf")
"""The filters (``--filter``, ``[tracker] filter``); the first is the default."""
DEFAULT_FILTER = FILTERS[0]
MODELS = ("ballistic", "boost", "reentry")
"""The motion models of the single-model filters, and the IMM's modes in this order."""
RV_INV_BETA_M2_KG = 2.0e-4
"""Assumed inverse ballistic coefficient of a reentry vehicle (m^2/kg): the mean over beta
uniform in 2,000-10,000 kg/m^2 (see the module notes)."""
RV_SIGMA_INV_BETA_M2_KG = 1.0e-4
"""Its standard deviation over the same population (m^2/kg)."""
ASSOCIATIONS = ("gnn", "jpda")
"""Data association of the track manager (``--association``, ``[tracker] association``); the first is the default."""
CONFIRM_M = 3
"""A tentative track is confirmed when ``CONFIRM_M`` ...."""
CONFIRM_N = 5
"""... of its latest ``CONFIRM_N`` chances (scans from a site that sees it) gave it a report."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerConfig:
    """Tracker settings (scenario table ``[tracker]``).

    Filter: ``filter`` is ``"imm"`` (the default: unscented modes over the boost,
    ballistic and reentry models), ``"ekf"`` or ``"ukf"``; ``model`` the motion model of
    the single-model filters; ``ekf_iterations`` > 1 makes the EKF update iterated; ``ukf_alpha``,
    ``ukf_beta``, ``ukf_kappa`` the sigma-point parameters (see
    :class:`~sprn.tracking.filters.UkfAdapter`).

    Process noise (spectral densities): ``q_m2_s3`` for the ballistic model (it leaves
    out only gravity harmonics beyond J2, about 1e-5 m/s^2, so 1e-6 m^2/s^3 is generous);
    ``q_boost_m2_s3`` and ``q_thrust_m2_s5`` for the boost model; ``q_reentry_m2_s3`` (in
    the air; above it, ``q_m2_s3``) and ``q_inv_beta_m4_kg2_s`` for the reentry model (see :mod:`sprn.tracking.models`).

    Priors of the extra states (the filter never knows the target's true values): each
    component of the thrust acceleration 0 +/- ``sigma_thrust_mps2`` (a liquid IRBM's
    stage accelerates at 10-60 m/s^2, in a direction the prior does not presume),
    ``inv_beta_m2_kg`` +/- ``sigma_inv_beta_m2_kg`` (reentry vehicles have ``beta`` of
    1,000-20,000 kg/m^2, ``1/beta`` of 5e-5 to 1e-3 m^2/kg).

    Initiation: ``init_min_fixes`` fixes spanning ``init_min_dt_s``, none more than
    ``init_max_gap_s`` after the one before (:mod:`sprn.tracking.chains`; the flagship's
    single radar has gaps of up to 150 s); ``init_samples``
    importance samples (0: never sample) when the fit's nonlinearity index exceeds
    ``init_nonlinearity``, split into up to ``init_components`` Gaussians for a
    Gaussian-sum EKF or UKF (1: one Gaussian; the IMM's modes always start with one).

    Track manager (:class:`~sprn.tracking.tracker.Tracker`): ``association`` is
    ``"gnn"`` (global nearest neighbour, the default) or ``"jpda"``; ``pd`` the detection
    probability and ``clutter_density`` the false reports per unit of measurement space
    (per metre of range and radian^2 of azimuth and elevation) that the association and
    the track score assume (default: one false report per search frame spread over an
    early-warning radar's 6,000 km x 120 deg x 60 deg, 1.3e7 m rad^2: about 1e-7; divided by
    the span of false alarms' range rates for a report with range rate), used for sites
    without a radar model (a radar's own is its false-alarm probability per resolution
    cell) and, for those sites, ``pd`` (a radar's is learnt per track,
    :mod:`sprn.tracking.detectability`); ``false_confirm_probability`` and
    ``true_drop_probability``, the error probabilities of the sequential test that
    confirms and drops tentative tracks by their score (``alpha`` and ``beta`` of Wald's
    test: confirmed at ``ln(1 / alpha)``, dropped below ``ln(beta)``); ``max_speed_mps`` bounds the speed of any
    object a chain of fixes may be (faster chains are not initiated); ``merge_scans``
    consecutive scans in which two tracks are one within their covariances (the 99.9 %
    chi-square gate of their difference) merge them.

    Updates: ``gate_probability``, the chi-square gate; ``range_rate_guard_sigmas``, the
    sigmas at which range rate's second-order term must be below its noise before it is
    used (:meth:`Tracker._usable`). Deletion: a run of consecutive misses as unlikely for
    the track's detection probability as ``delete_after_misses`` misses of a target of
    ``pd`` (for a radar's track whose learnt probability is 0.9, ``delete_after_misses``
    misses), or a coast of ``delete_after_s``. IMM: mean sojourn times (s) of the boost, ballistic and
    reentry modes above the air (:func:`~sprn.tracking.imm.switching_generator`): boost
    lasts minutes; free flight and reentry, the same motion above the air, exchange within
    seconds, so that they share one estimate there (a slow exchange lets them drift apart
    by chance and widens the combined covariance for nothing; no exchange leaves a mode of
    negligible probability to diverge on its own).
    """

    filter: str = DEFAULT_FILTER
    model: str = "ballistic"
    q_m2_s3: float = 1.0e-6
    q_boost_m2_s3: float = 0.1
    q_thrust_m2_s5: float = 10.0
    q_reentry_m2_s3: float = 1.0e-2
    q_inv_beta_m4_kg2_s: float = 1.0e-10
    ekf_iterations: int = 1
    ukf_alpha: float = 1.0
    ukf_beta: float = 2.0
    ukf_kappa: float = 0.0
    sigma_thrust_mps2: float = 30.0
    inv_beta_m2_kg: float = RV_INV_BETA_M2_KG
    sigma_inv_beta_m2_kg: float = RV_SIGMA_INV_BETA_M2_KG
    init_min_dt_s: float = 4.0
    init_min_fixes: int = 3
    init_max_gap_s: float = 180.0
    init_samples: int = 4096
    init_nonlinearity: float = 0.1
    init_components: int = 8
    gate_probability: float = 0.9999
    range_rate_guard_sigmas: float = 3.0
    delete_after_misses: int = 5
    delete_after_s: float = 600.0
    imm_boost_s: float = 120.0
    imm_ballistic_s: float = 10.0
    imm_reentry_s: float = 10.0
    association: str = ASSOCIATIONS[0]
    pd: float = 0.9
    clutter_density: float = 1.0e-7
    false_confirm_probability: float = 1.0e-6
    true_drop_probability: float = 0.01
    max_speed_mps: float = 8000.0
    merge_scans: int = 3

    def __post_init__(self) -> None:
        if self.association not in ASSOCIATIONS:
            raise ValueError(f"association = {self.association!r}: expected one of {', '.join(ASSOCIATIONS)}")
        if self.filter not in FILTERS:
            raise ValueError(f"filter = {self.filter!r}: expected one of {', '.join(FILTERS)}")
        if self.model not in MODELS:
            raise ValueError(f"model = {self.model!r}: expected one of {', '.join(MODELS)}")

    def motion_model(self, name: str | None = None) -> MotionModel:
        """The motion model ``name`` (default: ``model``) with this configuration's noise."""
        from sprn.tracking.models import BallisticModel, BoostModel, ReentryModel

        name = name or self.model
        if name == "boost":
            return BoostModel(q_m2_s3=self.q_boost_m2_s3, q_thrust_m2_s5=self.q_thrust_m2_s5)
        if name == "reentry":
            return ReentryModel(q_m2_s3=self.q_reentry_m2_s3, q_vacuum_m2_s3=self.q_m2_s3,
                                q_inv_beta_m4_kg2_s=self.q_inv_beta_m4_kg2_s)
        return BallisticModel(q_m2_s3=self.q_m2_s3)

    def prior(self, model: MotionModel) -> tuple[FloatArray, FloatArray]:
        """Prior mean and covariance of the model's components after ``[r, v]``."""
        import numpy as np

        if model.dim == 6:
            return np.zeros(0), np.zeros((0, 0))
        if model.name == "boost":
            return np.zeros(3), self.sigma_thrust_mps2**2 * np.eye(3)
        return np.array([self.inv_beta_m2_kg]), np.array([[self.sigma_inv_beta_m2_kg**2]])
