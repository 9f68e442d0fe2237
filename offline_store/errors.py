"""Errors of the offline store. Each says what happened and what the caller can do.

Every public function and method of `offline_store` raises only these (besides `ValueError`
for a wrong argument): a failure of SQLite or SQLAlchemy underneath is wrapped with
`raise ... from` (`database_errors`), so callers never import `sqlite3` or `sqlalchemy`.

    OfflineStoreError (alias StoreError)
    ├── StoreUnavailable      busy, locked, read-only, disk full or I/O error, cannot open:
    │                         the file is fine, try again later (the app reads the server)
    ├── StoreCorrupted        a damaged file or a value that fails authentication
    ├── StoreDatabaseError    any other database failure (a bug, most likely)
    ├── DataKeyMissing, DataKeyStoreUnavailable
    └── StoreTooNew, MigrationError
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError, SQLAlchemyError


class OfflineStoreError(Exception):
    """Base class of every error raised by `offline_store`."""


StoreError = OfflineStoreError  # the short name used by the app


class DataKeyMissing(OfflineStoreError):
    """The data key of a store is not in the key store, or the key there does not open it.

    The encrypted rows cannot be read. The caller wipes the store and syncs again.
    """


class DataKeyStoreUnavailable(OfflineStoreError):
    """The device has no usable secure storage for the data key (for example no keyring)."""


class StoreCorrupted(OfflineStoreError):
    """A stored value failed authentication (tampered, truncated or moved to another row),
    or SQLite found the file damaged (malformed, not a database)."""


class StoreUnavailable(OfflineStoreError):
    """The store cannot be used right now, though nothing says it is damaged: locked or busy
    (another process), read-only, disk full, an I/O error, the file cannot be opened."""


class StoreDatabaseError(OfflineStoreError):
    """Any other failure of the database underneath (a constraint, a closed connection…)."""


class StoreTooNew(OfflineStoreError):
    """The database file was written by a newer version of the app (higher schema version)."""


class MigrationError(OfflineStoreError):
    """A migration failed or would have changed outbox rows; the file is left as it was."""


# SQLite's primary result codes (https://sqlite.org/rescode.html).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_NOMEM, _SQLITE_READONLY = 5, 6, 7, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN = 10, 11, 13, 14
_SQLITE_NOTADB = 26
_UNAVAILABLE_CODES = frozenset({_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_NOMEM, _SQLITE_READONLY,
                                _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN})
_DAMAGE_CODES = frozenset({_SQLITE_CORRUPT, _SQLITE_NOTADB})
_UNAVAILABLE_WORDS = ("locked", "busy", "readonly", "read-only", "disk i/o", "disk is full",
                      "unable to open", "out of memory")
_DAMAGE_WORDS = ("malformed", "not a database")


def translate(exc: BaseException) -> OfflineStoreError:
    """The store's error for a failure of `sqlite3` or SQLAlchemy (not raised here)."""
    driver: BaseException = exc
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        driver = exc.orig
    code = getattr(driver, "sqlite_errorcode", None)
    message = str(driver) or type(driver).__name__
    if isinstance(code, int):
        if code & 0xFF in _DAMAGE_CODES:
            return StoreCorrupted(f"the offline store is damaged: {message}")
        if code & 0xFF in _UNAVAILABLE_CODES:
            return StoreUnavailable(f"the offline store cannot be used now: {message}")
    lowered = message.lower()
    if any(word in lowered for word in _DAMAGE_WORDS):
        return StoreCorrupted(f"the offline store is damaged: {message}")
    if isinstance(driver, sqlite3.OperationalError) and any(
            word in lowered for word in _UNAVAILABLE_WORDS):
        return StoreUnavailable(f"the offline store cannot be used now: {message}")
    return StoreDatabaseError(f"the offline store failed: {message}")


@contextmanager
def database_errors() -> Iterator[None]:
    """Raises the store's own error, `from` the original, for any `sqlite3` or SQLAlchemy
    error (or `OSError` of its files) inside the block; the store's own errors pass through
    unchanged."""
    try:
        yield
    except (sqlite3.Error, SQLAlchemyError) as exc:
        raise translate(exc) from exc
    except OSError as exc:  # the folder or file itself (permissions, disk full, gone)
        raise StoreUnavailable(f"the offline store's files cannot be used: {exc}") from exc


_P = ParamSpec("_P")
_R = TypeVar("_R")


def wraps_database_errors(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """`database_errors` around every call of a public store method."""

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with database_errors():
            return function(*args, **kwargs)

    return wrapper
