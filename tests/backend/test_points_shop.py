"""The shop clerk's side of points payments (docs/points.md "Shop clerk"): the shop's codes,
charging a customer's code once, the day's takings, refunds, other shops refused, and the
demo shop with its clerk persona. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import Session

from backend.identity.dev_idp.personas import GONGO
from backend.models import Person
from backend.services.clock import city_today
from backend.tiles.points.customer_codes import (
    LIFETIME,
    CustomerCodeRefused,
    code_key,
    issue_code,
    use_code,
)
from backend.tiles.points.demo_shop import (
    DEMO_MERCHANT_ID,
    DEMO_SHOP_NAME,
    demo_merchant,
    demo_shop_id,
    load_demo_shop,
)
from backend.tiles.points.emv_qr import build_jpqr, read_jpqr
from backend.tiles.points.models import PointsShop
from backend.tiles.points.payment_models import ShopClerk
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_person
from tests.backend.points_payment_helpers import (
    PIN,
    give_points,
    make_shop,
    new_key,
    points_of,
    resident,
    with_pin,
)

pytestmark = pytest.mark.anyio
T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def code_of(response: object) -> str:
    return response.json()["detail"]["code"]  # type: ignore[attr-defined, no-any-return]


def no_demo(make_app, database_url: str) -> FastAPI:  # type: ignore[no-untyped-def]
    return make_app(database_url, load_demo_data=False)  # type: ignore[no-any-return]


async def test_a_clerk_sees_their_shops_and_its_codes(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = no_demo(make_app, database_url)
    clerk, stranger = resident(app, "店員 花子"), resident(app, "通行 人")
    shop = make_shop(app, clerk=clerk)
    async with asgi_client(app) as client:
        mine = await client.get("/points/shops/mine", headers=bearer(app, clerk))
        none = await client.get("/points/shops/mine", headers=bearer(app, stranger))
        static = await client.get(f"/points/shops/{shop.id}/jpqr", headers=bearer(app, clerk))
        dynamic = await client.get(f"/points/shops/{shop.id}/jpqr", params={"amount": 1200},
                                   headers=bearer(app, clerk))
        bad_amounts = [await client.get(f"/points/shops/{shop.id}/jpqr",
                                        params={"amount": amount}, headers=bearer(app, clerk))
                       for amount in (0, -1, "x", 10**12)]
    assert mine.json()["shops"] == [{
        "id": shop.id, "name": "テスト商店", "category": "和菓子・土産",
        "merchant_id": "9990000000017", "postal_code": "708-0841"}]
    assert none.json() == {"shops": []}
    code = read_jpqr(static.json()["payload"])
    assert (code.merchant_id, code.name_ja, code.dynamic, code.amount) == (
        "9990000000017", "テスト商店", False, None)
    assert static.json()["dynamic"] is False
    moving = read_jpqr(dynamic.json()["payload"])
    assert (moving.dynamic, moving.amount, moving.reference) == (
        True, 1200, dynamic.json()["reference"])
    assert [r.status_code for r in bad_amounts] == [422] * 4


async def test_charging_a_customer_code_once(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = no_demo(make_app, database_url)
    clerk = resident(app, "店員 花子")
    shop = make_shop(app, clerk=clerk)
    other_shop = make_shop(app, name="別の店", merchant_id="9990000000024",
                           clerk=resident(app, "別 店員"))
    customer = resident(app, "客 一郎")
    give_points(app, customer, 500)
    url = f"/points/shops/{shop.id}/charges"
    async with asgi_client(app) as client:
        await with_pin(client, app, customer)
        token = (await client.post("/points/customer-codes", json={"pin": PIN},
                                   headers=bearer(app, customer))).json()["token"]
        key = new_key()
        charged = await client.post(url, headers=bearer(app, clerk), json={
            "customer_token": token, "amount": 200, "idempotency_key": key})
        replay = await client.post(url, headers=bearer(app, clerk), json={
            "customer_token": token, "amount": 200, "idempotency_key": key})
        reused = await client.post(url, headers=bearer(app, clerk), json={
            "customer_token": token, "amount": 200, "idempotency_key": new_key()})
        forged = await client.post(url, headers=bearer(app, clerk), json={
            "customer_token": token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB"),
            "amount": 1, "idempotency_key": new_key()})
        garbage = [await client.post(url, headers=bearer(app, clerk), json={
            "customer_token": text, "amount": 1, "idempotency_key": new_key()})
            for text in ("hello", "TPC1.!!.??", "TPC1..", "x" * 81)]
        not_clerk = await client.post(f"/points/shops/{other_shop.id}/charges",
                                      headers=bearer(app, clerk), json={
            "customer_token": token, "amount": 1, "idempotency_key": new_key()})
    assert charged.status_code == 201, charged.text
    receipt = charged.json()
    assert (receipt["kind"], receipt["amount"], receipt["shop"]["id"]) == ("pay", 200, shop.id)
    assert receipt["balance_after"] is None  # the shop never sees the customer's balance
    assert customer.id not in charged.text and customer.name not in charged.text
    assert replay.status_code == 201 and replay.json()["id"] == receipt["id"]
    assert (reused.status_code, code_of(reused)) == (409, "token_used")
    assert (forged.status_code, code_of(forged)) == (422, "bad_token")
    assert [g.status_code for g in garbage] == [422] * 4
    assert [code_of(g) for g in garbage[:3]] == ["bad_token"] * 3
    assert not_clerk.status_code == 404
    assert points_of(app, customer) == 300


async def test_an_expired_or_refused_code(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = no_demo(make_app, database_url)
    engine, key = app.state.engine, code_key(app.state.signing_key)
    clerk = resident(app, "店員 花子")
    shop = make_shop(app, clerk=clerk)
    customer = resident(app, "客 一郎")
    old = issue_code(engine, key, customer.id, "332038", T0)
    with pytest.raises(CustomerCodeRefused) as expired:
        use_code(engine, key, old.token, shop_id=shop.id, charge_key="k-expired",
                 now=T0 + LIFETIME)
    assert expired.value.code == "token_expired"
    used = use_code(engine, key, issue_code(engine, key, customer.id, "332038", T0).token,
                    shop_id=shop.id, charge_key="k-1", now=T0 + timedelta(seconds=59))
    assert used.person_id == customer.id
    # A code other backend keys signed is refused before any database read.
    with pytest.raises(CustomerCodeRefused) as foreign:
        use_code(engine, b"another key" * 3, old.token, shop_id=shop.id, charge_key="k-2",
                 now=T0)
    assert foreign.value.code == "bad_token"
    # Too few points: refused, and the code can still be used while valid.
    async with asgi_client(app) as client:
        await with_pin(client, app, customer)
        token = (await client.post("/points/customer-codes", json={"pin": PIN},
                                   headers=bearer(app, customer))).json()["token"]
        url = f"/points/shops/{shop.id}/charges"
        short = await client.post(url, headers=bearer(app, clerk), json={
            "customer_token": token, "amount": 50, "idempotency_key": new_key()})
        give_points(app, customer, 60)
        paid = await client.post(url, headers=bearer(app, clerk), json={
            "customer_token": token, "amount": 50, "idempotency_key": new_key()})
    assert (short.status_code, code_of(short)) == (409, "insufficient_points")
    assert paid.status_code == 201 and points_of(app, customer) == 10


async def _pay(client, app: FastAPI, shop: PointsShop, clerk: Person, customer: Person,  # type: ignore[no-untyped-def]
               amount: int) -> str:
    token = (await client.post("/points/customer-codes", json={"pin": PIN},
                               headers=bearer(app, customer))).json()["token"]
    answer = await client.post(f"/points/shops/{shop.id}/charges", headers=bearer(app, clerk),
                               json={"customer_token": token, "amount": amount,
                                     "idempotency_key": new_key()})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def test_takings_and_refunds(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = no_demo(make_app, database_url)
    clerk, other_clerk = resident(app, "店員 花子"), resident(app, "別 店員")
    shop = make_shop(app, clerk=clerk)
    other_shop = make_shop(app, name="別の店", merchant_id="9990000000024", clerk=other_clerk)
    customer = resident(app, "客 一郎")
    give_points(app, customer, 1000)
    async with asgi_client(app) as client:
        await with_pin(client, app, customer)
        first = await _pay(client, app, shop, clerk, customer, 300)
        second = await _pay(client, app, shop, clerk, customer, 100)
        elsewhere = await _pay(client, app, other_shop, other_clerk, customer, 50)
        url = f"/points/shops/{shop.id}/refunds"
        key = new_key()
        partial = await client.post(url, headers=bearer(app, clerk), json={
            "transfer_id": first, "amount": 120, "reason": "返品", "idempotency_key": key})
        replay = await client.post(url, headers=bearer(app, clerk), json={
            "transfer_id": first, "amount": 120, "reason": "返品", "idempotency_key": key})
        too_large = await client.post(url, headers=bearer(app, clerk), json={
            "transfer_id": first, "amount": 181, "reason": "返品", "idempotency_key": new_key()})
        not_ours = await client.post(url, headers=bearer(app, clerk), json={
            "transfer_id": elsewhere, "reason": "返品", "idempotency_key": new_key()})
        of_refund = await client.post(url, headers=bearer(app, clerk), json={
            "transfer_id": partial.json()["id"], "reason": "返品",
            "idempotency_key": new_key()})
        unknown = await client.post(url, headers=bearer(app, clerk), json={
            "transfer_id": "no-such-transfer", "reason": "返品", "idempotency_key": new_key()})
        bad = [await client.post(url, headers=bearer(app, clerk), json=body) for body in (
            {"transfer_id": first, "reason": "", "idempotency_key": new_key()},
            {"transfer_id": first, "reason": "x", "amount": 0, "idempotency_key": new_key()},
            {"transfer_id": first, "reason": "x", "idempotency_key": "?"},
        )]
        rest = await client.post(url, headers=bearer(app, clerk), json={
            "transfer_id": second, "reason": "取消", "idempotency_key": new_key()})
        today = await client.get(f"/points/shops/{shop.id}/takings", headers=bearer(app, clerk))
        other_day = await client.get(f"/points/shops/{shop.id}/takings",
                                     params={"day": (city_today() - timedelta(days=1))
                                             .isoformat()}, headers=bearer(app, clerk))
        bad_day = await client.get(f"/points/shops/{shop.id}/takings",
                                   params={"day": "2026-02-30"}, headers=bearer(app, clerk))
        theirs = await client.get(f"/points/shops/{other_shop.id}/takings",
                                  headers=bearer(app, clerk))
    assert partial.status_code == 201, partial.text
    assert (partial.json()["kind"], partial.json()["amount"], partial.json()["refund_of"]) == (
        "refund", 120, first)
    assert replay.status_code == 201 and replay.json()["id"] == partial.json()["id"]
    assert (too_large.status_code, code_of(too_large)) == (409, "refund_too_large")
    assert not_ours.status_code == 404 and unknown.status_code == 404
    assert of_refund.status_code == 404  # a refund goes to the customer, not the shop
    assert [b.status_code for b in bad] == [422] * 3
    assert rest.status_code == 201 and rest.json()["amount"] == 100
    assert points_of(app, customer) == 1000 - 300 - 50 + 120
    takings = today.json()
    assert takings["day"] == city_today().isoformat()
    assert (takings["total"], takings["count"]) == (300 + 100 - 120 - 100, 2)
    by_id = {item["id"]: item for item in takings["items"]}
    assert by_id[first]["refunded"] == 120 and by_id[second]["refunded"] == 100
    assert elsewhere not in by_id and customer.id not in today.text
    assert other_day.json() == {"day": (city_today() - timedelta(days=1)).isoformat(),
                                "total": 0, "count": 0, "items": []}
    assert bad_day.status_code == 422
    assert theirs.status_code == 404


async def test_shop_routes_refuse_non_clerks_alike(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app = no_demo(make_app, database_url)
    shop = make_shop(app, clerk=resident(app, "店員 花子"))
    stranger = resident(app, "通行 人")
    async with asgi_client(app) as client:
        answers = [
            await client.get(f"/points/shops/{shop_id}/jpqr", headers=bearer(app, stranger))
            for shop_id in (shop.id, "no-such-shop")]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].json() == answers[1].json()


async def test_the_demo_shop_and_its_clerk(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app: FastAPI = make_app(database_url)  # demo data on, the development provider in use
    settings, engine = app.state.settings, app.state.engine
    assert load_demo_shop(engine, settings) is False  # added at start-up: nothing new
    with Session(engine) as session:
        shop = session.get(PointsShop, demo_shop_id(settings.municipality_code))
        assert session.scalars(select(ShopClerk)).all() == []  # nobody has logged in
        assert session.scalars(select(Person)).all() == []
    assert shop is not None and (shop.name, shop.merchant_id) == (DEMO_SHOP_NAME,
                                                                   DEMO_MERCHANT_ID)
    assert shop.postal_code.startswith("708-") and shop.category == "和菓子・土産"
    # The persona's common ID, as its first login makes it; and someone else at another
    # provider with the same subject, who gets nothing.
    clerk = make_person(app, name=GONGO.name, upstream_issuer=settings.dev_idp_issuer,
                        upstream_subject=GONGO.sub)
    lookalike = make_person(app, upstream_subject=GONGO.sub)
    async with asgi_client(app) as client:
        first = await client.get("/points/shops/mine", headers=bearer(app, clerk))
        again = await client.get("/points/shops/mine", headers=bearer(app, clerk))
        other = await client.get("/points/shops/mine", headers=bearer(app, lookalike))
        code = await client.get(f"/points/shops/{shop.id}/jpqr", headers=bearer(app, clerk))
    assert [s["name"] for s in first.json()["shops"]] == [DEMO_SHOP_NAME]
    assert again.json() == first.json() and other.json() == {"shops": []}
    assert read_jpqr(code.json()["payload"]).merchant_id == DEMO_MERCHANT_ID
    with Session(engine) as session:
        assert [c.person_id for c in session.scalars(select(ShopClerk))] == [clerk.id]


def test_no_demo_shop_without_demo_data(tmp_path: Path, make_app) -> None:  # type: ignore[no-untyped-def]
    app: FastAPI = make_app(f"sqlite:///{tmp_path / 'b.sqlite3'}", load_demo_data=False)
    with Session(app.state.engine) as session:
        assert session.scalars(select(PointsShop)).all() == []
        assert session.scalars(select(ShopClerk)).all() == []


def test_the_demo_jpqr_picture_holds_the_builders_payload() -> None:
    """assets/points/tsuyama_demo/gongo_static_jpqr.png is drawn by scripts/make_demo_jpqr.py
    from this payload (kept beside it); run the script when this fails."""
    kept = (Path(__file__).resolve().parents[2] / "assets" / "points" / "tsuyama_demo"
            / "gongo_static_jpqr.txt").read_text("utf-8").strip()
    assert kept == build_jpqr(demo_merchant())
    code = read_jpqr(kept)
    assert (code.merchant_id, code.name_ja, code.dynamic) == (DEMO_MERCHANT_ID, DEMO_SHOP_NAME,
                                                              False)
