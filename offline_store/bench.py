"""Benchmark of the offline store: first sync, the bulk-insert floor, memory, a tile read.

    python -c "from offline_store.bench import run_store_bench; print(run_store_bench())"

Figures, not assertions (tests check correctness only). The floor is a plain `executemany`
into a bare SQLite table with the same pragmas and the same JSON payloads: what SQLite alone
costs, so the store's overhead (upsert rules, cursor, pages) is the difference.
"""

from __future__ import annotations

import json
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from offline_store.data_key_store import MemoryDataKeyStore
from offline_store.database import connect_sqlite, open_user_store

PAGE_SIZE = 1000
TILE_ROWS = 50


def _page(start: int, size: int, collection: str) -> list[dict[str, Any]]:
    return [
        {"position": p, "collection": collection, "key": f"r{p:07d}", "op": "upsert",
         "data": {"n": p, "title": f"行 {p}", "stop": "津山駅", "time": "07:42"},
         "changed_at": "2026-04-01T00:00:00Z"}
        for p in range(start + 1, start + size + 1)
    ]


def _first_sync(data_dir: Path, rows: int, collection: str) -> dict[str, float]:
    store = open_user_store(data_dir, "bench-common-id", MemoryDataKeyStore())
    try:
        started = time.perf_counter()
        for start in range(0, rows, PAGE_SIZE):
            size = min(PAGE_SIZE, rows - start)
            store.apply_changes("user", _page(start, size, collection), start + size)
        elapsed = time.perf_counter() - started
        assert store.count(collection) == rows
        reads = []
        for _ in range(20):
            t0 = time.perf_counter()
            tile = store.list(collection, limit=TILE_ROWS)
            reads.append(time.perf_counter() - t0)
        assert len(tile) == min(TILE_ROWS, rows)
        reads.sort()
        return {"seconds": elapsed, "tile_read_ms": reads[len(reads) // 2] * 1000}
    finally:
        store.wipe()


def _floor(path: Path, rows: int) -> float:
    db = connect_sqlite(path)
    try:
        db.execute("CREATE TABLE bare (collection TEXT, key TEXT, data BLOB, position INTEGER)")
        started = time.perf_counter()
        for start in range(0, rows, PAGE_SIZE):
            size = min(PAGE_SIZE, rows - start)
            params = [
                (c["collection"], c["key"],
                 json.dumps(c["data"], ensure_ascii=False, separators=(",", ":")).encode(),
                 c["position"])
                for c in _page(start, size, "timetable")
            ]
            db.execute("BEGIN")
            db.executemany("INSERT INTO bare VALUES (?, ?, ?, ?)", params)
            db.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        db.close()


def run_store_bench(rows: int = 100_000) -> dict[str, Any]:
    """Times a first sync of `rows` rows in pages of 1000 (plain and encrypted collection)
    and the bulk-insert floor; the peak Python memory of a plain first sync (a separate,
    traced run); the median of 20 local tile reads of 50 rows."""
    with tempfile.TemporaryDirectory(prefix="tsuyama-store-bench-") as tmp:
        root = Path(tmp)
        floor = _floor(root / "floor.sqlite3", rows)
        plain = _first_sync(root / "plain", rows, "timetable")
        encrypted = _first_sync(root / "encrypted", rows, "health_records")
        # A separate run for memory: tracemalloc slows everything it traces.
        tracemalloc.start()
        try:
            _first_sync(root / "memory", rows, "timetable")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return {
        "rows": rows,
        "page_size": PAGE_SIZE,
        "first_sync_seconds": round(plain["seconds"], 3),
        "first_sync_encrypted_seconds": round(encrypted["seconds"], 3),
        "bulk_insert_floor_seconds": round(floor, 3),
        "overhead_vs_floor": round(plain["seconds"] / floor, 2) if floor else None,
        "rows_per_second": round(rows / plain["seconds"]) if plain["seconds"] else None,
        "peak_python_memory_mb": round(peak / 1_000_000, 1),
        "tile_read_ms": round(plain["tile_read_ms"], 3),
        "tile_read_encrypted_ms": round(encrypted["tile_read_ms"], 3),
    }


if __name__ == "__main__":
    print(json.dumps(run_store_bench(), indent=2))
