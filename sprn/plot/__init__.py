"""Figures of a run: maps, flight profile, site time line, track errors, consistency.

Every function takes a :class:`sprn.engagement.RunResult` and returns a
:class:`matplotlib.figure.Figure` built without ``pyplot`` (rendered by Agg), so it works
without a display and never opens a window; in a notebook the returned figure displays
itself. :func:`plot_files` renders them all to PNG bytes and :func:`write_plots` writes
those files atomically.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure

from sprn.engagement import RunResult
from sprn.plot.common import DPI, png_bytes
from sprn.plot.coverage import coverage_map, coverage_png
from sprn.plot.flight import altitude_profile, site_timeline, visibility_intervals
from sprn.plot.maps import coverage_wedge, ellipse_lonlat, engagement_map
from sprn.plot.scene import scene_timeline
from sprn.plot.track import impact_errors, nees_plot, ric_errors, track_errors
from sprn.report import write_atomic

FIGURES: dict[str, Callable[[RunResult], Figure]] = {
    "map.png": engagement_map,
    "altitude.png": altitude_profile,
    "timeline.png": site_timeline,
    "errors.png": track_errors,
    "nees.png": nees_plot,
    "impact.png": impact_errors,
    "scene.png": scene_timeline,
}
"""File name to figure function, in the order of :func:`plot_files`."""


def plot_files(result: RunResult, dpi: int = DPI) -> dict[str, bytes]:
    """Every figure of the run as PNG bytes, by file name (``map.png``, ``altitude.png``, ...)."""
    out = {}
    for name, make in FIGURES.items():
        fig = make(result)
        out[name] = png_bytes(fig, dpi)
    return out


def write_plots(result: RunResult, directory: str | Path, dpi: int = DPI) -> dict[str, bytes]:
    """Render every figure and write the PNG files atomically into ``directory``.

    Returns what was written (file name to PNG bytes), e.g. for an HTML report.
    """
    files = plot_files(result, dpi)
    write_atomic(directory, dict(files))
    return files


__all__ = [
    "FIGURES",
    "altitude_profile",
    "coverage_map",
    "coverage_png",
    "coverage_wedge",
    "ellipse_lonlat",
    "engagement_map",
    "impact_errors",
    "nees_plot",
    "plot_files",
    "ric_errors",
    "scene_timeline",
    "site_timeline",
    "track_errors",
    "visibility_intervals",
    "write_plots",
]
