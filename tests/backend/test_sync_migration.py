"""Migrations 0005 and 0006 backfill the existing notices into the change log: untargeted
ones as public rows (0005), targeted ones as rows of their audience (0006)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, insert, select

from backend.models import SyncCounter
from backend.schema import alembic_config, upgrade_to_head
from backend.sync.change_log import append_changes, read_changes
from backend.sync.types import ChangeRow
from backend.tiles.notices.models import Notice

CODE = "332038"

# Each test migrates step by step from a database without a schema.
pytestmark = pytest.mark.empty_database


def _notice(title: str, audience: str | None, code: str = CODE) -> dict[str, object]:
    return {"municipality_code": code, "category": "life", "title_ja": title,
            "title_en": title, "body_ja": "本文", "body_en": "Body", "is_demo": False,
            "audience": audience, "published_at": datetime(2026, 11, 1, 9, tzinfo=UTC)}


def _titles(connection: sa.Connection, code: str, audience: str | None) -> list[tuple]:
    page = read_changes(connection, code, None, 0, 100, audience=audience)
    return [(c["position"], c["op"], c["data"]["title_en"], c["data"].get("audience"))
            for c in page.changes]


def test_existing_notices_become_public_and_audience_rows(
    database_url: str, make_test_engine: Callable[[str], Engine]
) -> None:
    engine = make_test_engine(database_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        connection.execute(insert(Notice), [_notice("for all", None),
                                            _notice("for parents", "parents"),
                                            _notice("for elders", "age75plus")])
    upgrade_to_head(engine)
    with engine.begin() as connection:
        public = read_changes(connection, CODE, None, 0, 100)
        parents = _titles(connection, CODE, "parents")
        elders = _titles(connection, CODE, "age75plus")
        personal = read_changes(connection, CODE, "anyone", 0, 100)
        counter = connection.execute(select(SyncCounter.value)).scalar_one()
        # New rows continue after the backfilled ones.
        later = append_changes(connection, CODE, None,
                               [ChangeRow("notices", "x", "delete", public=True)])
    assert [(c["collection"], c["op"], c["data"]["title_en"]) for c in public.changes] == [
        ("notices", "upsert", "for all")]
    assert public.changes[0]["data"]["published_at"] == "2026-11-01T09:00:00+00:00"
    assert "audience" not in public.changes[0]["data"]
    assert parents == [(2, "upsert", "for parents", "parents")]
    assert elders == [(3, "upsert", "for elders", "age75plus")]
    assert personal.changes == []  # no one's own rows; content is in its streams
    assert counter == 3 and later == [4]


def test_targeted_notices_get_positions_after_the_existing_log(
    database_url: str, make_test_engine: Callable[[str], Engine]
) -> None:
    """At 0005 the log already has rows (a counter at 7, another city without one): the
    backfill continues each city's counter and never reuses a position."""
    engine = make_test_engine(database_url)
    config = alembic_config()
    change = sa.table("sync_change", *(sa.column(n) for n in (
        "municipality_code", "position", "person_id", "collection", "key", "op", "data")),
        sa.column("changed_at", sa.DateTime(timezone=True)))
    counter = sa.table("sync_counter", sa.column("municipality_code"), sa.column("value"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
        connection.execute(insert(change), [
            {"municipality_code": CODE, "position": p, "person_id": None,
             "collection": "notices", "key": f"old-{p}", "op": "delete", "data": None,
             "changed_at": datetime(2026, 11, 1, tzinfo=UTC)} for p in (6, 7)])
        connection.execute(insert(counter), [{"municipality_code": CODE, "value": 7}])
        connection.execute(insert(Notice), [_notice("for parents", "parents"),
                                            _notice("elsewhere", "age75plus", "339999")])
    upgrade_to_head(engine)
    with engine.begin() as connection:
        here = _titles(connection, CODE, "parents")
        there = _titles(connection, "339999", "age75plus")
        counters = dict(connection.execute(
            select(SyncCounter.municipality_code, SyncCounter.value)).all())
        public = [c["key"] for c in read_changes(connection, CODE, None, 0, 100).changes]
    assert here == [(8, "upsert", "for parents", "parents")]
    assert there == [(1, "upsert", "elsewhere", "age75plus")]
    assert counters == {CODE: 8, "339999": 1}
    assert public == ["old-6", "old-7"]


def test_0006_downgrades_and_upgrades_again(
    database_url: str, make_test_engine: Callable[[str], Engine]
) -> None:
    engine = make_test_engine(database_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
        connection.execute(insert(Notice), [_notice("for all", None),
                                            _notice("for parents", "parents")])
    upgrade_to_head(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
        columns = {c["name"] for c in sa.inspect(connection).get_columns("sync_change")}
        rows = connection.execute(sa.text("SELECT count(*) FROM sync_change")).scalar_one()
    assert "audience" not in columns and rows == 0  # 0005 ran before the notices existed
    upgrade_to_head(engine)
    with engine.begin() as connection:
        assert [t[2] for t in _titles(connection, CODE, "parents")] == ["for parents"]
