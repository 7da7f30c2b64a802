"""Compiled inner loops (numba): the one implementation of the physics and filter steps.

* :mod:`sprn.kernels.flight`: the equations of motion (J2 gravity, Coriolis and
  centrifugal terms, drag in the US 1976 atmosphere table of :mod:`sprn.atmosphere`;
  the boost model's constant extra acceleration), the one RK4 step, the one transition
  matrix (the variational equations on RK4's stages), the fall to the ground, the radar
  measurement and its Jacobian (and the angles-only bearing of a satellite, its rows), the one sigma-point generator (filterpy's scaled points)
  and the Kalman covariance steps of the EKF and UKF; a track's view of a dwell
  (``look``); the Swerling 1 and 3 detection probabilities and a track's RCS posterior
  (``pd_fluctuating``, ``posterior_pd``, ``add_look``, ``add_miss``). :mod:`sprn.dynamics` and
  :mod:`sprn.tracking.models` shape arrays for them and hold no formula of their own.
* :mod:`sprn.kernels.imm`: the cycle of the IMM estimator over the boost, ballistic and
  reentry models with unscented mode filters.

They are written as plain loops and compiled: they are the innermost loops of every
filter prediction, sigma-point propagation and impact prediction, called thousands of
times per run on a handful of states each: in numpy every call pays for some thirty
array operations of a few microseconds, here the whole step is one call. The tests check
each kernel against independent references: closed forms and published values, the
conservation of the Jacobi integral, scipy's DOP853 at tight tolerance, and filterpy.

Arrays in and out are C-contiguous float64: states ``(n, 6)`` and inverse ballistic
coefficients ``(n,)`` (m^2/kg, zero for vacuum). Callers use the wrappers in
:mod:`sprn.dynamics`, :mod:`sprn.impact` and :mod:`sprn.tracking`, which shape their
arguments.

Compiled code is cached on disk next to the source (``cache=True``), so a process pays
for compilation (a few seconds) only the first time after installation or a change, and
a command that never calls a kernel never imports this package (the command line imports
lazily). numba keys each cached function on its own file's time stamp only, and the
IMM's kernels compile :mod:`~sprn.kernels.flight`'s functions into themselves: after a
change to ``flight.py`` alone they would go on running the old equations. So the digest
of this package's sources is kept beside the cache, and the cache is dropped when it
differs (:func:`_drop_stale_cache`).
"""

import hashlib
from pathlib import Path


def _drop_stale_cache(here: Path = Path(__file__).parent) -> None:
    """Delete numba's cached code of the package in ``here`` if any of its sources changed since it was cached."""
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(here.glob("*.py")))).hexdigest()
    cache = here / "__pycache__"
    stamp = cache / "kernels-sources.sha256"
    try:
        if stamp.is_file() and stamp.read_text() == digest:
            return
        for f in [*cache.glob("*.nbi"), *cache.glob("*.nbc")]:
            f.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        stamp.write_text(digest)
    except OSError:  # an installation we cannot write to is not being edited; numba caches elsewhere
        pass


_drop_stale_cache()

from sprn.kernels import imm  # noqa: E402  (after the cache check)
from sprn.kernels.flight import (  # noqa: E402
    BALLISTIC,
    BOOST,
    REENTRY,
    acceleration,
    add_look,
    add_miss,
    angles_jacobian,
    angles_moments,
    ballistic_predict,
    densities,
    density,
    derivative,
    drag,
    gravity,
    height,
    heights,
    innovation_covariance,
    joseph_update,
    linearised_angles,
    linearised_measurement,
    lloyd,
    look,
    matrix_root,
    measure,
    measure_jacobian,
    measurement_moments,
    model_derivative,
    model_jacobian,
    normalised_exp,
    pd_fluctuating,
    pds_fluctuating,
    posterior_pd,
    propagate_covariance,
    rk4,
    rk4_model,
    sigma_points,
    step_for_height,
    to_ground,
    transition,
    white_acceleration_q,
)

__all__ = [
    "BALLISTIC", "BOOST", "REENTRY", "acceleration", "add_look", "add_miss", "angles_jacobian", "angles_moments", "ballistic_predict", "densities", "density", "derivative",
    "drag", "gravity", "height", "heights", "imm", "innovation_covariance", "joseph_update",
    "linearised_angles", "linearised_measurement", "lloyd", "look", "matrix_root", "measure", "measure_jacobian", "measurement_moments",
    "model_derivative", "model_jacobian", "normalised_exp", "pd_fluctuating", "pds_fluctuating", "posterior_pd", "propagate_covariance", "rk4", "rk4_model", "sigma_points",
    "step_for_height", "to_ground", "transition", "white_acceleration_q",
]
