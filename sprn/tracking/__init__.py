"""Tracking: initiation, filters (filterpy adapters), motion models, IMM, consistency, files.

The names below load on first use (PEP 562), so ``from sprn.tracking.config import
FILTERS`` or a scenario's validation costs no numerics and no compiled kernels.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOME = {
    "FILTERS": "config", "MODELS": "config", "TrackerConfig": "config", "DEFAULT_FILTER": "config",
    "RV_INV_BETA_M2_KG": "config", "RV_SIGMA_INV_BETA_M2_KG": "config",
    "chi2_band": "consistency", "chi2_quantile": "consistency", "nees": "consistency",
    "EkfAdapter": "filters", "UkfAdapter": "filters",
    "ImmAdapter": "imm",
    "Initiation": "initiation", "initiate": "initiation",
    "GaussianSumAdapter": "mixture",
    "BallisticModel": "models", "BoostModel": "models", "ReentryModel": "models", "white_acceleration_q": "models",
    "Tracker": "tracker", "TrackEstimate": "track", "Track": "track",
}

__all__ = [
    "DEFAULT_FILTER",
    "FILTERS",
    "MODELS",
    "RV_INV_BETA_M2_KG",
    "RV_SIGMA_INV_BETA_M2_KG",
    "BallisticModel",
    "BoostModel",
    "EkfAdapter",
    "GaussianSumAdapter",
    "ImmAdapter",
    "Initiation",
    "ReentryModel",
    "Track",
    "TrackEstimate",
    "Tracker",
    "TrackerConfig",
    "UkfAdapter",
    "chi2_band",
    "chi2_quantile",
    "initiate",
    "nees",
    "white_acceleration_q",
]


assert sorted(__all__) == sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'sprn.tracking' has no attribute {name!r}")
    return getattr(importlib.import_module(f"sprn.tracking.{_HOME[name]}"), name)
