"""Shared pytest configuration and the database fixtures of the backend, identity and security
tests: `database_url` (SQLite and PostgreSQL), `make_test_engine`, `make_app`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, make_url

from backend.app import create_app
from backend.db import make_engine
from backend.settings import Settings
from tests.backend.postgres_databases import admin_url, create_test_database, drop_test_database


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def require_or_skip(reason: str) -> None:
    """Skip the test, or fail it when `TSUYAMA_REQUIRE_ALL=1` (as in CI)."""
    if os.environ.get("TSUYAMA_REQUIRE_ALL") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'backend.sqlite3'}"
        return
    try:
        url = create_test_database()
    except psycopg.OperationalError as exc:
        shown_url = make_url(admin_url()).render_as_string(hide_password=True)
        reason = (str(exc).strip().splitlines() or ["?"])[0]
        require_or_skip(
            f"PostgreSQL not reachable at {shown_url} ({reason}): start it or set "
            "TSUYAMA_TEST_PG_ADMIN_URL; CI sets TSUYAMA_REQUIRE_ALL=1 which turns this skip "
            "into a failure"
        )
    try:
        yield url
    finally:
        drop_test_database(url)


@pytest.fixture
def make_test_engine() -> Iterator[Callable[[str], Engine]]:
    """Create engines that are disposed after the test (before its database is dropped)."""
    engines: list[Engine] = []

    def make(url: str) -> Engine:
        engine = make_engine(url)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def make_app() -> Iterator[Callable[..., FastAPI]]:
    """`make_app(database_url, **settings)`: a ready app whose engine is disposed afterwards."""
    apps: list[FastAPI] = []

    def make(url: str, **overrides: object) -> FastAPI:
        settings = Settings(database_url=url, **overrides)  # type: ignore[arg-type]
        app = create_app(settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.state.engine.dispose()
