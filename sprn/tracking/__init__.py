"""Tracking: initiation, filters (filterpy adapters), motion models, IMM, consistency, files."""

from sprn.tracking.consistency import chi2_band, nees
from sprn.tracking.filters import EkfAdapter, UkfAdapter
from sprn.tracking.imm import ImmAdapter
from sprn.tracking.initiation import Initiation, initiate
from sprn.tracking.mixture import GaussianSumAdapter
from sprn.tracking.models import (
    BallisticModel,
    BoostModel,
    ReentryModel,
    white_acceleration_q,
)
from sprn.tracking.tracker import FILTERS, MODELS, Tracker, TrackerConfig, TrackEstimate

__all__ = [
    "FILTERS",
    "MODELS",
    "BallisticModel",
    "BoostModel",
    "EkfAdapter",
    "GaussianSumAdapter",
    "ImmAdapter",
    "Initiation",
    "ReentryModel",
    "TrackEstimate",
    "Tracker",
    "TrackerConfig",
    "UkfAdapter",
    "chi2_band",
    "initiate",
    "nees",
    "white_acceleration_q",
]
