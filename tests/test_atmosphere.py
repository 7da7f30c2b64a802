"""The U.S. Standard Atmosphere 1976: published values, the fast table, continuity."""

import numpy as np
import pytest

from sprn import atmosphere, dynamics, kernels


def test_atmosphere_standard_values():
    # U.S. Standard Atmosphere 1976, Table I at geometric altitudes: sea level 1.2250, 11 km 0.36480,
    # 20 km 0.088910, 50 km 1.0269e-3, 80 km 1.8458e-5, 100 km 5.604e-7 kg/m^3 (5 significant figures there).
    table = [(0, 1.2250), (11e3, 0.36480), (20e3, 0.088910), (50e3, 1.0269e-3), (80e3, 1.8458e-5), (100e3, 5.604e-7)]
    for alt, rho in table:
        assert kernels.density(alt) == pytest.approx(rho, rel=1e-3)
        assert atmosphere.density_exact(alt) == pytest.approx(rho, rel=1e-3)
    assert atmosphere.speed_of_sound(0.0) == pytest.approx(340.294, abs=1e-2)


def test_fast_table_matches_the_model_and_is_continuous():
    z = np.linspace(0.0, 1.0e6, 20001)
    exact, fast = atmosphere.density_exact(z), dynamics.air_density(z)
    # Log-linear 100 m table: worst at the temperature profile's kinks, under 5e-4 (docstring).
    assert np.max(np.abs(fast / exact - 1.0)) < 5e-4
    # On the table's nodes the interpolation is the model itself.
    assert fast[::20] == pytest.approx(exact[::20], rel=1e-12)
    # No jump where the closed form hands over to the table at 86 km (< 0.1 %).
    assert atmosphere.density_exact(86000.0 - 1e-6) == pytest.approx(atmosphere.density_exact(86000.0), rel=1e-3)
    assert kernels.density(1.0e6 + 1.0) == 0.0
    assert kernels.density(-50.0) == kernels.density(0.0)
