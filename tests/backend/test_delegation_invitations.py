"""Delegation by invitation code (ADR 0031): the grantor makes a code, the other enters it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlmodel import Session

from backend.models import AccessLogEntry, ConsentRecord, DelegationInvitation
from backend.services.consent_catalog import catalog
from backend.services.delegation import may_act_for
from backend.services.delegation_invitation import (
    CODE_ALPHABET,
    CODE_LENGTH,
    code_hash,
    normalize_code,
)
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_person

MakeApp = Callable[..., FastAPI]
TODAY = date(2026, 11, 24)
INVITE = "/me/delegation-invitations"


def agreement(lang: str = "ja") -> dict[str, Any]:
    current = catalog()["delegation"].current
    return {"version": current.version, "text_sha256": current.sha256(lang)}


def test_codes_are_short_unambiguous_and_normalized() -> None:
    assert len(CODE_ALPHABET) == 31
    assert not set("01OIL") & set(CODE_ALPHABET)
    assert normalize_code(" abcd-efgh ") == "ABCDEFGH"
    assert normalize_code("ＡＢＣＤ－ＥＦＧＨ") == "ABCDEFGH"  # typed on a Japanese keyboard
    assert CODE_LENGTH == 8


@pytest.mark.anyio
async def test_invite_then_accept_makes_an_active_delegation(database_url: str,
                                                             make_app: MakeApp) -> None:
    app = make_app(database_url)
    mother = make_person(app, name="美作 ハナ", birthdate=date(1944, 2, 11))
    son = make_person(app, name="美作 一郎", birthdate=date(1975, 1, 1))
    async with asgi_client(app) as client:
        made = await client.post(INVITE, json=agreement(), headers=bearer(app, mother))
        assert made.status_code == 201, made.text
        body = made.json()
        code = body["code"]
        assert len(code) == CODE_LENGTH + 1 and code[4] == "-"
        expires = datetime.fromisoformat(body["expires_at"])
        created = datetime.fromisoformat(body["created_at"])
        assert expires - created == timedelta(hours=24)
        listed = (await client.get(INVITE, headers=bearer(app, mother))).json()["invitations"]
        assert [row["id"] for row in listed] == [body["id"]]
        assert "code" not in listed[0]  # only the answer that made it shows the code

        taken = await client.post(f"{INVITE}/accept", json={"code": code.lower()},
                                  headers=bearer(app, son))
        assert taken.status_code == 201, taken.text
        delegation = taken.json()
        assert delegation["status"] == "active" and delegation["direction"] == "for_me"
        assert delegation["other_name"] == "美作 ハナ"
        # Used once: a second use is refused, and the open list is empty.
        again = await client.post(f"{INVITE}/accept", json={"code": code},
                                  headers=bearer(app, son))
        assert again.status_code == 409
        assert (await client.get(INVITE, headers=bearer(app, mother))).json() == {
            "invitations": []}
        mine = (await client.get("/me/delegations", headers=bearer(app, mother))).json()
        assert mine["delegations"][0]["direction"] == "granted_by_me"
        assert mine["delegations"][0]["other_name"] == "美作 一郎"

    with Session(app.state.engine) as session:
        assert may_act_for(session, son, mother, "all", today=TODAY)
        stored = session.scalars(select(DelegationInvitation)).one()
        assert stored.code_sha256 == code_hash(code.replace("-", ""))  # never the code
        assert stored.used_by_person_id == son.id
        ledger = session.scalars(select(ConsentRecord)).all()
        assert [(r.person_id, r.actor_person_id, r.granted, r.delegation_id)
                for r in ledger] == [(mother.id, mother.id, True, delegation["id"])]
        log = session.scalars(select(AccessLogEntry)).all()
        assert [(e.subject_person_id, e.actor_person_id, e.actor_kind) for e in log] == [
            (mother.id, son.id, "delegate")]


@pytest.mark.anyio
async def test_bad_expired_cancelled_and_own_codes_are_clear_4xx(database_url: str,
                                                                 make_app: MakeApp) -> None:
    app = make_app(database_url)
    mother = make_person(app)
    son = make_person(app)
    email_only = make_person(app, assurance_level="email")
    async with asgi_client(app) as client:
        async def accept(code: str, who: Any = son) -> int:
            answer = await client.post(f"{INVITE}/accept", json={"code": code},
                                       headers=bearer(app, who))
            return answer.status_code

        assert await accept("short") == 422
        assert await accept("ABCD-EFG0") == 422  # 0 is not in the alphabet
        assert await accept("x" * 33) == 422
        assert await accept("ABCD-EFGH") == 404
        code = (await client.post(INVITE, json=agreement(),
                                  headers=bearer(app, mother))).json()["code"]
        assert await accept(code, mother) == 422  # one's own code
        assert await accept(code, email_only) == 403  # only card-verified residents
        # Expired.
        with Session(app.state.engine) as session:
            session.execute(update(DelegationInvitation).values(
                expires_at=datetime.now(UTC) - timedelta(seconds=1)))
            session.commit()
        assert await accept(code) == 410
        # Cancelled.
        second = (await client.post(INVITE, json=agreement(),
                                    headers=bearer(app, mother))).json()
        cancel = f"{INVITE}/{second['id']}/cancel"
        assert (await client.post(cancel, headers=bearer(app, son))).status_code == 404
        assert (await client.post(cancel, headers=bearer(app, mother))).status_code == 200
        assert await accept(second["code"]) == 410
        # A stale or altered consent text, an unknown scope: no code at all.
        stale = await client.post(INVITE, json={**agreement(), "version": 99},
                                  headers=bearer(app, mother))
        assert stale.status_code == 409
        wrong = await client.post(INVITE, json={**agreement(), "text_sha256": "0" * 64},
                                  headers=bearer(app, mother))
        assert wrong.status_code == 409
        scope = await client.post(INVITE, json={**agreement(), "scope": "everything"},
                                  headers=bearer(app, mother))
        assert scope.status_code == 422
        assert (await client.post(INVITE, json=agreement(),
                                  headers=bearer(app, email_only))).status_code == 403


@pytest.mark.anyio
async def test_wrong_codes_are_limited_per_person(database_url: str,
                                                  make_app: MakeApp) -> None:
    app = make_app(database_url)
    mother = make_person(app)
    guesser = make_person(app)
    async with asgi_client(app) as client:
        code = (await client.post(INVITE, json=agreement("en"),
                                  headers=bearer(app, mother))).json()["code"]
        for i in range(10):
            guess = f"2345678{CODE_ALPHABET[i]}"
            wrong = await client.post(f"{INVITE}/accept", json={"code": guess},
                                      headers=bearer(app, guesser))
            assert wrong.status_code == 404
        limited = await client.post(f"{INVITE}/accept", json={"code": code},
                                    headers=bearer(app, guesser))
        assert limited.status_code == 429  # even the right code, once over the limit
        assert int(limited.headers["Retry-After"]) > 0
        # Another person is not affected.
        other = make_person(app)
        assert (await client.post(f"{INVITE}/accept", json={"code": code},
                                  headers=bearer(app, other))).status_code == 201


@pytest.mark.anyio
async def test_open_invitations_are_capped(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url)
    mother = make_person(app)
    async with asgi_client(app) as client:
        for _ in range(5):
            made = await client.post(INVITE, json=agreement(), headers=bearer(app, mother))
            assert made.status_code == 201
        assert (await client.post(INVITE, json=agreement(),
                                  headers=bearer(app, mother))).status_code == 409
