"""The initiator's chains (sprn/tracking/chains.py): a report joins a chain only where the
object could be, two reports of one scan are never one object, and a chain is handed over
once it has enough fixes over enough time."""

import numpy as np

from sprn.radar import Detection
from sprn.tracking.chains import CHAIN_SIGMAS, MAX_ACCELERATION_MPS2, Chains, Fix

SIGMA = np.array([50.0, 1e-3, 1e-3])


def fix(t_s, r_ecef_m, site="a", sigma_m=100.0):
    det = Detection(t_s=t_s, site=site, z=np.array([1e6, 0.0, 0.1]), sigma=SIGMA)
    return Fix(det=det, r_ecef_m=np.asarray(r_ecef_m, dtype=float), sigma_m=sigma_m)


def chains():
    return Chains(max_speed_mps=8000.0, min_fixes=3, min_span_s=4.0, max_age_s=600.0, max_gap_s=180.0)


def test_a_constant_velocity_object_forms_one_chain_handed_over_at_three_fixes_over_four_seconds():
    c = chains()
    v = np.array([3000.0, 0.0, 1000.0])
    assert c.add(fix(0.0, [7e6, 0, 0])) is None
    assert c.add(fix(2.0, np.array([7e6, 0, 0]) + 2 * v)) is None
    ready = c.add(fix(4.0, np.array([7e6, 0, 0]) + 4 * v))
    assert ready is not None and [f.det.t_s for f in ready] == [0.0, 2.0, 4.0]
    assert c.chains == []  # handed over, not kept


def test_a_report_farther_than_the_fastest_object_could_go_starts_its_own_chain():
    c = chains()
    c.add(fix(0.0, [7e6, 0, 0]))
    reach = 8000.0 * 2.0 + CHAIN_SIGMAS * 200.0
    c.add(fix(2.0, [7e6 + reach * 1.01, 0, 0]))
    assert len(c.chains) == 2


def test_a_third_fix_off_the_line_of_the_first_two_by_more_than_the_acceleration_allows_is_refused():
    c = chains()
    c.add(fix(0.0, [7e6, 0, 0]))
    c.add(fix(2.0, [7e6 + 6000.0, 0, 0]))  # 3 km/s
    reach = 0.5 * MAX_ACCELERATION_MPS2 * 2.0 * 4.0 + CHAIN_SIGMAS * 200.0 / 2.0 * 2.0 + CHAIN_SIGMAS * 200.0
    off = np.array([7e6 + 12000.0, 1.01 * reach, 0.0])
    assert c.add(fix(4.0, off)) is None
    assert len(c.chains) == 2  # the off-line fix started a chain of its own


def test_two_reports_of_one_scan_are_never_one_object_but_two_sites_at_one_time_may_be():
    c = chains()
    c.add(fix(0.0, [7e6, 0, 0]))
    c.add(fix(0.0, [7e6 + 10.0, 0, 0]))
    assert len(c.chains) == 2
    c2 = chains()
    c2.add(fix(0.0, [7e6, 0, 0], site="a"))
    c2.add(fix(0.0, [7e6 + 10.0, 0, 0], site="b"))
    assert len(c2.chains) == 1


def test_a_gap_longer_than_max_gap_does_not_link_and_old_chains_are_forgotten():
    c = chains()
    c.add(fix(0.0, [7e6, 0, 0]))
    c.add(fix(100.0, [7e6 + 1e5, 0, 0]))
    assert len(c.chains) == 1 and len(c.chains[0]) == 2  # linked: 100 s <= 180 s
    c.add(fix(290.0, [7e6 + 1e5, 0, 0]))  # 190 s after the chain's last fix: a new chain, the old one can never grow
    assert [len(ch) for ch in c.chains] == [1] and c.chains[0][0].det.t_s == 290.0
    c2 = chains()
    c2.site_gaps_s = {"a": 8.0}
    c2.add(fix(0.0, [7e6, 0, 0]))
    c2.add(fix(10.0, [7e6, 0, 0]))  # site "a" allows 8 s only: two chains
    assert [len(ch) for ch in c2.chains] == [1, 1]
    c2.add(fix(16.0, [7e6, 0, 0], site="b"))  # from another site: the larger gap (180 s) applies
    assert sorted(len(ch) for ch in c2.chains) == [1, 2]


def test_a_chain_is_handed_over_while_another_that_began_in_the_same_scan_waits():
    # Two objects seen in one scan start two chains of three fixes each; the second's is
    # ready first (the first's spans too little time). Handing it over must not compare the
    # two chains' reports (a salvo run once failed here: Detection's array fields make ==
    # ambiguous).
    c = chains()
    va, vb = np.array([3000.0, 0.0, 1000.0]), np.array([2000.0, 1500.0, 0.0])
    a0, b0 = np.array([7e6, 0, 0]), np.array([7e6, 3e5, 0])
    for t in (0.0, 1.0, 2.0):
        c.add(fix(t, a0 + t * va))
    for t in (0.0, 2.0):
        c.add(fix(t, b0 + t * vb))
    assert sorted(len(k) for k in c.chains) == [2, 3]
    ready = c.add(fix(4.0, b0 + 4.0 * vb))
    assert ready is not None and np.allclose(ready[-1].r_ecef_m, b0 + 4.0 * vb)
    assert len(c.chains) == 1 and np.allclose(c.chains[0][0].r_ecef_m, a0)
