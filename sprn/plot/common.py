"""Shared pieces of sprn's figures: figure creation, colours, truth sampling, event times.

Figures are built as :class:`matplotlib.figure.Figure` objects without ``pyplot``, so no
display, GUI backend or global figure registry is involved (the Agg canvas renders them);
nothing here calls ``plt.show()``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator
from numpy.typing import NDArray

from sprn import geo
from sprn.engagement import RunResult
from sprn.trajectory import Trajectory

FloatArray = NDArray[np.float64]

Layout = Literal["constrained", "compressed"] | None
DPI = 110
"""Resolution of the PNG files (dots per inch): a 10-inch figure is 1100 pixels wide."""
SITE_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown",
                "tab:pink", "tab:olive", "tab:cyan", "navy", "darkgoldenrod", "teal", "crimson", "indigo")
TRUTH_COLOUR = "black"
BOOSTER_COLOUR = "0.45"
WARNING_COLOUR = "crimson"
TRUTH_EVENT_LABELS = {
    "burnout": "burnout",
    "separation": "separation",
    "apogee": "apogee",
    "reentry_100km": "reentry (100 km)",
    "impact": "impact",
}
CHAIN_EVENT_LABELS = {
    "track_confirmed": "track confirmed",
    "warning": "WARNING",
}
CHAIN_COLOURS = {"track confirmed": "tab:green", "WARNING": WARNING_COLOUR}


def new_figure(width_in: float, height_in: float, layout: Layout = "constrained") -> Figure:
    """A figure rendered by Agg (no pyplot, no display).

    ``layout="compressed"`` suits maps (axes of fixed aspect); ``None`` leaves the layout to
    :func:`set_margins`, which costs nothing at drawing time (a constrained layout is about
    40 % of a multi-panel figure's rendering).
    """
    return Figure(figsize=(width_in, height_in), dpi=DPI, layout=layout)


def set_margins(fig: Figure, left_in: float, right_in: float, bottom_in: float, top_in: float,
                wspace: float = 0.2, hspace: float = 0.2) -> None:
    """Fixed subplot margins in inches (``wspace``/``hspace`` as fractions of an axes' size)."""
    w, h = fig.get_size_inches()
    fig.subplots_adjust(left=left_in / w, right=1.0 - right_in / w, bottom=bottom_in / h, top=1.0 - top_in / h,
                        wspace=wspace, hspace=hspace)


def png_bytes(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def site_colours(result: RunResult) -> dict[str, str]:
    """A fixed colour per site of the scenario (the same in every figure)."""
    return {s.name: SITE_COLOURS[i % len(SITE_COLOURS)] for i, s in enumerate(result.scenario.sites)}


def site_label(result: RunResult, name: str) -> str:
    """The site's display name (its label, else its key)."""
    for s in result.scenario.sites:
        if s.name == name:
            return s.label or s.name
    return name


@dataclass(frozen=True, slots=True, kw_only=True)
class Sampled:
    """A trajectory sampled in time: times (s), states (m, m/s), geodetic lat/lon (deg),
    height (m) and ground range from the launch point (m)."""

    t_s: FloatArray
    x: FloatArray
    lat_deg: FloatArray
    lon_deg: FloatArray
    alt_m: FloatArray
    ground_range_m: FloatArray


def sample(traj: Trajectory, t_s: FloatArray, launch_lat_deg: float, launch_lon_deg: float) -> Sampled:
    """Sample ``traj`` at times ``t_s`` (s after launch; clipped to its flight)."""
    t = np.clip(np.asarray(t_s, dtype=float), 0.0, traj.t_impact_s)
    x = traj.state(t).reshape(-1, 6)
    lat, lon, alt = geo.ecef_to_lla(x[:, :3])
    lat_deg, lon_deg = np.degrees(lat), np.degrees(lon)
    rng = geo.geodesic_distance_m(launch_lat_deg, launch_lon_deg, lat_deg, lon_deg)
    return Sampled(t_s=t, x=x, lat_deg=lat_deg, lon_deg=lon_deg, alt_m=np.asarray(alt, dtype=float),
                   ground_range_m=np.asarray(rng, dtype=float))


def flight_times(traj: Trajectory, n: int = 400) -> FloatArray:
    """``n`` times over the flight plus every event time, sorted."""
    t = np.linspace(0.0, traj.t_impact_s, n)
    return np.unique(np.concatenate([t, np.clip(list(traj.events.values()), 0.0, traj.t_impact_s)]))


def sample_truth(result: RunResult, n: int = 400) -> Sampled:
    """The reentry vehicle's (or single body's) flight, sampled."""
    tr = result.truth
    return sample(tr, flight_times(tr, n), tr.launch_lat_deg, tr.launch_lon_deg)


def sample_booster(result: RunResult, n: int = 300) -> Sampled | None:
    """The spent booster's flight after separation, sampled (None if it does not separate)."""
    tr = result.truth
    if tr.booster is None:
        return None
    t0 = tr.events.get("separation", 0.0)
    t = np.linspace(t0, tr.booster.t_impact_s, n)
    return sample(tr.booster, t, tr.launch_lat_deg, tr.launch_lon_deg)


def chain_events(result: RunResult) -> list[tuple[float, str]]:
    """Times of the warning chain: first detection, track confirmed, warning."""
    out = result.output
    rows: list[tuple[float, str]] = []
    if out.first_detection_s is not None:
        rows.append((out.first_detection_s, "first detection"))
    for kind, label in CHAIN_EVENT_LABELS.items():
        t = out.first_event_s(kind)
        if t is not None:
            rows.append((t, label))
    return rows


def truth_events(result: RunResult) -> list[tuple[float, str]]:
    """Times of the flight's events (burnout, separation, apogee, reentry, impact), sorted."""
    ev = result.truth.events
    return sorted((ev[k], label) for k, label in TRUTH_EVENT_LABELS.items() if k in ev)


def warning_time_s(result: RunResult) -> float | None:
    """Time from the first warning to impact (s), None without a warning."""
    t = result.output.first_event_s("warning")
    return None if t is None else result.truth.t_impact_s - t


def plain_log_axis(ax: Axes) -> None:
    """A logarithmic y axis with plain-number labels at the decades and no minor ticks
    (mathtext labels and minor ticks cost a third of the drawing time)."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.grid(True, alpha=0.3)


def no_data(fig: Figure, message: str) -> Figure:
    """Put ``message`` in the middle of an empty figure (for runs with nothing to show)."""
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=12)
    ax.set_axis_off()
    return fig


def event_lines(axes: Sequence[Axes], result: RunResult, label_ax: Axes | None = None,
                t_min_s: float = 0.0, inside: bool = False) -> None:
    """Vertical lines at the flight's events (grey, dotted) and at the track confirmation
    and warning (coloured, dashed) in every axes, labelled above ``label_ax`` (or, with
    ``inside``, along the lines at the top of ``label_ax``).

    Events before ``t_min_s`` are left out; separation is drawn but not labelled (it
    follows burnout by seconds).
    """
    lines = [(t, name, "0.5", ":") for t, name in truth_events(result)]
    lines += [(t, name, CHAIN_COLOURS[name], "--") for t, name in chain_events(result) if name in CHAIN_COLOURS]
    for t, name, colour, style in lines:
        if t < t_min_s:
            continue
        for ax in axes:
            ax.axvline(t, color=colour, lw=0.9 if style == ":" else 1.2, ls=style)
        if label_ax is None or name == "separation":
            continue
        text = name if style == ":" else f"{name.removeprefix('track ')} {t:.0f} s"
        colour = "0.3" if style == ":" else colour
        if inside:
            label_ax.text(t, 0.985, text, rotation=90, transform=label_ax.get_xaxis_transform(), fontsize=7,
                          va="top", ha="right", color=colour,
                          bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.6})
        else:
            label_ax.text(t, 1.01, text, rotation=90, transform=label_ax.get_xaxis_transform(), fontsize=7.5,
                          va="bottom", ha="center", color=colour)
