"""Paying a shop in points from the resident's side (docs/points.md "Payments"): the PIN
and its lockout, previewing and paying a scanned JPQR (static and dynamic), customer codes.
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import Session

from backend.models import as_utc
from backend.tiles.points.customer_codes import LIFETIME
from backend.tiles.points.emv_qr import DataObject, encode_objects, parse_merchant_qr, with_crc
from backend.tiles.points.payment_models import CustomerCode
from backend.tiles.points.pin import (
    MAX_FAILURES,
    PinLocked,
    PinNotSet,
    PinWrong,
    hash_pin,
    lock_length,
    pin_matches,
    pin_state,
    set_pin,
    verify_pin,
)
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_person
from tests.backend.points_payment_helpers import (
    PIN,
    give_points,
    make_shop,
    new_key,
    points_of,
    resident,
    static_code,
    with_pin,
)
from tests.backend.test_points_emv_qr import (
    KENMAZ_JPQR_BAD_CRC,
    MERCARI_JPQR,
    PHANNALY_GENERIC,
)

pytestmark = pytest.mark.anyio
T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def code_of(response: object) -> str:
    return response.json()["detail"]["code"]  # type: ignore[attr-defined, no-any-return]


# --- The PIN --------------------------------------------------------------------------------

def test_pin_hash_is_salted_scrypt_and_checked() -> None:
    first, second = hash_pin("2580"), hash_pin("2580")
    assert first != second and first.startswith("scrypt$16384$8$1$")
    assert pin_matches(first, "2580") and not pin_matches(first, "2581")
    assert not pin_matches("garbage", "2580")


def test_lock_lengths_double_up_to_a_day() -> None:
    assert [lock_length(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (15, 30, 60)]
    assert lock_length(20) == timedelta(days=1)


async def test_pin_lockout_and_its_doubling(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app: FastAPI = make_app(database_url)
    engine = app.state.engine
    person = resident(app)
    with pytest.raises(PinNotSet):
        verify_pin(engine, person.id, PIN, T0)
    set_pin(engine, person.id, "332038", PIN, None, T0)
    left = []
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(PinWrong) as wrong:
            verify_pin(engine, person.id, "0000", T0)
        left.append(wrong.value.details["attempts_left"])
    assert left == [4, 3, 2, 1]
    with pytest.raises(PinLocked) as locked:
        verify_pin(engine, person.id, "0000", T0)
    assert locked.value.details["locked_until"] == (T0 + timedelta(minutes=15)).isoformat()
    # The right PIN is refused while locked, and the lock is the server's state.
    with pytest.raises(PinLocked):
        verify_pin(engine, person.id, PIN, T0 + timedelta(minutes=14))
    assert pin_state(engine, person.id, T0).locked_until == T0 + timedelta(minutes=15)
    # After it, five more wrong lock for twice as long.
    later = T0 + timedelta(minutes=16)
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(PinWrong):
            verify_pin(engine, person.id, "0000", later)
    with pytest.raises(PinLocked) as again:
        verify_pin(engine, person.id, "0000", later)
    assert again.value.details["locked_until"] == (later + timedelta(minutes=30)).isoformat()
    # The right PIN after the lock passes and resets the count.
    verify_pin(engine, person.id, PIN, later + timedelta(minutes=31))
    with pytest.raises(PinWrong) as fresh:
        verify_pin(engine, person.id, "0000", later + timedelta(minutes=31))
    assert fresh.value.details["attempts_left"] == MAX_FAILURES - 1


async def test_pin_route_rules(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app: FastAPI = make_app(database_url)
    person = resident(app)
    headers = bearer(app, person)
    async with asgi_client(app) as client:
        bad = [await client.put("/points/pin", json={"pin": pin}, headers=headers)
               for pin in ("1111", "123", "1234567", "12a4", "１２３４")]
        first = await client.put("/points/pin", json={"pin": PIN}, headers=headers)
        no_current = await client.put("/points/pin", json={"pin": "7391"}, headers=headers)
        wrong_current = await client.put("/points/pin", json={"pin": "7391",
                                                               "current_pin": "0000"},
                                         headers=headers)
        changed = await client.put("/points/pin", json={"pin": "7391", "current_pin": PIN},
                                   headers=headers)
        anonymous = await client.put("/points/pin", json={"pin": PIN})
    assert [(r.status_code, code_of(r)) for r in bad] == [(422, "pin_invalid")] * 5
    assert first.status_code == 204 and changed.status_code == 204
    assert (no_current.status_code, code_of(no_current)) == (409, "current_pin_required")
    assert (wrong_current.status_code, code_of(wrong_current)) == (403, "pin_wrong")
    assert anonymous.status_code == 401
    verify_pin(app.state.engine, person.id, "7391", datetime.now(UTC))


async def test_email_only_accounts_cannot_pay(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app: FastAPI = make_app(database_url)
    visitor = make_person(app, assurance_level="email")
    async with asgi_client(app) as client:
        answers = [await client.put("/points/pin", json={"pin": PIN},
                                    headers=bearer(app, visitor)),
                   await client.post("/points/customer-codes", json={"pin": PIN},
                                     headers=bearer(app, visitor))]
    assert [a.status_code for a in answers] == [403, 403]


# --- Scanning a shop's JPQR -----------------------------------------------------------------

async def test_preview_names_the_shop_or_refuses_with_a_reason(database_url: str,
                                                               make_app) -> None:  # type: ignore[no-untyped-def]
    app: FastAPI = make_app(database_url)
    shop = make_shop(app)
    person = resident(app)
    async with asgi_client(app) as client:
        async def preview(payload: str):  # type: ignore[no-untyped-def]
            return await client.post("/points/payments/preview", json={"qr_payload": payload},
                                     headers=bearer(app, person))

        ok = await preview(static_code(shop))
        refused = {name: await preview(payload) for name, payload in {
            "mercari": MERCARI_JPQR, "phannaly": PHANNALY_GENERIC,
            "kenmaz": KENMAZ_JPQR_BAD_CRC, "garbage": "https://example.com/pay"}.items()}
        too_long = await preview("0" * 5000)
    assert ok.status_code == 200
    assert ok.json() == {"shop": {"id": shop.id, "name": "テスト商店", "category": "和菓子・土産"},
                         "dynamic": False, "amount": None, "currency": "JPY"}
    assert {name: (r.status_code, code_of(r)) for name, r in refused.items()} == {
        "mercari": (422, "unknown_merchant"), "phannaly": (422, "foreign_code"),
        "kenmaz": (422, "crc_mismatch"), "garbage": (422, "malformed")}
    assert too_long.status_code == 422


async def test_paying_a_static_code(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app: FastAPI = make_app(database_url)
    shop = make_shop(app)
    person = resident(app)
    give_points(app, person, 1000)
    headers = bearer(app, person)
    payload = static_code(shop)
    key = new_key()
    async with asgi_client(app) as client:
        not_set = await client.post("/points/payments", headers=headers, json={
            "qr_payload": payload, "amount": 300, "pin": PIN, "idempotency_key": key})
        await with_pin(client, app, person)
        no_amount = await client.post("/points/payments", headers=headers, json={
            "qr_payload": payload, "pin": PIN, "idempotency_key": key})
        wrong_pin = await client.post("/points/payments", headers=headers, json={
            "qr_payload": payload, "amount": 300, "pin": "9999", "idempotency_key": key})
        paid = await client.post("/points/payments", headers=headers, json={
            "qr_payload": payload, "amount": 300, "pin": PIN, "idempotency_key": key})
        again = await client.post("/points/payments", headers=headers, json={
            "qr_payload": payload, "amount": 300, "pin": PIN, "idempotency_key": key})
        other_amount = await client.post("/points/payments", headers=headers, json={
            "qr_payload": payload, "amount": 301, "pin": PIN, "idempotency_key": key})
        too_much = await client.post("/points/payments", headers=headers, json={
            "qr_payload": payload, "amount": 701, "pin": PIN, "idempotency_key": new_key()})
        bad_key = await client.post("/points/payments", headers=headers, json={
            "qr_payload": payload, "amount": 1, "pin": PIN, "idempotency_key": "short"})
    assert (not_set.status_code, code_of(not_set)) == (409, "pin_not_set")
    assert (no_amount.status_code, code_of(no_amount)) == (422, "amount_required")
    assert (wrong_pin.status_code, code_of(wrong_pin)) == (403, "pin_wrong")
    assert wrong_pin.json()["detail"]["attempts_left"] == 4
    assert paid.status_code == 201, paid.text
    receipt = paid.json()
    assert (receipt["kind"], receipt["amount"], receipt["purpose"]) == ("pay", 300, "shop_payment")
    assert receipt["shop"] == {"id": shop.id, "name": "テスト商店"}
    assert receipt["balance_after"] == 700 and receipt["replayed"] is False
    assert again.status_code == 201 and again.json()["id"] == receipt["id"]
    assert again.json()["replayed"] is True
    assert (other_amount.status_code, code_of(other_amount)) == (409, "idempotency_key_reused")
    assert (too_much.status_code, code_of(too_much)) == (409, "insufficient_points")
    assert bad_key.status_code == 422
    assert points_of(app, person) == 700


async def test_paying_a_dynamic_code_once(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app: FastAPI = make_app(database_url)
    clerk = resident(app, "店員 花子")
    shop = make_shop(app, clerk=clerk)
    payer, other = resident(app, "支払 一"), resident(app, "支払 二")
    for person in (payer, other):
        give_points(app, person, 1000)
    async with asgi_client(app) as client:
        for person in (payer, other):
            await with_pin(client, app, person)
        made = await client.get(f"/points/shops/{shop.id}/jpqr", params={"amount": 480},
                                headers=bearer(app, clerk))
        payload = made.json()["payload"]
        preview = await client.post("/points/payments/preview", json={"qr_payload": payload},
                                    headers=bearer(app, payer))
        # The amount altered in the code (the CRC made right again) is not the shop's.
        qr = parse_merchant_qr(payload)
        forged = with_crc(encode_objects(
            DataObject(k, "1" if k == "54" else v) for k, v in qr.objects.items() if k != "63"))
        forged_answer = await client.post("/points/payments", headers=bearer(app, payer), json={
            "qr_payload": forged, "pin": PIN, "idempotency_key": new_key()})
        mismatch = await client.post("/points/payments", headers=bearer(app, payer), json={
            "qr_payload": payload, "amount": 479, "pin": PIN, "idempotency_key": new_key()})
        paid = await client.post("/points/payments", headers=bearer(app, payer), json={
            "qr_payload": payload, "pin": PIN, "idempotency_key": new_key()})
        second = await client.post("/points/payments", headers=bearer(app, other), json={
            "qr_payload": payload, "pin": PIN, "idempotency_key": new_key()})
    assert made.status_code == 200 and made.json()["dynamic"] is True
    assert preview.json()["dynamic"] is True and preview.json()["amount"] == 480
    assert (forged_answer.status_code, code_of(forged_answer)) == (422, "amount_mismatch")
    assert (mismatch.status_code, code_of(mismatch)) == (422, "amount_mismatch")
    assert paid.status_code == 201 and paid.json()["amount"] == 480
    assert paid.json()["reference"] == made.json()["reference"]
    assert (second.status_code, code_of(second)) == (409, "reference_used")
    assert (points_of(app, payer), points_of(app, other)) == (520, 1000)


async def test_a_refused_dynamic_payment_leaves_the_code_payable(database_url: str,
                                                                 make_app) -> None:  # type: ignore[no-untyped-def]
    app: FastAPI = make_app(database_url)
    clerk = resident(app, "店員 花子")
    shop = make_shop(app, clerk=clerk)
    payer = resident(app)
    give_points(app, payer, 100)
    async with asgi_client(app) as client:
        await with_pin(client, app, payer)
        payload = (await client.get(f"/points/shops/{shop.id}/jpqr", params={"amount": 150},
                                    headers=bearer(app, clerk))).json()["payload"]
        short = await client.post("/points/payments", headers=bearer(app, payer), json={
            "qr_payload": payload, "pin": PIN, "idempotency_key": new_key()})
        give_points(app, payer, 100)
        paid = await client.post("/points/payments", headers=bearer(app, payer), json={
            "qr_payload": payload, "pin": PIN, "idempotency_key": new_key()})
    assert (short.status_code, code_of(short)) == (409, "insufficient_points")
    assert paid.status_code == 201 and points_of(app, payer) == 50


# --- Customer-presented codes -----------------------------------------------------------------

async def test_customer_codes_need_the_pin(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app: FastAPI = make_app(database_url)
    person = resident(app)
    headers = bearer(app, person)
    async with asgi_client(app) as client:
        not_set = await client.post("/points/customer-codes", json={"pin": PIN},
                                    headers=headers)
        await with_pin(client, app, person)
        wrong = await client.post("/points/customer-codes", json={"pin": "0000"},
                                  headers=headers)
        made = await client.post("/points/customer-codes", json={"pin": PIN}, headers=headers)
    assert (not_set.status_code, code_of(not_set)) == (409, "pin_not_set")
    assert (wrong.status_code, code_of(wrong)) == (403, "pin_wrong")
    assert made.status_code == 201
    token = made.json()["token"]
    assert token.startswith("TPC1.") and len(token) <= 80
    with Session(app.state.engine) as session:
        rows = session.scalars(select(CustomerCode)).all()
    assert [row.person_id for row in rows] == [person.id]
    assert rows[0].expires_at - rows[0].created_at == LIFETIME
    assert as_utc(rows[0].expires_at).isoformat() == made.json()["expires_at"]
    assert token not in rows[0].token_sha256 and len(rows[0].token_sha256) == 64
