"""Resident routes of bookings (docs/reservations.md §2): the `.ics` file (parsed back with
`icalendar`), the check-in code, the fee in points; who may read a booking (404 for anyone
else, an access-log entry for a booker reading someone else's); and "My data": the export
and account deletion (open bookings cancelled, the place passed on)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from icalendar import Calendar
from sqlmodel import Session, col, select

from backend.models import AccessLogEntry
from backend.services.account_deletion import delete_account
from backend.services.clock import CITY_TIME_ZONE
from backend.tiles.points import api as points_api
from backend.tiles.points.pin import set_pin
from backend.tiles.reservations.my_data import bookings_export
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_household, make_person
from tests.backend.reservation_helpers import CODE
from tests.backend.test_reservation_bookings_helpers import (
    NOW,
    add_resource,
    applied,
    book_args,
    fix_now,
    person_rows,
    push,
    slot_counts,
    start,
    stored_booking,
)

pytestmark = pytest.mark.anyio
PIN = "2580"


# One optional question, so that a booking may carry answers (the export, the deletion).
NOTE_QUESTIONS: dict[str, Any] = {
    "schema": {"type": "object", "properties": {"note": {"type": "string", "maxLength": 200}}},
    "layout": {"sections": [{"id": "s", "fields": [
        {"field": "note", "label": {"ja": "相談内容", "en": "Topic"}, "widget": "textarea"}]}]}}


@pytest.fixture
def app(database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    app: FastAPI = make_app(database_url, load_demo_data=False)
    fix_now(monkeypatch)
    add_resource(app, capacity=1, questions=NOTE_QUESTIONS)
    return app


def _event(body: bytes) -> Any:
    events = Calendar.from_ical(body).walk("VEVENT")
    assert len(events) == 1
    return events[0]


async def test_the_calendar_file_follows_the_booking(app: FastAPI) -> None:
    hanako, stranger = make_person(app), make_person(app)
    applied(push(app, hanako, "book", book_args("b-ics00001")))
    async with asgi_client(app) as client:
        first = await client.get("/reservations/b-ics00001.ics", headers=bearer(app, hanako))
        assert first.status_code == 200
        assert first.headers["content-type"].startswith("text/calendar")
        event = _event(first.content)
        assert str(event["uid"]).startswith("b-ics00001@")
        assert int(event["sequence"]) == 0
        begins: datetime = event.decoded("dtstart")
        assert begins == start() and begins.tzinfo is not None
        assert str(event["dtstart"].params["TZID"]) == CITY_TIME_ZONE.key
        other = await client.get("/reservations/b-ics00001.ics", headers=bearer(app, stranger))
        assert other.status_code == 404
        missing = await client.get("/reservations/b-nothere1.ics", headers=bearer(app, hanako))
        assert missing.status_code == 404
        applied(push(app, hanako, "cancel", {"id": "b-ics00001"}))
        after = _event((await client.get("/reservations/b-ics00001.ics?lang=en",
                                         headers=bearer(app, hanako))).content)
        assert (int(after["sequence"]), str(after["status"])) == (1, "CANCELLED")
        assert str(after["uid"]) == str(event["uid"])


async def test_a_booker_reading_a_childs_booking_is_logged_for_the_child(app: FastAPI) -> None:
    parent = make_person(app, name="津山 花子")
    child = make_person(app, name="津山 こども", birthdate=date(2016, 6, 1))
    make_household(app, [(parent, "self", None), (child, "child", None)])
    applied(push(app, parent, "book", book_args("b-kidics1", for_person_id=child.id)))
    with Session(app.state.engine) as session:
        before = len(session.scalars(select(AccessLogEntry)).all())
    async with asgi_client(app) as client:
        by_child = await client.get("/reservations/b-kidics1.ics", headers=bearer(app, child))
        by_parent = await client.get("/reservations/b-kidics1.ics",
                                     headers=bearer(app, parent))
    assert (by_child.status_code, by_parent.status_code) == (200, 200)
    with Session(app.state.engine) as session:
        new = session.scalars(select(AccessLogEntry).order_by(col(AccessLogEntry.id))).all()
    added = new[before:]
    assert [(e.subject_person_id, e.actor_person_id, e.actor_kind) for e in added] == [
        (child.id, parent.id, "delegate")]


async def test_the_checkin_code_is_for_a_booked_booking_only(app: FastAPI) -> None:
    hanako, stranger = make_person(app), make_person(app)
    applied(push(app, hanako, "book", book_args("b-qr000001")))
    async with asgi_client(app) as client:
        answer = await client.get("/reservations/b-qr000001/checkin-code",
                                  headers=bearer(app, hanako))
        assert answer.status_code == 200
        assert answer.json()["code"].startswith("TRS1.")
        assert (await client.get("/reservations/b-qr000001/checkin-code",
                                 headers=bearer(app, stranger))).status_code == 404
        applied(push(app, hanako, "cancel", {"id": "b-qr000001"}))
        cancelled = await client.get("/reservations/b-qr000001/checkin-code",
                                     headers=bearer(app, hanako))
    assert cancelled.status_code == 409


async def test_the_fee_is_paid_once_with_points_and_comes_back_on_cancel(
        app: FastAPI) -> None:
    add_resource(app, "t-paid", fee={"amount_yen": 300, "methods": ["points", "counter"]})
    hanako = make_person(app)
    engine = app.state.engine
    points_api.earn(engine, person_id=hanako.id, amount=1000, purpose="event",
                    idempotency_key=f"seed-{hanako.id[:8]}")
    set_pin(engine, hanako.id, CODE, PIN, None, NOW)
    applied(push(app, hanako, "book", book_args("b-pay00001", resource_id="t-paid",
                                                fee_method="points")))
    applied(push(app, hanako, "book", book_args("b-cntr0001", resource_id="t-paid",
                                                at="09:30", fee_method="counter")))
    body = {"pin": PIN, "idempotency_key": "pay-key-0001"}
    async with asgi_client(app) as client:
        paid = await client.post("/reservations/b-pay00001/points-payment", json=body,
                                 headers=bearer(app, hanako))
        again = await client.post("/reservations/b-pay00001/points-payment", json=body,
                                  headers=bearer(app, hanako))
        at_counter = await client.post("/reservations/b-cntr0001/points-payment", json=body,
                                       headers=bearer(app, hanako))
    assert paid.status_code == 201, paid.text
    assert (paid.json()["amount"], paid.json()["balance_after"]) == (300, 700)
    assert again.status_code == 409 and again.json()["detail"]["code"] == "already_paid"
    assert at_counter.status_code == 409
    assert person_rows(app, hanako)["b-pay00001"]["fee"]["paid_at"] is not None
    cancelled = applied(push(app, hanako, "cancel", {"id": "b-pay00001"}))
    assert cancelled["fee"]["paid_at"] is None
    assert points_api.balance(engine, hanako.id).points == 1000


async def test_export_and_account_deletion(app: FastAPI) -> None:
    hanako, waiter = make_person(app), make_person(app)
    applied(push(app, hanako, "book", book_args("b-delete01", answers={"note": "相談内容"})))
    applied(push(app, waiter, "wait", book_args("w-delete01")))
    with Session(app.state.engine) as session:
        exported = bookings_export(session, hanako)
    assert [(row["id"], row["status"], row["answers"]) for row in exported] == [
        ("b-delete01", "booked", {"note": "相談内容"})]
    with Session(app.state.engine) as session:
        person = session.get_one(type(hanako), hanako.id)
        delete_account(session, person)
        session.commit()
    gone = stored_booking(app, "b-delete01")
    assert (gone.status, gone.answers) == ("cancelled", "{}")
    assert person_rows(app, waiter)["w-delete01"]["status"] == "offered"
    assert slot_counts(app) == (1, 1, 0)
