"""`BackendClient.pull` / `pull_stream` against the real backend in-process, and against
scripted answers: the stream list, anonymous public pulls, `AccessRevoked`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import httpx
import pytest
from fastapi import FastAPI

from backend.services.clock import city_today
from backend.sync.change_log import append_changes
from backend.sync.types import ChangeRow
from backend_client import AccessRevoked, BackendClient, BackendProtocolError, BackendRejected
from tests.backend.people import bearer, make_household, make_person

pytestmark = pytest.mark.anyio
BASE_URL = "http://backend.test"
MakeApp = Callable[..., FastAPI]


def token_of(app: FastAPI, person) -> str:
    return bearer(app, person)["Authorization"].removeprefix("Bearer ")


def client_of(app: FastAPI) -> BackendClient:
    return BackendClient(BASE_URL, transport=httpx.ASGITransport(app=app), retries=0)


def notice(key: str, audience: str | None = None) -> ChangeRow:
    return ChangeRow("notices", key, "upsert", {"title_en": key}, public=True,
                     audience=audience)


async def test_streams_through_the_client(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    today = city_today()
    parent = make_person(app, birthdate=date(1985, 1, 1))
    make_household(app, [(parent, "self", None),
                         (None, "child", today.replace(year=today.year - 9, day=1))])
    with app.state.engine.begin() as connection:
        append_changes(connection, "332038", None,
                       [notice("everyone"), notice("school", "parents"),
                        notice("elders", "age75plus")])
        append_changes(connection, "339999", None, [notice("elsewhere")])
    token = token_of(app, parent)
    async with client_of(app) as client:
        personal = await client.pull(token, 0)
        anonymous = await client.pull_stream("public", 0)
        other = await client.pull_stream("public", 0, municipality="339999")
        as_resident = await client.pull_stream("public", 0, 1, token=token)
        school = await client.pull_stream("audience:parents", 0, token=token)
        with pytest.raises(AccessRevoked) as revoked:
            await client.pull_stream("audience:age75plus", 0, token=token)
        with pytest.raises(BackendRejected) as anonymous_audience:
            await client.pull_stream("audience:parents", 0)
        with pytest.raises(BackendRejected) as unknown:
            await client.pull_stream("nope", 0, token=token)
    assert personal.changes == () and personal.streams == ("public", "audience:parents")
    assert [c.key for c in anonymous.changes] == ["everyone"] and anonymous.streams == ()
    assert [c.key for c in other.changes] == ["elsewhere"]
    assert [c.key for c in as_resident.changes] == ["everyone"] and not as_resident.has_more
    assert [(c.key, c.position) for c in school.changes] == [("school", 2)]
    assert school.next_cursor == 2
    assert revoked.value.status_code == 403 and "access_revoked" in revoked.value.detail
    assert not isinstance(anonymous_audience.value, AccessRevoked)
    assert anonymous_audience.value.status_code == 401
    assert unknown.value.status_code == 404


async def test_scripted_answers() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        stream = request.url.path.split("/")[3]
        if stream == "audience%3Aparents" or stream == "audience:parents":
            return httpx.Response(403, json={"detail": {"code": "access_revoked",
                                                        "message": "left the audience"}})
        if stream == "forbidden":
            return httpx.Response(403, json={"detail": "staff only"})
        return httpx.Response(200, json={"changes": [], "next_cursor": 0, "has_more": False,
                                         "streams": "public"})

    async with BackendClient(BASE_URL, transport=httpx.MockTransport(answer),
                             retries=0) as client:
        with pytest.raises(AccessRevoked, match="left the audience"):
            await client.pull_stream("audience:parents", 0, token="t")
        with pytest.raises(BackendRejected) as plain:
            await client.pull_stream("forbidden", 0)
        with pytest.raises(BackendProtocolError, match="streams"):
            await client.pull_stream("public", 0)
    assert not isinstance(plain.value, AccessRevoked)
