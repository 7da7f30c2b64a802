"""Reports: atomic writes leave no half-written output; JSON is clean."""

import math
import os

import numpy as np
import pytest

from sprn import report


def test_write_atomic_writes_all_files_with_the_usual_mode(tmp_path):
    report.write_atomic(tmp_path / "out", {"a.txt": "alpha", "b.bin": b"\x00\x01"})
    out = tmp_path / "out"
    assert (out / "a.txt").read_text() == "alpha" and (out / "b.bin").read_bytes() == b"\x00\x01"
    umask = os.umask(0)
    os.umask(umask)
    assert (out / "a.txt").stat().st_mode & 0o777 == 0o666 & ~umask
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.bin"]


def test_write_atomic_failure_leaves_nothing_behind(tmp_path):
    files = {"first.txt": "ok", "second.txt": object()}  # the second cannot be written
    with pytest.raises(TypeError):
        report.write_atomic(tmp_path, files)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_json_ready_turns_numpy_and_nan_into_json():
    data = {"a": np.float64(1.5), "b": [np.int64(2), math.nan], "c": np.array([1.0, np.inf])}
    assert report.json_ready(data) == {"a": 1.5, "b": [2, None], "c": [1.0, None]}
