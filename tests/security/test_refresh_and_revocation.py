"""Refresh tokens rotate, are bound to their device, die with reuse and after 30 days idle or
90 days in all; /revoke and /logout end a login (its access tokens stop working)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.identity_helpers import TokenSet, login, refresh
from tests.security.conftest import WHOAMI_PATH, FakeClock

pytestmark = pytest.mark.anyio


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


async def works(client: httpx.AsyncClient, access_token: str) -> bool:
    response = await client.get(WHOAMI_PATH, headers=bearer(access_token))
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


def assert_invalid_grant(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"


async def test_refresh_rotates(client: httpx.AsyncClient, identity: FastAPI) -> None:
    tokens = await login(client, "dev-taro")
    response = await refresh(client, tokens.refresh_token)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    rotated = response.json()
    assert rotated["refresh_token"] != tokens.refresh_token
    assert rotated["access_token"] != tokens.access_token
    assert await works(client, rotated["access_token"])
    again = await refresh(client, rotated["refresh_token"])
    assert again.status_code == 200


async def test_reuse_of_a_retired_token_revokes_the_family(client: httpx.AsyncClient,
                                                           identity: FastAPI,
                                                           clock: FakeClock) -> None:
    tokens = await login(client, "dev-taro")
    rotated = (await refresh(client, tokens.refresh_token)).json()
    clock.advance(minutes=5)  # past the grace period of a lost answer (test_refresh_grace)

    assert_invalid_grant(await refresh(client, tokens.refresh_token))  # the copy is used

    assert_invalid_grant(await refresh(client, rotated["refresh_token"]))
    assert not await works(client, rotated["access_token"])
    assert not await works(client, tokens.access_token)


async def test_another_device_is_refused_and_the_family_revoked(client: httpx.AsyncClient,
                                                                identity: FastAPI) -> None:
    tokens = await login(client, "dev-taro", device_id="phone-a")
    assert_invalid_grant(await refresh(client, tokens.refresh_token, device_id="laptop-b"))
    assert_invalid_grant(await refresh(client, tokens.refresh_token, device_id="phone-a"))
    assert not await works(client, tokens.access_token)


async def test_a_refresh_token_dies_after_thirty_idle_days(client: httpx.AsyncClient,
                                                           identity: FastAPI,
                                                           clock: FakeClock) -> None:
    tokens = await login(client, "dev-taro")
    clock.advance(days=29)
    rotated = await refresh(client, tokens.refresh_token)
    assert rotated.status_code == 200  # sliding: a fresh 30 days
    clock.advance(days=30, seconds=1)
    assert_invalid_grant(await refresh(client, rotated.json()["refresh_token"]))


async def test_a_family_ends_after_ninety_days(client: httpx.AsyncClient, identity: FastAPI,
                                               clock: FakeClock) -> None:
    tokens = await login(client, "dev-taro")
    current = tokens.refresh_token
    for _ in range(3):
        clock.advance(days=29)
        response = await refresh(client, current)
        assert response.status_code == 200
        current = response.json()["refresh_token"]
    clock.advance(days=4)  # day 91
    assert_invalid_grant(await refresh(client, current))


async def test_revoke_ends_the_login(client: httpx.AsyncClient, identity: FastAPI) -> None:
    tokens = await login(client, "dev-taro")
    response = await client.post("/revoke", data={"token": tokens.refresh_token,
                                                  "token_type_hint": "refresh_token",
                                                  "client_id": "tsuyama-portal-app"})
    assert response.status_code == 200
    assert_invalid_grant(await refresh(client, tokens.refresh_token))
    assert not await works(client, tokens.access_token)


async def test_revoke_an_access_token(client: httpx.AsyncClient, identity: FastAPI) -> None:
    tokens = await login(client, "dev-taro")
    response = await client.post("/revoke", data={"token": tokens.access_token,
                                                  "token_type_hint": "access_token",
                                                  "client_id": "tsuyama-portal-app"})
    assert response.status_code == 200
    assert not await works(client, tokens.access_token)


async def test_revoke_answers_200_for_unknown_tokens(client: httpx.AsyncClient) -> None:
    for token in ("no-such-token", ""):
        response = await client.post("/revoke", data={"token": token,
                                                      "client_id": "tsuyama-portal-app"})
        assert response.status_code == 200
    unknown_client = await client.post("/revoke", data={"token": "x", "client_id": "evil"})
    assert unknown_client.status_code == 401


async def test_logout_ends_this_device_only(client: httpx.AsyncClient,
                                            identity: FastAPI) -> None:
    phone: TokenSet = await login(client, "dev-taro", device_id="phone")
    phone_again: TokenSet = await login(client, "dev-taro", device_id="phone")
    tablet: TokenSet = await login(client, "dev-taro", device_id="tablet")

    response = await client.post("/logout", headers=phone.auth_header)
    assert response.status_code == 204

    assert not await works(client, phone.access_token)
    assert not await works(client, phone_again.access_token)
    assert_invalid_grant(await refresh(client, phone.refresh_token, device_id="phone"))
    assert_invalid_grant(await refresh(client, phone_again.refresh_token, device_id="phone"))
    assert await works(client, tablet.access_token)
    assert (await refresh(client, tablet.refresh_token, device_id="tablet")).status_code == 200
    assert (await client.post("/logout", headers=phone.auth_header)).status_code == 401
    assert (await client.post("/logout")).status_code == 401


async def test_revocation_is_shared_by_every_worker(
    client: httpx.AsyncClient, identity: FastAPI, make_identity, database_url: str
) -> None:
    """A second app on the same database (another worker) sees the logout."""
    tokens = await login(client, "dev-taro")
    other_worker = make_identity(database_url)
    other_worker.state.signing_key = identity.state.signing_key
    assert (await client.post("/logout", headers=tokens.auth_header)).status_code == 204
    transport = httpx.ASGITransport(app=other_worker)
    async with httpx.AsyncClient(transport=transport, base_url="http://backend.test") as http:
        response = await http.get(WHOAMI_PATH, headers=tokens.auth_header)
    assert response.status_code == 401


async def test_revoke_ignores_a_wrong_hint(client: httpx.AsyncClient, identity: FastAPI) -> None:
    tokens = await login(client, "dev-taro")
    response = await client.post("/revoke", data={"token": tokens.refresh_token,
                                                  "token_type_hint": "access_token",
                                                  "client_id": "tsuyama-portal-app"})
    assert response.status_code == 200
    assert_invalid_grant(await refresh(client, tokens.refresh_token))
