"""The sync engines against the real backend in-process: a resident's targeted notices go to
their own store and the city's public ones to the public store; leaving the audience removes
the targeted rows on the next sync; a visitor's engine fills the public store anonymously."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete
from sqlmodel import Session, select

from backend.models import HouseholdMember
from backend.models.household import RELATION_CHILD
from backend.tiles.notices.models import Notice
from backend_client import BackendClient
from offline_store import MemoryDataKeyStore, open_public_store, open_user_store
from offline_store.repository import PublicStore, UserStore
from offline_store.sync_engine import PublicSyncEngine, SyncEngine, SyncScheduler
from tests.identity_helpers import BASE_URL, identity_client, login, make_identity_app

pytestmark = pytest.mark.anyio
CODE = "332038"


async def signed_in(app: FastAPI, persona: str, device: str
                    ) -> tuple[str, Callable[[], Awaitable[str]]]:
    async with identity_client(app) as client:
        tokens = await login(client, persona, device_id=device)

    async def token() -> str:
        return tokens.access_token

    return tokens.common_id, token


def notice_ids(app: FastAPI) -> dict[str | None, set[str]]:
    with Session(app.state.engine) as session:
        notices = session.exec(select(Notice)).all()
    found: dict[str | None, set[str]] = {}
    for notice in notices:
        found.setdefault(notice.audience, set()).add(str(notice.id))
    return found


def keys(store: UserStore | PublicStore) -> set[str]:
    return {row.key for row in store.list("notices")}


def leave_parenthood(app: FastAPI, person_id: str) -> None:
    """The children move out of the resident's household (as the registry would record)."""
    with Session(app.state.engine) as session:
        me = session.exec(select(HouseholdMember).where(
            HouseholdMember.person_id == person_id)).one()
        session.execute(delete(HouseholdMember).where(
            HouseholdMember.household_id == me.household_id,  # type: ignore[arg-type]
            HouseholdMember.relation == RELATION_CHILD))  # type: ignore[arg-type]
        session.commit()


class Recording(httpx.AsyncBaseTransport):
    """Forwards to the app, remembering each request's path and Authorization header; can
    add stream names to personal pull answers (a stream list gone stale on the way)."""

    def __init__(self, app: FastAPI, extra_streams: tuple[str, ...] = ()) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.extra_streams = extra_streams
        self.requests: list[tuple[str, str | None]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.url.path, request.headers.get("Authorization")))
        response = await self.inner.handle_async_request(request)
        if request.url.path != "/sync/pull" or not self.extra_streams:
            return response
        body = json.loads(await response.aread())
        body["streams"] = [*body["streams"], *self.extra_streams]
        return httpx.Response(response.status_code, json=body)


def open_stores(tmp_path: Path, common_id: str) -> tuple[UserStore, PublicStore]:
    return (open_user_store(tmp_path, common_id, MemoryDataKeyStore(), device_id="phone"),
            open_public_store(tmp_path, CODE))


async def test_targeted_notices_go_to_the_user_store_public_ones_to_the_public_store(
    database_url: str, tmp_path: Path
) -> None:
    app = make_identity_app(database_url)
    common_id, token = await signed_in(app, "dev-hanako", "phone")  # a parent
    store, public = open_stores(tmp_path, common_id)
    ids = notice_ids(app)
    client = BackendClient(BASE_URL, transport=httpx.ASGITransport(app=app), retries=0)
    engine = SyncEngine(store, client, token, public_store=public, pull_page=200)
    report = await engine.sync_once()
    again = await engine.sync_once()
    assert report.ok, report.error
    assert keys(store) == ids["parents"]
    assert keys(public) == ids[None]
    # The public stream also carries the tiles' catalogues (procedures, what can be booked
    # and its slots' free places).
    catalogue = public.count() - public.count("notices")
    assert public.count("procedures") > 0 and public.count("reservation_slots") > 0
    assert report.pulled == len(ids["parents"]) + len(ids[None]) + catalogue
    assert report.removed == 0
    assert again.ok and again.pulled == 0  # cursors per stream: nothing twice
    assert [s.stream for s in store.streams()] == ["audience:parents", "main"]
    assert [s.stream for s in public.streams()] == ["public"]
    # Without a public store the public stream is skipped; the audience one still syncs.
    other_dir = tmp_path / "no-public"
    lone = open_user_store(other_dir, common_id, MemoryDataKeyStore(), device_id="tablet")
    lone_report = await SyncEngine(lone, client, token).sync_once()
    assert lone_report.ok and keys(lone) == ids["parents"]
    await client.aclose()
    for opened in (store, public, lone):
        opened.close()
    app.state.engine.dispose()


async def test_leaving_the_audience_removes_its_rows_on_the_next_sync(
    database_url: str, tmp_path: Path
) -> None:
    app = make_identity_app(database_url)
    common_id, token = await signed_in(app, "dev-hanako", "phone")
    store, public = open_stores(tmp_path, common_id)
    client = BackendClient(BASE_URL, transport=httpx.ASGITransport(app=app), retries=0)
    engine = SyncEngine(store, client, token, public_store=public)
    store.apply_local("preferences", "theme", {"value": "dark"}, "set",
                      {"key": "theme", "value": "dark"})
    first = await engine.sync_once()
    assert first.ok and keys(store) and store.cursor("audience:parents").cursor > 0
    leave_parenthood(app, common_id)
    second = await engine.sync_once()
    assert second.ok, second.error
    assert second.removed == len(notice_ids(app)["parents"])
    assert keys(store) == set() and store.cursor("audience:parents").cursor == 0
    assert [s.stream for s in store.streams()] == ["main"]
    assert store.read("preferences", "theme") is not None  # the resident's own rows stay
    assert keys(public) == notice_ids(app)[None]  # and the city's public content
    await client.aclose()
    store.close()
    public.close()
    app.state.engine.dispose()


async def test_a_stream_answering_access_revoked_is_removed(
    database_url: str, tmp_path: Path
) -> None:
    """The stream list said "audience:parents" but the stream answers 403 access_revoked
    (membership changed between the two requests): its rows go all the same."""
    app = make_identity_app(database_url)
    common_id, token = await signed_in(app, "dev-hanako", "phone")
    store, public = open_stores(tmp_path, common_id)
    client = BackendClient(BASE_URL, transport=httpx.ASGITransport(app=app), retries=0)
    assert (await SyncEngine(store, client, token, public_store=public).sync_once()).ok
    leave_parenthood(app, common_id)
    stale = Recording(app, extra_streams=("audience:parents",))
    stale_client = BackendClient(BASE_URL, transport=stale, retries=0)
    report = await SyncEngine(store, stale_client, token, public_store=public).sync_once()
    assert report.ok, report.error
    assert report.removed == len(notice_ids(app)["parents"]) and keys(store) == set()
    assert "/sync/streams/audience:parents/pull" in {path for path, _ in stale.requests}
    for opened in (client, stale_client):
        await opened.aclose()
    store.close()
    public.close()
    app.state.engine.dispose()


async def test_a_visitor_engine_fills_the_public_store_anonymously(
    database_url: str, tmp_path: Path
) -> None:
    app = make_identity_app(database_url)
    ids = notice_ids(app)
    public = open_public_store(tmp_path, CODE)
    transport = Recording(app)
    client = BackendClient(BASE_URL, transport=transport, retries=0)
    engine = PublicSyncEngine(public, client, CODE, pull_page=200)
    scheduler = SyncScheduler(engine, interval_s=3600)
    running = asyncio.create_task(scheduler.run())
    for _ in range(200):
        if scheduler.last_report is not None:
            break
        await asyncio.sleep(0.01)
    scheduler.stop()
    await asyncio.wait_for(running, 5)
    report = scheduler.last_report
    assert report is not None and report.ok, report
    assert keys(public) == ids[None]
    # Besides the notices: the tiles' catalogues (procedures, reservations and their slots).
    assert report.pulled == public.count() and public.count("reservation_slots") > 0
    assert public.cursor("public").cursor > 0
    assert transport.requests and all(auth is None for _, auth in transport.requests)
    assert all(path == "/sync/streams/public/pull" for path, _ in transport.requests)
    assert (await engine.sync_once()).pulled == 0
    await client.aclose()
    public.close()
    app.state.engine.dispose()
