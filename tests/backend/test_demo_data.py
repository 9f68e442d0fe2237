"""Demo notices: loaded once, even by backends starting at the same time."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from backend.schema import upgrade_to_head
from backend.tiles.notices.demo import load_demo_data, read_demo_notices
from backend.tiles.notices.models import Notice


def test_concurrent_loads_insert_once(
    database_url: str, make_test_engine: Callable[[str], Engine]
) -> None:
    engines = [make_test_engine(database_url) for _ in range(4)]
    upgrade_to_head(engines[0])
    barrier = threading.Barrier(len(engines))
    inserted: list[int] = []
    errors: list[BaseException] = []

    def load(engine: Engine) -> None:
        try:
            barrier.wait()
            inserted.append(load_demo_data(engine, "332038"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(inserted) == [0, 0, 0, 8]
    with engines[0].connect() as connection:
        assert connection.execute(select(func.count()).select_from(Notice)).scalar_one() == 8


def test_demo_rows_are_marked_and_in_utc() -> None:
    notices = read_demo_notices("332038")
    assert len(notices) == 8
    assert all(notice.is_demo and notice.municipality_code == "332038" for notice in notices)
    assert all(notice.published_at.utcoffset() is not None for notice in notices)
    assert all(notice.published_at.utcoffset().total_seconds() == 0 for notice in notices)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"is_demo": False}, "is_demo"),
        ({"category": "weather"}, "unknown category"),
        ({"published_at": "2026-11-01T09:00:00"}, "UTC offset"),
    ],
)
def test_demo_file_is_validated(tmp_path: Path, change: dict[str, object], message: str) -> None:
    notice = {
        "category": "life",
        "published_at": "2026-11-01T09:00:00+09:00",
        "title_ja": "テスト",
        "title_en": "Test",
        "body_ja": "本文",
        "body_en": "Body",
        "is_demo": True,
        **change,
    }
    path = tmp_path / "notices.json"
    path.write_text(json.dumps({"notices": [notice]}), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_demo_notices("332038", path)
