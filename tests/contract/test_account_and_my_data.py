"""The app's own login and My data code (AccountState, MyDataState, BackendClient) against the
real backend in-process: the browser's part of the login is walked by hand, the rest is the
code the app runs."""

from __future__ import annotations

import json

import httpx
import pytest

from app.account.account_state import AccountState, LoginStatus
from app.account.mydata_state import MyDataState
from app.account.token_store import MemoryTokenStore
from backend_client import BackendClient
from tests.identity_helpers import BASE_URL, make_identity_app, query_of, upstream_login

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]
REDIRECT = "http://127.0.0.1:50123/oauth_callback"


async def app_login(app, persona: str) -> tuple[AccountState, BackendClient]:
    transport = httpx.ASGITransport(app=app)
    client = BackendClient(BASE_URL, transport=transport)
    account = AccountState(client, MemoryTokenStore())
    login = await account.begin_login(REDIRECT)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as browser:
        to_upstream = await browser.get(login.authorize_url(BASE_URL))
        to_callback = await upstream_login(browser, to_upstream.headers["location"], persona)
        to_app = await browser.get(to_callback.headers["location"])
    params = query_of(to_app)
    await account.complete_login(params["code"], params["state"])
    return account, client


async def test_login_verifies_the_id_token_and_knows_the_resident(database_url: str) -> None:
    app = make_identity_app(database_url)
    account, client = await app_login(app, "dev-taro")
    assert account.status is LoginStatus.SIGNED_IN, account.error
    assert account.me.name == "津山 太郎" and account.me.assurance_level == "card"
    token = await account.access_token()
    await account.logout()
    assert account.status is LoginStatus.SIGNED_OUT
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=BASE_URL) as http:
        assert (await http.get("/me", headers={"Authorization": f"Bearer {token}"})
                ).status_code == 401
    await client.aclose()


async def test_a_forged_callback_state_is_refused(database_url: str) -> None:
    app = make_identity_app(database_url)
    client = BackendClient(BASE_URL, transport=httpx.ASGITransport(app=app))
    account = AccountState(client, MemoryTokenStore())
    await account.begin_login(REDIRECT)
    await account.complete_login("some-code", "not-the-state")
    assert account.status is LoginStatus.FAILED
    assert "does not belong" in account.error
    await client.aclose()


async def test_consent_delegation_export_and_deletion_through_the_app_state(
    database_url: str,
) -> None:
    app = make_identity_app(database_url)
    hana, hana_client = await app_login(app, "dev-hana")
    taro, taro_client = await app_login(app, "dev-taro")
    hana_data = MyDataState(hana_client, hana, channel="kiosk")
    taro_data = MyDataState(taro_client, taro)
    await hana_data.load()
    await taro_data.load()
    assert hana_data.error == "" and hana_data.consents

    # Opt in, then out: both decisions are in the ledger's history.
    await hana_data.set_consent("health_data_analysis", True, "ja")
    await hana_data.set_consent("health_data_analysis", False, "ja")
    item = next(c for c in hana_data.consents if c["purpose"] == "health_data_analysis")
    assert item["granted"] is False and len(item["history"]) == 2

    # Taro asks to act for Hana; he cannot see her name until she accepts.
    await taro_data.request_delegation(hana.me.common_id)
    assert taro_data.message == "saved"
    assert taro_data.delegations[0]["other_name"] == ""
    hana_data.loaded_for = None
    await hana_data.load()
    pending = hana_data.delegations[0]
    assert pending["other_name"] == "津山 太郎" and pending["status"] == "pending"
    await hana_data.decide_delegation(pending["id"], "accept", "ja")
    assert hana_data.delegations[0]["status"] == "active"
    taro_data.loaded_for = None
    await taro_data.load()
    assert taro_data.delegations[0]["other_name"] == "美作 ハナ"

    # Unknown common ID: refused with the city's reason, nothing lost.
    await taro_data.request_delegation("no-such-person")
    assert taro_data.message == "refused" and taro_data.error

    exported = json.loads(await hana_data.export())
    assert "美作 ハナ" in json.dumps(exported, ensure_ascii=False)

    assert await hana_data.delete_account()
    await hana.logout()  # what the shell does next (and wipes the device's copy)
    assert hana.status is LoginStatus.SIGNED_OUT
    await hana_client.aclose()
    await taro_client.aclose()
