"""The initiator's chains: reports no track took, linked into candidate objects.

A report that no track takes is either a new object or a false alarm. The initiator
links such reports into *chains*, each a candidate object: a report joins the chain
whose latest fix it could follow, or starts a new chain. It could follow a lone fix if
an object moving at most ``max_speed_mps`` could have gone from one to the other within
the gap allowed (``max_gap_s``, or less for a site listed in ``site_gaps_s``: the
tracker's gap for a site whose detection probability it knows, see
:class:`sprn.tracking.tracker.Tracker`; the larger of the two fixes' sites' gaps applies); it could follow two or more if it lies where the velocity of the latest two
carries them, give or take an acceleration of :data:`MAX_ACCELERATION_MPS2` and the
velocity's own error (both allowing for the fixes' position errors at :data:`CHAIN_SIGMAS`
sigmas). Random false alarms rarely line up three times so. Two reports of one scan (one site,
one time) are never one object. Once a chain holds ``init_min_fixes`` fixes spanning
``init_min_dt_s`` it is ready for the batch initiation
(:func:`sprn.tracking.initiation.initiate`). Chains older than ``max_age_s`` forget their
first fixes, so that false alarms do not pile up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sprn.radar.measurement import Detection

FloatArray = NDArray[np.float64]
CHAIN_SIGMAS = 4.0
"""Position errors allowed between two fixes of one chain, in sigmas of each."""
MAX_ACCELERATION_MPS2 = 100.0
"""The largest acceleration a chain allows between its fixes: gravity and the thrust of a
stage near burnout (60-80 m/s^2 for a liquid IRBM), the tracker's mismatch monitor's bound."""


@dataclass(frozen=True, slots=True)
class Fix:
    """A report with its ECEF position and that position's largest standard deviation (m)."""

    det: Detection
    r_ecef_m: FloatArray
    sigma_m: float


@dataclass(slots=True)
class Chains:
    """Candidate objects built from unused reports (stateful; see the module notes)."""

    max_speed_mps: float
    min_fixes: int
    min_span_s: float
    max_age_s: float
    max_gap_s: float
    site_gaps_s: dict[str, float] = field(default_factory=dict)
    chains: list[list[Fix]] = field(default_factory=list)

    def gap_s(self, a: str, b: str) -> float:
        """The longest gap allowed between fixes of sites ``a`` and ``b``."""
        return max(self.site_gaps_s.get(a, self.max_gap_s), self.site_gaps_s.get(b, self.max_gap_s))

    def add(self, fix: Fix) -> list[Fix] | None:
        """Add a fix; return its chain if that is now ready for initiation (and drop it)."""
        t = fix.det.t_s
        longest = max([self.max_gap_s, *self.site_gaps_s.values()])  # a chain left longer can never grow
        self.chains = [kept for c in self.chains if t - c[-1].det.t_s <= longest
                       and (kept := [f for f in c if t - f.det.t_s <= self.max_age_s])]
        best, best_d = None, np.inf
        for c in self.chains:
            if t - c[-1].det.t_s > self.gap_s(c[-1].det.site, fix.det.site) or any(f.det.t_s == t and f.det.site == fix.det.site for f in c):
                continue
            d, reach = self._miss_distance(c, fix)
            if d <= reach and d / reach < best_d:
                best, best_d = c, d / reach
        if best is None:
            self.chains.append([fix])
            return None
        best.append(fix)
        if len(best) >= self.min_fixes and best[-1].det.t_s - best[0].det.t_s >= self.min_span_s:
            # By identity: list.remove compares chains with ==, and two chains whose first
            # fixes are reports of one scan reach Detection's array fields (ambiguous).
            self.chains = [c for c in self.chains if c is not best]
            return best
        return None

    def _miss_distance(self, chain: list[Fix], fix: Fix) -> tuple[float, float]:
        """How far ``fix`` is from where the chain would be at its time, and how far it may be (m)."""
        last = chain[-1]
        dt = fix.det.t_s - last.det.t_s
        slack = CHAIN_SIGMAS * (last.sigma_m + fix.sigma_m)
        prev = next((f for f in reversed(chain[:-1]) if f.det.t_s < last.det.t_s), None)
        if prev is None:
            return float(np.linalg.norm(fix.r_ecef_m - last.r_ecef_m)), self.max_speed_mps * dt + slack
        span = last.det.t_s - prev.det.t_s
        v = (last.r_ecef_m - prev.r_ecef_m) / span
        v_err = CHAIN_SIGMAS * (last.sigma_m + prev.sigma_m) / span
        ahead = last.r_ecef_m + v * dt
        reach = 0.5 * MAX_ACCELERATION_MPS2 * dt * (dt + span) + v_err * dt + slack
        return float(np.linalg.norm(fix.r_ecef_m - ahead)), reach

    def drop_first(self, chain: list[Fix]) -> None:
        """Put a chain back without its oldest fix (its initiation was implausible)."""
        if len(chain) > 1:
            self.chains.append(chain[1:])
