"""Truth trajectories of ballistic missiles: boost, free flight, reentry; the shot solver."""

from sprn.trajectory.flight import Trajectory, fly_guided
from sprn.trajectory.shot import SHAPES, Guidance, Shot
from sprn.trajectory.solver import fly, plan_shot, solve

__all__ = ["SHAPES", "Guidance", "Shot", "Trajectory", "fly", "fly_guided", "plan_shot", "solve"]
