"""The queue and staff clients (`ReservationsQueueClient`, `ReservationsStaffClient`)
against the real backend in-process, on SQLite (the routes' SQL
runs on PostgreSQL in the backend tests): a resident takes a number and
sees how many are ahead, a clerk issues a walk-in and calls, the resident sees "called"."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.identity.access_tokens import issue_access_token
from backend.models import Person
from backend_client import BackendClient, BackendRejected
from backend_client.reservations_queue import ReservationsQueueClient
from backend_client.reservations_staff import ReservationsStaffClient
from tests.backend.test_reservation_queue_helpers import (
    MORNING,
    add_resource,
    clerk,
    fix_now,
    resident,
)

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]


def token(app: FastAPI, person: Person) -> str:
    return issue_access_token(app.state.signing_key, app.state.settings.issuer, person.id)


async def test_a_number_taken_waits_then_is_called(database_url: str, make_app: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    fix_now(monkeypatch, MORNING)
    app: FastAPI = make_app(database_url, load_demo_data=False)
    add_resource(app, "t-kosodate-counter")
    hanako, kodomo = resident(app), clerk(app)
    async with BackendClient("http://backend.test",
                             transport=httpx.ASGITransport(app=app)) as client:
        queue, staff = ReservationsQueueClient(client), ReservationsStaffClient(client)
        walk_in = await staff.walk_in(token(app, kodomo), "t-kosodate")
        mine = await queue.take(token(app, hanako), "t-kosodate")
        assert (walk_in.number, mine.number, mine.ahead) == (1, 2, 1)
        again = await queue.take(token(app, hanako), "t-kosodate")
        assert again.number == 2  # the same ticket
        shown = await queue.status("t-kosodate", token(app, hanako))
        assert (shown.waiting, shown.ahead, shown.serving) == (2, 1, None)
        called = await staff.call_next(token(app, kodomo), "t-kosodate")
        assert called.ticket.number == 1 and called.waiting == 1
        await staff.done(token(app, kodomo), "t-kosodate", 1)
        await staff.call_next(token(app, kodomo), "t-kosodate")
        shown = await queue.status("t-kosodate", token(app, hanako))
        assert shown.mine is not None and shown.mine.status == "called"
        screen = await staff.caller_screen(token(app, kodomo), "t-kosodate")
        assert [(t.number, t.status) for t in screen.tickets] == [(1, "done"), (2, "called")]
        with pytest.raises(BackendRejected) as empty:
            await staff.call_next(token(app, kodomo), "t-kosodate")
        assert empty.value.code == "queue_empty"
        with pytest.raises(BackendRejected) as unknown:
            await queue.status("nowhere")
        assert unknown.value.code == "counter_not_found"
