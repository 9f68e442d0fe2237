"""A lost answer to a refresh does not log the device out (RFC 9700 §4.14.2, ADR 0016).

The device refreshes, the server rotates and commits, the answer is lost; the device sends
the same (now retired) refresh token again. Within the grace period, from the same device
and while the successor is unused, it gets the same answer again. Everything else with a
retired token is still theft: the family is revoked. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import Session

from backend.identity import refresh_tokens as refresh_token_module
from backend.identity import token_grants
from backend.identity.opaque_tokens import token_hash
from backend.identity.refresh_tokens import REVOKED_REUSE, open_token_response
from backend.models import RefreshToken, RefreshTokenFamily
from tests.identity_helpers import TokenSet, login, refresh
from tests.security.conftest import WHOAMI_PATH, FakeClock

pytestmark = pytest.mark.anyio

GRACE_SECONDS = 120  # the default of Settings.refresh_reuse_grace_seconds


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


async def works(client: httpx.AsyncClient, access_token: str) -> bool:
    response = await client.get(WHOAMI_PATH, headers=bearer(access_token))
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


def assert_invalid_grant(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"


async def refreshed(client: httpx.AsyncClient, refresh_token: str,
                    device_id: str | None = "test-device") -> dict[str, Any]:
    response = await refresh(client, refresh_token, device_id=device_id)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()


def family_of(app: FastAPI, refresh_token: str) -> RefreshTokenFamily:
    with Session(app.state.engine) as session:
        token = session.scalars(select(RefreshToken).where(
            RefreshToken.token_hash == token_hash(refresh_token))).one()
        family = session.get(RefreshTokenFamily, token.family_id)
        assert family is not None
        return family


def token_row(app: FastAPI, refresh_token: str) -> RefreshToken:
    with Session(app.state.engine) as session:
        return session.scalars(select(RefreshToken).where(
            RefreshToken.token_hash == token_hash(refresh_token))).one()


async def assert_family_revoked_for_reuse(client: httpx.AsyncClient, app: FastAPI,
                                          tokens: TokenSet, *issued: dict[str, Any]) -> None:
    """The family is revoked as reuse: no token of it refreshes, no access token works."""
    family = family_of(app, tokens.refresh_token)
    assert family.revoked_at is not None
    assert family.revoked_reason == REVOKED_REUSE
    for refresh_token in [tokens.refresh_token, *(body["refresh_token"] for body in issued)]:
        assert_invalid_grant(await refresh(client, refresh_token))
    for access_token in [tokens.access_token, *(body["access_token"] for body in issued)]:
        assert not await works(client, access_token)


# --- the lost answer ----------------------------------------------------------------------

async def test_a_lost_answer_is_given_again_and_the_login_survives(
    client: httpx.AsyncClient, identity: FastAPI, clock: FakeClock
) -> None:
    tokens = await login(client, "dev-taro")
    lost = await refreshed(client, tokens.refresh_token)  # committed; the answer never arrives
    clock.advance(seconds=30)

    again = await refreshed(client, tokens.refresh_token)  # the device retries

    assert again == lost  # same access token, same new refresh token, same everything
    assert family_of(identity, tokens.refresh_token).revoked_at is None
    assert await works(client, again["access_token"])
    following = await refreshed(client, again["refresh_token"])  # the new token works
    assert following["refresh_token"] not in (tokens.refresh_token, again["refresh_token"])
    assert await works(client, following["access_token"])
    assert family_of(identity, tokens.refresh_token).revoked_at is None


async def test_the_answer_can_be_lost_more_than_once(client: httpx.AsyncClient,
                                                     identity: FastAPI,
                                                     clock: FakeClock) -> None:
    tokens = await login(client, "dev-taro")
    first = await refreshed(client, tokens.refresh_token)
    clock.advance(seconds=40)
    second = await refreshed(client, tokens.refresh_token)
    clock.advance(seconds=GRACE_SECONDS - 41)  # one second of the grace left
    third = await refreshed(client, tokens.refresh_token)
    assert first == second == third
    assert (await refresh(client, third["refresh_token"])).status_code == 200


async def test_every_rotation_has_its_own_grace(client: httpx.AsyncClient,
                                                identity: FastAPI, clock: FakeClock) -> None:
    tokens = await login(client, "dev-taro")
    first = await refreshed(client, tokens.refresh_token)
    clock.advance(minutes=10)
    second = await refreshed(client, first["refresh_token"])
    lost = await refreshed(client, second["refresh_token"])
    clock.advance(seconds=5)
    assert await refreshed(client, second["refresh_token"]) == lost
    assert (await refresh(client, lost["refresh_token"])).status_code == 200


async def test_the_grace_can_be_switched_off(client: httpx.AsyncClient, make_identity,
                                             database_url: str) -> None:
    app = make_identity(database_url, refresh_reuse_grace_seconds=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://backend.test") as http:
        tokens = await login(http, "dev-taro")
        rotated = await refreshed(http, tokens.refresh_token)
        assert token_row(app, tokens.refresh_token).replay_sealed is None
        assert_invalid_grant(await refresh(http, tokens.refresh_token))
        await assert_family_revoked_for_reuse(http, app, tokens, rotated)


# --- still theft --------------------------------------------------------------------------

async def test_the_old_token_after_the_grace_period_is_theft(client: httpx.AsyncClient,
                                                             identity: FastAPI,
                                                             clock: FakeClock) -> None:
    tokens = await login(client, "dev-taro")
    rotated = await refreshed(client, tokens.refresh_token)
    clock.advance(seconds=GRACE_SECONDS + 1)

    assert_invalid_grant(await refresh(client, tokens.refresh_token))

    await assert_family_revoked_for_reuse(client, identity, tokens, rotated)


async def test_a_token_older_than_the_predecessor_is_theft(client: httpx.AsyncClient,
                                                           identity: FastAPI,
                                                           clock: FakeClock) -> None:
    tokens = await login(client, "dev-taro")
    first = await refreshed(client, tokens.refresh_token)
    clock.advance(seconds=5)
    second = await refreshed(client, first["refresh_token"])
    clock.advance(seconds=5)  # both rotations are within the grace period

    assert_invalid_grant(await refresh(client, tokens.refresh_token))  # two steps back

    await assert_family_revoked_for_reuse(client, identity, tokens, first, second)


async def test_the_predecessor_from_another_device_is_theft(client: httpx.AsyncClient,
                                                            identity: FastAPI) -> None:
    tokens = await login(client, "dev-taro", device_id="phone-a")
    rotated = await refreshed(client, tokens.refresh_token, device_id="phone-a")

    assert_invalid_grant(await refresh(client, tokens.refresh_token, device_id="laptop-b"))
    assert_invalid_grant(await refresh(client, tokens.refresh_token, device_id=None))

    family = family_of(identity, tokens.refresh_token)
    assert family.revoked_reason == REVOKED_REUSE
    assert_invalid_grant(await refresh(client, tokens.refresh_token, device_id="phone-a"))
    assert_invalid_grant(await refresh(client, rotated["refresh_token"], device_id="phone-a"))
    assert not await works(client, rotated["access_token"])


async def test_the_predecessor_after_its_successor_was_used_is_theft(
    client: httpx.AsyncClient, identity: FastAPI, clock: FakeClock
) -> None:
    tokens = await login(client, "dev-taro")
    rotated = await refreshed(client, tokens.refresh_token)
    clock.advance(seconds=1)
    following = await refreshed(client, rotated["refresh_token"])  # the family moved on
    clock.advance(seconds=1)

    assert_invalid_grant(await refresh(client, tokens.refresh_token))

    await assert_family_revoked_for_reuse(client, identity, tokens, rotated, following)


async def test_no_replay_for_a_revoked_family(client: httpx.AsyncClient,
                                              identity: FastAPI) -> None:
    tokens = await login(client, "dev-taro")
    rotated = await refreshed(client, tokens.refresh_token)
    response = await client.post("/revoke", data={"token": rotated["refresh_token"],
                                                  "client_id": "tsuyama-portal-app"})
    assert response.status_code == 200

    assert_invalid_grant(await refresh(client, tokens.refresh_token))
    assert_invalid_grant(await refresh(client, rotated["refresh_token"]))


async def test_no_replay_once_the_family_has_expired(client: httpx.AsyncClient,
                                                     identity: FastAPI,
                                                     clock: FakeClock) -> None:
    tokens = await login(client, "dev-taro")
    current = tokens.refresh_token
    for _ in range(3):
        clock.advance(days=29)
        current = (await refreshed(client, current))["refresh_token"]
    clock.advance(days=2, hours=23, minutes=59)  # a minute before day 90 ends the family
    lost = await refreshed(client, current)
    clock.advance(minutes=1, seconds=1)  # within the grace, but the family is over

    assert_invalid_grant(await refresh(client, current))
    assert_invalid_grant(await refresh(client, lost["refresh_token"]))


# --- what the database keeps --------------------------------------------------------------

async def test_the_database_keeps_no_token_in_clear(client: httpx.AsyncClient,
                                                    identity: FastAPI) -> None:
    tokens = await login(client, "dev-taro")
    rotated = await refreshed(client, tokens.refresh_token)
    row = token_row(identity, tokens.refresh_token)
    assert row.replay_sealed is not None and row.replay_expires_at is not None
    assert row.retired_at is not None
    assert row.replay_expires_at == row.retired_at + timedelta(seconds=GRACE_SECONDS)
    for secret in (tokens.refresh_token, rotated["refresh_token"], rotated["access_token"]):
        for part in secret.split("."):
            assert part.encode() not in row.replay_sealed
    assert open_token_response(tokens.refresh_token, row, row.replay_sealed) == rotated
    # Only the holder of the old token can open it: not its hash, not another token.
    assert open_token_response(row.token_hash, row, row.replay_sealed) is None
    assert open_token_response(rotated["refresh_token"], row, row.replay_sealed) is None
    successor = token_row(identity, rotated["refresh_token"])
    assert row.successor_id == successor.id
    # Sealed for this row: moved onto another row, it does not open.
    assert open_token_response(tokens.refresh_token, successor, row.replay_sealed) is None


async def test_the_sealed_answer_is_cleared_when_the_successor_is_used(
    client: httpx.AsyncClient, identity: FastAPI
) -> None:
    tokens = await login(client, "dev-taro")
    rotated = await refreshed(client, tokens.refresh_token)
    await refreshed(client, rotated["refresh_token"])
    row = token_row(identity, tokens.refresh_token)
    assert row.replay_sealed is None and row.replay_expires_at is None
    assert token_row(identity, rotated["refresh_token"]).replay_sealed is not None


async def test_sealed_answers_past_their_grace_are_purged(client: httpx.AsyncClient,
                                                          identity: FastAPI,
                                                          clock: FakeClock) -> None:
    idle = await login(client, "dev-taro", device_id="idle-device")
    await refreshed(client, idle.refresh_token, device_id="idle-device")
    assert token_row(identity, idle.refresh_token).replay_sealed is not None
    clock.advance(seconds=GRACE_SECONDS + 1)

    other = await login(client, "dev-hanako", device_id="busy-device")
    await refreshed(client, other.refresh_token, device_id="busy-device")

    row = token_row(identity, idle.refresh_token)
    assert row.replay_sealed is None and row.replay_expires_at is None
    assert row.successor_id is not None  # the link stays: it is no secret


# --- two refreshes with one token at the same moment --------------------------------------

@pytest.mark.parametrize("racers", [2, 4])
async def test_simultaneous_refreshes_with_one_token_all_succeed(
    client: httpx.AsyncClient, identity: FastAPI, racers: int
) -> None:
    """Each request runs in its own worker thread with its own connection. None gets a 500
    or revokes the login: one rotates, the others get its answer (same tokens)."""
    for _round in range(3):
        tokens = await login(client, "dev-taro")
        responses = await asyncio.gather(*(refresh(client, tokens.refresh_token)
                                           for _ in range(racers)))
        assert [r.status_code for r in responses] == [200] * racers, [r.text for r in responses]
        bodies = [r.json() for r in responses]
        assert all(body == bodies[0] for body in bodies)
        assert family_of(identity, tokens.refresh_token).revoked_at is None
        with Session(identity.state.engine) as session:
            family_id = family_of(identity, tokens.refresh_token).id
            rows = session.scalars(select(RefreshToken).where(
                RefreshToken.family_id == family_id)).all()
        assert len(rows) == 2  # exactly one rotation
        assert (await refresh(client, bodies[0]["refresh_token"])).status_code == 200


async def test_refreshes_that_both_read_the_token_before_either_rotates(
    client: httpx.AsyncClient, identity: FastAPI, monkeypatch: pytest.MonkeyPatch,
    database_url: str
) -> None:
    """Widen the race: signing the new access token takes 0.3 s, so both requests have read
    the unretired token before the first one writes. On SQLite the second waits at BEGIN
    IMMEDIATE for the first to commit; on PostgreSQL it waits on the row the first retires,
    finds it retired, and looks again (the grace replay)."""
    real_response = token_grants._token_response
    lost_races: list[None] = []
    real_rotate = token_grants.rotate_refresh_token

    def slow_response(*args: Any, **kwargs: Any) -> dict[str, Any]:
        time.sleep(0.3)
        return real_response(*args, **kwargs)

    def counting_rotate(*args: Any, **kwargs: Any) -> dict[str, Any] | None:
        result = real_rotate(*args, **kwargs)
        if result is None:
            lost_races.append(None)
        return result

    monkeypatch.setattr(token_grants, "_token_response", slow_response)
    monkeypatch.setattr(token_grants, "rotate_refresh_token", counting_rotate)
    tokens = await login(client, "dev-taro")

    first, second = await asyncio.gather(refresh(client, tokens.refresh_token),
                                         refresh(client, tokens.refresh_token))

    assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
    assert first.json() == second.json()
    assert family_of(identity, tokens.refresh_token).revoked_at is None
    if database_url.startswith("postgresql"):
        assert lost_races == [None]  # the race really happened, and was resolved
    else:
        assert lost_races == []  # SQLite: the writers took turns
    assert (await refresh(client, first.json()["refresh_token"])).status_code == 200


def test_the_sealed_answer_is_bound_to_the_key_of_its_token() -> None:
    """Unit check of the sealing: a changed byte, another token or another row fails."""
    now = datetime.now(UTC)
    row = RefreshToken(id="row-1", family_id="family-1", token_hash="0" * 64,
                       created_at=now, expires_at=now)
    answer = {"access_token": "a", "refresh_token": "r", "expires_in": 600}
    sealed = refresh_token_module.seal_token_response("old-token", row, answer)
    assert refresh_token_module.open_token_response("old-token", row, sealed) == answer
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    assert refresh_token_module.open_token_response("old-token", row, tampered) is None
    assert refresh_token_module.open_token_response("other-token", row, sealed) is None
    other_row = RefreshToken(id="row-2", family_id="family-1", token_hash="1" * 64,
                             created_at=now, expires_at=now)
    assert refresh_token_module.open_token_response("old-token", other_row, sealed) is None
    # Two seals of the same answer differ (a fresh nonce each time).
    assert refresh_token_module.seal_token_response("old-token", row, answer) != sealed
