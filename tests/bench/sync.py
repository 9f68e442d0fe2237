"""Sync figures, end to end over real HTTP on loopback (issue 4).

`python -m backend` runs in a subprocess (SQLite in a temporary data folder, or a fresh
PostgreSQL database with `--database postgresql`); a persona logs in through the real flow
(`/authorize` → dev IdP → callback → `/token`); `rows` health records of that person are
seeded into the backend's `health_record` and `sync_change` tables by a separate process
(untimed; the same rows `health_records.add` pushes create). Then, in this process (the
device side):

- first_sync_s: `SyncEngine.sync_once` into a fresh `UserStore`, pulling pages of 5000
  (`PAGE_SIZE`, the backend's largest; `health_records` is encrypted on the device). Median
  of `repeat` runs, each into a new store. `device_cpu_s` and `backend_cpu_s` are the CPU
  time both processes used meanwhile (medians): with two cores, where the time goes.
- peak_mb: the growth of this process's resident set size during the first run (sampled
  every 5 ms from /proc/self/statm; `rss_peak_mb` is the absolute peak). The backend runs in
  its own process and is not counted. Not tracemalloc: it would slow the timed run down.
- bulk_insert_floor_s: the same rows, already in memory as plain JSON bytes, written with
  `executemany` into a bare SQLite table with the columns the store writes (same pragmas,
  one transaction per page of `PAGE_SIZE`, no key, no encryption): what SQLite alone costs.
  Always the median of three runs (each into a new file).
- push_1000_s: 1000 `health_records.add` mutations queued with `apply_local`, sent by one
  `sync_once` (batches of 100, one transaction per mutation on the server; it then pulls
  the 1000 resulting change-log rows, as every sync does).
- tile_read_ms: median of 50 `store.list("health_records", limit=50)` on the synced store.

Figures, not assertions: the aims of issue 4 (first sync within 5x the floor and under
200 MB, a tile read under 20 ms) are checked by reading them, in docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from app.launcher import free_port
from backend_client import BackendClient
from offline_store.data_key_store import MemoryDataKeyStore
from offline_store.database import connect_sqlite, open_user_store
from offline_store.repository import UserStore
from offline_store.sync_engine import SyncEngine, SyncReport
from tests.identity_helpers import TokenSet, login, refresh
from tests.support.backend_health import wait_until_healthy

ROOT = Path(__file__).resolve().parents[2]
PERSONA = "dev-taro"
DEVICE_ID = "bench-device"
COLLECTION = "health_records"
PAGE_SIZE = 5000  # rows per pull (MAX_PAGE of the backend) and per floor transaction
SEED_CHUNK = 5000
PUSH_COUNT = 1000
TILE_ROWS = 50
TILE_READS = 50
FLOOR_RUNS = 3  # cheap and noisy: always the median of three
KINDS = ("blood_pressure", "weight", "steps", "temperature")


# --- seeding (runs in its own process: `python -m tests.bench.sync seed URL COMMON_ID N`) ---

def seed(database_url: str, common_id: str, rows: int) -> int:
    """Write `rows` health records of `common_id` and their change-log rows, in chunks; the
    same rows `health_records.add` writes, without going through push."""
    from sqlalchemy import insert
    from sqlmodel import Session

    from backend.db import make_engine
    from backend.models import HealthRecord, Person
    from backend.sync.change_log import append_changes
    from backend.sync.types import ChangeRow
    from backend.tiles.health.records import COLLECTION as BACKEND_COLLECTION
    from backend.tiles.health.records import record_json

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            person = session.get(Person, common_id)
            if person is None:
                raise SystemExit(f"no person {common_id}")
            municipality = person.municipality_code
        start = datetime(2026, 4, 1, tzinfo=UTC)
        for first in range(0, rows, SEED_CHUNK):
            records = []
            changes = []
            for n in range(first, min(rows, first + SEED_CHUNK)):
                record = HealthRecord(
                    person_id=common_id, id=f"hr-{n:07d}", municipality_code=municipality,
                    kind=KINDS[n % len(KINDS)], body=json.dumps(_body(n), ensure_ascii=False),
                    recorded_at=(start + timedelta(minutes=n)).isoformat(),
                    created_at=start + timedelta(minutes=n, seconds=3),
                )
                records.append(record.model_dump())
                changes.append(ChangeRow(BACKEND_COLLECTION, record.id, "upsert",
                                         record_json(record)))
            with engine.begin() as connection:
                connection.execute(insert(HealthRecord), records)
                append_changes(connection, municipality, common_id, changes)
    finally:
        engine.dispose()
    return rows


def _body(n: int) -> dict[str, Any]:
    kind = KINDS[n % len(KINDS)]
    if kind == "blood_pressure":
        return {"systolic": 110 + n % 40, "diastolic": 70 + n % 20, "pulse": 60 + n % 30,
                "note": "朝食前"}
    if kind == "weight":
        return {"kg": round(55 + (n % 200) / 10, 1)}
    if kind == "steps":
        return {"count": 2000 + n % 9000}
    return {"celsius": round(36 + (n % 15) / 10, 1)}


# --- the backend ------------------------------------------------------------------------

def _backend_env(database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k != "DATABASE_URL" and not k.startswith("TSUYAMA_")}
    env.update({"TSUYAMA_ENV": "development", "PYTHONUNBUFFERED": "1",
                # The seeded person holds far more than the default health_records quota
                # (20,000 rows, 20 MiB); the push is measured with the quota check running.
                "TSUYAMA_QUOTA_HEALTH_RECORDS_ROWS": "10000000",
                "TSUYAMA_QUOTA_HEALTH_RECORDS_BYTES": str(8 * 1024**3)})
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@contextmanager
def _backend(data_dir: Path, database_url: str | None) -> Iterator[tuple[str, int]]:
    """The backend's base URL and process id."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "backend", "--port", str(port), "--data-dir", str(data_dir)],
        cwd=ROOT, env=_backend_env(database_url), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_healthy(base_url, process)
        yield base_url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def _database(kind: str) -> Iterator[str | None]:
    """None for SQLite (the backend's own file in its data folder), or a fresh PostgreSQL
    database that is dropped afterwards."""
    if kind == "sqlite":
        yield None
        return
    from tests.backend.postgres_databases import create_test_database, drop_test_database

    url = create_test_database()
    try:
        yield url
    finally:
        drop_test_database(url)


class _Tokens:
    """The persona's access token, refreshed over HTTP before it expires (10 minutes)."""

    def __init__(self, http: httpx.AsyncClient, tokens: TokenSet) -> None:
        self._http = http
        self._access = tokens.access_token
        self._refresh = tokens.refresh_token
        self._expires = time.monotonic() + tokens.expires_in

    async def access_token(self) -> str:
        if time.monotonic() > self._expires - 60:
            response = await refresh(self._http, self._refresh, DEVICE_ID)
            response.raise_for_status()
            body = response.json()
            self._access, self._refresh = body["access_token"], body["refresh_token"]
            self._expires = time.monotonic() + body["expires_in"]
        return self._access


# --- measuring ----------------------------------------------------------------------------

def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


class _RssPeak:
    """Samples this process's RSS in a thread while the block runs."""

    def __init__(self, interval: float = 0.005) -> None:
        self._interval = interval
        self._stop = threading.Event()
        self.baseline = self.peak = _rss_bytes()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_bytes())
            self._stop.wait(self._interval)

    def __enter__(self) -> _RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())


def _cpu_s(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far; None where /proc is missing."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class _FirstSync:
    elapsed: float
    report: SyncReport
    device_cpu_s: float  # this process, every thread
    backend_cpu_s: float | None


def _open_store(data_dir: Path, common_id: str) -> UserStore:
    return open_user_store(data_dir, common_id, MemoryDataKeyStore(), device_id=DEVICE_ID)


async def _first_sync(store: UserStore, client: BackendClient, tokens: _Tokens,
                      backend_pid: int) -> _FirstSync:
    engine = SyncEngine(store, client, tokens.access_token, pull_page=PAGE_SIZE)
    backend_cpu = _cpu_s(backend_pid)
    device_cpu = time.process_time()
    started = time.perf_counter()
    report = await engine.sync_once()
    elapsed = time.perf_counter() - started
    device_cpu = time.process_time() - device_cpu
    backend_after = _cpu_s(backend_pid)
    if not report.ok:
        raise RuntimeError(f"first sync failed: {report.error}")
    return _FirstSync(elapsed, report, device_cpu,
                      None if backend_cpu is None or backend_after is None
                      else backend_after - backend_cpu)


async def _push(store: UserStore, client: BackendClient, tokens: _Tokens) -> float:
    recorded = datetime(2026, 11, 1, tzinfo=UTC)
    for n in range(PUSH_COUNT):
        record_id = f"new-{n:05d}"
        args = {"id": record_id, "kind": "weight", "data": {"kg": 60 + n % 10},
                "recorded_at": (recorded + timedelta(minutes=n)).isoformat()}
        store.apply_local(COLLECTION, record_id, args, "add", args)
    engine = SyncEngine(store, client, tokens.access_token, pull_page=PAGE_SIZE)
    started = time.perf_counter()
    report = await engine.sync_once()
    elapsed = time.perf_counter() - started
    if not report.ok or report.applied != PUSH_COUNT or store.pending_count():
        raise RuntimeError(f"push failed: {report}")
    return elapsed


def _tile_read_ms(store: UserStore) -> float:
    samples = []
    for _ in range(TILE_READS):
        started = time.perf_counter()
        tile = store.list(COLLECTION, limit=TILE_ROWS)
        samples.append(time.perf_counter() - started)
        if len(tile) != TILE_ROWS:
            raise RuntimeError(f"a tile read returned {len(tile)} rows")
    return statistics.median(samples) * 1000


async def _all_changes(client: BackendClient, tokens: _Tokens) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    cursor = 0
    while True:
        page = await client.pull(await tokens.access_token(), cursor, PAGE_SIZE)
        changes.extend(page.change_objects)
        cursor = page.next_cursor
        if not page.has_more:
            return changes


def _floor(path: Path, changes: list[dict[str, Any]]) -> float:
    now = datetime.now(UTC).isoformat()
    pages = [
        [(c["collection"], c["key"],
          json.dumps(c["data"], ensure_ascii=False, separators=(",", ":")).encode(),
          0, c["position"], 0, now, now)
         for c in changes[start:start + PAGE_SIZE]]
        for start in range(0, len(changes), PAGE_SIZE)
    ]
    db = connect_sqlite(path)
    try:
        db.execute("CREATE TABLE bare (collection TEXT, key TEXT, data BLOB, encrypted INTEGER, "
                   "server_position INTEGER, pending INTEGER, updated_at TEXT, synced_at TEXT)")
        started = time.perf_counter()
        for params in pages:
            db.execute("BEGIN")
            db.executemany("INSERT INTO bare VALUES (?, ?, ?, ?, ?, ?, ?, ?)", params)
            db.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        db.close()


def _seed_in_subprocess(database_url: str, common_id: str, rows: int) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tests.bench.sync", "seed", database_url, common_id,
                    str(rows)], cwd=ROOT, check=True)
    return time.perf_counter() - started


async def _run(root: Path, rows: int, repeat: int, database_url: str | None
               ) -> dict[str, Any]:
    backend_dir = root / "backend"
    with _backend(backend_dir, database_url) as (base_url, backend_pid):
        async with httpx.AsyncClient(base_url=base_url, follow_redirects=False,
                                     timeout=60) as http:
            token_set = await login(http, PERSONA, device_id=DEVICE_ID)
            tokens = _Tokens(http, token_set)
            common_id = token_set.common_id  # the ID token's subject: the person's id
            seed_url = database_url or f"sqlite:///{backend_dir / 'backend.sqlite3'}"
            seed_s = await asyncio.to_thread(_seed_in_subprocess, seed_url, common_id, rows)

            async with BackendClient(base_url, timeout=60) as client:
                runs: list[_FirstSync] = []
                store: UserStore | None = None
                rss = _RssPeak()
                for run in range(repeat):
                    if store is not None:
                        store.wipe()
                    store = _open_store(root / f"device{run}", common_id)
                    if run == 0:
                        with rss:
                            runs.append(await _first_sync(store, client, tokens, backend_pid))
                    else:
                        runs.append(await _first_sync(store, client, tokens, backend_pid))
                assert store is not None
                synced = store.count(COLLECTION)
                if synced != rows:
                    raise RuntimeError(f"the store holds {synced} of {rows} records")
                tile_ms = _tile_read_ms(store)
                push_s = await _push(store, client, tokens)
                store.wipe()
                changes = [c for c in await _all_changes(client, tokens)
                           if c["collection"] == COLLECTION][:rows]
            floors = [_floor(root / f"floor{n}.sqlite3", changes) for n in range(FLOOR_RUNS)]
            del changes
            floor = statistics.median(floors)

    times = [r.elapsed for r in runs]
    first = statistics.median(times)
    backend_cpu = [r.backend_cpu_s for r in runs if r.backend_cpu_s is not None]
    return {
        "rows": rows,
        "pulled": runs[-1].report.pulled,
        "page_size": PAGE_SIZE,
        "first_sync_s": round(first, 3),
        "first_sync_runs_s": [round(t, 3) for t in times],
        "bulk_insert_floor_s": round(floor, 3),
        "floor_runs_s": [round(t, 3) for t in floors],
        "ratio_to_floor": round(first / floor, 2) if floor else None,
        "rows_per_s": round(rows / first) if first else None,
        # CPU time during the first syncs (medians): the device (this process) and the
        # backend process. Two cores: their sum over 2 is a floor for first_sync_s.
        "device_cpu_s": round(statistics.median(r.device_cpu_s for r in runs), 3),
        "backend_cpu_s": round(statistics.median(backend_cpu), 3) if backend_cpu else None,
        "peak_mb": round((rss.peak - rss.baseline) / 1_000_000, 1),
        "peak_mb_kind": "rss_delta",
        "rss_peak_mb": round(rss.peak / 1_000_000, 1),
        "push_1000_s": round(push_s, 3),
        "tile_read_ms": round(tile_ms, 3),
        "seed_s": round(seed_s, 1),
    }


def run(repeat: int = 1, rows: int = 100_000, database: str = "sqlite") -> dict[str, Any]:
    """Runs every figure against a fresh backend; `database` is "sqlite" or "postgresql"."""
    if database not in ("sqlite", "postgresql"):
        raise ValueError("database must be sqlite or postgresql")
    if rows < TILE_ROWS:
        raise ValueError(f"rows must be at least {TILE_ROWS}")
    with tempfile.TemporaryDirectory(prefix="tsuyama-sync-bench-") as tmp, \
            _database(database) as database_url:
        figures = asyncio.run(_run(Path(tmp), rows, max(1, repeat), database_url))
    return {
        "benchmark": "sync",
        "repeat": max(1, repeat),
        **figures,
        "database": database,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "seed":
        seed(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        print("usage: python -m tests.bench.sync seed DATABASE_URL COMMON_ID ROWS "
              "(the benchmark itself: python -m tests.bench sync)", file=sys.stderr)
        sys.exit(2)
