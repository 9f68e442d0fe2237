"""The waiting-number queue (整理券, docs/reservations.md §3): numbers per counter and Tokyo
day, one open ticket per person, the public screen with the caller's place, the call order
with appointments, skip and done, personal notices and department scoping."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session

from backend.tiles.reservations.queue.tickets import CHANNEL_COUNTER, queue_appointment
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer
from tests.backend.test_reservation_queue_helpers import (
    DAY,
    MORNING,
    add_booking,
    add_resource,
    add_slot,
    clerk,
    fix_now,
    notices_of,
    resident,
)

pytestmark = pytest.mark.anyio
QUEUE = "/queue/t-kosodate"
STAFF = "/staff/queue/t-kosodate"


def _app(make_app: Any, database_url: str) -> FastAPI:
    app: FastAPI = make_app(database_url, load_demo_data=False)
    add_resource(app, "t-kosodate-counter")
    return app


async def test_numbers_count_per_counter_and_restart_each_day(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    add_resource(app, "t-shimin-counter", department="citizens", counter="t-shimin")
    hanako, taro, kodomo = resident(app), resident(app, "津山 太郎"), clerk(app)
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        first = await client.post(f"{QUEUE}/tickets", headers=bearer(app, hanako))
        second = await client.post(f"{QUEUE}/tickets", headers=bearer(app, taro))
        walk_in = await client.post(f"{STAFF}/tickets", headers=bearer(app, kodomo),
                                    json={"channel": "counter"})
        other_counter = await client.post("/queue/t-shimin/tickets", headers=bearer(app, taro))
        assert [first.status_code, second.status_code, walk_in.status_code] == [201] * 3
        assert [first.json()["number"], second.json()["number"], walk_in.json()["number"]] == [
            1, 2, 3]
        assert walk_in.json()["channel"] == "counter"
        assert first.json()["day"] == DAY.isoformat()
        assert first.json()["name"]["ja"] == "t-kosodate の窓口"
        assert other_counter.json()["number"] == 1
        # Just before midnight in Tokyo it is still the same day; just after, a new one.
        fix_now(monkeypatch, MORNING + timedelta(hours=13, minutes=59))
        late = await client.post(f"{STAFF}/tickets", headers=bearer(app, kodomo))
        fix_now(monkeypatch, MORNING + timedelta(hours=14))
        next_day = await client.post(f"{QUEUE}/tickets", headers=bearer(app, hanako))
        assert late.json()["number"] == 4
        assert next_day.status_code == 201
        assert next_day.json()["number"] == 1
        assert next_day.json()["day"] == (DAY + timedelta(days=1)).isoformat()


async def test_one_open_ticket_per_person_and_a_new_one_after_done(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    hanako, kodomo = resident(app), clerk(app)
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        first = await client.post(f"{QUEUE}/tickets", headers=bearer(app, hanako))
        again = await client.post(f"{QUEUE}/tickets", headers=bearer(app, hanako))
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["number"] == first.json()["number"] == 1
        mine = await client.get(f"{QUEUE}/tickets/mine", headers=bearer(app, hanako))
        assert mine.json()["number"] == 1 and mine.json()["status"] == "waiting"
        called = await client.post(f"{STAFF}/call", headers=bearer(app, kodomo))
        assert called.json()["ticket"]["number"] == 1
        while_called = await client.post(f"{QUEUE}/tickets", headers=bearer(app, hanako))
        assert (while_called.status_code, while_called.json()["number"]) == (200, 1)
        done = await client.post(f"{STAFF}/tickets/1/done", headers=bearer(app, kodomo))
        assert done.json()["status"] == "done"
        gone = await client.get(f"{QUEUE}/tickets/mine", headers=bearer(app, hanako))
        assert gone.status_code == 404 and gone.json()["detail"]["code"] == "no_ticket"
        new = await client.post(f"{QUEUE}/tickets", headers=bearer(app, hanako))
        assert (new.status_code, new.json()["number"]) == (201, 2)


async def test_the_public_screen_and_the_callers_place(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    hanako, taro, kodomo = resident(app), resident(app, "津山 太郎"), clerk(app)
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        empty = (await client.get(QUEUE)).json()
        assert (empty["serving"], empty["waiting"], empty["mine"]) == (None, 0, None)
        await client.post(f"{STAFF}/tickets", headers=bearer(app, kodomo))  # 1, walk-in
        await client.post(f"{QUEUE}/tickets", headers=bearer(app, taro))  # 2
        await client.post(f"{QUEUE}/tickets", headers=bearer(app, hanako))  # 3
        anonymous = (await client.get(QUEUE)).json()
        assert anonymous["name"] == {"ja": "t-kosodate の窓口", "en": "t-kosodate counter"}
        assert (anonymous["serving"], anonymous["waiting"], anonymous["mine"],
                anonymous["ahead"]) == (None, 3, None, None)
        assert (await client.get(QUEUE, headers={"Authorization": "Bearer stale"})).json()[
            "waiting"] == 3  # a stale token reads the public screen
        mine = (await client.get(QUEUE, headers=bearer(app, hanako))).json()
        assert (mine["mine"]["number"], mine["ahead"], mine["mine"]["ahead"]) == (3, 2, 2)
        await client.post(f"{STAFF}/call", headers=bearer(app, kodomo))
        after = (await client.get(QUEUE, headers=bearer(app, hanako))).json()
        assert (after["serving"], after["waiting"], after["ahead"]) == (1, 2, 1)
        await client.post(f"{STAFF}/call", headers=bearer(app, kodomo))
        taros = (await client.get(QUEUE, headers=bearer(app, taro))).json()
        assert (taros["serving"], taros["called"], taros["mine"]["status"],
                taros["ahead"]) == (2, [1, 2], "called", None)


async def test_appointments_due_go_first_then_numbers_in_order(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    soon, later = MORNING + timedelta(minutes=10), MORNING + timedelta(hours=2)
    add_slot(app, "t-kosodate-counter", soon)
    add_slot(app, "t-kosodate-counter", later)
    hanako, taro, kodomo = resident(app), resident(app, "津山 太郎"), clerk(app)
    early_bird = add_booking(app, "t-kosodate-counter", later, taro, status="checked_in")
    due = add_booking(app, "t-kosodate-counter", soon, hanako, status="checked_in")
    code = app.state.settings.municipality_code
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        for _ in range(2):
            await client.post(f"{STAFF}/tickets", headers=bearer(app, kodomo))  # 1, 2
        with Session(app.state.engine) as session:
            numbers = [queue_appointment(session, code, "t-kosodate", DAY, MORNING, booking,
                                         CHANNEL_COUNTER).number
                       for booking in (early_bird, due)]
            session.commit()
        assert numbers == [3, 4]
        screen = (await client.get(STAFF, headers=bearer(app, kodomo))).json()
        assert screen["call_order"] == [4, 1, 2, 3]
        assert [t["appointment"] for t in screen["tickets"]] == [False, False, True, True]
        assert screen["tickets"][3]["booking_number"] == due.number
        taros = (await client.get(QUEUE, headers=bearer(app, taro))).json()
        assert taros["ahead"] == 3  # 4 (due), 1 and 2 first
        order = [(await client.post(f"{STAFF}/call", headers=bearer(app, kodomo))).json()
                 ["ticket"]["number"] for _ in range(4)]
        assert order == [4, 1, 2, 3]
        empty = await client.post(f"{STAFF}/call", headers=bearer(app, kodomo))
        assert empty.status_code == 409 and empty.json()["detail"]["code"] == "queue_empty"


async def test_a_later_appointment_is_due_when_its_time_comes(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    later = MORNING + timedelta(hours=1)
    add_slot(app, "t-kosodate-counter", later)
    hanako, kodomo = resident(app), clerk(app)
    booking = add_booking(app, "t-kosodate-counter", later, hanako, status="checked_in")
    code = app.state.settings.municipality_code
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        with Session(app.state.engine) as session:
            queue_appointment(session, code, "t-kosodate", DAY, MORNING, booking,
                              CHANNEL_COUNTER)
            session.commit()
        await client.post(f"{STAFF}/tickets", headers=bearer(app, kodomo))  # 2
        assert (await client.get(STAFF, headers=bearer(app, kodomo))).json()[
            "call_order"] == [1, 2]
        fix_now(monkeypatch, later - timedelta(minutes=16))
        await client.post(f"{STAFF}/tickets", headers=bearer(app, kodomo))  # 3
        assert (await client.get(STAFF, headers=bearer(app, kodomo))).json()[
            "call_order"] == [1, 2, 3]
        fix_now(monkeypatch, later - timedelta(minutes=15))
        assert (await client.get(STAFF, headers=bearer(app, kodomo))).json()[
            "call_order"] == [1, 2, 3]  # 1 was first anyway
        await client.post(f"{STAFF}/tickets/1/skip", headers=bearer(app, kodomo))
        with Session(app.state.engine) as session:
            again = queue_appointment(session, code, "t-kosodate", DAY, MORNING, booking,
                                      CHANNEL_COUNTER)
        assert again.number == 1  # the booking keeps its one ticket


async def test_skip_and_done_moves(database_url: str, make_app: Any,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    kodomo = clerk(app)
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        for _ in range(3):
            await client.post(f"{STAFF}/tickets", headers=bearer(app, kodomo))
        staff = bearer(app, kodomo)
        early_done = await client.post(f"{STAFF}/tickets/2/done", headers=staff)
        assert early_done.status_code == 409
        assert early_done.json()["detail"]["code"] == "wrong_ticket_status"
        assert early_done.json()["detail"]["status"] == "waiting"
        skipped = await client.post(f"{STAFF}/tickets/2/skip", headers=staff)
        assert skipped.json()["status"] == "skipped"
        assert (await client.post(f"{STAFF}/tickets/2/skip", headers=staff)).status_code == 409
        assert (await client.post(f"{STAFF}/call", headers=staff)).json()["ticket"][
            "number"] == 1
        assert (await client.post(f"{STAFF}/call", headers=staff)).json()["ticket"][
            "number"] == 3
        assert (await client.post(f"{STAFF}/tickets/1/skip", headers=staff)).json()[
            "status"] == "skipped"  # called but did not come
        assert (await client.post(f"{STAFF}/tickets/3/done", headers=staff)).json()[
            "status"] == "done"
        missing = await client.post(f"{STAFF}/tickets/99/done", headers=staff)
        assert missing.status_code == 404
        assert missing.json()["detail"]["code"] == "ticket_not_found"
        screen = (await client.get(STAFF, headers=staff)).json()
        assert [(t["number"], t["status"]) for t in screen["tickets"]] == [
            (1, "skipped"), (2, "skipped"), (3, "done")]
        assert (screen["serving"], screen["waiting"]) == (None, 0)


async def test_a_called_resident_gets_a_notice(database_url: str, make_app: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    hanako, kodomo = resident(app), clerk(app)
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        await client.post(f"{STAFF}/tickets", headers=bearer(app, kodomo))  # walk-in: 1
        await client.post(f"{QUEUE}/tickets", headers=bearer(app, hanako))  # 2
        await client.post(f"{STAFF}/call", headers=bearer(app, kodomo))
        assert notices_of(app, hanako) == []
        await client.post(f"{STAFF}/call", headers=bearer(app, kodomo))
    notices = notices_of(app, hanako)
    assert len(notices) == 1
    assert "2" in notices[0].title_ja and "t-kosodate の窓口" in notices[0].title_ja
    assert "number 2" in notices[0].title_en


async def test_other_departments_and_unknown_counters_are_404(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    add_resource(app, "old-counter", counter="closed-counter", withdrawn=True)
    add_resource(app, "t-kosodate-course", counter="t-kosodate")  # same counter, same department
    add_resource(app, "t-shimin-counter", department="citizens", counter="t-kosodate")
    hanako, kodomo = resident(app), clerk(app)
    sakura, kenta = clerk(app, "citizens", "職員 さくら"), clerk(app, "health", "職員 けんた")
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        await client.post(f"{STAFF}/tickets", headers=bearer(app, kodomo))
        # Citizens' resource shares the counter: their staff serve it too.
        assert (await client.get(STAFF, headers=bearer(app, sakura))).status_code == 200
        for method, path in (("POST", f"{STAFF}/tickets"), ("POST", f"{STAFF}/call"),
                             ("POST", f"{STAFF}/tickets/1/skip"),
                             ("POST", f"{STAFF}/tickets/1/done"), ("GET", STAFF)):
            other = await client.request(method, path, headers=bearer(app, kenta))
            assert other.status_code == 404, (method, path)
            assert other.json()["detail"]["code"] == "counter_not_found"
            not_staff = await client.request(method, path, headers=bearer(app, hanako))
            assert not_staff.status_code == 403, (method, path)
            assert (await client.request(method, path)).status_code == 401
        for counter in ("nowhere", "closed-counter"):
            assert (await client.get(f"/queue/{counter}")).status_code == 404
            assert (await client.post(f"/queue/{counter}/tickets",
                                      headers=bearer(app, hanako))).status_code == 404
            assert (await client.get(f"/staff/queue/{counter}",
                                     headers=bearer(app, kodomo))).status_code == 404
        assert (await client.post(f"{QUEUE}/tickets")).status_code == 401
        assert (await client.get(f"{QUEUE}/tickets/mine")).status_code == 401
