"""The data folder is 0700 and the database (with -wal and -shm) and the signing key 0600,
also under a permissive umask and when an earlier version left them readable by others."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from backend.app import create_app
from backend.db import make_engine
from backend.settings import Settings


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def umask(value: int) -> Iterator[None]:
    previous = os.umask(value)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    """`DATABASE_URL` unset for SQLite (the default file in the data folder), else the
    PostgreSQL database; the rest development defaults."""
    for name in list(os.environ):
        if name.startswith("TSUYAMA_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    if database_url.startswith("postgresql"):
        monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TSUYAMA_DEMO_DATA", "0")
    return database_url


def assert_private(data_dir: Path, sqlite: bool) -> None:
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "keys") == 0o700
    assert mode(data_dir / "keys" / "signing-key.pem") == 0o600
    if sqlite:
        database = data_dir / "backend.sqlite3"
        side_files = [database.with_name(database.name + s) for s in ("-wal", "-shm")]
        assert all(path.exists() for path in side_files), list(data_dir.iterdir())
        for path in (database, *side_files):
            assert mode(path) == 0o600, path


def test_a_new_data_folder_is_private(environment: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "new" / "tsuyama-portal"
    with umask(0o022):
        app = create_app(Settings.from_env(data_dir))
        try:
            assert_private(data_dir, sqlite=environment.startswith("sqlite"))
        finally:
            app.state.engine.dispose()


def test_files_left_readable_are_tightened(environment: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "old"
    with umask(0o022):
        first = create_app(Settings.from_env(data_dir))
        first.state.engine.dispose()
        os.chmod(data_dir, 0o755)
        os.chmod(data_dir / "keys", 0o755)
        for path in data_dir.rglob("*"):
            if path.is_file():
                os.chmod(path, 0o644)
        app = create_app(Settings.from_env(data_dir))
        try:
            assert_private(data_dir, sqlite=environment.startswith("sqlite"))
        finally:
            app.state.engine.dispose()


def test_a_database_file_named_by_url_is_private(tmp_path: Path) -> None:
    """DATABASE_URL=sqlite:///… elsewhere: a new folder 0700, the files 0600."""
    database = tmp_path / "elsewhere" / "portal.sqlite3"
    with umask(0o022):
        engine = make_engine(f"sqlite:///{database}")
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            assert mode(database.parent) == 0o700
            for suffix in ("", "-wal", "-shm"):
                assert mode(database.with_name(database.name + suffix)) == 0o600, suffix
        finally:
            engine.dispose()


def test_a_shared_folder_is_not_changed(tmp_path: Path) -> None:
    """The parent of an explicit database file may be shared (e.g. /tmp): left alone."""
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    engine = make_engine(f"sqlite:///{shared / 'db.sqlite3'}")
    engine.dispose()
    assert mode(shared) == 0o1777
    assert mode(shared / "db.sqlite3") == 0o600
