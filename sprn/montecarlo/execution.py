"""Running many runs: in this process, on a local Dask cluster, or on a Dask scheduler.

A *job* is one seeded run of the base scenario with a sweep point applied. Jobs that
share a shot share one truth flight: each distinct shot is flown once (as a task of its
own on a cluster, which the runs then depend on, so Dask moves the truth to each worker
once). Runs go to the workers in chunks of consecutive jobs of one shot; a worker sends
back their :class:`~sprn.montecarlo.records.RunRecord` s, never the whole runs. Results come back in job order, whatever the order they finished in, so they
do not depend on the number of workers.

``dask.distributed`` is imported only when a cluster is used, so ``sprn run`` never pays
for it.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sprn.engagement import fly_scenario, run_scenario
from sprn.errors import SprnError
from sprn.montecarlo.points import apply_point
from sprn.montecarlo.records import McMeta, RunRecord, failed_record, summarise
from sprn.scenario import Scenario
from sprn.trajectory import Shot, Trajectory, fly
from sprn.trajectory.scene import Scene


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    """One run: the sweep point applied to the base scenario (on the worker), the shot it
    flies (to share flights), the meta its record is made for, run index and seed."""

    point: tuple[tuple[str, Any], ...]
    shot: Shot
    meta: McMeta
    run: int
    seed: int


AUTO_CLUSTER_RUNS = 20
"""From this many runs :func:`auto_workers` starts a local cluster: below it, the few
seconds a cluster takes to start cost more than the second core saves."""


def auto_workers(runs: int) -> int | None:
    """Workers for ``runs`` runs on this machine: one per usable core, or None (this process)
    for fewer than :data:`AUTO_CLUSTER_RUNS` runs or a single core."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return cores if cores > 1 and runs >= AUTO_CLUSTER_RUNS else None


def fly_or_error(shot: Shot) -> Trajectory | str:
    """The truth of a shot, or why it cannot be flown (a run of it then fails alone)."""
    try:
        return fly(shot)
    except SprnError as exc:
        return f"{type(exc).__name__}: {exc}"


SCENES_KEPT = 8
"""Scenes a worker keeps (:func:`scene_of`): the runs of a chunk share one."""
_scenes: dict[int, tuple[Trajectory, tuple[Any, ...], Scene]] = {}


def scene_of(scenario: Scenario, truth: Trajectory) -> Scene:
    """The scene of ``scenario`` around its first reentry vehicle ``truth``, flown once per
    process for the runs that share them (stages and debris are part of the truth: they do
    not change from run to run)."""
    key = (scenario.shots, scenario.launch_times_s, scenario.scene, scenario.seed)
    kept = _scenes.get(id(truth))
    if kept is not None and kept[0] is truth and kept[1] == key:
        return kept[2]
    scene = fly_scenario(scenario, truth)
    if len(_scenes) >= SCENES_KEPT:
        _scenes.clear()
    _scenes[id(truth)] = (truth, key, scene)
    return scene


def run_job(base: Scenario, job: Job, truth: Trajectory | str) -> RunRecord:
    """Simulate one job against its truth and reduce it to its record."""
    if isinstance(truth, str):
        return failed_record(job.run, job.seed, truth, job.meta)
    scenario = apply_point(base, dict(job.point))
    return summarise(run_scenario(scenario, seed=job.seed, truth=scene_of(scenario, truth)), job.run, job.meta)


def run_jobs(base: Scenario, jobs: Sequence[Job], truth: Trajectory | str) -> list[RunRecord]:
    """:func:`run_job` for a chunk of jobs that share a truth (one Dask task)."""
    return [run_job(base, job, truth) for job in jobs]


TASKS_PER_WORKER = 8
"""Largest chunk: about ``1 / (workers * TASKS_PER_WORKER)`` of the runs, so that the
scheduling (a few ms a task, in the calling process) stays out of the way."""

TAIL_SHARE = 4
"""Once fewer runs remain, a chunk takes ``1 / (workers * TAIL_SHARE)`` of what is left
(guided self-scheduling): chunks shrink to single runs at the end, so no worker idles
while another finishes a long last chunk."""


def _chunks(jobs: Sequence[Job], workers: int) -> list[list[Job]]:
    """Consecutive jobs of one shot, in chunks of at most ``len / (workers * TASKS_PER_WORKER)``
    that shrink to one job as the remaining jobs run out."""
    workers = max(workers, 1)
    cap = max(1, math.ceil(len(jobs) / (workers * TASKS_PER_WORKER)))
    out: list[list[Job]] = []
    size = 0
    for k, job in enumerate(jobs):
        if out and len(out[-1]) < size and out[-1][0].shot == job.shot:
            out[-1].append(job)
        else:
            size = min(cap, math.ceil((len(jobs) - k) / (workers * TAIL_SHARE)))
            out.append([job])
    return out


def _progress_bar(total: int, enabled: bool) -> Any:
    """A tqdm bar on stderr when asked for and stderr is a terminal (never in CI logs)."""
    if not (enabled and sys.stderr.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="run", file=sys.stderr)


def _run_here(base: Scenario, jobs: Sequence[Job], truths: dict[Shot, Trajectory | str], progress: bool) -> list[RunRecord]:
    bar = _progress_bar(len(jobs), progress)
    out = []
    for job in jobs:
        if job.shot not in truths:
            truths[job.shot] = fly_or_error(job.shot)
        out.append(run_job(base, job, truths[job.shot]))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return out


LOCAL_CLUSTER_CONFIG: dict[str, Any] = {
    # Dask's nanny puts MALLOC_TRIM_THRESHOLD_=65536 in each worker's environment (and
    # leaves it in this process's). Setting it switches off glibc's dynamic mmap threshold:
    # every array over 128 KiB is then mapped and unmapped afresh, ~4,000 page faults and
    # ~6 ms of system time a run. Without it a worker allocates like this process does.
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    # The statistical profiler samples the worker every 10 ms on the event-loop thread,
    # which takes the GIL from the run each time (and reads source lines for the report).
    "distributed.worker.profile.enabled": False,
    # System and memory monitors: psutil reads /proc on the event loop (GIL again); every
    # few seconds is plenty for runs of a few hundred MB that never spill.
    "distributed.admin.system-monitor.disk": False,
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
    # Each server (scheduler, nannies, workers) times its event loop every 20 ms to warn
    # when it is blocked; once a second still catches a loop blocked for the 3 s limit.
    "distributed.admin.tick.interval": "1s",
}
"""Settings of the clusters :func:`dask_client` starts (not of clusters it is given): with
Dask's defaults a run on a worker took ~1.2x the CPU time of the same run in-process
(``benchmarks/bench_mc.py``; ``docs/monte-carlo.md``)."""


@contextlib.contextmanager
def dask_client(workers: int | None, scheduler: Any) -> Iterator[Any]:
    """A ``distributed.Client``: to ``scheduler`` (an address such as
    ``"tcp://127.0.0.1:8786"``, or a Client, used as is), else to a new ``LocalCluster`` of
    ``workers`` single-threaded processes (with :data:`LOCAL_CLUSTER_CONFIG`), closed on
    exit."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None and not isinstance(scheduler, str):
        yield scheduler
        return
    if scheduler is not None:
        with Client(scheduler) as client:  # type: ignore[no-untyped-call]
            yield client
        return
    with dask.config.set(LOCAL_CLUSTER_CONFIG), LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.CRITICAL
    ) as cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield client


def _run_on_dask(
    client: Any, base: Scenario, jobs: Sequence[Job], truths: dict[Shot, Trajectory | str], progress: bool
) -> list[RunRecord]:
    from distributed import as_completed

    base_future = client.scatter(base, broadcast=True, hash=False)
    flights: dict[Shot, Any] = {
        shot: client.scatter(truth, hash=False) for shot, truth in truths.items()
    }
    for job in jobs:
        if job.shot not in flights:
            flights[job.shot] = client.submit(fly_or_error, job.shot, pure=False)
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    chunks = _chunks(jobs, workers)
    futures = [client.submit(run_jobs, base_future, chunk, flights[chunk[0].shot], pure=False) for chunk in chunks]
    bar = _progress_bar(len(jobs), progress)
    if bar is not None:
        sizes = {f.key: len(c) for f, c in zip(futures, chunks)}
        for done in as_completed(futures):  # type: ignore[no-untyped-call]
            bar.update(sizes[done.key])
        bar.close()
    records: list[RunRecord] = [r for part in client.gather(futures) for r in part]
    return records


def execute(
    base: Scenario,
    jobs: Sequence[Job],
    *,
    truth: Trajectory | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool = False,
) -> list[RunRecord]:
    """Run every job; records in job order.

    ``truth``: the flight of ``base.shot`` if already flown. ``workers`` in (None, 1)
    without a ``scheduler`` runs the jobs in this process; ``workers > 1`` starts a local
    Dask cluster of that many processes; ``scheduler`` (an address or a
    ``distributed.Client``) uses an existing cluster. ``progress`` shows a bar on a
    terminal.
    """
    if workers is not None and workers < 1:
        raise SprnError(f"Monte Carlo: workers = {workers}: expected an integer >= 1")
    truths: dict[Shot, Trajectory | str] = {} if truth is None else {base.shot: truth}
    if scheduler is None and workers in (None, 1):
        return _run_here(base, jobs, truths, progress)
    with dask_client(workers, scheduler) as client:
        return _run_on_dask(client, base, jobs, truths, progress)
