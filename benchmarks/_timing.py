"""Shared helpers of the benchmark scripts."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
KUSONG = ROOT / "scenarios" / "kusong-2017-05-14.toml"


def best_of(n: int, fn: Callable[[], T]) -> tuple[float, T]:
    """The shortest wall time (s) of ``n`` calls of ``fn``, and the last result."""
    times = []
    out: T
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out
