"""Helpers of the booking tests (no tests here): a small test resource with its slots, a
fixed "now", pushes through the sync engine, and reading slots, bookings and rows back."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session, col, select

from backend.models import Person, SyncChange
from backend.models.person import ASSURANCE_CARD
from backend.services import clock
from backend.services.clock import CITY_TIME_ZONE
from backend.sync.push import process_push
from backend.sync.types import Mutation
from backend.tiles.reservations.models import ReservationBooking, ReservationSlot
from backend.tiles.reservations.resource import Resource
from tests.backend.reservation_helpers import CODE, demo_resource, import_resource

# Tuesday 1 December 2026, 10:00 in Tokyo: slots a week later are open for booking.
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)
DAY = date(2026, 12, 8)  # a Tuesday; booking closes at 00:00 on Friday 4 December
OTHER_DAY = date(2026, 12, 9)
RESOURCE = "t-counter"
_seq = itertools.count(1)


def fix_now(monkeypatch: pytest.MonkeyPatch, when: datetime = NOW) -> None:
    monkeypatch.setattr(clock, "utc_now", lambda: when)


def add_resource(app: FastAPI, resource_id: str = RESOURCE, capacity: int = 2,
                 **overrides: Any) -> Resource:
    """A counter with 09:00 and 09:30 slots on weekdays for two weeks, `capacity` places."""
    fields: dict[str, Any] = {
        "id": resource_id, "demo": False,
        "slots": {"weekdays": [1, 2, 3, 4, 5], "times": ["09:00", "09:30"], "minutes": 30,
                  "capacity": capacity, "buffer_minutes": 0},
        "window": {"opens_days_before": 14, "closes_working_days_before": 2},
        "limits": {"per_person_open": None, "per_household_open": None,
                   "per_person_per_month": None}}
    body = demo_resource(**(fields | overrides))
    return import_resource(app.state.engine, body, today=TODAY, now=NOW)


def start(day: date = DAY, at: str = "09:00") -> datetime:
    hours, minutes = at.split(":")
    return datetime.combine(day, time(int(hours), int(minutes)),
                            tzinfo=CITY_TIME_ZONE).astimezone(UTC)


def iso(day: date = DAY, at: str = "09:00") -> str:
    """A slot start as the device sends it: Tokyo time with its offset."""
    return start(day, at).astimezone(CITY_TIME_ZONE).isoformat()


def book_args(booking_id: str | None = None, day: date = DAY, at: str = "09:00",
              resource_id: str = RESOURCE, **extra: Any) -> dict[str, Any]:
    return {"id": booking_id or str(uuid.uuid4()), "resource_id": resource_id,
            "slot_start": iso(day, at), **extra}


def reservation_mutation(name: str, args: Any, mutation_id: str | None = None) -> Mutation:
    return Mutation(seq=next(_seq), mutation_id=mutation_id or str(uuid.uuid4()),
                    collection="reservations", name=name, args=args,
                    created_at=datetime.now(UTC).isoformat())


def push(app: FastAPI, person: Person, name: str, args: Any, mutation_id: str | None = None,
         client_id: str = "phone") -> dict[str, Any]:
    """One mutation pushed through the sync engine; its answer."""
    answer: dict[str, Any] = process_push(
        app.state.engine, person, client_id,
        [reservation_mutation(name, args, mutation_id)]).results[0]
    return answer


def applied(answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["status"] == "applied", answer
    result: dict[str, Any] = answer["result"]
    return result


def refused_code(answer: dict[str, Any]) -> str | None:
    if answer["status"] != "rejected":
        return None
    code: str = answer["error"]["code"]
    return code


def slot_counts(app: FastAPI, day: date = DAY, at: str = "09:00",
                resource_id: str = RESOURCE) -> tuple[int, int, int]:
    """(capacity, booked, waiting)."""
    with Session(app.state.engine) as session:
        slot = session.get(ReservationSlot, (CODE, resource_id, start(day, at)))
        assert slot is not None
        return slot.capacity, slot.booked, slot.waiting


def stored_booking(app: FastAPI, booking_id: str) -> ReservationBooking:
    with Session(app.state.engine) as session:
        booking = session.get(ReservationBooking, booking_id)
        assert booking is not None
        return booking


def person_rows(app: FastAPI, person: Person, collection: str = "reservations"
                ) -> dict[str, dict[str, Any]]:
    """key -> the latest row of the person's own stream."""
    with Session(app.state.engine) as session:
        rows = session.exec(select(SyncChange).where(
            col(SyncChange.person_id) == person.id, col(SyncChange.collection) == collection)
            .order_by(col(SyncChange.position))).all()
    return {row.key: json.loads(row.data) for row in rows if row.data}


def many_people(app: FastAPI, count: int) -> list[Person]:
    """`count` card-verified residents inserted at once (the race tests' crowd)."""
    now = datetime.now(UTC)
    people = [Person(id=str(uuid.uuid4()), municipality_code=CODE,
                     upstream_issuer="https://test-idp.example", upstream_subject=f"crowd-{n}",
                     assurance_level=ASSURANCE_CARD, name=f"住民 {n}", birthdate=date(1980, 1, 1),
                     created_at=now, updated_at=now) for n in range(count)]
    with Session(app.state.engine, expire_on_commit=False) as session:
        session.add_all(people)
        session.commit()
    return people
