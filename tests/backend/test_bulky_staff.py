"""Staff routes of bulky-waste booking: staff only, slot capacities (409 below the bookings),
the booking list (logged in residents' access logs), the CSV for Excel, collected."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from fastapi import FastAPI

from backend.models import Person
from backend.tiles.waste.bulky import deadline
from tests.backend.asgi_client import asgi_client
from tests.backend.bulky_helpers import (
    AREA_A,
    AREA_B,
    TODAY,
    book_args,
    error_code,
    log_rows,
    push,
    seed_waste,
    slot_state,
)
from tests.backend.people import bearer, make_person

D1 = date(2026, 12, 3)
D2 = date(2026, 12, 10)
SLOTS = "/staff/bulky/slots"
BOOKINGS = "/staff/bulky/bookings"


@dataclass
class Office:
    app: FastAPI
    staff: Person
    resident: Person
    neighbour: Person

    def as_staff(self) -> dict[str, str]:
        return bearer(self.app, self.staff)


@pytest.fixture
def office(database_url: str, make_app: Callable[..., FastAPI],
           monkeypatch: pytest.MonkeyPatch) -> Office:
    app = make_app(database_url, load_demo_data=False)
    seed_waste(app.state.engine)
    monkeypatch.setattr(deadline, "today", lambda: TODAY)
    return Office(app, make_person(app, role="staff", name="職員 一郎", departments=("waste",)),
                  make_person(app, name="住民 花子"), make_person(app, name="隣人 次郎"))


async def _slots(client: httpx.AsyncClient, office: Office, *slots: tuple[str, date, int]
                 ) -> httpx.Response:
    body = [{"area_id": area, "day": day.isoformat(), "capacity": capacity}
            for area, day, capacity in slots]
    return await client.put(SLOTS, json=body, headers=office.as_staff())


@pytest.mark.anyio
async def test_every_route_is_staff_only(office: Office) -> None:
    resident = bearer(office.app, office.resident)
    email_staff = make_person(office.app, role="staff", assurance_level="email",
                              departments=("waste",))
    async with asgi_client(office.app) as client:
        for headers in (resident, bearer(office.app, email_staff), None):
            answers = [
                await client.put(SLOTS, json=[{"area_id": AREA_A, "day": "2026-12-03",
                                               "capacity": 5}], headers=headers),
                await client.get(BOOKINGS, headers=headers),
                await client.get(f"{BOOKINGS}.csv", headers=headers),
                await client.post(f"{BOOKINGS}/S2612-0001/collected", headers=headers),
            ]
            expected = 401 if headers is None else 403
            assert [a.status_code for a in answers] == [expected] * 4
    assert log_rows(office.app.state.engine, "bulky_slots") == []


@pytest.mark.anyio
async def test_slots_are_created_resized_and_published(office: Office) -> None:
    engine = office.app.state.engine
    async with asgi_client(office.app) as client:
        created = await _slots(client, office, (AREA_B, D1, 2), (AREA_A, D1, 5))
        assert created.status_code == 200, created.text
        assert created.json()["slots"] == [
            {"area_id": AREA_A, "day": "2026-12-03", "capacity": 5, "remaining": 5,
             "booked": 0},
            {"area_id": AREA_B, "day": "2026-12-03", "capacity": 2, "remaining": 2,
             "booked": 0}]
        push(engine, office.resident, "book", book_args("b-1", AREA_A, D1))
        push(engine, office.neighbour, "book", book_args("b-2", AREA_A, D1))
        resized = await _slots(client, office, (AREA_A, D1, 2))
        assert resized.json()["slots"][0]["remaining"] == 0
        # Below the bookings: 409 naming the slot, and nothing of the request is written.
        below = await _slots(client, office, (AREA_B, D1, 9), (AREA_A, D1, 1))
        unknown = await _slots(client, office, (AREA_A, D2, 3), ("nowhere", D2, 3))
        twice = await _slots(client, office, (AREA_A, D2, 3), (AREA_A, D2, 4))
        negative = await _slots(client, office, (AREA_A, D2, -1))
        empty = await client.put(SLOTS, json=[], headers=office.as_staff())
    assert below.status_code == 409
    assert below.json()["detail"] | {"message": ""} == {
        "code": "capacity_below_booked", "message": "", "area_id": AREA_A,
        "day": "2026-12-03", "capacity": 1, "booked": 2}
    assert slot_state(engine, AREA_B, D1) == (2, 0)
    assert unknown.status_code == 422 and unknown.json()["detail"]["area_ids"] == ["nowhere"]
    assert {twice.status_code, negative.status_code, empty.status_code} == {422}
    published = [(key, data["capacity"], data["remaining"])
                 for _, key, data in log_rows(engine, "bulky_slots")]
    assert published[:2] == [(f"{AREA_A}:2026-12-03", 5, 5), (f"{AREA_B}:2026-12-03", 2, 2)]
    assert published[-1] == (f"{AREA_A}:2026-12-03", 2, 0)
    booked = push(engine, make_person(office.app), "book", book_args("b-3", AREA_A, D1))
    assert error_code(booked) == "slot_full"


async def _book_some(client: httpx.AsyncClient, office: Office) -> None:
    engine = office.app.state.engine
    assert (await _slots(client, office, (AREA_A, D1, 5), (AREA_B, D1, 5),
                         (AREA_A, D2, 5))).status_code == 200
    for person, booking_id, area, day, items in (
            (office.resident, "r-1", AREA_A, D1, [("microwave", 2), ("futon", 1)]),
            (office.neighbour, "n-1", AREA_B, D1, [("sofa", 1)]),
            (office.neighbour, "n-2", AREA_A, D2, [("futon", 1)])):
        result = push(engine, person, "book", book_args(booking_id, area, day, items))
        assert result["status"] == "applied", result
    push(engine, office.neighbour, "cancel", {"id": "n-2"})


@pytest.mark.anyio
async def test_the_booking_list_filters_pages_and_is_logged(office: Office) -> None:
    async with asgi_client(office.app) as client:
        await _book_some(client, office)
        day = await client.get(BOOKINGS, params={"day": "2026-12-03"},
                               headers=office.as_staff())
        page = await client.get(BOOKINGS, params={"limit": 1, "offset": 1,
                                                  "purpose": "収集ルートの作成"},
                                headers=office.as_staff())
        cancelled = await client.get(BOOKINGS, params={"status": "cancelled"},
                                     headers=office.as_staff())
        area = await client.get(BOOKINGS, params={"area_id": AREA_B},
                                headers=office.as_staff())
        bad = await client.get(BOOKINGS, params={"status": "lost"}, headers=office.as_staff())
        resident_log = (await client.get("/me/access-log",
                                         headers=bearer(office.app, office.resident))).json()
        neighbour_log = (await client.get("/me/access-log",
                                          headers=bearer(office.app, office.neighbour))).json()
    listed = day.json()
    assert listed["total"] == 2
    assert [(b["number"], b["area_name"], b["common_id"]) for b in listed["bookings"]] == [
        ("S2612-0001", "中央", office.resident.id), ("S2612-0002", "林田", office.neighbour.id)]
    assert listed["bookings"][0]["total_fee"] == 1300
    assert page.json()["total"] == 3 and len(page.json()["bookings"]) == 1
    assert [b["number"] for b in cancelled.json()["bookings"]] == ["S2612-0003"]
    assert [b["number"] for b in area.json()["bookings"]] == ["S2612-0002"]
    assert bad.status_code == 422
    entries = [(e["actor_kind"], e["actor_common_id"], e["resource"], e["purpose"])
               for e in resident_log["entries"]]
    assert ("staff", office.staff.id, "bulky_waste_bookings",
            "粗大ごみの収集（bulky waste collection）") in entries
    # The second page showed only the neighbour's booking, so only their log has its purpose.
    assert "収集ルートの作成" in [e["purpose"] for e in neighbour_log["entries"]]
    assert "収集ルートの作成" not in [e["purpose"] for e in resident_log["entries"]]


@pytest.mark.anyio
async def test_the_csv_opens_in_excel(office: Office) -> None:
    async with asgi_client(office.app) as client:
        await _book_some(client, office)
        response = await client.get(f"{BOOKINGS}.csv", params={"day": "2026-12-03"},
                                    headers=office.as_staff())
        everything = await client.get(f"{BOOKINGS}.csv", headers=office.as_staff())
        log = (await client.get("/me/access-log",
                                headers=bearer(office.app, office.resident))).json()
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="bulky-bookings-2026-12-03.csv"' in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["number", "day", "area", "items", "total_fee", "status", "booked_at"]
    assert [row[:6] for row in rows[1:]] == [
        ["S2612-0001", "2026-12-03", "中央", "電子レンジ×2、布団×1", "1300", "booked"],
        ["S2612-0002", "2026-12-03", "林田", "ソファー×1", "1000", "booked"]]
    assert len(rows[1][6]) == len("2026-11-16 09:00")
    assert len(list(csv.reader(io.StringIO(everything.content.decode("utf-8-sig"))))) == 4
    assert any(e["resource"] == "bulky_waste_bookings" for e in log["entries"])


@pytest.mark.anyio
async def test_collected_only_for_a_booked_booking(office: Office) -> None:
    engine = office.app.state.engine
    async with asgi_client(office.app) as client:
        await _book_some(client, office)
        done = await client.post(f"{BOOKINGS}/S2612-0001/collected", headers=office.as_staff())
        again = await client.post(f"{BOOKINGS}/S2612-0001/collected",
                                  headers=office.as_staff())
        cancelled = await client.post(f"{BOOKINGS}/S2612-0003/collected",
                                      headers=office.as_staff())
        missing = await client.post(f"{BOOKINGS}/S2612-9999/collected",
                                    headers=office.as_staff())
        pulled = (await client.get("/sync/pull",
                                   headers=bearer(office.app, office.resident))).json()
    assert done.status_code == 200 and done.json()["status"] == "collected"
    assert again.status_code == 409 and again.json()["detail"]["status"] == "collected"
    assert cancelled.status_code == 409 and cancelled.json()["detail"]["code"] == "not_booked"
    assert missing.status_code == 404
    latest = [c for c in pulled["changes"] if c["key"] == "r-1"][-1]
    assert latest["data"]["status"] == "collected" and latest["data"] == done.json()
    assert slot_state(engine, AREA_A, D1) == (5, 1)
