"""Telling the warhead from the rest: a class for each track, with probabilities.

Classes (:data:`CLASSES`): ``reentry-vehicle`` (the threat; a missile in boost is
counted here, since it carries it), ``stage`` (a spent stage), ``debris`` and ``false``
(a track of false alarms). A naive-Bayes combination of what a command centre observes,
each piece of evidence independent given the class:

* **Radar cross-section.** The reports' estimated RCS (``Detection.rcs_dbsm``, in dB)
  after the track's boost (its last estimate under thrust: climbing, in the boost
  mode), per band, against each class's signature there
  (:class:`Signature`). Two things are told apart, and reports are not taken as
  independent draws about the class's mean (hundreds of them would make any small
  offset certain):

  - **the level**: the mean of the track's reports against the class's mean (the mean
    of ``10 log10`` of a Swerling-fluctuating RCS is below the log of its mean, by 2.51 dB
    for Swerling 1 and 1.18 dB for Swerling 3), with the spread of that mean, the
    fluctuation's over the number of reports plus :data:`ASPECT_SPREAD_DB` (the level a
    track is seen at departs from its class's all-aspect mean by its aspect, common to
    all its reports: a reentry vehicle seen nose-on at UHF returns 0.01 m^2, a tenth of
    its average);
  - **the fluctuation**: successive reports' differences against the class's
    Swerling case (:data:`SWERLING_SPREAD_DB`, with :data:`ESTIMATE_SPREAD_DB` of the
    radar's own estimation error): a tumbling stage or fragment (Swerling 1, 5.6 dB)
    flickers more than a stable reentry vehicle (Swerling 3, 3.5 dB); differences of
    successive reports are free of the slow drift of the aspect.

  A false alarm's "RCS" is whatever the threshold crossing implies: its level uniform over
  :data:`FALSE_RCS_SPAN_DB`, its fluctuation Swerling 1's.
* **Ballistic coefficient.** Once the filter has learnt ``1/beta`` from drag (its
  standard deviation below half the prior's), the estimate against each class's
  log-normal population (:data:`INV_BETA_POPULATIONS`).
* **Track score.** The sequential log-likelihood ratio of target against clutter
  (:class:`~sprn.tracking.track.Track` ``score``) is the evidence against ``false``.
* **Separation history.** A track born beside a confirmed track (``parent``) is a real
  object that separated: it is not ``false`` on that account (its score rules).

Priors are equal (:data:`PRIOR`). The signatures are the defender's knowledge of what
reentry vehicles, stages and debris look like; sprn's catalogue (``sprn/data/sites.toml``
``[rcs.*]``) is what its radars see, so a classifier handed the catalogue's own
signatures is the best case. Pass other signatures to :func:`class_probabilities` to ask
what a defender with worse knowledge would conclude.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sprn.tracking.config import MODELS, RV_INV_BETA_M2_KG, RV_SIGMA_INV_BETA_M2_KG
from sprn.tracking.track import Track, TrackEstimate

CLASSES = ("reentry-vehicle", "stage", "debris", "false")
PRIOR = {c: 1.0 / len(CLASSES) for c in CLASSES}
ASPECT_SPREAD_DB = 6.0
"""How far the level of a track's reports may sit from its class's all-aspect mean (dB, one
sigma): a reentry vehicle's aspect tables span 10-20 dB (standard deviations 3.5 dB at VHF
and 6 dB at UHF, ``sprn/data/sites.toml``), and the catalogue's means are assumptions."""
SWERLING_SPREAD_DB = {0: 0.0, 1: 5.57, 2: 5.57, 3: 3.49, 4: 3.49}
"""Standard deviation of ``10 log10`` of a fluctuating RCS about its mean by Swerling case:
``10 / ln 10 * sqrt(psi'(k))`` with k = 1 (cases 1, 2) or 2 (cases 3, 4)."""
ESTIMATE_SPREAD_DB = 1.0
"""The radar's own error in estimating a report's RCS from its SNR (dB; an assumption)."""
FALSE_RCS_SPAN_DB = 60.0
"""A false alarm's implied RCS is spread over this span (-40 to +20 dBsm)."""
SWERLING_LOG_BIAS_DB = {0: 0.0, 1: -2.51, 2: -2.51, 3: -1.18, 4: -1.18}
"""Mean of 10 log10(RCS / mean RCS) by Swerling case: 10 log10(e) times psi(k) - ln k with
k = 1 (cases 1, 2) or 2 (cases 3, 4) degrees of freedom pairs."""
INV_BETA_POPULATIONS = {
    "reentry-vehicle": (math.log(RV_INV_BETA_M2_KG), RV_SIGMA_INV_BETA_M2_KG / RV_INV_BETA_M2_KG),
    "stage": (math.log(1.0 / 150.0), 0.7),
    "debris": (math.log(1.0 / 30.0), 1.0),
}
"""Median and log-spread of ``1/beta`` (m^2/kg) by class: reentry vehicles as the tracker
assumes (:mod:`sprn.tracking.config`); tumbling spent stages with beta of about 60-600
kg/m^2 (the catalogue's 100-170 for liquid stages, more for solid); debris (covers,
fragments) about 5-200 kg/m^2 (assumptions; Regan & Anandakrishnan, *Dynamics of
Atmospheric Re-entry*, 1993, ch. 1, give 10-100 for light tumbling bodies)."""
_BOOST = MODELS.index("boost")
LEARNT_SHARE = 0.5
"""``1/beta`` counts as evidence once its standard deviation is below this share of the prior's."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Signature:
    """A class's mean RCS (m^2) by band (``"VHF"``, other bands use ``other_m2``) and its Swerling case."""

    vhf_m2: float
    other_m2: float
    swerling: int

    def mean_db(self, band: str) -> float:
        """The expected ``10 log10`` of one report's RCS in ``band``."""
        m2 = self.vhf_m2 if band == "VHF" else self.other_m2
        return 10.0 * math.log10(m2) + SWERLING_LOG_BIAS_DB.get(self.swerling, 0.0)


def _log_normal(x: float, mean: float, sigma: float) -> float:
    """The log of a normal density, less its constant ``ln sqrt(2 pi)``."""
    return -0.5 * ((x - mean) / sigma) ** 2 - math.log(sigma)


def class_probabilities(track: Track, bands: Mapping[str, str],
                        signatures: Mapping[str, Signature]) -> dict[str, float]:
    """The track's class probabilities (see the module notes).

    ``bands``: each site's radar band by site name; ``signatures``: the RCS signature of
    ``reentry-vehicle``, ``stage`` and ``debris``.
    """
    log_p = {c: math.log(PRIOR[c]) for c in CLASSES}
    seen = _read(track, bands)
    for band, (times, values) in seen.looks.items():
        r = np.asarray(values)[np.asarray(times) > seen.boost_until]
        if not r.size:
            continue
        for c, sig in signatures.items():
            log_p[c] += _rcs_evidence(r, sig.mean_db(band), sig.swerling)
        log_p["false"] += _rcs_evidence(r, None, 1)
    e = seen.learnt
    if e is not None:
        ln_ib = math.log(e.inv_beta_m2_kg)
        ln_sigma = e.sigma_inv_beta_m2_kg / e.inv_beta_m2_kg
        for c, (mean, spread) in INV_BETA_POPULATIONS.items():
            log_p[c] += _log_normal(ln_ib, mean, math.hypot(spread, ln_sigma))
        log_p["false"] += -math.log(10.0)  # a false track's drag estimate: anything over e^10 of 1/beta
    log_p["false"] -= track.score
    top = max(log_p.values())
    w = {c: math.exp(v - top) for c, v in log_p.items()}
    total = sum(w.values())
    return {c: w[c] / total for c in CLASSES}


@dataclass(slots=True)
class _Reading:
    """What :func:`class_probabilities` has read of a track so far (reports and estimates
    are only ever appended, so each is read once, not at every assessment): its looks'
    times and RCS (dB) by band, the time of its last estimate under thrust and its latest
    estimate with a learnt ``1/beta``."""

    bands: Mapping[str, str]
    reports: int = 0
    history: int = 0
    looks: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)
    boost_until: float = -math.inf
    learnt: TrackEstimate | None = None


def _read(track: Track, bands: Mapping[str, str]) -> _Reading:
    """The track's reading (kept on the track), brought up to date with its new reports
    and estimates."""
    seen = track.reading
    if not isinstance(seen, _Reading) or seen.bands is not bands:
        seen = track.reading = _Reading(bands=bands)
    for det in track.reports[seen.reports:]:
        rcs_dbsm = getattr(det, "rcs_dbsm", math.nan)  # a satellite's bearing has none
        if math.isfinite(rcs_dbsm):
            times, values = seen.looks.setdefault(bands.get(det.site, "UHF"), ([], []))
            times.append(det.t_s)
            values.append(rcs_dbsm)
    seen.reports = len(track.reports)
    learnt_below = LEARNT_SHARE * track.config.sigma_inv_beta_m2_kg
    for e in track.history[seen.history:]:
        if _thrusting(e):
            seen.boost_until = float(e.t_s)
        if math.isfinite(e.sigma_inv_beta_m2_kg) and e.inv_beta_m2_kg > 0.0 and e.sigma_inv_beta_m2_kg < learnt_below:
            seen.learnt = e
    seen.history = len(track.history)
    return seen


def _rcs_evidence(r: NDArray[np.float64], mean_db: float | None, swerling: int) -> float:
    """Log likelihood (less constants common to every class) of reports ``r`` (dB, in time
    order) for a class of mean ``mean_db`` (None: a false alarm's level, uniform) and
    Swerling case ``swerling``: their mean level, and their successive differences."""
    s = math.hypot(SWERLING_SPREAD_DB.get(swerling, SWERLING_SPREAD_DB[1]), ESTIMATE_SPREAD_DB)
    if mean_db is None:
        out = 0.5 * math.log(2.0 * math.pi) - math.log(FALSE_RCS_SPAN_DB)
    else:
        out = _log_normal(float(np.mean(r)), mean_db, math.sqrt(s**2 / r.size + ASPECT_SPREAD_DB**2))
    d = np.diff(r)
    if d.size:
        out += float(np.sum(-0.5 * (d / (math.sqrt(2.0) * s)) ** 2)) - d.size * math.log(math.sqrt(2.0) * s)
    return out


def _thrusting(e: TrackEstimate) -> bool:
    """Whether an estimate is under thrust: climbing, and the boost mode most likely or a
    thrust estimate above two sigma of nothing.

    A missile climbs while its engines burn, lofted or depressed. Descending, the boost
    mode's acceleration is drag the reentry mode's prior did not expect (a light stage or
    fragment decelerating far faster than a reentry vehicle): on the salvo two stages'
    tracks went so in reentry, and their last "boost" discarded all their RCS reports,
    which left them a third each of reentry vehicle, stage and debris."""
    x = e.x
    if float(x[0] * x[3] + x[1] * x[4] + x[2] * x[5]) <= 0.0:  # r . v: not climbing
        return False
    if e.mode_probabilities:
        return e.mode_probabilities[_BOOST] > 0.5
    return math.isfinite(e.thrust_mps2) and e.thrust_mps2 > 1.0


def most_likely(probabilities: Mapping[str, float]) -> str:
    """The class of highest probability."""
    return max(probabilities, key=lambda c: probabilities[c])


def in_boost(track: Track) -> bool:
    """Whether the track's latest estimate is under thrust."""
    if not track.history:
        return False
    last = track.history[-1].t_s
    for e in reversed(track.history):  # the last estimate under thrust is at the latest time
        if e.t_s < last:
            return False
        if _thrusting(e):
            return True
    return False
