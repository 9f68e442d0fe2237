"""SQLAlchemy engine factory for SQLite (single machine) and PostgreSQL (production)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url

from backend.security.files import private_dir, private_sqlite_files
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
            path = Path(database).expanduser()
            # A new folder 0700 (the data folder is made so by Settings), the files 0600:
            # names, addresses, health records and pending login secrets.
            private_dir(path.parent, tighten_existing=False)
            private_sqlite_files(path)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def write_engine(engine: Engine) -> Engine:
    """`engine` for a transaction that reads and then writes: on SQLite it starts with
    `BEGIN IMMEDIATE`, taking the write lock before the first read. A deferred transaction
    that read first cannot become a writer once another connection has committed since
    (SQLite answers "database is locked" at once, whatever the busy timeout), so two such
    requests at the same moment would give a 500; with the lock up front they take turns.
    PostgreSQL ignores the option (its row locks and constraints decide there)."""
    return engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
