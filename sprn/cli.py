"""The ``sprn`` command.

Input errors (:class:`sprn.errors.SprnError`) become one line on stderr and exit status 2;
nothing is written when a run fails.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sprn.errors import SprnError
from sprn.tracking.config import (
    ASSOCIATIONS,
    DEFAULT_FILTER,
    FILTERS,
    RV_INV_BETA_M2_KG,
    RV_SIGMA_INV_BETA_M2_KG,
    TrackerConfig,
)

if TYPE_CHECKING:
    from sprn.engagement import RunResult


def _cmd_run(args: argparse.Namespace) -> int:
    from sprn import scenario

    scen = scenario.load(args.scenario)  # first: a bad file is rejected before the numerics load
    from sprn import engagement, report

    result = engagement.run_scenario(scen, seed=args.seed, launch_point=True)
    files: dict[str, str | bytes] = dict(report.run_files(result))
    if args.plots:
        from sprn import plot

        files.update(plot.plot_files(result))
    globe = _globe_files(result, args.czml, args.kml)  # built before anything is written
    out_dir = args.out or scen.out_dir
    report.write_atomic(out_dir, files)
    for directory, named in globe.items():
        report.write_atomic(directory, named)
    print(report.summary_text(result))
    print(f"\nwrote {', '.join(files)} to {out_dir}/")
    for directory, named in globe.items():
        print(f"wrote {', '.join(str(Path(directory) / name) for name in named)}")
    return 0


def _globe_files(result: RunResult, czml: str | None, kml: str | None) -> dict[str, dict[str, str]]:
    """The ``--czml`` and ``--kml`` files, by directory then file name."""
    if czml is None and kml is None:
        return {}
    from sprn import export

    out: dict[str, dict[str, str]] = {}
    for path, make in ((czml, export.czml_text), (kml, export.kml_text)):
        if path is not None:
            out.setdefault(str(Path(path).parent), {})[Path(path).name] = make(result)
    return out


def _workers(args: argparse.Namespace, runs: int) -> int | None:
    """``--workers`` as given, else (without ``--scheduler``) one per core for a study of ``runs`` runs."""
    if args.workers is not None or args.scheduler:
        return int(args.workers) if args.workers is not None else None
    from sprn.montecarlo.execution import auto_workers

    return auto_workers(runs)


def _cmd_mc(args: argparse.Namespace) -> int:
    from sprn import montecarlo, report, scenario

    scen = scenario.load(args.scenario)
    if args.runs < 1:
        raise SprnError(f"--runs {args.runs}: expected at least 1 run")
    result = montecarlo.run_monte_carlo(
        scen, args.runs, workers=_workers(args, args.runs), scheduler=args.scheduler, base_seed=args.seed,
        progress=sys.stderr.isatty(), first_run=args.first_run,
    )
    out_dir = args.out or f"{scen.out_dir}-mc"
    report.write_atomic(out_dir, montecarlo.mc_files(result))
    print(montecarlo.summary_text(result))
    print(f"\nwrote mc.json, runs.csv, over_time.csv to {out_dir}/")
    return 0


def _cmd_mc_combine(args: argparse.Namespace) -> int:
    import json

    from sprn import montecarlo, report

    parts = []
    for name in args.results:
        path = Path(name) / "mc.json" if Path(name).is_dir() else Path(name)
        try:
            data = json.loads(path.read_text())
        except OSError as exc:
            raise SprnError(f"{path}: cannot read ({exc.strerror}): expected an mc.json written by sprn mc") from None
        except ValueError as exc:
            raise SprnError(f"{path}: not JSON ({exc}): expected an mc.json written by sprn mc") from None
        if not isinstance(data, dict):
            raise SprnError(f"{path}: a JSON {type(data).__name__}: expected an mc.json written by sprn mc")
        parts.append(montecarlo.McResult.from_dict(data, source=str(path)))
    result = parts[0]
    for part in parts[1:]:
        result = montecarlo.combine(result, part)
    report.write_atomic(args.out, montecarlo.mc_files(result))
    print(montecarlo.summary_text(result))
    print(f"\nwrote mc.json, runs.csv, over_time.csv to {args.out}/")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:

    from sprn import montecarlo, report, scenario

    scen = scenario.load(args.scenario)
    if scen.sweep is None:
        raise SprnError(f"{scen.path}: no [sweep] table to sweep (see docs/monte-carlo.md)")
    grid, runs = scen.sweep.grid, scen.sweep.runs_per_point
    scenario.check_grid(scen, grid, f"{scen.path}: sweep.grid")  # every point, before any run
    per_point = args.runs_per_point or runs
    workers = _workers(args, per_point * len(scenario.grid_points(grid)))
    rows = montecarlo.run_sweep(scen, grid, per_point, workers=workers, scheduler=args.scheduler,
                                progress=sys.stderr.isatty())
    out = Path(args.out or f"{scen.out_dir}-sweep.csv")
    text = montecarlo.csv_text(rows)
    report.write_atomic(out.parent, {out.name: text})
    print(text, end="")
    print(f"wrote {out}")
    return 0


def _cmd_track(args: argparse.Namespace) -> int:
    from sprn import report
    from sprn.tracking import files

    if args.beta is not None and not args.beta > 0:
        raise SprnError(f"--beta {args.beta}: expected a ballistic coefficient > 0 kg/m^2")
    beta = {} if args.beta is None else {"inv_beta_m2_kg": 1.0 / args.beta, "sigma_inv_beta_m2_kg": 0.0}
    run = files.track_files(args.sites, args.measurements, args.filter,
                            config=TrackerConfig(association=args.association), **beta)
    out = files.track_outputs(run.track, run.predictions, run.prediction_tracks)
    report.write_atomic(args.out, out)
    n_tracks = len(set(run.track.ids.tolist()))
    print(f"{n_tracks} track{'s' if n_tracks != 1 else ''}, {len(run.track.t_s)} track states, "
          f"{len(run.predictions)} impact predictions; wrote {', '.join(out)} "
          f"to {args.out}/")
    for line in files.notes(run):
        print(line)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from sprn import scenario

    scen = scenario.load(args.scenario)
    from sprn import engagement, htmlreport, report

    result = engagement.run_scenario(scen, seed=args.seed, launch_point=True)
    html = htmlreport.html_report(result)
    out = Path(args.out)
    report.write_atomic(out.parent, {out.name: html})
    print(f"wrote {out} ({len(html) / 1e6:.1f} MB)")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sprn import scenario

    paths = args.scenarios or None
    if paths is not None:
        for p in paths:
            scenario.load(p)  # first: a bad file is rejected before the numerics load
    from sprn import report, validation

    if paths is None:
        paths = validation.real_flights(args.dir)
        if not paths:
            raise SprnError(f"{args.dir}: no scenario file with a [reported] table")
    text = validation.document(validation.check_files(paths))
    out = Path(args.out)
    report.write_atomic(out.parent, {out.name: text})
    print(text, end="")
    print(f"\nwrote {out}")
    return 0


def _latlon(text: str) -> tuple[float, float]:
    try:
        lat, lon = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected LAT,LON in degrees, e.g. 40.0659,125.2099") from None
    return lat, lon


def _cmd_fly(args: argparse.Namespace) -> int:
    import json

    from sprn.trajectory import Shot, fly

    shot = Shot(
        missile=args.missile,
        launch_lat_deg=args.launch[0],
        launch_lon_deg=args.launch[1],
        azimuth_deg=args.azimuth,
        apogee_km=args.apogee_km,
        range_km=args.range_km,
        aim_lat_deg=args.aim[0] if args.aim else None,
        aim_lon_deg=args.aim[1] if args.aim else None,
        shape="min-energy" if args.min_energy else args.shape,
        loft=args.loft,
        payload_kg=args.payload_kg,
    )
    summary = fly(shot).summary()
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"{summary['missile']} from {shot.launch_lat_deg:.4f} N {shot.launch_lon_deg:.4f} E, azimuth {summary['azimuth_deg']:.1f} deg")
    rows = [
        ("burnout", f"{summary['burnout_s']:.1f} s"),
        ("separation", f"{summary['separation_s']:.1f} s"),
        ("apogee", f"{summary['apogee_km']:.1f} km at {summary['apogee_s']:.1f} s"),
        ("reentry (100 km)", f"{summary['reentry_100km_s']:.1f} s"),
        ("impact", f"{summary['impact_lat_deg']:.4f} N {summary['impact_lon_deg']:.4f} E at {summary['impact_s']:.1f} s"),
        ("ground range", f"{summary['range_km']:.1f} km"),
        ("flight time", f"{summary['flight_time_s'] / 60:.1f} min"),
        ("maximum speed", f"{summary['max_speed_mps']:.0f} m/s"),
        ("peak reentry deceleration", f"{summary['max_decel_g']:.0f} g"),
        ("loft (0 = minimum energy)", f"{summary['loft']:.2f}"),
    ]
    for name, value in rows:
        print(f"  {name:<28}{value}")
    return 0


def _cmd_sites(args: argparse.Namespace) -> int:
    import json

    from sprn.radar import network

    sites = network.preset(args.preset) if args.preset else None
    table = network.sites_table(sites)
    if args.json:
        print(json.dumps(table, indent=2, default=str))
        return 0
    print(f"{'site':<16}{'type':<13}{'band':<5}{'lat':>9}{'lon':>10}{'boresight':>10}{'sector':>8}{'range km':>10}  in service")
    for row in table:
        print(
            f"{row['name']:<16}{row.get('type', ''):<13}{row.get('band', ''):<5}{row['lat_deg']:>9.3f}{row['lon_deg']:>10.3f}"
            f"{row.get('boresight_az_deg', 0):>10.0f}{row.get('sector_width_deg', 360):>8.0f}"
            f"{row.get('max_range_km', 0):>10.0f}  {row.get('service_start') or '?'} to {row.get('service_end') or 'now'}"
        )
    return 0


def _cmd_coverage(args: argparse.Namespace) -> int:
    import json

    import numpy as np

    from sprn import report
    from sprn.radar import coverage_grid, network

    if args.scenario is not None:
        return _space_coverage(args)
    if args.altitude_km is None:
        raise SprnError("sprn coverage: --altitude-km is required (or --scenario FILE for the space echelon's view)")
    sites = network.preset(args.preset)
    lat, lon, mask = coverage_grid(sites, args.altitude_km * 1000.0, args.step_deg)
    out = args.out
    if out.endswith(".json"):
        content: str | bytes = json.dumps(
            {"preset": args.preset, "altitude_km": args.altitude_km, "lat_deg": lat.tolist(), "lon_deg": lon.tolist(),
             "sites": {s.name: mask[i].astype(int).tolist() for i, s in enumerate(sites)}}
        )
    elif out.endswith(".csv"):
        rows = ["lat_deg,lon_deg,n_sites," + ",".join(s.name for s in sites)]
        for i, la in enumerate(lat):
            for j, lo in enumerate(lon):
                flags = mask[:, i, j].astype(int)
                rows.append(f"{la:g},{lo:g},{flags.sum()}," + ",".join(map(str, flags)))
        content = "\n".join(rows) + "\n"
    elif out.endswith(".png"):
        from sprn import plot

        content = plot.coverage_png(sites, lat, lon, mask, title=f"{args.preset}: coverage at {args.altitude_km:g} km")
    else:
        raise SprnError(f"--out {out!r}: expected a file name ending in .png, .csv or .json")

    path = Path(out)
    report.write_atomic(path.parent if str(path.parent) else ".", {path.name: content})
    covered = mask.any(axis=0)
    weights = np.cos(np.radians(lat))[:, None] * np.ones_like(covered, dtype=float)
    share = float((weights * covered).sum() / weights.sum())
    print(f"{args.preset}: {len(sites)} sites; {share:.1%} of the globe's area covered at {args.altitude_km:g} km; wrote {out}")
    return 0


def _space_coverage(args: argparse.Namespace) -> int:
    """The space echelon's view at a scenario's epoch (+ ``--time-s``): where a plume just above
    the cloud tops is in sight of how many of its satellites (the Earth and limb in the way)."""
    import json

    import numpy as np

    from sprn import geo, report, scenario
    from sprn.radar.coverage import grid_axes
    from sprn.space.infrared import seen_from

    scen = scenario.load(args.scenario)
    if scen.space is None or not scen.space.satellites:
        raise SprnError(f"{args.scenario}: no [space] satellites to draw")
    sats = scen.space.satellites
    r = np.array([s.orbit.ecef(scen.epoch, [args.time_s])[0, :3] for s in sats])
    lat, lon = grid_axes(args.step_deg)
    height_m = scen.space.cloud_top_m + 1000.0
    mask = seen_from(r, lat, lon, height_m, min(s.sensor.grazing_m for s in sats))
    sub_lat, sub_lon, _ = geo.ecef_to_lla(r)
    markers = [(s.name, float(np.degrees(a)), float(np.degrees(b))) for s, a, b in zip(sats, sub_lat, sub_lon)]
    out = args.out
    when = f"{scen.epoch.isoformat()} + {args.time_s:g} s"
    if out.endswith(".json"):
        content: str | bytes = json.dumps(
            {"scenario": scen.path, "time": when, "height_km": height_m / 1e3, "lat_deg": lat.tolist(),
             "lon_deg": lon.tolist(), "satellites": {s.name: mask[i].astype(int).tolist() for i, s in enumerate(sats)},
             "sub_points": {n: [a, b] for n, a, b in markers}})
    elif out.endswith(".png"):
        from sprn import plot

        title = (f"{Path(scen.path).stem}: the space echelon at {scen.epoch:%Y-%m-%d %H:%M} UTC + {args.time_s:g} s, "
                 f"plumes at {height_m / 1e3:g} km")
        content = plot.coverage_png([], lat, lon, mask, title=title, label="satellites that see a plume there",
                                    markers=markers)
    else:
        raise SprnError(f"--out {out!r}: expected a file name ending in .png or .json with --scenario")
    path = Path(out)
    report.write_atomic(path.parent if str(path.parent) else ".", {path.name: content})
    covered = mask.any(axis=0)
    weights = np.cos(np.radians(lat))[:, None] * np.ones_like(covered, dtype=float)
    share = float((weights * covered).sum() / weights.sum())
    print(f"{scen.name}: {len(sats)} satellite{'s' if len(sats) != 1 else ''}; a plume above {height_m / 1e3:g} km is in sight over "
          f"{share:.1%} of the globe at {when}; wrote {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sprn", description="Early-warning radar tracking simulator.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a scenario file and write its results")
    run.add_argument("scenario", help="scenario file (TOML), e.g. scenarios/kusong-2017-05-14.toml")
    run.add_argument("--out", help="output directory (default: the scenario's outputs.dir)")
    run.add_argument("--seed", type=int, help="random seed (default: the scenario's seed)")
    run.add_argument("--plots", action="store_true", help="also write the figures (PNG) beside results.json")
    run.add_argument("--czml", metavar="FILE.czml", help="also write the run as CZML (CesiumJS)")
    run.add_argument("--kml", metavar="FILE.kml", help="also write the run as KML (Google Earth)")
    run.set_defaults(func=_cmd_run)

    rep = sub.add_parser("report", help="run a scenario and write one self-contained HTML page")
    rep.add_argument("scenario", help="scenario file (TOML)")
    rep.add_argument("--out", default="report.html", help="output file (default report.html)")
    rep.add_argument("--seed", type=int, help="random seed (default: the scenario's seed)")
    rep.set_defaults(func=_cmd_report)

    mc = sub.add_parser("mc", help="Monte Carlo: many seeded runs of a scenario, aggregated")
    mc.add_argument("scenario", help="scenario file (TOML)")
    mc.add_argument("--runs", type=int, default=100, help="number of runs (default 100)")
    where = mc.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="local Dask worker processes (default: one per core from "
                       "20 runs, else this process; 1: this process)")
    where.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786")
    mc.add_argument("--seed", type=int, help="base seed (default: the scenario's)")
    mc.add_argument("--first-run", type=int, default=0, help="index of the first run (to split a study)")
    mc.add_argument("--out", help="output directory (default: <outputs.dir>-mc)")
    mc.set_defaults(func=_cmd_mc)

    mcc = sub.add_parser("mc-combine", help="combine Monte Carlo results of disjoint runs (e.g. --first-run parts)")
    mcc.add_argument("results", nargs="+", help="mc.json files or the directories sprn mc wrote them to")
    mcc.add_argument("--out", required=True, help="output directory for the combined mc.json, runs.csv, over_time.csv")
    mcc.set_defaults(func=_cmd_mc_combine)

    sw = sub.add_parser("sweep", help="run the scenario's [sweep] grid; one table row per point")
    sw.add_argument("scenario", help="scenario file (TOML) with a [sweep] table")
    sw.add_argument("--runs-per-point", type=int, help="override sweep.runs_per_point")
    where = sw.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="local Dask worker processes (default as for mc)")
    where.add_argument("--scheduler", help="address of a running Dask scheduler")
    sw.add_argument("--out", help="CSV file (default: <outputs.dir>-sweep.csv)")
    sw.set_defaults(func=_cmd_sweep)

    trk = sub.add_parser("track", help="track measurement files (sites.csv, measurements.csv)")
    trk.add_argument("--sites", required=True, help="sites.csv (site, lat_deg, lon_deg, alt_m, sigmas, ...)")
    trk.add_argument("--measurements", required=True, help="measurements.csv (t_s, site, range_m, azimuth_deg, ...)")
    trk.add_argument("--out", required=True, help="output directory for track.csv and impact.csv")
    trk.add_argument("--filter", choices=FILTERS, default=DEFAULT_FILTER,
                     help=f"filter (default {DEFAULT_FILTER}: boost, ballistic and reentry modes; right in every phase)")
    trk.add_argument("--association", choices=ASSOCIATIONS, default=ASSOCIATIONS[0],
                     help=f"data association of the track manager (default {ASSOCIATIONS[0]}: global nearest neighbour)")
    trk.add_argument("--beta", type=float, help="the RV's ballistic coefficient (kg/m^2) for the impact predictions, if "
                     f"known (default: unknown, 1/beta = {RV_INV_BETA_M2_KG:g} +/- {RV_SIGMA_INV_BETA_M2_KG:g} m^2/kg)")
    trk.set_defaults(func=_cmd_track)

    val = sub.add_parser("validate", help="run the real-flight scenarios; their figures beside the public ones")
    val.add_argument("scenarios", nargs="*", help="scenario files with a [reported] table (default: every one in --dir)")
    val.add_argument("--dir", default="scenarios", help="where to find them (default scenarios)")
    val.add_argument("--out", default="docs/validation.md", help="Markdown file to write (default docs/validation.md)")
    val.set_defaults(func=_cmd_validate)

    fly = sub.add_parser("fly", help="fly one shot and print its time line (no radars)")
    fly.add_argument("--missile", required=True, help="catalogue key, e.g. hwasong-12")
    fly.add_argument("--launch", required=True, type=_latlon, metavar="LAT,LON", help="launch point (deg)")
    fly.add_argument("--azimuth", type=float, help="launch azimuth (deg clockwise from north)")
    fly.add_argument("--apogee-km", type=float, help="apogee (with --range-km: a reported test flight)")
    fly.add_argument("--range-km", type=float, help="ground range")
    fly.add_argument("--aim", type=_latlon, metavar="LAT,LON", help="aim point (deg)")
    fly.add_argument("--shape", choices=("min-energy", "lofted", "depressed"), help="trajectory shape to the aim point")
    fly.add_argument("--min-energy", action="store_true", help="minimum-energy (maximum-range) shot")
    fly.add_argument("--loft", type=float, help="loft setting: 0 minimum energy, >0 lofted, <0 depressed")
    fly.add_argument("--payload-kg", type=float, help="reentry-vehicle mass (default: the catalogue's)")
    fly.add_argument("--json", action="store_true", help="print one JSON object")
    fly.set_defaults(func=_cmd_fly)

    sites = sub.add_parser("sites", help="list radar sites (the catalogue or a preset)")
    sites.add_argument("--preset", help="network preset, e.g. sprn-2017")
    sites.add_argument("--json", action="store_true", help="print JSON")
    sites.set_defaults(func=_cmd_sites)

    cov = sub.add_parser("coverage", help="coverage of a network preset at one altitude (map or grid)")
    cov.add_argument("--preset", default="sprn-2017", help="network preset (default sprn-2017)")
    cov.add_argument("--altitude-km", type=float, default=None, help="target altitude (km; required for radars)")
    cov.add_argument("--scenario", default=None,
                     help="FILE.toml: draw its [space] satellites' view at its epoch instead (plumes above the cloud tops)")
    cov.add_argument("--time-s", type=float, default=0.0, help="with --scenario: seconds after the epoch (default 0)")
    cov.add_argument("--step-deg", type=float, default=1.0, help="grid step (deg, default 1)")
    cov.add_argument("--out", default="coverage.png", help="FILE.png (map), FILE.csv or FILE.json (grid)")
    cov.set_defaults(func=_cmd_coverage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except SprnError as exc:
        print(f"sprn: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `sprn sites | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
