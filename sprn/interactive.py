"""The interactive view of a run: a rotatable 3D Earth and a per-site time line, with a slider.

Built with plotly, whose JavaScript is embedded in the page (:func:`interactive_html`), so
the view works offline from one file. The left panel is the WGS84 ellipsoid with the
shipped Natural Earth coastlines and borders (:mod:`sprn.territory`), the true flight of
the reentry vehicle and the spent booster, the radar sites with their coverage edges at
the target's altitude at first detection (:func:`sprn.plot.maps.coverage_altitude_m`),
and, for the moment the slider shows, what the command centre knew then: its track so
far, its latest impact prediction with the 95 % ellipse, the launch-point estimate once
made, and whether it had warned. The right panel is the time line of every site that had
the target in view or dwelt on it: coverage intervals, dwells and detections, with a line
at the slider's moment. The slider's steps are launch, first detection, each impact
prediction and impact; step labels are seconds after the first detection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sprn import geo, territory
from sprn.engagement import RunResult
from sprn.plot.common import FloatArray, sample_booster, sample_truth, site_colours, site_label
from sprn.plot.flight import visibility_intervals
from sprn.plot.maps import GroundEllipse, coverage_altitude_m, coverage_wedge, ellipse_lonlat

if TYPE_CHECKING:
    import plotly.graph_objects as go

DIV_ID = "sprn-view"
"""The ``id`` of the view's ``<div>`` (the browser test finds the plot by it)."""
KM = 1000.0
LINE_LIFT_M = 3000.0
"""Ground lines are drawn this high above the ellipsoid so the surface does not hide them."""
COAST_TOLERANCE_DEG = 0.05
"""Coastlines and borders are simplified to this tolerance (about 5 km): a globe needs no more."""
EARTH_COLOUR, TRUTH_COLOUR, TRACK_COLOUR = "#dfe9f3", "black", "crimson"
PREDICTION_COLOUR, LAUNCH_COLOUR, WARNING_COLOUR = "rebeccapurple", "forestgreen", "crimson"


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One position of the slider: its time (s after launch) and label."""

    t_s: float
    label: str


def _hex_colours(result: RunResult) -> dict[str, str]:
    """The figures' site colours (:func:`sprn.plot.common.site_colours`) as CSS hex colours."""
    from matplotlib.colors import to_hex

    return {name: to_hex(c) for name, c in site_colours(result).items()}


def _ecef_km(lat_deg: FloatArray, lon_deg: FloatArray, alt_m: FloatArray | float) -> FloatArray:
    alt = np.broadcast_to(np.asarray(alt_m, dtype=float), np.shape(lat_deg))
    return geo.lla_to_ecef(np.radians(lat_deg), np.radians(lon_deg), alt) / KM


def _joined(lines: list[FloatArray]) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Many (n, 3) polylines as one x, y, z triple separated by NaN (plotly's line breaks)."""
    if not lines:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    gap = np.full((1, 3), np.nan)
    xyz = np.concatenate([part for line in lines for part in (line, gap)])
    return xyz[:, 0], xyz[:, 1], xyz[:, 2]


def _map_lines(lines: list[FloatArray]) -> tuple[FloatArray, FloatArray, FloatArray]:
    import shapely

    out = []
    for line in lines:
        xy = shapely.get_coordinates(shapely.simplify(shapely.LineString(line), COAST_TOLERANCE_DEG))
        if len(xy) >= 2:
            out.append(_ecef_km(xy[:, 1], xy[:, 0], LINE_LIFT_M))
    return _joined(out)


def ellipse_xyz_km(est: GroundEllipse) -> FloatArray:
    """A 95 % ground ellipse as (n, 3) ECEF points (km), lifted as the globe's lines are."""
    lon, lat = ellipse_lonlat(est)
    return _ecef_km(lat, lon, LINE_LIFT_M)


def steps(result: RunResult) -> list[Step]:
    """The slider's moments: launch, first detection, each impact prediction, impact."""
    first = result.output.first_detection_s
    times = [0.0, result.truth.t_impact_s]
    if first is not None:
        times.append(first)
    times += [a.prediction.t_s for a in result.output.assessments]
    out = []
    for t in sorted(set(times)):
        if t == 0.0:
            label = "launch"
        elif t == result.truth.t_impact_s:
            label = "impact"
        else:
            label = f"+{t - first:.0f} s" if first is not None else f"{t:.0f} s"
        out.append(Step(t_s=t, label=label))
    return out


def _earth() -> go.Surface:
    import plotly.graph_objects as go

    lat, lon = np.meshgrid(np.linspace(-90.0, 90.0, 61), np.linspace(-180.0, 180.0, 121), indexing="ij")
    xyz = _ecef_km(lat.ravel(), lon.ravel(), 0.0).reshape(*lat.shape, 3)
    return go.Surface(x=xyz[..., 0], y=xyz[..., 1], z=xyz[..., 2], surfacecolor=np.zeros(lat.shape),
                      colorscale=[[0, EARTH_COLOUR], [1, EARTH_COLOUR]], showscale=False, hoverinfo="skip",
                      name="Earth (WGS84)", lighting={"ambient": 0.9, "diffuse": 0.2, "specular": 0.0},
                      scene="scene")


def _line3d(xyz: FloatArray | tuple[FloatArray, FloatArray, FloatArray], name: str, colour: str, width: float,
            dash: str = "solid", mode: str = "lines", **kwargs: Any) -> go.Scatter3d:
    import plotly.graph_objects as go

    x, y, z = (xyz[:, 0], xyz[:, 1], xyz[:, 2]) if isinstance(xyz, np.ndarray) else xyz
    return go.Scatter3d(x=x, y=y, z=z, mode=mode, name=name, line={"color": colour, "width": width, "dash": dash},
                        scene="scene", **kwargs)


def _known_at(result: RunResult, t_s: float) -> dict[str, Any]:
    """What the command centre knew at ``t_s``: track so far, latest assessment, launch estimate, warning."""
    hist = [e for e in result.rv_history if e.t_s <= t_s + 1e-9]
    latest = [a for a in result.output.assessments if a.prediction.t_s <= t_s + 1e-9]
    warn = result.output.first_event_s("warning")
    est = result.launch
    return {
        "track": np.array([e.x[:3] for e in hist]).reshape(-1, 3) / KM,
        "assessment": latest[-1] if latest else None,
        "launch": est if est is not None and est.t_s <= t_s + 1e-9 else None,
        "warning_s": warn if warn is not None and warn <= t_s + 1e-9 else None,
        "updates": len(hist),
    }


def _title(result: RunResult, step: Step, known: dict[str, Any]) -> str:
    first = result.output.first_detection_s
    when = f"t = {step.t_s:.0f} s after launch"
    if first is not None and step.t_s >= first:
        when += f" ({step.label} after first detection)" if step.label.startswith("+") else ""
    parts = [f"<b>{when}</b>: {known['updates']} track updates"]
    a = known["assessment"]
    if a is not None:
        p = a.prediction
        parts.append(f"latest impact prediction {p.lat_deg:.2f}°N {p.lon_deg:.2f}°E, 95 % ellipse "
                     f"{p.semi_major_km:,.0f} × {p.semi_minor_km:,.0f} km")
    if known["warning_s"] is not None:
        parts.append(f"<span style='color:{WARNING_COLOUR}'><b>WARNING</b> since t = {known['warning_s']:.0f} s</span>")
    return "; ".join(parts)


def _dynamic(result: RunResult, step: Step, rv_t: FloatArray, rv_xyz: FloatArray,
             timeline_rows: int) -> tuple[list[dict[str, Any]], str]:
    """The data of the traces the slider changes, in the order of :data:`DYNAMIC`, and the title."""
    known = _known_at(result, step.t_s)
    flown = rv_xyz[rv_t <= step.t_s + 1e-9]
    now = result.truth.state(step.t_s)[:3] / KM
    empty: dict[str, Any] = {"x": [], "y": [], "z": []}
    a = known["assessment"]
    ellipse, impact = dict(empty), dict(empty)
    name = "latest impact prediction (none yet)"
    if a is not None:
        ring = ellipse_xyz_km(a.prediction)
        ellipse = {"x": ring[:, 0], "y": ring[:, 1], "z": ring[:, 2]}
        point = _ecef_km(np.array([a.prediction.lat_deg]), np.array([a.prediction.lon_deg]), LINE_LIFT_M)
        impact = {"x": point[:, 0], "y": point[:, 1], "z": point[:, 2]}
        name = f"impact prediction made at t = {a.prediction.t_s:.0f} s (95 % ellipse)"
    launch = dict(empty)
    if known["launch"] is not None:
        ring = ellipse_xyz_km(known["launch"])
        launch = {"x": ring[:, 0], "y": ring[:, 1], "z": ring[:, 2]}
    track = known["track"]
    scene: list[dict[str, Any]] = [
        {"x": flown[:, 0], "y": flown[:, 1], "z": flown[:, 2]},
        {"x": [now[0]], "y": [now[1]], "z": [now[2]]},
        {"x": track[:, 0], "y": track[:, 1], "z": track[:, 2]},
        {**ellipse, "name": name},
        impact,
        launch,
    ]
    data: list[dict[str, Any]] = [{"type": "scatter3d", **d} for d in scene]
    data.append({"type": "scatter", "x": [step.t_s, step.t_s], "y": [-0.5, timeline_rows - 0.5]})
    return data, _title(result, step, known)


def _timeline(result: RunResult) -> tuple[list[go.Scatter], list[str], list[str]]:
    """The per-site time line's traces (coverage, dwells, detections), its row labels (site keys) and its sites."""
    import plotly.graph_objects as go

    spans = visibility_intervals(result)
    dwelt = {k for k, v in result.output.dwells.items() if len(v)}
    seen = {d.site for d in result.output.detections}
    names = [s.name for s in result.scenario.sites if spans.get(s.name) or s.name in dwelt or s.name in seen]
    colours = _hex_colours(result)
    traces: list[go.Scatter] = []
    for row, name in enumerate(names):
        c = colours[name]
        label = site_label(result, name)
        xs: list[float | None] = []
        for a, b in spans.get(name, []):
            xs += [a, b, None]
        traces.append(go.Scatter(x=xs, y=[row if x is not None else None for x in xs], mode="lines",
                                 line={"color": c, "width": 10}, opacity=0.25, name=f"{label}: target in coverage",
                                 legendgroup="timeline", showlegend=False, xaxis="x", yaxis="y",
                                 hovertemplate=f"{label}: target in coverage<extra></extra>"))
        dwells = np.asarray(result.output.dwells.get(name, np.zeros(0)), dtype=float)
        if len(dwells):
            traces.append(go.Scatter(x=dwells, y=np.full(len(dwells), row + 0.25), mode="markers",
                                     marker={"symbol": "line-ns-open", "size": 6, "color": c}, name=f"{label}: dwells",
                                     showlegend=False, xaxis="x", yaxis="y",
                                     hovertemplate=f"{label} dwell at t = %{{x:.1f}} s<extra></extra>"))
        det = [d for d in result.output.detections if d.site == name]
        if det:
            traces.append(go.Scatter(x=[d.t_s for d in det], y=np.full(len(det), row - 0.2), mode="markers",
                                     marker={"symbol": "circle", "size": 6, "color": c, "line": {"width": 0.5}},
                                     name=f"{label}: detections", showlegend=False, xaxis="x", yaxis="y",
                                     customdata=[d.snr_db for d in det],
                                     hovertemplate=f"{label} detection at t = %{{x:.1f}} s, SNR %{{customdata:.1f}} dB"
                                                   "<extra></extra>"))
    return traces, names, names


def interactive_figure(result: RunResult) -> go.Figure:
    """The view as a plotly figure with frames and a slider (see the module's docstring)."""
    import plotly.graph_objects as go

    truth = result.truth
    rv = sample_truth(result, 600)
    rv_xyz = rv.x[:, :3] / KM
    static: list[Any] = [
        _earth(),
        _line3d(_map_lines(territory.coastlines()), "coastlines", "#7a8591", 1.5, hoverinfo="skip", showlegend=False),
        _line3d(_map_lines(territory.borders()), "borders", "#a3acb5", 1.0, hoverinfo="skip", showlegend=False),
        _line3d(rv_xyz, f"{truth.missile.name}: whole flight (truth)", TRUTH_COLOUR, 2, dash="dot", opacity=0.5,
                customdata=rv.t_s, hovertemplate="truth at t = %{customdata:.0f} s<extra></extra>"),
    ]
    booster = sample_booster(result)
    if booster is not None:
        static.append(_line3d(booster.x[:, :3] / KM, "spent booster (truth)", "grey", 2, opacity=0.6,
                              hoverinfo="skip"))
    colours = _hex_colours(result)
    alt_m = coverage_altitude_m(result, None)
    timeline, rows, involved = _timeline(result)
    for site in result.scenario.sites:  # the sites of the time line are labelled and in the legend
        lon, lat = coverage_wedge(site, alt_m)
        label = site_label(result, site.name)
        shown = site.name in involved
        static.append(_line3d(_ecef_km(lat, lon, alt_m), f"{label}: coverage at {alt_m / KM:.0f} km", colours[site.name],
                              3 if shown else 1.5, legendgroup=site.name, showlegend=shown, hoverinfo="name"))
        pos = _ecef_km(np.array([site.lat_deg]), np.array([site.lon_deg]), site.alt_m + LINE_LIFT_M)
        static.append(_line3d(pos, label, colours[site.name], 0, mode="markers+text" if shown else "markers",
                              text=[label], marker={"size": 5, "color": colours[site.name], "symbol": "diamond"},
                              legendgroup=site.name, showlegend=False, hoverinfo="name"))
    all_steps = steps(result)
    frames_data = [_dynamic(result, s, rv.t_s, rv_xyz, len(rows)) for s in all_steps]
    first_data, first_title = frames_data[-1]
    dynamic: list[Any] = [
        _line3d(np.asarray([first_data[0]["x"], first_data[0]["y"], first_data[0]["z"]]).T, "truth so far",
                TRUTH_COLOUR, 5),
        _line3d(np.asarray([first_data[1]["x"], first_data[1]["y"], first_data[1]["z"]]).T, "target now (truth)",
                TRUTH_COLOUR, 0, mode="markers", marker={"size": 4, "color": TRUTH_COLOUR}),
        _line3d(np.asarray([first_data[2]["x"], first_data[2]["y"], first_data[2]["z"]]).T, "track so far",
                TRACK_COLOUR, 4, mode="lines+markers", marker={"size": 2, "color": TRACK_COLOUR}),
        _line3d(np.asarray([first_data[3]["x"], first_data[3]["y"], first_data[3]["z"]]).T, first_data[3]["name"],
                PREDICTION_COLOUR, 5),
        _line3d(np.asarray([first_data[4]["x"], first_data[4]["y"], first_data[4]["z"]]).T, "predicted impact",
                PREDICTION_COLOUR, 0, mode="markers", marker={"size": 4, "color": PREDICTION_COLOUR, "symbol": "x"}),
        _line3d(np.asarray([first_data[5]["x"], first_data[5]["y"], first_data[5]["z"]]).T,
                "launch-point estimate (95 %)", LAUNCH_COLOUR, 5),
        go.Scatter(x=first_data[6]["x"], y=first_data[6]["y"], mode="lines", line={"color": "black", "width": 1.5},
                   name="slider's moment", showlegend=False, xaxis="x", yaxis="y", hoverinfo="skip"),
    ]
    fig = go.Figure(data=[*static, *timeline, *dynamic])
    first_dynamic = len(static) + len(timeline)
    indices = list(range(first_dynamic, first_dynamic + len(dynamic)))
    fig.frames = [go.Frame(name=s.label, data=data, traces=indices, layout={"title": {"text": title}})
                  for s, (data, title) in zip(all_steps, frames_data)]
    _layout(fig, result, all_steps, rows, first_title)
    return fig


def _camera(result: RunResult) -> dict[str, dict[str, float]]:
    """Look at the engagement's middle from above and to the south, so heights show."""
    truth = result.truth
    lat = np.radians(0.5 * (truth.launch_lat_deg + truth.impact_lat_deg))
    lon = np.radians(0.5 * (truth.launch_lon_deg + truth.impact_lon_deg))
    up = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    north = np.array([-np.sin(lat) * np.cos(lon), -np.sin(lat) * np.sin(lon), np.cos(lat)])
    centre = 0.38 * up  # the scene's units: its cube is 1 wide (the surface is at ~0.36)
    eye = centre + 0.35 * up - 0.3 * north
    return {"eye": {"x": float(eye[0]), "y": float(eye[1]), "z": float(eye[2])},
            "center": {"x": float(centre[0]), "y": float(centre[1]), "z": float(centre[2])},
            "up": {"x": float(up[0]), "y": float(up[1]), "z": float(up[2])}}


def _layout(fig: go.Figure, result: RunResult, all_steps: list[Step], rows: list[str], title: str) -> None:
    reach = geo.A_M / KM + result.truth.apogee_m / KM + 500.0
    axis = {"visible": False, "range": [-reach, reach], "showspikes": False}
    slider_steps = [{"label": s.label, "method": "animate",
                     "args": [[s.label], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                          "transition": {"duration": 0}}]} for s in all_steps]
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 13}},
        height=820, margin={"l": 10, "r": 10, "t": 60, "b": 110},
        scene={"domain": {"x": [0.0, 0.62], "y": [0.0, 1.0]}, "xaxis": axis, "yaxis": axis, "zaxis": axis,
               "aspectmode": "cube", "camera": _camera(result),
               "bgcolor": "white"},
        xaxis={"domain": [0.72, 1.0], "title": {"text": "t (s after launch)"}, "anchor": "y",
               "range": [0.0, result.truth.t_impact_s]},
        yaxis={"domain": [0.5, 1.0], "tickmode": "array", "tickvals": list(range(len(rows))), "ticktext": rows,
               "range": [-0.6, len(rows) - 0.4], "autorange": False, "anchor": "x",
               "title": {"text": "coverage (band), dwells (|), detections (●)", "font": {"size": 11}}},
        legend={"x": 0.66, "y": 0.37, "yanchor": "top", "font": {"size": 10}, "bgcolor": "rgba(255,255,255,0.8)"},
        sliders=[{"active": len(all_steps) - 1, "steps": slider_steps, "x": 0.0, "len": 1.0, "y": 0.0,
                  "yanchor": "top", "pad": {"t": 10, "b": 0},
                  "currentvalue": {"prefix": "command centre's picture at ", "font": {"size": 12}}}],
        paper_bgcolor="white", plot_bgcolor="white", hovermode="closest",
    )


def interactive_html(result: RunResult) -> str:
    """The view as an HTML fragment (a ``<div>`` and its scripts, plotly.js embedded)."""
    fig = interactive_figure(result)
    return str(fig.to_html(full_html=False, include_plotlyjs=True, div_id=DIV_ID, auto_play=False,
                           config={"responsive": True, "displaylogo": False}))
