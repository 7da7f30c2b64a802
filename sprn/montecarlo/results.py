"""Monte Carlo results: aggregation over runs, combining results, JSON and CSV.

Every aggregate is computed from the per-run records, sorted by run index, so it depends
only on which runs are in the result: 2 x 500 runs combined give the same numbers as one
call of 1000. Consistency bands follow Bar-Shalom, Li & Kirubarajan, *Estimation with
Applications to Tracking and Navigation* (Wiley, 2001), sec. 5.4.2: for a consistent
filter the NEES averaged over N independent runs at one time, times N, is chi-square
with ``6 N`` degrees of freedom; the NIS likewise with the measurement dimensions.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from sprn.errors import SprnError
from sprn.montecarlo.records import STATE_DIM, McMeta, RunRecord
from sprn.report import json_ready
from sprn.tracking.consistency import chi2_band

FloatArray = NDArray[np.float64]
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
CONFIDENCE = 0.95


def distribution(values: Iterable[float]) -> dict[str, Any]:
    """Count, mean, standard deviation, extremes and quantiles of the finite values.

    Quantiles are numpy's default (linear interpolation between order statistics).
    """
    v = np.array([x for x in values if math.isfinite(x)], dtype=float)
    if not len(v):
        return {"n": 0, "mean": None, "std": None, "min": None, "q05": None, "q25": None, "median": None,
                "q75": None, "q95": None, "max": None}
    q = np.quantile(v, QUANTILES)
    return {
        "n": len(v),
        "mean": float(np.mean(v)),
        "std": float(np.std(v, ddof=1)) if len(v) > 1 else None,
        "min": float(np.min(v)),
        "q05": float(q[0]),
        "q25": float(q[1]),
        "median": float(q[2]),
        "q75": float(q[3]),
        "q95": float(q[4]),
        "max": float(np.max(v)),
    }


def mean_chi2_band(total_dof: int, count: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Two-sided band for the mean of ``count`` independent chi-square values whose
    degrees of freedom add up to ``total_dof`` (their sum is chi-square(``total_dof``))."""
    if count <= 0 or total_dof <= 0:
        return math.nan, math.nan
    lo = stats.chi2.ppf(0.5 * (1.0 - confidence), total_dof) / count
    hi = stats.chi2.ppf(0.5 * (1.0 + confidence), total_dof) / count
    return float(lo), float(hi)


@dataclass(frozen=True, slots=True, kw_only=True)
class McResult:
    """The records of a set of runs of one scenario (sorted by run index) and their meta."""

    meta: McMeta
    records: tuple[RunRecord, ...]

    @property
    def runs(self) -> int:
        return len(self.records)

    @property
    def simulated(self) -> tuple[RunRecord, ...]:
        """The records of runs that were simulated (not failed)."""
        return tuple(r for r in self.records if not r.error)

    def grid_matrix(self) -> FloatArray:
        """Grid samples of the simulated runs: shape (3, runs, n_grid), NaN-padded;
        rows are squared position error, squared velocity error, NEES."""
        recs = self.simulated
        n_grid = max((r.grid_start + len(r.grid_nees) for r in recs), default=0)
        out = np.full((3, len(recs), n_grid), np.nan)
        for i, r in enumerate(recs):
            sl = slice(r.grid_start, r.grid_start + len(r.grid_nees))
            out[0, i, sl] = r.grid_sq_pos_m2
            out[1, i, sl] = r.grid_sq_vel_m2_s2
            out[2, i, sl] = r.grid_nees
        return out

    def over_time(self, confidence: float = CONFIDENCE) -> dict[str, FloatArray]:
        """RMSE and mean NEES across runs at each grid time that some run has a value at.

        ``runs`` is how many runs had a recent track update there; ``nees_lo``/``nees_hi``
        the chi-square band of the mean NEES of that many runs.
        """
        m = self.grid_matrix()
        count = np.sum(np.isfinite(m[2]), axis=0)
        keep = count > 0
        sums = np.nansum(m[:, :, keep], axis=1)
        n = count[keep]
        band = np.array([chi2_band(STATE_DIM, int(k), confidence) for k in n]).reshape(-1, 2)
        return {
            "t_s": self.meta.grid_step_s * np.flatnonzero(keep).astype(float),
            "runs": n.astype(float),
            "pos_rmse_m": np.sqrt(sums[0] / n),
            "vel_rmse_mps": np.sqrt(sums[1] / n),
            "nees_mean": sums[2] / n,
            "nees_lo": band[:, 0],
            "nees_hi": band[:, 1],
        }

    def track_summary(self, confidence: float = CONFIDENCE) -> dict[str, Any]:
        """Errors and consistency pooled over every update of every run, and per run.

        The pooled NEES and NIS bands treat the updates as independent, which holds for
        the NIS of a consistent filter (its innovations are white) but only roughly for
        the NEES, whose errors are correlated in time: use ``over_time`` for the NEES test.
        """
        recs = [r for r in self.simulated if r.updates]
        updates = sum(r.updates for r in recs)
        nis_count = sum(r.nis_count for r in recs)
        nees_band = mean_chi2_band(STATE_DIM * updates, updates, confidence)
        nis_band = mean_chi2_band(sum(r.nis_dof_sum for r in recs), nis_count, confidence)
        return {
            "runs_with_track": len(recs),
            "updates": updates,
            "pos_rmse_m": math.sqrt(sum(r.sq_pos_sum_m2 for r in recs) / updates) if updates else None,
            "vel_rmse_mps": math.sqrt(sum(r.sq_vel_sum_m2_s2 for r in recs) / updates) if updates else None,
            "pos_rmse_m_per_run": distribution(r.pos_rmse_m for r in recs),
            "vel_rmse_mps_per_run": distribution(r.vel_rmse_mps for r in recs),
            "nees_mean": sum(r.nees_sum for r in recs) / updates if updates else None,
            "nees_band": list(nees_band),
            "nis_mean": sum(r.nis_sum for r in recs) / nis_count if nis_count else None,
            "nis_band": list(nis_band),
        }

    def summary(self, confidence: float = CONFIDENCE) -> dict[str, Any]:
        """Every aggregate, as a JSON-ready dict (NaN as None)."""
        recs = self.simulated
        sites = self.meta.sites
        first = [r.first_site(sites) for r in recs]
        time = self.over_time(confidence)
        within = (time["nees_mean"] >= time["nees_lo"]) & (time["nees_mean"] <= time["nees_hi"])
        out: dict[str, Any] = json_ready({
            "runs": self.runs,
            "failed_runs": self.runs - len(recs),
            "confidence": confidence,
            "track": self.track_summary(confidence),
            "nees_over_time": {
                "grid_times": len(time["t_s"]),
                "fraction_within_band": float(np.mean(within)) if len(within) else None,
            },
            "impact_error_km": [
                {"after_first_detection_s": after, **distribution(r.impact_error_km[k] for r in recs)}
                for k, after in enumerate(self.meta.checkpoints_s)
            ],
            "first_detection_s": distribution(r.first_detection_s for r in recs),
            "track_confirmed_s": distribution(r.track_confirmed_s for r in recs),
            "scene": {
                "gospa_mean_m": distribution(r.gospa_mean_m for r in recs),
                "identity_switches": distribution(float(r.identity_switches) for r in recs),
                "tracks_confirmed": distribution(float(r.tracks_confirmed) for r in recs),
                "false_tracks": distribution(float(r.false_tracks) for r in recs),
                "rv_classified_s": distribution(r.rv_classified_s for r in recs),
            },
            "warning": {
                "territory": self.meta.territory,
                "runs_warned": sum(math.isfinite(r.warning_s) for r in recs),
                "fraction_warned": sum(math.isfinite(r.warning_s) for r in recs) / len(recs) if recs else None,
                "warning_time_s": distribution(r.warning_time_s for r in recs),
            },
            "sites": [
                {
                    "name": name,
                    "runs_detected": sum(math.isfinite(r.site_first_detection_s[k]) for r in recs),
                    "runs_first": first.count(name),
                    "first_detection_s": distribution(r.site_first_detection_s[k] for r in recs),
                }
                for k, name in enumerate(sites)
            ],
        })
        return out

    def runs_table(self) -> list[dict[str, Any]]:
        """One row per run: its scalar results (a tidy table; NaN for what did not happen)."""
        rows = []
        for r in self.records:
            row: dict[str, Any] = {
                "run": r.run, "seed": r.seed, "error": r.error, "updates": r.updates,
                "pos_rmse_m": r.pos_rmse_m, "vel_rmse_mps": r.vel_rmse_mps, "nees_mean": r.nees_mean,
                "nis_mean": r.nis_mean, "first_detection_s": r.first_detection_s,
                "first_site": r.first_site(self.meta.sites) or "", "track_confirmed_s": r.track_confirmed_s,
                "warning_s": r.warning_s, "warning_time_s": r.warning_time_s,
                "gospa_mean_m": r.gospa_mean_m, "identity_switches": r.identity_switches,
                "tracks_confirmed": r.tracks_confirmed, "false_tracks": r.false_tracks,
                "rv_classified_s": r.rv_classified_s,
            }
            for after, err in zip(self.meta.checkpoints_s, r.impact_error_km):
                row[f"impact_error_km_{after:g}s"] = err
            for name, t in zip(self.meta.sites, r.site_first_detection_s):
                row[f"first_detection_s_{name}"] = t
            rows.append(row)
        return rows

    def over_time_table(self, confidence: float = CONFIDENCE) -> list[dict[str, Any]]:
        """:meth:`over_time` as rows."""
        cols = self.over_time(confidence)
        return [{k: (int(v[i]) if k == "runs" else float(v[i])) for k, v in cols.items()} for i in range(len(cols["t_s"]))]

    def to_dict(self) -> dict[str, Any]:
        """The meta, the summary and every record (what :meth:`from_dict` reads back)."""
        return {
            "meta": self.meta.to_dict(),
            "summary": self.summary(),
            "records": [r.to_dict() for r in self.records],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<mc result>") -> McResult:
        """Rebuild a result from :meth:`to_dict` (e.g. a saved ``mc.json``)."""
        try:
            meta = McMeta.from_dict(data["meta"])
            records = tuple(RunRecord.from_dict(r) for r in data["records"])
        except (KeyError, TypeError, ValueError) as exc:
            raise SprnError(f"{source}: not a Monte Carlo result (mc.json): {exc!r}") from None
        return make_result(meta, records)


def make_result(meta: McMeta, records: Iterable[RunRecord]) -> McResult:
    """A result from records in any order; run indices must be unique."""
    recs = tuple(sorted(records, key=lambda r: r.run))
    runs = [r.run for r in recs]
    dup = sorted({i for i, j in itertools.pairwise(runs) if i == j})
    if dup:
        raise SprnError(f"Monte Carlo result: run = {dup[0]}: expected each run index once (disjoint runs)")
    return McResult(meta=meta, records=recs)


def combine(a: McResult, b: McResult) -> McResult:
    """The result of the union of two sets of runs of the same scenario and settings.

    Equals one result over the union of run indices (e.g. runs 0-499 and 500-999 combine
    into the result of 1000 runs). Raises :class:`~sprn.errors.SprnError` if the meta
    differ (but for the path the scenario was read from), the runs flew different truths
    (impact times differ) or a run index is in both.
    """
    ma, mb = a.meta.to_dict(), b.meta.to_dict()
    for key in ma:
        if key != "scenario_path" and ma[key] != mb[key]:
            raise SprnError(f"combine: meta.{key} = {ma[key]!r} vs {mb[key]!r}: expected results of the same settings")
    impacts = {r.t_impact_s for r in a.simulated + b.simulated}
    if len(impacts) > 1:
        raise SprnError(f"combine: t_impact_s = {sorted(impacts)[:2]}: expected runs of one truth flight")
    return make_result(a.meta, a.records + b.records)


def csv_text(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows of equal keys as CSV; floats in full precision, NaN and None as empty cells."""
    buf = io.StringIO()
    if not rows:
        return ""
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(list(rows[0]))
    for row in rows:
        writer.writerow(["" if v is None or (isinstance(v, float) and not math.isfinite(v)) else v for v in row.values()])
    return buf.getvalue()


def mc_files(result: McResult) -> dict[str, str]:
    """Output files of a Monte Carlo: ``mc.json`` (meta, summary, records), ``runs.csv``
    (one row per run) and ``over_time.csv`` (RMSE and NEES across runs on the grid)."""
    return {
        "mc.json": json.dumps(json_ready(result.to_dict()), indent=1) + "\n",
        "runs.csv": csv_text(result.runs_table()),
        "over_time.csv": csv_text(result.over_time_table()),
    }


def _fmt(value: Any, scale: float = 1.0, digits: int = 0) -> str:
    return "-" if value is None else f"{value * scale:.{digits}f}"


def summary_text(result: McResult) -> str:
    """A readable summary of a Monte Carlo (what ``sprn mc`` prints)."""
    s = result.summary()
    meta, track, warn = result.meta, s["track"], s["warning"]
    wt = warn["warning_time_s"]
    lines = [
        f"sprn mc: {meta.scenario_name}",
        (f"  {s['runs']} runs (base seed {meta.base_seed}), {s['failed_runs']} failed; "
         f"{track['runs_with_track']} with a track"),
        "",
        "Track (pooled over all updates)",
        f"  position RMSE {_fmt(track['pos_rmse_m'], 1e-3, 2)} km, velocity RMSE {_fmt(track['vel_rmse_mps'], 1, 1)} m/s",
        (f"  mean NEES {_fmt(track['nees_mean'], 1, 2)} (6 if consistent), mean NIS {_fmt(track['nis_mean'], 1, 2)}; "
         f"mean NEES inside its {s['confidence']:.0%} band at "
         f"{_fmt(s['nees_over_time']['fraction_within_band'], 100)} % of grid times"),
        "",
        (f"Warning for {warn['territory']}: {warn['runs_warned']} of {s['runs'] - s['failed_runs']} runs; "
         f"warning time (s) median {_fmt(wt['median'])}, 5-95 % {_fmt(wt['q05'])}-{_fmt(wt['q95'])}"),
        f"First detection (s after launch) median {_fmt(s['first_detection_s']['median'])}",
        "",
        f"  {'impact error km':<22}{'runs':>6}{'median':>10}{'q05':>10}{'q95':>10}",
    ]
    for e in s["impact_error_km"]:
        lines.append(f"  {'+' + format(e['after_first_detection_s'], 'g') + ' s after 1st det.':<22}{e['n']:>6}"
                     f"{_fmt(e['median'], 1, 2):>10}{_fmt(e['q05'], 1, 2):>10}{_fmt(e['q95'], 1, 2):>10}")
    lines += ["", f"  {'site':<16}{'detected':>9}{'first':>7}{'median first det. s':>21}"]
    for site in s["sites"]:
        if site["runs_detected"]:
            lines.append(f"  {site['name']:<16}{site['runs_detected']:>9}{site['runs_first']:>7}"
                         f"{_fmt(site['first_detection_s']['median']):>21}")
    return "\n".join(lines)
