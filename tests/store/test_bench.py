"""The store benchmark runs and reports its figures (timings are not asserted)."""

from offline_store.bench import run_store_bench


def test_store_bench_reports_every_figure():
    figures = run_store_bench(rows=1500)
    assert figures["rows"] == 1500
    for name in ("first_sync_seconds", "first_sync_encrypted_seconds",
                 "bulk_insert_floor_seconds", "peak_python_memory_mb", "tile_read_ms",
                 "tile_read_encrypted_ms"):
        assert figures[name] >= 0, name
