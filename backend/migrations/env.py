"""Alembic environment: online migrations only.

`backend.schema.upgrade_to_head` passes an open connection in
`config.attributes["connection"]`; the `alembic` command line instead builds an engine
from `DATABASE_URL` (or `sqlalchemy.url` in the ini file).
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from backend.db import make_engine
from backend.models import all_metadata

config = context.config

if config.config_file_name is not None and "connection" not in config.attributes:
    # Command-line run: use the logging set up in alembic.ini.
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=all_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("Set DATABASE_URL (e.g. sqlite:///data/backend.sqlite3) to migrate")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("Offline (--sql) migrations are not supported; run them online")
run_migrations_online()
