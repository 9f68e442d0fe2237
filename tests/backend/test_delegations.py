"""Delegation: who may accept, decline and revoke; `may_act_for`; the ledger rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import Session

from backend.models import AccessLogEntry, ConsentRecord, Person
from backend.services.consent_catalog import catalog
from backend.services.delegation import may_act_for
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_household, make_person

MakeApp = Callable[..., FastAPI]
TODAY = date(2026, 11, 24)


def acceptance() -> dict[str, Any]:
    current = catalog()["delegation"].current
    return {"version": current.version, "text_sha256": current.sha256("ja")}


async def ask(client: httpx.AsyncClient, app: FastAPI, grantee: Person, grantor: Person,
              scope: str = "all") -> httpx.Response:
    return await client.post(
        "/me/delegations",
        json={"grantor_common_id": grantor.id, "scope": scope},
        headers=bearer(app, grantee),
    )


def acts_for(app: FastAPI, actor: Person, subject: Person, scope: str = "all") -> bool:
    with Session(app.state.engine) as session:
        return may_act_for(session, actor, subject, scope, today=TODAY)


def ledger(app: FastAPI) -> list[tuple[str, str, bool]]:
    with Session(app.state.engine) as session:
        rows = session.scalars(select(ConsentRecord).order_by(ConsentRecord.id)).all()
    return [(row.person_id, row.actor_person_id, row.granted) for row in rows]


@pytest.mark.anyio
async def test_request_accept_and_revoke(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url)
    mother = make_person(app, name="美作 ハナ", birthdate=date(1944, 2, 11))
    son = make_person(app, name="美作 一郎", birthdate=date(1975, 1, 1))
    stranger = make_person(app)

    async with asgi_client(app) as client:
        asked = await ask(client, app, son, mother)
        assert asked.status_code == 201
        delegation = asked.json()
        assert delegation["status"] == "pending"
        assert delegation["direction"] == "for_me"
        assert not acts_for(app, son, mother)
        assert (await ask(client, app, son, mother)).status_code == 409  # already pending

        url = f"/me/delegations/{delegation['id']}"
        # The grantee cannot accept or decline their own request; a stranger sees nothing.
        wrong = await client.post(f"{url}/accept", json=acceptance(), headers=bearer(app, son))
        assert wrong.status_code == 403
        assert (await client.post(f"{url}/decline", headers=bearer(app, son))).status_code == 403
        for action in ("accept", "decline", "revoke"):
            response = await client.post(f"{url}/{action}", json=acceptance(),
                                         headers=bearer(app, stranger))
            assert response.status_code == 404
        stale = await client.post(f"{url}/accept", json={**acceptance(), "version": 9},
                                  headers=bearer(app, mother))
        assert stale.status_code == 409

        accepted = await client.post(f"{url}/accept", json=acceptance(),
                                     headers=bearer(app, mother))
        assert accepted.status_code == 200
        assert accepted.json()["status"] == "active"
        assert accepted.json()["direction"] == "granted_by_me"
        assert acts_for(app, son, mother) and acts_for(app, son, mother, "health")
        assert not acts_for(app, mother, son)  # not the other way round
        assert (await client.post(f"{url}/accept", json=acceptance(),
                                  headers=bearer(app, mother))).status_code == 409

        profile = await client.get(f"/people/{mother.id}", headers=bearer(app, son))
        assert profile.status_code == 200 and profile.json()["name"] == "美作 ハナ"
        assert (await client.get(f"/people/{mother.id}",
                                 headers=bearer(app, stranger))).status_code == 404

        listed_by_mother = (await client.get("/me/delegations",
                                             headers=bearer(app, mother))).json()
        listed_by_son = (await client.get("/me/delegations", headers=bearer(app, son))).json()
        listed_by_stranger = (await client.get("/me/delegations",
                                               headers=bearer(app, stranger))).json()
        assert [d["id"] for d in listed_by_mother["delegations"]] == [delegation["id"]]
        assert [d["id"] for d in listed_by_son["delegations"]] == [delegation["id"]]
        assert listed_by_stranger == {"delegations": []}

        revoked = await client.post(f"{url}/revoke", headers=bearer(app, son))
        assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
        assert (await client.post(f"{url}/revoke", headers=bearer(app, mother))).status_code == 409

    assert not acts_for(app, son, mother)
    assert ledger(app) == [(mother.id, mother.id, True), (mother.id, son.id, False)]
    with Session(app.state.engine) as session:
        logged = session.scalars(select(AccessLogEntry)).all()
    assert [(e.subject_person_id, e.actor_person_id, e.actor_kind, e.resource)
            for e in logged] == [(mother.id, son.id, "delegate", "profile")]


@pytest.mark.anyio
async def test_decline_and_revoke_by_the_grantor(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url)
    grantor = make_person(app)
    grantee = make_person(app)
    async with asgi_client(app) as client:
        first = (await ask(client, app, grantee, grantor, "procedures")).json()
        declined = await client.post(f"/me/delegations/{first['id']}/decline",
                                     headers=bearer(app, grantor))
        assert declined.json()["status"] == "declined"
        assert (await client.post(f"/me/delegations/{first['id']}/accept", json=acceptance(),
                                  headers=bearer(app, grantor))).status_code == 409

        second = (await ask(client, app, grantee, grantor, "procedures")).json()
        await client.post(f"/me/delegations/{second['id']}/accept", json=acceptance(),
                          headers=bearer(app, grantor))
        assert acts_for(app, grantee, grantor, "procedures")
        assert not acts_for(app, grantee, grantor, "health")  # outside the scope
        assert not acts_for(app, grantee, grantor)  # "all" needs an "all" delegation
        revoked = await client.post(f"/me/delegations/{second['id']}/revoke",
                                    headers=bearer(app, grantor))
        assert revoked.json()["status"] == "revoked"
    assert not acts_for(app, grantee, grantor, "procedures")
    assert [granted for _, _, granted in ledger(app)] == [False, True, False]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"grantor_common_id": "00000000-0000-0000-0000-000000000000"}, 404),
        ({"grantor_common_id": "SELF"}, 422),
        ({"grantor_common_id": "OTHER", "scope": "everything"}, 422),
    ],
)
@pytest.mark.anyio
async def test_bad_requests(database_url: str, make_app: MakeApp, body: dict[str, str],
                            status: int) -> None:
    app = make_app(database_url)
    me = make_person(app)
    other = make_person(app)
    body = {k: v.replace("SELF", me.id).replace("OTHER", other.id) for k, v in body.items()}
    async with asgi_client(app) as client:
        response = await client.post("/me/delegations", json=body, headers=bearer(app, me))
    assert response.status_code == status


def test_parent_acts_for_a_minor_child_but_not_an_adult_child(
    database_url: str, make_app: MakeApp
) -> None:
    app = make_app(database_url)
    parent = make_person(app, birthdate=date(1980, 1, 1))
    spouse = make_person(app, birthdate=date(1982, 1, 1))
    minor = make_person(app, birthdate=date(2008, 11, 25))  # 18 tomorrow
    adult = make_person(app, birthdate=date(2008, 11, 24))  # 18 today
    make_household(app, [(parent, "self", None), (spouse, "spouse", None),
                         (minor, "child", None), (adult, "child", None)])
    other_parent = make_person(app, birthdate=date(1980, 1, 1))
    other_child = make_person(app, birthdate=date(2015, 1, 1))
    make_household(app, [(other_parent, "self", None), (other_child, "child", None)])

    assert acts_for(app, parent, parent)
    assert acts_for(app, parent, minor) and acts_for(app, spouse, minor)
    assert not acts_for(app, parent, adult)
    assert not acts_for(app, minor, parent)  # children do not act for parents
    assert not acts_for(app, parent, spouse)  # spouses need a delegation
    assert not acts_for(app, parent, other_child)
    assert not acts_for(app, other_parent, minor)


@pytest.mark.anyio
async def test_a_common_id_alone_does_not_reveal_a_name(database_url: str, make_app) -> None:
    """The grantee sees the grantor's name only after the grantor accepted; the grantor always
    sees who asks."""
    from tests.backend.asgi_client import asgi_client
    from tests.backend.people import bearer, make_person

    app = make_app(database_url)
    asker = make_person(app, name="申請 する人")
    target = make_person(app, name="秘密 の名前")
    async with asgi_client(app) as client:
        asked = await client.post("/me/delegations", headers=bearer(app, asker),
                                  json={"grantor_common_id": target.id})
        assert asked.status_code == 201
        assert asked.json()["other_name"] == ""
        assert "秘密" not in asked.text
        mine = (await client.get("/me/delegations", headers=bearer(app, target))).json()
        assert mine["delegations"][0]["other_name"] == "申請 する人"
