"""A run as one self-contained HTML page: summary, time line, tables and figures.

The figures are embedded as base64 PNG ``data:`` URIs, the style sheet is inline and the
interactive view (:mod:`sprn.interactive`: a 3D globe and a per-site time line with a time
slider) carries plotly's JavaScript inside the page, so the page needs no other file and no
network; it opens in any browser and can be mailed.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sprn import interactive, plot, report
from sprn.engagement import RunResult, site_summary

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1250px; padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; }
.meta { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; } td.text, th.text { text-align: left; }
tr.warning td { color: #b00020; font-weight: bold; }
pre { background: #f7f7f7; padding: 1em; overflow-x: auto; font-size: 0.85em; }
figure { margin: 1em 0 2em; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
.cards { display: flex; flex-wrap: wrap; gap: 1em; margin: 1em 0; }
.card { background: #f5f7fa; border-radius: 6px; padding: 0.6em 1em; min-width: 11em; }
.card b { display: block; font-size: 1.3em; }
.view { margin: 0.5em 0 1.5em; }
"""

CAPTIONS = {
    "map.png": "The engagement: radar coverage, ground tracks, impact predictions (95 % ellipses, coloured by the "
               "time they were made), the true impact and its distances.",
    "altitude.png": "Flight profile with the flight's events, detections and the warning chain.",
    "timeline.png": "What each radar saw: target in coverage, dwells, detections, cues; detection SNR below.",
    "errors.png": "Track errors against the truth (radial, along-track, cross-track) with the filter's ±2σ.",
    "nees.png": "Filter consistency: NEES and NIS with their 95 % chi-square bands.",
    "impact.png": "Impact prediction error, the stated 95 % ellipse and the threat to the defended territory.",
}


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return html.escape(str(value))


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], text_columns: int = 1,
          row_class: Sequence[str] | None = None, digits: Sequence[int] | None = None) -> str:
    """An HTML table; the first ``text_columns`` columns are left-aligned text, numbers
    are shown with ``digits[i]`` decimals in column ``i`` (default 1)."""
    head = "".join(f'<th class="text">{html.escape(h)}</th>' if i < text_columns else f"<th>{html.escape(h)}</th>"
                   for i, h in enumerate(header))
    places = list(digits) if digits is not None else [1] * len(header)
    body = []
    for k, row in enumerate(rows):
        cells = "".join(f'<td class="text">{_fmt(v, places[i])}</td>' if i < text_columns
                        else f"<td>{_fmt(v, places[i])}</td>" for i, v in enumerate(row))
        cls = f' class="{row_class[k]}"' if row_class and row_class[k] else ""
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _cards(result: RunResult) -> str:
    s = result.truth.summary()
    warn = report.warning_dict(result)
    items = [
        ("apogee", f"{s['apogee_km']:,.0f} km"),
        ("ground range", f"{s['range_km']:,.0f} km"),
        ("flight time", f"{s['flight_time_s'] / 60:.1f} min"),
        ("first detection", "none" if warn["first_detection_s"] is None else f"t = {warn['first_detection_s']:.0f} s"),
        ("warning time", "no warning" if warn["warning_time_s"] is None else f"{warn['warning_time_s']:.0f} s"),
    ]
    errs = result.prediction_errors_km
    if errs:
        items.append(("last impact prediction error", f"{errs[-1]:,.1f} km"))
    return '<div class="cards">' + "".join(f'<div class="card">{html.escape(k)}<b>{html.escape(v)}</b></div>'
                                           for k, v in items) + "</div>"


def _timeline_table(result: RunResult) -> str:
    rows = report.timeline(result)
    t_impact = result.truth.t_impact_s
    return table(["event", "t (s after launch)", "time to impact (s)"],
                 [(label, t, t_impact - t) for t, label in rows],
                 row_class=["warning" if "WARNING" in label else "" for _, label in rows])


def _sites_table(result: RunResult) -> str:
    rows = [r for r in site_summary(result) if r["dwells"] or r["detections"]]
    hidden = len(result.scenario.sites) - len(rows)
    note = f"<p>{hidden} more site(s) of the network never dwelt on the target.</p>" if hidden else ""
    return table(["site", "dwells", "detections", "first detection (s)", "last detection (s)", "first SNR (dB)",
                  "cued at (s)"],
                 [(r["name"], r["dwells"], r["detections"], r["first_detection_s"], r["last_detection_s"],
                   r["first_detection_snr_db"], r["first_cue_s"]) for r in rows]) + note


def _predictions_table(result: RunResult) -> str:
    first = result.output.first_detection_s
    rows, classes = [], []
    for a, err in zip(result.output.assessments, result.prediction_errors_km):
        p = a.prediction
        rows.append((f"{p.t_s:.0f}", None if first is None else p.t_s - first, p.lat_deg, p.lon_deg, err,
                     p.semi_major_km, p.semi_minor_km, a.dist_to_territory_km, a.p_territory, a.threat))
        classes.append("warning" if a.threat else "")
    if not rows:
        return "<p>No impact prediction was made.</p>"
    return table(["made at t (s)", "after first detection (s)", "lat (°N)", "lon (°E)", "error (km)",
                  "95 % semi-major (km)", "95 % semi-minor (km)", "to territory (km)", "P(territory)", "threat"],
                 rows, row_class=classes, digits=(0, 1, 3, 3, 1, 1, 1, 0, 3, 0))


def _figures(figures: Mapping[str, bytes]) -> str:
    parts = []
    for name, png in figures.items():
        data = base64.b64encode(png).decode("ascii")
        caption = html.escape(CAPTIONS.get(name, name))
        parts.append(f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{data}">'
                     f"<figcaption>{caption}</figcaption></figure>")
    return "\n".join(parts)


def html_report(result: RunResult, figures: Mapping[str, bytes] | None = None, view: bool = True) -> str:
    """One self-contained HTML page for a run.

    Key figures, the interactive view of :func:`sprn.interactive.interactive_html` (unless
    ``view`` is false), the text summary of :func:`sprn.report.summary_text`, the time
    line, the sites that looked at the target, every impact prediction, and the figures of
    :func:`sprn.plot.plot_files` (pass ``figures`` to reuse PNGs already rendered).
    """
    figures = plot.plot_files(result) if figures is None else figures
    view_html = ""
    if view:
        view_html = ("<h2>Interactive view</h2>\n<p class=\"meta\">Drag to rotate the globe, scroll to zoom; the "
                     "slider shows what the command centre knew at each moment (track so far, latest impact "
                     "prediction with its 95 % ellipse, launch-point estimate, warning).</p>\n"
                     f"<div class=\"view\">{interactive.interactive_html(result)}</div>")
    scen = result.scenario
    title = html.escape(scen.name)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sprn: {title}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{title}</h1>
<p class="meta">scenario {html.escape(str(scen.path))} &middot; epoch {html.escape(scen.epoch.isoformat())} &middot;
seed {result.seed} &middot; filter {html.escape(scen.tracker.filter)}</p>
{_cards(result)}
{view_html}
<h2>Time line</h2>
{_timeline_table(result)}
<h2>Radar sites</h2>
{_sites_table(result)}
<h2>Impact predictions</h2>
{_predictions_table(result)}
<h2>Figures</h2>
{_figures(figures)}
<h2>Summary</h2>
<pre>{html.escape(report.summary_text(result))}</pre>
<p class="meta">Made by sprn. Coastlines and borders: Natural Earth (public domain). Interactive view: plotly.js (MIT licence), embedded.</p>
</body>
</html>
"""
