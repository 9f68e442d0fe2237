"""Sync streams: the personal pull is the caller's own rows; "public" and "audience:<name>"
are read-only streams over the same log (`GET /sync/streams/{stream}/pull`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from backend.models import HouseholdMember, Person
from backend.services.audiences import AUDIENCE_AGE75PLUS, AUDIENCE_PARENTS
from backend.services.clock import city_today
from backend.sync.change_log import MAX_PAGE, append_changes
from backend.sync.types import ChangeRow
from backend.tiles.notices.models import Notice
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_household, make_person
from tests.backend.sync_helpers import pull_all, push, set_pref

MakeApp = Callable[..., FastAPI]
CODE = "332038"
OTHER_CODE = "339999"


def years_ago(years: int) -> date:
    today = city_today()
    return today.replace(year=today.year - years, day=min(today.day, 28))


def make_parent(app: FastAPI) -> tuple[Person, str]:
    """A resident with a 10-year-old child in their household; the child's member id."""
    parent = make_person(app, birthdate=date(1985, 6, 1))
    _, member_ids = make_household(app, [(parent, "self", None),
                                         (None, "child", years_ago(10))])
    return parent, member_ids[1]


async def pull_stream(client: httpx.AsyncClient, stream: str, cursor: int = 0,
                      limit: int = 1000, headers: dict[str, str] | None = None,
                      **params: Any) -> httpx.Response:
    return await client.get(f"/sync/streams/{stream}/pull",
                            params={"cursor": cursor, "limit": limit, **params},
                            headers=headers)


async def stream_all(client: httpx.AsyncClient, stream: str, cursor: int = 0, limit: int = 1000,
                     headers: dict[str, str] | None = None, **params: Any
                     ) -> tuple[list[dict[str, Any]], int]:
    changes: list[dict[str, Any]] = []
    while True:
        response = await pull_stream(client, stream, cursor, limit, headers, **params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"changes", "next_cursor", "has_more"}
        changes += page["changes"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return changes, cursor


def log(app: FastAPI, code: str, person_id: str | None, *changes: ChangeRow) -> list[int]:
    with app.state.engine.begin() as connection:
        return append_changes(connection, code, person_id, list(changes))


def notice_row(key: str, audience: str | None = None) -> ChangeRow:
    return ChangeRow("notices", key, "upsert", {"id": key, "title_en": key}, public=True,
                     audience=audience)


@pytest.mark.anyio
async def test_own_rows_stay_in_the_personal_stream(database_url: str,
                                                    make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    a, b = make_person(app), make_person(app)
    log(app, CODE, None, notice_row("n1"))
    async with asgi_client(app) as client:
        await push(client, app, b, "b-phone", [set_pref(1, "secret", "B-ONLY")])
        await push(client, app, a, "a-phone", [set_pref(1, "mine", "A")])
        personal = (await client.get("/sync/pull", headers=bearer(app, a))).json()
        public_anonymous, _ = await stream_all(client, "public")
        public_as_a, _ = await stream_all(client, "public", headers=bearer(app, a))
    assert [c["data"]["value"] for c in personal["changes"]] == ["A"]
    assert personal["streams"] == ["public"]
    assert [c["key"] for c in public_anonymous] == ["n1"] == [c["key"] for c in public_as_a]
    assert "B-ONLY" not in str(public_anonymous)


@pytest.mark.anyio
async def test_a_targeted_notice_is_only_in_its_audience_stream(
    database_url: str, make_app: MakeApp
) -> None:
    app = make_app(database_url)  # the demo notices: untargeted, "parents", "age75plus"
    parent, _ = make_parent(app)
    elder = make_person(app, birthdate=years_ago(80))
    nobody = make_person(app)
    with Session(app.state.engine) as session:
        notices = session.exec(select(Notice)).all()
    by_audience: dict[str | None, set[str]] = {}
    for notice in notices:
        by_audience.setdefault(notice.audience, set()).add(str(notice.id))
    assert by_audience[AUDIENCE_PARENTS] and by_audience[AUDIENCE_AGE75PLUS]
    async with asgi_client(app) as client:
        personal = {who: (await client.get("/sync/pull", headers=bearer(app, p))).json()
                    for who, p in (("parent", parent), ("elder", elder), ("nobody", nobody))}
        public, _ = await stream_all(client, "public", headers=bearer(app, parent))
        # The public stream also holds other public content (the procedure definitions).
        public = [c for c in public if c["collection"] == "notices"]
        parents, _ = await stream_all(client, "audience:parents", headers=bearer(app, parent))
        elders, _ = await stream_all(client, "audience:age75plus", limit=1,
                                     headers=bearer(app, elder))
        refused = [
            await pull_stream(client, "audience:age75plus", headers=bearer(app, parent)),
            await pull_stream(client, "audience:parents", headers=bearer(app, elder)),
            await pull_stream(client, "audience:parents", headers=bearer(app, nobody)),
        ]
    assert personal["parent"]["streams"] == ["public", "audience:parents"]
    assert personal["elder"]["streams"] == ["public", "audience:age75plus"]
    assert personal["nobody"]["streams"] == ["public"]
    assert all(p["changes"] == [] for p in personal.values())  # notices are in the streams
    assert {c["key"] for c in public} == by_audience[None]
    assert all("audience" not in c["data"] for c in public)
    assert {c["key"] for c in parents} == by_audience[AUDIENCE_PARENTS]
    assert {c["data"]["audience"] for c in parents} == {AUDIENCE_PARENTS}
    assert {c["key"] for c in elders} == by_audience[AUDIENCE_AGE75PLUS]
    for response in refused:
        assert response.status_code == 403
        assert response.json()["detail"]["code"] == "access_revoked"
        assert response.json()["detail"]["message"]


@pytest.mark.anyio
async def test_leaving_the_audience_revokes_the_stream(database_url: str,
                                                       make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    parent, child_member = make_parent(app)
    log(app, CODE, None, notice_row("school-aid", AUDIENCE_PARENTS))
    async with asgi_client(app) as client:
        before = (await client.get("/sync/pull", headers=bearer(app, parent))).json()
        seen, cursor = await stream_all(client, "audience:parents",
                                        headers=bearer(app, parent))
        # The child moves out (the registry's household changes): no longer a parent here.
        with Session(app.state.engine) as session:
            session.execute(delete(HouseholdMember).where(
                HouseholdMember.id == child_member))  # type: ignore[arg-type]
            session.commit()
        after = (await client.get("/sync/pull", headers=bearer(app, parent))).json()
        revoked = await pull_stream(client, "audience:parents", cursor,
                                    headers=bearer(app, parent))
    assert before["streams"] == ["public", "audience:parents"]
    assert [c["key"] for c in seen] == ["school-aid"]
    assert after["streams"] == ["public"]
    assert revoked.status_code == 403
    assert revoked.json()["detail"]["code"] == "access_revoked"
    assert "school-aid" not in revoked.text


@pytest.mark.anyio
async def test_anonymous_public_pull_by_municipality(database_url: str,
                                                     make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    log(app, CODE, None, notice_row("here"), notice_row("here-parents", AUDIENCE_PARENTS))
    log(app, OTHER_CODE, None, notice_row("there"))
    async with asgi_client(app) as client:
        default, _ = await stream_all(client, "public")
        explicit, _ = await stream_all(client, "public", municipality=CODE)
        other, other_cursor = await stream_all(client, "public", municipality=OTHER_CODE)
        bad_code = await pull_stream(client, "public", municipality="33203")
    assert [c["key"] for c in default] == ["here"] == [c["key"] for c in explicit]
    assert [c["key"] for c in other] == ["there"] and other_cursor == 1
    assert bad_code.status_code == 422


@pytest.mark.anyio
async def test_stream_names_and_bearers_are_checked(database_url: str,
                                                    make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    parent, _ = make_parent(app)
    async with asgi_client(app) as client:
        anonymous = await pull_stream(client, "audience:parents")
        forged = await pull_stream(client, "public",
                                   headers={"Authorization": "Bearer not-a-token"})
        unknown = [await pull_stream(client, name, headers=bearer(app, parent))
                   for name in ("main", "audience:nobody", "audience:", "private", "Public")]
        too_big = await pull_stream(client, "public", limit=MAX_PAGE + 1)
        negative = await pull_stream(client, "public", cursor=-1)
    assert anonymous.status_code == 401
    assert forged.status_code == 401  # never silently anonymous
    assert [r.status_code for r in unknown] == [404] * 5
    assert too_big.status_code == 422 and negative.status_code == 422


@pytest.mark.anyio
async def test_stream_cursors_never_skip_a_row(database_url: str, make_app: MakeApp) -> None:
    """Rows of every stream interleave in one log; each stream pages through exactly its own
    rows in position order, and rows written after a pull come with the next one."""
    app = make_app(database_url, load_demo_data=False)
    parent, _ = make_parent(app)
    other = make_person(app)
    expected: dict[str, list[int]] = {"mine": [], "public": [], "parents": []}
    for round_ in range(3):
        expected["public"] += log(app, CODE, None, notice_row(f"p{round_}a"),
                                  notice_row(f"p{round_}b"))
        expected["mine"] += log(app, CODE, parent.id,
                                ChangeRow("preferences", f"k{round_}", "upsert", {"v": 1}))
        log(app, CODE, other.id, ChangeRow("preferences", "theirs", "upsert", {"v": 2}))
        expected["parents"] += log(app, CODE, None, notice_row(f"a{round_}", AUDIENCE_PARENTS))
    headers = bearer(app, parent)
    async with asgi_client(app) as client:
        public, public_cursor = await stream_all(client, "public", limit=1)
        parents, parents_cursor = await stream_all(client, "audience:parents", limit=2,
                                                   headers=headers)
        mine, mine_cursor = await pull_all(client, app, parent, limit=1)
        empty = (await pull_stream(client, "public", public_cursor)).json()
        # Later writes: each stream's next pull starts right after its own cursor.
        later_public = log(app, CODE, None, notice_row("late"))
        later_mine = log(app, CODE, parent.id,
                         ChangeRow("preferences", "late", "delete"))
        later_parents = log(app, CODE, None, notice_row("late-a", AUDIENCE_PARENTS))
        public_2, _ = await stream_all(client, "public", public_cursor)
        parents_2, _ = await stream_all(client, "audience:parents", parents_cursor,
                                        headers=headers)
        mine_2, _ = await pull_all(client, app, parent, mine_cursor)
    assert [c["position"] for c in public] == expected["public"]
    assert [c["position"] for c in parents] == expected["parents"]
    assert [c["position"] for c in mine] == expected["mine"]
    assert public_cursor == expected["public"][-1]
    assert empty == {"changes": [], "next_cursor": public_cursor, "has_more": False}
    assert [c["position"] for c in public_2] == later_public
    assert [c["position"] for c in parents_2] == later_parents
    assert [c["position"] for c in mine_2] == later_mine
    assert "theirs" not in str(mine + mine_2 + public + parents)


@pytest.mark.anyio
async def test_a_database_failure_is_503(database_url: str, make_app: MakeApp,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import backend.api.sync as sync_api

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT", {}, Exception("connection lost"))

    app = make_app(database_url, load_demo_data=False)
    parent, _ = make_parent(app)
    monkeypatch.setattr(sync_api, "read_changes", broken)
    async with asgi_client(app) as client:
        responses = [await pull_stream(client, "public"),
                     await pull_stream(client, "audience:parents",
                                       headers=bearer(app, parent)),
                     await client.get("/sync/pull", headers=bearer(app, parent))]
    for response in responses:
        assert response.status_code == 503 and response.headers["Retry-After"]
