"""A check-up attended earns points (issue 17): a clerk checking in a booking of a resource
that `earns` an earning rule grants the booked person the rule's points through the points
tile's API, once (a second check-in, a kiosk check-in and an ineligible person get none; the
check-in itself always succeeds)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session

from backend.tiles.reservations.models import ReservationResource
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_person
from tests.backend.points_earning_helpers import points_of
from tests.backend.test_reservation_queue_helpers import (
    MORNING,
    add_booking,
    add_slot,
    clerk,
    definition,
    fix_now,
)

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_enough]
RESOURCE = "t-health-check"
SOON = MORNING + timedelta(minutes=30)


def _app(make_app: Any, database_url: str, earns: str | None = "health-check") -> FastAPI:
    app: FastAPI = make_app(database_url)  # demo data: the demo earning rules are published
    body = definition(RESOURCE, "health", None, None)
    if earns is not None:
        body["earns"] = earns
    with Session(app.state.engine) as session:
        session.merge(ReservationResource(
            municipality_code=app.state.settings.municipality_code, id=RESOURCE, version=1,
            kind="course", department="health", definition=json.dumps(body, ensure_ascii=False),
            is_demo=True, withdrawn=False, imported_at=MORNING))
        session.commit()
    add_slot(app, RESOURCE, SOON, capacity=5)
    return app


async def test_a_checked_in_check_up_earns_the_rules_points_once(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    taro = make_person(app, name="津山 太郎", birthdate=date(1981, 4, 12))
    young = make_person(app, name="津山 若葉", birthdate=date(2000, 1, 1))
    kenko = clerk(app, "health", "職員 健太")
    booking = add_booking(app, RESOURCE, SOON, taro)
    too_young = add_booking(app, RESOURCE, SOON, young)
    fix_now(monkeypatch, MORNING)
    before = points_of(app, taro)
    async with asgi_client(app) as client:
        done = await client.post(f"/staff/reservations/bookings/{booking.id}/check-in",
                                 headers=bearer(app, kenko))
        again = await client.post(f"/staff/reservations/bookings/{booking.id}/check-in",
                                  headers=bearer(app, kenko))
        refused = await client.post(f"/staff/reservations/bookings/{too_young.id}/check-in",
                                    headers=bearer(app, kenko))
    assert done.status_code == 200, done.text
    assert done.json()["points"] == {"rule": "health-check", "granted": True, "amount": 500}
    assert points_of(app, taro) == before + 500
    assert again.status_code == 200 and again.json()["points"] is None  # already checked in
    assert points_of(app, taro) == before + 500
    assert refused.status_code == 200, refused.text  # checked in all the same
    assert refused.json()["booking"]["status"] == "checked_in"
    assert refused.json()["points"] == {"rule": "health-check", "granted": False,
                                        "refused": "not_eligible"}
    assert points_of(app, young) == 0


async def test_a_resource_that_earns_nothing_answers_no_points(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url, earns=None)
    taro = make_person(app, name="津山 太郎", birthdate=date(1981, 4, 12))
    booking = add_booking(app, RESOURCE, SOON, taro)
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        done = await client.post(f"/staff/reservations/bookings/{booking.id}/check-in",
                                 headers=bearer(app, clerk(app, "health", "職員 健太")))
    assert done.status_code == 200 and done.json()["points"] is None
    assert points_of(app, taro) == 0
