"""`reservations` through the sync engine (docs/reservations.md §2): book, change, cancel,
replays, and every bad input answered by a refusal with its code (never a 500)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session, col, select

from backend.models.person import ASSURANCE_EMAIL
from backend.tiles.reservations.models import ReservationBooking, ReservationSlot
from backend.tiles.reservations.resources.publish import slot_key
from tests.backend.people import make_person
from tests.backend.reservation_helpers import CODE, public_rows
from tests.backend.test_reservation_bookings_helpers import (
    DAY,
    NOW,
    OTHER_DAY,
    RESOURCE,
    add_resource,
    applied,
    book_args,
    fix_now,
    iso,
    person_rows,
    push,
    refused_code,
    slot_counts,
    start,
    stored_booking,
)


@pytest.fixture
def app(database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    app: FastAPI = make_app(database_url, load_demo_data=False)
    fix_now(monkeypatch)
    add_resource(app)
    return app


def test_book_takes_a_place_and_answers_the_booking(app: FastAPI) -> None:
    hanako = make_person(app, name="津山 花子")
    booking = applied(push(app, hanako, "book", book_args("b-0000001")))
    assert booking["number"] == "予-2026-000001"
    assert booking["status"] == "booked"
    assert booking["slot_start"] == start().isoformat()
    assert booking["slot_end"] == (start() + timedelta(minutes=30)).isoformat()
    assert booking["place"]["ja"].startswith("津山市役所")
    assert booking["for_person_id"] is None and booking["position"] is None
    assert booking["changeable_until"] == "2026-12-03T15:00:00+00:00"  # 00:00 Fri in Tokyo
    assert booking["ics_sequence"] == 0
    assert [(e["action"], e["to"]) for e in booking["history"]] == [("book", "booked")]
    assert slot_counts(app) == (2, 1, 0)
    published = public_rows(app.state.engine, "reservation_slots")[slot_key(RESOURCE, start())]
    assert published is not None and published["booked"] == 1


def test_a_replayed_push_is_answered_from_its_receipt_without_a_second_booking(
        app: FastAPI) -> None:
    hanako = make_person(app)
    first = push(app, hanako, "book", book_args("b-replay1"), mutation_id="m-replay-1")
    again = push(app, hanako, "book", book_args("b-replay1"), mutation_id="m-replay-1")
    assert again["status"] == "duplicate"
    assert again["result"] == first["result"]
    assert slot_counts(app) == (2, 1, 0)
    # The same booking id under a new mutation id is refused, nothing booked twice.
    other = push(app, hanako, "book", book_args("b-replay1"))
    assert refused_code(other) == "already_exists"
    assert slot_counts(app) == (2, 1, 0)


def test_a_full_slot_is_refused_and_keeps_its_count(app: FastAPI) -> None:
    for _ in range(2):
        applied(push(app, make_person(app), "book", book_args()))
    answer = push(app, make_person(app), "book", book_args())
    assert refused_code(answer) == "slot_full"
    assert "満員" in answer["error"]["message"] and "fully booked" in answer["error"]["message"]
    assert slot_counts(app) == (2, 2, 0)


@pytest.mark.parametrize(("args", "code"), [
    (["not", "an", "object"], "invalid_args"),
    ({"resource_id": RESOURCE, "slot_start": "2026-12-08T09:00:00+09:00"}, "invalid_args"),
    ({"id": "b/../../x", "resource_id": RESOURCE, "slot_start": "2026-12-08T09:00:00+09:00"},
     "invalid_args"),
    ({"id": "b-badtime", "resource_id": RESOURCE, "slot_start": "2026-12-08T09:00:00"},
     "invalid_args"),
    ({"id": "b-badtime", "resource_id": RESOURCE, "slot_start": "tomorrow"}, "invalid_args"),
    ({"id": "b-badtime", "resource_id": RESOURCE, "slot_start": iso(), "answers": [1]},
     "invalid_args"),
    ({"id": "b-badtime", "resource_id": RESOURCE, "slot_start": iso(), "for_person_id": 7},
     "invalid_args"),
    ({"id": "b-unknown", "resource_id": "no-such-thing", "slot_start": iso()},
     "resource_unknown"),
    ({"id": "b-noslot1", "resource_id": RESOURCE, "slot_start": iso(at="09:10")},
     "slot_unknown"),
    ({"id": "b-weekend", "resource_id": RESOURCE, "slot_start": iso(DAY + timedelta(days=4))},
     "slot_unknown"),
    ({"id": "b-someone", "resource_id": RESOURCE, "slot_start": iso(),
      "for_person_id": "00000000-0000-0000-0000-000000000000"}, "not_for_whom"),
    ({"id": "b-feeless", "resource_id": RESOURCE, "slot_start": iso(), "fee_method": "points"},
     "fee_method"),
])
def test_bad_bookings_are_refused_with_their_code(app: FastAPI, args: Any, code: str) -> None:
    answer = push(app, make_person(app), "book", args)
    assert refused_code(answer) == code, answer
    assert slot_counts(app) == (2, 0, 0)


def test_rules_refuse_with_their_codes(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    visitor = make_person(app, assurance_level=ASSURANCE_EMAIL)
    assert refused_code(push(app, visitor, "book", book_args())) == "not_eligible"
    add_resource(app, "t-limited", limits={"per_person_open": 1, "per_household_open": None,
                                           "per_person_per_month": None})
    hanako = make_person(app)
    applied(push(app, hanako, "book", book_args(resource_id="t-limited")))
    again = push(app, hanako, "book", book_args(resource_id="t-limited", at="09:30"))
    assert refused_code(again) == "limit_person"
    # The same person twice at one time (another resource) overlaps.
    assert refused_code(push(app, hanako, "book", book_args())) == "overlaps"
    # Too late: the window closed at 00:00 on Friday 4 December (Tokyo).
    fix_now(monkeypatch, NOW + timedelta(days=3))
    late = push(app, make_person(app), "book", book_args())
    assert refused_code(late) == "window_closed"


def test_a_closed_slot_is_refused(app: FastAPI) -> None:
    with Session(app.state.engine) as session:
        slot = session.get(ReservationSlot, (CODE, RESOURCE, start()))
        assert slot is not None
        slot.closed_at = NOW
        session.add(slot)
        session.commit()
    assert refused_code(push(app, make_person(app), "book", book_args())) == "slot_closed"


def test_change_moves_the_place(app: FastAPI) -> None:
    hanako = make_person(app)
    applied(push(app, hanako, "book", book_args("b-change1")))
    moved = applied(push(app, hanako, "change", {"id": "b-change1",
                                                 "slot_start": iso(OTHER_DAY, "09:30")}))
    assert moved["slot_start"] == start(OTHER_DAY, "09:30").isoformat()
    assert moved["ics_sequence"] == 1
    assert [e["action"] for e in moved["history"]] == ["book", "change"]
    assert slot_counts(app) == (2, 0, 0)
    assert slot_counts(app, OTHER_DAY, "09:30") == (2, 1, 0)


def test_change_to_a_full_slot_keeps_the_old_place(app: FastAPI) -> None:
    hanako = make_person(app)
    applied(push(app, hanako, "book", book_args("b-keepme1")))
    for _ in range(2):
        applied(push(app, make_person(app), "book", book_args(day=OTHER_DAY)))
    answer = push(app, hanako, "change", {"id": "b-keepme1", "slot_start": iso(OTHER_DAY)})
    assert refused_code(answer) == "slot_full"
    assert slot_counts(app) == (2, 1, 0)
    assert slot_counts(app, OTHER_DAY) == (2, 2, 0)
    kept = stored_booking(app, "b-keepme1")
    assert (kept.status, kept.ics_sequence) == ("booked", 0)
    assert kept.slot_start.replace(tzinfo=None) == start().replace(tzinfo=None)


def test_change_and_cancel_refusals(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    hanako, taro = make_person(app), make_person(app)
    applied(push(app, hanako, "book", book_args("b-refuse1")))
    assert refused_code(push(app, taro, "cancel", {"id": "b-refuse1"})) == "not_found"
    assert refused_code(push(app, taro, "change", {"id": "b-refuse1",
                                                   "slot_start": iso(OTHER_DAY)})) == "not_found"
    assert refused_code(push(app, hanako, "change", {"id": "b-refuse1",
                                                     "slot_start": iso(at="08:00")})
                        ) == "slot_unknown"
    assert refused_code(push(app, hanako, "change", {"id": "b-refuse1"})) == "invalid_args"
    assert refused_code(push(app, hanako, "decline", {"id": "b-refuse1"})) == "not_offered"
    assert refused_code(push(app, hanako, "accept", {"id": "b-refuse1"})) == "not_offered"
    assert refused_code(push(app, hanako, "nonsense", {"id": "b-refuse1"})
                        ) == "unknown_mutation"
    fix_now(monkeypatch, NOW + timedelta(days=3))  # past changeable_until
    assert refused_code(push(app, hanako, "change", {"id": "b-refuse1",
                                                     "slot_start": iso(OTHER_DAY)})
                        ) == "not_changeable"
    assert refused_code(push(app, hanako, "cancel", {"id": "b-refuse1"})) == "not_changeable"
    assert slot_counts(app) == (2, 1, 0)


def test_cancel_frees_the_place_and_cancelling_again_changes_nothing(app: FastAPI) -> None:
    hanako = make_person(app)
    applied(push(app, hanako, "book", book_args("b-cancel1")))
    cancelled = applied(push(app, hanako, "cancel", {"id": "b-cancel1"}))
    assert (cancelled["status"], cancelled["ics_sequence"]) == ("cancelled", 1)
    assert cancelled["changeable_until"] is None
    assert slot_counts(app) == (2, 0, 0)
    again = applied(push(app, hanako, "cancel", {"id": "b-cancel1"}))
    assert again["history"] == cancelled["history"]
    assert slot_counts(app) == (2, 0, 0)
    assert refused_code(push(app, hanako, "change", {"id": "b-cancel1",
                                                     "slot_start": iso(OTHER_DAY)})
                        ) == "wrong_status"
    with Session(app.state.engine) as session:
        numbers = session.scalars(select(col(ReservationBooking.number))).all()
    assert numbers == ["予-2026-000001"]
    assert person_rows(app, hanako)["b-cancel1"]["status"] == "cancelled"
