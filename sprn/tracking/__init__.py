"""Tracking: initiation, filters (filterpy adapters), motion models, consistency."""

from sprn.tracking.consistency import chi2_band, nees
from sprn.tracking.models import BallisticModel, white_acceleration_q
from sprn.tracking.tracker import FILTERS, TrackEstimate, Tracker, TrackerConfig

__all__ = [
    "FILTERS",
    "BallisticModel",
    "TrackEstimate",
    "Tracker",
    "TrackerConfig",
    "chi2_band",
    "nees",
    "white_acceleration_q",
]
