"""The bulky-waste staff client and state (`BackendClient.staff_*`, `BackendBulkyStaff`,
`BulkyStaffState`) against the real backend in-process, on SQLite (the routes' SQL
runs on PostgreSQL in the backend tests)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import httpx
import pytest
from fastapi import FastAPI

from app.features.waste.staff.repository import BackendBulkyStaff
from app.features.waste.staff.state import PURPOSE, BulkyStaffState
from backend.identity.access_tokens import issue_access_token
from backend.services.clock import city_today
from backend_client import BackendClient, BackendRejected
from tests.backend.bulky_helpers import AREA_A, AREA_B, add_slot, book_args, push, seed_waste
from tests.backend.people import make_person

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]


def token_for(app: FastAPI, person_id: str) -> str:
    return issue_access_token(app.state.signing_key, app.state.settings.issuer, person_id)


@pytest.fixture
def office(database_url: str, make_app: Callable[..., FastAPI]) -> tuple[FastAPI, date, str]:
    """The city with two slots on one day, one of them with a resident's booking."""
    app = make_app(database_url, load_demo_data=False)
    engine = app.state.engine
    seed_waste(engine)
    day = city_today() + timedelta(days=40)
    add_slot(engine, AREA_A, day, capacity=3)
    add_slot(engine, AREA_B, day, capacity=2)
    resident = make_person(app, name="住民 花子")
    result = push(engine, resident, "book", book_args("b-1", AREA_A, day))
    assert result["status"] == "applied", result
    return app, day, result["result"]["number"]


def client_for(app: FastAPI) -> BackendClient:
    return BackendClient("http://backend.test", transport=httpx.ASGITransport(app=app))


async def test_the_staff_client_reads_and_writes_slots_and_bookings(
    office: tuple[FastAPI, date, str],
) -> None:
    app, day, number = office
    staff = make_person(app, role="staff", departments=("waste",))
    token = token_for(app, staff.id)
    client = client_for(app)
    try:
        slots = await client.staff_bulky_slots(token, day, day)
        assert [(s.area_id, s.capacity, s.booked, s.area_name) for s in slots] == [
            (AREA_A, 3, 1, "中央"), (AREA_B, 2, 0, "林田")]
        with pytest.raises(BackendRejected) as refused:
            await client.staff_put_bulky_slots(token, [(AREA_A, day, 0)])
        assert refused.value.status_code == 409
        assert refused.value.code == "capacity_below_booked"
        assert refused.value.info["booked"] == 1
        resized = await client.staff_put_bulky_slots(token, [(AREA_A, day, 4)])
        assert [(s.capacity, s.booked) for s in resized] == [(4, 1)]

        page = await client.staff_bulky_bookings(token, PURPOSE, day=day, status="booked")
        assert page.total == 1 and page.bookings[0].number == number
        assert page.bookings[0].items == (("布団", 1),)
        csv = await client.staff_bulky_bookings_csv(token, PURPOSE, day=day)
        assert csv.startswith("\ufeff".encode()) and number.encode() in csv
        done = await client.staff_mark_collected(token, number)
        assert done.status == "collected"
        with pytest.raises(BackendRejected) as again:
            await client.staff_mark_collected(token, number)
        assert again.value.code == "not_booked"
    finally:
        await client.aclose()


async def test_staff_of_another_department_get_a_clear_refusal(
    office: tuple[FastAPI, date, str],
) -> None:
    app, day, _ = office
    other = make_person(app, role="staff", departments=("citizens",))

    async def no_areas() -> list[tuple[str, str]]:
        return []

    client = client_for(app)
    token = token_for(app, other.id)

    async def fixed_token() -> str:
        return token

    state = BulkyStaffState(BackendBulkyStaff(client, fixed_token, no_areas), lambda: day)
    try:
        await state.load_slots()
        await state.load_bookings()
    finally:
        await client.aclose()
    assert state.slot_refusal is not None
    assert state.slot_refusal.code == "outside_staff_scope"
    assert state.bookings_refusal is not None
    assert state.bookings_refusal.code == "outside_staff_scope"


async def test_the_state_over_the_real_backend_shows_the_refusal_with_the_count(
    office: tuple[FastAPI, date, str],
) -> None:
    app, day, number = office
    staff = make_person(app, role="staff", departments=("waste",))
    client = client_for(app)
    token = token_for(app, staff.id)

    async def fixed_token() -> str:
        return token

    async def areas() -> list[tuple[str, str]]:
        return [(AREA_A, "中央"), (AREA_B, "林田")]

    saved: list[tuple[str, bytes]] = []

    async def save(name: str, data: bytes) -> None:
        saved.append((name, data))

    state = BulkyStaffState(BackendBulkyStaff(client, fixed_token, areas),
                            lambda: day - timedelta(days=3), save)
    try:
        await state.load_slots()
        state.set_capacity_text(AREA_A, day, "0")
        await state.save_capacity(AREA_A, day)
        assert state.slot_refusal is not None
        assert (state.slot_refusal.code, state.slot_refusal.booked) == (
            "capacity_below_booked", 1)
        state.set_day_filter(day.isoformat())
        await state.load_bookings()
        assert state.page is not None and [b.number for b in state.page.bookings] == [number]
        await state.mark_collected(number)
        assert state.collected_last == number
        state.set_status_filter(None)  # "booked" (the default) no longer matches it
        await state.download_csv()
    finally:
        await client.aclose()
    assert saved and saved[0][0] == f"bulky-bookings-{day.isoformat()}.csv"
    assert number.encode() in saved[0][1]
