"""Reminders the day before (docs/reservations.md §2, backend/tiles/reservations/
reminders.py): from 18:00 Tokyo the day before the slot a personal notice to each person a
booked place concerns, once (also with two backends at once), never for cancelled places or
waiters, and again for a booking moved to another day."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlmodel import Session, col, select

from backend.models import Person
from backend.tiles.notices.models import Notice
from backend.tiles.reservations.models import ReservationBooking
from backend.tiles.reservations.reminders import Due, claim, remind_at, send_reminders
from tests.backend.people import make_household, make_person
from tests.backend.test_reservation_bookings_helpers import (
    DAY,
    add_resource,
    applied,
    book_args,
    fix_now,
    push,
    refused_code,
    start,
    stored_booking,
)

EVE = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Monday 7 December 18:00 Tokyo, before DAY
BODY_JA = ("明日 09:00 子育て支援課 窓口予約（児童手当・保育の相談）"
           "（津山市役所 1階 子育て支援の窓口）予約番号 予-2026-000001")


@pytest.fixture
def app(database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    app: FastAPI = make_app(database_url, load_demo_data=False)
    fix_now(monkeypatch)
    add_resource(app, capacity=1)
    return app


def notices(app: FastAPI, person: Person) -> list[Notice]:
    with Session(app.state.engine) as session:
        return list(session.scalars(select(Notice).where(col(Notice.person_id) == person.id)
                                    .order_by(col(Notice.id))))


def run_job(app: FastAPI) -> int:
    return send_reminders(app.state.engine, app.state.settings)


def test_sent_once_from_18_00_the_day_before(app: FastAPI,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    hanako = make_person(app, name="津山 花子")
    applied(push(app, hanako, "book", book_args("b-remind1")))
    fix_now(monkeypatch, EVE - timedelta(minutes=1))  # 17:59 Tokyo
    assert run_job(app) == 0
    assert notices(app, hanako) == []
    assert stored_booking(app, "b-remind1").reminded_at is None

    fix_now(monkeypatch, EVE)
    assert run_job(app) == 1
    [notice] = notices(app, hanako)
    assert (notice.title_ja, notice.title_en) == ("明日のご予約", "Your booking tomorrow")
    assert notice.body_ja == BODY_JA
    assert notice.body_en.startswith("Tomorrow 09:00 Child-rearing support counter")
    assert notice.body_en.endswith("booking number 予-2026-000001")
    assert stored_booking(app, "b-remind1").reminded_at == EVE

    assert run_job(app) == 0  # once
    fix_now(monkeypatch, start() - timedelta(minutes=1))  # 08:59 on the day
    assert run_job(app) == 0
    assert len(notices(app, hanako)) == 1


def test_a_backend_down_in_the_evening_reminds_in_the_morning_and_never_after_the_start(
        app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    hanako, taro = make_person(app), make_person(app)
    applied(push(app, hanako, "book", book_args("b-morning")))
    applied(push(app, taro, "book", book_args("b-started", at="09:30")))
    fix_now(monkeypatch, start() - timedelta(hours=1))  # 08:00 on the day
    assert run_job(app) == 2
    [notice] = notices(app, hanako)
    assert notice.title_ja == "今日のご予約" and notice.body_ja.startswith("今日 09:00 ")
    # A slot that has begun is not reminded any more.
    with Session(app.state.engine) as session:
        session.execute(update(ReservationBooking)
                        .where(col(ReservationBooking.id) == "b-started")
                        .values(reminded_at=None))
        session.commit()
    fix_now(monkeypatch, start(at="09:30"))
    assert run_job(app) == 0


def test_cancelled_places_and_waiters_are_not_reminded(
        app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    holder, waiter, gone = make_person(app), make_person(app), make_person(app)
    applied(push(app, gone, "book", book_args("b-gone001", at="09:30")))
    applied(push(app, gone, "cancel", {"id": "b-gone001"}))
    applied(push(app, holder, "book", book_args("b-holder1")))
    assert refused_code(push(app, waiter, "book", book_args("w-waiter1"))) == "slot_full"
    applied(push(app, waiter, "wait", book_args("w-waiter1")))
    fix_now(monkeypatch, EVE + timedelta(hours=1))
    assert run_job(app) == 1
    assert len(notices(app, holder)) == 1
    assert notices(app, waiter) == [] and notices(app, gone) == []
    assert stored_booking(app, "w-waiter1").reminded_at is None


def test_booking_for_a_child_reminds_the_child_and_the_parent(
        app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    parent = make_person(app, name="津山 花子")
    child = make_person(app, name="津山 こども", birthdate=date(2015, 5, 5))
    make_household(app, [(parent, "self", None), (child, "child", None)])
    applied(push(app, parent, "book", book_args("b-forkid1", for_person_id=child.id)))
    fix_now(monkeypatch, EVE)
    assert run_job(app) == 1
    [for_child] = notices(app, child)
    [for_parent] = notices(app, parent)
    assert for_child.body_ja == BODY_JA
    assert for_parent.body_ja == f"津山 こども さんの予約：{BODY_JA}"
    assert for_parent.body_en.startswith("Booking for 津山 こども: Tomorrow 09:00 ")


def test_a_booking_moved_to_another_day_is_reminded_again(
        app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    hanako = make_person(app)
    applied(push(app, hanako, "book", book_args("b-moved01")))
    fix_now(monkeypatch, EVE)
    assert run_job(app) == 1
    next_day = start(DAY + timedelta(days=1))
    with Session(app.state.engine) as session:
        session.execute(update(ReservationBooking)
                        .where(col(ReservationBooking.id) == "b-moved01")
                        .values(slot_start=next_day, slot_end=next_day + timedelta(minutes=30)))
        session.commit()
    assert run_job(app) == 0  # Wednesday's is due on Tuesday evening
    fix_now(monkeypatch, remind_at(next_day))
    assert run_job(app) == 1
    assert len(notices(app, hanako)) == 2


def test_a_claim_is_taken_once_even_by_backends_running_together(
        app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    people = [make_person(app) for _ in range(4)]
    for n, person in enumerate(people):
        applied(push(app, person, "book", book_args(f"b-race-{n}", day=DAY if n < 2
                                                    else DAY + timedelta(days=1),
                                                    at="09:00" if n % 2 == 0 else "09:30")))
    fix_now(monkeypatch, EVE + timedelta(days=1))  # Tuesday 18:00: Wednesday's are due
    stale = Due("b-race-2", start(DAY + timedelta(days=1)))  # read before another sent it
    with ThreadPoolExecutor(max_workers=3) as pool:
        sent = list(pool.map(lambda _: run_job(app), range(3)))
    assert sum(sent) == 2
    assert [len(notices(app, p)) for p in people] == [0, 0, 1, 1]
    with Session(app.state.engine) as session:
        assert not claim(session, stale, EVE + timedelta(days=1, minutes=15))
        session.commit()
    assert run_job(app) == 0
