"""sprn: an early-warning radar tracking simulator.

A ballistic missile flies on a rotating WGS84 Earth; a network of ground radars sees it
in a SimPy discrete-event simulation; a command centre tracks it with Kalman filters and
predicts where it will land. See the README for a tour.
"""

from sprn.errors import DataError, ScenarioError, ShotError, SprnError

__all__ = ["DataError", "ScenarioError", "ShotError", "SprnError"]
__version__ = "0.1.0"
