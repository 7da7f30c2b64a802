"""Measurement files in, track and impact files out: the data path of ``sprn track``.

Formats (DESIGN.md, "Formats"):

* ``sites.csv``: ``site, lat_deg, lon_deg, alt_m, sigma_range_m, sigma_az_deg,
  sigma_el_deg, revisit_s, min_el_deg, max_range_km`` (geodetic latitude and height),
  optionally ``sigma_range_rate_mps`` (a site without it has its range rates ignored).
* ``measurements.csv``: ``t_s, site, range_m, azimuth_deg, elevation_deg``, optionally
  ``range_rate_mps`` (an empty cell: none for that report) and per-report
  ``sigma_range_m, sigma_az_deg, sigma_el_deg, sigma_range_rate_mps`` overriding the
  site's; sorted by time. Other columns are ignored, so a run's ``detections.csv`` (which
  adds ``t_arrival_s`` and ``snr_db``) can be tracked again.
* ``track.csv``: ``t_s, x_m, y_m, z_m, vx_mps, vy_mps, vz_mps`` (ECEF, Earth-relative
  velocity) and the covariance's upper triangle ``p00, p01, ..., p55``.
* ``impact.csv``: ``t_s, lat_deg, lon_deg, t_impact_s, semi_major_km, semi_minor_km,
  orientation_deg``: one row per prediction, ``t_s`` the time of the state it was made
  from, the 95 % ellipse.

Every malformed input raises :class:`sprn.errors.DataError` naming the file, the line
(1 is the header), the column, the value and what was expected.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from sprn.errors import DataError
from sprn.impact import ImpactPrediction, predict_impact
from sprn.radar.measurement import Detection
from sprn.radar.site import Site
from sprn.tracking.config import (
    DEFAULT_FILTER,
    RV_INV_BETA_M2_KG,
    RV_SIGMA_INV_BETA_M2_KG,
    TrackerConfig,
)
from sprn.tracking.track import Track
from sprn.tracking.tracker import Tracker

FloatArray = NDArray[np.float64]
SITE_COLUMNS = (
    "site", "lat_deg", "lon_deg", "alt_m", "sigma_range_m", "sigma_az_deg", "sigma_el_deg", "revisit_s",
    "min_el_deg", "max_range_km",
)
SITE_OPTIONAL = ("sigma_range_rate_mps",)
MEASUREMENT_COLUMNS = ("t_s", "site", "range_m", "azimuth_deg", "elevation_deg")
SIGMA_COLUMNS = ("sigma_range_m", "sigma_az_deg", "sigma_el_deg", "sigma_range_rate_mps")
TRACK_COLUMNS = ("track_id", "t_s", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps") + tuple(
    f"p{i}{j}" for i, j in zip(*np.triu_indices(6))
)
IMPACT_COLUMNS = ("track_id", "t_s", "lat_deg", "lon_deg", "t_impact_s", "semi_major_km", "semi_minor_km", "orientation_deg")
_SITE_LIMITS: dict[str, tuple[float, float]] = {
    "lat_deg": (-90.0, 90.0),
    "lon_deg": (-180.0, 360.0),
    "alt_m": (-500.0, 10000.0),
    "min_el_deg": (-5.0, 90.0),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackTable:
    """Tracks as arrays: times (s), states ``(N, 6)``, covariances ``(N, 6, 6)`` and the
    track each row belongs to (``track_id``, default 1), rows grouped by track in time order."""

    t_s: FloatArray
    x: FloatArray
    p: FloatArray
    track_id: NDArray[np.int_] | None = None

    def __post_init__(self) -> None:
        for name in ("t_s", "x", "p"):
            arr = np.array(getattr(self, name), dtype=float)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        ids = np.ones(len(self.t_s), dtype=int) if self.track_id is None else np.array(self.track_id, dtype=int)
        ids.setflags(write=False)
        object.__setattr__(self, "track_id", ids)

    @property
    def ids(self) -> NDArray[np.int_]:
        """Each row's track (never None once built)."""
        assert self.track_id is not None
        return self.track_id

    def of(self, track_id: int) -> TrackTable:
        """The rows of one track."""
        keep = self.ids == track_id
        return TrackTable(t_s=self.t_s[keep], x=self.x[keep], p=self.p[keep], track_id=self.ids[keep])


class _Table:
    """A CSV file's header and rows, with errors that name the file, line and column."""

    def __init__(self, path: str | Path, required: Sequence[str]) -> None:
        self.source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DataError(f"{self.source}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"{self.source}: cannot read: {exc}") from None
        rows = list(csv.reader(io.StringIO(text)))
        while rows and not any(cell.strip() for cell in rows[-1]):
            rows.pop()
        if not rows:
            raise DataError(f"{self.source}: empty file: expected a header line with {', '.join(required)}")
        self.header = [h.strip() for h in rows[0]]
        dup = sorted({h for h in self.header if self.header.count(h) > 1})
        if dup:
            raise DataError(f"{self.source}: line 1: column {dup[0]!r} appears twice")
        missing = [c for c in required if c not in self.header]
        if missing:
            raise DataError(f"{self.source}: line 1: missing column {missing[0]!r}; expected columns "
                            f"{', '.join(required)}")
        self.rows = rows[1:]
        if not self.rows:
            raise DataError(f"{self.source}: no data lines after the header")
        for k, row in enumerate(self.rows):
            if len(row) != len(self.header):
                raise DataError(f"{self.source}: line {k + 2}: {len(row)} fields: expected {len(self.header)} "
                                f"(one per header column)")

    def has(self, column: str) -> bool:
        return column in self.header

    def cell(self, k: int, column: str) -> str:
        return self.rows[k][self.header.index(column)].strip()

    def fail(self, k: int, column: str, value: object, expected: str) -> DataError:
        return DataError(f"{self.source}: line {k + 2}, column {column}: {value!r}: expected {expected}")

    def number(self, k: int, column: str, lo: float | None = None, hi: float | None = None,
               positive: bool = False, empty_ok: bool = False) -> float | None:
        raw = self.cell(k, column)
        if raw == "" and empty_ok:
            return None
        try:
            value = float(raw)
        except ValueError:
            raise self.fail(k, column, raw, "a number") from None
        if not math.isfinite(value):
            raise self.fail(k, column, raw, "a finite number")
        if positive and value <= 0.0:
            raise self.fail(k, column, raw, "a number > 0")
        if lo is not None and value < lo:
            raise self.fail(k, column, raw, f"a number >= {lo:g}")
        if hi is not None and value > hi:
            raise self.fail(k, column, raw, f"a number <= {hi:g}")
        return value


def read_sites(path: str | Path) -> dict[str, Site]:
    """The radar sites of a ``sites.csv`` (see the module notes), by name."""
    tab = _Table(path, SITE_COLUMNS)
    unknown = [c for c in tab.header if c not in SITE_COLUMNS + SITE_OPTIONAL]
    if unknown:
        raise DataError(f"{tab.source}: line 1: unknown column {unknown[0]!r}; known columns: "
                        f"{', '.join(SITE_COLUMNS + SITE_OPTIONAL)}")
    sites: dict[str, Site] = {}
    for k in range(len(tab.rows)):
        name = tab.cell(k, "site")
        if not name:
            raise tab.fail(k, "site", name, "a site name")
        if name in sites:
            raise tab.fail(k, "site", name, "a name not used on an earlier line")
        values = {}
        for col in SITE_COLUMNS[1:]:
            lo, hi = _SITE_LIMITS.get(col, (None, None))
            values[col] = tab.number(k, col, lo=lo, hi=hi, positive=col not in _SITE_LIMITS)
        rr_sigma = tab.number(k, "sigma_range_rate_mps", positive=True, empty_ok=True) if tab.has(
            "sigma_range_rate_mps") else None
        sites[name] = Site.from_degrees(name=name, sigma_range_rate_mps=rr_sigma, **values)  # type: ignore[arg-type]
    return sites


def read_measurements(path: str | Path, sites: Mapping[str, Site]) -> list[Detection]:
    """The reports of a ``measurements.csv`` as detections (see the module notes).

    Each report's noise is the site's (``sites.csv``) unless the row gives its own
    ``sigma_*``. A range rate is used when the row has one and a sigma for it (the row's
    or the site's); without a sigma it is ignored.
    """
    tab = _Table(path, MEASUREMENT_COLUMNS)
    out: list[Detection] = []
    t_prev = -math.inf
    for k in range(len(tab.rows)):
        t = tab.number(k, "t_s")
        assert t is not None
        if t < t_prev:
            raise tab.fail(k, "t_s", tab.cell(k, "t_s"), f"times sorted in increasing order (line {k + 1} has "
                                                         f"{t_prev:g})")
        t_prev = t
        name = tab.cell(k, "site")
        if name not in sites:
            raise tab.fail(k, "site", name, "a site of the sites file (" + ", ".join(sorted(sites)) + ")")
        site = sites[name]
        rng = tab.number(k, "range_m", positive=True)
        az = tab.number(k, "azimuth_deg", lo=-360.0, hi=360.0)
        el = tab.number(k, "elevation_deg", lo=-90.0, hi=90.0)
        assert rng is not None and az is not None and el is not None
        z = [rng, math.radians(az) % (2.0 * math.pi), math.radians(el)]
        sigma = [_sigma(tab, k, "sigma_range_m", site.sigma_range_m, 1.0),
                 _sigma(tab, k, "sigma_az_deg", site.sigma_az_rad, math.radians(1.0)),
                 _sigma(tab, k, "sigma_el_deg", site.sigma_el_rad, math.radians(1.0))]
        rr = tab.number(k, "range_rate_mps", empty_ok=True) if tab.has("range_rate_mps") else None
        rr_sigma = _sigma(tab, k, "sigma_range_rate_mps", site.sigma_range_rate_mps, 1.0)
        if rr is not None and rr_sigma is not None:
            z.append(rr)
            sigma.append(rr_sigma)
        out.append(Detection(t_s=t, site=name, z=np.array(z), sigma=np.array(sigma)))
    return out


def _sigma(tab: _Table, k: int, column: str, default: float | None, scale: float) -> float | None:
    """The row's own sigma (converted by ``scale``) if it has one, else the site's."""
    if not tab.has(column):
        return default
    value = tab.number(k, column, positive=True, empty_ok=True)
    return default if value is None else value * scale


def reported_tracks(tracker: Tracker) -> list[Track]:
    """The tracks worth reporting: every track that was ever confirmed (tentative ones are
    mostly false alarms lining up by chance); if none was, the principal track, so that a
    file too short to confirm still gives its one track."""
    confirmed = tracker.confirmed
    if confirmed:
        return confirmed
    return [] if tracker.principal is None else [tracker.principal]


def track_table(tracker: Tracker) -> TrackTable:
    """The reported tracks' estimates (:func:`reported_tracks`) as a :class:`TrackTable`."""
    hist = [e for tr in reported_tracks(tracker) for e in tr.history]
    return TrackTable(
        t_s=np.array([e.t_s for e in hist]),
        x=np.array([e.x for e in hist]).reshape(-1, 6),
        p=np.array([e.p for e in hist]).reshape(-1, 6, 6),
        track_id=np.array([e.track_id for e in hist], dtype=int),
    )


def impact_predictions(
    track: TrackTable,
    inv_beta_m2_kg: float,
    sigma_inv_beta_m2_kg: float = 0.0,
    every_s: float = 60.0,
) -> list[ImpactPrediction]:
    """Impact predictions from the track: one from the first estimate at or after each
    ``every_s`` tick of the track's time, and one from the last estimate.

    ``inv_beta_m2_kg`` +/- ``sigma_inv_beta_m2_kg`` is the assumed inverse ballistic
    coefficient of the reentry vehicle. A state that does not come down within the
    predictor's two hours gives no row.
    """
    if len(track.t_s) == 0:
        return []
    ticks = np.floor((track.t_s - track.t_s[0]) / every_s)
    chosen = sorted(set(np.flatnonzero(np.diff(ticks, prepend=-1.0) > 0).tolist()) | {len(track.t_s) - 1})
    out = []
    for k in chosen:
        try:
            out.append(predict_impact(track.x[k], track.p[k], float(track.t_s[k]), inv_beta_m2_kg,
                                      sigma_inv_beta_m2_kg))
        except ValueError:
            continue
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackRun:
    """What ``sprn track`` made of a measurement file: the tracks, their impact predictions
    (``prediction_tracks``: the track of each), and the tracker that made them (its
    rejections, deletions, model switches and widenings)."""

    track: TrackTable
    predictions: list[ImpactPrediction]
    tracker: Tracker
    prediction_tracks: list[int] = dataclasses.field(default_factory=list)


def track_files(
    sites_csv: str | Path,
    measurements_csv: str | Path,
    filter: str = DEFAULT_FILTER,
    config: TrackerConfig | None = None,
    inv_beta_m2_kg: float = RV_INV_BETA_M2_KG,
    sigma_inv_beta_m2_kg: float = RV_SIGMA_INV_BETA_M2_KG,
    predict_every_s: float = 60.0,
) -> TrackRun:
    """Track the reports of a measurement file: the track and its impact predictions.

    ``filter`` replaces ``config.filter`` (``"imm"``, ``"ekf"`` or ``"ukf"``); the impact
    predictions assume ``1/beta = inv_beta_m2_kg`` +/- ``sigma_inv_beta_m2_kg`` (default:
    the reentry vehicle's unknown drag, :data:`sprn.tracking.config.RV_INV_BETA_M2_KG`).
    """
    sites = read_sites(sites_csv)
    dets = read_measurements(measurements_csv, sites)
    try:
        cfg = dataclasses.replace(config or TrackerConfig(), filter=filter)
    except ValueError as exc:
        raise DataError(f"filter = {filter!r}: {exc}") from None
    tracker = Tracker(sites=sites, config=cfg)
    for scan in scans(dets):
        tracker.scan(scan)
    track = track_table(tracker)
    predictions, owners = [], []
    for tid in dict.fromkeys(track.ids.tolist()):
        made = impact_predictions(track.of(tid), inv_beta_m2_kg, sigma_inv_beta_m2_kg, predict_every_s)
        predictions += made
        owners += [tid] * len(made)
    return TrackRun(track=track, predictions=predictions, tracker=tracker, prediction_tracks=owners)


def scans(dets: Sequence[Detection]) -> list[list[Detection]]:
    """A time-sorted file's reports grouped into scans: consecutive rows of one time and site."""
    out: list[list[Detection]] = []
    for det in dets:
        if out and out[-1][0].t_s == det.t_s and out[-1][0].site == det.site:
            out[-1].append(det)
        else:
            out.append([det])
    return out


def notes(run: TrackRun) -> list[str]:
    """What a user of ``sprn track`` should know about the run, one line each: gated
    reports, deleted tracks, model switches and covariance widenings (see
    :class:`sprn.tracking.tracker.Tracker`)."""
    tk = run.tracker
    out = []
    reported = reported_tracks(tk)
    if len(tk.tracks) > 1 or len(reported) > 1:
        out.append(f"{len(tk.confirmed)} tracks confirmed of {len(tk.tracks)} started; written: "
                   + ", ".join(f"track {tr.id} ({tr.history[0].t_s:.1f}-{tr.history[-1].t_s:.1f} s, "
                               f"{len(tr.reports)} reports)" for tr in reported))
    if tk.rejected:
        out.append(f"{len(tk.rejected)} reports were taken by no track")
    lost = [tr.t_deleted_s for tr in reported if tr.t_deleted_s is not None]
    if lost:
        out.append(f"a track was lost {len(lost)} times (at "
                   + ", ".join(f"{t:.1f}" for t in lost[:5]) + (" ..." if len(lost) > 5 else "") + " s)")
    for t_s, old, new in tk.switches:
        out.append(f"model switch at {t_s:.1f} s: {old} -> {new} (the flight's phase, told by height and climb)")
    widened = tk.widened
    if widened:
        out.append(f"model mismatch: the prediction was widened at {len(widened)} of {len(tk.history)} updates, "
                   f"from {widened[0].t_s:.1f} s to {widened[-1].t_s:.1f} s (largest added noise "
                   f"{max(e.widened_q_m2_s3 for e in widened):.3g} m^2/s^3); the filter's model did not fit "
                   "there, and the covariance says so")
    return out


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text with a header row; floats written with six decimals (the format of every sprn CSV)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([f"{v:.6f}" if isinstance(v, float) else v for v in row])
    return buf.getvalue()


def track_csv(track: TrackTable) -> str:
    """``track.csv`` text (DESIGN.md): track, time, ECEF state and the covariance's upper triangle."""
    iu = np.triu_indices(6)
    rows = ([int(track.ids[k]), float(track.t_s[k]), *map(float, track.x[k]), *map(float, track.p[k][iu])]
            for k in range(len(track.t_s)))
    return csv_text(TRACK_COLUMNS, rows)


def impact_csv(predictions: Sequence[ImpactPrediction], track_ids: Sequence[int] | None = None) -> str:
    """``impact.csv`` text, one row per prediction (``track_ids``: each one's track; default 1)."""
    ids = [1] * len(predictions) if track_ids is None else list(track_ids)
    rows = ([tid, p.t_s, p.lat_deg, p.lon_deg, p.t_impact_s, p.semi_major_km, p.semi_minor_km, p.orientation_deg]
            for tid, p in zip(ids, predictions))
    return csv_text(IMPACT_COLUMNS, rows)


def track_outputs(track: TrackTable, predictions: Sequence[ImpactPrediction],
                  track_ids: Sequence[int] | None = None) -> dict[str, str]:
    """The output files of ``sprn track``, name to content (write with ``sprn.report.write_atomic``)."""
    return {"track.csv": track_csv(track), "impact.csv": impact_csv(predictions, track_ids)}
