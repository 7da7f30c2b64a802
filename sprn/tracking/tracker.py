"""The command centre's tracker: a multi-target track manager (stateful).

Scans go in (the reports of one dwell of one site, in measurement-time order), tracks
come out. It knows nothing of SimPy, so the same manager runs inside the simulation, on a
measurement file (``sprn track``, whose rows are grouped into scans by time and site) and
inside Monte Carlo loops. It is built from small parts, each with one job:

* **Hypothesiser** (:meth:`Tracker._hypotheses`): for each live track and each report of
  the scan that could be the track's (a coarse distance gate first), the report's
  innovation against the track's prediction, its NIS against the chi-square gate
  ``gate_probability``, and the likelihood ratio against clutter
  (:func:`sprn.tracking.association.log_likelihood_ratio`).
* **Merged returns** (:meth:`Tracker._merge_spread`): two tracks that the scan's radar
  cannot resolve (their predicted measurements within one range cell and one beam, the
  simulation's rule :func:`sprn.radar.scan.unresolved`) may each be given a report that
  is the two objects' merged return, whose centroid lies anywhere between them as their
  echoes fluctuate. Each such track adds ``d^2 / 3`` of the tracks' measurement difference
  ``d`` (the variance of a uniform place between the two) to its reports' variances for
  that scan, so that it does not learn a neighbour's position as its own. Without it,
  on the salvo, merged reports pulled a reentry vehicle's track 5 sigma off where a
  second radar, resolving the pair, saw it, and that radar's reports started a duplicate
  track (145 identity switches; 15 with it). A site without a radar model (a
  measurement file's) has no resolution cell: nothing is added.
* **Data associator** (:mod:`sprn.tracking.association`): GNN (default) or JPDA.
* **Updater**: each track's own filter (:class:`sprn.tracking.track.Track`: the default
  from :mod:`sprn.tracking.config`, with its mismatch monitor); under GNN a track with no
  report in its gate is offered the nearest one, so the mismatch monitor can widen a
  filter whose model has stopped fitting (a lone outlier is still gated).
* **Initiator** (:class:`sprn.tracking.chains.Chains`): reports no track took are linked
  into chains; a chain of ``init_min_fixes`` fixes spanning ``init_min_dt_s`` starts a
  *tentative* track (batch initiation, :func:`sprn.tracking.initiation.initiate`), unless
  its fitted speed is above ``max_speed_mps`` or it is below ground (false alarms).
* **Chances and detection probability**: a *chance* is a dwell of a site that could see
  the track (range, elevation, sector), whether it gave reports or none (a radar sends a
  :class:`~sprn.radar.measurement.Dwell` header with every dwell). Its detection
  probability ``pd`` is the track's own, from the site's radar equation at the track's
  predicted range and the track's learnt RCS (:mod:`sprn.tracking.detectability`), or
  the configured ``pd`` for a site without a radar model; the clutter density is the
  radar's false-alarm probability per resolution cell (the configured one without a
  radar model), per unit of range rate too for a report with range rate.
* **Confirmation and deletion**: each track keeps the sequential log-likelihood ratio of
  target against clutter (``score``: ``ln(pd g / clutter)`` per report taken,
  ``ln(1 - pd)`` per chance missed; Blackman & Popoli, *Design and Analysis of Modern
  Tracking Systems*, 1999, sec. 6.2). A tentative track is confirmed when its score
  reaches ``ln(1 / alpha)`` (``false_confirm_probability``: by Wald's bound a track of
  clutter gets there with at most that probability) or when ``confirm_m`` of its latest
  ``confirm_n`` chances gave it a report and its score is positive (a wide gate catches
  false alarms often, but they fit it poorly), and dropped when its score falls below
  ``ln(beta)`` (``true_drop_probability``). So a faint object, whose misses cost little,
  lives as long as its reports keep fitting, and a bright one is dropped after two or
  three misses. A confirmed track is dropped after a run of misses as unlikely for its
  ``pd`` as ``delete_after_misses`` misses at the configured ``pd``; any track after
  ``delete_after_s`` without a report (a ballistic track coasts well, so the limit is
  long: the flagship's radar has gaps of up to 150 s), or once it has landed (carried
  forward :data:`LANDED_DEPTH_M` under the ground).
* **Merging**: two tracks that are one within their covariances for ``merge_scans``
  consecutive scans are one object followed twice, and the one with fewer reports is
  dropped, unless a radar has resolved them in ``merge_scans`` scans: both took a report
  of the scan (or, for a track's initiating fixes, the other took one of their scans).
  (An object beside a brighter one, such as a reentry vehicle beside its stage, is
  missed in most scans in which its neighbour is seen; that is not a sign that the two
  are one. One joint scan is no proof of two objects either: a duplicate track may take
  a neighbour's report once.)

For one target, :attr:`Tracker.history` and the other single-target views are the
single track's, as before the manager existed.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sprn import kernels
from sprn.dynamics import altitude_m
from sprn.geo import A_M, GM_M3_S2
from sprn.radar.coverage import in_sector
from sprn.radar.detection import (
    MIN_SCAN_COSINE,
    face_normals_enu,
    scan_cosine,
    snr_per_m2,
)
from sprn.radar.measurement import Detection, Dwell, position_from_measurement, residual
from sprn.radar.scan import FALSE_ALARM_RANGE_RATE_MPS, range_resolution_m, unresolved
from sprn.radar.site import Site
from sprn.space.measurement import AnglesDetection
from sprn.tracking.association import ASSOCIATORS, Hypotheses, log_likelihood_ratio
from sprn.tracking.chains import Chains, Fix
from sprn.tracking.config import CONFIRM_M, CONFIRM_N, MODELS, TrackerConfig
from sprn.tracking.consistency import chi2_quantile
from sprn.tracking.initiation import (
    Initiation,
    initiate,
    least_squares_state,
    with_independent_prior,
)
from sprn.tracking.models import AIR_TOP_M, MotionModel
from sprn.tracking.track import (
    MAX_UNMODELLED_MPS2,
    AnyInnovation,
    Track,
    TrackEstimate,
    gate_threshold,
)

FloatArray = NDArray[np.float64]
COARSE_SIGMAS = 6.0
"""The coarse gate: a report farther from a track's predicted position than this many
sigmas of both (plus what the mismatch monitor's largest acceleration could add) is not
even considered."""
MERGE_PROBABILITY = 0.999
"""Two tracks whose state difference is inside this chi-square quantile (6 dof) are one."""
LANDED_DEPTH_M = 20e3
"""A track carried forward (under gravity alone) this far under the ground has landed: more
than a reentry vehicle falls (3 km/s) in a few seconds past impact, so no track still
being reported on is dropped for it."""
LANDED_AFTER_S = 5.0
"""... looked for only in tracks without a report for this long (one just updated is in the air)."""
PARENT_DISTANCE_M = 50e3
"""A track initiated within this distance of a confirmed track was born beside it (a separation)."""


@dataclass(frozen=True, slots=True)
class View:
    """How a dwell sees a track: ``seen`` (in the site's coverage), ``pd`` (the dwell's
    detection probability on it), ``snr_per_m2`` (a 1 m^2 target's SNR there; None
    for a site without a radar model), the track's measurement ``z`` (range, azimuth,
    elevation, range rate) at the dwell (NaN unless seen: nothing asks for it then) and its
    scan cosine ``cos_scan`` (NaN unless seen by a radar with a model)."""

    seen: bool
    pd: float
    snr_per_m2: float | None
    z: FloatArray
    cos_scan: float = math.nan


@dataclass(slots=True)
class Tracker:
    """Multi-target track manager (see the module notes).

    ``tracks``: every track ever started, in order; ``unused``: the reports no track took;
    ``changed``: for each track started, confirmed or deleted since the caller last
    cleared it, its status before the first such change (None: started), by track id
    (what the simulation turns into events without comparing every track at every scan).
    """

    sites: Mapping[str, Site]
    config: TrackerConfig = field(default_factory=TrackerConfig)
    confirm_m: int = CONFIRM_M
    confirm_n: int = CONFIRM_N
    tracks: list[Track] = field(default_factory=list)
    unused: list[Detection] = field(default_factory=list)
    changed: dict[int, str | None] = field(default_factory=dict)
    _chains: Chains | None = None
    _t_s: float = float("-inf")
    _close: dict[tuple[int, int], int] = field(default_factory=dict)
    _joint: dict[tuple[int, int], int] = field(default_factory=dict)
    _dwells: dict[str, deque[Dwell]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        cfg = self.config
        self._chains = Chains(max_speed_mps=cfg.max_speed_mps, min_fixes=cfg.init_min_fixes,
                              min_span_s=cfg.init_min_dt_s, max_age_s=cfg.delete_after_s, max_gap_s=cfg.init_max_gap_s,
                              site_gaps_s={name: gap for name, site in self.sites.items()
                                           if (gap := chain_gap_s(site, cfg)) < cfg.init_max_gap_s})

    # --- the scan ------------------------------------------------------------------------
    def scan(self, dets: Sequence[Detection | AnglesDetection], dwell: Dwell | None = None) -> list[TrackEstimate]:
        """Take the reports of one scan (one site, one time) and its dwell header, if the
        radar sent one (a header alone: a dwell that gave no report); the estimates it made.
        Without a header the scan is a search dwell of the reports' site and time."""
        if not dets:
            if dwell is not None:
                self._radar_scan([], dwell)
            return []
        if not all(isinstance(d, Detection) for d in dets):
            return [e for det in dets if isinstance(det, AnglesDetection) and (e := self._angles(det)) is not None]
        radar = [d for d in dets if isinstance(d, Detection)]
        return self._radar_scan(radar, dwell or Dwell(radar[0].t_s, radar[0].site))

    def _radar_scan(self, dets: Sequence[Detection], dwell: Dwell) -> list[TrackEstimate]:
        """A radar's scan (see :meth:`scan`)."""
        t_s, name = dwell.t_s, dwell.site
        if any(d.t_s != t_s or d.site != name for d in dets):
            raise ValueError("a scan's reports share one time and one site")
        if t_s < self._t_s:
            raise ValueError(f"detection at {t_s} s is older than the track ({self._t_s} s)")
        if name not in self.sites:
            raise KeyError(f"detection from unknown site {name!r}")
        self._t_s = t_s
        site = self.sites[name]
        self._remember(dwell)
        self._expire(t_s)
        live = [tr for tr in self.tracks if tr.alive]
        if not dets:  # a dwell that saw nothing: a miss for each track it could have seen
            for tr in live:
                view = self._view(site, tr, t_s, dwell.tracking)
                if view.seen:
                    self._chance(tr, False, t_s, site, view)
            return []
        fixes = [self._fix(d, site) for d in dets]
        near = self._near(live, fixes, t_s)
        spans = {tr.id: tr.predict_to(t_s) for tr, cand in zip(live, near) if cand}
        views = [self._view(site, tr, t_s, dwell.tracking) for tr in live]
        for tr, var in zip(live, self._merge_spread(site, views)):
            tr.merge_var = var
        hyp, nis, innovations = self._hypotheses(live, near, dets, site, [v.pd for v in views])
        weights = ASSOCIATORS[self.config.association](hyp)
        taken: set[int] = set()
        estimates = []
        for i, tr in enumerate(live):
            if not near[i]:
                if views[i].seen:
                    self._chance(tr, False, t_s, site, views[i])
                continue
            est = self._update(tr, i, weights, nis, near[i], dets, site, spans[tr.id], taken, hyp, innovations)
            if est is not None:
                estimates.append(est)
            self._chance(tr, est is not None, t_s, site, views[i])
        for tr in live:
            tr.merge_var = None
        for j, fix in enumerate(fixes):
            if j not in taken:
                self.unused.append(fix.det)
                new = self._initiate(fix, t_s)
                if new is not None:
                    estimates.append(new.history[-1])
        self._merge(t_s)
        return estimates

    def update(self, det: Detection | AnglesDetection) -> TrackEstimate | None:
        """Take one report as a scan of its own; the estimate made with it, or None."""
        made = [e for e in self.scan([det]) if e.t_s == det.t_s and e.site == det.site]
        return made[0] if made else None

    def _angles(self, det: AnglesDetection) -> TrackEstimate | None:
        """An infrared satellite's angles-only report: it updates the live track it fits best
        (smallest NIS inside the 2-dof gate) through the filter's same calls,
        ``innovation(z, observer, R)`` and ``correct``, from the report's own observer. A
        bearing has no range, so it never starts a track, and one outside every gate is
        left out without counting as a miss."""
        best: tuple[float, Track, AnyInnovation] | None = None
        gate = gate_threshold(self.config.gate_probability, 2)
        for tr in self.tracks:
            if not tr.alive or det.t_s < tr.t_s or det.t_s - tr.t_used_s > self.config.delete_after_s:
                continue
            tr.predict_to(det.t_s)
            inn = tr.filter.innovation(det.z, det.observer, det.covariance)
            if inn.nis <= gate and (best is None or inn.nis < best[0]):
                best = (inn.nis, tr, inn)
        if best is None:
            return None
        nis, tr, inn = best
        tr.filter.correct(inn)  # type: ignore[arg-type]
        return tr.took(det, nis, inn)  # type: ignore[arg-type]  # a bearing is a report of the track too

    # --- parts ---------------------------------------------------------------------------
    def _fix(self, det: Detection, site: Site) -> Fix:
        """The report's ECEF position and a bound on its error's largest sigma (m): the range
        sigma or the cross-range one, ``range * angle sigma``, whichever is larger."""
        rng, el = float(det.z[0]), float(det.z[2])
        sigma = max(float(det.sigma[0]), rng * max(float(det.sigma[1]) * math.cos(el), float(det.sigma[2])))
        return Fix(det=det, r_ecef_m=position_from_measurement(site, det.z), sigma_m=sigma)

    def _near(self, live: Sequence[Track], fixes: Sequence[Fix], t_s: float) -> list[list[int]]:
        """For each live track, the reports inside its coarse gate: within
        :data:`COARSE_SIGMAS` of both position errors (the track's from its covariance's
        trace, grown by its velocity sigma over the gap) of the track's last position
        carried forward at its velocity, plus what gravity and the mismatch monitor's
        largest acceleration could add over the gap (no filter is propagated for this)."""
        if not fixes:
            return [[] for _ in live]
        few = len(fixes) <= _FEW_FIXES
        if few:  # plain floats: numpy's per-call cost is most of the work for a report or two
            rows = [(*f.r_ecef_m.tolist(), f.sigma_m) for f in fixes]
        else:
            pos = np.array([f.r_ecef_m for f in fixes])
            sig = np.array([f.sigma_m for f in fixes])
        out = []
        for tr in live:
            dt_s = t_s - tr.t_s
            x, var = tr.filter.x[:6].tolist(), np.diagonal(tr.filter.P).tolist()
            sigma = math.sqrt(var[0] + var[1] + var[2]) + dt_s * math.sqrt(var[3] + var[4] + var[5])
            slack = 0.5 * (MAX_UNMODELLED_MPS2 + _GRAVITY_MPS2) * dt_s**2
            cx, cy, cz = x[0] + dt_s * x[3], x[1] + dt_s * x[4], x[2] + dt_s * x[5]
            if few:
                out.append([j for j, (px, py, pz, sj) in enumerate(rows)
                            if (px - cx) ** 2 + (py - cy) ** 2 + (pz - cz) ** 2
                            <= (COARSE_SIGMAS * (sigma + sj) + slack) ** 2])
            else:
                off = pos - np.array([cx, cy, cz])
                limit = COARSE_SIGMAS * (sigma + sig) + slack
                out.append(np.flatnonzero(np.einsum("ij,ij->i", off, off) <= limit * limit).tolist())
        return out

    def _hypotheses(self, live: Sequence[Track], near: Sequence[Sequence[int]], dets: Sequence[Detection],
                    site: Site, pds: Sequence[float]) -> tuple[Hypotheses, FloatArray, dict[tuple[int, int], AnyInnovation]]:
        """Every candidate pair's log likelihood ratio (``-inf`` outside the gate), NIS and
        innovation; ``pds`` each track's detection probability in this dwell."""
        cfg = self.config
        ratio = np.full((len(live), len(dets)), -np.inf)
        nis = np.full((len(live), len(dets)), np.inf)
        innovations = {}
        for i, tr in enumerate(live):
            for j in near[i]:
                inn = innovations[i, j] = tr.innovation(dets[j], site)
                nis[i, j] = inn.nis
                if inn.nis <= gate_threshold(cfg.gate_probability, int(inn.y.size)):
                    ratio[i, j] = log_likelihood_ratio(inn.nis, inn.log_det_2pi_s, pds[i],
                                                       self._clutter(site, int(inn.y.size)))
        return Hypotheses(log_ratio=ratio, log_miss=np.log1p(-np.asarray(pds, dtype=float))), nis, innovations

    def _clutter(self, site: Site, dof: int) -> float:
        """False reports per unit of measurement space at ``site`` (see the module notes):
        per metre of range and radian^2 of angles, and per m/s of range rate for a
        report of ``dof`` = 4 (false alarms' range rates spread over
        +-:data:`~sprn.radar.scan.FALSE_ALARM_RANGE_RATE_MPS`)."""
        rt = site.radar
        if rt is None:
            density = self.config.clutter_density
        else:
            density = rt.pfa / (range_resolution_m(site) * rt.beamwidth_az_rad * rt.beamwidth_el_rad)
        return density / (2.0 * FALSE_ALARM_RANGE_RATE_MPS) if dof == 4 else density

    def _update(self, tr: Track, i: int, weights: FloatArray, nis: FloatArray, near: Sequence[int],
                dets: Sequence[Detection], site: Site, dt_s: float, taken: set[int],
                hyp: Hypotheses, innovations: Mapping[tuple[int, int], AnyInnovation]) -> TrackEstimate | None:
        """Update one track with what the associator gave it; the estimate, or None (a miss)."""
        if self.config.association == "jpda":
            js = [j for j in near if weights[i, j] > 0.0]
            taken.update(js)
            est = tr.update_mixture([dets[j] for j in js], [float(weights[i, j]) for j in js],
                                    float(weights[i, -1]), site)
            if est is not None:
                tr.score += float(np.dot(weights[i, js], hyp.log_ratio[i, js])) + float(weights[i, -1]) * hyp.miss(i)
                tr.detect.report(site.band, dets[max(js, key=lambda k: float(weights[i, k]))].rcs_dbsm)
            return est
        assigned = [j for j in near if weights[i, j] > 0.5]
        if assigned:
            j = assigned[0]
        else:  # nothing in the gate: the nearest free report, for the mismatch monitor
            free = [j for j in near if j not in taken and not np.any(weights[:, j] > 0.5)]
            if not free:
                return None
            j = min(free, key=lambda k: float(nis[i, k]))
        est = tr.update(dets[j], site, dt_s, innovations[i, j])
        if est is not None:
            taken.add(j)
            tr.score += float(hyp.log_ratio[i, j]) if np.isfinite(hyp.log_ratio[i, j]) else 0.0
            tr.detect.report(site.band, dets[j].rcs_dbsm)
        return est

    def _view(self, site: Site, tr: Track, t_s: float, tracking: bool) -> View:
        """How the scan's site sees the track: whether it could (range, elevation and
        sector), with what detection probability, and the SNR a 1 m^2 target would have
        there (None for a site without a radar model)."""
        rt = site.radar
        rng, az, el, rr, cos_scan = kernels.look(site.enu_rotation, site.r_ecef_m,
                                                 face_normals_enu(site, rt.face_tilt_rad if rt else 0.0),
                                                 *_coasted(tr.filter.x, t_s - tr.t_s))
        seen = (site.min_range_m <= rng <= site.max_range_m and site.min_el_rad <= el <= site.max_el_rad
                and in_sector(site, az))
        if not seen:
            return View(seen=False, pd=self.config.pd, snr_per_m2=None, z=_UNSEEN)
        z = np.array([rng, az, el, rr])
        if rt is None:
            return View(seen=True, pd=self.config.pd, snr_per_m2=None, z=z)
        per_m2 = snr_per_m2(site, rng, cos_scan, tracking=tracking)
        return View(seen=True, pd=tr.detect.pd(site.band, per_m2, rt.pfa), snr_per_m2=per_m2, z=z, cos_scan=cos_scan)

    def _merge_spread(self, site: Site, views: Sequence[View]) -> list[FloatArray | None]:
        """For each track, the variance (range, azimuth, elevation, range rate) a report may
        carry for being another track's return merged with its own (see the module notes):
        ``d^2 / 3`` of the two tracks' measurement difference ``d`` when the site's radar
        cannot resolve them (:func:`~sprn.radar.scan.unresolved`, at the wider of their
        beams), the largest over such neighbours; None for a track that has none."""
        out: list[FloatArray | None] = [None] * len(views)
        if site.radar is None:
            return out
        seen = [i for i, v in enumerate(views) if v.seen]
        for a, i in enumerate(seen):
            zi = views[i].z
            for k in seen[a + 1:]:
                zk = views[k].z
                wide = 1.0 / max(MIN_SCAN_COSINE, min(views[i].cos_scan, views[k].cos_scan))
                if not unresolved(site, zi.tolist(), zk.tolist(), wide):
                    continue
                d = np.asarray(residual(zi, zk), dtype=float)
                var = d * d / 3.0
                for j in (i, k):
                    prev = out[j]
                    out[j] = var if prev is None else np.maximum(prev, var)
        return out

    def _chance(self, tr: Track, hit: bool, t_s: float, site: Site, view: View) -> None:
        """Record a chance the track had; confirm or drop it (see the module notes)."""
        cfg = self.config
        tr.hits.append(hit)
        if not hit:
            tr.misses += 1
            tr.score += math.log1p(-view.pd)
            tr.miss_log += math.log1p(-view.pd)
            if view.snr_per_m2 is not None and site.radar is not None:
                tr.detect.miss(site.band, view.snr_per_m2, site.radar.pfa)
        else:
            tr.misses, tr.miss_log = 0, 0.0
        recent = tr.hits[-self.confirm_n:]
        if tr.status == "tentative":
            if (sum(recent) >= self.confirm_m and tr.score > 0.0) or tr.score >= -math.log(cfg.false_confirm_probability):
                self.changed.setdefault(tr.id, tr.status)
                tr.status, tr.t_confirmed_s = "confirmed", t_s
            elif tr.score < math.log(cfg.true_drop_probability):
                self._drop(tr, t_s)
        elif tr.miss_log < cfg.delete_after_misses * math.log1p(-cfg.pd) + _TIE:
            self._drop(tr, t_s)

    def _expire(self, t_s: float) -> None:
        """Drop tracks that have coasted too long, or whose object has come down (the track
        carried to ``t_s`` is :data:`LANDED_DEPTH_M` under the ground)."""
        for tr in self.tracks:
            if not tr.alive:
                continue
            if t_s - tr.t_used_s > self.config.delete_after_s:
                self._drop(tr, t_s)
            elif t_s - tr.t_used_s > LANDED_AFTER_S:
                r = _coasted(tr.filter.x, t_s - tr.t_s)[:3]
                # Quick test first: a point this far from the centre is less than LANDED_DEPTH_M
                # under the ellipsoid (whose radius is at most A_M), with 10 % to spare for the
                # normal's tilt from the radius (under 0.2 degrees).
                if (r[0] ** 2 + r[1] ** 2 + r[2] ** 2 < (A_M - 0.9 * LANDED_DEPTH_M) ** 2
                        and float(altitude_m(np.array(r))) < -LANDED_DEPTH_M):
                    self._drop(tr, t_s)

    def _drop(self, tr: Track, t_s: float) -> None:
        self.changed.setdefault(tr.id, tr.status)
        tr.status, tr.t_deleted_s = "deleted", t_s

    def _initiate(self, fix: Fix, t_s: float) -> Track | None:
        """Add an unused report to the chains; a new tentative track if one is ready."""
        assert self._chains is not None
        chain = self._chains.add(fix)
        if chain is None:
            return None
        cfg = self.config
        fixes = [f.det for f in chain]
        names = MODELS if cfg.filter == "imm" else (cfg.model,)
        inits: dict[str, Initiation] = {}
        above_air = bool(np.all(altitude_m(np.array([f.r_ecef_m for f in chain])) > AIR_TOP_M))
        guess, _ = least_squares_state(fixes, self.sites)
        for name in names:
            model = cfg.motion_model(name)
            mean, cov = cfg.prior(model)
            if name == "reentry" and above_air and "ballistic" in inits:  # no drag to learn 1/beta from
                inits[name] = with_independent_prior(inits["ballistic"], mean, cov)
                continue
            inits[name] = initiate(fixes, self.sites, model, mean, cov, cfg.init_samples, cfg.init_nonlinearity,
                                   cfg.init_components if cfg.filter != "imm" else 1, guess)
        x = inits[names[0]].x
        if float(np.linalg.norm(x[3:6])) > cfg.max_speed_mps or float(np.linalg.norm(x[:3])) < _BELOW_GROUND_M:
            self._chains.drop_first(chain)
            return None
        parent = self._parent(x, t_s)
        tr = Track.start(len(self.tracks) + 1, cfg, inits, fixes, parent)
        self._learn_from_chain(tr, fixes)
        scans, t0 = {(d.t_s, d.site) for d in fixes}, min(d.t_s for d in fixes)
        for other in self.tracks:
            shared = sum((r.t_s, r.site) in scans for r in _since(other.reports, t0)) if other.alive else 0
            if shared:
                self._joint[other.id, tr.id] = shared
        self.tracks.append(tr)
        self.changed[tr.id] = None
        used = {id(f) for f in fixes}
        self.unused = [d for d in self.unused if id(d) not in used]
        return tr

    def _remember(self, dwell: Dwell) -> None:
        """Keep the site's dwell headers of the last ``init_max_gap_s`` * ``init_min_fixes``
        (what a chain of fixes can span)."""
        kept = self._dwells.setdefault(dwell.site, deque())
        kept.append(dwell)
        horizon = dwell.t_s - self.config.init_max_gap_s * self.config.init_min_fixes
        while kept[0].t_s < horizon:
            kept.popleft()

    def _learn_from_chain(self, tr: Track, fixes: Sequence[Detection]) -> None:
        """Teach a new track's detectability what its chain shows: each fix's RCS, and each
        dwell of a fix's site between that site's first and last fix that gave no fix of
        the chain (a miss, at the geometry of the nearest fix). Without the misses, a
        track would start from the hits alone and overrate its detection probability."""
        by_site: dict[str, list[Detection]] = {}
        for det in fixes:
            tr.detect.report(self.sites[det.site].band, det.rcs_dbsm)
            by_site.setdefault(det.site, []).append(det)
        for name, own in by_site.items():
            site, rt = self.sites[name], self.sites[name].radar
            if rt is None or len(own) < 2:
                continue
            seen = {d.t_s for d in own}
            t0, t1 = min(seen), max(seen)
            for dwell in self._dwells.get(name, []):
                if t0 < dwell.t_s < t1 and dwell.t_s not in seen:
                    near = min(own, key=lambda d: abs(d.t_s - dwell.t_s))
                    per_m2 = snr_per_m2(site, float(near.z[0]),
                                        float(scan_cosine(site, position_from_measurement(site, near.z))),
                                        tracking=dwell.tracking)
                    tr.detect.miss(site.band, per_m2, rt.pfa)

    def _parent(self, x: FloatArray, t_s: float) -> int | None:
        """The confirmed track a new one was born beside, if any (a separation)."""
        best, best_d = None, PARENT_DISTANCE_M
        for tr in self.tracks:
            if tr.status != "confirmed":
                continue
            xp, _ = tr.predicted(t_s)
            d = float(np.linalg.norm(xp[:3] - x[:3]))
            if d < best_d:
                best, best_d = tr.id, d
        return best

    def _merge(self, t_s: float) -> None:
        """Merge tracks that follow one object (see the module notes).

        Two tracks that took reports of ``merge_scans`` scans together are two objects
        however close they are (the radar resolved them); otherwise each scan in which they
        are one within their covariances counts towards a merge.
        """
        live = [tr for tr in self.tracks if tr.alive and tr.t_s == t_s]
        gate = chi2_quantile(MERGE_PROBABILITY, 6)
        close = {}
        predicted: dict[int, tuple[FloatArray, FloatArray]] = {}  # each track's prediction, made only for a pair that needs it
        for a_i, a in enumerate(live):
            for b in live[a_i + 1:]:
                if a.t_used_s == t_s and b.t_used_s == t_s:
                    self._joint[a.id, b.id] = self._joint.get((a.id, b.id), 0) + 1
                if self._joint.get((a.id, b.id), 0) >= self.config.merge_scans:
                    continue  # resolved
                xa, pa = predicted[a.id] if a.id in predicted else predicted.setdefault(a.id, a.predicted(t_s))
                xb, pb = predicted[b.id] if b.id in predicted else predicted.setdefault(b.id, b.predicted(t_s))
                d = xa - xb
                try:
                    d2 = float(d @ np.linalg.solve(pa + pb, d))
                except np.linalg.LinAlgError:
                    continue
                if d2 < gate:
                    key = (a.id, b.id)
                    close[key] = self._close.get(key, 0) + 1
                    if close[key] >= self.config.merge_scans:
                        loser = b if len(b.reports) <= len(a.reports) else a
                        self._drop(loser, t_s)
        self._close = {k: v for k, v in close.items() if all(self.tracks[i - 1].alive for i in k)}

    # --- views -------------------------------------------------------------------------------
    @property
    def confirmed(self) -> list[Track]:
        """Tracks that were ever confirmed."""
        return [tr for tr in self.tracks if tr.t_confirmed_s is not None]

    @property
    def principal(self) -> Track | None:
        """The track with the most reports among the live ones (else among all): for one target, its track."""
        live = [tr for tr in self.tracks if tr.alive]
        pool = live or self.tracks
        return max(pool, key=lambda tr: len(tr.reports)) if pool else None

    @property
    def history(self) -> list[TrackEstimate]:
        """Every track's estimates in time order (for one target: its track's, across re-initiations)."""
        return sorted((e for tr in self.tracks for e in tr.history), key=lambda e: e.t_s)

    @property
    def rejected(self) -> list[Detection]:
        """Reports no track took (outside every gate, and not the fixes a track started from)."""
        return list(self.unused)

    @property
    def deleted_s(self) -> list[float]:
        """The times tracks were dropped."""
        return sorted(tr.t_deleted_s for tr in self.tracks if tr.t_deleted_s is not None)

    @property
    def initiations(self) -> list[Initiation]:
        return [init for tr in self.tracks for init in tr.initiations.values()]

    @property
    def switches(self) -> list[tuple[float, str, str]]:
        return sorted(s for tr in self.tracks for s in tr.switches)

    @property
    def widened(self) -> list[TrackEstimate]:
        """The estimates whose prediction the mismatch monitor widened."""
        return [e for e in self.history if e.widened_q_m2_s3 > 0.0]

    @property
    def initiated(self) -> bool:
        """Whether a track is alive."""
        return any(tr.alive for tr in self.tracks)

    def config_model(self) -> MotionModel:
        """The ballistic motion model of this configuration (for ``[r, v]`` predictions)."""
        return self.config.motion_model("ballistic")

    def predicted(self, t_s: float) -> tuple[FloatArray, FloatArray]:
        """The principal track's ``[r, v]`` state and covariance predicted to ``t_s`` (no update)."""
        tr = self.principal
        if tr is None:
            raise RuntimeError("no track yet")
        return tr.predicted(t_s)


CHAIN_GAP_PROBABILITY = 1e-3
"""A chain links fixes of a site whose detection probability is known (no radar model: the
configured ``pd``) no farther apart than the gap such a target leaves with this probability."""


def chain_gap_s(site: Site, config: TrackerConfig) -> float:
    """The longest gap between a chain's fixes from ``site``: ``init_max_gap_s``, or for a
    site without a radar model (whose targets are seen with the configured ``pd``) the
    revisits in which such a target is missed in a row with probability
    :data:`CHAIN_GAP_PROBABILITY`, plus one (3 revisits at ``pd = 0.9``, plus one). Long
    gaps let false alarms line up: in 180 s an object may go 1,400 km."""
    if site.radar is not None:
        return config.init_max_gap_s
    misses = math.ceil(math.log(CHAIN_GAP_PROBABILITY) / math.log1p(-config.pd))
    return min(config.init_max_gap_s, (misses + 1) * site.revisit_s)


_UNSEEN = np.full(4, np.nan)
_UNSEEN.setflags(write=False)


def _coasted(x: FloatArray, dt_s: float) -> tuple[float, float, float, float, float, float]:
    """``[r, v]`` of state ``x`` carried ``dt_s`` ahead under central gravity only (second
    order), as six numbers: what a dwell's coverage and radar equation need of a track's
    position (a few km off after a 100 s coast, against ranges of thousands; no filter is
    propagated for it)."""
    rx, ry, rz, vx, vy, vz = x[:6].tolist()  # plain floats: six numbers, asked for at every dwell
    if dt_s == 0.0:
        return rx, ry, rz, vx, vy, vz
    r2 = rx * rx + ry * ry + rz * rz
    k = -GM_M3_S2 / (r2 * math.sqrt(r2))
    gx, gy, gz = k * rx, k * ry, k * rz
    h = 0.5 * dt_s * dt_s
    return (rx + vx * dt_s + h * gx, ry + vy * dt_s + h * gy, rz + vz * dt_s + h * gz,
            vx + dt_s * gx, vy + dt_s * gy, vz + dt_s * gz)


def _since(reports: Sequence[Detection], t0_s: float) -> list[Detection]:
    """The latest of ``reports`` (in time order) from ``t0_s`` on."""
    out = []
    for r in reversed(reports):
        if r.t_s < t0_s:
            break
        out.append(r)
    return out


_FEW_FIXES = 4  # up to this many reports, the coarse gate loops over plain floats
_TIE = 1e-9  # delete_after_misses misses at the configured pd reach the limit exactly
_GRAVITY_MPS2 = 9.9  # the most gravity adds to a straight line, at the surface
_BELOW_GROUND_M = 6.35e6  # m from the centre: under any point of the WGS84 surface by 7 km
