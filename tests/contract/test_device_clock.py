"""Login and sync with the device's clock a day off, against the real backend in-process.

The app's own code (AccountState, BackendClient, SyncEngine) with "the device's clock"
(`tests/support/device_clock.py`) a day ahead or behind: the client takes the server's time
from the `Date` header of the backend's answers and checks the ID token against it. An ID
token expired (or not yet valid) by the server's clock is still refused (the server's clock
is moved with `app.state.clock`, which `Date` follows). And an access token the backend
refuses (401) is renewed once and the request sent again.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from app.account.account_state import AccountState, LoginStatus
from app.account.token_store import MemoryTokenStore
from backend_client import BackendClient
from offline_store import MemoryDataKeyStore, open_public_store, open_user_store
from offline_store.sync_engine import SyncEngine
from tests.identity_helpers import BASE_URL, make_identity_app, query_of, upstream_login
from tests.support.device_clock import shift_device_clock

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]
REDIRECT = "http://127.0.0.1:50123/oauth_callback"
DAY = timedelta(days=1)


class Counting(httpx.AsyncBaseTransport):
    """The app in-process, counting requests by path."""

    def __init__(self, app) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)


async def app_login(app, persona: str) -> tuple[AccountState, BackendClient, Counting]:
    """The app's login: AccountState + BackendClient; the browser's part walked by hand."""
    transport = Counting(app)
    client = BackendClient(BASE_URL, transport=transport)
    account = AccountState(client, MemoryTokenStore())
    login = await account.begin_login(REDIRECT)
    browser_transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=browser_transport, base_url=BASE_URL) as browser:
        to_upstream = await browser.get(login.authorize_url(BASE_URL))
        to_callback = await upstream_login(browser, to_upstream.headers["location"], persona)
        to_app = await browser.get(to_callback.headers["location"])
    params = query_of(to_app)
    await account.complete_login(params["code"], params["state"])
    return account, client, transport


@pytest.fixture
def identity_app(database_url: str):
    app = make_identity_app(database_url)
    yield app
    app.state.engine.dispose()


@pytest.mark.parametrize("device_off", [DAY, -DAY], ids=["a-day-ahead", "a-day-behind"])
async def test_login_works_with_the_device_clock_a_day_off(identity_app, monkeypatch,
                                                            device_off) -> None:
    shift_device_clock(monkeypatch, device_off)
    account, client, _ = await app_login(identity_app, "dev-taro")
    assert account.status is LoginStatus.SIGNED_IN, account.error
    assert account.me is not None and account.me.name == "津山 太郎"
    # The client learned how far off its clock is (server − device).
    offset = client.server_clock.offset
    assert offset is not None and abs(offset + device_off) < timedelta(seconds=5)
    assert abs(client.server_clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
    me = await client.me(await account.access_token())
    assert me.common_id == account.me.common_id
    await account.logout()
    await client.aclose()


@pytest.mark.parametrize("device_off", [DAY, timedelta(), -DAY],
                         ids=["device-ahead", "device-right", "device-behind"])
@pytest.mark.parametrize(("server_moved", "why"), [
    (timedelta(hours=1), "expired"),  # the server's clock is past the token's exp
    (-timedelta(hours=1), "not yet valid"),  # ...or before its iat
], ids=["token-expired", "token-not-yet-valid"])
async def test_an_id_token_out_of_date_by_the_server_clock_is_refused(
    identity_app, monkeypatch, device_off, server_moved, why,
) -> None:
    # The backend's clock (its Date header, codes, logins) moves; the ID token it signs keeps
    # the real time (backend.identity.clock): by the server's own clock it is out of date.
    identity_app.state.clock = lambda: datetime.now(UTC) + server_moved
    shift_device_clock(monkeypatch, device_off)
    account, client, _ = await app_login(identity_app, "dev-taro")
    assert account.status is LoginStatus.FAILED
    assert "ID token rejected" in account.error and why in account.error, account.error
    await client.aclose()


def server_rows(app, table: str, person_id: str) -> int:
    with app.state.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table} WHERE person_id = :p"),
                            {"p": person_id}).scalar_one()


@pytest.mark.parametrize("device_off", [DAY, -DAY], ids=["a-day-ahead", "a-day-behind"])
async def test_sync_works_with_the_device_clock_a_day_off(identity_app, monkeypatch, tmp_path,
                                                           device_off) -> None:
    shift_device_clock(monkeypatch, device_off)
    account, client, _ = await app_login(identity_app, "dev-taro")
    assert account.status is LoginStatus.SIGNED_IN, account.error
    common_id = account.me.common_id
    store = open_user_store(tmp_path / "phone", common_id, MemoryDataKeyStore(),
                            device_id=await account.device_id())
    public = open_public_store(tmp_path / "phone", "332038")
    store.apply_local("preferences", "theme", {"value": "dark"}, "set",
                      {"key": "theme", "value": "dark"})
    store.apply_local("health_records", "meal-1", {"kind": "meal", "kcal": 520}, "add",
                      {"id": "meal-1", "kind": "meal", "data": {"kcal": 520}})
    # Written by the device's clock, a day off.
    assert abs(store.outbox()[0].created_at - (datetime.now(UTC) + device_off)
               ) < timedelta(minutes=1)

    report = await SyncEngine(store, client, account.access_token,
                              public_store=public).sync_once()
    assert report.ok, report.error
    assert report.applied == 2 and store.pending_count() == 0
    assert server_rows(identity_app, "health_record", common_id) == 1
    assert not store.read("health_records", "meal-1").pending
    assert store.read("preferences", "theme").data is not None
    assert public.cursor("public").cursor > 0  # the city's public stream came too
    # Again, nothing new: still fine.
    again = await SyncEngine(store, client, account.access_token,
                             public_store=public).sync_once()
    assert again.ok, again.error
    store.close()
    public.close()
    await client.aclose()


async def revoke_access_token(app, token: str) -> None:
    """The backend stops accepting this access token (the login itself stays)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=BASE_URL) as http:
        answer = await http.post("/revoke", data={"token": token,
                                                  "token_type_hint": "access_token",
                                                  "client_id": "tsuyama-portal-app"})
        assert answer.status_code == 200


async def test_a_refused_access_token_is_renewed_once_and_the_sync_goes_on(
    identity_app, tmp_path,
) -> None:
    account, client, transport = await app_login(identity_app, "dev-taro")
    assert account.status is LoginStatus.SIGNED_IN, account.error
    refused = await account.access_token()
    await revoke_access_token(identity_app, refused)
    store = open_user_store(tmp_path / "phone", account.me.common_id, MemoryDataKeyStore(),
                            device_id=await account.device_id())
    store.apply_local("preferences", "theme", {"value": "dark"}, "set",
                      {"key": "theme", "value": "dark"})
    transport.paths.clear()

    # The device still holds the token as valid: the push gets 401, one refresh, sent again.
    report = await SyncEngine(store, client, account.access_token).sync_once()
    assert report.ok, report.error
    assert store.pending_count() == 0
    assert transport.paths.count("/token") == 1
    assert transport.paths[:3] == ["/sync/push", "/token", "/sync/push"]
    renewed = await account.access_token()
    assert renewed != refused

    # Two requests refused at once share one refresh (the refresh token rotates).
    await revoke_access_token(identity_app, renewed)
    transport.paths.clear()
    me, page = await asyncio.gather(client.me(renewed), client.pull(renewed, 0))
    assert me.common_id == account.me.common_id and page.next_cursor >= 0
    assert transport.paths.count("/token") == 1

    # A login that cannot be renewed any more: the 401 reaches the caller, no loop.
    current = await account.access_token()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=identity_app),
                                 base_url=BASE_URL) as http:
        await http.post("/logout", headers={"Authorization": f"Bearer {current}"})
    transport.paths.clear()
    report = await SyncEngine(store, client, account.access_token).sync_once()
    assert not report.ok and "401" in report.error
    assert transport.paths.count("/token") == 1
    store.close()
    await client.aclose()
