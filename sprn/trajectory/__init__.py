"""Truth trajectories of ballistic missiles: boost, free flight, reentry; the shot solver.

The names below load on first use (PEP 562): reading a scenario's shot needs no integrator.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOME = {"Trajectory": "flight", "fly_guided": "flight", "Scene": "scene", "SceneConfig": "scene",
         "SceneObject": "scene", "fly_scene": "scene", "SHAPES": "shot", "Guidance": "shot", "Shot": "shot",
         "fly": "solver", "plan_shot": "solver", "solve": "solver"}

__all__ = ["SHAPES", "Guidance", "Scene", "SceneConfig", "SceneObject", "Shot", "Trajectory", "fly", "fly_guided",
           "fly_scene", "plan_shot", "solve"]
assert sorted(__all__) == sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'sprn.trajectory' has no attribute {name!r}")
    return getattr(importlib.import_module(f"sprn.trajectory.{_HOME[name]}"), name)
