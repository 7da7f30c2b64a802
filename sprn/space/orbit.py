"""Satellite orbits: SGP4 from a TLE or from nominal elements, and TEME to ECEF.

Propagation is the maintained ``sgp4`` library (Vallado's SGP4, the one the element sets
are fitted with; no network at run time). A satellite is given either by a two-line
element set or by nominal elements and an assumed phase, turned into the library's
``Satrec`` with ``Satrec.sgp4init`` (mean elements, no drag).

**TEME to ECEF.** SGP4's output is in the True Equator, Mean Equinox frame; it is turned
into ECEF by the rotation about the pole through the Greenwich mean sidereal time
(IAU 1982, the library's ``gstime``), i.e. TEME to the pseudo-Earth-fixed frame
(Vallado et al., "Revisiting Spacetrack Report #3", AIAA 2006-6753, sec. C). Left out:
polar motion (below 0.5 arcsec: about 15 m at the Earth's surface and 0.1 km at a
Molniya apogee, 45,000 km from the centre) and UT1 - UTC (below 0.9 s: the Earth turns
6.6e-5 rad in it, up to 3 km along the parallel at the apogee's radius, 0.3 km at the
surface). Both are below SGP4's own error for a fresh element set (about 1 km) and far
below what an assumed phase is worth.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sgp4.api import WGS72, Satrec, jday
from sgp4.io import verify_checksum
from sgp4.propagation import gstime

from sprn import geo
from sprn.space.catalogue import NominalOrbit

FloatArray = NDArray[np.float64]
MU_WGS72_M3_S2 = 3.986008e14
"""SGP4's gravitational parameter (WGS72), the constant its mean motion is defined with."""
JD_1949_12_31 = 2433281.5
"""Julian date of SGP4's element epoch origin (1949 December 31, 00:00 UT)."""


def julian_date(epoch: dt.datetime) -> tuple[float, float]:
    """Julian date of a UTC date-time as the library's (whole, fraction) pair."""
    e = epoch.astimezone(dt.UTC)
    jd, fr = jday(e.year, e.month, e.day, e.hour, e.minute, e.second + e.microsecond * 1e-6)
    return float(jd), float(fr)


def gmst_rad(jd_ut1: ArrayLike) -> FloatArray:
    """Greenwich mean sidereal time (rad, IAU 1982) at Julian dates (UT1 taken as UTC)."""
    jd = np.atleast_1d(np.asarray(jd_ut1, dtype=float))
    return np.array([gstime(float(j)) for j in jd])


def teme_to_ecef(r_teme_m: FloatArray, v_teme_mps: FloatArray, gmst: FloatArray) -> FloatArray:
    """ECEF states ``[r, v]`` (n, 6) from TEME positions and velocities (n, 3) at GMSTs (n,).

    ``r_ecef = R3(gmst) r_teme``; the Earth-relative velocity ``v_ecef = R3(gmst) v_teme -
    omega x r_ecef`` (see the module notes for what the rotation leaves out).
    """
    c, s = np.cos(gmst), np.sin(gmst)
    r = np.asarray(r_teme_m, dtype=float)
    v = np.asarray(v_teme_mps, dtype=float)
    x = c * r[:, 0] + s * r[:, 1]
    y = -s * r[:, 0] + c * r[:, 1]
    vx = c * v[:, 0] + s * v[:, 1] + geo.OMEGA_EARTH_RAD_S * y
    vy = -s * v[:, 0] + c * v[:, 1] - geo.OMEGA_EARTH_RAD_S * x
    return np.column_stack([x, y, r[:, 2], vx, vy, v[:, 2]])


@dataclass(frozen=True, slots=True, kw_only=True)
class Orbit:
    """A satellite's SGP4 model (``satrec``: the library's record) and where it came from."""

    name: str
    satrec: Any
    origin: str

    def teme(self, epoch: dt.datetime, t_s: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """TEME positions (m) and velocities (m/s), (n, 3) each, at ``t_s`` seconds after ``epoch``."""
        jd, fr = julian_date(epoch)
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        frs = fr + t / 86400.0
        err, r_km, v_kms = self.satrec.sgp4_array(np.full(t.size, jd), frs)
        if np.any(err):
            code = int(err[np.flatnonzero(err)[0]])
            raise ValueError(f"{self.name}: SGP4 error {code} (the library's code; e.g. 1: eccentricity out of range)")
        return np.asarray(r_km, dtype=float) * 1e3, np.asarray(v_kms, dtype=float) * 1e3

    def ecef(self, epoch: dt.datetime, t_s: ArrayLike) -> FloatArray:
        """ECEF states ``[r_m, v_mps]`` (n, 6) at ``t_s`` seconds after ``epoch``."""
        jd, fr = julian_date(epoch)
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        r, v = self.teme(epoch, t)
        return teme_to_ecef(r, v, gmst_rad(jd + fr + t / 86400.0))


def from_tle(name: str, line1: str, line2: str) -> Orbit:
    """An orbit from a two-line element set (WGS72 constants, as element sets are fitted).

    The lines are checked first (69 columns, line numbers, one catalogue number, the
    modulo-10 checksums): the library's parser reads fixed columns and accepts a truncated
    line without a word.
    """
    line1, line2 = line1.rstrip(), line2.rstrip()
    if len(line1) != 69 or len(line2) != 69 or not line1.startswith("1 ") or not line2.startswith("2 "):
        raise ValueError(f"{name}: a TLE is two lines of 69 columns starting '1 ' and '2 '")
    if line1[2:7] != line2[2:7]:
        raise ValueError(f"{name}: the two lines name different satellites ({line1[2:7]!r}, {line2[2:7]!r})")
    try:
        verify_checksum(line1, line2)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    sat = Satrec.twoline2rv(line1, line2, WGS72)
    if sat.error:
        raise ValueError(f"{name}: the TLE does not parse (SGP4 error {sat.error})")
    return Orbit(name=name, satrec=sat, origin="tle")


def mean_motion_rad_s(perigee_m: float, apogee_m: float) -> float:
    """Mean motion (rad/s) of the orbit with these perigee and apogee heights (Kepler, WGS72 mu)."""
    a = geo.A_M + 0.5 * (perigee_m + apogee_m)
    return math.sqrt(MU_WGS72_M3_S2 / a**3)


def from_nominal(name: str, orbit: NominalOrbit, epoch: dt.datetime, phase_rad: float) -> Orbit:
    """An orbit from nominal elements: mean anomaly ``phase_rad + orbit.slot_rad`` at ``epoch``.

    A Molniya orbit has its perigee argument at 270 deg (apogee over the north); its node
    is placed so that the next apogee passage is over ``orbit.apogee_lon_rad``: at the
    apogee the argument of latitude is 90 deg, so the apogee's right ascension is the
    node's plus 90 deg, and the node is ``lon + GMST(t_apogee) - 90 deg`` (the node's drift
    under J2 within one pass, about 0.01 deg, is neglected). A geostationary orbit is
    placed over ``apogee_lon_rad`` at the epoch. No drag (``bstar = 0``).
    """
    a = geo.A_M + 0.5 * (orbit.perigee_m + orbit.apogee_m)
    ecc = (orbit.apogee_m - orbit.perigee_m) / (2.0 * a)
    n = mean_motion_rad_s(orbit.perigee_m, orbit.apogee_m)
    m0 = (phase_rad + orbit.slot_rad) % (2.0 * math.pi)
    jd, fr = julian_date(epoch)
    if orbit.kind == "molniya":
        argp = math.radians(270.0)
        t_apogee = ((math.pi - m0) % (2.0 * math.pi)) / n
        node = orbit.apogee_lon_rad + float(gmst_rad(jd + fr + t_apogee / 86400.0)[0]) - 0.5 * math.pi
    else:
        argp = 0.0
        node = orbit.apogee_lon_rad + float(gmst_rad(jd + fr)[0]) - m0
    sat = Satrec()
    sat.sgp4init(WGS72, "i", 99999, jd + fr - JD_1949_12_31, 0.0, 0.0, 0.0, ecc, argp, orbit.inclination_rad, m0,
                 n * 60.0, node % (2.0 * math.pi))
    if sat.error:
        raise ValueError(f"{name}: nominal elements rejected by SGP4 (error {sat.error})")
    return Orbit(name=name, satrec=sat, origin="nominal")
