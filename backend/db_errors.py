"""Telling a database error that will pass (retry later) from one that will not.

Used by the push engine (docs/sync.md, "Outcomes"; ADR 0018): a transient failure fails the
whole push with 503 and the device sends it again; a permanent one is a rejection of that one
mutation, which would fail the same way on every retry and block the device's outbox.

PostgreSQL says which by its SQLSTATE class (psycopg: `exc.sqlstate`); SQLite by its
extended result code (`sqlite3.Error.sqlite_errorname`, Python 3.11+).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import Enum

import psycopg
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError


class Kind(Enum):
    RETRY = "retry"  # a race with a concurrent transaction: try again at once
    TRANSIENT = "transient"  # the database cannot work right now: retry later (503)
    PERMANENT = "permanent"  # the same statement fails the same way every time


@dataclass(frozen=True)
class DbFailure:
    kind: Kind
    # What a RETRY becomes once the attempts are used up.
    exhausted: Kind
    # SQLSTATE or SQLite error name (for logs and the rejection message, never values).
    code: str
    # The failure is about the data (class 22/23, SQLite constraint or size): the caller's
    # input, not the server's code, is what cannot be stored.
    data_problem: bool = False


# PostgreSQL SQLSTATE classes that pass on their own (Appendix A of the PostgreSQL manual).
_TRANSIENT_CLASSES = frozenset({
    "08",  # connection exception
    "40",  # transaction rollback: serialization failure, deadlock
    "53",  # insufficient resources: disk full, out of memory, too many connections
    "57",  # operator intervention: admin shutdown, query canceled (statement timeout)
    "58",  # system error: I/O error outside PostgreSQL
})
_TRANSIENT_STATES = frozenset({"55P03", "55006"})  # lock_not_available, object_in_use
_RETRY_STATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected
# Integrity violations a concurrent insert of the same key can cause (unique, foreign key);
# check and not-null violations never come from a race.
_RACE_STATES = frozenset({"23505", "23503"})

# SQLite: busy and locked pass; so do a full disk, I/O and memory trouble and a read-only
# or missing file (an operator fixes those: PostgreSQL's classes 53 and 58). The rest
# (constraints, SQL errors, misuse) fail the same way every time.
_SQLITE_TRANSIENT_PREFIXES = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL", "SQLITE_IOERR",
                              "SQLITE_NOMEM", "SQLITE_CANTOPEN", "SQLITE_READONLY",
                              "SQLITE_PROTOCOL", "SQLITE_INTERRUPT")
_SQLITE_RACES = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY",
                           "SQLITE_CONSTRAINT_FOREIGNKEY", "SQLITE_CONSTRAINT_ROWID"})
_SQLITE_DATA_PREFIXES = ("SQLITE_CONSTRAINT", "SQLITE_TOOBIG", "SQLITE_MISMATCH",
                         "SQLITE_RANGE")
_DRIVER_ERRORS = (sqlite3.Error, psycopg.Error)


def _driver_error(exc: BaseException) -> BaseException:
    """The DB-API exception behind a SQLAlchemy wrapper (or `exc` itself)."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return exc.orig
    return exc


def _from_sqlstate(state: str) -> DbFailure:
    if state in _RETRY_STATES:
        return DbFailure(Kind.RETRY, Kind.TRANSIENT, state)
    if state in _TRANSIENT_STATES or state[:2] in _TRANSIENT_CLASSES:
        return DbFailure(Kind.TRANSIENT, Kind.TRANSIENT, state)
    if state in _RACE_STATES:
        return DbFailure(Kind.RETRY, Kind.PERMANENT, state, data_problem=True)
    return DbFailure(Kind.PERMANENT, Kind.PERMANENT, state,
                     data_problem=state[:2] in ("22", "23"))


def _from_sqlite(name: str) -> DbFailure:
    if name.startswith(_SQLITE_TRANSIENT_PREFIXES):
        return DbFailure(Kind.TRANSIENT, Kind.TRANSIENT, name)
    if name in _SQLITE_RACES:
        return DbFailure(Kind.RETRY, Kind.PERMANENT, name, data_problem=True)
    return DbFailure(Kind.PERMANENT, Kind.PERMANENT, name,
                     data_problem=name.startswith(_SQLITE_DATA_PREFIXES))


def _is_database_error(exc: BaseException, driver: BaseException) -> bool:
    return isinstance(exc, DBAPIError) or isinstance(driver, _DRIVER_ERRORS)


def classify(exc: BaseException) -> DbFailure | None:
    """How a database error behaves on retry; None when `exc` is not a database error."""
    if isinstance(exc, StaleDataError):  # a row it read was changed or deleted under it
        return DbFailure(Kind.RETRY, Kind.TRANSIENT, "stale_data")
    if isinstance(exc, (PoolTimeoutError, DisconnectionError)):
        return DbFailure(Kind.TRANSIENT, Kind.TRANSIENT, type(exc).__name__)
    driver = _driver_error(exc)
    if not _is_database_error(exc, driver):
        return None
    state = getattr(driver, "sqlstate", None)
    if isinstance(state, str) and len(state) == 5:
        return _from_sqlstate(state)
    name = getattr(driver, "sqlite_errorname", None)
    if isinstance(driver, sqlite3.Error) and isinstance(name, str):
        return _from_sqlite(name)
    # No code to go by (a client-side driver error, a lost connection): its DB-API class,
    # as the driver or SQLAlchemy's wrapper names it.
    classes = {type(driver).__name__, type(exc).__name__}
    kind = type(driver).__name__
    if getattr(exc, "connection_invalidated", False) or classes & {"OperationalError",
                                                                   "InterfaceError"}:
        return DbFailure(Kind.TRANSIENT, Kind.TRANSIENT, kind)
    if "IntegrityError" in classes:
        return DbFailure(Kind.RETRY, Kind.PERMANENT, kind, data_problem=True)
    return DbFailure(Kind.PERMANENT, Kind.PERMANENT, kind,
                     data_problem="DataError" in classes)
