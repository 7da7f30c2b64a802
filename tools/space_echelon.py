"""The space echelon's figures for docs/space-echelon.md: what Russia's infrared satellites add.

Run: ``python tools/space_echelon.py [--step-deg 10] [--phases-2026 3]`` (about 5 minutes on
one core). Prints:

1. **2017, Kosmos-2510 alone, its phase unknown.** The Kusong scenario
   (``scenarios/kusong-2017-05-14-eks.toml``) run at every ``--step-deg`` of the satellite's
   mean anomaly at launch time, beside the same run without it: the share of phases in which
   it sees the launch, its first detection and the launch alert, and how much earlier each is
   than the radars' first detection and than the radars' warning; whether the cue moved the
   radars' own warning; the launch area's and azimuth's errors against their stated
   uncertainty.
2. **2026, six EKS satellites.** Hwasong-12 shots from every North Korean launch area of
   ``sprn/data/launch_areas.toml``: lofted like the Kusong test (its apogee, range and
   azimuth), and minimum-energy at Tokyo and at Hagatna (Guam), under the 2026 radars with
   and without the six satellites (``scenarios/kusong-2026-eks.toml``), at
   ``--phases-2026`` constellation phases spread over one slot (60 deg), each case with its
   own seed (so the satellites' frame clock differs): first detection by each echelon, the
   warning time for Russia with and without the satellites, the launch azimuth's error, and
   the triangulated boost positions' errors against their 95 % ellipsoids.
3. **Angles-only filtering of the real boost.** The UKF on the boost model fed by two
   satellites' bearings of the flight model's Hwasong-12 boost (60-150 s): mean NEES over
   40 runs (6 if consistent).

Each run draws its own noise from the scenario's seed; detections are nearly certain (SNR of
20-40 against a threshold of 6), so one run per case is what the figures need.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from sprn import engagement, geo, scenario
from sprn.report import space_dict, warning_dict
from sprn.space.measurement import Observer, measure_angles
from sprn.territory import launch_areas
from sprn.tracking.config import TrackerConfig
from sprn.tracking.filters import UkfAdapter
from sprn.trajectory import fly

ROOT = Path(__file__).resolve().parents[1]


def _row(result: engagement.RunResult) -> dict[str, Any]:
    warn = warning_dict(result)
    space = min((d.t_s for d in result.output.space_detections), default=None)
    return {"radar_first_s": result.output.first_detection_s, "space_first_s": space,
            "alert_s": warn.get("launch_detected_s"), "warning_s": warn["first_warning_s"],
            "impact_s": result.truth.t_impact_s, "space": space_dict(result), "result": result}


def _fmt(values: list[float], unit: str = "s") -> str:
    if not values:
        return "none"
    v = np.array(values)
    return f"median {np.median(v):.0f} {unit} (range {v.min():.0f} to {v.max():.0f})"


def study_2017(step_deg: float) -> None:
    base = scenario.load(ROOT / "scenarios" / "kusong-2017-05-14-eks.toml")
    truth = fly(base.shot)
    alone = _row(engagement.run_scenario(dataclasses.replace(base, space=None), truth=truth))
    print("1. Kusong, 14 May 2017: Kosmos-2510 alone, mean anomaly at launch swept every "
          f"{step_deg:g} deg")
    print(f"   radars alone: first detection {alone['radar_first_s']:.0f} s, warning for Russia at "
          f"{alone['warning_s']:.0f} s ({alone['impact_s'] - alone['warning_s']:.0f} s before impact)")
    phases = np.arange(0.0, 360.0, step_deg)
    seen, firsts, alerts, gains_det, gains_warn, warn_moves, area_err, area_major, az_err, az_sigma = (
        [], [], [], [], [], [], [], [], [], [])
    for ph in phases:
        scen = scenario.apply_point(base, {"space.phase_deg": float(ph)}, "space study")
        row = _row(engagement.run_scenario(scen, truth=truth))
        if row["space_first_s"] is None:
            continue
        seen.append(float(ph))
        firsts.append(row["space_first_s"])
        gains_det.append(alone["radar_first_s"] - row["space_first_s"])
        if row["alert_s"] is not None:
            alerts.append(row["alert_s"])
            gains_warn.append(alone["warning_s"] - row["alert_s"])
            launch = row["space"]["launch_detected"]
            area_err.append(launch["error_km"])
            area_major.append(launch["semi_major_km"])
            if launch["azimuth_error_deg"] is not None:
                az_err.append(abs(launch["azimuth_error_deg"]))
                az_sigma.append(launch["sigma_azimuth_deg"])
        if row["warning_s"] is not None:
            warn_moves.append(alone["warning_s"] - row["warning_s"])
    share = len(seen) / len(phases)
    blind = sorted(set(phases.tolist()) - set(seen))
    print(f"   phases in which Kosmos-2510 sees the launch: {len(seen)} of {len(phases)} ({share:.0%}); "
          f"blind at {', '.join(f'{p:g}' for p in blind)} deg (near perigee, over the southern hemisphere)")
    print(f"   its first detection: {_fmt(firsts)} after launch; the launch alert: {_fmt(alerts)}")
    print(f"   first detection earlier than the radars' by {_fmt(gains_det)}")
    print(f"   launch alert earlier than the radars' warning by {_fmt(gains_warn)}")
    print(f"   the radars' own warning moved earlier by the cue: {_fmt(warn_moves)}")
    inside = sum(e <= m for e, m in zip(area_err, area_major))
    print(f"   launch area error {_fmt(area_err, 'km')}, inside the 95 % ellipse's semi-major axis in "
          f"{inside} of {len(area_err)}")
    within = sum(e <= 2 * s for e, s in zip(az_err, az_sigma))
    print(f"   azimuth error {_fmt(az_err, 'deg')}; stated sigma {_fmt(az_sigma, 'deg')}; within 2 sigma in "
          f"{within} of {len(az_err)}")


def study_2026(phases: int) -> None:
    base = scenario.load(ROOT / "scenarios" / "kusong-2026-eks.toml")
    areas = [a for a in launch_areas() if a.country == "PRK"]
    aims: tuple[str | None, ...] = (None, "Tokyo", "Hagatna")
    ph_values = [180.0 + 60.0 * k / phases for k in range(phases)]
    print(f"\n2. 2026: six EKS satellites, Hwasong-12 shots from {len(areas)} North Korean launch areas (lofted "
          f"like Kusong; minimum energy at Tokyo, at Hagatna), constellation phase "
          f"{', '.join(f'{p:g}' for p in ph_values)} deg")
    rows: dict[str, list[float]] = {k: [] for k in ("space_first", "radar_first", "gain", "alert_lead",
                                                    "warn_alone", "warn_with", "warn_gain", "az_err", "az_sigma",
                                                    "alert")}
    tri_err: list[float] = []
    tri_in = 0
    quantile = stats.chi2.ppf(0.95, 3)
    unseen = 0
    total = 0
    for area in areas:
        for aim in aims:
            point: dict[str, Any] = {"missile.launch_lat_deg": area.lat_deg, "missile.launch_lon_deg": area.lon_deg}
            if aim is not None:
                point["missile.aim"] = aim
            shot = scenario.apply_point(base, point, "space study")
            truth = fly(shot.shot)
            for ph in ph_values:
                total += 1
                alone = _row(engagement.run_scenario(dataclasses.replace(shot, space=None), seed=total, truth=truth))
                scen = scenario.apply_point(base, {**point, "space.phase_deg": ph}, "space study")
                res = engagement.run_scenario(scen, seed=total, truth=truth)
                row = _row(res)
                if row["space_first_s"] is None:
                    unseen += 1
                    continue
                rows["space_first"].append(row["space_first_s"])
                if row["alert_s"] is not None:
                    rows["alert"].append(row["alert_s"])
                if alone["radar_first_s"] is not None:
                    rows["radar_first"].append(alone["radar_first_s"])
                    rows["gain"].append(alone["radar_first_s"] - row["space_first_s"])
                if alone["warning_s"] is not None:
                    rows["warn_alone"].append(alone["impact_s"] - alone["warning_s"])
                    if row["alert_s"] is not None:
                        rows["alert_lead"].append(alone["warning_s"] - row["alert_s"])
                launch = row["space"]["launch_detected"]
                if launch is not None and launch["azimuth_error_deg"] is not None:
                    rows["az_err"].append(abs(launch["azimuth_error_deg"]))
                    rows["az_sigma"].append(launch["sigma_azimuth_deg"])
                if row["warning_s"] is not None and alone["warning_s"] is not None:
                    rows["warn_with"].append(row["impact_s"] - row["warning_s"])
                    rows["warn_gain"].append(alone["warning_s"] - row["warning_s"])
                for t_s, x, p in res.output.triangulations:
                    e = x - truth.state(t_s)[:3]
                    tri_err.append(float(np.linalg.norm(e)) / 1e3)
                    tri_in += float(e @ np.linalg.solve(p, e)) <= quantile
    print(f"   cases: {total}; cases no satellite saw: {unseen}")
    print(f"   first detection by the satellites: {_fmt(rows['space_first'])} after launch")
    print(f"   launch alert (launch_detected): {_fmt(rows['alert'])} after launch")
    print(f"   first detection by the radars alone: {_fmt(rows['radar_first'])}")
    print(f"   satellites earlier than the radars by {_fmt(rows['gain'])}")
    print(f"   warning time for Russia, radars alone: {_fmt(rows['warn_alone'])} in the {len(rows['warn_alone'])} "
          f"cases the rule warns on (the lofted shots into the Sea of Japan)")
    print(f"   launch alert earlier than the radars' warning by {_fmt(rows['alert_lead'])}")
    print(f"   the radars' own warning moved earlier by the cue: {_fmt(rows['warn_gain'])}")
    within = sum(e <= 2 * s for e, s in zip(rows["az_err"], rows["az_sigma"]))
    print(f"   launch azimuth (triangulated) error {_fmt(rows['az_err'], 'deg')}; stated sigma "
          f"{_fmt(rows['az_sigma'], 'deg')}; within 2 sigma in {within} of {len(rows['az_err'])}")
    if tri_err:
        print(f"   triangulated boost positions: {len(tri_err)}, error {_fmt(tri_err, 'km')}, inside the 95 % "
              f"ellipsoid in {tri_in} ({tri_in / len(tri_err):.0%})")


def study_boost_nees(runs: int = 40) -> None:
    """The UKF on the boost model fed two satellites' bearings of the flight model's boost."""
    scen = scenario.load(ROOT / "scenarios" / "kusong-2017-05-14.toml")
    truth = fly(scen.shot)
    cfg = TrackerConfig()
    model = cfg.motion_model("boost")
    obs = [Observer(name=n, r_ecef_m=geo.lla_to_ecef(math.radians(a), math.radians(b), h))
           for n, a, b, h in (("a", 60.0, 60.0, 38_500e3), ("b", 63.0, 120.0, 20_000e3))]
    times = np.arange(60.0, 150.0, 10.0)
    sigma = 20e-6
    extra_x, extra_p = cfg.prior(model)
    p0 = np.zeros((model.dim, model.dim))
    p0[:6, :6] = np.diag([3e3**2] * 3 + [300.0**2] * 3)
    p0[6:, 6:] = extra_p
    values = []
    for seed in range(runs):
        rng = np.random.default_rng(seed)
        x0 = np.concatenate([truth.state(times[0]) + rng.multivariate_normal(np.zeros(6), p0[:6, :6]), extra_x])
        f = UkfAdapter(x0, p0, model)
        t_prev = times[0]
        for t in times:
            f.predict(t - t_prev)
            t_prev = t
            for o in obs:
                z = measure_angles(o, truth.state(t)) + rng.standard_normal(2) * sigma
                f.correct(f.innovation(z, o, np.diag([sigma**2, sigma**2])))
        err = f.x[:6] - truth.state(times[-1])
        values.append(float(err @ np.linalg.solve(f.P[:6, :6], err)))
    lo, hi = stats.chi2.ppf([0.005, 0.995], 6 * runs) / runs
    print(f"\n3. Angles-only UKF (boost model) on the flight model's Hwasong-12 boost, two satellites, {runs} runs: "
          f"mean NEES {np.mean(values):.2f} (99 % interval for a consistent filter [{lo:.1f}, {hi:.1f}])")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step-deg", type=float, default=10.0, help="phase step of the 2017 sweep (deg)")
    parser.add_argument("--phases-2026", type=int, default=3, help="constellation phases per 2026 shot")
    args = parser.parse_args()
    start = time.perf_counter()
    study_2017(args.step_deg)
    study_2026(args.phases_2026)
    study_boost_nees()
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
