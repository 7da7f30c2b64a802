"""Radar sites, the SPRN network, coverage, detection and measurements."""

from sprn.radar.coverage import coverage_grid, horizon_range_m, in_sector, visible
from sprn.radar.detection import DwellOutcome, detection_probability, dwell
from sprn.radar.measurement import (
    Detection,
    measure,
    measurement_jacobian,
    noisy_measurement,
    position_from_measurement,
    residual,
)
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
