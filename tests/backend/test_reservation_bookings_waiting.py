"""The waiting list (docs/reservations.md §2): waiters in order, a freed place offered to
the first with a notice, declined or expired offers passed on, accepting an offer; and
booking for someone else (both streams, both access logs) and the fee in points."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session, col, select

from backend.models import AccessLogEntry, Person
from backend.tiles.notices.models import Notice
from backend.tiles.points import api as points_api
from backend.tiles.reservations.fee import FEE_PURPOSE, LEDGER_SCOPE
from backend.tiles.reservations.offers import expire_offers
from tests.backend.people import make_household, make_person
from tests.backend.test_reservation_bookings_helpers import (
    NOW,
    add_resource,
    applied,
    book_args,
    fix_now,
    person_rows,
    push,
    refused_code,
    slot_counts,
)


@pytest.fixture
def app(database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    app: FastAPI = make_app(database_url, load_demo_data=False)
    fix_now(monkeypatch)
    add_resource(app, capacity=1)
    return app


def _notices(app: FastAPI, person: Person) -> list[Notice]:
    with Session(app.state.engine) as session:
        return list(session.scalars(select(Notice).where(col(Notice.person_id) == person.id)))


def _full_slot_with_waiters(app: FastAPI) -> tuple[Person, Person, Person]:
    holder, first, second = make_person(app), make_person(app), make_person(app)
    applied(push(app, holder, "book", book_args("b-holder1")))
    assert refused_code(push(app, first, "book", book_args("w-first01"))) == "slot_full"
    assert applied(push(app, first, "wait", book_args("w-first01")))["position"] == 1
    assert refused_code(push(app, first, "wait", book_args())) == "overlaps"  # once a slot
    second_wait = applied(push(app, second, "wait", book_args("w-second1")))
    assert (second_wait["status"], second_wait["position"]) == ("waiting", 2)
    assert slot_counts(app) == (1, 1, 2)
    return holder, first, second


def test_a_slot_with_free_places_or_no_list_takes_no_waiters(app: FastAPI) -> None:
    hanako = make_person(app)
    assert refused_code(push(app, hanako, "wait", book_args())) == "places_free"
    add_resource(app, "t-nolist", capacity=1, waiting_list=False)
    applied(push(app, make_person(app), "book", book_args(resource_id="t-nolist")))
    assert refused_code(push(app, hanako, "wait", book_args(resource_id="t-nolist"))
                        ) == "no_waiting_list"
    assert slot_counts(app) == (1, 0, 0)


def test_a_cancelled_place_is_offered_to_the_first_waiter(app: FastAPI) -> None:
    holder, first, second = _full_slot_with_waiters(app)
    applied(push(app, holder, "cancel", {"id": "b-holder1"}))
    assert slot_counts(app) == (1, 1, 1)  # the freed place is held for the first waiter
    offered = person_rows(app, first)["w-first01"]
    assert offered["status"] == "offered"
    assert offered["offered_until"] == (NOW + timedelta(hours=24)).isoformat()
    assert [n.title_en for n in _notices(app, first)] == ["A place you waited for is free"]
    assert _notices(app, second) == []
    assert person_rows(app, second)["w-second1"]["position"] == 1  # moved up
    # Accepting turns the offer into a booking (accepting again changes nothing).
    booked = applied(push(app, first, "accept", {"id": "w-first01"}))
    assert (booked["status"], booked["offered_until"]) == ("booked", None)
    assert [e["action"] for e in booked["history"]] == ["wait", "offer", "accept"]
    assert applied(push(app, first, "accept", {"id": "w-first01"}))["status"] == "booked"
    assert slot_counts(app) == (1, 1, 1)


def test_a_declined_offer_passes_to_the_next_waiter(app: FastAPI) -> None:
    holder, first, second = _full_slot_with_waiters(app)
    applied(push(app, holder, "cancel", {"id": "b-holder1"}))
    declined = applied(push(app, first, "decline", {"id": "w-first01"}))
    assert declined["status"] == "declined"
    assert person_rows(app, second)["w-second1"]["status"] == "offered"
    assert refused_code(push(app, first, "accept", {"id": "w-first01"})) == "not_offered"
    assert slot_counts(app) == (1, 1, 0)
    # The last offer declined: the place is free again.
    applied(push(app, second, "decline", {"id": "w-second1"}))
    assert slot_counts(app) == (1, 0, 0)


def test_a_waiter_leaving_the_list_moves_the_others_up(app: FastAPI) -> None:
    _, first, second = _full_slot_with_waiters(app)
    left = applied(push(app, first, "cancel", {"id": "w-first01"}))
    assert (left["status"], left["position"]) == ("cancelled", None)
    assert person_rows(app, second)["w-second1"]["position"] == 1
    assert slot_counts(app) == (1, 1, 1)
    again = applied(push(app, second, "cancel", {"id": "w-second1"}))
    assert again["status"] == "cancelled"
    assert slot_counts(app) == (1, 1, 0)


def test_an_unanswered_offer_expires_and_passes_on(app: FastAPI,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    holder, first, second = _full_slot_with_waiters(app)
    applied(push(app, holder, "cancel", {"id": "b-holder1"}))
    assert expire_offers(app.state.engine, app.state.settings) == 0  # not yet
    fix_now(monkeypatch, NOW + timedelta(hours=24, seconds=1))
    assert refused_code(push(app, first, "accept", {"id": "w-first01"})) == "offer_expired"
    assert expire_offers(app.state.engine, app.state.settings) == 1
    expired = person_rows(app, first)["w-first01"]
    assert (expired["status"], expired["history"][-1]["action"]) == ("declined", "expire")
    assert person_rows(app, second)["w-second1"]["status"] == "offered"
    assert len(_notices(app, second)) == 1
    assert slot_counts(app) == (1, 1, 0)


def test_a_change_away_frees_the_place_for_the_first_waiter(app: FastAPI) -> None:
    holder, first, _ = _full_slot_with_waiters(app)
    other = book_args(day=date(2026, 12, 9))["slot_start"]
    applied(push(app, holder, "change", {"id": "b-holder1", "slot_start": other}))
    assert person_rows(app, first)["w-first01"]["status"] == "offered"


def test_booking_for_a_minor_child_reaches_both_and_both_access_logs(app: FastAPI) -> None:
    parent = make_person(app, name="津山 花子")
    child = make_person(app, name="津山 こども", birthdate=date(2015, 5, 5))
    stranger = make_person(app, name="他人")
    make_household(app, [(parent, "self", None), (child, "child", None)])
    booking = applied(push(app, parent, "book", book_args("b-forkid1",
                                                          for_person_id=child.id)))
    assert (booking["for_person_id"], booking["booker_id"]) == (child.id, parent.id)
    assert person_rows(app, child)["b-forkid1"]["status"] == "booked"
    with Session(app.state.engine) as session:
        logged = {(entry.subject_person_id, entry.actor_kind) for entry in session.scalars(
            select(AccessLogEntry).where(col(AccessLogEntry.resource) == "reservations"))}
    assert logged == {(child.id, "delegate"), (parent.id, "self")}
    # The child (the subject) may cancel it too; the parent's stream gets the row.
    applied(push(app, child, "cancel", {"id": "b-forkid1"}))
    assert person_rows(app, parent)["b-forkid1"]["status"] == "cancelled"
    refused = push(app, stranger, "book", book_args(for_person_id=child.id))
    assert refused_code(refused) == "not_for_whom"


def test_a_fee_paid_with_points_comes_back_on_cancel(app: FastAPI) -> None:
    add_resource(app, "t-paid", fee={"amount_yen": 500, "methods": ["points", "counter"]})
    hanako = make_person(app)
    engine = app.state.engine
    points_api.earn(engine, person_id=hanako.id, amount=1000, purpose="event",
                    idempotency_key=f"seed-{hanako.id[:8]}")
    counter = applied(push(app, hanako, "book", book_args(resource_id="t-paid", at="09:30")))
    assert counter["fee"] == {"amount_yen": 500, "method": "counter", "paid_at": None}
    assert refused_code(push(app, hanako, "book", book_args(
        resource_id="t-paid", fee_method="cash"))) == "fee_method"
    booking = applied(push(app, hanako, "book", book_args("b-points1", resource_id="t-paid",
                                                          fee_method="points")))
    assert booking["fee"]["method"] == "points"
    points_api.pay(engine, person_id=hanako.id, payee=points_api.Payee.city(), amount=500,
                   purpose=FEE_PURPOSE, reference=booking["number"],
                   idempotency_key=f"reservation-fee:{booking['id']}", scope=LEDGER_SCOPE)
    assert points_api.balance(engine, hanako.id).points == 500
    applied(push(app, hanako, "cancel", {"id": "b-points1"}))
    assert points_api.balance(engine, hanako.id).points == 1000
