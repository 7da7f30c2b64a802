"""The command centre's tracker: initiation, gating and filtering of one target.

A pure object with state: detections go in (in measurement-time order), estimates come
out. It knows nothing of SimPy, so the same tracker runs inside the simulation, on a
measurement file and inside Monte Carlo loops.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from sprn.radar.measurement import Detection
from sprn.radar.site import Site
from sprn.tracking.filters import EkfAdapter
from sprn.tracking.initiation import least_squares_state
from sprn.tracking.models import BallisticModel

FloatArray = NDArray[np.float64]
FILTERS = ("ekf",)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerConfig:
    """Tracker settings (scenario table ``[tracker]``).

    ``q_m2_s3``: process-noise spectral density of unmodelled acceleration. In free
    flight the ballistic model leaves out only higher gravity harmonics (J3 and beyond,
    about 1e-5 m/s^2), so 1e-6 m^2/s^3 is generous. ``init_min_dt_s`` and
    ``init_min_fixes``: a track starts from a least-squares fit once this many fixes
    span at least this time; ``gate_probability``: the chi-square gate on the innovation
    (a report outside it is not used).
    """

    filter: str = "ekf"
    q_m2_s3: float = 1.0e-6
    init_min_dt_s: float = 40.0
    init_min_fixes: int = 3
    gate_probability: float = 0.9999


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackEstimate:
    """The track's state after an update: time (s), state (6,) and covariance (6x6)."""

    t_s: float
    x: FloatArray
    p: FloatArray
    site: str
    nis: float = float("nan")
    dof: int = 3

    def __post_init__(self) -> None:
        for name in ("x", "p"):
            arr = np.array(getattr(self, name), dtype=float)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)


@dataclass(slots=True)
class Tracker:
    """Single-target tracker fed with detections in time order (stateful)."""

    sites: Mapping[str, Site]
    config: TrackerConfig = field(default_factory=TrackerConfig)
    history: list[TrackEstimate] = field(default_factory=list)
    rejected: list[Detection] = field(default_factory=list)
    _pending: list[Detection] = field(default_factory=list)
    _filter: EkfAdapter | None = None
    _t_s: float = float("-inf")

    @property
    def initiated(self) -> bool:
        return self._filter is not None

    def update(self, det: Detection) -> TrackEstimate | None:
        """Take one detection; return the new estimate, or None if none was made."""
        if det.t_s < self._t_s:
            raise ValueError(f"detection at {det.t_s} s is older than the track ({self._t_s} s)")
        if self._filter is None:
            return self._try_initiate(det)
        site = self.sites[det.site]
        self._filter.predict(det.t_s - self._t_s)
        self._t_s = det.t_s
        det = self._usable(det, site)
        y, s = self._filter.innovation(det.z, site, det.covariance)
        nis = float(y @ np.linalg.solve(s, y))
        if nis > stats.chi2.ppf(self.config.gate_probability, y.size):
            self.rejected.append(det)
            return None
        self._filter.update(det.z, site, det.covariance)
        est = TrackEstimate(
            t_s=det.t_s, x=self._filter.x, p=self._filter.P, site=det.site, nis=nis, dof=y.size
        )
        self.history.append(est)
        return est

    def _usable(self, det: Detection, site: Site) -> Detection:
        """The detection, without its range rate while the track is too uncertain for it.

        Range rate is bilinear in position and velocity: an estimate off by ``dr`` and
        ``dv`` predicts it wrong by about ``|dr| |dv| / range``, a term the filter's
        linearisation leaves out. Range rate is used only once that term (at one sigma)
        is below the measurement's own sigma.
        """
        if det.z.size < 4 or self._filter is None:
            return det
        p = self._filter.P
        rng = float(np.linalg.norm(self._filter.x[:3] - site.r_ecef_m))
        second_order = np.sqrt(np.trace(p[:3, :3]) * np.trace(p[3:, 3:])) / rng
        if second_order < det.sigma[3]:
            return det
        return Detection(t_s=det.t_s, site=det.site, z=det.z[:3], sigma=det.sigma[:3], snr_db=det.snr_db,
                         t_arrival_s=det.t_arrival_s)

    def _try_initiate(self, det: Detection) -> TrackEstimate | None:
        self._pending.append(det)
        span = det.t_s - self._pending[0].t_s
        if span < self.config.init_min_dt_s or len(self._pending) < self.config.init_min_fixes:
            return None
        x, p = least_squares_state(self._pending, self.sites)
        self._filter = EkfAdapter(x, p, BallisticModel(q_m2_s3=self.config.q_m2_s3))
        self._t_s = det.t_s
        est = TrackEstimate(t_s=det.t_s, x=x, p=p, site=det.site)
        self.history.append(est)
        return est

    def predicted(self, t_s: float) -> tuple[FloatArray, FloatArray]:
        """The track's state and covariance predicted to ``t_s`` (no update)."""
        if self._filter is None:
            raise RuntimeError("no track yet")
        last = self.history[-1]
        return self._filter.model.predict(np.array(last.x), np.array(last.p), t_s - last.t_s)
