"""Failed token requests and upstream callbacks are limited per client IP and per device at
that IP; nobody else can lock a device out."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

from tests.identity_helpers import (
    BASE_URL,
    AppLogin,
    identity_client,
    login,
    refresh,
    upstream_login,
)
from tests.security.conftest import FakeClock

pytestmark = pytest.mark.anyio

LIMIT = 3
WINDOW_S = 60


@pytest.fixture
def limited(make_identity: Callable[..., FastAPI], database_url: str) -> FastAPI:
    return make_identity(database_url, auth_failure_limit=LIMIT,
                         auth_failure_window_seconds=WINDOW_S)


def from_ip(app: FastAPI, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL, follow_redirects=False)


def bad_token_request(device_id: str = "test-device") -> dict[str, str]:
    return AppLogin(device_id=device_id).token_form("guessed-code")


async def test_failures_lead_to_429_with_retry_after(limited: FastAPI, clock: FakeClock) -> None:
    async with identity_client(limited) as client:
        for _ in range(LIMIT):
            assert (await client.post("/token", data=bad_token_request())).status_code == 400
        blocked = await client.post("/token", data=bad_token_request())
        assert blocked.status_code == 429
        assert blocked.json()["error"] == "too_many_requests"
        retry_after = int(blocked.headers["retry-after"])
        assert 1 <= retry_after <= WINDOW_S
        assert blocked.json()["retry_after"] == retry_after
        assert blocked.headers["cache-control"] == "no-store"
        # Blocked requests are not counted: once the window has passed, requests go through.
        clock.advance(seconds=retry_after)
        assert (await client.post("/token", data=bad_token_request())).status_code == 400


async def test_successes_do_not_count(limited: FastAPI) -> None:
    async with identity_client(limited) as client:
        for _ in range(LIMIT + 2):
            await login(client, "dev-taro")
        for _ in range(LIMIT):
            assert (await client.post("/token", data=bad_token_request())).status_code == 400


async def test_nobody_else_can_lock_a_device_out(limited: FastAPI) -> None:
    """A device id is no secret. Failures naming it from other addresses (as someone who
    learned it would try, from many) fill only their own counters: the device itself still
    refreshes and logs in from where it is."""
    async with from_ip(limited, "198.51.100.7") as device:
        tokens = await login(device, "dev-taro", device_id="victim-device")
    for n in range(LIMIT + 1):
        async with from_ip(limited, f"192.0.2.{n + 1}") as attacker:
            for _ in range(LIMIT):
                assert (await attacker.post("/token", data=bad_token_request("victim-device"))
                        ).status_code == 400
            # The attacker's own address is limited.
            assert (await attacker.post("/token", data=bad_token_request("victim-device"))
                    ).status_code == 429
    async with from_ip(limited, "198.51.100.7") as device:
        refreshed = await refresh(device, tokens.refresh_token, device_id="victim-device")
        assert refreshed.status_code == 200, refreshed.text
        await login(device, "dev-taro", device_id="victim-device")


async def test_a_device_failing_from_its_address_is_limited_there(limited: FastAPI) -> None:
    async with from_ip(limited, "198.51.100.8") as client:
        for _ in range(LIMIT):
            assert (await client.post("/token", data=bad_token_request("dev-x"))
                    ).status_code == 400
        assert (await client.post("/token", data=bad_token_request("dev-x"))).status_code == 429


async def test_an_address_is_limited_across_devices(limited: FastAPI) -> None:
    async with from_ip(limited, "203.0.113.9") as client:
        for n in range(LIMIT):
            assert (await client.post("/token", data=bad_token_request(f"d{n}"))
                    ).status_code == 400
        assert (await client.post("/token", data=bad_token_request("fresh"))).status_code == 429
        # The address waits at the upstream callback too.
        to_upstream = await client.get("/authorize", params=AppLogin().authorize_params())
        to_callback = await upstream_login(client, to_upstream.headers["location"], "dev-taro")
        assert (await client.get(to_callback.headers["location"])).status_code == 429
    async with from_ip(limited, "203.0.113.10") as other:
        assert (await other.post("/token", data=bad_token_request("d0"))).status_code == 400


async def test_failed_callbacks_count(limited: FastAPI) -> None:
    async with identity_client(limited) as client:
        for _ in range(LIMIT):
            response = await client.get("/auth/upstream/callback",
                                        params={"state": "forged", "code": "x"})
            assert response.status_code == 400
        blocked = await client.get("/auth/upstream/callback",
                                   params={"state": "forged", "code": "x"})
        assert blocked.status_code == 429 and "retry-after" in blocked.headers
        assert (await client.post("/token", data=bad_token_request())).status_code == 429
