"""`KioskQueueClient` against the real backend in-process (SQLite): a kiosk lists its
counters and hands out numbers with its device key; a wrong or revoked key, a counter not
the kiosk's and too many numbers are the backend's refusals, and a refused kiosk key never
asks for a renewed token; an unreachable backend is `BackendUnavailable`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session

from backend.tiles.reservations.checkin_code import checkin_code, checkin_key
from backend.tiles.reservations.kiosks.keys import add_device, make_key, revoke_device
from backend.tiles.reservations.settings import ReservationsSettings
from backend_client import BackendClient, BackendRejected, BackendUnavailable
from backend_client.kiosk_queue import KioskCounter, KioskCounters, KioskQueueClient
from backend_client.reservations_queue import ReservationsQueueClient
from backend_client.reservations_staff import ReservationsStaffClient
from tests.backend.people import bearer
from tests.backend.test_reservation_queue_helpers import (
    MORNING,
    add_booking,
    add_resource,
    add_slot,
    clerk,
    fix_now,
    resident,
)

pytestmark = pytest.mark.anyio


def _token(app: FastAPI, person: Any) -> str:
    return bearer(app, person)["Authorization"].removeprefix("Bearer ")


def _kiosk(app: FastAPI, counters: tuple[str, ...] = ()) -> tuple[str, str]:
    """(id, key) of a new kiosk device."""
    with Session(app.state.engine) as session:
        new = add_device(session, app.state.settings.municipality_code, "本庁舎1階",
                         counters, MORNING)
        session.commit()
        return new.device.id, new.key


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_kiosk_lists_its_counters_and_hands_out_numbers(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    fix_now(monkeypatch, MORNING)
    app: FastAPI = make_app(database_url, load_demo_data=False, tiles={
        "reservations": ReservationsSettings(kiosk_tickets_per_minute=2)})
    add_resource(app, "t-kosodate-counter")
    add_resource(app, "t-shimin-counter", department="citizens", counter="t-shimin")
    device_id, key = _kiosk(app)
    _, shimin_key = _kiosk(app, ("t-shimin",))
    hanako, kodomo = resident(app), clerk(app)
    renewals: list[str] = []

    async def renew(rejected: str) -> str | None:
        renewals.append(rejected)
        return "a-fresh-token"

    async with BackendClient("http://backend.test",
                             transport=httpx.ASGITransport(app=app)) as client:
        client.renew_token = renew
        kiosk = KioskQueueClient(client, key)
        queue, staff = ReservationsQueueClient(client), ReservationsStaffClient(client)
        mine = await queue.take(_token(app, hanako), "t-kosodate")
        ticket = await kiosk.take("t-kosodate")
        assert (mine.number, ticket.number, ticket.ahead) == (1, 2, 1)
        assert (ticket.channel, ticket.status, ticket.counter) == ("kiosk", "waiting",
                                                                   "t-kosodate")
        assert ticket.name == ("t-kosodate の窓口", "t-kosodate counter")
        await staff.call_next(_token(app, kodomo), "t-kosodate")
        shown = await kiosk.counters()
        assert shown == KioskCounters(kiosk="本庁舎1階", counters=(
            KioskCounter("t-kosodate", ("t-kosodate の窓口", "t-kosodate counter"), 1, 1),
            KioskCounter("t-shimin", ("t-shimin の窓口", "t-shimin counter"), None, 0)),
            as_of=MORNING)
        limited = await KioskQueueClient(client, shimin_key).counters()
        assert [c.counter for c in limited.counters] == ["t-shimin"]

        with pytest.raises(BackendRejected) as outside:
            await KioskQueueClient(client, shimin_key).take("t-kosodate")
        assert (outside.value.status_code, outside.value.code) == (404, "counter_not_found")

        await kiosk.take("t-shimin")
        fix_now(monkeypatch, MORNING + timedelta(seconds=20))
        with pytest.raises(BackendRejected) as over:
            await kiosk.take("t-kosodate")
        assert (over.value.status_code, over.value.code) == (429, "kiosk_rate_limited")
        assert over.value.info["retry_after_s"] == 40

        for wrong in (make_key(), ""):
            with pytest.raises(BackendRejected) as refused:
                await KioskQueueClient(client, wrong).counters()
            assert (refused.value.status_code, refused.value.code) == (401,
                                                                       "kiosk_key_invalid")
        with Session(app.state.engine) as session:
            assert revoke_device(session, app.state.settings.municipality_code, device_id,
                                 MORNING)
            session.commit()
        with pytest.raises(BackendRejected) as revoked:
            await kiosk.take("t-shimin")
        assert revoked.value.code == "kiosk_key_invalid"
    assert renewals == []  # a kiosk key is no access token: nothing to renew


async def test_an_unreachable_backend_is_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with BackendClient("http://backend.test", transport=httpx.MockTransport(refuse),
                             retries=0) as client:
        kiosk = KioskQueueClient(client, make_key())
        with pytest.raises(BackendUnavailable):
            await kiosk.counters()
        with pytest.raises(BackendUnavailable):
            await kiosk.take("t-kosodate")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_booking_is_checked_in_at_the_kiosk_by_its_code(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    fix_now(monkeypatch, MORNING)
    app: FastAPI = make_app(database_url, load_demo_data=False)
    add_resource(app, "t-kosodate-counter")
    soon = MORNING + timedelta(minutes=30)
    add_slot(app, "t-kosodate-counter", soon)
    booking = add_booking(app, "t-kosodate-counter", soon, resident(app))
    code = checkin_code(checkin_key(app.state.signing_key), booking.id, soon)
    _, key = _kiosk(app)
    async with BackendClient("http://backend.test",
                             transport=httpx.ASGITransport(app=app)) as client:
        kiosk = KioskQueueClient(client, key)
        done = await kiosk.check_in(code)
        with pytest.raises(BackendRejected) as garbled:
            await kiosk.check_in(code[:-2] + "AA")
    assert (done.number, done.status) == (booking.number, "checked_in")
    assert done.slot_start == soon and done.title[0]
    assert done.ticket is not None and (done.ticket.number, done.ticket.appointment) == (1, True)
    assert (garbled.value.status_code, garbled.value.code) == (422, "invalid_code")
