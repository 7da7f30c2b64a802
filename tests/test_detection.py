"""Detection: radar equation, Swerling detection probabilities, measurement noise, dwells."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate

from sprn import geo
from sprn.radar import detection as de
from sprn.radar import network as nw
from sprn.radar.site import Site


def albersheim_snr_db(pd: float, pfa: float) -> float:
    """Albersheim's empirical equation for one pulse, steady target (Richards 2014, ch. 6).

    Fitted for 1e-7 <= pfa <= 1e-3 and 0.1 <= pd <= 0.9.
    """
    a = math.log(0.62 / pfa)
    b = math.log(pd / (1.0 - pd))
    return (6.2 + 4.54 / math.sqrt(1.44)) * math.log10(a + 0.12 * a * b + 1.7 * b)


# --- textbook values -------------------------------------------------------------------


def test_required_snr_matches_textbook_values() -> None:
    # Pd = 0.9, Pfa = 1e-6, one look. Steady target: 13.2 dB (Skolnik 2001, Fig. 2.7).
    # Swerling 1: 21.1 dB (Meyer & Mayer 1973 tables; about 8 dB more than the steady
    # target, Skolnik 2001, sec. 2.8). 0.2 dB: the precision to which the figures can be read.
    assert de.required_snr_db(0.9, 1e-6, 0) == pytest.approx(13.2, abs=0.2)
    assert de.required_snr_db(0.9, 1e-6, 1) == pytest.approx(21.1, abs=0.2)
    # Swerling 2 and 4 are the same single-look cases as 1 and 3.
    assert de.required_snr_db(0.9, 1e-6, 2) == de.required_snr_db(0.9, 1e-6, 1)
    assert de.required_snr_db(0.9, 1e-6, 4) == de.required_snr_db(0.9, 1e-6, 3)


@pytest.mark.parametrize("pfa", [1e-3, 1e-5, 1e-7])
@pytest.mark.parametrize("pd", [0.5, 0.7, 0.9])
def test_swerling0_matches_albersheim(pd: float, pfa: float) -> None:
    # Albersheim's equation is an independent empirical fit, good to 0.2 dB here (for a
    # single pulse its error grows below Pd = 0.5: 0.3-4 dB at Pd = 0.1, so those
    # points are not used).
    assert de.required_snr_db(pd, pfa, 0) == pytest.approx(albersheim_snr_db(pd, pfa), abs=0.2)


@pytest.mark.parametrize("snr_db", [0.0, 10.0, 17.0, 25.0])
def test_swerling3_is_the_steady_case_averaged_over_a_chi_square_4_rcs(snr_db: float) -> None:
    # Swerling 3: RCS has density 4 s / m^2 exp(-2 s / m) (chi-square, 4 d.o.f., mean m).
    mean, pfa = float(10.0 ** (snr_db / 10.0)), 1e-6

    def integrand(s: float) -> float:
        return float(de.pd_swerling0(s, pfa)) * 4.0 * s / mean**2 * math.exp(-2.0 * s / mean)

    expected, _ = integrate.quad(integrand, 0.0, 60.0 * mean, limit=400)
    # quad converges to ~1e-10; 1e-7 leaves room for the noncentral chi-square evaluation.
    assert float(de.pd_swerling3(mean, pfa)) == pytest.approx(expected, abs=1e-7)


@pytest.mark.parametrize("swerling", [0, 1, 3])
def test_detection_probability_matches_a_simulated_square_law_detector(swerling: int) -> None:
    # Simulate the detector itself: complex Gaussian noise of unit power plus a signal of
    # random phase whose power fluctuates as the Swerling case says; threshold -ln(pfa).
    rng = np.random.default_rng(7)
    n, pfa, mean_snr = 400_000, 1e-2, 10.0**0.8
    noise = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) / math.sqrt(2.0)
    power = np.array([de.rcs_fluctuation(swerling, rng) for _ in range(n)]) * mean_snr
    signal = np.sqrt(power) * np.exp(2j * np.pi * rng.random(n))
    rate = np.mean(np.abs(signal + noise) ** 2 > -math.log(pfa))
    pd = float(de.detection_probability(mean_snr, pfa, swerling))
    # 5 binomial standard deviations (~0.004): fails by chance once in 3 million runs.
    assert rate == pytest.approx(pd, abs=5.0 * math.sqrt(pd * (1 - pd) / n))
    false_alarms = np.mean(np.abs(noise) ** 2 > -math.log(pfa))
    assert false_alarms == pytest.approx(pfa, abs=5.0 * math.sqrt(pfa / n))


@given(
    a=st.floats(min_value=-20.0, max_value=40.0),
    b=st.floats(min_value=-20.0, max_value=40.0),
    pfa=st.sampled_from([1e-3, 1e-6, 1e-9]),
    swerling=st.sampled_from([0, 1, 3]),
)
def test_pd_is_monotone_in_snr(a: float, b: float, pfa: float, swerling: int) -> None:
    lo, hi = sorted((a, b))
    p_lo = float(de.detection_probability(10 ** (lo / 10), pfa, swerling))
    p_hi = float(de.detection_probability(10 ** (hi / 10), pfa, swerling))
    assert pfa * (1 - 1e-9) <= p_lo <= p_hi + 1e-12 <= 1.0 + 1e-12


@pytest.mark.parametrize("swerling", [0, 1, 3])
def test_pd_limits(swerling: int) -> None:
    # No signal: Pd is Pfa. Huge signal: Pd tends to 1.
    assert float(de.detection_probability(0.0, 1e-6, swerling)) == pytest.approx(1e-6, rel=1e-6)
    assert float(de.detection_probability(1e7, 1e-6, swerling)) > 0.9999


# --- the radar equation ------------------------------------------------------------------


@given(
    p=st.floats(1e3, 1e7),
    a=st.floats(10.0, 1e4),
    frame=st.floats(0.1, 100.0),
    omega=st.floats(0.01, 4.0),
    lam=st.floats(0.05, 3.0),
    rng_km=st.floats(100.0, 10000.0),
)
def test_search_and_dwell_forms_agree(
    p: float, a: float, frame: float, omega: float, lam: float, rng_km: float
) -> None:
    # A search radar spending frame time t_f over solid angle Omega gives each beam
    # position (solid angle lambda^2 / A) the dwell t_f lambda^2 / (A Omega) (Barton 2005).
    dwell = frame * lam**2 / (a * omega)
    search = de.snr_search(p, a, frame, omega, rng_km * 1e3, 1.0, 500.0, 2.0)
    per_beam = de.snr_dwell(p, dwell, a, a, lam, rng_km * 1e3, 1.0, 500.0, 2.0)
    assert float(search) == pytest.approx(float(per_beam), rel=1e-12)


def test_dwell_form_equals_pulse_form() -> None:
    # Skolnik's pulse form: SNR_1 = P_t G^2 lambda^2 sigma tau / ((4 pi)^3 R^4 k T_s L)
    # for a matched filter, times N coherently integrated pulses.
    p_t, tau, n, lam, area, r, sigma, ts, loss = 1e6, 1e-3, 16, 0.7, 300.0, 3e6, 0.5, 450.0, 4.0
    gain = 4 * math.pi * area / lam**2
    pulse = p_t * gain**2 * lam**2 * sigma * tau / ((4 * math.pi) ** 3 * r**4 * de.K_BOLTZMANN * ts * loss)
    dwell_s = 0.1
    p_avg = p_t * tau * n / dwell_s
    assert float(de.snr_dwell(p_avg, dwell_s, area, area, lam, r, sigma, ts, loss)) == pytest.approx(
        n * pulse, rel=1e-12
    )


def test_snr_scales_as_inverse_fourth_power_of_range() -> None:
    rt = nw.radar_type("voronezh-dm")
    s = de.radar_snr(rt, np.array([1e6, 2e6, 4e6]), 1.0)
    assert s[0] / s[1] == pytest.approx(16.0) and s[1] / s[2] == pytest.approx(16.0)
    assert float(de.radar_snr(rt, 2e6, 1.0, tracking=True)) / s[1] == pytest.approx(
        rt.track_dwell_s / rt.search_dwell_s
    )


# --- measurement noise -------------------------------------------------------------------


def test_measurement_sigma_thermal_terms_and_floors() -> None:
    rt = nw.radar_type("voronezh-dm")
    snr = 100.0
    sig = de.measurement_sigma(rt, snr, 1.0, dwell_s=rt.track_dwell_s, range_rate=True)
    d_range = de.C_MPS / (2 * rt.bandwidth_hz)
    assert sig[0] == pytest.approx(math.hypot(d_range / math.sqrt(2 * snr), rt.range_floor_m))
    assert sig[1] == pytest.approx(
        math.hypot(rt.beamwidth_az_rad / (rt.monopulse_slope * math.sqrt(2 * snr)), rt.az_floor_rad)
    )
    assert sig[3] == pytest.approx(
        math.hypot(rt.wavelength_m / (2 * rt.track_dwell_s * math.sqrt(2 * snr)), rt.range_rate_floor_mps)
    )
    # Very high SNR: only the floors remain. Scanning off the normal broadens the beam.
    huge = de.measurement_sigma(rt, 1e12)
    assert huge[0] == pytest.approx(rt.range_floor_m, rel=1e-3) and huge[2] == pytest.approx(rt.el_floor_rad, rel=1e-3)
    low = de.measurement_sigma(rt, 20.0, 1.0)
    scanned = de.measurement_sigma(rt, 20.0, 0.5)
    assert scanned[1] > low[1] and scanned[0] == low[0]
    assert de.measurement_sigma(rt, 20.0).shape == (3,)


# --- dwells --------------------------------------------------------------------------------


def point_from(site: Site, az_deg: float, el_deg: float, rng_m: float) -> np.ndarray:
    az, el = math.radians(az_deg), math.radians(el_deg)
    enu = rng_m * np.array([math.cos(el) * math.sin(az), math.cos(el) * math.cos(az), math.sin(el)])
    return np.asarray(site.r_ecef_m + enu @ site.enu_rotation)


def test_scan_cosine_uses_the_nearest_face() -> None:
    site = nw.site("mishelevka")  # two faces sharing 240 deg around 130 deg: normals at 70, 190
    tilt = math.degrees(site.radar.face_tilt_rad)  # type: ignore[union-attr]
    assert float(de.scan_cosine(site, point_from(site, 70.0, tilt, 2e6))) == pytest.approx(1.0)
    assert float(de.scan_cosine(site, point_from(site, 190.0, tilt, 2e6))) == pytest.approx(1.0)
    # 60 deg off both normals in azimuth at the tilt elevation.
    off = float(de.scan_cosine(site, point_from(site, 130.0, tilt, 2e6)))
    expected = math.cos(math.radians(tilt)) ** 2 * math.cos(math.radians(60)) + math.sin(math.radians(tilt)) ** 2
    assert off == pytest.approx(expected)


def test_dwell_detection_rate_is_the_swerling_pd() -> None:
    site = nw.site("mishelevka")
    target = point_from(site, 100.0, 10.0, 3.0e6)
    rng = np.random.default_rng(11)
    outs = [de.dwell(site, target, 1.0, rng, swerling=1) for _ in range(20_000)]
    pd = outs[0].pd
    assert 0.2 < pd < 0.8  # a geometry where the test is informative
    rate = np.mean([o.detected for o in outs])
    # 5 binomial standard deviations.
    assert rate == pytest.approx(pd, abs=5 * math.sqrt(pd * (1 - pd) / len(outs)))
    assert all(o.sigma.shape == o.bias.shape == (4,) and not o.sigma.flags.writeable for o in outs[:10])


def test_dwell_is_reproducible_and_tracking_helps() -> None:
    site = nw.site("barnaul")
    target = point_from(site, 170.0, 5.0, 2.5e6)
    a = de.dwell(site, target, 0.1, np.random.default_rng(3))
    b = de.dwell(site, target, 0.1, np.random.default_rng(3))
    assert a == b and np.array_equal(a.sigma, b.sigma)
    t = de.dwell(site, target, 0.1, np.random.default_rng(3), tracking=True)
    rt = site.radar
    assert rt is not None
    assert t.mean_snr_db - a.mean_snr_db == pytest.approx(10 * math.log10(rt.track_dwell_s / rt.search_dwell_s))
    assert t.pd > a.pd


def test_site_without_radar_type_always_detects_with_fixed_sigmas() -> None:
    site = Site.from_degrees(
        name="csv",
        lat_deg=50,
        lon_deg=40,
        alt_m=0,
        sigma_range_m=30,
        sigma_az_deg=0.1,
        sigma_el_deg=0.2,
        revisit_s=5,
        min_el_deg=2,
        max_range_km=5000,
        sigma_range_rate_mps=2.0,
    )
    out = de.dwell(site, geo.lla_to_ecef(0.9, 0.7, 5e5), 1.0, np.random.default_rng(0))
    assert out.detected and out.pd == 1.0
    assert np.allclose(out.sigma, [30, math.radians(0.1), math.radians(0.2), 2.0])
    assert np.array_equal(out.bias, np.zeros(4))


def test_site_bias_is_passed_on() -> None:
    # A JSON site record (sprn sites --json) read back as a scenario table, with a bias.
    record = nw.site_record(nw.site("orsk"))
    table = {k: v for k, v in record.items() if k in nw.SITE_FIELDS and v is not None}
    table.update(bias_range_m=40.0, bias_az_deg=0.02)
    site = nw.site_from_table(table, "test")
    assert site.service_start == nw.site("orsk").service_start
    out = de.dwell(site, point_from(site, 180.0, 10.0, 2e6), 1.0, np.random.default_rng(0))
    assert np.allclose(out.bias, [40.0, math.radians(0.02), 0.0, 0.0])


def test_kusong_geometry_from_mishelevka() -> None:
    # The Hwasong-12 of 14 May 2017 at ~1,000 km altitude over the Sea of Japan is
    # ~2,700 km from Mishelevka. With the catalogue's (assumed) Voronezh-M parameters
    # the spent stage is seen with near certainty in track dwells, the reentry vehicle
    # less surely: detection falls with RCS.
    site = nw.site("mishelevka")
    target = geo.lla_to_ecef(math.radians(40.5), math.radians(132.0), 1000e3)
    stage = nw.rcs_model("spent-stage")
    rv = nw.rcs_model("reentry-vehicle")
    rng = np.random.default_rng(1)
    pd_stage = de.dwell(site, target, stage.mean_m2(site.band), rng, True, swerling=stage.swerling).pd
    pd_rv = de.dwell(site, target, rv.mean_m2(site.band), rng, True, swerling=rv.swerling).pd
    assert pd_stage > 0.9
    assert pd_rv < pd_stage
