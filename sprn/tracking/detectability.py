"""How likely a radar is to see a track at its next dwell: the track's detection probability.

A multi-target manager scores every dwell a track could have been seen in (a *chance*):
a report in its gate is worth ``ln(pd g / clutter)``, a miss ``ln(1 - pd)``. With one
``pd`` for every object, a faint object (a reentry vehicle a few tenths of a square metre
across, seen 2,000 km away beside a stage a hundred times larger) is judged by the
misses a bright one would not have had, and is dropped however well its reports fit.

The command centre knows its own radars: their radar equation gives the SNR a 1 m^2
target would have at the track's predicted range and scan angle, in the dwell's
waveform (:func:`sprn.radar.detection.radar_snr`). What it does not know is the object's
mean radar cross-section and how it fluctuates. :class:`Detectability` keeps a
posterior over both, on a grid (mean RCS every 1 dB from -40 to +30 dBsm, log-uniform
prior; Swerling 1 or 3, equally likely a priori), separately per band (an object's RCS
at VHF is not its RCS at UHF), and updates it with every chance:

* a **report** with the RCS the radar estimated from its echo (``Detection.rcs_dbsm``:
  the fluctuating RCS of that look) multiplies each grid point by the density of that
  look under it (Swerling 1: exponential, ``exp(-r / s) / s``; Swerling 3: chi-square
  with 4 degrees of freedom, ``4 r / s^2 exp(-2 r / s)``). The look was detected,
  which adds the factor ``P(detected | r)``, the same for every grid point, so it drops
  out: with the misses counted too (below) the likelihood is the whole sequence's, and
  the threshold biases nothing (the plain average of detected looks of a faint target is
  several dB high, ``tests/test_detectability.py``);
* a **miss** multiplies each grid point by ``1 - Pd(SNR)`` at that point's mean SNR
  (:func:`sprn.radar.detection.detection_probability`).

The detection probability of the next chance is the posterior mean of ``Pd`` there,
kept within [:data:`PD_MIN`, :data:`PD_MAX`] so that no single look is certain. A miss
is counted whatever its cause, so for an object the radar cannot always resolve from a
brighter neighbour (the reentry vehicle beside its stage) the probability learnt is the
effective one, of being resolved *and* detected.

A site without a radar model (a measurement file's sites) has no radar equation: the
tracker then uses its configured ``pd``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sprn import kernels

FloatArray = NDArray[np.float64]
RCS_GRID_DBSM = np.arange(-40.0, 30.5, 1.0)
"""Mean RCS grid (dBsm): from a small warhead's nose-on return at UHF to a large tank."""
_RCS_M2 = 10.0 ** (RCS_GRID_DBSM / 10.0)
_LN_RCS = np.log(_RCS_M2)
PD_MIN = 0.01
PD_MAX = 0.99
"""Bounds of a chance's detection probability (a miss then costs at most ``ln 0.01``)."""


@dataclass(slots=True)
class Detectability:
    """Posterior over a track's mean RCS and Swerling case (1 or 3), per band (see the module notes).

    ``log_post[band]`` is ``(2, len(RCS_GRID_DBSM))``: row 0 Swerling 1, row 1 Swerling 3,
    unnormalised log probabilities.
    """

    log_post: dict[str, FloatArray] = field(default_factory=dict)
    _posterior: dict[str, FloatArray] = field(default_factory=dict, repr=False)
    """Each band's normalised posterior, until the next report or miss changes it."""

    def _grid(self, band: str) -> FloatArray:
        grid = self.log_post.get(band)
        if grid is None:
            grid = self.log_post[band] = np.zeros((2, RCS_GRID_DBSM.size))
        self._posterior.pop(band, None)  # the caller is about to change it
        return grid

    def _normalised(self, band: str) -> FloatArray:
        post = self._posterior.get(band)
        if post is None:
            grid = self.log_post.get(band)
            if grid is None:
                grid = np.zeros((2, RCS_GRID_DBSM.size))
            post = self._posterior[band] = kernels.normalised_exp(grid)
        return post

    def pd(self, band: str, snr_per_m2: float, pfa: float) -> float:
        """The probability that a dwell whose 1 m^2 SNR is ``snr_per_m2`` detects the object
        (:func:`sprn.kernels.posterior_pd`: asked for at every dwell that could see the track)."""
        p = kernels.posterior_pd(self._normalised(band), _RCS_M2, snr_per_m2, -math.log(pfa))
        return min(max(p, PD_MIN), PD_MAX)

    def report(self, band: str, rcs_dbsm: float) -> None:
        """A report whose look had RCS ``rcs_dbsm`` (the radar's estimate; NaN: no evidence):
        :func:`sprn.kernels.add_look`."""
        if not math.isfinite(rcs_dbsm):
            return
        kernels.add_look(self._grid(band), _RCS_M2, _LN_RCS, 10.0 ** (rcs_dbsm / 10.0))

    def miss(self, band: str, snr_per_m2: float, pfa: float) -> None:
        """A dwell whose 1 m^2 SNR was ``snr_per_m2`` and that did not detect the object
        (:func:`sprn.kernels.add_miss`)."""
        kernels.add_miss(self._grid(band), _RCS_M2, snr_per_m2, -math.log(pfa))

    def mean_rcs_dbsm(self, band: str) -> float:
        """The posterior mean of the mean RCS in dBsm (for reports and tests)."""
        return float(np.sum(self._normalised(band) * RCS_GRID_DBSM))
