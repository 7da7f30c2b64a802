"""Sweep points: the grid's combinations, each applied to a scenario.

Points are scenario changes, so :mod:`sprn.scenario` validates and applies them (the one
validator of scenario keys; the keys are listed in :func:`sprn.scenario.apply_point`).
This module keeps them under ``sprn.montecarlo`` for the Monte Carlo code.
"""

from sprn.scenario import apply_point, check_grid, grid_points

__all__ = ["apply_point", "check_grid", "grid_points"]
