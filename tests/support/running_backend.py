"""A real `python -m backend` over loopback HTTP on SQLite or on a fresh PostgreSQL database,
for tests that probe it from outside (reliability, fuzzing)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy import Engine, create_engine, make_url

from tests.backend.postgres_databases import admin_url, create_test_database, drop_test_database
from tests.backend.test_cli import REPO_ROOT, free_port, wait_for_health
from tests.conftest import require_or_skip


@dataclass
class RunningBackend:
    url: str
    port: int
    database_url: str
    engine: Engine  # the backend's own database, read directly by the assertions
    kind: str
    data_dir: Path


@contextmanager
def running_backend(kind: str, data_dir: Path,
                    extra_env: dict[str, str] | None = None) -> Iterator[RunningBackend]:
    """`kind` is "sqlite" or "postgresql"; skips (fails under TSUYAMA_REQUIRE_ALL) without
    PostgreSQL."""
    if kind == "sqlite":
        database_url = f"sqlite:///{data_dir / 'backend.sqlite3'}"
    else:
        try:
            database_url = create_test_database()
        except psycopg.OperationalError as exc:
            shown = make_url(admin_url()).render_as_string(hide_password=True)
            require_or_skip(f"PostgreSQL not reachable at {shown} ({exc}); CI sets "
                            "TSUYAMA_REQUIRE_ALL=1 which turns this skip into a failure")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items()
           if k != "DATABASE_URL" and not k.startswith("TSUYAMA_")}
    env.update({"TSUYAMA_ENV": "development", "PYTHONUNBUFFERED": "1"})
    env.update(extra_env or {})
    if kind == "postgresql":
        env["DATABASE_URL"] = database_url
    log_path = data_dir / "backend.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "backend", "--port", str(port), "--data-dir", str(data_dir)],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
        )
    engine: Engine | None = None
    try:
        wait_for_health(url, process)
        engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
        yield RunningBackend(url, port, database_url, engine, kind, data_dir)
    finally:
        if engine is not None:
            engine.dispose()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if kind == "postgresql":
            drop_test_database(database_url)
