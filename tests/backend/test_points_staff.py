"""Staff routes of the points tile (地域振興課): shops and clerks, totals, a resident's
history (logged), grants, earn codes, corrections, expiry runs; other departments refused."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.models import Person
from backend.services.clock import utc_now
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_person
from tests.backend.points_earning_helpers import points_of

pytestmark = pytest.mark.anyio

SHOP = {"name": "ごんご商店 テスト", "merchant_id": "9990000000001", "category": "和菓子・土産",
        "postal_code": "7080022"}


@pytest.fixture
def app(database_url: str, make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app(database_url)


@pytest.fixture
def staff(app: FastAPI) -> Person:
    return make_person(app, role="staff", name="職員 みのり", departments=("points",))


def _key() -> str:
    return f"key-{uuid.uuid4()}"


async def test_register_shops_and_clerks(app: FastAPI, staff: Person) -> None:
    clerk = make_person(app, name="店員 ごんご")
    headers = bearer(app, staff)
    async with asgi_client(app) as client:
        made = await client.post("/staff/points/shops", headers=headers, json=SHOP)
        shop_id = made.json()["id"]
        duplicate = await client.post("/staff/points/shops", headers=headers,
                                      json={**SHOP, "name": "別の店"})
        bad = [await client.post("/staff/points/shops", headers=headers, json={**SHOP, **change})
               for change in ({"merchant_id": "123"}, {"postal_code": "70800"},
                              {"name": "   "}, {"category": ""}, {"merchant_id": "１２３"})]
        put = await client.put(f"/staff/points/shops/{shop_id}/clerks/{clerk.id}",
                               headers=headers)
        put_again = await client.put(f"/staff/points/shops/{shop_id}/clerks/{clerk.id}",
                                     headers=headers)
        nobody = await client.put(f"/staff/points/shops/{shop_id}/clerks/{uuid.uuid4()}",
                                  headers=headers)
        no_shop = await client.put(f"/staff/points/shops/{uuid.uuid4()}/clerks/{clerk.id}",
                                   headers=headers)
        mine = await client.get("/points/shops/mine", headers=bearer(app, clerk))
        listed = await client.get("/staff/points/shops", headers=headers)
        ended = await client.delete(f"/staff/points/shops/{shop_id}/clerks/{clerk.id}",
                                    headers=headers)
        ended_again = await client.delete(f"/staff/points/shops/{shop_id}/clerks/{clerk.id}",
                                          headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["postal_code"] == "708-0022" and made.json()["clerks"] == []
    assert (duplicate.status_code, duplicate.json()["detail"]["code"]) == (
        409, "merchant_id_taken")
    assert [answer.status_code for answer in bad] == [422] * 5
    assert put.json() == {"shop_id": shop_id, "person_id": clerk.id, "added": True}
    assert put_again.json()["added"] is False
    assert nobody.status_code == 404 and no_shop.status_code == 404
    if mine.status_code == 200:  # H2's route: the clerk sees the shop
        assert [s["id"] for s in mine.json()["shops"]] == [shop_id]
    shops = {s["id"]: s for s in listed.json()["shops"]}
    assert shops[shop_id]["clerks"] == [clerk.id]
    assert ended.status_code == 204 and ended_again.status_code == 404


async def _grant(client: httpx.AsyncClient, app: FastAPI, staff: Person, person: Person,
                 key: str, rule_id: str = "health-check", reason: str = "特定健診の受診を確認"
                 ) -> httpx.Response:
    return await client.post("/staff/points/grants", headers=bearer(app, staff), json={
        "person_id": person.id, "rule_id": rule_id, "reason": reason, "idempotency_key": key})


async def test_grants_history_totals_and_corrections(app: FastAPI, staff: Person) -> None:
    taro = make_person(app, name="津山 太郎", birthdate=date(1981, 4, 12))
    headers = bearer(app, staff)
    key = _key()
    async with asgi_client(app) as client:
        granted = await _grant(client, app, staff, taro, key)
        replay = await _grant(client, app, staff, taro, key)
        capped = await _grant(client, app, staff, taro, _key())
        by_code = await _grant(client, app, staff, taro, _key(), rule_id="recycling-point")
        unknown = await _grant(client, app, staff, taro, _key(), rule_id="no-such-rule")
        nobody = await client.post("/staff/points/grants", headers=headers, json={
            "person_id": str(uuid.uuid4()), "rule_id": "health-check", "reason": "確認済み",
            "idempotency_key": _key()})
        self_grant = await client.post("/staff/points/grants", headers=headers, json={
            "person_id": staff.id, "rule_id": "stamp-rally", "reason": "確認済み",
            "idempotency_key": _key()})
        history = await client.get(f"/staff/points/residents/{taro.id}/history",
                                   headers=headers, params={"purpose": "健診ポイントの問い合わせ"})
        no_purpose = await client.get(f"/staff/points/residents/{taro.id}/history",
                                      headers=headers, params={"purpose": "  "})
        totals = await client.get("/staff/points/totals", headers=headers)
        transfer_id = granted.json()["transfer"]["id"]
        fix = {"transfer_id": transfer_id, "reason": "受診日の誤り", "idempotency_key": _key()}
        corrected = await client.post("/staff/points/corrections", headers=headers, json=fix)
        corrected_again = await client.post("/staff/points/corrections", headers=headers,
                                            json=fix)
        missing = await client.post("/staff/points/corrections", headers=headers, json={
            "transfer_id": str(uuid.uuid4()), "reason": "金額の誤り", "idempotency_key": _key()})
        log = await client.get("/me/access-log", headers=bearer(app, taro))
    assert granted.status_code == 201, granted.text
    assert granted.json()["transfer"]["amount"] == 500 and granted.json()["person_id"] == taro.id
    assert replay.status_code == 201 and replay.json()["transfer"]["id"] == transfer_id
    assert (capped.status_code, capped.json()["detail"]["code"]) == (409, "cap_reached")
    assert capped.json()["detail"]["cap"] == "daily"
    assert (by_code.status_code, by_code.json()["detail"]["code"]) == (
        422, "rule_not_granted_by_staff")
    assert (unknown.status_code, unknown.json()["detail"]["code"]) == (422, "unknown_rule")
    assert nobody.status_code == 404
    assert (self_grant.status_code, self_grant.json()["detail"]["code"]) == (403, "own_account")
    assert history.status_code == 200
    assert [item["id"] for item in history.json()["items"]] == [transfer_id]
    assert no_purpose.status_code == 422
    figures = totals.json()
    assert figures["issued"] == 500 and figures["outstanding"] == 500
    assert figures["residents"] == 1
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["kind"] == "correction" and corrected.json()["corrects"] == transfer_id
    assert corrected_again.json()["id"] == corrected.json()["id"]
    assert missing.status_code == 404
    assert points_of(app, taro) == 0
    entries = log.json()["entries"]
    assert [(e["actor_kind"], e["actor_common_id"], e["purpose"], e["resource"])
            for e in entries] == [("staff", staff.id, "健診ポイントの問い合わせ", "points history")]


async def test_earn_codes(app: FastAPI, staff: Person) -> None:
    now = utc_now()
    body: dict[str, Any] = {"rule_id": "event-checkin", "label": "津山まつり 受付",
                            "place": "津山城", "valid_from": now.isoformat(),
                            "valid_until": (now + timedelta(hours=6)).isoformat()}
    taro = make_person(app)
    async with asgi_client(app) as client:
        made = await client.post("/staff/points/earn-codes", headers=bearer(app, staff),
                                 json=body)
        claimed = await client.post("/points/claims", headers=bearer(app, taro),
                                    json={"code": made.json()["code"], "idempotency_key": _key()})
        refused = [await client.post("/staff/points/earn-codes", headers=bearer(app, staff),
                                     json={**body, **change})
                   for change in ({"rule_id": "health-check"}, {"rule_id": "nope"},
                                  {"valid_until": body["valid_from"]},
                                  {"valid_until": (now + timedelta(days=400)).isoformat()},
                                  {"valid_from": "2026-06-01T10:00:00"},  # no time zone
                                  {"label": " "}, {"label": "x" * 61})]
    assert made.status_code == 201, made.text
    assert made.json()["code"].startswith("TSPT1.") and made.json()["place"] == "津山城"
    assert claimed.status_code == 201 and claimed.json()["label"] == "津山まつり 受付"
    assert [(r.status_code, r.json()["detail"]["code"] if isinstance(
        r.json()["detail"], dict) else None) for r in refused] == [
        (422, "rule_not_earned_by_code"), (422, "unknown_rule"), (422, "invalid_request"),
        (422, "invalid_request"), (422, None), (422, None), (422, None)]


async def test_expiry_run(app: FastAPI, staff: Person) -> None:
    async with asgi_client(app) as client:
        ran = await client.post("/staff/points/expiry-runs", headers=bearer(app, staff))
    assert ran.status_code == 200 and ran.json()["accounts"] == 0


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/staff/points/shops"), ("POST", "/staff/points/shops"),
    ("GET", "/staff/points/totals"), ("GET", "/staff/points/districts"),
    ("POST", "/staff/points/grants"),
    ("POST", "/staff/points/earn-codes"), ("POST", "/staff/points/corrections"),
    ("PUT", "/staff/points/district-weights"), ("POST", "/staff/points/expiry-runs"),
])
async def test_other_departments_and_residents_are_refused(app: FastAPI, method: str,
                                                           path: str) -> None:
    waste = make_person(app, role="staff", departments=("waste",))
    resident = make_person(app)
    async with asgi_client(app) as client:
        other = await client.request(method, path, headers=bearer(app, waste), json={})
        plain = await client.request(method, path, headers=bearer(app, resident), json={})
        anonymous = await client.request(method, path, json={})
    assert (other.status_code, other.json()["detail"]["code"]) == (403, "outside_staff_scope")
    assert plain.status_code == 403 and anonymous.status_code == 401
