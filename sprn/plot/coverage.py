"""The coverage map of a network: which radars see targets at one altitude, over the globe."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from numpy.typing import NDArray

from sprn.plot.common import new_figure, png_bytes
from sprn.plot.maps import _draw_land
from sprn.radar.site import Site


def coverage_map(
    sites: Sequence[Site], lat_deg: NDArray[np.float64], lon_deg: NDArray[np.float64], mask: NDArray[np.bool_],
    title: str = "", label: str = "radars that see a target there",
    markers: Sequence[tuple[str, float, float]] | None = None,
) -> Figure:
    """Number of sensors that see a target at each grid point (``mask``: sensors x lat x lon).

    ``markers`` ``(name, lat_deg, lon_deg)`` are drawn instead of the sites (e.g. the
    satellites' sub-points); ``label`` names the colour scale.
    """
    fig = new_figure(12.0, 6.5)
    ax = fig.add_subplot()
    _draw_land(ax, (-180.0, -90.0, 180.0, 90.0), None)
    count = mask.sum(axis=0).astype(float)
    count[count == 0] = np.nan
    top = max(int(np.nanmax(count)) if np.isfinite(count).any() else 1, 1)
    cmap = ListedColormap(["#fdd49e", "#fc8d59", "#d7301f", "#7f0000"][: min(top, 4)])
    mesh = ax.pcolormesh(lon_deg, lat_deg, count, cmap=cmap, vmin=0.5, vmax=min(top, 4) + 0.5, alpha=0.55,
                         shading="nearest", zorder=2)
    for name, lat, lon in markers if markers is not None else [(s.name, s.lat_deg, s.lon_deg) for s in sites]:
        ax.plot(lon, lat, "^", color="k", markersize=6, zorder=4)
        ax.annotate(name, (lon, lat), xytext=(3, 3), textcoords="offset points", fontsize=7, zorder=4)
    cbar = fig.colorbar(mesh, ax=ax, ticks=range(1, min(top, 4) + 1), shrink=0.7)
    cbar.set_label(label)
    ax.set_xlim(-180, 180)
    ax.set_ylim(-90, 90)
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("latitude (deg)")
    ax.set_title(title)
    return fig


def coverage_png(
    sites: Sequence[Site], lat_deg: NDArray[np.float64], lon_deg: NDArray[np.float64], mask: NDArray[np.bool_],
    title: str = "", label: str = "radars that see a target there",
    markers: Sequence[tuple[str, float, float]] | None = None,
) -> bytes:
    """:func:`coverage_map` as PNG bytes."""
    return png_bytes(coverage_map(sites, lat_deg, lon_deg, mask, title, label, markers))
