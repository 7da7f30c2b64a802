"""Chi-square quantiles in plain ``math`` (the tracker's gates) against scipy's.

``chi2_quantile`` inverts the closed-form chi-square distribution for integer degrees of
freedom without importing scipy.special. Tolerance against scipy: relative 1e-12. Against
40-digit arithmetic (mpmath, at the commit that wrote it) sprn's quantiles were within
9.3e-16 relative for these degrees of freedom and probabilities, scipy's ``gammaincinv``
within 2.0e-14 (its ``gammainc`` within 2.8e-14); so the two differ by about 2e-14 at
worst, and 1e-12 leaves a margin of 50 while any wrong term of a series or a sum, or a
tail taken as one minus the other, is off by far more (1e-7 and up at these probabilities).
"""

import math

import numpy as np
import pytest
from scipy import special

from sprn.tracking import consistency
from sprn.tracking.consistency import MAX_EXACT_DOF, chi2_band, chi2_cdf, chi2_quantile

RTOL = 1e-12
TAIL = np.logspace(-9, math.log10(0.5), 120)
PROBABILITIES = sorted({*TAIL.tolist(), *(1.0 - TAIL).tolist(), 1e-9, 1.0 - 1e-9, 0.01, 0.05, 0.5, 0.9, 0.95, 0.99,
                        0.999, 0.9999, 0.99999})


@pytest.mark.parametrize("dof", range(1, 11))
def test_quantile_matches_scipy_gammaincinv(dof):
    ours = np.array([chi2_quantile(p, dof) for p in PROBABILITIES])
    ref = 2.0 * special.gammaincinv(0.5 * dof, np.array(PROBABILITIES))
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=0.0)
    assert np.all(np.diff(ours) > 0.0)


@pytest.mark.parametrize("dof", [1, 2, 3, 4, 6, 7, 10, 54, 200])
def test_quantile_inverts_the_cdf_in_its_accurate_tail(dof):
    for p in PROBABILITIES:
        lower, upper = chi2_cdf(chi2_quantile(p, dof), dof)
        if p <= 0.5:
            assert lower == pytest.approx(p, rel=1e-13, abs=0.0)
        else:
            assert upper == pytest.approx(1.0 - p, rel=1e-13, abs=0.0)


@pytest.mark.parametrize("dof", range(1, 11))
def test_cdf_matches_scipy_in_both_tails(dof):
    for x in np.logspace(-12, 2.5, 200):
        lower, upper = chi2_cdf(float(x), dof)
        ref_lower, ref_upper = special.gammainc(0.5 * dof, 0.5 * x), special.gammaincc(0.5 * dof, 0.5 * x)
        assert lower + upper == pytest.approx(1.0, abs=1e-15)
        small, ref = (lower, ref_lower) if ref_lower < 0.5 else (upper, ref_upper)  # the one that keeps its digits
        assert small == pytest.approx(ref, rel=RTOL, abs=1e-300)


def test_two_degrees_of_freedom_is_an_exponential():
    # chi-square(2) is exponential with mean 2: x = -2 ln(1 - p), 1 - p exact for p >= 1/2
    for p in [p for p in PROBABILITIES if p >= 0.5]:
        assert chi2_quantile(p, 2) == pytest.approx(-2.0 * math.log(1.0 - p), rel=1e-15)


def test_edges_and_what_goes_to_scipy():
    assert chi2_quantile(0.0, 3) == 0.0 and chi2_quantile(1.0, 3) == math.inf
    assert chi2_cdf(0.0, 3) == (0.0, 1.0) and chi2_cdf(-1.0, 3) == (0.0, 1.0)
    # non-integer and large dof: scipy's gammaincinv itself
    for dof in (2.5, MAX_EXACT_DOF + 1, 6 * 400):
        assert chi2_quantile(0.975, dof) == float(2.0 * special.gammaincinv(0.5 * dof, 0.975))
    # the Monte Carlo bands stay on scipy whatever the dof (their tables unchanged to the digit)
    for dof, runs in ((6, 1), (6, 400)):
        lo, hi = chi2_band(dof, runs)
        assert lo == float(2.0 * special.gammaincinv(0.5 * dof * runs, 0.5 * (1.0 - 0.95))) / runs
        assert hi == float(2.0 * special.gammaincinv(0.5 * dof * runs, 0.5 * (1.0 + 0.95))) / runs
    with pytest.raises(ValueError):
        consistency.chi2_quantile_exact(0.5, 0)
    with pytest.raises(ValueError):
        chi2_cdf(1.0, 2.5)  # type: ignore[arg-type]
