"""The server's time on the device: the offset learned from `Date` headers, the ID token's
times checked against it, and a 401 renewing the access token once (client and account)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from app.account.account_state import AccountState
from app.account.token_store import MemoryTokenStore
from backend_client import (
    BackendClient,
    BackendProtocolError,
    BackendRejected,
    BackendUnavailable,
    Me,
    ServerClock,
    TokenSet,
)
from backend_client.clock import JUMP, parse_http_date
from backend_client.oauth import verify_id_token

T0 = datetime(2026, 11, 24, 0, 0, 0, tzinfo=UTC)
DAY = timedelta(days=1)
MS = timedelta(milliseconds=1)


def http_date(moment: datetime) -> str:
    return format_datetime(moment.replace(microsecond=0), usegmt=True)


class Local:
    """The device's clock, set by the test."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


# --- ServerClock ---------------------------------------------------------------------------


def test_unknown_offset_falls_back_to_the_device_clock():
    clock = ServerClock(Local(T0))
    assert clock.offset is None and not clock.known
    assert clock.now() == T0
    clock.observe(None, T0, T0 + MS)  # an answer without a Date
    assert clock.offset is None and clock.now() == T0


@pytest.mark.parametrize("device_off", [DAY, -DAY, timedelta(hours=3), timedelta()])
def test_one_answer_gives_the_offset_to_within_a_second(device_off):
    server = T0 + timedelta(milliseconds=400)  # Date says T0: whole seconds
    local = Local(server + device_off)
    clock = ServerClock(local)
    clock.observe(parse_http_date([http_date(server)]), local.moment - 20 * MS,
                  local.moment + 20 * MS)
    assert abs(clock.offset - (-device_off)) <= timedelta(seconds=1)
    assert abs(clock.now() - server) <= timedelta(seconds=1)


def test_samples_are_smoothed_and_a_jump_replaces_the_estimate():
    local = Local(T0 + DAY)
    clock = ServerClock(local)
    clock.observe(T0, local.moment, local.moment)  # offset ≈ −1 day + 0.5 s
    first = clock.offset
    # A sample 2 s away (rounding, a slow answer) moves the estimate a little, not all the way.
    clock.observe(T0 + timedelta(seconds=2), local.moment, local.moment)
    assert first < clock.offset < first + timedelta(seconds=2)
    assert clock.samples == 2
    # The resident fixed the device clock: the next answer replaces the estimate at once.
    local.moment = T0
    clock.observe(T0, local.moment, local.moment)
    assert abs(clock.offset) <= timedelta(seconds=1)
    assert abs(clock.now() - T0) <= timedelta(seconds=1)


def test_slow_answers_do_not_pull_a_good_estimate_and_a_backwards_step_is_ignored():
    local = Local(T0)
    clock = ServerClock(local)
    clock.observe(T0, T0 - 10 * MS, T0 + 10 * MS)
    good = clock.offset
    # An answer that took 8 s: its Date could be anywhere in those 8 s.
    clock.observe(T0 + timedelta(seconds=5), T0 - timedelta(seconds=4), T0 + timedelta(seconds=4))
    assert clock.offset == good
    # The device clock stepped back during the request: no sample.
    clock.observe(T0 + DAY, T0, T0 - timedelta(seconds=1))
    assert clock.offset == good
    # Far beyond JUMP even when slow: a clock was set, take it.
    clock.observe(T0 + JUMP * 10, T0 - timedelta(seconds=4), T0 + timedelta(seconds=4))
    assert clock.offset > JUMP * 9


def test_http_dates_are_parsed_leniently():
    assert parse_http_date(["Tue, 24 Nov 2026 00:00:00 GMT"]) == T0
    assert parse_http_date(["nonsense", "Tue, 24 Nov 2026 00:00:00 GMT"]) == T0
    # Two Date headers joined by a proxy: the first counts.
    assert parse_http_date(["Tue, 24 Nov 2026 00:00:00 GMT, Wed, 25 Nov 2026 00:00:00 GMT"]) == T0
    assert parse_http_date([]) is None and parse_http_date(["", "soon"]) is None


# --- the ID token's times against the server's time ----------------------------------------

ISSUER = "http://backend.test"
KEY = ec.generate_private_key(ec.SECP256R1())


def jwks() -> dict:
    public = jwt.algorithms.ECAlgorithm.to_jwk(KEY.public_key(), as_dict=True)
    return {"keys": [{**public, "kid": "k1", "alg": "ES256", "use": "sig"}]}


def id_token(issued: datetime, ttl: timedelta = timedelta(minutes=10), **extra) -> str:
    claims = {"iss": ISSUER, "sub": "person-1", "aud": "tsuyama-portal-app", "nonce": "n",
              "iat": int(issued.timestamp()), "exp": int((issued + ttl).timestamp()), **extra}
    return jwt.encode(claims, KEY, algorithm="ES256", headers={"kid": "k1"})


@pytest.mark.parametrize("device_off", [DAY, -DAY, timedelta(hours=-7)])
def test_a_fresh_token_passes_against_the_server_time_whatever_the_device_clock(device_off):
    token = id_token(T0)
    claims = verify_id_token(token, jwks(), ISSUER, "n", now=T0 + timedelta(seconds=5))
    assert claims["sub"] == "person-1"
    # Against the device's own clock (what the app did before) it would not.
    with pytest.raises(BackendProtocolError, match=r"expired|not yet valid"):
        verify_id_token(token, jwks(), ISSUER, "n", now=T0 + device_off)


def test_expired_and_future_tokens_are_refused_by_the_server_time_with_60_s_leeway():
    token = id_token(T0)
    assert verify_id_token(token, jwks(), ISSUER, "n", now=T0 + timedelta(minutes=10, seconds=59))
    with pytest.raises(BackendProtocolError, match="expired"):
        verify_id_token(token, jwks(), ISSUER, "n", now=T0 + timedelta(minutes=11))
    assert verify_id_token(token, jwks(), ISSUER, "n", now=T0 - timedelta(seconds=59))
    with pytest.raises(BackendProtocolError, match=r"not yet valid \(iat"):
        verify_id_token(token, jwks(), ISSUER, "n", now=T0 - timedelta(seconds=61))
    later = id_token(T0, nbf=int((T0 + timedelta(minutes=5)).timestamp()))
    with pytest.raises(BackendProtocolError, match=r"not yet valid \(nbf"):
        verify_id_token(later, jwks(), ISSUER, "n", now=T0)


def test_malformed_times_are_refused():
    with pytest.raises(BackendProtocolError):
        verify_id_token(id_token(T0, exp="tomorrow"), jwks(), ISSUER, "n", now=T0)
    no_exp = jwt.encode({"iss": ISSUER, "sub": "s", "aud": "tsuyama-portal-app", "nonce": "n",
                         "iat": int(T0.timestamp())}, KEY, algorithm="ES256",
                        headers={"kid": "k1"})
    with pytest.raises(BackendProtocolError, match="exp"):
        verify_id_token(no_exp, jwks(), ISSUER, "n", now=T0)


def test_the_other_checks_still_apply():
    with pytest.raises(BackendProtocolError, match="nonce"):
        verify_id_token(id_token(T0), jwks(), ISSUER, "other", now=T0)
    with pytest.raises(BackendProtocolError, match=r"issuer|iss"):
        verify_id_token(id_token(T0), jwks(), "http://evil.test", "n", now=T0)


# --- BackendClient: Date on every answer, one renewal after a 401 --------------------------

def client_for(handler, local: Local | None = None) -> BackendClient:
    return BackendClient("http://backend.test", transport=httpx.MockTransport(handler),
                         retries=0, server_clock=ServerClock(local))


@pytest.mark.anyio
async def test_every_answer_teaches_the_client_the_server_time():
    server = T0 + timedelta(milliseconds=300)
    local = Local(server - DAY)  # a day behind

    def handler(request: httpx.Request) -> httpx.Response:
        status = 404 if request.url.path == "/missing" else 200
        return httpx.Response(status, json={}, headers={"Date": http_date(server)})

    client = client_for(handler, local)
    with pytest.raises(BackendRejected):  # refusals carry the server's time too
        await client._request_json("GET", "/missing")
    assert abs(client.server_clock.offset - DAY) <= timedelta(seconds=1)
    await client._request_json("GET", "/ok")
    assert client.server_clock.samples == 2
    assert abs(client.server_clock.offset - DAY) <= timedelta(seconds=1)
    assert abs(client.server_clock.now() - server) <= timedelta(seconds=1)
    await client.aclose()


@pytest.mark.anyio
async def test_answers_without_date_or_from_a_proxy_teach_nothing():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/healthz":
            return httpx.Response(503, headers={"Date": http_date(T0 + DAY)})
        return httpx.Response(200, json={})

    client = client_for(handler, Local(T0))
    await client._request_json("GET", "/plain")
    with pytest.raises(BackendUnavailable):
        await client.health()
    assert client.server_clock.offset is None and client.server_clock.now() == T0
    await client.aclose()


@pytest.mark.anyio
async def test_a_401_renews_the_token_once_and_sends_again():
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("Authorization")
        seen.append(auth)
        if auth == "Bearer fresh":
            return httpx.Response(200, json={"results": [], "last_seq": 0})
        return httpx.Response(401, json={"detail": "the access token has expired"})

    client = client_for(handler)
    renewals: list[str] = []

    async def renew(refused: str) -> str | None:
        renewals.append(refused)
        return "fresh"

    client.renew_token = renew
    response = await client.push("stale", "device-1", [])
    assert response.last_seq == 0
    assert renewals == ["stale"] and seen == ["Bearer stale", "Bearer fresh"]

    # The renewed token is refused too: no loop, the 401 reaches the caller.
    seen.clear()
    renewals.clear()

    async def renew_same_refused(refused: str) -> str | None:
        renewals.append(refused)
        return "also-refused"

    client.renew_token = renew_same_refused
    with pytest.raises(BackendRejected) as refused:
        await client.push("stale", "device-1", [])
    assert refused.value.status_code == 401
    assert renewals == ["stale"] and seen == ["Bearer stale", "Bearer also-refused"]
    await client.aclose()


@pytest.mark.anyio
async def test_no_renewal_without_a_token_or_a_renewer():
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(401, json={"detail": "login required"})

    client = client_for(handler)
    with pytest.raises(BackendRejected):
        await client.push("t", "device-1", [])  # no renewer set
    assert calls == 1

    async def renew(refused: str) -> str | None:
        raise AssertionError("not called for a request without a token")

    client.renew_token = renew
    with pytest.raises(BackendRejected):
        await client.pull_stream("public", 0)
    assert calls == 2

    async def cannot(refused: str) -> str | None:
        return None

    client.renew_token = cannot
    with pytest.raises(BackendRejected):
        await client.push("t", "device-1", [])
    assert calls == 3
    await client.aclose()


# --- AccountState's side of the renewal -----------------------------------------------------


class FakeBackend:
    """What AccountState calls on the client; each refresh returns the next numbered token."""

    def __init__(self) -> None:
        self.renew_token = None
        self.refreshes = 0
        self.refuse_refresh = False

    async def refresh_tokens(self, refresh_token: str, device_id: str) -> TokenSet:
        self.refreshes += 1
        await asyncio.sleep(0)  # let concurrent renewals queue up
        if self.refuse_refresh:
            raise BackendRejected(400, "invalid_grant: the refresh token has been revoked")
        return tokens(f"access-{self.refreshes}", f"refresh-{self.refreshes}")

    async def me(self, access_token: str) -> Me:
        return Me("person-1", "津山 太郎", "card", "resident")

    async def logout(self, access_token: str) -> None:
        return None

    async def revoke(self, refresh_token: str) -> None:
        return None


def tokens(access: str, refresh: str | None = "refresh-0") -> TokenSet:
    return TokenSet(access, refresh, datetime.now(UTC) + timedelta(minutes=10))


@pytest.mark.anyio
async def test_the_account_renews_its_own_refused_token_once():
    backend = FakeBackend()
    account = AccountState(backend, MemoryTokenStore())  # type: ignore[arg-type]
    assert backend.renew_token is not None  # the account registered itself
    await account._signed_in(tokens("access-0"))
    # Three requests refused together: one refresh, all get the new token.
    renewed = await asyncio.gather(*(backend.renew_token("access-0") for _ in range(3)))
    assert renewed == ["access-1"] * 3 and backend.refreshes == 1
    assert await account.access_token() == "access-1"
    # A token this login never had gets nothing (not ours to replace).
    assert await backend.renew_token("someone-elses") is None
    # A login that cannot be renewed: None, the 401 stands.
    backend.refuse_refresh = True
    assert await backend.renew_token("access-1") is None
    # After logout (and a new login) an earlier token is never swapped for the new one.
    await account.logout()
    assert await backend.renew_token("access-0") is None
    backend.refuse_refresh = False
    await account._signed_in(tokens("access-9"))
    assert await backend.renew_token("access-0") is None
    assert await backend.renew_token("access-1") is None
