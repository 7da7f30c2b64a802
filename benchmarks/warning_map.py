"""Warning-time maps of North Korean launches under the SPRN networks of 2017 and 2026.

Run: ``python benchmarks/warning_map.py [--step 0.5] [--workers 2] [--out docs/figures]``.

For launch points every ``--step`` degrees on North Korean land (38-43 N, 124-131 E) and
Hwasong-12 shots at Vladivostok, Tokyo and Hagatna (Guam), minimum-energy and lofted to
2,000 km like the Kusong test, one noise-seeded run per shot under each network preset gives the warning time for Russia (the Kusong
scenario's threat rule: at least 5 % of the impact distribution on Russian land, or the
predicted impact within 500 km of it) and the radar that saw the missile first. Writes
``warning-map-2017.png``, ``warning-map-2026.png`` and ``warning-map.csv`` and prints
how long it took.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sprn import scenario
from sprn.montecarlo import DEFAULT_AIMS, csv_text, launch_grid, warning_map
from sprn.montecarlo.execution import dask_client
from sprn.territory import borders, coastlines

ROOT = Path(__file__).resolve().parents[1]
PRESETS = {"sprn-2017": "2017", "sprn-2026": "2026"}
BBOX = (123.5, 37.5, 131.5, 43.5)
"""Map frame (lon_min, lat_min, lon_max, lat_max), deg: the launch region."""
LOFTED_APOGEE_KM = 2000.0
"""Apogee of the lofted shots, km: that of the Kusong test of 14 May 2017 (2,111.5 km, KCNA), rounded."""
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">", "p")


def _draw_panel(ax: Any, rows: Sequence[dict[str, Any]], norm: Normalize, markers: dict[str, str]) -> None:
    for line in coastlines(BBOX):
        ax.plot(line[:, 0], line[:, 1], color="0.3", lw=0.6)
    for line in borders(BBOX):
        ax.plot(line[:, 0], line[:, 1], color="0.5", lw=0.5, ls="--")
    for site, marker in markers.items():
        sel = [r for r in rows if r["first_site"] == site and math.isfinite(r["warning_time_s"])]
        if sel:
            ax.scatter([r["launch_lon_deg"] for r in sel], [r["launch_lat_deg"] for r in sel],
                                  c=[r["warning_time_s"] for r in sel], cmap="viridis", norm=norm, marker=marker,
                                  s=70, edgecolors="k", linewidths=0.4, zorder=3)
        unwarned = [r for r in rows if r["first_site"] == site and not math.isfinite(r["warning_time_s"])]
        if unwarned:
            ax.scatter([r["launch_lon_deg"] for r in unwarned], [r["launch_lat_deg"] for r in unwarned],
                       marker=marker, s=70, facecolors="none", edgecolors="0.4", linewidths=0.8, zorder=3)
    blind = [r for r in rows if not r["first_site"] and not r["error"]]
    ax.scatter([r["launch_lon_deg"] for r in blind], [r["launch_lat_deg"] for r in blind], marker="x",
               color="crimson", s=40, zorder=3)
    out = [r for r in rows if r["error"]]
    ax.scatter([r["launch_lon_deg"] for r in out], [r["launch_lat_deg"] for r in out], marker=".", color="0.6", s=30)
    ax.set_xlim(BBOX[0], BBOX[2])
    ax.set_ylim(BBOX[1], BBOX[3])
    ax.set_aspect(1.0 / math.cos(math.radians(0.5 * (BBOX[1] + BBOX[3]))))


def warning_map_figure(rows: Sequence[dict[str, Any]], preset: str, territory: str) -> Figure:
    """A panel per shape (rows) and aim (columns): launch points coloured by warning time,
    shaped by the first site to detect."""
    rows = [r for r in rows if r["preset"] == preset]
    shapes = list(dict.fromkeys(r["shape"] for r in rows))
    aims = list(dict.fromkeys(r["aim"] for r in rows))
    sites = sorted({r["first_site"] for r in rows if r["first_site"]})
    markers = {s: MARKERS[i % len(MARKERS)] for i, s in enumerate(sites)}
    times = [r["warning_time_s"] for r in rows if math.isfinite(r["warning_time_s"])]
    norm = Normalize(vmin=0.0, vmax=max(times, default=600.0))
    fig = Figure(figsize=(3.6 * len(aims) + 1.4, 3.3 * len(shapes) + 1.2), layout="constrained")
    axes = fig.subplots(len(shapes), len(aims), squeeze=False)
    for i, shape in enumerate(shapes):
        for j, aim in enumerate(aims):
            ax = axes[i, j]
            panel = [r for r in rows if r["aim"] == aim and r["shape"] == shape]
            _draw_panel(ax, panel, norm, markers)
            warned = sum(math.isfinite(r["warning_time_s"]) for r in panel)
            ax.set_title(f"{shape} -> {aim}: {warned}/{len(panel)} warned", fontsize=9)
            if j == 0:
                ax.set_ylabel("latitude (deg N)")
            if i == len(shapes) - 1:
                ax.set_xlabel("longitude (deg E)")
    fig.colorbar(ScalarMappable(norm=norm, cmap="viridis"), ax=axes.ravel().tolist(),
                 label=f"warning time for {territory} (s before impact)", shrink=0.8)
    handles = [Line2D([], [], marker=m, ls="", color="0.5", markeredgecolor="k", label=f"first seen by {s}")
               for s, m in markers.items()]
    handles += [Line2D([], [], marker="o", ls="", markerfacecolor="none", markeredgecolor="0.4",
                       label="detected, no warning"),
                Line2D([], [], marker="x", ls="", color="crimson", label="never detected"),
                Line2D([], [], marker=".", ls="", color="0.6", label="out of reach")]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), fontsize=8, frameon=False)
    fig.suptitle(f"Hwasong-12 shots from North Korea: warning time for {territory} under {preset}")
    return fig


def _write_atomic(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "kusong-2017-05-14.toml"))
    parser.add_argument("--step", type=float, default=0.5, help="grid step, deg (default 0.5)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "docs" / "figures"))
    args = parser.parse_args()

    scen = scenario.load(args.scenario)
    points = launch_grid((38.0, 43.0), (124.0, 131.0), args.step, on_land_of="North Korea")
    t0 = time.perf_counter()
    rows = []
    with dask_client(args.workers, None) as client:
        for apogee in (None, LOFTED_APOGEE_KM):
            rows += warning_map(scen, points, presets=tuple(PRESETS), aims=DEFAULT_AIMS, apogee_km=apogee,
                                scheduler=client, progress=True)
    elapsed = time.perf_counter() - t0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    territory = scen.sim.threat.territory.name if scen.sim.threat.territory else "none"
    for preset, year in PRESETS.items():
        fig = warning_map_figure(rows, preset, territory)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110)
        _write_atomic(out / f"warning-map-{year}.png", buf.getvalue())
    _write_atomic(out / "warning-map.csv", csv_text(rows).encode())

    print(f"{len(points)} launch points x {len(DEFAULT_AIMS)} aims x 2 shapes x {len(PRESETS)} presets = "
          f"{len(rows)} runs in {elapsed:.0f} s with {args.workers} worker(s); "
          f"wrote {out}/warning-map-{{2017,2026}}.png, warning-map.csv")
    for preset in PRESETS:
        for shape in dict.fromkeys(r["shape"] for r in rows):
            for aim in dict.fromkeys(r["aim"] for r in rows):
                sel = [r for r in rows if r["preset"] == preset and r["aim"] == aim and r["shape"] == shape]
                wt = np.array([r["warning_time_s"] for r in sel])
                ok = np.isfinite(wt)
                reach = sum(not r["error"] for r in sel)
                firsts = sorted({r["first_site"] for r in sel if r["first_site"]})
                median = f"{np.median(wt[ok]):.0f} s" if ok.any() else "-"
                print(f"  {preset} {shape:<18} -> {aim:<12} in reach {reach:3d}/{len(sel)}, warned {ok.sum():3d}, "
                      f"median warning {median:>6}; first seen by {', '.join(firsts) or 'none'}")

if __name__ == "__main__":
    main()
