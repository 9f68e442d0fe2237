"""Helpers of the queue and staff tests of reservations (no tests here): resources, slots
and bookings inserted directly, staff and residents, and a fixed "now"."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import Session, col

from backend.models import AccessLogEntry, Person
from backend.services import clock
from backend.tiles.notices.models import Notice
from backend.tiles.reservations.models import (
    BOOKED,
    ReservationBooking,
    ReservationResource,
    ReservationSlot,
)
from tests.backend.people import make_person

# A Tuesday (not a holiday) at 10:00 in Tokyo.
MORNING = datetime(2026, 12, 15, 1, 0, tzinfo=UTC)
DAY = date(2026, 12, 15)


def definition(resource_id: str, department: str, counter: str | None,
               fee: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "format": 1, "id": resource_id, "version": 1, "demo": True, "kind": "counter",
        "title": {"ja": f"{resource_id} 窓口", "en": f"{resource_id} counter"},
        "summary": {"ja": "概要", "en": "summary"}, "department": department,
        "place": {"ja": "津山市役所 1階", "en": "City Hall 1F"}, "categories": ["counter"],
        "who": {"residency": "any", "min_age": None},
        "slots": {"weekdays": [1, 2, 3, 4, 5], "times": ["09:00", "10:00"], "minutes": 30,
                  "capacity": 2, "buffer_minutes": 0},
        "window": {"opens_days_before": 30, "closes_working_days_before": 0},
        "limits": {}, "fee": fee, "waiting_list": True, "questions": None,
        "queue": ({"counter": counter, "name": {"ja": f"{counter} の窓口",
                                                 "en": f"{counter} counter"}}
                  if counter else None),
    }


def add_resource(app: FastAPI, resource_id: str, department: str = "children",
                 counter: str | None = "t-kosodate", withdrawn: bool = False,
                 fee: dict[str, Any] | None = None) -> None:
    body = definition(resource_id, department, counter, fee)
    with Session(app.state.engine) as session:
        session.merge(ReservationResource(
            municipality_code=app.state.settings.municipality_code, id=resource_id,
            version=1, kind="counter", department=department,
            definition=json.dumps(body, ensure_ascii=False), is_demo=True,
            withdrawn=withdrawn, imported_at=MORNING))
        session.commit()


def add_slot(app: FastAPI, resource_id: str, start: datetime, capacity: int = 2,
             minutes: int = 30) -> None:
    with Session(app.state.engine) as session:
        session.add(ReservationSlot(
            municipality_code=app.state.settings.municipality_code, resource_id=resource_id,
            start=start, end=start + timedelta(minutes=minutes),
            day=clock.city_today(start), capacity=capacity, booked=0, updated_at=MORNING))
        session.commit()


def add_booking(app: FastAPI, resource_id: str, start: datetime, booker: Person,
                subject: Person | None = None, status: str = BOOKED,
                waiting_seq: int | None = None) -> ReservationBooking:
    """A booking row (and its place in the slot when it holds one)."""
    code = app.state.settings.municipality_code
    booking_id = str(uuid.uuid4())
    with Session(app.state.engine, expire_on_commit=False) as session:
        booking = ReservationBooking(
            id=booking_id, municipality_code=code, number=f"予-2026-{booking_id[:6]}",
            resource_id=resource_id, slot_start=start, slot_end=start + timedelta(minutes=30),
            booker_person_id=booker.id, subject_person_id=(subject or booker).id,
            status=status, waiting_seq=waiting_seq, created_at=MORNING, updated_at=MORNING)
        session.add(booking)
        slot = session.get(ReservationSlot, (code, resource_id, start))
        assert slot is not None
        if status in (BOOKED, "offered", "checked_in"):
            slot.booked += 1
        elif status == "waiting":
            slot.waiting += 1
        session.add(slot)
        session.commit()
    return booking


def resident(app: FastAPI, name: str = "津山 花子") -> Person:
    return make_person(app, name=name)


def clerk(app: FastAPI, department: str = "children", name: str = "職員 こども") -> Person:
    return make_person(app, name=name, role="staff", departments=(department,))


def fix_now(monkeypatch: pytest.MonkeyPatch, when: datetime) -> None:
    """Every `clock.utc_now()` (and `city_today()`) of the routes answers `when`."""
    monkeypatch.setattr(clock, "utc_now", lambda: when)


def notices_of(app: FastAPI, person: Person) -> list[Notice]:
    with Session(app.state.engine) as session:
        return list(session.scalars(select(Notice).where(col(Notice.person_id) == person.id)
                                    .order_by(col(Notice.id))))


def access_log_of(app: FastAPI, person: Person) -> list[AccessLogEntry]:
    with Session(app.state.engine) as session:
        return list(session.scalars(select(AccessLogEntry).where(
            col(AccessLogEntry.subject_person_id) == person.id)
            .order_by(col(AccessLogEntry.id))))
