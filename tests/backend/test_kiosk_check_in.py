"""A resident checks their own booking in at the kiosk (`POST /kiosk/check-in`, docs/
reservations.md §3): the booking's QR code and the kiosk's key, no login; the appointment's
waiting number answered and no person named; every refusal a clear 4xx."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session, col, select

from backend.tiles.reservations.checkin_code import checkin_code, checkin_key
from backend.tiles.reservations.kiosks.keys import add_device
from backend.tiles.reservations.models import ReservationBooking, ReservationBookingEvent
from tests.backend.asgi_client import asgi_client
from tests.backend.test_reservation_queue_helpers import (
    MORNING,
    add_booking,
    add_resource,
    add_slot,
    fix_now,
    resident,
)

pytestmark = pytest.mark.anyio
RESOURCE = "t-kosodate-counter"
SOON = MORNING + timedelta(minutes=30)  # 10:30 in Tokyo
URL = "/kiosk/check-in"


def _app(make_app: Any, database_url: str) -> FastAPI:
    app: FastAPI = make_app(database_url, load_demo_data=False)
    add_resource(app, RESOURCE)
    add_resource(app, "t-shimin-counter", department="citizens", counter="t-shimin")
    add_slot(app, RESOURCE, SOON)
    add_slot(app, RESOURCE, SOON + timedelta(days=1))
    return app


def _kiosk(app: FastAPI, counters: tuple[str, ...] = ()) -> dict[str, str]:
    with Session(app.state.engine) as session:
        new = add_device(session, app.state.settings.municipality_code, "本庁舎1階",
                         counters, MORNING)
        session.commit()
    return {"X-Kiosk-Key": new.key}


def _stored(app: FastAPI, booking: ReservationBooking) -> ReservationBooking:
    with Session(app.state.engine) as session:
        row = session.get(ReservationBooking, booking.id)
        assert row is not None
        return row


async def test_a_resident_checks_in_at_the_kiosk_and_gets_the_appointments_number(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    hanako = resident(app)
    booking = add_booking(app, RESOURCE, SOON, hanako)
    code = checkin_code(checkin_key(app.state.signing_key), booking.id, SOON)
    kiosk = _kiosk(app)
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        await client.post("/kiosk/queue/t-kosodate/tickets", headers=kiosk)  # a walk-in: 1
        done = await client.post(URL, headers=kiosk, json={"code": code})
        assert done.status_code == 200, done.text
        answer = done.json()
        again = await client.post(URL, headers=kiosk, json={"code": f" {code.lower()} "})
    assert answer["booking"]["number"] == booking.number
    assert answer["booking"]["status"] == "checked_in"
    assert answer["ticket"]["number"] == 2 and answer["ticket"]["appointment"] is True
    assert answer["ticket"]["channel"] == "kiosk" and answer["ticket"]["name"]["ja"]
    assert (again.status_code, again.json()["ticket"]["number"]) == (200, 2)  # the same
    assert "津山" not in json.dumps(answer, ensure_ascii=False)  # no person named
    stored = _stored(app, booking)
    assert stored.status == "checked_in" and stored.checked_in_at is not None
    with Session(app.state.engine) as session:
        events = session.exec(select(ReservationBookingEvent).where(
            col(ReservationBookingEvent.booking_id) == booking.id,
            col(ReservationBookingEvent.action) == "check_in")).all()
    assert [(e.actor_kind, e.actor_person_id, json.loads(e.detail)) for e in events] == [
        ("system", None, {"channel": "kiosk"})]


async def test_every_refusal_is_a_clear_4xx(database_url: str, make_app: Any,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    hanako, taro = resident(app), resident(app, "津山 太郎")
    booking = add_booking(app, RESOURCE, SOON, hanako)
    tomorrow = add_booking(app, RESOURCE, SOON + timedelta(days=1), taro)
    cancelled = add_booking(app, RESOURCE, SOON, taro, status="cancelled")
    secret = checkin_key(app.state.signing_key)
    code = checkin_code(secret, booking.id, SOON)
    kiosk, elsewhere = _kiosk(app), _kiosk(app, ("t-shimin",))
    fix_now(monkeypatch, MORNING)

    async def refused(body: Any, headers: dict[str, str] = kiosk) -> tuple[int, str]:
        answer = await client.post(URL, headers=headers, json=body)
        detail = answer.json()["detail"]
        return answer.status_code, detail["code"] if isinstance(detail, dict) else "?"

    async with asgi_client(app) as client:
        assert await refused({"code": code}, {}) == (401, "kiosk_key_invalid")
        assert await refused({"code": code}, {"X-Kiosk-Key": "tk1_" + "A" * 43}) == (
            401, "kiosk_key_invalid")
        assert await refused({"code": code[:-2] + "AA"}) == (422, "invalid_code")
        assert await refused({"code": "x" * 201}) == (422, "?")
        assert await refused({}) == (422, "?")
        assert await refused({"code": checkin_code(secret, "b-nobody00", SOON)}) == (
            404, "booking_not_found")
        assert await refused({"code": checkin_code(secret, booking.id,
                                                   SOON - timedelta(hours=1))}) == (
            409, "code_outdated")
        assert await refused({"code": checkin_code(
            secret, tomorrow.id, SOON + timedelta(days=1))}) == (409, "not_today")
        assert await refused({"code": checkin_code(secret, cancelled.id, SOON)}) == (
            409, "wrong_status")
        assert await refused({"code": code}, elsewhere) == (409, "not_at_this_kiosk")
    assert _stored(app, booking).status == "booked"  # nothing was checked in
