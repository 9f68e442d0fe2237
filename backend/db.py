"""SQLAlchemy engine factory for SQLite (single machine) and PostgreSQL (production)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url

from backend.settings import normalize_database_url

SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_BEGIN_OPTION = "sqlite_begin"
_SQLITE_BEGIN_MODES = ("DEFERRED", "IMMEDIATE", "EXCLUSIVE")


def _on_sqlite_connect(dbapi_connection: Any, _connection_record: Any) -> None:
    # Stop pysqlite from issuing its own BEGIN statements; `_on_sqlite_begin` emits them, so
    # transactions (DDL included) behave as SQLAlchemy expects. See the SQLAlchemy docs,
    # "Serializable isolation / Savepoints / Transactional DDL" for pysqlite.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    """Emit BEGIN; `execution_options(sqlite_begin="IMMEDIATE")` takes the write lock up front."""
    mode = str(connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")).upper()
    if mode not in _SQLITE_BEGIN_MODES:
        raise ValueError(f"{SQLITE_BEGIN_OPTION} must be one of {_SQLITE_BEGIN_MODES}, got {mode}")
    connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> Engine:
    """Create an engine for `url` (sqlite:// or postgresql[+psycopg]://).

    SQLite: WAL journal, foreign keys on, a busy timeout, usable from any thread.
    PostgreSQL: the psycopg 3 driver with pre-ping, so a restarted server is survived.
    """
    url = normalize_database_url(url)
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)
