"""Wall time of every figure of a run (build and PNG rendering) and of the HTML report.

Run: ``python benchmarks/bench_plots.py [SCENARIO]``. Prints the best of three repeats of
each figure after one warm-up pass (imports, data files and coastlines are cached then),
then the interactive view and the whole HTML report (figures rendered, view built) with
their sizes. Targets: all figures of the Kusong scenario in under 3 s; its report under
10 MB, written in under 5 s.
"""

from __future__ import annotations

import sys

from _timing import KUSONG, best_of

from sprn import engagement, htmlreport, interactive, plot, scenario
from sprn.plot.common import png_bytes


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else KUSONG
    scen = scenario.load(path)
    result = engagement.run_scenario(scen, launch_point=True)
    plot.plot_files(result)  # warm-up
    print(f"scenario: {scen.name}")
    total = 0.0
    for name, make in plot.FIGURES.items():
        t_build, fig = best_of(3, lambda make=make: make(result))
        t_png, data = best_of(3, lambda fig=fig: png_bytes(fig))
        total += t_build + t_png
        print(f"  {name:<14} build {t_build:6.3f} s   render {t_png:6.3f} s   {len(data) / 1024:6.0f} kB")
    t_all, files = best_of(3, lambda: plot.plot_files(result))
    t_html, page = best_of(3, lambda: htmlreport.html_report(result, files))
    t_view, view = best_of(3, lambda: interactive.interactive_html(result))
    t_report, report = best_of(3, lambda: htmlreport.html_report(result))
    size_mb = len(report.encode("utf-8")) / 1e6
    print(f"  sum of the figures                 {total:6.3f} s")
    print(f"  plot_files (all figures at once)   {t_all:6.3f} s   (target < 3 s)")
    print(f"  interactive view (plotly.js in)    {t_view:6.3f} s   {len(view) / 1024:6.0f} kB")
    print(f"  html_report (figures given)        {t_html:6.3f} s   {len(page) / 1024:6.0f} kB")
    print(f"  html_report (everything)           {t_report:6.3f} s   {size_mb:6.2f} MB   (targets < 5 s, < 10 MB)")


if __name__ == "__main__":
    main()
