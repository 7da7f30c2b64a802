"""Monte Carlo throughput: runs per second of a scenario in-process and on a local Dask cluster.

Run: ``python benchmarks/bench_mc.py [SCENARIO] [--runs N] [--workers 1 2]``. Prints the
per-run cost of the pieces (simulation, reduction to a record) and the runs per second with
each number of workers. Cluster start-up is timed apart from the runs (it is paid once per
``sprn mc``), and the cluster's runs are timed after one warm-up batch so that importing
sprn and reading its data files in each worker is not counted as run time.

The target of issue 9: ``sprn mc scenarios/kusong-2017-05-14.toml --runs 1000`` in under
3 minutes on a 2-core machine, i.e. about 6 runs/s with 2 workers.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sprn import engagement, scenario
from sprn.montecarlo import mc_meta, run_monte_carlo, run_seed
from sprn.montecarlo.execution import dask_client
from sprn.montecarlo.records import summarise
from sprn.trajectory import fly

ROOT = Path(__file__).resolve().parents[1]
TARGET_RUNS = 1000
TARGET_S = 180.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "kusong-2017-05-14.toml"))
    parser.add_argument("--runs", type=int, default=40, help="runs per measurement (default 40)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    scen = scenario.load(args.scenario)
    t0 = time.perf_counter()
    truth = fly(scen.shot)
    t_fly = time.perf_counter() - t0
    meta = mc_meta(scen)
    engagement.run_scenario(scen, truth=truth)  # warm-up: data files, caches

    t_sim = t_sum = cpu_sim = 0.0
    pieces = 10
    for i in range(pieces):
        c0, t0 = time.process_time(), time.perf_counter()
        result = engagement.run_scenario(scen, seed=run_seed(scen.seed, i), truth=truth)
        c1, t1 = time.process_time(), time.perf_counter()
        summarise(result, i, meta)
        t_sum += time.perf_counter() - t1
        t_sim += t1 - t0
        cpu_sim += c1 - c0
    print(f"scenario {scen.name}")
    print(f"  truth flight (once per Monte Carlo)   {t_fly:7.3f} s")
    print(f"  run_scenario per run (mean of {pieces})     {t_sim / pieces:7.3f} s wall, {cpu_sim / pieces:.3f} s CPU "
          f"(CPU time is what a free core would take: ~{2 * pieces / cpu_sim:.1f} runs/s on 2 free cores)")
    print(f"  reduction to a record per run         {t_sum / pieces * 1000:7.2f} ms")

    for workers in args.workers:
        if workers == 1:
            t0 = time.perf_counter()
            run_monte_carlo(scen, args.runs, truth=truth)
            elapsed = time.perf_counter() - t0
            startup = 0.0
        else:
            t0 = time.perf_counter()
            with dask_client(workers, None) as client:
                startup = time.perf_counter() - t0
                run_monte_carlo(scen, 2 * workers, scheduler=client, truth=truth)  # warm-up: imports in workers
                t0 = time.perf_counter()
                run_monte_carlo(scen, args.runs, scheduler=client, first_run=2 * workers, truth=truth)
                elapsed = time.perf_counter() - t0
        rate = args.runs / elapsed
        eta = startup + t_fly + TARGET_RUNS / rate
        print(f"  {workers} worker(s): {args.runs} runs in {elapsed:6.1f} s = {rate:5.2f} runs/s "
              f"(cluster start {startup:4.1f} s); {TARGET_RUNS} runs would take ~{eta:5.0f} s "
              f"(target {TARGET_S:.0f} s)")


if __name__ == "__main__":
    main()
