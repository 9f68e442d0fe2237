"""The sync benchmark still runs end to end (its figures go to docs/benchmarks.md).

It runs as `python -m tests.bench sync` in its own process, exactly as a developer runs it
(and because the browser tests keep an event loop running in this process)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ("first_sync_s", "bulk_insert_floor_s", "ratio_to_floor", "peak_mb", "rss_peak_mb",
           "push_1000_s", "tile_read_ms", "rows_per_s")


def test_sync_benchmark_produces_every_figure() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tests.bench", "sync", "--rows", "2000"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    for key in FIGURES:
        assert isinstance(result[key], int | float) and result[key] > 0, (key, result)
    assert result["rows"] == 2000
    assert result["pulled"] >= 2000
    assert result["database"] == "sqlite"
    assert result["peak_mb_kind"] == "rss_delta"
    assert result["python"] and result["cpus"]
