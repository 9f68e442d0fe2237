"""Throwaway PostgreSQL databases for tests, created through an admin connection."""

from __future__ import annotations

import os
import uuid

import psycopg
from psycopg import sql
from sqlalchemy import make_url

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    return os.environ.get("TSUYAMA_TEST_PG_ADMIN_URL", DEFAULT_ADMIN_URL)


def admin_connection() -> psycopg.Connection:
    """An autocommit connection to the admin database (raises psycopg.OperationalError)."""
    return psycopg.connect(admin_url(), autocommit=True, connect_timeout=3)


def create_test_database(template: str | None = None) -> str:
    """Create a `tsuyama_test_<hex>` database (empty, or a copy of the `template` database)
    and return its SQLAlchemy URL."""
    name = f"tsuyama_test_{uuid.uuid4().hex[:12]}"
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template))
    with admin_connection() as connection:
        connection.execute(statement)
    url = make_url(admin_url()).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


def drop_test_database(url: str) -> None:
    """Drop the database behind `url`, closing its open connections (a no-op if gone)."""
    name = make_url(url).database
    assert name and name.startswith("tsuyama_test_"), f"refusing to drop {name!r}"
    with admin_connection() as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
