"""The device's sync engine against the real backend in-process: writes made offline reach
the backend once each, also when an answer is lost; pulls bring the server's order back."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from backend_client import BackendClient
from offline_store import MemoryDataKeyStore, open_public_store, open_user_store
from offline_store.sync_engine import SyncEngine
from tests.identity_helpers import BASE_URL, identity_client, login, make_identity_app

pytestmark = pytest.mark.anyio


class LoseAnswers(httpx.AsyncBaseTransport):
    """Forwards to the app; for the first `n` pushes, drops the answer after the server
    committed (the connection breaks on the way back)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, n: int) -> None:
        self.inner, self.n = inner, n

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path == "/sync/push" and self.n > 0:
            self.n -= 1
            await response.aread()
            raise httpx.ReadError("connection reset after the server answered")
        return response


async def signed_in(app, persona: str, device: str):
    async with identity_client(app) as client:
        tokens = await login(client, persona, device_id=device)

    async def token() -> str:
        return tokens.access_token

    return tokens, token


def server_count(app, table: str, person_id: str) -> int:
    with app.state.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table} WHERE person_id = :p"),
                            {"p": person_id}).scalar_one()


async def test_offline_writes_reach_the_backend_once_even_when_answers_are_lost(
    database_url: str, tmp_path
) -> None:
    app = make_identity_app(database_url)
    tokens, token = await signed_in(app, "dev-taro", "phone-1")
    store = open_user_store(tmp_path / "phone", tokens.common_id, MemoryDataKeyStore(),
                            device_id="phone-1")
    public = open_public_store(tmp_path / "phone", "332038")
    # Offline: nothing reaches the backend, nothing is lost.
    offline = BackendClient("http://127.0.0.1:9", retries=0)
    for i in range(5):
        store.apply_local("health_records", f"meal-{i}", {"kind": "meal", "kcal": 500 + i},
                          "add", {"id": f"meal-{i}", "kind": "meal", "data": {"kcal": 500 + i}})
    store.apply_local("preferences", "theme", {"value": "dark"}, "set",
                      {"key": "theme", "value": "dark"})
    report = await SyncEngine(store, offline, token, public_store=public).sync_once()
    assert report.offline and store.pending_count() == 6

    # Online, but the first answer is lost after the server committed: replayed, applied once.
    lossy = BackendClient(BASE_URL, transport=LoseAnswers(httpx.ASGITransport(app=app), 1),
                          retries=0)
    first = await SyncEngine(store, lossy, token, public_store=public).sync_once()
    assert first.offline and store.pending_count() == 6
    second = await SyncEngine(store, lossy, token, public_store=public).sync_once()
    assert second.ok, second.error
    assert store.pending_count() == 0
    assert server_count(app, "health_record", tokens.common_id) == 5
    # The pull brought the server's copy back; the city's public notices went to the
    # public store (dev-taro is in no audience: no notice in his own store).
    assert store.read("preferences", "theme").data is not None
    assert not store.read("health_records", "meal-3").pending
    assert public.count("notices") >= 1 and store.count("notices") == 0
    # 6 own rows + the public content (notices, the procedures and reservations catalogues)
    assert second.pulled == 6 + public.count()
    for client in (offline, lossy):
        await client.aclose()
    store.close()
    public.close()


async def test_a_rejected_mutation_is_reported_and_the_outbox_moves_on(
    database_url: str, tmp_path
) -> None:
    app = make_identity_app(database_url)
    tokens, token = await signed_in(app, "dev-hana", "kiosk-1")
    device_dir = tmp_path / "kiosk-device"
    store = open_user_store(device_dir, tokens.common_id, MemoryDataKeyStore(),
                            ephemeral=True, device_id="kiosk-1")
    client = BackendClient(BASE_URL, transport=httpx.ASGITransport(app=app))
    store.apply_local("notices", "n-1", {"title": "forged"}, "create", {"title": "forged"})
    store.apply_local("preferences", "lang", {"value": "ja"}, "set",
                      {"key": "lang", "value": "ja"})
    report = await SyncEngine(store, client, token).sync_once()
    assert report.ok and report.rejected == 1 and report.applied == 1
    rejected = [e for e in store.outbox() if e.state == "rejected"]
    assert len(rejected) == 1 and rejected[0].error_code in ("read_only", "unknown_mutation")
    assert store.pending_count() == 0
    await client.aclose()
    store.wipe()
    assert not any(p.is_file() for p in device_dir.rglob("*"))


async def test_device_data_opens_syncs_and_a_kiosk_leaves_no_file(
    database_url: str, tmp_path
) -> None:
    from app.account.device_data import DeviceData

    app = make_identity_app(database_url)
    tokens, token = await signed_in(app, "dev-hana", "kiosk-2")
    client = BackendClient(BASE_URL, transport=httpx.ASGITransport(app=app))
    device = DeviceData(tmp_path / "kiosk", client, kiosk=True)
    await device.start(tokens.common_id, "kiosk-2", token)
    device.store.apply_local("preferences", "size", {"value": "large"}, "set",
                             {"key": "size", "value": "large"})
    report = await device.sync_and_wait()
    assert report is not None and report.ok and device.pending == 0
    assert device.last_synced_at is not None
    assert any(p.is_file() for p in (tmp_path / "kiosk").rglob("*"))
    await device.stop()
    assert not device.open
    assert not any(p.is_file() for p in (tmp_path / "kiosk").rglob("*"))
    await client.aclose()
