"""Monte Carlo: many seeded runs of a scenario, parameter sweeps and warning-time maps.

Runs go through this process, a local Dask cluster (``workers > 1``) or a running Dask
scheduler (``scheduler="tcp://host:8786"``); each run comes back as a small
:class:`RunRecord`, and every aggregate of an :class:`McResult` is computed from its
records, so results depend neither on the number of workers nor on how runs were split
(:func:`combine`). See ``docs/monte-carlo.md``.
"""

from sprn.montecarlo.maps import DEFAULT_AIMS, launch_grid, warning_map
from sprn.montecarlo.points import apply_point, check_grid, grid_points
from sprn.montecarlo.records import McMeta, RunRecord, run_seed
from sprn.montecarlo.results import (
    McResult,
    combine,
    csv_text,
    distribution,
    mc_files,
    summary_text,
)
from sprn.montecarlo.runs import (
    mc_meta,
    run_monte_carlo,
    run_sweep,
    sweep_results,
    sweep_row,
)

__all__ = [
    "DEFAULT_AIMS",
    "McMeta",
    "McResult",
    "RunRecord",
    "apply_point",
    "check_grid",
    "combine",
    "csv_text",
    "distribution",
    "grid_points",
    "launch_grid",
    "mc_files",
    "mc_meta",
    "run_monte_carlo",
    "run_seed",
    "run_sweep",
    "summary_text",
    "sweep_results",
    "sweep_row",
    "warning_map",
]
