"""Alembic migrations: reach head, stay idempotent, match the models."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi import FastAPI
from sqlalchemy import Engine, func, inspect, select

from backend.models import all_metadata
from backend.schema import HEAD_REVISION, current_revision, upgrade_to_head
from backend.tiles.notices.models import Notice
from tests.backend.asgi_client import asgi_client

REPO_ROOT = Path(__file__).resolve().parents[2]


# These tests run the migrations themselves: each starts from a database without a schema.
pytestmark = pytest.mark.empty_database

def test_head_revision_is_the_newest_migration_file() -> None:
    versions = sorted(p.name for p in (REPO_ROOT / "backend/migrations/versions").glob("0*.py"))
    assert versions[-1].split("_", 1)[0] == HEAD_REVISION


def test_upgrade_reaches_head(database_url: str, make_test_engine: Callable[[str], Engine]) -> None:
    engine = make_test_engine(database_url)
    assert current_revision(engine) is None

    upgrade_to_head(engine)

    assert current_revision(engine) == HEAD_REVISION
    inspector = inspect(engine)
    assert "notice" in inspector.get_table_names()
    indexes = {index["name"]: index["column_names"] for index in inspector.get_indexes("notice")}
    assert indexes["ix_notice_municipality_published"] == ["municipality_code", "published_at"]


def test_upgrade_twice_is_a_no_op(
    database_url: str, make_test_engine: Callable[[str], Engine]
) -> None:
    engine = make_test_engine(database_url)
    upgrade_to_head(engine)
    with engine.begin() as connection:
        connection.execute(
            Notice.__table__.insert(),  # type: ignore[attr-defined]
            {
                "municipality_code": "332038",
                "category": "life",
                "published_at": datetime(2026, 11, 1, tzinfo=UTC),
                "title_ja": "テスト",
                "title_en": "Test",
                "body_ja": "本文",
                "body_en": "Body",
                "is_demo": False,
            },
        )

    upgrade_to_head(engine)

    assert current_revision(engine) == HEAD_REVISION
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Notice)).scalar_one() == 1


def test_migrations_match_the_models(
    database_url: str, make_test_engine: Callable[[str], Engine]
) -> None:
    engine = make_test_engine(database_url)
    upgrade_to_head(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, all_metadata())
    assert differences == []


@pytest.mark.anyio
async def test_healthz_schema_version_is_head(
    database_url: str, make_app: Callable[..., FastAPI]
) -> None:
    async with asgi_client(make_app(database_url)) as client:
        body = (await client.get("/healthz")).json()
    assert body["schema_version"] == HEAD_REVISION
    assert body["head"] == HEAD_REVISION


def test_alembic_command_line_upgrades_database_url(tmp_path: Path) -> None:
    database = tmp_path / "cli.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", "backend/alembic.ini", "upgrade", "head"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Running upgrade  -> 0001" in result.stderr
