"""The flight and what the network saw of it: altitude profile and per-site time line."""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sprn.engagement import RunResult
from sprn.plot.common import (
    BOOSTER_COLOUR,
    CHAIN_COLOURS,
    TRUTH_COLOUR,
    FloatArray,
    chain_events,
    event_lines,
    new_figure,
    sample,
    sample_booster,
    sample_truth,
    site_colours,
    site_label,
    truth_events,
    warning_time_s,
)
from sprn.radar.coverage import visible

TIMELINE_STEP_S = 1.0
"""Time step (s) at which each site's view of the target is evaluated for the time line."""
EVENT_LABEL_OFFSETS = {"impact": (10, 10), "reentry (100 km)": (-10, 22)}
"""Label offsets (points) on the profile; reentry and impact are seconds apart."""


def _event_label(name: str, t_s: float, alt_km: float) -> str:
    if name == "apogee":
        return f"apogee {alt_km:.0f} km\nt = {t_s:.0f} s"
    return f"{name}\nt = {t_s:.0f} s"


def altitude_profile(result: RunResult) -> Figure:
    """Altitude against ground range from the launch point, with the flight's events,
    the target's positions at each detection (by site) and the warning chain's events.

    The y axis tops just above the apogee; heights are geodetic (above the WGS84
    ellipsoid), ground range the geodesic distance of the sub-point from the launch point.
    """
    fig = new_figure(10.0, 6.5)
    ax = fig.add_subplot()
    tr = result.truth
    rv, booster = sample_truth(result), sample_booster(result)
    ax.plot(rv.ground_range_m / 1e3, rv.alt_m / 1e3, color=TRUTH_COLOUR, lw=1.8, label=f"{tr.missile.name} (truth)")
    if booster is not None:
        ax.plot(booster.ground_range_m / 1e3, booster.alt_m / 1e3, color=BOOSTER_COLOUR, lw=1.2, ls="--",
                label="spent booster (truth)")
    _detections_on_profile(ax, result)
    _events_on_profile(ax, result)
    _chain_on_profile(ax, result)
    top = max(float(rv.alt_m.max()), float(booster.alt_m.max()) if booster is not None else 0.0) / 1e3
    ax.set_ylim(0.0, 1.08 * top)
    right = max(float(rv.ground_range_m.max()), float(booster.ground_range_m.max()) if booster is not None else 0.0)
    ax.set_xlim(-0.02 * right / 1e3, 1.12 * right / 1e3)
    ax.set_xlabel("ground range from the launch point (km)")
    ax.set_ylabel("altitude above the WGS84 ellipsoid (km)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    s = tr.summary()
    ax.set_title(f"Flight profile: {tr.missile.name}, apogee {s['apogee_km']:.0f} km, range {s['range_km']:.0f} km, "
                 f"impact at t = {tr.t_impact_s:.0f} s\n{result.scenario.name}", fontsize=10)
    return fig


def _profile_at(result: RunResult, t_s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Ground range and altitude (km) of the truth at times ``t_s``."""
    tr = result.truth
    pts = sample(tr, np.asarray(t_s, dtype=float), tr.launch_lat_deg, tr.launch_lon_deg)
    return pts.ground_range_m / 1e3, pts.alt_m / 1e3


def _detections_on_profile(ax: Axes, result: RunResult) -> None:
    colours = site_colours(result)
    for name in dict.fromkeys(d.site for d in result.output.detections):
        t = np.array([d.t_s for d in result.output.detections if d.site == name])
        x, y = _profile_at(result, t)
        ax.scatter(x, y, s=14, color=colours[name], zorder=4, edgecolors="none",
                   label=f"detected by {site_label(result, name)} ({len(t)} reports)")


def _events_on_profile(ax: Axes, result: RunResult) -> None:
    events = [(t, name) for t, name in truth_events(result) if name != "separation"]
    x, y = _profile_at(result, np.array([t for t, _ in events]))
    ax.plot(x, y, ls="none", marker="o", ms=7, mfc="white", mec="black", zorder=5)
    for (t, name), xi, yi in zip(events, x, y):
        offset = EVENT_LABEL_OFFSETS.get(name, (-10, 8))
        ax.annotate(_event_label(name, t, yi), (xi, yi), xytext=offset, textcoords="offset points",
                    ha="left" if offset[0] > 0 else "right", fontsize=8, zorder=6,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.7", "alpha": 0.85})


def _chain_on_profile(ax: Axes, result: RunResult) -> None:
    events = chain_events(result)
    if not events:
        return
    x, y = _profile_at(result, np.array([t for t, _ in events]))
    warn = warning_time_s(result)
    for k, ((t, name), xi, yi) in enumerate(zip(events, x, y)):
        c = {**CHAIN_COLOURS, "first detection": "tab:blue"}.get(name, "tab:blue")
        ax.plot(xi, yi, marker="D", ms=8, mfc=c, mec="black", ls="none", zorder=6)
        text = f"{name}, t = {t:.0f} s"
        if name == "WARNING" and warn is not None:
            text += f"\n({warn:.0f} s = {warn / 60:.1f} min before impact)"
        ax.annotate(text, (xi, yi), xytext=(14, -14 - 26 * k), textcoords="offset points", fontsize=8, color=c,
                    zorder=6, arrowprops={"arrowstyle": "-", "color": c, "lw": 0.8},
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": c, "alpha": 0.9})


def visibility_intervals(result: RunResult, step_s: float = TIMELINE_STEP_S) -> dict[str, list[tuple[float, float]]]:
    """Per site, the time intervals (start, end s) when the target was inside its coverage.

    Coverage (horizon with refraction, sector, elevation and range limits) is evaluated
    every ``step_s`` seconds of the truth, so interval ends are good to ``step_s``.
    """
    tr = result.truth
    t = np.arange(0.0, tr.t_impact_s, step_s)
    r = tr.state(t)[:, :3]
    out: dict[str, list[tuple[float, float]]] = {}
    for site in result.scenario.sites:
        vis = visible(site, r).astype(np.int8)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], vis, [0]])))
        out[site.name] = [(float(t[a]), float(t[b - 1] + step_s)) for a, b in zip(edges[::2], edges[1::2])]
    return out


def _rows(result: RunResult, spans: dict[str, list[tuple[float, float]]]) -> tuple[list[str], list[str]]:
    """Sites shown (in view, dwelt or detected) and the sites that never had the target in view."""
    dwelt = {k for k, v in result.output.dwells.items() if len(v)}
    seen = {d.site for d in result.output.detections}
    names = [s.name for s in result.scenario.sites]
    shown = [n for n in names if spans.get(n) or n in dwelt or n in seen]
    return shown, [n for n in names if n not in shown]


def site_timeline(result: RunResult) -> Figure:
    """What each site saw, against time: the time the target was inside its coverage
    (bars), its dwells on the target (ticks), detections (dots), the first detection and
    cue (markers), with the flight's and the warning chain's events; below, each
    detection's signal-to-noise ratio.
    """
    spans = visibility_intervals(result)
    shown, hidden = _rows(result, spans)
    fig = new_figure(11.0, 5.0 + 0.5 * max(len(shown), 1))
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(max(len(shown), 1) + 1.5, 2.5))
    colours = site_colours(result)
    out = result.output
    for row, name in enumerate(shown):
        c = colours[name]
        top.broken_barh([(a, b - a) for a, b in spans[name]], (row - 0.35, 0.7), facecolors=c, alpha=0.18)
        dwells = np.asarray(out.dwells.get(name, ()), dtype=float)
        top.vlines(dwells, row - 0.3, row - 0.05, color="0.45", lw=0.5)
        t_det = np.array([d.t_s for d in out.detections if d.site == name])
        snr = np.array([d.snr_db for d in out.detections if d.site == name])
        top.plot(t_det, np.full(t_det.shape, row + 0.17), ls="none", marker="o", ms=3.5, color=c)
        if t_det.size:
            top.plot(t_det[0], row - 0.45, marker="v", ms=9, mfc=c, mec="black")
            top.annotate(f"first detection {t_det[0]:.0f} s", (t_det[0], row - 0.45), xytext=(7, -3),
                         textcoords="offset points", fontsize=8)
            bottom.plot(t_det, snr, marker="o", ms=3, lw=0.8, color=c, label=site_label(result, name))
        cue = out.first_cue_s.get(name)
        if cue is not None:
            top.plot(cue, row - 0.45, marker="D", ms=6, mfc="white", mec=c)
            top.annotate(f"cued {cue:.0f} s", (cue, row - 0.45), xytext=(7, -3), textcoords="offset points",
                         fontsize=8)
    event_lines((top, bottom), result, label_ax=top)
    top.set_yticks(range(len(shown)), [site_label(result, n) for n in shown], fontsize=9)
    top.set_ylim(len(shown) - 0.5, -0.75)
    fig.legend(handles=_timeline_handles(), loc="outside lower center", fontsize=8, ncols=5, frameon=False)
    bottom.set_xlabel("time after launch (s)")
    bottom.set_ylabel("detection SNR (dB)")
    bottom.grid(True, alpha=0.3)
    if out.detections:
        bottom.legend(fontsize=8, loc="upper right")
    bottom.set_xlim(0.0, 1.02 * result.truth.t_impact_s)
    note = "" if not hidden else "\n" + textwrap.fill(
        "never in view: " + ", ".join(site_label(result, n) for n in hidden), 140)
    warn = warning_time_s(result)
    warn_text = "no warning issued" if warn is None else f"warning {warn:.0f} s before impact"
    fig.suptitle(f"What the radars saw: {result.scenario.name}; {warn_text}{note}", fontsize=10)
    return fig


def _timeline_handles() -> list[Line2D]:
    return [
        Line2D([], [], color="0.5", lw=6, alpha=0.3, label="target inside coverage"),
        Line2D([], [], color="0.45", marker="|", ls="none", ms=8, label="dwell on the target"),
        Line2D([], [], color="0.3", marker="o", ls="none", ms=4, label="detection"),
        Line2D([], [], color="0.5", marker="v", ls="none", ms=8, mec="black", label="first detection"),
        Line2D([], [], mfc="white", mec="0.3", marker="D", ls="none", ms=6, label="cue from the centre"),
    ]
