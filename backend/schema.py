"""Apply the Alembic migrations in code, without an alembic.ini file."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default name

# Any constant works; it only has to be the same for every backend process.
_PG_MIGRATION_LOCK_ID = 332038_0001


def alembic_config() -> Config:
    """An Alembic `Config` pointing at `backend/migrations`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"Expected exactly one migration head, found {heads}")
    return heads[0]


HEAD_REVISION: str = _head_revision()


def upgrade_to_head(engine: Engine) -> None:
    """Migrate the database behind `engine` to `HEAD_REVISION` (a no-op when already there).

    On PostgreSQL a transaction-scoped advisory lock keeps two backend processes that start
    together from running the same migration twice.
    """
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:lock_id)"), {"lock_id": _PG_MIGRATION_LOCK_ID}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None before the first migration."""
    # Read Alembic's version table directly: a MigrationContext would log two INFO lines on
    # every /healthz probe.
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        revisions = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
        heads = list(revisions)
    if len(heads) > 1:
        raise RuntimeError(f"Database has several migration heads: {heads}")
    return heads[0] if heads else None
