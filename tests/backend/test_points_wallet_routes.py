"""The resident routes of the wallet and of earning over HTTP: wallet, history, receipt,
claims, rules; acting for a minor child or a delegator (logged in their access log)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from sqlmodel import Session, col, select

from backend.models import Delegation, Person
from backend.services.clock import utc_now
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_household, make_person
from tests.backend.points_earning_helpers import claim, issue

pytestmark = pytest.mark.anyio


@pytest.fixture
def app(database_url: str, make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app(database_url)


@pytest.fixture
def staff(app: FastAPI) -> Person:
    return make_person(app, role="staff", name="職員 みのり", departments=("points",))


def _key() -> str:
    return f"key-{uuid.uuid4()}"


async def test_claim_then_wallet_history_and_receipt(app: FastAPI, staff: Person) -> None:
    taro = make_person(app, name="津山 太郎")
    code = issue(app, staff, label="津山まつり 受付")
    key = _key()
    async with asgi_client(app) as client:
        made = await client.post("/points/claims", headers=bearer(app, taro),
                                 json={"code": code, "idempotency_key": key})
        again = await client.post("/points/claims", headers=bearer(app, taro),
                                  json={"code": code, "idempotency_key": key})
        twice = await client.post("/points/claims", headers=bearer(app, taro),
                                  json={"code": code, "idempotency_key": _key()})
        reused = await client.post("/points/claims", headers=bearer(app, taro),
                                   json={"code": issue(app, staff), "idempotency_key": key})
        forged = await client.post("/points/claims", headers=bearer(app, taro),
                                   json={"code": code[:-4] + "AAAA", "idempotency_key": _key()})
        bad_key = await client.post("/points/claims", headers=bearer(app, taro),
                                    json={"code": code, "idempotency_key": "no spaces!"})
        wallet = await client.get("/points/wallet", headers=bearer(app, taro))
        history = await client.get("/points/history", headers=bearer(app, taro),
                                   params={"kind": "earn"})
        transfer_id = made.json()["transfer"]["id"]
        receipt = await client.get(f"/points/transfers/{transfer_id}/receipt",
                                   headers=bearer(app, taro))
        other = make_person(app)
        not_yours = await client.get(f"/points/transfers/{transfer_id}/receipt",
                                     headers=bearer(app, other))
        pulled = await client.get("/sync/pull", headers=bearer(app, taro))
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["transfer"]["amount"] == 50 and body["transfer"]["purpose"] == "event"
    assert body["rule"]["id"] == "event-checkin" and body["label"] == "津山まつり 受付"
    assert again.status_code == 201 and again.json()["transfer"]["id"] == transfer_id
    assert again.json()["replayed"] is True
    assert (twice.status_code, twice.json()["detail"]["code"]) == (409, "already_claimed")
    assert (reused.status_code, reused.json()["detail"]["code"]) == (
        409, "idempotency_key_reused")
    assert (forged.status_code, forged.json()["detail"]["code"]) == (422, "bad_signature")
    assert bad_key.status_code == 422
    assert wallet.status_code == 200
    assert wallet.json()["balance"] == 50 and wallet.json()["person_id"] == taro.id
    assert wallet.json()["pin_set"] is False and wallet.json()["expiring"][0]["amount"] == 50
    assert [item["id"] for item in history.json()["items"]] == [transfer_id]
    assert receipt.status_code == 200 and receipt.json()["balance_after"] == 50
    assert not_yours.status_code == 404
    claims = [c for c in pulled.json()["changes"] if c["collection"] == "points_claims"]
    assert [(c["key"], c["data"]["amount"]) for c in claims] == [(key, 50)]


async def test_codes_that_are_not_valid_now(app: FastAPI, staff: Person) -> None:
    taro = make_person(app)
    now = utc_now()
    future = issue(app, staff, valid_from=now + timedelta(days=1),
                   valid_until=now + timedelta(days=2))
    async with asgi_client(app) as client:
        early = await client.post("/points/claims", headers=bearer(app, taro),
                                  json={"code": future, "idempotency_key": _key()})
        too_long = await client.post("/points/claims", headers=bearer(app, taro),
                                     json={"code": "x" * 5000, "idempotency_key": _key()})
        anonymous = await client.post("/points/claims",
                                      json={"code": future, "idempotency_key": _key()})
    assert (early.status_code, early.json()["detail"]["code"]) == (422, "not_yet_valid")
    assert too_long.status_code == 422
    assert anonymous.status_code == 401


async def test_rules_are_public(app: FastAPI) -> None:
    async with asgi_client(app) as client:
        answer = await client.get("/points/rules")
    assert answer.status_code == 200
    rules = {rule["id"]: rule for rule in answer.json()["rules"]}
    assert rules["recycling-point"]["caps"] == {"daily": 1, "yearly": 100}
    assert rules["health-check"]["how"] == ["staff"]
    assert rules["event-checkin"]["name_ja"] == "市のイベントに参加"


async def test_a_parent_sees_a_minor_childs_wallet_logged(app: FastAPI, staff: Person) -> None:
    parent = make_person(app, name="津山 花子", birthdate=date(1986, 7, 3))
    child = make_person(app, name="津山 陽翔", birthdate=date(2015, 5, 20))
    make_household(app, [(parent, "self", None), (child, "child", None)])
    stranger = make_person(app, name="他人")
    claim(app, child, issue(app, staff))
    async with asgi_client(app) as client:
        wallet = await client.get("/points/wallet", headers=bearer(app, parent),
                                  params={"person_id": child.id})
        history = await client.get("/points/history", headers=bearer(app, parent),
                                   params={"person_id": child.id})
        refused = await client.get("/points/wallet", headers=bearer(app, stranger),
                                   params={"person_id": child.id})
        refused_history = await client.get("/points/history", headers=bearer(app, stranger),
                                           params={"person_id": child.id})
        unknown = await client.get("/points/wallet", headers=bearer(app, parent),
                                   params={"person_id": str(uuid.uuid4())})
        bad_month = await client.get("/points/history", headers=bearer(app, parent),
                                     params={"month": "2026-13"})
        log = await client.get("/me/access-log", headers=bearer(app, child))
    assert wallet.status_code == 200 and wallet.json()["balance"] == 50
    assert wallet.json()["person_id"] == child.id
    assert len(history.json()["items"]) == 1
    assert refused.status_code == 404 and refused_history.status_code == 404
    assert unknown.status_code == 404
    assert bad_month.status_code == 422
    entries = log.json()["entries"]
    assert {(e["actor_kind"], e["actor_common_id"], e["resource"]) for e in entries} == {
        ("delegate", parent.id, "points wallet"), ("delegate", parent.id, "points history")}


async def test_a_delegate_sees_the_delegators_wallet(app: FastAPI, staff: Person) -> None:
    grantor = make_person(app, name="美作 ハナ", birthdate=date(1944, 2, 11))
    helper = make_person(app, name="代理 一郎")
    now = utc_now()
    with Session(app.state.engine) as session:
        session.add(Delegation(id=str(uuid.uuid4()), municipality_code="332038",
                               grantor_person_id=grantor.id, grantee_person_id=helper.id,
                               scope="all", status="active", requested_at=now, decided_at=now,
                               consent_text_version=1))
        session.commit()
        assert session.exec(select(Delegation).where(
            col(Delegation.grantor_person_id) == grantor.id)).one()
    async with asgi_client(app) as client:
        wallet = await client.get("/points/wallet", headers=bearer(app, helper),
                                  params={"person_id": grantor.id})
        reverse = await client.get("/points/wallet", headers=bearer(app, grantor),
                                   params={"person_id": helper.id})
    assert wallet.status_code == 200, wallet.text
    assert wallet.json()["balance"] == 0
    assert reverse.status_code == 404


async def test_my_data_lists_the_claims(app: FastAPI, staff: Person) -> None:
    taro = make_person(app)
    claim(app, taro, issue(app, staff, label="津山まつり"))
    async with asgi_client(app) as client:
        exported = await client.get("/me/export", headers=bearer(app, taro))
    assert exported.status_code == 200, exported.text
    earning = exported.json()["tiles"]["points"]["points_earning"]
    assert [(c["rule_id"], c["label"], c["amount"]) for c in earning["claims"]] == [
        ("event-checkin", "津山まつり", 50)]
    assert earning["district_opt_ins"] == [] and earning["district_grants"] == []
