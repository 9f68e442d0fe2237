"""Paying a bulky-waste booking's fee with points: `POST /bulky/bookings/{number}/points-
payment` (the owner only, the PIN, the fee as the amount, paid once, the booking's row)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import Session, col

from backend.models import Person
from backend.models.sync_log import SyncChange
from backend.tiles.points import api
from backend.tiles.waste.bulky.models import BOOKING_BOOKED, BOOKING_CANCELLED, BulkyBooking
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer
from tests.backend.points_payment_helpers import (
    PIN,
    give_points,
    new_key,
    points_of,
    resident,
    with_pin,
)

pytestmark = pytest.mark.anyio
DAY = date(2026, 12, 15)


def make_booking(app: FastAPI, person: Person, number: str, fee: int = 800,
                 status: str = BOOKING_BOOKED) -> BulkyBooking:
    now = datetime.now(UTC)
    booking = BulkyBooking(
        person_id=person.id, id=f"device-{number}", municipality_code=person.municipality_code,
        number=number, area_id="area-test-a", day=DAY,
        items=json.dumps([{"item_id": "sofa", "name": "ソファー", "fee": fee, "quantity": 1}]),
        total_fee=fee, status=status, created_at=now, updated_at=now)
    with Session(app.state.engine, expire_on_commit=False) as session:
        session.add(booking)
        session.commit()
    return booking


def code_of(response: Any) -> str:
    detail = response.json().get("detail")
    return str(detail.get("code")) if isinstance(detail, dict) else ""


def path(number: str) -> str:
    return f"/bulky/bookings/{number}/points-payment"


def booking_rows(app: FastAPI, person: Person) -> list[dict[str, Any]]:
    with Session(app.state.engine) as session:
        rows = session.scalars(select(SyncChange).where(
            col(SyncChange.person_id) == person.id,
            col(SyncChange.collection) == "bulky_waste")).all()
        return [json.loads(row.data) for row in rows if row.data]


async def test_the_owner_pays_the_fee_once_with_the_pin(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app: FastAPI = make_app(database_url)
    owner = resident(app, "粗大 花子")
    give_points(app, owner, 1000)
    booking = make_booking(app, owner, "S2612-0001", fee=800)
    headers = bearer(app, owner)
    async with asgi_client(app) as client:
        not_set = await client.post(path(booking.number), headers=headers,
                                    json={"pin": PIN, "idempotency_key": new_key()})
        await with_pin(client, app, owner)
        wrong = await client.post(path(booking.number), headers=headers,
                                  json={"pin": "9999", "idempotency_key": new_key()})
        key = new_key()
        paid = await client.post(path(booking.number), headers=headers,
                                 json={"pin": PIN, "idempotency_key": key})
        again = await client.post(path(booking.number), headers=headers,
                                  json={"pin": PIN, "idempotency_key": key})
    assert (not_set.status_code, code_of(not_set)) == (409, "pin_not_set")
    assert (wrong.status_code, code_of(wrong)) == (403, "pin_wrong")
    assert paid.status_code == 201, paid.text
    receipt = paid.json()
    assert receipt["booking_number"] == "S2612-0001"
    assert (receipt["amount"], receipt["balance_after"]) == (800, 200)
    assert (again.status_code, code_of(again)) == (409, "already_paid")
    assert points_of(app, owner) == 200
    found = api.find_payment(app.state.engine, purpose="bulky_waste_fee",
                             reference="S2612-0001")
    assert found is not None and found.transfer_id == receipt["transfer_id"]
    payments = [row["payment"] for row in booking_rows(app, owner)
                if row.get("number") == "S2612-0001"]
    assert payments and payments[-1]["method"] == "points"
    assert payments[-1]["transfer_id"] == receipt["transfer_id"]


async def test_another_persons_booking_is_not_found(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app: FastAPI = make_app(database_url)
    owner, other = resident(app, "持主 一郎"), resident(app, "他人 二郎")
    give_points(app, other, 5000)
    booking = make_booking(app, owner, "S2612-0002")
    async with asgi_client(app) as client:
        await with_pin(client, app, other)
        answer = await client.post(path(booking.number), headers=bearer(app, other),
                                   json={"pin": PIN, "idempotency_key": new_key()})
        unknown = await client.post(path("S2612-9999"), headers=bearer(app, other),
                                    json={"pin": PIN, "idempotency_key": new_key()})
    assert (answer.status_code, code_of(answer)) == (404, "not_found")
    assert unknown.status_code == 404
    assert points_of(app, other) == 5000


async def test_bad_input_and_bookings_that_cannot_be_paid(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app: FastAPI = make_app(database_url)
    owner = resident(app)
    give_points(app, owner, 100)
    expensive = make_booking(app, owner, "S2612-0003", fee=800)
    cancelled = make_booking(app, owner, "S2612-0004", fee=300, status=BOOKING_CANCELLED)
    free = make_booking(app, owner, "S2612-0005", fee=0)
    headers = bearer(app, owner)
    async with asgi_client(app) as client:
        await with_pin(client, app, owner)
        short = await client.post(path(expensive.number), headers=headers,
                                  json={"pin": PIN, "idempotency_key": new_key()})
        not_booked = await client.post(path(cancelled.number), headers=headers,
                                       json={"pin": PIN, "idempotency_key": new_key()})
        no_fee = await client.post(path(free.number), headers=headers,
                                   json={"pin": PIN, "idempotency_key": new_key()})
        bad_pin = await client.post(path(expensive.number), headers=headers,
                                    json={"pin": "12ab", "idempotency_key": new_key()})
        bad_key = await client.post(path(expensive.number), headers=headers,
                                    json={"pin": PIN, "idempotency_key": "short"})
        bad_number = await client.post(path("S2612 0003"), headers=headers,
                                       json={"pin": PIN, "idempotency_key": new_key()})
        nobody = await client.post(path(expensive.number),
                                   json={"pin": PIN, "idempotency_key": new_key()})
    assert (short.status_code, code_of(short)) == (409, "insufficient_points")
    assert (not_booked.status_code, code_of(not_booked)) == (409, "not_booked")
    assert (no_fee.status_code, code_of(no_fee)) == (409, "no_fee")
    assert bad_pin.status_code == bad_key.status_code == bad_number.status_code == 422
    assert nobody.status_code == 401
    assert points_of(app, owner) == 100


async def test_two_payments_racing_for_one_booking_pay_once(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    app: FastAPI = make_app(database_url)
    owner = resident(app)
    give_points(app, owner, 2000)
    booking = make_booking(app, owner, "S2612-0006", fee=500)
    headers = bearer(app, owner)
    async with asgi_client(app) as client:
        await with_pin(client, app, owner)
        answers = await asyncio.gather(*(
            client.post(path(booking.number), headers=headers,
                        json={"pin": PIN, "idempotency_key": new_key()}) for _ in range(4)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 409, 409, 409], [a.text for a in answers]
    assert all(code_of(a) == "already_paid" for a in answers if a.status_code == 409)
    assert points_of(app, owner) == 1500


async def test_cancelling_a_paid_booking_gives_the_points_back_once(
        database_url: str, make_app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The fee paid with points comes back with the cancellation, in the same transaction;
    a changed item list that would change a paid fee is refused with a clear reason."""
    from backend.tiles.waste.bulky import deadline
    from tests.backend.bulky_helpers import (
        AREA_A,
        TODAY,
        add_slot,
        book_args,
        error_code,
        push,
        seed_waste,
    )

    monkeypatch.setattr(deadline, "today", lambda: TODAY)
    app: FastAPI = make_app(database_url)
    engine = app.state.engine
    seed_waste(engine)
    owner = resident(app, "粗大 戻る")
    give_points(app, owner, 5000)
    day = date(2026, 11, 30)
    add_slot(engine, AREA_A, day, capacity=5)
    booked = push(engine, owner, "book", book_args("b-paid", AREA_A, day, [("sofa", 1)]))
    assert booked["status"] == "applied", booked
    number, fee = booked["result"]["number"], booked["result"]["total_fee"]
    assert fee > 0
    async with asgi_client(app) as client:
        await with_pin(client, app, owner)
        paid = await client.post(path(number), headers=bearer(app, owner),
                                 json={"pin": PIN, "idempotency_key": new_key()})
    assert paid.status_code == 201, paid.text
    assert points_of(app, owner) == 5000 - fee

    changed = push(engine, owner, "change", {"id": "b-paid", "items": [
        {"item_id": "sofa", "quantity": 2}]})
    assert (changed["status"], error_code(changed)) == ("rejected", "fee_paid_with_points")
    moved = push(engine, owner, "change", {"id": "b-paid", "items": [
        {"item_id": "sofa", "quantity": 1}]})  # the same fee: allowed
    assert moved["status"] == "applied", moved
    assert moved["result"]["payment"]["method"] == "points"  # still paid: no stickers

    cancelled = push(engine, owner, "cancel", {"id": "b-paid"})
    assert cancelled["status"] == "applied", cancelled
    assert points_of(app, owner) == 5000
    again = push(engine, owner, "cancel", {"id": "b-paid"})
    assert again["status"] == "applied"
    assert points_of(app, owner) == 5000  # given back once
    with Session(engine) as session:
        booking = session.scalars(select(BulkyBooking).where(
            col(BulkyBooking.number) == number)).one()
    assert booking.status == BOOKING_CANCELLED
