"""HTTP API of the backend on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, make_url, select, text

from backend.schema import HEAD_REVISION
from backend.tiles.notices.demo import DEMO_NOTICES_PATH
from backend.tiles.notices.models import Notice
from tests.backend.asgi_client import asgi_client
from tests.backend.postgres_databases import drop_test_database

MakeApp = Callable[..., FastAPI]

DEMO_DOCUMENT = json.loads(DEMO_NOTICES_PATH.read_text(encoding="utf-8"))
ALL_DEMO_NOTICES = DEMO_DOCUMENT["notices"]
# What an anonymous caller sees: notices without an audience.
DEMO_NOTICES = [notice for notice in ALL_DEMO_NOTICES if not notice.get("audience")]


def kind_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def count_notices(app: FastAPI) -> int:
    with app.state.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Notice)).scalar_one()


def insert_notice(app: FastAPI, **fields: object) -> None:
    row = {
        "municipality_code": "332038",
        "category": "life",
        "published_at": datetime(2026, 11, 1, tzinfo=UTC),
        "title_ja": "テスト",
        "title_en": "Test",
        "body_ja": "本文",
        "body_en": "Body",
        "is_demo": False,
        **fields,
    }
    with app.state.engine.begin() as connection:
        connection.execute(Notice.__table__.insert(), row)  # type: ignore[attr-defined]


def test_demo_file_is_marked_as_made_up() -> None:
    assert "made up" in DEMO_DOCUMENT["_note"]
    assert len(ALL_DEMO_NOTICES) == 8
    assert len(DEMO_NOTICES) == 6
    assert all(notice["is_demo"] is True for notice in ALL_DEMO_NOTICES)


@pytest.mark.anyio
async def test_healthz_reports_the_database_kind(database_url: str, make_app: MakeApp) -> None:
    async with asgi_client(make_app(database_url)) as client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": kind_of(database_url),
        "schema_version": HEAD_REVISION,
        "head": HEAD_REVISION,
        "municipality_code": "332038",
    }


def test_demo_notices_load_once(database_url: str, make_app: MakeApp) -> None:
    first = make_app(database_url)
    assert count_notices(first) == len(ALL_DEMO_NOTICES)

    second = make_app(database_url)

    assert count_notices(second) == len(ALL_DEMO_NOTICES)


@pytest.mark.anyio
async def test_notices_are_newest_first(database_url: str, make_app: MakeApp) -> None:
    async with asgi_client(make_app(database_url)) as client:
        notices = (await client.get("/notices")).json()["notices"]

    published = [datetime.fromisoformat(notice["published_at"]) for notice in notices]
    assert all(moment.tzinfo is not None for moment in published)
    assert published == sorted(published, reverse=True)
    newest_demo = max(DEMO_NOTICES, key=lambda n: datetime.fromisoformat(n["published_at"]))
    assert notices[0]["title"] == newest_demo["title_ja"]
    assert published[0] == datetime.fromisoformat(newest_demo["published_at"])
    assert all(notice["is_demo"] for notice in notices)
    assert set(notices[0]) == {"id", "category", "published_at", "title", "body", "is_demo"}


@pytest.mark.anyio
async def test_language_switch(database_url: str, make_app: MakeApp) -> None:
    async with asgi_client(make_app(database_url)) as client:
        default = (await client.get("/notices")).json()["notices"]
        japanese = (await client.get("/notices", params={"lang": "ja"})).json()["notices"]
        english = (await client.get("/notices", params={"lang": "en"})).json()["notices"]

    assert default == japanese
    by_title_ja = {notice["title_ja"]: notice for notice in DEMO_NOTICES}
    for ja, en in zip(japanese, english, strict=True):
        source = by_title_ja[ja["title"]]
        assert ja["body"] == source["body_ja"]
        assert en["title"] == source["title_en"]
        assert en["body"] == source["body_en"]
        assert (ja["id"], ja["published_at"]) == (en["id"], en["published_at"])


@pytest.mark.anyio
async def test_limit(database_url: str, make_app: MakeApp) -> None:
    async with asgi_client(make_app(database_url)) as client:
        two = (await client.get("/notices", params={"limit": 2})).json()["notices"]
        everything = (await client.get("/notices")).json()["notices"]
    assert two == everything[:2]


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"limit": "many"}, {"lang": "fr"}, {"lang": "JA"}],
)
@pytest.mark.anyio
async def test_invalid_query_is_422(
    tmp_path: Path, make_app: MakeApp, params: dict[str, object]
) -> None:
    async with asgi_client(make_app(f"sqlite:///{tmp_path / 'b.sqlite3'}")) as client:
        response = await client.get("/notices", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", next(iter(params))]


@pytest.mark.anyio
async def test_limit_bounds_are_accepted(tmp_path: Path, make_app: MakeApp) -> None:
    async with asgi_client(make_app(f"sqlite:///{tmp_path / 'b.sqlite3'}")) as client:
        assert len((await client.get("/notices", params={"limit": 1})).json()["notices"]) == 1
        assert (await client.get("/notices", params={"limit": 100})).status_code == 200


@pytest.mark.anyio
async def test_notices_are_scoped_to_the_municipality(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url)
    insert_notice(
        app,
        municipality_code="331007",  # Okayama City
        published_at=datetime(2026, 12, 31, tzinfo=UTC),
        title_ja="岡山市のお知らせ",
        title_en="Okayama City notice",
    )

    async with asgi_client(app) as client:
        titles = [notice["title"] for notice in (await client.get("/notices")).json()["notices"]]

    assert len(titles) == len(DEMO_NOTICES)
    assert "岡山市のお知らせ" not in titles


@pytest.mark.anyio
async def test_other_municipality_sees_only_its_notices(
    database_url: str, make_app: MakeApp
) -> None:
    tsuyama = make_app(database_url)
    insert_notice(tsuyama, municipality_code="331007", title_en="Okayama City notice")
    okayama = make_app(database_url, municipality_code="331007")

    async with asgi_client(okayama) as client:
        notices = (await client.get("/notices", params={"lang": "en"})).json()["notices"]

    # Okayama already had a notice, so no demo data was loaded for it.
    assert [notice["title"] for notice in notices] == ["Okayama City notice"]


@pytest.mark.anyio
async def test_stored_times_come_back_in_utc(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    insert_notice(app, published_at=datetime.fromisoformat("2026-11-03T09:00:00+09:00"))
    async with asgi_client(app) as client:
        (notice,) = (await client.get("/notices")).json()["notices"]
    assert notice["published_at"] == "2026-11-03T00:00:00+00:00"


@pytest.mark.anyio
async def test_demo_disabled_gives_an_empty_list(database_url: str, make_app: MakeApp) -> None:
    async with asgi_client(make_app(database_url, load_demo_data=False)) as client:
        response = await client.get("/notices")
    assert response.status_code == 200
    assert response.json() == {"notices": []}


@pytest.mark.anyio
async def test_healthz_is_503_when_the_database_is_gone(
    database_url: str, make_app: MakeApp
) -> None:
    app = make_app(database_url)
    app.state.engine.dispose()
    if kind_of(database_url) == "postgresql":
        drop_test_database(database_url)
    else:
        # Remove the SQLite file and put a folder in its place, so it cannot be reopened.
        database = Path(make_url(database_url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        database.mkdir()

    async with asgi_client(app) as client:
        response = await client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == kind_of(database_url)
    assert body["detail"].startswith("database query failed: ")


@pytest.mark.anyio
async def test_healthz_is_503_when_the_schema_is_not_at_head(
    database_url: str, make_app: MakeApp
) -> None:
    app = make_app(database_url)
    with app.state.engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))

    async with asgi_client(app) as client:
        response = await client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": kind_of(database_url),
        "detail": f"database schema is at None, expected {HEAD_REVISION}",
    }


def test_production_with_sqlite_logs_a_warning(
    tmp_path: Path, make_app: MakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="backend.app"):
        make_app(f"sqlite:///{tmp_path / 'b.sqlite3'}", environment="production")
    assert any("production with a SQLite database" in r.message for r in caplog.records)
