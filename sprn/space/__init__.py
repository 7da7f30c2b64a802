"""The space echelon: infrared early-warning satellites (catalogue, SGP4 orbits, sensor).

Imports only the base modules (``geo``, ``errors``, ``atmosphere``, ``kernels``) and the
``sgp4`` library. :mod:`~sprn.space.catalogue` reads ``sprn/data/satellites.toml``;
:mod:`~sprn.space.orbit` propagates; :mod:`~sprn.space.infrared` is the sensor;
:mod:`~sprn.space.measurement` the angles-only reports, their frame and triangulation;
:mod:`~sprn.space.launch_area` the launch area and azimuth from one satellite's boost-phase
lines of sight.
"""
