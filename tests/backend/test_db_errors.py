"""`backend.db_errors.classify`: which database errors pass (503, retry later), which are
races (retry at once) and which fail the same way every time (reject the mutation)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from psycopg import errors as pg
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError

from backend.db_errors import DbFailure, Kind, classify

RETRY, TRANSIENT, PERMANENT = Kind.RETRY, Kind.TRANSIENT, Kind.PERMANENT


def wrapped(orig: BaseException, wrapper: type[DBAPIError] = DBAPIError) -> DBAPIError:
    """As SQLAlchemy raises it."""
    return wrapper("SELECT 1", {}, orig)  # type: ignore[arg-type]


@pytest.mark.parametrize(("orig", "kind", "exhausted", "data"), [
    (pg.SerializationFailure(), RETRY, TRANSIENT, False),  # 40001
    (pg.DeadlockDetected(), RETRY, TRANSIENT, False),  # 40P01
    (pg.LockNotAvailable(), TRANSIENT, TRANSIENT, False),  # 55P03
    (pg.AdminShutdown(), TRANSIENT, TRANSIENT, False),  # 57P01
    (pg.QueryCanceled(), TRANSIENT, TRANSIENT, False),  # 57014 statement timeout
    (pg.DiskFull(), TRANSIENT, TRANSIENT, False),  # 53100
    (pg.TooManyConnections(), TRANSIENT, TRANSIENT, False),  # 53300
    (pg.ConnectionFailure(), TRANSIENT, TRANSIENT, False),  # 08006
    (pg.StringDataRightTruncation(), PERMANENT, PERMANENT, True),  # 22001
    (pg.CharacterNotInRepertoire(), PERMANENT, PERMANENT, True),  # 22021
    (pg.NumericValueOutOfRange(), PERMANENT, PERMANENT, True),  # 22003
    (pg.CheckViolation(), PERMANENT, PERMANENT, True),  # 23514
    (pg.NotNullViolation(), PERMANENT, PERMANENT, True),  # 23502
    (pg.UniqueViolation(), RETRY, PERMANENT, True),  # 23505: a race, then permanent
    (pg.ForeignKeyViolation(), RETRY, PERMANENT, True),  # 23503
    (pg.UndefinedTable(), PERMANENT, PERMANENT, False),  # 42P01: a bug
    (psycopg.OperationalError("connection lost"), TRANSIENT, TRANSIENT, False),  # no code
    (psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"),
     PERMANENT, PERMANENT, True),
])
def test_postgresql_errors_by_sqlstate(orig: BaseException, kind: Kind, exhausted: Kind,
                                       data: bool) -> None:
    for error in (orig, wrapped(orig)):
        failure = classify(error)
        assert failure is not None
        assert (failure.kind, failure.exhausted, failure.data_problem) == (kind, exhausted, data)


def _sqlite_error(tmp_path: Path, sql: str) -> sqlite3.Error:
    connection = sqlite3.connect(tmp_path / "db.sqlite3", timeout=0)
    connection.executescript(
        "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL "
        "CHECK (n >= 0)); INSERT OR IGNORE INTO t VALUES (1, 1);")
    try:
        connection.execute(sql)
    except sqlite3.Error as exc:
        return exc
    finally:
        connection.close()
    raise AssertionError(f"{sql} did not fail")


@pytest.mark.parametrize(("sql", "kind", "exhausted", "data"), [
    ("INSERT INTO t VALUES (2, -1)", PERMANENT, PERMANENT, True),  # CHECK
    ("INSERT INTO t VALUES (2, NULL)", PERMANENT, PERMANENT, True),  # NOT NULL
    ("INSERT INTO t VALUES (1, 5)", RETRY, PERMANENT, True),  # PRIMARY KEY: a race first
    ("SELECT * FROM no_such_table", PERMANENT, PERMANENT, False),  # a bug
])
def test_sqlite_errors_by_name(tmp_path: Path, sql: str, kind: Kind, exhausted: Kind,
                               data: bool) -> None:
    orig = _sqlite_error(tmp_path, sql)
    failure = classify(wrapped(orig, IntegrityError))
    assert failure is not None
    assert (failure.kind, failure.exhausted, failure.data_problem) == (kind, exhausted, data)


def test_a_locked_sqlite_database_is_transient(tmp_path: Path) -> None:
    _sqlite_error(tmp_path, "SELECT * FROM no_such_table")  # creates t
    holder = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    writer = sqlite3.connect(tmp_path / "db.sqlite3", timeout=0)
    try:
        writer.execute("INSERT INTO t VALUES (7, 7)")
    except sqlite3.OperationalError as exc:
        orig = exc
    else:
        raise AssertionError("the write lock is held")
    finally:
        writer.close()
        holder.execute("ROLLBACK")
        holder.close()
    assert getattr(orig, "sqlite_errorname", "").startswith("SQLITE_BUSY")
    failure = classify(wrapped(orig, OperationalError))
    assert failure == DbFailure(TRANSIENT, TRANSIENT, orig.sqlite_errorname)  # type: ignore[attr-defined]


def test_other_failures() -> None:
    assert classify(ValueError("a bug")) is None
    assert classify(KeyError("x")) is None
    stale = classify(StaleDataError("row changed"))
    assert stale is not None and (stale.kind, stale.exhausted) == (RETRY, TRANSIENT)
    pool = classify(PoolTimeoutError("QueuePool limit reached"))
    assert pool is not None and pool.kind is TRANSIENT
    # Wrappers around something that is not a driver error go by SQLAlchemy's class.
    lost = classify(OperationalError("UPDATE x", {}, Exception("connection lost")))
    assert lost is not None and lost.kind is TRANSIENT
    bad = classify(DataError("INSERT x", {}, Exception("bad value")))
    assert bad is not None and (bad.kind, bad.data_problem) == (PERMANENT, True)
