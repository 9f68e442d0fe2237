"""The sync benchmark still runs end to end (its figures go to docs/benchmarks.md)."""

import pytest

from tests.bench import sync

pytestmark = pytest.mark.e2e

FIGURES = ("first_sync_s", "bulk_insert_floor_s", "ratio_to_floor", "peak_mb", "rss_peak_mb",
           "push_1000_s", "tile_read_ms", "rows_per_s")


def test_sync_benchmark_produces_every_figure() -> None:
    result = sync.run(repeat=1, rows=2000)
    for key in FIGURES:
        assert isinstance(result[key], int | float) and result[key] > 0, (key, result)
    assert result["rows"] == 2000
    assert result["pulled"] >= 2000
    assert result["database"] == "sqlite"
    assert result["peak_mb_kind"] == "rss_delta"
    assert result["python"] and result["cpus"]
