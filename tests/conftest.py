"""Shared pytest configuration and the database fixtures of the backend, identity and security
tests: `database_url` (SQLite and PostgreSQL), `make_test_engine`, `make_app`."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, make_url

from backend.app import create_app
from backend.db import make_engine
from backend.schema import upgrade_to_head
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `sqlite_enough` run on SQLite only: their subject is decided in Python
    (HTTP checks, token rules, who may read what), and the SQL they pass through is run on
    PostgreSQL by the backend tests of each table. The PostgreSQL copies of those tests cost
    minutes of the suite and found nothing the SQLite ones did not (README, Tests)."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("database_url") == "postgresql"
        if on_postgres and item.get_closest_marker("sqlite_enough") is not None:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the head revision once per run, copied for each test (the
    19 migrations take most of a second on SQLite; a copy takes a millisecond)."""
    path = tmp_path_factory.mktemp("template") / "backend.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade_to_head(engine)
    finally:
        engine.dispose()
    return path


@pytest.fixture(scope="session")
def migrated_postgres_template() -> Iterator[str]:
    """The name of a PostgreSQL database migrated to the head revision once per run, the
    template each test's database is created from (a copy, not 19 migrations)."""
    url = create_test_database()
    engine = make_engine(url)
    try:
        upgrade_to_head(engine)
    finally:
        engine.dispose()  # a template must have no open connection while it is copied
    try:
        yield str(make_url(url).database)
    finally:
        drop_test_database(url)


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API (the WAL included)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a database at the head revision without rows of its own: a SQLite file, or
    a fresh PostgreSQL database. Tests marked `empty_database` get one with no schema at all
    (for the migrations themselves)."""
    empty = request.node.get_closest_marker("empty_database") is not None
    if request.param == "sqlite":
        path = tmp_path / "backend.sqlite3"
        if not empty:
            _copy_sqlite(request.getfixturevalue("migrated_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    try:
        template = None if empty else request.getfixturevalue("migrated_postgres_template")
        url = create_test_database(template=template)
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
