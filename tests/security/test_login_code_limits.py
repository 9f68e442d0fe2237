"""Sending login codes is limited per address, per client IP and in all (429 with Retry-After
and a page in Japanese and English), and the client IP comes from `X-Forwarded-For` only
when the peer is a trusted proxy (`TSUYAMA_TRUSTED_PROXIES`), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

from backend.settings import Settings
from tests.identity_helpers import BASE_URL, AppLogin, only_form

pytestmark = pytest.mark.anyio

LIMIT = 3


def from_ip(app: FastAPI, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL, follow_redirects=False)


async def send_code(client: httpx.AsyncClient, address: str,
                    headers: dict[str, str] | None = None) -> httpx.Response:
    """A new email login, then "send code" to `address`."""
    to_page = await client.get("/authorize", params=AppLogin().authorize_params(
        acr_values="email"), headers=headers)
    assert to_page.status_code == 302, to_page.text[:300]
    action, fields = only_form(await client.get(to_page.headers["location"], headers=headers))
    return await client.post(action, data={**fields, "email": address}, headers=headers)


def mails(app: FastAPI) -> int:
    return len(app.state.mailer.newest_first())


def assert_limited(response: httpx.Response, japanese: str, english: str) -> None:
    assert response.status_code == 429, response.text[:500]
    assert 1 <= int(response.headers["retry-after"]) <= 3600
    assert response.headers["cache-control"] == "no-store"
    assert japanese in response.text and english in response.text
    assert 'id="email"' in response.text  # the form again, to try later


@pytest.fixture
def limited(make_identity: Callable[..., FastAPI], database_url: str) -> FastAPI:
    return make_identity(database_url, login_code_limit_per_address=f"{LIMIT - 1}/hour",
                         login_code_limit_per_ip=f"{LIMIT}/hour",
                         login_code_limit_global="100/hour")


async def test_codes_to_one_address_are_limited(limited: FastAPI) -> None:
    async with from_ip(limited, "198.51.100.1") as one, \
            from_ip(limited, "198.51.100.2") as other:
        assert (await send_code(one, "target@example.jp")).status_code == 200
        assert (await send_code(other, "Target@Example.jp")).status_code == 200
        refused = await send_code(other, "target@example.jp")
        assert_limited(refused, "このメールアドレスへの確認コードの送信が多すぎます",
                       "Too many codes were sent to this address")
        assert mails(limited) == LIMIT - 1  # nothing sent once refused
        assert (await send_code(other, "someone-else@example.jp")).status_code == 200


async def test_codes_from_one_address_are_limited(limited: FastAPI) -> None:
    async with from_ip(limited, "198.51.100.7") as client:
        for n in range(LIMIT):
            assert (await send_code(client, f"new{n}@example.jp")).status_code == 200
        refused = await send_code(client, "new-again@example.jp")
        assert_limited(refused, "この接続元からの確認コードの送信が多すぎます",
                       "Too many codes were sent from this network")
        # A forged X-Forwarded-For from a peer that is not a trusted proxy changes nothing.
        spoofed = await send_code(client, "spoofed@example.jp",
                                  headers={"X-Forwarded-For": "203.0.113.99"})
        assert spoofed.status_code == 429
    async with from_ip(limited, "198.51.100.8") as elsewhere:
        assert (await send_code(elsewhere, "fine@example.jp")).status_code == 200
    assert mails(limited) == LIMIT + 1


async def test_codes_in_all_are_limited(make_identity: Callable[..., FastAPI],
                                        database_url: str) -> None:
    app = make_identity(database_url, login_code_limit_global=f"{LIMIT}/hour")
    for n in range(LIMIT):
        async with from_ip(app, f"192.0.2.{n + 1}") as client:
            assert (await send_code(client, f"visitor{n}@example.jp")).status_code == 200
    async with from_ip(app, "192.0.2.200") as client:
        assert_limited(await send_code(client, "late@example.jp"),
                       "ただいま確認コードの送信が混み合っています",
                       "Too many codes are being sent right now")


async def test_the_default_limits_are_sane() -> None:
    settings = Settings(database_url="sqlite://")
    assert (settings.login_code_limit_per_address, settings.login_code_limit_per_ip,
            settings.login_code_limit_global) == ("5/hour", "20/hour", "500/hour")
    assert settings.rate_limit_storage_uri == "memory://"
    assert settings.trusted_proxies == ()
    with pytest.raises(ValueError, match="TSUYAMA_LOGIN_CODE_LIMIT_PER_IP"):
        Settings(database_url="sqlite://", login_code_limit_per_ip="lots")
    with pytest.raises(ValueError, match="TSUYAMA_TRUSTED_PROXIES"):
        Settings(database_url="sqlite://", trusted_proxies=("*",))


async def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("TSUYAMA_TRUSTED_PROXIES", " 10.0.0.1, 192.168.0.0/16 ,::1")
    monkeypatch.setenv("TSUYAMA_LOGIN_CODE_LIMIT_PER_ADDRESS", "3 per hour")
    monkeypatch.setenv("TSUYAMA_LOGIN_CODE_LIMIT_GLOBAL", "100/hour;1000/day")
    settings = Settings.from_env(data_dir=tmp_path)
    assert settings.trusted_proxies == ("10.0.0.1/32", "192.168.0.0/16", "::1/128")
    assert settings.login_code_limit_per_address == "3 per hour"
    assert settings.login_code_limit_global == "100/hour;1000/day"
    monkeypatch.setenv("TSUYAMA_TRUSTED_PROXIES", "proxy.example")
    with pytest.raises(ValueError, match="not an IP address or CIDR"):
        Settings.from_env(data_dir=tmp_path)


# --- The client address behind a proxy -------------------------------------------------------

PROXY = "10.0.0.1"


@pytest.fixture
def behind_proxy(make_identity: Callable[..., FastAPI], database_url: str) -> FastAPI:
    return make_identity(database_url, trusted_proxies=(PROXY,),
                         login_code_limit_per_ip=f"{LIMIT}/hour",
                         auth_failure_limit=LIMIT)


async def test_a_trusted_proxy_names_the_client(behind_proxy: FastAPI) -> None:
    async with from_ip(behind_proxy, PROXY) as proxy:
        for n in range(LIMIT):
            sent = await send_code(proxy, f"p{n}@example.jp",
                                   headers={"X-Forwarded-For": "198.51.100.1"})
            assert sent.status_code == 200
        over = await send_code(proxy, "p-over@example.jp",
                               headers={"X-Forwarded-For": "198.51.100.1"})
        assert over.status_code == 429
        # Another client behind the same proxy has its own count; a client cannot get one
        # by prepending an address of its choice (the proxy appends the real one).
        other = await send_code(proxy, "q@example.jp",
                                headers={"X-Forwarded-For": "198.51.100.2"})
        assert other.status_code == 200
        forged = await send_code(proxy, "r@example.jp",
                                 headers={"X-Forwarded-For": "203.0.113.5, 198.51.100.1"})
        assert forged.status_code == 429


async def test_an_untrusted_peer_cannot_pick_its_address(behind_proxy: FastAPI) -> None:
    """Failed logins from a peer that is not a trusted proxy stay counted against it,
    whatever X-Forwarded-For it sends."""
    async with from_ip(behind_proxy, "192.0.2.66") as client:
        bad = AppLogin().token_form("guessed-code")
        for _ in range(LIMIT):
            assert (await client.post("/token", data=bad)).status_code == 400
        for forged in ("198.51.100.9", "127.0.0.1", PROXY):
            blocked = await client.post("/token", data=bad,
                                        headers={"X-Forwarded-For": forged})
            assert blocked.status_code == 429, forged
