"""Reports of a run: a text summary, ``results.json`` and CSV files.

Everything here turns values into text; files are written atomically (to a temporary
name in the same directory, then renamed), so a failed run never leaves a half-written
output. The report decides nothing again: the checkpoints are the scenario's
(``[command_centre] checkpoints_s``), the territory its ``[threat]``'s, the cities its
``[outputs] cities``, and each prediction's probability of landing on the territory is the
one the simulation's assessment computed.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sprn import geo
from sprn.tracking import files

if TYPE_CHECKING:  # a run's record; sprn track writes its files without loading the simulation
    from sprn.engagement import RunResult


def json_ready(value: Any) -> Any:
    """JSON-ready: numpy scalars and arrays to Python, NaN to None."""
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _site_summary(result: RunResult) -> list[dict[str, Any]]:
    from sprn.engagement import site_summary

    return site_summary(result)


def results_dict(result: RunResult) -> dict[str, Any]:
    """The content of ``results.json`` (keys documented in the README)."""
    return dict(json_ready(_results(result)))


def _results(result: RunResult) -> dict[str, Any]:
    from sprn.territory import distance_to_cities_km  # here: shapely and the borders, not for sprn track

    truth = result.truth
    first = result.output.first_detection_s
    preds = []
    for assess, err in zip(result.output.assessments, result.prediction_errors_km):
        pred = assess.prediction
        preds.append(
            {
                "t_s": pred.t_s,
                "after_first_detection_s": None if first is None else pred.t_s - first,
                "lat_deg": pred.lat_deg,
                "lon_deg": pred.lon_deg,
                "t_impact_s": pred.t_impact_s,
                "sigma_t_impact_s": pred.sigma_t_impact_s,
                "error_km": err,
                "semi_major_km": pred.semi_major_km,
                "semi_minor_km": pred.semi_minor_km,
                "orientation_deg": pred.orientation_deg,
                "p_territory": assess.p_territory,
                "dist_to_territory_km": assess.dist_to_territory_km,
                "dist_to_cities_km": distance_to_cities_km(pred.lat_deg, pred.lon_deg, result.scenario.report_cities),
                "threat": assess.threat,
            }
        )
    score = result.score
    return (
        {
            "scenario": {"name": result.scenario.name, "file": result.scenario.path, "seed": result.seed,
                         "epoch": result.scenario.epoch.isoformat()},
            "truth": {
                **truth.summary(),
                "impact": {"lat_deg": truth.impact_lat_deg, "lon_deg": truth.impact_lon_deg, "t_s": truth.t_impact_s},
            },
            "sites": _site_summary(result),
            "track": {
                "updates": len(score.t_s),
                "rejected": len(result.output.tracker.rejected),
                "pos_rmse_m": score.pos_rmse_m,
                "vel_rmse_mps": score.vel_rmse_mps,
                "nees_mean": score.nees_mean,
                "nis_mean": score.nis_mean,
            },
            "first_detection_s": first,
            **({"echelons": _echelons(result)} if result.scenario.space is not None else {}),
            "warning": warning_dict(result),
            "launch_point": launch_dict(result),
            **({"space": space_dict(result)} if result.scenario.space is not None else {}),
            "territory": territory_rows(result),
            "impact_predictions": preds,
            "objects": objects_list(result),
            "tracks": tracks_list(result),
            "scene": scene_dict(result),
        }
    )


def objects_list(result: RunResult) -> list[dict[str, Any]]:
    """``results.json`` ``objects[]``: per truth object, its kind, first detection, first
    confirmed track, when it was classified correctly and the tracks that followed it."""
    return [
        {"id": o.id, "kind": o.kind, "first_detection_s": o.first_detection_s,
         "first_confirmed_track_s": o.first_confirmed_track_s, "classified_s": o.classified_s, "tracks": list(o.tracks)}
        for o in result.scene_score.objects
    ]


def tracks_list(result: RunResult) -> list[dict[str, Any]]:
    """``results.json`` ``tracks[]``: per confirmed track, its class and probabilities, first and
    last times, the truth object it followed (None: false alarms), purity and last impact prediction."""
    last = {}
    for a in result.output.all_assessments:
        last[a.track_id] = a.prediction
    out = []
    for t in result.scene_score.confirmed:
        pred = last.get(t.id)
        out.append({
            "id": t.id, "class": t.cls, "probabilities": dict(t.probabilities), "t_first_s": t.t_first_s,
            "t_last_s": t.t_last_s, "t_confirmed_s": t.t_confirmed_s, "reports": t.reports, "object": t.object,
            "purity": t.purity,
            "impact": None if pred is None else {"t_s": pred.t_s, "lat_deg": pred.lat_deg, "lon_deg": pred.lon_deg,
                                                 "t_impact_s": pred.t_impact_s, "semi_major_km": pred.semi_major_km},
        })
    return out


def scene_dict(result: RunResult) -> dict[str, Any]:
    """``results.json`` ``scene``: GOSPA (mean, m; cut-off stated), identity switches, false tracks."""
    sc = result.scene_score
    return {"gospa_mean_m": sc.mean_gospa_m, "gospa_cutoff_m": sc.cutoff_m, "identity_switches": sc.identity_switches,
            "tracks_started": len(sc.tracks), "tracks_confirmed": len(sc.confirmed), "false_tracks": sc.false_tracks,
            "mean_purity": sc.mean_purity}


def _echelons(result: RunResult) -> dict[str, Any]:
    from sprn.engagement import first_echelon

    return first_echelon(result)


def space_dict(result: RunResult) -> dict[str, Any] | None:
    """The space echelon's launch report (area, azimuth, their error against the truth) and triangulations."""
    space = result.scenario.space
    if space is None:
        return None
    area = result.output.launch_area
    truth = result.truth
    launch = None
    if area is not None:
        err_km = float(geo.geodesic_distance_m(area.lat_deg, area.lon_deg, truth.launch_lat_deg,
                                               truth.launch_lon_deg)) / 1e3
        az_err = None if area.azimuth_deg is None else (area.azimuth_deg - truth.azimuth_deg + 180.0) % 360.0 - 180.0
        launch = {"t_s": result.output.first_event_s("launch_detected"), "lat_deg": area.lat_deg,
                  "lon_deg": area.lon_deg, "semi_major_km": area.semi_major_km, "semi_minor_km": area.semi_minor_km,
                  "azimuth_deg": area.azimuth_deg, "sigma_azimuth_deg": area.sigma_azimuth_deg,
                  "azimuth_from": area.azimuth_from,
                  "error_km": err_km, "azimuth_error_deg": az_err}
    return {"note": space.note, "phase_deg": space.phase_deg, "cloud_top_km": space.cloud_top_m / 1e3,
            "launch_detected": launch, "triangulations": len(result.output.triangulations)}


def launch_dict(result: RunResult) -> dict[str, Any] | None:
    """The launch-point estimate (at first detection + 180 s) and its error against the truth."""
    est = result.launch
    if est is None:
        return None
    return {
        "t_s": est.t_s, "lat_deg": est.lat_deg, "lon_deg": est.lon_deg, "t_launch_s": est.t_launch_s,
        "semi_major_km": est.semi_major_km, "semi_minor_km": est.semi_minor_km,
        "orientation_deg": est.orientation_deg, "error_km": result.launch_error_km,
        "nearest_launch_area": est.nearest_area, "nearest_launch_area_km": est.nearest_area_km,
    }


def key_name(name: str) -> str:
    """A place's name as part of a JSON key: ``"North Korea"`` -> ``"north_korea"``."""
    return "_".join(name.lower().replace("-", " ").split())


def territory_rows(result: RunResult) -> list[dict[str, Any]]:
    """For the true impact and the prediction at each of the scenario's checkpoints: the
    distances to the scenario's report cities and to its threat territory's land, and the
    probability of landing on it (the truth: 0 or 1; a prediction: the simulation's
    assessment of it)."""
    from sprn.territory import distance_to_cities_km, distance_to_territory_km, on_territory

    truth, scen = result.truth, result.scenario
    terrs = _reported_territories(result)
    points: list[tuple[str, float, float, tuple[float, ...] | None]] = [
        ("truth", truth.impact_lat_deg, truth.impact_lon_deg, None)
    ]
    for after in scen.sim.checkpoints_s:
        found = result.assessment_at(after)
        if found is not None:
            a = found[0]
            assessed = ((a.p_territory,) if scen.sim.threat.territory is not None else ()) + a.p_report
            points.append((f"+{after:g} s", a.prediction.lat_deg, a.prediction.lon_deg, assessed))
    rows: list[dict[str, Any]] = []
    for label, lat, lon, p_assessed in points:
        row: dict[str, Any] = {"when": label, "lat_deg": lat, "lon_deg": lon}
        for name, km in distance_to_cities_km(lat, lon, scen.report_cities).items():
            row[f"dist_to_{key_name(name)}_km"] = km
        for k, terr in enumerate(terrs):
            key = key_name(terr.name)
            row[f"dist_to_{key}_km"] = float(distance_to_territory_km(terr, lat, lon))
            row[f"p_{key}"] = (float(on_territory(terr, np.array([lat]), np.array([lon]))[0])
                               if p_assessed is None else p_assessed[k])
        rows.append(row)
    return rows


def _reported_territories(result: RunResult) -> list[Any]:
    """The threat territory (if any), then the rule's report territories: the columns of
    :func:`territory_rows`, in the order of each assessment's probabilities."""
    rule = result.scenario.sim.threat
    return ([rule.territory] if rule.territory is not None else []) + list(rule.report_territories)


def warning_dict(result: RunResult) -> dict[str, Any]:
    """Warning metrics: when the chain detected, confirmed and warned, and the time left."""
    out = result.output
    warn = out.first_event_s("warning")
    return {
        "territory": result.scenario.sim.threat.territory.name if result.scenario.sim.threat.territory else None,
        "first_detection_s": out.first_detection_s,
        "track_initiated_s": out.first_event_s("track_initiated"),
        "track_confirmed_s": out.first_event_s("track_confirmed"),
        "first_prediction_s": out.first_event_s("impact_predicted"),
        "first_warning_s": warn,
        "warning_time_s": None if warn is None else result.truth.t_impact_s - warn,
        **_launch_alert(result),
    }


def _launch_alert(result: RunResult) -> dict[str, Any]:
    """With satellites: when the space echelon declared the launch, and the time that left before impact."""
    if result.scenario.space is None:
        return {}
    t = result.output.first_event_s("launch_detected")
    return {"launch_detected_s": t, "launch_alert_time_s": None if t is None else result.truth.t_impact_s - t}


def timeline(result: RunResult) -> list[tuple[float, str]]:
    """The engagement's time line: launch, first detection per site, track, warning, impact."""
    out, truth = result.output, result.truth
    rows = [(0.0, "launch")]
    rows += [(t, name) for name, t in sorted(truth.events.items(), key=lambda kv: kv[1])
             if name in ("burnout", "apogee", "reentry_100km")]
    for row in _site_summary(result):
        if row["first_detection_s"] is not None:
            rows.append((row["first_detection_s"], f"first detection by {row['name']}"))
        if row.get("first_cue_s") is not None:
            rows.append((row["first_cue_s"], f"cue reaches {row['name']}"))
    labels = {"launch_detected": "launch detected by the satellites", "track_initiated": "track initiated", "track_confirmed": "track confirmed",
              "impact_predicted": "first impact prediction", "warning": "WARNING issued"}
    for kind, label in labels.items():
        t = out.first_event_s(kind)
        if t is not None:
            rows.append((t, label))
    rows.append((truth.t_impact_s, "impact"))
    return sorted(rows, key=lambda r: r[0])


def summary_text(result: RunResult) -> str:
    """A readable summary of one run."""
    truth = result.truth
    s = truth.summary()
    lines = [
        f"sprn: {result.scenario.name}",
        f"  epoch {result.scenario.epoch.isoformat()}  seed {result.seed}",
        "",
        "Truth",
        f"  {truth.missile.name}: apogee {s['apogee_km']:.1f} km, ground range {s['range_km']:.1f} km, "
        f"flight time {s['flight_time_s'] / 60:.1f} min",
        f"  launch {truth.launch_lat_deg:.4f} N {truth.launch_lon_deg:.4f} E -> impact "
        f"{truth.impact_lat_deg:.4f} N {truth.impact_lon_deg:.4f} E at t = {truth.t_impact_s:.0f} s",
        "",
        "Radar sites",
        f"  {'site':<24}{'detections':>11}{'first (s)':>11}{'last (s)':>10}",
    ]
    rows = _site_summary(result)
    for kind, title in (("radar", None), ("satellite", "Satellites (angles-only, infrared)")):
        if title is not None and any(r["kind"] == kind for r in rows):
            lines += ["", title, f"  {'satellite':<24}{'detections':>11}{'first (s)':>11}{'last (s)':>10}"]
        for row in (r for r in rows if r["kind"] == kind):
            first = "-" if row["first_detection_s"] is None else f"{row['first_detection_s']:.0f}"
            last = "-" if row["last_detection_s"] is None else f"{row['last_detection_s']:.0f}"
            lines.append(f"  {row['name']:<24}{row['detections']:>11}{first:>11}{last:>10}")
    if result.scenario.space is not None:
        ech = _echelons(result)
        lines.append("  first seen by: " + {"space": f"the space echelon, {ech['gain_s']:.0f} s before the radars"
                                            if ech["gain_s"] is not None else "the space echelon (the radars never)",
                                            "radar": "the radars", None: "no echelon"}[ech["first"]])
        if result.scenario.space.note:
            lines.append(f"  note: {result.scenario.space.note}")
    lines += ["", "Time line (s after launch)"]
    lines += [f"  {t:8.1f}  {label}" for t, label in timeline(result)]
    warn = warning_dict(result)
    if warn["territory"] is not None:
        wt = warn["warning_time_s"]
        lines.append(f"  warning time for {warn['territory']}: " + ("no warning issued" if wt is None else f"{wt:.0f} s"))
    if warn.get("launch_alert_time_s") is not None:
        lines.append(f"  launch alert from the satellites: {warn['launch_alert_time_s']:.0f} s before impact")
    lines += ["", "Where it lands (distances in km; probability of landing on the country's land)"]
    cities = result.scenario.report_cities
    terrs = _reported_territories(result)
    width = [max(len(c) + 2, 8) for c in cities]
    header = f"  {'':<10}" + "".join(f"{c:>{w}}" for c, w in zip(cities, width))
    for terr in terrs:
        header += f"{terr.name:>{len(terr.name) + 2}}{f'P({terr.name})':>{len(terr.name) + 5}}"
    lines.append(header)
    for row in territory_rows(result):
        line = f"  {row['when']:<10}" + "".join(
            f"{row[f'dist_to_{key_name(c)}_km']:>{w}.0f}" for c, w in zip(cities, width)
        )
        for terr in terrs:
            key = key_name(terr.name)
            line += f"{row[f'dist_to_{key}_km']:>{len(terr.name) + 2}.0f}{row[f'p_{key}']:>{len(terr.name) + 5}.4f}"
        lines.append(line)
    if result.launch is not None:
        est = result.launch
        lines += [
            "",
            f"Launch point (from the track at first detection + 180 s): {est.lat_deg:.3f} N {est.lon_deg:.3f} E, "
            f"95 % ellipse {est.semi_major_km:.1f} x {est.semi_minor_km:.1f} km, error {result.launch_error_km:.1f} km; "
            f"nearest known launch area {est.nearest_area} ({est.nearest_area_km:.1f} km)",
        ]
    lines += ["", *scene_lines(result)]
    score = result.score
    lines += [
        "",
        "Track of the reentry vehicle",
        f"  {len(score.t_s)} updates; position RMSE {score.pos_rmse_m / 1000:.2f} km, velocity RMSE "
        f"{score.vel_rmse_mps:.1f} m/s, mean NEES {score.nees_mean:.2f} (6 if consistent)",
        "",
        "Impact prediction (95 % ellipse)",
        f"  {'after 1st det.':>15}{'lat':>10}{'lon':>10}{'error km':>10}{'ellipse km':>16}",
    ]
    for after in result.scenario.sim.checkpoints_s:
        found = result.prediction_at(after)
        if found is None:
            lines.append(f"  {f'+{after:g} s':>15}{'(no track yet or after impact)':>46}")
            continue
        pred, err = found
        ell = f"{pred.semi_major_km:.1f} x {pred.semi_minor_km:.1f}"
        lines.append(f"  {f'+{after:g} s':>15}{pred.lat_deg:>10.3f}{pred.lon_deg:>10.3f}{err:>10.2f}{ell:>16}")
    return "\n".join(lines)


def scene_lines(result: RunResult) -> list[str]:
    """The summary's objects and tracks: what each object was, when it was first seen and
    first tracked, and each confirmed track's class."""
    sc = result.scene_score
    lines = ["Objects (truth)", f"  {'object':<16}{'kind':<17}{'first seen (s)':>15}{'tracked (s)':>12}"
             f"{'classified (s)':>15}  tracks"]
    for o in sc.objects:
        cells = [o.first_detection_s, o.first_confirmed_track_s, o.classified_s]
        first, tracked, classified = ("-" if v is None else f"{v:.0f}" for v in cells)
        lines.append(f"  {o.id:<16}{o.kind:<17}{first:>15}{tracked:>12}{classified:>15}  "
                     + (", ".join(str(t) for t in o.tracks) or "-"))
    lines += ["", f"Tracks: {len(sc.confirmed)} confirmed of {len(sc.tracks)} started; {sc.false_tracks} false; "
                  f"mean GOSPA {sc.mean_gospa_m / 1000:.2f} km (cut-off {sc.cutoff_m / 1000:.0f} km), "
                  f"{sc.identity_switches} identity switches",
              f"  {'track':>6}{'class':>17}{'P(class)':>10}{'object':>16}{'purity':>8}{'from (s)':>10}{'to (s)':>8}"]
    for t in sc.confirmed:
        p = t.probabilities.get(t.cls, float("nan"))
        lines.append(f"  {t.id:>6}{t.cls or '-':>17}{p:>10.2f}{t.object or 'false alarms':>16}{t.purity:>8.2f}"
                     f"{t.t_first_s:>10.0f}{t.t_last_s:>8.0f}")
    return lines


def truth_csv(result: RunResult, step_s: float = 1.0) -> str:
    """The truth sampled every ``step_s`` seconds, with geodetic coordinates."""
    truth = result.truth
    t = np.append(np.arange(0.0, truth.t_impact_s, step_s), truth.t_impact_s)
    x = truth.state(t)
    lat, lon, alt = geo.ecef_to_lla(x[:, :3])
    header = ["t_s", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps", "lat_deg", "lon_deg", "alt_m"]
    rows = (
        [float(t[i]), *map(float, x[i]), float(np.degrees(lat[i])), float(np.degrees(lon[i])), float(alt[i])]
        for i in range(len(t))
    )
    return files.csv_text(header, rows)


def detections_csv(result: RunResult) -> str:
    """Detections in the measurement-file format of ``sprn track`` (plus arrival and SNR)."""
    header = ["t_s", "site", "range_m", "azimuth_deg", "elevation_deg", "range_rate_mps", "t_arrival_s", "snr_db"]
    rows = []
    for d in result.output.detections:
        rr = float(d.z[3]) if d.z.size == 4 else ""
        rows.append(
            [d.t_s, d.site, float(d.z[0]), math.degrees(d.z[1]), math.degrees(d.z[2]), rr, d.t_arrival_s, d.snr_db]
        )
    return files.csv_text(header, rows)


def track_csv(result: RunResult) -> str:
    """The centre's reported tracks (every one ever confirmed): states and covariance
    upper triangles in the format of DESIGN.md, with each row's ``track_id``."""
    return files.track_csv(files.track_table(result.output.tracker))


def events_jsonl(result: RunResult) -> str:
    """The event log, one JSON object per line, in time order."""
    return "".join(json.dumps(json_ready(e.to_json())) + "\n" for e in result.output.events)


def run_files(result: RunResult) -> dict[str, str]:
    """All output files of a run, name to content."""
    return {
        "results.json": json.dumps(results_dict(result), indent=2) + "\n",
        "events.jsonl": events_jsonl(result),
        "truth.csv": truth_csv(result),
        "detections.csv": detections_csv(result),
        "track.csv": track_csv(result),
    }


def write_atomic(directory: str | Path, files: Mapping[str, str | bytes]) -> None:
    """Write every file to a temporary name in ``directory``, then rename them all.

    Content is built before this is called, so a bad run fails before any write.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, content in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out)
            staged.append((tmp, out / name))
            with os.fdopen(fd, "wb") as fh:
                fh.write(content.encode("utf-8") if isinstance(content, str) else content)
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    umask = os.umask(0)
    os.umask(umask)
    for tmp, final in staged:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs get the usual mode
        os.replace(tmp, final)
