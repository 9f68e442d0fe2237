"""The reservations tile on a device against the real backend in-process (SQLite; the
routes' SQL runs on PostgreSQL in the backend tests): resources and slots pulled into the
public store, a booking made offline and decided on sync (予約済み with its number; a second
one refused by the per-person limit, with the reason in the UI language), the .ics file, the
check-in code, and the cancellation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.features.procedures.catalogue import Household
from app.features.reservations.catalogue import Slot
from app.features.reservations.repository import BackendReservations, LocalReservations
from app.features.reservations.state import ReservationsState
from backend.tiles.reservations.resources.importer import import_folder
from backend.tiles.reservations.settings import DEMO_DIR
from backend_client import BackendClient, BackendRejected
from backend_client.reservations import ReservationsClient
from offline_store import MemoryDataKeyStore, open_public_store, open_user_store
from offline_store.sync_engine import SyncEngine
from tests.backend.people import bearer, make_person
from tests.identity_helpers import BASE_URL

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]
RESOURCE = "kosodate-counter"  # capacity 2, one open booking per person, closes 2 working days


class Device:
    def __init__(self, store: Any) -> None:
        self.store = store
        self.version = 0

    async def changed_locally(self) -> None:
        self.version += 1


class Public:
    def __init__(self, store: Any) -> None:
        self.store = store
        self.version = 0


class NoPeople:
    async def household(self) -> Household:
        return Household(age=40, known=True)


@dataclass
class Phone:
    client: BackendClient
    state: ReservationsState
    sync: SyncEngine
    token: Callable[[], Awaitable[str]]

    async def synced(self) -> None:
        report = await self.sync.sync_once()
        assert report.ok, report
        await self.state.load()


@pytest.fixture
def app(database_url: str, make_app: Callable[..., FastAPI]) -> FastAPI:
    made = make_app(database_url)
    report = import_folder(made.state.engine, made.state.settings.municipality_code, DEMO_DIR)
    assert report.ok, report.lines()
    return made


def phone_of(app: FastAPI, tmp_path: Path, name: str = "津山 花子") -> Phone:
    person = make_person(app, name=name, birthdate=date(1990, 7, 15),
                         address="岡山県津山市山北520")
    token_text = bearer(app, person)["Authorization"].removeprefix("Bearer ")

    async def token() -> str:
        return token_text

    client = BackendClient(BASE_URL, transport=httpx.ASGITransport(app=app), retries=0)
    store = open_user_store(tmp_path, person.id, MemoryDataKeyStore(), ephemeral=True,
                            device_id="phone")
    public = open_public_store(tmp_path, app.state.settings.municipality_code)
    profile = {"name": person.name, "address": person.address, "birthdate": "1990-07-15"}
    repo = LocalReservations(Public(public), Device(store), NoPeople(), lambda: profile)
    state = ReservationsState(repo, BackendReservations(client, token),
                              lambda: datetime.now(UTC))
    return Phone(client, state, SyncEngine(store, client, token, public_store=public), token)


def bookable_slots(state: ReservationsState) -> list[Slot]:
    """Free slots of the counter far enough ahead to be inside its booking window."""
    first = datetime.now(UTC) + timedelta(days=8)
    return [s for s in state.slots
            if s.resource_id == RESOURCE and s.start > first and not s.full]


async def test_a_booking_is_decided_on_sync_and_gives_its_calendar_and_checkin_code(
        app: FastAPI, tmp_path: Path) -> None:
    phone = phone_of(app, tmp_path)
    await phone.synced()
    state = phone.state
    entry = state.resource(RESOURCE)
    assert entry is not None and entry.kind == "counter" and entry.waiting_list
    assert state.synced_at is not None and state.counts_age() is not None
    first, second = bookable_slots(state)[:2]
    state.choose_slot(first)
    booking_id = await state.book(entry)
    assert booking_id is not None
    await state.load()
    pending = state.booking(booking_id)
    assert pending is not None and pending.status == "pending" and pending.waiting
    await phone.synced()
    booked = state.booking(booking_id)
    assert booked is not None and booked.status == "booked" and not booked.waiting
    assert booked.number and booked.slot_start == first.start and booked.has_qr
    assert state.slot(RESOURCE, first.start) is not None
    synced_slot = state.slot(RESOURCE, first.start)
    assert synced_slot is not None and synced_slot.booked == first.booked + 1

    # a second open booking is over the per-person limit: refused, reason in English
    state.language = "en"
    state.choose_slot(second)
    refused_id = await state.book(entry)
    assert refused_id is not None
    await phone.synced()
    refused = state.booking(refused_id)
    assert refused is not None and refused.status == "refused"
    assert refused.refusal_code == "limit_person"
    assert refused.refusal and "booking" in refused.refusal and "予約" not in refused.refusal

    reservations = ReservationsClient(phone.client)
    calendar = await reservations.calendar(await phone.token(), booking_id, "en")
    assert calendar.name.endswith(".ics") and b"BEGIN:VCALENDAR" in calendar.content
    assert booked.number.encode() in calendar.content
    code = await reservations.checkin_code(await phone.token(), booking_id)
    assert code.booking_id == booking_id and code.number == booked.number and code.code
    assert await state.show_checkin(booked, online=True)
    assert state.checkin_for(booking_id).code

    # another resident sees none of it
    other = phone_of(app, tmp_path / "other", name="津山 次郎")
    with pytest.raises(BackendRejected) as hidden:
        await ReservationsClient(other.client).calendar(await other.token(), booking_id)
    assert hidden.value.status_code == 404

    # cancelled through sync; the check-in code is then refused
    assert await state.cancel(booked)
    await phone.synced()
    cancelled = state.booking(booking_id)
    assert cancelled is not None and cancelled.status == "cancelled" and not cancelled.waiting
    with pytest.raises(BackendRejected) as gone:
        await reservations.checkin_code(await phone.token(), booking_id)
    assert gone.value.status_code == 409


async def test_a_change_moves_the_booking_to_another_slot(app: FastAPI,
                                                         tmp_path: Path) -> None:
    phone = phone_of(app, tmp_path)
    await phone.synced()
    state = phone.state
    entry = state.resource(RESOURCE)
    assert entry is not None
    first, second = bookable_slots(state)[:2]
    state.choose_slot(first)
    booking_id = await state.book(entry)
    assert booking_id is not None
    await phone.synced()
    booked = state.booking(booking_id)
    assert booked is not None and booked.may_change(state.now())
    assert await state.change(booked, second)
    await phone.synced()
    moved = state.booking(booking_id)
    assert moved is not None and moved.status == "booked" and moved.slot_start == second.start
    assert moved.refused_change is None and moved.number == booked.number
