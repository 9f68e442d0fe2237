"""Staff routes of reservations (docs/reservations.md §4): resources by department (another
department's is 404), the day's list with an access-log entry per resident shown, slots
added, resized (never below the places taken) and closed (bookings closed, each person told),
check-in by id and by the scanned code (the appointment joins the counter's queue), no-show."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session

from backend.tiles.reservations.checkin_code import checkin_code, checkin_key
from backend.tiles.reservations.models import ReservationBooking, ReservationSlot
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer
from tests.backend.test_reservation_queue_helpers import (
    DAY,
    MORNING,
    access_log_of,
    add_booking,
    add_resource,
    add_slot,
    clerk,
    fix_now,
    notices_of,
    resident,
)

pytestmark = pytest.mark.anyio
RESOURCE = "t-kosodate-counter"
BASE = f"/staff/reservations/{RESOURCE}"
SOON = MORNING + timedelta(minutes=30)  # 10:30 in Tokyo
SOON_PATH = "2026-12-15T10:30:00+09:00"


def _app(make_app: Any, database_url: str) -> FastAPI:
    app: FastAPI = make_app(database_url, load_demo_data=False)
    add_resource(app, RESOURCE)
    add_resource(app, "t-old-room", withdrawn=True, counter=None)
    add_resource(app, "t-shimin-counter", department="citizens", counter="t-shimin")
    add_slot(app, RESOURCE, SOON)
    return app


def _booking(app: FastAPI, booking: ReservationBooking) -> ReservationBooking:
    with Session(app.state.engine) as session:
        row = session.get(ReservationBooking, booking.id)
        assert row is not None
        return row


def _slot(app: FastAPI, start: Any = SOON) -> ReservationSlot:
    with Session(app.state.engine) as session:
        row = session.get(ReservationSlot, (app.state.settings.municipality_code, RESOURCE,
                                            start))
        assert row is not None
        return row


async def test_staff_see_their_departments_resources(database_url: str, make_app: Any) -> None:
    app = _app(make_app, database_url)
    kodomo, sakura, hanako = clerk(app), clerk(app, "citizens", "職員 さくら"), resident(app)
    async with asgi_client(app) as client:
        own = (await client.get("/staff/reservations/resources",
                                headers=bearer(app, kodomo))).json()["resources"]
        other = (await client.get("/staff/reservations/resources",
                                  headers=bearer(app, sakura))).json()["resources"]
        refused = await client.get("/staff/reservations/resources", headers=bearer(app, hanako))
    assert [(r["id"], r["withdrawn"]) for r in own] == [("t-kosodate-counter", False),
                                                       ("t-old-room", True)]
    assert own[0]["queue"]["counter"] == "t-kosodate"
    assert [r["id"] for r in other] == ["t-shimin-counter"]
    assert refused.status_code == 403


async def test_the_day_list_names_the_booked_and_logs_each_read(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    later = MORNING + timedelta(hours=1)
    add_slot(app, RESOURCE, later, capacity=1)
    hanako, child, taro = resident(app), resident(app, "津山 はな"), resident(app, "津山 太郎")
    kodomo, sakura = clerk(app), clerk(app, "citizens", "職員 さくら")
    for_child = add_booking(app, RESOURCE, SOON, hanako, subject=child)
    booked = add_booking(app, RESOURCE, later, taro)
    waiter = add_booking(app, RESOURCE, later, hanako, status="waiting", waiting_seq=1)
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        answer = await client.get(f"{BASE}/day/{DAY.isoformat()}", headers=bearer(app, kodomo))
        stated = await client.get(f"{BASE}/day/{DAY.isoformat()}", headers=bearer(app, kodomo),
                                  params={"purpose": "  窓口の準備  "})
        other = await client.get(f"{BASE}/day/{DAY.isoformat()}", headers=bearer(app, sakura))
        empty = await client.get(f"{BASE}/day/2026-12-16", headers=bearer(app, kodomo))
    assert answer.status_code == 200, answer.text
    slots = answer.json()["slots"]
    assert [s["start"] for s in slots] == [SOON.isoformat(), later.isoformat()]
    first = slots[0]["bookings"]
    assert [(b["number"], b["name"], b["booker_name"], b["status"]) for b in first] == [
        (for_child.number, "津山 はな", "津山 花子", "booked")]
    assert [(b["number"], b["status"], b["position"]) for b in slots[1]["bookings"]] == [
        (booked.number, "booked", None), (waiter.number, "waiting", 1)]
    assert (slots[1]["booked"], slots[1]["waiting"], slots[1]["capacity"]) == (1, 1, 1)
    assert other.status_code == 404
    assert other.json()["detail"]["code"] == "resource_not_found"
    assert (empty.status_code, empty.json()["slots"]) == (200, [])
    assert stated.status_code == 200
    for person in (hanako, child, taro):
        entries = access_log_of(app, person)
        assert [(e.actor_kind, e.actor_person_id, e.resource) for e in entries] == [
            ("staff", kodomo.id, "reservations")] * 2, person.name
        assert entries[0].purpose.startswith("予約の確認")
        assert entries[1].purpose == "窓口の準備"


async def test_slots_are_added_and_resized_never_below_the_places_taken(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    hanako, taro, kodomo = resident(app), resident(app, "津山 太郎"), clerk(app)
    add_booking(app, RESOURCE, SOON, hanako)
    add_booking(app, RESOURCE, SOON, taro)
    waiter = add_booking(app, RESOURCE, SOON, hanako, status="waiting", waiting_seq=1)
    staff = bearer(app, kodomo)
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        added = await client.post(f"{BASE}/slots", headers=staff,
                                  json={"start": "2026-12-15T16:00:00+09:00"})
        assert added.status_code == 201, added.text
        assert (added.json()["capacity"], added.json()["end"]) == (
            2, "2026-12-15T07:30:00+00:00")  # the pattern's capacity and length
        again = await client.post(f"{BASE}/slots", headers=staff,
                                  json={"start": "2026-12-15T07:00:00Z", "capacity": 5})
        assert (again.status_code, again.json()["detail"]["code"]) == (409, "slot_exists")
        past = await client.post(f"{BASE}/slots", headers=staff,
                                 json={"start": "2026-12-15T09:00:00+09:00"})
        assert (past.status_code, past.json()["detail"]["code"]) == (422, "slot_in_past")
        withdrawn = await client.post("/staff/reservations/t-old-room/slots", headers=staff,
                                      json={"start": "2026-12-16T09:00:00+09:00"})
        assert withdrawn.status_code == 409
        below = await client.patch(f"{BASE}/slots/{SOON_PATH}", headers=staff,
                                   json={"capacity": 1})
        assert below.status_code == 409
        assert below.json()["detail"]["code"] == "capacity_below_booked"
        assert below.json()["detail"]["booked"] == 2
        raised = await client.patch(f"{BASE}/slots/{SOON_PATH}", headers=staff,
                                    json={"capacity": 3})
        assert raised.status_code == 200, raised.text
        assert (raised.json()["capacity"], raised.json()["booked"],
                raised.json()["waiting"]) == (3, 3, 0)  # the new place went to the waiter
        missing = await client.patch(f"{BASE}/slots/2026-12-15T10:45:00+09:00", headers=staff,
                                     json={"capacity": 3})
        assert missing.status_code == 404
    assert _booking(app, waiter).status == "offered"
    assert len(notices_of(app, hanako)) == 1  # the offer


async def test_closing_a_slot_closes_its_bookings_and_tells_each_person(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    hanako, child, taro = resident(app), resident(app, "津山 はな"), resident(app, "津山 太郎")
    jiro, kodomo = resident(app, "津山 次郎"), clerk(app)
    for_child = add_booking(app, RESOURCE, SOON, hanako, subject=child)
    arrived = add_booking(app, RESOURCE, SOON, taro, status="checked_in")
    waiter = add_booking(app, RESOURCE, SOON, jiro, status="waiting", waiting_seq=1)
    with Session(app.state.engine) as session:  # a fee to pay at the counter: no points back
        row = session.get(ReservationBooking, for_child.id)
        assert row is not None
        row.fee_amount_yen, row.fee_method = 500, "counter"
        session.add(row)
        session.commit()
    staff = bearer(app, kodomo)
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        blank = await client.post(f"{BASE}/slots/{SOON_PATH}/close", headers=staff,
                                  json={"reason": "   "})
        assert blank.status_code == 422
        closed = await client.post(f"{BASE}/slots/{SOON_PATH}/close", headers=staff,
                                   json={"reason": "停電のため"})
        assert closed.status_code == 200, closed.text
        assert sorted(closed.json()["closed_bookings"]) == sorted([for_child.number,
                                                                   waiter.number])
        assert (closed.json()["closed"], closed.json()["booked"],
                closed.json()["waiting"]) == (True, 1, 0)
        twice = await client.post(f"{BASE}/slots/{SOON_PATH}/close", headers=staff,
                                  json={"reason": "停電のため"})
        assert (twice.status_code, twice.json()["detail"]["code"]) == (409, "slot_closed")
        resize = await client.patch(f"{BASE}/slots/{SOON_PATH}", headers=staff,
                                    json={"capacity": 5})
        assert resize.status_code == 409
    for booking in (for_child, waiter):
        row = _booking(app, booking)
        assert (row.status, row.reason, row.ics_sequence) == ("closed", "停電のため", 1)
    assert _booking(app, arrived).status == "checked_in"
    for person in (hanako, child, jiro):
        notices = notices_of(app, person)
        assert len(notices) == 1, person.name
        assert "停電のため" in notices[0].body_ja and "中止" in notices[0].title_ja
        assert "ポイント" not in notices[0].body_ja
    assert notices_of(app, taro) == []
    assert _slot(app).closed_reason == "停電のため"


async def test_check_in_puts_the_appointment_into_the_queue(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    tomorrow = SOON + timedelta(days=1)
    add_slot(app, RESOURCE, tomorrow)
    hanako, taro, kodomo = resident(app), resident(app, "津山 太郎"), clerk(app)
    sakura = clerk(app, "citizens", "職員 さくら")
    booking = add_booking(app, RESOURCE, SOON, hanako)
    not_today = add_booking(app, RESOURCE, tomorrow, taro)
    cancelled = add_booking(app, RESOURCE, SOON, taro, status="cancelled")
    staff = bearer(app, kodomo)
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        await client.post("/staff/queue/t-kosodate/tickets", headers=staff)  # walk-in: 1
        other = await client.post(f"/staff/reservations/bookings/{booking.id}/check-in",
                                  headers=bearer(app, sakura))
        assert (other.status_code, other.json()["detail"]["code"]) == (404,
                                                                       "booking_not_found")
        done = await client.post(f"/staff/reservations/bookings/{booking.id}/check-in",
                                 headers=staff)
        assert done.status_code == 200, done.text
        assert done.json()["booking"]["status"] == "checked_in"
        assert (done.json()["ticket"]["number"], done.json()["ticket"]["appointment"]) == (
            2, True)
        again = await client.post(f"/staff/reservations/bookings/{booking.id}/check-in",
                                  headers=staff)
        assert (again.status_code, again.json()["ticket"]["number"]) == (200, 2)
        early = await client.post(f"/staff/reservations/bookings/{not_today.id}/check-in",
                                  headers=staff)
        assert (early.status_code, early.json()["detail"]["code"]) == (409, "not_today")
        wrong = await client.post(f"/staff/reservations/bookings/{cancelled.id}/check-in",
                                  headers=staff)
        assert (wrong.status_code, wrong.json()["detail"]["code"]) == (409, "wrong_status")
        mine = (await client.get("/queue/t-kosodate", headers=bearer(app, hanako))).json()
        assert (mine["mine"]["number"], mine["ahead"]) == (2, 1)
        fix_now(monkeypatch, SOON - timedelta(minutes=15))  # due: called before the walk-in
        called = await client.post("/staff/queue/t-kosodate/call", headers=staff)
        assert called.json()["ticket"]["booking_number"] == booking.number
    assert _booking(app, booking).checked_in_at is not None
    assert [e.purpose for e in access_log_of(app, hanako)] == ["予約の受付（チェックイン）"] * 2
    assert len(notices_of(app, hanako)) == 1  # called


async def test_check_in_by_the_scanned_code(database_url: str, make_app: Any,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    hanako, kodomo, sakura = resident(app), clerk(app), clerk(app, "citizens", "職員 さくら")
    booking = add_booking(app, RESOURCE, SOON, hanako)
    secret = checkin_key(app.state.signing_key)
    code = checkin_code(secret, booking.id, SOON)
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        url = "/staff/reservations/check-in"
        garbled = await client.post(url, headers=bearer(app, kodomo),
                                    json={"code": code[:-2] + "AA"})
        assert (garbled.status_code, garbled.json()["detail"]["code"]) == (422, "invalid_code")
        other = await client.post(url, headers=bearer(app, sakura), json={"code": code})
        assert other.status_code == 404
        moved = await client.post(url, headers=bearer(app, kodomo), json={
            "code": checkin_code(secret, booking.id, SOON - timedelta(hours=1))})
        assert (moved.status_code, moved.json()["detail"]["code"]) == (409, "code_outdated")
        typed = await client.post(url, headers=bearer(app, kodomo),
                                  json={"code": f"  {code.lower()} "})
        assert typed.status_code == 200, typed.text
        assert typed.json()["booking"]["number"] == booking.number
        assert typed.json()["ticket"]["number"] == 1
    assert _booking(app, booking).status == "checked_in"


async def test_no_show_after_the_slot_began_gives_the_place_back(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    hanako, kodomo = resident(app), clerk(app)
    booking = add_booking(app, RESOURCE, SOON, hanako)
    url = f"/staff/reservations/bookings/{booking.id}/no-show"
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        early = await client.post(url, headers=bearer(app, kodomo))
        assert (early.status_code, early.json()["detail"]["code"]) == (409, "not_begun")
        fix_now(monkeypatch, SOON + timedelta(minutes=5))
        marked = await client.post(url, headers=bearer(app, kodomo))
        assert (marked.status_code, marked.json()["status"]) == (200, "no_show")
        again = await client.post(url, headers=bearer(app, kodomo))
        assert again.status_code == 200
        check_in = await client.post(f"/staff/reservations/bookings/{booking.id}/check-in",
                                     headers=bearer(app, kodomo))
        assert check_in.status_code == 409
    assert _slot(app).booked == 0


async def test_bad_input_is_a_clear_4xx_never_a_500(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    kodomo, hanako = clerk(app), resident(app)
    staff = bearer(app, kodomo)
    fix_now(monkeypatch, MORNING)
    bad_days = ["2026-13-01", "2026-02-30", "1900-01-01", "9999-12-31", "abc", "2026-1-1",
                "%00", "2026-12-15T00:00"]
    bad_starts = ["2026-12-15T10:30:00", "2026-12-15T25:00:00+09:00", "x", "0",
                  "2026-12-15T10:30:00+99:00", "9999-12-31T23:59:59-23:59",
                  "0001-01-01T00:00:00+23:59"]
    bad_bodies: list[Any] = [None, [], {}, {"start": "2026-12-15T16:00:00"},
                             {"start": 2**70}, {"start": "2026-12-15T16:00:00+09:00",
                                                "capacity": 0},
                             {"start": "2026-12-15T16:00:00+09:00", "capacity": 2**63},
                             {"start": "2026-12-15T16:00:00+09:00", "minutes": -5},
                             {"start": "1800-01-01T00:00:00+09:00"}, {"capacity": "many"},
                             {"start": "9999-12-31T23:59:59-23:59"},
                             {"start": "0001-01-01T00:00:00+23:59"},
                             {"reason": "x" * 600}, {"code": ""}, {"code": "x" * 500},
                             {"code": "TRS1.U.1.AAAA"}, {"channel": "fax"}]
    cases: list[tuple[str, str, Any]] = []
    for day in bad_days:
        cases.append(("GET", f"{BASE}/day/{day}", None))
    cases.append(("GET", f"{BASE}/day/2026-12-15?purpose=%20%20%20", None))
    for start in bad_starts:
        cases.append(("PATCH", f"{BASE}/slots/{start}", {"capacity": 1}))
        cases.append(("POST", f"{BASE}/slots/{start}/close", {"reason": "x"}))
    for body in bad_bodies:
        cases.append(("POST", f"{BASE}/slots", body))
        cases.append(("POST", "/staff/reservations/check-in", body))
    for body in (None, [], {}, {"capacity": -1}, {"capacity": 2**63}, {"capacity": "many"},
                 {"capacity": 1.5}, {"reason": "x"}):
        cases.append(("PATCH", f"{BASE}/slots/{SOON_PATH}", body))
    for body in (None, [], {}, {"reason": ""}, {"reason": "x" * 600}, {"reason": 5},
                 {"capacity": 1}):
        cases.append(("POST", f"{BASE}/slots/{SOON_PATH}/close", body))
    for body in ([], {"channel": "fax"}, {"channel": 1}, "kiosk"):
        cases.append(("POST", "/staff/queue/t-kosodate/tickets", body))
    for resource in ("nowhere", "UPPER", "a" * 65, "t-shimin-counter"):
        cases.append(("GET", f"/staff/reservations/{resource}/day/2026-12-15", None))
        cases.append(("POST", f"/staff/reservations/{resource}/slots",
                      {"start": "2026-12-16T09:00:00+09:00"}))
    for booking_id in ("nobody", "x" * 65, "%00"):
        cases.append(("POST", f"/staff/reservations/bookings/{booking_id}/check-in", None))
        cases.append(("POST", f"/staff/reservations/bookings/{booking_id}/no-show", None))
    for number in ("0", "-1", "abc", "9" * 7, "1.5", "%00"):
        cases.append(("POST", f"/staff/queue/t-kosodate/tickets/{number}/done", None))
        cases.append(("POST", f"/staff/queue/t-kosodate/tickets/{number}/skip", None))
    for counter in ("NOPE", "a" * 65, "%00", "nowhere"):
        cases.append(("GET", f"/queue/{counter}", None))
        cases.append(("POST", f"/queue/{counter}/tickets", None))
        cases.append(("POST", f"/staff/queue/{counter}/call", None))
    async with asgi_client(app) as client:
        for method, url, body in cases:
            headers = bearer(app, hanako) if url.startswith("/queue/") else staff
            kwargs: dict[str, Any] = {"headers": headers}
            if body is not None:
                kwargs["json"] = body
            response = await client.request(method, url, **kwargs)
            assert 400 <= response.status_code < 500, (method, url, body, response.status_code,
                                                       response.text)
            if response.status_code == 404 and url.startswith(BASE + "/slots/"):
                pytest.fail(f"{method} {url}: a bad start must be 422, not 404")
        # The valid ones still work afterwards (nothing was half-written).
        assert (await client.get(f"{BASE}/day/2026-12-15", headers=staff)).status_code == 200
    assert _slot(app).capacity == 2
