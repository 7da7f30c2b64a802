"""Radar sites, the SPRN network, coverage, detection and measurements.

Sites, types and the network load with the package (``network.site`` shares its name with
the ``site`` module, so it must be bound after that module is loaded); coverage,
detection and the measurement functions load on first use (PEP 562): listing the
catalogue's sites needs no compiled kernels.
"""

from __future__ import annotations

import importlib
from typing import Any

from sprn.radar.network import (
    load_network,
    preset,
    preset_names,
    radar_type,
    rcs_model,
    site,
    site_from_table,
    sites_on_duty,
    sites_table,
)
from sprn.radar.site import Site
from sprn.radar.types import RadarType

_LAZY = {
    "coverage_grid": "coverage", "horizon_range_m": "coverage", "in_sector": "coverage", "visible": "coverage",
    "DwellOutcome": "detection", "detection_probability": "detection", "dwell": "detection",
    "Detection": "measurement", "measure": "measurement", "measurement_jacobian": "measurement",
    "noisy_measurement": "measurement", "position_from_measurement": "measurement", "residual": "measurement",
}

__all__ = [
    "Detection",
    "DwellOutcome",
    "RadarType",
    "Site",
    "coverage_grid",
    "detection_probability",
    "dwell",
    "horizon_range_m",
    "in_sector",
    "load_network",
    "measure",
    "measurement_jacobian",
    "noisy_measurement",
    "position_from_measurement",
    "preset",
    "preset_names",
    "radar_type",
    "rcs_model",
    "residual",
    "site",
    "site_from_table",
    "sites_on_duty",
    "sites_table",
    "visible",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'sprn.radar' has no attribute {name!r}")
    return getattr(importlib.import_module(f"sprn.radar.{_LAZY[name]}"), name)
