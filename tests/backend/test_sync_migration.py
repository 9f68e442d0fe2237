"""Migration 0005 backfills the existing untargeted notices into the change log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Engine, insert, select

from backend.models import Notice, SyncCounter
from backend.schema import alembic_config, upgrade_to_head
from backend.sync.change_log import append_changes, read_changes
from backend.sync.types import ChangeRow


def _notice(title: str, audience: str | None) -> dict[str, object]:
    return {"municipality_code": "332038", "category": "life", "title_ja": title,
            "title_en": title, "body_ja": "本文", "body_en": "Body", "is_demo": False,
            "audience": audience, "published_at": datetime(2026, 11, 1, 9, tzinfo=UTC)}


def test_existing_notices_become_public_rows(
    database_url: str, make_test_engine: Callable[[str], Engine]
) -> None:
    engine = make_test_engine(database_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        connection.execute(insert(Notice), [_notice("for all", None),
                                            _notice("for parents", "parents")])
    upgrade_to_head(engine)
    with engine.begin() as connection:
        page = read_changes(connection, "332038", "anyone", 0, 100)
        counter = connection.execute(select(SyncCounter.value)).scalar_one()
        # New rows continue after the backfilled ones.
        later = append_changes(connection, "332038", None,
                               [ChangeRow("notices", "x", "delete", public=True)])
    assert [(c["collection"], c["op"], c["data"]["title_en"]) for c in page.changes] == [
        ("notices", "upsert", "for all")]
    assert page.changes[0]["data"]["published_at"] == "2026-11-01T09:00:00+00:00"
    assert counter == 1 and later == [2]
