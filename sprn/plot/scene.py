"""The scene figure: what the radars reported of each object, and the tracks the centre made.

Two panels on one time axis (s after the first launch):

* **Reports**: one row per truth object, a mark at each report that object made alone; a
  row for reports of several unresolved objects (merged) and one for false alarms. It
  answers "which object did the radars see first, and how often each?"
* **Tracks**: one bar per track the centre started, thin while tentative, thick once
  confirmed and coloured by its class as the centre classified it over time (grey before
  its first classification); labelled with the truth object it followed and its purity.
  It answers "when could the centre tell the warhead from the rest?"

The warning, if any, is a vertical line across both panels.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sprn.engagement import RunResult
from sprn.plot.common import WARNING_COLOUR, new_figure

CLASS_COLOURS = {"reentry-vehicle": "crimson", "stage": "tab:blue", "debris": "tab:olive", "false": "0.55"}
"""The colour of each track class (:data:`sprn.tracking.classify.CLASSES`)."""
UNCLASSIFIED = "0.8"
MERGED_ROW = "merged (unresolved)"
FALSE_ROW = "false alarms"


def scene_timeline(result: RunResult) -> Figure:
    """The scene figure (see the module notes)."""
    out, sc = result.output, result.scene_score
    objects = [o.id for o in result.scene.objects] if result.scene is not None else [o.id for o in sc.objects]
    rows = [*objects, MERGED_ROW, FALSE_ROW]
    tracks = sorted(sc.tracks, key=lambda f: f.id)
    shown = [f for f in tracks if f.confirmed] or tracks
    fig = new_figure(10.0, 2.0 + 0.28 * (len(rows) + len(shown)))
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[len(rows) + 1, len(shown) + 1])

    times: dict[str, list[float]] = {r: [] for r in rows}
    for det, labels in zip(out.detections, out.detection_objects):
        row = FALSE_ROW if not labels else labels[0] if len(labels) == 1 else MERGED_ROW
        times.setdefault(row, []).append(det.t_s)
    for k, row in enumerate(rows):
        t = np.asarray(times.get(row, []))
        top.plot(t, np.full(t.size, k), "|", ms=9, color="0.25" if row in objects else "0.6")
    top.set_yticks(range(len(rows)), rows, fontsize=8)
    top.set_ylim(len(rows) - 0.5, -0.5)
    top.set_title("Reports (each mark one report; the truth label is the simulation's, never the centre's)",
                  fontsize=9, loc="left")

    classes: dict[int, list[tuple[float, str]]] = {}
    for t_s, tid, cls in out.class_history:
        classes.setdefault(tid, []).append((t_s, cls))
    for k, f in enumerate(shown):
        t_conf = f.t_confirmed_s if f.t_confirmed_s is not None else f.t_last_s
        bottom.plot([f.t_first_s, t_conf], [k, k], color="0.6", lw=1.2)
        edges = [(t_conf, UNCLASSIFIED)] + [(t, CLASS_COLOURS.get(c, UNCLASSIFIED)) for t, c in classes.get(f.id, [])
                                            if t >= t_conf]
        for (t0, colour), (t1, _) in zip(edges, [*edges[1:], (f.t_last_s, "")]):
            t1 = min(t1, f.t_last_s)  # the class is assessed while a track coasts past its last report
            if t1 > t0:
                bottom.plot([t0, t1], [k, k], color=colour, lw=6.0, solid_capstyle="butt")
        who = f.object or "nothing (false)"
        bottom.annotate(f" {who}, purity {f.purity:.2f}", (f.t_last_s, k), fontsize=7, va="center")
    bottom.set_yticks(range(len(shown)), [f"track {f.id}" for f in shown], fontsize=8)
    bottom.set_ylim(max(len(shown), 1) - 0.5, -0.5)
    bottom.set_title("Tracks (thin: tentative; thick: confirmed, coloured by the centre's class)",
                     fontsize=9, loc="left")
    t_warn = out.first_event_s("warning")
    for ax in (top, bottom):
        ax.grid(True, axis="x", alpha=0.3)
        if t_warn is not None:
            ax.axvline(t_warn, color=WARNING_COLOUR, lw=1.0, ls="--")
    bottom.set_xlabel("time after the first launch (s)")
    handles: list[Patch | Line2D] = [Patch(color=c, label=name) for name, c in CLASS_COLOURS.items()]
    handles.append(Patch(color=UNCLASSIFIED, label="not yet classified"))
    if t_warn is not None:
        handles.append(Line2D([], [], color=WARNING_COLOUR, ls="--", label=f"warning at {t_warn:.0f} s"))
    fig.legend(handles=handles, loc="outside lower center", fontsize=7, ncol=len(handles), frameon=False)
    right = max([result.scene.t_end_s if result.scene is not None else 0.0, *(f.t_last_s for f in shown)])
    bottom.set_xlim(0.0, 1.12 * right)
    fig.suptitle(f"Scene: {len(objects)} objects, {len(sc.confirmed)} confirmed tracks of {len(sc.tracks)} started"
                 f"\n{result.scenario.name}", fontsize=10)
    return fig
