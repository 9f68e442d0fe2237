"""`bulky_waste` bookings through the push engine: book, replay, change, cancel, deadline,
items, capacity, other people's ids, collected. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from backend.models import Person
from backend.tiles.waste.bulky import deadline
from backend.tiles.waste.bulky.staff import mark_collected
from tests.backend.asgi_client import asgi_client
from tests.backend.bulky_helpers import (
    AREA_A,
    AREA_B,
    CODE,
    TODAY,
    add_slot,
    book_args,
    bulky_mutation,
    error_code,
    log_rows,
    push,
    seed_waste,
    slot_state,
)
from tests.backend.people import bearer, make_person

D1 = date(2026, 12, 3)  # Thursday: changeable until Tuesday 12-01
D2 = date(2026, 12, 10)


@dataclass
class Bulky:
    app: FastAPI
    resident: Person
    other: Person
    today: list[date]

    @property
    def engine(self) -> Engine:
        return self.app.state.engine


@pytest.fixture
def bulky(database_url: str, make_app: Callable[..., FastAPI],
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Bulky]:
    app = make_app(database_url, load_demo_data=False)
    seed_waste(app.state.engine)
    add_slot(app.state.engine, AREA_A, D1, capacity=3)
    add_slot(app.state.engine, AREA_A, D2, capacity=3)
    today = [TODAY]
    monkeypatch.setattr(deadline, "today", lambda: today[0])
    yield Bulky(app, make_person(app), make_person(app), today)


def test_book_returns_the_booking_and_writes_its_rows(bulky: Bulky) -> None:
    result = push(bulky.engine, bulky.resident, "book",
                  book_args("b-1", AREA_A, D1, [("microwave", 2), ("futon", 1)]))
    assert result["status"] == "applied", result
    booking = result["result"]
    assert booking["booking_id"] == "b-1"
    assert booking["number"] == "S2612-0001"
    assert (booking["area_id"], booking["area_name"], booking["day"]) == (AREA_A, "中央",
                                                                           "2026-12-03")
    assert booking["items"] == [
        {"item_id": "microwave", "name": "電子レンジ", "fee": 500, "quantity": 2},
        {"item_id": "futon", "name": "布団", "fee": 300, "quantity": 1}]
    assert booking["total_fee"] == 1300
    assert booking["status"] == "booked"
    assert booking["changeable_until"] == "2026-12-01"
    assert booking["payment"]["method"] == "sticker"
    assert "1,300円" in booking["payment"]["text_ja"] and "S2612-0001" in (
        booking["payment"]["text_ja"])
    assert "¥1,300" in booking["payment"]["text_en"]
    assert slot_state(bulky.engine, AREA_A, D1) == (3, 1)
    assert log_rows(bulky.engine, "bulky_waste") == [(bulky.resident.id, "b-1", booking)]
    assert log_rows(bulky.engine, "bulky_slots") == [
        (None, f"{AREA_A}:2026-12-03",
         {"area_id": AREA_A, "day": "2026-12-03", "capacity": 3, "remaining": 2})]
    second = push(bulky.engine, bulky.other, "book", book_args("b-1", AREA_A, D1))
    assert second["result"]["number"] == "S2612-0002"  # ids are per person


@pytest.mark.anyio
async def test_owner_pulls_the_booking_and_anyone_the_slot(bulky: Bulky) -> None:
    push(bulky.engine, bulky.resident, "book", book_args("b-1", AREA_A, D1))
    async with asgi_client(bulky.app) as client:
        mine = (await client.get("/sync/pull", headers=bearer(bulky.app,
                                                              bulky.resident))).json()
        theirs = (await client.get("/sync/pull", headers=bearer(bulky.app, bulky.other))).json()
        public = (await client.get("/sync/streams/public/pull")).json()
    assert [(c["collection"], c["key"]) for c in mine["changes"]] == [("bulky_waste", "b-1")]
    assert theirs["changes"] == []
    assert [(c["collection"], c["data"]["remaining"]) for c in public["changes"]] == [
        ("bulky_slots", 2)]


def test_a_replayed_push_returns_the_stored_result_and_takes_no_second_place(
        bulky: Bulky) -> None:
    mutation = bulky_mutation("book", book_args("b-1", AREA_A, D1))
    first = push(bulky.engine, bulky.resident, "book", {}, mutation=mutation)
    again = push(bulky.engine, bulky.resident, "book", {}, mutation=mutation)
    assert first["status"] == "applied"
    assert again["status"] == "duplicate" and again["original_status"] == "applied"
    assert again["result"] == first["result"]
    same_id = push(bulky.engine, bulky.resident, "book", book_args("b-1", AREA_A, D1))
    assert error_code(same_id) == "already_exists"
    assert slot_state(bulky.engine, AREA_A, D1) == (3, 1)
    assert len(log_rows(bulky.engine, "bulky_waste")) == 1


def test_change_day_moves_the_place_and_items_change_the_fee(bulky: Bulky) -> None:
    push(bulky.engine, bulky.resident, "book", book_args("b-1", AREA_A, D1))
    moved = push(bulky.engine, bulky.resident, "change",
                 {"id": "b-1", "day": D2.isoformat(), "items": [
                     {"item_id": "sofa", "quantity": 1}, {"item_id": "heater", "quantity": 2}]})
    assert moved["status"] == "applied", moved
    booking = moved["result"]
    assert (booking["day"], booking["total_fee"], booking["number"]) == (
        "2026-12-10", 2000, "S2612-0001")
    assert booking["changeable_until"] == "2026-12-08"
    assert slot_state(bulky.engine, AREA_A, D1) == (3, 0)
    assert slot_state(bulky.engine, AREA_A, D2) == (3, 1)
    slots = {key: data["remaining"] for _, key, data in log_rows(bulky.engine, "bulky_slots")}
    assert slots == {f"{AREA_A}:2026-12-03": 3, f"{AREA_A}:2026-12-10": 2}
    assert log_rows(bulky.engine, "bulky_waste")[-1][2] == booking


def test_a_change_to_a_full_day_changes_nothing(bulky: Bulky) -> None:
    push(bulky.engine, bulky.resident, "book", book_args("b-1", AREA_A, D1))
    for n in range(3):
        push(bulky.engine, make_person(bulky.app), "book", book_args(f"x-{n}", AREA_A, D2))
    refused = push(bulky.engine, bulky.resident, "change",
                   {"id": "b-1", "day": D2.isoformat(), "items": [
                       {"item_id": "sofa", "quantity": 1}]})
    assert error_code(refused) == "slot_full"
    assert slot_state(bulky.engine, AREA_A, D1) == (3, 1)
    assert slot_state(bulky.engine, AREA_A, D2) == (3, 3)
    kept = log_rows(bulky.engine, "bulky_waste", bulky.resident.id)
    assert len(kept) == 1 and kept[0][2]["day"] == "2026-12-03"
    no_slot = push(bulky.engine, bulky.resident, "change",
                   {"id": "b-1", "day": "2026-12-17"})
    assert error_code(no_slot) == "no_slot"
    nothing = push(bulky.engine, bulky.resident, "change", {"id": "b-1"})
    assert error_code(nothing) == "invalid_args"


def test_cancel_releases_the_place(bulky: Bulky) -> None:
    push(bulky.engine, bulky.resident, "book", book_args("b-1", AREA_A, D1))
    cancelled = push(bulky.engine, bulky.resident, "cancel", {"id": "b-1"})
    assert cancelled["status"] == "applied"
    booking = cancelled["result"]
    assert booking["status"] == "cancelled" and booking["cancelled_at"] is not None
    assert booking["changeable_until"] is None
    assert slot_state(bulky.engine, AREA_A, D1) == (3, 0)
    assert log_rows(bulky.engine, "bulky_slots")[-1][2]["remaining"] == 3
    rows = len(log_rows(bulky.engine, "bulky_waste"))
    again = push(bulky.engine, bulky.resident, "cancel", {"id": "b-1"})
    assert again["status"] == "applied" and again["result"]["status"] == "cancelled"
    assert len(log_rows(bulky.engine, "bulky_waste")) == rows  # nothing changed
    assert slot_state(bulky.engine, AREA_A, D1) == (3, 0)
    changed = push(bulky.engine, bulky.resident, "change", {"id": "b-1", "day": "2026-12-10"})
    assert error_code(changed) == "not_booked"


def test_the_deadline_counts_working_days_and_skips_a_holiday(bulky: Bulky) -> None:
    wednesday = date(2026, 11, 25)  # Monday 11-23 is 勤労感謝の日
    add_slot(bulky.engine, AREA_B, wednesday, capacity=5)
    bulky.today[0] = date(2026, 11, 20)  # Friday: the 2nd working day before
    booked = push(bulky.engine, bulky.resident, "book", book_args("b-1", AREA_B, wednesday))
    assert booked["status"] == "applied", booked
    assert booked["result"]["changeable_until"] == "2026-11-20"
    bulky.today[0] = date(2026, 11, 23)  # counting weekdays only would still allow this
    late = push(bulky.engine, bulky.other, "book", book_args("b-2", AREA_B, wednesday))
    assert error_code(late) == "deadline_passed"
    assert "2026-11-20" in late["error"]["message"]
    assert error_code(push(bulky.engine, bulky.resident, "cancel", {"id": "b-1"})) == (
        "deadline_passed")
    moved = push(bulky.engine, bulky.resident, "change", {"id": "b-1", "day": D1.isoformat()})
    assert error_code(moved) == "deadline_passed"  # the old day's deadline has passed
    assert slot_state(bulky.engine, AREA_B, wednesday) == (5, 1)
    # And into a day whose deadline passed: refused even when the old day is still open.
    push(bulky.engine, bulky.other, "book", book_args("b-3", AREA_A, D2))
    add_slot(bulky.engine, AREA_A, date(2026, 11, 24), capacity=5)
    into_closed = push(bulky.engine, bulky.other, "change", {"id": "b-3", "day": "2026-11-24"})
    assert error_code(into_closed) == "deadline_passed"
    assert slot_state(bulky.engine, AREA_A, D2) == (3, 1)


def test_items_must_be_bulky_known_and_priced(bulky: Bulky) -> None:
    cases = {
        "not_bulky": [("namagomi", 1)],
        "unknown_item": [("no-such-item", 1)],
        "fee_unknown": [("no-fee", 1)],
    }
    for code, items in cases.items():
        result = push(bulky.engine, bulky.resident, "book",
                      book_args(f"b-{code}", AREA_A, D1, items))
        assert error_code(result) == code, result
    unknown_area = push(bulky.engine, bulky.resident, "book", book_args("b-x", "nowhere", D1))
    assert error_code(unknown_area) == "unknown_area"
    no_slot = push(bulky.engine, bulky.resident, "book", book_args("b-y", AREA_B, D1))
    assert error_code(no_slot) == "no_slot"
    malformed = [
        book_args("b-z", AREA_A, D1, [("futon", 11)]),
        book_args("b-z", AREA_A, D1, [("futon", 0)]),
        book_args("b-z", AREA_A, D1, []),
        book_args("b-z", AREA_A, D1, [(f"i{n}", 1) for n in range(11)]),
        book_args("b-z", AREA_A, D1, [("futon", 1), ("futon", 2)]),
        {**book_args("b-z", AREA_A, D1), "day": "2026/12/03"},
        {**book_args("b-z", AREA_A, D1), "day": "2026-02-30"},
        {**book_args("b-z", AREA_A, D1), "id": "x" * 65},
        {**book_args("b-z", AREA_A, D1), "items": [{"item_id": "futon", "quantity": True}]},
    ]
    for args in malformed:
        assert error_code(push(bulky.engine, bulky.resident, "book", args)) == "invalid_args"
    assert slot_state(bulky.engine, AREA_A, D1) == (3, 0)
    assert log_rows(bulky.engine, "bulky_waste") == []


def test_a_full_slot_is_refused_clearly(bulky: Bulky) -> None:
    add_slot(bulky.engine, AREA_B, D1, capacity=1)
    first = push(bulky.engine, bulky.resident, "book", book_args("b-1", AREA_B, D1))
    second = push(bulky.engine, bulky.other, "book", book_args("b-2", AREA_B, D1))
    assert first["status"] == "applied"
    assert error_code(second) == "slot_full"
    assert "fully booked" in second["error"]["message"]
    assert "いっぱい" in second["error"]["message"]
    assert slot_state(bulky.engine, AREA_B, D1) == (1, 1)
    assert log_rows(bulky.engine, "bulky_waste", bulky.other.id) == []


def test_another_persons_booking_is_not_found(bulky: Bulky) -> None:
    push(bulky.engine, bulky.resident, "book", book_args("b-1", AREA_A, D1))
    for name, args in (("cancel", {"id": "b-1"}),
                       ("change", {"id": "b-1", "day": D2.isoformat()})):
        result = push(bulky.engine, bulky.other, name, args)
        assert error_code(result) == "not_found", result
    assert slot_state(bulky.engine, AREA_A, D1) == (3, 1)
    assert slot_state(bulky.engine, AREA_A, D2) == (3, 0)
    assert [row[0] for row in log_rows(bulky.engine, "bulky_waste")] == [bulky.resident.id]


def test_a_collected_booking_reaches_its_owner_and_cannot_change(bulky: Bulky) -> None:
    booked = push(bulky.engine, bulky.resident, "book", book_args("b-1", AREA_A, D1))
    collected = mark_collected(bulky.engine, CODE, booked["result"]["number"])
    assert collected["status"] == "collected" and collected["collected_at"] is not None
    owner_rows = log_rows(bulky.engine, "bulky_waste", bulky.resident.id)
    assert owner_rows[-1][2] == collected
    assert slot_state(bulky.engine, AREA_A, D1) == (3, 1)  # the place stays used
    for name, args in (("cancel", {"id": "b-1"}), ("change", {"id": "b-1", "day": "2026-12-10"})):
        assert error_code(push(bulky.engine, bulky.resident, name, args)) == "not_booked"


def test_the_deadline_setting_is_used(database_url: str, make_app: Callable[..., FastAPI],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(database_url, load_demo_data=False, bulky_deadline_working_days=5)
    try:
        seed_waste(app.state.engine)
        add_slot(app.state.engine, AREA_A, D1, capacity=3)
        monkeypatch.setattr(deadline, "today", lambda: date(2026, 11, 27))
        result = push(app.state.engine, make_person(app), "book", book_args("b", AREA_A, D1))
        assert error_code(result) == "deadline_passed"  # 5 working days: until Wed 11-26
    finally:
        deadline.configure(deadline.DEFAULT_WORKING_DAYS)


@pytest.mark.anyio
async def test_the_my_data_export_has_the_bookings(bulky: Bulky) -> None:
    booked = push(bulky.engine, bulky.resident, "book", book_args("b-1", AREA_A, D1))
    push(bulky.engine, bulky.other, "book", book_args("b-2", AREA_A, D1))
    async with asgi_client(bulky.app) as client:
        response = await client.get("/me/export", headers=bearer(bulky.app, bulky.resident))
    assert response.json()["synced_data"]["bulky_waste"] == [booked["result"]]


def test_an_email_only_visitor_account_cannot_book_a_home_collection(bulky: Bulky) -> None:
    visitor = make_person(bulky.app, assurance_level="email", address=None)
    result = push(bulky.engine, visitor, "book", book_args("v-1", AREA_A, D1))
    assert result["status"] == "rejected"
    assert error_code(result) == "residents_only"
    assert slot_state(bulky.engine, AREA_A, D1) == (3, 0)  # no place taken
